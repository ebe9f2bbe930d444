// SPDX-License-Identifier: GPL-2.0
/*
 * A userspace driver for a vqsim device bound to vhost_vdpa, with libc only.
 * Its rings and buffers live in its own memory; vhost-vdpa pins them and
 * hands them to the device's IOTLB (struct vhost_msg_v2 writes).
 *
 *   vhost_vdpa_hostile DEV good [--src N] [--tx N] [--timeout S] [--hold]
 *       Posts 256 rx buffers, prints "ready", takes N frames from vqsim's
 *       traffic source (which the caller starts, and stops on "src_done"),
 *       then sends N frames on tx, which vqsim loops back to rx. Prints
 *       key=value figures; exit 0 when every frame arrived, in order.
 *   vhost_vdpa_hostile DEV hostile CASE [--hold]
 *       Does one bad thing (see "list") and checks, from its own memory,
 *       that the device did not do what it must not. Exit 0 if so.
 *   vhost_vdpa_hostile list
 *       CASE QUEUE COUNTER: the vqsim counter each case must raise.
 *   --hold: before closing the device, print "hold" and wait for stdin's EOF
 *   (vdpa dev vstats needs the device driven, so read it meanwhile).
 *
 * The rings are laid out so the device must split its accesses: each used
 * ring straddles two pages mapped by two IOTLB updates (two map entries),
 * and one rx buffer straddles two entries as well. Rings and buffers are
 * mapped with the narrowest permission the device needs: desc and avail
 * read-only, used write-only, rx buffers write-only, tx buffers read-only.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <linux/virtio_ring.h>

#include "uapi/vqsim.h"

#define PAGE		4096UL
#define QSZ		256
#define STRIDE		1536	/* rx and tx buffer slots; does not divide a page */
#define HDR		12	/* struct virtio_net_hdr_mrg_rxbuf, VERSION_1 */
#define ETH		14
#define TX_ETHERTYPE	0x88B6
#define TX_MAGIC	0x56485458	/* "VHTX" */
#define TX_SIZE		128	/* Ethernet frame bytes of our tx frames */
#define TX_INFLIGHT	64
#define IOVA_BASE	0x40000000ULL
#define IOVA_NOWHERE	0x7f000000ULL	/* never mapped */

/* Page layout of the region; IOVA = IOVA_BASE + offset in the region. */
enum {
	PG_RX_DESC = 0, PG_RX_AVAIL = 1, PG_RX_USED = 2,	/* used: pages 2-3 */
	PG_TX_DESC = 4, PG_TX_AVAIL = 5, PG_TX_USED = 6,	/* used: pages 6-7 */
	PG_RX_BUF = 8, PG_RX_SPLIT = 55,	/* second rx map entry starts mid-slot */
	PG_TX_BUF = 104, PG_SPARE = 200, NPAGES = 202,
};
#define USED_OFF	3072	/* the used ring's offset in its first page */

enum { RXQ = 0, TXQ = 1, CVQ = 2 };

struct ring {
	unsigned int q;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t avail_idx;	/* next index we publish */
	uint16_t used_seen;	/* used entries consumed */
	int kick, call;
	uint64_t calls;		/* call eventfd signals seen */
};

static const char *dev_path;
static int vfd = -1;
static char *mem;
static struct ring rx = { .q = RXQ }, tx = { .q = TXQ };
static bool hold;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "vhost_vdpa_hostile: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(2);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static char *pg(unsigned int page) { return mem + page * PAGE; }
static uint64_t iova(const void *p) { return IOVA_BASE + ((const char *)p - mem); }
static char *rx_buf(unsigned int i) { return pg(PG_RX_BUF) + i * STRIDE; }
static char *tx_buf(unsigned int i) { return pg(PG_TX_BUF) + i * STRIDE; }

static void xioctl(unsigned long req, void *arg, const char *what)
{
	if (ioctl(vfd, req, arg) < 0)
		die("%s: %s", what, strerror(errno));
}

/* One IOTLB message; returns 0 or -errno (vhost answers EFAULT for a refusal). */
static int iotlb_msg(uint8_t type, uint64_t at, uint64_t size, void *va,
		     uint8_t perm)
{
	struct vhost_msg_v2 m;

	memset(&m, 0, sizeof(m));
	m.type = VHOST_IOTLB_MSG_V2;
	m.iotlb.iova = at;
	m.iotlb.size = size;
	m.iotlb.uaddr = (uintptr_t)va;
	m.iotlb.perm = perm;
	m.iotlb.type = type;
	if (write(vfd, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return -errno;
	return 0;
}

static void map(unsigned int page, unsigned int pages, uint8_t perm)
{
	int err = iotlb_msg(VHOST_IOTLB_UPDATE, iova(pg(page)), pages * PAGE,
			    pg(page), perm);

	if (err)
		die("IOTLB update of pages %u+%u: %s", page, pages, strerror(-err));
}

static void unmap(unsigned int page, unsigned int pages)
{
	int err = iotlb_msg(VHOST_IOTLB_INVALIDATE, iova(pg(page)),
			    pages * PAGE, NULL, 0);

	if (err)
		die("IOTLB invalidate of pages %u+%u: %s", page, pages,
		    strerror(-err));
}

static void set_status(uint8_t s)
{
	xioctl(VHOST_VDPA_SET_STATUS, &s, "VHOST_VDPA_SET_STATUS");
}

static uint8_t get_status(void)
{
	uint8_t s;

	xioctl(VHOST_VDPA_GET_STATUS, &s, "VHOST_VDPA_GET_STATUS");
	return s;
}

/* Open, own, negotiate VERSION_1 | ACCESS_PLATFORM up to FEATURES_OK. */
static void dev_open(void)
{
	uint64_t f, want = (1ULL << VIRTIO_F_VERSION_1) |
			   (1ULL << VIRTIO_F_ACCESS_PLATFORM);
	uint16_t num;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	/* vhost-vdpa counts pinned pages against RLIMIT_MEMLOCK. */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	mem = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	/* Fixed physical pages for the no-map case, which reads pagemap. */
	mlock(mem, NPAGES * PAGE);

	vfd = open(dev_path, O_RDWR);
	if (vfd < 0)
		die("open %s: %s", dev_path, strerror(errno));
	xioctl(VHOST_SET_OWNER, NULL, "VHOST_SET_OWNER");
	xioctl(VHOST_GET_BACKEND_FEATURES, &f, "VHOST_GET_BACKEND_FEATURES");
	if (!(f & (1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2)))
		die("no IOTLB_MSG_V2 backend feature");
	f = 1ULL << VHOST_BACKEND_F_IOTLB_MSG_V2;
	xioctl(VHOST_SET_BACKEND_FEATURES, &f, "VHOST_SET_BACKEND_FEATURES");

	set_status(0);
	set_status(VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	xioctl(VHOST_GET_FEATURES, &f, "VHOST_GET_FEATURES");
	if ((f & want) != want)
		die("device features 0x%" PRIx64 " lack VERSION_1 or ACCESS_PLATFORM", f);
	xioctl(VHOST_SET_FEATURES, &want, "VHOST_SET_FEATURES");
	set_status(get_status() | VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(get_status() & VIRTIO_CONFIG_S_FEATURES_OK))
		die("FEATURES_OK not accepted");
	xioctl(VHOST_VDPA_GET_VRING_NUM, &num, "VHOST_VDPA_GET_VRING_NUM");
	if (num < QSZ)
		die("queue size %u below %u", num, QSZ);
}

/* Ring parts as the layout has them; a case may move them before setup. */
static void ring_layout(struct ring *r, unsigned int desc_pg,
			unsigned int avail_pg, unsigned int used_pg)
{
	r->desc = (struct vring_desc *)pg(desc_pg);
	r->avail = (struct vring_avail *)pg(avail_pg);
	r->used = (struct vring_used *)(pg(used_pg) + USED_OFF);
}

/* Num, addresses (as IOVAs, or what the case says), base, kick, call, enable. */
static void ring_setup_at(struct ring *r, uint64_t desc, uint64_t avail,
			  uint64_t used)
{
	struct vhost_vring_state s = { .index = r->q, .num = QSZ };
	struct vhost_vring_addr a = {
		.index = r->q,
		.desc_user_addr = desc,
		.avail_user_addr = avail,
		.used_user_addr = used,
	};
	struct vhost_vring_file f = { .index = r->q };

	xioctl(VHOST_SET_VRING_NUM, &s, "VHOST_SET_VRING_NUM");
	xioctl(VHOST_SET_VRING_ADDR, &a, "VHOST_SET_VRING_ADDR");
	s.num = 0;
	xioctl(VHOST_SET_VRING_BASE, &s, "VHOST_SET_VRING_BASE");
	r->kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->call = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (r->kick < 0 || r->call < 0)
		die("eventfd: %s", strerror(errno));
	f.fd = r->kick;
	xioctl(VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK");
	f.fd = r->call;
	xioctl(VHOST_SET_VRING_CALL, &f, "VHOST_SET_VRING_CALL");
	s.num = 1;
	xioctl(VHOST_VDPA_SET_VRING_ENABLE, &s, "VHOST_VDPA_SET_VRING_ENABLE");
}

static void ring_setup(struct ring *r)
{
	ring_setup_at(r, iova(r->desc), iova(r->avail), iova(r->used));
}

/* The maps of the good layout, each with the narrowest permission. */
static void map_rings(void)
{
	map(PG_RX_DESC, 1, VHOST_ACCESS_RO);
	map(PG_RX_AVAIL, 1, VHOST_ACCESS_RO);
	map(PG_RX_USED, 1, VHOST_ACCESS_WO);	/* two entries under one ring */
	map(PG_RX_USED + 1, 1, VHOST_ACCESS_WO);
	map(PG_TX_DESC, 1, VHOST_ACCESS_RO);
	map(PG_TX_AVAIL, 1, VHOST_ACCESS_RO);
	map(PG_TX_USED, 1, VHOST_ACCESS_WO);
	map(PG_TX_USED + 1, 1, VHOST_ACCESS_WO);
}

static void map_rx_bufs(uint8_t perm)
{
	map(PG_RX_BUF, PG_RX_SPLIT - PG_RX_BUF, perm);
	map(PG_RX_SPLIT, PG_TX_BUF - PG_RX_SPLIT, perm);
}

static void map_tx_bufs(uint8_t perm)
{
	map(PG_TX_BUF, PG_SPARE - PG_TX_BUF, perm);
}

static void kick(struct ring *r)
{
	uint64_t one = 1;

	if (write(r->kick, &one, sizeof(one)) != sizeof(one))
		die("kick: %s", strerror(errno));
}

static void publish(struct ring *r)
{
	__atomic_store_n(&r->avail->idx, htole16(r->avail_idx), __ATOMIC_RELEASE);
}

static void post(struct ring *r, uint16_t head)
{
	r->avail->ring[r->avail_idx % QSZ] = htole16(head);
	r->avail_idx++;
}

static uint16_t used_idx(struct ring *r)
{
	return le16toh(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE));
}

static void set_desc(struct ring *r, unsigned int i, uint64_t addr,
		     uint32_t len, uint16_t flags, uint16_t next)
{
	r->desc[i].addr = htole64(addr);
	r->desc[i].len = htole32(len);
	r->desc[i].flags = htole16(flags);
	r->desc[i].next = htole16(next);
}

/* Every rx slot posted, device-writable. */
static void rx_post_all(void)
{
	unsigned int i;

	for (i = 0; i < QSZ; i++) {
		set_desc(&rx, i, iova(rx_buf(i)), STRIDE, VRING_DESC_F_WRITE, 0);
		post(&rx, i);
	}
	publish(&rx);
}

static uint64_t tx_seq;

/* A tx frame into slot k: two descriptors, header and frame (2k, 2k+1). */
static void tx_send(unsigned int k)
{
	char *b = tx_buf(k);
	uint32_t magic = TX_MAGIC;
	uint16_t et = htobe16(TX_ETHERTYPE);

	memset(b, 0, HDR + TX_SIZE);
	memset(b + HDR, 0xff, 6);			/* broadcast */
	memcpy(b + HDR + 6, "\x02\x00\x00\x00\x00\x01", 6);
	memcpy(b + HDR + 12, &et, 2);
	memcpy(b + HDR + ETH, &magic, 4);
	memcpy(b + HDR + ETH + 4, &tx_seq, 8);
	tx_seq++;
	set_desc(&tx, 2 * k, iova(b), HDR, VRING_DESC_F_NEXT, 2 * k + 1);
	set_desc(&tx, 2 * k + 1, iova(b + HDR), TX_SIZE, 0, 0);
	post(&tx, 2 * k);
	publish(&tx);
	kick(&tx);
}

struct rx_count {
	uint64_t src, src_first, src_last, src_gaps, src_bad_order;
	uint64_t tx_looped, tx_bad_order, bad, bytes;
	uint64_t last_ms;	/* when a frame last arrived */
};

static void rx_frame(struct rx_count *c, const char *b, uint32_t len)
{
	struct vqsim_frame f;
	uint16_t et;
	uint32_t magic;
	uint64_t seq;

	c->bytes += len;
	if (len < HDR + ETH + 12) {
		c->bad++;
		return;
	}
	memcpy(&et, b + HDR + 12, 2);
	et = be16toh(et);
	if (et == VQSIM_ETHERTYPE && len >= HDR + ETH + sizeof(f)) {
		memcpy(&f, b + HDR + ETH, sizeof(f));
		if (f.magic != VQSIM_FRAME_MAGIC || f.queue != RXQ) {
			c->bad++;
			return;
		}
		if (!c->src)
			c->src_first = f.seq;
		else if (f.seq > c->src_last)
			c->src_gaps += f.seq - c->src_last - 1;
		else
			c->src_bad_order++;
		c->src_last = f.seq;
		c->src++;
		return;
	}
	memcpy(&magic, b + HDR + ETH, 4);
	memcpy(&seq, b + HDR + ETH + 4, 8);
	if (et != TX_ETHERTYPE || magic != TX_MAGIC) {
		c->bad++;
		return;
	}
	if (seq != c->tx_looped)
		c->tx_bad_order++;
	c->tx_looped++;
}

/* Takes what the device returned on rx and posts each buffer again. */
static void rx_drain(struct rx_count *c)
{
	uint16_t end = used_idx(&rx), n = 0;

	while (rx.used_seen != end) {
		struct vring_used_elem e = rx.used->ring[rx.used_seen % QSZ];
		uint32_t id = le32toh(e.id), len = le32toh(e.len);

		if (id >= QSZ || len > STRIDE) {
			c->bad++;
		} else {
			rx_frame(c, rx_buf(id), len);
			post(&rx, id);
		}
		rx.used_seen++;
		n++;
		c->last_ms = now_ms();
	}
	if (n) {
		publish(&rx);
		kick(&rx);
	}
}

static unsigned int tx_free[QSZ / 2], tx_nfree;

static void tx_drain(void)
{
	uint16_t end = used_idx(&tx);

	while (tx.used_seen != end) {
		uint32_t id = le32toh(tx.used->ring[tx.used_seen % QSZ].id);

		if (id < QSZ && !(id & 1))
			tx_free[tx_nfree++] = id / 2;
		tx.used_seen++;
	}
}

/* Waits up to ms for a call on either queue; counts the signals. */
static void wait_calls(int ms)
{
	struct pollfd p[2] = { { rx.call, POLLIN, 0 }, { tx.call, POLLIN, 0 } };
	uint64_t v;

	if (poll(p, 2, ms) <= 0)
		return;
	if ((p[0].revents & POLLIN) && read(rx.call, &v, sizeof(v)) == sizeof(v))
		rx.calls += v;
	if ((p[1].revents & POLLIN) && read(tx.call, &v, sizeof(v)) == sizeof(v))
		tx.calls += v;
}

static void hold_then_close(void)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
	char b[64];

	if (hold) {
		printf("hold\n");
		fflush(stdout);
		/* Until the caller closes our stdin; a minute at most. */
		while (poll(&p, 1, 60000) > 0 && read(STDIN_FILENO, b, sizeof(b)) > 0)
			;
	}
	close(vfd);
}

/* The good layout up to DRIVER_OK, rx buffers posted. */
static void good_setup(void)
{
	dev_open();
	ring_layout(&rx, PG_RX_DESC, PG_RX_AVAIL, PG_RX_USED);
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	ring_setup(&rx);
	ring_setup(&tx);
	/* QEMU's order: queues enabled first, then the maps, then DRIVER_OK. */
	map_rings();
	map_rx_bufs(VHOST_ACCESS_WO);
	map_tx_bufs(VHOST_ACCESS_RO);
	rx_post_all();
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	if (!(get_status() & VIRTIO_CONFIG_S_DRIVER_OK))
		die("DRIVER_OK not accepted");
	for (unsigned int k = 0; k < QSZ / 2; k++)
		tx_free[tx_nfree++] = k;
}

static int run_good(uint64_t want_src, uint64_t want_tx, int timeout_s)
{
	uint64_t deadline, sent = 0;
	struct rx_count c;
	bool src_done = !want_src;
	int ok;

	memset(&c, 0, sizeof(c));
	good_setup();
	printf("ready\n");
	fflush(stdout);
	deadline = now_ms() + timeout_s * 1000ULL;

	/* Source frames, then quiet: the caller stops the source at src_done. */
	while (want_src && now_ms() < deadline) {
		wait_calls(50);
		rx_drain(&c);
		if (!src_done && c.src >= want_src) {
			src_done = true;
			printf("src_done\n");
			fflush(stdout);
		}
		if (src_done && now_ms() - c.last_ms > 500)
			break;
	}
	/* Our own frames, looped back by the device. */
	while (c.tx_looped < want_tx && now_ms() < deadline) {
		tx_drain();
		while (sent < want_tx && tx_nfree > QSZ / 2 - TX_INFLIGHT) {
			tx_send(tx_free[--tx_nfree]);
			sent++;
		}
		wait_calls(50);
		rx_drain(&c);
	}
	/* Late notifications (a coalescing timer) land before we count them. */
	for (uint64_t end = now_ms() + 300; now_ms() < end;) {
		wait_calls(50);
		rx_drain(&c);
		tx_drain();
	}
	ok = c.src >= want_src && !c.src_gaps && !c.src_bad_order &&
	     c.tx_looped == want_tx && !c.tx_bad_order && !c.bad;
	printf("src_frames=%" PRIu64 " src_first_seq=%" PRIu64 " src_last_seq=%" PRIu64
	       " src_gaps=%" PRIu64 " src_bad_order=%" PRIu64 " tx_sent=%" PRIu64
	       " tx_looped=%" PRIu64 " tx_bad_order=%" PRIu64 " bad_frames=%" PRIu64
	       " rx_bytes=%" PRIu64 " rx_calls=%" PRIu64 " tx_calls=%" PRIu64
	       " result=%s\n",
	       c.src, c.src_first, c.src_last, c.src_gaps, c.src_bad_order, sent,
	       c.tx_looped, c.tx_bad_order, c.bad, c.bytes, rx.calls, tx.calls,
	       ok ? "ok" : "FAIL");
	fflush(stdout);
	hold_then_close();
	return ok ? 0 : 1;
}

/* ---- hostile cases: each returns 0 when the device refused ---- */

static void settle(int ms)
{
	for (uint64_t end = now_ms() + ms; now_ms() < end;)
		wait_calls(20);
}

static int expect_eq(const char *what, uint64_t got, uint64_t want)
{
	if (got == want)
		return 0;
	printf("FAIL %s: %" PRIu64 ", expected %" PRIu64 "\n", what, got, want);
	return 1;
}

/* bytes [p, p + len) all still b */
static int expect_fill(const char *what, const char *p, size_t len, int b)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (char)b) {
			printf("FAIL %s: byte %zu changed to 0x%02x\n", what, i,
			       (unsigned char)p[i]);
			return 1;
		}
	return 0;
}

static uint64_t phys_of(const void *va)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &e, 8, (uintptr_t)va / PAGE * 8) != 8)
		die("pagemap: %s", strerror(errno));
	close(fd);
	if (!(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1)))
		die("pagemap shows no PFN (needs CAP_SYS_ADMIN)");
	return (e & ((1ULL << 55) - 1)) * PAGE + (uintptr_t)va % PAGE;
}

/* A tx chain at the physical addresses of our pages, and no map at all. */
static int case_no_map(void)
{
	dev_open();
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	memset(pg(PG_TX_USED), 0x55, 2 * PAGE);
	tx.used->idx = 0;
	set_desc(&tx, 0, phys_of(tx_buf(0)), 64, 0, 0);
	post(&tx, 0);
	publish(&tx);
	/* Identity "pass-through" would reach these pages: it must not exist here. */
	ring_setup_at(&tx, phys_of(tx.desc), phys_of(tx.avail), phys_of(tx.used));
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	kick(&tx);
	settle(300);
	return expect_eq("tx used idx (physical ring, no map)", used_idx(&tx), 0) |
	       expect_fill("used ring page", (char *)tx.used + 4, 64, 0x55);
}

/* Good maps for the buffers, rings at IOVAs nothing maps. */
static int case_ring_unmapped(void)
{
	dev_open();
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	set_desc(&tx, 0, iova(tx_buf(0)), 64, 0, 0);
	post(&tx, 0);
	publish(&tx);
	ring_setup_at(&tx, IOVA_NOWHERE, IOVA_NOWHERE + PAGE,
		      IOVA_NOWHERE + 2 * PAGE);
	map_tx_bufs(VHOST_ACCESS_RO);
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	kick(&tx);
	settle(300);
	return expect_eq("tx used idx (ring unmapped)", used_idx(&tx), 0);
}

/* The good layout with tx chain 0 made bad by fix(); kick; nothing completes. */
static int tx_bad_chain(const char *what, void (*fix)(void))
{
	good_setup();
	fix();
	post(&tx, 0);
	publish(&tx);
	kick(&tx);
	settle(300);
	return expect_eq(what, used_idx(&tx), 0);
}

static void fix_desc_unmapped(void) { set_desc(&tx, 0, IOVA_NOWHERE, 64, 0, 0); }
static void fix_wrap(void) { set_desc(&tx, 0, 0xfffffffffffff000ULL, 0x2000, 0, 0); }
static void fix_indirect(void) { set_desc(&tx, 0, iova(tx_buf(0)), 16, VRING_DESC_F_INDIRECT, 0); }
static void fix_loop(void) { set_desc(&tx, 0, iova(tx_buf(0)), 16, VRING_DESC_F_NEXT, 0); }

/* len 0xffffffff from the last tx slot: the read runs off the map's end. */
static void fix_huge_len(void)
{
	set_desc(&tx, 0, iova(tx_buf(QSZ - 1)), 0xffffffffU, 0, 0);
}

/* 100 chained descriptors: more than a chain may have. */
static void fix_long_chain(void)
{
	for (unsigned int i = 0; i < 100; i++)
		set_desc(&tx, i, iova(tx_buf(i)), 16, i < 99 ? VRING_DESC_F_NEXT : 0,
			 i + 1);
}

static int case_desc_unmapped(void) { return tx_bad_chain("tx used idx (desc unmapped)", fix_desc_unmapped); }
static int case_wrap(void) { return tx_bad_chain("tx used idx (length wraps)", fix_wrap); }
static int case_huge_len(void) { return tx_bad_chain("tx used idx (huge length)", fix_huge_len); }
static int case_indirect(void) { return tx_bad_chain("tx used idx (indirect)", fix_indirect); }
static int case_chain_loop(void) { return tx_bad_chain("tx used idx (chain loop)", fix_loop); }
static int case_chain_long(void) { return tx_bad_chain("tx used idx (long chain)", fix_long_chain); }

static int case_bad_head(void)
{
	good_setup();
	tx.avail->ring[0] = htole16(999);
	tx.avail_idx = 1;
	publish(&tx);
	kick(&tx);
	settle(300);
	return expect_eq("tx used idx (head out of ring)", used_idx(&tx), 0);
}

static int case_avail_jump(void)
{
	good_setup();
	set_desc(&tx, 0, iova(tx_buf(0)), 64, 0, 0);
	tx.avail->ring[0] = 0;
	tx.avail_idx = 1000;
	publish(&tx);
	kick(&tx);
	settle(300);
	return expect_eq("tx used idx (avail index jump)", used_idx(&tx), 0);
}

/* The device writes an rx buffer it may not reach: a looped-back tx frame. */
static int rx_refused(const char *what, bool unmapped_desc, uint8_t rx_perm)
{
	dev_open();
	ring_layout(&rx, PG_RX_DESC, PG_RX_AVAIL, PG_RX_USED);
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	ring_setup(&rx);
	ring_setup(&tx);
	map_rings();
	map_rx_bufs(rx_perm);
	map_tx_bufs(VHOST_ACCESS_RO);
	memset(rx_buf(0), 0xaa, STRIDE);
	set_desc(&rx, 0, unmapped_desc ? IOVA_NOWHERE : iova(rx_buf(0)), STRIDE,
		 VRING_DESC_F_WRITE, 0);
	post(&rx, 0);
	publish(&rx);
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	tx_send(0);
	settle(300);
	return expect_eq("tx used idx (the frame left)", used_idx(&tx), 1) |
	       expect_eq(what, used_idx(&rx), 0) |
	       expect_fill("rx buffer", rx_buf(0), STRIDE, 0xaa);
}

static int case_rx_unmapped(void) { return rx_refused("rx used idx (desc unmapped)", true, VHOST_ACCESS_WO); }
static int case_perm_rx(void) { return rx_refused("rx used idx (rx buffer read-only)", false, VHOST_ACCESS_RO); }

/* tx buffers write-only: the device may not read them. */
static int case_perm_tx(void)
{
	dev_open();
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	ring_setup(&tx);
	map_rings();
	map_tx_bufs(VHOST_ACCESS_WO);
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	tx_send(0);
	settle(300);
	return expect_eq("tx used idx (tx buffer write-only)", used_idx(&tx), 0);
}

/* Used rings read-only: refused when the device starts, nothing written. */
static int case_perm_used(void)
{
	dev_open();
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	ring_setup(&tx);
	map(PG_TX_DESC, 1, VHOST_ACCESS_RO);
	map(PG_TX_AVAIL, 1, VHOST_ACCESS_RO);
	map(PG_TX_USED, 2, VHOST_ACCESS_RO);
	map_tx_bufs(VHOST_ACCESS_RO);
	memset(pg(PG_TX_USED), 0x55, 2 * PAGE);
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	tx_send(0);
	settle(300);
	return expect_fill("used ring pages", pg(PG_TX_USED), 2 * PAGE, 0x55);
}

/* Desc table not 16-byte aligned: the queue is not enabled. */
static int case_misaligned(void)
{
	dev_open();
	ring_layout(&tx, PG_TX_DESC, PG_TX_AVAIL, PG_TX_USED);
	ring_setup_at(&tx, iova(tx.desc) + 8, iova(tx.avail), iova(tx.used));
	map_rings();
	map_tx_bufs(VHOST_ACCESS_RO);
	set_status(get_status() | VIRTIO_CONFIG_S_DRIVER_OK);
	tx_send(0);
	settle(300);
	return expect_eq("tx used idx (misaligned desc)", used_idx(&tx), 0);
}

/* Frames flow, then the rx buffers' maps go; later frames must not land. */
static int case_invalidate(void)
{
	struct rx_count c;
	uint16_t rx_before;
	int bad = 0;

	memset(&c, 0, sizeof(c));
	good_setup();
	for (unsigned int k = 0; k < 8; k++)
		tx_send(tx_free[--tx_nfree]);
	for (uint64_t end = now_ms() + 2000; c.tx_looped < 8 && now_ms() < end;) {
		wait_calls(20);
		rx_drain(&c);
	}
	bad |= expect_eq("frames looped before the invalidate", c.tx_looped, 8);
	/* In use: all 256 rx buffers are posted. */
	unmap(PG_RX_BUF, PG_TX_BUF - PG_RX_BUF);
	rx_before = used_idx(&rx);
	for (unsigned int i = 0; i < QSZ; i++)
		memset(rx_buf(i), 0xcc, STRIDE);
	tx_drain();
	for (unsigned int k = 0; k < 8 && tx_nfree; k++)
		tx_send(tx_free[--tx_nfree]);
	settle(300);
	bad |= expect_eq("rx used idx after the invalidate", used_idx(&rx), rx_before);
	bad |= expect_fill("rx buffers after the invalidate", rx_buf(0),
			   (size_t)QSZ * STRIDE, 0xcc);
	/* And the tx ring's own pages, while the queue runs. */
	unmap(PG_TX_DESC, 1);
	tx_drain();
	if (tx_nfree)
		tx_send(tx_free[--tx_nfree]);
	settle(200);
	return bad;
}

/* A kick on a queue that was never set up (the cvq index). */
static int case_kick_not_ready(void)
{
	struct vhost_vring_file f = { .index = CVQ };
	struct ring r = { .q = CVQ };

	good_setup();
	r.kick = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	f.fd = r.kick;
	xioctl(VHOST_SET_VRING_KICK, &f, "VHOST_SET_VRING_KICK cvq");
	kick(&r);
	kick(&r);
	settle(200);
	close(r.kick);
	return 0;
}

/* IOTLB updates that the device refuses: no permission, unknown bits. */
static int case_bad_map(void)
{
	int bad = 0, err;

	dev_open();
	err = iotlb_msg(VHOST_IOTLB_UPDATE, iova(pg(PG_SPARE)), PAGE,
			pg(PG_SPARE), 0);
	bad |= expect_eq("perm 0 refused (EFAULT)", -err, EFAULT);
	err = iotlb_msg(VHOST_IOTLB_UPDATE, iova(pg(PG_SPARE)), PAGE,
			pg(PG_SPARE), 0xf3);
	bad |= expect_eq("perm 0xf3 refused (EFAULT)", -err, EFAULT);
	/* The refused ones left nothing behind: the same range maps now. */
	err = iotlb_msg(VHOST_IOTLB_UPDATE, iova(pg(PG_SPARE)), PAGE,
			pg(PG_SPARE), VHOST_ACCESS_RW);
	bad |= expect_eq("a good map of the same range", -err, 0);
	return bad;
}

struct hostile_case {
	const char *name;
	int queue;		/* -1: the device */
	const char *counter;	/* what vqsim counts (debugfs iotlb) */
	int (*fn)(void);
};

static const struct hostile_case cases[] = {
	{ "no-map", TXQ, "iotlb_miss", case_no_map },
	{ "ring-unmapped", TXQ, "iotlb_miss", case_ring_unmapped },
	{ "desc-unmapped", TXQ, "iotlb_miss", case_desc_unmapped },
	{ "rx-unmapped", RXQ, "iotlb_miss", case_rx_unmapped },
	{ "huge-len", TXQ, "iotlb_miss", case_huge_len },
	{ "invalidate", RXQ, "iotlb_miss", case_invalidate },
	{ "perm-rx", RXQ, "iotlb_perm", case_perm_rx },
	{ "perm-tx", TXQ, "iotlb_perm", case_perm_tx },
	{ "perm-used", TXQ, "iotlb_perm", case_perm_used },
	{ "wrap", TXQ, "ring_errors", case_wrap },
	{ "indirect", TXQ, "ring_errors", case_indirect },
	{ "chain-loop", TXQ, "ring_errors", case_chain_loop },
	{ "chain-long", TXQ, "ring_errors", case_chain_long },
	{ "bad-head", TXQ, "ring_errors", case_bad_head },
	{ "avail-jump", TXQ, "ring_errors", case_avail_jump },
	{ "misaligned", TXQ, "ring_errors", case_misaligned },
	{ "kick-not-ready", CVQ, "kicks_not_ready", case_kick_not_ready },
	{ "bad-map", -1, "map_refused", case_bad_map },
};

static void usage(void)
{
	fprintf(stderr,
		"usage: vhost_vdpa_hostile DEV good [--src N] [--tx N] [--timeout S] [--hold]\n"
		"       vhost_vdpa_hostile DEV hostile CASE [--hold]\n"
		"       vhost_vdpa_hostile list\n");
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t want_src = 0, want_tx = 0;
	int timeout_s = 60, i, rc;
	const char *mode, *name = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
			printf("%s %d %s\n", cases[k].name, cases[k].queue,
			       cases[k].counter);
		return 0;
	}
	if (argc < 3)
		usage();
	dev_path = argv[1];
	mode = argv[2];
	i = 3;
	if (!strcmp(mode, "hostile")) {
		if (argc < 4)
			usage();
		name = argv[i++];
	} else if (strcmp(mode, "good")) {
		usage();
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--hold"))
			hold = true;
		else if (!strcmp(argv[i], "--src") && i + 1 < argc)
			want_src = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--tx") && i + 1 < argc)
			want_tx = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else
			usage();
	}
	if (!name)
		return run_good(want_src, want_tx, timeout_s);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		if (strcmp(cases[k].name, name))
			continue;
		rc = cases[k].fn();
		printf("case=%s queue=%d counter=%s result=%s\n", name,
		       cases[k].queue, cases[k].counter, rc ? "FAIL" : "ok");
		hold_then_close();
		return rc ? 1 : 0;
	}
	die("no case %s (try: vhost_vdpa_hostile list)", name);
	return 2;
}
