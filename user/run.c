// SPDX-License-Identifier: GPL-2.0
/*
 * vqmod run: the onloaded moderation loop. Every tick the collector's
 * counters become one sample per queue, the engine decides, and the
 * actuator applies the changes in one batch. The devices' original
 * coalescing is put back on exit and kept on disk until then.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "actuator.h"
#include "cli.h"
#include "collector.h"
#include "commands.h"
#include "engine.h"
#include "errors.h"
#include "evloop.h"
#include "httpd.h"
#include "loader.h"
#include "output.h"
#include "prom.h"
#include "modstate.h"
#include "restore.h"

struct run_opts {
	const char *actuator;
	const char *device; /* monitored (virtioN) or target (vqsim0, eth1) name */
	const char *queue; /* name (input.0) or virtqueue index */
	unsigned int interval_ms;
	double duration; /* seconds; 0: until a signal */
	bool json, verbose;
	const char *state_path;
	const char *prom_file, *listen;
	struct engine_config engine;
	struct {
		__u32 dev, weight;
	} weights[16];
	size_t nweights;
	struct vqmon_opts mon;
};

/* One moderated queue: where it is set, what it has, what it had. */
struct ctl_queue {
	struct vq_key key;
	bool settable; /* false: not ours, or the device refused */
	bool changed; /* its original is in the restore record */
	struct act_target target;
	struct coalesce current, original;
	__u64 decisions;
	struct modstate_queue *shown; /* in the published state, or NULL */
};

struct controller {
	const struct run_opts *o;
	struct engine *engine;
	struct actuator act;
	struct restore restore;
	struct ctl_queue *q;
	size_t nq;
	struct act_setting *batch;
	size_t *batch_queue; /* batch entry -> index in q */
	char (*batch_reason)[24];
	bool republish; /* the published state changed */
	size_t published_n;
	__u64 decisions, changes, failures;
	struct httpd *httpd;
	struct modstate published; /* for vqmod top, beside the restore record */
	char published_path[280];
	const struct hook_status *hooks;
	size_t nhooks;
	char err[512];
};

static const char usage[] =
	"usage: vqmod run [--actuator vqsim|ethtool|dry-run] [--dry-run] [--device DEV] [--queue Q]\n"
	"                 [--interval MS] [--duration S] [--max-delay US] [--irq-budget N]\n"
	"                 [--weight DEV=W]... [--profile rx=U:F,...|tx=...]... [--log text|json]\n"
	"                 [--state FILE] [--wake-every N] [--prom-file PATH] [--listen ADDR:PORT]\n"
	"                 [--hooks LIST] [--hook-types LIST] [--btf FILE] [-v]\n"
	"\n"
	"Moderates each virtqueue's interrupts from the host: DIM per queue, within\n"
	"a latency budget and a host interrupt budget. Restores the original\n"
	"coalescing on SIGINT, SIGTERM, SIGHUP or a fatal error.\n"
	"\n"
	"  --actuator NAME     how settings reach the device (default vqsim)\n"
	"  --dry-run           decide and log, set nothing (--actuator dry-run)\n"
	"  --device DEV        only this device: virtioN, or the actuator's name for it\n"
	"  --queue Q           only this queue: its name (input.0) or virtqueue index\n"
	"  --interval MS       tick, 1 to 10000 ms (default 10)\n"
	"  --duration S        stop after S seconds (default: run until a signal)\n"
	"  --max-delay US      latency budget: never hold a notification longer\n"
	"  --irq-budget N      interrupts/s for all moderated queues together\n"
	"  --weight DEV=W      DEV's share of the budget, relative (default 1)\n"
	"  --profile SPEC      rx=usecs:frames,... or tx=...; also rx=eqe|cqe\n"
	"  --log text|json     one line per decision (default text)\n"
	"  --state FILE        restore record (default " RESTORE_DEFAULT_PATH ")\n"
	"  --hooks LIST        as for vqmod top (default notify,net-rx,net-tx)\n"
	"  --wake-every N      BPF wakes the loop before its tick every N notifications\n"
	"                      of a queue on a CPU (default off)\n"
	"  --prom-file PATH    write a node_exporter textfile every tick\n"
	"  --listen ADDR:PORT  serve Prometheus metrics (default address 127.0.0.1)\n"
	"  -v, --verbose       log every judged window, not just changes\n";

#define bad_usage(fmt, arg) cli_usage_error("run", fmt, arg)

static int parse_uint(const char *arg, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct run_opts *o)
{
	enum { O_ACT = 256, O_DRY, O_DEV, O_QUEUE, O_INTERVAL, O_DURATION, O_DELAY, O_BUDGET, O_WEIGHT,
	       O_PROFILE, O_LOG, O_STATE, O_HOOKS, O_KINDS, O_BTF, O_WAKE, O_PROM, O_LISTEN };
	static const struct option longopts[] = {
		{ "actuator", required_argument, NULL, O_ACT },	   { "dry-run", no_argument, NULL, O_DRY },
		{ "device", required_argument, NULL, O_DEV },	   { "queue", required_argument, NULL, O_QUEUE },
		{ "interval", required_argument, NULL, O_INTERVAL }, { "duration", required_argument, NULL, O_DURATION },
		{ "max-delay", required_argument, NULL, O_DELAY }, { "irq-budget", required_argument, NULL, O_BUDGET },
		{ "weight", required_argument, NULL, O_WEIGHT },   { "profile", required_argument, NULL, O_PROFILE },
		{ "log", required_argument, NULL, O_LOG },	   { "state", required_argument, NULL, O_STATE },
		{ "hooks", required_argument, NULL, O_HOOKS },	   { "hook-types", required_argument, NULL, O_KINDS },
		{ "btf", required_argument, NULL, O_BTF },	   { "verbose", no_argument, NULL, 'v' },
		{ "wake-every", required_argument, NULL, O_WAKE }, { "help", no_argument, NULL, 'h' },
		{ "prom-file", required_argument, NULL, O_PROM },  { "listen", required_argument, NULL, O_LISTEN },
		{},
	};
	char err[256];
	unsigned long v;
	int c;

	o->actuator = "vqsim";
	o->interval_ms = 10;
	engine_config_default(&o->engine);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_ACT:
			if (strcmp(optarg, "vqsim") && strcmp(optarg, "ethtool") && strcmp(optarg, "dry-run"))
				return bad_usage("unknown actuator '%s': vqsim, ethtool or dry-run", optarg);
			if (!strcmp(o->actuator, "dry-run") && strcmp(optarg, "dry-run"))
				return bad_usage("%s", "--dry-run and another --actuator contradict each other");
			o->actuator = optarg;
			break;
		case O_DRY:
			if (strcmp(o->actuator, "vqsim") && strcmp(o->actuator, "dry-run"))
				return bad_usage("%s", "--dry-run and another --actuator contradict each other");
			o->actuator = "dry-run";
			break;
		case O_DEV:
			o->device = optarg;
			break;
		case O_QUEUE:
			o->queue = optarg;
			break;
		case O_INTERVAL:
			if (parse_uint(optarg, 1, 10000, &v))
				return bad_usage("invalid --interval '%s': milliseconds from 1 to 10000", optarg);
			o->interval_ms = v;
			break;
		case O_DURATION:
			if (parse_uint(optarg, 1, 86400 * 365, &v))
				return bad_usage("invalid --duration '%s': whole seconds, at least 1", optarg);
			o->duration = v;
			break;
		case O_DELAY:
			if (parse_uint(optarg, 1, 1000000, &v))
				return bad_usage("invalid --max-delay '%s': microseconds from 1 to 1000000", optarg);
			o->engine.max_delay_us = v;
			break;
		case O_BUDGET:
			if (parse_uint(optarg, 1, 1000000000, &v))
				return bad_usage("invalid --irq-budget '%s': interrupts per second, at least 1", optarg);
			o->engine.irq_budget = v;
			break;
		case O_WEIGHT: {
			char *eq = strchr(optarg, '=');
			unsigned int dev;

			if (o->nweights == sizeof(o->weights) / sizeof(o->weights[0]))
				return bad_usage("%s", "too many --weight options");
			if (!eq || sscanf(optarg, "virtio%u=", &dev) != 1 || parse_uint(eq + 1, 1, 1000000, &v))
				return bad_usage("invalid --weight '%s': virtioN=W, W from 1 to 1000000", optarg);
			o->weights[o->nweights].dev = dev;
			o->weights[o->nweights++].weight = v;
			break;
		}
		case O_PROFILE:
			if (engine_config_profile(&o->engine, optarg, err, sizeof(err)))
				return bad_usage("invalid --profile: %s", err);
			break;
		case O_LOG:
			if (strcmp(optarg, "text") && strcmp(optarg, "json"))
				return bad_usage("invalid --log '%s': text or json", optarg);
			o->json = !strcmp(optarg, "json");
			break;
		case O_STATE:
			o->state_path = optarg;
			break;
		case O_PROM:
			o->prom_file = optarg;
			break;
		case O_LISTEN: {
			struct sockaddr_storage ss;
			socklen_t len;

			if (httpd_parse_addr(optarg, &ss, &len))
				return bad_usage("invalid --listen '%s': PORT, IPV4:PORT or [IPV6]:PORT", optarg);
			o->listen = optarg;
			break;
		}
		case O_WAKE:
			if (parse_uint(optarg, 1, 1000000, &v))
				return bad_usage("invalid --wake-every '%s': notifications, from 1 to 1000000", optarg);
			o->mon.wake_every = v;
			break;
		case O_HOOKS:
			if (cli_hooks_arg("run", "hooks", optarg, &o->mon.hooks))
				return EXIT_USAGE;
			break;
		case O_KINDS:
			if (cli_hooks_arg("run", "hook-types", optarg, &o->mon.kinds))
				return EXIT_USAGE;
			break;
		case O_BTF:
			o->mon.btf_path = optarg;
			break;
		case 'v':
			o->verbose = o->mon.verbose = true;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(EXIT_OK);
		case ':':
			return bad_usage("option '%s' needs a value", argv[optind - 1]);
		default:
			return bad_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	if (!o->mon.hooks) /* what the engine reads; every other hook only costs */
		o->mon.hooks = "notify,net-rx,net-tx";
	if (!strstr(o->mon.hooks, "notify"))
		return bad_usage("--hooks '%s' lacks notify, which the controller needs", o->mon.hooks);
	if (o->nweights && !o->engine.irq_budget)
		return bad_usage("%s", "--weight needs --irq-budget");
	if (engine_config_check(&o->engine, err, sizeof(err)))
		return bad_usage("%s", err);
	return EXIT_OK;
}

static __u64 engine_id(const struct vq_key *k)
{
	return (__u64)k->source << 48 | (__u64)k->dev << 16 | k->queue;
}

static double now_wall(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static bool wanted(const struct run_opts *o, const struct vq_ident *id)
{
	char index[16];

	if (id->type != VQ_TYPE_RX && id->type != VQ_TYPE_TX)
		return false;
	snprintf(index, sizeof(index), "%u", id->key.queue);
	return !o->queue || !strcmp(o->queue, id->queue) || !strcmp(o->queue, index);
}

/* A queue seen for the first time: where it is set, and what it has now. */
static struct ctl_queue *adopt(struct controller *ctl, const struct vq_ident *id)
{
	struct ctl_queue *q = &ctl->q[ctl->nq];
	struct engine_queue_config qc = {
		.kind = id->type == VQ_TYPE_TX ? ENGINE_QUEUE_TX : ENGINE_QUEUE_RX,
		.group = id->key.dev,
		.weight = 1,
	};

	memset(q, 0, sizeof(*q));
	q->key = id->key;
	ctl->nq++;
	if (ctl->act.ops->target_of(&ctl->act, id, &q->target))
		goto unsettable;
	if (ctl->o->device && strcmp(ctl->o->device, id->dev) && strcmp(ctl->o->device, q->target.dev))
		return q; /* filtered out: known, never set */
	if (ctl->act.ops->get(&ctl->act, &q->target, &q->current)) {
		fprintf(stderr, "vqmod run: %s %s: %s; not moderated\n", id->dev, id->queue, ctl->act.err);
		goto unsettable;
	}
	q->original = q->current;
	if (engine_queue_add(ctl->engine, engine_id(&q->key), &qc))
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
		ctl->act.ops->name, q->target.dev, q->target.queue,
		!strcmp(ctl->act.ops->name, "ethtool") ? (q->target.tx ? " tx" : " rx") : "", q->current.usecs,
		q->current.frames);
	return q;
unsettable:
	if (ctl->o->verbose)
		fprintf(stderr, "vqmod run: %s %s: not settable with %s\n", id->dev, id->queue, ctl->act.ops->name);
	return q;
}

static struct ctl_queue *find(struct controller *ctl, const struct vq_key *k)
{
	for (size_t i = 0; i < ctl->nq; i++)
		if (!vq_key_cmp(&ctl->q[i].key, k))
			return &ctl->q[i];
	return NULL;
}

static void log_decision(const struct controller *ctl, const struct vq_ident *id, const struct ctl_queue *q,
			 const struct engine_decision *d)
{
	double t = now_wall();

	if (ctl->o->json) {
		printf("{\"time\":%.6f,\"dev\":\"%s\",\"queue\":\"%s\",\"index\":%u,\"target\":\"%s\",\"change\":%s,"
		       "\"old\":{\"usecs\":%u,\"frames\":%u},\"new\":{\"usecs\":%u,\"frames\":%u},\"profile\":%u,"
		       "\"reason\":\"%s\",\"text\":\"%s\",\"window_ns\":%llu,\"events\":%llu,\"packets\":%llu,"
		       "\"bytes\":%llu,\"irqs_per_s\":%llu,\"packets_per_s\":%llu,\"packets_per_irq\":%.2f}\n",
		       t, id->dev, id->queue, id->key.queue, q->target.dev, d->change ? "true" : "false",
		       q->current.usecs, q->current.frames, d->next.usecs, d->next.frames, d->profile,
		       engine_reason_name(d->reason), d->text, (unsigned long long)d->window_ns,
		       (unsigned long long)d->window_events, (unsigned long long)d->window_packets,
		       (unsigned long long)d->window_bytes, (unsigned long long)d->event_rate,
		       (unsigned long long)d->packet_rate, d->ppi_x100 / 100.0);
	} else {
		time_t secs = (time_t)t;
		struct tm tm;
		char when[16];

		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("%s.%03d %s %-9s %4u/%-5u -> %4u/%-5u %-12s %s (irq/s %llu, pkt/s %llu, pkt/irq %.2f)\n", when,
		       (int)((t - secs) * 1000), id->dev, id->queue, q->current.usecs, q->current.frames,
		       d->next.usecs, d->next.frames, engine_reason_name(d->reason), d->text,
		       (unsigned long long)d->event_rate, (unsigned long long)d->packet_rate, d->ppi_x100 / 100.0);
	}
}

static void publish_decision(struct ctl_queue *q, const struct coalesce *next, const char *reason)
{
	struct vq_decision d = { .time = now_wall(), .old_usecs = q->current.usecs, .old_frames = q->current.frames,
				 .usecs = next->usecs, .frames = next->frames };

	if (!q->shown)
		return;
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	q->shown->m.usecs = next->usecs;
	q->shown->m.frames = next->frames;
	q->shown->m.decisions = q->decisions;
	snprintf(q->shown->m.state, sizeof(q->shown->m.state), "%s", reason);
	modstate_decided(q->shown, &d);
}

/* One period: a decision per moderated queue, then one batch to the device. */
static int control(struct controller *ctl, const struct vq_period *p)
{
	size_t nb = 0;

	for (size_t i = 0; i < p->n; i++) {
		const struct vq_sample *s = &p->s[i];
		struct engine_coal cur;
		struct engine_decision d;
		struct engine_sample es = {
			.period_ns = p->end_ns - p->start_ns,
			.events = s->delta.irqs,
			.packets = s->delta.packets,
			.bytes = s->delta.bytes,
			.flags = s->reset ? ENGINE_SAMPLE_RESET : 0,
		};
		struct ctl_queue *q;

		if (!wanted(ctl->o, &s->id))
			continue;
		q = find(ctl, &s->id.key) ?: adopt(ctl, &s->id);
		if (!q->settable)
			continue;
		cur.usecs = q->current.usecs;
		cur.frames = q->current.frames;
		if (engine_decide(ctl->engine, engine_id(&q->key), &es, &cur, &d))
			continue;
		if (!d.judged)
			continue;
		ctl->decisions++;
		q->decisions++;
		if (d.change || ctl->o->verbose)
			log_decision(ctl, &s->id, q, &d);
		if (!d.change)
			continue;
		if (!q->changed && strcmp(ctl->act.ops->name, "dry-run")) {
			/* the original goes on disk before the first change */
			if (restore_record(&ctl->restore, ctl->act.ops->name, &q->target, &q->original)) {
				fprintf(stderr, "vqmod run: cannot write %s: %s\n", ctl->restore.path, strerror(errno));
				return -EIO;
			}
			q->changed = true;
		}
		ctl->batch[nb] = (struct act_setting){ .target = q->target,
						       .coal = { d.next.usecs, d.next.frames } };
		snprintf(ctl->batch_reason[nb], sizeof(ctl->batch_reason[0]), "%s", engine_reason_name(d.reason));
		ctl->batch_queue[nb++] = q - ctl->q;
	}
	fflush(stdout);
	if (!nb)
		return 0;
	ctl->act.ops->set(&ctl->act, ctl->batch, nb);
	ctl->republish = true;
	for (size_t i = 0; i < nb; i++) {
		struct ctl_queue *q = &ctl->q[ctl->batch_queue[i]];

		if (!ctl->batch[i].err) {
			publish_decision(q, &ctl->batch[i].coal, ctl->batch_reason[i]);
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
	struct vq_sample total;
	struct report r = { .period = p, .shown = shown, .nshown = p->n, .total = &total, .hooks = ctl->hooks,
			    .nhooks = ctl->nhooks, .controller = ctl->act.ops->name };
	int err = -ENOMEM;

	if (!shown || !modp || !mod)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		const struct ctl_queue *q = find(ctl, &p->s[i].id.key);

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
	r.wallclock = now_wall();
	err = prom_publish(&r, snap, ctl->o->prom_file, ctl->httpd, ctl->err, sizeof(ctl->err));
out:
	free(shown);
	free(modp);
	free(mod);
	return err;
}

/* A record left by a vqmod that did not exit cleanly is applied first. */
static void restore_leftovers(struct controller *ctl)
{
	struct restore old;

	restore_init(&old, ctl->restore.path);
	if (!restore_load(&old) && old.n) {
		fprintf(stderr, "vqmod run: %s holds settings a previous run did not restore; restoring\n",
			old.path);
		restore_apply(&old, &ctl->act, stderr);
	}
	restore_free(&old);
}

static int on_tick(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur)
{
	struct controller *ctl = arg;
	struct vq_period p;
	int err;

	if (!prev) /* the first read: nothing to decide on yet */
		return 0;
	err = vq_period_build(prev, cur, &p);
	if (err)
		return err;
	err = control(ctl, &p);
	if (!err && (ctl->republish || ctl->published.n != ctl->published_n)) {
		modstate_write(ctl->published_path, &ctl->published); /* a courtesy to top: best effort */
		ctl->republish = false;
		ctl->published_n = ctl->published.n;
	}
	if (!err && (ctl->o->prom_file || ctl->httpd))
		err = publish(ctl, &p, cur);
	vq_period_free(&p);
	return err;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {};
	struct controller ctl = { .o = &o };
	struct evloop loop = {};
	struct collector col = {};
	struct vqmon *mon = NULL;
	char err[512], hooks[512];
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	restore_init(&ctl.restore, o.state_path);
	snprintf(ctl.published_path, sizeof(ctl.published_path), "%s", MODSTATE_DEFAULT_PATH);
	if (o.state_path) /* beside a restore record of its own */
		snprintf(ctl.published_path, sizeof(ctl.published_path), "%s.moderation", o.state_path);
	ctl.published.pid = getpid();
	if (actuator_open(&ctl.act, o.actuator)) {
		fprintf(stderr, "vqmod run: %s\n", ctl.act.err);
		return EXIT_NOFEATURE;
	}
	snprintf(ctl.published.actuator, sizeof(ctl.published.actuator), "%s", o.actuator);
	restore_leftovers(&ctl);
	ctl.engine = engine_new(&o.engine);
	ctl.q = calloc(VQMON_MAX_QUEUES, sizeof(*ctl.q));
	ctl.batch = calloc(VQMON_MAX_QUEUES, sizeof(*ctl.batch));
	ctl.batch_queue = calloc(VQMON_MAX_QUEUES, sizeof(*ctl.batch_queue));
	ctl.batch_reason = calloc(VQMON_MAX_QUEUES, sizeof(*ctl.batch_reason));
	if (!ctl.engine || !ctl.q || !ctl.batch || !ctl.batch_queue || !ctl.batch_reason) {
		fprintf(stderr, "vqmod run: out of memory\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	for (size_t i = 0; i < o.nweights; i++)
		engine_group_weight(ctl.engine, o.weights[i].dev, o.weights[i].weight);
	rc = vqmon_open(&mon, &o.mon, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vqmod run: %s\n", err);
		goto out;
	}
	if (collector_init(&col, vqmon_stats_fd(mon), vqmon_names_fd(mon))) {
		fprintf(stderr, "vqmod run: cannot read the BPF maps\n");
		rc = EXIT_RUNTIME;
		goto out;
	}
	ctl.nhooks = vqmon_hooks(mon, &ctl.hooks);
	if (o.listen && (rc = httpd_open(&ctl.httpd, o.listen, err, sizeof(err)))) {
		fprintf(stderr, "vqmod run: %s\n", err);
		goto out;
	}
	vqmon_hooks_line(mon, hooks, sizeof(hooks));
	fprintf(stderr, "vqmod: monitoring; hooks: %s\n", hooks);
	fprintf(stderr, "vqmod run: actuator %s, tick %u ms%s\n", ctl.act.ops->name, o.interval_ms,
		o.engine.max_delay_us || o.engine.irq_budget ? ", with budgets" : "");
	loop = (struct evloop){ .col = &col, .interval_s = o.interval_ms / 1000.0, .duration_s = o.duration,
				.tick = on_tick, .arg = &ctl, .httpd = ctl.httpd, .input_fd = -1 };
	if (o.mon.wake_every && !(loop.wake = evloop_wakeups(vqmon_wakeups_fd(mon)))) {
		fprintf(stderr, "vqmod run: --wake-every: cannot use the ring buffer: %s\n", strerror(errno));
		rc = EXIT_NOFEATURE;
		goto out;
	}
	rc = evloop_run(&loop);
	if (rc)
		fprintf(stderr, "vqmod run: %s\n", ctl.err[0] ? ctl.err : strerror(-rc));
	rc = rc ? EXIT_RUNTIME : EXIT_OK;
	if (loop.early_ticks)
		fprintf(stderr, "vqmod run: %llu ticks brought forward by wake-ups\n",
			(unsigned long long)loop.early_ticks);
out:
	if (ctl.act.ops) {
		restore_apply(&ctl.restore, &ctl.act, stderr);
		fprintf(stderr, "vqmod run: %llu decisions, %llu changes applied, %llu failed\n",
			(unsigned long long)ctl.decisions, (unsigned long long)ctl.changes,
			(unsigned long long)ctl.failures);
		actuator_close(&ctl.act);
	}
	restore_free(&ctl.restore);
	collector_free(&col);
	vqmon_close(mon);
	ring_buffer__free(loop.wake);
	httpd_close(ctl.httpd);
	engine_free(ctl.engine);
	free(ctl.q);
	free(ctl.batch);
	free(ctl.batch_queue);
	free(ctl.batch_reason);
	unlink(ctl.published_path);
	return rc;
}

int cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = { { "state", required_argument, NULL, 's' },
						  { "help", no_argument, NULL, 'h' }, {} };
	const char *path = NULL;
	struct restore r;
	size_t failed = 0;
	int c, err;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (c == 's') {
			path = optarg;
		} else if (c == 'h') {
			printf("usage: vqmod restore [--state FILE]\n\nPuts back the coalescing that a vqmod run "
			       "recorded and did not restore (default " RESTORE_DEFAULT_PATH ").\n");
			return EXIT_OK;
		} else {
			fprintf(stderr, "vqmod restore: bad option '%s'\nTry 'vqmod restore --help'.\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vqmod restore: unexpected argument '%s'\nTry 'vqmod restore --help'.\n", argv[optind]);
		return EXIT_USAGE;
	}
	restore_init(&r, path);
	err = restore_load(&r);
	if (err == -ENOENT) {
		printf("vqmod restore: nothing to restore (%s does not exist)\n", r.path);
		return EXIT_OK;
	}
	if (err) {
		fprintf(stderr, "vqmod restore: cannot read %s: %s\n", r.path, strerror(-err));
		return EXIT_RUNTIME;
	}
	while (r.n) {
		struct actuator a;
		char name[16];

		snprintf(name, sizeof(name), "%s", r.e[0].actuator);
		if (actuator_open(&a, name)) {
			fprintf(stderr, "vqmod restore: %s\n", a.err);
			failed += r.n;
			break;
		}
		failed += restore_apply(&r, &a, stdout);
		actuator_close(&a);
		if (r.n && !strcmp(r.e[0].actuator, name))
			break; /* what is left failed; it stays on disk */
	}
	restore_free(&r);
	return failed ? EXIT_RUNTIME : EXIT_OK;
}
