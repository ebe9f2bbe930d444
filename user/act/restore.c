// SPDX-License-Identifier: GPL-2.0
/* The restore record: one line per queue, replaced by atomic rename. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/array.h"
#include "core/atomic_file.h"
#include "restore.h"

void restore_init(struct restore *r, const char *path)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->path, sizeof(r->path), "%s", path ?: RESTORE_DEFAULT_PATH);
}

void restore_free(struct restore *r)
{
	free(r->e);
	r->e = NULL;
	r->n = r->cap = 0;
}

static bool same(const struct restore_entry *e, const char *actuator, const struct act_target *t)
{
	return !strcmp(e->actuator, actuator) && !strcmp(e->target.dev, t->dev) && e->target.queue == t->queue &&
	       e->target.tx == t->tx;
}

static int add(struct restore *r, const struct restore_entry *e)
{
	struct restore_entry *n = array_grow(r->e, &r->cap, r->n + 1, sizeof(*n));

	if (!n)
		return -ENOMEM;
	r->e = n;
	r->e[r->n++] = *e;
	return 0;
}

/* The whole record, replaced at once: never half a file, and on disk before it is relied on. */
static int save(struct restore *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	if (!r->n) {
		if (unlink(r->path) && errno != ENOENT)
			return -errno;
		return 0;
	}
	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	fprintf(f, "# vqmod: original coalescing; 'vqmod restore' puts it back\n");
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "%s %s %u %s %u %u\n", r->e[i].actuator, r->e[i].target.dev, r->e[i].target.queue,
			r->e[i].target.tx ? "tx" : "rx", r->e[i].orig.usecs, r->e[i].orig.frames);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	/* /run/vqmod: made on first use */
	err = atomic_file_write(r->path, text, len, 0600, ATOMIC_FILE_SYNC | ATOMIC_FILE_MKDIR);
	free(text);
	return err;
}

int restore_load(struct restore *r)
{
	char line[256], side[4];
	struct restore_entry e;
	FILE *f = fopen(r->path, "re");
	int err = 0;

	if (!f)
		return -errno;
	while (!err && fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		memset(&e, 0, sizeof(e));
		if (sscanf(line, "%15s %31s %u %3s %u %u", e.actuator, e.target.dev, &e.target.queue, side,
			   &e.orig.usecs, &e.orig.frames) != 6) {
			err = -EINVAL;
			break;
		}
		e.target.tx = !strcmp(side, "tx");
		err = add(r, &e);
	}
	fclose(f);
	return err;
}

int restore_record(struct restore *r, const char *actuator, const struct act_target *t, const struct coalesce *orig)
{
	struct restore_entry e = {.target = *t, .orig = *orig};
	int err;

	for (size_t i = 0; i < r->n; i++)
		if (same(&r->e[i], actuator, t))
			return 0; /* the first original is the one to keep */
	snprintf(e.actuator, sizeof(e.actuator), "%s", actuator);
	err = add(r, &e);
	return err ?: save(r);
}

int restore_forget(struct restore *r, const char *actuator, const struct act_target *t)
{
	for (size_t i = 0; i < r->n; i++) {
		if (same(&r->e[i], actuator, t)) {
			r->e[i] = r->e[--r->n];
			return save(r);
		}
	}
	return 0;
}

size_t restore_apply(struct restore *r, struct actuator *a, FILE *log)
{
	size_t kept = 0, failed = 0;
	int err;

	for (size_t i = 0; i < r->n; i++) {
		struct act_setting s = {.target = r->e[i].target, .coal = r->e[i].orig};

		if (strcmp(r->e[i].actuator, a->ops->name)) {
			r->e[kept++] = r->e[i]; /* another actuator's */
			continue;
		}
		if (a->ops->set(a, &s, 1)) {
			if (s.err == -ENODEV) { /* the device is gone, and its setting with it */
				fprintf(log, "vqmod: %s is gone: nothing to restore\n", s.target.dev);
				continue;
			}
			fprintf(log, "vqmod: restore %s %s queue %u: %s\n", a->ops->name, s.target.dev, s.target.queue,
				a->err);
			r->e[kept++] = r->e[i];
			failed++;
			continue;
		}
		fprintf(log, "vqmod: restored %s queue %u%s to %u us, %u frames\n", s.target.dev, s.target.queue,
			!strcmp(a->ops->name, "ethtool") ? (s.target.tx ? " tx" : " rx") : "", s.coal.usecs,
			s.coal.frames);
	}
	r->n = kept;
	err = save(r);
	if (err)
		fprintf(log, "vqmod: cannot update %s: %s\n", r->path, strerror(-err));
	return failed;
}
