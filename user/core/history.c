// SPDX-License-Identifier: GPL-2.0
/* The last HISTORY_LEN periods of each queue's rates, for sparklines. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "history.h"

void history_init(struct history *h)
{
	memset(h, 0, sizeof(*h));
}

void history_free(struct history *h)
{
	free(h->e);
	history_init(h);
}

static int entry_cmp(const void *key, const void *entry)
{
	return vq_key_cmp(key, &((const struct history_entry *)entry)->key);
}

const struct history_entry *history_find(const struct history *h, const struct vq_key *key)
{
	return h->n ? bsearch(key, h->e, h->n, sizeof(*h->e), entry_cmp) : NULL;
}

static void append(struct history_entry *e, const struct vq_sample *s)
{
	e->v[HIST_IRQS][e->next] = s->irq_rate;
	e->v[HIST_PACKETS][e->next] = s->packet_rate;
	e->v[HIST_BYTES][e->next] = s->byte_rate;
	e->next = (e->next + 1) % HISTORY_LEN;
	if (e->n < HISTORY_LEN)
		e->n++;
}

int history_push(struct history *h, const struct vq_period *p)
{
	struct history_entry *next = calloc(p->n ? p->n : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	/* the period is in key order, so the new array is too */
	for (size_t i = 0; i < p->n; i++) {
		const struct history_entry *old = history_find(h, &p->s[i].id->key);

		if (old)
			next[i] = *old;
		else
			next[i].key = p->s[i].id->key;
		append(&next[i], &p->s[i]);
	}
	free(h->e);
	h->e = next;
	h->n = p->n;
	return 0;
}

double history_value(const struct history_entry *e, enum history_series s, unsigned int i)
{
	unsigned int oldest = (e->next + HISTORY_LEN - e->n) % HISTORY_LEN;

	return i < e->n ? e->v[s][(oldest + i) % HISTORY_LEN] : 0;
}

double history_max(const struct history_entry *e, enum history_series s)
{
	double max = 0;

	for (unsigned int i = 0; i < e->n; i++)
		max = fmax(max, history_value(e, s, i));
	return max;
}

size_t history_levels(const struct history_entry *e, enum history_series s, unsigned int nlevels, unsigned char *out)
{
	double max = history_max(e, s);
	unsigned int top = nlevels > 1 ? nlevels - 1 : 0;

	for (unsigned int i = 0; i < e->n; i++) {
		double v = history_value(e, s, i), l;

		if (!(v > 0) || !top) {
			out[i] = 0;
			continue;
		}
		l = ceil(v / max * top);
		out[i] = l < 1 ? 1 : l > top ? top : (unsigned char)l;
	}
	return e->n;
}
