// SPDX-License-Identifier: GPL-2.0
/* Naming and classifying virtqueues from what the drivers call them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "queue.h"

static int has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/*
 * virtio_net names its queues input.N, output.N and control; virtio_blk
 * req.N; virtio_scsi request.N; vsock and console rx/tx. vhost and
 * virtio_net netdev paths and vqsim's tracepoints only know the index: even
 * is rx, odd is tx (vqsim's control queue, the last, shows as one of them).
 */
enum vq_type vq_type_of(const char *name, const char *driver, unsigned int index)
{
	if (has_prefix(name, "input") || has_prefix(name, "rx"))
		return VQ_TYPE_RX;
	if (has_prefix(name, "output") || has_prefix(name, "tx"))
		return VQ_TYPE_TX;
	if (has_prefix(name, "control") || has_prefix(name, "ctrl") || strcmp(name, "cvq") == 0)
		return VQ_TYPE_CTRL;
	if (has_prefix(name, "req") || has_prefix(name, "request"))
		return VQ_TYPE_REQ;
	if (has_prefix(name, "admin") || has_prefix(name, "aq"))
		return VQ_TYPE_ADMIN;
	if (!name[0] && (strcmp(driver, "virtio_net") == 0 || has_prefix(driver, "vhost") || !strcmp(driver, "vqsim")))
		return index % 2 ? VQ_TYPE_TX : VQ_TYPE_RX;
	return VQ_TYPE_OTHER;
}

void vq_ident_init(struct vq_ident *id, const struct vq_key *key, const struct vq_info *info)
{
	memset(id, 0, sizeof(*id));
	id->key = *key;
	if (info) {
		memcpy(id->dev, info->dev_name, sizeof(id->dev) - 1);
		memcpy(id->queue, info->queue_name, sizeof(id->queue) - 1);
		memcpy(id->driver, info->driver, sizeof(id->driver) - 1);
		memcpy(id->backend, info->backend, sizeof(id->backend) - 1);
		id->vm.pid = info->owner;
		id->irq_bypass = info->flags & VQ_INFO_IRQ_BYPASS;
	}
	id->type = vq_type_of(id->queue, id->driver, key->queue);
	if (!id->dev[0]) {
		if (key->source == VQ_SRC_VIRTIO)
			snprintf(id->dev, sizeof(id->dev), "virtio%u", key->dev);
		else
			snprintf(id->dev, sizeof(id->dev), "%.6s-%08x", vq_source_name(key->source), key->dev);
	}
	if (!id->queue[0]) {
		/* seen only on the netdev path before its first notification */
		if (id->type == VQ_TYPE_RX)
			snprintf(id->queue, sizeof(id->queue), "input.%u", key->queue / 2);
		else if (id->type == VQ_TYPE_TX)
			snprintf(id->queue, sizeof(id->queue), "output.%u", key->queue / 2);
		else
			snprintf(id->queue, sizeof(id->queue), "vq%u", key->queue);
	}
	if (!id->driver[0])
		snprintf(id->driver, sizeof(id->driver), "-");
}

struct vq_ident *vq_ident_new(const struct vq_ident *id)
{
	struct vq_ident *n = malloc(sizeof(*n));

	if (n) {
		*n = *id;
		n->refs = 1;
	}
	return n;
}

struct vq_ident *vq_ident_get(struct vq_ident *id)
{
	id->refs++;
	return id;
}

void vq_ident_put(struct vq_ident *id)
{
	if (id && !--id->refs)
		free(id);
}

const char *vq_type_name(enum vq_type type)
{
	static const char *const names[] = {
	    [VQ_TYPE_RX] = "rx",   [VQ_TYPE_TX] = "tx",	      [VQ_TYPE_CTRL] = "ctrl",
	    [VQ_TYPE_REQ] = "req", [VQ_TYPE_ADMIN] = "admin", [VQ_TYPE_OTHER] = "other",
	};

	return type <= VQ_TYPE_OTHER ? names[type] : "other";
}

bool vq_source_counts_packets(unsigned int source)
{
	return source != VQ_SRC_VHOST && source != VQ_SRC_VHOST_VDPA;
}

const char *vq_source_name(unsigned int source)
{
	switch (source) {
	case VQ_SRC_VIRTIO:
		return "virtio";
	case VQ_SRC_VHOST:
		return "vhost";
	case VQ_SRC_VHOST_VDPA:
		return "vhost-vdpa";
	case VQ_SRC_VQSIM:
		return "vqsim";
	}
	return "unknown";
}
