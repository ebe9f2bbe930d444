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
#define BUDGET_PM_MIN 500 /* the budget's feedback splits no less than half of it */
/* A window's measured delay says something once it covers this many notifications. */
#define DELAY_MIN_COUNT 32
/* The settling guard (engine.c says why). */
#define GUARD_NOISE_K	    4  /* a move beyond 4 times the mean deviation seen is not noise */
#define GUARD_NOISE_INIT_PM 25 /* before any is seen: 2.5%, a band of DIM's 10% */
#define GUARD_BURST	    2  /* changes the rate limit lets through at once */
#define NS_PER_MIN	    60000000000ULL
/*
 * The loss guard: back off at 3/4 of the ring pending, to a setting whose
 * peak (the mean pending times the bursts seen) is predicted at 1/2 at
 * most. Bursts not seen are taken as 1.5 times the mean.
 */
#define LOSS_TRIGGER_NUM    3
#define LOSS_TRIGGER_DEN    4
#define LOSS_TARGET_NUM	    1
#define LOSS_TARGET_DEN	    2
#define LOSS_BURST_X100	    150
#define LOSS_RELAX_NS	    1000000000ULL /* a lower load lifts the bar after holding this long */
#define LOSS_HOLD_MAX_SHIFT 3		  /* the hold doubles on recurrence, up to 8 times */
/*
 * The recent peak a move up must fit the ring at: the highest of 4 slots
 * of 250 ms, the last 750 ms to 1 s, so a load low for LOSS_RELAX_NS has
 * left it when the loss guard's bar comes down.
 */
#define PEAK_SLOTS   4
#define PEAK_SLOT_NS (LOSS_RELAX_NS / PEAK_SLOTS)
/* More than this per nanosecond no virtqueue does: a misread wrap or reset. */
#define MAX_COUNT_PER_NS 1
#define MAX_BYTES_PER_NS 1024

struct window {
	__u64 ns, events, packets, bytes, completions;
	__u64 drops;
	__u32 pending_max, ring_size;
	__u64 delay_count, delay_p99_ns; /* the largest of its periods' p99s */
};

/* A complete window, in the units the rules use. */
struct figures {
	__u64 ns, events, work, bytes;
	struct dim_stats stats;
	__u64 event_rate, packet_rate; /* per second */
	__u64 peak_rate;	       /* the highest packet_rate of the last second, this one's included */
	__u32 ppi_x100;
	__u64 p99_ns, delay_count; /* measured; p99 0 when too few */
	__u64 drops;
	__u32 pending_max, ring_size;
	unsigned int profile; /* the profile it was measured under */
};

/* The settling guard's view of the load: where it was settled, and its noise. */
struct load_guard {
	bool settled; /* a setting was found since the start (a jump landed, or a DIM walk parked) */
	bool anchored;
	__u64 anchor;	/* the load (packets/s, or interrupts/s) the setting was settled on */
	__u32 noise_pm; /* mean deviation of a window from the anchor, per mille */
	int excursion;	/* direction of a deviation beyond the noise not yet confirmed */
	__u32 excursion_pm;
	__s64 credit_ns;     /* the rate limit's credit, NS_PER_MIN / max_changes_per_min per change; a walk may owe */
	__u64 credit_at_ns;  /* when it was last brought up to date */
	__u64 changed_at_ns; /* the last change */
	unsigned int held_profile, held_count; /* the last one held, how often since the last change */
};

/* The loss guard's memory of a setting that lost frames. */
struct loss_guard {
	bool active;
	bool fixed;	      /* no ring size known: the ceiling is one below the lossy profile */
	unsigned int ceiling; /* highest profile allowed */
	unsigned int shift;   /* the hold is loss_hold_ns << shift */
	__u64 until_ns;	      /* when the memory lapses */
	__u64 burst_x100;     /* pending seen over pending predicted from the mean rate, x100 */
	__u64 rate;	      /* packets/s when it happened */
	__u32 ring;
	bool grace;    /* the period after a back-off still shows the old setting's ring */
	bool relaxing; /* the load has been low enough for more since relax_since_ns */
	__u64 relax_since_ns;
	__u64 relax_peak; /* the highest packets/s since */
};

/* The highest packets/s of each of the last PEAK_SLOTS slots of PEAK_SLOT_NS. */
struct rate_peak {
	__u64 slot;		   /* the slot of the last window: its queue time / PEAK_SLOT_NS */
	__u64 max[PEAK_SLOTS]; /* indexed by slot % PEAK_SLOTS */
};

/* The measured latency budget's memory of a setting that went over. */
struct delay_guard {
	bool active;
	unsigned int ceiling; /* highest profile allowed while the p99 stays near the budget */
	bool over_last;	      /* the last measured window was over too */
};

/* Why a move up is asked again: the highest cause wins where several come in one window. */
enum lift_cause {
	LIFT_NONE,
	LIFT_PEAK,  /* the recent peak no longer holds the ring's cap down */
	LIFT_LOSS,  /* the loss guard's bar came down */
	LIFT_DELAY, /* the measured delay came down */
};

struct queue {
	__u64 id;
	struct engine_queue_config cfg;
	const struct dim_table *table;
	unsigned int static_ceiling; /* highest profile whose usecs are within the latency budget */
	unsigned int ceiling;	     /* that, the loss guard's and the measured budget's: the highest allowed */
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
	/*
	 * The device's own delay beyond a profile's usecs, as measured (p99
	 * less usecs; a timer's slack, TCG's): buffers pile up over it too.
	 */
	__u64 slack_ns;
	/* a window moved beyond the jump ratio: the one before it, to tell a step from a stall */
	bool phase_suspect;
	__u64 suspect_packet_rate, suspect_bytes_per_ms;
	unsigned int suspect_profile;
	bool foreign_seen; /* the device kept a setting of its own once set again */
	struct engine_coal foreign;
	bool have_demand;
	__u64 demand, share;
	bool rate_fresh;     /* a window was judged since the budget's last look */
	__u64 measured_rate; /* interrupts/s in the last judged window */
	__u64 now_ns; /* the queue's time: the sum of its periods */
	struct load_guard lg;
	struct loss_guard loss;
	/*
	 * A window's rate may be a stall's (a vCPU descheduled: TCG read a
	 * constant 30,000 frames/s as 5,258 packets/s), and the load comes
	 * back at once: a move up must fit the ring at the recent peak.
	 */
	struct rate_peak peak;
	struct delay_guard delay;
	enum lift_cause lift; /* a guard's ceiling rose: the model's choice may be above */
	bool peak_bound;      /* this window's ring cap at the recent peak is below the one at its own rate */
	bool peak_held;	      /* it was, and no lift has been asked of the model or DIM since it stopped */
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
	/*
	 * The part of the budget the shares split, per mille: lowered when a
	 * round's measured total went over the budget (the model's predictions
	 * are only predictions), raised again when it is well under.
	 */
	__u32 budget_pm;
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
__u64 model_pending(const struct engine *e, const struct queue *q, unsigned int i, __u64 pps, __u64 burst_x100);
bool model_looks_req_resp(const struct engine *e, const struct queue *q, const struct figures *f);

#endif /* VQMOD_ENGINE_INTERNAL_H */
