// SPDX-License-Identifier: GPL-2.0
/* The vqsim actuator: the host sets each virtqueue through the vqsim family. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "actuator.h"
#include "core/array.h"
#include "vqsim_nl.h"

struct vqsim_act {
	struct vqsim_nl nl;
	struct vqsim_coal_entry *batch;
	bool *ours; /* per batch entry: its own notification was seen */
	size_t cap;
	/* the events group: others' changes, kept until changes() takes them */
	struct vqsim_nl ev;
	bool listening, lost;
	struct act_change *others;
	size_t nothers, others_cap;
	size_t nbatch; /* the batch just applied, while its notifications drain */
};

static const char *source_name(uint32_t source)
{
	switch (source) {
	case VQSIM_COAL_SRC_RESET:
		return "a device reset";
	case VQSIM_COAL_SRC_NETLINK:
		return "netlink";
	case VQSIM_COAL_SRC_CVQ:
		return "the driver (cvq)";
	}
	return "an unknown source";
}

/* A notification of the batch just applied, by value: each entry matches once. */
static bool ours(struct vqsim_act *v, const struct vqsim_queue_info *q)
{
	if (q->coal.source != VQSIM_COAL_SRC_NETLINK)
		return false;
	for (size_t i = 0; i < v->nbatch; i++) {
		const struct vqsim_coal_entry *e = &v->batch[i];

		if (!v->ours[i] && e->queue == q->queue && e->usecs == q->coal.usecs &&
		    e->packets == q->coal.packets && !strcmp(e->dev, q->dev))
			return v->ours[i] = true;
	}
	return false;
}

static int note_event(const struct vqsim_queue_info *q, void *arg)
{
	struct vqsim_act *v = arg;
	struct act_change *c;

	if (ours(v, q))
		return 0;
	c = array_grow(v->others, &v->others_cap, v->nothers + 1, sizeof(*c));
	if (!c) { /* not kept: the same as lost */
		v->lost = true;
		return 0;
	}
	v->others = c;
	c = &v->others[v->nothers++];
	memset(c, 0, sizeof(*c));
	snprintf(c->target.dev, sizeof(c->target.dev), "%s", q->dev);
	c->target.queue = q->queue;
	c->coal.usecs = q->coal.usecs;
	c->coal.frames = q->coal.packets;
	c->by = source_name(q->coal.source);
	c->reset = q->coal.source == VQSIM_COAL_SRC_RESET;
	return 0;
}

static void drain_events(struct vqsim_act *v)
{
	if (v->listening && vqsim_nl_events_read(&v->ev, note_event, v) == -ENOBUFS)
		v->lost = true;
}

static int vqsim_open(struct actuator *a)
{
	struct vqsim_act *v = calloc(1, sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	err = vqsim_nl_open(&v->nl);
	if (err) {
		snprintf(a->err, sizeof(a->err), "cannot reach the vqsim family: %s",
			 err == -ENOENT ? "the vqsim module is not loaded" : strerror(-err));
		free(v);
		return err;
	}
	/* without the group, the controller reads the queues back instead */
	v->listening = !vqsim_nl_events_open(&v->ev);
	a->priv = v;
	return 0;
}

struct find_virtio {
	int index;
	char name[VQSIM_DEV_NAME_LEN];
};

static int match_virtio(const struct vqsim_dev_info *d, void *arg)
{
	struct find_virtio *f = arg;

	if (d->virtio_index == f->index)
		snprintf(f->name, sizeof(f->name), "%s", d->name);
	return 0;
}

/*
 * virtioN is a vqsim device's when vqsim says it bound that index. A VM's
 * queue on vhost-vdpa is its backend's: the VM's virtqueue index is vqsim's.
 */
static int vqsim_target_of(struct actuator *a, const struct vq_ident *id, struct act_target *t)
{
	struct vqsim_act *v = a->priv;
	struct find_virtio f = {.index = -1};
	struct vqsim_dev_info d;
	int err;

	if (id->key.source == VQ_SRC_VHOST_VDPA && id->backend[0]) {
		if (vqsim_nl_dev_get(&v->nl, id->backend, &d))
			return -ENOENT; /* another vDPA device's */
		memset(t, 0, sizeof(*t));
		snprintf(t->dev, sizeof(t->dev), "%s", id->backend);
		t->queue = id->key.queue;
		return 0;
	}
	if (id->key.source != VQ_SRC_VIRTIO || sscanf(id->dev, "virtio%d", &f.index) != 1)
		return -ENOENT;
	err = vqsim_nl_dev_dump(&v->nl, match_virtio, &f);
	if (err) {
		snprintf(a->err, sizeof(a->err), "vqsim device dump: %s", vqsim_nl_error(&v->nl));
		return err;
	}
	if (!f.name[0])
		return -ENOENT;
	memset(t, 0, sizeof(*t));
	snprintf(t->dev, sizeof(t->dev), "%s", f.name);
	t->queue = id->key.queue;
	return 0;
}

static int vqsim_get(struct actuator *a, const struct act_target *t, struct coalesce *c)
{
	struct vqsim_act *v = a->priv;
	struct vqsim_coal cur;
	int err = vqsim_nl_coal_get(&v->nl, t->dev, t->queue, &cur);

	if (err) {
		snprintf(a->err, sizeof(a->err), "%s queue %u: %s", t->dev, t->queue, vqsim_nl_error(&v->nl));
		return err;
	}
	c->usecs = cur.usecs;
	c->frames = cur.packets;
	c->adaptive = false;
	return 0;
}

/* One message for the whole tick: all or nothing, with each refusal's reason. */
static int vqsim_set(struct actuator *a, struct act_setting *s, size_t n)
{
	struct vqsim_act *v = a->priv;
	int err;

	drain_events(v); /* others' changes before this batch are not ours */
	if (n > v->cap) {
		struct vqsim_coal_entry *b = realloc(v->batch, n * sizeof(*b));
		bool *o;

		if (!b)
			return -ENOMEM;
		v->batch = b;
		o = realloc(v->ours, n * sizeof(*o));
		if (!o)
			return -ENOMEM;
		v->ours = o;
		v->cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		v->batch[i] = (struct vqsim_coal_entry){
		    .dev = s[i].target.dev,
		    .queue = s[i].target.queue,
		    .usecs = s[i].coal.usecs,
		    .packets = s[i].coal.frames,
		};
	}
	err = vqsim_nl_coal_set_batch(&v->nl, v->batch, n, false, NULL);
	for (size_t i = 0; i < n; i++)
		s[i].err = err ? (v->batch[i].err ?: err) : 0;
	if (!err) { /* vqsim notified before its ack: every notification of ours is in by now */
		memset(v->ours, 0, n * sizeof(*v->ours));
		v->nbatch = n;
		drain_events(v);
		v->nbatch = 0;
	}
	if (err)
		snprintf(a->err, sizeof(a->err), "%s", vqsim_nl_error(&v->nl));
	return err;
}

static int vqsim_changes(struct actuator *a, act_change_cb cb, void *arg)
{
	struct vqsim_act *v = a->priv;
	bool lost;

	if (!v->listening)
		return -ENOBUFS; /* nothing heard: the caller reads back */
	drain_events(v);
	for (size_t i = 0; i < v->nothers; i++)
		cb(arg, &v->others[i]);
	v->nothers = 0;
	lost = v->lost;
	v->lost = false;
	if (lost)
		snprintf(a->err, sizeof(a->err), "%s", vqsim_nl_error(&v->ev));
	return lost ? -ENOBUFS : 0;
}

/* The queues of one device, by index: the run of an order sorted by device, then queue. */
struct figures_walk {
	const struct act_target *t;
	struct act_figures *f;
	const size_t *order; /* into t and f */
	size_t n;
};

static int figures_of_queue(const struct vqsim_queue_info *q, void *arg)
{
	struct figures_walk *w = arg;
	size_t lo = 0, hi = w->n;

	while (lo < hi) { /* the first of the run at or above q->queue */
		size_t mid = lo + (hi - lo) / 2;

		if (w->t[w->order[mid]].queue < q->queue)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->n && w->t[w->order[lo]].queue == q->queue; lo++) {
		struct act_figures *f = &w->f[w->order[lo]];

		f->ring_size = q->ring_size;
		f->has_counts = true;
		f->drops = q->drops;
		f->packets = q->packets;
		f->bytes = q->bytes;
		memcpy(f->pending_hist, q->pending_hist, sizeof(f->pending_hist));
		f->has_delay = true;
		memcpy(f->delay_hist, q->delay_hist_ll, sizeof(f->delay_hist));
	}
	return 0;
}

static int by_device_then_queue(const void *a, const void *b, void *targets)
{
	const struct act_target *t = targets, *x = &t[*(const size_t *)a], *y = &t[*(const size_t *)b];
	int c = strcmp(x->dev, y->dev);

	return c ?: (x->queue > y->queue) - (x->queue < y->queue);
}

/* One STATS_GET dump per device, whatever the number of its queues asked. */
static int vqsim_figures(struct actuator *a, const struct act_target *t, struct act_figures *f, size_t n)
{
	struct vqsim_act *v = a->priv;
	size_t *order = malloc((n ?: 1) * sizeof(*order));
	int err = 0;

	if (!order)
		return -ENOMEM;
	memset(f, 0, n * sizeof(*f));
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), by_device_then_queue, (void *)t);
	for (size_t i = 0, end; i < n; i = end) {
		struct figures_walk w = {.t = t, .f = f, .order = order + i};
		int e;

		for (end = i + 1; end < n && !strcmp(t[order[end]].dev, t[order[i]].dev); end++)
			;
		w.n = end - i;
		e = vqsim_nl_stats_dump(&v->nl, t[order[i]].dev, figures_of_queue, &w);
		if (e && e != -ENODEV && !err) { /* a device gone leaves its queues zeroed */
			snprintf(a->err, sizeof(a->err), "%s stats: %s", t[order[i]].dev, vqsim_nl_error(&v->nl));
			err = e;
		}
	}
	free(order);
	return err;
}

static void vqsim_close(struct actuator *a)
{
	struct vqsim_act *v = a->priv;

	if (!v)
		return;
	vqsim_nl_close(&v->nl);
	if (v->listening)
		vqsim_nl_close(&v->ev);
	free(v->others);
	free(v->ours);
	free(v->batch);
	free(v);
	a->priv = NULL;
}

const struct actuator_ops act_vqsim_ops = {
    .name = "vqsim",
    .open = vqsim_open,
    .target_of = vqsim_target_of,
    .get = vqsim_get,
    .set = vqsim_set,
    .changes = vqsim_changes,
    .figures = vqsim_figures,
    .close = vqsim_close,
};
