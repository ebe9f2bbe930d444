// SPDX-License-Identifier: GPL-2.0
/* vqmod restore: the coalescing a killed vqmod run left changed, put back. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "act/actuator.h"
#include "act/restore.h"
#include "cli.h"
#include "commands.h"
#include "core/errors.h"

int cmd_restore(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"state", required_argument, NULL, 's'}, {"help", no_argument, NULL, 'h'}, {}};
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
			return cli_bad_option("restore", c, argv);
		}
	}
	if (cli_no_more_args("restore", argc, argv))
		return EXIT_USAGE;
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
