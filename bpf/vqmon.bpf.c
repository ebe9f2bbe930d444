// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vqmon: per-virtqueue notification, packet and kick counters.
 *
 * Every hook comes in alternatives (fentry, kprobe, tp_btf, raw_tp); the
 * loader probes which ones this kernel takes and attaches one per group, so
 * each event is counted once. Every program here is optional ("?"): vqmod
 * chooses. Built with -DVQMON_HOST this is vqmon_host.bpf.o instead: only the
 * hooks a host kernel without kprobes or fentry takes, one program per hook
 * (tp_btf, no raw_tp twin), for `bpftool prog loadall ... autoattach` to run
 * the monitor on its own. None is optional: bpftool 7.5 autoattaches and
 * pins every program of an object, and fails on a "?" one, which libbpf did
 * not load. Each loads without virtio or virtio_net in the kernel (a
 * hypervisor host), where its code for them is dead.
 * The fentry alternatives, which lockdown may refuse at load, live in
 * vqmon_fentry.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vqmon.h"
#include "vqmon.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#ifdef VQMON_HOST
#define HOST_SEC(name) SEC(name)
#else
#define HOST_SEC(name) SEC("?" name)
#endif

/* vq_napis and vq_netqs remember devices that are not virtio's too (slot NO_SLOT) */
#define NOT_VIRTIO 0

extern const void vring_interrupt __ksym __weak;

/* --- notifications: MSI-X vectors whose handler is vring_interrupt ------- */

/* What a notify frame of an irq is called: apart from every pointer. */
#define IRQ_FRAME(irq) ((__u64)(__u32)(irq) | 1ULL << 63)

/* The irq hooks' fast path: vq_irqs[irq], made by the slow path below. */
static __always_inline void irq_entered(int irq, struct irqaction *action, struct virtqueue *vq)
{
	struct vq_irq_ref *e = NULL;
	struct vq_counters *c = NULL;
	struct vq_ref ref;
	__u32 i = irq;

	/* NULL past the array's end: such an irq takes the pointer cache */
	e = bpf_map_lookup_elem(&vq_irqs, &i);
	if (e && e->action == (__u64)action) {
		ref.slot = e->slot;
		ref.gen = e->gen;
		c = live(&ref);
	}
	if (!c) {
		c = virtio_counters(vq, irq, &ref);
		if (!c)
			return;
		if (e) {
			e->action = (__u64)action;
			e->slot = ref.slot;
			e->gen = ref.gen;
		}
	}
	count_irq(c, ref.slot);
	notify_begin(IRQ_FRAME(irq), ref.slot, ref.gen);
}

/* tp_btf reads action directly: a load, where BPF_CORE_READ would be a helper call. */
HOST_SEC("tp_btf/irq_handler_entry")
int BPF_PROG(irq_entry_btf, int irq, struct irqaction *action)
{
	if ((void *)action->handler != (void *)&vring_interrupt)
		return 0;
	irq_entered(irq, action, action->dev_id);
	return 0;
}

#ifndef VQMON_HOST
SEC("?tp_btf/irq_handler_exit")
int BPF_PROG(irq_exit_btf, int irq, struct irqaction *action, int ret)
{
	if (!handler_timing || (void *)action->handler != (void *)&vring_interrupt)
		return 0;
	notify_end(IRQ_FRAME(irq), ret == IRQ_NONE);
	return 0;
}

SEC("?raw_tp/irq_handler_entry")
int BPF_PROG(irq_entry_raw, int irq, struct irqaction *action)
{
	if ((void *)BPF_CORE_READ(action, handler) != (void *)&vring_interrupt)
		return 0;
	irq_entered(irq, action, BPF_CORE_READ(action, dev_id));
	return 0;
}

SEC("?raw_tp/irq_handler_exit")
int BPF_PROG(irq_exit_raw, int irq, struct irqaction *action, int ret)
{
	if (!handler_timing || (void *)BPF_CORE_READ(action, handler) != (void *)&vring_interrupt)
		return 0;
	notify_end(IRQ_FRAME(irq), ret == IRQ_NONE);
	return 0;
}

/* --- notifications: vring_interrupt() itself, any transport ------------- */
SEC("?kprobe/vring_interrupt")
int BPF_KPROBE(vring_entry_kprobe, int irq, void *vq)
{
	vring_entered(vq);
	return 0;
}

SEC("?kretprobe/vring_interrupt")
int BPF_KRETPROBE(vring_exit_kretprobe, int ret)
{
	notify_end(0, ret == IRQ_NONE);
	return 0;
}

/* --- kicks: the driver notifying the device ------------------------------ */
SEC("?kprobe/virtqueue_notify")
int BPF_KPROBE(kick_kprobe, struct virtqueue *vq)
{
	virtio_kicked(vq);
	return 0;
}

/* --- removal: a virtqueue or a vhost device goes, and its identity ------- */
SEC("?kprobe/vring_del_virtqueue")
int BPF_KPROBE(vring_del_kprobe, struct virtqueue *vq)
{
	virtio_gone(vq);
	return 0;
}

SEC("?kprobe/vhost_dev_cleanup")
int BPF_KPROBE(vhost_cleanup_kprobe, struct vhost_dev___vqmon *dev)
{
	vhost_gone(dev);
	return 0;
}

/* --- vhost: the host backend signalling its VM --------------------------- */
SEC("?kprobe/vhost_signal")
int BPF_KPROBE(vhost_signal_kprobe, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

/* vhost-net's calls, with vhost_signal inlined (see vqmon_fentry.bpf.c) */
SEC("?kprobe/vhost_add_used_and_signal_n")
int BPF_KPROBE(vhost_used_signal_n_kprobe, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

SEC("?kprobe/vhost_add_used_and_signal")
int BPF_KPROBE(vhost_used_signal_kprobe, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

SEC("?kprobe/eventfd_signal_mask")
int BPF_KPROBE(eventfd_signal_kprobe, struct eventfd_ctx *efd)
{
	eventfd_signalled(efd);
	return 0;
}

SEC("?kprobe/vhost_vdpa_virtqueue_cb")
int BPF_KPROBE(vhost_vdpa_cb_kprobe, struct vhost_virtqueue___vqmon *vq)
{
	vhost_vdpa_called(vq);
	return 0;
}
#endif /* !VQMON_HOST */

/* --- virtio_net: NAPI polls, packets and bytes --------------------------- */

/* A net_device made by virtio_net: its parent is on the virtio bus. */
static __always_inline bool virtio_netdev(const struct net_device *dev)
{
	struct device *parent = BPF_CORE_READ(dev, dev.parent);
	char bus[8] = {};

	if (!parent)
		return false;
	bpf_probe_read_kernel_str(bus, sizeof(bus), BPF_CORE_READ(parent, bus, name));
	return bus[0] == 'v' && bus[1] == 'i' && bus[2] == 'r' && bus[3] == 't' && bus[4] == 'i' && bus[5] == 'o' &&
	       bus[6] == 0;
}

/* virtio_net's virtqueue index (2i rx i, 2i+1 tx i) -> its struct virtqueue *. */
static __always_inline struct virtqueue *netdev_vq(const struct net_device *dev, __u32 index)
{
	/* netdev_priv(): the private area follows the net_device, NETDEV_ALIGN 32 */
	__u64 off = (bpf_core_type_size(struct net_device) + 31) & ~31ULL;
	struct virtnet_info *vi = (void *)dev + off;
	struct virtqueue *vq = NULL;
	void *q;

	if (index % 2)
		q = (void *)BPF_CORE_READ(vi, sq) + (index / 2) * bpf_core_type_size(struct send_queue);
	else
		q = (void *)BPF_CORE_READ(vi, rq) + (index / 2) * bpf_core_type_size(struct receive_queue);
	/* receive_queue and send_queue both start { vq; napi; } */
	bpf_probe_read_kernel(&vq, sizeof(vq), q);
	return vq;
}

/* The counters of a virtio_net queue by its net_device: vq_netqs, or the slow path. */
static __always_inline struct vq_counters *netq_counters(const struct net_device *dev, __u32 index)
{
	struct vq_netq nq = { .netdev = (__u64)dev, .vq = index };
	struct vq_ref *cached = bpf_map_lookup_elem(&vq_netqs, &nq), ref;
	struct vq_counters *c;
	struct virtqueue *vq;

	/* no virtio_net (a hypervisor host may have none): dead code, which loads */
	if (!bpf_core_type_exists(struct virtnet_info))
		return NULL;
	if (cached && cached->slot == VQMON_NO_SLOT && cached->gen == NOT_VIRTIO)
		return NULL;
	c = live(cached);
	if (c)
		return c;
	if (!virtio_netdev(dev)) {
		ref = (struct vq_ref){ VQMON_NO_SLOT, NOT_VIRTIO };
		bpf_map_update_elem(&vq_netqs, &nq, &ref, BPF_ANY);
		return NULL;
	}
	vq = netdev_vq(dev, index);
	if (!vq)
		return NULL;
	c = virtio_counters(vq, -1, &ref);
	if (c)
		bpf_map_update_elem(&vq_netqs, &nq, &ref, BPF_ANY);
	return c;
}

static __always_inline void net_account(const struct net_device *dev, __u32 index, __u32 len)
{
	struct vq_counters *c = netq_counters(dev, index);

	if (!c)
		return;
	__sync_fetch_and_add(&c->packets, 1);
	__sync_fetch_and_add(&c->bytes, len);
}

static __always_inline void net_rx(const struct sk_buff *skb)
{
	__u16 mapping = BPF_CORE_READ(skb, queue_mapping);

	/* skb_record_rx_queue() stores queue + 1; 0 means unrecorded */
	if (mapping)
		net_account(BPF_CORE_READ(skb, dev), 2 * (mapping - 1), BPF_CORE_READ(skb, len));
}

static __always_inline void net_tx(const struct sk_buff *skb, const struct net_device *dev)
{
	net_account(dev, 2 * BPF_CORE_READ(skb, queue_mapping) + 1, BPF_CORE_READ(skb, len));
}

/* A NAPI poll of a virtio_net queue: by its napi_struct, which sits in the queue. */
static __always_inline void napi_polled(struct napi_struct *napi)
{
	struct vq_netq nq = { .netdev = (__u64)napi, .vq = VQMON_NO_SLOT }; /* apart from the netdev keys */
	struct vq_ref *cached, ref;
	struct virtqueue *vq;
	struct vq_counters *c;

	if (!bpf_core_field_exists(struct receive_queue, napi)) /* virtio_net not loaded */
		return;
	cached = bpf_map_lookup_elem(&vq_netqs, &nq);
	if (cached && cached->slot == VQMON_NO_SLOT && cached->gen == NOT_VIRTIO)
		return;
	c = live(cached);
	if (!c) {
		if (!virtio_netdev(BPF_CORE_READ(napi, dev))) {
			ref = (struct vq_ref){ VQMON_NO_SLOT, NOT_VIRTIO };
			bpf_map_update_elem(&vq_netqs, &nq, &ref, BPF_ANY);
			return;
		}
		if (bpf_probe_read_kernel(&vq, sizeof(vq),
					  (void *)napi - bpf_core_field_offset(struct receive_queue, napi)))
			return;
		c = virtio_counters(vq, -1, &ref);
		if (!c)
			return;
		bpf_map_update_elem(&vq_netqs, &nq, &ref, BPF_ANY);
	}
	__sync_fetch_and_add(&c->polls, 1);
}

HOST_SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(net_rx_btf, const struct sk_buff *skb)
{
	net_rx(skb);
	return 0;
}

HOST_SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(net_tx_btf, const struct sk_buff *skb, const struct net_device *dev)
{
	net_tx(skb, dev);
	return 0;
}

HOST_SEC("tp_btf/napi_poll")
int BPF_PROG(napi_poll_btf, struct napi_struct *napi, int work, int budget)
{
	napi_polled(napi);
	return 0;
}

#ifndef VQMON_HOST
SEC("?raw_tp/napi_gro_receive_entry")
int BPF_PROG(net_rx_raw, const struct sk_buff *skb)
{
	net_rx(skb);
	return 0;
}

SEC("?raw_tp/net_dev_start_xmit")
int BPF_PROG(net_tx_raw, const struct sk_buff *skb, const struct net_device *dev)
{
	net_tx(skb, dev);
	return 0;
}

SEC("?raw_tp/napi_poll")
int BPF_PROG(napi_poll_raw, struct napi_struct *napi, int work, int budget)
{
	napi_polled(napi);
	return 0;
}

/* --- vqsim: the simulator's own view of its queues ----------------------- */

/* The slow path: a vqsim queue, named by its device. */
static __noinline int vqsim_slow(const char *dev, __u16 queue, struct vq_ref *out)
{
	struct vq_ptr_key pk = { .ptr = (__u64)dev, .sub = queue, .kind = VQ_PTR_VQSIM };
	struct vq_info *info = scratch_info();

	out->slot = VQMON_NO_SLOT;
	if (!info)
		return 0;
	bpf_probe_read_kernel_str(info->dev_name, sizeof(info->dev_name), dev);
	info->key.queue = queue;
	info->key.source = VQ_SRC_VQSIM;
	info->key.dev = vq_name_id(info->dev_name);
	*out = known(&info->key);
	if (out->slot != VQMON_NO_SLOT) {
		*out = cache_ptr(&pk, *out);
		return 0;
	}
	info->ptr = pk;
	info->irq = -1;
	__builtin_memcpy(info->driver, "vqsim", 6);
	*out = publish(info);
	return 0;
}

/* The counters of a vqsim queue: by the address of its device's name. */
static __always_inline struct vq_counters *vqsim_counters(const char *dev, __u16 queue)
{
	struct vq_ptr_key pk = { .ptr = (__u64)dev, .sub = queue, .kind = VQ_PTR_VQSIM };
	struct vq_ref *ref = bpf_map_lookup_elem(&vq_ptrs, &pk), fresh;
	struct vq_counters *c = live(ref);

	if (c)
		return c;
	vqsim_slow(dev, queue, &fresh);
	return counters_of(fresh.slot, fresh.gen);
}

/* A notification the device delivered, after its coalescing held it delay_ns. */
SEC("?raw_tp/vqsim_notify")
int BPF_PROG(vqsim_notify_raw, const char *dev, __u16 queue, __u32 pending, __u32 cause, __u64 delay_ns)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c)
		__sync_fetch_and_add(&c->irqs, 1);
	return 0;
}

SEC("?raw_tp/vqsim_used")
int BPF_PROG(vqsim_used_raw, const char *dev, __u16 queue, __u32 packets, __u32 bytes)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c) {
		__sync_fetch_and_add(&c->packets, packets);
		__sync_fetch_and_add(&c->bytes, bytes);
	}
	return 0;
}

SEC("?raw_tp/vqsim_kick")
int BPF_PROG(vqsim_kick_raw, const char *dev, __u16 queue)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c)
		__sync_fetch_and_add(&c->kicks, 1);
	return 0;
}

/* vqsim has at most 33 queues (VQSIM_MAX_QUEUES in include/uapi/vqsim_gen.h). */
#define VQSIM_QUEUES_SCAN 33

/*
 * A vqsim device is deleted: its queues' identities go now, so that a new
 * device of the same name is a new identity, counted from zero. Each is
 * found by its name's address (the pointer cache) and by its name (vq_ids);
 * the pointer entry goes too, if it was a second name of the identity.
 */
SEC("?raw_tp/vqsim_dev_del")
int BPF_PROG(vqsim_dev_del_raw, const char *dev, __u32 queues)
{
	struct vq_key key = { .source = VQ_SRC_VQSIM };
	char name[VQMON_NAME_LEN] = {};
	struct vq_ref *ref;

	bpf_probe_read_kernel_str(name, sizeof(name), dev);
	key.dev = vq_name_id(name);
	for (__u32 q = 0; q < VQSIM_QUEUES_SCAN && q < queues; q++) {
		struct vq_ptr_key pk = { .ptr = (__u64)dev, .sub = q, .kind = VQ_PTR_VQSIM };

		ref = bpf_map_lookup_elem(&vq_ptrs, &pk);
		if (ref) {
			forget(ref);
			bpf_map_delete_elem(&vq_ptrs, &pk);
		}
		key.queue = q;
		ref = bpf_map_lookup_elem(&vq_ids, &key);
		if (ref)
			forget(ref);
	}
	return 0;
}
#endif /* !VQMON_HOST */
