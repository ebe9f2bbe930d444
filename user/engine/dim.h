/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dynamic interrupt moderation with the semantics of Linux's net_dim (DESIGN
 * §7): profile tables, per-millisecond rates of a measurement window, their
 * comparison, and the park/step state machine. Pure: no I/O, no globals, no
 * clock; the caller brings the measured time.
 */
#ifndef VQMOD_DIM_H
#define VQMOD_DIM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

/* A window is judged once it holds this many events (interrupts). */
#define DIM_WINDOW_EVENTS 64
/* Profiles in one table; net_dim has 5. */
#define DIM_PROFILES_MAX 16
/* The tightest limits of the devices vqmod drives (vqsim's uapi, virtio). */
#define DIM_USECS_MAX  1000000
#define DIM_FRAMES_MAX 65535
/* A rate must move by more than this many percent to count. */
#define DIM_SIGNIFICANT_PCT 10

/* One coalescing setting: notify after usecs, or once frames are pending. */
struct dim_profile {
	__u32 usecs;
	__u32 frames; /* 0: notify for every buffer, as the virtio spec says */
};

/* Index 0 moderates least; usecs never decrease along the table. */
struct dim_table {
	unsigned int count; /* 1..DIM_PROFILES_MAX */
	struct dim_profile p[DIM_PROFILES_MAX];
};

enum dim_builtin {
	DIM_RX_EQE, /* timer restarts on each event: net_dim's default */
	DIM_RX_CQE, /* timer restarts on each completion */
	DIM_TX_EQE,
	DIM_TX_CQE,
};

/* net_dim starts every queue at this index. */
#define DIM_START_INDEX 1

/* Rates of one window, rounded up so that any activity is at least 1. */
struct dim_stats {
	__u64 bytes_per_ms;
	__u64 packets_per_ms;
	__u64 events_per_ms;
};

enum dim_cmp {
	DIM_WORSE = -1,
	DIM_SAME = 0,
	DIM_BETTER = 1,
};

enum dim_tune {
	DIM_PARKED_ON_TOP, /* settled; any significant change leaves */
	DIM_PARKED_TIRED,  /* settled after too many steps; waits out a count */
	DIM_GOING_RIGHT,   /* towards more moderation (higher index) */
	DIM_GOING_LEFT,	   /* towards less moderation */
};

/* What one decision did, for the reason the engine gives. */
enum dim_verdict {
	DIM_V_STAYED_PARKED,	 /* parked on top, nothing changed significantly */
	DIM_V_RESTING,		 /* parked tired, counting down */
	DIM_V_LEFT_PARKING,	 /* a change (or the end of the rest) set it moving */
	DIM_V_KEPT_GOING,	 /* better: one more step the same way */
	DIM_V_TURNED,		 /* not better: reversed and stepped */
	DIM_V_PARKED_ROUND_TRIP, /* came back after a round trip: parked */
	DIM_V_PARKED_EDGE,	 /* reached an end of the table: parked */
	DIM_V_PARKED_TIRED,	 /* too many steps without settling: rests */
};

struct dim_state {
	enum dim_tune tune;
	unsigned int index;		      /* the profile in force */
	unsigned int steps_right, steps_left; /* since the last turn or park */
	unsigned int tired;		      /* steps since parking on top; the rest countdown */
	struct dim_stats reference;	      /* the window compared against */
};

/* The built-in tables, as net_dim has them. */
const struct dim_table *dim_builtin_table(enum dim_builtin which);

/*
 * Parses "usecs:frames,usecs:frames,..." (decimal, no spaces) or one of the
 * names "eqe" and "cqe" (the built-in table for rx or tx, as tx says).
 * Returns 0, or -EINVAL with a message in err.
 */
int dim_table_parse(const char *text, bool tx, struct dim_table *out, char *err, size_t err_len);
/* Writes the table in the form dim_table_parse reads; returns the snprintf length. */
int dim_table_format(const struct dim_table *table, char *buf, size_t len);

/* Per-millisecond rates of counts over ns; false when ns is 0. */
bool dim_stats_compute(__u64 events, __u64 packets, __u64 bytes, __u64 ns, struct dim_stats *out);
/* True when cur differs from ref by more than DIM_SIGNIFICANT_PCT; never for ref 0. */
bool dim_significant(__u64 cur, __u64 ref);
/* Bytes (more is better), then packets (more), then events (fewer). */
enum dim_cmp dim_compare(const struct dim_stats *cur, const struct dim_stats *ref);

/* Parked on top at index, with no reference yet: net_dim's initial state. */
void dim_park(struct dim_state *state, unsigned int index);
/*
 * One decision on a completed window. Profiles 0..last may be used;
 * tired_steps steps without parking on top make it rest for as many
 * decisions (net_dim: twice its table size). Returns what it did;
 * state->index is the profile to apply.
 */
enum dim_verdict dim_decide(struct dim_state *state, const struct dim_stats *cur, unsigned int last,
			    unsigned int tired_steps);

/*
 * Leaves parking one step towards more moderation, cur its reference: for
 * a ceiling that stopped a walk and came down. DIM_V_STAYED_PARKED at last.
 */
enum dim_verdict dim_probe_right(struct dim_state *state, const struct dim_stats *cur, unsigned int last,
				 unsigned int tired_steps);

const char *dim_tune_name(enum dim_tune tune);
const char *dim_verdict_name(enum dim_verdict verdict);

#endif /* VQMOD_DIM_H */
