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

#define VQSIM_GENL_NAME		"vqsim"
#define VQSIM_GENL_VERSION	1
#define VQSIM_MCGRP_EVENTS	"events"

/* Limits, enforced by the netlink policies and on the control queue. */
#define VQSIM_MAX_VQP		16
#define VQSIM_MAX_QUEUES	(2 * VQSIM_MAX_VQP + 1)
#define VQSIM_COAL_USECS_MAX	1000000		/* 1 s */
#define VQSIM_COAL_PACKETS_MAX	65535
#define VQSIM_BATCH_MAX		4096		/* entries in one COAL_SET_BATCH */
#define VQSIM_RATE_MAX		10000000	/* pps */
#define VQSIM_FRAME_MIN		64		/* bytes, Ethernet frame without FCS */
#define VQSIM_FRAME_MAX		9018
#define VQSIM_BURST_MAX		256
#define VQSIM_PHASE_USECS_MAX	10000000	/* on/off phase length */
#define VQSIM_HIST_BUCKETS	32		/* log2 buckets of nanoseconds */

enum vqsim_cmd {
	VQSIM_CMD_UNSPEC,
	VQSIM_CMD_DEV_GET,		/* doit DEV_NAME, or dump all devices */
	VQSIM_CMD_COAL_GET,		/* doit DEV_NAME QUEUE */
	VQSIM_CMD_COAL_SET,		/* doit DEV_NAME QUEUE [COAL_USECS] [COAL_PACKETS]; admin */
	VQSIM_CMD_COAL_SET_BATCH,	/* doit BATCH [BATCH_PARTIAL]; admin */
	VQSIM_CMD_STATS_GET,		/* doit DEV_NAME QUEUE, or dump [DEV_NAME] */
	VQSIM_CMD_TRAFFIC_SET,		/* doit DEV_NAME QUEUE TRAFFIC_STATE ...; admin */
	VQSIM_CMD_COAL_NTF,		/* multicast on "events" when coalescing changes */

	__VQSIM_CMD_MAX,
	VQSIM_CMD_MAX = __VQSIM_CMD_MAX - 1
};

enum vqsim_attr {
	VQSIM_A_UNSPEC,
	VQSIM_A_PAD,
	VQSIM_A_DEV_NAME,		/* string, < VQSIM_DEV_NAME_LEN */
	VQSIM_A_DEV_VQP,		/* u32: rx/tx queue pairs */
	VQSIM_A_DEV_QUEUES,		/* u32: virtqueues, control queue included */
	VQSIM_A_DEV_MAC,		/* binary, 6 bytes */
	VQSIM_A_DEV_MTU,		/* u32 */
	VQSIM_A_DEV_STATUS,		/* u32: virtio device status */
	VQSIM_A_DEV_FEATURES,		/* u64: negotiated features */
	VQSIM_A_DEV_VIRTIO_INDEX,	/* u32: N of the virtioN child, when bound */
	VQSIM_A_QUEUE,			/* u32: virtqueue index */
	VQSIM_A_QUEUE_TYPE,		/* u32: enum vqsim_queue_type */
	VQSIM_A_QUEUE_READY,		/* u8 */
	VQSIM_A_COAL_USECS,		/* u32 */
	VQSIM_A_COAL_PACKETS,		/* u32 */
	VQSIM_A_COAL_SOURCE,		/* u32: enum vqsim_coal_source, who set it last */
	VQSIM_A_STATS,			/* nest: enum vqsim_stat */
	VQSIM_A_BATCH,			/* nest of VQSIM_A_BATCH_ENTRY */
	VQSIM_A_BATCH_ENTRY,		/* nest: DEV_NAME QUEUE COAL_USECS COAL_PACKETS */
	VQSIM_A_BATCH_PARTIAL,		/* flag: apply the valid entries, skip the rest */
	VQSIM_A_BATCH_RESULT,		/* nest: BATCH_INDEX BATCH_ERROR, one per refused entry */
	VQSIM_A_BATCH_INDEX,		/* u32: entry position, from 0 */
	VQSIM_A_BATCH_ERROR,		/* s32: negative errno */
	VQSIM_A_BATCH_APPLIED,		/* u32: entries applied */
	VQSIM_A_TRAFFIC_STATE,		/* u32: enum vqsim_traffic_state */
	VQSIM_A_TRAFFIC_RATE,		/* u32: frames per second */
	VQSIM_A_TRAFFIC_SIZE,		/* u32: Ethernet frame bytes */
	VQSIM_A_TRAFFIC_BURST,		/* u32: frames sent back to back */
	VQSIM_A_TRAFFIC_PATTERN,	/* u32: enum vqsim_pattern */
	VQSIM_A_TRAFFIC_ON_USECS,	/* u32: on/off pattern */
	VQSIM_A_TRAFFIC_OFF_USECS,	/* u32: on/off pattern */

	__VQSIM_A_MAX,
	VQSIM_A_MAX = __VQSIM_A_MAX - 1
};

#define VQSIM_DEV_NAME_LEN	32

enum vqsim_stat {
	VQSIM_STAT_UNSPEC,
	VQSIM_STAT_PAD,
	VQSIM_STAT_PACKETS,		/* u64: used buffers */
	VQSIM_STAT_BYTES,		/* u64: bytes written (rx) or read (tx) */
	VQSIM_STAT_NOTIFY_FRAMES,	/* u64: notifications at max_packets */
	VQSIM_STAT_NOTIFY_TIMER,	/* u64: notifications at max_usecs */
	VQSIM_STAT_NOTIFY_IMMEDIATE,	/* u64: notifications with coalescing off */
	VQSIM_STAT_NOTIFY_SUPPRESSED,	/* u64: due, but the driver had them off */
	VQSIM_STAT_NOTIFY_DROPPED,	/* u64: dropped by fault injection */
	VQSIM_STAT_KICKS,		/* u64: driver notifications to the device */
	VQSIM_STAT_DROPS,		/* u64: frames lost: no rx buffer */
	VQSIM_STAT_DELAY_HIST,		/* binary: __u64[VQSIM_HIST_BUCKETS] */
	VQSIM_STAT_DELAY_SUM_NS,	/* u64 */
	VQSIM_STAT_DELAY_MAX_NS,	/* u64 */
	VQSIM_STAT_SRC_FRAMES,		/* u64: frames the traffic source made */
	VQSIM_STAT_SRC_REPLIES,		/* u64: ping-pong replies taken from tx */
	VQSIM_STAT_PENDING,		/* u32: used buffers not yet notified */

	__VQSIM_STAT_MAX,
	VQSIM_STAT_MAX = __VQSIM_STAT_MAX - 1
};

/*
 * Histogram bucket b counts delays d (first pending used buffer to the
 * notification) with 2^b <= d < 2^(b+1) ns; bucket 0 also holds d < 1 ns and
 * the last bucket holds everything above.
 */

enum vqsim_queue_type {
	VQSIM_QUEUE_RX,
	VQSIM_QUEUE_TX,
	VQSIM_QUEUE_CTRL,
};

enum vqsim_coal_source {
	VQSIM_COAL_SRC_RESET,		/* device reset: coalescing off */
	VQSIM_COAL_SRC_NETLINK,		/* the vqsim family (the host) */
	VQSIM_COAL_SRC_CVQ,		/* the guest driver's control queue */
};

enum vqsim_notify_cause {
	VQSIM_CAUSE_FRAMES,
	VQSIM_CAUSE_TIMER,
	VQSIM_CAUSE_IMMEDIATE,
};

enum vqsim_traffic_state {
	VQSIM_TRAFFIC_STOP,
	VQSIM_TRAFFIC_START,
};

enum vqsim_pattern {
	VQSIM_PATTERN_CONSTANT,
	VQSIM_PATTERN_ONOFF,		/* ON_USECS of traffic, then OFF_USECS of none */
	VQSIM_PATTERN_PINGPONG,		/* next frame after the guest's reply on tx */
	__VQSIM_PATTERN_MAX,
};

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
