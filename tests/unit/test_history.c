// SPDX-License-Identifier: GPL-2.0
/* Per-queue history: ring order, wrap at HISTORY_LEN, churn, sparkline levels. */
#include <stdlib.h>
#include "unit.h"
#include "core/history.h"

/* A period of one sample per dev in devs[] (queue 0), with irq rate irqs. */
static void period(struct vq_period *p, const __u32 *devs, size_t n, double irqs)
{
	static struct vq_ident ids[16]; /* the history keeps keys, not identities */

	memset(p, 0, sizeof(*p));
	p->s = calloc(n ? n : 1, sizeof(*p->s));
	p->n = n;
	for (size_t i = 0; i < n; i++) {
		struct vq_key key = {.dev = devs[i], .source = VQ_SRC_VIRTIO};

		vq_ident_init(&ids[devs[i] % 16], &key, NULL);
		p->s[i].id = &ids[devs[i] % 16];
		p->s[i].irq_rate = irqs;
		p->s[i].packet_rate = 2 * irqs;
		p->s[i].byte_rate = 100 * irqs;
	}
}

static const struct history_entry *find(const struct history *h, __u32 dev)
{
	struct vq_key key = {.dev = dev, .source = VQ_SRC_VIRTIO};

	return history_find(h, &key);
}

static void keeps_order(void)
{
	static const __u32 devs[] = {1};
	const struct history_entry *e;
	struct history h;
	struct vq_period p;

	history_init(&h);
	for (int i = 1; i <= 3; i++) {
		period(&p, devs, 1, i);
		ASSERT_EQ(history_push(&h, &p), 0);
		vq_period_free(&p);
	}
	e = find(&h, 1);
	if (ASSERT_TRUE(e != NULL)) {
		ASSERT_EQ(e->n, 3);
		ASSERT_NEAR(history_value(e, HIST_IRQS, 0), 1, 1e-9);
		ASSERT_NEAR(history_value(e, HIST_IRQS, 2), 3, 1e-9);
		ASSERT_NEAR(history_value(e, HIST_PACKETS, 2), 6, 1e-9);
		ASSERT_NEAR(history_value(e, HIST_BYTES, 1), 200, 1e-9);
		ASSERT_NEAR(history_max(e, HIST_IRQS), 3, 1e-9);
	}
	history_free(&h);
}

static void wraps_at_len(void)
{
	static const __u32 devs[] = {7};
	const struct history_entry *e;
	struct history h;
	struct vq_period p;

	history_init(&h);
	for (int i = 1; i <= HISTORY_LEN + 5; i++) {
		period(&p, devs, 1, i);
		history_push(&h, &p);
		vq_period_free(&p);
	}
	e = find(&h, 7);
	if (ASSERT_TRUE(e != NULL)) {
		ASSERT_EQ(e->n, HISTORY_LEN);
		ASSERT_NEAR(history_value(e, HIST_IRQS, 0), 6, 1e-9); /* the 5 oldest fell off */
		ASSERT_NEAR(history_value(e, HIST_IRQS, HISTORY_LEN - 1), HISTORY_LEN + 5, 1e-9);
		ASSERT_NEAR(history_value(e, HIST_IRQS, HISTORY_LEN), 0, 1e-9); /* past the end */
	}
	history_free(&h);
}

static void queues_come_and_go(void)
{
	static const __u32 first[] = {1, 2}, second[] = {2, 3};
	struct history h;
	struct vq_period p;

	history_init(&h);
	period(&p, first, 2, 10);
	history_push(&h, &p);
	vq_period_free(&p);
	period(&p, second, 2, 20);
	history_push(&h, &p);
	vq_period_free(&p);
	ASSERT_EQ(h.n, 2);
	ASSERT_TRUE(find(&h, 1) == NULL); /* vanished: forgotten */
	if (ASSERT_TRUE(find(&h, 2) != NULL))
		ASSERT_EQ(find(&h, 2)->n, 2); /* kept its history */
	if (ASSERT_TRUE(find(&h, 3) != NULL))
		ASSERT_EQ(find(&h, 3)->n, 1); /* new */
	period(&p, NULL, 0, 0);
	history_push(&h, &p);
	vq_period_free(&p);
	ASSERT_EQ(h.n, 0);
	ASSERT_TRUE(find(&h, 2) == NULL);
	history_free(&h);
}

static void levels(void)
{
	static const __u32 devs[] = {1};
	static const double rates[] = {0, 1, 50, 100, 0.001};
	unsigned char out[HISTORY_LEN];
	struct history h;
	struct vq_period p;

	history_init(&h);
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		period(&p, devs, 1, rates[i]);
		history_push(&h, &p);
		vq_period_free(&p);
	}
	ASSERT_EQ(history_levels(find(&h, 1), HIST_IRQS, 9, out), 5);
	ASSERT_EQ(out[0], 0); /* zero only for zero */
	ASSERT_EQ(out[1], 1); /* small but not zero: still shows */
	ASSERT_EQ(out[2], 4);
	ASSERT_EQ(out[3], 8); /* the maximum: the top level */
	ASSERT_EQ(out[4], 1);
	history_free(&h);

	/* all zero: no division by a zero maximum */
	history_init(&h);
	period(&p, devs, 1, 0);
	history_push(&h, &p);
	vq_period_free(&p);
	ASSERT_EQ(history_levels(find(&h, 1), HIST_BYTES, 9, out), 1);
	ASSERT_EQ(out[0], 0);
	history_free(&h);
}

int main(int argc, char **argv)
{
	RUN("history", keeps_order);
	RUN("history", wraps_at_len);
	RUN("history", queues_come_and_go);
	RUN("history", levels);
	return 0;
}
