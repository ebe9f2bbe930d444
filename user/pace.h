/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pacing: a loop whose period the user did not set keeps its own cost near
 * a tenth of a core, by lengthening the period as the work grows (100k
 * queues) and shortening it back, in round steps, and saying so.
 *
 * What a run needs is the caller's to say. An export's cost is measured: it
 * renders every queue whatever the period. A tick's is not: its work grows
 * with the events of a longer period, so pacing it by its measured cost
 * would lengthen it without end; it goes by the queues it holds, at the
 * CPU per queue tools/bench/scale measures (PACE_TICK_NS_PER_QUEUE).
 */
#ifndef VQMOD_PACE_H
#define VQMOD_PACE_H

#include <stdbool.h>
#include <linux/types.h>

/* The share of a core a paced loop aims at. */
#define PACE_SHARE 0.1
/* A tick's CPU per queue, rounded up from tools/bench/scale (0.18 us at 100k, 2026-12-01): 200 ms at 100k */
#define PACE_TICK_NS_PER_QUEUE 200

struct pace {
	const char *what;   /* "tick", "export": for the line that says so */
	const char *option; /* the option that sets it instead: "--interval" */
	double base_s;	    /* the default period, and the shortest */
	double period_s;    /* now */
	double cost_s;	    /* CPU seconds per run, smoothed */
	__u64 runs, changed_at;
};

void pace_init(struct pace *p, const char *what, const char *option, double base_s);
/*
 * Notes what one run needs, in CPU seconds (measured, or queues times a
 * cost); true when the period changed (p->period_s), after saying so on
 * stderr, with the queues there are.
 */
bool pace_note(struct pace *p, double cpu_s, size_t queues);
/* This thread's CPU time in seconds. */
double pace_cpu_now(void);

#endif
