// SPDX-License-Identifier: GPL-2.0
/* vqmod: per-virtqueue monitoring and interrupt moderation, from the host. */
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "core/errors.h"

#define VQMOD_VERSION "0.1.0"

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
    {"top", cmd_top, "per-virtqueue interrupt, packet and byte rates"},
    {"run", cmd_run, "moderate each virtqueue's interrupts from the host"},
    {"restore", cmd_restore, "put back coalescing a killed vqmod run left changed"},
    {"pin", cmd_pin, "leave the monitor attached, pinned in bpffs"},
    {"unpin", cmd_unpin, "remove a pin, detaching the monitor"},
    {"sim", cmd_sim, "drive the vqsim simulator: coalescing, stats, traffic, receiver"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: vqmod [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'vqmod COMMAND --help' tells more; see also vqmod(8).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vqmod %s\n", VQMOD_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "vqmod: unknown command '%s'\nTry 'vqmod --help'.\n", argv[1]);
	return EXIT_USAGE;
}
