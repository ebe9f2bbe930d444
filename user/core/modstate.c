// SPDX-License-Identifier: GPL-2.0
/* The moderation state file: a line per queue and per recent decision. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "array.h"
#include "atomic_file.h"
#include "modstate.h"

void modstate_init(struct modstate *s)
{
	memset(s, 0, sizeof(*s));
}

void modstate_free(struct modstate *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->q[i]);
	free(s->q);
	modstate_init(s);
}

struct queue_key {
	const char *dev;
	unsigned int index;
};

static int entry_cmp(const void *key, const void *entry)
{
	const struct queue_key *k = key;
	const struct modstate_queue *q = *(struct modstate_queue *const *)entry;
	int c = strcmp(k->dev, q->dev);

	return c ? c : (k->index > q->index) - (k->index < q->index);
}

/* Where the queue is, or would go (*found false). */
static size_t lookup(const struct modstate *s, const char *dev, unsigned int index, bool *found)
{
	struct queue_key k = {dev, index};

	return array_lower_bound(s->q, s->n, sizeof(*s->q), &k, entry_cmp, found);
}

struct modstate_queue *modstate_queue(struct modstate *s, const char *dev, unsigned int index)
{
	struct modstate_queue *e, **q;
	bool found;
	size_t i = lookup(s, dev, index, &found);

	if (found)
		return s->q[i];
	q = array_grow(s->q, &s->cap, s->n + 1, sizeof(*s->q));
	e = calloc(1, sizeof(*e));
	if (!q || !e) {
		free(e);
		return NULL;
	}
	s->q = q;
	snprintf(e->dev, sizeof(e->dev), "%s", dev);
	e->index = index;
	e->m.recent = e->recent;
	memmove(&s->q[i + 1], &s->q[i], (s->n - i) * sizeof(*s->q));
	s->q[i] = e;
	s->n++;
	return e;
}

void modstate_forget(struct modstate *s, struct modstate_queue *q)
{
	bool found;
	size_t i = lookup(s, q->dev, q->index, &found);

	if (!found || s->q[i] != q)
		return;
	memmove(&s->q[i], &s->q[i + 1], (s->n - i - 1) * sizeof(*s->q));
	s->n--;
	free(q);
}

void modstate_decided(struct modstate_queue *q, const struct vq_decision *d)
{
	if (q->m.nrecent == MODSTATE_RECENT) {
		memmove(q->recent, q->recent + 1, sizeof(q->recent) - sizeof(q->recent[0]));
		q->m.nrecent--;
	}
	q->recent[q->m.nrecent++] = *d;
}

int modstate_write(const char *path, const struct modstate *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int err;

	if (!f)
		return -errno;
	fprintf(f, "vqmod-run %d %s\n", s->pid, s->actuator);
	for (size_t i = 0; i < s->n; i++) {
		const struct modstate_queue *q = s->q[i];

		fprintf(f, "queue %s %u %u %u %d %llu %s\n", q->dev, q->index, q->m.usecs, q->m.frames,
			q->m.coalesce_known, (unsigned long long)q->m.decisions, q->m.state[0] ? q->m.state : "-");
		for (size_t j = 0; j < q->m.nrecent; j++)
			fprintf(f, "decision %.3f %u %u %u %u %s\n", q->recent[j].time, q->recent[j].old_usecs,
				q->recent[j].old_frames, q->recent[j].usecs, q->recent[j].frames, q->recent[j].reason);
	}
	if (fclose(f))
		return -ENOMEM;
	/* a view for top, not a record: no fsync, and none per tick */
	err = atomic_file_write(path, text, len, 0644, ATOMIC_FILE_MKDIR);
	free(text);
	return err;
}

int modstate_read(const char *path, struct modstate *s)
{
	char line[256], word[16];
	struct modstate_queue *q = NULL;
	FILE *f = fopen(path, "re");

	modstate_free(s);
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "vqmod-run %d %15s", &s->pid, s->actuator) != 2 ||
	    kill(s->pid, 0)) {
		fclose(f);
		return -ENOENT; /* not ours, or its writer is gone */
	}
	while (fgets(line, sizeof(line), f)) {
		struct vq_decision d = {};
		char dev[16];
		unsigned int index, known;
		unsigned long long n;
		struct vq_moderation m = {};

		if (sscanf(line, "%15s", word) != 1)
			continue;
		if (!strcmp(word, "queue") &&
		    sscanf(line, "queue %15s %u %u %u %u %llu %15s", dev, &index, &m.usecs, &m.frames, &known, &n,
			   m.state) == 7 &&
		    (q = modstate_queue(s, dev, index))) {
			q->m.usecs = m.usecs;
			q->m.frames = m.frames;
			q->m.coalesce_known = known;
			q->m.decisions = n;
			memcpy(q->m.state, m.state, sizeof(m.state));
		} else if (!strcmp(word, "decision") && q &&
			   sscanf(line, "decision %lf %u %u %u %u %47s", &d.time, &d.old_usecs, &d.old_frames, &d.usecs,
				  &d.frames, d.reason) == 6) {
			modstate_decided(q, &d);
		}
	}
	fclose(f);
	return 0;
}

const struct vq_moderation *modstate_find(const struct modstate *s, const char *dev, unsigned int index)
{
	bool found;
	size_t i = lookup(s, dev, index, &found);

	return found ? &s->q[i]->m : NULL;
}
