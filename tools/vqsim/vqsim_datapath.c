// SPDX-License-Identifier: GPL-2.0
/*
 * vqsim datapath: one kthread per device loops tx back to rx, runs the
 * traffic sources, serves the control queue, and hands used buffers to the
 * coalescing logic, which notifies the driver at max_packets, at max_usecs
 * (an hrtimer per queue), or at once when coalescing is off.
 */
#include <linux/etherdevice.h>
#include <linux/kthread.h>
#include <linux/log2.h>
#include <linux/sched.h>
#include <linux/delay.h>
#include <linux/math64.h>
#include <linux/unaligned.h>
#include <net/netlink.h>
#include <uapi/linux/vdpa.h>

#include "vqsim.h"
#include "vqsim_trace.h"

#define VQSIM_HDR_LEN	sizeof(struct virtio_net_hdr_mrg_rxbuf)
#define VQSIM_BUDGET	64	/* frames per queue per loop, then look around */

static const u8 vqsim_src_mac[ETH_ALEN] = { 0x02, 0x76, 0x71, 0x73, 0x69, 0x6d };

void vqsim_kick(struct vqsim_dev *vs)
{
	atomic_set(&vs->kicked, 1);
	wake_up_process(vs->worker);
}

static void vqsim_hist_add(struct vqsim_vq_stats *st, u64 d)
{
	unsigned int b = d ? ilog2(d) : 0;

	if (b >= VQSIM_HIST_BUCKETS)
		b = VQSIM_HIST_BUCKETS - 1;
	st->hist[b]++;
	st->hist_ll[vqsim_delay_hist_bucket(d)]++;
	st->delay_sum_ns += d;
	if (d > st->delay_max_ns)
		st->delay_max_ns = d;
}

/* pending-hist's bucket: eighths of the ring, then the whole ring. */
static unsigned int vqsim_pending_bucket(u32 pending, u32 num)
{
	if (pending >= num)
		return num ? VQSIM_PENDING_HIST_BUCKETS - 1 : 0;
	return (u64)pending * (VQSIM_PENDING_HIST_BUCKETS - 1) / num;
}

/* Under vs->lock. Tells the driver about every pending used buffer. */
static void vqsim_notify_locked(struct vqsim_dev *vs, struct vqsim_vq *vq,
				u32 cause, u64 now)
{
	u64 delay = now - vq->first_ns;
	u32 pending = vq->pending;

	vq->pending = 0;
	/* Every decision, delivered or not: how much of the ring it held. */
	vq->st.pending_hist[vqsim_pending_bucket(pending, vq->num)]++;
	if (vq->timer_armed) {
		/*
		 * -1: the callback runs already (it is us, or it waits for the
		 * lock); it re-checks the deadline of whatever is pending then.
		 */
		hrtimer_try_to_cancel(&vq->timer);
		vq->timer_armed = false;
	}
	if (vs->fault.drop_notify) {
		vs->fault.drop_notify--;
		vq->st.notify_dropped++;
		return;
	}
	/*
	 * Honour VRING_AVAIL_F_NO_INTERRUPT (NAPI is polling the ring anyway),
	 * and a queue without a callback (virtio_net's cvq): then nothing would
	 * reach vring_interrupt, which is what a monitor counts.
	 */
	if (!vq->cb || !vqsim_ring_need_notify(vq)) {
		vq->st.suppressed++;
		return;
	}
	vq->st.notify[cause]++;
	vqsim_hist_add(&vq->st, delay);
	trace_vqsim_notify(vqsim_name(vs), vq->idx, pending, cause, delay);
	vq->cb(vq->private);
}

static void vqsim_arm_locked(struct vqsim_vq *vq, u64 deadline)
{
	hrtimer_start(&vq->timer, ns_to_ktime(deadline), HRTIMER_MODE_ABS_HARD);
	vq->timer_armed = true;
}

/*
 * Under vs->lock, with buffers pending: when they are due, and why. Counting
 * starts at the first pending buffer; notify_delay_us holds every
 * notification that much longer.
 */
static u64 vqsim_coal_due_locked(struct vqsim_dev *vs, struct vqsim_vq *vq,
				 u32 *cause)
{
	u64 due;

	if (!vq->coal_usecs || !vq->coal_packets) {
		*cause = VQSIM_CAUSE_IMMEDIATE;
		due = vq->first_ns;
	} else if (vq->pending >= vq->coal_packets) {
		*cause = VQSIM_CAUSE_FRAMES;
		due = vq->first_ns;
	} else {
		*cause = VQSIM_CAUSE_TIMER;
		due = vq->first_ns + (u64)vq->coal_usecs * NSEC_PER_USEC;
	}
	return due + (u64)vs->fault.notify_delay_us * NSEC_PER_USEC;
}

/*
 * Under vs->lock. Decides about the pending buffers now: also after a change
 * of the limits, which the spec wants to take effect at once.
 */
static void vqsim_coal_check_locked(struct vqsim_dev *vs, struct vqsim_vq *vq,
				    u64 now)
{
	u64 deadline;
	u32 cause;

	if (!vq->pending)
		return;
	deadline = vqsim_coal_due_locked(vs, vq, &cause);
	/* A timer's deadline held by notify_delay_us stays the timer's. */
	if (deadline <= now &&
	    (cause != VQSIM_CAUSE_TIMER || !vs->fault.notify_delay_us)) {
		vqsim_notify_locked(vs, vq, cause, now);
		return;
	}
	if (deadline <= now)
		deadline = now;
	/* Re-arm when the deadline moved, e.g. a shorter max_usecs. */
	if (!vq->timer_armed ||
	    ktime_to_ns(hrtimer_get_softexpires(&vq->timer)) != deadline)
		vqsim_arm_locked(vq, deadline);
}

#define VQSIM_TIMER_DELAY_MAX_US	10000

/* Fault injection (debugfs timer_delay_us): late to the lock, as under load. */
static void vqsim_timer_fault_delay(struct vqsim_dev *vs)
{
	u32 us = min_t(u32, READ_ONCE(vs->fault.timer_delay_us),
		       VQSIM_TIMER_DELAY_MAX_US);

	if (us >= 1000)
		mdelay(us / 1000);
	if (us % 1000)
		udelay(us % 1000);
}

/*
 * The expiry may be stale by the time this runs. While it waited for
 * vs->lock, the worker may have notified the buffers it was armed for
 * (hrtimer_try_to_cancel() cannot stop a callback that already runs) and
 * newer buffers may be pending. So it decides from the pending buffers' own
 * deadline, never from having fired: it notifies when they are due, else it
 * fires again at their deadline, or leaves it to the expiry the worker armed
 * meanwhile. timer_armed stays true while an expiry is to come.
 */
enum hrtimer_restart vqsim_coal_timer_fn(struct hrtimer *t)
{
	struct vqsim_vq *vq = container_of(t, struct vqsim_vq, timer);
	enum hrtimer_restart ret = HRTIMER_NORESTART;
	struct vqsim_dev *vs = vq->vs;
	unsigned long flags;
	u64 due, now;
	u32 cause;

	vqsim_timer_fault_delay(vs);
	spin_lock_irqsave(&vs->lock, flags);
	/* Armed again while this run waited: that expiry is the pending buffers'. */
	if (hrtimer_is_queued(t))
		goto out;
	vq->timer_armed = false;
	if (!vq->ready || !vs->running || !vq->pending)
		goto out;
	due = vqsim_coal_due_locked(vs, vq, &cause);
	now = ktime_get_ns();
	if (due > now) {
		hrtimer_set_expires(t, ns_to_ktime(due));
		vq->timer_armed = true;
		ret = HRTIMER_RESTART;
	} else {
		vqsim_notify_locked(vs, vq, cause, now);
	}
out:
	spin_unlock_irqrestore(&vs->lock, flags);
	return ret;
}

/* Under vs->lock: one used buffer, then the coalescing decision. */
static void vqsim_used_locked(struct vqsim_dev *vs, struct vqsim_vq *vq,
			      u32 used_len, u32 bytes, u64 now)
{
	/* The buffer's data must be visible before the used index moves. */
	smp_wmb();
	/* A queue the device cannot reach is broken: nothing to notify. */
	if (vqsim_ring_used(vq, used_len))
		return;
	vq->st.packets++;
	vq->st.bytes += bytes;
	trace_vqsim_used(vqsim_name(vs), vq->idx, 1, bytes);
	if (!vq->pending++)
		vq->first_ns = now;
	vqsim_coal_check_locked(vs, vq, now);
}

void vqsim_coal_reset_locked(struct vqsim_vq *vq)
{
	vq->coal_usecs = 0;
	vq->coal_packets = 0;
	vq->coal_src = VQSIM_COAL_SRC_RESET;
	vq->pending = 0;
}

/* Callers hold vs->mutex and not vs->lock; timers must not run after. */
void vqsim_vq_stop_timers(struct vqsim_dev *vs)
{
	u32 i;

	for (i = 0; i < vs->nvqs; i++) {
		hrtimer_cancel(&vs->vqs[i].timer);
		vs->vqs[i].timer_armed = false;
	}
}

/*
 * A set in two steps, so that a batch can be all or nothing: the check,
 * which can refuse it (the queue, the range, the debugfs fail_next_set knob,
 * which it consumes), then the apply, which cannot fail.
 */
int vqsim_coal_check(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets)
{
	unsigned long flags;
	int err = 0;

	if (idx >= vs->nvqs || idx == vqsim_cvq_idx(vs))
		return -EINVAL;
	if (usecs > VQSIM_COAL_USECS_MAX || packets > VQSIM_COAL_PACKETS_MAX)
		return -ERANGE;
	spin_lock_irqsave(&vs->lock, flags);
	if (vs->fault.fail_next_set) {
		vs->fault.fail_next_set--;
		err = -EIO;
	}
	spin_unlock_irqrestore(&vs->lock, flags);
	return err;
}

/* Applies a set that vqsim_coal_check() passed. May sleep (it notifies netlink). */
void vqsim_coal_apply(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets,
		      u32 src)
{
	struct vqsim_vq *vq = &vs->vqs[idx];
	unsigned long flags;
	u32 old_usecs, old_packets;

	/* A notification raises NET_RX: let it run at bh enable, not in ksoftirqd. */
	local_bh_disable();
	spin_lock_irqsave(&vs->lock, flags);
	old_usecs = vq->coal_usecs;
	old_packets = vq->coal_packets;
	vq->coal_usecs = usecs;
	vq->coal_packets = packets;
	vq->coal_src = src;
	trace_vqsim_coal(vqsim_name(vs), idx, old_usecs, old_packets, usecs,
			 packets, src);
	if (vq->ready && vs->running)
		vqsim_coal_check_locked(vs, vq, ktime_get_ns());
	spin_unlock_irqrestore(&vs->lock, flags);
	local_bh_enable();
	vqsim_nl_coal_notify(vs, idx);
}

int vqsim_coal_set(struct vqsim_dev *vs, u32 idx, u32 usecs, u32 packets,
		   u32 src)
{
	int err = vqsim_coal_check(vs, idx, usecs, packets);

	if (!err)
		vqsim_coal_apply(vs, idx, usecs, packets, src);
	return err;
}

/* ---- control queue ---- */

struct vqsim_ctrl_reply {
	u8 status;
	struct virtio_net_ctrl_coal coal;	/* VQ_GET only */
} __packed;

static int vqsim_ctrl_coal(struct vqsim_dev *vs, u8 cmd, const void *in,
			   size_t len, struct vqsim_ctrl_reply *out,
			   size_t *out_len)
{
	const struct virtio_net_ctrl_coal_vq *vqc = in;
	const struct virtio_net_ctrl_coal *c = in;
	u32 i, first;
	int err;

	switch (cmd) {
	case VIRTIO_NET_CTRL_NOTF_COAL_TX_SET:
	case VIRTIO_NET_CTRL_NOTF_COAL_RX_SET:
		if (!(vs->features & BIT_ULL(VIRTIO_NET_F_NOTF_COAL)) ||
		    len < sizeof(*c))
			return -EINVAL;
		first = cmd == VIRTIO_NET_CTRL_NOTF_COAL_TX_SET;
		for (i = first; i < 2 * vs->vqp; i += 2) {
			err = vqsim_coal_set(vs, i, le32_to_cpu(c->max_usecs),
					     le32_to_cpu(c->max_packets),
					     VQSIM_COAL_SRC_CVQ);
			if (err)
				return err;
		}
		return 0;
	case VIRTIO_NET_CTRL_NOTF_COAL_VQ_SET:
	case VIRTIO_NET_CTRL_NOTF_COAL_VQ_GET:
		if (!(vs->features & BIT_ULL(VIRTIO_NET_F_VQ_NOTF_COAL)) ||
		    len < sizeof(vqc->vqn))
			return -EINVAL;
		i = le16_to_cpu(vqc->vqn);
		/* The spec refuses queues that are not enabled. */
		if (i >= 2 * vs->vqp || !vs->vqs[i].ready)
			return -EINVAL;
		if (cmd == VIRTIO_NET_CTRL_NOTF_COAL_VQ_GET) {
			out->coal.max_usecs = cpu_to_le32(vs->vqs[i].coal_usecs);
			out->coal.max_packets =
				cpu_to_le32(vs->vqs[i].coal_packets);
			*out_len = sizeof(*out);
			return 0;
		}
		if (len < sizeof(*vqc))
			return -EINVAL;
		return vqsim_coal_set(vs, i, le32_to_cpu(vqc->coal.max_usecs),
				      le32_to_cpu(vqc->coal.max_packets),
				      VQSIM_COAL_SRC_CVQ);
	}
	return -EOPNOTSUPP;
}

/* Runs one command; may sleep (coalescing changes notify netlink). */
static u8 vqsim_ctrl_exec(struct vqsim_dev *vs, u8 class, u8 cmd,
			  const void *in, size_t len,
			  struct vqsim_ctrl_reply *out, size_t *out_len)
{
	unsigned long flags;
	u16 pairs;

	switch (class) {
	case VIRTIO_NET_CTRL_MAC:
		if (cmd != VIRTIO_NET_CTRL_MAC_ADDR_SET || len < ETH_ALEN)
			return VIRTIO_NET_ERR;
		spin_lock_irqsave(&vs->lock, flags);
		memcpy(vs->config.mac, in, ETH_ALEN);
		spin_unlock_irqrestore(&vs->lock, flags);
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_MQ:
		if (cmd != VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET || len < 2)
			return VIRTIO_NET_ERR;
		pairs = le16_to_cpup(in);
		if (pairs < 1 || pairs > vs->vqp)
			return VIRTIO_NET_ERR;
		vs->curr_vqp = pairs;
		return VIRTIO_NET_OK;
	case VIRTIO_NET_CTRL_NOTF_COAL:
		return vqsim_ctrl_coal(vs, cmd, in, len, out, out_len) ?
			       VIRTIO_NET_ERR : VIRTIO_NET_OK;
	}
	return VIRTIO_NET_ERR;
}

static void vqsim_handle_cvq(struct vqsim_dev *vs)
{
	struct vqsim_vq *cvq = &vs->vqs[vqsim_cvq_idx(vs)];
	struct virtio_net_ctrl_hdr ctrl;
	struct vqsim_ctrl_reply out;
	unsigned long flags;
	u8 in[64];
	size_t out_len;
	ssize_t n, len;
	int err;

	if (!(vs->features & BIT_ULL(VIRTIO_NET_F_CTRL_VQ)) || !cvq->ready)
		return;

	for (;;) {
		spin_lock_irqsave(&vs->lock, flags);
		err = vqsim_ring_get(cvq);
		if (err <= 0) {
			spin_unlock_irqrestore(&vs->lock, flags);
			break;
		}
		n = vqsim_chain_pull(&cvq->chain, &ctrl, sizeof(ctrl));
		len = vqsim_chain_pull(&cvq->chain, in, sizeof(in));
		spin_unlock_irqrestore(&vs->lock, flags);

		memset(&out, 0, sizeof(out));
		out_len = sizeof(out.status);
		vs->cvq_requests++;
		if (n != sizeof(ctrl) || len < 0)
			out.status = VIRTIO_NET_ERR;
		else
			out.status = vqsim_ctrl_exec(vs, ctrl.class, ctrl.cmd,
						     in, len, &out, &out_len);
		if (out.status != VIRTIO_NET_OK)
			vs->cvq_errors++;

		local_bh_disable();
		spin_lock_irqsave(&vs->lock, flags);
		n = vqsim_chain_push(&cvq->chain, &out, out_len);
		vqsim_used_locked(vs, cvq, n > 0 ? n : 0, n > 0 ? n : 0,
				  ktime_get_ns());
		spin_unlock_irqrestore(&vs->lock, flags);
		local_bh_enable();
	}
}

/* ---- frames ---- */

static const struct vqsim_frame *vqsim_frame_of(const void *buf, ssize_t len)
{
	const struct ethhdr *eth = buf + VQSIM_HDR_LEN;
	const struct vqsim_frame *f = (const void *)(eth + 1);

	if (len < (ssize_t)(VQSIM_HDR_LEN + sizeof(*eth) + sizeof(*f)))
		return NULL;
	if (eth->h_proto != htons(VQSIM_ETHERTYPE) ||
	    get_unaligned(&f->magic) != VQSIM_FRAME_MAGIC)
		return NULL;
	return f;
}

/* Under vs->lock: one frame (virtio-net header included) into an rx buffer. */
static bool vqsim_rx_put_locked(struct vqsim_dev *vs, struct vqsim_vq *rxq,
				const void *frame, size_t len, u64 now)
{
	ssize_t n;
	int err;

	err = vqsim_ring_get(rxq);
	if (err <= 0) {
		rxq->st.drops++;
		return false;
	}
	/* What is left for the next frames; the driver refills only when notified. */
	if ((u16)(rxq->avail_idx - rxq->last_avail_idx) <
	    rxq->num >> VQSIM_RING_LOW_SHIFT)
		rxq->st.ring_low++;
	n = vqsim_chain_push(&rxq->chain, frame, len);
	if (n < 0) {
		/* Refused by the IOTLB (counted): the queue is broken. */
		rxq->st.drops++;
		return false;
	}
	vqsim_used_locked(vs, rxq, n, n, now);
	return true;
}

/* Takes a ping-pong reply for the source of the rx queue it names. */
static void vqsim_reply_locked(struct vqsim_dev *vs, const struct vqsim_frame *f,
			       u64 now)
{
	u16 q = get_unaligned(&f->queue);
	struct vqsim_source *src;

	if (q >= 2 * vs->vqp || (q & 1))
		return;
	src = &vs->vqs[q].src;
	vs->vqs[q].st.src_replies++;
	if (src->waiting && get_unaligned(&f->seq) + 1 == src->seq) {
		src->waiting = false;
		if (src->next_ns < now)
			src->next_ns = now;
	}
}

/* Loops one pair's tx into its rx. Returns true if the budget ran out. */
static bool vqsim_tx_pair(struct vqsim_dev *vs, u32 pair)
{
	struct vqsim_vq *txq = &vs->vqs[2 * pair + 1];
	struct vqsim_vq *rxq = &vs->vqs[2 * pair];
	const struct vqsim_frame *f;
	unsigned long flags;
	ssize_t len;
	int n, err;
	u64 now;

	if (!txq->ready)
		return false;
	for (n = 0; n < VQSIM_BUDGET; n++) {
		local_bh_disable();
		spin_lock_irqsave(&vs->lock, flags);
		err = vqsim_ring_get(txq);
		if (err <= 0) {
			spin_unlock_irqrestore(&vs->lock, flags);
			local_bh_enable();
			return false;
		}
		len = vqsim_chain_pull(&txq->chain, vs->buf, VQSIM_BUF_SIZE);
		if (len < 0) {
			/* Refused by the IOTLB (counted): the queue is broken. */
			spin_unlock_irqrestore(&vs->lock, flags);
			local_bh_enable();
			return false;
		}
		now = ktime_get_ns();
		f = vqsim_frame_of(vs->buf, len);
		if (f && (get_unaligned(&f->flags) & VQSIM_FRAME_F_REPLY))
			vqsim_reply_locked(vs, f, now);
		else if (rxq->ready && len > VQSIM_HDR_LEN)
			vqsim_rx_put_locked(vs, rxq, vs->buf, len, now);
		else
			rxq->st.drops++;
		vqsim_used_locked(vs, txq, 0, len, now);
		spin_unlock_irqrestore(&vs->lock, flags);
		local_bh_enable();
	}
	return true;
}

/* ---- traffic source ---- */

static size_t vqsim_src_build(struct vqsim_dev *vs, struct vqsim_vq *rxq)
{
	struct vqsim_source *src = &rxq->src;
	struct virtio_net_hdr_mrg_rxbuf *hdr = vs->srcbuf;
	struct ethhdr *eth = vs->srcbuf + VQSIM_HDR_LEN;
	struct vqsim_frame f = {
		.magic = VQSIM_FRAME_MAGIC,
		.version = 1,
		.queue = rxq->idx,
		.size = src->size,
		.seq = src->seq++,
		.flags = src->pattern == VQSIM_PATTERN_PINGPONG ?
				 VQSIM_FRAME_F_PINGPONG : 0,
	};

	memset(vs->srcbuf, 0, VQSIM_HDR_LEN + src->size);
	hdr->num_buffers = __cpu_to_virtio16(true, 1);
	memcpy(eth->h_dest, vs->config.mac, ETH_ALEN);
	memcpy(eth->h_source, vqsim_src_mac, ETH_ALEN);
	eth->h_proto = htons(VQSIM_ETHERTYPE);
	/* The device's "arrival" time: the receiver measures delivery against it. */
	f.ts_ns = ktime_get_ns();
	memcpy(eth + 1, &f, sizeof(f));
	return VQSIM_HDR_LEN + src->size;
}

/*
 * Sends what is due on one rx queue's source. Returns when to look again
 * (U64_MAX: never), which is at most now if more is due at once.
 */
static u64 vqsim_source_run(struct vqsim_dev *vs, struct vqsim_vq *rxq)
{
	struct vqsim_source *src = &rxq->src;
	unsigned long flags;
	u64 now, period, phase, gap;
	size_t len;
	u32 i;

	now = ktime_get_ns();
	spin_lock_irqsave(&vs->lock, flags);
	if (!src->running || !rxq->ready) {
		spin_unlock_irqrestore(&vs->lock, flags);
		return U64_MAX;
	}
	if (src->waiting) {
		if (now - src->sent_ns < VQSIM_PINGPONG_TIMEOUT_NS) {
			spin_unlock_irqrestore(&vs->lock, flags);
			return src->sent_ns + VQSIM_PINGPONG_TIMEOUT_NS;
		}
		src->waiting = false;	/* lost: the receiver sees the gap */
	}
	if (src->pattern == VQSIM_PATTERN_ONOFF) {
		period = (u64)(src->on_us + src->off_us) * NSEC_PER_USEC;
		div64_u64_rem(now - src->start_ns, period, &phase);
		if (phase >= (u64)src->on_us * NSEC_PER_USEC &&
		    src->next_ns < now + (period - phase))
			src->next_ns = now + (period - phase);
	}
	if (now < src->next_ns) {
		spin_unlock_irqrestore(&vs->lock, flags);
		return src->next_ns;
	}
	spin_unlock_irqrestore(&vs->lock, flags);

	/*
	 * A burst arrives as one: no coalescing timer and no preemption between
	 * its frames, as on a wire at line rate.
	 */
	local_bh_disable();
	spin_lock_irqsave(&vs->lock, flags);
	for (i = 0; i < src->burst && src->running && rxq->ready; i++) {
		len = vqsim_src_build(vs, rxq);
		rxq->st.src_frames++;
		vqsim_rx_put_locked(vs, rxq, vs->srcbuf, len, ktime_get_ns());
	}
	spin_unlock_irqrestore(&vs->lock, flags);
	local_bh_enable();

	spin_lock_irqsave(&vs->lock, flags);
	gap = div_u64((u64)src->burst * NSEC_PER_SEC, src->rate);
	src->next_ns += gap;
	/* Far behind (a stall, a slow guest): do not make up in one storm. */
	if (src->next_ns + 100 * NSEC_PER_MSEC < now)
		src->next_ns = now;
	if (src->pattern == VQSIM_PATTERN_PINGPONG) {
		src->waiting = true;
		src->sent_ns = now;
		spin_unlock_irqrestore(&vs->lock, flags);
		return now + VQSIM_PINGPONG_TIMEOUT_NS;
	}
	now = src->next_ns;
	spin_unlock_irqrestore(&vs->lock, flags);
	return now;
}

/* ---- the worker ---- */

int vqsim_worker_fn(void *data)
{
	struct vqsim_dev *vs = data;
	u64 next, due, now;
	bool more;
	ktime_t kt;
	u32 i, stall, rounds;

	while (!kthread_should_stop()) {
		/* every round, not only a busy one: a kick storm loops via "kicked" too */
		cond_resched();
		stall = xchg(&vs->fault.stall_ms, 0);
		if (stall)
			msleep(stall);

		atomic_set(&vs->kicked, 0);
		next = U64_MAX;
		more = false;
		mutex_lock(&vs->mutex);
		if (vs->running) {
			vqsim_handle_cvq(vs);
			for (i = 0; i < vs->vqp; i++)
				more |= vqsim_tx_pair(vs, i);
			for (i = 0; i < vs->vqp; i++) {
				/* A few bursts each round keep tx and cvq served. */
				for (rounds = 0; rounds < 4; rounds++) {
					due = vqsim_source_run(vs, &vs->vqs[2 * i]);
					if (due > ktime_get_ns())
						break;
				}
				if (rounds == 4)
					more = true;
				next = min(next, due);
			}
		}
		mutex_unlock(&vs->mutex);

		if (more)
			continue;
		set_current_state(TASK_INTERRUPTIBLE);
		if (atomic_read(&vs->kicked) || kthread_should_stop()) {
			__set_current_state(TASK_RUNNING);
			continue;
		}
		now = ktime_get_ns();
		if (next == U64_MAX) {
			schedule();
		} else if (next > now) {
			kt = ns_to_ktime(next);
			schedule_hrtimeout_range(&kt, 10 * NSEC_PER_USEC,
						 HRTIMER_MODE_ABS);
		}
		__set_current_state(TASK_RUNNING);
	}
	return 0;
}

/* ---- vDPA vendor stats: vdpa dev vstats show DEV qidx N ---- */

static int vqsim_vstat(struct sk_buff *msg, const char *name, u64 val)
{
	if (nla_put_string(msg, VDPA_ATTR_DEV_VENDOR_ATTR_NAME, name) ||
	    nla_put_u64_64bit(msg, VDPA_ATTR_DEV_VENDOR_ATTR_VALUE, val,
			      VDPA_ATTR_PAD))
		return -EMSGSIZE;
	return 0;
}

int vqsim_get_vendor_stats(struct vdpa_device *vdpa, u16 idx,
			   struct sk_buff *msg, struct netlink_ext_ack *extack)
{
	struct vqsim_dev *vs = vdpa_to_vqsim(vdpa);
	struct vqsim_vq_stats *stp;
	struct vqsim_vq *vq;
	unsigned long flags;
	u32 usecs, packets, pending, num;
	bool broken;
	int err = 0;

	if (idx >= vs->nvqs) {
		NL_SET_ERR_MSG_FMT_MOD(extack, "qidx %u: the device has %u queues",
				       idx, vs->nvqs);
		return -EINVAL;
	}
	/* Too big for the stack with its histograms. */
	stp = kmalloc(sizeof(*stp), GFP_KERNEL);
	if (!stp)
		return -ENOMEM;
	vq = &vs->vqs[idx];
	spin_lock_irqsave(&vs->lock, flags);
	*stp = vq->st;
	usecs = vq->coal_usecs;
	packets = vq->coal_packets;
	pending = vq->pending;
	broken = vq->broken;
	num = vq->num;
	spin_unlock_irqrestore(&vs->lock, flags);

	if (vqsim_vstat(msg, "packets", stp->packets) ||
	    vqsim_vstat(msg, "bytes", stp->bytes) ||
	    vqsim_vstat(msg, "notify_frames", stp->notify[VQSIM_CAUSE_FRAMES]) ||
	    vqsim_vstat(msg, "notify_timer", stp->notify[VQSIM_CAUSE_TIMER]) ||
	    vqsim_vstat(msg, "notify_immediate",
			stp->notify[VQSIM_CAUSE_IMMEDIATE]) ||
	    vqsim_vstat(msg, "notify_suppressed", stp->suppressed) ||
	    vqsim_vstat(msg, "kicks", stp->kicks) ||
	    vqsim_vstat(msg, "drops", stp->drops) ||
	    vqsim_vstat(msg, "delay_max_ns", stp->delay_max_ns) ||
	    vqsim_vstat(msg, "pending", pending) ||
	    vqsim_vstat(msg, "coal_usecs", usecs) ||
	    vqsim_vstat(msg, "coal_packets", packets) ||
	    vqsim_vstat(msg, "iotlb_miss", stp->iotlb_miss) ||
	    vqsim_vstat(msg, "iotlb_perm", stp->iotlb_perm) ||
	    vqsim_vstat(msg, "iotlb_bad", stp->iotlb_bad) ||
	    vqsim_vstat(msg, "ring_errors", stp->ring_errors) ||
	    vqsim_vstat(msg, "kicks_not_ready", stp->kicks_not_ready) ||
	    vqsim_vstat(msg, "broken", broken) ||
	    vqsim_vstat(msg, "queue_size", num) ||
	    vqsim_vstat(msg, "ring_low", stp->ring_low))
		err = -EMSGSIZE;
	kfree(stp);
	return err;
}
