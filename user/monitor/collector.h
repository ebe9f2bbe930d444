/* SPDX-License-Identifier: GPL-2.0 */
/* The collector: reads the per-CPU counter maps into snapshots. No decisions. */
#ifndef VQMOD_COLLECTOR_H
#define VQMOD_COLLECTOR_H

#include "core/sample.h"
#include "core/vm.h"

struct collector {
	int stats_fd, names_fd;
	int ncpus;
	__u32 max_entries;
	struct vq_key *keys;
	struct vq_counters *values; /* max_entries * ncpus */
	struct vq_snapshot names;   /* identities already read, by key */
	struct vm_cache vms;	    /* the VMs that own vhost queues */
};

int collector_init(struct collector *col, int stats_fd, int names_fd);
void collector_free(struct collector *col);
/* Reads every queue's counters, summed over CPUs, stamped with CLOCK_MONOTONIC. */
int collector_read(struct collector *col, struct vq_snapshot *snap);

#endif
