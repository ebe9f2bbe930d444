// SPDX-License-Identifier: GPL-2.0
/* vqmod pin and vqmod unpin: the monitor left running in bpffs, and removed. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "commands.h"
#include "core/errors.h"
#include "monitor/loader.h"
#include "monitor/pin.h"

static const char pin_usage[] = "usage: vqmod pin [--hooks LIST] [--btf FILE] [--max-queues N] [-v] DIR\n"
				"\n"
				"Loads and attaches the monitor, pins its maps and links under DIR on bpffs\n"
				"(mode 0600), and exits leaving it running. Read it with\n"
				"'vqmod top --from-pinned DIR' or 'bpftool map dump pinned DIR/maps/vq_stats';\n"
				"'vqmod unpin DIR' detaches it.\n"
				"\n"
				"      --hooks LIST     hook groups to attach (default all):\n"
				"                       %s\n"
				"      --btf FILE       kernel BTF to use instead of /sys/kernel/btf/vmlinux\n"
				"      --max-queues N   slots in the maps (default %u)\n"
				"  -v, --verbose        show libbpf's messages\n"
				"  -h, --help           this text\n";

int cmd_pin(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"hooks", required_argument, NULL, 'H'},
	    {"btf", required_argument, NULL, 'B'},
	    {"max-queues", required_argument, NULL, 'Q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {},
	};
	struct vqmon_opts mo = {};
	struct vqmon *mon = NULL;
	char err[512], hooks[512];
	int c, rc;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'H':
			if (cli_hooks_arg("pin", "hooks", optarg, &mo.hooks))
				return EXIT_USAGE;
			break;
		case 'B':
			mo.btf_path = optarg;
			break;
		case 'Q':
			if (cli_max_queues_arg("pin", optarg, &mo.max_queues))
				return EXIT_USAGE;
			break;
		case 'v':
			mo.verbose = true;
			break;
		case 'h':
			printf(pin_usage, vqmon_group_names(), VQMON_DEFAULT_QUEUES);
			return EXIT_OK;
		default:
			return cli_bad_option("pin", c, argv);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("pin", "%s",
				       optind < argc ? "give exactly one DIR" : "which DIR? e.g. /sys/fs/bpf/vqmod");
	rc = pin_check_dir(argv[optind], err, sizeof(err));
	rc = rc ?: vqmon_open(&mon, &mo, err, sizeof(err));
	rc = rc ?: pin_monitor(mon, argv[optind], err, sizeof(err));
	if (rc) {
		fprintf(stderr, "vqmod pin: %s\n", err);
		if (rc == EXIT_USAGE)
			fprintf(stderr, "Try 'vqmod pin --help'.\n");
	} else {
		vqmon_hooks_line(mon, hooks, sizeof(hooks));
		fprintf(stderr, "vqmod: pinned at %s; hooks: %s\n", argv[optind], hooks);
	}
	vqmon_close(mon);
	return rc;
}

int cmd_unpin(int argc, char **argv)
{
	char err[512];
	int rc;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs("usage: vqmod unpin DIR\n\nRemoves a pin made by 'vqmod pin DIR', which detaches the monitor.\n",
		      stdout);
		return EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("unpin", "%s", argc < 2 ? "which DIR?" : "give exactly one DIR and no option");
	rc = pin_remove(argv[1], err, sizeof(err));
	if (rc)
		fprintf(stderr, "vqmod unpin: %s\n", err);
	return rc;
}
