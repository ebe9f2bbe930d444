/* SPDX-License-Identifier: GPL-2.0 */
/* vqmod sim: drives the vqsim simulator (netlink, sim.c) and receives its traffic (sim_rx.c). */
#ifndef VQMOD_SIM_H
#define VQMOD_SIM_H

#include <stdbool.h>
#include <stdint.h>

int cmd_sim(int argc, char **argv);
int sim_rx(int argc, char **argv);

/* "vqmod sim: <fmt with arg>" and the usage; returns EXIT_USAGE. */
int sim_usage_error(const char *fmt, const char *arg);
/* A number that fits 32 bits (decimal, 0x hex or 0 octal); false if not. */
bool sim_parse_u32(const char *s, uint32_t *out);

#endif
