/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The loader: opens the BPF objects, probes which hooks this kernel takes,
 * loads and attaches one alternative per hook group, and reports which.
 */
#ifndef VQMOD_LOADER_H
#define VQMOD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include "core/report.h"

struct vqmon;
struct bpf_program;
struct bpf_link;
struct bpf_map;

struct vqmon_opts {
	const char *btf_path;	 /* NULL: the running kernel's own BTF */
	const char *hooks;	 /* comma-separated group names; NULL: all */
	const char *kinds;	 /* allowed attach types (fentry,kprobe,tp_btf,raw_tp); NULL: all */
	bool verbose;		 /* pass libbpf's messages through */
	unsigned int wake_every; /* ring buffer wake-up every N notifications of a queue; 0: off */
	unsigned int max_queues; /* slots in the maps; 0: VQMON_DEFAULT_QUEUES */
};

/* The fds of the monitor's maps, as the collector reads them (from vqmod's load, or a pin). */
struct vqmon_maps {
	int stats, names, ids, ptrs, free, ctxs, state;
};

/* Returns an enum vqmod_exit; on failure err says why in one line. */
int vqmon_open(struct vqmon **out, const struct vqmon_opts *opts, char *err, size_t errlen);
void vqmon_close(struct vqmon *mon);

size_t vqmon_hooks(const struct vqmon *mon, const struct hook_status **hooks);
/* Writes "notify=tp_btf irq_handler_entry/exit kick=- ..." */
void vqmon_hooks_line(const struct vqmon *mon, char *buf, size_t len);
/* True if name is a hook group, or an attach type. */
bool vqmon_group_known(const char *name);
bool vqmon_kind_known(const char *name);
/* 0 if list is comma-separated items that all pass known(), else -1. */
int vqmon_list_parse(const char *list, bool (*known)(const char *));
/* "notify, kick, ...": every hook group, or every attach type, for messages. */
const char *vqmon_group_names(void);
const char *vqmon_kind_names(void);

void vqmon_maps(const struct vqmon *mon, struct vqmon_maps *maps);
/* The ring buffer of wake-ups (struct vq_key records). */
int vqmon_wakeups_fd(const struct vqmon *mon);
/*
 * --baseline: an empty program beside each attached one, on the same hook,
 * so that the monitor's cost above an empty program is measured in the same
 * window. 0, or -errno when none loads.
 */
int vqmon_attach_baseline(struct vqmon *mon);
/* The empty program beside prog, or NULL. */
struct bpf_program *vqmon_baseline_of(const struct vqmon *mon, const struct bpf_program *prog);
/* The attached programs, for their run-time statistics. */
size_t vqmon_programs(const struct vqmon *mon, struct bpf_program **progs, size_t max);

/* For pinning: the attached links with their programs' names, and the maps. */
size_t vqmon_links(const struct vqmon *mon, struct bpf_link **links, const char **names, size_t max);
size_t vqmon_pinnable_maps(const struct vqmon *mon, struct bpf_map **maps, size_t max);
/* Hook status as the named attached programs make it: for a pin made by another vqmod. */
size_t vqmon_hooks_of(const char *const *progs, size_t nprogs, struct hook_status *out, size_t max);

#endif
