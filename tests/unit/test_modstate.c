// SPDX-License-Identifier: GPL-2.0
/* The state a vqmod run publishes for vqmod top: written, read back, aged. */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "modstate.h"

static void round_trip(void)
{
	char path[] = "/tmp/vqmod-modstate.XXXXXX";
	struct modstate *w = calloc(1, sizeof(*w)), *r = calloc(1, sizeof(*r));
	struct modstate_queue *q;
	const struct vq_moderation *m;
	int fd = mkstemp(path);

	if (!ASSERT_TRUE(w && r && fd >= 0))
		goto out;
	w->pid = getpid();
	snprintf(w->actuator, sizeof(w->actuator), "vqsim");
	q = modstate_queue(w, "virtio2", 0);
	q->m.coalesce_known = true;
	q->m.usecs = 64;
	q->m.frames = 256;
	q->m.decisions = 7;
	/* more than it keeps: the oldest drop out */
	for (unsigned int i = 0; i < MODSTATE_RECENT + 2; i++) {
		struct vq_decision d = { .time = 100 + i, .old_usecs = i, .usecs = i + 1, .frames = 256 };

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
	free(w);
	free(r);
}

int main(int argc, char **argv)
{
	RUN("modstate", round_trip);
	return 0;
}
