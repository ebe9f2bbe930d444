/* SPDX-License-Identifier: GPL-2.0 */
/* The one event loop of a command: an interval timer, signals, a deadline. */
#ifndef VQMOD_EVLOOP_H
#define VQMOD_EVLOOP_H

#include "collector.h"

/* Called each interval with the previous and the new snapshot; non-zero stops. */
typedef int (*evloop_tick_fn)(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur);

struct ring_buffer;

struct evloop {
	struct collector *col;
	double interval_s;
	double duration_s; /* 0: until a signal */
	evloop_tick_fn tick;
	void *arg;
	struct ring_buffer *wake; /* optional: BPF asks for an early tick */
	__u64 early_ticks; /* out: ticks a wake-up brought forward */
};

/*
 * Reads a snapshot now, then one every interval (or sooner, when the wake
 * ring buffer has records) and hands both to tick, until SIGINT, SIGTERM or
 * SIGHUP (0), the duration (0), or an error (a negative errno, from tick or
 * the collector).
 */
int evloop_run(struct evloop *loop);
/* A ring buffer over the wake-ups map that only wakes (records are hints). */
struct ring_buffer *evloop_wakeups(int map_fd);

#endif
