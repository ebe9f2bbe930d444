// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim generic netlink family: the host's way to read and set per-virtqueue
 * coalescing (the onload path), read stats and drive the traffic sources.
 * Every refusal carries an extack message that names the attribute.
 *
 * The family is specified in include/uapi/vqsim.yaml. Its policies and ops
 * table are generated from it (vqsim_nl_gen.c, make ynl-gen), and so are the
 * attribute names below (vqsim_nl_names.h); this file has the handlers and
 * the family itself, which a genetlink-c spec leaves to the module.
 */
#include <linux/etherdevice.h>
#include <net/genetlink.h>

#include "vqsim.h"
#include "vqsim_nl_gen.h"
#include "vqsim_nl_names.h"

static struct genl_family vqsim_nl_family;

static bool vqsim_nl_registered;

/* A required attribute: refuses with its name when missing. */
static struct nlattr *vqsim_need(struct nlattr **tb, struct nlattr *nest,
				 int type, struct netlink_ext_ack *extack)
{
	if (tb[type])
		return tb[type];
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	NL_SET_ERR_MSG_FMT(extack, "missing attribute %s",
			   vqsim_nl_attr_names[type] ?: "?");
	return NULL;
}

/* Under vqsim_devs_lock. */
static struct vqsim_dev *vqsim_nl_dev(struct nlattr **tb, struct nlattr *nest,
				      struct netlink_ext_ack *extack)
{
	struct nlattr *a = vqsim_need(tb, nest, VQSIM_A_DEV_NAME, extack);
	struct vqsim_dev *vs;

	if (!a)
		return ERR_PTR(-EINVAL);
	vs = vqsim_find(nla_data(a));
	if (!vs) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, a,
					"dev-name: no vqsim device '%s'",
					(char *)nla_data(a));
		return ERR_PTR(-ENODEV);
	}
	return vs;
}

/* The queue index, checked against the device; -errno when refused. */
static int vqsim_nl_queue(struct vqsim_dev *vs, struct nlattr **tb,
			  struct nlattr *nest, bool data_only,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *a = vqsim_need(tb, nest, VQSIM_A_QUEUE, extack);
	u32 q;

	if (!a)
		return -EINVAL;
	q = nla_get_u32(a);
	if (q >= vs->nvqs) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, a,
					"queue %u out of range: %s has queues 0-%u",
					q, vqsim_name(vs), vs->nvqs - 1);
		return -ERANGE;
	}
	if (data_only && q == vqsim_cvq_idx(vs)) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, a,
					"queue %u is the control queue", q);
		return -EINVAL;
	}
	return q;
}

static int vqsim_put_coal(struct sk_buff *msg, struct vqsim_dev *vs, u32 q)
{
	struct vqsim_vq *vq = &vs->vqs[q];
	unsigned long flags;
	u32 usecs, packets, src, num;

	spin_lock_irqsave(&vs->lock, flags);
	usecs = vq->coal_usecs;
	packets = vq->coal_packets;
	src = vq->coal_src;
	num = vq->num;
	spin_unlock_irqrestore(&vs->lock, flags);

	if (nla_put_string(msg, VQSIM_A_DEV_NAME, vqsim_name(vs)) ||
	    nla_put_u32(msg, VQSIM_A_QUEUE, q) ||
	    nla_put_u32(msg, VQSIM_A_QUEUE_TYPE, vqsim_queue_type(vs, q)) ||
	    nla_put_u32(msg, VQSIM_A_COAL_USECS, usecs) ||
	    nla_put_u32(msg, VQSIM_A_COAL_PACKETS, packets) ||
	    nla_put_u32(msg, VQSIM_A_COAL_SOURCE, src) ||
	    nla_put_u32(msg, VQSIM_A_QUEUE_SIZE, num))
		return -EMSGSIZE;
	return 0;
}

static int vqsim_put_stats_nest(struct sk_buff *msg,
				const struct vqsim_vq_stats *st, u32 pending)
{
	struct nlattr *nest;

	nest = nla_nest_start(msg, VQSIM_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(msg, VQSIM_STAT_PACKETS, st->packets, VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_BYTES, st->bytes, VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_NOTIFY_FRAMES,
			      st->notify[VQSIM_CAUSE_FRAMES], VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_NOTIFY_TIMER,
			      st->notify[VQSIM_CAUSE_TIMER], VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_NOTIFY_IMMEDIATE,
			      st->notify[VQSIM_CAUSE_IMMEDIATE], VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_NOTIFY_SUPPRESSED, st->suppressed,
			      VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_NOTIFY_DROPPED, st->notify_dropped,
			      VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_KICKS, st->kicks, VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_DROPS, st->drops, VQSIM_STAT_PAD) ||
	    nla_put(msg, VQSIM_STAT_DELAY_HIST, sizeof(st->hist), st->hist) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_DELAY_SUM_NS, st->delay_sum_ns,
			      VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_DELAY_MAX_NS, st->delay_max_ns,
			      VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_SRC_FRAMES, st->src_frames,
			      VQSIM_STAT_PAD) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_SRC_REPLIES, st->src_replies,
			      VQSIM_STAT_PAD) ||
	    nla_put_u32(msg, VQSIM_STAT_PENDING, pending) ||
	    nla_put_u64_64bit(msg, VQSIM_STAT_RING_LOW, st->ring_low,
			      VQSIM_STAT_PAD) ||
	    nla_put(msg, VQSIM_STAT_PENDING_HIST, sizeof(st->pending_hist),
		    st->pending_hist) ||
	    nla_put(msg, VQSIM_STAT_DELAY_HIST_LL, sizeof(st->hist_ll),
		    st->hist_ll)) {
		nla_nest_cancel(msg, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	return 0;
}

static int vqsim_put_stats(struct sk_buff *msg, struct vqsim_dev *vs, u32 q)
{
	struct vqsim_vq *vq = &vs->vqs[q];
	struct vqsim_vq_stats *stp;
	struct vqsim_source src;
	unsigned long flags;
	u32 pending;
	u8 ready;
	int err;

	/* Too big for the stack with its histograms. */
	stp = kmalloc(sizeof(*stp), GFP_KERNEL);
	if (!stp)
		return -ENOMEM;
	spin_lock_irqsave(&vs->lock, flags);
	*stp = vq->st;
	src = vq->src;
	pending = vq->pending;
	ready = vq->ready;
	spin_unlock_irqrestore(&vs->lock, flags);

	err = -EMSGSIZE;
	if (vqsim_put_coal(msg, vs, q) ||
	    nla_put_u8(msg, VQSIM_A_QUEUE_READY, ready))
		goto out;
	if (vqsim_queue_type(vs, q) == VQSIM_QUEUE_RX &&
	    (nla_put_u32(msg, VQSIM_A_TRAFFIC_STATE, src.running) ||
	     nla_put_u32(msg, VQSIM_A_TRAFFIC_RATE, src.rate) ||
	     nla_put_u32(msg, VQSIM_A_TRAFFIC_SIZE, src.size) ||
	     nla_put_u32(msg, VQSIM_A_TRAFFIC_BURST, src.burst) ||
	     nla_put_u32(msg, VQSIM_A_TRAFFIC_PATTERN, src.pattern)))
		goto out;
	err = vqsim_put_stats_nest(msg, stp, pending);
out:
	kfree(stp);
	return err;
}

static int vqsim_put_dev(struct sk_buff *msg, struct vqsim_dev *vs)
{
	int vidx = vqsim_virtio_index(vs);
	unsigned long flags;
	u8 mac[ETH_ALEN];
	u64 features;
	u32 status;

	spin_lock_irqsave(&vs->lock, flags);
	memcpy(mac, vs->config.mac, ETH_ALEN);
	features = vs->features;
	status = vs->status;
	spin_unlock_irqrestore(&vs->lock, flags);

	if (nla_put_string(msg, VQSIM_A_DEV_NAME, vqsim_name(vs)) ||
	    nla_put_u32(msg, VQSIM_A_DEV_VQP, vs->vqp) ||
	    nla_put_u32(msg, VQSIM_A_DEV_QUEUES, vs->nvqs) ||
	    nla_put(msg, VQSIM_A_DEV_MAC, ETH_ALEN, mac) ||
	    nla_put_u32(msg, VQSIM_A_DEV_MTU,
			__virtio16_to_cpu(true, vs->config.mtu)) ||
	    nla_put_u32(msg, VQSIM_A_DEV_STATUS, status) ||
	    nla_put_u64_64bit(msg, VQSIM_A_DEV_FEATURES, features, VQSIM_A_PAD))
		return -EMSGSIZE;
	if (vidx >= 0 && nla_put_u32(msg, VQSIM_A_DEV_VIRTIO_INDEX, vidx))
		return -EMSGSIZE;
	return 0;
}

typedef int (*vqsim_fill_t)(struct sk_buff *msg, struct vqsim_dev *vs, u32 q);

static int vqsim_put_dev_q(struct sk_buff *msg, struct vqsim_dev *vs, u32 q)
{
	return vqsim_put_dev(msg, vs);
}

/* A doit reply with one object. */
static int vqsim_reply(struct genl_info *info, u8 cmd, vqsim_fill_t fill,
		       struct vqsim_dev *vs, u32 q)
{
	struct sk_buff *msg;
	void *hdr;
	int err;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_iput(msg, info);
	if (!hdr) {
		err = -EMSGSIZE;
		goto err_free;
	}
	err = fill(msg, vs, q);
	if (err)
		goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return err;
}

int vqsim_nl_dev_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct vqsim_dev *vs;
	int err;

	mutex_lock(&vqsim_devs_lock);
	vs = vqsim_nl_dev(info->attrs, NULL, info->extack);
	err = IS_ERR(vs) ? PTR_ERR(vs) :
			   vqsim_reply(info, VQSIM_CMD_DEV_GET, vqsim_put_dev_q,
				       vs, 0);
	mutex_unlock(&vqsim_devs_lock);
	return err;
}

/* Dump position: device index, then queue index, in cb->ctx. */
struct vqsim_dump_ctx {
	u32 dev;
	u32 queue;
};

static int vqsim_dump(struct sk_buff *skb, struct netlink_callback *cb,
		      bool per_queue)
{
	struct vqsim_dump_ctx *ctx = (void *)cb->ctx;
	const struct genl_info *info = genl_info_dump(cb);
	struct nlattr *name = info->attrs ? info->attrs[VQSIM_A_DEV_NAME] : NULL;
	struct vqsim_dev *vs;
	u32 d = 0, q;
	void *hdr;
	int err = 0;

	mutex_lock(&vqsim_devs_lock);
	list_for_each_entry(vs, &vqsim_devs, list) {
		if (d++ < ctx->dev)
			continue;
		if (name && strcmp(nla_data(name), vqsim_name(vs))) {
			ctx->dev++;
			continue;
		}
		for (q = ctx->queue; q < (per_queue ? vs->nvqs : 1); q++) {
			hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
					  cb->nlh->nlmsg_seq, &vqsim_nl_family,
					  NLM_F_MULTI, info->genlhdr->cmd);
			if (!hdr) {
				err = -EMSGSIZE;
				break;
			}
			err = per_queue ? vqsim_put_stats(skb, vs, q) :
					  vqsim_put_dev(skb, vs);
			if (err) {
				genlmsg_cancel(skb, hdr);
				break;
			}
			genlmsg_end(skb, hdr);
			ctx->queue = q + 1;
		}
		if (err)
			break;
		ctx->dev++;
		ctx->queue = 0;
	}
	mutex_unlock(&vqsim_devs_lock);
	/* A full skb ends this round; the core calls back for the rest. */
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

int vqsim_nl_dev_get_dumpit(struct sk_buff *skb,
			    struct netlink_callback *cb)
{
	return vqsim_dump(skb, cb, false);
}

int vqsim_nl_stats_get_dumpit(struct sk_buff *skb,
			      struct netlink_callback *cb)
{
	return vqsim_dump(skb, cb, true);
}

static int vqsim_nl_queue_doit(struct genl_info *info, u8 cmd,
			       vqsim_fill_t fill)
{
	struct vqsim_dev *vs;
	int q, err;

	mutex_lock(&vqsim_devs_lock);
	vs = vqsim_nl_dev(info->attrs, NULL, info->extack);
	if (IS_ERR(vs)) {
		err = PTR_ERR(vs);
		goto out;
	}
	q = vqsim_nl_queue(vs, info->attrs, NULL, false, info->extack);
	if (q < 0) {
		err = q;
		goto out;
	}
	err = vqsim_reply(info, cmd, fill, vs, q);
out:
	mutex_unlock(&vqsim_devs_lock);
	return err;
}

int vqsim_nl_coal_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vqsim_nl_queue_doit(info, VQSIM_CMD_COAL_GET, vqsim_put_coal);
}

int vqsim_nl_stats_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	return vqsim_nl_queue_doit(info, VQSIM_CMD_STATS_GET, vqsim_put_stats);
}

int vqsim_nl_coal_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **tb = info->attrs;
	struct vqsim_dev *vs;
	u32 usecs, packets;
	int q, err;

	if (!tb[VQSIM_A_COAL_USECS] && !tb[VQSIM_A_COAL_PACKETS]) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, VQSIM_A_COAL_USECS);
		NL_SET_ERR_MSG(info->extack,
			       "missing attribute coal-usecs or coal-packets");
		return -EINVAL;
	}
	mutex_lock(&vqsim_devs_lock);
	vs = vqsim_nl_dev(tb, NULL, info->extack);
	if (IS_ERR(vs)) {
		err = PTR_ERR(vs);
		goto out;
	}
	q = vqsim_nl_queue(vs, tb, NULL, true, info->extack);
	if (q < 0) {
		err = q;
		goto out;
	}
	/* The one not given keeps its value. */
	usecs = tb[VQSIM_A_COAL_USECS] ? nla_get_u32(tb[VQSIM_A_COAL_USECS]) :
					 vs->vqs[q].coal_usecs;
	packets = tb[VQSIM_A_COAL_PACKETS] ?
			  nla_get_u32(tb[VQSIM_A_COAL_PACKETS]) :
			  vs->vqs[q].coal_packets;
	err = vqsim_coal_set(vs, q, usecs, packets, VQSIM_COAL_SRC_NETLINK);
	if (err == -EIO)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VQSIM_A_QUEUE],
				    "queue: refused by debugfs fail_next_set");
	else if (err)
		NL_SET_ERR_MSG_ATTR(info->extack, tb[VQSIM_A_QUEUE],
				    "queue: coalescing refused");
out:
	mutex_unlock(&vqsim_devs_lock);
	return err;
}

struct vqsim_batch_item {
	const struct nlattr *nla;	/* the entry, for extack */
	struct vqsim_dev *vs;
	u32 queue;
	u32 usecs;
	u32 packets;
	int err;
};

int vqsim_nl_coal_set_batch_doit(struct sk_buff *skb,
				 struct genl_info *info)
{
	bool partial = nla_get_flag(info->attrs[VQSIM_A_BATCH_PARTIAL]);
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *tb[ARRAY_SIZE(vqsim_batch_entry_nl_policy)];
	struct vqsim_batch_item *items;
	struct nlattr *batch, *entry, *nest;
	u32 n = 0, i, failed = 0, applied = 0;
	struct sk_buff *msg;
	char why[NETLINK_MAX_FMTMSG_LEN];
	bool reported = false;
	void *hdr;
	int rem, q, err;

	batch = vqsim_need(info->attrs, NULL, VQSIM_A_BATCH, extack);
	if (!batch)
		return -EINVAL;
	nla_for_each_nested(entry, batch, rem)
		n++;
	if (!n || n > VQSIM_BATCH_MAX) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, batch,
					"batch: %u entries, expected 1-%u", n,
					VQSIM_BATCH_MAX);
		return -EINVAL;
	}
	items = kvcalloc(n, sizeof(*items), GFP_KERNEL);
	if (!items)
		return -ENOMEM;

	mutex_lock(&vqsim_devs_lock);
	/* Check every entry first, so that a refused batch changes nothing. */
	i = 0;
	nla_for_each_nested(entry, batch, rem) {
		struct vqsim_batch_item *it = &items[i];
		struct netlink_ext_ack *ea = reported ? NULL : extack;

		it->nla = entry;
		/* The core left the entries to us: see vqsim_nl_split_ops. */
		err = nla_parse_nested(tb, ARRAY_SIZE(tb) - 1, entry,
				       vqsim_batch_entry_nl_policy, ea);
		if (!err) {
			it->vs = vqsim_nl_dev(tb, entry, ea);
			err = IS_ERR(it->vs) ? PTR_ERR(it->vs) : 0;
		}
		if (!err) {
			q = vqsim_nl_queue(it->vs, tb, entry, true, ea);
			err = q < 0 ? q : 0;
			it->queue = q;
		}
		if (!err && !vqsim_need(tb, entry, VQSIM_A_COAL_USECS, ea))
			err = -EINVAL;
		if (!err && !vqsim_need(tb, entry, VQSIM_A_COAL_PACKETS, ea))
			err = -EINVAL;
		if (!err) {
			it->usecs = nla_get_u32(tb[VQSIM_A_COAL_USECS]);
			it->packets = nla_get_u32(tb[VQSIM_A_COAL_PACKETS]);
		}
		if (err) {
			it->err = err;
			failed++;
			if (!reported) {
				/* extack holds one message: the first entry's. */
				strscpy(why, extack->_msg ?: "refused");
				NL_SET_ERR_MSG_FMT(extack, "batch entry %u: %.60s",
						   i, why);
				reported = true;
			}
		}
		i++;
	}
	/*
	 * Then each set's own check, which can still refuse an entry (the
	 * fail_next_set knob); without BATCH_PARTIAL a refusal here also leaves
	 * the batch unapplied. Only then the sets, which cannot fail: all of
	 * them or, with BATCH_PARTIAL, those that passed.
	 */
	for (i = 0; i < n && (!failed || partial); i++) {
		struct vqsim_batch_item *it = &items[i];

		if (it->err)
			continue;
		it->err = vqsim_coal_check(it->vs, it->queue, it->usecs,
					   it->packets);
		if (!it->err)
			continue;
		failed++;
		if (!reported && it->err == -EIO)
			NL_SET_ERR_MSG_ATTR_FMT(extack, it->nla,
						"batch entry %u: refused by debugfs fail_next_set",
						i);
		else if (!reported)
			NL_SET_ERR_MSG_ATTR_FMT(extack, it->nla,
						"batch entry %u: coalescing refused", i);
		reported = true;
	}
	if (!failed || partial) {
		for (i = 0; i < n; i++) {
			if (items[i].err)
				continue;
			vqsim_coal_apply(items[i].vs, items[i].queue,
					 items[i].usecs, items[i].packets,
					 VQSIM_COAL_SRC_NETLINK);
			applied++;
		}
	}
	mutex_unlock(&vqsim_devs_lock);

	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_GOODSIZE + (size_t)failed * 32, GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_iput(msg, info);
	if (!hdr || nla_put_u32(msg, VQSIM_A_BATCH_APPLIED, applied))
		goto err_msg;
	for (i = 0; i < n; i++) {
		if (!items[i].err)
			continue;
		nest = nla_nest_start(msg, VQSIM_A_BATCH_RESULT);
		if (!nest || nla_put_u32(msg, VQSIM_A_BATCH_INDEX, i) ||
		    nla_put_s32(msg, VQSIM_A_BATCH_ERROR, items[i].err))
			goto err_msg;
		nla_nest_end(msg, nest);
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	/* All or nothing: the reply lists each refused entry, then the error. */
	if (!err && failed && !partial)
		err = -EINVAL;
	goto out;
err_msg:
	nlmsg_free(msg);
	err = -EMSGSIZE;
out:
	kvfree(items);
	return err;
}

int vqsim_nl_traffic_set_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr **tb = info->attrs;
	struct vqsim_source src, *s;
	struct nlattr *state;
	struct vqsim_dev *vs;
	unsigned long flags;
	u32 mtu;
	int q, err = 0;

	state = vqsim_need(tb, NULL, VQSIM_A_TRAFFIC_STATE, extack);
	if (!state)
		return -EINVAL;
	mutex_lock(&vqsim_devs_lock);
	vs = vqsim_nl_dev(tb, NULL, extack);
	if (IS_ERR(vs)) {
		err = PTR_ERR(vs);
		goto out;
	}
	q = vqsim_nl_queue(vs, tb, NULL, true, extack);
	if (q < 0) {
		err = q;
		goto out;
	}
	if (vqsim_queue_type(vs, q) != VQSIM_QUEUE_RX) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, tb[VQSIM_A_QUEUE],
					"queue %u is not an rx queue (even index)",
					q);
		err = -EINVAL;
		goto out;
	}
	s = &vs->vqs[q].src;
	spin_lock_irqsave(&vs->lock, flags);
	src = *s;
	spin_unlock_irqrestore(&vs->lock, flags);

	if (tb[VQSIM_A_TRAFFIC_RATE])
		src.rate = nla_get_u32(tb[VQSIM_A_TRAFFIC_RATE]);
	if (tb[VQSIM_A_TRAFFIC_SIZE])
		src.size = nla_get_u32(tb[VQSIM_A_TRAFFIC_SIZE]);
	if (tb[VQSIM_A_TRAFFIC_BURST])
		src.burst = nla_get_u32(tb[VQSIM_A_TRAFFIC_BURST]);
	if (tb[VQSIM_A_TRAFFIC_PATTERN])
		src.pattern = nla_get_u32(tb[VQSIM_A_TRAFFIC_PATTERN]);
	if (tb[VQSIM_A_TRAFFIC_ON_USECS])
		src.on_us = nla_get_u32(tb[VQSIM_A_TRAFFIC_ON_USECS]);
	if (tb[VQSIM_A_TRAFFIC_OFF_USECS])
		src.off_us = nla_get_u32(tb[VQSIM_A_TRAFFIC_OFF_USECS]);

	mtu = __virtio16_to_cpu(true, vs->config.mtu);
	if (src.size > mtu + ETH_HLEN) {
		NL_SET_ERR_MSG_ATTR_FMT(extack, tb[VQSIM_A_TRAFFIC_SIZE] ?: state,
					"traffic-size %u over the MTU %u + 14",
					src.size, mtu);
		err = -EINVAL;
		goto out;
	}
	if (src.pattern == VQSIM_PATTERN_ONOFF && !src.on_us) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, VQSIM_A_TRAFFIC_ON_USECS);
		NL_SET_ERR_MSG(extack, "missing attribute traffic-on-usecs");
		err = -EINVAL;
		goto out;
	}

	spin_lock_irqsave(&vs->lock, flags);
	s->rate = src.rate;
	s->size = src.size;
	s->burst = src.burst;
	s->pattern = src.pattern;
	s->on_us = src.on_us;
	s->off_us = src.off_us;
	s->running = nla_get_u32(state) == VQSIM_TRAFFIC_START;
	if (s->running) {
		s->seq = 0;
		s->waiting = false;
		s->start_ns = ktime_get_ns();
		s->next_ns = s->start_ns;
	}
	spin_unlock_irqrestore(&vs->lock, flags);
	vqsim_kick(vs);
out:
	mutex_unlock(&vqsim_devs_lock);
	return err;
}

/*
 * A batch's entries are checked by the handler, one by one, against the
 * generated vqsim_batch_entry_nl_policy: so every refused entry is reported
 * and BATCH_PARTIAL can apply the others. The generated policy of
 * COAL_SET_BATCH nests that entry policy, which would make the core refuse
 * the whole batch at its first bad entry; so the family uses the generated
 * ops with this one policy in its place, which stops at the list of entries.
 */
static const struct nla_policy vqsim_batch_list_policy[VQSIM_A_BATCH_ENTRY + 1] = {
	[VQSIM_A_BATCH_ENTRY] = { .type = NLA_NESTED },
};

static const struct nla_policy vqsim_coal_set_batch_policy[VQSIM_A_BATCH_PARTIAL + 1] = {
	[VQSIM_A_BATCH] = NLA_POLICY_NESTED(vqsim_batch_list_policy),
	[VQSIM_A_BATCH_PARTIAL] = { .type = NLA_FLAG },
};

static struct genl_split_ops vqsim_nl_split_ops[ARRAY_SIZE(vqsim_nl_ops)] __ro_after_init;

static int vqsim_nl_split_ops_init(void)
{
	struct genl_split_ops *op;

	memcpy(vqsim_nl_split_ops, vqsim_nl_ops, sizeof(vqsim_nl_split_ops));
	for (op = vqsim_nl_split_ops;
	     op < vqsim_nl_split_ops + ARRAY_SIZE(vqsim_nl_split_ops); op++) {
		if (op->cmd != VQSIM_CMD_COAL_SET_BATCH)
			continue;
		/* The spec gave the request another attribute: update ours. */
		if (WARN_ON(op->maxattr != ARRAY_SIZE(vqsim_coal_set_batch_policy) - 1))
			return -EINVAL;
		op->policy = vqsim_coal_set_batch_policy;
	}
	return 0;
}

static const struct genl_multicast_group vqsim_nl_mcgrps[] = {
	[VQSIM_NLGRP_EVENTS] = { .name = VQSIM_MCGRP_EVENTS, },
};

static struct genl_family vqsim_nl_family __ro_after_init = {
	.name = VQSIM_GENL_NAME,
	.version = VQSIM_GENL_VERSION,
	.module = THIS_MODULE,
	.split_ops = vqsim_nl_split_ops,
	.n_split_ops = ARRAY_SIZE(vqsim_nl_split_ops),
	.resv_start_op = VQSIM_CMD_DEV_GET,
	.mcgrps = vqsim_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(vqsim_nl_mcgrps),
};

/* Tells listeners on "events" that a queue's coalescing changed. May sleep. */
void vqsim_nl_coal_notify(struct vqsim_dev *vs, u32 q)
{
	struct sk_buff *msg;
	void *hdr;

	if (!READ_ONCE(vqsim_nl_registered) ||
	    !genl_has_listeners(&vqsim_nl_family, &init_net, VQSIM_NLGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &vqsim_nl_family, 0, VQSIM_CMD_COAL_NTF);
	if (!hdr || vqsim_put_coal(msg, vs, q)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&vqsim_nl_family, msg, 0, VQSIM_NLGRP_EVENTS, GFP_KERNEL);
}

int vqsim_nl_init(void)
{
	int err = vqsim_nl_split_ops_init();

	if (!err)
		err = genl_register_family(&vqsim_nl_family);
	WRITE_ONCE(vqsim_nl_registered, !err);
	return err;
}

void vqsim_nl_exit(void)
{
	WRITE_ONCE(vqsim_nl_registered, false);
	genl_unregister_family(&vqsim_nl_family);
}
