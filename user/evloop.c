// SPDX-License-Identifier: GPL-2.0
/* timerfd + signalfd + poll: the whole of a loop, with no signal handlers. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "evloop.h"

static int signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN); /* a closed pipe shows as a write error instead */
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int timer_fd(double seconds)
{
	struct itimerspec its = {};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);

	if (fd < 0)
		return -1;
	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
	its.it_interval = its.it_value;
	if (timerfd_settime(fd, 0, &its, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

int evloop_run(struct collector *col, double interval_s, double duration_s, evloop_tick_fn tick, void *arg)
{
	struct vq_snapshot snaps[2];
	struct pollfd fds[2] = { { .fd = signals_fd(), .events = POLLIN }, { .fd = timer_fd(interval_s), .events = POLLIN } };
	__u64 deadline = 0;
	int cur = 0, err = 0;

	vq_snapshot_init(&snaps[0]);
	vq_snapshot_init(&snaps[1]);
	if (fds[0].fd < 0 || fds[1].fd < 0) {
		err = -errno;
		goto out;
	}
	err = collector_read(col, &snaps[cur]);
	if (duration_s > 0)
		deadline = snaps[cur].time_ns + (__u64)(duration_s * 1e9);
	while (!err) {
		__u64 expirations;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (fds[0].revents) /* a stop signal: a clean end */
			break;
		if (!fds[1].revents || read(fds[1].fd, &expirations, sizeof(expirations)) < 0)
			continue;
		err = collector_read(col, &snaps[!cur]);
		if (err)
			break;
		cur = !cur;
		err = tick(arg, &snaps[!cur], &snaps[cur]);
		if (deadline && snaps[cur].time_ns >= deadline)
			break;
	}
out:
	if (fds[0].fd >= 0)
		close(fds[0].fd);
	if (fds[1].fd >= 0)
		close(fds[1].fd);
	vq_snapshot_free(&snaps[0]);
	vq_snapshot_free(&snaps[1]);
	return err;
}
