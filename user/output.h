/* SPDX-License-Identifier: GPL-2.0 */
/* Batch output of periods: a text table, or one JSON object per line. */
#ifndef VQMOD_OUTPUT_H
#define VQMOD_OUTPUT_H

#include <stdio.h>
#include "sample.h"
#include "selfstats.h"

struct hook_status;

/* What one period's report holds, already filtered and sorted. */
struct report {
	const struct vq_period *period;
	const struct vq_sample **shown;
	size_t nshown;
	const struct vq_sample *total; /* of the shown queues */
	double wallclock; /* Unix time at the period's end */
	const struct hook_status *hooks;
	size_t nhooks;
	const struct prog_sample *progs; /* --self, else NULL */
	size_t nprogs;
};

void table_print(FILE *f, const struct report *r);
void json_print(FILE *f, const struct report *r);

#endif
