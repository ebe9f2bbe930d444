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
	claims_init(&ctl->claims);
	modstate_init(&ctl->published);
	vq_snapshot_init(&ctl->exported);
	snprintf(ctl->published_path, sizeof(ctl->published_path), "%s", MODSTATE_DEFAULT_PATH);
	if (o->state_path) /* beside a restore record of its own */
		snprintf(ctl->published_path, sizeof(ctl->published_path), "%s.moderation", o->state_path);
	ctl->export_interval_ns = o->export_interval_ns;
	pace_init(&ctl->export_pace, "export", "--export-interval", o->export_interval_ns / 1e9);
	ctl->engine = engine_new(&o->engine, &libc_alloc);
	if (!ctl->engine)
		return -errno;
	return 0;
}

void controller_free(struct controller *ctl)
{
	for (size_t i = 0; i < ctl->nq; i++) {
		vq_ident_put(ctl->q[i]->id);
		free(ctl->q[i]->figures);
		free(ctl->q[i]);
	}
	free(ctl->fig_target);
	free(ctl->fig_now);
	free(ctl->q);
	claims_free(&ctl->claims);
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
static struct ctl_queue *new_queue(struct controller *ctl, struct vq_ident *id)
{
	const struct vq_key *k = &id->key;
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
	e->id = vq_ident_get(id);
	i = lookup(ctl, k, &found);
	memmove(&ctl->q[i + 1], &ctl->q[i], (ctl->nq - i) * sizeof(*ctl->q));
	ctl->q[i] = e;
	ctl->nq++;
	return e;
}

/*
 * One run sets a device: a claim per device, held until exit. Another run's
 * device is left to it, said once; for a run given that --device, it is the
 * end (-EBUSY, with ctl->err).
 */
static int claim(struct controller *ctl, const struct ctl_queue *q)
{
	pid_t holder;
	int err;

	if (!strcmp(ctl->act.ops->name, "dry-run")) /* sets nothing */
		return 0;
	err = claim_device(&ctl->claims, ctl->act.ops->name, q->target.dev, &holder);
	if (!err)
		return 0;
	if (err == -EBUSY && ctl->o->device) {
		snprintf(ctl->err, sizeof(ctl->err),
			 "%s is already moderated by another vqmod run (pid %d); one run sets a device", q->target.dev,
			 (int)holder);
		return err;
	}
	if (strcmp(ctl->refused_dev, q->target.dev)) {
		snprintf(ctl->refused_dev, sizeof(ctl->refused_dev), "%s", q->target.dev);
		if (err == -EBUSY)
			fprintf(stderr, "vqmod run: %s is moderated by another vqmod run (pid %d); left to it\n",
				q->target.dev, (int)holder);
		else
			fprintf(stderr, "vqmod run: %s: cannot claim it under %s: %s; not moderated\n", q->target.dev,
				CLAIM_DIR, strerror(-err));
	}
	return 1;
}

/* A queue seen for the first time: where it is set, and what it has now. */
static struct ctl_queue *adopt(struct controller *ctl, struct vq_ident *id, int *err)
{
	struct ctl_queue *q = new_queue(ctl, id);
	struct engine_queue_config qc = {
	    .kind = id->type == VQ_TYPE_TX ? ENGINE_QUEUE_TX : ENGINE_QUEUE_RX,
	    .group = budget_group(id),
	    .weight = 1,
	};
	bool ethtool = !strcmp(ctl->act.ops->name, "ethtool");

	if (!q)
		return NULL;
	if (id->key.source == VQ_SRC_VHOST && !ctl->said_vhost_net) {
		ctl->said_vhost_net = true; /* once: a host of VMs has many such queues */
		fprintf(stderr,
			"vqmod run: VMs on vhost-net (%s%s%s) are monitored only: vhost-net has no device coalescing to "
			"set\n",
			id->vm.name[0] ? id->vm.name : "a VM", id->dev[0] ? ", " : "", id->dev);
	}
	if (ctl->act.ops->target_of(&ctl->act, id, &q->target))
		goto unsettable;
	if (ctl->o->device && !names_queue(ctl->o->device, strlen(ctl->o->device), id, &q->target))
		return q; /* filtered out: known, never set */
	ctl->matched = true;
	*err = claim(ctl, q);
	if (*err)
		return *err < 0 ? NULL : (*err = 0, q);
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
		vq_ident_put(q->id);
		free(q->figures);
		free(q);
	}
	ctl->nq = kept;
}

/* A --device or --queue that matches nothing is said once, after this long. */
#define UNMATCHED_NS (5 * 1000000000ULL)

static void say_unmatched(struct controller *ctl, const struct vq_period *p)
{
	char seen[256] = "";
	size_t len = 0;

	ctl->unmatched_said = true;
	/* the devices it does see, to show a typo (the period is in key order: a device's queues together) */
	for (size_t i = 0; i < p->n && len < sizeof(seen) - 40; i++)
		if (!i || strcmp(p->s[i].id->dev, p->s[i - 1].id->dev))
			len += snprintf(seen + len, sizeof(seen) - len, "%s%s", len ? ", " : "", p->s[i].id->dev);
	fprintf(stderr, "vqmod run: %s%s%s%s%s has matched no rx or tx queue in %llu s (queues seen on: %s); waiting for it\n",
		ctl->o->device ? "--device " : "", ctl->o->device ?: "", ctl->o->device && ctl->o->queue ? " with " : "",
		ctl->o->queue ? "--queue " : "", ctl->o->queue ?: "", UNMATCHED_NS / 1000000000ULL, len ? seen : "none");
}

static bool coal_same(const struct coalesce *a, const struct coalesce *b)
{
	return a->usecs == b->usecs && a->frames == b->frames;
}

/*
 * Someone else set a moderated queue. Two controllers of one queue undo
 * each other's work, so vqmod yields it: it stops setting it, and leaves
 * their setting at exit. --take-back keeps it vqmod's; a device reset is
 * nobody's choice and is set again.
 */
static void set_by_other(struct controller *ctl, struct ctl_queue *q, const struct coalesce *now, const char *by,
			 bool reset)
{
	char text[160];

	if (coal_same(now, &q->current) && !now->adaptive)
		return; /* the same setting again: nothing to undo */
	if (reset || (ctl->o->take_back && !now->adaptive)) {
		snprintf(text, sizeof(text), "set by %s, not vqmod: %s", by,
			 reset ? "vqmod sets it again" : "vqmod takes it back (--take-back)");
		run_log_event(ctl, q, reset ? "reset" : "take-back", now, text);
		q->current = *now; /* the engine sees the device differ, and sets it again */
		return;
	}
	snprintf(text, sizeof(text), "set by %s, not vqmod: vqmod yields this queue and leaves it so%s", by,
		 now->adaptive ? " (the driver's adaptive moderation is on)" : " (--take-back keeps it)");
	run_log_event(ctl, q, "yield", now, text);
	fprintf(stderr, "vqmod run: %s %s (%s queue %u): %s\n", q->id->dev, q->id->queue, q->target.dev,
		q->target.queue, text);
	engine_queue_remove(ctl->engine, engine_id(&q->key));
	restore_forget(&ctl->restore, ctl->act.ops->name, &q->target); /* theirs now: not undone at exit */
	q->settable = false;
	q->yielded = true;
	q->current = *now;
	ctl->yields++;
	if (q->shown) {
		q->shown->m.usecs = now->usecs;
		q->shown->m.frames = now->frames;
		snprintf(q->shown->m.state, sizeof(q->shown->m.state), "yielded");
	}
	ctl->republish = true;
}

static void other_change(void *arg, const struct act_change *c)
{
	struct controller *ctl = arg;

	for (size_t i = 0; i < ctl->nq; i++) {
		struct ctl_queue *q = ctl->q[i];

		if (q->settable && q->target.queue == c->target.queue && q->target.tx == c->target.tx &&
		    !strcmp(q->target.dev, c->target.dev))
			set_by_other(ctl, q, &c->coal, c->by, c->reset);
	}
}

/* Each moderated queue's setting read from the device, against the one vqmod set. */
static void read_back(struct controller *ctl)
{
	struct coalesce now;

	for (size_t i = 0; i < ctl->nq; i++) {
		struct ctl_queue *q = ctl->q[i];

		if (q->settable && !ctl->act.ops->get(&ctl->act, &q->target, &now))
			set_by_other(ctl, q, &now, "someone else (read back)", false);
	}
}

/*
 * Changes by others: heard every tick where the device tells (vqsim's
 * COAL_NTF), read back where it does not (ethtool), or where some were
 * missed, on the export cadence.
 */
static void notice_others(struct controller *ctl, __u64 now_ns)
{
	int err = -ENOBUFS;

	if (ctl->act.ops->changes) {
		err = ctl->act.ops->changes(&ctl->act, other_change, ctl);
		if (err == -ENOBUFS)
			fprintf(stderr, "vqmod run: %s; reading every queue's coalescing back\n", ctl->act.err);
	} else if (now_ns - ctl->readback_ns < ctl->export_interval_ns) {
		return;
	}
	if (err == -ENOBUFS) {
		ctl->readback_ns = now_ns;
		read_back(ctl);
	}
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

/*
 * The device's own figures of every moderated queue, read once a tick
 * (one dump per vqsim device): the loss guard and the measured budget
 * judge each period by them. A failed read leaves the period without.
 */
static void read_figures(struct controller *ctl)
{
	size_t n = 0, cap = ctl->fig_cap, cap2 = ctl->fig_cap;
	struct act_target *t;
	struct act_figures *f;

	if (!ctl->act.ops->figures)
		return;
	t = array_grow(ctl->fig_target, &cap, ctl->nq, sizeof(*t));
	if (!t)
		return;
	ctl->fig_target = t;
	f = array_grow(ctl->fig_now, &cap2, ctl->nq, sizeof(*f));
	if (!f)
		return;
	ctl->fig_now = f;
	ctl->fig_cap = cap < cap2 ? cap : cap2;
	for (size_t i = 0; i < ctl->nq; i++) {
		struct ctl_queue *q = ctl->q[i];

		if (!q->settable)
			continue;
		q->figures_at = n;
		ctl->fig_target[n++] = q->target;
	}
	if (!n)
		return;
	if (ctl->act.ops->figures(&ctl->act, ctl->fig_target, ctl->fig_now, n)) {
		if (ctl->o->verbose)
			fprintf(stderr, "vqmod run: %s\n", ctl->act.err);
		return;
	}
	for (size_t i = 0; i < ctl->nq; i++)
		if (ctl->q[i]->settable)
			ctl->q[i]->figures_tick = ctl->tick;
}

/*
 * The period's share of the device's figures: the deltas since the last
 * read. False at the first read, which is only the baseline.
 */
static bool sample_figures(struct ctl_queue *q, const struct act_figures *now, struct engine_sample *es)
{
	const struct act_figures *was = q->figures;
	uint64_t d[DELAY_HIST_BUCKETS];

	es->ring_size = now->ring_size;
	if (was && now->has_counts && was->has_counts && now->drops >= was->drops &&
	    hist_delta(d, was->pending_hist, now->pending_hist, PENDING_HIST_BUCKETS)) {
		es->drops = now->drops - was->drops;
		es->pending_max = pending_hist_max(d, now->ring_size);
		/* a VM's queue on vhost-vdpa: the hooks see notifications, the device sees packets too */
		if (!es->packets && !es->bytes && now->packets >= was->packets && now->bytes >= was->bytes) {
			es->packets = now->packets - was->packets;
			es->bytes = now->bytes - was->bytes;
		}
	}
	/* a histogram that went back is another device of the same name: no delta this once */
	if (was && now->has_delay && was->has_delay && hist_delta(d, was->delay_hist, now->delay_hist, DELAY_HIST_BUCKETS)) {
		es->delay_count = delay_hist_total(d);
		es->delay_p99_ns = delay_hist_quantile_ns(d, 0.99);
		es->flags |= ENGINE_SAMPLE_DELAY;
	}
	if (!q->figures)
		q->figures = malloc(sizeof(*q->figures));
	if (q->figures)
		*q->figures = *now;
	return was || !q->figures; /* with no memory for a baseline, judged without the figures */
}

/* One period: a decision per moderated queue, then one batch to the device. */
static int control(struct controller *ctl, const struct vq_period *p)
{
	struct engine_sample es = {.period_ns = p->end_ns - p->start_ns};
	size_t nb = 0, j = 0, nseen = 0;
	int err = 0;

	ctl->tick++;
	if (!ctl->start_ns)
		ctl->start_ns = p->start_ns;
	notice_others(ctl, p->end_ns);
	read_figures(ctl);
	/* the period and ctl->q are both in key order: one walk, no search */
	for (size_t i = 0; i < p->n; i++) {
		const struct vq_sample *s = &p->s[i];
		struct engine_coal cur;
		struct engine_decision d;
		struct ctl_queue *q;

		/* each queue is on a heap line of its own: at 100k, ask for it a few queues ahead */
		if (j + 8 < ctl->nq) {
			__builtin_prefetch(ctl->q[j + 8]);
			__builtin_prefetch((char *)ctl->q[j + 8] + 63); /* malloc aligns to 16, not 64 */
		}
		/* the queue's own identity next in line: known and wanted, with no key to read */
		if (j < ctl->nq && ctl->q[j]->id == s->id) {
			q = ctl->q[j];
		} else {
			if (!wanted(ctl->o, s->id))
				continue;
			while (j < ctl->nq && vq_key_cmp(&ctl->q[j]->key, &s->id->key) < 0)
				j++;
			if (j < ctl->nq && !vq_key_cmp(&ctl->q[j]->key, &s->id->key))
				q = ctl->q[j];
			else if (!(q = adopt(ctl, s->id, &err))) /* in at j */
				return err ?: -ENOMEM;
		}
		j++;
		q->seen = ctl->tick;
		nseen++;
		es.events = s->delta.irqs;
		es.packets = s->delta.packets;
		es.bytes = s->delta.bytes;
		es.flags = s->reset ? ENGINE_SAMPLE_RESET : 0;
		if (!q->settable)
			continue;
		es.ring_size = es.pending_max = 0;
		es.drops = es.delay_p99_ns = es.delay_count = 0;
		/*
		 * Not before the device's baseline: a VM's queue on vhost-vdpa
		 * would be judged on notifications with no packets (0.24 packets
		 * per interrupt read as request/response), as its first window.
		 */
		if (q->figures_tick == ctl->tick && !sample_figures(q, &ctl->fig_now[q->figures_at], &es))
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
		/* a held move is said at its first hold, not at each window it stays held */
		if (d.change || (d.judged && ctl->o->verbose) || (d.held && d.held_count == 1))
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
	if (nseen != ctl->nq) /* a walk of every queue only when one went */
		forget_vanished(ctl);
	if (!ctl->matched && !ctl->unmatched_said && p->end_ns - ctl->start_ns >= UNMATCHED_NS)
		say_unmatched(ctl, p);
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
	struct controller_stats stats = {ctl->decisions, ctl->changes, ctl->failures, ctl->yields};
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
		if (!q || (!q->settable && !q->yielded))
			continue;
		mod[i].coalesce_known = true;
		mod[i].usecs = q->current.usecs;
		mod[i].frames = q->current.frames;
		mod[i].decisions = q->decisions;
		snprintf(mod[i].state, sizeof(mod[i].state), q->yielded ? "yielded" : "moderated");
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
	if (!err && cur->time_ns - ctl->exported_ns >= ctl->export_interval_ns) {
		double cpu = pace_cpu_now();

		err = export(ctl, cur);
		if (!ctl->o->export_given && pace_note(&ctl->export_pace, pace_cpu_now() - cpu, cur->n))
			ctl->export_interval_ns = ctl->export_pace.period_s * 1e9;
	}
	return err;
}
