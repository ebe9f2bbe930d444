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
 */
#ifndef VQMOD_ENGINE_H
#define VQMOD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "dim.h"
#include "alloc.h"
#include "budget.h"

/* log2 buckets of nanoseconds, as vqsim's VQSIM_STAT_DELAY_HIST */
#define ENGINE_HIST_BUCKETS 32

/* Defaults of struct engine_config. */
#define ENGINE_DEFAULT_RR_PPI_X100   150 /* 1.5 packets per interrupt */
#define ENGINE_DEFAULT_JUMP_RATIO    2
#define ENGINE_DEFAULT_WINDOW_MAX_NS 500000000ULL /* 0.5 s */

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
	unsigned int start_index; /* net_dim's is 1; clamped to the table */
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
#define ENGINE_SAMPLE_HIST  (1U << 1) /* delay_hist is filled in */

/* One period of one queue: counts over it, not cumulative counters. */
struct engine_sample {
	__u64 period_ns;   /* measured length of the period */
	__u64 events;	   /* notifications delivered (interrupts, vq callbacks) */
	__u64 packets;	   /* packets completed; 0 where the path does not show them */
	__u64 bytes;	   /* bytes completed; 0 where unknown */
	__u64 completions; /* used buffers, stands in for packets where those are 0 */
	__u32 flags;
	/* notification delays: bucket b counts 2^b <= d < 2^(b+1) ns */
	__u64 delay_hist[ENGINE_HIST_BUCKETS];
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
	ENGINE_R_DELAY_OVER_BUDGET, /* the device's delays exceed the latency budget */
	ENGINE_R_IRQ_SHARE,	    /* raised (or held) to stay within the interrupt share */
	ENGINE_R_SHARE_FREED,	    /* the share allows DIM's own choice again */
};

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
	__u64 delay_p99_ns; /* lower bound of the p99 bucket; 0 without a histogram */
	__u64 share;	    /* interrupts/s allowed; ~0 without a budget */
	__u64 demand;	    /* interrupts/s DIM's own choice is predicted to raise */
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
