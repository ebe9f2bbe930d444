/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between bpf/vqmon.bpf.c and user/: map keys and values.
 * Plain fixed-width types only, so both sides (and BTF) agree on the layout.
 */
#ifndef VQMON_H
#define VQMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define VQMON_MAX_QUEUES 4096
#define VQMON_NAME_LEN 16
#define VQMON_DRIVER_LEN 32

/* Where a virtqueue's events are seen. */
enum vq_source {
	VQ_SRC_VIRTIO = 1, /* a virtio device's vring (virtio-pci, virtio_vdpa) */
	VQ_SRC_VHOST = 2, /* vhost backend signalling its guest (vhost_signal) */
	VQ_SRC_VHOST_VDPA = 3, /* vDPA device calling back into vhost-vdpa */
	VQ_SRC_VQSIM = 4, /* the vqsim simulator's own tracepoints */
};

/* Identity of one virtqueue; stable while its device exists. */
struct vq_key {
	__u32 dev; /* virtio index (virtioN), or a per-device cookie for vhost */
	__u16 queue; /* virtqueue index within the device */
	__u8 source; /* enum vq_source */
	__u8 pad;
};

/* Names, written once by BPF when a queue is first seen. */
struct vq_info {
	char dev_name[VQMON_NAME_LEN]; /* "virtio2", "vhost-1234" */
	char queue_name[VQMON_NAME_LEN]; /* "input.0", "req.0", "control" */
	char driver[VQMON_DRIVER_LEN]; /* "virtio_net", "virtio_blk" */
};

/*
 * Per-CPU counters; userspace sums the CPUs. 64-bit and only ever
 * incremented, so deltas are safe; a reset shows as a counter going down.
 */
struct vq_counters {
	__u64 irqs; /* notifications delivered (interrupt or vq callback) */
	__u64 spurious; /* of which the handler returned IRQ_NONE */
	__u64 packets; /* packets completed, where the path shows them */
	__u64 bytes; /* bytes completed, where the path shows them */
	__u64 handler_ns; /* total time spent in the notification handler */
	__u64 kicks; /* driver to device notifications */
	__u64 polls; /* NAPI polls of the queue */
	__u64 last_ns; /* bpf_ktime_get_ns() of the latest event */
};

/*
 * A device known only by name (vqsim's tracepoints) gets this id: FNV-1a
 * over its name, so BPF and userspace derive the same key from the same name.
 */
static inline __u32 vq_name_id(const char name[VQMON_NAME_LEN])
{
	__u32 h = 2166136261u;

	for (int i = 0; i < VQMON_NAME_LEN && name[i]; i++)
		h = (h ^ (__u8)name[i]) * 16777619u;
	return h;
}

/* The hooks, one counter slot each (hook_hits map): which ones saw events. */
enum vqmon_hook {
	HOOK_IRQ_ENTRY,
	HOOK_IRQ_EXIT,
	HOOK_VRING_ENTRY,
	HOOK_VRING_EXIT,
	HOOK_NAPI_POLL,
	HOOK_NET_RX,
	HOOK_NET_TX,
	HOOK_VHOST_SIGNAL,
	HOOK_VHOST_VDPA_CB,
	HOOK_VQSIM,
	HOOK_MAX,
};

#endif /* VQMON_H */
