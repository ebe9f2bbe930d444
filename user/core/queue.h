/* SPDX-License-Identifier: GPL-2.0 */
/* A virtqueue's identity as shown to people: names, type and source. */
#ifndef VQMOD_QUEUE_H
#define VQMOD_QUEUE_H

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
	struct vm_ident vm; /* the VM the queue serves; vm.pid 0: the host's own */
};

/* Fills id from what BPF recorded (info may be NULL), naming what it could not see. */
void vq_ident_init(struct vq_ident *id, const struct vq_key *key, const struct vq_info *info);
enum vq_type vq_type_of(const char *queue_name, const char *driver, unsigned int index);
const char *vq_type_name(enum vq_type type);
const char *vq_source_name(unsigned int source);
int vq_key_cmp(const struct vq_key *a, const struct vq_key *b);

#endif
