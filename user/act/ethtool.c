// SPDX-License-Identifier: GPL-2.0
/*
 * The ethtool actuator: per-queue coalescing of a netdev (a guest's
 * virtio_net, a NIC) through SIOCETHTOOL's ETHTOOL_PERQUEUE, the only
 * interface that sets one queue: ethtool netlink has no per-queue message.
 */
#include <errno.h>
#include <dirent.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include "actuator.h"

struct ethtool_act {
	int fd; /* any socket carries SIOCETHTOOL */
};

/* One queue's ethtool_coalesce behind the per-queue header. */
struct perqueue_coalesce {
	struct ethtool_per_queue_op op;
	struct ethtool_coalesce coal;
};

static int ethtool_open(struct actuator *a)
{
	struct ethtool_act *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (e->fd < 0) {
		int err = -errno;

		snprintf(a->err, sizeof(a->err), "socket: %s", strerror(errno));
		free(e);
		return err;
	}
	a->priv = e;
	return 0;
}

/* The netdev virtio_net made for virtioN: /sys/bus/virtio/devices/virtioN/net/<ifname>. */
static int ethtool_target_of(struct actuator *a, const struct vq_ident *id, struct act_target *t)
{
	char path[128];
	struct dirent *de;
	DIR *dir;
	int found = -ENOENT;

	(void)a;
	if (id->key.source != VQ_SRC_VIRTIO || (id->type != VQ_TYPE_RX && id->type != VQ_TYPE_TX))
		return -ENOENT;
	snprintf(path, sizeof(path), "/sys/bus/virtio/devices/%s/net", id->dev);
	dir = opendir(path);
	if (!dir)
		return -ENOENT;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= sizeof(t->dev))
			continue;
		memset(t, 0, sizeof(*t));
		strcpy(t->dev, de->d_name);
		t->queue = id->key.queue / 2; /* virtio_net: rx i is vq 2i, tx i is 2i+1 */
		t->tx = id->type == VQ_TYPE_TX;
		found = 0;
		break;
	}
	closedir(dir);
	return found;
}

static int perqueue(struct actuator *a, const struct act_target *t, __u32 cmd, struct perqueue_coalesce *pq)
{
	struct ethtool_act *e = a->priv;
	struct ifreq ifr = {};

	if (t->queue >= MAX_NUM_QUEUE || strlen(t->dev) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	pq->op.cmd = ETHTOOL_PERQUEUE;
	pq->op.sub_command = cmd;
	memset(pq->op.queue_mask, 0, sizeof(pq->op.queue_mask));
	pq->op.queue_mask[t->queue / 32] = 1U << (t->queue % 32);
	pq->coal.cmd = cmd;
	memcpy(ifr.ifr_name, t->dev, strlen(t->dev) + 1);
	ifr.ifr_data = (void *)pq;
	if (ioctl(e->fd, SIOCETHTOOL, &ifr)) {
		int err = -errno;

		snprintf(a->err, sizeof(a->err), "%s queue %u: per-queue %s coalesce: %s%s", t->dev, t->queue,
			 cmd == ETHTOOL_GCOALESCE ? "get" : "set", strerror(errno),
			 errno == EOPNOTSUPP ? " (the driver has no per-queue coalescing)" : "");
		return err;
	}
	return 0;
}

/* Whether the driver's own adaptive moderation is on for this side (ethtool -C adaptive-rx). */
static bool adaptive_on(struct actuator *a, const struct act_target *t)
{
	struct ethtool_act *e = a->priv;
	struct ethtool_coalesce ec = {.cmd = ETHTOOL_GCOALESCE};
	struct ifreq ifr = {};

	memcpy(ifr.ifr_name, t->dev, strlen(t->dev) + 1);
	ifr.ifr_data = (void *)&ec;
	if (ioctl(e->fd, SIOCETHTOOL, &ifr))
		return false; /* no device-wide view: nothing to say */
	return t->tx ? ec.use_adaptive_tx_coalesce : ec.use_adaptive_rx_coalesce;
}

/*
 * The ring's size, all ethtool tells of a queue's figures (ETHTOOL_GRINGPARAM:
 * every queue of a netdev has the same). A netdev without it leaves 0.
 */
static int ethtool_figures(struct actuator *a, const struct act_target *t, struct act_figures *f, size_t n)
{
	struct ethtool_act *e = a->priv;

	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++) {
		struct ethtool_ringparam ring = {.cmd = ETHTOOL_GRINGPARAM};
		struct ifreq ifr = {};

		if (i && !strcmp(t[i].dev, t[i - 1].dev) && t[i].tx == t[i - 1].tx) {
			f[i].ring_size = f[i - 1].ring_size;
			continue;
		}
		if (strlen(t[i].dev) >= sizeof(ifr.ifr_name))
			continue;
		memcpy(ifr.ifr_name, t[i].dev, strlen(t[i].dev) + 1);
		ifr.ifr_data = (void *)&ring;
		if (!ioctl(e->fd, SIOCETHTOOL, &ifr))
			f[i].ring_size = t[i].tx ? ring.tx_pending : ring.rx_pending;
	}
	return 0;
}

static int ethtool_get(struct actuator *a, const struct act_target *t, struct coalesce *c)
{
	struct perqueue_coalesce pq = {};
	int err = perqueue(a, t, ETHTOOL_GCOALESCE, &pq);

	if (err)
		return err;
	c->usecs = t->tx ? pq.coal.tx_coalesce_usecs : pq.coal.rx_coalesce_usecs;
	c->frames = t->tx ? pq.coal.tx_max_coalesced_frames : pq.coal.rx_max_coalesced_frames;
	c->adaptive = adaptive_on(a, t);
	return 0;
}

/*
 * Read, change one side, write: the driver sets rx and tx of a queue
 * together. Then read again: s->coal becomes what the driver took (it may
 * round), which is what a later read-back will see.
 */
static int ethtool_set_one(struct actuator *a, struct act_setting *s)
{
	struct perqueue_coalesce pq = {};
	struct coalesce took;
	int err = perqueue(a, &s->target, ETHTOOL_GCOALESCE, &pq);

	if (err)
		return err;
	if (s->target.tx) {
		pq.coal.tx_coalesce_usecs = s->coal.usecs;
		pq.coal.tx_max_coalesced_frames = s->coal.frames;
	} else {
		pq.coal.rx_coalesce_usecs = s->coal.usecs;
		pq.coal.rx_max_coalesced_frames = s->coal.frames;
	}
	err = perqueue(a, &s->target, ETHTOOL_SCOALESCE, &pq);
	if (!err && !ethtool_get(a, &s->target, &took)) {
		s->coal.usecs = took.usecs;
		s->coal.frames = took.frames;
	}
	return err;
}

static int ethtool_set(struct actuator *a, struct act_setting *s, size_t n)
{
	int first = 0;

	for (size_t i = 0; i < n; i++) {
		s[i].err = ethtool_set_one(a, &s[i]);
		if (s[i].err && !first)
			first = s[i].err;
	}
	return first;
}

static void ethtool_close(struct actuator *a)
{
	struct ethtool_act *e = a->priv;

	if (!e)
		return;
	close(e->fd);
	free(e);
	a->priv = NULL;
}

const struct actuator_ops act_ethtool_ops = {
    .name = "ethtool",
    .open = ethtool_open,
    .target_of = ethtool_target_of,
    .get = ethtool_get,
    .set = ethtool_set,
    .figures = ethtool_figures,
    .close = ethtool_close,
};
