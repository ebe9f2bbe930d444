// SPDX-License-Identifier: GPL-2.0
/* vqmod top: per-virtqueue rates every interval, as a table or JSON Lines. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "collector.h"
#include "commands.h"
#include "errors.h"
#include "output.h"
#include "selfstats.h"
#include "view.h"
#include "loader.h"

struct top_opts {
	double interval; /* seconds */
	long count; /* periods to print; 0: until stopped */
	bool batch, json, self, verbose;
	struct vqmon_opts mon;
	struct view view;
};

static const char usage[] =
	"usage: vqmod top [-b] [-i SECONDS] [-n COUNT] [-J] [-s FIELD] [-f REGEX] [--self]\n"
	"                 [--hooks LIST] [--hook-types LIST] [--btf FILE] [-v] [SECONDS [COUNT]]\n"
	"\n"
	"Per-virtqueue notification (IRQ), packet and byte rates, every interval.\n"
	"\n"
	"  -b, --batch          print a table per interval (the default for now)\n"
	"  -i, --interval SEC   interval in seconds, may be fractional (default 1)\n"
	"  -n, --iterations N   stop after N intervals (default: until SIGINT/SIGTERM)\n"
	"  -J, --json           one JSON object per interval (JSON Lines)\n"
	"  -s, --sort FIELD     sort by FIELD (+FIELD ascending, -FIELD descending):\n"
	"                       dev, driver, queue, type, irqs, spurious, packets, bytes,\n"
	"                       ppi, ns, kicks (default irqs, highest first)\n"
	"  -f, --filter REGEX   only queues whose \"dev driver queue type\" matches\n"
	"      --self           also show each BPF program's own run time per event\n"
	"      --hooks LIST     hook groups to attach (default all): notify, kick, napi,\n"
	"                       net-rx, net-tx, vhost, vhost-vdpa\n"
	"      --hook-types LIST  attach types allowed (default all, tried best first):\n"
	"                       fentry, kprobe, tp_btf, raw_tp\n"
	"      --btf FILE       kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
	"  -v, --verbose        show libbpf's messages and why hooks were not attached\n"
	"  -h, --help           this text\n";

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "vqmod top: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vqmod top --help'.\n");
	return EXIT_USAGE;
}

static int parse_seconds(const char *arg, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < 0.01 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

static int parse_count(const char *arg, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 1)
		return -1;
	*out = v;
	return 0;
}

/* A comma-separated list whose every item passes known(). */
static int parse_list(const char *list, bool (*known)(const char *))
{
	char buf[256], *save, *tok;

	if (!*list || strlen(list) >= sizeof(buf) || list[0] == ',' || list[strlen(list) - 1] == ',' ||
	    strstr(list, ",,"))
		return -1;
	strcpy(buf, list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!known(tok))
			return -1;
	return 0;
}

static int parse_args(int argc, char **argv, struct top_opts *o)
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },	  { "interval", required_argument, NULL, 'i' },
		{ "iterations", required_argument, NULL, 'n' }, { "json", no_argument, NULL, 'J' },
		{ "sort", required_argument, NULL, 's' }, { "filter", required_argument, NULL, 'f' },
		{ "self", no_argument, NULL, 'S' },	  { "hooks", required_argument, NULL, 'H' },
		{ "btf", required_argument, NULL, 'B' },  { "verbose", no_argument, NULL, 'v' },
		{ "hook-types", required_argument, NULL, 'K' },
		{ "help", no_argument, NULL, 'h' },	  {},
	};
	bool have_interval = false, have_count = false;
	char err[128];
	int c;

	o->interval = 1;
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
			break;
		case 'S':
			o->self = true;
			break;
		case 'H':
			if (parse_list(optarg, vqmon_group_known))
				return bad_usage("invalid --hooks '%s': a comma-separated list of notify, kick, "
						 "napi, net-rx, net-tx, vhost, vhost-vdpa",
						 optarg);
			o->mon.hooks = optarg;
			break;
		case 'K':
			if (parse_list(optarg, vqmon_kind_known))
				return bad_usage("invalid --hook-types '%s': a comma-separated list of fentry, "
						 "kprobe, tp_btf, raw_tp",
						 optarg);
			o->mon.kinds = optarg;
			break;
		case 'B':
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
	return EXIT_OK;
}

static double wallclock(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Signals arrive as reads on a signalfd, in the one event loop. */
static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as a write error instead */
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int interval_timer(double seconds)
{
	struct itimerspec its = {};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -1;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
	its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int report_period(const struct top_opts *o, struct vqmon *mon, struct selfstats *self,
			 const struct vq_snapshot *prev, const struct vq_snapshot *cur)
{
	struct prog_sample progs[SELFSTATS_MAX];
	const struct vq_sample **shown;
	struct vq_sample total;
	struct vq_period period;
	struct report r = {};
	int err = vq_period_build(prev, cur, &period);

	if (err)
		return err;
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
	r.wallclock = wallclock();
	r.nhooks = vqmon_hooks(mon, &r.hooks);
	if (self && !(err = selfstats_read(self, period.seconds, progs))) {
		r.progs = progs;
		r.nprogs = self->n;
	}
	if (!err)
		(o->json ? json_print : table_print)(stdout, &r);
	free(shown);
	vq_period_free(&period);
	return err;
}

static int run_loop(const struct top_opts *o, struct vqmon *mon, struct collector *col, struct selfstats *self)
{
	struct vq_snapshot snaps[2];
	struct pollfd fds[2];
	int cur = 0, rc = EXIT_OK, err;
	long done = 0;

	vq_snapshot_init(&snaps[0]);
	vq_snapshot_init(&snaps[1]);
	fds[0].fd = signals_fd();
	fds[1].fd = interval_timer(o->interval);
	fds[0].events = fds[1].events = POLLIN;
	if (fds[0].fd < 0 || fds[1].fd < 0) {
		fprintf(stderr, "vqmod top: cannot set up the event loop: %s\n", strerror(errno));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if ((err = collector_read(col, &snaps[cur])))
		goto read_failed;
	while (!o->count || done < o->count) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			rc = EXIT_RUNTIME;
			break;
		}
		if (fds[0].revents) /* SIGINT, SIGTERM, SIGHUP: a clean stop */
			break;
		if (fds[1].revents) {
			__u64 expirations;

			if (read(fds[1].fd, &expirations, sizeof(expirations)) < 0)
				continue;
			if ((err = collector_read(col, &snaps[!cur])))
				goto read_failed;
			cur = !cur;
			if ((err = report_period(o, mon, self, &snaps[!cur], &snaps[cur])))
				goto read_failed;
			if (ferror(stdout)) /* reader went away (EPIPE): nothing left to do */
				break;
			done++;
		}
	}
	goto out;
read_failed:
	fprintf(stderr, "vqmod top: reading the counters failed: %s\n", strerror(-err));
	rc = EXIT_RUNTIME;
out:
	if (fds[0].fd >= 0)
		close(fds[0].fd);
	if (fds[1].fd >= 0)
		close(fds[1].fd);
	vq_snapshot_free(&snaps[0]);
	vq_snapshot_free(&snaps[1]);
	return rc;
}

int cmd_top(int argc, char **argv)
{
	struct bpf_program *progs[SELFSTATS_MAX];
	struct top_opts o = {};
	struct selfstats self = { .enable_fd = -1 };
	struct collector col = {};
	struct vqmon *mon = NULL;
	char err[512], hooks[512];
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		goto out;
	rc = vqmon_open(&mon, &o.mon, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vqmod top: %s\n", err);
		goto out;
	}
	if ((rc = collector_init(&col, vqmon_stats_fd(mon), vqmon_names_fd(mon)))) {
		fprintf(stderr, "vqmod top: cannot read the BPF maps: %s\n", strerror(-rc));
		rc = EXIT_RUNTIME;
		goto out;
	}
	if (o.self && selfstats_start(&self, progs, vqmon_programs(mon, progs, SELFSTATS_MAX))) {
		fprintf(stderr, "vqmod top: --self: cannot enable BPF run-time stats: %s\n", strerror(errno));
		rc = EXIT_NOFEATURE;
		goto out;
	}
	vqmon_hooks_line(mon, hooks, sizeof(hooks));
	fprintf(stderr, "vqmod: monitoring; hooks: %s\n", hooks);
	if (o.verbose) {
		const struct hook_status *h;
		size_t n = vqmon_hooks(mon, &h);

		for (size_t i = 0; i < n; i++)
			if (h[i].wanted && !h[i].active)
				fprintf(stderr, "vqmod: hook %s not attached: %s\n", h[i].group, h[i].why);
	}
	rc = run_loop(&o, mon, &col, o.self ? &self : NULL);
out:
	selfstats_stop(&self);
	collector_free(&col);
	vqmon_close(mon);
	view_free(&o.view);
	return rc;
}
