/* SPDX-License-Identifier: GPL-2.0 */
/* The two clocks vqmod reads: monotonic for periods, wall for people. */
#ifndef VQMOD_CLOCK_H
#define VQMOD_CLOCK_H

#include <linux/types.h>

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns() and of vqsim's frames. */
__u64 clock_mono_ns(void);
/* Unix time in seconds, with microseconds. */
double clock_wall(void);

#endif
