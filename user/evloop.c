// SPDX-License-Identifier: GPL-2.0
/* timerfd + signalfd + poll: the whole of a loop, with no signal handlers. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <bpf/libbpf.h>
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

/* Early ticks come no closer than this: wake-ups are hints, not a clock. */
#define EARLY_GAP_NS 1000000ULL

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

int evloop_run(struct evloop *l)
{
	struct vq_snapshot snaps[2];
	struct pollfd fds[3] = {
		{ .fd = signals_fd(), .events = POLLIN },
		{ .fd = timer_fd(l->interval_s), .events = POLLIN },
		{ .fd = l->wake ? ring_buffer__epoll_fd(l->wake) : -1, .events = POLLIN },
	};
	__u64 deadline = 0;
	int cur = 0, err = 0;

	vq_snapshot_init(&snaps[0]);
	vq_snapshot_init(&snaps[1]);
	if (fds[0].fd < 0 || fds[1].fd < 0) {
		err = -errno;
		goto out;
	}
	err = collector_read(l->col, &snaps[cur]);
	if (l->duration_s > 0)
		deadline = snaps[cur].time_ns + (__u64)(l->duration_s * 1e9);
	while (!err) {
		bool early = false;
		__u64 expirations;

		if (poll(fds, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		if (fds[0].revents) /* a stop signal: a clean end */
			break;
		if (fds[2].revents) {
			ring_buffer__consume(l->wake);
			early = collector_now_ns() - snaps[cur].time_ns >= EARLY_GAP_NS;
		}
		if (fds[1].revents && read(fds[1].fd, &expirations, sizeof(expirations)) < 0)
			continue;
		if (!fds[1].revents && !early)
			continue;
		l->early_ticks += !fds[1].revents;
		err = collector_read(l->col, &snaps[!cur]);
		if (err)
			break;
		cur = !cur;
		err = l->tick(l->arg, &snaps[!cur], &snaps[cur]);
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

struct ring_buffer *evloop_wakeups(int map_fd)
{
	return ring_buffer__new(map_fd, discard, NULL, NULL);
}
