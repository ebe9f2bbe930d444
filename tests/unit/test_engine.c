// SPDX-License-Identifier: GPL-2.0
/*
 * The engine in a loop with a device (harness.h): the simple formula, and
 * devmodel.c's event-by-event queue with NAPI, bursts, jitter and a finite
 * ring. The convergence and stability tests run against both. Periods are
 * 10 ms, as the controller's default tick.
 */
#include <errno.h>
#include <stdlib.h>
#include "harness.h"

static void config_profiles(void)
{
	struct engine_config cfg;
	char err[160];

	engine_config_default(&cfg);
	ASSERT_EQ(cfg.rx.count, 5);
	ASSERT_EQ(cfg.tx.p[4].frames, 128);
	ASSERT_EQ(engine_config_profile(&cfg, "rx=1:256,8:256,64:256,128:256,256:256", err, sizeof(err)), 0);
	ASSERT_EQ(engine_config_profile(&cfg, "tx=2:16,50:64", err, sizeof(err)), 0);
	ASSERT_EQ(cfg.tx.count, 2);
	ASSERT_EQ(cfg.tx.p[1].usecs, 50);
	ASSERT_EQ(engine_config_profile(&cfg, "rx=cqe", err, sizeof(err)), 0);
	ASSERT_EQ(cfg.rx.p[0].usecs, 2);
	ASSERT_EQ(engine_config_profile(&cfg, "tx=8:1,4:1", err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strstr(err, "tx profile: profile 2") != NULL);
	ASSERT_EQ(cfg.tx.count, 2); /* unchanged */
	ASSERT_EQ(engine_config_profile(&cfg, "1:256", err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(strstr(err, "want rx=") != NULL);
	ASSERT_EQ(engine_config_check(&cfg, err, sizeof(err)), 0);
	cfg.rx.count = 0;
	ASSERT_EQ(engine_config_check(&cfg, err, sizeof(err)), -EINVAL);
	ASSERT_TRUE(engine_new(&cfg, &libc) == NULL);
	ASSERT_EQ(errno, EINVAL);
}

/* Ids spread so that many share a slot in the queue table: probing clusters form. */
static __u64 scrambled(__u64 i)
{
	return i * 0x100000000ULL / 0x9e3779b97f4a7c15ULL + (i << 40);
}

/* The queue table under churn: every id added is found, every id removed is gone. */
static void queue_table_churn(void)
{
	struct engine_queue_config qc = {.kind = ENGINE_QUEUE_RX, .group = 1, .weight = 1};
	struct engine_config cfg;
	static bool present[5000];
	unsigned int seed = 7;
	struct engine *e;
	size_t n = 0, wrong = 0;

	engine_config_default(&cfg);
	e = engine_new(&cfg, &libc);
	if (!ASSERT_TRUE(e != NULL))
		return;
	memset(present, 0, sizeof(present));
	for (int op = 0; op < 40000; op++) {
		__u64 id = rand_r(&seed) % 5000;

		if (present[id]) {
			ASSERT_EQ(engine_queue_remove(e, scrambled(id)), 0);
			present[id] = false;
			n--;
		} else {
			ASSERT_EQ(engine_queue_add(e, scrambled(id), &qc), 0);
			present[id] = true;
			n++;
		}
	}
	for (__u64 id = 0; id < 5000; id++)
		wrong += (engine_queue_table(e, scrambled(id)) != NULL) != present[id];
	ASSERT_EQ(wrong, 0);
	ASSERT_EQ(engine_queue_count(e), n);
	engine_free(e);
}

/* All the engine's memory is the caller's: a failed allocation is an error, never a crash. */
static void allocation_failures(void)
{
	struct unit_alloc ua = {.fail_after = 0};
	struct engine_alloc failing = {.resize = unit_resize, .ctx = &ua};
	struct engine_queue_config qc = {.kind = ENGINE_QUEUE_RX, .group = 1, .weight = 1};
	struct engine_config cfg;
	struct engine *e;

	engine_config_default(&cfg);
	cfg.irq_budget = 10000;
	errno = 0;
	ASSERT_TRUE(engine_new(&cfg, &failing) == NULL);
	ASSERT_EQ(errno, ENOMEM);
	ua.fail_after = -1;
	e = engine_new(&cfg, &failing);
	if (!ASSERT_TRUE(e != NULL))
		return;
	ASSERT_EQ(engine_queue_add(e, 1, &qc), 0);
	ua.fail_after = 0;
	ASSERT_TRUE(engine_rebalance(e) == -ENOMEM);
	ua.fail_after = 0;
	ASSERT_TRUE(engine_group_weight(e, 7, 3) == -ENOMEM);
	/* the queue table grows by doubling from 16: the 17th queue needs memory */
	for (__u64 id = 2; id <= 16; id++)
		ASSERT_EQ(engine_queue_add(e, id, &qc), 0);
	ua.fail_after = 0;
	ASSERT_TRUE(engine_queue_add(e, 17, &qc) == -ENOMEM);
	ASSERT_EQ(engine_queue_count(e), 16);
	ASSERT_EQ(engine_queue_add(e, 17, &qc), 0);
	ASSERT_EQ(engine_rebalance(e), 0);
	engine_free(e);
	ASSERT_TRUE(ua.allocations > 0);
}

static void queues_add_remove(void)
{
	struct engine *e = new_engine(0, 0);
	struct engine_sample s = {.period_ns = TICK_NS};
	struct engine_coal cur = {0, 0};
	struct engine_decision d;

	if (!e)
		return;
	for (__u64 id = 10; id > 0; id--)
		ASSERT_EQ(engine_queue_add(e, id * 7, &rxq), 0);
	ASSERT_EQ(engine_queue_add(e, 21, &rxq), -EEXIST);
	ASSERT_EQ(engine_queue_count(e), 10);
	ASSERT_EQ(engine_queue_remove(e, 21), 0);
	ASSERT_EQ(engine_queue_remove(e, 21), -ENOENT);
	ASSERT_EQ(engine_decide(e, 21, &s, &cur, &d), -ENOENT);
	ASSERT_EQ(engine_decide(e, 14, &s, &cur, &d), 0);
	ASSERT_TRUE(engine_queue_table(e, 14) != NULL);
	ASSERT_TRUE(engine_queue_table(e, 15) == NULL);
	ASSERT_EQ(engine_queue_count(e), 9);
	engine_free(e);
}

static void start_then_measure(void)
{
	struct engine *e = new_engine(0, 0);
	struct engine_sample s = {.period_ns = TICK_NS, .events = 40, .packets = 400, .bytes = 40000};
	struct engine_coal cur = {0, 0};
	struct engine_decision d;

	if (!e)
		return;
	engine_queue_add(e, 1, &rxq);
	/* the first sample sets the start profile at once */
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_START);
	ASSERT_TRUE(d.change);
	ASSERT_EQ(d.profile, 1);
	ASSERT_EQ(d.next.usecs, 8);
	ASSERT_EQ(d.next.frames, 256);
	cur = d.next;
	/* 40 events: not enough to judge */
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_MEASURING);
	ASSERT_TRUE(!d.change && !d.judged);
	ASSERT_EQ(d.next.usecs, 8);
	/* 80: judged over both periods */
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_TRUE(d.judged);
	ASSERT_EQ(d.window_events, 80);
	ASSERT_EQ(d.window_ns, 2 * TICK_NS);
	ASSERT_EQ(d.event_rate, 4000);
	ASSERT_EQ(d.packet_rate, 40000);
	ASSERT_EQ(d.ppi_x100, 1000);
	ASSERT_TRUE(d.text[0] != '\0');
	engine_free(e);
}

static void zero_and_bad_samples(void)
{
	struct engine *e = new_engine(0, 0);
	struct engine_sample s = {0};
	struct engine_coal cur = {0, 0};
	struct engine_decision d;

	if (!e)
		return;
	engine_queue_add(e, 1, &rxq);
	engine_decide(e, 1, &s, &cur, &d);
	cur = d.next;
	/* zero period: nothing to learn, nothing done */
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_BAD_SAMPLE);
	ASSERT_TRUE(!d.change);
	/* a period with nothing in it is fine */
	s.period_ns = TICK_NS;
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_MEASURING);
	/* a delta that went through a wrap the wrong way: 2^64 - 5 events */
	s.events = ~0ULL - 4;
	s.packets = 10;
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_BAD_SAMPLE);
	ASSERT_TRUE(!d.change);
	s.events = 10;
	s.bytes = ~0ULL;
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_BAD_SAMPLE);
	/* huge but possible: a long stall of a busy queue */
	s.period_ns = 3600ULL * 1000000000ULL;
	s.events = 3600ULL * 1000000;
	s.packets = s.events * 8;
	s.bytes = s.packets * 9000;
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_TRUE(d.judged);
	ASSERT_EQ(d.event_rate, 1000000);
	ASSERT_LE(d.profile, 4);
	engine_free(e);
}

static void reset_and_resync(void)
{
	struct engine *e = new_engine(0, 0);
	struct engine_sample s = {.period_ns = TICK_NS, .events = 40, .packets = 400, .bytes = 40000};
	struct engine_coal cur = {0, 0};
	struct engine_decision d;

	if (!e)
		return;
	engine_queue_add(e, 1, &rxq);
	engine_decide(e, 1, &s, &cur, &d);
	cur = d.next;
	engine_decide(e, 1, &s, &cur, &d); /* 40 events in the window */
	/* the counters restarted, and the device reset its coalescing */
	s.flags = ENGINE_SAMPLE_RESET;
	cur = (struct engine_coal){0, 0};
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_COUNTERS_RESET);
	ASSERT_TRUE(d.change);
	ASSERT_EQ(d.next.usecs, 8);
	cur = d.next;
	s.flags = 0;
	/* the partial window was dropped: 40 more are not enough */
	engine_decide(e, 1, &s, &cur, &d);
	ASSERT_EQ(d.reason, ENGINE_R_MEASURING);
	ASSERT_EQ(d.window_events, 0);

	/* someone else changed the device: set it again, once */
	cur = (struct engine_coal){50, 32};
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_RESYNC);
	ASSERT_TRUE(d.change);
	ASSERT_EQ(d.next.usecs, 8);
	/* the device keeps its value (rounds, refuses): measured as it is, not fought */
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_MEASURING);
	ASSERT_TRUE(!d.change);
	/* a new foreign value is set again */
	cur = (struct engine_coal){51, 32};
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.reason, ENGINE_R_RESYNC);
	engine_free(e);
}

/*
 * The lowest interrupt rate the EVENTS device reaches for traffic t under a
 * profile of the default rx table that is safe: it drops nothing, and never
 * holds more than half the ring pending, so a burst of twice the mean still
 * fits. Found by trying each profile for 1 s: what a controller that knew
 * the device could have. The engine is judged against it, not against its
 * own formulas.
 */
static double best_safe_rate(const struct dm_traffic *t, __u64 seed)
{
	struct engine_config cfg;
	double best = -1;

	engine_config_default(&cfg);
	for (unsigned int i = 0; i < cfg.rx.count; i++) {
		struct dm_config dc;
		struct devmodel *m = malloc(sizeof(*m));
		struct dm_period p;
		__u64 events = 0, drops = 0;
		unsigned int pending = 0;

		if (!ASSERT_TRUE(m != NULL))
			return -1;
		dm_config_default(&dc);
		dc.seed = seed;
		dm_init(m, &dc);
		for (int k = 0; k < 120; k++) {
			dm_run(m, t, cfg.rx.p[i].usecs, cfg.rx.p[i].frames, TICK_NS, &p);
			if (k >= 20) {
				events += p.notifications;
				drops += p.drops;
				pending = p.pending_max > pending ? p.pending_max : pending;
			}
		}
		free(m);
		if (!drops && pending * 2 <= dc.ring && (best < 0 || events < best))
			best = events;
	}
	return best;
}

/* The interrupt rate of sim over the next ticks, with the drops in them. */
static double measured_rate(struct sim *sim, const struct dm_traffic *t, int ticks, __u64 *drops)
{
	__u64 events = sim->events, lost = sim->drops;

	for (int i = 0; i < ticks; i++)
		sim_step(sim, t);
	*drops = sim->drops - lost;
	return (sim->events - events) * (double)TICKS_PER_S / ticks;
}

/*
 * After bulk has converged: on SIMPLE, the profile its formula makes best;
 * on EVENTS, no drops and within a quarter of the best safe interrupt rate
 * (best_safe_rate).
 */
static void check_bulk_result(struct sim *sim, const struct dm_traffic *t, unsigned int simple_profile)
{
	if (sim->kind == DEV_SIMPLE) {
		ASSERT_EQ(sim->last.profile, simple_profile);
	} else {
		double best = best_safe_rate(t, 99), rate;
		__u64 drops;

		rate = measured_rate(sim, t, 100, &drops);
		printf("  events %.0f pps: profile %u, %.0f interrupts/s, best safe %.0f/s\n", t->pps,
		       sim->last.profile, rate, best);
		ASSERT_EQ(drops, 0);
		ASSERT_GT(best, 0);
		ASSERT_LE(rate, best * 1.25);
	}
}

static void request_response_drops_at_once(void)
{
	for (int k = DEV_SIMPLE; k <= DEV_EVENTS; k++) {
		struct engine *e = new_engine(0, 0);
		struct sim sim;

		if (!e)
			return;
		sim_init_on(&sim, e, 1, k, 3);
		run_phase(&sim, &bulk, 100);
		check_bulk_result(&sim, &bulk, 4);
		ASSERT_GE(sim.dev.usecs, 64);
		/* one ping-pong window: straight to the lowest profile, saying why */
		sim.judged = 0;
		while (sim.judged == 0)
			sim_step(&sim, &pingpong);
		ASSERT_EQ(sim.last.reason, ENGINE_R_REQ_RESP);
		ASSERT_TRUE(strstr(sim.last.text, "request/response") != NULL);
		ASSERT_EQ(sim.last.profile, 0);
		ASSERT_EQ(sim.dev.usecs, 0); /* the default lowest profile: coalescing off */
		sim_free(&sim);
		engine_free(e);
	}
}

/*
 * Noisy ping-pong (round trips vary by a third) makes DIM probe right of
 * the lowest profile now and then; each probe costs latency, so they back
 * off: few changes, and nearly all the time at the lowest profile.
 */
static void pingpong_probes_back_off(void)
{
	for (int k = DEV_SIMPLE; k <= DEV_EVENTS; k++) {
		struct dm_traffic noisy = pingpong;
		unsigned int changes = 0, lowest = 0, ticks = 4000;
		struct engine *e = new_engine(0, 0);
		struct sim sim;

		if (!ASSERT_TRUE(e != NULL))
			return;
		sim_init_on(&sim, e, 1, k, 5);
		for (unsigned int i = 0; i < ticks; i++) {
			noisy.rtt_us = pingpong.rtt_us * (1.0 + ((i * 7919) % 13) / 39.0);
			sim_step(&sim, &noisy);
			changes += sim.last.change;
			lowest += sim.dev.usecs == 0;
		}
		printf("  %s: %u changes in %u ticks, %u ticks at the lowest profile\n", device_name[k], changes, ticks,
		       lowest);
		ASSERT_LE(changes, 50); /* without the back-off: about 660 */
		ASSERT_GE(lowest, ticks * 95 / 100);
		sim_free(&sim);
		engine_free(e);
	}
}

/* Each phase settles within 3 decisions and then holds: no change after. */
static void phase_changes_converge_in_3(void)
{
	for (int k = DEV_SIMPLE; k <= DEV_EVENTS; k++) {
		struct engine *e = new_engine(0, 0);
		struct sim sim;

		if (!e)
			return;
		sim_init_on(&sim, e, 1, k, 11);
		for (int round = 0; round < 2; round++) {
			ASSERT_LE(run_phase(&sim, &bulk, 200), 3);
			check_bulk_result(&sim, &bulk, 4);
			if (k == DEV_SIMPLE) /* interrupts per packet cut 256x against no coalescing */
				ASSERT_GE(sim.last_judged.ppi_x100, 25000);
			ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
			ASSERT_EQ(sim.last.profile, 0);
		}
		sim_free(&sim);
		engine_free(e);
	}
}

static void slower_bulk_converges_in_3(void)
{
	/* at 2 Mpps the 256 frames fill within 128 us: 256 us would add delay and save nothing */
	static const struct {
		struct dm_traffic t;
		unsigned int profile;
	} rates[] = {
	    {{.kind = DM_BULK, .pps = 100000, .burst = 4, .bytes = 1500}, 4},
	    {{.kind = DM_BULK, .pps = 300000, .burst = 4, .bytes = 800}, 4},
	    {{.kind = DM_BULK, .pps = 2000000, .burst = 4, .bytes = 64}, 3},
	    /* hardly more packets/s than ping-pong, same size: DIM starts, the model finishes */
	    {{.kind = DM_BULK, .pps = 60000, .burst = 1, .bytes = 64}, 4},
	    {{.kind = DM_BULK, .pps = 80000, .burst = 2, .bytes = 1500}, 4},
	};

	for (int k = DEV_SIMPLE; k <= DEV_EVENTS; k++) {
		for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
			struct engine *e = new_engine(0, 0);
			struct sim sim;

			if (!e)
				return;
			sim_init_on(&sim, e, 1, k, 20 + i);
			ASSERT_LE(run_phase(&sim, &rates[i].t, 200), 3);
			check_bulk_result(&sim, &rates[i].t, rates[i].profile);
			ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
			ASSERT_EQ(sim.last.profile, 0);
			ASSERT_LE(run_phase(&sim, &rates[i].t, 200), 3);
			check_bulk_result(&sim, &rates[i].t, rates[i].profile);
			sim_free(&sim);
			engine_free(e);
		}
	}
}

static void idle_goes_lowest(void)
{
	for (int k = DEV_SIMPLE; k <= DEV_EVENTS; k++) {
		struct engine *e = new_engine(0, 0);
		struct sim sim;
		unsigned int busy;

		if (!e)
			return;
		sim_init_on(&sim, e, 1, k, 13);
		run_phase(&sim, &bulk, 100);
		busy = sim.last.profile;
		ASSERT_GE(busy, 2);
		/* after a whole empty window (0.5 s; the first idle period may still see the ring drain) */
		run_phase(&sim, &idle, 110);
		ASSERT_EQ(sim.last.profile, 0);
		ASSERT_EQ(sim.dev.usecs, 0);
		/* and back up at once when traffic returns */
		ASSERT_LE(run_phase(&sim, &bulk, 100), 2);
		ASSERT_EQ(sim.last.profile, busy);
		sim_free(&sim);
		engine_free(e);
	}
}

static void latency_budget_caps_profiles(void)
{
	struct engine *e = new_engine(100, 0);
	struct sim sim;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	/* bulk wants 256 us; the budget allows 64 (profile 2) at most */
	run_phase(&sim, &bulk, 200);
	ASSERT_EQ(sim.last.profile, 2);
	ASSERT_EQ(sim.dev.usecs, 64);
	engine_free(e);

	/* below the lowest profile: usecs are clamped to the budget */
	e = new_engine(1, 0);
	if (!e)
		return;
	ASSERT_EQ(engine_queue_add(e, 1, &(struct engine_queue_config){.kind = ENGINE_QUEUE_TX}), 0);
	{
		struct engine_config cfg;
		char err[128];

		engine_config_default(&cfg);
		ASSERT_EQ(engine_config_profile(&cfg, "tx=cqe", err, sizeof(err)), 0);
		cfg.max_delay_us = 3;
		engine_free(e);
		e = engine_new(&cfg, &libc);
		if (!ASSERT_TRUE(e != NULL))
			return;
	}
	sim.e = e;
	sim.dev = (struct engine_coal){0, 0};
	sim.id = 2;
	ASSERT_EQ(engine_queue_add(e, 2, &(struct engine_queue_config){.kind = ENGINE_QUEUE_TX}), 0);
	run_phase(&sim, &bulk, 100);
	ASSERT_EQ(sim.last.profile, 0);
	ASSERT_EQ(sim.dev.usecs, 3);
	ASSERT_EQ(sim.dev.frames, 128);
	engine_free(e);
}

/* Property: whatever comes in, nothing above the budget goes out, and the index stays in the table. */
static void latency_budget_never_exceeded(void)
{
	static const __u32 budgets[] = {1, 7, 8, 63, 64, 100, 200, 255, 256, 1000};
	unsigned int seed = 42;

	for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
		struct engine *e = new_engine(budgets[b], b % 2 ? 50000 : 0);
		struct engine_coal cur[4] = {{0}};

		if (!e)
			return;
		for (__u64 id = 0; id < 4; id++)
			engine_queue_add(e, id, &(struct engine_queue_config){.kind = id % 2, .weight = 1 + id});
		for (int i = 0; i < 20000; i++) {
			__u64 id = rand_r(&seed) % 4;
			struct engine_sample s = {0};
			struct engine_decision d;
			int shape = rand_r(&seed) % 8;

			s.period_ns = shape == 0 ? 0 : 1 + (__u64)rand_r(&seed) % (shape == 1 ? 1000 : 50000000);
			s.events = (__u64)rand_r(&seed) % (shape == 2 ? 2 : 3000);
			s.packets = shape == 3 ? s.events : (__u64)rand_r(&seed) % 300000;
			s.bytes = s.packets * (rand_r(&seed) % 1500);
			if (shape == 4)
				s.events = ~0ULL - (__u64)rand_r(&seed) % 100;
			if (shape == 5) {
				s.flags = ENGINE_SAMPLE_DELAY;
				s.delay_p99_ns = (__u64)rand_r(&seed) % 2000000;
				s.delay_count = (__u64)rand_r(&seed) % 200;
			}
			if (shape == 6) {
				s.ring_size = rand_r(&seed) % 2 ? 256 : 0;
				s.pending_max = (__u32)rand_r(&seed) % 300;
				s.drops = (__u64)rand_r(&seed) % 3 ? 0 : (__u64)rand_r(&seed) % 500;
			}
			if (rand_r(&seed) % 100 == 0)
				s.flags |= ENGINE_SAMPLE_RESET;
			if (rand_r(&seed) % 50 == 0)
				cur[id] = (struct engine_coal){(__u32)rand_r(&seed) % 500, (__u32)rand_r(&seed) % 300};
			if (!ASSERT_EQ(engine_decide(e, id, &s, &cur[id], &d), 0))
				break;
			if (!ASSERT_LE(d.profile, engine_queue_table(e, id)->count - 1))
				break;
			if (d.change && !ASSERT_LE(d.next.usecs, budgets[b]))
				break;
			if (d.change)
				cur[id] = d.next;
		}
		engine_free(e);
	}
}

static void delay_measured_over_budget(void)
{
	struct engine *e = new_engine(300, 0);
	struct sim sim;
	struct engine_sample s;
	struct engine_decision d;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	run_phase(&sim, &bulk, 100);
	ASSERT_EQ(sim.last.profile, 4);
	/* the device measures notifications held about 1 ms: over the 300 us budget at any usecs */
	sim_sample(&sim, &bulk, &s);
	s.flags = ENGINE_SAMPLE_DELAY;
	s.delay_p99_ns = 1000000;
	s.delay_count = 100;
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(engine_decide(e, 1, &s, &sim.dev, &d), 0);
		if (d.judged)
			break;
	}
	ASSERT_EQ(d.reason, ENGINE_R_DELAY_OVER_BUDGET);
	ASSERT_EQ(d.profile, 0);
	ASSERT_TRUE(d.change);
	ASSERT_EQ(d.delay_p99_ns, 1000000);
	ASSERT_GE(d.delay_count, 100);
	ASSERT_TRUE(strstr(d.text, "1000 us") != NULL);
	engine_free(e);
}

/* Runs every queue one tick; returns the interrupts/s of all in it. */
static double tick_all(struct sim *sims, const struct dm_traffic *const *t, int n)
{
	double rate = 0;

	for (int i = 0; i < n; i++) {
		sim_step(&sims[i], t[i]);
		rate += sims[i].period.notifications * (double)TICKS_PER_S;
	}
	return rate;
}

static void host_budget_respected(void)
{
	/* four fast ping-pong queues want 4 x 47600 interrupts/s; the host allows 60000 */
	struct engine *e = new_engine(0, 60000);
	const struct dm_traffic *t[4] = {&pingpong, &pingpong, &pingpong, &pingpong};
	struct sim sims[4];
	double rate = 0, unlimited;
	int i;

	if (!e)
		return;
	for (i = 0; i < 4; i++)
		sim_init(&sims[i], e, 100 + i);
	for (i = 0; i < 300; i++)
		rate = tick_all(sims, t, 4);
	ASSERT_LE(rate, 60000);
	/* within its share, each still moderates as little as the share allows */
	ASSERT_GE(rate, 30000);
	for (i = 0; i < 4; i++) {
		__u64 share;

		ASSERT_EQ(engine_queue_share(e, 100 + i, &share), 0);
		ASSERT_NEAR(share, 15000, 100);
		ASSERT_GE(sims[i].last.profile, 1);
	}
	engine_free(e);

	/* without a budget they would all sit at profile 0 */
	e = new_engine(0, 0);
	for (i = 0; i < 4; i++)
		sim_init(&sims[i], e, 100 + i);
	for (i = 0; i < 300; i++)
		unlimited = tick_all(sims, t, 4);
	ASSERT_GE(unlimited, 150000);
	ASSERT_EQ(sims[0].last.profile, 0);
	engine_free(e);
}

/*
 * A budget that leaves a queue few interrupts: at the setting it forces,
 * windows are sparse (fewer than 64 events by window_max_ns), and a sparse
 * window must not free the share. Two bulk queues of 2,000 packets/s on a
 * path that shows notifications only (vhost-vdpa) and a budget of 300
 * interrupts/s: the rate over the last 5 s stays within 20% of it, and the
 * queues stay where the share put them. Breaks when a sparse window frees
 * the share: 32 changes in those 5 s (at 299/s); in the 6.12-vms guest the
 * same setting ran at 554 to 897 interrupts/s ("too few to judge;
 * interrupt share 225/s allows profile 1 again" every half second).
 */
static void budget_holds_through_sparse_windows(void)
{
	struct engine_config cfg;
	struct dm_traffic slow = bulk;
	char err[128];
	struct engine *e;
	const struct dm_traffic *t[2] = {&slow, &slow};
	struct sim sims[2];
	double sum = 0;
	int i;

	/* the test's VM table: its top holds 16 ms, 60 interrupts/s at this rate */
	engine_config_default(&cfg);
	cfg.irq_budget = 300;
	ASSERT_EQ(engine_config_profile(&cfg, "rx=1:1,64:64,1024:256,16384:256", err, sizeof(err)), 0);
	e = engine_new(&cfg, &libc);
	if (!ASSERT_TRUE(e != NULL))
		return;
	slow.pps = 2000;
	for (i = 0; i < 2; i++) {
		sim_init_on(&sims[i], e, 300 + i, DEV_EVENTS, 17 + i);
		sims[i].hide_packets = true; /* as on vhost-vdpa: notifications alone */
	}
	unsigned int changes = 0;

	for (i = 0; i < 15 * TICKS_PER_S; i++) {
		double rate;

		if (i == 10 * TICKS_PER_S)
			changes = sims[0].changes + sims[1].changes;
		rate = tick_all(sims, t, 2);
		if (i >= 10 * TICKS_PER_S)
			sum += rate;
	}
	changes = sims[0].changes + sims[1].changes - changes;
	printf("  %.0f interrupts/s over the last 5 s against a budget of 300, %u changes; profiles %u, %u\n",
	       sum / (5 * TICKS_PER_S), changes, sims[0].last.profile, sims[1].last.profile);
	ASSERT_LE(sum / (5 * TICKS_PER_S), 360);
	/* held where the share put them, not let down and pushed back each window */
	ASSERT_LE(changes, 2);
	engine_free(e);
}

/*
 * Two VMs on vhost-vdpa, 3:1 by weight, their packets from the device's
 * figures: the total holds the budget and the split follows the weights,
 * though at the shares' settings a window is too sparse to judge. For the
 * first 3 s the packets are not known (with notifications alone the model
 * cannot tell the table's top from the profile below it), which puts both
 * at the top: a sparse window there must still let the share lower vmA's
 * setting once packets tell the model what it would be (it sat at the
 * top, 1:1, in a VM).
 */
static void budget_split_by_weight_through_sparse_windows(void)
{
	struct engine_config cfg;
	struct dm_traffic slow = bulk;
	const struct dm_traffic *t[2] = {&slow, &slow};
	struct engine_queue_config vm[2] = {{.kind = ENGINE_QUEUE_RX, .group = 10, .weight = 1},
					    {.kind = ENGINE_QUEUE_RX, .group = 11, .weight = 1}};
	double rate[2] = {0, 0};
	unsigned int changes = 0;
	char err[128];
	struct engine *e;
	struct sim sims[2];
	int i;

	engine_config_default(&cfg);
	cfg.irq_budget = 300;
	ASSERT_EQ(engine_config_profile(&cfg, "rx=0:0,64:8,256:32,1024:64,4096:128,16384:256", err, sizeof(err)), 0);
	e = engine_new(&cfg, &libc);
	if (!ASSERT_TRUE(e != NULL))
		return;
	slow.pps = 1000;
	for (i = 0; i < 2; i++) {
		sim_init_on(&sims[i], e, 400 + i, DEV_EVENTS, 31 + i);
		ASSERT_EQ(engine_queue_remove(e, 400 + i), 0);
		ASSERT_EQ(engine_queue_add(e, 400 + i, &vm[i]), 0);
	}
	ASSERT_EQ(engine_group_weight(e, 10, 3), 0);
	ASSERT_EQ(engine_group_weight(e, 11, 1), 0);
	for (i = 0; i < 20 * TICKS_PER_S; i++) {
		sims[0].hide_packets = sims[1].hide_packets = i < 3 * TICKS_PER_S;
		if (i == 15 * TICKS_PER_S)
			changes = sims[0].changes + sims[1].changes;
		tick_all(sims, t, 2);
		for (int k = 0; i >= 15 * TICKS_PER_S && k < 2; k++)
			rate[k] += sims[k].period.notifications / 5.0;
	}
	changes = sims[0].changes + sims[1].changes - changes;
	printf("  over the last 5 s: %.0f + %.0f interrupts/s against a budget of 300 (3:1), %u changes; profiles %u, %u\n",
	       rate[0], rate[1], changes, sims[0].last.profile, sims[1].last.profile);
	ASSERT_LE(rate[0] + rate[1], 360);
	ASSERT_GE(rate[0], 2 * rate[1]);
	ASSERT_LE(rate[0], 4.5 * rate[1]);
	ASSERT_LE(changes, 2);
	for (i = 0; i < 2; i++)
		sim_free(&sims[i]);
	engine_free(e);
}

/*
 * Notifications coalescing does not thin (another source's on the vector,
 * 3,000/s on each of two ping-pong queues) make the model's predictions
 * low, and the shares it fits too loose: the budget must hold on what was
 * measured. Without the feedback the total sat at 21,500/s against 20,000
 * for good; with it, 18,216.
 */
#define FOREIGN 3000
static void budget_holds_on_measured_total(void)
{
	const struct dm_traffic *t[2] = {&pingpong, &pingpong};
	struct engine_queue_config vm[2] = {{.kind = ENGINE_QUEUE_RX, .group = 10, .weight = 1},
					    {.kind = ENGINE_QUEUE_RX, .group = 11, .weight = 1}};
	struct engine *e = new_engine(0, 20000);
	double rate[2] = {0, 0};
	struct sim sims[2];
	int i;

	if (!e)
		return;
	for (i = 0; i < 2; i++) {
		sim_init(&sims[i], e, 400 + i);
		ASSERT_EQ(engine_queue_remove(e, 400 + i), 0);
		ASSERT_EQ(engine_queue_add(e, 400 + i, &vm[i]), 0);
		sims[i].foreign_per_s = FOREIGN;
	}
	ASSERT_EQ(engine_group_weight(e, 10, 3), 0);
	ASSERT_EQ(engine_group_weight(e, 11, 1), 0);
	for (i = 0; i < 30 * TICKS_PER_S; i++) {
		tick_all(sims, t, 2);
		for (int k = 0; i >= 25 * TICKS_PER_S && k < 2; k++)
			rate[k] += sims[k].period.notifications / 5.0;
	}
	printf("  over the last 5 s: %.0f + %.0f interrupts/s (%d/s each not thinned) against a budget of 20000 (3:1); "
	       "profiles %u, %u\n",
	       rate[0], rate[1], FOREIGN, sims[0].last.profile, sims[1].last.profile);
	ASSERT_LE(rate[0] + rate[1], 20400);
	ASSERT_GT(rate[0], rate[1]);
	engine_free(e);
}

/*
 * Bulk at a few thousand packets/s on the default table: its first steps
 * (1 to 8 us) cut interrupts by a few percent, the later ones by more, so
 * the jump goes past the flat start (it stopped at 0 for a VM's 2,910
 * packets/s).
 */
static void bulk_jumps_past_flat_first_steps(void)
{
	struct engine *e = new_engine(0, 0);
	struct dm_traffic slow = bulk;
	struct sim sim;

	if (!e)
		return;
	slow.pps = 3000;
	sim_init(&sim, e, 1);
	for (int i = 0; i < 3 * TICKS_PER_S; i++)
		sim_step(&sim, &slow);
	printf("  3000 packets/s: profile %u after 3 s, %u changes\n", sim.last.profile, sim.changes);
	ASSERT_GE(sim.last.profile, 3);
	engine_free(e);
}

static void host_budget_shared_by_weight(void)
{
	struct engine *e = new_engine(0, 40000);
	const struct dm_traffic *t[3] = {&pingpong, &pingpong, &pingpong};
	struct sim sims[3];
	__u64 share[3];
	int i;

	if (!e)
		return;
	/* VM 1 weighs 3 and has two queues; VM 2 weighs 1 and has one */
	ASSERT_EQ(engine_group_weight(e, 1, 3), 0);
	ASSERT_EQ(engine_group_weight(e, 2, 1), 0);
	for (i = 0; i < 3; i++) {
		memset(&sims[i], 0, sizeof(sims[i]));
		sims[i].e = e;
		sims[i].id = i;
		ASSERT_EQ(engine_queue_add(e, i, &(struct engine_queue_config){.group = i == 2 ? 2 : 1, .weight = 1}),
			  0);
	}
	for (i = 0; i < 300; i++)
		tick_all(sims, t, 3);
	for (i = 0; i < 3; i++)
		engine_queue_share(e, i, &share[i]);
	ASSERT_NEAR(share[0], 15000, 100);
	ASSERT_NEAR(share[1], 15000, 100);
	ASSERT_NEAR(share[2], 10000, 100);
	/* each queue's own rate stays within its share */
	for (i = 0; i < 3; i++) {
		sim_step(&sims[i], t[i]);
		ASSERT_LE(sims[i].period.notifications * (double)TICKS_PER_S, share[i]);
	}
	/* the lighter VM's queue had to moderate more */
	ASSERT_GE(sims[2].last.profile, sims[0].last.profile);
	engine_free(e);
}

static void queue_under_share_keeps_dim(void)
{
	/* a bulk queue needs few interrupts at its DIM profile: a budget changes nothing */
	struct engine *e = new_engine(0, 100000);
	struct sim sim;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	run_phase(&sim, &bulk, 200);
	ASSERT_EQ(sim.last.profile, 4);
	ASSERT_TRUE(sim.last.reason != ENGINE_R_IRQ_SHARE);
	ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
	ASSERT_EQ(sim.last.profile, 0); /* 47600/s fits in 100000 */
	engine_free(e);
}

static void share_freed_when_others_leave(void)
{
	struct engine *e = new_engine(0, 60000);
	const struct dm_traffic *t[2] = {&pingpong, &pingpong};
	struct sim sims[2];
	int i;

	if (!e)
		return;
	for (i = 0; i < 2; i++)
		sim_init(&sims[i], e, i);
	for (i = 0; i < 200; i++)
		tick_all(sims, t, 2);
	ASSERT_GE(sims[0].last.profile, 1); /* 30000 each: held above 0 */
	/* the other queue goes away: the whole budget is this one's */
	ASSERT_EQ(engine_queue_remove(e, 1), 0);
	for (i = 0; i < 200; i++)
		sim_step(&sims[0], &pingpong);
	ASSERT_EQ(sims[0].last.profile, 0);
	engine_free(e);
}

static void packets_unknown_uses_completions_or_events(void)
{
	struct engine *e = new_engine(0, 0);
	struct engine_sample s = {.period_ns = TICK_NS, .events = 100, .completions = 800};
	struct engine_coal cur = {0, 0};
	struct engine_decision d;

	if (!e)
		return;
	engine_queue_add(e, 1, &rxq);
	engine_decide(e, 1, &s, &cur, &d);
	cur = d.next;
	ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
	ASSERT_EQ(d.window_packets, 800);
	ASSERT_EQ(d.ppi_x100, 800);
	/* interrupts only: no packets per interrupt, so no request/response guess */
	s.completions = 0;
	for (int i = 0; i < 20; i++) {
		ASSERT_EQ(engine_decide(e, 1, &s, &cur, &d), 0);
		ASSERT_TRUE(d.reason != ENGINE_R_REQ_RESP);
		if (d.change)
			cur = d.next;
	}
	engine_free(e);
}

int main(int argc, char **argv)
{
	RUN("engine", config_profiles);
	RUN("engine", allocation_failures);
	RUN("engine", queue_table_churn);
	RUN("engine", queues_add_remove);
	RUN("engine", start_then_measure);
	RUN("engine", zero_and_bad_samples);
	RUN("engine", reset_and_resync);
	RUN("engine", request_response_drops_at_once);
	RUN("engine", pingpong_probes_back_off);
	RUN("engine", phase_changes_converge_in_3);
	RUN("engine", slower_bulk_converges_in_3);
	RUN("engine", idle_goes_lowest);
	RUN("engine", latency_budget_caps_profiles);
	RUN("engine", latency_budget_never_exceeded);
	RUN("engine", delay_measured_over_budget);
	RUN("engine", host_budget_respected);
	RUN("engine", host_budget_shared_by_weight);
	RUN("engine", budget_holds_through_sparse_windows);
	RUN("engine", bulk_jumps_past_flat_first_steps);
	RUN("engine", budget_split_by_weight_through_sparse_windows);
	RUN("engine", budget_holds_on_measured_total);
	RUN("engine", queue_under_share_keeps_dim);
	RUN("engine", share_freed_when_others_leave);
	RUN("engine", packets_unknown_uses_completions_or_events);
	return 0;
}
