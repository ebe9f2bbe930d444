// SPDX-License-Identifier: GPL-2.0
/* The TUI's rows: queues in the view's order, grouped by device or VM, and the selection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "tui_internal.h"

static int mod_cmp(const void *key, const void *m)
{
	return vq_key_cmp(key, &((const struct mod_copy *)m)->key);
}

const struct mod_copy *tui_mod_of(const struct tui *t, const struct vq_key *key)
{
	return t->nmods ? bsearch(key, t->mods, t->nmods, sizeof(*t->mods), mod_cmp) : NULL;
}

/* A group's name: the device, or the VM (a name shared by two VMs keeps them apart by pid). */
static void group_of(const struct tui *t, const struct vq_sample *s, char *buf, size_t len)
{
	if (t->group != GROUP_VM)
		snprintf(buf, len, "%s", s->id->dev);
	else if (s->id->vm.pid && s->id->vm.name[0])
		snprintf(buf, len, "%s (pid %d)", s->id->vm.name, s->id->vm.pid);
	else
		vm_label(&s->id->vm, buf, len);
}

static struct row *new_row(struct tui *t)
{
	struct row *r = array_grow(t->rows, &t->rows_cap, t->nrows + 1, sizeof(*r));

	if (!r)
		return NULL;
	t->rows = r;
	memset(&t->rows[t->nrows], 0, sizeof(t->rows[0]));
	return &t->rows[t->nrows++];
}

/* A shown queue with its group: groups appear where their first member would in the sort. */
struct member {
	size_t pos;	  /* in the view's order */
	size_t group_pos; /* the position of the group's first member */
	char label[sizeof(((struct row *)0)->label)];
};

static int by_label(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

static int by_group_then_pos(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->group_pos != y->group_pos)
		return x->group_pos < y->group_pos ? -1 : 1;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* Appends a group's header, its members, and the header's sums. */
static int add_group(struct tui *t, const struct vq_sample **shown, const struct member *m, size_t n)
{
	const struct vq_sample **sum = calloc(n, sizeof(*sum));
	struct row *h = new_row(t);
	size_t first = t->nrows;

	if (!sum || !h) {
		free(sum);
		return -1;
	}
	snprintf(h->label, sizeof(h->label), "%s", m[0].label);
	for (size_t k = 0; k < n; k++) {
		struct row *r = new_row(t);

		if (!r) {
			free(sum);
			return -1;
		}
		r->s = sum[k] = shown[m[k].pos];
	}
	vq_sample_sum(sum, n, t->seconds, &t->rows[first - 1].group); /* new_row may have moved the rows */
	free(sum);
	return 0;
}

void tui_build_rows(struct tui *t)
{
	struct vq_period p = {.n = t->n, .s = t->s, .seconds = t->seconds};
	const struct vq_sample **shown = calloc(t->n ? t->n : 1, sizeof(*shown));
	struct member *m = calloc(t->n ? t->n : 1, sizeof(*m));
	size_t n, i, j;

	t->nrows = 0;
	if (!shown || !m)
		goto out;
	n = view_select(&t->view, &p, shown);
	if (t->group == GROUP_NONE) {
		for (i = 0; i < n; i++) {
			struct row *r = new_row(t);

			if (!r)
				break;
			r->s = shown[i];
		}
		goto out;
	}
	for (i = 0; i < n; i++) {
		m[i].pos = i;
		group_of(t, shown[i], m[i].label, sizeof(m[i].label));
	}
	qsort(m, n, sizeof(*m), by_label);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && !strcmp(m[j].label, m[i].label); j++)
			m[j].group_pos = m[i].pos;
	}
	qsort(m, n, sizeof(*m), by_group_then_pos);
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && m[j].group_pos == m[i].group_pos; j++)
			;
		if (add_group(t, shown, m + i, j - i))
			break;
	}
out:
	free(shown);
	free(m);
}

long tui_selected_row(const struct tui *t)
{
	for (size_t i = 0; t->has_selected && i < t->nrows; i++)
		if (t->rows[i].s && !vq_key_cmp(&t->rows[i].s->id->key, &t->selected))
			return i;
	return -1;
}

void tui_fix_selection(struct tui *t)
{
	if (tui_selected_row(t) >= 0)
		return;
	t->has_selected = false;
	for (size_t i = 0; i < t->nrows; i++) {
		if (t->rows[i].s) {
			t->selected = t->rows[i].s->id->key;
			t->has_selected = true;
			return;
		}
	}
}

void tui_move_selection(struct tui *t, long by)
{
	long cur = tui_selected_row(t), i, last = -1;

	if (cur < 0)
		return;
	for (i = cur; by > 0 ? i < (long)t->nrows : i >= 0; i += by > 0 ? 1 : -1) {
		if (!t->rows[i].s)
			continue;
		last = i;
		if (labs(i - cur) >= labs(by))
			break;
	}
	if (last >= 0)
		t->selected = t->rows[last].s->id->key;
}
