// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vqmon: per-virtqueue notification, packet and kick counters.
 *
 * Every hook comes in alternatives (fentry, kprobe, tp_btf, raw_tp); the
 * loader probes which ones this kernel takes and attaches one per group, so
 * each event is counted once. All kernel structures are read through CO-RE.
 * Everything here loads on any BTF kernel (kprobe and raw_tp programs load
 * without their target), so `bpftool prog loadall` takes this object as it
 * is; the fentry alternatives, which lockdown may refuse, live in
 * vqmon_fentry.bpf.c.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vqmon.h"
#include "vqmon.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* net_device pointer -> virtio device index + 1 (0: not a virtio netdev). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} netdev_virtio SEC(".maps");

extern const void vring_interrupt __ksym __weak;

static __always_inline void *vring_action_vq(struct irqaction *action)
{
	if (!&vring_interrupt) /* not in this kernel (weak) */
		return NULL;
	if ((void *)BPF_CORE_READ(action, handler) != (void *)&vring_interrupt)
		return NULL;
	return BPF_CORE_READ(action, dev_id);
}

static __always_inline void irq_entry(struct irqaction *action)
{
	void *vq = vring_action_vq(action);

	hit(HOOK_IRQ_ENTRY);
	if (vq)
		notify_begin(vq);
}

static __always_inline void irq_exit(struct irqaction *action, int ret)
{
	void *vq = vring_action_vq(action);

	hit(HOOK_IRQ_EXIT);
	if (vq)
		vring_exit(vq, ret);
}

static __always_inline bool netdev_virtio_index(const struct net_device *dev, __u32 *index)
{
	__u64 key = (__u64)dev;
	__u32 *cached = bpf_map_lookup_elem(&netdev_virtio, &key);
	struct device *parent;
	char bus[8] = {};
	__u32 val = 0;

	if (cached) {
		*index = *cached - 1;
		return *cached != 0;
	}
	parent = BPF_CORE_READ(dev, dev.parent);
	if (parent) {
		bpf_probe_read_kernel_str(bus, sizeof(bus), BPF_CORE_READ(parent, bus, name));
		if (bus[0] == 'v' && bus[1] == 'i' && bus[2] == 'r' && bus[3] == 't' &&
		    bus[4] == 'i' && bus[5] == 'o' && bus[6] == 0)
			val = 1 + BPF_CORE_READ(container_of(parent, struct virtio_device, dev), index);
	}
	bpf_map_update_elem(&netdev_virtio, &key, &val, BPF_ANY);
	*index = val - 1;
	return val != 0;
}

static __always_inline void net_account(const struct net_device *dev, __u32 vq_index, __u32 len)
{
	struct vq_counters *c;
	struct vq_key key = { .source = VQ_SRC_VIRTIO, .queue = vq_index };

	if (!netdev_virtio_index(dev, &key.dev))
		return;
	c = counters(&key);
	if (!c)
		return;
	c->packets++;
	c->bytes += len;
}

static __always_inline void net_rx(const struct sk_buff *skb)
{
	__u16 mapping = BPF_CORE_READ(skb, queue_mapping);

	hit(HOOK_NET_RX);
	/* skb_record_rx_queue() stores queue + 1; 0 means unrecorded */
	if (mapping)
		net_account(BPF_CORE_READ(skb, dev), 2 * (mapping - 1), BPF_CORE_READ(skb, len));
}

static __always_inline void net_tx(const struct sk_buff *skb, const struct net_device *dev)
{
	hit(HOOK_NET_TX);
	net_account(dev, 2 * BPF_CORE_READ(skb, queue_mapping) + 1, BPF_CORE_READ(skb, len));
}

static __always_inline void napi_polled(struct napi_struct *napi)
{
	struct vq_key key = { .source = VQ_SRC_VIRTIO };
	struct virtqueue *vq;
	struct vq_counters *c;

	hit(HOOK_NAPI_POLL);
	if (!bpf_core_field_exists(struct receive_queue, napi)) /* virtio_net not loaded */
		return;
	if (!netdev_virtio_index(BPF_CORE_READ(napi, dev), &key.dev))
		return;
	/* receive_queue and send_queue both start { vq; napi; } */
	if (bpf_probe_read_kernel(&vq, sizeof(vq),
				  (void *)napi - bpf_core_field_offset(struct receive_queue, napi)))
		return;
	key.queue = BPF_CORE_READ(vq, index);
	c = counters(&key);
	if (c)
		c->polls++;
}

/* --- notifications: vring_interrupt() itself, any transport ------------- */
SEC("kprobe/vring_interrupt")
int BPF_KPROBE(vring_entry_kprobe, int irq, void *vq)
{
	hit(HOOK_VRING_ENTRY);
	notify_begin(vq);
	return 0;
}

SEC("kretprobe/vring_interrupt")
int BPF_KRETPROBE(vring_exit_kretprobe, int ret)
{
	hit(HOOK_VRING_EXIT);
	vring_exit(NULL, ret);
	return 0;
}

/* --- notifications: MSI-X vectors whose handler is vring_interrupt ------- */
SEC("tp_btf/irq_handler_entry")
int BPF_PROG(irq_entry_btf, int irq, struct irqaction *action)
{
	irq_entry(action);
	return 0;
}

SEC("tp_btf/irq_handler_exit")
int BPF_PROG(irq_exit_btf, int irq, struct irqaction *action, int ret)
{
	irq_exit(action, ret);
	return 0;
}

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(irq_entry_raw, int irq, struct irqaction *action)
{
	irq_entry(action);
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(irq_exit_raw, int irq, struct irqaction *action, int ret)
{
	irq_exit(action, ret);
	return 0;
}

/* --- kicks: the driver notifying the device ------------------------------ */
SEC("kprobe/virtqueue_notify")
int BPF_KPROBE(kick_kprobe, struct virtqueue *vq)
{
	virtio_kicked(vq);
	return 0;
}

/* --- packets and bytes: virtio_net's rx and tx queues -------------------- */

/* The virtio index of a virtio_net netdev, cached per net_device. */
SEC("tp_btf/napi_gro_receive_entry")
int BPF_PROG(net_rx_btf, const struct sk_buff *skb)
{
	net_rx(skb);
	return 0;
}

SEC("raw_tp/napi_gro_receive_entry")
int BPF_PROG(net_rx_raw, const struct sk_buff *skb)
{
	net_rx(skb);
	return 0;
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(net_tx_btf, const struct sk_buff *skb, const struct net_device *dev)
{
	net_tx(skb, dev);
	return 0;
}

SEC("raw_tp/net_dev_start_xmit")
int BPF_PROG(net_tx_raw, const struct sk_buff *skb, const struct net_device *dev)
{
	net_tx(skb, dev);
	return 0;
}

/* --- vhost: the host backend signalling its guest ------------------------ */

/* The index of vq in its vhost_dev, found by a bounded scan of dev->vqs. */
SEC("kprobe/vhost_signal")
int BPF_KPROBE(vhost_signal_kprobe, struct vhost_dev___vqmon *dev, void *vq)
{
	hit(HOOK_VHOST_SIGNAL);
	vhost_notified(dev, vq, VQ_SRC_VHOST);
	return 0;
}

SEC("kprobe/vhost_vdpa_virtqueue_cb")
int BPF_KPROBE(vhost_vdpa_cb_kprobe, struct vhost_virtqueue___vqmon *vq)
{
	vhost_vdpa_cb(vq);
	return 0;
}

/* --- NAPI polls: packets per poll for virtio_net's queues ---------------- */
SEC("tp_btf/napi_poll")
int BPF_PROG(napi_poll_btf, struct napi_struct *napi, int work, int budget)
{
	napi_polled(napi);
	return 0;
}

SEC("raw_tp/napi_poll")
int BPF_PROG(napi_poll_raw, struct napi_struct *napi, int work, int budget)
{
	napi_polled(napi);
	return 0;
}

/* --- vqsim: the simulator's own view of its queues ----------------------- */

/* The counters of a vqsim queue, named by the device on first sight. */
static __always_inline struct vq_counters *vqsim_counters(const char *dev, __u16 queue)
{
	struct vq_key key = { .queue = queue, .source = VQ_SRC_VQSIM };
	char name[VQMON_NAME_LEN] = {};
	struct vq_counters *c;

	hit(HOOK_VQSIM);
	bpf_probe_read_kernel_str(name, sizeof(name), dev);
	key.dev = vq_name_id(name);
	c = counters(&key);
	if (c && !bpf_map_lookup_elem(&vq_names, &key)) {
		struct vq_info info = { .driver = "vqsim" };

		__builtin_memcpy(info.dev_name, name, sizeof(name));
		bpf_map_update_elem(&vq_names, &key, &info, BPF_NOEXIST);
	}
	return c;
}

/* A notification the device delivered, after its coalescing held it delay_ns. */
SEC("raw_tp/vqsim_notify")
int BPF_PROG(vqsim_notify_raw, const char *dev, __u16 queue, __u32 pending, __u32 cause, __u64 delay_ns)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c) {
		c->irqs++;
		c->last_ns = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("raw_tp/vqsim_used")
int BPF_PROG(vqsim_used_raw, const char *dev, __u16 queue, __u32 packets, __u32 bytes)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c) {
		c->packets += packets;
		c->bytes += bytes;
	}
	return 0;
}

SEC("raw_tp/vqsim_kick")
int BPF_PROG(vqsim_kick_raw, const char *dev, __u16 queue)
{
	struct vq_counters *c = vqsim_counters(dev, queue);

	if (c)
		c->kicks++;
	return 0;
}
