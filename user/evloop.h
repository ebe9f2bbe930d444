/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one event loop of a command: an interval timer, stop signals, and
 * optionally BPF wake-ups, an HTTP server's sockets and a terminal's keys.
 */
#ifndef VQMOD_EVLOOP_H
#define VQMOD_EVLOOP_H

#include "monitor/collector.h"
#include "pace.h"

struct ring_buffer;
struct httpd;

enum evloop_input {
	EVLOOP_INPUT_NONE,
	EVLOOP_INPUT_QUIT,
	EVLOOP_INPUT_INTERVAL, /* *interval_s changed */
};

struct evloop {
	struct collector *col;
	double interval_s;
	double duration_s; /* 0: until a signal */
	/*
	 * Called once right after the first read with prev NULL (to prime
	 * exporters), then every interval. Returns 0 to go on, > 0 to stop,
	 * or a negative errno.
	 */
	int (*tick)(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur);
	void *arg;
	struct ring_buffer *wake; /* optional: BPF asks for an early tick */
	struct httpd *httpd;	  /* optional: served between ticks */
	int input_fd;		  /* optional (-1): keys, handled by input() */
	/* Also called when a signal (a resize) interrupted the wait. */
	enum evloop_input (*input)(void *arg, double *interval_s);
	__u64 early_ticks; /* out: ticks a wake-up brought forward */
	/* optional: the interval was not given; it follows the queues there are (pace.h) */
	struct pace *pace;
};

/*
 * Reads a snapshot now, then one every interval (or sooner, on a wake-up)
 * and hands both to tick, until SIGINT, SIGTERM, SIGHUP, the duration, a
 * tick or input asking to stop (0), or an error (a negative errno).
 */
int evloop_run(struct evloop *loop);
/* A ring buffer over the wake-ups map that only wakes (records are hints). */
struct ring_buffer *evloop_wakeups(int map_fd);

#endif
