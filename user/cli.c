// SPDX-License-Identifier: GPL-2.0
/* One form for every usage error: the reason, then where to read more. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "core/errors.h"
#include "monitor/loader.h"

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "vqmod %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vqmod %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_bad_option(const char *cmd, int c, char **argv)
{
	if (c == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", argv[optind - 1]);
	return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
}

int cli_no_more_args(const char *cmd, int argc, char **argv)
{
	return optind < argc ? cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]) : 0;
}

int cli_hooks_arg(const char *cmd, const char *opt, const char *arg, const char **out)
{
	bool kinds = !strcmp(opt, "hook-types");
	char what[256];

	if (vqmon_list_parse(arg, kinds ? vqmon_kind_known : vqmon_group_known)) {
		snprintf(what, sizeof(what), "invalid --%s '%%s': a comma-separated list of %s", opt,
			 kinds ? vqmon_kind_names() : vqmon_group_names());
		return cli_usage_error(cmd, what, arg);
	}
	*out = arg;
	return 0;
}

int cli_parse_uint(const char *arg, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || arg[0] == '+' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_seconds(const char *arg, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Enough for the slots, few enough that the maps stay allocatable. */
#define CLI_MAX_QUEUES (1U << 24)

int cli_max_queues_arg(const char *cmd, const char *arg, unsigned int *out)
{
	unsigned long v;

	if (cli_parse_uint(arg, 1, CLI_MAX_QUEUES, &v))
		return cli_usage_error(cmd, "invalid --max-queues '%s': a number of queues from 1 to 16777216", arg);
	*out = v;
	return 0;
}

int cli_idle_timeout_arg(const char *cmd, const char *arg, unsigned long long *ns)
{
	unsigned long v;

	if (cli_parse_uint(arg, 0, 86400 * 365, &v))
		return cli_usage_error(cmd, "invalid --idle-timeout '%s': whole seconds, 0 for never", arg);
	*ns = v * 1000000000ULL;
	return 0;
}
