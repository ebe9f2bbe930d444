// SPDX-License-Identifier: GPL-2.0
/*
 * The per-queue moderation engine. Every period first meets the loss guard:
 * drops, or 3/4 of the ring pending, back off at once. Otherwise the queue
 * collects periods into a window until it holds DIM_WINDOW_EVENTS events
 * (or window_max_ns pass), then one decision is made on the window, in this
 * order:
 *
 *  1. no traffic for window_max_ns: lowest profile;
 *  2. a measured delay p99 over the latency budget: down to what fits;
 *  3. request/response traffic (about one packet per interrupt, and less
 *     batching than the packet rate predicts) at a moderated profile:
 *     lowest profile;
 *  4. the window after any jump only becomes DIM's new reference;
 *  5. a phase change (packet or byte rate moved by jump_ratio, and beyond
 *     the queue's noise, against the last window under the same profile, or
 *     the first window): straight to the profile a simple model predicts
 *     DIM would walk to;
 *  6. otherwise the settling guard, then net_dim's decision (below).
 *
 * The model (model.c) predicts what a profile would do to the interrupt rate
 * and to the buffers held pending.
 *
 * The result is then bounded: never above the ceiling (the latency budget's
 * table cap, the loss guard's and the measured budget's), never below the
 * lowest profile predicted to keep the queue within its share of the host
 * interrupt budget (the floor). The ceiling wins: a latency budget is a
 * promise, the interrupt budget a best effort.
 *
 * Why the guards are built as they are:
 *
 * Settling. net_dim, and this engine before the guard, leaves its setting
 * whenever a window's rates differ from the reference by 10%; it then tries
 * a neighbour and, finding it worse, comes back: A-B-A. Window to window,
 * real traffic (bursts, NAPI, a host's scheduling, TCG) moves by more than
 * 10%, so it tried all the time: 82 changes in 12 s of steady load in the
 * issue, 19 to 433 in any 12 s of the guard tests' steady runs (both device
 * models, with noise). The guard has three parts:
 *  - Confidence. Each queue learns how far its load (packets/s, or
 *    interrupts/s where packets are not counted) strays from the load its
 *    setting was settled on: a mean deviation per window, learned while the
 *    setting holds. A window counts as a move only beyond GUARD_NOISE_K
 *    times that (and DIM's 10%), the same way in two windows running; one
 *    that comes back is noise, and is learned as such. Parked DIM leaves
 *    its setting only on such a move (else ENGINE_R_HELD, noise). Moving by
 *    jump_ratio and beyond the noise is a phase change, taken at once.
 *  - No probing where the model can answer. On a move, the queue goes
 *    straight to the profile the model predicts, or stays if that is where
 *    it is, rather than let DIM try a neighbour and come back. The model
 *    scales the measured interrupt rate by its ratio between profiles, so
 *    its choice moves one way with the load: a ramp moves the setting one
 *    way. DIM still walks where the model cannot answer (no packet counts,
 *    jumps off, request/response), and until it first finds a setting.
 *  - Dwell and rate. Leaving a setting (the model's answer to a moderate
 *    move, DIM leaving parking) waits min_dwell_ns after the last change of
 *    any kind, and a credit bounds such moves to max_changes_per_min. This
 *    is the backstop for noise the first part misjudges. A held move is
 *    ENGINE_R_HELD with the setting it wanted; the next window asks again.
 * Phase changes, the loss guard, the latency budget, request/response, idle
 * and the interrupt share are not held: they are what must be fast.
 *
 * Loss. Coalescing holds used buffers back from the driver. When it holds
 * more than the ring can spare, the device drops frames. Waiting for a
 * window would lose more, so any period with drops, or with 3/4 of the ring
 * pending, backs off at once: to the highest profile whose peak pending (the
 * mean rate times usecs, times the bursts seen: pending over that mean) is
 * predicted at half the ring, a quarter below the trigger. A device that
 * reports drops but not its ring gets a step down. The profiles above stay
 * out of reach for loss_hold_ns (doubled when it recurs soon after), unless
 * a lower load lasts a second with one of them predicted safe at its highest
 * rate (a stall of a window, then the backlog, lifts nothing). And where the
 * ring is known, no move up goes past what is predicted safe at the highest
 * rate of the last second (bursts unseen taken as 1.5x), so most losses
 * are never risked, a stall's low rate included.
 *
 * Delay. A device that measures the delay it adds (first pending buffer to
 * notification) gives a p99 per period; a window takes the largest of its
 * periods'. Over budget, the queue goes to the highest profile whose usecs
 * plus the device's own slack (the p99 less the usecs it was measured at)
 * fit, or to the lowest if the last window was over too: at most 2
 * decisions. It stays at or below that while the p99 predicted one profile
 * up is above 3/4 of the budget, so it does not climb back while the p99 is
 * near. A queue with no measurement is held to the model's estimate (a
 * notification waits at most usecs): the table's cap.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"

struct engine *engine_new(const struct engine_config *cfg, const struct engine_alloc *alloc)
{
	struct engine *e;
	char err[128];

	if (!cfg || !alloc || !alloc->resize || engine_config_check(cfg, err, sizeof(err))) {
		errno = EINVAL;
		return NULL;
	}
	e = engine_zalloc(alloc, 1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	e->cfg = *cfg;
	e->alloc = *alloc;
	e->budget_pm = 1000;
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	engine_release(&e->alloc, e->q);
	engine_release(&e->alloc, e->index);
	engine_release(&e->alloc, e->groups);
	engine_release(&e->alloc, e);
}

/*
 * Queues by id: an open-addressing table of (id, 1 + position in e->q; 0 is
 * empty), linear probing, at most half full. Every tick looks up every
 * queue: that is O(1) here, where a search of 100k would not be. The id is
 * in the table so that a probe reads only it: at 100k queues a visit to
 * e->q per step is a cache miss each.
 */
static size_t slot_of(const struct engine *e, __u64 id)
{
	/* Fibonacci hashing: ids are sequential; the top bits are the mixed ones */
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> e->index_shift);
}

/* The table slot holding id, or the empty one where it would go. */
static size_t probe(const struct engine *e, __u64 id)
{
	size_t s = slot_of(e, id);

	while (e->index[s].pos && e->index[s].id != id)
		s = (s + 1) & (e->nindex - 1);
	return s;
}

static void index_set(struct engine *e, size_t pos)
{
	size_t s = probe(e, e->q[pos].id);

	e->index[s].id = e->q[pos].id;
	e->index[s].pos = pos + 1;
}

static struct queue *find(const struct engine *e, __u64 id)
{
	size_t s;

	if (!e->nindex)
		return NULL;
	s = probe(e, id);
	return e->index[s].pos ? &e->q[e->index[s].pos - 1] : NULL;
}

/*
 * The controller asks for its queues in the same order every tick, the
 * order they were added in, mostly: try the one after the last found
 * first. A hit reads e->q in order, where the table's probes miss the cache
 * at 100k queues; a queue added or removed since costs a lookup or two.
 */
static struct queue *find_next(struct engine *e, __u64 id)
{
	struct queue *q;

	if (e->next < e->n && e->q[e->next].id == id)
		return &e->q[e->next++];
	q = find(e, id);
	if (q)
		e->next = q - e->q + 1;
	return q;
}

/* Room for one more queue: the array, and the table kept at most half full. */
static int reserve(struct engine *e)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct queue *nq = engine_resize(&e->alloc, e->q, cap * sizeof(*nq));

		if (!nq)
			return -ENOMEM;
		e->q = nq;
		e->cap = cap;
	}
	if (2 * (e->n + 1) > e->nindex) {
		size_t n = e->nindex ? 2 * e->nindex : 32;
		struct index_slot *index = engine_zalloc(&e->alloc, n, sizeof(*index));

		if (!index)
			return -ENOMEM;
		engine_release(&e->alloc, e->index);
		e->index = index;
		e->nindex = n;
		e->index_shift = 64 - __builtin_ctzll(n);
		for (size_t i = 0; i < e->n; i++)
			index_set(e, i);
	}
	return 0;
}

int engine_queue_add(struct engine *e, __u64 id, const struct engine_queue_config *qcfg)
{
	struct queue *q;
	int err;

	if (!e || !qcfg)
		return -EINVAL;
	if (find(e, id))
		return -EEXIST;
	err = reserve(e);
	if (err)
		return err;
	q = &e->q[e->n++];
	memset(q, 0, sizeof(*q));
	q->id = id;
	index_set(e, e->n - 1);
	q->cfg = *qcfg;
	q->table = qcfg->kind == ENGINE_QUEUE_TX ? &e->cfg.tx : &e->cfg.rx;
	q->static_ceiling = model_latency_ceiling(q->table, e->cfg.max_delay_us);
	q->ceiling = q->static_ceiling;
	q->share = NO_SHARE;
	q->lg.credit_ns = (__s64)(~0ULL >> 1); /* full, once brought up to date */
	q->lg.noise_pm = GUARD_NOISE_INIT_PM;
	return 0;
}

int engine_queue_remove(struct engine *e, __u64 id)
{
	size_t s, i, next;

	if (!e)
		return -EINVAL;
	if (!find(e, id))
		return -ENOENT;
	s = probe(e, id);
	i = e->index[s].pos - 1;
	/* the last queue takes its place in the array, and its slot says so */
	if (i != e->n - 1) {
		e->index[probe(e, e->q[e->n - 1].id)].pos = i + 1;
		e->q[i] = e->q[e->n - 1];
	}
	e->n--;
	/* and the table closes the gap, as linear probing needs */
	e->index[s].pos = 0;
	for (next = (s + 1) & (e->nindex - 1); e->index[next].pos; next = (next + 1) & (e->nindex - 1)) {
		struct index_slot moved = e->index[next];

		e->index[next].pos = 0;
		s = probe(e, moved.id);
		e->index[s] = moved;
	}
	return 0;
}

size_t engine_queue_count(const struct engine *e)
{
	return e ? e->n : 0;
}

const struct dim_table *engine_queue_table(const struct engine *e, __u64 id)
{
	const struct queue *q = e ? find(e, id) : NULL;

	return q ? q->table : NULL;
}

int engine_group_weight(struct engine *e, __u32 group, __u32 weight)
{
	if (!e)
		return -EINVAL;
	for (size_t i = 0; i < e->ngroups; i++) {
		if (e->groups[i].group == group) {
			e->groups[i].weight = weight;
			return 0;
		}
	}
	if (e->ngroups == e->groups_cap) {
		size_t cap = e->groups_cap ? e->groups_cap * 2 : 8;
		struct budget_group *g = engine_resize(&e->alloc, e->groups, cap * sizeof(*g));

		if (!g)
			return -ENOMEM;
		e->groups = g;
		e->groups_cap = cap;
	}
	e->groups[e->ngroups++] = (struct budget_group){.group = group, .weight = weight};
	return 0;
}

/*
 * Holds the budget on what was measured, not on what was predicted: once
 * every queue has judged a window since the last look, a total over the
 * budget shrinks the part the shares split (by at most a fifth a round,
 * to half at the least), and a total under 90% of it gives a quarter of
 * the cut back. Notifications that coalescing does not thin as the model
 * predicts (another source's on the same vector, a timer late under TCG)
 * would otherwise hold the total above the budget for good.
 */
static void budget_feedback(struct engine *e)
{
	__u64 total = 0, budget = e->cfg.irq_budget;
	__u32 pm = e->budget_pm;

	for (size_t i = 0; i < e->n; i++) {
		if (!e->q[i].rate_fresh)
			return;
		total = add_saturating(total, e->q[i].measured_rate);
	}
	if (!e->n)
		return;
	for (size_t i = 0; i < e->n; i++)
		e->q[i].rate_fresh = false;
	if (total > budget) {
		__u64 cut = scale(pm, budget, total);

		pm = cut < pm * 4 / 5 ? pm * 4 / 5 : (__u32)cut;
		e->budget_pm = pm < BUDGET_PM_MIN ? BUDGET_PM_MIN : pm;
	} else if ((u128)total * 10 < (u128)budget * 9 && pm < 1000) {
		e->budget_pm = pm + (1000 - pm + 3) / 4;
	}
}

int engine_rebalance(struct engine *e)
{
	struct budget_claim *claims;
	int ret;

	if (!e)
		return -EINVAL;
	e->decides_since_rebalance = 0;
	if (!e->cfg.irq_budget) {
		for (size_t i = 0; i < e->n; i++)
			e->q[i].share = NO_SHARE;
		return 0;
	}
	if (!e->n)
		return 0;
	claims = engine_zalloc(&e->alloc, e->n, sizeof(*claims));
	if (!claims)
		return -ENOMEM;
	for (size_t i = 0; i < e->n; i++) {
		claims[i].group = e->q[i].cfg.group;
		claims[i].weight = e->q[i].cfg.weight;
		/* not measured yet is not "needs nothing": it gets its weighted part */
		claims[i].demand = e->q[i].have_demand ? e->q[i].demand : ~0ULL;
	}
	budget_feedback(e);
	ret = budget_share(scale(e->cfg.irq_budget, e->budget_pm, 1000), claims, e->n, e->groups, e->ngroups,
			   &e->alloc);
	if (!ret) {
		for (size_t i = 0; i < e->n; i++)
			e->q[i].share = claims[i].share;
	}
	engine_release(&e->alloc, claims);
	return ret;
}

int engine_queue_share(const struct engine *e, __u64 id, __u64 *share)
{
	const struct queue *q = e ? find(e, id) : NULL;

	if (!q || !share)
		return -ENOENT;
	*share = q->share;
	return 0;
}

static void window_reset(struct queue *q)
{
	memset(&q->w, 0, sizeof(q->w));
}

/* Forget the traffic seen so far, as after a reset or a long idle time. */
static void forget_traffic(struct queue *q)
{
	window_reset(q);
	q->have_prev = false;
	q->rr_latched = false;
	q->rr_hold = q->rr_backoff = 0;
	q->settling = false; /* the first window may jump */
	q->lg.settled = q->lg.anchored = false;
	q->lg.excursion = 0;
	q->lg.noise_pm = GUARD_NOISE_INIT_PM;
	q->phase_suspect = false;
	q->peak_bound = q->peak_held = false; /* a lift from before is no news to the traffic after */
}

static void window_add(struct window *w, const struct engine_sample *s)
{
	w->ns = add_saturating(w->ns, s->period_ns);
	w->events = add_saturating(w->events, s->events);
	w->packets = add_saturating(w->packets, s->packets);
	w->bytes = add_saturating(w->bytes, s->bytes);
	w->completions = add_saturating(w->completions, s->completions);
	w->drops = add_saturating(w->drops, s->drops);
	if (s->pending_max > w->pending_max)
		w->pending_max = s->pending_max;
	if (s->ring_size)
		w->ring_size = s->ring_size;
	if ((s->flags & ENGINE_SAMPLE_DELAY) && s->delay_count) {
		/*
		 * No more than 1% of each period's notifications were above
		 * its p99, so no more than 1% of the window's are above the
		 * largest of them: the window's p99 is at most that. Taken as
		 * the window's, it errs towards over budget.
		 */
		w->delay_count = add_saturating(w->delay_count, s->delay_count);
		if (s->delay_p99_ns > w->delay_p99_ns)
			w->delay_p99_ns = s->delay_p99_ns;
	}
}

static void figures_of(const struct window *w, unsigned int profile, struct figures *f)
{
	memset(f, 0, sizeof(*f));
	f->profile = profile;
	f->ns = w->ns;
	f->events = w->events;
	/* used buffers stand in for packets where the path shows no packets */
	f->work = w->packets ? w->packets : w->completions;
	f->bytes = w->bytes;
	dim_stats_compute(f->events, f->work, f->bytes, f->ns, &f->stats);
	f->event_rate = scale(f->events, NS_PER_SEC, f->ns);
	f->packet_rate = scale(f->work, NS_PER_SEC, f->ns);
	if (f->events) {
		__u64 ppi = scale(f->work, 100, f->events);

		f->ppi_x100 = ppi > 0xffffffffULL ? 0xffffffffU : (__u32)ppi;
	} else {
		f->ppi_x100 = f->work ? 0xffffffffU : 0;
	}
	f->delay_count = w->delay_count;
	f->p99_ns = w->delay_count >= DELAY_MIN_COUNT ? w->delay_p99_ns : 0;
	f->drops = w->drops;
	f->pending_max = w->pending_max;
	f->ring_size = w->ring_size;
}

static bool delay_measured(const struct figures *f)
{
	return f->delay_count >= DELAY_MIN_COUNT;
}

static unsigned int min_u(unsigned int a, unsigned int b)
{
	return a < b ? a : b;
}

/* |cur - ref| / ref, per mille (capped at 1000x) */
static __u32 deviation_pm(__u64 cur, __u64 ref)
{
	__u64 diff = cur > ref ? cur - ref : ref - cur;
	u128 pm;

	if (!ref)
		return cur ? 1000000 : 0;
	pm = (u128)diff * 1000 / ref;
	return pm > 1000000 ? 1000000 : (__u32)pm;
}

/* How far a window may stray from the anchor and still be noise, per mille. */
static __u32 noise_band_pm(const struct queue *q)
{
	__u64 band = (__u64)GUARD_NOISE_K * q->lg.noise_pm;

	if (band < DIM_SIGNIFICANT_PCT * 10)
		return DIM_SIGNIFICANT_PCT * 10;
	return band > 1000000 ? 1000000 : (__u32)band;
}

static bool moved_by(__u64 cur, __u64 prev, __u32 ratio)
{
	if (!prev)
		return cur > 0;
	return (u128)cur >= (u128)prev * ratio || (u128)cur * ratio <= (u128)prev;
}

/* Moved by ratio, and by more than the queue's noise: not a burst that comes back. */
static bool moved_beyond(const struct queue *q, __u64 cur, __u64 prev, __u32 ratio)
{
	return moved_by(cur, prev, ratio) && deviation_pm(cur, prev) > noise_band_pm(q);
}

/*
 * The load is the packet and byte rates. Packets per interrupt are not: at
 * one load they move with the device's timing (under TCG a late timer
 * doubled them at 11,000 packets/s, steady, and the jump it took came back),
 * and a fall to request/response is the request/response rule's, at once.
 */
static bool moved_from(const struct queue *q, const struct figures *f, __u64 rate, __u64 bytes_per_ms, __u32 ratio)
{
	return moved_beyond(q, f->packet_rate, rate, ratio) || moved_beyond(q, f->stats.bytes_per_ms, bytes_per_ms, ratio);
}

/*
 * A phase change: the load moved by the jump ratio, beyond its noise, and
 * stayed there for a second window. One window off alone is a stall (a
 * vCPU descheduled, as under TCG, where the rate of a constant load read
 * 23,879 then 3,905 then 18,926 packets/s) or its backlog, and comes back:
 * jumping on it cost 5 changes in 12 s of steady load in the 6.12 guest.
 * A real change is taken at its second window: within the 3 decisions.
 */
static bool phase_changed(const struct engine *e, struct queue *q, const struct figures *f)
{
	__u32 ratio = e->cfg.jump_ratio;
	bool suspect = q->phase_suspect;

	if (!ratio || !f->work)
		return false;
	if (ratio < 2)
		ratio = 2;
	if (!q->have_prev)
		return !q->rr_latched; /* first window: no need to walk from the start */
	/*
	 * Compare like with like: packets per interrupt move with the profile,
	 * and so does the packet rate of request/response traffic.
	 */
	q->phase_suspect = false;
	if (suspect) /* the window before it against the one before the move: did it last? */
		return q->suspect_profile == f->profile &&
		       moved_from(q, f, q->suspect_packet_rate, q->suspect_bytes_per_ms, ratio);
	if (q->prev_profile != f->profile ||
	    !moved_from(q, f, q->prev_packet_rate, q->prev_bytes_per_ms, ratio))
		return false;
	q->phase_suspect = true;
	q->suspect_packet_rate = q->prev_packet_rate;
	q->suspect_bytes_per_ms = q->prev_bytes_per_ms;
	q->suspect_profile = q->prev_profile;
	return false;
}

/* The settling guard's load: packets/s where counted, else interrupts/s. */
static __u64 load_of(const struct figures *f)
{
	return f->work ? f->packet_rate : f->event_rate;
}

static void load_anchor(struct queue *q, const struct figures *f)
{
	q->lg.anchored = true;
	q->lg.anchor = load_of(f);
	q->lg.excursion = 0;
}

/* The mean deviation, over about 8 windows. */
static void noise_learn(struct queue *q, __u32 dev_pm)
{
	q->lg.noise_pm = (__u32)(((__u64)q->lg.noise_pm * 7 + dev_pm) / 8);
}

enum load_move {
	LOAD_STEADY,	/* within the noise */
	LOAD_EXCURSION, /* beyond it, once: wait for the next window */
	LOAD_MOVED,	/* beyond it twice the same way: a real change */
};

static enum load_move load_moved(struct queue *q, const struct figures *f)
{
	__u64 load = load_of(f);
	__u32 dev, band = noise_band_pm(q);
	int dir;

	if (!q->lg.anchored) {
		load_anchor(q, f);
		return LOAD_STEADY;
	}
	dev = deviation_pm(load, q->lg.anchor);
	dir = load > q->lg.anchor ? 1 : -1;
	if (dev > band && q->lg.excursion == dir)
		return LOAD_MOVED;
	/* an excursion that came back (or turned) was noise: learn it, up to the band */
	if (q->lg.excursion)
		noise_learn(q, q->lg.excursion_pm < band ? q->lg.excursion_pm : band);
	q->lg.excursion = 0;
	if (dev > band) {
		q->lg.excursion = dir;
		q->lg.excursion_pm = dev;
		return LOAD_EXCURSION;
	}
	noise_learn(q, dev);
	/* within the noise the anchor follows the load slowly, as the noise is learned */
	q->lg.anchor = (__u64)(((u128)q->lg.anchor * 7 + load) / 8);
	return LOAD_STEADY;
}

/*
 * The rate limit: a credit that fills at one change's worth per
 * NS_PER_MIN / max_changes_per_min, up to GUARD_BURST changes. Leaving a
 * setting needs a change's worth; every move the guard may hold takes one,
 * and the steps of a DIM walk under way may run it into debt (a walk is not
 * cut off halfway), which the next leave waits out.
 */
static __s64 change_cost(const struct engine *e)
{
	return (__s64)(NS_PER_MIN / e->cfg.max_changes_per_min);
}

static void credit_update(const struct engine *e, struct queue *q)
{
	__s64 cap;
	__u64 elapsed = q->now_ns - q->lg.credit_at_ns;

	if (!e->cfg.max_changes_per_min)
		return;
	cap = GUARD_BURST * change_cost(e);
	if (q->lg.credit_ns >= cap || elapsed >= (__u64)(cap - q->lg.credit_ns))
		q->lg.credit_ns = cap;
	else
		q->lg.credit_ns += (__s64)elapsed;
	q->lg.credit_at_ns = q->now_ns;
}

/* May the queue leave its setting now? If not, why not (in why). */
static bool guard_allows(const struct engine *e, struct queue *q, char *why, size_t len)
{
	__u64 since = q->now_ns - q->lg.changed_at_ns;

	if (e->cfg.min_dwell_ns && since < e->cfg.min_dwell_ns) {
		snprintf(why, len, "last change %llu ms ago, min dwell %llu ms",
			 (unsigned long long)(since / NS_PER_MS),
			 (unsigned long long)(e->cfg.min_dwell_ns / NS_PER_MS));
		return false;
	}
	credit_update(e, q);
	if (e->cfg.max_changes_per_min && q->lg.credit_ns < change_cost(e)) {
		snprintf(why, len, "%u changes a minute used up", e->cfg.max_changes_per_min);
		return false;
	}
	return true;
}

static void guard_debit(const struct engine *e, struct queue *q)
{
	if (!e->cfg.max_changes_per_min)
		return;
	credit_update(e, q);
	q->lg.credit_ns -= change_cost(e);
	if (q->lg.credit_ns < -GUARD_BURST * change_cost(e))
		q->lg.credit_ns = -GUARD_BURST * change_cost(e);
}

/* Every change restarts the dwell, and the load is settled anew. */
static void guard_changed(struct queue *q)
{
	q->lg.changed_at_ns = q->now_ns;
	q->lg.held_count = 0;
	q->lg.anchored = false;
	q->lg.excursion = 0;
}

/* The highest profile allowed: the static latency ceiling, the loss guard's, the measured budget's. */
static void update_ceiling(struct queue *q)
{
	unsigned int c = q->static_ceiling;

	if (q->loss.active && q->now_ns >= q->loss.until_ns)
		q->loss.active = false;
	if (q->loss.active)
		c = min_u(c, q->loss.ceiling);
	if (q->delay.active)
		c = min_u(c, q->delay.ceiling);
	q->ceiling = c;
}

/* The highest profile up to top whose peak pending at pps is predicted at half the ring at most (0 if none). */
static unsigned int loss_safe_profile(const struct engine *e, const struct queue *q, unsigned int top, __u64 pps,
				      __u64 burst_x100, __u32 ring)
{
	for (unsigned int i = top; i > 0; i--) {
		if ((u128)model_pending(e, q, i, pps, burst_x100) * LOSS_TARGET_DEN <= (u128)ring * LOSS_TARGET_NUM)
			return i;
	}
	return 0;
}

/* Notes a window's packets/s; returns the highest of the last second or so, that one's included. */
static __u64 peak_note(struct queue *q, __u64 rate)
{
	struct rate_peak *p = &q->peak;
	__u64 slot = q->now_ns / PEAK_SLOT_NS, peak = 0;

	if (slot - p->slot >= PEAK_SLOTS)
		memset(p->max, 0, sizeof(p->max));
	else
		for (__u64 i = p->slot + 1; i <= slot; i++)
			p->max[i % PEAK_SLOTS] = 0;
	p->slot = slot;
	if (rate > p->max[slot % PEAK_SLOTS])
		p->max[slot % PEAK_SLOTS] = rate;
	for (unsigned int i = 0; i < PEAK_SLOTS; i++)
		peak = p->max[i] > peak ? p->max[i] : peak;
	return peak;
}

static void lift_ask(struct queue *q, enum lift_cause cause)
{
	if (cause > q->lift)
		q->lift = cause;
}

/*
 * The recent peak held the ring's cap below what the window's own rate
 * allows, and now does not: a move it held back (the model's, or DIM's
 * walk, which parks where it was stopped) is asked again, every window
 * until a window gets as far as asking (another rule may have it first).
 */
static void peak_lift(const struct engine *e, struct queue *q, const struct figures *f)
{
	__u64 burst = q->loss.active ? q->loss.burst_x100 : LOSS_BURST_X100;

	q->peak_bound = f->ring_size && f->work && f->peak_rate > f->packet_rate &&
			loss_safe_profile(e, q, q->ceiling, f->peak_rate, burst, f->ring_size) <
			    loss_safe_profile(e, q, q->ceiling, f->packet_rate, burst, f->ring_size);
	if (q->peak_bound)
		q->peak_held = true;
	else if (q->peak_held)
		lift_ask(q, LIFT_PEAK);
}

/*
 * On every window: where the load has stayed low enough for LOSS_RELAX_NS
 * that a setting the loss guard barred is predicted safe at the highest
 * rate seen meanwhile, the bar comes down to it. A dip of a window or two
 * (a stall, then the backlog) lifts nothing.
 */
static void loss_relax(const struct engine *e, struct queue *q, const struct figures *f)
{
	unsigned int c;

	if (!q->loss.active || q->loss.fixed || !f->work)
		return;
	if (!q->loss.relaxing || f->packet_rate > q->loss.relax_peak)
		q->loss.relax_peak = f->packet_rate;
	c = loss_safe_profile(e, q, q->static_ceiling, q->loss.relax_peak, q->loss.burst_x100, q->loss.ring);
	if (c <= q->loss.ceiling) {
		q->loss.relaxing = false;
		return;
	}
	if (!q->loss.relaxing) {
		q->loss.relaxing = true;
		q->loss.relax_since_ns = q->now_ns;
		return;
	}
	if (q->now_ns - q->loss.relax_since_ns < LOSS_RELAX_NS)
		return;
	q->loss.ceiling = c;
	q->loss.relaxing = false;
	lift_ask(q, LIFT_LOSS);
	update_ceiling(q);
}

/*
 * The loss guard, on every period: drops, or 3/4 of the ring pending, back
 * off at once. True when it decided (d filled in but for finish()).
 */
static bool loss_guard(const struct engine *e, struct queue *q, const struct engine_sample *s,
		       struct engine_decision *d)
{
	bool full = s->ring_size && (u128)s->pending_max * LOSS_TRIGGER_DEN >= (u128)s->ring_size * LOSS_TRIGGER_NUM;
	unsigned int from = q->applied, to, shift;
	__u64 work = s->packets ? s->packets : s->completions, pps, burst = 100, hold;
	struct engine_coal c;

	if (q->loss.grace) {
		/* the period after a back-off starts with the old setting's ring */
		q->loss.grace = false;
		return false;
	}
	if ((!s->drops && !full) || !from)
		return false; /* at the lowest profile drops are not coalescing's doing */
	c = model_coal(e, q, from);
	pps = scale(work, NS_PER_SEC, s->period_ns);
	if (s->ring_size) {
		/* what was pending against what the mean rate predicts: the bursts */
		__u64 expect = 1 + scale(pps, c.usecs, 1000000);

		if (c.frames > 1 && expect > c.frames)
			expect = c.frames;
		if (s->pending_max)
			burst = scale(s->pending_max, 100, expect);
		/* pending up against the frames or the ring hides the bursts: as if not seen */
		if ((c.frames > 1 && s->pending_max >= c.frames) || s->pending_max >= s->ring_size)
			burst = burst > LOSS_BURST_X100 ? burst : LOSS_BURST_X100;
		burst = burst < 100 ? 100 : burst > 1600 ? 1600 : burst;
		to = loss_safe_profile(e, q, from - 1, pps, burst, s->ring_size);
	} else {
		to = from - 1; /* no ring size: a step down, and no higher */
	}
	/* a loss soon after the last memory lapsed: hold twice as long */
	if (q->loss.active)
		shift = q->loss.shift;
	else if (q->loss.until_ns && q->now_ns - q->loss.until_ns < (e->cfg.loss_hold_ns << q->loss.shift))
		shift = q->loss.shift < LOSS_HOLD_MAX_SHIFT ? q->loss.shift + 1 : LOSS_HOLD_MAX_SHIFT;
	else
		shift = 0;
	hold = e->cfg.loss_hold_ns << shift;
	q->loss = (struct loss_guard){
	    .active = true,
	    .fixed = !s->ring_size,
	    .ceiling = to,
	    .shift = shift,
	    .until_ns = add_saturating(q->now_ns, hold),
	    .burst_x100 = burst,
	    .rate = pps,
	    .ring = s->ring_size,
	    .grace = true,
	};
	update_ceiling(q);
	q->applied = to;
	dim_park(&q->dim, to);
	q->settling = true;
	window_reset(q);
	d->drops = s->drops;
	d->pending_max = s->pending_max;
	d->ring_size = s->ring_size;
	if (s->drops && !s->ring_size) {
		d->reason = ENGINE_R_LOSS;
		snprintf(d->text, sizeof(d->text),
			 "%llu frames dropped at profile %u (ring size unknown): back off to %u, none above for %llu s",
			 (unsigned long long)s->drops, from, to, (unsigned long long)(hold / NS_PER_SEC));
	} else if (s->drops) {
		d->reason = ENGINE_R_LOSS;
		snprintf(d->text, sizeof(d->text),
			 "%llu frames dropped, %u of %u buffers pending at profile %u: back off to %u, none above for "
			 "%llu s",
			 (unsigned long long)s->drops, s->pending_max, s->ring_size, from, to,
			 (unsigned long long)(hold / NS_PER_SEC));
	} else {
		d->reason = ENGINE_R_RING_FULL;
		snprintf(
		    d->text, sizeof(d->text),
		    "%u of %u buffers pending at profile %u (3/4 of the ring): back off to %u, none above for %llu s",
		    s->pending_max, s->ring_size, from, to, (unsigned long long)(hold / NS_PER_SEC));
	}
	return true;
}

/* usecs of profile i, in ns */
static __u64 profile_ns(const struct engine *e, const struct queue *q, unsigned int i)
{
	return (__u64)model_coal(e, q, i).usecs * 1000;
}

/*
 * The slack a window measured, for the loss model: the largest lately, let
 * down an eighth of the way each window (the window's p99 is already the
 * largest of its periods').
 */
static void slack_learn(const struct engine *e, struct queue *q, const struct figures *f)
{
	__u64 here = profile_ns(e, q, f->profile), slack;

	if (!delay_measured(f))
		return;
	slack = f->p99_ns > here ? f->p99_ns - here : 0;
	q->slack_ns = slack >= q->slack_ns ? slack : q->slack_ns - (q->slack_ns - slack) / 8;
}

/*
 * The measured budget: the setting a p99 over budget goes to. The delay
 * above the profile's usecs is the device's own slack; it stays whatever the
 * profile. So the highest profile whose usecs plus that fit, and the lowest
 * if the last window was over too.
 */
static unsigned int delay_target(const struct engine *e, const struct queue *q, const struct figures *f)
{
	__u64 budget_ns = (__u64)e->cfg.max_delay_us * 1000, here = profile_ns(e, q, f->profile);
	__u64 slack = f->p99_ns > here ? f->p99_ns - here : 0;

	if (q->delay.over_last)
		return 0;
	for (unsigned int i = f->profile; i-- > 0;) {
		if (add_saturating(profile_ns(e, q, i), slack) <= budget_ns)
			return i;
	}
	return 0;
}

/*
 * While the p99 predicted one profile above the ceiling (the measured one,
 * moved by the difference in usecs) stays above 3/4 of the budget, the
 * ceiling holds; it rises as far as that prediction allows. A rise leaves
 * a move up pending, tried (within the settling guard) until it is made or
 * the model no longer wants it.
 */
static void delay_lift(const struct engine *e, struct queue *q, const struct figures *f)
{
	__u64 budget_ns = (__u64)e->cfg.max_delay_us * 1000, here = profile_ns(e, q, f->profile);
	__u64 slack = f->p99_ns > here ? f->p99_ns - here : 0;

	if (!q->delay.active || !delay_measured(f))
		return;
	if (f->p99_ns <= budget_ns)
		q->delay.over_last = false;
	while (q->delay.ceiling < q->static_ceiling &&
	       (u128)add_saturating(profile_ns(e, q, q->delay.ceiling + 1), slack) * 4 <= (u128)budget_ns * 3) {
		q->delay.ceiling++;
		lift_ask(q, LIFT_DELAY);
	}
	if (q->delay.ceiling >= q->static_ceiling)
		q->delay.active = false;
}

static void put_figures(struct engine_decision *d, const struct figures *f)
{
	d->judged = true;
	d->window_ns = f->ns;
	d->window_events = f->events;
	d->window_packets = f->work;
	d->window_bytes = f->bytes;
	d->stats = f->stats;
	d->event_rate = f->event_rate;
	d->packet_rate = f->packet_rate;
	d->ppi_x100 = f->ppi_x100;
	d->delay_p99_ns = f->p99_ns;
	d->delay_count = f->delay_count;
	d->drops = f->drops;
	d->pending_max = f->pending_max;
	d->ring_size = f->ring_size;
}

/*
 * Where the model sends the queue. Where the ring's size is known, a move up
 * goes no higher than the profile whose peak pending (at the highest rate of
 * the last second, with the bursts the loss guard saw, else 1.5 times the
 * mean) is predicted at half the ring: the loss guard need not learn it
 * from drops.
 */
static unsigned int move_target(const struct engine *e, const struct queue *q, const struct figures *f,
				unsigned int floor)
{
	unsigned int target = model_predict_target(e, q, f, floor), cap;

	if (target <= q->applied || !f->ring_size || !f->work)
		return target;
	cap = loss_safe_profile(e, q, target, f->peak_rate, q->loss.active ? q->loss.burst_x100 : LOSS_BURST_X100,
				f->ring_size);
	return cap > q->applied ? cap : q->applied;
}

/* " (no higher: the ring at N packets/s)" where the ring, not the model, chose target (move_target's); else "". */
static void ring_note(const struct engine *e, const struct queue *q, const struct figures *f, unsigned int floor,
		      unsigned int target, char *buf, size_t len)
{
	buf[0] = '\0';
	if (model_predict_target(e, q, f, floor) > target)
		snprintf(buf, len, " (no higher: the ring at %llu packets/s)", (unsigned long long)f->peak_rate);
}

/*
 * The highest profile a step of DIM's walk may take: the ceiling, and where
 * the ring's size is known no step up past the ring-safe profile, as for
 * the model's moves (a walk does not go down for it: the loss guard does).
 */
static unsigned int walk_ceiling(const struct engine *e, const struct queue *q, const struct figures *f)
{
	unsigned int safe;

	if (!f->ring_size || !f->work)
		return q->ceiling;
	safe = loss_safe_profile(e, q, q->ceiling, f->peak_rate,
				 q->loss.active ? q->loss.burst_x100 : LOSS_BURST_X100, f->ring_size);
	safe = safe > q->dim.index ? safe : q->dim.index;
	return min_u(safe, q->ceiling);
}

/* The guard held profile i back: say so, and what it was. */
static void hold(const struct engine *e, struct queue *q, unsigned int i, struct engine_decision *d)
{
	d->reason = ENGINE_R_HELD;
	d->held = true;
	d->held_profile = i;
	d->held_next = model_coal(e, q, i);
	if (!q->lg.held_count || q->lg.held_profile != i)
		q->lg.held_count = 0;
	q->lg.held_profile = i;
	d->held_count = ++q->lg.held_count;
}

/* What a move is to the settling guard. */
enum move_kind {
	MOVE_FORCED, /* a phase change, loss, the budgets, request/response, idle: never held */
	MOVE_LEAVE,  /* leaving a settled setting: held by the dwell and the rate limit */
	MOVE_WALK,   /* a step of a DIM walk under way: counted, not held */
};

/*
 * A window that none of the rules before took: the settling guard, then
 * DIM. Returns what the move it asks for is.
 */
static enum move_kind settle_or_dim(struct engine *e, struct queue *q, const struct figures *f, unsigned int floor,
				    char *base, size_t len, struct engine_decision *d)
{
	bool model_ok = f->work && e->cfg.jump_ratio && !q->rr_latched && !model_looks_req_resp(e, q, f);
	enum load_move mv = load_moved(q, f);
	unsigned int from = q->dim.index, target;
	bool leaving;

	/* until DIM has found a setting once, it walks as net_dim does */
	if (!q->lg.settled) {
		d->verdict = dim_decide(&q->dim, &f->stats, walk_ceiling(e, q, f), 2 * q->table->count);
		snprintf(base, len, "dim: %s (finding a first setting)", dim_verdict_name(d->verdict));
		q->lg.settled = q->dim.tune == DIM_PARKED_ON_TOP || q->dim.tune == DIM_PARKED_TIRED;
		return MOVE_WALK;
	}
	if (q->dim.tune == DIM_PARKED_ON_TOP && mv != LOAD_MOVED) {
		unsigned int step = from ? from - 1 : min_u(from + 1, q->ceiling);

		if (dim_compare(&f->stats, &q->dim.reference) != DIM_SAME && step != from) {
			/* DIM would leave its setting on a change within the noise */
			hold(e, q, step, d);
			snprintf(base, len, "load %llu/s %s %llu/s +-%u.%u%%: noise, held profile %u",
				 (unsigned long long)load_of(f), mv == LOAD_EXCURSION ? "off" : "within",
				 (unsigned long long)q->lg.anchor, noise_band_pm(q) / 10, noise_band_pm(q) % 10, step);
		} else {
			d->verdict = DIM_V_STAYED_PARKED;
			snprintf(base, len, "dim: %s", dim_verdict_name(d->verdict));
		}
		return MOVE_FORCED;
	}
	if (q->dim.tune == DIM_PARKED_ON_TOP && model_ok) {
		/* a real change of load: where the model says, rather than DIM's probe and return */
		__u64 was = q->lg.anchor;

		char capped[48];

		target = move_target(e, q, f, floor);
		ring_note(e, q, f, floor, target, capped, sizeof(capped));
		if (target == from) {
			load_anchor(q, f);
			q->dim.reference = f->stats;
			snprintf(base, len, "load moved %llu -> %llu packets/s: profile %u stays%s",
				 (unsigned long long)was, (unsigned long long)f->packet_rate, from,
				 *capped ? capped : " the model's choice");
			return MOVE_FORCED;
		}
		d->reason = ENGINE_R_PHASE_JUMP;
		snprintf(base, len, "load moved %llu -> %llu packets/s, beyond its noise: to profile %u%s",
			 (unsigned long long)was, (unsigned long long)f->packet_rate, target, capped);
		dim_park(&q->dim, target);
		q->settling = true;
		return MOVE_LEAVE;
	}
	/*
	 * DIM walks: the model cannot answer here, or DIM has left its
	 * setting. Leaving a setting is what the dwell and the rate limit hold;
	 * a walk under way goes on, a step a window, until DIM parks.
	 */
	leaving = q->dim.tune == DIM_PARKED_ON_TOP || q->dim.tune == DIM_PARKED_TIRED;
	d->verdict = dim_decide(&q->dim, &f->stats, walk_ceiling(e, q, f), 2 * q->table->count);
	snprintf(base, len, "dim: %s", dim_verdict_name(d->verdict));
	/*
	 * DIM found that more moderation helps: go as far as the model says
	 * it keeps helping, not one step per window. Not on what may be
	 * request/response, where the model overshoots.
	 */
	if (q->dim.tune == DIM_GOING_RIGHT && q->dim.index > from && f->work && e->cfg.jump_ratio &&
	    !(q->rr_latched && model_looks_req_resp(e, q, f)) &&
	    (target = move_target(e, q, f, floor)) > q->dim.index) {
		d->reason = ENGINE_R_PHASE_JUMP;
		snprintf(base, len, "dim: %s; %llu packets/s: on to %u", dim_verdict_name(d->verdict),
			 (unsigned long long)f->packet_rate, target);
		dim_park(&q->dim, target);
		q->settling = true;
	}
	return leaving ? MOVE_LEAVE : MOVE_WALK;
}

/* A phase change, and a profile for it other than DIM's: the jump's target. */
static bool phase_target(const struct engine *e, struct queue *q, const struct figures *f, unsigned int floor,
			 unsigned int *target)
{
	if (!phase_changed(e, q, f))
		return false;
	*target = move_target(e, q, f, floor);
	return *target != q->dim.index;
}

/*
 * A guard's ceiling rose: where the queue may go now, if above DIM's
 * profile (with jumps, the model's choice; DIM alone, as far as its walk
 * may go). Asking is what the recent peak's lift waited for.
 */
static bool lift_target(const struct engine *e, struct queue *q, const struct figures *f, unsigned int floor,
			unsigned int *target)
{
	if (!q->peak_bound)
		q->peak_held = false;
	*target = e->cfg.jump_ratio ? move_target(e, q, f, floor) : walk_ceiling(e, q, f);
	return *target > q->dim.index;
}

/* Decides on a complete window (sparse: fewer events than DIM needs). */
static void judge(struct engine *e, struct queue *q, const struct figures *f, bool sparse, struct engine_decision *d)
{
	unsigned int was_applied = q->applied, floor, next;
	bool unattainable, held_before = q->applied != q->dim.index;
	enum move_kind kind = MOVE_FORCED;
	__u64 budget_ns = (__u64)e->cfg.max_delay_us * 1000;
	char base[sizeof(d->text)], why[64];
	struct dim_stats reference = q->dim.reference;
	enum lift_cause lift;
	bool lift_move = false, peak_was_held;
	unsigned int target;

	update_ceiling(q);
	slack_learn(e, q, f);
	if (!sparse)
		loss_relax(e, q, f);
	delay_lift(e, q, f);
	peak_lift(e, q, f);
	peak_was_held = q->peak_held;
	lift = q->lift;
	q->lift = LIFT_NONE;
	update_ceiling(q);
	floor = model_share_floor(e, q, f, &unattainable);
	d->reason = ENGINE_R_DIM;

	if (sparse && !f->events && !f->work) {
		d->reason = ENGINE_R_IDLE;
		snprintf(base, sizeof(base), "idle for %llu ms", (unsigned long long)(f->ns / NS_PER_MS));
		forget_traffic(q);
		dim_park(&q->dim, 0);
	} else if (budget_ns && delay_measured(f) && f->p99_ns > budget_ns && f->profile > 0) {
		target = delay_target(e, q, f);
		d->reason = ENGINE_R_DELAY_OVER_BUDGET;
		snprintf(base, sizeof(base),
			 "delay p99 %llu us measured over %llu notifications, over the %u us budget at profile %u: "
			 "to %u, none above while it stays near",
			 (unsigned long long)(f->p99_ns / 1000), (unsigned long long)f->delay_count,
			 e->cfg.max_delay_us, f->profile, target);
		q->delay.ceiling = q->delay.active ? min_u(q->delay.ceiling, target) : target;
		q->delay.active = true;
		q->delay.over_last = true;
		update_ceiling(q);
		dim_park(&q->dim, target);
		q->settling = true;
	} else if (!q->settling && model_looks_req_resp(e, q, f) && q->dim.index > 0) {
		/*
		 * Not on the window after a change: at 0/0 and 17,000 packets/s,
		 * 64 interrupts take 4 ms, less than a loaded host takes to
		 * apply the change, so that window can be the old setting's own
		 * (1.00 packets per interrupt read at 256 us: back and forth 5
		 * times in 12 s of steady load under TCG).
		 */
		d->reason = ENGINE_R_REQ_RESP;
		snprintf(base, sizeof(base),
			 "request/response: %u.%02u packets per interrupt <= %u.%02u: lowest profile",
			 f->ppi_x100 / 100, f->ppi_x100 % 100, e->cfg.rr_ppi_x100 / 100, e->cfg.rr_ppi_x100 % 100);
		dim_park(&q->dim, 0);
		q->settling = true;
		q->rr_latched = true;
		q->rr_backoff =
		    q->rr_backoff ? (4 * q->rr_backoff < RR_HOLD_MAX ? 4 * q->rr_backoff : RR_HOLD_MAX) : RR_HOLD_MIN;
		q->rr_hold = q->rr_backoff;
	} else if (sparse) {
		d->reason = ENGINE_R_SPARSE;
		snprintf(base, sizeof(base), "%llu events in %llu ms: too few to judge", (unsigned long long)f->events,
			 (unsigned long long)(f->ns / NS_PER_MS));
	} else if (q->settling) {
		d->reason = ENGINE_R_SETTLING;
		snprintf(base, sizeof(base), "reference taken after the change");
		q->dim.reference = f->stats;
		q->settling = false;
		q->lg.settled = true;
		load_anchor(q, f);
	} else if (phase_target(e, q, f, floor, &target)) {
		char capped[48];

		d->reason = ENGINE_R_PHASE_JUMP;
		ring_note(e, q, f, floor, target, capped, sizeof(capped));
		if (q->have_prev)
			snprintf(base, sizeof(base),
				 "phase change: %llu -> %llu packets/s, %u.%02u packets per interrupt: jump to %u%s",
				 (unsigned long long)q->prev_packet_rate, (unsigned long long)f->packet_rate,
				 f->ppi_x100 / 100, f->ppi_x100 % 100, target, capped);
		else
			snprintf(base, sizeof(base),
				 "first window: %llu packets/s, %u.%02u packets per interrupt: jump to %u%s",
				 (unsigned long long)f->packet_rate, f->ppi_x100 / 100, f->ppi_x100 % 100, target,
				 capped);
		dim_park(&q->dim, target);
		q->settling = true;
		q->rr_latched = false;
		q->rr_hold = q->rr_backoff = 0;
	} else if (!q->have_prev) {
		/* first window, already where the model would go */
		d->reason = ENGINE_R_SETTLING;
		snprintf(base, sizeof(base), "first window taken as the reference");
		q->dim.reference = f->stats;
		/* with jumps on, the model agrees with where it is; with them off, DIM walks first */
		q->lg.settled = e->cfg.jump_ratio && f->work;
		load_anchor(q, f);
	} else if (held_before) {
		/* the device is not at DIM's profile: its window says nothing to DIM */
		d->reason = ENGINE_R_IRQ_SHARE;
		snprintf(base, sizeof(base), "held for the interrupt share");
	} else if (q->rr_hold && q->dim.index == 0 && f->ppi_x100 <= e->cfg.rr_ppi_x100) {
		/*
		 * DIM's last probe right came back: each probe costs request/
		 * response its latency, so the next waits, longer each time.
		 * (At the lowest profile the model expects exactly one packet
		 * per interrupt, so its finer test would let noise through.)
		 */
		q->rr_hold--;
		d->reason = ENGINE_R_REQ_RESP;
		snprintf(base, sizeof(base),
			 "request/response: %u.%02u packets per interrupt: lowest profile, %u more windows",
			 f->ppi_x100 / 100, f->ppi_x100 % 100, q->rr_hold);
	} else if (lift && f->work && !q->rr_latched && lift_target(e, q, f, floor, &target)) {
		/* the measured delay came down, or the load did for long enough: more is allowed again */
		d->reason = ENGINE_R_DIM;
		if (lift == LIFT_DELAY && delay_measured(f) && budget_ns)
			snprintf(base, sizeof(base),
				 "delay p99 %llu us, %llu packets/s: the %u us budget allows %u again",
				 (unsigned long long)(f->p99_ns / 1000), (unsigned long long)f->packet_rate,
				 e->cfg.max_delay_us, target);
		else if (lift == LIFT_PEAK)
			snprintf(base, sizeof(base),
				 "%llu packets/s at most for %llu ms: the ring holds %u again",
				 (unsigned long long)f->peak_rate, PEAK_SLOT_NS * (PEAK_SLOTS - 1) / NS_PER_MS, target);
		else
			snprintf(base, sizeof(base), "%llu packets/s for %llu ms: the loss guard allows %u again",
				 (unsigned long long)f->packet_rate, LOSS_RELAX_NS / NS_PER_MS, target);
		if (e->cfg.jump_ratio) {
			dim_park(&q->dim, target);
			q->settling = true;
		} else {
			/* DIM alone: it walks on from one step up, against this window */
			d->verdict = dim_probe_right(&q->dim, &f->stats, target, 2 * q->table->count);
		}
		kind = MOVE_LEAVE;
		lift_move = true;
	} else {
		kind = settle_or_dim(e, q, f, floor, base, sizeof(base), d);
	}

	/* batching seen at a moderated profile: not request/response after all */
	if (!sparse && q->applied > 0 && f->ppi_x100 > e->cfg.rr_ppi_x100) {
		q->rr_latched = false;
		q->rr_hold = q->rr_backoff = 0;
	}

	next = q->dim.index > q->ceiling ? q->ceiling : q->dim.index;
	if (floor > next)
		next = floor;
	/*
	 * A window too sparse to judge, and with no packets counted, cannot
	 * free the share either: at the setting the budget forced, its few
	 * interrupts are all the model has, and it reads them as fitting any
	 * profile (two VMs on vhost-vdpa were let down and pushed back every
	 * half second, at 554 to 897 interrupts/s against 300). With packets
	 * the model predicts the lower profile's rate, and the share decides.
	 */
	if (sparse && !f->work && d->reason != ENGINE_R_IDLE && held_before && next < q->applied &&
	    q->applied <= q->ceiling)
		next = q->applied;
	if (kind == MOVE_LEAVE && q->dim.index != q->applied && next != q->applied &&
	    !guard_allows(e, q, why, sizeof(why))) {
		/*
		 * The settling guard: DIM stays parked where the device is,
		 * against the reference it had, so the next window asks again
		 * (and the load's anchor is kept, so a real move still counts).
		 * The interrupt share's floor is not held.
		 */
		hold(e, q, next, d);
		snprintf(d->text, sizeof(d->text), "%.100s; held profile %u: %.60s", base, next, why);
		dim_park(&q->dim, q->applied);
		q->dim.reference = reference;
		q->settling = false;
		/* asked again next window, and the peak's until a window gets that far again */
		q->lift = lift_move ? lift : LIFT_NONE;
		q->peak_held |= lift_move && peak_was_held;
		next = q->applied;
		if (floor > next) {
			next = floor;
			d->reason = ENGINE_R_IRQ_SHARE;
			snprintf(d->text, sizeof(d->text), "%.96s; interrupt share %llu/s: profile %u", base,
				 (unsigned long long)q->share, next);
		}
	} else {
		if (kind != MOVE_FORCED && next != q->applied)
			guard_debit(e, q); /* a move the guard let through takes its credit */
		if (next != q->dim.index) {
			d->reason = ENGINE_R_IRQ_SHARE;
			snprintf(d->text, sizeof(d->text), "%.96s; interrupt share %llu/s%s: profile %u not %u", base,
				 (unsigned long long)q->share, unattainable ? " out of reach" : "", next, q->dim.index);
		} else if (held_before) {
			if (d->reason == ENGINE_R_IRQ_SHARE)
				d->reason = ENGINE_R_SHARE_FREED;
			q->settling = true;
			snprintf(d->text, sizeof(d->text), "%.96s; interrupt share %llu/s allows profile %u again",
				 base, (unsigned long long)q->share, next);
		} else {
			snprintf(d->text, sizeof(d->text), "%s", base);
		}
	}
	q->applied = next;
	/* a later rule (the interrupt share) may have had the last word */
	if (d->reason != ENGINE_R_HELD) {
		d->held = false;
		d->held_profile = d->held_count = 0;
		d->held_next = (struct engine_coal){0, 0};
	}

	if (!sparse) {
		q->have_prev = true;
		q->prev_packet_rate = f->packet_rate;
		q->prev_bytes_per_ms = f->stats.bytes_per_ms;
		q->prev_ppi_x100 = f->ppi_x100;
		q->prev_profile = was_applied;
	}
	q->demand = d->reason == ENGINE_R_IDLE ? 0 : (__u64)model_predict_rate(e, q, f, q->dim.index);
	q->have_demand = true;
	q->measured_rate = f->event_rate;
	q->rate_fresh = true;
	window_reset(q);
}

/* Counts no virtqueue can produce in the period: a wrap or reset read wrongly. */
static bool implausible(const struct engine_sample *s)
{
	__u64 ns = s->period_ns;

	return s->events / MAX_COUNT_PER_NS > ns || s->packets / MAX_COUNT_PER_NS > ns ||
	       s->completions / MAX_COUNT_PER_NS > ns || s->drops / MAX_COUNT_PER_NS > ns ||
	       s->bytes / MAX_BYTES_PER_NS > ns;
}

static void finish(const struct engine *e, struct queue *q, const struct engine_coal *current, unsigned int before,
		   struct engine_decision *d)
{
	d->profile = q->applied;
	d->next = model_coal(e, q, q->applied);
	q->asked = d->next;
	d->tune = q->dim.tune;
	d->share = q->share;
	d->demand = q->have_demand ? q->demand : 0;
	d->change = q->applied != before && !coal_eq(current, &d->next);
	if (d->change)
		guard_changed(q);
	else
		d->next = *current;
}

int engine_decide(struct engine *e, __u64 id, const struct engine_sample *s, const struct engine_coal *current,
		  struct engine_decision *d)
{
	struct engine_coal want;
	struct figures f;
	struct queue *q;
	unsigned int before;

	if (!e || !s || !current || !d)
		return -EINVAL;
	if (e->cfg.irq_budget && ++e->decides_since_rebalance >= e->n)
		engine_rebalance(e); /* on ENOMEM the old shares stay */
	q = find_next(e, id);
	if (!q)
		return -ENOENT;
	before = q->applied;
	d->judged = d->change = false;
	/*
	 * Most queues, most ticks: nothing happened, and the device has what
	 * was asked. The window only grows older; no rule can fire before it
	 * is complete (idle is judged at window_max_ns).
	 */
	if (q->started && !s->events && !s->packets && !s->bytes && !s->completions && !s->drops && !s->pending_max &&
	    !s->flags && s->period_ns && coal_eq(current, &q->asked) &&
	    add_saturating(q->w.ns, s->period_ns) < e->cfg.window_max_ns &&
	    (q->w.events < DIM_WINDOW_EVENTS || add_saturating(q->w.ns, s->period_ns) < e->cfg.window_min_ns)) {
		q->w.ns += s->period_ns;
		q->now_ns = add_saturating(q->now_ns, s->period_ns);
		q->loss.grace = false;
		d->text[0] = 0;
		d->reason = ENGINE_R_MEASURING;
		d->profile = q->applied;
		d->next = *current;
		d->tune = q->dim.tune;
		d->share = q->share;
		d->demand = q->have_demand ? q->demand : 0;
		d->held = false;
		return 0;
	}
	/* all but the text, which a decision writes */
	memset(d, 0, offsetof(struct engine_decision, text));
	d->text[0] = 0;
	memset(&d->judged, 0, sizeof(*d) - offsetof(struct engine_decision, judged));

	if (!q->started) {
		/* whatever was counted ran under someone else's setting */
		q->started = true;
		q->applied = e->cfg.start_index < q->ceiling ? e->cfg.start_index : q->ceiling;
		dim_park(&q->dim, q->applied);
		forget_traffic(q);
		want = model_coal(e, q, q->applied);
		q->asked = want;
		d->reason = ENGINE_R_START;
		snprintf(d->text, sizeof(d->text), "start at profile %u (%u us, %u frames)", q->applied, want.usecs,
			 want.frames);
		d->profile = q->applied;
		d->next = want;
		d->change = !coal_eq(current, &want);
		d->tune = q->dim.tune;
		d->share = q->share;
		return 0;
	}

	want = model_coal(e, q, q->applied);
	if (s->flags & ENGINE_SAMPLE_RESET) {
		forget_traffic(q);
		d->reason = ENGINE_R_COUNTERS_RESET;
		snprintf(d->text, sizeof(d->text), "counters reset: window dropped");
		q->foreign_seen = false;
		finish(e, q, current, before, d);
		/* a device reset also clears its coalescing */
		if (!coal_eq(current, &want)) {
			d->change = true;
			d->next = want;
		}
		return 0;
	}
	if (!s->period_ns || implausible(s)) {
		d->reason = ENGINE_R_BAD_SAMPLE;
		if (!s->period_ns) {
			snprintf(d->text, sizeof(d->text), "bad sample: zero period");
		} else {
			window_reset(q);
			snprintf(d->text, sizeof(d->text),
				 "bad sample: %llu events, %llu packets in %llu ns (wrapped or reset counter?)",
				 (unsigned long long)s->events, (unsigned long long)s->packets,
				 (unsigned long long)s->period_ns);
		}
		finish(e, q, current, before, d);
		return 0;
	}
	q->now_ns = add_saturating(q->now_ns, s->period_ns);
	if (!coal_eq(current, &want)) {
		/* set again once; a device that keeps its own value (rounding) is then measured as it is */
		if (!q->foreign_seen || !coal_eq(current, &q->foreign)) {
			q->foreign_seen = true;
			q->foreign = *current;
			window_reset(q);
			d->reason = ENGINE_R_RESYNC;
			snprintf(d->text, sizeof(d->text),
				 "device has %u us, %u frames, not profile %u's %u, %u: set again", current->usecs,
				 current->frames, q->applied, want.usecs, want.frames);
			finish(e, q, current, before, d);
			d->change = true;
			d->next = want;
			return 0;
		}
	} else {
		q->foreign_seen = false;
	}

	window_add(&q->w, s);
	if (loss_guard(e, q, s, d)) {
		finish(e, q, current, before, d);
		return 0;
	}
	if ((q->w.events < DIM_WINDOW_EVENTS || q->w.ns < e->cfg.window_min_ns) && q->w.ns < e->cfg.window_max_ns) {
		/* the common case, every tick of every queue: no text to format */
		d->reason = ENGINE_R_MEASURING;
		finish(e, q, current, before, d);
		return 0;
	}
	figures_of(&q->w, q->applied, &f);
	f.peak_rate = peak_note(q, f.packet_rate);
	put_figures(d, &f);
	judge(e, q, &f, f.events < DIM_WINDOW_EVENTS, d);
	finish(e, q, current, before, d);
	return 0;
}

const char *engine_reason_name(enum engine_reason reason)
{
	switch (reason) {
	case ENGINE_R_MEASURING:
		return "measuring";
	case ENGINE_R_BAD_SAMPLE:
		return "bad-sample";
	case ENGINE_R_COUNTERS_RESET:
		return "counters-reset";
	case ENGINE_R_START:
		return "start";
	case ENGINE_R_RESYNC:
		return "resync";
	case ENGINE_R_IDLE:
		return "idle";
	case ENGINE_R_SPARSE:
		return "sparse";
	case ENGINE_R_SETTLING:
		return "settling";
	case ENGINE_R_DIM:
		return "dim";
	case ENGINE_R_REQ_RESP:
		return "request-response";
	case ENGINE_R_PHASE_JUMP:
		return "phase-jump";
	case ENGINE_R_DELAY_OVER_BUDGET:
		return "delay-over-budget";
	case ENGINE_R_IRQ_SHARE:
		return "irq-share";
	case ENGINE_R_SHARE_FREED:
		return "share-freed";
	case ENGINE_R_HELD:
		return "held";
	case ENGINE_R_LOSS:
		return "loss";
	case ENGINE_R_RING_FULL:
		return "ring-full";
	}
	return "?";
}
