/* SPDX-License-Identifier: GPL-2.0 */
/* What every subcommand's argument parsing shares. */
#ifndef VQMOD_CLI_H
#define VQMOD_CLI_H

/* "vqmod CMD: <fmt with arg>" and a hint to CMD's --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, const char *arg);

#endif
