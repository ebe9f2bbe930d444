/* SPDX-License-Identifier: GPL-2.0 */
/* Batch output of periods: a text table, or one JSON object per line. */
#ifndef VQMOD_OUTPUT_H
#define VQMOD_OUTPUT_H

#include <stdio.h>
#include "sample.h"
#include "selfstats.h"

struct hook_status;

/* One decision a controller made about a queue. */
struct vq_decision {
	double time; /* Unix time */
	__u32 old_usecs, old_frames, usecs, frames;
	char reason[48];
};

/*
 * What a controller holds about one queue. Front ends show "-" where a
 * report has none, as when `vqmod top` runs alone.
 */
struct vq_moderation {
	bool coalesce_known; /* the device's current setting is known */
	__u32 usecs, frames;
	char state[16]; /* the engine's state: "right", "parked", ... */
	__u64 decisions; /* made since the controller started */
	const struct vq_decision *recent; /* the latest few, oldest first */
	size_t nrecent;
};

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
	const char *controller; /* the controller's state; NULL: none runs */
	const struct vq_moderation *const *mod; /* parallel to shown[]; NULL: none */
};

void table_print(FILE *f, const struct report *r);
void json_print(FILE *f, const struct report *r);

#endif
