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

struct actuator;

struct actuator_ops {
	const char *name;
	int (*open)(struct actuator *a);
	/* The target of a monitored queue; -ENOENT if this actuator cannot set it. */
	int (*target_of)(struct actuator *a, const struct vq_ident *id, struct act_target *t);
	int (*get)(struct actuator *a, const struct act_target *t, struct coalesce *c);
	/* Applies n settings (one message where the device allows); 0 or the first error. */
	int (*set)(struct actuator *a, struct act_setting *s, size_t n);
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
