// SPDX-License-Identifier: GPL-2.0
/* A libmnl client of the vqsim generic netlink family; see vqsim_nl.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include "vqsim_nl.h"
#include "vqsim_nl_gen.h"

#define VQSIM_NL_BUF (64 * 1024)

/* The spec's table of the family's attributes (vqsim_nl_gen.h, from include/uapi/vqsim.yaml). */
static const struct vqsim_nl_space *const top = &vqsim_nl_space_vqsim;

const char *vqsim_attr_name(int type)
{
	if (type > 0 && (unsigned int)type <= top->max && top->attrs[type].name)
		return top->attrs[type].name;
	return "unknown";
}

/*
 * The attribute's type if the spec has it in space s and it is well formed
 * for that type (length, NUL), else -1: answers are read through this.
 */
static int spec_type(const struct nlattr *a, const struct vqsim_nl_space *s)
{
	uint16_t t = mnl_attr_get_type(a);
	const struct vqsim_nl_attr *spec = t <= s->max ? &s->attrs[t] : NULL;

	if (!spec || !spec->name || spec->type == MNL_TYPE_UNSPEC || mnl_attr_validate(a, spec->type) < 0)
		return -1;
	if (spec->len && mnl_attr_get_payload_len(a) != spec->len)
		return -1;
	return t;
}

const char *vqsim_nl_error(const struct vqsim_nl *h)
{
	return h->err[0] ? h->err : "no error";
}

/* The request in flight, kept to name the attribute an extack offset points at. */
struct req {
	struct vqsim_nl *h;
	const struct nlmsghdr *nlh;
	mnl_cb_t data_cb;
	void *data;
};

/*
 * Names the attribute at offset off of the request, walking the request with
 * the spec's tables: "queue", "batch entry 3", "batch entry 3: coal-usecs".
 * A multi-attr nest names its element and index; a plain nest adds nothing.
 */
static bool name_walk(const struct nlattr *a, int rem, const struct vqsim_nl_space *s, const char *base, uint32_t off,
		      char *out, size_t len)
{
	unsigned int seen[64] = {0};

	for (; mnl_attr_ok(a, rem); rem -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		uint16_t t = mnl_attr_get_type(a);
		const struct vqsim_nl_attr *spec = t <= s->max && s->attrs[t].name ? &s->attrs[t] : NULL;
		uint32_t at = (const char *)a - base;
		char here[64], inner[96];
		size_t i;

		if (!spec)
			snprintf(here, sizeof(here), "type %u", t);
		else if (spec->multi)
			snprintf(here, sizeof(here), "%s %u", spec->name, t < 64 ? seen[t]++ : 0);
		else
			snprintf(here, sizeof(here), "%s", spec->name);
		if (spec && spec->multi)
			for (i = 0; here[i]; i++)
				here[i] = here[i] == '-' ? ' ' : here[i];
		if (off == at) {
			snprintf(out, len, "%s", here);
			return true;
		}
		if (!spec || !spec->nest || off < at || off >= at + a->nla_len)
			continue;
		if (name_walk(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), spec->nest, base, off, inner,
			      sizeof(inner))) {
			snprintf(out, len, spec->multi ? "%s: %s" : "%.0s%s", here, inner);
			return true;
		}
	}
	return false;
}

static void name_attr(const struct nlmsghdr *req, uint32_t off, char *out, size_t len)
{
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(req, sizeof(struct genlmsghdr));

	if (!name_walk(a, (const char *)mnl_nlmsg_get_payload_tail(req) - (const char *)a, top, (const char *)req, off,
		       out, len))
		snprintf(out, len, "offset %u", off);
}

static int policy_cb(const struct nlattr *a, void *data)
{
	uint64_t *mm = data;

	switch (mnl_attr_get_type(a)) {
	case NL_POLICY_TYPE_ATTR_MIN_VALUE_U:
		mm[0] = mnl_attr_get_u64(a);
		mm[2] |= 1;
		break;
	case NL_POLICY_TYPE_ATTR_MAX_VALUE_U:
		mm[1] = mnl_attr_get_u64(a);
		mm[2] |= 2;
		break;
	}
	return MNL_CB_OK;
}

struct ext_ack {
	const char *msg;
	int64_t offs, miss_type;
	const struct nlattr *policy;
};

static int extack_cb(const struct nlattr *a, void *data)
{
	struct ext_ack *x = data;

	switch (mnl_attr_get_type(a)) {
	case NLMSGERR_ATTR_MSG:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
			x->msg = mnl_attr_get_str(a);
		break;
	case NLMSGERR_ATTR_OFFS:
		x->offs = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_MISS_TYPE:
		x->miss_type = mnl_attr_get_u32(a);
		break;
	case NLMSGERR_ATTR_POLICY:
		x->policy = a;
		break;
	}
	return MNL_CB_OK;
}

static int error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct req *r = data;
	struct ext_ack x = {.offs = -1, .miss_type = -1};
	char where[96] = "", bounds[64] = "";
	size_t off = sizeof(*e);
	uint64_t mm[3] = {0, 0, 0};

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return MNL_CB_ERROR;
	if (!e->error)
		return MNL_CB_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_parse(nlh, off, extack_cb, &x);
	if (x.offs >= 0)
		name_attr(r->nlh, x.offs, where, sizeof(where));
	else if (x.miss_type >= 0)
		snprintf(where, sizeof(where), "missing %s", vqsim_attr_name(x.miss_type));
	if (x.policy) {
		mnl_attr_parse_nested(x.policy, policy_cb, mm);
		if (mm[2] == 3)
			snprintf(bounds, sizeof(bounds), ", allowed %llu-%llu", (unsigned long long)mm[0],
				 (unsigned long long)mm[1]);
		else if (mm[2] == 2)
			snprintf(bounds, sizeof(bounds), ", max %llu", (unsigned long long)mm[1]);
	}
	snprintf(r->h->err, sizeof(r->h->err), "%s%s%s%s%s%s", strerror(-e->error), x.msg ? ": " : "",
		 x.msg ? x.msg : "", where[0] ? " (attribute " : "", where, where[0] ? (bounds[0] ? "" : ")") : "");
	if (where[0] && bounds[0]) {
		size_t l = strlen(r->h->err);

		snprintf(r->h->err + l, sizeof(r->h->err) - l, "%s)", bounds);
	}
	errno = -e->error;
	return MNL_CB_ERROR;
}

/* The end of a dump; a failed dump carries its errno here. */
static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req *r = data;
	int err = 0;

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err >= 0)
		return MNL_CB_STOP;
	snprintf(r->h->err, sizeof(r->h->err), "dump: %s", strerror(-err));
	errno = -err;
	return MNL_CB_ERROR;
}

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct req *r = data;

	return r->data_cb ? r->data_cb(nlh, r->data) : MNL_CB_OK;
}

/* Sends the request and runs cb on each answer until the ack or the dump's end. */
static int transact(struct vqsim_nl *h, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct req r = {.h = h, .nlh = nlh, .data_cb = cb, .data = data};
	/* Given a table, libmnl runs no default for the types left NULL. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = {[NLMSG_ERROR] = error_cb, [NLMSG_DONE] = done_cb};
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	h->err[0] = 0;
	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0) {
		snprintf(h->err, sizeof(h->err), "send: %s", strerror(errno));
		return -errno;
	}
	do {
		n = mnl_socket_recvfrom(h->sock, h->buf, VQSIM_NL_BUF);
		if (n < 0) {
			snprintf(h->err, sizeof(h->err), "receive: %s", strerror(errno));
			return -errno;
		}
		ret = mnl_cb_run2(h->buf, n, seq, h->portid, data_cb, &r, ctl, NLMSG_MIN_TYPE);
	} while (ret > 0);
	if (ret < 0) {
		int err = errno ? errno : EIO;

		if (!h->err[0])
			snprintf(h->err, sizeof(h->err), "%s", strerror(err));
		return -err;
	}
	return 0;
}

static struct nlmsghdr *put_hdr(struct vqsim_nl *h, char *buf, uint16_t type, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	/* A dump ends with NLMSG_DONE; an ack after it would trail into the next request. */
	nlh->nlmsg_flags = NLM_F_REQUEST | flags | (flags & NLM_F_DUMP ? 0 : NLM_F_ACK);
	nlh->nlmsg_seq = ++h->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VQSIM_GENL_VERSION;
	return nlh;
}

/* The events group's id, from one CTRL_ATTR_MCAST_GROUPS entry. */
static void family_group(const struct nlattr *grp, struct vqsim_nl *h)
{
	const struct nlattr *a;
	const char *name = NULL;
	uint32_t id = 0;

	mnl_attr_for_each_nested (a, grp) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME)
			name = mnl_attr_get_str(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID)
			id = mnl_attr_get_u32(a);
	}
	if (name && !strcmp(name, VQSIM_MCGRP_EVENTS))
		h->events_group = id;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vqsim_nl *h = data;
	const struct nlattr *a, *grp;

	mnl_attr_for_each (a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			h->family = mnl_attr_get_u16(a);
		else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GROUPS)
			mnl_attr_for_each_nested (grp, a)
				family_group(grp, h);
	}
	return MNL_CB_OK;
}

int vqsim_nl_open(struct vqsim_nl *h)
{
	char buf[256];
	struct nlmsghdr *nlh;
	int one = 1, err;

	memset(h, 0, sizeof(*h));
	h->buf = malloc(VQSIM_NL_BUF);
	h->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!h->buf || !h->sock) {
		err = errno ? errno : ENOMEM;
		snprintf(h->err, sizeof(h->err), "netlink socket: %s", strerror(err));
		vqsim_nl_close(h);
		return -err;
	}
	/* Extended acks with the refusal's text; capped: we keep our own request. */
	mnl_socket_setsockopt(h->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = errno;
		snprintf(h->err, sizeof(h->err), "netlink bind: %s", strerror(err));
		vqsim_nl_close(h);
		return -err;
	}
	h->portid = mnl_socket_get_portid(h->sock);
	h->seq = time(NULL);

	nlh = put_hdr(h, buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VQSIM_GENL_NAME);
	err = transact(h, nlh, family_cb, h);
	if (err || !h->family) {
		snprintf(h->err, sizeof(h->err), "no generic netlink family '%s': is vqsim.ko loaded?",
			 VQSIM_GENL_NAME);
		vqsim_nl_close(h);
		return -ENOENT;
	}
	return 0;
}

void vqsim_nl_close(struct vqsim_nl *h)
{
	if (h->sock)
		mnl_socket_close(h->sock);
	free(h->buf);
	h->sock = NULL;
	h->buf = NULL;
}

/* ---- answers ---- */

static int dev_attr_cb(const struct nlattr *a, void *data)
{
	struct vqsim_dev_info *d = data;

	switch (spec_type(a, top)) {
	case VQSIM_A_DEV_NAME:
		snprintf(d->name, sizeof(d->name), "%s", mnl_attr_get_str(a));
		break;
	case VQSIM_A_DEV_VQP:
		d->vqp = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_DEV_QUEUES:
		d->queues = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_DEV_MTU:
		d->mtu = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_DEV_STATUS:
		d->status = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_DEV_MAC: /* the spec's exact length, checked */
		memcpy(d->mac, mnl_attr_get_payload(a), sizeof(d->mac));
		break;
	case VQSIM_A_DEV_FEATURES:
		d->features = mnl_attr_get_u64(a);
		break;
	case VQSIM_A_DEV_VIRTIO_INDEX:
		d->virtio_index = mnl_attr_get_u32(a);
		break;
	}
	return MNL_CB_OK;
}

struct dev_walk {
	vqsim_dev_cb cb;
	void *arg;
};

static int dev_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dev_walk *w = data;
	struct vqsim_dev_info d = {.virtio_index = -1};

	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), dev_attr_cb, &d);
	return w->cb(&d, w->arg) ? MNL_CB_STOP : MNL_CB_OK;
}

static int dev_copy(const struct vqsim_dev_info *d, void *arg)
{
	*(struct vqsim_dev_info *)arg = *d;
	return 0;
}

int vqsim_nl_dev_get(struct vqsim_nl *h, const char *dev, struct vqsim_dev_info *out)
{
	char buf[512];
	struct nlmsghdr *nlh = put_hdr(h, buf, h->family, VQSIM_CMD_DEV_GET, 0);
	struct dev_walk w = {dev_copy, out};

	mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, dev);
	return transact(h, nlh, dev_msg_cb, &w);
}

int vqsim_nl_dev_dump(struct vqsim_nl *h, vqsim_dev_cb cb, void *arg)
{
	char buf[256];
	struct nlmsghdr *nlh = put_hdr(h, buf, h->family, VQSIM_CMD_DEV_GET, NLM_F_DUMP);
	struct dev_walk w = {cb, arg};

	return transact(h, nlh, dev_msg_cb, &w);
}

static int stat_attr_cb(const struct nlattr *a, void *data)
{
	struct vqsim_queue_info *q = data;

	switch (spec_type(a, &vqsim_nl_space_stats)) {
	case VQSIM_STAT_DELAY_HIST:
		if (mnl_attr_get_payload_len(a) == sizeof(q->delay_hist_log2))
			memcpy(q->delay_hist_log2, mnl_attr_get_payload(a), sizeof(q->delay_hist_log2));
		break;
	case VQSIM_STAT_DELAY_HIST_LL:
		if (mnl_attr_get_payload_len(a) == sizeof(q->delay_hist_ll))
			memcpy(q->delay_hist_ll, mnl_attr_get_payload(a), sizeof(q->delay_hist_ll));
		break;
	case VQSIM_STAT_PENDING:
		q->pending = mnl_attr_get_u32(a);
		break;
	case VQSIM_STAT_RING_LOW:
		q->ring_low = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_PENDING_HIST:
		if (mnl_attr_get_payload_len(a) == sizeof(q->pending_hist))
			memcpy(q->pending_hist, mnl_attr_get_payload(a), sizeof(q->pending_hist));
		break;
	case VQSIM_STAT_PACKETS:
		q->packets = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_BYTES:
		q->bytes = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_NOTIFY_FRAMES:
		q->notify[VQSIM_CAUSE_FRAMES] = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_NOTIFY_TIMER:
		q->notify[VQSIM_CAUSE_TIMER] = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_NOTIFY_IMMEDIATE:
		q->notify[VQSIM_CAUSE_IMMEDIATE] = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_NOTIFY_SUPPRESSED:
		q->suppressed = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_NOTIFY_DROPPED:
		q->notify_dropped = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_KICKS:
		q->kicks = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_DROPS:
		q->drops = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_DELAY_SUM_NS:
		q->delay_sum_ns = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_DELAY_MAX_NS:
		q->delay_max_ns = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_SRC_FRAMES:
		q->src_frames = mnl_attr_get_u64(a);
		break;
	case VQSIM_STAT_SRC_REPLIES:
		q->src_replies = mnl_attr_get_u64(a);
		break;
	}
	return MNL_CB_OK;
}

static int queue_attr_cb(const struct nlattr *a, void *data)
{
	struct vqsim_queue_info *q = data;

	switch (spec_type(a, top)) {
	case VQSIM_A_DEV_NAME:
		snprintf(q->dev, sizeof(q->dev), "%s", mnl_attr_get_str(a));
		break;
	case VQSIM_A_QUEUE:
		q->queue = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_QUEUE_TYPE:
		q->type = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_QUEUE_READY:
		q->ready = mnl_attr_get_u8(a);
		break;
	case VQSIM_A_COAL_USECS:
		q->coal.usecs = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_COAL_PACKETS:
		q->coal.packets = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_COAL_SOURCE:
		q->coal.source = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_QUEUE_SIZE:
		q->ring_size = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_TRAFFIC_STATE:
		q->has_traffic = true;
		q->traffic.state = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_TRAFFIC_RATE:
		q->traffic.rate = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_TRAFFIC_SIZE:
		q->traffic.size = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_TRAFFIC_BURST:
		q->traffic.burst = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_TRAFFIC_PATTERN:
		q->traffic.pattern = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_STATS:
		mnl_attr_parse_nested(a, stat_attr_cb, q);
		break;
	}
	return MNL_CB_OK;
}

struct queue_walk {
	vqsim_queue_cb cb;
	void *arg;
	uint16_t family; /* events: the family's messages only */
};

static int queue_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct queue_walk *w = data;
	struct vqsim_queue_info q;

	memset(&q, 0, sizeof(q));
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), queue_attr_cb, &q);
	return w->cb(&q, w->arg) ? MNL_CB_STOP : MNL_CB_OK;
}

static int queue_copy(const struct vqsim_queue_info *q, void *arg)
{
	*(struct vqsim_queue_info *)arg = *q;
	return 0;
}

static struct nlmsghdr *put_queue(struct vqsim_nl *h, char *buf, uint8_t cmd, const char *dev, uint32_t queue)
{
	struct nlmsghdr *nlh = put_hdr(h, buf, h->family, cmd, 0);

	mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, dev);
	mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, queue);
	return nlh;
}

int vqsim_nl_coal_get(struct vqsim_nl *h, const char *dev, uint32_t queue, struct vqsim_coal *out)
{
	char buf[512];
	struct vqsim_queue_info q;
	struct queue_walk w = {.cb = queue_copy, .arg = &q};
	int err;

	err = transact(h, put_queue(h, buf, VQSIM_CMD_COAL_GET, dev, queue), queue_msg_cb, &w);
	if (!err)
		*out = q.coal;
	return err;
}

int vqsim_nl_coal_set(struct vqsim_nl *h, const char *dev, uint32_t queue, int64_t usecs, int64_t packets)
{
	char buf[512];
	struct nlmsghdr *nlh = put_queue(h, buf, VQSIM_CMD_COAL_SET, dev, queue);

	if (usecs >= 0)
		mnl_attr_put_u32(nlh, VQSIM_A_COAL_USECS, (uint32_t)usecs);
	if (packets >= 0)
		mnl_attr_put_u32(nlh, VQSIM_A_COAL_PACKETS, (uint32_t)packets);
	return transact(h, nlh, NULL, NULL);
}

int vqsim_nl_stats_get(struct vqsim_nl *h, const char *dev, uint32_t queue, struct vqsim_queue_info *out)
{
	char buf[512];
	struct queue_walk w = {.cb = queue_copy, .arg = out};

	return transact(h, put_queue(h, buf, VQSIM_CMD_STATS_GET, dev, queue), queue_msg_cb, &w);
}

int vqsim_nl_stats_dump(struct vqsim_nl *h, const char *dev, vqsim_queue_cb cb, void *arg)
{
	char buf[512];
	struct nlmsghdr *nlh = put_hdr(h, buf, h->family, VQSIM_CMD_STATS_GET, NLM_F_DUMP);
	struct queue_walk w = {.cb = cb, .arg = arg};

	if (dev)
		mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, dev);
	return transact(h, nlh, queue_msg_cb, &w);
}

struct batch_answer {
	struct vqsim_coal_entry *e;
	uint32_t n;
	uint32_t applied;
};

static int result_cb(const struct nlattr *a, void *data)
{
	int64_t *r = data;
	int t = spec_type(a, top);

	if (t == VQSIM_A_BATCH_INDEX)
		r[0] = mnl_attr_get_u32(a);
	else if (t == VQSIM_A_BATCH_ERROR)
		r[1] = (int32_t)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

static int batch_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct batch_answer *b = data;
	struct nlattr *a;

	mnl_attr_for_each (a, nlh, sizeof(struct genlmsghdr)) {
		int64_t r[2] = {-1, 0};
		int t = spec_type(a, top);

		if (t == VQSIM_A_BATCH_APPLIED) {
			b->applied = mnl_attr_get_u32(a);
			continue;
		}
		if (t != VQSIM_A_BATCH_RESULT)
			continue;
		mnl_attr_parse_nested(a, result_cb, r);
		if (r[0] >= 0 && r[0] < b->n)
			b->e[r[0]].err = (int)r[1];
	}
	return MNL_CB_OK;
}

int vqsim_nl_coal_set_batch(struct vqsim_nl *h, struct vqsim_coal_entry *e, uint32_t n, bool partial, uint32_t *applied)
{
	size_t size = MNL_NLMSG_HDRLEN + 64 + (size_t)n * 96;
	struct batch_answer b = {e, n, 0};
	struct nlattr *list, *ent;
	struct nlmsghdr *nlh;
	char *buf;
	uint32_t i;
	int err;

	buf = malloc(size);
	if (!buf)
		return -ENOMEM;
	nlh = put_hdr(h, buf, h->family, VQSIM_CMD_COAL_SET_BATCH, 0);
	if (partial)
		mnl_attr_put(nlh, VQSIM_A_BATCH_PARTIAL, 0, NULL);
	list = mnl_attr_nest_start(nlh, VQSIM_A_BATCH);
	for (i = 0; i < n; i++) {
		e[i].err = 0;
		ent = mnl_attr_nest_start(nlh, VQSIM_A_BATCH_ENTRY);
		mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, e[i].dev);
		mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, e[i].queue);
		mnl_attr_put_u32(nlh, VQSIM_A_COAL_USECS, e[i].usecs);
		mnl_attr_put_u32(nlh, VQSIM_A_COAL_PACKETS, e[i].packets);
		mnl_attr_nest_end(nlh, ent);
	}
	mnl_attr_nest_end(nlh, list);
	err = transact(h, nlh, batch_msg_cb, &b);
	free(buf);
	if (applied)
		*applied = b.applied;
	return err;
}

int vqsim_nl_traffic_set(struct vqsim_nl *h, const char *dev, uint32_t queue, const struct vqsim_traffic *t,
			 unsigned int has)
{
	char buf[512];
	struct nlmsghdr *nlh = put_queue(h, buf, VQSIM_CMD_TRAFFIC_SET, dev, queue);

	mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_STATE, t->state);
	if (has & VQSIM_TRAFFIC_HAS_RATE)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_RATE, t->rate);
	if (has & VQSIM_TRAFFIC_HAS_SIZE)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_SIZE, t->size);
	if (has & VQSIM_TRAFFIC_HAS_BURST)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_BURST, t->burst);
	if (has & VQSIM_TRAFFIC_HAS_PATTERN)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_PATTERN, t->pattern);
	if (has & VQSIM_TRAFFIC_HAS_ON)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_ON_USECS, t->on_usecs);
	if (has & VQSIM_TRAFFIC_HAS_OFF)
		mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_OFF_USECS, t->off_usecs);
	return transact(h, nlh, NULL, NULL);
}

/* ---- events ---- */

int vqsim_nl_events_open(struct vqsim_nl *h)
{
	int err = vqsim_nl_open(h), fd, rcvbuf = 4 << 20;

	if (err)
		return err;
	if (!h->events_group) {
		snprintf(h->err, sizeof(h->err), "the vqsim family has no '%s' group", VQSIM_MCGRP_EVENTS);
		vqsim_nl_close(h);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(h->sock, NETLINK_ADD_MEMBERSHIP, &h->events_group, sizeof(h->events_group))) {
		err = -errno;
		snprintf(h->err, sizeof(h->err), "joining '%s': %s", VQSIM_MCGRP_EVENTS, strerror(errno));
		vqsim_nl_close(h);
		return err;
	}
	/* room for a whole batch's notifications; an overrun is reported, not hidden */
	fd = mnl_socket_get_fd(h->sock);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return 0;
}

static int event_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != ((struct queue_walk *)data)->family || g->cmd != VQSIM_CMD_COAL_NTF)
		return MNL_CB_OK;
	return queue_msg_cb(nlh, data);
}

int vqsim_nl_events_read(struct vqsim_nl *h, vqsim_queue_cb cb, void *arg)
{
	struct queue_walk w = {.cb = cb, .arg = arg, .family = h->family};
	int fd = mnl_socket_get_fd(h->sock);
	bool lost = false;
	ssize_t n;

	for (;;) {
		n = recv(fd, h->buf, VQSIM_NL_BUF, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == ENOBUFS) { /* the socket overran: some were dropped */
				lost = true;
				continue;
			}
			snprintf(h->err, sizeof(h->err), "events: %s", strerror(errno));
			return -errno;
		}
		if (mnl_cb_run(h->buf, n, 0, 0, event_msg_cb, &w) < 0) {
			snprintf(h->err, sizeof(h->err), "events: a malformed message: %s", strerror(errno));
			return -EBADMSG;
		}
	}
	if (lost)
		snprintf(h->err, sizeof(h->err), "events: notifications were lost (the socket overran)");
	return lost ? -ENOBUFS : 0;
}
