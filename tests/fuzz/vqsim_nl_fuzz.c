// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim_nl_fuzz: hostile generic netlink input for the vqsim family.
 *
 * Sends COUNT messages to the family, one per send: random commands (real,
 * reserved and unknown ones), flags and header fields; attributes that are
 * valid, missing, duplicated, of the wrong length or type, flagged nested
 * when they are not (and the reverse), with out-of-range values, unknown
 * types, garbage, or a header that runs past the message; batches of valid
 * and bad entries, with and without BATCH_PARTIAL, up to past the limit;
 * oversized messages; and messages cut short at a random byte. Children
 * without CAP_NET_ADMIN (nobody; root without that one capability; a user
 * namespace) must get EPERM on every set, and nobody with only
 * CAP_NET_ADMIN must get its sets through.
 *
 * It checks that every message sent with NLM_F_ACK gets exactly one ack or
 * error (or a dump its NLMSG_DONE), that a message cut short gets nothing,
 * and, at the end, that each queue's COAL_GET equals the last COAL_SET the
 * kernel accepted for it (the sender keeps a model of every accepted set and
 * batch). Prints a summary and, last, one JSON line. Exit 0 when all holds.
 *
 * usage: vqsim_nl_fuzz [-n COUNT] [-s SEED] [-v]
 * Needs root (for the privilege children) and vqsim devices to talk to.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <libmnl/libmnl.h>
#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <uapi/vqsim.h>
#include "act/vqsim_nl_gen.h"

#define MSG_MAX	 (512 * 1024)
#define RECV_BUF (256 * 1024)
#define MAX_DEVS 8
#define NOBODY	 65534

/* ---- randomness: xorshift64*, reproducible from -s SEED ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static uint32_t below(uint32_t n)
{
	return n ? (uint32_t)(rnd() % n) : 0;
}

/* true with probability pct/100 */
static bool chance(unsigned int pct)
{
	return below(100) < pct;
}

/* ---- what the sender knows: devices, and the model of their coalescing ---- */

struct coal_model {
	uint32_t usecs, packets;
};

struct dev {
	char name[VQSIM_DEV_NAME_LEN];
	uint32_t queues;
	struct coal_model q[VQSIM_MAX_QUEUES];
};

static struct dev devs[MAX_DEVS];
static unsigned int ndevs;

static int dev_index(const char *name)
{
	for (unsigned int i = 0; i < ndevs; i++)
		if (!strcmp(devs[i].name, name))
			return (int)i;
	return -1;
}

/* ---- counters ---- */

static struct {
	uint64_t sent, fuzz, barriers, bytes;
	uint64_t acks, replies, dumps_done, errors;
	uint64_t err_by[256];
	uint64_t extack_msg, extack_offs;
	uint64_t truncated, no_ack_asked;
	uint64_t sets_applied, batches_applied, batch_entries_applied;
	uint64_t anomalies;
	uint64_t cmd_sent[VQSIM_CMD_MAX + 2];
} st;

static bool verbose;

static void anomaly(const char *fmt, const char *what, long a, long b)
{
	st.anomalies++;
	if (st.anomalies <= 20) {
		fprintf(stderr, "vqsim_nl_fuzz: ANOMALY: ");
		fprintf(stderr, fmt, what, a, b);
		fputc('\n', stderr);
	}
}

/* ---- the socket ---- */

struct nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
	uint16_t family;
	char *rbuf;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nlattr *a;

	mnl_attr_for_each (a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int nl_open(struct nl *n)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	int one = 1, big = 4 << 20, ret;
	ssize_t len;

	memset(n, 0, sizeof(*n));
	n->rbuf = malloc(RECV_BUF);
	n->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!n->sock || !n->rbuf)
		return -errno;
	mnl_socket_setsockopt(n->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	/* A 4096-entry batch is ~400 KB; dumps come back in bursts. */
	setsockopt(mnl_socket_get_fd(n->sock), SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(mnl_socket_get_fd(n->sock), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	/* Every wait has a timeout: a missing answer is an anomaly, not a hang. */
	struct timeval tv = {.tv_sec = 10};
	setsockopt(mnl_socket_get_fd(n->sock), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (mnl_socket_bind(n->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	n->portid = mnl_socket_get_portid(n->sock);
	n->seq = (uint32_t)time(NULL);

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, VQSIM_GENL_NAME);
	if (mnl_socket_sendto(n->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		len = mnl_socket_recvfrom(n->sock, n->rbuf, RECV_BUF);
		if (len < 0)
			return -errno;
		ret = mnl_cb_run(n->rbuf, len, nlh->nlmsg_seq, n->portid, family_cb, &n->family);
	} while (ret > 0);
	return n->family ? 0 : -ENOENT;
}

static void nl_close(struct nl *n)
{
	if (n->sock)
		mnl_socket_close(n->sock);
	free(n->rbuf);
}

static struct nlmsghdr *put_hdr(struct nl *n, char *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = n->family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = ++n->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = VQSIM_GENL_VERSION;
	return nlh;
}

/* ---- answers ---- */

/* What came back for one request. */
struct answer {
	int error;		/* from NLMSG_ERROR; 1: none yet */
	bool done;		/* NLMSG_DONE */
	unsigned int terminals; /* ERROR or DONE messages with our seq */
	unsigned int data;	/* family messages with our seq */
	bool has_msg, has_offs;
	/* COAL_SET_BATCH: the reply */
	uint32_t applied;
	bool refused[VQSIM_BATCH_MAX + 1024];
	unsigned int nrefused;
	/* COAL_GET / DEV_GET: the reply's values */
	char dev[VQSIM_DEV_NAME_LEN];
	uint32_t queue, usecs, packets, queues;
};

static int ext_cb(const struct nlattr *a, void *data)
{
	struct answer *an = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG)
		an->has_msg = true;
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_OFFS)
		an->has_offs = true;
	return MNL_CB_OK;
}

static int reply_attr_cb(const struct nlattr *a, void *data)
{
	struct answer *an = data;
	const struct nlattr *b;

	switch (mnl_attr_get_type(a)) {
	case VQSIM_A_DEV_NAME:
		if (!mnl_attr_validate(a, MNL_TYPE_NUL_STRING))
			snprintf(an->dev, sizeof(an->dev), "%s", mnl_attr_get_str(a));
		break;
	case VQSIM_A_QUEUE:
		an->queue = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_DEV_QUEUES:
		an->queues = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_COAL_USECS:
		an->usecs = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_COAL_PACKETS:
		an->packets = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_BATCH_APPLIED:
		an->applied = mnl_attr_get_u32(a);
		break;
	case VQSIM_A_BATCH_RESULT:
		mnl_attr_for_each_nested (b, a)
			if (mnl_attr_get_type(b) == VQSIM_A_BATCH_INDEX &&
			    mnl_attr_get_u32(b) < sizeof(an->refused) / sizeof(an->refused[0])) {
				an->refused[mnl_attr_get_u32(b)] = true;
				an->nrefused++;
			}
		break;
	}
	return MNL_CB_OK;
}

/* Reads one datagram; accounts each message in it against seq. Returns -1 on timeout. */
static int recv_some(struct nl *n, uint32_t seq, struct answer *an, uint32_t barrier_seq, bool *barrier_seen,
		     void (*on_data)(const struct nlmsghdr *, void *), void *arg)
{
	ssize_t len = mnl_socket_recvfrom(n->sock, n->rbuf, RECV_BUF);
	struct nlmsghdr *nlh;
	int rem;

	if (len < 0)
		return -1;
	rem = (int)len;
	for (nlh = (struct nlmsghdr *)n->rbuf; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
		if (barrier_seq && nlh->nlmsg_seq == barrier_seq) {
			if (nlh->nlmsg_type == NLMSG_ERROR)
				*barrier_seen = true;
			continue;
		}
		if (nlh->nlmsg_seq != seq) {
			anomaly("%s: seq %ld, expected %ld", "an answer to no request", nlh->nlmsg_seq, seq);
			continue;
		}
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			size_t off = sizeof(*e);

			an->terminals++;
			an->error = e->error;
			if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
				off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
			if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off <= mnl_nlmsg_get_payload_len(nlh))
				mnl_attr_parse(nlh, off, ext_cb, an);
		} else if (nlh->nlmsg_type == NLMSG_DONE) {
			an->terminals++;
			an->done = true;
			/* a dump that failed on the way says so here */
			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
				memcpy(&an->error, mnl_nlmsg_get_payload(nlh), sizeof(int));
		} else if (nlh->nlmsg_type == n->family) {
			an->data++;
			mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb, an);
			if (on_data)
				on_data(nlh, arg);
		} else {
			anomaly("%s: type %ld, seq %ld", "an unexpected message", nlh->nlmsg_type, seq);
		}
	}
	return 0;
}

/* A request the kernel handles as a dump: it always ends in NLMSG_DONE or an error. */
static bool is_dump(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_flags & NLM_F_REQUEST) && (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

/*
 * Sends len bytes of nlh (len < nlmsg_len cuts it short). When the answer
 * cannot be told apart from silence (no NLM_F_ACK, or cut short), a NOOP
 * with NLM_F_ACK follows as a barrier: everything for nlh comes before its
 * ack. Not for dumps: the rest of a dump is made as it is read, after the
 * barrier; but a dump always ends in NLMSG_DONE or an error.
 */
static int transact(struct nl *n, struct nlmsghdr *nlh, size_t len, struct answer *an,
		    void (*on_data)(const struct nlmsghdr *, void *), void *arg)
{
	bool cut = len < nlh->nlmsg_len;
	bool acked = !cut && (is_dump(nlh) || ((nlh->nlmsg_flags & NLM_F_ACK) && (nlh->nlmsg_flags & NLM_F_REQUEST)));
	uint32_t seq = nlh->nlmsg_seq, bseq = 0;
	bool bseen = false;
	char bbuf[64];

	memset(an, 0, sizeof(*an));
	an->error = 1;
	st.sent++;
	st.bytes += len;
	if (send(mnl_socket_get_fd(n->sock), nlh, len, 0) < 0) {
		anomaly("%s: %ld bytes, errno %ld", "send failed", (long)len, errno);
		return -1;
	}
	if (!acked) {
		struct nlmsghdr *b = mnl_nlmsg_put_header(bbuf);

		b->nlmsg_type = NLMSG_NOOP;
		b->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		b->nlmsg_seq = bseq = ++n->seq;
		st.barriers++;
		if (mnl_socket_sendto(n->sock, b, b->nlmsg_len) < 0)
			return -1;
	}
	while (acked ? !an->terminals : !bseen)
		if (recv_some(n, seq, an, bseq, &bseen, on_data, arg) < 0) {
			anomaly("%s for seq %ld (cut %ld)", acked ? "no ack or error" : "no barrier ack", seq, cut);
			return -1;
		}
	if (an->terminals > 1)
		anomaly("%s: seq %ld got %ld", "more than one ack, error or done", seq, an->terminals);
	if (cut && (an->terminals || an->data))
		anomaly("%s: seq %ld got %ld answers", "a message cut short was answered", seq,
			an->terminals + an->data);
	if (an->done && an->error > 0)
		an->error = 0;
	if (an->terminals) {
		if (an->error) {
			st.errors++;
			st.err_by[-an->error & 0xff]++;
			st.extack_msg += an->has_msg;
			st.extack_offs += an->has_offs;
		} else if (an->done) {
			st.dumps_done++;
		} else {
			st.acks++;
		}
	}
	st.replies += an->data;
	return 0;
}

/* ---- the model: what an accepted request set, read back from the request ---- */

struct coal_req {
	char dev[VQSIM_DEV_NAME_LEN];
	int64_t queue, usecs, packets; /* -1: absent */
};

/* The last occurrence of each, as nla_parse keeps it. */
static void read_coal(const struct nlattr *first, int rem, struct coal_req *r)
{
	const struct nlattr *a;

	memset(r, 0, sizeof(*r));
	r->queue = r->usecs = r->packets = -1;
	for (a = first; mnl_attr_ok(a, rem); rem -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		switch (mnl_attr_get_type(a)) {
		case VQSIM_A_DEV_NAME:
			snprintf(r->dev, sizeof(r->dev), "%s", mnl_attr_get_str(a));
			break;
		case VQSIM_A_QUEUE:
			r->queue = mnl_attr_get_u32(a);
			break;
		case VQSIM_A_COAL_USECS:
			r->usecs = mnl_attr_get_u32(a);
			break;
		case VQSIM_A_COAL_PACKETS:
			r->packets = mnl_attr_get_u32(a);
			break;
		}
	}
}

static void model_apply(const struct coal_req *r, const char *what)
{
	int d = dev_index(r->dev);

	if (d < 0 || r->queue < 0 || r->queue >= devs[d].queues) {
		anomaly("%s accepted for an unknown queue (%ld, %ld)", what, d, (long)r->queue);
		return;
	}
	if (r->usecs >= 0)
		devs[d].q[r->queue].usecs = (uint32_t)r->usecs;
	if (r->packets >= 0)
		devs[d].q[r->queue].packets = (uint32_t)r->packets;
}

static const struct nlattr *msg_attrs(const struct nlmsghdr *nlh, int *rem)
{
	const struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, sizeof(struct genlmsghdr));

	*rem = (int)((const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)a);
	return a;
}

/* An accepted COAL_SET or COAL_SET_BATCH: into the model. */
static void model_accepted(const struct nlmsghdr *nlh, const struct answer *an)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *batch = NULL, *e;
	struct coal_req r;
	unsigned int i = 0;
	int rem;

	a = msg_attrs(nlh, &rem);
	if (g->cmd == VQSIM_CMD_COAL_SET) {
		read_coal(a, rem, &r);
		model_apply(&r, "a set");
		st.sets_applied++;
		return;
	}
	for (; mnl_attr_ok(a, rem); rem -= MNL_ALIGN(a->nla_len), a = mnl_attr_next(a))
		if (mnl_attr_get_type(a) == VQSIM_A_BATCH)
			batch = a;
	if (!batch) {
		anomaly("%s (seq %ld, cmd %ld)", "a batch without entries was accepted", nlh->nlmsg_seq, g->cmd);
		return;
	}
	mnl_attr_for_each_nested (e, batch) {
		if (!an->refused[i]) {
			read_coal(mnl_attr_get_payload(e), (int)mnl_attr_get_payload_len(e), &r);
			model_apply(&r, "a batch entry");
			st.batch_entries_applied++;
		}
		i++;
	}
	if (an->applied != i - an->nrefused)
		anomaly("%s: %ld applied, %ld expected", "batch reply", an->applied, (long)(i - an->nrefused));
	st.batches_applied++;
}

/* ---- generating requests ---- */

static void put(struct nlmsghdr *nlh, uint16_t type, const void *p, size_t len)
{
	if (nlh->nlmsg_len + MNL_ATTR_HDRLEN + len + 8 < MSG_MAX)
		mnl_attr_put(nlh, type, len, p);
}

static void put_u32(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	put(nlh, type, &v, sizeof(v));
}

/* A u32 for an attribute whose valid values are lo..hi. */
static uint32_t gen_u32(uint32_t lo, uint32_t hi)
{
	switch (below(10)) {
	case 0:
		return chance(50) ? lo : hi;
	case 1:
		return hi + 1 + below(1000);
	case 2:
		return chance(50) ? 0xffffffffu : (uint32_t)rnd();
	default:
		return lo + below(hi - lo + 1);
	}
}

static void gen_dev_name(struct nlmsghdr *nlh)
{
	char name[300];
	unsigned int n;

	switch (below(20)) {
	case 0:
		put(nlh, VQSIM_A_DEV_NAME, "nosuch", 7);
		return;
	case 1:
		put(nlh, VQSIM_A_DEV_NAME, "", 1);
		return;
	case 2: /* too long: the policy has a maximum */
		n = VQSIM_DEV_NAME_MAX_LEN + 1 + below(250);
		memset(name, 'a' + below(26), n);
		name[n] = 0;
		put(nlh, VQSIM_A_DEV_NAME, name, n + 1);
		return;
	case 3: /* no NUL */
		n = below(ndevs);
		put(nlh, VQSIM_A_DEV_NAME, devs[n].name, strlen(devs[n].name));
		return;
	default:
		n = below(ndevs);
		put(nlh, VQSIM_A_DEV_NAME, devs[n].name, strlen(devs[n].name) + 1);
		return;
	}
}

static uint32_t gen_queue(void)
{
	return chance(80) ? below(devs[0].queues + 1) : gen_u32(0, VQSIM_QUEUE_INDEX_MAX);
}

/* Attributes at random: any type, any flags, any payload. */
static void gen_junk_attrs(struct nlmsghdr *nlh, unsigned int n)
{
	uint8_t p[64];

	for (unsigned int i = 0; i < n; i++) {
		size_t len = below(sizeof(p) + 1);

		for (size_t j = 0; j < len; j++)
			p[j] = (uint8_t)rnd();
		put(nlh, (uint16_t)(chance(50) ? below(VQSIM_A_MAX + 8) : rnd()), p, len);
	}
}

/* A u32 attribute, sometimes the wrong size or flagged nested or in network order. */
static void put_u32_maybe_bad(struct nlmsghdr *nlh, uint16_t type, uint32_t v)
{
	uint64_t wide = v;

	switch (below(40)) {
	case 0:
		put(nlh, type, &v, 2);
		return;
	case 1:
		put(nlh, type, &wide, sizeof(wide));
		return;
	case 2:
		put(nlh, type | NLA_F_NESTED, &v, sizeof(v));
		return;
	case 3:
		put(nlh, type | NLA_F_NET_BYTEORDER, &v, sizeof(v));
		return;
	case 4:
		put(nlh, type, NULL, 0);
		return;
	}
	put_u32(nlh, type, v);
	if (chance(4)) /* duplicated: the last one counts */
		put_u32(nlh, type, gen_u32(0, v | 1));
}

static void gen_entry(struct nlmsghdr *nlh, bool bad)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, VQSIM_A_BATCH_ENTRY);

	if (bad && chance(10)) {
		/* not flagged nested: the list's policy refuses the batch */
		e->nla_type = VQSIM_A_BATCH_ENTRY;
	}
	if (!bad || chance(80))
		gen_dev_name(nlh);
	if (!bad || chance(80))
		put_u32_maybe_bad(nlh, VQSIM_A_QUEUE, bad ? gen_queue() : below(devs[0].queues));
	if (!bad || chance(80))
		put_u32_maybe_bad(nlh, VQSIM_A_COAL_USECS, bad ? gen_u32(0, VQSIM_COAL_USECS_MAX) : below(2000));
	if (!bad || chance(80))
		put_u32_maybe_bad(nlh, VQSIM_A_COAL_PACKETS, bad ? gen_u32(0, VQSIM_COAL_PACKETS_MAX) : below(300));
	if (bad && chance(10))
		gen_junk_attrs(nlh, 1 + below(3));
	if (bad && chance(5)) { /* a nest inside the entry */
		struct nlattr *x = mnl_attr_nest_start(nlh, VQSIM_A_STATS);

		put_u32(nlh, VQSIM_STAT_PACKETS, 1);
		mnl_attr_nest_end(nlh, x);
	}
	mnl_attr_nest_end(nlh, e);
}

static void gen_batch(struct nlmsghdr *nlh)
{
	unsigned int n, i, bad_pct = chance(50) ? 0 : below(40);
	struct nlattr *b;

	if (chance(50))
		put(nlh, VQSIM_A_BATCH_PARTIAL, NULL, 0);
	if (chance(3)) { /* the list as a scalar */
		put_u32(nlh, VQSIM_A_BATCH, 1);
		return;
	}
	n = chance(1) ? VQSIM_BATCH_MAX - 2 + below(8) : chance(3) ? 0 : 1 + below(40);
	b = mnl_attr_nest_start(nlh, VQSIM_A_BATCH);
	for (i = 0; i < n; i++) {
		if (chance(2)) /* not an entry */
			put_u32(nlh, VQSIM_A_QUEUE, 0);
		else
			gen_entry(nlh, chance(bad_pct));
	}
	mnl_attr_nest_end(nlh, b);
	if (chance(2))
		b->nla_type = VQSIM_A_BATCH; /* without NLA_F_NESTED */
}

static void gen_traffic(struct nlmsghdr *nlh)
{
	/* A source that runs must not swamp the guest: valid rates stay low. */
	if (chance(90))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_STATE,
				  chance(80) ? VQSIM_TRAFFIC_STOP : gen_u32(0, VQSIM_TRAFFIC_START));
	if (chance(50))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_RATE,
				  chance(80) ? 1 + below(500) : gen_u32(1, VQSIM_RATE_MAX) | 1u << 31);
	if (chance(40))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_SIZE, gen_u32(VQSIM_FRAME_MIN, VQSIM_FRAME_MAX));
	if (chance(40))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_BURST, gen_u32(1, 16));
	if (chance(40))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_PATTERN, gen_u32(0, __VQSIM_PATTERN_MAX - 1));
	if (chance(30))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_ON_USECS, gen_u32(1, VQSIM_PHASE_USECS_MAX));
	if (chance(30))
		put_u32_maybe_bad(nlh, VQSIM_A_TRAFFIC_OFF_USECS, gen_u32(0, VQSIM_PHASE_USECS_MAX));
}

static uint8_t gen_cmd(void)
{
	unsigned int r = below(100);

	if (r < 88)
		return (uint8_t)(VQSIM_CMD_DEV_GET + below(VQSIM_CMD_TRAFFIC_SET));
	if (r < 92)
		return chance(50) ? VQSIM_CMD_UNSPEC : VQSIM_CMD_COAL_NTF;
	return (uint8_t)(VQSIM_CMD_MAX + 1 + below(256 - VQSIM_CMD_MAX - 1));
}

/* One random request in buf; returns how many bytes of it to send. */
static size_t gen_request(struct nl *n, char *buf)
{
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint8_t cmd = gen_cmd();
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;

	if (chance(8))
		flags &= ~NLM_F_ACK;
	if (chance(2))
		flags &= ~NLM_F_REQUEST;
	if (chance(12))
		flags |= NLM_F_DUMP;
	if (chance(2))
		flags |= (uint16_t)(NLM_F_ECHO << below(8)); /* ECHO or a flag the core refuses */
	nlh = put_hdr(n, buf, cmd, flags);
	g = mnl_nlmsg_get_payload(nlh);
	if (chance(2))
		g->version = (uint8_t)rnd();
	if (chance(2))
		g->reserved = (uint16_t)rnd();
	st.cmd_sent[cmd <= VQSIM_CMD_MAX ? cmd : VQSIM_CMD_MAX + 1]++;

	if (chance(3)) { /* garbage body */
		size_t len = below(200);
		uint8_t *p = mnl_nlmsg_get_payload_tail(nlh);

		for (size_t i = 0; i < len; i++)
			p[i] = (uint8_t)rnd();
		nlh->nlmsg_len += (uint32_t)len;
	} else {
		switch (cmd) {
		case VQSIM_CMD_DEV_GET:
			if (chance(60))
				gen_dev_name(nlh);
			break;
		case VQSIM_CMD_COAL_GET:
		case VQSIM_CMD_STATS_GET:
			if (chance(90))
				gen_dev_name(nlh);
			if (chance(85))
				put_u32_maybe_bad(nlh, VQSIM_A_QUEUE, gen_queue());
			break;
		case VQSIM_CMD_COAL_SET:
			if (chance(95))
				gen_dev_name(nlh);
			if (chance(95))
				put_u32_maybe_bad(nlh, VQSIM_A_QUEUE, gen_queue());
			if (chance(80))
				put_u32_maybe_bad(nlh, VQSIM_A_COAL_USECS, gen_u32(0, VQSIM_COAL_USECS_MAX));
			if (chance(80))
				put_u32_maybe_bad(nlh, VQSIM_A_COAL_PACKETS, gen_u32(0, VQSIM_COAL_PACKETS_MAX));
			break;
		case VQSIM_CMD_COAL_SET_BATCH:
			gen_batch(nlh);
			break;
		case VQSIM_CMD_TRAFFIC_SET:
			if (chance(95))
				gen_dev_name(nlh);
			if (chance(95))
				put_u32_maybe_bad(nlh, VQSIM_A_QUEUE, gen_queue());
			gen_traffic(nlh);
			break;
		default:
			if (chance(50))
				gen_junk_attrs(nlh, below(6));
		}
		if (chance(4))
			gen_junk_attrs(nlh, 1 + below(3));
		if (chance(1)) { /* oversized: tens of KB of an attribute */
			size_t len = 16384 + below(32768);
			char *p = calloc(1, len);

			put(nlh, (uint16_t)(1 + below(VQSIM_A_MAX)), p, len);
			free(p);
		}
		if (chance(2) && nlh->nlmsg_len > MNL_NLMSG_HDRLEN + GENL_HDRLEN + MNL_ATTR_HDRLEN) {
			/* the first attribute's header runs past the end, or is too short */
			struct nlattr *a = mnl_nlmsg_get_payload_offset(nlh, sizeof(*g));

			a->nla_len = chance(50) ? (uint16_t)(nlh->nlmsg_len + below(100)) : (uint16_t)below(4);
		}
	}
	/* cut short at a random byte (an empty send is refused by send()): the kernel must drop it unanswered */
	if (chance(3))
		return 1 + below(nlh->nlmsg_len - 1);
	return nlh->nlmsg_len;
}

/* ---- the privilege children ---- */

static int capset_to(uint64_t eff, uint64_t perm)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {
	    {.effective = (uint32_t)eff, .permitted = (uint32_t)perm},
	    {.effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32)},
	};

	return (int)syscall(SYS_capset, &h, d);
}

static uint64_t caps_now(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return 0;
	return d[0].effective | (uint64_t)d[1].effective << 32;
}

enum who { NOBODY_NO_CAPS, ROOT_NO_NET_ADMIN, NOBODY_NET_ADMIN, USER_NS, WHO_N };
static const char *const who_names[WHO_N] = {"nobody", "root-without-cap_net_admin", "nobody-with-only-cap_net_admin",
					     "user-namespace"};

struct priv_result {
	uint32_t sets, sets_ok, sets_eperm, gets, gets_ok, other;
	int setup_err;			     /* could not become that caller: errno */
	uint32_t dev, queue, usecs, packets; /* NOBODY_NET_ADMIN: what queue holds now */
};

static int become(enum who w)
{
	uint64_t net_admin = 1ULL << CAP_NET_ADMIN;

	switch (w) {
	case NOBODY_NO_CAPS:
		return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY);
	case ROOT_NO_NET_ADMIN:
		if (prctl(PR_CAPBSET_DROP, CAP_NET_ADMIN, 0, 0, 0))
			return -1;
		return capset_to(caps_now() & ~net_admin, caps_now() & ~net_admin);
	case NOBODY_NET_ADMIN:
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY))
			return -1;
		return capset_to(net_admin, net_admin);
	case USER_NS:
		/* every capability, in a namespace that owns nothing the family checks */
		return unshare(CLONE_NEWUSER);
	default:
		return -1;
	}
}

/* In the child: sets must be refused with EPERM unless w has CAP_NET_ADMIN; gets always work. */
static void priv_child(enum who w, unsigned int rounds, struct priv_result *res)
{
	bool may = w == NOBODY_NET_ADMIN;
	char *buf = malloc(MSG_MAX);
	struct answer *an = malloc(sizeof(*an));
	struct nlmsghdr *nlh;
	struct nlattr *b, *e;
	struct nl n;
	unsigned int i, k;

	memset(res, 0, sizeof(*res));
	if (!buf || !an || become(w)) {
		res->setup_err = errno ? errno : ENOMEM;
		return;
	}
	if (nl_open(&n)) {
		res->other = 1;
		return;
	}
	res->dev = 0;
	res->queue = 0;
	for (i = 0; i < rounds; i++) {
		uint32_t u = 1 + below(1000), p = 1 + below(100);

		for (k = 0; k < 3; k++) {
			switch (k) {
			case 0:
				nlh = put_hdr(&n, buf, VQSIM_CMD_COAL_SET, NLM_F_REQUEST | NLM_F_ACK);
				mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, devs[0].name);
				mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, 0);
				mnl_attr_put_u32(nlh, VQSIM_A_COAL_USECS, u);
				mnl_attr_put_u32(nlh, VQSIM_A_COAL_PACKETS, p);
				break;
			case 1: /* the batch's last entry is what queue 0 keeps */
				nlh = put_hdr(&n, buf, VQSIM_CMD_COAL_SET_BATCH, NLM_F_REQUEST | NLM_F_ACK);
				b = mnl_attr_nest_start(nlh, VQSIM_A_BATCH);
				e = mnl_attr_nest_start(nlh, VQSIM_A_BATCH_ENTRY);
				mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, devs[0].name);
				mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, 0);
				mnl_attr_put_u32(nlh, VQSIM_A_COAL_USECS, u + 1);
				mnl_attr_put_u32(nlh, VQSIM_A_COAL_PACKETS, p + 1);
				mnl_attr_nest_end(nlh, e);
				mnl_attr_nest_end(nlh, b);
				break;
			default:
				nlh = put_hdr(&n, buf, VQSIM_CMD_TRAFFIC_SET, NLM_F_REQUEST | NLM_F_ACK);
				mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, devs[0].name);
				mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, 0);
				mnl_attr_put_u32(nlh, VQSIM_A_TRAFFIC_STATE, VQSIM_TRAFFIC_STOP);
			}
			res->sets++;
			if (transact(&n, nlh, nlh->nlmsg_len, an, NULL, NULL) || an->error == 1)
				res->other++;
			else if (an->error == -EPERM)
				res->sets_eperm++;
			else if (!an->error)
				res->sets_ok++;
			else
				res->other++;
		}
		if (may) {
			res->usecs = u + 1;
			res->packets = p + 1;
		}
		/* A get: allowed to anyone. */
		nlh = put_hdr(&n, buf, VQSIM_CMD_COAL_GET, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, devs[0].name);
		mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, 0);
		res->gets++;
		if (!transact(&n, nlh, nlh->nlmsg_len, an, NULL, NULL) && an->error == 0 && an->data == 1)
			res->gets_ok++;
		else
			res->other++;
	}
	nl_close(&n);
	free(buf);
	free(an);
}

/* Forks a child per kind of caller; folds what it set into the model. Returns false on a failed check. */
static bool priv_round(unsigned int rounds, FILE *out)
{
	bool ok = true;

	for (int w = 0; w < WHO_N; w++) {
		struct priv_result r;
		int fd[2], status;
		pid_t pid;

		if (pipe(fd))
			return false;
		fflush(NULL);
		pid = fork();
		if (pid == 0) {
			close(fd[0]);
			rng_state ^= (uint64_t)getpid() << 17;
			priv_child(w, rounds, &r);
			if (write(fd[1], &r, sizeof(r)) != sizeof(r))
				_exit(2);
			_exit(0);
		}
		close(fd[1]);
		if (pid < 0 || read(fd[0], &r, sizeof(r)) != sizeof(r)) {
			close(fd[0]);
			return false;
		}
		close(fd[0]);
		waitpid(pid, &status, 0);
		/*
		 * A chrooted process may not make a user namespace (unshare:
		 * EPERM), and the test guest runs chrooted into the host's root.
		 */
		if (w == USER_NS && r.setup_err == EPERM) {
			fprintf(out, "  %-31s not here: unshare(CLONE_NEWUSER) is refused in a chroot\n", who_names[w]);
			continue;
		}
		if (r.setup_err) {
			fprintf(out, "  %-31s could not become it: %s\n", who_names[w], strerror(r.setup_err));
			ok = false;
			continue;
		}
		st.sent += r.sets + r.gets;
		st.fuzz += r.sets + r.gets;
		st.errors += r.sets_eperm;
		st.err_by[EPERM] += r.sets_eperm;
		st.acks += r.sets_ok;
		st.replies += r.gets_ok;
		if (w == NOBODY_NET_ADMIN) {
			ok &= r.sets_ok == r.sets && !r.sets_eperm;
			devs[0].q[0].usecs = r.usecs;
			devs[0].q[0].packets = r.packets;
		} else {
			ok &= r.sets_eperm == r.sets && !r.sets_ok;
		}
		ok &= r.gets_ok == r.gets && !r.other;
		fprintf(out, "  %-31s sets %u: %u EPERM, %u accepted; gets %u: %u answered; other %u\n", who_names[w],
			r.sets, r.sets_eperm, r.sets_ok, r.gets, r.gets_ok, r.other);
	}
	return ok;
}

/* ---- start and end: devices, and the model against COAL_GET ---- */

static void dev_seen(const struct nlmsghdr *nlh, void *arg)
{
	struct answer an = {0};

	(void)arg;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), reply_attr_cb, &an);
	if (ndevs < MAX_DEVS && an.dev[0]) {
		snprintf(devs[ndevs].name, sizeof(devs[ndevs].name), "%s", an.dev);
		devs[ndevs].queues = an.queues < VQSIM_MAX_QUEUES ? an.queues : VQSIM_MAX_QUEUES;
		ndevs++;
	}
}

static int coal_get(struct nl *n, char *buf, struct answer *an, unsigned int d, uint32_t q)
{
	struct nlmsghdr *nlh = put_hdr(n, buf, VQSIM_CMD_COAL_GET, NLM_F_REQUEST | NLM_F_ACK);

	mnl_attr_put_strz(nlh, VQSIM_A_DEV_NAME, devs[d].name);
	mnl_attr_put_u32(nlh, VQSIM_A_QUEUE, q);
	if (transact(n, nlh, nlh->nlmsg_len, an, NULL, NULL) || an->error || an->data != 1)
		return -1;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t count = 100000, seed = (uint64_t)time(NULL), i, mismatches = 0, checked = 0;
	char *buf = malloc(MSG_MAX);
	struct answer *an = malloc(sizeof(*an));
	struct nlmsghdr *nlh;
	bool priv_ok = true;
	double t0, secs;
	struct nl n;
	int opt, err;

	while ((opt = getopt(argc, argv, "n:s:v")) != -1) {
		switch (opt) {
		case 'n':
			count = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: %s [-n COUNT] [-s SEED] [-v]\n", argv[0]);
			return 2;
		}
	}
	rng_state ^= seed * 0x9e3779b97f4a7c15ULL;
	if (!buf || !an)
		return 1;
	err = nl_open(&n);
	if (err) {
		fprintf(stderr, "vqsim_nl_fuzz: no vqsim family: %s\n", strerror(-err));
		return 1;
	}
	nlh = put_hdr(&n, buf, VQSIM_CMD_DEV_GET, NLM_F_REQUEST | NLM_F_DUMP);
	if (transact(&n, nlh, nlh->nlmsg_len, an, dev_seen, NULL) || !ndevs) {
		fprintf(stderr, "vqsim_nl_fuzz: no vqsim device to talk to\n");
		return 1;
	}
	for (unsigned int d = 0; d < ndevs; d++)
		for (uint32_t q = 0; q < devs[d].queues; q++) {
			if (coal_get(&n, buf, an, d, q))
				return 1;
			devs[d].q[q] = (struct coal_model){an->usecs, an->packets};
		}
	memset(&st, 0, sizeof(st));
	printf("vqsim_nl_fuzz: seed %llu, %llu messages, %u devices (%s: %u queues)\n", (unsigned long long)seed,
	       (unsigned long long)count, ndevs, devs[0].name, devs[0].queues);

	t0 = now_s();
	printf("callers without and with CAP_NET_ADMIN, before:\n");
	priv_ok &= priv_round(20, stdout);
	for (i = 0; st.fuzz < count; i++) {
		size_t len = gen_request(&n, buf);
		const struct genlmsghdr *g;

		nlh = (struct nlmsghdr *)buf;
		g = mnl_nlmsg_get_payload(nlh);
		st.fuzz++;
		if (len < nlh->nlmsg_len)
			st.truncated++;
		else if (!(nlh->nlmsg_flags & NLM_F_ACK))
			st.no_ack_asked++;
		if (transact(&n, nlh, len, an, NULL, NULL))
			break;
		/*
		 * Accepted sets go into the model: COAL_GET must show them at the
		 * end. Accepted: acked with 0 or, asked no ack, refused with nothing.
		 */
		if (len == nlh->nlmsg_len && (nlh->nlmsg_flags & NLM_F_REQUEST) && !(nlh->nlmsg_flags & NLM_F_DUMP) &&
		    (an->error == 0 || (an->error == 1 && !(nlh->nlmsg_flags & NLM_F_ACK))) &&
		    (g->cmd == VQSIM_CMD_COAL_SET || g->cmd == VQSIM_CMD_COAL_SET_BATCH))
			model_accepted(nlh, an);
		if (i == count / 2) {
			printf("callers without and with CAP_NET_ADMIN, halfway:\n");
			priv_ok &= priv_round(20, stdout);
		}
		if (verbose && i % 10000 == 0)
			fprintf(stderr, "  %llu sent, %.1f s\n", (unsigned long long)st.fuzz, now_s() - t0);
	}
	printf("callers without and with CAP_NET_ADMIN, after:\n");
	priv_ok &= priv_round(20, stdout);
	secs = now_s() - t0;

	/* The model against the kernel, queue by queue. */
	for (unsigned int d = 0; d < ndevs; d++)
		for (uint32_t q = 0; q < devs[d].queues; q++) {
			checked++;
			if (coal_get(&n, buf, an, d, q)) {
				mismatches++;
				continue;
			}
			if (an->usecs != devs[d].q[q].usecs || an->packets != devs[d].q[q].packets) {
				mismatches++;
				fprintf(stderr, "vqsim_nl_fuzz: %s queue %u: COAL_GET %u/%u, last accepted set %u/%u\n",
					devs[d].name, q, an->usecs, an->packets, devs[d].q[q].usecs,
					devs[d].q[q].packets);
			}
		}

	printf("sent %llu messages to the family (%llu cut short, %llu without NLM_F_ACK) in %.1f s, %.0f/s, "
	       "%.1f MB; %llu NOOP barriers\n",
	       (unsigned long long)st.fuzz, (unsigned long long)st.truncated, (unsigned long long)st.no_ack_asked, secs,
	       st.fuzz / secs, st.bytes / 1e6, (unsigned long long)st.barriers);
	printf("answers: %llu acks, %llu errors (%llu with an extack message, %llu with an offset), "
	       "%llu replies, %llu dumps done\n",
	       (unsigned long long)st.acks, (unsigned long long)st.errors, (unsigned long long)st.extack_msg,
	       (unsigned long long)st.extack_offs, (unsigned long long)st.replies, (unsigned long long)st.dumps_done);
	printf("errors by kind:");
	for (int e = 1; e < 256; e++)
		if (st.err_by[e])
			printf(" %s %llu;", strerrorname_np(e) ?: "?", (unsigned long long)st.err_by[e]);
	printf("\nsent by command:");
	for (int c = 0; c <= VQSIM_CMD_MAX + 1; c++)
		printf(" %s %llu;", c > VQSIM_CMD_MAX ? "unknown" : vqsim_nl_cmd_names[c] ?: "unspec",
		       (unsigned long long)st.cmd_sent[c]);
	printf("\naccepted: %llu sets, %llu batches (%llu entries); model: %llu of %llu queues differ\n",
	       (unsigned long long)st.sets_applied, (unsigned long long)st.batches_applied,
	       (unsigned long long)st.batch_entries_applied, (unsigned long long)mismatches,
	       (unsigned long long)checked);
	printf("anomalies: %llu; privilege checks: %s\n", (unsigned long long)st.anomalies, priv_ok ? "ok" : "FAILED");

	printf("{\"messages\":%llu,\"seconds\":%.1f,\"truncated\":%llu,\"no_ack_asked\":%llu,\"acks\":%llu,"
	       "\"errors\":%llu,\"extack_msg\":%llu,\"replies\":%llu,\"dumps_done\":%llu,\"sets_applied\":%llu,"
	       "\"batches_applied\":%llu,\"queues_checked\":%llu,\"mismatches\":%llu,\"anomalies\":%llu,"
	       "\"priv_ok\":%s,\"errors_by\":{",
	       (unsigned long long)st.fuzz, secs, (unsigned long long)st.truncated, (unsigned long long)st.no_ack_asked,
	       (unsigned long long)st.acks, (unsigned long long)st.errors, (unsigned long long)st.extack_msg,
	       (unsigned long long)st.replies, (unsigned long long)st.dumps_done, (unsigned long long)st.sets_applied,
	       (unsigned long long)st.batches_applied, (unsigned long long)checked, (unsigned long long)mismatches,
	       (unsigned long long)st.anomalies, priv_ok ? "true" : "false");
	for (int e = 1, first = 1; e < 256; e++)
		if (st.err_by[e]) {
			printf("%s\"%s\":%llu", first ? "" : ",", strerrorname_np(e) ?: "?",
			       (unsigned long long)st.err_by[e]);
			first = 0;
		}
	printf("}}\n");
	nl_close(&n);
	free(buf);
	free(an);
	return st.anomalies || mismatches || !priv_ok ? 1 : 0;
}
