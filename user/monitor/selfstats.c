// SPDX-License-Identifier: GPL-2.0
/* Per-program run time and count from bpf_prog_info, between two reads. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "selfstats.h"

static int prog_totals(int fd, __u64 *run_ns, __u64 *run_cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*run_ns = info.run_time_ns;
	*run_cnt = info.run_cnt;
	return 0;
}

int selfstats_start(struct selfstats *st, struct bpf_program **progs, struct bpf_program **baselines, size_t n)
{
	memset(st, 0, sizeof(*st));
	st->enable_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (st->enable_fd < 0)
		return -errno;
	for (size_t i = 0; i < n && st->n < SELFSTATS_MAX; i++) {
		int fd = bpf_program__fd(progs[i]);

		if (fd < 0)
			continue;
		st->prog[st->n].fd = fd;
		st->prog[st->n].base_fd = baselines && baselines[i] ? bpf_program__fd(baselines[i]) : -1;
		strncpy(st->prog[st->n].name, bpf_program__name(progs[i]), sizeof(st->prog[0].name) - 1);
		prog_totals(fd, &st->prog[st->n].run_ns, &st->prog[st->n].run_cnt);
		if (st->prog[st->n].base_fd >= 0)
			prog_totals(st->prog[st->n].base_fd, &st->prog[st->n].base_ns, &st->prog[st->n].base_cnt);
		st->n++;
	}
	return 0;
}

int selfstats_read(struct selfstats *st, double seconds, struct prog_sample *out)
{
	for (size_t i = 0; i < st->n; i++) {
		__u64 ns, cnt;
		int err = prog_totals(st->prog[i].fd, &ns, &cnt);

		if (err)
			return err;
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, st->prog[i].name, sizeof(out[i].name));
		out[i].events = cnt - st->prog[i].run_cnt;
		out[i].run_ns = ns - st->prog[i].run_ns;
		out[i].event_rate = seconds > 0 ? out[i].events / seconds : 0;
		out[i].ns_per_event = out[i].events ? (double)out[i].run_ns / out[i].events : 0;
		out[i].cpu_percent = seconds > 0 ? out[i].run_ns / (seconds * 1e7) : 0;
		st->prog[i].run_ns = ns;
		st->prog[i].run_cnt = cnt;
		out[i].has_baseline = st->prog[i].base_fd >= 0;
		if (!out[i].has_baseline || prog_totals(st->prog[i].base_fd, &ns, &cnt))
			continue;
		out[i].base_events = cnt - st->prog[i].base_cnt;
		out[i].base_ns_per_event =
		    out[i].base_events ? (double)(ns - st->prog[i].base_ns) / out[i].base_events : 0;
		st->prog[i].base_ns = ns;
		st->prog[i].base_cnt = cnt;
	}
	return 0;
}

void selfstats_stop(struct selfstats *st)
{
	if (st->enable_fd >= 0)
		close(st->enable_fd);
	st->enable_fd = -1;
}
