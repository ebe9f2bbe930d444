/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A second device model for the engine's tests, written apart from the
 * engine (it shares no formula with user/engine/model.c and includes no
 * engine header): one rx virtqueue simulated event by event in microseconds.
 *
 *  - A finite ring of rx buffers. A frame that finds none free is dropped.
 *  - Coalescing as the virtio spec has it: counting starts at the first used
 *    buffer after a notification; notify when max_usecs have passed since
 *    then or max_frames are pending; 0 in either field notifies for every
 *    buffer. A notification can be late by a slack (a timer's, or vqsim's
 *    notify_delay_us fault knob).
 *  - The driver's NAPI: a notification turns the driver's callbacks off and
 *    schedules a poll after an interrupt latency. A poll takes up to budget
 *    (64) used buffers, costs time per poll and per packet, and gives the
 *    buffers back at its end. A full poll polls again; a short one turns
 *    callbacks back on, and polls again if more arrived meanwhile. While
 *    callbacks are off the device does not notify.
 *  - Traffic: bulk arrives in bursts (batching) at an offered rate that
 *    jitters from period to period, with exponential gaps between bursts;
 *    ping-pong sends the next request a jittered turnaround after the driver
 *    took the previous one. Every random draw comes from a seeded xorshift
 *    generator: a run is the same every time.
 */
#ifndef VQMOD_TESTS_DEVMODEL_H
#define VQMOD_TESTS_DEVMODEL_H

#include <stdbool.h>
#include <linux/types.h>

struct dm_config {
	unsigned int ring;	/* rx buffers */
	unsigned int budget;	/* NAPI: packets per poll */
	double irq_us;		/* notification to the start of the poll */
	double poll_us;		/* fixed cost of one poll */
	double packet_us;	/* the driver's cost per packet */
	double jitter;		/* relative jitter of those costs, 0..1 */
	double notify_slack_us; /* every notification is late by this much */
	__u64 seed;		/* 0 picks a fixed one */
};

enum dm_kind {
	DM_IDLE,
	DM_BULK,
	DM_PINGPONG,
};

struct dm_traffic {
	enum dm_kind kind;
	double pps;	    /* bulk: offered frames/s */
	unsigned int burst; /* bulk: mean frames per burst (0 or 1: single frames) */
	double rate_jitter; /* bulk: each period's rate is off by up to this fraction */
	double rtt_us;	    /* ping-pong: the peer's turnaround */
	unsigned int bytes; /* per frame */
};

/* What the device and the driver's hooks saw in one period. */
struct dm_period {
	__u64 ns;
	__u64 notifications; /* delivered to the driver */
	__u64 packets;	     /* taken by the driver's polls */
	__u64 bytes;
	__u64 polls;
	__u64 drops;		  /* frames that found no free buffer */
	__u64 offered;		  /* frames that arrived, dropped or not */
	unsigned int ring;	  /* the ring's size */
	unsigned int pending_max; /* the most used buffers not yet notified at once */
	__u64 delay_count;	  /* notifications with a delay measured */
	__u64 delay_p99_ns;	  /* first pending buffer to notification, 99th percentile */
	__u64 delay_max_ns;
};

/* Delays kept per period for the percentile; a period can hold no more notifications than this. */
#define DM_DELAYS_MAX 16384

struct devmodel {
	struct dm_config cfg;
	__u64 rng;
	double now; /* us */
	/* the ring */
	unsigned int avail; /* free buffers the device may fill */
	unsigned int used;  /* used buffers the driver has not taken */
	/* coalescing */
	bool cb_on;	   /* the driver wants notifications */
	unsigned int pend; /* used buffers since the last notification, with callbacks on */
	double pend_first; /* when the first of them was used */
	double notify_at;  /* a notification on its way (its slack), or INF */
	/* the driver */
	double poll_at;	 /* the next poll's start, or INF */
	double poll_end; /* the running poll's end, or INF */
	unsigned int poll_n;
	/* traffic */
	double next_arrival; /* or INF */
	unsigned int burst_left;
	bool waiting_reply; /* ping-pong: a request is in the ring or the driver */
	enum dm_kind kind;  /* the traffic of the last period */
	/* the running period */
	struct dm_period p;
	unsigned int ndelays;
	double delays[DM_DELAYS_MAX];
};

void dm_config_default(struct dm_config *cfg);
void dm_init(struct devmodel *m, const struct dm_config *cfg);
/* Runs traffic t for ns under max_usecs usecs, max_frames frames; fills out. */
void dm_run(struct devmodel *m, const struct dm_traffic *t, __u32 usecs, __u32 frames, __u64 ns, struct dm_period *out);

#endif /* VQMOD_TESTS_DEVMODEL_H */
