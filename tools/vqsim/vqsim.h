/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vqsim: a vDPA virtio-net simulator with per-virtqueue notification
 * coalescing, driven by the guest (control queue) or the host (netlink).
 */
#ifndef _VQSIM_H
#define _VQSIM_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/vdpa.h>
#include <linux/vhost_iotlb.h>
#include <linux/virtio_net.h>
#include <uapi/linux/virtio_ring.h>

#include "../../include/uapi/vqsim.h"

#define VQSIM_QUEUE_SIZE	256
#define VQSIM_QUEUE_ALIGN	PAGE_SIZE
#define VQSIM_BUF_SIZE		(64 * 1024)
#define VQSIM_PINGPONG_TIMEOUT_NS	(100 * NSEC_PER_MSEC)
#define VQSIM_MAX_SEGS		64	/* descriptors in one chain */

/*
 * One virtqueue group and one address space. QEMU 7.2, the VM path's user,
 * never asks for vq groups or ASIDs, so a separate control queue group would
 * go unused (see README.md).
 */
#define VQSIM_NGROUPS		1
#define VQSIM_NAS		1

struct vqsim_dev;
struct seq_file;

struct vqsim_vq_stats {
	u64 packets;
	u64 bytes;
	u64 notify[3];		/* by enum vqsim_notify_cause */
	u64 suppressed;
	u64 notify_dropped;
	u64 kicks;
	u64 drops;
	u64 hist[VQSIM_HIST_BUCKETS];		/* log2, delay-hist */
	u64 hist_ll[VQSIM_DELAY_HIST_LL_BUCKETS];	/* log-linear, delay-hist-ll */
	u64 delay_sum_ns;
	u64 delay_max_ns;
	u64 src_frames;
	u64 src_replies;
	u64 ring_low;		/* rx: used with under 1/8 of the ring available */
	u64 pending_hist[VQSIM_PENDING_HIST_BUCKETS];	/* by pending at a decision */

	/* Refused device accesses; each also breaks the queue. */
	u64 iotlb_miss;		/* no map entry covers the address */
	u64 iotlb_perm;		/* the entry forbids a read or a write */
	u64 iotlb_bad;		/* the address is not RAM the device may use */
	u64 ring_errors;	/* the driver broke the ring or a descriptor */
	u64 kicks_not_ready;	/* kicks on a queue that is not ready */
};

/*
 * An address space: the IOTLB that vhost-vdpa fills with dma_map (IOVA to
 * the physical address of pages it pinned), or pass-through while no map
 * was set. Pass-through means identity, and only for virtio_vdpa, whose
 * addresses come from the kernel's DMA API on our dma_dev.
 */
struct vqsim_as {
	struct vhost_iotlb iotlb;
	bool passthrough;
};

/* The traffic source of one rx queue. */
struct vqsim_source {
	bool running;
	bool waiting;		/* ping-pong: frame out, reply not back yet */
	u32 rate;
	u32 size;
	u32 burst;
	u32 pattern;
	u32 on_us;
	u32 off_us;
	u64 seq;
	u64 start_ns;
	u64 next_ns;
	u64 sent_ns;		/* ping-pong: when the awaited frame left */
};

/* One descriptor of a chain, as an IOVA of the queue's address space. */
struct vqsim_seg {
	u64 addr;
	u32 len;
	bool write;
};

/* The chain being served, with read and write cursors. */
struct vqsim_chain {
	u16 head;
	u16 nsegs;
	u16 rseg, wseg;
	u32 roff, woff;
	struct vqsim_seg segs[VQSIM_MAX_SEGS];
};

struct vqsim_vq {
	/*
	 * The split ring, at desc_addr, driver_addr and device_addr in the
	 * queue's address space. Every access is translated (vqsim_iotlb.c).
	 */
	bool mapped;		/* vqsim_ring_map accepted the ring */
	u16 avail_idx;		/* the driver's, as last read */
	u16 last_avail_idx;
	u16 used_idx;
	struct vqsim_chain chain;
	struct vqsim_dev *vs;
	u16 idx;
	bool ready;
	bool broken;
	u64 desc_addr;
	u64 driver_addr;
	u64 device_addr;
	u32 num;
	irqreturn_t (*cb)(void *data);
	void *private;

	/* Coalescing, as set; the state below counts from the first pending buffer. */
	u32 coal_usecs;
	u32 coal_packets;
	u32 coal_src;
	u32 pending;
	u64 first_ns;
	bool timer_armed;
	struct hrtimer timer;

	struct vqsim_vq_stats st;
	struct vqsim_source src;	/* rx queues only */
};

struct vqsim_fault {
	u32 fail_next_set;	/* refuse this many coalescing sets */
	u32 drop_notify;	/* drop this many notifications */
	u32 notify_delay_us;	/* hold every notification this long more */
	u32 stall_ms;		/* stall the worker once, this long */
	u32 timer_delay_us;	/* spin in the coalescing timer before its lock */
};

struct vqsim_dev {
	struct vdpa_device vdpa;
	struct list_head list;		/* vqsim_devs */
	struct vqsim_vq *vqs;
	u32 nvqs;
	u32 vqp;
	struct task_struct *worker;
	atomic_t kicked;

	/* Config ops and the worker's loop; outside of lock. */
	struct mutex mutex;
	/*
	 * Rings, coalescing, stats and sources. Taken with irqs off, because
	 * the coalescing hrtimers notify from hard irq context.
	 */
	spinlock_t lock;
	struct virtio_net_config config;
	u64 dev_features;
	u64 features;
	u8 status;
	bool running;
	u32 generation;

	u64 cvq_requests;
	u64 cvq_errors;

	void *buf;			/* a tx frame, worker only */
	void *srcbuf;			/* a generated frame, worker only */
	u32 curr_vqp;			/* as the driver set it on the cvq */
	struct vqsim_fault fault;
	struct dentry *ddir;

	/* Address spaces; changed and used under lock. */
	struct vqsim_as as[VQSIM_NAS];
	/* The bound driver uses the DMA API (virtio_vdpa): pass-through is safe. */
	bool dma_api;
	/* A userspace driver holds the module while it drives the device. */
	bool user_ref;
	u64 map_refused;		/* dma_map calls refused */
};

static inline struct vqsim_dev *vdpa_to_vqsim(struct vdpa_device *vdpa)
{
	return container_of(vdpa, struct vqsim_dev, vdpa);
}

static inline u32 vqsim_cvq_idx(const struct vqsim_dev *vs)
{
	return 2 * vs->vqp;
}

static inline u32 vqsim_queue_type(const struct vqsim_dev *vs, u32 idx)
{
	if (idx == vqsim_cvq_idx(vs))
		return VQSIM_QUEUE_CTRL;
	return idx & 1 ? VQSIM_QUEUE_TX : VQSIM_QUEUE_RX;
}

static inline const char *vqsim_name(const struct vqsim_dev *vs)
{
	return dev_name(&vs->vdpa.dev);
}

/* vqsim_main.c */
extern struct mutex vqsim_devs_lock;
extern struct list_head vqsim_devs;
struct vqsim_dev *vqsim_find(const char *name);
int vqsim_virtio_index(struct vqsim_dev *vs);

/* vqsim_ring.c: the device side of split virtqueues; under vs->lock */
int vqsim_ring_map(struct vqsim_vq *vq);
int vqsim_ring_check(struct vqsim_vq *vq);
int vqsim_ring_get(struct vqsim_vq *vq);
ssize_t vqsim_chain_pull(struct vqsim_chain *c, void *buf, size_t len);
ssize_t vqsim_chain_push(struct vqsim_chain *c, const void *buf, size_t len);
int vqsim_ring_used(struct vqsim_vq *vq, u32 len);
bool vqsim_ring_need_notify(struct vqsim_vq *vq);

/* vqsim_iotlb.c: address translation; device accesses under vs->lock */
enum vqsim_dma_dir {
	VQSIM_DMA_READ = VHOST_MAP_RO,	/* the device reads driver memory */
	VQSIM_DMA_WRITE = VHOST_MAP_WO,	/* the device writes it */
};

void *vqsim_dma_ptr(struct vqsim_vq *vq, u64 iova, u64 len,
		    enum vqsim_dma_dir dir, u64 *chunk);
int vqsim_dma_copy(struct vqsim_vq *vq, u64 iova, void *buf, size_t len,
		   enum vqsim_dma_dir dir);
int vqsim_dma_probe(struct vqsim_vq *vq, u64 iova, u64 len,
		    enum vqsim_dma_dir dir);
void vqsim_vq_break(struct vqsim_vq *vq, u64 *counter, const char *why,
		    u64 iova, u64 val);
int vqsim_as_init(struct vqsim_dev *vs);
void vqsim_as_passthrough_locked(struct vqsim_dev *vs, u32 asid);
void vqsim_as_free(struct vqsim_dev *vs);
int vqsim_dma_map(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		  u64 size, u64 pa, u32 perm, void *opaque);
int vqsim_dma_unmap(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		    u64 size);
int vqsim_reset_map(struct vdpa_device *vdpa, unsigned int asid);
void vqsim_iotlb_show(struct seq_file *m, struct vqsim_dev *vs);

/* vqsim_datapath.c */
int vqsim_worker_fn(void *data);
void vqsim_kick(struct vqsim_dev *vs);
enum hrtimer_restart vqsim_coal_timer_fn(struct hrtimer *t);
int vqsim_coal_set(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets,
		   u32 src);
int vqsim_coal_check(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets);
void vqsim_coal_apply(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets,
		      u32 src);
void vqsim_coal_reset_locked(struct vqsim_vq *vq);
void vqsim_vq_stop_timers(struct vqsim_dev *vs);
int vqsim_get_vendor_stats(struct vdpa_device *vdpa, u16 idx,
			   struct sk_buff *msg, struct netlink_ext_ack *extack);

/* vqsim_nl.c */
int vqsim_nl_init(void);
void vqsim_nl_exit(void);
void vqsim_nl_coal_notify(struct vqsim_dev *vs, u32 idx);

/* vqsim_debugfs.c */
void vqsim_debugfs_init(void);
void vqsim_debugfs_exit(void);
void vqsim_debugfs_dev_add(struct vqsim_dev *vs);
void vqsim_debugfs_dev_del(struct vqsim_dev *vs);

#endif /* _VQSIM_H */
