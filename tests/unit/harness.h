/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The engine in a loop with a device, as the controller runs it: every
 * 10 ms period the device's counts go to engine_decide, and a change is
 * applied before the next period. Two devices:
 *
 *  - SIMPLE: a formula (bulk batches up to the coalescing limits,
 *    request/response waits the full usecs for every packet), with optional
 *    noise on the counts. It is close to the engine's own model. Given a
 *    ring, a notification holds its packets in it, and those that arrive in
 *    the interrupt's latency beyond the ring are dropped.
 *  - EVENTS: devmodel.c, simulated event by event apart from the engine:
 *    NAPI budgets, bursts, jitter, a finite ring that drops.
 */
#ifndef VQMOD_TESTS_HARNESS_H
#define VQMOD_TESTS_HARNESS_H

#include <stdlib.h>
#include "unit.h"
#include "devmodel.h"
#include "engine/engine.h"

#define TICK_NS	    10000000ULL
#define TICKS_PER_S 100

static const struct engine_alloc libc = {.resize = unit_resize};

enum device_kind {
	DEV_SIMPLE,
	DEV_EVENTS,
};

static const char *const device_name[] = {"simple", "events"};

/* Traffic, for both devices (SIMPLE reads kind, pps, rtt_us, bytes and rate_jitter). */
static const struct dm_traffic bulk = {.kind = DM_BULK, .pps = 1000000, .burst = 4, .bytes = 1500};
static const struct dm_traffic pingpong = {.kind = DM_PINGPONG, .rtt_us = 20, .bytes = 64};
static const struct dm_traffic idle = {.kind = DM_IDLE};

struct sim {
	struct engine *e;
	__u64 id;
	enum device_kind kind;
	struct devmodel *dm;
	__u64 rng;		/* SIMPLE's noise */
	unsigned int ring;	/* SIMPLE: rx buffers, 0 for no limit */
	double irq_us;		/* SIMPLE: notification to buffers back in the ring */
	double slack_us;	/* both: every notification late by this (the events device's notify_slack_us) */
	bool device_figures;	/* pass drops, ring size, pending and the measured delay to the engine */
	bool hide_ring;		/* ... but not the ring's size and pending (a device that counts drops only) */
	bool hide_packets;	/* the path shows notifications only (vhost-vdpa): no packets, no bytes */
	double foreign_per_s;	/* notifications of another source on the queue's vector: coalescing leaves them */
	double foreign_due;	/* their fraction not yet delivered */
	struct engine_coal dev; /* what the device has */
	struct engine_decision last;
	struct engine_decision last_judged; /* the last decision on a complete window */
	struct dm_period period;	    /* the last period's figures */
	unsigned int judged;		    /* decisions on complete windows */
	unsigned int changes;
	__u64 ticks, drops, packets, events;
};

/* What SIMPLE does with traffic t under coalescing c over ns. */
static inline void simple_period(struct sim *sim, const struct dm_traffic *t, const struct engine_coal *c, __u64 ns,
				 struct dm_period *p)
{
	double secs = ns / 1e9, packets = 0, events = 0;
	double ppi = 1, wait = 0;

	memset(p, 0, sizeof(*p));
	p->ns = ns;
	if (t->kind == DM_BULK) {
		ppi = c->frames <= 1 ? 1 : 1 + t->pps * c->usecs / 1e6;
		if (c->frames > 1 && ppi > c->frames)
			ppi = c->frames;
		wait = c->frames <= 1 ? 0 : (ppi - 1) / t->pps * 1e6;
		packets = t->pps * secs;
		events = packets / ppi;
	} else if (t->kind == DM_PINGPONG) {
		wait = c->frames <= 1 ? 0 : c->usecs;
		packets = secs * 1e6 / (t->rtt_us + wait + sim->slack_us);
		events = packets;
	}
	if (t->rate_jitter > 0) {
		/* the whole period's traffic off by up to rate_jitter, either way */
		double u;

		sim->rng ^= sim->rng << 13;
		sim->rng ^= sim->rng >> 7;
		sim->rng ^= sim->rng << 17;
		u = (double)(sim->rng >> 11) / (double)(1ULL << 53);
		packets *= 1 + t->rate_jitter * (2 * u - 1);
		events *= 1 + t->rate_jitter * (2 * u - 1);
	}
	p->offered = (__u64)(packets + 0.5);
	if (sim->ring && t->kind == DM_BULK) {
		/* each notification's packets, and those of the interrupt's latency, in the ring */
		double held = ppi + t->pps * sim->irq_us / 1e6;

		p->pending_max = (unsigned int)(ppi < sim->ring ? ppi + 0.5 : sim->ring);
		if (held > sim->ring)
			p->drops = (__u64)(events * (held - sim->ring) + 0.5);
		packets -= p->drops;
	}
	p->ring = sim->ring;
	p->packets = (__u64)(packets + 0.5);
	p->notifications = (__u64)(events + 0.5);
	p->bytes = p->packets * t->bytes;
	p->delay_count = p->notifications;
	if (p->notifications)
		p->delay_p99_ns = (__u64)((wait + sim->slack_us) * 1000 + 0.5);
}

static inline void sim_sample(struct sim *sim, const struct dm_traffic *t, struct engine_sample *s)
{
	if (sim->kind == DEV_EVENTS) {
		sim->dm->cfg.notify_slack_us = sim->slack_us;
		dm_run(sim->dm, t, sim->dev.usecs, sim->dev.frames, TICK_NS, &sim->period);
	} else
		simple_period(sim, t, &sim->dev, TICK_NS, &sim->period);
	sim->foreign_due += sim->foreign_per_s * TICK_NS / 1e9;
	sim->period.notifications += (__u64)sim->foreign_due;
	sim->foreign_due -= (__u64)sim->foreign_due;
	memset(s, 0, sizeof(*s));
	s->period_ns = sim->period.ns;
	s->events = sim->period.notifications;
	s->packets = sim->hide_packets ? 0 : sim->period.packets;
	s->bytes = sim->hide_packets ? 0 : sim->period.bytes;
	if (sim->device_figures) {
		s->drops = sim->period.drops;
		s->ring_size = sim->hide_ring ? 0 : sim->period.ring;
		s->pending_max = sim->hide_ring ? 0 : sim->period.pending_max;
		s->flags |= ENGINE_SAMPLE_DELAY;
		s->delay_p99_ns = sim->period.delay_p99_ns;
		s->delay_count = sim->period.delay_count;
	}
}

/* One period: the device's counts to the engine, its change to the device. */
static inline void sim_step(struct sim *sim, const struct dm_traffic *t)
{
	struct engine_sample s;

	sim_sample(sim, t, &s);
	ASSERT_EQ(engine_decide(sim->e, sim->id, &s, &sim->dev, &sim->last), 0);
	if (sim->last.change) {
		sim->dev = sim->last.next;
		sim->changes++;
	}
	if (sim->last.judged) {
		sim->judged++;
		sim->last_judged = sim->last;
	}
	sim->ticks++;
	sim->drops += sim->period.drops;
	sim->packets += sim->period.packets;
	sim->events += sim->period.notifications;
}

static inline struct engine *new_engine(__u32 max_delay_us, __u64 irq_budget)
{
	struct engine_config cfg;
	struct engine *e;

	engine_config_default(&cfg);
	cfg.max_delay_us = max_delay_us;
	cfg.irq_budget = irq_budget;
	e = engine_new(&cfg, &libc);
	ASSERT_TRUE(e != NULL);
	return e;
}

static const struct engine_queue_config rxq = {.kind = ENGINE_QUEUE_RX, .group = 1, .weight = 1};

/* A queue of e on a device of kind; the EVENTS device with dm_config_default but seed. */
static inline void sim_init_on(struct sim *sim, struct engine *e, __u64 id, enum device_kind kind, __u64 seed)
{
	memset(sim, 0, sizeof(*sim));
	sim->e = e;
	sim->id = id;
	sim->kind = kind;
	sim->rng = seed ? seed : 88172645463325252ULL;
	sim->device_figures = kind == DEV_EVENTS;
	sim->irq_us = 5;
	if (kind == DEV_EVENTS) {
		struct dm_config cfg;

		dm_config_default(&cfg);
		cfg.seed = seed;
		sim->dm = malloc(sizeof(*sim->dm));
		if (ASSERT_TRUE(sim->dm != NULL))
			dm_init(sim->dm, &cfg);
	}
	ASSERT_EQ(engine_queue_add(e, id, &rxq), 0);
}

static inline void sim_init(struct sim *sim, struct engine *e, __u64 id)
{
	sim_init_on(sim, e, id, DEV_SIMPLE, 0);
}

static inline void sim_free(struct sim *sim)
{
	free(sim->dm);
	sim->dm = NULL;
}

/*
 * Runs traffic for ticks and returns after how many judged decisions the
 * setting last changed (0: it never changed; a change before the first
 * decision counts as 1).
 */
static inline unsigned int run_phase_on(struct sim *sim, const struct dm_traffic *t, int ticks)
{
	unsigned int last_change = 0;

	for (int i = 0; i < ticks; i++) {
		sim_step(sim, t);
		if (sim->last.change)
			last_change = sim->judged ? sim->judged : 1;
	}
	return last_change;
}

static inline unsigned int run_phase(struct sim *sim, const struct dm_traffic *t, int ticks)
{
	sim->judged = 0;
	return run_phase_on(sim, t, ticks);
}

#endif /* VQMOD_TESTS_HARNESS_H */
