// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim: the vDPA management device "vqsim" and the vdpa_config_ops of its
 * virtio-net devices. `vdpa dev add name vqsim0 mgmtdev vqsim max_vqp 2`.
 */
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/dma-mapping.h>
#include <net/genetlink.h>
#include <uapi/linux/vdpa.h>
#include <uapi/linux/vhost_types.h>
#include <uapi/linux/virtio_config.h>
#include <uapi/linux/virtio_ids.h>

#include "vqsim.h"

#define CREATE_TRACE_POINTS
#include "vqsim_trace.h"

#define VQSIM_FEATURES                                                       \
	(BIT_ULL(VIRTIO_F_VERSION_1) | BIT_ULL(VIRTIO_F_ACCESS_PLATFORM) |   \
	 BIT_ULL(VIRTIO_F_ANY_LAYOUT) | BIT_ULL(VIRTIO_NET_F_MAC) |          \
	 BIT_ULL(VIRTIO_NET_F_MTU) | BIT_ULL(VIRTIO_NET_F_STATUS) |          \
	 BIT_ULL(VIRTIO_NET_F_CTRL_VQ) | BIT_ULL(VIRTIO_NET_F_CTRL_MAC_ADDR) | \
	 BIT_ULL(VIRTIO_NET_F_MQ) | BIT_ULL(VIRTIO_NET_F_NOTF_COAL) |        \
	 BIT_ULL(VIRTIO_NET_F_VQ_NOTF_COAL))

DEFINE_MUTEX(vqsim_devs_lock);
LIST_HEAD(vqsim_devs);

/* Under vqsim_devs_lock. */
struct vqsim_dev *vqsim_find(const char *name)
{
	struct vqsim_dev *vs;

	list_for_each_entry(vs, &vqsim_devs, list)
		if (!strcmp(vqsim_name(vs), name))
			return vs;
	return NULL;
}

static int vqsim_virtio_child(struct device *dev, void *data)
{
	if (!dev->bus || strcmp(dev->bus->name, "virtio"))
		return 0;
	*(int *)data = dev_to_virtio(dev)->index;
	return 1;
}

/* The N of the virtioN device that virtio_vdpa made of us, or -1. */
int vqsim_virtio_index(struct vqsim_dev *vs)
{
	int idx = -1;

	device_for_each_child(&vs->vdpa.dev, &idx, vqsim_virtio_child);
	return idx;
}

/* ---- virtqueues ---- */

static void vqsim_vq_reset_locked(struct vqsim_dev *vs, struct vqsim_vq *vq)
{
	vq->ready = false;
	vq->desc_addr = 0;
	vq->driver_addr = 0;
	vq->device_addr = 0;
	vq->num = 0;
	vq->cb = NULL;
	vq->private = NULL;
	vqsim_coal_reset_locked(vq);
	vq->src.waiting = false;
	vq->mapped = false;
	vq->avail_idx = 0;
	vq->last_avail_idx = 0;
	vq->used_idx = 0;
	vq->broken = false;
}

/*
 * Pass-through (DMA addresses are physical) is right for virtio_vdpa only,
 * which maps buffers with the DMA API on our dma_dev. Every driver resets the
 * device before it uses it (virtio_vdpa at probe, vhost_vdpa at open), so
 * the reset decides.
 */
static bool vqsim_driver_uses_dma_api(struct vqsim_dev *vs)
{
	struct device_driver *drv = READ_ONCE(vs->vdpa.dev.driver);

	return drv && !strcmp(drv->name, "virtio_vdpa");
}

/* Under vs->mutex. flags: VDPA_RESET_F_CLEAN_MAP also drops the maps. */
static void vqsim_do_reset(struct vqsim_dev *vs, u32 reset_flags)
{
	bool put_ref = false;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&vs->lock, flags);
	for (i = 0; i < vs->nvqs; i++)
		vqsim_vq_reset_locked(vs, &vs->vqs[i]);
	if (reset_flags & VDPA_RESET_F_CLEAN_MAP)
		for (i = 0; i < VQSIM_NAS; i++)
			vqsim_as_passthrough_locked(vs, i);
	vs->dma_api = vqsim_driver_uses_dma_api(vs);
	swap(put_ref, vs->user_ref);
	vs->running = false;
	vs->features = 0;
	vs->status = 0;
	vs->curr_vqp = 1;
	vs->generation++;
	spin_unlock_irqrestore(&vs->lock, flags);
	vqsim_vq_stop_timers(vs);
	for (i = 0; i < vs->nvqs; i++)
		vqsim_nl_coal_notify(vs, i);
	if (put_ref)
		module_put(THIS_MODULE);
}

static int vqsim_set_vq_address(struct vdpa_device *vdpa, u16 idx, u64 desc,
				u64 driver, u64 device)
{
	struct vqsim_vq *vq = &vdpa_to_vqsim(vdpa)->vqs[idx];

	vq->desc_addr = desc;
	vq->driver_addr = driver;
	vq->device_addr = device;
	return 0;
}

static void vqsim_set_vq_num(struct vdpa_device *vdpa, u16 idx, u32 num)
{
	vdpa_to_vqsim(vdpa)->vqs[idx].num = num;
}

static void vqsim_kick_vq(struct vdpa_device *vdpa, u16 idx)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	struct vqsim_vq *vq = &vs->vqs[idx];
	unsigned long flags;

	spin_lock_irqsave(&vs->lock, flags);
	vq->st.kicks++;
	if (!vq->ready)
		vq->st.kicks_not_ready++;
	spin_unlock_irqrestore(&vs->lock, flags);
	trace_vqsim_kick(vqsim_name(vs), idx);
	if (vq->ready)
		vqsim_kick(vs);
}

static void vqsim_set_vq_cb(struct vdpa_device *vdpa, u16 idx,
			    struct vdpa_callback *cb)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	struct vqsim_vq *vq = &vs->vqs[idx];
	unsigned long flags;

	spin_lock_irqsave(&vs->lock, flags);
	vq->cb = cb->callback;
	vq->private = cb->private;
	spin_unlock_irqrestore(&vs->lock, flags);
}

static void vqsim_set_vq_ready(struct vdpa_device *vdpa, u16 idx, bool ready)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	struct vqsim_vq *vq = &vs->vqs[idx];
	unsigned long flags;
	int err;

	mutex_lock(&vs->mutex);
	spin_lock_irqsave(&vs->lock, flags);
	if (ready && !vq->ready) {
		/* A bad ring is counted and logged there. */
		err = vqsim_ring_map(vq);
		if (err)
			ready = false;
		/* Enabled while running (ENABLE_AFTER_DRIVER_OK): check it now. */
		else if (vs->running)
			vqsim_ring_check(vq);
		/* No inflight buffers across a stop: resume with used == avail. */
		vq->used_idx = vq->last_avail_idx;
	}
	if (!ready)
		vq->pending = 0;
	vq->ready = ready;
	spin_unlock_irqrestore(&vs->lock, flags);
	if (!ready) {
		hrtimer_cancel(&vq->timer);
		vq->timer_armed = false;
	}
	mutex_unlock(&vs->mutex);
	if (ready)
		vqsim_kick(vs);
}

static bool vqsim_get_vq_ready(struct vdpa_device *vdpa, u16 idx)
{
	return vdpa_to_vqsim(vdpa)->vqs[idx].ready;
}

static int vqsim_set_vq_state(struct vdpa_device *vdpa, u16 idx,
			      const struct vdpa_vq_state *state)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	unsigned long flags;

	spin_lock_irqsave(&vs->lock, flags);
	vs->vqs[idx].last_avail_idx = state->split.avail_index;
	spin_unlock_irqrestore(&vs->lock, flags);
	return 0;
}

static int vqsim_get_vq_state(struct vdpa_device *vdpa, u16 idx,
			      struct vdpa_vq_state *state)
{
	state->split.avail_index =
		vdpa_to_vqsim(vdpa)->vqs[idx].last_avail_idx;
	return 0;
}

static u32 vqsim_get_vq_align(struct vdpa_device *vdpa)
{
	return VQSIM_QUEUE_ALIGN;
}

/* Every queue, the control queue too, is in group 0, in address space 0. */
static u32 vqsim_get_vq_group(struct vdpa_device *vdpa, u16 idx)
{
	return 0;
}

static u16 vqsim_get_vq_num_max(struct vdpa_device *vdpa)
{
	return VQSIM_QUEUE_SIZE;
}

/* ---- device ---- */

static u64 vqsim_get_device_features(struct vdpa_device *vdpa)
{
	return vdpa_to_vqsim(vdpa)->dev_features;
}

static u64 vqsim_get_backend_features(const struct vdpa_device *vdpa)
{
	return BIT_ULL(VHOST_BACKEND_F_ENABLE_AFTER_DRIVER_OK);
}

static int vqsim_set_driver_features(struct vdpa_device *vdpa, u64 features)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);

	/* Addresses must come from the DMA API: no legacy virtio. */
	if (!(features & BIT_ULL(VIRTIO_F_ACCESS_PLATFORM)))
		return -EINVAL;
	vs->features = features & vs->dev_features;
	return 0;
}

static u64 vqsim_get_driver_features(struct vdpa_device *vdpa)
{
	return vdpa_to_vqsim(vdpa)->features;
}

static void vqsim_set_config_cb(struct vdpa_device *vdpa,
				struct vdpa_callback *cb)
{
	/* The link is always up: no config change to announce. */
}

static u32 vqsim_get_device_id(struct vdpa_device *vdpa)
{
	return VIRTIO_ID_NET;
}

static u32 vqsim_get_vendor_id(struct vdpa_device *vdpa)
{
	return 0;
}

static u8 vqsim_get_status(struct vdpa_device *vdpa)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	u8 status;

	mutex_lock(&vs->mutex);
	status = vs->status;
	mutex_unlock(&vs->mutex);
	return status;
}

static void vqsim_set_status(struct vdpa_device *vdpa, u8 status)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	bool was_running;
	unsigned long flags;
	u32 i;

	mutex_lock(&vs->mutex);
	spin_lock_irqsave(&vs->lock, flags);
	/*
	 * A process driving us through /dev/vhost-vdpa-N holds the module until
	 * it resets the device (at the latest when its file closes), so that
	 * rmmod fails instead of waiting in vhost_vdpa_remove for the close.
	 */
	if (status && !vs->dma_api && !vs->user_ref)
		vs->user_ref = try_module_get(THIS_MODULE);
	was_running = vs->running;
	vs->status = status;
	vs->running = !!(status & VIRTIO_CONFIG_S_DRIVER_OK);
	/* Rings are mapped by now (QEMU maps after it enables the queues). */
	for (i = 0; vs->running && !was_running && i < vs->nvqs; i++)
		if (vs->vqs[i].ready)
			vqsim_ring_check(&vs->vqs[i]);
	spin_unlock_irqrestore(&vs->lock, flags);
	mutex_unlock(&vs->mutex);
	if (status & VIRTIO_CONFIG_S_DRIVER_OK)
		vqsim_kick(vs);
}

static int vqsim_compat_reset(struct vdpa_device *vdpa, u32 flags)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);

	mutex_lock(&vs->mutex);
	vqsim_do_reset(vs, flags);
	mutex_unlock(&vs->mutex);
	return 0;
}

/* Keeps the maps: vhost-vdpa's VHOST_BACKEND_F_IOTLB_PERSIST. */
static int vqsim_reset(struct vdpa_device *vdpa)
{
	return vqsim_compat_reset(vdpa, 0);
}

static size_t vqsim_get_config_size(struct vdpa_device *vdpa)
{
	return sizeof(struct virtio_net_config);
}

static void vqsim_get_config(struct vdpa_device *vdpa, unsigned int offset,
			     void *buf, unsigned int len)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	unsigned long flags;

	/* written so that offset + len cannot wrap */
	if (offset > sizeof(vs->config) || len > sizeof(vs->config) - offset)
		return;
	spin_lock_irqsave(&vs->lock, flags);
	memcpy(buf, (u8 *)&vs->config + offset, len);
	spin_unlock_irqrestore(&vs->lock, flags);
}

static void vqsim_set_config(struct vdpa_device *vdpa, unsigned int offset,
			     const void *buf, unsigned int len)
{
	/* virtio-net config space is read-only for the driver. */
}

static u32 vqsim_get_generation(struct vdpa_device *vdpa)
{
	return vdpa_to_vqsim(vdpa)->generation;
}

static struct vdpa_iova_range vqsim_get_iova_range(struct vdpa_device *vdpa)
{
	return (struct vdpa_iova_range){ .first = 0, .last = ULLONG_MAX };
}

static void vqsim_free(struct vdpa_device *vdpa)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	u32 i;

	if (vs->worker)
		kthread_stop(vs->worker);
	for (i = 0; vs->vqs && i < vs->nvqs; i++)
		hrtimer_cancel(&vs->vqs[i].timer);
	kvfree(vs->buf);
	kvfree(vs->srcbuf);
	kvfree(vs->vqs);
	vqsim_as_free(vs);
}

static const struct vdpa_config_ops vqsim_config_ops = {
	.set_vq_address = vqsim_set_vq_address,
	.set_vq_num = vqsim_set_vq_num,
	.kick_vq = vqsim_kick_vq,
	.set_vq_cb = vqsim_set_vq_cb,
	.set_vq_ready = vqsim_set_vq_ready,
	.get_vq_ready = vqsim_get_vq_ready,
	.set_vq_state = vqsim_set_vq_state,
	.get_vq_state = vqsim_get_vq_state,
	.get_vendor_vq_stats = vqsim_get_vendor_stats,
	.get_vq_align = vqsim_get_vq_align,
	.get_vq_group = vqsim_get_vq_group,
	.get_device_features = vqsim_get_device_features,
	.get_backend_features = vqsim_get_backend_features,
	.set_driver_features = vqsim_set_driver_features,
	.get_driver_features = vqsim_get_driver_features,
	.set_config_cb = vqsim_set_config_cb,
	.get_vq_num_max = vqsim_get_vq_num_max,
	.get_device_id = vqsim_get_device_id,
	.get_vendor_id = vqsim_get_vendor_id,
	.get_status = vqsim_get_status,
	.set_status = vqsim_set_status,
	.reset = vqsim_reset,
	.compat_reset = vqsim_compat_reset,
	.get_config_size = vqsim_get_config_size,
	.get_config = vqsim_get_config,
	.set_config = vqsim_set_config,
	.get_generation = vqsim_get_generation,
	.get_iova_range = vqsim_get_iova_range,
	.dma_map = vqsim_dma_map,
	.dma_unmap = vqsim_dma_unmap,
	.reset_map = vqsim_reset_map,
	.free = vqsim_free,
};

/* ---- management device ---- */

static void vqsim_mgmtdev_release(struct device *dev)
{
}

static struct device vqsim_mgmtdev = {
	.init_name = "vqsim",
	.release = vqsim_mgmtdev_release,
};

static int vqsim_dev_add(struct vdpa_mgmt_dev *mdev, const char *name,
			 const struct vdpa_dev_set_config *config)
{
	struct virtio_net_config *cfg;
	struct vqsim_dev *vs;
	u32 vqp = 1, i;
	u16 mtu = ETH_DATA_LEN;
	int err;

	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP))
		vqp = config->net.max_vq_pairs;
	if (vqp < 1 || vqp > VQSIM_MAX_VQP)
		return -EINVAL;
	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU))
		mtu = config->net.mtu;
	if (mtu < ETH_MIN_MTU || mtu > VQSIM_FRAME_MAX - ETH_HLEN)
		return -EINVAL;
	if ((config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES)) &&
	    (config->device_features & ~VQSIM_FEATURES))
		return -EINVAL;

	/* Physical addresses in the maps (use_va false): vhost-vdpa pins pages. */
	vs = vdpa_alloc_device(struct vqsim_dev, vdpa, NULL, &vqsim_config_ops,
			       VQSIM_NGROUPS, VQSIM_NAS, name, false);
	if (IS_ERR(vs))
		return PTR_ERR(vs);

	vs->vqp = vqp;
	vs->curr_vqp = 1;
	vs->nvqs = 2 * vqp + 1;
	vs->dev_features = VQSIM_FEATURES;
	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_FEATURES))
		vs->dev_features = config->device_features;
	mutex_init(&vs->mutex);
	spin_lock_init(&vs->lock);
	INIT_LIST_HEAD(&vs->list);
	err = vqsim_as_init(vs);
	if (err)
		goto err_put;

	/* Modern virtio only (VERSION_1 is required): config is little endian. */
	cfg = &vs->config;
	if (config->mask & BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR))
		memcpy(cfg->mac, config->net.mac, ETH_ALEN);
	else
		eth_random_addr(cfg->mac);
	cfg->mtu = __cpu_to_virtio16(true, mtu);
	cfg->status = __cpu_to_virtio16(true, VIRTIO_NET_S_LINK_UP);
	cfg->max_virtqueue_pairs = __cpu_to_virtio16(true, vqp);

	err = -ENOMEM;
	/* About 3 KiB a queue, most of it histograms: no need to be contiguous. */
	vs->vqs = kvcalloc(vs->nvqs, sizeof(*vs->vqs), GFP_KERNEL);
	if (!vs->vqs) {
		vs->nvqs = 0;
		goto err_put;
	}
	for (i = 0; i < vs->nvqs; i++) {
		struct vqsim_vq *vq = &vs->vqs[i];

		vq->vs = vs;
		vq->idx = i;
		hrtimer_init(&vq->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
		vq->timer.function = vqsim_coal_timer_fn;
		vq->src.rate = 1000;
		vq->src.size = VQSIM_FRAME_MIN;
		vq->src.burst = 1;
		vqsim_vq_reset_locked(vs, vq);
	}
	vs->buf = kvmalloc(VQSIM_BUF_SIZE, GFP_KERNEL);
	vs->srcbuf = kvmalloc(VQSIM_BUF_SIZE, GFP_KERNEL);
	if (!vs->buf || !vs->srcbuf)
		goto err_put;

	/* No iommu: virtio_vdpa's DMA addresses are physical (pass-through). */
	vs->vdpa.dev.dma_mask = &vs->vdpa.dev.coherent_dma_mask;
	err = dma_set_mask_and_coherent(&vs->vdpa.dev, DMA_BIT_MASK(64));
	if (err)
		goto err_put;
	vs->vdpa.dma_dev = &vs->vdpa.dev;
	vs->vdpa.mdev = mdev;

	vs->worker = kthread_run(vqsim_worker_fn, vs, "vqsim/%s", name);
	if (IS_ERR(vs->worker)) {
		err = PTR_ERR(vs->worker);
		vs->worker = NULL;
		goto err_put;
	}

	/* Requests may arrive from here on. */
	err = _vdpa_register_device(&vs->vdpa, vs->nvqs);
	if (err)
		goto err_put;

	mutex_lock(&vqsim_devs_lock);
	list_add_tail(&vs->list, &vqsim_devs);
	mutex_unlock(&vqsim_devs_lock);
	vqsim_debugfs_dev_add(vs);
	return 0;

err_put:
	put_device(&vs->vdpa.dev);
	return err;
}

static void vqsim_dev_del(struct vdpa_mgmt_dev *mdev, struct vdpa_device *dev)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(dev);

	mutex_lock(&vqsim_devs_lock);
	list_del_init(&vs->list);
	mutex_unlock(&vqsim_devs_lock);
	vqsim_debugfs_dev_del(vs);
	/* Held past the unregister, which may drop the last reference. */
	get_device(&vs->vdpa.dev);
	_vdpa_unregister_device(&vs->vdpa);
	/*
	 * The driver is gone and has reset the device (vhost_vdpa waited for
	 * its file to close): no event of these queues follows, so a monitor
	 * can forget them now rather than after an idle timeout.
	 */
	trace_vqsim_dev_del(vqsim_name(vs), vs->nvqs);
	put_device(&vs->vdpa.dev);
}

static const struct vdpa_mgmtdev_ops vqsim_mgmtdev_ops = {
	.dev_add = vqsim_dev_add,
	.dev_del = vqsim_dev_del,
};

static struct virtio_device_id vqsim_id_table[] = {
	{ VIRTIO_ID_NET, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static struct vdpa_mgmt_dev vqsim_mgmt = {
	.device = &vqsim_mgmtdev,
	.id_table = vqsim_id_table,
	.ops = &vqsim_mgmtdev_ops,
	.config_attr_mask = BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MACADDR) |
			    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MTU) |
			    BIT_ULL(VDPA_ATTR_DEV_NET_CFG_MAX_VQP) |
			    BIT_ULL(VDPA_ATTR_DEV_FEATURES),
	.max_supported_vqs = VQSIM_MAX_QUEUES,
	.supported_features = VQSIM_FEATURES,
};

static int __init vqsim_init(void)
{
	int err;

	vqsim_debugfs_init();
	err = device_register(&vqsim_mgmtdev);
	if (err) {
		put_device(&vqsim_mgmtdev);
		goto err_debugfs;
	}
	err = vdpa_mgmtdev_register(&vqsim_mgmt);
	if (err)
		goto err_dev;
	err = vqsim_nl_init();
	if (err)
		goto err_mgmt;
	return 0;

err_mgmt:
	vdpa_mgmtdev_unregister(&vqsim_mgmt);
err_dev:
	device_unregister(&vqsim_mgmtdev);
err_debugfs:
	vqsim_debugfs_exit();
	return err;
}

static void __exit vqsim_exit(void)
{
	/* Netlink first: no request may find a device while they go away. */
	vqsim_nl_exit();
	vdpa_mgmtdev_unregister(&vqsim_mgmt);
	device_unregister(&vqsim_mgmtdev);
	vqsim_debugfs_exit();
}

module_init(vqsim_init);
module_exit(vqsim_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("vqmod project");
MODULE_DESCRIPTION("vDPA virtio-net simulator with per-virtqueue coalescing");
MODULE_ALIAS_GENL_FAMILY(VQSIM_GENL_NAME);
