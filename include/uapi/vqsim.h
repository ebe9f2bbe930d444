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
 * spec cannot hold stays here: the layout of the generated frames.
 */
#include "vqsim_gen.h"

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
