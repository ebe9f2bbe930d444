/* SPDX-License-Identifier: GPL-2.0 */
/* What every subcommand's argument parsing shares. */
#ifndef VQMOD_CLI_H
#define VQMOD_CLI_H

/* "vqmod CMD: <fmt with arg>" and a hint to CMD's --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);

/*
 * --hooks or --hook-types: checks arg against the known hook groups or
 * attach types and stores it in *out. 0, or EXIT_USAGE after saying why.
 */
int cli_hooks_arg(const char *cmd, const char *opt, const char *arg, const char **out);

#endif
