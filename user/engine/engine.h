/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The moderation engine: per virtqueue, from one period's counts to the
 * intended coalescing, with the reason. DIM (dim.h) inside a latency budget
 * and a share of the host interrupt budget (budget.h), with a fast jump on
 * phase changes. Pure: no I/O, no globals, no clock (time comes in samples).
 *
 * The controller, every period and for every queue:
 *
 *	struct engine_decision d;
 *
 *	engine_decide(engine, id, &sample, &current, &d);
 *	if (d.change)
 *		apply(id, d.next.usecs, d.next.frames);
 *	log(id, current, d.next, d.reason, d.text, d.figures);
 *
 * With an interrupt budget, shares are recomputed from every queue's demand
 * once per round of engine_decide calls (as many calls as queues), or at
 * once with engine_rebalance().
 *
 * Three guards bound what DIM and the model ask for (engine.c says why):
 *  - settling: under a steady load a queue keeps its setting. Leaving it
 *    needs a change of load beyond the noise the queue has shown; then the
 *    model's choice is taken rather than DIM's probe of a neighbour; and it
 *    waits min_dwell_ns after the last change, within max_changes_per_min.
 *    A held move is ENGINE_R_HELD, with held_next (log its first:
 *    held_count 1). Phase changes (jump_ratio) are not held.
 *  - loss: a period with drops, or with 3/4 of the ring pending, backs the
 *    queue off at once (ENGINE_R_LOSS, ENGINE_R_RING_FULL), and the lossy
 *    setting stays out of reach for loss_hold_ns (longer if it recurs).
 *  - delay: a measured p99 (ENGINE_SAMPLE_DELAY) over max_delay_us lowers
 *    the setting (ENGINE_R_DELAY_OVER_BUDGET), and the queue does not climb
 *    back above it while the p99 stays near the budget. A queue without a
 *    measurement is held to the model's estimate: a notification waits at
 *    most the profile's usecs, so no profile above max_delay_us is used
 *    (that cap holds for measured queues too).
 * The loss guard overrides the others, and the delay budget the settling
 * guard.
 */
#ifndef VQMOD_ENGINE_H
#define VQMOD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "dim.h"
#include "alloc.h"
#include "budget.h"

/* Defaults of struct engine_config. */
#define ENGINE_DEFAULT_RR_PPI_X100	   150 /* 1.5 packets per interrupt */
#define ENGINE_DEFAULT_JUMP_RATIO	   2
#define ENGINE_DEFAULT_WINDOW_MAX_NS	   500000000ULL	 /* 0.5 s */
#define ENGINE_DEFAULT_MIN_DWELL_NS	   1000000000ULL /* 1 s */
#define ENGINE_DEFAULT_MAX_CHANGES_PER_MIN 10
#define ENGINE_DEFAULT_LOSS_HOLD_NS	   30000000000ULL /* 30 s */
/* Limits engine_config_check enforces. */
#define ENGINE_MAX_DWELL_NS	   600000000000ULL /* 10 min */
#define ENGINE_MAX_CHANGES_PER_MIN 6000
#define ENGINE_MAX_LOSS_HOLD_NS	   3600000000000ULL /* 1 h */

struct engine_config {
	struct dim_table rx, tx; /* profile tables by queue kind */
	__u32 max_delay_us;	 /* latency budget: no profile above it; 0: none */
	__u64 irq_budget;	 /* interrupts/s for all queues together; 0: none */
	/* request/response at or below this many packets per interrupt, x100; 0: off */
	__u32 rr_ppi_x100;
	/* a phase change: the packet or byte rate moves by this factor (at least 2); 0: no jumps */
	__u32 jump_ratio;
	/* a window with fewer than DIM_WINDOW_EVENTS is judged after this long */
	__u64 window_max_ns;
	/*
	 * ... and one with more no sooner than this (0, the default: at its
	 * DIM_WINDOW_EVENTS, as net_dim). 64 interrupts take 2 ms at 30,000
	 * packets/s uncoalesced; a host that deschedules a VM for 10 ms, or a
	 * source that catches up in a burst, makes windows that short read a
	 * steady load at a quarter or three times its rate.
	 */
	__u64 window_min_ns;
	unsigned int start_index; /* net_dim's is 1; clamped to the table */
	/*
	 * The settling guard. Leaving a setting on the queue's own account
	 * (the model's answer to a moderate change of load, DIM leaving
	 * parking) waits this long after the queue's last change; 0: no
	 * dwell. Phase changes, the loss guard, the latency budget,
	 * request/response, idle and the interrupt share are never held.
	 */
	__u64 min_dwell_ns;
	/*
	 * ... and such moves, with the steps of a DIM walk they start, come
	 * at most this many a minute on average: a credit that holds 2, and
	 * a walk under way may owe 2 (so at most this + 4 in any minute).
	 * 0: no limit.
	 */
	__u32 max_changes_per_min;
	/*
	 * The loss guard: after drops or a ring 3/4 pending, the settings
	 * above the one it backed off to stay out of reach this long (doubled
	 * each time it recurs soon after, up to 8 times). Above 0.
	 */
	__u64 loss_hold_ns;
};

enum engine_queue_kind {
	ENGINE_QUEUE_RX,
	ENGINE_QUEUE_TX,
};

struct engine_queue_config {
	enum engine_queue_kind kind; /* picks the profile table */
	__u32 group;		     /* device or VM, for the interrupt budget */
	__u32 weight;		     /* within the group; 0 counts as 1 */
};

/* Flags of struct engine_sample. */
#define ENGINE_SAMPLE_RESET (1U << 0) /* counters restarted: the counts are partial */
#define ENGINE_SAMPLE_DELAY (1U << 1) /* delay_p99_ns and delay_count are filled in */

/* One period of one queue: counts over it, not cumulative counters. */
struct engine_sample {
	__u64 period_ns;   /* measured length of the period */
	__u64 events;	   /* notifications delivered (interrupts, vq callbacks) */
	__u64 packets;	   /* packets completed; 0 where the path does not show them */
	__u64 bytes;	   /* bytes completed; 0 where unknown */
	__u64 completions; /* used buffers, stands in for packets where those are 0 */
	__u32 flags;
	/*
	 * The device's own figures, where it has them (0: unknown, or none):
	 * the loss guard's input.
	 */
	__u32 ring_size;   /* buffers in the ring */
	__u32 pending_max; /* the most used buffers held back (not yet notified) at once in the period */
	__u64 drops;	   /* frames the device dropped in the period for want of a buffer */
	/*
	 * With ENGINE_SAMPLE_DELAY, the delay the device added before it
	 * notified (from the first pending buffer to the notification), as it
	 * measured it: the 99th percentile over the period's delay_count
	 * notifications. The controller takes it from the device's histogram;
	 * the engine knows no bucket layout.
	 */
	__u64 delay_p99_ns;
	__u64 delay_count;
};

struct engine_coal {
	__u32 usecs;
	__u32 frames;
};

enum engine_reason {
	ENGINE_R_MEASURING,	    /* window not full yet */
	ENGINE_R_BAD_SAMPLE,	    /* zero period, or counts no queue can reach: dropped */
	ENGINE_R_COUNTERS_RESET,    /* counters restarted: window dropped */
	ENGINE_R_START,		    /* first sample of the queue: the start profile */
	ENGINE_R_RESYNC,	    /* the device's setting is not the one set: set again */
	ENGINE_R_IDLE,		    /* no traffic for a whole window: lowest profile */
	ENGINE_R_SPARSE,	    /* too few events to judge: held */
	ENGINE_R_SETTLING,	    /* window after a jump: taken as the new reference */
	ENGINE_R_DIM,		    /* net_dim's decision (see verdict) */
	ENGINE_R_REQ_RESP,	    /* about one packet per interrupt: lowest profile */
	ENGINE_R_PHASE_JUMP,	    /* traffic changed, or DIM heads right: straight to the predicted profile */
	ENGINE_R_DELAY_OVER_BUDGET, /* the measured p99 exceeds the latency budget: down to what fits */
	ENGINE_R_IRQ_SHARE,	    /* raised (or held) to stay within the interrupt share */
	ENGINE_R_SHARE_FREED,	    /* the share allows DIM's own choice again */
	ENGINE_R_HELD,		    /* the settling guard held a move back: held_next is what was wanted */
	ENGINE_R_LOSS,		    /* the device dropped frames: backed off at once (not judged) */
	ENGINE_R_RING_FULL,	    /* 3/4 of the ring pending: backed off at once (not judged) */
};
#define ENGINE_R_LAST ENGINE_R_RING_FULL

struct engine_decision {
	bool change;		 /* apply next */
	struct engine_coal next; /* intended setting; the current one when !change */
	unsigned int profile;	 /* its index in the queue's table */
	enum engine_reason reason;
	enum dim_verdict verdict; /* with ENGINE_R_DIM */
	enum dim_tune tune;	  /* DIM's state after the decision */
	char text[192];		  /* one short line for the log; empty while measuring */

	/* The figures that decided; zero while measuring. */
	bool judged; /* a window was complete */
	__u64 window_ns, window_events, window_packets, window_bytes;
	struct dim_stats stats;
	__u64 event_rate;   /* interrupts/s */
	__u64 packet_rate;  /* packets/s */
	__u32 ppi_x100;	    /* packets per interrupt, x100 */
	__u64 delay_p99_ns; /* the window's measured p99 (ENGINE_SAMPLE_DELAY); 0 without */
	__u64 delay_count;  /* notifications it was measured over */
	__u64 share;	    /* interrupts/s allowed; ~0 without a budget */
	__u64 demand;	    /* interrupts/s DIM's own choice is predicted to raise */

	/* The device's figures: the window's (the period's for the loss guard). */
	__u64 drops;
	__u32 pending_max, ring_size;

	/*
	 * With ENGINE_R_HELD: the profile and setting the guard held back
	 * ("guard held X"), and how many times in a row since the last change
	 * (1: the first; a log may skip the rest).
	 */
	bool held;
	unsigned int held_profile, held_count;
	struct engine_coal held_next;
};

struct engine;

/* net_dim's tables (RX EQE, TX EQE), defaults above, no budgets. */
void engine_config_default(struct engine_config *cfg);
/*
 * Sets a table from "rx=usecs:frames,..." or "tx=...", or "rx=cqe" and the
 * like (see dim_table_parse). Returns 0, or -EINVAL with a message in err.
 */
int engine_config_profile(struct engine_config *cfg, const char *spec, char *err, size_t err_len);
/* Checks a whole configuration. Returns 0, or -EINVAL with a message in err. */
int engine_config_check(const struct engine_config *cfg, char *err, size_t err_len);

/*
 * NULL with errno EINVAL (bad config) or ENOMEM. The config and the
 * allocator are copied; every allocation of the engine goes through alloc.
 */
struct engine *engine_new(const struct engine_config *cfg, const struct engine_alloc *alloc);
void engine_free(struct engine *engine);

/* id is the controller's own, e.g. device and queue packed. -EEXIST, -ENOMEM. */
int engine_queue_add(struct engine *engine, __u64 id, const struct engine_queue_config *qcfg);
/* -ENOENT if unknown. */
int engine_queue_remove(struct engine *engine, __u64 id);
size_t engine_queue_count(const struct engine *engine);
/* The queue's table (valid while it exists), or NULL. */
const struct dim_table *engine_queue_table(const struct engine *engine, __u64 id);

/* A group's weight in the interrupt budget (default 1). -ENOMEM. */
int engine_group_weight(struct engine *engine, __u32 group, __u32 weight);
/* Recomputes every queue's share now. -ENOMEM. */
int engine_rebalance(struct engine *engine);
/* The queue's current share in interrupts/s (~0 without a budget). -ENOENT. */
int engine_queue_share(const struct engine *engine, __u64 id, __u64 *share);

/*
 * One period of queue id: sample is what happened in it, current the
 * coalescing the device has now. Fills decision. Returns 0, or -ENOENT for
 * an unknown queue, or -EINVAL for NULL arguments.
 */
int engine_decide(struct engine *engine, __u64 id, const struct engine_sample *sample,
		  const struct engine_coal *current, struct engine_decision *decision);

const char *engine_reason_name(enum engine_reason reason);

#endif /* VQMOD_ENGINE_H */
