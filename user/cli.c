// SPDX-License-Identifier: GPL-2.0
/* One form for every usage error: the reason, then where to read more. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "errors.h"
#include "loader.h"

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "vqmod %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vqmod %s --help'.\n", cmd);
	return EXIT_USAGE;
}

int cli_hooks_arg(const char *cmd, const char *opt, const char *arg, const char **out)
{
	bool kinds = !strcmp(opt, "hook-types");
	char what[160];

	if (vqmon_list_parse(arg, kinds ? vqmon_kind_known : vqmon_group_known)) {
		snprintf(what, sizeof(what), "invalid --%s '%%s': a comma-separated list of %s", opt,
			 kinds ? "fentry, kprobe, tp_btf, raw_tp"
			       : "notify, kick, napi, net-rx, net-tx, vhost, vhost-vdpa, vqsim");
		return cli_usage_error(cmd, what, arg);
	}
	*out = arg;
	return 0;
}
