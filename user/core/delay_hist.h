/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Figures from vqsim's cumulative per-queue histograms, whose layout is in
 * the uapi header alone (include/uapi/vqsim.h): percentiles of the
 * notification delay (delay-hist-ll, log-linear, buckets at most 12.5%
 * wide) and the most buffers pending (pending-hist, eighths of the ring).
 * Both only grow, so a period's figures come from the difference of two
 * reads. Pure: no I/O.
 */
#ifndef VQMOD_DELAY_HIST_H
#define VQMOD_DELAY_HIST_H

#include <stdbool.h>
#include <stdint.h>
#include <uapi/vqsim.h>

#define DELAY_HIST_BUCKETS VQSIM_DELAY_HIST_LL_BUCKETS
#define PENDING_HIST_BUCKETS VQSIM_PENDING_HIST_BUCKETS

/* Bucket b's bounds in ns: lower <= d < upper; the last one's upper is UINT64_MAX. */
uint64_t delay_hist_lower_ns(unsigned int b);
uint64_t delay_hist_upper_ns(unsigned int b);

/*
 * out = cur - prev, bucket by bucket (n buckets). If any counter went back
 * (the queue's device was deleted and made again), out = cur and false.
 */
bool hist_delta(uint64_t *out, const uint64_t *prev, const uint64_t *cur, unsigned int n);

uint64_t delay_hist_total(const uint64_t h[DELAY_HIST_BUCKETS]);

/*
 * The q-quantile (0 <= q <= 1) of the delays counted in h, in ns: the delay
 * that a fraction q of the notifications did not exceed. Interpolated
 * linearly inside the bucket where the rank falls (its delays taken as
 * spread evenly), so it is off by less than that bucket's width: 12.5% from
 * 1.024 us on. In the open last bucket (4.29 s and more) it is that
 * bucket's lower bound. 0 for an empty histogram.
 */
uint64_t delay_hist_quantile_ns(const uint64_t h[DELAY_HIST_BUCKETS], double q);

/*
 * The upper bound of that same bucket: a delay the q-quantile is sure to be
 * below (UINT64_MAX in the open last bucket), for a budget that must not be
 * judged met by rounding down. 0 for an empty histogram.
 */
uint64_t delay_hist_quantile_upper_ns(const uint64_t h[DELAY_HIST_BUCKETS], double q);

/*
 * The most buffers that were pending at a coalescing decision, at most, as
 * told by a period's pending-hist delta on a ring of ring_size entries: the
 * top of the highest bucket that moved (ring_size for the full-ring bucket).
 * 0 if no decision was counted.
 */
uint32_t pending_hist_max(const uint64_t delta[VQSIM_PENDING_HIST_BUCKETS], uint32_t ring_size);

#endif
