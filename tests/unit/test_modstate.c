// SPDX-License-Identifier: GPL-2.0
/* The state a vqmod run publishes for vqmod top: written, read back, aged. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "core/modstate.h"

static void round_trip(void)
{
	char path[] = "/tmp/vqmod-modstate.XXXXXX";
	struct modstate *w = calloc(1, sizeof(*w)), *r = calloc(1, sizeof(*r));
	struct modstate_queue *q;
	const struct vq_moderation *m;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(w && r && fd >= 0))
		goto out;
	modstate_init(w);
	modstate_init(r);
	w->pid = getpid();
	snprintf(w->actuator, sizeof(w->actuator), "vqsim");
	q = modstate_queue(w, "virtio2", 0);
	if (!ASSERT_TRUE(q != NULL))
		goto out;
	q->m.coalesce_known = true;
	q->m.usecs = 64;
	q->m.frames = 256;
	q->m.decisions = 7;
	/* more than it keeps: the oldest drop out */
	for (unsigned int i = 0; i < MODSTATE_RECENT + 2; i++) {
		struct vq_decision d = {.time = 100 + i, .old_usecs = i, .usecs = i + 1, .frames = 256};

		snprintf(d.reason, sizeof(d.reason), "dim");
		modstate_decided(q, &d);
	}
	ASSERT_EQ(modstate_write(path, w), 0);
	ASSERT_EQ(modstate_read(path, r), 0);
	ASSERT_STREQ(r->actuator, "vqsim");
	m = modstate_find(r, "virtio2", 0);
	if (!ASSERT_TRUE(m != NULL))
		goto out;
	ASSERT_EQ(m->usecs, 64);
	ASSERT_EQ(m->frames, 256);
	ASSERT_EQ(m->decisions, 7);
	ASSERT_EQ(m->nrecent, MODSTATE_RECENT);
	ASSERT_EQ(m->recent[0].old_usecs, 2); /* decisions 0 and 1 dropped */
	ASSERT_STREQ(m->recent[MODSTATE_RECENT - 1].reason, "dim");
	ASSERT_TRUE(modstate_find(r, "virtio2", 1) == NULL);
	/* a writer that is gone publishes nothing */
	w->pid = 0x7ffffff0;
	ASSERT_EQ(modstate_write(path, w), 0);
	ASSERT_EQ(modstate_read(path, r), -ENOENT);
out:
	if (fd >= 0)
		unlink(path);
	if (w)
		modstate_free(w);
	if (r)
		modstate_free(r);
	free(w);
	free(r);
}

/* No cap on queues (a host has thousands), and lookups find each one. */
static void many_queues(void)
{
	char path[] = "/tmp/vqmod-modstate.XXXXXX", dev[16];
	struct modstate w, r;
	int fd = mkstemp(path);
	size_t found = 0;

	if (!ASSERT_TRUE(fd >= 0))
		return;
	modstate_init(&w);
	modstate_init(&r);
	w.pid = getpid();
	snprintf(w.actuator, sizeof(w.actuator), "dry-run");
	for (unsigned int d = 0; d < 100; d++) {
		snprintf(dev, sizeof(dev), "virtio%u", 99 - d); /* not in order */
		for (unsigned int q = 0; q < 33; q++) {
			struct modstate_queue *e = modstate_queue(&w, dev, q);

			if (!ASSERT_TRUE(e != NULL))
				goto out;
			e->m.usecs = d * 100 + q;
		}
	}
	ASSERT_EQ(w.n, 3300);
	ASSERT_EQ(modstate_write(path, &w), 0);
	ASSERT_EQ(modstate_read(path, &r), 0);
	ASSERT_EQ(r.n, 3300);
	for (unsigned int d = 0; d < 100; d++) {
		snprintf(dev, sizeof(dev), "virtio%u", 99 - d);
		for (unsigned int q = 0; q < 33; q++) {
			const struct vq_moderation *m = modstate_find(&r, dev, q);

			found += m && m->usecs == d * 100 + q;
		}
	}
	ASSERT_EQ(found, 3300);
out:
	unlink(path);
	close(fd);
	modstate_free(&w);
	modstate_free(&r);
}

int main(int argc, char **argv)
{
	RUN("modstate", round_trip);
	RUN("modstate", many_queues);
	return 0;
}
