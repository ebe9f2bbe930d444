// SPDX-License-Identifier: GPL-2.0
/*
 * The controller of vqmod run: every tick the collector's counters become
 * one sample per queue, the engine decides, and the actuator applies the
 * tick's changes in one batch. The devices' original coalescing goes on disk
 * before the first change, and back on the devices at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/array.h"
#include "core/clock.h"
#include "monitor/collector.h"
#include "run.h"
#include "show/prom.h"

/* The engine's own memory, from libc: the engine links with no allocator. */
static void *libc_resize(void *ctx, void *ptr, size_t size)
{
	(void)ctx;
	if (!size) {
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static const struct engine_alloc libc_alloc = {.resize = libc_resize};

int controller_init(struct controller *ctl, const struct run_opts *o)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->o = o;
	restore_init(&ctl->restore, o->state_path);
	modstate_init(&ctl->published);
	vq_snapshot_init(&ctl->exported);
	snprintf(ctl->published_path, sizeof(ctl->published_path), "%s", MODSTATE_DEFAULT_PATH);
	if (o->state_path) /* beside a restore record of its own */
		snprintf(ctl->published_path, sizeof(ctl->published_path), "%s.moderation", o->state_path);
	ctl->engine = engine_new(&o->engine, &libc_alloc);
	if (!ctl->engine)
		return -errno;
	return 0;
}

void controller_free(struct controller *ctl)
{
	for (size_t i = 0; i < ctl->nq; i++)
		free(ctl->q[i]);
	free(ctl->q);
	free(ctl->batch);
	free(ctl->batch_queue);
	free(ctl->batch_reason);
	engine_free(ctl->engine);
	vq_snapshot_free(&ctl->exported);
	vq_period_free(&ctl->period);
	modstate_free(&ctl->published);
	restore_free(&ctl->restore);
	ctl->q = NULL;
	ctl->engine = NULL;
}

/* The monitor's generation names an identity, and no other. */
static __u64 engine_id(const struct vq_key *k)
{
	return k->gen;
}

/* A VM's queues share its part of the interrupt budget; the host's, their device's. */
static __u32 budget_group(const struct vq_ident *id)
{
	if (id->vm.pid)
		return 1U << 31 | (__u32)id->vm.pid;
	return (__u32)id->key.source << 24 | (id->key.dev & 0xffffff);
}

/* Whether a --device or --weight name is this queue's: its device, its target or its VM. */
static bool names_queue(const char *name, size_t len, const struct vq_ident *id, const struct act_target *t)
{
	return (strlen(id->dev) == len && !strncmp(name, id->dev, len)) ||
	       (strlen(t->dev) == len && !strncmp(name, t->dev, len)) ||
	       (id->vm.name[0] && strlen(id->vm.name) == len && !strncmp(name, id->vm.name, len));
}

/* The weight --weight gives the queue's group, if any. */
static int group_weight(struct controller *ctl, const struct vq_ident *id, const struct act_target *t, __u32 group)
{
	for (size_t i = 0; i < ctl->o->nweights; i++) {
		const struct run_weight *w = &ctl->o->weights[i];

		if (names_queue(w->name, w->len, id, t))
			return engine_group_weight(ctl->engine, group, w->weight);
	}
	return 0;
}

static bool wanted(const struct run_opts *o, const struct vq_ident *id)
{
	char index[16];

	if (id->type != VQ_TYPE_RX && id->type != VQ_TYPE_TX)
		return false;
	if (!o->queue)
		return true;
	snprintf(index, sizeof(index), "%u", id->key.queue);
	return !strcmp(o->queue, id->queue) || !strcmp(o->queue, index);
}

static int queue_cmp(const void *key, const void *entry)
{
	return vq_key_cmp(key, &(*(struct ctl_queue *const *)entry)->key);
}

/* Where the queue is in ctl->q, or would go (*found false). */
static size_t lookup(const struct controller *ctl, const struct vq_key *k, bool *found)
{
	return array_lower_bound(ctl->q, ctl->nq, sizeof(*ctl->q), k, queue_cmp, found);
}

static struct ctl_queue *find(const struct controller *ctl, const struct vq_key *k)
{
	bool found;
	size_t i = lookup(ctl, k, &found);

	return found ? ctl->q[i] : NULL;
}

/* A new entry for a queue seen for the first time; NULL when out of memory. */
static struct ctl_queue *new_queue(struct controller *ctl, const struct vq_key *k)
{
	struct ctl_queue **q = array_grow(ctl->q, &ctl->q_cap, ctl->nq + 1, sizeof(*q)), *e;
	bool found;
	size_t i;

	if (!q)
		return NULL;
	ctl->q = q;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = *k;
	i = lookup(ctl, k, &found);
	memmove(&ctl->q[i + 1], &ctl->q[i], (ctl->nq - i) * sizeof(*ctl->q));
	ctl->q[i] = e;
	ctl->nq++;
	return e;
}

/* A queue seen for the first time: where it is set, and what it has now. */
static struct ctl_queue *adopt(struct controller *ctl, const struct vq_ident *id)
{
	struct ctl_queue *q = new_queue(ctl, &id->key);
	struct engine_queue_config qc = {
	    .kind = id->type == VQ_TYPE_TX ? ENGINE_QUEUE_TX : ENGINE_QUEUE_RX,
	    .group = budget_group(id),
	    .weight = 1,
	};
	bool ethtool = !strcmp(ctl->act.ops->name, "ethtool");

	if (!q)
		return NULL;
	if (ctl->act.ops->target_of(&ctl->act, id, &q->target))
		goto unsettable;
	if (ctl->o->device && !names_queue(ctl->o->device, strlen(ctl->o->device), id, &q->target))
		return q; /* filtered out: known, never set */
	if (ctl->act.ops->get(&ctl->act, &q->target, &q->current)) {
		fprintf(stderr, "vqmod run: %s %s: %s; not moderated\n", id->dev, id->queue, ctl->act.err);
		goto unsettable;
	}
	/* two controllers of one queue would undo each other's work */
	if (q->current.adaptive) {
		fprintf(stderr,
			"vqmod run: %s %s: the driver's own adaptive moderation is on and would fight vqmod "
			"(ethtool -C %s adaptive-%s off); not moderated\n",
			id->dev, id->queue, q->target.dev, q->target.tx ? "tx" : "rx");
		goto unsettable;
	}
	q->original = q->current;
	if (group_weight(ctl, id, &q->target, qc.group) || engine_queue_add(ctl->engine, engine_id(&q->key), &qc))
		goto unsettable;
	q->settable = true;
	q->shown = modstate_queue(&ctl->published, id->dev, id->key.queue);
	if (q->shown) {
		q->shown->m.coalesce_known = true;
		q->shown->m.usecs = q->current.usecs;
		q->shown->m.frames = q->current.frames;
		snprintf(q->shown->m.state, sizeof(q->shown->m.state), "start");
	}
	fprintf(stderr, "vqmod run: moderating %s %s (%s %s queue %u%s), now %u us, %u frames\n", id->dev, id->queue,
		ctl->act.ops->name, q->target.dev, q->target.queue, ethtool ? (q->target.tx ? " tx" : " rx") : "",
		q->current.usecs, q->current.frames);
	return q;
unsettable:
	if (ctl->o->verbose)
		fprintf(stderr, "vqmod run: %s %s: not settable with %s\n", id->dev, id->queue, ctl->act.ops->name);
	return q;
}

/*
 * Queues the monitor no longer has (their device went, or they idled past the
 * timeout) leave the engine too. Their original stays in the restore record:
 * a queue that idled still has the setting vqmod gave it.
 */
static void forget_vanished(struct controller *ctl)
{
	size_t kept = 0;

	for (size_t i = 0; i < ctl->nq; i++) {
		struct ctl_queue *q = ctl->q[i];

		if (q->seen == ctl->tick) {
			ctl->q[kept++] = q;
			continue;
		}
		if (q->settable)
			engine_queue_remove(ctl->engine, engine_id(&q->key));
		if (q->shown) {
			modstate_forget(&ctl->published, q->shown);
			ctl->republish = true;
		}
		free(q);
	}
	ctl->nq = kept;
}

/* Room for n settings in the tick's batch. */
static int batch_reserve(struct controller *ctl, size_t n)
{
	size_t cap = ctl->batch_cap, c1 = cap, c2 = cap;
	struct act_setting *b = array_grow(ctl->batch, &cap, n, sizeof(*b));
	struct ctl_queue **bq;
	char(*br)[24];

	if (!b)
		return -ENOMEM;
	ctl->batch = b;
	bq = array_grow(ctl->batch_queue, &c1, n, sizeof(*bq));
	if (!bq)
		return -ENOMEM;
	ctl->batch_queue = bq;
	br = array_grow(ctl->batch_reason, &c2, n, sizeof(*br));
	if (!br)
		return -ENOMEM;
	ctl->batch_reason = br;
	ctl->batch_cap = cap;
	return 0;
}

/* One period: a decision per moderated queue, then one batch to the device. */
static int control(struct controller *ctl, const struct vq_period *p)
{
	struct engine_sample es = {.period_ns = p->end_ns - p->start_ns}; /* no histogram: not zeroed each time */
	size_t nb = 0, j = 0;
	int err;

	ctl->tick++;
	/* the period and ctl->q are both in key order: one walk, no search */
	for (size_t i = 0; i < p->n; i++) {
		const struct vq_sample *s = &p->s[i];
		struct engine_coal cur;
		struct engine_decision d;
		struct ctl_queue *q;

		if (!wanted(ctl->o, s->id))
			continue;
		while (j < ctl->nq && vq_key_cmp(&ctl->q[j]->key, &s->id->key) < 0)
			j++;
		if (j < ctl->nq && !vq_key_cmp(&ctl->q[j]->key, &s->id->key))
			q = ctl->q[j];
		else if (!(q = adopt(ctl, s->id))) /* in at j */
			return -ENOMEM;
		j++;
		q->seen = ctl->tick;
		es.events = s->delta.irqs;
		es.packets = s->delta.packets;
		es.bytes = s->delta.bytes;
		es.flags = s->reset ? ENGINE_SAMPLE_RESET : 0;
		if (!q->settable)
			continue;
		cur.usecs = q->current.usecs;
		cur.frames = q->current.frames;
		if (engine_decide(ctl->engine, engine_id(&q->key), &es, &cur, &d))
			continue;
		/* a judged window is a decision; the engine may also ask for a change without one (start, resync) */
		if (d.judged) {
			ctl->decisions++;
			q->decisions++;
		}
		if (d.change || (d.judged && ctl->o->verbose))
			run_log_decision(ctl, s->id, q, &d);
		if (!d.change)
			continue;
		if (!q->changed && strcmp(ctl->act.ops->name, "dry-run")) {
			/* the original goes on disk before the first change */
			err = restore_record(&ctl->restore, ctl->act.ops->name, &q->target, &q->original);
			if (err) {
				snprintf(ctl->err, sizeof(ctl->err), "cannot write %s: %s", ctl->restore.path,
					 strerror(-err));
				return err;
			}
			q->changed = true;
		}
		if (batch_reserve(ctl, nb + 1))
			return -ENOMEM;
		ctl->batch[nb] = (struct act_setting){.target = q->target, .coal = {d.next.usecs, d.next.frames}};
		snprintf(ctl->batch_reason[nb], sizeof(ctl->batch_reason[0]), "%s", engine_reason_name(d.reason));
		ctl->batch_queue[nb++] = q;
	}
	fflush(stdout);
	forget_vanished(ctl);
	if (!nb)
		return 0;
	ctl->act.ops->set(&ctl->act, ctl->batch, nb);
	ctl->republish = true;
	for (size_t i = 0; i < nb; i++) {
		struct ctl_queue *q = ctl->batch_queue[i];

		if (!ctl->batch[i].err) {
			run_publish_decision(q, &ctl->batch[i].coal, ctl->batch_reason[i]);
			q->current = ctl->batch[i].coal;
			ctl->changes++;
			continue;
		}
		ctl->failures++;
		fprintf(stderr, "vqmod run: setting %s queue %u: %s\n", q->target.dev, q->target.queue, ctl->act.err);
		if (ctl->batch[i].err == -ENODEV) { /* the device went away: so did its setting */
			engine_queue_remove(ctl->engine, engine_id(&q->key));
			restore_forget(&ctl->restore, ctl->act.ops->name, &q->target);
			q->settable = false;
		}
	}
	return 0;
}

/* The period with each queue's moderation, to the Prometheus exporters. */
static int publish(struct controller *ctl, const struct vq_period *p, const struct vq_snapshot *snap)
{
	const struct vq_sample **shown = calloc(p->n + 1, sizeof(*shown));
	const struct vq_moderation **modp = calloc(p->n + 1, sizeof(*modp));
	struct vq_moderation *mod = calloc(p->n + 1, sizeof(*mod));
	struct monitor_health health;
	struct controller_stats stats = {ctl->decisions, ctl->changes, ctl->failures};
	struct vq_sample total;
	struct report r = {.period = p,
			   .shown = shown,
			   .nshown = p->n,
			   .total = &total,
			   .hooks = ctl->hooks,
			   .nhooks = ctl->nhooks,
			   .controller = ctl->act.ops->name,
			   .ctl = &stats};
	int err = -ENOMEM;

	if (!shown || !modp || !mod)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		const struct ctl_queue *q = find(ctl, &p->s[i].id->key);

		shown[i] = &p->s[i];
		modp[i] = &mod[i];
		if (!q || !q->settable)
			continue;
		mod[i].coalesce_known = true;
		mod[i].usecs = q->current.usecs;
		mod[i].frames = q->current.frames;
		mod[i].decisions = q->decisions;
		snprintf(mod[i].state, sizeof(mod[i].state), "moderated");
	}
	vq_sample_sum(shown, p->n, p->seconds, &total);
	r.mod = modp;
	if (ctl->col) {
		collector_health(ctl->col, &health);
		r.health = &health;
	}
	r.wallclock = clock_wall();
	err = prom_publish(&r, snap, ctl->o->prom_file, ctl->httpd, ctl->err, sizeof(ctl->err));
out:
	free(shown);
	free(modp);
	free(mod);
	return err;
}

/*
 * The exporters and the state top reads keep their own cadence, not the
 * tick's: a textfile, a scrape and a person need a second, not 10 ms. Rates
 * are over the time since the last export.
 */
static int export(struct controller *ctl, const struct vq_snapshot *cur)
{
	struct vq_period p;
	int err = 0;

	ctl->exported_ns = cur->time_ns;
	if (ctl->republish || ctl->published.n != ctl->published_n) {
		modstate_write(ctl->published_path, &ctl->published); /* a courtesy to top: best effort */
		ctl->republish = false;
		ctl->published_n = ctl->published.n;
	}
	if (!ctl->o->prom_file && !ctl->httpd)
		return 0;
	err = vq_period_build(ctl->exported.n ? &ctl->exported : NULL, cur, &p);
	if (err)
		return err;
	err = publish(ctl, &p, cur);
	vq_period_free(&p);
	return err ?: vq_snapshot_copy(&ctl->exported, cur);
}

void controller_restore_leftovers(struct controller *ctl)
{
	struct restore old;

	restore_init(&old, ctl->restore.path);
	if (!restore_load(&old) && old.n) {
		fprintf(stderr, "vqmod run: %s holds settings a previous run did not restore; restoring\n", old.path);
		restore_apply(&old, &ctl->act, stderr);
	}
	restore_free(&old);
}

int controller_tick(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur)
{
	struct controller *ctl = arg;
	int err;

	if (!prev) /* the first read: nothing to decide on yet */
		return 0;
	err = vq_period_rebuild(prev, cur, &ctl->period);
	if (err)
		return err;
	err = control(ctl, &ctl->period);
	if (!err && cur->time_ns - ctl->exported_ns >= ctl->o->export_interval_ns)
		err = export(ctl, cur);
	return err;
}
