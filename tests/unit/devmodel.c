// SPDX-License-Identifier: GPL-2.0
/* The event-by-event device model of devmodel.h. */
#include <stdlib.h>
#include <string.h>
#include "devmodel.h"

#define INF 1e300

void dm_config_default(struct dm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ring = 256;
	cfg->budget = 64;
	cfg->irq_us = 5;
	cfg->poll_us = 1;
	cfg->packet_us = 0.25;
	cfg->jitter = 0.3;
	cfg->seed = 1;
}

void dm_init(struct devmodel *m, const struct dm_config *cfg)
{
	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->rng = cfg->seed ? cfg->seed : 0x9e3779b97f4a7c15ULL;
	m->avail = cfg->ring;
	m->cb_on = true;
	m->notify_at = m->poll_at = m->poll_end = m->next_arrival = INF;
	m->kind = DM_IDLE;
}

/* xorshift64*: uniform in [0, 1) */
static double uniform(struct devmodel *m)
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (double)((m->rng * 0x2545f4914f6cdd1dULL) >> 11) / (double)(1ULL << 53);
}

/* v off by up to the configured jitter, either way */
static double jittered(struct devmodel *m, double v)
{
	double r = v * (1 + m->cfg.jitter * (2 * uniform(m) - 1));

	return r > 0 ? r : 0;
}

static void deliver(struct devmodel *m)
{
	if (m->ndelays < DM_DELAYS_MAX)
		m->delays[m->ndelays++] = m->now - m->pend_first;
	m->p.notifications++;
	m->notify_at = INF;
	m->cb_on = false;
	m->pend = 0;
	if (m->poll_at == INF && m->poll_end == INF)
		m->poll_at = m->now + jittered(m, m->cfg.irq_us);
}

/* A notification is due now: it reaches the driver after the slack. */
static void notify(struct devmodel *m)
{
	if (m->cfg.notify_slack_us > 0) {
		m->notify_at = m->now + jittered(m, m->cfg.notify_slack_us);
		return;
	}
	deliver(m);
}

/* False when the frame found no buffer. */
static bool frame_arrives(struct devmodel *m, __u32 usecs, __u32 frames)
{
	m->p.offered++;
	if (!m->avail) {
		m->p.drops++;
		return false;
	}
	m->avail--;
	m->used++;
	if (!m->cb_on)
		return true; /* the driver is polling: it will see the buffer, no notification */
	if (!m->pend++)
		m->pend_first = m->now;
	if (m->pend > m->p.pending_max)
		m->p.pending_max = m->pend;
	if (m->notify_at == INF && (!usecs || !frames || m->pend >= frames))
		notify(m);
	return true;
}

static void poll_start(struct devmodel *m)
{
	m->poll_at = INF;
	m->poll_n = m->used < m->cfg.budget ? m->used : m->cfg.budget;
	m->used -= m->poll_n;
	m->poll_end = m->now + jittered(m, m->cfg.poll_us + m->poll_n * m->cfg.packet_us);
}

static void poll_done(struct devmodel *m, const struct dm_traffic *t)
{
	m->poll_end = INF;
	m->avail += m->poll_n; /* refilled */
	m->p.packets += m->poll_n;
	m->p.bytes += (__u64)m->poll_n * t->bytes;
	m->p.polls++;
	if (m->waiting_reply && m->poll_n) {
		/* the request was taken: the peer answers with the next one */
		m->waiting_reply = false;
		if (t->kind == DM_PINGPONG)
			m->next_arrival = m->now + jittered(m, t->rtt_us);
	}
	if (m->poll_n == m->cfg.budget || m->used) {
		m->poll_at = m->now; /* budget used up, or more came: poll again, callbacks stay off */
	} else {
		m->cb_on = true;
		m->pend = 0;
	}
}

/* The gap before the next bulk burst, and its size. */
static void next_burst(struct devmodel *m, const struct dm_traffic *t, double pps)
{
	unsigned int mean = t->burst > 1 ? t->burst : 1;

	m->burst_left = mean > 1 ? 1 + (unsigned int)(uniform(m) * (2 * mean - 1)) : 1;
	m->next_arrival = m->now + 2 * uniform(m) * mean * 1e6 / pps;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void dm_run(struct devmodel *m, const struct dm_traffic *t, __u32 usecs, __u32 frames, __u64 ns, struct dm_period *out)
{
	double end = m->now + ns / 1e3, pps = 0;

	memset(&m->p, 0, sizeof(m->p));
	m->ndelays = 0;
	if (t->kind == DM_BULK)
		pps = t->pps * (1 + t->rate_jitter * (2 * uniform(m) - 1));
	if (t->kind != m->kind) {
		m->next_arrival = INF;
		m->burst_left = 0;
		if (t->kind == DM_BULK && pps > 0)
			next_burst(m, t, pps);
		else if (t->kind == DM_PINGPONG && !m->waiting_reply)
			m->next_arrival = m->now;
		m->kind = t->kind;
	}
	for (;;) {
		bool counting = m->cb_on && m->pend && m->notify_at == INF;
		double timer = counting && usecs && frames ? m->pend_first + usecs : INF;
		double at = m->next_arrival;

		/* a setting changed under pending buffers takes effect at once (the spec's rule) */
		if (counting && (!usecs || !frames || m->pend >= frames || timer < m->now))
			timer = m->now;

		at = timer < at ? timer : at;
		at = m->notify_at < at ? m->notify_at : at;
		at = m->poll_at < at ? m->poll_at : at;
		at = m->poll_end < at ? m->poll_end : at;
		if (at >= end)
			break;
		m->now = at;
		if (at == m->poll_end) {
			poll_done(m, t);
		} else if (at == m->notify_at) {
			deliver(m);
		} else if (at == timer) {
			notify(m);
		} else if (at == m->poll_at) {
			poll_start(m);
		} else if (t->kind == DM_BULK) {
			frame_arrives(m, usecs, frames);
			if (--m->burst_left)
				m->next_arrival = m->now + 0.01; /* back to back, at line rate */
			else
				next_burst(m, t, pps);
		} else if (frame_arrives(m, usecs, frames)) {
			m->waiting_reply = true;
			m->next_arrival = INF;
		} else {
			m->next_arrival = m->now + jittered(m, t->rtt_us); /* lost: the peer sends again */
		}
	}
	m->now = end;
	m->p.ns = ns;
	m->p.ring = m->cfg.ring;
	m->p.delay_count = m->ndelays;
	if (m->ndelays) {
		qsort(m->delays, m->ndelays, sizeof(m->delays[0]), cmp_double);
		/* nearest rank: the smallest delay at or above 99% of them */
		m->p.delay_p99_ns = (__u64)(m->delays[(m->ndelays * 99 + 99) / 100 - 1] * 1e3 + 0.5);
		m->p.delay_max_ns = (__u64)(m->delays[m->ndelays - 1] * 1e3 + 0.5);
	}
	*out = m->p;
}
