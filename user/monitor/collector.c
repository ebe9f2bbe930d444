// SPDX-License-Identifier: GPL-2.0
/* Batch reads of vqmon's maps into snapshots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "core/clock.h"
#include "collector.h"

int collector_init(struct collector *col, int stats_fd, int names_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	memset(col, 0, sizeof(*col));
	col->stats_fd = stats_fd;
	col->names_fd = names_fd;
	col->ncpus = libbpf_num_possible_cpus();
	if (col->ncpus <= 0)
		return -EINVAL;
	if (bpf_obj_get_info_by_fd(stats_fd, &info, &len))
		return -errno;
	if (info.value_size != sizeof(struct vq_counters) || info.key_size != sizeof(struct vq_key))
		return -EPROTO; /* a map from another vqmod version */
	col->max_entries = info.max_entries;
	col->keys = calloc(col->max_entries, sizeof(*col->keys));
	col->values = calloc((size_t)col->max_entries * col->ncpus, sizeof(*col->values));
	vq_snapshot_init(&col->names);
	vm_cache_init(&col->vms);
	if (!col->keys || !col->values) {
		collector_free(col);
		return -ENOMEM;
	}
	return 0;
}

void collector_free(struct collector *col)
{
	free(col->keys);
	free(col->values);
	vq_snapshot_free(&col->names);
	vm_cache_free(&col->vms);
	col->keys = NULL;
	col->values = NULL;
}

/* A vhost worker is named after the process that owns the device: "vhost-<qemu pid>". */
static void owner_vm(struct collector *col, struct vq_ident *id)
{
	const struct vm_ident *vm;
	int pid;

	if (id->key.source != VQ_SRC_VHOST && id->key.source != VQ_SRC_VHOST_VDPA)
		return;
	if (sscanf(id->dev, "vhost-%d", &pid) != 1 || pid <= 0)
		return;
	vm = vm_cache_get(&col->vms, pid);
	if (vm)
		id->vm = *vm;
	else
		id->vm.pid = pid; /* gone already: known by its pid only */
}

/* A queue's identity: read from vq_names once it has a name, then cached (returns 1). */
static int identity(struct collector *col, size_t cached, const struct vq_key *key, struct vq_ident *id)
{
	const struct vq_entry *known = vq_snapshot_find(&col->names, cached, key); /* the sorted part */
	struct vq_info info;

	if (known) {
		*id = known->id;
		return 0;
	}
	if (bpf_map_lookup_elem(col->names_fd, key, &info)) {
		vq_ident_init(id, key, NULL); /* not named yet: ask again next time */
		return 0;
	}
	vq_ident_init(id, key, &info);
	owner_vm(col, id);
	return 1;
}

int collector_read(struct collector *col, struct vq_snapshot *snap)
{
	__u32 count, batch, total = 0;
	size_t cached = col->names.n;
	void *in = NULL;
	int err;

	snap->n = 0;
	snap->time_ns = clock_mono_ns();
	do {
		count = col->max_entries - total;
		err = bpf_map_lookup_batch(col->stats_fd, in, &batch, col->keys + total,
					   col->values + (size_t)total * col->ncpus, &count, NULL);
		if (err && errno != ENOENT)
			return -errno;
		total += count;
		in = &batch;
	} while (!err && total < col->max_entries);

	for (__u32 i = 0; i < total; i++) {
		const struct vq_counters *v = col->values + (size_t)i * col->ncpus;
		struct vq_counters sum = {};
		struct vq_ident id;

		for (int cpu = 0; cpu < col->ncpus; cpu++) {
			sum.irqs += v[cpu].irqs;
			sum.spurious += v[cpu].spurious;
			sum.packets += v[cpu].packets;
			sum.bytes += v[cpu].bytes;
			sum.handler_ns += v[cpu].handler_ns;
			sum.kicks += v[cpu].kicks;
			sum.polls += v[cpu].polls;
			if (v[cpu].last_ns > sum.last_ns)
				sum.last_ns = v[cpu].last_ns;
		}
		if (identity(col, cached, &col->keys[i], &id) > 0 && vq_snapshot_add(&col->names, &id, &sum))
			return -ENOMEM;
		if (vq_snapshot_add(snap, &id, &sum))
			return -ENOMEM;
	}
	if (col->names.n != cached)
		vq_snapshot_sort(&col->names);
	vq_snapshot_sort(snap);
	return 0;
}
