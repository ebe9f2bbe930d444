/* SPDX-License-Identifier: GPL-2.0 */
/* The subcommands main() dispatches to; each returns an enum vqmod_exit. */
#ifndef VQMOD_COMMANDS_H
#define VQMOD_COMMANDS_H

int cmd_top(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_pin(int argc, char **argv);
int cmd_unpin(int argc, char **argv);
int cmd_sim(int argc, char **argv);

#endif
