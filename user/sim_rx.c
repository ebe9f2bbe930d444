// SPDX-License-Identifier: GPL-2.0
/*
 * vqmod sim rx: a test instrument in the guest. It receives the frames of
 * vqsim's traffic source on a packet socket, measures their rate, loss and
 * delay from the device's timestamp, and answers ping-pong frames on tx.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uapi/vqsim.h>
#include "core/clock.h"
#include "core/errors.h"
#include "sim.h"
#include "show/output.h"

#define RX_HIST_US 100000 /* 1 us buckets up to 100 ms, then one overflow bucket */
#define RX_BATCH   64

struct rx_queue {
	uint64_t frames, lost, late, next_seq;
	uint64_t first_ns, last_ns;
	bool seen;
};

struct rx_state {
	struct rx_queue q[VQSIM_MAX_QUEUES];
	uint32_t *hist; /* RX_HIST_US + 1 */
	uint64_t frames, lost, late, replies, bad, max_ns, sum_ns;
	uint64_t sock_drops; /* PACKET_STATISTICS: the socket's queue was full */
	uint64_t first_ns, last_ns;
};

static uint64_t rx_pct(const struct rx_state *s, double p)
{
	uint64_t run = 0;
	uint32_t i;

	if (!s->frames)
		return 0;
	for (i = 0; i <= RX_HIST_US; i++) {
		run += s->hist[i];
		if (run >= p * s->frames)
			return i == RX_HIST_US ? s->max_ns : (uint64_t)i * 1000 + 999;
	}
	return s->max_ns;
}

static void rx_frame(struct rx_state *s, int fd, const struct sockaddr_ll *sll, uint8_t *buf, size_t len, uint64_t now)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct vqsim_frame f;
	struct rx_queue *q;
	uint8_t mac[ETH_ALEN];
	uint64_t d;

	if (len < sizeof(*eth) + sizeof(f) || eth->h_proto != htons(VQSIM_ETHERTYPE)) {
		s->bad++;
		return;
	}
	memcpy(&f, buf + sizeof(*eth), sizeof(f));
	if (f.magic != VQSIM_FRAME_MAGIC || f.queue >= VQSIM_MAX_QUEUES || (f.flags & VQSIM_FRAME_F_REPLY)) {
		s->bad++;
		return;
	}
	q = &s->q[f.queue];
	if (q->seen && f.seq < q->next_seq && q->next_seq - f.seq <= 4096 && q->lost) {
		/* Late, not lost: it was counted lost when the gap showed. */
		q->lost--;
		s->lost--;
		q->late++;
		s->late++;
	} else if (!q->seen || f.seq < q->next_seq) {
		/* First frame, or the source restarted from 0. */
		q->seen = true;
		q->first_ns = now;
		q->next_seq = f.seq + 1;
	} else {
		q->lost += f.seq - q->next_seq;
		s->lost += f.seq - q->next_seq;
		q->next_seq = f.seq + 1;
	}
	q->frames++;
	q->last_ns = now;
	if (!s->frames)
		s->first_ns = now;
	s->frames++;
	s->last_ns = now;
	d = now > f.ts_ns ? now - f.ts_ns : 0;
	s->sum_ns += d;
	if (d > s->max_ns)
		s->max_ns = d;
	s->hist[d / 1000 < RX_HIST_US ? d / 1000 : RX_HIST_US]++;

	if (f.flags & VQSIM_FRAME_F_PINGPONG) {
		/* The same frame back on tx, marked as the reply. */
		f.flags |= VQSIM_FRAME_F_REPLY;
		memcpy(buf + sizeof(*eth), &f, sizeof(f));
		memcpy(mac, eth->h_dest, ETH_ALEN);
		memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
		memcpy(eth->h_source, mac, ETH_ALEN);
		if (sendto(fd, buf, len, 0, (const struct sockaddr *)sll, sizeof(*sll)) == (ssize_t)len)
			s->replies++;
	}
}

static void rx_report(const struct rx_state *s, const char *ifname, double secs, bool json)
{
	double span = s->frames > 1 ? (s->last_ns - s->first_ns) / 1e9 : 0;
	double rate = span > 0 ? (s->frames - 1) / span : 0;
	uint64_t mean = s->frames ? s->sum_ns / s->frames : 0;
	int i, n = 0;

	if (json) {
		printf("{\"ifname\":");
		json_string(stdout, ifname);
		printf(",\"duration_s\":%.3f,\"frames\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"late\":%" PRIu64
		       ",\"sock_drops\":%" PRIu64 ",\"replies\":%" PRIu64 ",\"bad\":%" PRIu64
		       ",\"rate_pps\":%.1f,\"delay_ns\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64
		       ",\"mean\":%" PRIu64 "},\"queues\":[",
		       secs, s->frames, s->lost, s->late, s->sock_drops, s->replies, s->bad, rate, rx_pct(s, 0.5),
		       rx_pct(s, 0.99), s->max_ns, mean);
		for (i = 0; i < VQSIM_MAX_QUEUES; i++) {
			const struct rx_queue *q = &s->q[i];
			double qs = (q->last_ns - q->first_ns) / 1e9;

			if (!q->seen)
				continue;
			printf("%s{\"queue\":%d,\"frames\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"rate_pps\":%.1f}",
			       n++ ? "," : "", i, q->frames, q->lost, qs > 0 ? (q->frames - 1) / qs : 0.0);
		}
		printf("]}\n");
		return;
	}
	printf("rx %s: %" PRIu64 " frames in %.2f s, %.0f pps, lost %" PRIu64 " (socket drops %" PRIu64
	       "), late %" PRIu64 ", replies %" PRIu64 "\n",
	       ifname, s->frames, secs, rate, s->lost, s->sock_drops, s->late, s->replies);
	printf("delay (device arrival to this program): p50 %.1f us, p99 %.1f us, max %.1f us, "
	       "mean %.1f us\n",
	       rx_pct(s, 0.5) / 1e3, rx_pct(s, 0.99) / 1e3, s->max_ns / 1e3, mean / 1e3);
	for (i = 0; i < VQSIM_MAX_QUEUES; i++)
		if (s->q[i].seen)
			printf("  queue %d: %" PRIu64 " frames, lost %" PRIu64 "\n", i, s->q[i].frames, s->q[i].lost);
}

int sim_rx(int argc, char **argv)
{
	double duration = 5;
	uint64_t count = 0, start, end;
	const char *ifname = NULL;
	struct sockaddr_ll sll = {0};
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	static uint8_t bufs[RX_BATCH][VQSIM_FRAME_MAX + 64];
	struct rx_state *s;
	bool json = false;
	int fd, i, n, one = 1, rcvbuf = 16 << 20;
	uint32_t v;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			duration = atof(argv[++i]);
			if (duration <= 0)
				return sim_usage_error("rx: bad duration '%s'", argv[i]);
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			if (!sim_parse_u32(argv[++i], &v))
				return sim_usage_error("rx: bad count '%s'", argv[i]);
			count = v;
		} else if (!ifname && argv[i][0] != '-') {
			ifname = argv[i];
		} else {
			return sim_usage_error("rx: unexpected '%s'", argv[i]);
		}
	}
	if (!ifname)
		return sim_usage_error("rx: IFNAME expected%s", "");

	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(VQSIM_ETHERTYPE);
	sll.sll_ifindex = if_nametoindex(ifname);
	if (!sll.sll_ifindex) {
		fprintf(stderr, "vqmod sim: rx: no interface %s\n", ifname);
		return EXIT_USAGE;
	}
	/*
	 * Protocol 0: nothing arrives until bind() names the protocol and the
	 * interface. A socket opened with the protocol re-hooks at bind() and
	 * misses the frames in between, which would show as loss.
	 */
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0) {
		fprintf(stderr, "vqmod sim: rx: packet socket: %s\n", strerror(errno));
		return errno == EPERM ? EXIT_NOPERM : EXIT_RUNTIME;
	}
	/* Our own replies would come back to us as outgoing frames. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		fprintf(stderr, "vqmod sim: rx: bind %s: %s\n", ifname, strerror(errno));
		close(fd);
		return EXIT_RUNTIME;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->hist = calloc(RX_HIST_US + 1, sizeof(*s->hist));
	if (!s || !s->hist) {
		free(s);
		close(fd);
		return EXIT_RUNTIME;
	}
	for (i = 0; i < RX_BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = sizeof(bufs[i]);
	}

	start = clock_mono_ns();
	end = start + (uint64_t)(duration * 1e9);
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		uint64_t now = clock_mono_ns();
		int left_ms;

		if (now >= end || (count && s->frames >= count))
			break;
		left_ms = (int)((end - now) / 1000000) + 1;
		if (poll(&pfd, 1, left_ms < 100 ? left_ms : 100) <= 0)
			continue;
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < RX_BATCH; i++) {
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		now = clock_mono_ns();
		for (i = 0; i < n; i++)
			rx_frame(s, fd, &sll, bufs[i], msgs[i].msg_len, now);
	}
	{
		struct tpacket_stats st;
		socklen_t sl = sizeof(st);

		if (!getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
			s->sock_drops = st.tp_drops;
	}
	rx_report(s, ifname, (clock_mono_ns() - start) / 1e9, json);
	free(s->hist);
	free(s);
	close(fd);
	return EXIT_OK;
}
