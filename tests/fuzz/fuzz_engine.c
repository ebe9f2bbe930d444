// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the engine (DIM, latency and interrupt budgets, the
 * settling and loss guards, the measured delay) over arbitrary
 * configurations and sequences of queue changes and samples. Any crash,
 * sanitizer report or broken invariant (an index outside the table, a
 * setting above the latency budget, a decision that is not a profile, a
 * guard's decision that does not do what its reason says) traps.
 *
 * Input: two config bytes and their operands, then operations, each an
 * opcode byte and its operands; a short input just ends the sequence.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine.h"

struct input {
	const uint8_t *p;
	size_t left;
};

static uint64_t take(struct input *in, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes; i++) {
		v <<= 8;
		if (in->left) {
			v |= *in->p++;
			in->left--;
		}
	}
	return v;
}

#define CHECK(cond)                                                                                                    \
	do {                                                                                                           \
		if (!(cond))                                                                                           \
			__builtin_trap();                                                                              \
	} while (0)

#define QUEUES 8

/* The engine's memory: libc's, or, when the input says so, failing after a countdown. */
static long fail_after = -1;

static void *fuzz_resize(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (!size) {
		free(ptr);
		return NULL;
	}
	if (fail_after >= 0 && fail_after-- == 0)
		return NULL;
	return realloc(ptr, size);
}

static const struct engine_alloc fuzz_alloc = {.resize = fuzz_resize};

struct fuzz_queue {
	bool added;
	struct engine_coal dev;
	enum engine_queue_kind kind;
	unsigned int profile; /* the engine's, after its last decision */
};

/* What profile i asks of the device: its setting, usecs clamped to the budget. */
static struct engine_coal coal_of(const struct engine_config *cfg, const struct dim_table *t, unsigned int i)
{
	struct engine_coal c = {t->p[i].usecs, t->p[i].frames};

	if (cfg->max_delay_us && c.usecs > cfg->max_delay_us)
		c.usecs = cfg->max_delay_us;
	return c;
}

static void check_decision(const struct engine_config *cfg, const struct engine *e, uint64_t id,
			   const struct engine_coal *before, unsigned int was, const struct engine_sample *s,
			   const struct engine_decision *d)
{
	const struct dim_table *t = engine_queue_table(e, id);
	struct engine_coal want;

	CHECK(t != NULL);
	CHECK(d->profile < t->count);
	CHECK(d->reason <= ENGINE_R_LAST);
	/* a held move says what was held, and is not made */
	CHECK(d->held == (d->reason == ENGINE_R_HELD));
	if (d->held) {
		struct engine_coal h;

		CHECK(d->held_profile < t->count && d->held_profile != d->profile && d->held_count >= 1);
		h = coal_of(cfg, t, d->held_profile);
		CHECK(d->held_next.usecs == h.usecs && d->held_next.frames == h.frames);
		CHECK(!d->change);
	}
	/* the loss guard and the budget only ever lower, and the loss guard acts on what the sample shows */
	if (d->reason == ENGINE_R_LOSS || d->reason == ENGINE_R_RING_FULL || d->reason == ENGINE_R_DELAY_OVER_BUDGET)
		CHECK(d->profile < was);
	if (d->reason == ENGINE_R_LOSS)
		CHECK(s->drops > 0 && d->drops == s->drops);
	if (d->reason == ENGINE_R_RING_FULL)
		CHECK(s->ring_size && (uint64_t)s->pending_max * 4 >= (uint64_t)s->ring_size * 3);
	if (d->reason == ENGINE_R_DELAY_OVER_BUDGET)
		CHECK(cfg->max_delay_us && d->delay_p99_ns > (uint64_t)cfg->max_delay_us * 1000);
	CHECK(memchr(d->text, '\0', sizeof(d->text)) != NULL);
	CHECK(engine_reason_name(d->reason)[0] != '?');
	/* the profile itself is within the latency budget, unless none is */
	if (cfg->max_delay_us && t->p[0].usecs <= cfg->max_delay_us)
		CHECK(t->p[d->profile].usecs <= cfg->max_delay_us);
	want = coal_of(cfg, t, d->profile);
	if (d->change) {
		/* a change is always to a profile of the table (clamped), and a real change */
		CHECK(d->next.usecs == want.usecs && d->next.frames == want.frames);
		CHECK(d->next.usecs != before->usecs || d->next.frames != before->frames);
		if (cfg->max_delay_us)
			CHECK(d->next.usecs <= cfg->max_delay_us);
	} else {
		CHECK(d->next.usecs == before->usecs && d->next.frames == before->frames);
	}
}

/* A sample with realistic magnitudes, so that decisions get past the sanity checks. */
static void small_sample(struct input *in, struct engine_sample *s)
{
	uint64_t period_us = 1 + take(in, 2) * 16;

	s->period_ns = period_us * 1000;
	s->events = take(in, 2);
	s->packets = take(in, 1) ? s->events * take(in, 1) + take(in, 1) : 0;
	s->bytes = s->packets * take(in, 2);
	s->completions = take(in, 1) & 1 ? s->packets : take(in, 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = {data, size};
	struct fuzz_queue q[QUEUES] = {{0}};
	struct engine_config cfg;
	struct engine *e;
	uint8_t flags, flags2;
	char err[160];

	engine_config_default(&cfg);
	fail_after = -1;
	flags = (uint8_t)take(&in, 1);
	flags2 = (uint8_t)take(&in, 1);
	if (flags & 1)
		cfg.max_delay_us = (uint32_t)take(&in, 2);
	if (flags & 2)
		cfg.irq_budget = take(&in, 4);
	if (flags & 4)
		cfg.rr_ppi_x100 = (uint32_t)take(&in, 2);
	if (flags & 8)
		cfg.jump_ratio = (uint32_t)take(&in, 1);
	if (flags & 16)
		cfg.window_max_ns = take(&in, 4) * 1000;
	if (flags & 32)
		cfg.start_index = (unsigned int)take(&in, 1);
	if (flags & 64) {
		/* a profile spec from the input: rejected ones must leave cfg valid */
		size_t len = (size_t)take(&in, 1) % 96;
		char spec[100];

		if (len > in.left)
			len = in.left;
		memcpy(spec, in.p, len);
		spec[len] = '\0';
		in.p += len;
		in.left -= len;
		engine_config_profile(&cfg, spec, err, sizeof(err));
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	}
	/* the guards' knobs, in and out of range */
	if (flags2 & 1)
		cfg.min_dwell_ns = take(&in, 2) * 10000000ULL;
	if (flags2 & 2)
		cfg.max_changes_per_min = (uint32_t)take(&in, 2);
	if (flags2 & 4)
		cfg.loss_hold_ns = take(&in, 2) * 10000000ULL;
	if (flags2 & 8)
		cfg.min_dwell_ns = take(&in, 8);
	if (flags2 & 16) /* vqmod run's shortest window, in and out of range */
		cfg.window_min_ns = take(&in, 2) * 1000000ULL;
	if (flags & 128) /* the n-th allocation fails */
		fail_after = (long)take(&in, 1);
	e = engine_new(&cfg, &fuzz_alloc);
	if (!e) {
		CHECK(engine_config_check(&cfg, err, sizeof(err)) != 0 || errno == ENOMEM);
		return 0;
	}

	while (in.left) {
		uint8_t op = (uint8_t)take(&in, 1);
		uint64_t id = op >> 4 & (QUEUES - 1);
		struct engine_decision d;
		struct engine_sample s;
		int ret;

		switch (op & 7) {
		case 0: {
			struct engine_queue_config qc = {
			    .kind = take(&in, 1) & 1 ? ENGINE_QUEUE_TX : ENGINE_QUEUE_RX,
			    .group = (uint32_t)take(&in, 1) % 3,
			    .weight = (uint32_t)take(&in, 1),
			};

			ret = engine_queue_add(e, id, &qc);
			CHECK(ret == (q[id].added ? -EEXIST : 0) || (!q[id].added && ret == -ENOMEM));
			if (!ret) {
				const struct dim_table *want = qc.kind == ENGINE_QUEUE_TX ? &cfg.tx : &cfg.rx;

				q[id] = (struct fuzz_queue){.added = true, .kind = qc.kind};
				CHECK(!memcmp(engine_queue_table(e, id), want, sizeof(*want)));
			}
			break;
		}
		case 1:
			ret = engine_queue_remove(e, id);
			CHECK(ret == (q[id].added ? 0 : -ENOENT));
			q[id].added = false;
			break;
		case 2:
		case 3:
		case 4: {
			struct engine_coal before;

			memset(&s, 0, sizeof(s));
			if ((op & 7) == 2) {
				s.period_ns = take(&in, 8);
				s.events = take(&in, 8);
				s.packets = take(&in, 8);
				s.bytes = take(&in, 8);
				s.completions = take(&in, 8);
			} else {
				small_sample(&in, &s);
			}
			if (op & 8) {
				uint8_t extra = (uint8_t)take(&in, 1);

				s.flags = extra & 3;
				/* a measured delay: realistic, or any 64-bit figures */
				if (s.flags & ENGINE_SAMPLE_DELAY) {
					s.delay_p99_ns = extra & 32 ? take(&in, 8) : take(&in, 3) * 16;
					s.delay_count = extra & 64 ? take(&in, 8) : take(&in, 1);
				}
				/* the device's figures: drops, ring, pending */
				if (extra & 4)
					s.drops = extra & 128 ? take(&in, 8) : take(&in, 2);
				if (extra & 8) {
					s.ring_size = (uint32_t)take(&in, 2);
					s.pending_max = (uint32_t)take(&in, 2);
				}
				if (extra & 16)
					s.flags |= (uint32_t)take(&in, 1) << 2; /* flags no one defined */
			}
			/* op 4: the device ignores or rewrites the setting */
			if ((op & 7) == 4) {
				q[id].dev.usecs = (uint32_t)take(&in, 2);
				q[id].dev.frames = (uint32_t)take(&in, 2);
			}
			before = q[id].dev;
			ret = engine_decide(e, id, &s, &before, &d);
			if (!q[id].added) {
				CHECK(ret == -ENOENT);
				break;
			}
			CHECK(ret == 0);
			check_decision(&cfg, e, id, &before, q[id].profile, &s, &d);
			q[id].profile = d.profile;
			if (d.change)
				q[id].dev = d.next;
			break;
		}
		case 5:
			ret = engine_rebalance(e);
			CHECK(ret == 0 || ret == -ENOMEM);
			for (uint64_t i = 0; i < QUEUES; i++) {
				__u64 share;

				if (!q[i].added)
					continue;
				CHECK(engine_queue_share(e, i, &share) == 0);
				/* out of memory, the old shares stay: none yet is no limit */
				if (cfg.irq_budget && ret == 0)
					CHECK(share <= cfg.irq_budget);
			}
			break;
		case 6:
			ret = engine_group_weight(e, (uint32_t)take(&in, 1) % 3, (uint32_t)take(&in, 1));
			CHECK(ret == 0 || ret == -ENOMEM);
			break;
		case 7: {
			/* a long steady run of one queue, to reach deep DIM states cheaply */
			struct engine_sample base;
			unsigned int n = 1 + (unsigned int)take(&in, 1) % 64;

			memset(&base, 0, sizeof(base));
			small_sample(&in, &base);
			/* a device that reports its ring and pending buffers, and now and then drops */
			if (op & 8) {
				base.ring_size = 256;
				base.pending_max = (uint32_t)take(&in, 1);
				base.flags = ENGINE_SAMPLE_DELAY;
				base.delay_p99_ns = take(&in, 2) * 1000;
				base.delay_count = 50;
			}
			if (!q[id].added)
				break;
			for (unsigned int i = 0; i < n; i++) {
				struct engine_coal before = q[id].dev;

				s = base;
				s.events += i & 3;
				if ((op & 8) && (i & 7) == 7)
					s.drops = i;
				CHECK(engine_decide(e, id, &s, &before, &d) == 0);
				check_decision(&cfg, e, id, &before, q[id].profile, &s, &d);
				q[id].profile = d.profile;
				if (d.change)
					q[id].dev = d.next;
			}
			break;
		}
		}
	}
	engine_free(e);
	return 0;
}
