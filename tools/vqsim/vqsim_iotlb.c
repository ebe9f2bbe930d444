// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim address translation: the device reaches rings and buffers only
 * through here.
 *
 * Bound to virtio_vdpa, the driver's addresses come from the DMA API on our
 * dma_dev, which has no iommu: they are physical addresses, used as they are
 * (pass-through) through the direct map.
 *
 * Bound to vhost_vdpa, they are IOVAs of a userspace process (for QEMU, the
 * VM's guest physical addresses). vhost-vdpa pins the process's pages and
 * calls dma_map once per physically contiguous run of them. The device keeps
 * those entries in a vhost_iotlb per address space and translates every
 * access there, split where one entry ends, with the entry's permissions.
 * An access that no entry allows is refused, counted on its queue, and stops
 * the queue (broken, as for a bad ring): the device never touches memory
 * outside the map.
 *
 * Reset semantics follow vdpa_sim: a plain reset keeps the map
 * (VHOST_BACKEND_F_IOTLB_PERSIST), VDPA_RESET_F_CLEAN_MAP and reset_map go
 * back to pass-through, and the first dma_map or dma_unmap leaves it.
 * Pass-through stays identity for virtio_vdpa only: under any other driver
 * it would let a user of /dev/vhost-vdpa-N aim the device at any page.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>

#include "vqsim.h"

static unsigned int max_iotlb_entries = 2048;
module_param(max_iotlb_entries, uint, 0444);
MODULE_PARM_DESC(max_iotlb_entries,
		 "map entries per address space (default 2048, as vhost_vdpa's)");

static struct vqsim_as *vqsim_vq_as(struct vqsim_vq *vq)
{
	/* One group, in address space 0 (VQSIM_NGROUPS, VQSIM_NAS). */
	return &vq->vs->as[0];
}

/* [pa, pa + len) is RAM with a direct mapping (len > 0). */
static bool vqsim_pa_ok(u64 pa, u64 len)
{
	if (!len || pa + len - 1 < pa)
		return false;
	return pfn_valid(PHYS_PFN(pa)) && pfn_valid(PHYS_PFN(pa + len - 1));
}

/*
 * Under vs->lock: counts a refused access or a bad ring, and stops the queue.
 * iova and val say where, and how much (a length, an index, a count).
 */
void vqsim_vq_break(struct vqsim_vq *vq, u64 *counter, const char *why,
		    u64 iova, u64 val)
{
	(*counter)++;
	if (!vq->broken)
		dev_warn_ratelimited(&vq->vs->vdpa.dev,
				     "vq %u: %s (0x%llx, %llu): queue stopped\n",
				     vq->idx, why, iova, val);
	vq->broken = true;
}

/*
 * Under vs->lock. The kernel address of iova, and how many of the len bytes
 * from there one map entry holds (*chunk); or NULL, counted, queue broken.
 */
static void *vqsim_dma_piece(struct vqsim_vq *vq, u64 iova, u64 len,
			     enum vqsim_dma_dir dir, u64 *chunk)
{
	struct vqsim_as *as = vqsim_vq_as(vq);
	struct vhost_iotlb_map *map;
	u64 pa, n;

	lockdep_assert_held(&vq->vs->lock);
	if (as->passthrough) {
		if (!vq->vs->dma_api) {
			vqsim_vq_break(vq, &vq->st.iotlb_miss,
				       "no map set by the driver", iova, len);
			return NULL;
		}
		pa = iova;
		n = len;
	} else {
		map = vhost_iotlb_itree_first(&as->iotlb, iova, iova);
		if (!map) {
			vqsim_vq_break(vq, &vq->st.iotlb_miss,
				       dir == VQSIM_DMA_READ ?
					       "read of an unmapped iova" :
					       "write to an unmapped iova",
				       iova, len);
			return NULL;
		}
		if ((map->perm & dir) != dir) {
			vqsim_vq_break(vq, &vq->st.iotlb_perm,
				       dir == VQSIM_DMA_READ ?
					       "read of a write-only map" :
					       "write to a read-only map",
				       iova, len);
			return NULL;
		}
		/* map->last - iova + 1 would overflow for an entry ending at U64_MAX */
		n = map->last - iova;
		n = n >= len - 1 ? len : n + 1;
		pa = map->addr + (iova - map->start);
	}
	if (!vqsim_pa_ok(pa, n)) {
		vqsim_vq_break(vq, &vq->st.iotlb_bad, "address is not RAM", iova,
			       len);
		return NULL;
	}
	*chunk = n;
	return phys_to_virt(pa);
}

/* Under vs->lock: the kernel address of a field that one entry holds whole. */
void *vqsim_dma_ptr(struct vqsim_vq *vq, u64 iova, u64 len,
		    enum vqsim_dma_dir dir, u64 *chunk)
{
	if (vq->broken || !len)
		return NULL;
	return vqsim_dma_piece(vq, iova, len, dir, chunk);
}

/* Walks [iova, iova + len) entry by entry; copies when buf is given. */
static int vqsim_dma_walk(struct vqsim_vq *vq, u64 iova, void *buf, u64 len,
			  enum vqsim_dma_dir dir)
{
	void *p;
	u64 n;

	if (vq->broken)
		return -EIO;
	if (len && iova + len - 1 < iova) {
		vqsim_vq_break(vq, &vq->st.ring_errors, "address range wraps",
			       iova, len);
		return -EFAULT;
	}
	while (len) {
		p = vqsim_dma_piece(vq, iova, len, dir, &n);
		if (!p)
			return -EFAULT;
		if (buf && dir == VQSIM_DMA_WRITE)
			memcpy(p, buf, n);
		else if (buf)
			memcpy(buf, p, n);
		if (buf)
			buf += n;
		iova += n;
		len -= n;
	}
	return 0;
}

/* Under vs->lock: copies between buf and the driver's memory at iova. */
int vqsim_dma_copy(struct vqsim_vq *vq, u64 iova, void *buf, size_t len,
		   enum vqsim_dma_dir dir)
{
	return vqsim_dma_walk(vq, iova, buf, len, dir);
}

/* Under vs->lock: could the device make this access? Refusals count as usual. */
int vqsim_dma_probe(struct vqsim_vq *vq, u64 iova, u64 len,
		    enum vqsim_dma_dir dir)
{
	return vqsim_dma_walk(vq, iova, NULL, len, dir);
}

/* ---- address spaces: the vdpa_config_ops that vhost-vdpa calls ---- */

int vqsim_as_init(struct vqsim_dev *vs)
{
	u32 i;

	if (!max_iotlb_entries)
		return -EINVAL;
	for (i = 0; i < VQSIM_NAS; i++) {
		vhost_iotlb_init(&vs->as[i].iotlb, max_iotlb_entries, 0);
		vs->as[i].passthrough = true;
	}
	return 0;
}

/* Under vs->lock: back to the state before any map (identity for virtio_vdpa). */
void vqsim_as_passthrough_locked(struct vqsim_dev *vs, u32 asid)
{
	vhost_iotlb_reset(&vs->as[asid].iotlb);
	vs->as[asid].passthrough = true;
}

void vqsim_as_free(struct vqsim_dev *vs)
{
	u32 i;

	for (i = 0; i < VQSIM_NAS; i++)
		vhost_iotlb_reset(&vs->as[i].iotlb);
}

/* Under vs->lock: the first explicit map or unmap ends pass-through. */
static void vqsim_as_leave_passthrough(struct vqsim_as *as)
{
	if (!as->passthrough)
		return;
	vhost_iotlb_reset(&as->iotlb);
	as->passthrough = false;
}

int vqsim_dma_map(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		  u64 size, u64 pa, u32 perm, void *opaque)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	u64 last = iova + size - 1;
	struct vqsim_as *as;
	unsigned long flags;
	const char *why;
	int err = -EINVAL;

	spin_lock_irqsave(&vs->lock, flags);
	if (asid >= VQSIM_NAS) {
		why = "no such address space";
	} else if (!size || last < iova) {
		why = "empty or wrapping range";
	} else if (!perm || (perm & ~VHOST_MAP_RW)) {
		why = "bad permissions";
	} else if (!vqsim_pa_ok(pa, size)) {
		why = "not RAM";
	} else {
		as = &vs->as[asid];
		vqsim_as_leave_passthrough(as);
		err = -EEXIST;
		why = "overlaps a map entry";
		if (!vhost_iotlb_itree_first(&as->iotlb, iova, last)) {
			err = vhost_iotlb_add_range_ctx(&as->iotlb, iova, last,
							pa, perm, opaque);
			why = "no room in the IOTLB";
		}
	}
	if (err)
		vs->map_refused++;
	spin_unlock_irqrestore(&vs->lock, flags);
	if (err)
		dev_warn_ratelimited(&vdpa->dev,
				     "dma_map asid %u iova 0x%llx size 0x%llx perm %u refused: %s (%d)\n",
				     asid, iova, size, perm, why, err);
	return err;
}

int vqsim_dma_unmap(struct vdpa_device *vdpa, unsigned int asid, u64 iova,
		    u64 size)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	unsigned long flags;

	if (asid >= VQSIM_NAS || !size || iova + size - 1 < iova)
		return -EINVAL;
	spin_lock_irqsave(&vs->lock, flags);
	vqsim_as_leave_passthrough(&vs->as[asid]);
	/* Whole entries go, also those the range only overlaps. */
	vhost_iotlb_del_range(&vs->as[asid].iotlb, iova, iova + size - 1);
	spin_unlock_irqrestore(&vs->lock, flags);
	return 0;
}

int vqsim_reset_map(struct vdpa_device *vdpa, unsigned int asid)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	unsigned long flags;

	if (asid >= VQSIM_NAS)
		return -EINVAL;
	spin_lock_irqsave(&vs->lock, flags);
	vqsim_as_passthrough_locked(vs, asid);
	spin_unlock_irqrestore(&vs->lock, flags);
	return 0;
}

/* debugfs "iotlb": the address spaces, their entries, and the refusals. */
void vqsim_iotlb_show(struct seq_file *m, struct vqsim_dev *vs)
{
	struct vhost_iotlb_map *map;
	unsigned long flags;
	u32 i, shown;

	spin_lock_irqsave(&vs->lock, flags);
	seq_printf(m, "driver_dma_api %u\nmap_refused %llu\n", vs->dma_api,
		   vs->map_refused);
	for (i = 0; i < VQSIM_NAS; i++) {
		struct vqsim_as *as = &vs->as[i];

		seq_printf(m, "as %u %s entries %u\n", i,
			   as->passthrough ? "passthrough" : "mapped",
			   as->iotlb.nmaps);
		shown = 0;
		for (map = vhost_iotlb_itree_first(&as->iotlb, 0, U64_MAX);
		     map && shown < 256;
		     map = vhost_iotlb_itree_next(map, 0, U64_MAX), shown++)
			seq_printf(m, "  iova 0x%llx-0x%llx pa 0x%llx %s%s\n",
				   map->start, map->last, map->addr,
				   map->perm & VHOST_MAP_RO ? "r" : "-",
				   map->perm & VHOST_MAP_WO ? "w" : "-");
		if (map)
			seq_puts(m, "  ...\n");
	}
	seq_puts(m, "queue iotlb_miss iotlb_perm iotlb_bad ring_errors kicks_not_ready broken\n");
	for (i = 0; i < vs->nvqs; i++) {
		struct vqsim_vq *vq = &vs->vqs[i];

		seq_printf(m, "%u %llu %llu %llu %llu %llu %u\n", i,
			   vq->st.iotlb_miss, vq->st.iotlb_perm,
			   vq->st.iotlb_bad, vq->st.ring_errors,
			   vq->st.kicks_not_ready, vq->broken);
	}
	spin_unlock_irqrestore(&vs->lock, flags);
}
