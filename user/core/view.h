/* SPDX-License-Identifier: GPL-2.0 */
/* What the front ends show of a period: which queues, in which order. */
#ifndef VQMOD_VIEW_H
#define VQMOD_VIEW_H

#include <regex.h>
#include <stdbool.h>
#include "sample.h"

enum view_field {
	FIELD_DEV,
	FIELD_DRIVER,
	FIELD_QUEUE,
	FIELD_TYPE,
	FIELD_IRQS,
	FIELD_SPURIOUS,
	FIELD_PACKETS,
	FIELD_BYTES,
	FIELD_PKT_PER_IRQ,
	FIELD_HANDLER_NS,
	FIELD_KICKS,
	FIELD_COUNT,
};

struct view {
	enum view_field sort;
	bool ascending; /* default: names ascending, figures descending */
	bool has_filter;
	regex_t filter; /* matched against "dev driver queue type" */
};

/* Parses "irqs", "-irqs" (reversed) or "+dev"; -1 if unknown. */
int view_parse_sort(const char *arg, struct view *v);
const char *view_field_names(void);
/* Compiles the filter; on error writes regerror's text to err. */
int view_set_filter(struct view *v, const char *regex, char *err, size_t errlen);
void view_free(struct view *v);
/* Fills out with pointers into p->s, filtered and sorted; returns how many. */
size_t view_select(const struct view *v, const struct vq_period *p, const struct vq_sample **out);

#endif
