// SPDX-License-Identifier: GPL-2.0
/* Deltas and rates between snapshots: wraps, resets, zero periods, churn. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "core/sample.h"

static void add(struct vq_snapshot *s, __u32 dev, __u16 queue, __u64 irqs, __u64 packets)
{
	struct vq_key key = {.dev = dev, .queue = queue, .source = VQ_SRC_VIRTIO};
	struct vq_counters c = {.irqs = irqs, .packets = packets, .bytes = packets * 100, .handler_ns = irqs * 1000};
	struct vq_ident id, *shared;

	vq_ident_init(&id, &key, NULL);
	shared = vq_ident_new(&id);
	vq_snapshot_add(s, shared, &c);
	vq_ident_put(shared); /* the snapshot holds it now */
	vq_snapshot_sort(s);
}

/* A vhost-vdpa queue registered for irq bypass, with these counters. */
static void add_bypass(struct vq_snapshot *s, __u32 dev, __u64 irqs, __u64 kicks)
{
	struct vq_key key = {.dev = dev, .queue = 0, .source = VQ_SRC_VHOST_VDPA};
	struct vq_info info = {.flags = VQ_INFO_IRQ_BYPASS};
	struct vq_counters c = {.irqs = irqs, .kicks = kicks};
	struct vq_ident id, *shared;

	strcpy(info.driver, "vhost_vdpa");
	strcpy(info.queue_name, "rx.0");
	vq_ident_init(&id, &key, &info);
	shared = vq_ident_new(&id);
	vq_snapshot_add(s, shared, &c);
	vq_ident_put(shared);
	vq_snapshot_sort(s);
}

/* Bypass with no interrupt seen yet: the zeros are not counts. Once one is seen, they are. */
static void irq_bypass_zeros_are_not_counts(void)
{
	struct vq_snapshot a, b;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = 1000000000;
	b.time_ns = 2000000000;
	add_bypass(&a, 7, 0, 10);
	add_bypass(&a, 8, 5, 10);
	add_bypass(&b, 7, 0, 90); /* kicked, never a callback: posted to the VM */
	add_bypass(&b, 8, 5, 90); /* callbacks seen: the host still gets them */
	add(&b, 9, 0, 0, 0);	  /* not bypassed, idle: a real zero */
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	ASSERT_EQ(p.n, 3);
	for (size_t i = 0; i < p.n; i++) {
		const struct vq_sample *s = &p.s[i];

		ASSERT_EQ(s->id->irq_bypass, s->id->key.dev != 9);
		ASSERT_EQ(s->irqs_unseen, s->id->key.dev == 7);
	}
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

static void counter_plain(void)
{
	bool reset = false;

	ASSERT_EQ(vq_counter_delta(100, 150, &reset), 50);
	ASSERT_TRUE(!reset);
	ASSERT_EQ(vq_counter_delta(7, 7, &reset), 0);
	ASSERT_TRUE(!reset);
}

static void counter_wraps(void)
{
	bool reset = false;

	/* 10 below 2^64, then 5 past it: 15 events, not a reset */
	ASSERT_EQ(vq_counter_delta(~0ULL - 9, 5, &reset), 15);
	ASSERT_TRUE(!reset);
}

static void counter_reset(void)
{
	bool reset = false;

	/* from a large value down to a small one: the counter restarted */
	ASSERT_EQ(vq_counter_delta(1000000, 42, &reset), 42);
	ASSERT_TRUE(reset);
}

static void rates_use_measured_period(void)
{
	struct vq_snapshot a, b;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = 1000000000;
	b.time_ns = 1000000000 + 2500000000ULL; /* 2.5 s, not the nominal 1 s */
	add(&a, 1, 0, 100, 1000);
	add(&b, 1, 0, 350, 3500);
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	ASSERT_EQ(p.n, 1);
	ASSERT_NEAR(p.seconds, 2.5, 1e-9);
	ASSERT_EQ(p.s[0].delta.irqs, 250);
	ASSERT_NEAR(p.s[0].irq_rate, 100, 1e-9);
	ASSERT_NEAR(p.s[0].packet_rate, 1000, 1e-9);
	ASSERT_NEAR(p.s[0].byte_rate, 100000, 1e-6);
	ASSERT_NEAR(p.s[0].packets_per_irq, 10, 1e-9);
	ASSERT_NEAR(p.s[0].avg_handler_ns, 1000, 1e-9);
	ASSERT_TRUE(!p.s[0].appeared && !p.s[0].reset);
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

static void zero_length_period(void)
{
	struct vq_snapshot a, b;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = b.time_ns = 5000;
	add(&a, 1, 0, 10, 0);
	add(&b, 1, 0, 20, 0);
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	ASSERT_NEAR(p.seconds, 0, 0);
	ASSERT_EQ(p.s[0].delta.irqs, 10);
	ASSERT_NEAR(p.s[0].irq_rate, 0, 0); /* no division by zero, no inf */
	ASSERT_NEAR(p.s[0].packets_per_irq, 0, 0);
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

static void reset_takes_current(void)
{
	struct vq_snapshot a, b;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = 0;
	b.time_ns = 1000000000;
	add(&a, 3, 1, 900000, 900000);
	add(&b, 3, 1, 30, 60);
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	ASSERT_TRUE(p.s[0].reset);
	ASSERT_EQ(p.s[0].delta.irqs, 30);
	ASSERT_EQ(p.s[0].delta.packets, 60);
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

static void queues_appear_and_vanish(void)
{
	struct vq_snapshot a, b;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = 0;
	b.time_ns = 1000000000;
	add(&a, 1, 0, 10, 0); /* vanishes */
	add(&a, 2, 0, 10, 0); /* stays */
	add(&b, 2, 0, 15, 0);
	add(&b, 4, 1, 7, 0); /* appears */
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	ASSERT_EQ(p.n, 2);
	ASSERT_EQ(p.vanished, 1);
	ASSERT_EQ(p.s[0].id->key.dev, 2);
	ASSERT_EQ(p.s[0].delta.irqs, 5);
	ASSERT_TRUE(!p.s[0].appeared);
	ASSERT_EQ(p.s[1].id->key.dev, 4);
	ASSERT_EQ(p.s[1].delta.irqs, 7); /* counted from zero */
	ASSERT_TRUE(p.s[1].appeared);
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

static void first_period_without_previous(void)
{
	struct vq_snapshot b;
	struct vq_period p;

	vq_snapshot_init(&b);
	b.time_ns = 42;
	add(&b, 1, 0, 3, 0);
	ASSERT_EQ(vq_period_build(NULL, &b, &p), 0);
	ASSERT_EQ(p.n, 1);
	ASSERT_EQ(p.s[0].delta.irqs, 3);
	ASSERT_NEAR(p.seconds, 0, 0);
	vq_period_free(&p);
	vq_snapshot_free(&b);
}

static void totals_sum_shown_queues(void)
{
	struct vq_snapshot a, b;
	const struct vq_sample *sel[2];
	struct vq_sample total;
	struct vq_period p;

	vq_snapshot_init(&a);
	vq_snapshot_init(&b);
	a.time_ns = 0;
	b.time_ns = 2000000000;
	add(&b, 1, 0, 10, 20);
	add(&b, 1, 1, 30, 40);
	ASSERT_EQ(vq_period_build(&a, &b, &p), 0);
	sel[0] = &p.s[0];
	sel[1] = &p.s[1];
	vq_sample_sum(sel, 2, p.seconds, &total);
	ASSERT_EQ(total.delta.irqs, 40);
	ASSERT_NEAR(total.irq_rate, 20, 1e-9);
	ASSERT_NEAR(total.packets_per_irq, 1.5, 1e-9);
	ASSERT_STREQ(total.id->dev, "total");
	vq_period_free(&p);
	vq_snapshot_free(&a);
	vq_snapshot_free(&b);
}

int main(int argc, char **argv)
{
	RUN("sample", counter_plain);
	RUN("sample", counter_wraps);
	RUN("sample", counter_reset);
	RUN("sample", rates_use_measured_period);
	RUN("sample", zero_length_period);
	RUN("sample", reset_takes_current);
	RUN("sample", queues_appear_and_vanish);
	RUN("sample", first_period_without_previous);
	RUN("sample", totals_sum_shown_queues);
	RUN("sample", irq_bypass_zeros_are_not_counts);
	return 0;
}
