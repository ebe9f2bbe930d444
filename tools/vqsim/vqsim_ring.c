// SPDX-License-Identifier: GPL-2.0
/*
 * The device side of a split virtqueue (virtio 1.x, little endian).
 *
 * Debian's kernels do not build vringh (CONFIG_VHOST_RING), so vqsim reads
 * the rings itself. There is no iommu between vqsim and its virtio_vdpa
 * driver: the DMA addresses it gets are guest physical addresses, reached
 * through the direct map. All of it runs under vs->lock.
 */
#include <linux/io.h>
#include <linux/mm.h>

#include "vqsim.h"

/* A kernel pointer to [pa, pa + len), or NULL if that is not plain RAM. */
static void *vqsim_va(u64 pa, size_t len)
{
	if (!len || pa + len < pa)
		return NULL;
	if (!pfn_valid(PHYS_PFN(pa)) || !pfn_valid(PHYS_PFN(pa + len - 1)))
		return NULL;
	return phys_to_virt(pa);
}

int vqsim_ring_map(struct vqsim_vq *vq)
{
	u32 num = vq->num;

	if (!num || !is_power_of_2(num) || num > VQSIM_QUEUE_SIZE)
		return -EINVAL;
	vq->desc = vqsim_va(vq->desc_addr, sizeof(*vq->desc) * num);
	vq->avail = vqsim_va(vq->driver_addr,
			     sizeof(*vq->avail) + sizeof(__virtio16) * (num + 1));
	vq->used = vqsim_va(vq->device_addr,
			    sizeof(*vq->used) +
				    sizeof(struct vring_used_elem) * num +
				    sizeof(__virtio16));
	if (!vq->desc || !vq->avail || !vq->used)
		return -EFAULT;
	vq->broken = false;
	return 0;
}

static inline u16 vqsim16(__virtio16 v)
{
	return __virtio16_to_cpu(true, v);
}

/*
 * Takes the next available chain into vq->chain. Returns 1, or 0 when the
 * ring is empty, or -EIO when the driver broke it (then it stays broken).
 */
int vqsim_ring_get(struct vqsim_vq *vq)
{
	struct vqsim_chain *c = &vq->chain;
	u16 avail_idx, head, i, flags;
	u32 n, mask = vq->num - 1;
	struct vring_desc *d;

	if (vq->broken || !vq->avail)
		return -EIO;
	avail_idx = vqsim16(READ_ONCE(vq->avail->idx));
	if (avail_idx == vq->last_avail_idx)
		return 0;
	if ((u16)(avail_idx - vq->last_avail_idx) > vq->num)
		goto broken;
	/* The entry is read after the index that published it. */
	smp_rmb();
	head = vqsim16(READ_ONCE(vq->avail->ring[vq->last_avail_idx & mask]));
	if (head >= vq->num)
		goto broken;

	c->head = head;
	c->nsegs = 0;
	c->rseg = c->wseg = 0;
	c->roff = c->woff = 0;
	for (i = head, n = 0;; n++) {
		if (n >= vq->num || c->nsegs >= VQSIM_MAX_SEGS)
			goto broken;
		d = &vq->desc[i];
		flags = vqsim16(READ_ONCE(d->flags));
		/* VIRTIO_RING_F_INDIRECT_DESC is not offered. */
		if (flags & VRING_DESC_F_INDIRECT)
			goto broken;
		c->segs[c->nsegs].addr = __virtio64_to_cpu(true, READ_ONCE(d->addr));
		c->segs[c->nsegs].len = __virtio32_to_cpu(true, READ_ONCE(d->len));
		c->segs[c->nsegs].write = flags & VRING_DESC_F_WRITE;
		c->nsegs++;
		if (!(flags & VRING_DESC_F_NEXT))
			break;
		i = vqsim16(READ_ONCE(d->next));
		if (i >= vq->num)
			goto broken;
	}
	vq->last_avail_idx++;
	return 1;

broken:
	vq->broken = true;
	return -EIO;
}

/* Copies between buf and the chain's readable (pull) or writable (push) part. */
static ssize_t vqsim_chain_copy(struct vqsim_chain *c, void *buf, size_t len,
				bool push)
{
	u16 *seg = push ? &c->wseg : &c->rseg;
	u32 *off = push ? &c->woff : &c->roff;
	size_t done = 0, n;
	void *p;

	while (done < len && *seg < c->nsegs) {
		struct vqsim_seg *s = &c->segs[*seg];

		if (s->write != push || *off >= s->len) {
			(*seg)++;
			*off = 0;
			continue;
		}
		n = min_t(size_t, len - done, s->len - *off);
		p = vqsim_va(s->addr + *off, n);
		if (!p)
			return -EFAULT;
		if (push)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
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

/* Returns the current chain to the driver, len bytes written. */
void vqsim_ring_used(struct vqsim_vq *vq, u32 len)
{
	struct vring_used_elem *e = &vq->used->ring[vq->used_idx & (vq->num - 1)];

	WRITE_ONCE(e->id, __cpu_to_virtio32(true, vq->chain.head));
	WRITE_ONCE(e->len, __cpu_to_virtio32(true, len));
	/* The buffer and the element before the index that publishes them. */
	smp_wmb();
	vq->used_idx++;
	WRITE_ONCE(vq->used->idx, __cpu_to_virtio16(true, vq->used_idx));
}

/* VRING_AVAIL_F_NO_INTERRUPT: the driver is polling (NAPI) and needs no call. */
bool vqsim_ring_need_notify(struct vqsim_vq *vq)
{
	/* Pairs with the driver's barrier between enabling callbacks and rechecking. */
	smp_mb();
	return !(vqsim16(READ_ONCE(vq->avail->flags)) & VRING_AVAIL_F_NO_INTERRUPT);
}
