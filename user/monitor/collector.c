// SPDX-License-Identifier: GPL-2.0
/*
 * Reading vqmon's slots: counters straight from the mmapped vq_stats, a
 * name once per identity from vq_names, and the slots of long idle queues
 * handed back to the monitor.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "core/clock.h"
#include "collector.h"

struct collector_slot {
	__u32 gen;
	struct vq_info info; /* as BPF wrote it: the keys to its caches, for freeing */
	struct vq_ident *id; /* shared with the snapshots */
	struct vq_counters last; /* as last read */
	__u64 changed_ns;	 /* when a counter last moved */
};

static int map_info(int fd, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, len);
	return bpf_obj_get_info_by_fd(fd, info, &len) ? -errno : 0;
}

int collector_init(struct collector *col, const struct vqmon_maps *maps, __u64 idle_timeout_ns)
{
	struct bpf_map_info stats, names;
	long page = sysconf(_SC_PAGESIZE);
	int err;

	memset(col, 0, sizeof(*col));
	col->maps = *maps;
	col->idle_timeout_ns = idle_timeout_ns;
	vm_cache_init(&col->vms);
	err = map_info(maps->stats, &stats) ?: map_info(maps->names, &names);
	if (err)
		return err;
	/* a map from another vqmod version */
	if (stats.value_size != sizeof(struct vq_counters) || names.value_size != sizeof(struct vq_info) ||
	    !(stats.map_flags & BPF_F_MMAPABLE))
		return -EPROTO;
	col->max_queues = stats.max_entries;
	col->stats_len = ((size_t)stats.max_entries * stats.value_size + page - 1) / page * page;
	col->stats = mmap(NULL, col->stats_len, PROT_READ | PROT_WRITE, MAP_SHARED, maps->stats, 0);
	if (col->stats == MAP_FAILED) {
		col->stats = NULL;
		return -errno;
	}
	col->slots = calloc(col->max_queues, sizeof(*col->slots));
	col->order = calloc(col->max_queues, sizeof(*col->order));
	if (!col->slots || !col->order) {
		collector_free(col);
		return -ENOMEM;
	}
	return 0;
}

void collector_free(struct collector *col)
{
	if (col->slots)
		for (__u32 s = 0; s < col->max_queues; s++)
			if (col->slots[s]) {
				vq_ident_put(col->slots[s]->id);
				free(col->slots[s]);
			}
	free(col->slots);
	free(col->order);
	if (col->stats)
		munmap(col->stats, col->stats_len);
	vm_cache_free(&col->vms);
	col->slots = NULL;
	col->order = NULL;
	col->stats = NULL;
}

static void drop(struct collector *col, __u32 s)
{
	if (col->slots[s])
		vq_ident_put(col->slots[s]->id);
	free(col->slots[s]);
	col->slots[s] = NULL;
	col->reorder = true;
}

/* A new identity in slot s: its names, and its VM for a vhost queue. NULL until BPF finished it. */
static struct collector_slot *identify(struct collector *col, __u32 s, __u32 gen, __u64 now)
{
	struct collector_slot *cs = col->slots[s];
	struct vq_ident id;
	struct vq_key key;

	if (!cs && !(cs = calloc(1, sizeof(*cs))))
		return NULL;
	col->slots[s] = cs;
	if (bpf_map_lookup_elem(col->maps.names, &s, &cs->info) || cs->info.gen != gen) {
		drop(col, s);
		return NULL;
	}
	key = cs->info.key;
	key.gen = gen;
	vq_ident_init(&id, &key, &cs->info);
	if (id.vm.pid) {
		const struct vm_ident *vm = vm_cache_get(&col->vms, id.vm.pid);

		if (vm)
			id.vm = *vm; /* else gone already: known by its pid only */
	}
	vq_ident_put(cs->id); /* the identity the slot had before */
	cs->id = vq_ident_new(&id);
	if (!cs->id) {
		drop(col, s);
		return NULL;
	}
	cs->gen = gen;
	memset(&cs->last, 0, sizeof(cs->last));
	cs->changed_ns = now;
	col->reorder = true;
	return cs;
}

/* Hands an idle queue's slot back to the monitor: its next event is a new identity. */
static void reclaim(struct collector *col, __u32 s)
{
	struct collector_slot *cs = col->slots[s];
	__u32 live = VQ_SLOT_LIVE;
	struct vq_key key = cs->info.key;

	/* a removal hook, or another vqmod, may free it at the same time: one of us does */
	if (!__atomic_compare_exchange_n(&col->stats[s].state, &live, VQ_SLOT_FREE, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		drop(col, s);
		return;
	}
	__atomic_store_n(&col->stats[s].gen, 0, __ATOMIC_SEQ_CST);
	key.gen = 0;
	bpf_map_delete_elem(col->maps.ids, &key);
	bpf_map_delete_elem(col->maps.ptrs, &cs->info.ptr);
	if (cs->info.ctx)
		bpf_map_delete_elem(col->maps.ctxs, &cs->info.ctx);
	bpf_map_delete_elem(col->maps.names, &s);
	bpf_map_update_elem(col->maps.free, NULL, &s, BPF_ANY);
	col->reclaimed++;
	drop(col, s);
}

static struct collector *sorting; /* qsort has no context argument */

static int by_key(const void *a, const void *b)
{
	return vq_key_cmp(&sorting->slots[*(const __u32 *)a]->id->key, &sorting->slots[*(const __u32 *)b]->id->key);
}

/* Counters as they are now; false if the slot changed hands meanwhile. */
static bool read_counters(const struct vq_counters *c, __u32 gen, struct vq_counters *out)
{
	out->gen = gen;
	out->state = VQ_SLOT_LIVE;
	out->irqs = __atomic_load_n(&c->irqs, __ATOMIC_RELAXED);
	out->spurious = __atomic_load_n(&c->spurious, __ATOMIC_RELAXED);
	out->packets = __atomic_load_n(&c->packets, __ATOMIC_RELAXED);
	out->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	out->handler_ns = __atomic_load_n(&c->handler_ns, __ATOMIC_RELAXED);
	out->kicks = __atomic_load_n(&c->kicks, __ATOMIC_RELAXED);
	out->polls = __atomic_load_n(&c->polls, __ATOMIC_RELAXED);
	return __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE) == gen;
}

int collector_read(struct collector *col, struct vq_snapshot *snap)
{
	struct vqmon_state st = {};
	__u32 zero = 0, used;
	__u64 now;

	vq_snapshot_clear(snap);
	if (bpf_map_lookup_elem(col->maps.state, &zero, &st))
		return -errno;
	col->refused_queues = st.refused_queues;
	col->refused_events = st.refused_events;
	col->gone = st.gone;
	now = snap->time_ns = clock_mono_ns();
	used = st.next_slot < col->max_queues ? st.next_slot : col->max_queues;
	for (__u32 s = 0; s < used; s++) {
		const struct vq_counters *c = &col->stats[s];
		__u32 gen = __atomic_load_n(&c->gen, __ATOMIC_ACQUIRE);
		struct collector_slot *cs = col->slots[s];
		struct vq_counters now_c;

		if (!gen || __atomic_load_n(&c->state, __ATOMIC_RELAXED) != VQ_SLOT_LIVE) {
			if (cs)
				drop(col, s); /* freed: a removal hook, or another vqmod */
			continue;
		}
		if (!cs || cs->gen != gen) {
			cs = identify(col, s, gen, now);
			if (!cs)
				continue;
		}
		if (!read_counters(c, gen, &now_c)) {
			drop(col, s);
			continue;
		}
		if (memcmp(&now_c, &cs->last, sizeof(now_c))) {
			cs->last = now_c;
			cs->changed_ns = now;
		} else if (col->idle_timeout_ns && now - cs->changed_ns >= col->idle_timeout_ns) {
			reclaim(col, s);
		}
	}
	if (col->reorder) {
		col->norder = 0;
		for (__u32 s = 0; s < col->max_queues; s++)
			if (col->slots[s])
				col->order[col->norder++] = s;
		sorting = col;
		qsort(col->order, col->norder, sizeof(*col->order), by_key);
		col->reorder = false;
	}
	for (size_t i = 0; i < col->norder; i++) {
		const struct collector_slot *cs = col->slots[col->order[i]];

		if (vq_snapshot_add(snap, cs->id, &cs->last))
			return -ENOMEM;
	}
	return 0;
}

void collector_health(const struct collector *col, struct monitor_health *out)
{
	out->max_queues = col->max_queues;
	out->refused_queues = col->refused_queues;
	out->refused_events = col->refused_events;
	out->gone = col->gone;
	out->reclaimed = col->reclaimed;
}
