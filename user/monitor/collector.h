/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The collector: reads the monitor's counters (an mmapped array, a slot per
 * queue) into snapshots, with each queue's identity, read once. It frees the
 * slots of queues that have been idle too long, since no hook on the host
 * sees a device go. It makes no decisions.
 */
#ifndef VQMOD_COLLECTOR_H
#define VQMOD_COLLECTOR_H

#include <stdbool.h>
#include "core/report.h"
#include "core/sample.h"
#include "core/vm.h"
#include "loader.h"

/* A queue with no event for this long is forgotten, unless --idle-timeout says otherwise. */
#define COLLECTOR_IDLE_TIMEOUT_S 600

struct collector_slot; /* what the collector knows of one slot */

struct collector {
	struct vqmon_maps maps;
	__u32 max_queues;	   /* slots */
	struct vq_counters *stats; /* vq_stats, mmapped */
	size_t stats_len;
	struct collector_slot **slots; /* max_queues, NULL where no live queue */
	__u32 *order;		       /* live slots, sorted by key */
	size_t norder;
	bool reorder;	       /* the set of live slots changed */
	__u64 idle_timeout_ns; /* 0: never forget a queue */
	struct vm_cache vms;   /* the VMs that own vhost queues */
	/* from the monitor: what it could not count, and what removal hooks freed */
	__u64 refused_queues, refused_events, gone;
	__u64 reclaimed; /* slots this collector freed for idleness */
};

/* Maps the monitor's maps; -EPROTO if they are another vqmod version's. */
int collector_init(struct collector *col, const struct vqmon_maps *maps, __u64 idle_timeout_ns);
void collector_free(struct collector *col);
/* Reads every live queue's counters, stamped with CLOCK_MONOTONIC, in key order. */
int collector_read(struct collector *col, struct vq_snapshot *snap);
/* What the monitor refused and freed, as of the last read. */
void collector_health(const struct collector *col, struct monitor_health *out);

#endif
