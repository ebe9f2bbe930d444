/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the vqmon objects share: the maps (the fentry object reuses the core
 * object's), the slot of each queue and its identity, and the vhost types
 * that the committed vmlinux.h lacks (vhost is not built into the kernel it
 * came from).
 *
 * The hot path of every hook: find the queue's slot in a cache (an array by
 * irq number, or a hash by kernel pointer), check that the cached identity is
 * still the slot's (the generation), add to its counters atomically. Only a
 * miss takes the slow path, which reads the names and allocates the slot.
 */
#ifndef VQMON_BPF_H
#define VQMON_BPF_H

#include "vqmon.h"

/* The loader sets these (the map sizes too); bpftool keeps the defaults. */
const volatile __u32 max_queues = VQMON_DEFAULT_QUEUES;
/* Wake userspace every this many notifications of one queue. 0: never. */
const volatile __u32 wake_every = 0;
/* Time the notification handler (the exit hooks): a clock read on each side. */
const volatile bool handler_timing = false;

/* vhost_virtqueue can be reached from dev->vqs[] (vhost-net has 2) */
#define VHOST_MAX_SCAN 64

/* Only the fields used are declared; CO-RE matches them by name. */
struct vhost_virtqueue___vqmon;

struct vhost_dev___vqmon {
	struct mm_struct *mm;
	struct vhost_virtqueue___vqmon **vqs;
	int nvqs;
} __attribute__((preserve_access_index));

struct irq_bypass_producer___vqmon {
	int irq;
} __attribute__((preserve_access_index));

struct vhost_vring_call___vqmon {
	struct eventfd_ctx *ctx;
	struct irq_bypass_producer___vqmon producer;
} __attribute__((preserve_access_index));

struct vhost_virtqueue___vqmon {
	struct vhost_dev___vqmon *dev;
	struct vhost_vring_call___vqmon call_ctx;
	void *private_data;
} __attribute__((preserve_access_index));

struct vdpa_device___vqmon {
	struct device dev;
} __attribute__((preserve_access_index));

struct vhost_vdpa___vqmon {
	struct vhost_dev___vqmon vdev;
	struct vhost_virtqueue___vqmon *vqs;
	struct vdpa_device___vqmon *vdpa;
	__u32 nvqs;
	int minor;
} __attribute__((preserve_access_index));

struct tun_struct___vqmon {
	struct net_device *dev;
} __attribute__((preserve_access_index));

/* tun_file embeds the socket vhost-net holds as its backend */
struct tun_file___vqmon {
	struct socket socket;
	struct tun_struct___vqmon *tun;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(key, __u32);
	__type(value, struct vq_counters);
} vq_stats SEC(".maps");

/* Only the live ones take memory: no preallocation. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(key, __u32);
	__type(value, struct vq_info);
} vq_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(key, struct vq_key);
	__type(value, struct vq_ref);
} vq_ids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(key, struct vq_ptr_key);
	__type(value, struct vq_ref);
} vq_ptrs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VQMON_DEFAULT_IRQS);
	__type(key, __u32);
	__type(value, struct vq_irq_ref);
} vq_irqs SEC(".maps");

/* Slots freed for reuse; never-used ones come from vqmon_state.next_slot. */
struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(value, __u32);
} vq_free SEC(".maps");

/* vhost-net: the call eventfd of each queue, where its signals are counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, VQMON_DEFAULT_QUEUES);
	__type(key, __u64);
	__type(value, struct vq_ref);
} vq_ctxs SEC(".maps");

/*
 * The packet and NAPI hooks' caches: a (net_device, vq index) or a
 * napi_struct -> the queue's slot, or "not virtio_net's" (slot NO_SLOT). LRU:
 * the host's other NICs are remembered as not virtio's, and forgotten in time.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VQMON_NETQS);
	__type(key, struct vq_netq);
	__type(value, struct vq_ref);
} vq_netqs SEC(".maps");

/* Queues refused for want of a slot, so each is counted once. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, VQMON_REFUSED_TRACKED);
	__type(key, struct vq_key);
	__type(value, __u8);
} vq_refused SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vqmon_state);
} vqmon_state SEC(".maps");

/* Wake-ups: the slot of the queue that crossed wake_every. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} wakeups SEC(".maps");

/* An identity being built, off the stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vq_info);
} scratch SEC(".maps");

/*
 * Notifications in progress on this CPU, entry to exit, for handler timing.
 * A vq callback run from a vDPA worker can be interrupted by a hardirq one,
 * so it is a stack.
 */
#define NOTIFY_DEPTH 4

struct notify_stack {
	__u32 depth;
	struct {
		__u64 what; /* the irq or the virtqueue */
		__u32 slot;
		__u32 gen;
		__u64 start_ns;
	} frame[NOTIFY_DEPTH];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct notify_stack);
} notify_stacks SEC(".maps");

static __always_inline struct vqmon_state *state(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vqmon_state, &zero);
}

/* The counters of ref's slot, if ref still names the identity there. */
static __always_inline struct vq_counters *live(const struct vq_ref *ref)
{
	struct vq_counters *c;

	if (!ref)
		return NULL;
	c = bpf_map_lookup_elem(&vq_stats, &ref->slot);
	if (!c || c->gen != ref->gen)
		return NULL;
	return c;
}

static __always_inline struct vq_counters *counters_of(__u32 slot, __u32 gen)
{
	struct vq_ref ref = { slot, gen };

	return live(&ref);
}

/* A queue that found no free slot: counted, once per queue as far as can be told. */
static __always_inline void refuse(const struct vq_key *key)
{
	struct vqmon_state *st = state();
	__u8 one = 1;

	if (!st)
		return;
	__sync_fetch_and_add(&st->refused_events, 1);
	if (!bpf_map_lookup_elem(&vq_refused, key) && !bpf_map_update_elem(&vq_refused, key, &one, BPF_NOEXIST))
		__sync_fetch_and_add(&st->refused_queues, 1);
}

static __always_inline __u32 alloc_slot(void)
{
	struct vqmon_state *st = state();
	__u32 slot;

	if (!bpf_map_pop_elem(&vq_free, &slot))
		return slot;
	if (!st)
		return VQMON_NO_SLOT;
	if (st->next_slot >= max_queues)
		return VQMON_NO_SLOT;
	slot = __sync_fetch_and_add(&st->next_slot, 1);
	return slot < max_queues ? slot : VQMON_NO_SLOT;
}

/*
 * Makes the identity in info (key, ptr and names filled) the owner of a new
 * slot: counters zeroed, then published. Returns its ref (slot NO_SLOT:
 * refused), or the ref of the identity another CPU published for the same
 * key meanwhile.
 */
static __always_inline struct vq_ref publish(struct vq_info *info)
{
	struct vqmon_state *st = state();
	struct vq_ref ref = { VQMON_NO_SLOT, 0 }, *theirs;
	struct vq_counters *c;
	__u32 slot = alloc_slot();

	if (slot == VQMON_NO_SLOT || !st) {
		refuse(&info->key);
		return ref;
	}
	c = bpf_map_lookup_elem(&vq_stats, &slot);
	if (!c)
		return ref;
	ref.slot = slot;
	ref.gen = __sync_add_and_fetch(&st->gen, 1);
	if (!ref.gen) /* 0 is "none": skip it when the count wraps */
		ref.gen = __sync_add_and_fetch(&st->gen, 1);
	info->gen = ref.gen;
	c->gen = 0;
	c->irqs = c->spurious = c->packets = c->bytes = 0;
	c->handler_ns = c->kicks = c->polls = 0;
	bpf_map_update_elem(&vq_names, &slot, info, BPF_ANY);
	c->gen = ref.gen;
	/*
	 * Two CPUs can meet a new queue at once (the driver kicks it while the
	 * device completes on it): the first to claim its key owns it, and the
	 * other gives its slot back and counts into the first's. Else the
	 * second identity would be left in vq_names with no key to find it by,
	 * and a removal hook could not free it.
	 */
	if (bpf_map_update_elem(&vq_ids, &info->key, &ref, BPF_NOEXIST)) {
		theirs = bpf_map_lookup_elem(&vq_ids, &info->key);
		if (theirs && live(theirs)) {
			struct vq_ref won = *theirs;

			c->gen = 0;
			bpf_map_delete_elem(&vq_names, &slot);
			bpf_map_push_elem(&vq_free, &slot, 0);
			bpf_map_update_elem(&vq_ptrs, &info->ptr, &won, BPF_ANY);
			return won;
		}
		bpf_map_update_elem(&vq_ids, &info->key, &ref, BPF_ANY); /* a stale key: ours now */
	}
	c->state = VQ_SLOT_LIVE;
	bpf_map_update_elem(&vq_ptrs, &info->ptr, &ref, BPF_ANY);
	return ref;
}

/* Frees ref's slot, once whoever gets there first: a removal hook or userspace. */
static __always_inline void forget(const struct vq_ref *cached)
{
	struct vq_ref ref = *cached; /* cached is a map value, deleted below */
	struct vq_counters *c = live(&ref);
	struct vqmon_state *st = state();
	struct vq_info *info;
	__u32 slot = ref.slot;

	if (!c || __sync_val_compare_and_swap(&c->state, VQ_SLOT_LIVE, VQ_SLOT_FREE) != VQ_SLOT_LIVE)
		return;
	c->gen = 0;
	info = bpf_map_lookup_elem(&vq_names, &slot);
	if (info) {
		bpf_map_delete_elem(&vq_ids, &info->key);
		bpf_map_delete_elem(&vq_ptrs, &info->ptr);
		if (info->ctx)
			bpf_map_delete_elem(&vq_ctxs, &info->ctx);
		bpf_map_delete_elem(&vq_names, &slot);
	}
	bpf_map_push_elem(&vq_free, &slot, 0);
	if (st)
		__sync_fetch_and_add(&st->gone, 1);
}

static __always_inline struct vq_info *scratch_info(void)
{
	__u32 zero = 0;
	struct vq_info *info = bpf_map_lookup_elem(&scratch, &zero);

	if (info)
		__builtin_memset(info, 0, sizeof(*info));
	return info;
}

/* The live identity of key, if there is one (another hook may have made it). */
static __always_inline struct vq_ref known(const struct vq_key *key)
{
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ids, key);
	struct vq_ref none = { VQMON_NO_SLOT, 0 };

	return ref && live(ref) ? *ref : none;
}

/* A new name for a known identity's object: cache it. */
static __always_inline struct vq_ref cache_ptr(const struct vq_ptr_key *pk, struct vq_ref ref)
{
	bpf_map_update_elem(&vq_ptrs, pk, &ref, BPF_ANY);
	return ref;
}

/* --- virtio: a struct virtqueue, on any transport ------------------------ */

static __always_inline void virtio_key(struct virtqueue *vq, struct vq_key *key)
{
	key->dev = BPF_CORE_READ(vq, vdev, index);
	key->queue = BPF_CORE_READ(vq, index);
	key->source = VQ_SRC_VIRTIO;
	key->pad = 0;
}

/* The slow path: vq's identity, named from the driver's own names. */
static __noinline int virtio_slow(struct virtqueue *vq, int irq, struct vq_ref *out)
{
	struct vq_ptr_key pk = { .ptr = (__u64)vq, .kind = VQ_PTR_VIRTQUEUE };
	struct device_driver *drv;
	struct vq_info *info;
	struct vq_key key;

	virtio_key(vq, &key);
	*out = known(&key);
	if (out->slot != VQMON_NO_SLOT) {
		*out = cache_ptr(&pk, *out);
		return 0;
	}
	info = scratch_info();
	if (!info)
		return 0;
	info->key = key;
	info->ptr = pk;
	info->irq = irq;
	bpf_probe_read_kernel_str(info->queue_name, sizeof(info->queue_name), BPF_CORE_READ(vq, name));
	drv = BPF_CORE_READ(vq, vdev, dev.driver);
	if (drv)
		bpf_probe_read_kernel_str(info->driver, sizeof(info->driver), BPF_CORE_READ(drv, name));
	*out = publish(info);
	return 0;
}

/* The slot of a virtqueue, through the pointer cache (irq: its vector, or -1). */
static __always_inline struct vq_counters *virtio_counters(struct virtqueue *vq, int irq, struct vq_ref *out)
{
	struct vq_ptr_key pk = { .ptr = (__u64)vq, .kind = VQ_PTR_VIRTQUEUE };
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ptrs, &pk), fresh;
	struct vq_counters *c = live(ref);

	if (c) {
		*out = *ref;
		return c;
	}
	/* no virtio in this kernel (a hypervisor host may have none): dead code, which loads */
	if (!bpf_core_type_exists(struct virtqueue))
		return NULL;
	virtio_slow(vq, irq, &fresh);
	*out = fresh;
	return counters_of(fresh.slot, fresh.gen);
}

/* --- counting ------------------------------------------------------------ */

static __always_inline void count_irq(struct vq_counters *c, __u32 slot)
{
	if (wake_every) {
		__u64 n = __sync_fetch_and_add(&c->irqs, 1) + 1;

		if (n % wake_every == 0)
			bpf_ringbuf_output(&wakeups, &slot, sizeof(slot), 0);
	} else {
		__sync_fetch_and_add(&c->irqs, 1);
	}
}

static __always_inline void notify_begin(__u64 what, __u32 slot, __u32 gen)
{
	__u32 zero = 0, d;
	struct notify_stack *s;

	if (!handler_timing)
		return;
	s = bpf_map_lookup_elem(&notify_stacks, &zero);
	if (!s)
		return;
	d = s->depth;
	if (d >= NOTIFY_DEPTH) /* an exit was missed around attach time */
		d = 0;
	d &= NOTIFY_DEPTH - 1;
	s->frame[d].what = what;
	s->frame[d].slot = slot;
	s->frame[d].gen = gen;
	s->frame[d].start_ns = bpf_ktime_get_ns();
	s->depth = d + 1;
}

/* Pops the frame of what (0: whatever is on top, for kretprobe) and adds its time. */
static __always_inline void notify_end(__u64 what, bool spurious)
{
	__u32 zero = 0, d;
	struct notify_stack *s;
	struct vq_counters *c;

	if (!handler_timing)
		return;
	s = bpf_map_lookup_elem(&notify_stacks, &zero);
	if (!s || s->depth == 0 || s->depth > NOTIFY_DEPTH)
		return;
	d = (s->depth - 1) & (NOTIFY_DEPTH - 1); /* the mask is for the verifier */
	s->depth = d;
	if (what && s->frame[d].what != what)
		return;
	c = counters_of(s->frame[d].slot, s->frame[d].gen);
	if (!c)
		return;
	__sync_fetch_and_add(&c->handler_ns, bpf_ktime_get_ns() - s->frame[d].start_ns);
	if (spurious)
		__sync_fetch_and_add(&c->spurious, 1);
}

/* vring_interrupt() entered for vq: the notification itself (fentry, kprobe). */
static __always_inline void vring_entered(struct virtqueue *vq)
{
	struct vq_counters *c;
	struct vq_ref ref;

	c = virtio_counters(vq, -1, &ref);
	if (!c)
		return;
	count_irq(c, ref.slot);
	notify_begin((__u64)vq, ref.slot, ref.gen);
}

static __always_inline void virtio_kicked(struct virtqueue *vq)
{
	struct vq_counters *c;
	struct vq_ref ref;

	c = virtio_counters(vq, -1, &ref);
	if (c)
		__sync_fetch_and_add(&c->kicks, 1);
}

/* A virtqueue is deleted: so is its identity, now. */
static __always_inline void virtio_gone(struct virtqueue *vq)
{
	struct vq_ptr_key pk = { .ptr = (__u64)vq, .kind = VQ_PTR_VIRTQUEUE };
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ptrs, &pk);
	struct vq_key key;

	if (ref) {
		forget(ref);
		return;
	}
	virtio_key(vq, &key); /* seen only by the packet hooks */
	ref = bpf_map_lookup_elem(&vq_ids, &key);
	if (ref)
		forget(ref);
}

/* --- vhost: a backend in the host, signalling its VM -------------------- */

/* The index of vq in its vhost_dev, found by a bounded scan of dev->vqs. */
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

/* vhost-net's backend: the tap behind the socket, if it is a tun/tap one. */
static __always_inline void vhost_net_backend(struct vhost_virtqueue___vqmon *vq, char *name)
{
	struct tun_file___vqmon *tfile;
	struct socket *sock;

	if (!bpf_core_type_exists(struct tun_file___vqmon))
		return;
	sock = BPF_CORE_READ(vq, private_data);
	if (!sock)
		return;
	tfile = (void *)sock - bpf_core_field_offset(struct tun_file___vqmon, socket);
	bpf_probe_read_kernel_str(name, VQMON_NAME_LEN, BPF_CORE_READ(tfile, tun, dev, name));
}

/* The slow path: a vhost queue's identity; its VM is the process that owns the device. */
static __noinline int vhost_slow(struct vhost_virtqueue___vqmon *vq, __u8 source, struct vq_ref *out)
{
	struct vq_ptr_key pk = { .ptr = (__u64)vq, .kind = VQ_PTR_VHOST_VQ };
	struct vhost_dev___vqmon *dev = BPF_CORE_READ(vq, dev);
	struct vq_info *info;
	struct vq_key key = { .source = source };
	int index = vhost_vq_index(dev, vq);

	out->slot = VQMON_NO_SLOT;
	if (index < 0)
		return 0;
	/* vhost devices have no index; fold the pointer into a stable cookie */
	key.dev = (__u32)((__u64)dev >> 6) ^ (__u32)((__u64)dev >> 38);
	key.queue = index;
	*out = known(&key);
	if (out->slot != VQMON_NO_SLOT) {
		*out = cache_ptr(&pk, *out);
		return 0;
	}
	info = scratch_info();
	if (!info)
		return 0;
	info->key = key;
	info->ptr = pk;
	info->irq = -1;
	if (bpf_core_field_exists(struct mm_struct, owner))
		info->owner = BPF_CORE_READ(dev, mm, owner, tgid);
	if (source == VQ_SRC_VHOST_VDPA) {
		struct vhost_vdpa___vqmon *v = (void *)dev - bpf_core_field_offset(struct vhost_vdpa___vqmon, vdev);
		__u32 nvqs = BPF_CORE_READ(v, nvqs);

		__builtin_memcpy(info->driver, "vhost_vdpa", 11);
		BPF_SNPRINTF(info->dev_name, sizeof(info->dev_name), "vhost-vdpa-%d", BPF_CORE_READ(v, minor));
		bpf_probe_read_kernel_str(info->backend, sizeof(info->backend),
					  BPF_CORE_READ(v, vdpa, dev.kobj.name));
		/*
		 * A device that gives vhost-vdpa its queue's interrupt (get_vq_irq)
		 * has it registered for irq bypass: with posted interrupts it goes
		 * to the VM, and this callback may never run.
		 */
		if (BPF_CORE_READ(vq, call_ctx.producer.irq) > 0)
			info->flags |= VQ_INFO_IRQ_BYPASS;
		/* the VM's own virtqueue index (virtio-net): 2i rx i, 2i+1 tx i, the odd last one control */
		if (nvqs % 2 && index == nvqs - 1)
			__builtin_memcpy(info->queue_name, "ctrl", 5);
		else
			BPF_SNPRINTF(info->queue_name, sizeof(info->queue_name), "%s.%d", index % 2 ? "tx" : "rx",
				     index / 2);
	} else {
		__builtin_memcpy(info->driver, "vhost_net", 10);
		vhost_net_backend(vq, info->backend);
		/* a vhost-net device is known by its tap */
		if (info->backend[0])
			__builtin_memcpy(info->dev_name, info->backend, sizeof(info->dev_name));
		else
			BPF_SNPRINTF(info->dev_name, sizeof(info->dev_name), "vhost-%x", key.dev);
		/* one pair per vhost-net device: VHOST_NET_VQ_RX 0, VHOST_NET_VQ_TX 1 */
		__builtin_memcpy(info->queue_name, index % 2 ? "tx" : "rx", 3);
		info->ctx = (__u64)BPF_CORE_READ(vq, call_ctx.ctx);
	}
	*out = publish(info);
	if (out->slot != VQMON_NO_SLOT && info->ctx)
		bpf_map_update_elem(&vq_ctxs, &info->ctx, out, BPF_ANY);
	return 0;
}

static __always_inline struct vq_counters *vhost_counters(struct vhost_virtqueue___vqmon *vq, __u8 source,
							   struct vq_ref *out)
{
	struct vq_ptr_key pk = { .ptr = (__u64)vq, .kind = VQ_PTR_VHOST_VQ };
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ptrs, &pk), fresh;
	struct vq_counters *c = live(ref);

	if (c) {
		*out = *ref;
		return c;
	}
	vhost_slow(vq, source, &fresh);
	*out = fresh;
	return counters_of(fresh.slot, fresh.gen);
}

/*
 * vhost-net calls vhost_signal() when it has used buffers; the VM is only
 * signalled when vhost_notify() agrees, through the queue's call eventfd. So
 * vhost_signal keeps the identity (and its eventfd) known, and the signal is
 * counted where the eventfd is signalled.
 */
static __always_inline void vhost_signalled(struct vhost_virtqueue___vqmon *vq)
{
	struct vq_counters *c;
	struct vq_info *info;
	struct vq_ref ref;
	__u64 ctx;

	if (!bpf_core_type_exists(struct vhost_virtqueue___vqmon))
		return;
	ctx = (__u64)BPF_CORE_READ(vq, call_ctx.ctx);
	if (!ctx) /* no eventfd: nothing reaches the VM */
		return;
	c = vhost_counters(vq, VQ_SRC_VHOST, &ref);
	if (!c || bpf_map_lookup_elem(&vq_ctxs, &ctx))
		return;
	/* the VM set another eventfd (VHOST_SET_VRING_CALL): count that one, and only that one */
	info = bpf_map_lookup_elem(&vq_names, &ref.slot);
	if (!info || info->gen != ref.gen)
		return;
	if (info->ctx)
		bpf_map_delete_elem(&vq_ctxs, &info->ctx);
	info->ctx = ctx;
	bpf_map_update_elem(&vq_ctxs, &ctx, &ref, BPF_ANY);
}

static __always_inline void eventfd_signalled(struct eventfd_ctx *ctx)
{
	__u64 key = (__u64)ctx;
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ctxs, &key);
	struct vq_counters *c = live(ref);

	if (c)
		count_irq(c, ref->slot);
}

/* The vDPA device's callback: vhost-vdpa signals the VM whenever it has an eventfd. */
static __always_inline void vhost_vdpa_called(struct vhost_virtqueue___vqmon *vq)
{
	struct vq_counters *c;
	struct vq_ref ref;

	if (!bpf_core_type_exists(struct vhost_virtqueue___vqmon))
		return;
	if (!BPF_CORE_READ(vq, call_ctx.ctx))
		return;
	c = vhost_counters(vq, VQ_SRC_VHOST_VDPA, &ref);
	if (c)
		count_irq(c, ref.slot);
}

/*
 * vhost-vdpa set up (or not) a queue's interrupt for bypass: the queue is
 * known from then on, its VM may get its interrupts without a callback that
 * could count them. A queue known before whose bypass changed is a new
 * identity: its counts so far were taken the other way.
 */
static __always_inline void vhost_vdpa_irq_set(struct vhost_vdpa___vqmon *v, __u16 qid)
{
	struct vhost_virtqueue___vqmon *vq;
	struct vq_ptr_key pk = { .kind = VQ_PTR_VHOST_VQ };
	struct vq_info *info;
	struct vq_ref *ref, fresh;
	bool bypass;

	if (!bpf_core_type_exists(struct vhost_vdpa___vqmon) || qid >= BPF_CORE_READ(v, nvqs))
		return;
	vq = (void *)BPF_CORE_READ(v, vqs) + qid * bpf_core_type_size(struct vhost_virtqueue___vqmon);
	if (!BPF_CORE_READ(vq, call_ctx.ctx))
		return;
	bypass = BPF_CORE_READ(vq, call_ctx.producer.irq) > 0;
	pk.ptr = (__u64)vq;
	ref = bpf_map_lookup_elem(&vq_ptrs, &pk);
	if (ref && live(ref)) {
		info = bpf_map_lookup_elem(&vq_names, &ref->slot);
		if (!info || info->gen != ref->gen || !!(info->flags & VQ_INFO_IRQ_BYPASS) == bypass)
			return;
		forget(ref);
	}
	vhost_slow(vq, VQ_SRC_VHOST_VDPA, &fresh);
}

/* A vhost device is released (or reset): its queues' identities go with it. */
static __always_inline void vhost_gone(struct vhost_dev___vqmon *dev)
{
	struct vhost_virtqueue___vqmon **vqs;
	int n;

	if (!bpf_core_type_exists(struct vhost_dev___vqmon))
		return;
	vqs = BPF_CORE_READ(dev, vqs);
	n = BPF_CORE_READ(dev, nvqs);
	for (int i = 0; i < VHOST_MAX_SCAN; i++) {
		struct vq_ptr_key pk = { .kind = VQ_PTR_VHOST_VQ };
		struct vq_ref *ref;
		void *p;

		if (i >= n || bpf_probe_read_kernel(&p, sizeof(p), &vqs[i]))
			break;
		pk.ptr = (__u64)p;
		ref = bpf_map_lookup_elem(&vq_ptrs, &pk);
		if (ref)
			forget(ref);
	}
}

#endif /* VQMON_BPF_H */
