// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * vqmon's fentry/fexit alternatives: cheaper than kprobes and with the
 * return value at hand, but refused where lockdown forbids them. Loaded as
 * a second object whose maps are the core object's (bpf_map__reuse_fd).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vqmon.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("?fentry/vring_interrupt")
int BPF_PROG(vring_entry_fentry, int irq, void *vq)
{
	vring_entered(vq);
	return 0;
}

SEC("?fexit/vring_interrupt")
int BPF_PROG(vring_exit_fexit, int irq, void *vq, int ret)
{
	notify_end((__u64)vq, ret == IRQ_NONE);
	return 0;
}

SEC("?fentry/virtqueue_notify")
int BPF_PROG(kick_fentry, struct virtqueue *vq)
{
	virtio_kicked(vq);
	return 0;
}

SEC("?fentry/vring_del_virtqueue")
int BPF_PROG(vring_del_fentry, struct virtqueue *vq)
{
	virtio_gone(vq);
	return 0;
}

SEC("?fentry/vhost_dev_cleanup")
int BPF_PROG(vhost_cleanup_fentry, struct vhost_dev___vqmon *dev)
{
	vhost_gone(dev);
	return 0;
}

SEC("?fentry/vhost_signal")
int BPF_PROG(vhost_signal_fentry, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

/*
 * vhost-net's own calls: vhost_signal is inlined into these two (6.12's
 * vhost.ko calls vhost_notify from them, never vhost_signal), so the
 * vhost_signal hook alone never sees a vhost-net queue.
 */
SEC("?fentry/vhost_add_used_and_signal_n")
int BPF_PROG(vhost_used_signal_n_fentry, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

SEC("?fentry/vhost_add_used_and_signal")
int BPF_PROG(vhost_used_signal_fentry, struct vhost_dev___vqmon *dev, struct vhost_virtqueue___vqmon *vq)
{
	vhost_signalled(vq);
	return 0;
}

SEC("?fentry/eventfd_signal_mask")
int BPF_PROG(eventfd_signal_fentry, struct eventfd_ctx *efd)
{
	eventfd_signalled(efd);
	return 0;
}

SEC("?fentry/vhost_vdpa_virtqueue_cb")
int BPF_PROG(vhost_vdpa_cb_fentry, struct vhost_virtqueue___vqmon *vq)
{
	vhost_vdpa_called(vq);
	return 0;
}

/* after it: the interrupt is registered for bypass, or not */
SEC("?fexit/vhost_vdpa_setup_vq_irq")
int BPF_PROG(vhost_vdpa_irq_fexit, struct vhost_vdpa___vqmon *v, __u16 qid)
{
	vhost_vdpa_irq_set(v, qid);
	return 0;
}
