/* SPDX-License-Identifier: GPL-2.0 */
/* The monitor's own cost: kernel BPF run-time stats, on only while we run. */
#ifndef VQMOD_SELFSTATS_H
#define VQMOD_SELFSTATS_H

#include <stddef.h>
#include <linux/types.h>
#include "core/report.h"

#define SELFSTATS_MAX 32

struct selfstats {
	int enable_fd; /* BPF_STATS_RUN_TIME stays on while this is open */
	size_t n;
	struct {
		int fd, base_fd; /* base_fd: the empty program beside it, or -1 */
		char name[32];
		__u64 run_ns, run_cnt, base_ns, base_cnt;
	} prog[SELFSTATS_MAX];
};

struct bpf_program;

/* baselines: parallel to progs, the empty program beside each (or NULL); may be NULL. */
int selfstats_start(struct selfstats *st, struct bpf_program **progs, struct bpf_program **baselines, size_t n);
/* Fills out[] (st->n entries) with the deltas since the last read. */
int selfstats_read(struct selfstats *st, double seconds, struct prog_sample *out);
void selfstats_stop(struct selfstats *st);

#endif
