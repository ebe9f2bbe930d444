/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between bpf/ and user/: the maps, their keys and values.
 * Plain fixed-width types only, so both sides (and BTF) agree on the layout.
 *
 * Every virtqueue the monitor sees gets a slot: an index into vq_stats, the
 * array of counters, and the key of its identity in vq_names. The hot path
 * finds the slot once per event through a cache keyed by what the hook has at
 * hand (the irq number, or a kernel pointer), and counts with one atomic add:
 * the counters are shared, not per CPU, so their memory does not grow with
 * the CPU count, and userspace reads them through mmap, with no syscall per
 * queue (a name is read once per identity). Identities carry a generation: a
 * slot or a kernel pointer reused by a new device is a new identity, never
 * the old one's counters or names.
 */
#ifndef VQMON_H
#define VQMON_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Slots by default: room for 100k queues (vqmod --max-queues N sets it at load). */
#define VQMON_DEFAULT_QUEUES 131072
/* irq numbers the irq hooks cache directly; higher ones go through vq_ptrs. */
#define VQMON_DEFAULT_IRQS 8192
/* Distinct queues refused for want of a slot that are told apart. */
#define VQMON_REFUSED_TRACKED 4096
/* (net_device, queue) and NAPI contexts the packet hooks remember */
#define VQMON_NETQS 8192
#define VQMON_NAME_LEN 16
#define VQMON_DRIVER_LEN 32
#define VQMON_NO_SLOT 0xffffffffU

/* Where a virtqueue's events are seen. */
enum vq_source {
	VQ_SRC_VIRTIO = 1, /* a virtio device's vring (virtio-pci, virtio_vdpa) */
	VQ_SRC_VHOST = 2, /* vhost-net signalling its VM (vhost_signal, the call eventfd) */
	VQ_SRC_VHOST_VDPA = 3, /* a vDPA device calling back into vhost-vdpa, which signals its VM */
	VQ_SRC_VQSIM = 4, /* the vqsim simulator's own tracepoints */
};

/* What a queue is, as people name it; vq_ids maps it to its slot. */
struct vq_key {
	__u32 dev; /* virtio index (virtioN), or a per-device cookie for vhost and vqsim */
	__u16 queue; /* virtqueue index within the device */
	__u8 source; /* enum vq_source */
	__u8 pad;
	__u32 gen; /* userspace: the identity's generation, apart from a reused name; 0 in BPF's keys */
};

/* A slot and the identity that holds it; a cached ref whose gen moved is stale. */
struct vq_ref {
	__u32 slot;
	__u32 gen;
};

/* vq_ptrs: a kernel object a hook has at hand -> the slot of its queue. */
enum vq_ptr_kind {
	VQ_PTR_VIRTQUEUE = 1, /* struct virtqueue * */
	VQ_PTR_VHOST_VQ = 2, /* struct vhost_virtqueue * */
	VQ_PTR_VQSIM = 3, /* vqsim: the device's name string, sub the queue */
};

struct vq_ptr_key {
	__u64 ptr;
	__u32 sub;
	__u32 kind; /* enum vq_ptr_kind */
};

/* vq_irqs[irq]: the fast path of the irq hooks. */
struct vq_irq_ref {
	__u64 action; /* the struct irqaction * it was made for */
	__u32 slot;
	__u32 gen;
};

enum vq_slot_state {
	VQ_SLOT_FREE = 0,
	VQ_SLOT_LIVE = 1, /* its identity is complete; it counts */
};

/*
 * vq_names[slot]: the identity, written once by BPF when the queue is first
 * seen, before the slot goes LIVE. A reader takes it only when its gen
 * equals vq_stats[slot].gen.
 */
/* Flags of struct vq_info. */
#define VQ_INFO_IRQ_BYPASS (1U << 0) /* vhost-vdpa: the device's interrupt may go to the VM directly */

struct vq_info {
	__u32 gen;
	__u32 flags; /* VQ_INFO_* */
	struct vq_key key;
	struct vq_ptr_key ptr; /* what it is found by in vq_ptrs */
	__s32 irq; /* its vector, for the irq hooks; -1 */
	__u32 owner; /* vhost: the pid of the process that owns the device (QEMU); 0 */
	__u64 ctx; /* vhost-net: the call eventfd it counts; 0 */
	char dev_name[VQMON_NAME_LEN]; /* "virtio2", "vhost-vdpa-0", "vqsim0" */
	char queue_name[VQMON_NAME_LEN]; /* "input.0", "req.0", "rx", "tx" */
	char driver[VQMON_DRIVER_LEN]; /* "virtio_net", "virtio_blk", "vhost_net", "vhost_vdpa" */
	char backend[VQMON_NAME_LEN]; /* vhost-vdpa: the vDPA device; vhost-net: the tap */
};

/*
 * vq_stats[slot]: the counters, 64-bit and only ever incremented (atomically),
 * so deltas are safe. A new identity in the slot starts them from zero.
 */
struct vq_counters {
	__u32 gen; /* the identity they count for; 0: none */
	__u32 state; /* enum vq_slot_state: whoever moves it LIVE -> FREE frees the slot */
	__u64 irqs; /* notifications delivered (interrupt, vq callback, call eventfd) */
	__u64 spurious; /* of which the handler returned IRQ_NONE */
	__u64 packets; /* packets completed, where the path shows them */
	__u64 bytes; /* bytes completed, where the path shows them */
	__u64 handler_ns; /* total time spent in the notification handler */
	__u64 kicks; /* driver to device notifications */
	__u64 polls; /* NAPI polls of the queue */
} __attribute__((aligned(64)));

/* vqmon_state[0]: the allocator of slots and identities, and what it refused. */
struct vqmon_state {
	__u32 next_slot; /* slots below it were handed out once; freed ones are in vq_free */
	__u32 gen; /* the last identity created; 0 is never one */
	__u64 refused_queues; /* distinct queues not counted: no slot was free */
	__u64 refused_events; /* their events */
	__u64 gone; /* identities freed by a removal hook */
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

/* vq_netqs: a virtio_net queue as the packet hooks see it. */
struct vq_netq {
	__u64 netdev;
	__u32 vq; /* virtqueue index: 2i rx i, 2i+1 tx i */
	__u32 pad;
};

#endif /* VQMON_H */
