/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One period's report, as every front end takes it: the queues shown, their
 * totals, the hooks in force, the monitor's own cost and, where a controller
 * runs, each queue's moderation.
 */
#ifndef VQMOD_REPORT_H
#define VQMOD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "sample.h"

/* One hook group as the monitor attached it (or why it could not). */
struct hook_status {
	const char *group;  /* "notify", "kick", "napi", ... */
	const char *active; /* the attached alternative, or NULL */
	bool wanted;	    /* asked for (all are, by default) */
	char why[192];	    /* when not active: what each alternative said */
};

/* One BPF program's cost over a period (vqmod top --self). */
struct prog_sample {
	char name[32];
	__u64 events; /* runs in the period */
	__u64 run_ns; /* time spent in the program in the period */
	double event_rate;
	double ns_per_event;
	double cpu_percent; /* of one CPU */
	bool has_baseline;  /* --baseline: an empty program ran beside it, on the same hook */
	__u64 base_events;
	double base_ns_per_event;
};

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
	char state[16];			  /* the engine's state: "right", "parked", ... */
	__u64 decisions;		  /* made since the controller started */
	const struct vq_decision *recent; /* the latest few, oldest first */
	size_t nrecent;
};

/* The monitor's own limits and churn, from the collector. */
struct monitor_health {
	__u32 max_queues;     /* slots in the maps */
	__u64 refused_queues; /* queues not counted: no slot was free (distinct, as far as told) */
	__u64 refused_events; /* their events */
	__u64 gone;	      /* identities a removal hook ended */
	__u64 reclaimed;      /* identities ended for idleness */
};

/* What a controller did since it started. */
struct controller_stats {
	__u64 decisions; /* judged windows */
	__u64 changes;	 /* settings applied */
	__u64 failures;	 /* settings the device refused */
	__u64 yields;	 /* queues left to whoever else set them */
};

/* What one period's report holds, already filtered and sorted. */
struct report {
	const struct vq_period *period;
	const struct vq_sample **shown;
	size_t nshown;
	const struct vq_sample *total; /* of the shown queues */
	double wallclock;	       /* Unix time at the period's end */
	const struct hook_status *hooks;
	size_t nhooks;
	const struct prog_sample *progs; /* --self, else NULL */
	size_t nprogs;
	const char *controller;			/* the controller's state; NULL: none runs */
	const struct vq_moderation *const *mod; /* parallel to shown[]; NULL: none */
	const struct monitor_health *health;	/* NULL: not known */
	const struct controller_stats *ctl;	/* the controller's own counts, where it reports itself */
};

/* "notify=tp_btf irq_handler_entry/exit, kick=none, ..." of the wanted groups. */
void report_hooks_line(const struct hook_status *h, size_t n, char *buf, size_t len);

#endif /* VQMOD_REPORT_H */
