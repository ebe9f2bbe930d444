/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A client of the vqsim generic netlink family (include/uapi/vqsim.h).
 * It only carries requests and answers: it makes no decisions. Every call
 * returns 0 or a negative errno; after a refusal, vqsim_nl_error() tells why,
 * from the kernel's extack, with the offending attribute named.
 */
#ifndef VQMOD_VQSIM_NL_H
#define VQMOD_VQSIM_NL_H

#include <stdbool.h>
#include <stdint.h>
#include <uapi/vqsim.h>

struct mnl_socket;

struct vqsim_nl {
	struct mnl_socket *sock;
	uint16_t family;
	uint32_t events_group; /* the "events" multicast group */
	uint32_t portid;
	uint32_t seq;
	char *buf; /* receive buffer */
	char err[512];
};

struct vqsim_dev_info {
	char name[VQSIM_DEV_NAME_LEN];
	uint32_t vqp;
	uint32_t queues;
	uint32_t mtu;
	uint32_t status;
	uint8_t mac[6];
	uint64_t features;
	int32_t virtio_index; /* -1: not bound to virtio_vdpa */
};

struct vqsim_coal {
	uint32_t usecs;
	uint32_t packets;
	uint32_t source; /* enum vqsim_coal_source */
};

struct vqsim_traffic {
	uint32_t state; /* enum vqsim_traffic_state */
	uint32_t rate;
	uint32_t size;
	uint32_t burst;
	uint32_t pattern; /* enum vqsim_pattern */
	uint32_t on_usecs;
	uint32_t off_usecs;
};

/* Which fields of struct vqsim_traffic a set carries. */
enum {
	VQSIM_TRAFFIC_HAS_RATE = 1 << 0,
	VQSIM_TRAFFIC_HAS_SIZE = 1 << 1,
	VQSIM_TRAFFIC_HAS_BURST = 1 << 2,
	VQSIM_TRAFFIC_HAS_PATTERN = 1 << 3,
	VQSIM_TRAFFIC_HAS_ON = 1 << 4,
	VQSIM_TRAFFIC_HAS_OFF = 1 << 5,
};

struct vqsim_queue_info {
	char dev[VQSIM_DEV_NAME_LEN];
	uint32_t queue;
	uint32_t type; /* enum vqsim_queue_type */
	bool ready;
	uint32_t ring_size; /* the ring's entries, as the driver set it; 0: not set */
	struct vqsim_coal coal;
	bool has_traffic; /* rx queues */
	struct vqsim_traffic traffic;
	uint64_t packets, bytes;
	uint64_t notify[3]; /* by enum vqsim_notify_cause */
	uint64_t suppressed, notify_dropped;
	uint64_t kicks, drops;
	/* delays from the first pending buffer to the notification (include/uapi/vqsim.h) */
	uint64_t delay_hist_ll[VQSIM_DELAY_HIST_LL_BUCKETS]; /* log-linear, 12.5%: use this one */
	uint64_t delay_hist_log2[VQSIM_HIST_BUCKETS];	     /* the coarse one the module still sends */
	uint64_t delay_sum_ns, delay_max_ns;
	uint64_t src_frames, src_replies;
	uint32_t pending; /* used buffers not notified yet, now */
	/* rx: buffers used with under ring_size >> VQSIM_RING_LOW_SHIFT left available */
	uint64_t ring_low;
	/* coalescing decisions by the buffers pending then, in eighths of the ring (uapi) */
	uint64_t pending_hist[VQSIM_PENDING_HIST_BUCKETS];
};

struct vqsim_coal_entry {
	const char *dev;
	uint32_t queue;
	uint32_t usecs;
	uint32_t packets;
	int err; /* out: 0 or the entry's negative errno */
};

int vqsim_nl_open(struct vqsim_nl *h); /* -ENOENT: the module is not loaded */
void vqsim_nl_close(struct vqsim_nl *h);
const char *vqsim_nl_error(const struct vqsim_nl *h);

typedef int (*vqsim_dev_cb)(const struct vqsim_dev_info *d, void *arg);
typedef int (*vqsim_queue_cb)(const struct vqsim_queue_info *q, void *arg);

int vqsim_nl_dev_get(struct vqsim_nl *h, const char *dev, struct vqsim_dev_info *out);
int vqsim_nl_dev_dump(struct vqsim_nl *h, vqsim_dev_cb cb, void *arg);
int vqsim_nl_coal_get(struct vqsim_nl *h, const char *dev, uint32_t queue, struct vqsim_coal *out);
/* usecs or packets < 0: keep that one as it is. */
int vqsim_nl_coal_set(struct vqsim_nl *h, const char *dev, uint32_t queue, int64_t usecs, int64_t packets);
/*
 * Sets many queues in one message. Without partial, all or nothing: on a
 * refusal nothing changed and each refused entry has its err. *applied (may be
 * NULL) is how many entries took effect.
 */
int vqsim_nl_coal_set_batch(struct vqsim_nl *h, struct vqsim_coal_entry *e, uint32_t n, bool partial,
			    uint32_t *applied);
int vqsim_nl_stats_get(struct vqsim_nl *h, const char *dev, uint32_t queue, struct vqsim_queue_info *out);
/* dev NULL: every device. */
int vqsim_nl_stats_dump(struct vqsim_nl *h, const char *dev, vqsim_queue_cb cb, void *arg);
/* has: VQSIM_TRAFFIC_HAS_* for the fields to send besides state. */
int vqsim_nl_traffic_set(struct vqsim_nl *h, const char *dev, uint32_t queue, const struct vqsim_traffic *t,
			 unsigned int has);

/*
 * A handle that listens: it joins the events group, whose COAL_NTF tells of
 * every coalescing change (any source: netlink, the driver's cvq, a reset).
 */
int vqsim_nl_events_open(struct vqsim_nl *h);
/*
 * Passes each notification received so far to cb (the queue's dev, queue,
 * type and coal), without waiting. -ENOBUFS after those when some were lost.
 */
int vqsim_nl_events_read(struct vqsim_nl *h, vqsim_queue_cb cb, void *arg);

const char *vqsim_attr_name(int type);

#endif
