/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What both vqmon objects share: the maps (the fentry object reuses the
 * core object's), the per-queue accounting, and the vhost types that the
 * committed vmlinux.h lacks (vhost is not built into the kernel it came from).
 */
#ifndef VQMON_BPF_H
#define VQMON_BPF_H

#include "vqmon.h"

/* Bound for the scan of a vhost device's queues (vhost-net has 2). */
#define VHOST_MAX_SCAN 64

/* Only the fields used are declared; CO-RE matches them by name. */
struct vhost_virtqueue___vqmon;

struct vhost_dev___vqmon {
	struct vhost_virtqueue___vqmon **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

struct vhost_virtqueue___vqmon {
	struct vhost_dev___vqmon *dev;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, VQMON_MAX_QUEUES);
	__type(key, struct vq_key);
	__type(value, struct vq_counters);
} vq_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VQMON_MAX_QUEUES);
	__type(key, struct vq_key);
	__type(value, struct vq_info);
} vq_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HOOK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} hook_hits SEC(".maps");

/* Set by the loader: wake userspace every this many notifications of one
 * queue on one CPU, so a decision need not wait for its next tick. 0: never. */
const volatile __u32 wake_every = 0;

/* Wake-ups: the struct vq_key of the queue that crossed wake_every. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} wakeups SEC(".maps");

/*
 * Notifications in progress on this CPU, entry to exit. A vq callback run
 * from a vDPA worker can be interrupted by a hardirq one, so it is a stack.
 */
#define NOTIFY_DEPTH 4

struct notify_stack {
	__u32 depth;
	struct {
		__u64 vq;
		__u64 start_ns;
	} frame[NOTIFY_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct notify_stack);
} notify_stacks SEC(".maps");

static __always_inline void hit(enum vqmon_hook hook)
{
	__u32 k = hook;
	__u64 *n = bpf_map_lookup_elem(&hook_hits, &k);

	if (n)
		(*n)++;
}

/* The counters of a queue, created on first sight. */
static __always_inline struct vq_counters *counters(const struct vq_key *key)
{
	static const struct vq_counters zero;
	struct vq_counters *c = bpf_map_lookup_elem(&vq_stats, key);

	if (c)
		return c;
	bpf_map_update_elem(&vq_stats, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&vq_stats, key);
}

static __always_inline void virtio_key(struct virtqueue *vq, struct vq_key *key)
{
	key->dev = BPF_CORE_READ(vq, vdev, index);
	key->queue = BPF_CORE_READ(vq, index);
	key->source = VQ_SRC_VIRTIO;
	key->pad = 0;
}

/* Names are read once per queue, off the per-event path. */
static __always_inline void virtio_name(struct virtqueue *vq, const struct vq_key *key)
{
	struct device_driver *drv;
	struct vq_info info = {};

	if (bpf_map_lookup_elem(&vq_names, key))
		return;
	bpf_probe_read_kernel_str(info.queue_name, sizeof(info.queue_name), BPF_CORE_READ(vq, name));
	drv = BPF_CORE_READ(vq, vdev, dev.driver);
	if (drv)
		bpf_probe_read_kernel_str(info.driver, sizeof(info.driver), BPF_CORE_READ(drv, name));
	bpf_map_update_elem(&vq_names, key, &info, BPF_NOEXIST);
}

static __always_inline void notify_begin(void *vq)
{
	__u32 zero = 0;
	struct notify_stack *s = bpf_map_lookup_elem(&notify_stacks, &zero);
	__u32 d;

	if (!s)
		return;
	d = s->depth;
	if (d >= NOTIFY_DEPTH) /* an exit was missed around attach time */
		d = 0;
	d &= NOTIFY_DEPTH - 1;
	s->frame[d].vq = (__u64)vq;
	s->frame[d].start_ns = bpf_ktime_get_ns();
	s->depth = d + 1;
}

/* Pops the frame of vq (NULL: whatever is on top, for kretprobe). */
static __always_inline bool notify_end(void **vq, __u64 *elapsed)
{
	__u32 zero = 0;
	struct notify_stack *s = bpf_map_lookup_elem(&notify_stacks, &zero);
	__u32 d;

	if (!s || s->depth == 0 || s->depth > NOTIFY_DEPTH)
		return false;
	d = (s->depth - 1) & (NOTIFY_DEPTH - 1); /* the mask is for the verifier */
	s->depth = d;
	if (*vq && s->frame[d].vq != (__u64)*vq)
		return false;
	*vq = (void *)s->frame[d].vq;
	*elapsed = bpf_ktime_get_ns() - s->frame[d].start_ns;
	return true;
}

static __always_inline void virtio_notified(struct virtqueue *vq, bool spurious, __u64 elapsed)
{
	struct vq_counters *c;
	struct vq_key key;

	virtio_key(vq, &key);
	c = counters(&key);
	if (!c)
		return;
	virtio_name(vq, &key);
	c->irqs++;
	c->spurious += spurious;
	c->handler_ns += elapsed;
	c->last_ns = bpf_ktime_get_ns();
	if (wake_every && c->irqs % wake_every == 0)
		bpf_ringbuf_output(&wakeups, &key, sizeof(key), 0);
}

static __always_inline void vring_exit(void *vq, int ret)
{
	__u64 elapsed;

	if (notify_end(&vq, &elapsed))
		virtio_notified(vq, ret == IRQ_NONE, elapsed);
}

static __always_inline void virtio_kicked(struct virtqueue *vq)
{
	struct vq_counters *c;
	struct vq_key key;

	virtio_key(vq, &key);
	c = counters(&key);
	if (!c)
		return;
	virtio_name(vq, &key);
	c->kicks++;
	c->last_ns = bpf_ktime_get_ns();
}

/* virtio_net lays its queues out as rx0, tx0, rx1, tx1, ..., then control. */
static __always_inline int vhost_vq_index(struct vhost_dev___vqmon *dev, void *vq)
{
	struct vhost_virtqueue___vqmon **vqs = BPF_CORE_READ(dev, vqs);
	int n = BPF_CORE_READ(dev, nvqs);
	void *p;

	for (int i = 0; i < VHOST_MAX_SCAN; i++) {
		if (i >= n)
			break;
		if (bpf_probe_read_kernel(&p, sizeof(p), &vqs[i]))
			break;
		if (p == vq)
			return i;
	}
	return -1;
}

static __always_inline void vhost_notified(struct vhost_dev___vqmon *dev, void *vq, __u8 source)
{
	struct vq_key key = { .source = source };
	struct vq_counters *c;
	int index;

	/* no vhost module loaded: this path is dead and its relocations unused */
	if (!bpf_core_type_exists(struct vhost_dev___vqmon))
		return;
	index = vhost_vq_index(dev, vq);
	if (index < 0)
		return;
	/* vhost devices have no index; fold the pointer into a stable cookie */
	key.dev = (__u32)((__u64)dev >> 6) ^ (__u32)((__u64)dev >> 38);
	key.queue = index;
	c = counters(&key);
	if (!c)
		return;
	if (!bpf_map_lookup_elem(&vq_names, &key)) {
		struct vq_info info = {};

		/* the vhost worker is named after its owner: "vhost-<qemu pid>" */
		bpf_get_current_comm(info.dev_name, sizeof(info.dev_name));
		__builtin_memcpy(info.driver, source == VQ_SRC_VHOST ? "vhost" : "vhost_vdpa", 11);
		bpf_map_update_elem(&vq_names, &key, &info, BPF_NOEXIST);
	}
	c->irqs++;
	c->last_ns = bpf_ktime_get_ns();
}

static __always_inline void vhost_vdpa_cb(struct vhost_virtqueue___vqmon *vq)
{
	hit(HOOK_VHOST_VDPA_CB);
	if (!bpf_core_type_exists(struct vhost_virtqueue___vqmon))
		return;
	vhost_notified(BPF_CORE_READ(vq, dev), vq, VQ_SRC_VHOST_VDPA);
}

#endif /* VQMON_BPF_H */
