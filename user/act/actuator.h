/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Actuators turn intended coalescing into device settings: the vqsim
 * family, ethtool, or nothing (dry run). They make no decisions.
 */
#ifndef VQMOD_ACTUATOR_H
#define VQMOD_ACTUATOR_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "core/delay_hist.h"
#include "core/queue.h"

#define ACT_DEV_LEN 32

struct coalesce {
	__u32 usecs;
	__u32 frames;
	bool adaptive; /* get: the driver's own adaptive moderation is on for this queue */
};

/* Where one queue's coalescing is set, in the actuator's own terms. */
struct act_target {
	char dev[ACT_DEV_LEN]; /* vqsim device ("vqsim0") or netdev ("eth1") */
	__u32 queue;	       /* vqsim: virtqueue index; ethtool: rx or tx queue number */
	bool tx;	       /* ethtool: the tx side of that queue */
};

struct act_setting {
	struct act_target target;
	struct coalesce coal;
	int err; /* out: 0 or this setting's negative errno */
};

/* A change to a queue's coalescing that this actuator did not make. */
struct act_change {
	struct act_target target;
	struct coalesce coal; /* what the queue has now */
	const char *by;	      /* who, for the log: "netlink", "the driver (cvq)", "a device reset" */
	bool reset;	      /* nobody chose it: the device was reset to its default */
};

typedef void (*act_change_cb)(void *arg, const struct act_change *c);

/*
 * A queue's figures as its device keeps them, for the engine's loss guard
 * and measured latency budget. The counters only grow (any number of
 * readers take their own deltas); a device that has one and not another
 * leaves its flag clear.
 */
struct act_figures {
	__u32 ring_size; /* buffers in the ring; 0: unknown */
	bool has_counts; /* drops, pending_hist, packets and bytes below */
	__u64 drops;	 /* frames that found no buffer */
	/* what the queue carried, for paths whose hooks see notifications only (vhost-vdpa) */
	__u64 packets, bytes;
	/* coalescing decisions by buffers pending then, in eighths of the ring (vqsim's uapi) */
	uint64_t pending_hist[PENDING_HIST_BUCKETS];
	bool has_delay; /* delay_hist below */
	/* notifications by their oldest buffer's delay, log-linear (core/delay_hist.h) */
	uint64_t delay_hist[DELAY_HIST_BUCKETS];
};

struct actuator;

struct actuator_ops {
	const char *name;
	int (*open)(struct actuator *a);
	/* The target of a monitored queue; -ENOENT if this actuator cannot set it. */
	int (*target_of)(struct actuator *a, const struct vq_ident *id, struct act_target *t);
	int (*get)(struct actuator *a, const struct act_target *t, struct coalesce *c);
	/* Applies n settings (one message where the device allows); 0 or the first error. */
	int (*set)(struct actuator *a, struct act_setting *s, size_t n);
	/*
	 * Optional: passes each change made by others since the last call, as the
	 * device reported it. -ENOBUFS when some may have been missed: read the
	 * queues back. Without it, the controller reads the queues back itself.
	 */
	int (*changes)(struct actuator *a, act_change_cb cb, void *arg);
	/*
	 * Optional: f[i] for t[i], for n queues, zeroed first; a queue the
	 * device no longer has stays zeroed. 0 or a negative errno (a.err).
	 */
	int (*figures)(struct actuator *a, const struct act_target *t, struct act_figures *f, size_t n);
	void (*close)(struct actuator *a);
};

struct actuator {
	const struct actuator_ops *ops;
	void *priv;
	char err[512]; /* why the last call failed, for the log */
};

/* Opens the named actuator ("vqsim", "ethtool", "dry-run"); -ENOENT if unknown. */
int actuator_open(struct actuator *a, const char *name);
void actuator_close(struct actuator *a);
const char *actuator_names(void);

extern const struct actuator_ops act_vqsim_ops, act_ethtool_ops, act_dry_run_ops;

#endif
