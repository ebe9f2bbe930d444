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
#include "core/clock.h"
#include "evloop.h"
#include "show/httpd.h"

/* Early ticks come no closer than this: wake-ups are hints, not a clock. */
#define EARLY_GAP_NS 1000000ULL

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

static int set_timer(int fd, double seconds)
{
	struct itimerspec its = {};

	its.it_value.tv_sec = (time_t)seconds;
	its.it_value.tv_nsec = (long)((seconds - (time_t)seconds) * 1e9);
	its.it_interval = its.it_value;
	return timerfd_settime(fd, 0, &its, NULL);
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

struct ring_buffer *evloop_wakeups(int map_fd)
{
	return ring_buffer__new(map_fd, discard, NULL, NULL);
}

enum { FD_SIGNAL, FD_TIMER, FD_WAKE, FD_INPUT, FD_HTTPD };

int evloop_run(struct evloop *l)
{
	struct pollfd fds[FD_HTTPD + 1 + HTTPD_MAX_CLIENTS];
	int sig_fd = signals_fd(), timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct vq_snapshot snaps[2];
	__u64 deadline = 0;
	int cur = 0, err = 0;

	vq_snapshot_init(&snaps[0]);
	vq_snapshot_init(&snaps[1]);
	if (sig_fd < 0 || timer_fd < 0 || set_timer(timer_fd, l->interval_s)) {
		err = -errno;
		goto out;
	}
	err = collector_read(l->col, &snaps[cur]) ?: l->tick(l->arg, NULL, &snaps[cur]);
	if (l->duration_s > 0)
		deadline = snaps[cur].time_ns + (__u64)(l->duration_s * 1e9);
	while (!err) {
		size_t n = FD_HTTPD;
		bool timer, early = false;
		__u64 expirations;
		int ready;

		fds[FD_SIGNAL] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
		fds[FD_TIMER] = (struct pollfd){.fd = timer_fd, .events = POLLIN};
		fds[FD_WAKE] = (struct pollfd){.fd = l->wake ? ring_buffer__epoll_fd(l->wake) : -1, .events = POLLIN};
		fds[FD_INPUT] = (struct pollfd){.fd = l->input ? l->input_fd : -1, .events = POLLIN};
		if (l->httpd)
			n += httpd_pollfds(l->httpd, fds + FD_HTTPD);
		ready = poll(fds, n, -1);
		if (ready < 0 && errno != EINTR) {
			err = -errno;
			break;
		}
		if (ready > 0 && fds[FD_SIGNAL].revents) /* a stop signal: a clean end */
			break;
		if (l->input && (ready < 0 || fds[FD_INPUT].revents)) {
			enum evloop_input a = l->input(l->arg, &l->interval_s);

			if (a == EVLOOP_INPUT_QUIT)
				break;
			if (a == EVLOOP_INPUT_INTERVAL && set_timer(timer_fd, l->interval_s)) {
				err = -errno;
				break;
			}
		}
		if (ready < 0)
			continue;
		if (l->httpd)
			httpd_handle(l->httpd, fds + FD_HTTPD, n - FD_HTTPD);
		if (fds[FD_WAKE].revents) {
			ring_buffer__consume(l->wake);
			early = clock_mono_ns() - snaps[cur].time_ns >= EARLY_GAP_NS;
		}
		timer = fds[FD_TIMER].revents && read(timer_fd, &expirations, sizeof(expirations)) > 0;
		if (!timer && !early)
			continue;
		l->early_ticks += !timer;
		err = collector_read(l->col, &snaps[!cur]);
		if (err)
			break;
		cur = !cur;
		err = l->tick(l->arg, &snaps[!cur], &snaps[cur]);
		if (l->pace && pace_note(l->pace, snaps[cur].n * PACE_TICK_NS_PER_QUEUE / 1e9, snaps[cur].n)) {
			l->interval_s = l->pace->period_s;
			if (set_timer(timer_fd, l->interval_s))
				err = err ?: -errno;
		}
		if (deadline && snaps[cur].time_ns >= deadline)
			break;
	}
out:
	if (sig_fd >= 0)
		close(sig_fd);
	if (timer_fd >= 0)
		close(timer_fd);
	vq_snapshot_free(&snaps[0]);
	vq_snapshot_free(&snaps[1]);
	return err < 0 ? err : 0;
}
