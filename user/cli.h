/* SPDX-License-Identifier: GPL-2.0 */
/* What every subcommand's argument parsing shares. */
#ifndef VQMOD_CLI_H
#define VQMOD_CLI_H

/* "vqmod CMD: <fmt with arg>" and a hint to CMD's --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);

/*
 * The tail of every getopt_long switch: c is ':' (an option without its
 * value) or anything else getopt_long did not know. Returns EXIT_USAGE.
 */
int cli_bad_option(const char *cmd, int c, char **argv);
/* After the options: EXIT_USAGE, said, if arguments are left; else 0. */
int cli_no_more_args(const char *cmd, int argc, char **argv);

/*
 * --hooks or --hook-types: checks arg against the known hook groups or
 * attach types and stores it in *out. 0, or EXIT_USAGE after saying why.
 */
int cli_hooks_arg(const char *cmd, const char *opt, const char *arg, const char **out);

/* --max-queues N (slots in the monitor's maps) and --idle-timeout S: 0, or EXIT_USAGE after saying why. */
int cli_max_queues_arg(const char *cmd, const char *arg, unsigned int *out);
int cli_idle_timeout_arg(const char *cmd, const char *arg, unsigned long long *ns);

/* A decimal in [min, max], nothing else; 0 or -1. */
int cli_parse_uint(const char *arg, unsigned long min, unsigned long max, unsigned long *out);
/* Seconds in [min, max], may be fractional; 0 or -1. */
int cli_parse_seconds(const char *arg, double min, double max, double *out);

#endif
