/* SPDX-License-Identifier: GPL-2.0 */
/* What the engine's files share: a queue's state and the device model. */
#ifndef VQMOD_ENGINE_INTERNAL_H
#define VQMOD_ENGINE_INTERNAL_H

#include "engine.h"

typedef unsigned __int128 u128;

/*
 * DIM's probes out of request/response: held for 16 windows, then 64, 256,
 * ... 4096. Each probe delays a window's worth of replies; the hold makes
 * that a vanishing share, while a rate change still jumps at once.
 */
#define RR_HOLD_MIN 16
#define RR_HOLD_MAX 4096
#define NS_PER_SEC  1000000000ULL
#define NS_PER_MS   1000000ULL
#define NO_SHARE    (~0ULL)
/* The delay histogram says something once it holds this many notifications. */
#define HIST_MIN_COUNT 64
/* More than this per nanosecond no virtqueue does: a misread wrap or reset. */
#define MAX_COUNT_PER_NS 1
#define MAX_BYTES_PER_NS 1024

struct window {
	__u64 ns, events, packets, bytes, completions;
	__u64 hist[ENGINE_HIST_BUCKETS];
};

/* A complete window, in the units the rules use. */
struct figures {
	__u64 ns, events, work, bytes;
	struct dim_stats stats;
	__u64 event_rate, packet_rate; /* per second */
	__u32 ppi_x100;
	__u64 p99_ns;
	unsigned int profile; /* the profile it was measured under */
};

struct queue {
	__u64 id;
	struct engine_queue_config cfg;
	const struct dim_table *table;
	unsigned int ceiling; /* highest profile within the latency budget */
	bool started;
	unsigned int applied;	  /* the profile asked of the device */
	struct engine_coal asked; /* its setting, as the last decision gave it */
	struct dim_state dim;	  /* dim.index is DIM's own choice */
	bool settling;		  /* next window becomes DIM's reference */
	bool rr_latched;	  /* request/response seen: a jump right needs fresh evidence */
	unsigned int rr_hold;	  /* windows before DIM may probe right of the lowest profile again */
	unsigned int rr_backoff;  /* the last hold; doubles each time a probe comes back */
	struct window w;
	bool have_prev;
	__u64 prev_packet_rate, prev_bytes_per_ms;
	__u32 prev_ppi_x100;
	unsigned int prev_profile;
	bool foreign_seen; /* the device kept a setting of its own once set again */
	struct engine_coal foreign;
	bool have_demand;
	__u64 demand, share;
};

/* A slot of the queues' id table: pos is 1 + the queue's position in q, 0 empty. */
struct index_slot {
	__u64 id;
	size_t pos;
};

struct engine {
	struct engine_config cfg;
	struct engine_alloc alloc;
	struct queue *q; /* in no order: a removed one's place goes to the last */
	size_t n, cap;
	struct index_slot *index; /* id -> 1 + position in q, open addressing */
	size_t nindex;		  /* a power of two */
	unsigned int index_shift; /* 64 - log2(nindex): the hash's top bits */
	size_t next;		  /* in q: where engine_decide looks first */
	struct budget_group *groups;
	size_t ngroups, groups_cap;
	size_t decides_since_rebalance;
};

static inline __u64 add_saturating(__u64 a, __u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

static inline __u64 scale(__u64 count, __u64 mul, __u64 div)
{
	u128 r = (u128)count * mul / div;

	return r > (u128)~0ULL ? ~0ULL : (__u64)r;
}

static inline bool coal_eq(const struct engine_coal *a, const struct engine_coal *b)
{
	return a->usecs == b->usecs && a->frames == b->frames;
}

/* model.c: what a profile asks of the device, and what it is predicted to do */
unsigned int model_latency_ceiling(const struct dim_table *t, __u32 max_delay_us);
struct engine_coal model_coal(const struct engine *e, const struct queue *q, unsigned int i);
double model_ppi(const struct engine *e, const struct queue *q, unsigned int i, double pps);
double model_predict_rate(const struct engine *e, const struct queue *q, const struct figures *f, unsigned int i);
unsigned int model_share_floor(const struct engine *e, const struct queue *q, const struct figures *f,
			       bool *unattainable);
unsigned int model_predict_target(const struct engine *e, const struct queue *q, const struct figures *f,
				  unsigned int floor);
bool model_looks_req_resp(const struct engine *e, const struct queue *q, const struct figures *f);

#endif /* VQMOD_ENGINE_INTERNAL_H */
