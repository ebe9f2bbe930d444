/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vqsim: the generic netlink ABI of the vqsim vDPA simulator, and the layout
 * of the frames its traffic source generates. Shared by tools/vqsim/ and user/.
 *
 * Queues are always named by their virtqueue index, as in the virtio-net spec
 * and in VIRTIO_NET_CTRL_NOTF_COAL_VQ_SET: 2i is rx i, 2i+1 is tx i, and 2N
 * (N = queue pairs) is the control queue.
 */
#ifndef _UAPI_VQSIM_H
#define _UAPI_VQSIM_H

#include <linux/types.h>

/*
 * The netlink family (its name, version, group, limits, commands, attributes
 * and enums) is defined in vqsim.yaml beside this file; vqsim_gen.h is
 * generated from it by the kernel's YNL generator (make ynl-gen). What the
 * spec cannot hold stays here: the layout of the generated frames, and the
 * bucket formula of delay-hist-ll in C.
 */
#include "vqsim_gen.h"

/*
 * VQSIM_STAT_DELAY_HIST_LL, log-linear: from 2^F ns on (F = FIRST_POWER),
 * each power of two is cut into 2^S equal buckets (S = SUB_BITS), so a
 * bucket is at most 1/2^S = 12.5% of its lower bound wide. Bucket 0 holds
 * every delay below 2^F ns (1.024 us); the last bucket, from
 * 2^(F + POWERS) ns (4.29 s) on, has no upper bound. Bucket b holds
 * lower(b) <= d < lower(b + 1), with lower(0) = 0 and, for b >= 1,
 *
 *	lower(b) = (2^S + (b - 1) % 2^S) << (F - S + (b - 1) / 2^S)
 *
 * e.g. bucket 1 is [1024, 1152) ns, 61 is [196608, 212992) (200 us) and 64
 * is [245760, 262144) (262 us).
 */
#define VQSIM_DELAY_HIST_SUBS	(1U << VQSIM_DELAY_HIST_SUB_BITS)

/* The lower bound of bucket b (0 <= b < VQSIM_DELAY_HIST_LL_BUCKETS), in ns. */
static inline __u64 vqsim_delay_hist_lower_ns(__u32 b)
{
	if (!b)
		return 0;
	b--;
	return (__u64)(VQSIM_DELAY_HIST_SUBS + b % VQSIM_DELAY_HIST_SUBS)
	       << (VQSIM_DELAY_HIST_FIRST_POWER - VQSIM_DELAY_HIST_SUB_BITS +
		   b / VQSIM_DELAY_HIST_SUBS);
}

/* The bucket of a delay of ns nanoseconds. */
static inline __u32 vqsim_delay_hist_bucket(__u64 ns)
{
	__u32 e;

	if (ns < (1ULL << VQSIM_DELAY_HIST_FIRST_POWER))
		return 0;
	e = 63 - __builtin_clzll(ns);	/* 2^e <= ns < 2^(e + 1) */
	if (e >= VQSIM_DELAY_HIST_FIRST_POWER + VQSIM_DELAY_HIST_POWERS)
		return VQSIM_DELAY_HIST_LL_BUCKETS - 1;
	return 1 + ((e - VQSIM_DELAY_HIST_FIRST_POWER) << VQSIM_DELAY_HIST_SUB_BITS) +
	       (__u32)((ns >> (e - VQSIM_DELAY_HIST_SUB_BITS)) & (VQSIM_DELAY_HIST_SUBS - 1));
}

/*
 * Generated frames: an Ethernet header with VQSIM_ETHERTYPE (IEEE local
 * experimental), then struct vqsim_frame, then zero padding to the frame size.
 * Fields are in host byte order: producer and consumer share one machine.
 * ts_ns is ktime_get_ns() when the device made the frame, the same clock as
 * CLOCK_MONOTONIC in the guest's userspace. A ping-pong reply is the same
 * frame sent back on the pair's tx queue with VQSIM_FRAME_F_REPLY set.
 */
#define VQSIM_ETHERTYPE		0x88B5
#define VQSIM_FRAME_MAGIC	0x7651534d	/* "vQSM" */
#define VQSIM_FRAME_F_REPLY	0x1		/* the guest's answer, on tx */
#define VQSIM_FRAME_F_PINGPONG	0x2		/* the source waits for a reply */

struct vqsim_frame {
	__u32 magic;
	__u16 version;			/* 1 */
	__u16 flags;
	__u16 queue;			/* rx virtqueue index */
	__u16 pad;
	__u32 size;			/* Ethernet frame bytes */
	__u64 seq;			/* per queue, from 0 at each start */
	__u64 ts_ns;
};

#endif /* _UAPI_VQSIM_H */
