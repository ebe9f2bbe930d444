// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim's log-linear delay histogram as the uapi header lays it out, and the
 * percentiles and pending maxima user/core/delay_hist.c takes from it.
 */
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include "core/delay_hist.h"

/* The layout: the documented formula, each bucket at most 12.5% wide, and bucket() its inverse. */
static void layout(void)
{
	ASSERT_EQ(DELAY_HIST_BUCKETS, 2 + (VQSIM_DELAY_HIST_POWERS << VQSIM_DELAY_HIST_SUB_BITS));
	ASSERT_EQ(delay_hist_lower_ns(0), 0);
	ASSERT_EQ(delay_hist_lower_ns(1), 1024);
	ASSERT_EQ(delay_hist_lower_ns(2), 1152);
	ASSERT_EQ(delay_hist_lower_ns(9), 2048);
	ASSERT_EQ(delay_hist_lower_ns(DELAY_HIST_BUCKETS - 1), 1ULL << 32);
	ASSERT_EQ(delay_hist_upper_ns(DELAY_HIST_BUCKETS - 1), UINT64_MAX);
	ASSERT_EQ(vqsim_delay_hist_bucket(0), 0);
	ASSERT_EQ(vqsim_delay_hist_bucket(1023), 0);
	ASSERT_EQ(vqsim_delay_hist_bucket(UINT64_MAX), DELAY_HIST_BUCKETS - 1);
	for (unsigned int b = 1; b < DELAY_HIST_BUCKETS - 1; b++) {
		uint64_t lo = delay_hist_lower_ns(b), hi = delay_hist_upper_ns(b);

		if (!ASSERT_GE(hi, lo + 1))
			return;
		/* width <= lower / 8 */
		if (!ASSERT_LE(8 * (hi - lo), lo))
			return;
		if (!ASSERT_EQ(vqsim_delay_hist_bucket(lo), b) || !ASSERT_EQ(vqsim_delay_hist_bucket(hi - 1), b))
			return;
	}
	/* ~1 us .. ~1 s and more are resolved */
	ASSERT_LE(delay_hist_lower_ns(1), 1100);
	ASSERT_GE(delay_hist_lower_ns(DELAY_HIST_BUCKETS - 1), 1000000000ULL);
}

/* The point of it: 200 us and 262 us fall apart, where log2 buckets (2^17..2^18 ns) held both. */
static void tells_200_from_262_us(void)
{
	uint64_t a[DELAY_HIST_BUCKETS] = {0}, b[DELAY_HIST_BUCKETS] = {0};
	uint64_t pa, pb;

	ASSERT_TRUE(vqsim_delay_hist_bucket(200000) != vqsim_delay_hist_bucket(262000));
	a[vqsim_delay_hist_bucket(200000)] = 1000;
	b[vqsim_delay_hist_bucket(262000)] = 1000;
	pa = delay_hist_quantile_upper_ns(a, 0.99);
	pb = delay_hist_quantile_ns(b, 0.99);
	printf("  p99 bound at 200 us: %llu ns; p99 at 262 us: %llu ns\n", (unsigned long long)pa,
	       (unsigned long long)pb);
	ASSERT_LE(pa, 225000); /* 200 us + 12.5% */
	ASSERT_GE(pb, 262000 - 262000 / 8);
	ASSERT_TRUE(pa < pb);
}

/* Inside a bucket the rank is interpolated linearly; the open last bucket gives its lower bound. */
static void interpolation(void)
{
	uint64_t h[DELAY_HIST_BUCKETS] = {0};
	unsigned int b = vqsim_delay_hist_bucket(200000);
	uint64_t lo = delay_hist_lower_ns(b), hi = delay_hist_upper_ns(b);

	ASSERT_EQ(delay_hist_quantile_ns(h, 0.99), 0); /* empty */
	ASSERT_EQ(delay_hist_quantile_upper_ns(h, 0.99), 0);
	h[b] = 100;
	ASSERT_EQ(delay_hist_quantile_ns(h, 0.5), lo + (hi - lo) / 2);
	ASSERT_EQ(delay_hist_quantile_ns(h, 0), lo);
	ASSERT_EQ(delay_hist_quantile_ns(h, 1), hi);
	ASSERT_EQ(delay_hist_quantile_upper_ns(h, 0.5), hi);
	/* 99 here, 1 far above: p99 is this bucket's top, p99.9 90% into the other */
	h[b] = 99;
	h[b + 40] = 1;
	ASSERT_EQ(delay_hist_quantile_ns(h, 0.99), hi);
	ASSERT_EQ(delay_hist_quantile_ns(h, 0.999),
		  delay_hist_lower_ns(b + 40) + (delay_hist_upper_ns(b + 40) - delay_hist_lower_ns(b + 40)) * 9 / 10);
	/* out of range q is clamped */
	ASSERT_EQ(delay_hist_quantile_ns(h, 2), delay_hist_upper_ns(b + 40));
	memset(h, 0, sizeof(h));
	h[DELAY_HIST_BUCKETS - 1] = 5;
	ASSERT_EQ(delay_hist_quantile_ns(h, 0.99), 1ULL << 32);
	ASSERT_EQ(delay_hist_quantile_upper_ns(h, 0.99), UINT64_MAX);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Against the exact percentiles of 20,000 delays spread from 1 us to 100 ms: within 12.5%. */
static void matches_exact_percentiles(void)
{
	static uint64_t d[20000], h[DELAY_HIST_BUCKETS];
	const double qs[] = {0.5, 0.9, 0.99, 0.999};
	unsigned int seed = 7;

	memset(h, 0, sizeof(h));
	for (size_t i = 0; i < 20000; i++) {
		/* log-uniform: 2^10 .. 2^26.6 ns */
		double e = 10 + 16.6 * (rand_r(&seed) / (double)RAND_MAX);

		d[i] = (uint64_t)__builtin_exp2(e);
		h[vqsim_delay_hist_bucket(d[i])]++;
	}
	qsort(d, 20000, sizeof(d[0]), cmp_u64);
	ASSERT_EQ(delay_hist_total(h), 20000);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		uint64_t exact = d[(size_t)(qs[i] * 20000) - 1], got = delay_hist_quantile_ns(h, qs[i]);

		printf("  q %.3f: exact %llu ns, from the histogram %llu ns\n", qs[i], (unsigned long long)exact,
		       (unsigned long long)got);
		ASSERT_NEAR((double)got, (double)exact, exact / 8.0);
		ASSERT_GE(delay_hist_quantile_upper_ns(h, qs[i]), exact);
	}
}

/* Per period: a delta, and a counter that went back is a new queue, counted from zero. */
static void delta(void)
{
	uint64_t a[DELAY_HIST_BUCKETS] = {0}, b[DELAY_HIST_BUCKETS] = {0}, d[DELAY_HIST_BUCKETS];

	a[3] = 10;
	b[3] = 15;
	b[70] = 2;
	ASSERT_TRUE(hist_delta(d, a, b, DELAY_HIST_BUCKETS));
	ASSERT_EQ(d[3], 5);
	ASSERT_EQ(d[70], 2);
	ASSERT_EQ(delay_hist_total(d), 7);
	b[3] = 4; /* a new device of the same name */
	ASSERT_TRUE(!hist_delta(d, a, b, DELAY_HIST_BUCKETS));
	ASSERT_EQ(d[3], 4);
	ASSERT_EQ(delay_hist_total(d), 6);
}

/* The most buffers pending in a period, from pending-hist, in eighths of the ring. */
static void pending_max(void)
{
	uint64_t d[VQSIM_PENDING_HIST_BUCKETS] = {0};

	ASSERT_EQ(pending_hist_max(d, 256), 0);
	d[0] = 50; /* 0..31 of 256 */
	ASSERT_EQ(pending_hist_max(d, 256), 31);
	d[3] = 1; /* 96..127 */
	ASSERT_EQ(pending_hist_max(d, 256), 127);
	d[7] = 1; /* 224..255: nearly full */
	ASSERT_EQ(pending_hist_max(d, 256), 255);
	d[8] = 1; /* the whole ring */
	ASSERT_EQ(pending_hist_max(d, 256), 256);
	memset(d, 0, sizeof(d));
	d[1] = 1; /* a ring of 12: 8p/12 = 1 for p = 2 */
	ASSERT_EQ(pending_hist_max(d, 12), 2);
}

int main(int argc, char **argv)
{
	RUN("delay_hist", layout);
	RUN("delay_hist", tells_200_from_262_us);
	RUN("delay_hist", interpolation);
	RUN("delay_hist", matches_exact_percentiles);
	RUN("delay_hist", delta);
	RUN("delay_hist", pending_max);
	return 0;
}
