// SPDX-License-Identifier: GPL-2.0
/*
 * The engine against a small device model: bulk traffic batches up to the
 * coalescing limits, request/response traffic waits the full usecs for
 * every packet. Periods are 10 ms, as the controller's default tick.
 */
#include <errno.h>
#include <stdlib.h>
#include "unit.h"
#include "engine/engine.h"

static const struct engine_alloc libc = {.resize = unit_resize};

#define TICK_NS 10000000ULL

enum traffic_kind { IDLE, BULK, PINGPONG };

struct traffic {
	enum traffic_kind kind;
	double pps;    /* bulk: offered packets/s */
	double rtt_us; /* ping-pong: round trip without coalescing */
	__u32 packet_bytes;
};

static const struct traffic bulk = {BULK, 1000000, 0, 1500};
static const struct traffic pingpong = {PINGPONG, 0, 20, 64};

/* What a device with coalescing c does with traffic t over ns. */
static void model_period(const struct traffic *t, const struct engine_coal *c, __u64 ns, struct engine_sample *s)
{
	double secs = ns / 1e9, packets = 0, events = 0;

	memset(s, 0, sizeof(*s));
	s->period_ns = ns;
	if (t->kind == BULK) {
		double ppi = c->frames <= 1 ? 1 : 1 + t->pps * c->usecs / 1e6;

		if (c->frames > 1 && ppi > c->frames)
			ppi = c->frames;
		packets = t->pps * secs;
		events = packets / ppi;
	} else if (t->kind == PINGPONG) {
		double wait = c->frames <= 1 ? 0 : c->usecs;

		packets = secs * 1e6 / (t->rtt_us + wait);
		events = packets;
	}
	s->packets = (__u64)(packets + 0.5);
	s->events = (__u64)(events + 0.5);
	s->bytes = s->packets * t->packet_bytes;
}

struct sim {
	struct engine *e;
	__u64 id;
	struct engine_coal dev; /* what the device has */
	struct engine_decision last;
	unsigned int judged; /* decisions on complete windows */
};

static void sim_step(struct sim *sim, const struct traffic *t)
{
	struct engine_sample s;

	model_period(t, &sim->dev, TICK_NS, &s);
	ASSERT_EQ(engine_decide(sim->e, sim->id, &s, &sim->dev, &sim->last), 0);
	if (sim->last.change)
		sim->dev = sim->last.next;
	if (sim->last.judged)
		sim->judged++;
}

static struct engine *new_engine(__u32 max_delay_us, __u64 irq_budget)
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

static struct engine_queue_config rxq = {.kind = ENGINE_QUEUE_RX, .group = 1, .weight = 1};

static void sim_init(struct sim *sim, struct engine *e, __u64 id)
{
	memset(sim, 0, sizeof(*sim));
	sim->e = e;
	sim->id = id;
	ASSERT_EQ(engine_queue_add(e, id, &rxq), 0);
}

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

static void request_response_drops_at_once(void)
{
	struct engine *e = new_engine(0, 0);
	struct sim sim;
	int i;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	for (i = 0; i < 100; i++)
		sim_step(&sim, &bulk);
	ASSERT_EQ(sim.last.profile, 4);
	ASSERT_EQ(sim.dev.usecs, 256);
	/* one ping-pong window: straight to the lowest profile, saying why */
	sim.judged = 0;
	while (sim.judged == 0)
		sim_step(&sim, &pingpong);
	ASSERT_EQ(sim.last.reason, ENGINE_R_REQ_RESP);
	ASSERT_TRUE(strstr(sim.last.text, "request/response") != NULL);
	ASSERT_EQ(sim.last.profile, 0);
	ASSERT_EQ(sim.dev.usecs, 0); /* the default lowest profile: coalescing off */
	engine_free(e);
}

/*
 * Runs traffic for ticks and returns after how many judged decisions the
 * profile last changed (0: it never changed).
 */
static unsigned int run_phase(struct sim *sim, const struct traffic *t, int ticks)
{
	unsigned int last_change = 0;

	sim->judged = 0;
	for (int i = 0; i < ticks; i++) {
		sim_step(sim, t);
		if (sim->last.change)
			last_change = sim->judged ? sim->judged : 1;
	}
	return last_change;
}

/*
 * Noisy ping-pong (round trips vary by a third) makes DIM probe right of
 * the lowest profile now and then; each probe costs latency, so they back
 * off: few changes, and nearly all the time at the lowest profile.
 */
static void pingpong_probes_back_off(void)
{
	struct traffic noisy = pingpong;
	unsigned int changes = 0, lowest = 0, ticks = 4000;
	struct engine *e = new_engine(0, 0);
	struct sim sim;

	if (!ASSERT_TRUE(e != NULL))
		return;
	sim_init(&sim, e, 1);
	for (unsigned int i = 0; i < ticks; i++) {
		noisy.rtt_us = pingpong.rtt_us * (1.0 + ((i * 7919) % 13) / 39.0);
		sim_step(&sim, &noisy);
		changes += sim.last.change;
		lowest += sim.dev.usecs == 0;
	}
	printf("  %u changes in %u ticks, %u ticks at the lowest profile\n", changes, ticks, lowest);
	ASSERT_LE(changes, 50); /* without the back-off: about 660 */
	ASSERT_GE(lowest, ticks * 95 / 100);
	engine_free(e);
}

static void phase_changes_converge_in_3(void)
{
	struct engine *e = new_engine(0, 0);
	struct sim sim;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	ASSERT_LE(run_phase(&sim, &bulk, 200), 3);
	ASSERT_EQ(sim.last.profile, 4);
	/* interrupts per packet cut 256x against no coalescing */
	ASSERT_GE(sim.last.ppi_x100, 25000);
	ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
	ASSERT_EQ(sim.last.profile, 0);
	ASSERT_LE(run_phase(&sim, &bulk, 200), 3);
	ASSERT_EQ(sim.last.profile, 4);
	ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
	ASSERT_EQ(sim.last.profile, 0);
	engine_free(e);
}

static void slower_bulk_converges_in_3(void)
{
	/* at 2 Mpps the 256 frames fill within 128 us: 256 us would add delay and save nothing */
	static const struct {
		struct traffic t;
		unsigned int profile;
	} rates[] = {
	    {{BULK, 100000, 0, 1500}, 4},
	    {{BULK, 300000, 0, 800}, 4},
	    {{BULK, 2000000, 0, 64}, 3},
	    /* hardly more packets/s than ping-pong, same size: DIM starts, the model finishes */
	    {{BULK, 60000, 0, 64}, 4},
	    {{BULK, 80000, 0, 1500}, 4},
	};

	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct engine *e = new_engine(0, 0);
		struct sim sim;

		if (!e)
			return;
		sim_init(&sim, e, 1);
		ASSERT_LE(run_phase(&sim, &rates[i].t, 200), 3);
		ASSERT_EQ(sim.last.profile, rates[i].profile);
		ASSERT_LE(run_phase(&sim, &pingpong, 200), 3);
		ASSERT_EQ(sim.last.profile, 0);
		ASSERT_LE(run_phase(&sim, &rates[i].t, 200), 3);
		ASSERT_EQ(sim.last.profile, rates[i].profile);
		engine_free(e);
	}
}

static void idle_goes_lowest(void)
{
	struct engine *e = new_engine(0, 0);
	static const struct traffic idle = {IDLE, 0, 0, 0};
	struct sim sim;

	if (!e)
		return;
	sim_init(&sim, e, 1);
	run_phase(&sim, &bulk, 100);
	ASSERT_EQ(sim.last.profile, 4);
	/* after a whole empty window (0.5 s) */
	run_phase(&sim, &idle, 60);
	ASSERT_EQ(sim.last.profile, 0);
	ASSERT_EQ(sim.dev.usecs, 0);
	/* and back up at once when traffic returns */
	ASSERT_LE(run_phase(&sim, &bulk, 100), 2);
	ASSERT_EQ(sim.last.profile, 4);
	engine_free(e);
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
				s.flags = ENGINE_SAMPLE_HIST;
				s.delay_hist[rand_r(&seed) % ENGINE_HIST_BUCKETS] = (__u64)rand_r(&seed) % 1000;
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

static void delay_histogram_over_budget(void)
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
	/* the device reports notifications held about 1 ms: over the 300 us budget */
	model_period(&bulk, &sim.dev, TICK_NS, &s);
	s.flags = ENGINE_SAMPLE_HIST;
	s.delay_hist[20] = 100; /* 2^20 ns */
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(engine_decide(e, 1, &s, &sim.dev, &d), 0);
		if (d.judged)
			break;
	}
	ASSERT_EQ(d.reason, ENGINE_R_DELAY_OVER_BUDGET);
	ASSERT_EQ(d.profile, 0);
	ASSERT_TRUE(d.change);
	ASSERT_GE(d.delay_p99_ns, 1000000);
	engine_free(e);
}

/* Runs every queue one tick; returns the modelled interrupts/s of all. */
static double tick_all(struct sim *sims, const struct traffic *const *t, int n)
{
	double rate = 0;

	for (int i = 0; i < n; i++) {
		struct engine_sample s;

		sim_step(&sims[i], t[i]);
		model_period(t[i], &sims[i].dev, TICK_NS, &s);
		rate += s.events * (1e9 / TICK_NS);
	}
	return rate;
}

static void host_budget_respected(void)
{
	/* four fast ping-pong queues want 4 x 47600 interrupts/s; the host allows 60000 */
	struct engine *e = new_engine(0, 60000);
	const struct traffic *t[4] = {&pingpong, &pingpong, &pingpong, &pingpong};
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

static void host_budget_shared_by_weight(void)
{
	struct engine *e = new_engine(0, 40000);
	const struct traffic *t[3] = {&pingpong, &pingpong, &pingpong};
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
		struct engine_sample s;

		model_period(t[i], &sims[i].dev, TICK_NS, &s);
		ASSERT_LE(s.events * (1e9 / TICK_NS), share[i]);
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
	const struct traffic *t[2] = {&pingpong, &pingpong};
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
	RUN("engine", delay_histogram_over_budget);
	RUN("engine", host_budget_respected);
	RUN("engine", host_budget_shared_by_weight);
	RUN("engine", queue_under_share_keeps_dim);
	RUN("engine", share_freed_when_others_leave);
	RUN("engine", packets_unknown_uses_completions_or_events);
	return 0;
}
