/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vqmod run, in its parts: the options (run_args.c), the controller that
 * wires samples to the engine and the engine's decisions to an actuator
 * (controller.c), the decision log (run_log.c), and the command (run.c).
 */
#ifndef VQMOD_RUN_H
#define VQMOD_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include "act/actuator.h"
#include "act/claim.h"
#include "act/restore.h"
#include "core/modstate.h"
#include "core/report.h"
#include "engine/engine.h"
#include "monitor/loader.h"
#include "pace.h"

/*
 * The engine's shortest window in vqmod run, by default none: net_dim's 64
 * notifications. Longer windows average out a host's scheduling and a
 * source's bursts (under TCG, 10 ms windows of a steady 10,000 frames/s read
 * 2,476 to 29,460 packets/s), but at 100 ms, bulk under TCG stayed
 * uncoalesced for seconds: DIM's probes out of request/response come a
 * window apart.
 */
#define RUN_MIN_WINDOW_MS 0

/* --weight NAME=W: a device (virtioN, vqsim0) or a VM (its -name) and its share of the budget. */
struct run_weight {
	const char *name; /* points into argv */
	size_t len;
	__u32 weight;
};

struct run_opts {
	const char *actuator;
	const char *device; /* monitored (virtioN) or target (vqsim0, eth1) name, or a VM's name */
	const char *queue;  /* name (input.0) or virtqueue index */
	unsigned int interval_ms;
	bool interval_given, export_given; /* else each is paced to its cost (pace.h) */
	double duration; /* seconds; 0: until a signal */
	bool json, verbose;
	bool take_back; /* a queue someone else sets stays vqmod's (default: yield it) */
	const char *state_path;
	const char *prom_file, *listen;
	__u64 export_interval_ns; /* textfile, HTTP body and the state top reads */
	struct engine_config engine;
	struct run_weight *weights;
	size_t nweights, weights_cap;
	struct vqmon_opts mon;
	const char *from_pinned; /* a pin's directory: its monitor, none loaded */
	__u64 idle_timeout_ns;
};

/* One queue the controller has seen: where it is set, what it has, what it had. */
struct ctl_queue {
	/* What every tick reads first, together: at 100k queues each line is a cache miss. */
	struct vq_ident *id; /* a reference, for the log */
	__u64 seen;	     /* the tick it was last in */
	__u64 figures_tick;  /* figures_at is this tick's read when it is the tick */
	bool settable;	     /* false: not ours, or the device refused */
	bool yielded;	     /* someone else set it: theirs now */
	bool changed;	     /* its original is in the restore record */
	struct coalesce current;
	struct vq_key key;
	/* What a change or a read of the device's figures reads. */
	size_t figures_at; /* in the controller's scratch */
	/* the device's figures (drops, ring, delays) at the last read, or NULL: each period's delta feeds the engine */
	struct act_figures *figures;
	struct act_target target;
	struct coalesce original;
	__u64 decisions;
	struct modstate_queue *shown; /* in the published state, or NULL */
};

struct collector;

struct controller {
	const struct run_opts *o;
	struct engine *engine;
	struct actuator act;
	struct restore restore;
	struct ctl_queue **q; /* sorted by key; each entry stays where it is */
	size_t nq, q_cap;
	/* the tick's changes, one batch to the actuator */
	struct act_setting *batch;
	struct ctl_queue **batch_queue;
	char (*batch_reason)[24];
	size_t batch_cap;
	/* the tick's read of the device's figures, for the queues it had */
	struct act_target *fig_target;
	struct act_figures *fig_now;
	size_t fig_cap;
	bool republish; /* the published state changed */
	struct vq_snapshot exported; /* as of the last export */
	struct vq_period period; /* each tick's, its memory reused */
	__u64 exported_ns;
	__u64 export_interval_ns; /* --export-interval, or paced */
	struct pace export_pace;
	__u64 tick;
	size_t published_n;
	__u64 decisions, changes, failures, yields;
	struct claims claims; /* the devices this run sets */
	char refused_dev[ACT_DEV_LEN]; /* the last device another run holds, said once */
	__u64 start_ns;		       /* of the first period: --device is reported after 5 s */
	bool matched, unmatched_said, said_vhost_net;
	__u64 readback_ns; /* the last read-back of the queues' coalescing */
	struct httpd *httpd;
	struct modstate published; /* for vqmod top, beside the restore record */
	char published_path[280];
	const struct hook_status *hooks;
	size_t nhooks;
	const struct collector *col; /* for the monitor's health */
	char err[512];
};

/* run_args.c: an enum vqmod_exit (usage errors are said). */
int run_parse_args(int argc, char **argv, struct run_opts *o);
void run_opts_free(struct run_opts *o);

/* controller.c */
int controller_init(struct controller *ctl, const struct run_opts *o);
void controller_free(struct controller *ctl);
/* The evloop tick: one period's decisions, applied; then the exporters. */
int controller_tick(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur);
/* A record left by a vqmod that did not exit cleanly is applied first. */
void controller_restore_leftovers(struct controller *ctl);

/* run_log.c: a decision, as a line of text or JSON on stdout */
void run_log_decision(const struct controller *ctl, const struct vq_ident *id, const struct ctl_queue *q,
		      const struct engine_decision *d);
/* An event of a queue that is not a decision (yield, take-back, reset), in the log's format. */
void run_log_event(const struct controller *ctl, const struct ctl_queue *q, const char *event,
		   const struct coalesce *now, const char *text);
/* What vqmod top shows of a queue's last change. */
void run_publish_decision(struct ctl_queue *q, const struct coalesce *next, const char *reason);

#endif /* VQMOD_RUN_H */
