// SPDX-License-Identifier: GPL-2.0
/* vqmod run's options: each checked here, so the controller gets only sound ones. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "core/array.h"
#include "core/errors.h"
#include "monitor/collector.h"
#include "run.h"
#include "show/httpd.h"

static const char usage[] =
    "usage: vqmod run [--actuator vqsim|ethtool|dry-run] [--dry-run] [--device DEV] [--queue Q]\n"
    "                 [--interval MS] [--duration S] [--max-delay US] [--irq-budget N]\n"
    "                 [--weight NAME=W]... [--profile rx=U:F,...|tx=...]... [--log text|json]\n"
    "                 [--state FILE] [--wake-every N] [--prom-file PATH] [--listen ADDR:PORT]\n"
    "                 [--export-interval S] [--take-back] [--min-dwell S]\n"
    "                 [--max-changes-per-min N] [--loss-hold S] [--min-window MS]\n"
    "                 [--hooks LIST] [--hook-types LIST] [--btf FILE] [--max-queues N]\n"
    "                 [--idle-timeout S] [--from-pinned DIR] [-v]\n"
    "\n"
    "Moderates each virtqueue's interrupts from the host: DIM per queue, within\n"
    "a latency budget and a host interrupt budget. Restores the original\n"
    "coalescing on SIGINT, SIGTERM, SIGHUP or a fatal error.\n"
    "\n"
    "  --actuator NAME     how settings reach the device (default vqsim)\n"
    "  --dry-run           decide and log, set nothing (--actuator dry-run)\n"
    "  --device DEV        only this device: virtioN, the actuator's name for it,\n"
    "                      or a VM's name (its queues on vhost-vdpa)\n"
    "  --queue Q           only this queue: its name (input.0) or virtqueue index\n"
    "  --interval MS       tick, 1 to 10000 ms (default 10, longer when a tick costs\n"
    "                      more than 10%% of a core: with 100k queues, and said)\n"
    "  --duration S        stop after S seconds (default: run until a signal)\n"
    "  --max-delay US      latency budget. Where the device measures its delays\n"
    "                      (vqsim's histogram), a measured p99 over it lowers\n"
    "                      the setting; elsewhere the model's estimate holds it\n"
    "                      (no profile whose usecs exceed the budget)\n"
    "  --irq-budget N      interrupts/s for all moderated queues together\n"
    "  --weight NAME=W     the share of the budget of a device or a VM (by its\n"
    "                      -name), relative (default 1)\n"
    "  --profile SPEC      rx=usecs:frames,... or tx=...; also rx=eqe|cqe\n"
    "  --log text|json     one line per decision (default text)\n"
    "  --state FILE        restore record (default " RESTORE_DEFAULT_PATH "); one run\n"
    "                      uses it, and one run sets a device (" CLAIM_DIR ")\n"
    "  --min-dwell S       a settled queue leaves its setting on its own account\n"
    "                      no sooner than S seconds after its last change\n"
    "                      (default %g; 0: no dwell). Phase changes, loss and\n"
    "                      the budgets are never held\n"
    "  --max-changes-per-min N  such moves, at most N a minute on average\n"
    "                      (default %u; 0: no limit)\n"
    "  --min-window MS     the engine judges a window of 64 notifications no\n"
    "                      sooner than this (default %u; 0: at its 64th, as\n"
    "                      net_dim): a window of a few ms reads a VM\n"
    "                      descheduled, or a catch-up burst, as the load\n"
    "  --loss-hold S       after the device drops frames (or 3/4 of its ring is\n"
    "                      pending), settings above the one backed off to stay\n"
    "                      out of reach S seconds (default %g)\n"
    "  --take-back         keep moderating a queue whose coalescing something else\n"
    "                      sets (the driver's ethtool -C, another netlink client);\n"
    "                      by default vqmod yields it and leaves their setting\n"
    "  --hooks LIST        hook groups, of %s\n"
    "                      (default notify,net-rx,net-tx,vhost,vhost-vdpa: a VM's\n"
    "                      queues are seen in vhost; load its modules first)\n"
    "  --wake-every N      BPF wakes the loop before its tick every N notifications\n"
    "                      of a queue (default off)\n"
    "  --max-queues N      slots in the monitor's maps (default %u)\n"
    "  --from-pinned DIR   read the monitor 'vqmod pin DIR' left loaded, instead of\n"
    "                      loading one (its hooks are the pin's: with notify or\n"
    "                      vhost-vdpa)\n"
    "  --idle-timeout S    forget a queue with no event for S seconds (default %u; 0: never)\n"
    "  --prom-file PATH    write a node_exporter textfile every export interval\n"
    "  --export-interval S textfile, HTTP metrics and the state vqmod top reads,\n"
    "                      every S seconds, with rates over them (default 1,\n"
    "                      longer when an export costs more than 10%% of a core)\n"
    "  --listen ADDR:PORT  serve Prometheus metrics (default address 127.0.0.1)\n"
    "  -v, --verbose       log every judged window, not just changes\n";

#define bad_usage(fmt, arg) cli_usage_error("run", fmt, arg)

/* A duration in seconds, min to max, into ns: 0, or the usage error that gives the range. */
static int seconds_arg(const char *opt, const char *arg, double min, double max, __u64 *ns)
{
	char why[160];
	double s;

	if (!cli_parse_seconds(arg, min, max, &s)) {
		*ns = s * 1e9;
		return 0;
	}
	snprintf(why, sizeof(why), "invalid --%s '%s': seconds from %g to %g", opt, arg, min, max);
	return bad_usage("%s", why);
}

int run_parse_args(int argc, char **argv, struct run_opts *o)
{
	enum {
		O_ACT = 256,
		O_DRY,
		O_DEV,
		O_QUEUE,
		O_INTERVAL,
		O_DURATION,
		O_DELAY,
		O_BUDGET,
		O_WEIGHT,
		O_PROFILE,
		O_LOG,
		O_STATE,
		O_HOOKS,
		O_KINDS,
		O_BTF,
		O_WAKE,
		O_PROM,
		O_LISTEN,
		O_MAX_QUEUES,
		O_IDLE,
		O_EXPORT,
		O_TAKE_BACK,
		O_DWELL,
		O_MAX_CHANGES,
		O_LOSS_HOLD,
		O_MIN_WINDOW,
		O_FROM_PINNED
	};
	static const struct option longopts[] = {
	    {"actuator", required_argument, NULL, O_ACT},
	    {"dry-run", no_argument, NULL, O_DRY},
	    {"device", required_argument, NULL, O_DEV},
	    {"queue", required_argument, NULL, O_QUEUE},
	    {"interval", required_argument, NULL, O_INTERVAL},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"max-delay", required_argument, NULL, O_DELAY},
	    {"irq-budget", required_argument, NULL, O_BUDGET},
	    {"weight", required_argument, NULL, O_WEIGHT},
	    {"profile", required_argument, NULL, O_PROFILE},
	    {"log", required_argument, NULL, O_LOG},
	    {"state", required_argument, NULL, O_STATE},
	    {"hooks", required_argument, NULL, O_HOOKS},
	    {"hook-types", required_argument, NULL, O_KINDS},
	    {"btf", required_argument, NULL, O_BTF},
	    {"verbose", no_argument, NULL, 'v'},
	    {"wake-every", required_argument, NULL, O_WAKE},
	    {"help", no_argument, NULL, 'h'},
	    {"prom-file", required_argument, NULL, O_PROM},
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"max-queues", required_argument, NULL, O_MAX_QUEUES},
	    {"idle-timeout", required_argument, NULL, O_IDLE},
	    {"export-interval", required_argument, NULL, O_EXPORT},
	    {"take-back", no_argument, NULL, O_TAKE_BACK},
	    {"min-dwell", required_argument, NULL, O_DWELL},
	    {"max-changes-per-min", required_argument, NULL, O_MAX_CHANGES},
	    {"loss-hold", required_argument, NULL, O_LOSS_HOLD},
	    {"min-window", required_argument, NULL, O_MIN_WINDOW},
	    {"from-pinned", required_argument, NULL, O_FROM_PINNED},
	    {},
	};
	char err[256];
	unsigned long v;
	bool loads = false; /* an option only a monitor vqmod loads takes */
	int c;

	o->actuator = "vqsim";
	o->idle_timeout_ns = COLLECTOR_IDLE_TIMEOUT_S * 1000000000ULL;
	o->export_interval_ns = 1000000000ULL;
	o->interval_ms = 10;
	engine_config_default(&o->engine);
	o->engine.window_min_ns = RUN_MIN_WINDOW_MS * 1000000ULL;
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
			if (cli_parse_uint(optarg, 1, 10000, &v))
				return bad_usage("invalid --interval '%s': milliseconds from 1 to 10000", optarg);
			o->interval_ms = v;
			o->interval_given = true;
			break;
		case O_DURATION:
			if (cli_parse_uint(optarg, 1, 86400 * 365, &v))
				return bad_usage("invalid --duration '%s': whole seconds, at least 1", optarg);
			o->duration = v;
			break;
		case O_DELAY:
			if (cli_parse_uint(optarg, 1, 1000000, &v))
				return bad_usage("invalid --max-delay '%s': microseconds from 1 to 1000000", optarg);
			o->engine.max_delay_us = v;
			break;
		case O_BUDGET:
			if (cli_parse_uint(optarg, 1, 1000000000, &v))
				return bad_usage("invalid --irq-budget '%s': interrupts per second, at least 1",
						 optarg);
			o->engine.irq_budget = v;
			break;
		case O_WEIGHT: {
			char *eq = strchr(optarg, '=');
			struct run_weight *w;

			if (!eq || eq == optarg || cli_parse_uint(eq + 1, 1, 1000000, &v))
				return bad_usage("invalid --weight '%s': NAME=W (a device or a VM), W from 1 to 1000000",
						 optarg);
			w = array_grow(o->weights, &o->weights_cap, o->nweights + 1, sizeof(*w));
			if (!w)
				return bad_usage("%s", "out of memory for --weight");
			o->weights = w;
			o->weights[o->nweights++] = (struct run_weight){.name = optarg, .len = eq - optarg, .weight = v};
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
		case O_MAX_QUEUES:
			if (cli_max_queues_arg("run", optarg, &o->mon.max_queues))
				return EXIT_USAGE;
			loads = true;
			break;
		case O_EXPORT:
			if (seconds_arg("export-interval", optarg, 0.01, 3600, &o->export_interval_ns))
				return EXIT_USAGE;
			o->export_given = true;
			break;
		case O_TAKE_BACK:
			o->take_back = true;
			break;
		case O_DWELL:
			if (seconds_arg("min-dwell", optarg, 0, ENGINE_MAX_DWELL_NS / 1e9, &o->engine.min_dwell_ns))
				return EXIT_USAGE;
			break;
		case O_MAX_CHANGES:
			if (cli_parse_uint(optarg, 0, ENGINE_MAX_CHANGES_PER_MIN, &v))
				return bad_usage("invalid --max-changes-per-min '%s': from 0 to 6000", optarg);
			o->engine.max_changes_per_min = v;
			break;
		case O_MIN_WINDOW:
			if (cli_parse_uint(optarg, 0, o->engine.window_max_ns / 1000000, &v))
				return bad_usage("invalid --min-window '%s': milliseconds from 0 to 500", optarg);
			o->engine.window_min_ns = v * 1000000ULL;
			break;
		case O_LOSS_HOLD:
			if (seconds_arg("loss-hold", optarg, 0.001, ENGINE_MAX_LOSS_HOLD_NS / 1e9, &o->engine.loss_hold_ns))
				return EXIT_USAGE;
			break;
		case O_IDLE:
			if (cli_idle_timeout_arg("run", optarg, &o->idle_timeout_ns))
				return EXIT_USAGE;
			break;
		case O_WAKE:
			if (cli_parse_uint(optarg, 1, 1000000, &v))
				return bad_usage("invalid --wake-every '%s': notifications, from 1 to 1000000", optarg);
			o->mon.wake_every = v;
			loads = true;
			break;
		case O_HOOKS:
			if (cli_hooks_arg("run", "hooks", optarg, &o->mon.hooks))
				return EXIT_USAGE;
			loads = true;
			break;
		case O_KINDS:
			if (cli_hooks_arg("run", "hook-types", optarg, &o->mon.kinds))
				return EXIT_USAGE;
			loads = true;
			break;
		case O_BTF:
			o->mon.btf_path = optarg;
			loads = true;
			break;
		case O_FROM_PINNED:
			o->from_pinned = optarg;
			break;
		case 'v':
			o->verbose = o->mon.verbose = true;
			break;
		case 'h':
			printf(usage, ENGINE_DEFAULT_MIN_DWELL_NS / 1e9, ENGINE_DEFAULT_MAX_CHANGES_PER_MIN,
			       RUN_MIN_WINDOW_MS, ENGINE_DEFAULT_LOSS_HOLD_NS / 1e9, vqmon_group_names(), VQMON_DEFAULT_QUEUES,
			       COLLECTOR_IDLE_TIMEOUT_S);
			exit(EXIT_OK);
		default:
			return cli_bad_option("run", c, argv);
		}
	}
	if (cli_no_more_args("run", argc, argv))
		return EXIT_USAGE;
	/* a pin is loaded already: its hooks and maps are what they are */
	if (o->from_pinned && loads)
		return bad_usage("%s", "--from-pinned reads a pin: --hooks, --hook-types, --btf, --max-queues and "
				       "--wake-every do not apply");
	if (!o->mon.hooks) /* what the engine reads; every other hook only costs */
		o->mon.hooks = "notify,net-rx,net-tx,vhost,vhost-vdpa";
	if (!strstr(o->mon.hooks, "notify"))
		return bad_usage("--hooks '%s' lacks notify, which the controller needs", o->mon.hooks);
	if (o->nweights && !o->engine.irq_budget)
		return bad_usage("%s", "--weight needs --irq-budget");
	if (engine_config_check(&o->engine, err, sizeof(err)))
		return bad_usage("%s", err);
	return EXIT_OK;
}

void run_opts_free(struct run_opts *o)
{
	free(o->weights);
	o->weights = NULL;
	o->nweights = o->weights_cap = 0;
}
