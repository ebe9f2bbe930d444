/* SPDX-License-Identifier: GPL-2.0 */
/* vqmod sim: drives the vqsim simulator (netlink) and receives its traffic. */
#ifndef VQMOD_SIM_H
#define VQMOD_SIM_H

int cmd_sim(int argc, char **argv);

#endif
