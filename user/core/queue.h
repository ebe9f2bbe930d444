/* SPDX-License-Identifier: GPL-2.0 */
/* A virtqueue's identity as shown to people: names, type and source. */
#ifndef VQMOD_QUEUE_H
#define VQMOD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include "vqmon.h"
#include "vm.h"

enum vq_type {
	VQ_TYPE_RX,
	VQ_TYPE_TX,
	VQ_TYPE_CTRL,
	VQ_TYPE_REQ,
	VQ_TYPE_ADMIN,
	VQ_TYPE_OTHER,
};

struct vq_ident {
	struct vq_key key;
	char dev[VQMON_NAME_LEN];
	char queue[VQMON_NAME_LEN];
	char driver[VQMON_DRIVER_LEN];
	char backend[VQMON_NAME_LEN]; /* vhost: the vDPA device or the tap behind the queue */
	enum vq_type type;
	bool irq_bypass; /* vhost-vdpa: its interrupt is registered to bypass the host (VQ_INFO_IRQ_BYPASS) */
	struct vm_ident vm; /* the VM the queue serves; vm.pid 0: the host's own */
	unsigned int refs;  /* of a shared copy (vq_ident_new): snapshots and front ends hold them */
};

/*
 * Identities are shared, not copied, from the collector's cache through
 * snapshots and periods to the front ends: a hypervisor host has 100k of
 * them. vq_ident_new copies one to the heap with one reference; the last
 * vq_ident_put frees it. NULL when out of memory.
 */
struct vq_ident *vq_ident_new(const struct vq_ident *id);
struct vq_ident *vq_ident_get(struct vq_ident *id);
void vq_ident_put(struct vq_ident *id);

/* Fills id from what BPF recorded (info may be NULL), naming what it could not see. */
void vq_ident_init(struct vq_ident *id, const struct vq_key *key, const struct vq_info *info);
enum vq_type vq_type_of(const char *queue_name, const char *driver, unsigned int index);
const char *vq_type_name(enum vq_type type);
const char *vq_source_name(unsigned int source);
/* Whether the source's hooks count packets and bytes: vhost's and vhost-vdpa's see signals only. */
bool vq_source_counts_packets(unsigned int source);
/* Source, device, queue, then generation: the order of snapshots and periods. Inline: it runs per queue per tick. */
static inline int vq_key_cmp(const struct vq_key *a, const struct vq_key *b)
{
	__u64 x = (__u64)a->source << 56 | (__u64)a->dev << 16 | a->queue;
	__u64 y = (__u64)b->source << 56 | (__u64)b->dev << 16 | b->queue;

	if (x != y)
		return x < y ? -1 : 1;
	return (a->gen > b->gen) - (a->gen < b->gen);
}

#endif
