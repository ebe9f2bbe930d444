/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Replacing a file so that readers see the old or the new one whole, never
 * a part: the restore record, the moderation state, the Prometheus textfile.
 */
#ifndef VQMOD_ATOMIC_FILE_H
#define VQMOD_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

#define ATOMIC_FILE_SYNC  (1U << 0) /* fsync before the rename: it must survive a crash */
#define ATOMIC_FILE_MKDIR (1U << 1) /* create the parent directory (mode 0700) if missing */

/* Writes text to path.tmp, then renames it over path. Returns 0 or -errno. */
int atomic_file_write(const char *path, const char *text, size_t len, mode_t mode, unsigned int flags);

#endif
