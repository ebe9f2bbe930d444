/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pinning the monitor in bpffs, so it outlives vqmod and bpftool or a later
 * `vqmod top --from-pinned` can read it. Layout under DIR:
 *   maps/<map>    vq_stats, vq_names, ... (bpftool map dump pinned)
 *   links/<prog>  one per attached program; removing them detaches
 * `bpftool prog loadall vqmon_host.bpf.o DIR autoattach pinmaps DIR/maps`
 * makes the same maps, and its links as DIR/<prog>: pin_open and pin_remove
 * take that layout too.
 */
#ifndef VQMOD_PIN_H
#define VQMOD_PIN_H

#include <stddef.h>
#include "loader.h"

#define PIN_MAX_HOOKS 16

struct pinned {
	struct vqmon_maps maps; /* -1 where not open */
	size_t nhooks;
	struct hook_status hooks[PIN_MAX_HOOKS]; /* as the pinned links make them */
};

/* Each returns an enum vqmod_exit; on failure err says why in one line. */
/* dir, which need not exist yet, can be a pin: its parent is on bpffs, its name has no dot. */
int pin_check_dir(const char *dir, char *err, size_t errlen);
int pin_monitor(struct vqmon *mon, const char *dir, char *err, size_t errlen);
int pin_remove(const char *dir, char *err, size_t errlen);
/* Nothing open yet: what pin_close may be given. */
void pin_init(struct pinned *p);
int pin_open(struct pinned *p, const char *dir, char *err, size_t errlen);
void pin_close(struct pinned *p);

#endif
