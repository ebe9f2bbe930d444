/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The devices' original coalescing, recorded before vqmod first changes a
 * queue, kept on disk so that `vqmod restore` can put it back after a
 * SIGKILL, and put back on every clean exit.
 */
#ifndef VQMOD_RESTORE_H
#define VQMOD_RESTORE_H

#include <stdio.h>
#include "actuator.h"

#define RESTORE_DEFAULT_PATH "/run/vqmod/restore"

struct restore_entry {
	char actuator[16];
	struct act_target target;
	struct coalesce orig;
};

struct restore {
	char path[256];
	size_t n, cap;
	struct restore_entry *e;
};

void restore_init(struct restore *r, const char *path);
void restore_free(struct restore *r);
/* Reads the record on disk; -ENOENT if there is none. */
int restore_load(struct restore *r);
/* Records a queue's original setting and saves the record atomically. */
int restore_record(struct restore *r, const char *actuator, const struct act_target *t, const struct coalesce *orig);
/* Forgets a queue (its device is gone) and saves. */
int restore_forget(struct restore *r, const char *actuator, const struct act_target *t);
/*
 * Puts back every entry of this actuator, logging each to log. Returns how
 * many failed; the record on disk keeps only those.
 */
size_t restore_apply(struct restore *r, struct actuator *a, FILE *log);

#endif
