// SPDX-License-Identifier: GPL-2.0
/* vqmod top: per-virtqueue rates every interval, as a table or JSON Lines. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>
#include "cli.h"
#include "monitor/collector.h"
#include "commands.h"
#include "core/clock.h"
#include "core/errors.h"
#include "evloop.h"
#include "show/output.h"
#include "monitor/selfstats.h"
#include "core/view.h"
#include "monitor/loader.h"
#include "core/modstate.h"
#include "show/httpd.h"
#include "monitor/pin.h"
#include "show/prom.h"
#include "show/tui.h"

struct top_opts {
	double interval; /* seconds */
	long count;	 /* periods to print; 0: until stopped */
	bool batch, json, self, baseline, verbose;
	bool tui; /* on a terminal, unless -b or -J */
	struct vqmon_opts mon;
	struct view view;
	const char *filter; /* its text, for the TUI */
	const char *prom_file, *listen, *from_pinned;
	const char *moderation; /* the state a vqmod run publishes */
	__u64 idle_timeout_ns;
};

static const char usage[] =
    "usage: vqmod top [-b] [-i SECONDS] [-n COUNT] [-J] [-s FIELD] [-f REGEX] [--self]\n"
    "                 [--hooks LIST] [--hook-types LIST] [--btf FILE] [-v] [SECONDS [COUNT]]\n"
    "                 [--prom-file PATH] [--listen [ADDR:]PORT] [--from-pinned DIR]\n"
    "                 [--max-queues N] [--idle-timeout S]\n"
    "\n"
    "Per-virtqueue notification (IRQ), packet and byte rates, every interval.\n"
    "On a terminal it is interactive (h for its keys), unless -b or -J is given.\n"
    "\n"
    "  -b, --batch          print a table per interval, even on a terminal\n"
    "  -i, --interval SEC   interval in seconds, may be fractional (default 1)\n"
    "  -n, --iterations N   stop after N intervals (default: until SIGINT/SIGTERM)\n"
    "  -J, --json           one JSON object per interval (JSON Lines)\n"
    "  -s, --sort FIELD     sort by FIELD (+FIELD ascending, -FIELD descending):\n"
    "                       dev, driver, queue, type, irqs, spurious, packets, bytes,\n"
    "                       ppi, ns, kicks (default irqs, highest first)\n"
    "  -f, --filter REGEX   only queues whose \"dev driver queue type\" matches\n"
    "      --self           also show each BPF program's own run time per event\n"
    "      --baseline       with --self: an empty program beside each, on the same\n"
    "                       hook, and each program's cost above it\n"
    "      --hooks LIST     hook groups to attach (default all):\n"
    "                       %s\n"
    "      --hook-types LIST  attach types allowed (default all, tried best first):\n"
    "                       %s\n"
    "      --btf FILE       kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
    "  -v, --verbose        show libbpf's messages and why hooks were not attached\n"
    "      --prom-file PATH write a Prometheus textfile each interval (atomic rename)\n"
    "      --listen [ADDR:]PORT  serve Prometheus metrics over HTTP on ADDR\n"
    "                       (default 127.0.0.1; [IPV6]:PORT for IPv6)\n"
    "      --from-pinned DIR  read a monitor pinned by 'vqmod pin DIR'; loads nothing\n"
    "      --moderation FILE  what a running vqmod run publishes (default " MODSTATE_DEFAULT_PATH ")\n"
    "      --max-queues N   slots in the maps, set at load (default %u); past them,\n"
    "                       queues are refused and counted\n"
    "      --idle-timeout S forget a queue with no event for S seconds (default %u; 0: never)\n"
    "  -h, --help           this text\n";

#define bad_usage(fmt, arg) cli_usage_error("top", fmt, arg)

static int parse_seconds(const char *arg, double *out)
{
	return cli_parse_seconds(arg, 0.01, 3600, out);
}

static int parse_count(const char *arg, long *out)
{
	unsigned long v;

	if (cli_parse_uint(arg, 1, LONG_MAX, &v))
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	static const struct option longopts[] = {
	    {"batch", no_argument, NULL, 'b'},
	    {"interval", required_argument, NULL, 'i'},
	    {"iterations", required_argument, NULL, 'n'},
	    {"json", no_argument, NULL, 'J'},
	    {"sort", required_argument, NULL, 's'},
	    {"filter", required_argument, NULL, 'f'},
	    {"self", no_argument, NULL, 'S'},
	    {"baseline", no_argument, NULL, 'E'},
	    {"hooks", required_argument, NULL, 'H'},
	    {"btf", required_argument, NULL, 'B'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"hook-types", required_argument, NULL, 'K'},
	    {"prom-file", required_argument, NULL, 'P'},
	    {"listen", required_argument, NULL, 'L'},
	    {"from-pinned", required_argument, NULL, 'F'},
	    {"moderation", required_argument, NULL, 'M'},
	    {"max-queues", required_argument, NULL, 'Q'},
	    {"idle-timeout", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	bool have_interval = false, have_count = false, loads = false;
	struct sockaddr_storage ss;
	socklen_t sslen;
	char err[128];
	int c;

	o->interval = 1;
	o->idle_timeout_ns = COLLECTOR_IDLE_TIMEOUT_S * 1000000000ULL;
	o->view.sort = FIELD_IRQS;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":bi:n:Js:f:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->batch = true;
			break;
		case 'i':
			if (parse_seconds(optarg, &o->interval))
				return bad_usage("invalid interval '%s': give seconds from 0.01 to 3600", optarg);
			have_interval = true;
			break;
		case 'n':
			if (parse_count(optarg, &o->count))
				return bad_usage("invalid count '%s': give a whole number of at least 1", optarg);
			have_count = true;
			break;
		case 'J':
			o->json = true;
			break;
		case 's':
			if (view_parse_sort(optarg, &o->view))
				return bad_usage("unknown sort field '%s'", optarg);
			break;
		case 'f':
			if (o->view.has_filter)
				return bad_usage("%s", "--filter given twice");
			if (view_set_filter(&o->view, optarg, err, sizeof(err)))
				return bad_usage("invalid filter regex: %s", err);
			o->filter = optarg;
			break;
		case 'S':
			o->self = true;
			break;
		case 'E':
			o->baseline = true;
			break;
		case 'H':
			if (cli_hooks_arg("top", "hooks", optarg, &o->mon.hooks))
				return EXIT_USAGE;
			loads = true;
			break;
		case 'K':
			if (cli_hooks_arg("top", "hook-types", optarg, &o->mon.kinds))
				return EXIT_USAGE;
			loads = true;
			break;
		case 'B':
			o->mon.btf_path = optarg;
			loads = true;
			break;
		case 'v':
			o->verbose = o->mon.verbose = true;
			break;
		case 'P':
			if (!*optarg)
				return bad_usage("%s", "--prom-file needs a path");
			o->prom_file = optarg;
			break;
		case 'L':
			if (httpd_parse_addr(optarg, &ss, &sslen))
				return bad_usage("invalid --listen '%s': give PORT, IPV4:PORT or [IPV6]:PORT", optarg);
			o->listen = optarg;
			break;
		case 'F':
			o->from_pinned = optarg;
			break;
		case 'M':
			o->moderation = optarg;
			break;
		case 'Q':
			if (cli_max_queues_arg("top", optarg, &o->mon.max_queues))
				return EXIT_USAGE;
			loads = true;
			break;
		case 'T':
			if (cli_idle_timeout_arg("top", optarg, &o->idle_timeout_ns))
				return EXIT_USAGE;
			break;
		case 'h':
			printf(usage, vqmon_group_names(), vqmon_kind_names(), VQMON_DEFAULT_QUEUES,
			       COLLECTOR_IDLE_TIMEOUT_S);
			exit(EXIT_OK);
		default:
			return cli_bad_option("top", c, argv);
		}
	}
	/* libbpf-tools style positionals: [interval [count]] */
	if (optind < argc) {
		if (have_interval)
			return bad_usage("%s", "the interval is given twice (-i and a positional argument)");
		if (parse_seconds(argv[optind], &o->interval))
			return bad_usage("invalid interval '%s': give seconds from 0.01 to 3600", argv[optind]);
		optind++;
	}
	if (optind < argc) {
		if (have_count)
			return bad_usage("%s", "the count is given twice (-n and a positional argument)");
		if (parse_count(argv[optind], &o->count))
			return bad_usage("invalid count '%s': give a whole number of at least 1", argv[optind]);
		optind++;
	}
	if (optind < argc)
		return bad_usage("unexpected argument '%s'", argv[optind]);
	/* a pin is already loaded: nothing to choose, nothing to measure */
	if (o->from_pinned && loads)
		return bad_usage(
		    "%s", "--from-pinned reads a pin: --hooks, --hook-types, --btf and --max-queues do not apply");
	if (o->baseline && !o->self)
		return bad_usage("%s", "--baseline needs --self");
	if (o->from_pinned && o->self)
		return bad_usage("%s", "--self needs the programs vqmod loads itself, not --from-pinned");
	o->tui = !o->batch && !o->json && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
	return EXIT_OK;
}

/* Where each period goes: stdout (unless the TUI has the terminal), the exporters. */
struct outputs {
	const struct top_opts *o;
	const struct hook_status *hooks;
	size_t nhooks;
	struct selfstats *self;
	struct tui *tui;
	struct httpd *httpd;
	const struct collector *col;
	long done;     /* periods shown */
	char err[512]; /* said after the terminal is given back */
};

/* The first call (prev NULL) only primes the exporters: there are no rates yet. */
static int report_period(struct outputs *out, const struct vq_snapshot *prev, const struct vq_snapshot *cur)
{
	const struct top_opts *o = out->o;
	struct prog_sample progs[SELFSTATS_MAX];
	const struct vq_moderation **mod = NULL;
	const struct vq_sample **shown;
	struct vq_sample total;
	struct vq_period period;
	struct modstate ms;
	struct monitor_health health;
	struct report r = {};
	int err = vq_period_build(prev, cur, &period);

	if (err)
		return err;
	modstate_init(&ms);
	shown = calloc(period.n ? period.n : 1, sizeof(*shown));
	if (!shown) {
		vq_period_free(&period);
		return -ENOMEM;
	}
	r.period = &period;
	r.shown = shown;
	r.nshown = view_select(&o->view, &period, shown);
	vq_sample_sum(shown, r.nshown, period.seconds, &total);
	r.total = &total;
	r.wallclock = clock_wall();
	r.hooks = out->hooks;
	r.nhooks = out->nhooks;
	collector_health(out->col, &health);
	r.health = &health;
	/* a vqmod run elsewhere: its coalescing and decisions, per queue */
	if (!modstate_read(o->moderation ?: MODSTATE_DEFAULT_PATH, &ms) &&
	    (mod = calloc(r.nshown ? r.nshown : 1, sizeof(*mod)))) {
		/* as run published it: by the monitor's device name and index, a VM's vhost-vdpa queues too */
		for (size_t i = 0; i < r.nshown; i++)
			mod[i] = modstate_find(&ms, shown[i]->id->dev, shown[i]->id->key.queue);
		r.mod = mod;
		r.controller = ms.actuator;
	}
	if (prev && out->self && !(err = selfstats_read(out->self, period.seconds, progs))) {
		r.progs = progs;
		r.nprogs = out->self->n;
	}
	if (!err && prev && out->tui)
		tui_period(out->tui, &r);
	else if (!err && prev)
		(o->json ? json_print : table_print)(stdout, &r);
	if (!err && (o->prom_file || out->httpd) &&
	    prom_publish(&r, cur, o->prom_file, out->httpd, out->err, sizeof(out->err)))
		err = -EIO; /* out->err says why */
	modstate_free(&ms);
	free(mod);
	free(shown);
	vq_period_free(&period);
	return err;
}

/* The loop's tick: a period shown, and a stop after -n of them or a broken pipe. */
static int on_tick(void *arg, const struct vq_snapshot *prev, const struct vq_snapshot *cur)
{
	struct outputs *out = arg;
	int err = report_period(out, prev, cur);

	if (err || !prev)
		return err;
	if (!out->tui && ferror(stdout)) /* the reader went away (EPIPE): nothing left to do */
		return 1;
	return out->o->count && ++out->done >= out->o->count;
}

static enum evloop_input on_input(void *arg, double *interval)
{
	switch (tui_input(((struct outputs *)arg)->tui, interval)) {
	case TUI_QUIT:
		return EVLOOP_INPUT_QUIT;
	case TUI_INTERVAL:
		return EVLOOP_INPUT_INTERVAL;
	default:
		return EVLOOP_INPUT_NONE;
	}
}

int cmd_top(int argc, char **argv)
{
	struct bpf_program *progs[SELFSTATS_MAX], *bases[SELFSTATS_MAX];
	struct top_opts o = {};
	size_t nprogs;
	struct selfstats self = {.enable_fd = -1};
	struct pinned pin;
	struct vqmon_maps maps;
	struct collector col = {};
	struct outputs out = {.o = &o};
	struct evloop loop;
	struct vqmon *mon = NULL;
	char err[512], hooks[512];
	int rc;

	pin_init(&pin);
	rc = parse_args(argc, argv, &o);
	if (rc)
		goto out;
	if (o.from_pinned) {
		rc = pin_open(&pin, o.from_pinned, err, sizeof(err));
		out.hooks = pin.hooks;
		out.nhooks = pin.nhooks;
	} else {
		rc = vqmon_open(&mon, &o.mon, err, sizeof(err));
		if (!rc)
			out.nhooks = vqmon_hooks(mon, &out.hooks);
	}
	if (rc) {
		fprintf(stderr, "vqmod top: %s\n", err);
		goto out;
	}
	if (mon)
		vqmon_maps(mon, &maps);
	if ((rc = collector_init(&col, mon ? &maps : &pin.maps, o.idle_timeout_ns))) {
		fprintf(stderr, "vqmod top: cannot read the BPF maps: %s\n", strerror(-rc));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (o.baseline && vqmon_attach_baseline(mon))
		fprintf(stderr, "vqmod top: --baseline: no empty program loads beside the monitor's\n");
	nprogs = o.self ? vqmon_programs(mon, progs, SELFSTATS_MAX) : 0;
	for (size_t i = 0; i < nprogs; i++)
		bases[i] = vqmon_baseline_of(mon, progs[i]);
	if (o.self && selfstats_start(&self, progs, bases, nprogs)) {
		fprintf(stderr, "vqmod top: --self: cannot enable BPF run-time stats: %s\n", strerror(errno));
		rc = EXIT_NOFEATURE;
		goto out;
	}
	out.self = o.self ? &self : NULL;
	if (o.listen && (rc = httpd_open(&out.httpd, o.listen, err, sizeof(err)))) {
		fprintf(stderr, "vqmod top: %s\n", err);
		goto out;
	}
	report_hooks_line(out.hooks, out.nhooks, hooks, sizeof(hooks));
	if (o.from_pinned)
		fprintf(stderr, "vqmod: monitoring the pin at %s; hooks: %s\n", o.from_pinned, hooks);
	else
		fprintf(stderr, "vqmod: monitoring; hooks: %s\n", hooks);
	if (o.verbose)
		for (size_t i = 0; i < out.nhooks; i++)
			if (out.hooks[i].wanted && !out.hooks[i].active)
				fprintf(stderr, "vqmod: hook %s not attached: %s\n", out.hooks[i].group,
					out.hooks[i].why);
	if (o.tui && (rc = tui_start(&out.tui, &o.view, o.filter, o.interval, err, sizeof(err)))) {
		fprintf(stderr, "vqmod top: %s\n", err);
		goto out;
	}
	out.col = &col;
	loop = (struct evloop){.col = &col,
			       .interval_s = o.interval,
			       .tick = on_tick,
			       .arg = &out,
			       .httpd = out.httpd,
			       .input_fd = out.tui ? tui_fd(out.tui) : -1,
			       .input = out.tui ? on_input : NULL};
	rc = evloop_run(&loop);
	tui_stop(out.tui); /* before any message, so that it stays on the screen */
	if (rc && !out.err[0])
		snprintf(out.err, sizeof(out.err), "reading the counters failed: %s", strerror(-rc));
	if (out.err[0])
		fprintf(stderr, "vqmod top: %s\n", out.err);
	rc = rc ? EXIT_RUNTIME : EXIT_OK;
out:
	httpd_close(out.httpd);
	selfstats_stop(&self);
	collector_free(&col);
	pin_close(&pin);
	vqmon_close(mon);
	view_free(&o.view);
	return rc;
}
