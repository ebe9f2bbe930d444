/* SPDX-License-Identifier: GPL-2.0 */
/* The one event loop of a command: an interval timer, signals, a deadline. */
#ifndef VQMOD_EVLOOP_H
#define VQMOD_EVLOOP_H

#include "collector.h"

/* Called each interval with the previous and the new snapshot; non-zero stops. */
typedef int (*evloop_tick_fn)(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur);

/*
 * Reads a snapshot now, then one every interval and hands both to tick,
 * until SIGINT, SIGTERM or SIGHUP (0), the duration (0; 0 means none), or
 * an error (negative errno, from tick or the collector).
 */
int evloop_run(struct collector *col, double interval_s, double duration_s, evloop_tick_fn tick, void *arg);

#endif
