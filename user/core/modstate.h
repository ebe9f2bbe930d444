/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a running `vqmod run` holds about each queue, published as a small
 * file beside its restore record, so that `vqmod top` (another process) can
 * show the coalescing in force and the latest decisions.
 */
#ifndef VQMOD_MODSTATE_H
#define VQMOD_MODSTATE_H

#include <stdbool.h>
#include <stddef.h>
#include "report.h"

#define MODSTATE_DEFAULT_PATH "/run/vqmod/moderation"
#define MODSTATE_RECENT	      4

struct modstate_queue {
	char dev[16];		/* the monitored name: virtioN */
	unsigned int index;	/* virtqueue index */
	struct vq_moderation m; /* m.recent points into recent[] */
	struct vq_decision recent[MODSTATE_RECENT];
};

struct modstate {
	char actuator[16];
	int pid; /* of the vqmod run that wrote it */
	size_t n, cap;
	struct modstate_queue **q; /* sorted by dev and index; each entry stays where it is */
};

void modstate_init(struct modstate *s);
void modstate_free(struct modstate *s);

/* Writes the file atomically; -errno. */
int modstate_write(const char *path, const struct modstate *s);
/* Reads it into an initialised s (emptied first); -ENOENT when absent or when its writer is gone. */
int modstate_read(const char *path, struct modstate *s);
/* The queue's entry, or NULL. */
const struct vq_moderation *modstate_find(const struct modstate *s, const char *dev, unsigned int index);
/* The queue's entry, added if new (NULL: out of memory); it stays valid until modstate_free. */
struct modstate_queue *modstate_queue(struct modstate *s, const char *dev, unsigned int index);
/* A queue that is gone: its entry is freed. */
void modstate_forget(struct modstate *s, struct modstate_queue *q);
/* Records a decision about a queue; the oldest drops out. */
void modstate_decided(struct modstate_queue *q, const struct vq_decision *d);

#endif
