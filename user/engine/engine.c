// SPDX-License-Identifier: GPL-2.0
/*
 * The per-queue moderation engine. Each queue collects periods into a window
 * until it holds DIM_WINDOW_EVENTS events (or window_max_ns pass), then one
 * decision is made on the window, in this order:
 *
 *  1. no traffic for window_max_ns: lowest profile;
 *  2. device delays over the latency budget, or request/response traffic
 *     (about one packet per interrupt, and less batching than the packet
 *     rate predicts) at a moderated profile: lowest profile;
 *  3. the window after any jump only becomes DIM's new reference;
 *  4. a phase change (packet or byte rate moved by jump_ratio against the
 *     last window under the same profile, or the first window): straight to
 *     the profile a simple model predicts DIM would walk to;
 *  5. otherwise net_dim's decision; when that heads right (more moderation
 *     helped), on to where the model says it keeps helping.
 *
 * The model (model.c) predicts what a profile would do to the interrupt rate.
 *
 * The result is then bounded: never above the latency budget (the ceiling),
 * never below the lowest profile predicted to keep the queue within its
 * share of the host interrupt budget (the floor). The ceiling wins: a
 * latency budget is a promise, the interrupt budget a best effort.
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
	q->ceiling = model_latency_ceiling(q->table, e->cfg.max_delay_us);
	q->share = NO_SHARE;
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
	ret = budget_share(e->cfg.irq_budget, claims, e->n, e->groups, e->ngroups, &e->alloc);
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

static void window_add(struct window *w, const struct engine_sample *s)
{
	w->ns = add_saturating(w->ns, s->period_ns);
	w->events = add_saturating(w->events, s->events);
	w->packets = add_saturating(w->packets, s->packets);
	w->bytes = add_saturating(w->bytes, s->bytes);
	w->completions = add_saturating(w->completions, s->completions);
	if (s->flags & ENGINE_SAMPLE_HIST) {
		for (int b = 0; b < ENGINE_HIST_BUCKETS; b++)
			w->hist[b] = add_saturating(w->hist[b], s->delay_hist[b]);
	}
}

/* Lower bound of the bucket that holds the 99th percentile; 0 if too few. */
static __u64 hist_p99_ns(const struct window *w)
{
	__u64 total = 0, seen = 0;

	for (int b = 0; b < ENGINE_HIST_BUCKETS; b++)
		total = add_saturating(total, w->hist[b]);
	if (total < HIST_MIN_COUNT)
		return 0;
	for (int b = 0; b < ENGINE_HIST_BUCKETS; b++) {
		seen = add_saturating(seen, w->hist[b]);
		if ((u128)seen * 100 >= (u128)total * 99)
			return b ? 1ULL << b : 0;
	}
	return 1ULL << (ENGINE_HIST_BUCKETS - 1);
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
	f->p99_ns = hist_p99_ns(w);
}

static bool moved_by(__u64 cur, __u64 prev, __u32 ratio)
{
	if (!prev)
		return cur > 0;
	return (u128)cur >= (u128)prev * ratio || (u128)cur * ratio <= (u128)prev;
}

static bool phase_changed(const struct engine *e, const struct queue *q, const struct figures *f)
{
	__u32 ratio = e->cfg.jump_ratio;

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
	if (q->prev_profile != f->profile)
		return false;
	return moved_by(f->packet_rate, q->prev_packet_rate, ratio) ||
	       moved_by(f->stats.bytes_per_ms, q->prev_bytes_per_ms, ratio) ||
	       (!q->rr_latched && moved_by(f->ppi_x100, q->prev_ppi_x100, ratio));
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
}

/* Decides on a complete window (sparse: fewer events than DIM needs). */
static void judge(struct engine *e, struct queue *q, const struct figures *f, bool sparse, struct engine_decision *d)
{
	unsigned int was_applied = q->applied, floor, next;
	bool unattainable, held_before = q->applied != q->dim.index;
	__u64 budget_ns = (__u64)e->cfg.max_delay_us * 1000;
	char base[sizeof(d->text)];
	unsigned int target;

	floor = model_share_floor(e, q, f, &unattainable);
	d->reason = ENGINE_R_DIM;

	if (sparse && !f->events && !f->work) {
		d->reason = ENGINE_R_IDLE;
		snprintf(base, sizeof(base), "idle for %llu ms", (unsigned long long)(f->ns / NS_PER_MS));
		forget_traffic(q);
		dim_park(&q->dim, 0);
	} else if (budget_ns && f->p99_ns > budget_ns && q->dim.index > 0) {
		d->reason = ENGINE_R_DELAY_OVER_BUDGET;
		snprintf(base, sizeof(base), "delay p99 >= %llu us, over the %u us budget: lowest profile",
			 (unsigned long long)(f->p99_ns / 1000), e->cfg.max_delay_us);
		dim_park(&q->dim, 0);
		q->settling = true;
	} else if (model_looks_req_resp(e, q, f) && q->dim.index > 0) {
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
	} else if (phase_changed(e, q, f) && (target = model_predict_target(e, q, f, floor)) != q->dim.index) {
		d->reason = ENGINE_R_PHASE_JUMP;
		if (q->have_prev)
			snprintf(base, sizeof(base),
				 "phase change: %llu -> %llu packets/s, %u.%02u packets per interrupt: jump to %u",
				 (unsigned long long)q->prev_packet_rate, (unsigned long long)f->packet_rate,
				 f->ppi_x100 / 100, f->ppi_x100 % 100, target);
		else
			snprintf(base, sizeof(base),
				 "first window: %llu packets/s, %u.%02u packets per interrupt: jump to %u",
				 (unsigned long long)f->packet_rate, f->ppi_x100 / 100, f->ppi_x100 % 100, target);
		dim_park(&q->dim, target);
		q->settling = true;
		q->rr_latched = false;
		q->rr_hold = q->rr_backoff = 0;
	} else if (!q->have_prev) {
		/* first window, already where the model would go */
		d->reason = ENGINE_R_SETTLING;
		snprintf(base, sizeof(base), "first window taken as the reference");
		q->dim.reference = f->stats;
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
	} else {
		unsigned int from = q->dim.index;

		d->verdict = dim_decide(&q->dim, &f->stats, q->ceiling, 2 * q->table->count);
		snprintf(base, sizeof(base), "dim: %s", dim_verdict_name(d->verdict));
		/*
		 * DIM found that more moderation helps: go as far as the model
		 * says it keeps helping, not one step per window. Not on what
		 * may be request/response, where the model overshoots.
		 */
		if (q->dim.tune == DIM_GOING_RIGHT && q->dim.index > from && f->work && e->cfg.jump_ratio &&
		    !(q->rr_latched && model_looks_req_resp(e, q, f)) &&
		    (target = model_predict_target(e, q, f, floor)) > q->dim.index) {
			d->reason = ENGINE_R_PHASE_JUMP;
			snprintf(base, sizeof(base), "dim: %s; %llu packets/s: on to %u", dim_verdict_name(d->verdict),
				 (unsigned long long)f->packet_rate, target);
			dim_park(&q->dim, target);
			q->settling = true;
		}
	}

	/* batching seen at a moderated profile: not request/response after all */
	if (!sparse && q->applied > 0 && f->ppi_x100 > e->cfg.rr_ppi_x100) {
		q->rr_latched = false;
		q->rr_hold = q->rr_backoff = 0;
	}

	next = q->dim.index > q->ceiling ? q->ceiling : q->dim.index;
	if (floor > next)
		next = floor;
	if (next != q->dim.index) {
		d->reason = ENGINE_R_IRQ_SHARE;
		snprintf(d->text, sizeof(d->text), "%.96s; interrupt share %llu/s%s: profile %u not %u", base,
			 (unsigned long long)q->share, unattainable ? " out of reach" : "", next, q->dim.index);
	} else if (held_before) {
		if (d->reason == ENGINE_R_IRQ_SHARE)
			d->reason = ENGINE_R_SHARE_FREED;
		q->settling = true;
		snprintf(d->text, sizeof(d->text), "%.96s; interrupt share %llu/s allows profile %u again", base,
			 (unsigned long long)q->share, next);
	} else {
		snprintf(d->text, sizeof(d->text), "%s", base);
	}
	q->applied = next;

	if (!sparse) {
		q->have_prev = true;
		q->prev_packet_rate = f->packet_rate;
		q->prev_bytes_per_ms = f->stats.bytes_per_ms;
		q->prev_ppi_x100 = f->ppi_x100;
		q->prev_profile = was_applied;
	}
	q->demand = d->reason == ENGINE_R_IDLE ? 0 : (__u64)model_predict_rate(e, q, f, q->dim.index);
	q->have_demand = true;
	window_reset(q);
}

/* Counts no virtqueue can produce in the period: a wrap or reset read wrongly. */
static bool implausible(const struct engine_sample *s)
{
	__u64 ns = s->period_ns;

	return s->events / MAX_COUNT_PER_NS > ns || s->packets / MAX_COUNT_PER_NS > ns ||
	       s->completions / MAX_COUNT_PER_NS > ns || s->bytes / MAX_BYTES_PER_NS > ns;
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
	if (!d->change)
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
	if (q->started && !s->events && !s->packets && !s->bytes && !s->completions && !s->flags && s->period_ns &&
	    coal_eq(current, &q->asked) && add_saturating(q->w.ns, s->period_ns) < e->cfg.window_max_ns &&
	    q->w.events < DIM_WINDOW_EVENTS) {
		q->w.ns += s->period_ns;
		d->text[0] = 0;
		d->reason = ENGINE_R_MEASURING;
		d->profile = q->applied;
		d->next = *current;
		d->tune = q->dim.tune;
		d->share = q->share;
		d->demand = q->have_demand ? q->demand : 0;
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
	if (q->w.events < DIM_WINDOW_EVENTS && q->w.ns < e->cfg.window_max_ns) {
		/* the common case, every tick of every queue: no text to format */
		d->reason = ENGINE_R_MEASURING;
		finish(e, q, current, before, d);
		return 0;
	}
	figures_of(&q->w, q->applied, &f);
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
	}
	return "?";
}
