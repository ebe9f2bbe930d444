// SPDX-License-Identifier: GPL-2.0
/* Sorting and filtering queues for display. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "view.h"

static const char *const field_names[FIELD_COUNT] = {
    [FIELD_DEV] = "dev",	 [FIELD_DRIVER] = "driver",	[FIELD_QUEUE] = "queue",     [FIELD_TYPE] = "type",
    [FIELD_IRQS] = "irqs",	 [FIELD_SPURIOUS] = "spurious", [FIELD_PACKETS] = "packets", [FIELD_BYTES] = "bytes",
    [FIELD_PKT_PER_IRQ] = "ppi", [FIELD_HANDLER_NS] = "ns",	[FIELD_KICKS] = "kicks",
};

const char *view_field_names(void)
{
	return "dev, driver, queue, type, irqs, spurious, packets, bytes, ppi, ns, kicks";
}

static bool is_text(enum view_field f)
{
	return f <= FIELD_TYPE;
}

int view_parse_sort(const char *arg, struct view *v)
{
	char sign = 0;

	if (*arg == '-' || *arg == '+')
		sign = *arg++;
	for (int f = 0; f < FIELD_COUNT; f++) {
		if (strcmp(arg, field_names[f]) == 0) {
			v->sort = f;
			v->ascending = is_text(f);
			if (sign)
				v->ascending = sign == '+';
			return 0;
		}
	}
	return -1;
}

int view_set_filter(struct view *v, const char *regex, char *err, size_t errlen)
{
	int rc = regcomp(&v->filter, regex, REG_EXTENDED | REG_NOSUB);

	if (rc) {
		regerror(rc, &v->filter, err, errlen);
		return -1;
	}
	v->has_filter = true;
	return 0;
}

void view_free(struct view *v)
{
	if (v->has_filter)
		regfree(&v->filter);
	v->has_filter = false;
}

static double figure(const struct vq_sample *s, enum view_field f)
{
	switch (f) {
	case FIELD_IRQS:
		return s->irq_rate;
	case FIELD_SPURIOUS:
		return s->spurious_rate;
	case FIELD_PACKETS:
		return s->packet_rate;
	case FIELD_BYTES:
		return s->byte_rate;
	case FIELD_PKT_PER_IRQ:
		return s->packets_per_irq;
	case FIELD_HANDLER_NS:
		return s->avg_handler_ns;
	case FIELD_KICKS:
		return s->kick_rate;
	default:
		return 0;
	}
}

static const char *text(const struct vq_sample *s, enum view_field f)
{
	switch (f) {
	case FIELD_DEV:
		return s->id->dev;
	case FIELD_DRIVER:
		return s->id->driver;
	case FIELD_QUEUE:
		return s->id->queue;
	default:
		return vq_type_name(s->id->type);
	}
}

/* qsort has no context argument; the view is fixed for one sort call */
static const struct view *sorting;

static int sample_cmp(const void *pa, const void *pb)
{
	const struct vq_sample *a = *(const struct vq_sample *const *)pa;
	const struct vq_sample *b = *(const struct vq_sample *const *)pb;
	int cmp;

	if (is_text(sorting->sort)) {
		cmp = strcmp(text(a, sorting->sort), text(b, sorting->sort));
	} else {
		double x = figure(a, sorting->sort), y = figure(b, sorting->sort);

		cmp = (x > y) - (x < y);
	}
	if (!cmp) /* stable display order: by identity */
		return vq_key_cmp(&a->id->key, &b->id->key);
	return sorting->ascending ? cmp : -cmp;
}

size_t view_select(const struct view *v, const struct vq_period *p, const struct vq_sample **out)
{
	char line[128];
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct vq_sample *s = &p->s[i];

		if (v->has_filter) {
			snprintf(line, sizeof(line), "%s %s %s %s", s->id->dev, s->id->driver, s->id->queue,
				 vq_type_name(s->id->type));
			if (regexec(&v->filter, line, 0, NULL, 0))
				continue;
		}
		out[n++] = s;
	}
	sorting = v;
	qsort(out, n, sizeof(*out), sample_cmp);
	return n;
}
