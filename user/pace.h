/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pacing: a loop whose period the user did not set keeps its own cost near
 * a tenth of a core, by lengthening the period as the work grows (100k
 * queues) and shortening it back, in round steps, and saying so.
 */
#ifndef VQMOD_PACE_H
#define VQMOD_PACE_H

#include <stdbool.h>
#include <linux/types.h>

/* The share of a core a paced loop aims at. */
#define PACE_SHARE 0.1

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
 * Notes one run's CPU time; true when the period changed (p->period_s),
 * after saying so on stderr, with the queues there are.
 */
bool pace_note(struct pace *p, double cpu_s, size_t queues);
/* This thread's CPU time in seconds. */
double pace_cpu_now(void);

#endif
