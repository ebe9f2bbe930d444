// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a split virtqueue (virtio 1.x, little endian).
 *
 * Debian's kernels do not build vringh (CONFIG_VHOST_RING), so vqsim reads
 * the rings itself. The ring and every buffer are reached through the
 * queue's address space (vqsim_iotlb.c), one access at a time: under
 * vhost-vdpa a ring may span pages that are not physically contiguous, and
 * a map entry may go away while the queue runs. All of it runs under
 * vs->lock.
 */
#include <linux/mm.h>

#include "vqsim.h"

#define VQSIM_DESC_ALIGN	16	/* virtio 1.x, 2.7.5 */
#define VQSIM_AVAIL_ALIGN	2
#define VQSIM_USED_ALIGN	4

static u64 vqsim_avail_size(u32 num)
{
	return sizeof(struct vring_avail) + sizeof(__virtio16) * (num + 1);
}

static u64 vqsim_used_size(u32 num)
{
	return sizeof(struct vring_used) +
	       sizeof(struct vring_used_elem) * num + sizeof(__virtio16);
}

/* A 16-bit ring field, read in one access when one map entry holds it. */
static int vqsim_ring_read16(struct vqsim_vq *vq, u64 iova, u16 *val)
{
	__virtio16 v, *p;
	u64 n;

	p = vqsim_dma_ptr(vq, iova, sizeof(v), VQSIM_DMA_READ, &n);
	if (!p)
		return -EFAULT;
	if (n == sizeof(v))
		v = READ_ONCE(*p);
	else if (vqsim_dma_copy(vq, iova, &v, sizeof(v), VQSIM_DMA_READ))
		return -EFAULT;	/* split over two entries */
	*val = __virtio16_to_cpu(true, v);
	return 0;
}

static int vqsim_ring_write16(struct vqsim_vq *vq, u64 iova, u16 val)
{
	__virtio16 v = __cpu_to_virtio16(true, val), *p;
	u64 n;

	p = vqsim_dma_ptr(vq, iova, sizeof(v), VQSIM_DMA_WRITE, &n);
	if (!p)
		return -EFAULT;
	if (n == sizeof(v)) {
		WRITE_ONCE(*p, v);
		return 0;
	}
	return vqsim_dma_copy(vq, iova, &v, sizeof(v), VQSIM_DMA_WRITE);
}

static void vqsim_ring_error(struct vqsim_vq *vq, const char *why, u64 iova,
			     u64 val)
{
	vqsim_vq_break(vq, &vq->st.ring_errors, why, iova, val);
}

/*
 * When the driver enables the queue: a ring the device can serve at all.
 * Whether it is mapped is checked once the device runs (vqsim_ring_check):
 * QEMU enables queues before it maps the VM's memory.
 */
int vqsim_ring_map(struct vqsim_vq *vq)
{
	u32 num = vq->num;

	vq->mapped = false;
	if (!num || !is_power_of_2(num) || num > VQSIM_QUEUE_SIZE) {
		vqsim_ring_error(vq, "bad queue size", 0, num);
		return -EINVAL;
	}
	if (!IS_ALIGNED(vq->desc_addr, VQSIM_DESC_ALIGN) ||
	    !IS_ALIGNED(vq->driver_addr, VQSIM_AVAIL_ALIGN) ||
	    !IS_ALIGNED(vq->device_addr, VQSIM_USED_ALIGN)) {
		vqsim_ring_error(vq, "misaligned ring", vq->desc_addr, 0);
		return -EINVAL;
	}
	vq->broken = false;
	vq->mapped = true;
	return 0;
}

/*
 * Once the queue is ready and the device running: every byte of the three
 * ring parts is reachable, with the access the device makes to it. Else the
 * queue is broken (counted). Later accesses are translated again anyway.
 */
int vqsim_ring_check(struct vqsim_vq *vq)
{
	if (!vq->mapped)
		return -EINVAL;
	return vqsim_dma_probe(vq, vq->desc_addr,
			       sizeof(struct vring_desc) * vq->num,
			       VQSIM_DMA_READ) ?:
	       vqsim_dma_probe(vq, vq->driver_addr, vqsim_avail_size(vq->num),
			       VQSIM_DMA_READ) ?:
	       vqsim_dma_probe(vq, vq->device_addr, vqsim_used_size(vq->num),
			       VQSIM_DMA_WRITE);
}

/*
 * Takes the next available chain into vq->chain. Returns 1, or 0 when the
 * ring is empty, or -EIO when the driver broke it or the device may not
 * reach it (then it stays broken until the queue is enabled again).
 */
int vqsim_ring_get(struct vqsim_vq *vq)
{
	struct vqsim_chain *c = &vq->chain;
	u16 avail_idx, head, i, flags;
	u32 n, mask = vq->num - 1, len;
	struct vring_desc d;
	u64 at, addr;

	if (vq->broken || !vq->mapped)
		return -EIO;
	if (vqsim_ring_read16(vq, vq->driver_addr +
				      offsetof(struct vring_avail, idx),
			      &avail_idx))
		return -EIO;
	vq->avail_idx = avail_idx;
	if (avail_idx == vq->last_avail_idx)
		return 0;
	if ((u16)(avail_idx - vq->last_avail_idx) > vq->num) {
		vqsim_ring_error(vq, "avail index ahead by more than the ring",
				 vq->driver_addr, avail_idx);
		return -EIO;
	}
	/* The entry is read after the index that published it. */
	smp_rmb();
	at = vq->driver_addr + offsetof(struct vring_avail, ring) +
	     sizeof(__virtio16) * (vq->last_avail_idx & mask);
	if (vqsim_ring_read16(vq, at, &head))
		return -EIO;
	if (head >= vq->num) {
		vqsim_ring_error(vq, "head out of the ring", at, head);
		return -EIO;
	}

	c->head = head;
	c->nsegs = 0;
	c->rseg = c->wseg = 0;
	c->roff = c->woff = 0;
	for (i = head, n = 0;; n++) {
		at = vq->desc_addr + sizeof(d) * i;
		if (n >= vq->num || c->nsegs >= VQSIM_MAX_SEGS) {
			vqsim_ring_error(vq, "chain too long or a loop", at, n);
			return -EIO;
		}
		/* One copy: each field is read once, whatever the driver does. */
		if (vqsim_dma_copy(vq, at, &d, sizeof(d), VQSIM_DMA_READ))
			return -EIO;
		flags = __virtio16_to_cpu(true, d.flags);
		addr = __virtio64_to_cpu(true, d.addr);
		len = __virtio32_to_cpu(true, d.len);
		/* VIRTIO_RING_F_INDIRECT_DESC is not offered. */
		if (flags & VRING_DESC_F_INDIRECT) {
			vqsim_ring_error(vq, "indirect descriptor", at, len);
			return -EIO;
		}
		if (len && addr + len - 1 < addr) {
			vqsim_ring_error(vq, "buffer wraps the address space",
					 addr, len);
			return -EIO;
		}
		c->segs[c->nsegs].addr = addr;
		c->segs[c->nsegs].len = len;
		c->segs[c->nsegs].write = flags & VRING_DESC_F_WRITE;
		c->nsegs++;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = __virtio16_to_cpu(true, d.next);
		if (i >= vq->num) {
			vqsim_ring_error(vq, "next out of the ring", at, i);
			return -EIO;
		}
	}
	vq->last_avail_idx++;
	return 1;
}

/* Copies between buf and the chain's readable (pull) or writable (push) part. */
static ssize_t vqsim_chain_copy(struct vqsim_chain *c, void *buf, size_t len,
				bool push)
{
	struct vqsim_vq *vq = container_of(c, struct vqsim_vq, chain);
	u16 *seg = push ? &c->wseg : &c->rseg;
	u32 *off = push ? &c->woff : &c->roff;
	size_t done = 0, n;

	while (done < len && *seg < c->nsegs) {
		struct vqsim_seg *s = &c->segs[*seg];

		if (s->write != push || *off >= s->len) {
			(*seg)++;
			*off = 0;
			continue;
		}
		n = min_t(size_t, len - done, s->len - *off);
		/* Split at map entry boundaries; refused (and counted) outside the map. */
		if (vqsim_dma_copy(vq, s->addr + *off, buf + done, n,
				   push ? VQSIM_DMA_WRITE : VQSIM_DMA_READ))
			return -EFAULT;
		done += n;
		*off += n;
	}
	return done;
}

ssize_t vqsim_chain_pull(struct vqsim_chain *c, void *buf, size_t len)
{
	return vqsim_chain_copy(c, buf, len, false);
}

ssize_t vqsim_chain_push(struct vqsim_chain *c, const void *buf, size_t len)
{
	return vqsim_chain_copy(c, (void *)buf, len, true);
}

/* Returns the current chain to the driver, len bytes written; 0 or -EIO. */
int vqsim_ring_used(struct vqsim_vq *vq, u32 len)
{
	struct vring_used_elem e = {
		.id = __cpu_to_virtio32(true, vq->chain.head),
		.len = __cpu_to_virtio32(true, len),
	};
	u64 at = vq->device_addr + offsetof(struct vring_used, ring) +
		 sizeof(e) * (vq->used_idx & (vq->num - 1));

	if (vq->broken ||
	    vqsim_dma_copy(vq, at, &e, sizeof(e), VQSIM_DMA_WRITE))
		return -EIO;
	/* The buffer and the element before the index that publishes them. */
	smp_wmb();
	if (vqsim_ring_write16(vq, vq->device_addr +
					   offsetof(struct vring_used, idx),
			       vq->used_idx + 1))
		return -EIO;
	vq->used_idx++;
	return 0;
}

/* VRING_AVAIL_F_NO_INTERRUPT: the driver is polling (NAPI) and needs no call. */
bool vqsim_ring_need_notify(struct vqsim_vq *vq)
{
	u16 flags;

	/* Pairs with the driver's barrier between enabling callbacks and rechecking. */
	smp_mb();
	if (vq->broken || !vq->mapped ||
	    vqsim_ring_read16(vq, vq->driver_addr +
					  offsetof(struct vring_avail, flags),
			      &flags))
		return false;
	return !(flags & VRING_AVAIL_F_NO_INTERRUPT);
}
