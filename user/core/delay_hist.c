// SPDX-License-Identifier: GPL-2.0
/* Percentiles and maxima from vqsim's histograms; see delay_hist.h. */
#include "delay_hist.h"

uint64_t delay_hist_lower_ns(unsigned int b)
{
	return b < DELAY_HIST_BUCKETS ? vqsim_delay_hist_lower_ns(b) : UINT64_MAX;
}

uint64_t delay_hist_upper_ns(unsigned int b)
{
	return b + 1 < DELAY_HIST_BUCKETS ? vqsim_delay_hist_lower_ns(b + 1) : UINT64_MAX;
}

bool hist_delta(uint64_t *out, const uint64_t *prev, const uint64_t *cur, unsigned int n)
{
	unsigned int b;

	for (b = 0; b < n; b++)
		if (cur[b] < prev[b])
			break;
	if (b < n) {
		for (b = 0; b < n; b++)
			out[b] = cur[b];
		return false;
	}
	for (b = 0; b < n; b++)
		out[b] = cur[b] - prev[b];
	return true;
}

uint64_t delay_hist_total(const uint64_t h[DELAY_HIST_BUCKETS])
{
	uint64_t n = 0;

	for (unsigned int b = 0; b < DELAY_HIST_BUCKETS; b++)
		n += h[b];
	return n;
}

/* The bucket where rank q * total falls, and how far into it (0..1). */
static int quantile_bucket(const uint64_t h[DELAY_HIST_BUCKETS], double q, double *frac)
{
	uint64_t total = delay_hist_total(h), seen = 0;
	double rank;
	int last = -1;

	if (!total)
		return -1;
	if (q < 0)
		q = 0;
	if (q > 1)
		q = 1;
	rank = q * (double)total;
	for (unsigned int b = 0; b < DELAY_HIST_BUCKETS; b++) {
		if (!h[b])
			continue;
		last = b;
		if ((double)(seen + h[b]) >= rank) {
			*frac = (rank - (double)seen) / (double)h[b];
			if (*frac < 0)
				*frac = 0;
			return b;
		}
		seen += h[b];
	}
	*frac = 1; /* rounding: the rank is past the last count */
	return last;
}

uint64_t delay_hist_quantile_ns(const uint64_t h[DELAY_HIST_BUCKETS], double q)
{
	double frac = 0;
	int b = quantile_bucket(h, q, &frac);
	uint64_t lo, hi;

	if (b < 0)
		return 0;
	lo = delay_hist_lower_ns(b);
	hi = delay_hist_upper_ns(b);
	if (hi == UINT64_MAX)
		return lo;
	return lo + (uint64_t)(frac * (double)(hi - lo) + 0.5);
}

uint64_t delay_hist_quantile_upper_ns(const uint64_t h[DELAY_HIST_BUCKETS], double q)
{
	double frac;
	int b = quantile_bucket(h, q, &frac);

	return b < 0 ? 0 : delay_hist_upper_ns(b);
}

uint32_t pending_hist_max(const uint64_t delta[VQSIM_PENDING_HIST_BUCKETS], uint32_t ring_size)
{
	const unsigned int eighths = VQSIM_PENDING_HIST_BUCKETS - 1;

	for (int b = VQSIM_PENDING_HIST_BUCKETS - 1; b >= 0; b--) {
		if (!delta[b])
			continue;
		if ((unsigned int)b == eighths)
			return ring_size;
		/* b * size <= 8 * p < (b + 1) * size: p <= ceil((b + 1) * size / 8) - 1 */
		return (uint32_t)(((uint64_t)(b + 1) * ring_size + eighths - 1) / eighths - 1);
	}
	return 0;
}
