// SPDX-License-Identifier: GPL-2.0
/* Deltas and rates between two snapshots of the per-queue counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "sample.h"

void vq_snapshot_init(struct vq_snapshot *snap)
{
	memset(snap, 0, sizeof(*snap));
}

void vq_snapshot_clear(struct vq_snapshot *snap)
{
	for (size_t i = 0; i < snap->n; i++)
		vq_ident_put(snap->q[i].id);
	snap->n = 0;
}

void vq_snapshot_free(struct vq_snapshot *snap)
{
	vq_snapshot_clear(snap);
	free(snap->q);
	vq_snapshot_init(snap);
}

int vq_snapshot_add(struct vq_snapshot *snap, struct vq_ident *id, const struct vq_counters *c)
{
	struct vq_entry *q = array_grow(snap->q, &snap->cap, snap->n + 1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	snap->q = q;
	snap->q[snap->n].id = vq_ident_get(id);
	snap->q[snap->n].c = *c;
	snap->n++;
	return 0;
}

int vq_snapshot_copy(struct vq_snapshot *dst, const struct vq_snapshot *src)
{
	struct vq_entry *q = array_grow(dst->q, &dst->cap, src->n, sizeof(*q));

	if (!q && src->n)
		return -ENOMEM;
	vq_snapshot_clear(dst);
	dst->q = q;
	for (size_t i = 0; i < src->n; i++) {
		dst->q[i] = src->q[i];
		vq_ident_get(dst->q[i].id);
	}
	dst->n = src->n;
	dst->time_ns = src->time_ns;
	return 0;
}

static int entry_cmp(const void *a, const void *b)
{
	return vq_key_cmp(&((const struct vq_entry *)a)->id->key, &((const struct vq_entry *)b)->id->key);
}

void vq_snapshot_sort(struct vq_snapshot *snap)
{
	if (snap->n)
		qsort(snap->q, snap->n, sizeof(*snap->q), entry_cmp);
}

static int key_cmp(const void *key, const void *entry)
{
	return vq_key_cmp(key, &((const struct vq_entry *)entry)->id->key);
}

const struct vq_entry *vq_snapshot_find(const struct vq_snapshot *snap, size_t n, const struct vq_key *key)
{
	bool found;
	size_t i = array_lower_bound(snap->q, n, sizeof(*snap->q), key, key_cmp, &found);

	return found ? &snap->q[i] : NULL;
}

/*
 * A counter below its previous value either wrapped past 2^64 or was reset
 * (map entry deleted and recreated, device re-added). A wrap lands just past
 * zero, within one period's worth of events; anything else is a reset.
 */
#define WRAP_WINDOW (1ULL << 48)

__u64 vq_counter_delta(__u64 prev, __u64 cur, bool *reset)
{
	if (cur >= prev)
		return cur - prev;
	if (cur - prev < WRAP_WINDOW) /* modular distance: a wrap */
		return cur - prev;
	*reset = true;
	return cur;
}

static void counters_delta(const struct vq_counters *prev, const struct vq_counters *cur, struct vq_counters *d,
			   bool *reset)
{
	bool r = false;

	d->irqs = vq_counter_delta(prev->irqs, cur->irqs, &r);
	d->spurious = vq_counter_delta(prev->spurious, cur->spurious, &r);
	d->packets = vq_counter_delta(prev->packets, cur->packets, &r);
	d->bytes = vq_counter_delta(prev->bytes, cur->bytes, &r);
	d->handler_ns = vq_counter_delta(prev->handler_ns, cur->handler_ns, &r);
	d->kicks = vq_counter_delta(prev->kicks, cur->kicks, &r);
	d->polls = vq_counter_delta(prev->polls, cur->polls, &r);
	if (r) /* one counter reset means all did: take cur whole */
		*d = *cur;
	d->gen = cur->gen;
	*reset = r;
}

static void sample_rates(struct vq_sample *s, double seconds)
{
	double hz = seconds > 0 ? 1 / seconds : 0; /* one division a period, not six a queue */

	s->irq_rate = s->delta.irqs * hz;
	s->spurious_rate = s->delta.spurious * hz;
	s->packet_rate = s->delta.packets * hz;
	s->byte_rate = s->delta.bytes * hz;
	s->kick_rate = s->delta.kicks * hz;
	s->poll_rate = s->delta.polls * hz;
	s->packets_per_irq = s->delta.irqs ? (double)s->delta.packets / s->delta.irqs : 0;
	s->avg_handler_ns = s->delta.irqs ? (double)s->delta.handler_ns / s->delta.irqs : 0;
}

static void total_add(struct vq_counters *t, const struct vq_counters *d)
{
	t->irqs += d->irqs;
	t->spurious += d->spurious;
	t->packets += d->packets;
	t->bytes += d->bytes;
	t->handler_ns += d->handler_ns;
	t->kicks += d->kicks;
	t->polls += d->polls;
}

void vq_sample_sum(const struct vq_sample *const *s, size_t n, double seconds, struct vq_sample *total)
{
	static struct vq_ident total_id = {.dev = "total", .queue = "", .driver = "", .refs = 1};

	memset(total, 0, sizeof(*total));
	total->id = &total_id;
	/* a sum of queues none of which counts packets counts none either */
	total->packets_unseen = n > 0;
	for (size_t i = 0; i < n; i++) {
		total_add(&total->delta, &s[i]->delta);
		total->packets_unseen &= s[i]->packets_unseen;
	}
	sample_rates(total, seconds);
}

int vq_period_build(const struct vq_snapshot *prev, const struct vq_snapshot *cur, struct vq_period *out)
{
	memset(out, 0, sizeof(*out));
	return vq_period_rebuild(prev, cur, out);
}

int vq_period_rebuild(const struct vq_snapshot *prev, const struct vq_snapshot *cur, struct vq_period *out)
{
	static const struct vq_snapshot empty;
	struct vq_sample *s = array_grow(out->s, &out->cap, cur->n ? cur->n : 1, sizeof(*s));
	size_t i = 0, j = 0;

	if (!s)
		return -ENOMEM;
	out->s = s;
	out->n = out->vanished = 0;
	out->start_ns = prev ? prev->time_ns : cur->time_ns;
	if (!prev)
		prev = &empty;
	out->end_ns = cur->time_ns;
	out->seconds = out->end_ns > out->start_ns ? (out->end_ns - out->start_ns) / 1e9 : 0;

	/* both snapshots are sorted by key: one merge pass */
	while (j < cur->n) {
		const struct vq_entry *c = &cur->q[j];

		s = &out->s[out->n];
		/* the same identity object in both: no key to read (at 100k queues, a cache miss each) */
		int cmp = i >= prev->n ? 1 : prev->q[i].id == c->id ? 0 : vq_key_cmp(&prev->q[i].id->key, &c->id->key);

		if (cmp < 0) {
			out->vanished++;
			i++;
			continue;
		}
		s->id = c->id;
		s->appeared = s->reset = false;
		s->irqs_unseen = !c->c.irqs && c->id->irq_bypass;
		s->packets_unseen = !vq_source_counts_packets(c->id->key.source);
		if (cmp == 0) {
			counters_delta(&prev->q[i].c, &c->c, &s->delta, &s->reset);
			i++;
		} else {
			s->delta = c->c;
			s->appeared = true;
		}
		sample_rates(s, out->seconds);
		out->n++;
		j++;
	}
	out->vanished += prev->n - i;
	return 0;
}

void vq_period_free(struct vq_period *p)
{
	free(p->s);
	memset(p, 0, sizeof(*p));
}
