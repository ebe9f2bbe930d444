/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Claims: one vqmod run sets a device at a time, and one uses a restore
 * record. A claim is an flock on a file that names its holder's pid; the
 * kernel drops it when the holder exits, even by SIGKILL, so a claim never
 * outlives its run.
 */
#ifndef VQMOD_CLAIM_H
#define VQMOD_CLAIM_H

#include <stddef.h>
#include <sys/types.h>

/* Where device claims live: one file per actuator and device. */
#define CLAIM_DIR "/run/vqmod/claims"

struct claims {
	int *fd;
	size_t n, cap;
};

void claims_init(struct claims *c);
/*
 * Claims path (made with its directory if missing). 0: claimed, now or
 * before by this process; -EBUSY: another process holds it (*holder its pid,
 * or 0 when unknown); or a negative errno.
 */
int claim_path(struct claims *c, const char *path, pid_t *holder);
/* Claims the device dev of actuator act under CLAIM_DIR, as claim_path. */
int claim_device(struct claims *c, const char *act, const char *dev, pid_t *holder);
/* Releases every claim. */
void claims_free(struct claims *c);

#endif
