// SPDX-License-Identifier: GPL-2.0
/* One form for every usage error: the reason, then where to read more. */
#include <stdio.h>
#include "cli.h"
#include "errors.h"

int cli_usage_error(const char *cmd, const char *fmt, const char *arg)
{
	fprintf(stderr, "vqmod %s: ", cmd);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'vqmod %s --help'.\n", cmd);
	return EXIT_USAGE;
}
