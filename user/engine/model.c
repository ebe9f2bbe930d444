// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's model of the device. Packets arriving at rate P under
 * (usecs U, frames F) give about min(F, 1 + P * U) packets per interrupt.
 * Predictions scale the measured interrupt rate by the model's ratio between
 * two profiles, so effects the model lacks (NAPI keeping notifications off)
 * cancel out.
 */
#include "internal.h"

/* Highest profile whose usecs are within the budget; 0 if none is. */
unsigned int model_latency_ceiling(const struct dim_table *t, __u32 max_delay_us)
{
	unsigned int top = t->count - 1;

	if (!max_delay_us)
		return top;
	while (top > 0 && t->p[top].usecs > max_delay_us)
		top--;
	return top;
}

/* What profile i asks of the device; usecs clamped when even profile 0 is above the budget. */
struct engine_coal model_coal(const struct engine *e, const struct queue *q, unsigned int i)
{
	struct engine_coal c = {q->table->p[i].usecs, q->table->p[i].frames};

	if (e->cfg.max_delay_us && c.usecs > e->cfg.max_delay_us)
		c.usecs = e->cfg.max_delay_us;
	return c;
}

/* Packets per interrupt at profile i for packets arriving at rate pps, roughly. */
double model_ppi(const struct engine *e, const struct queue *q, unsigned int i, double pps)
{
	struct engine_coal c = model_coal(e, q, i);
	double ppi = 1.0 + pps * c.usecs / 1e6;
	double cap = c.frames ? c.frames : 1;

	return ppi < cap ? ppi : cap;
}

/*
 * Interrupts/s predicted at profile i from a window measured at the applied
 * profile: the measured rate scaled by the model's ratio, so the model's
 * errors (NAPI suppression, bursts) cancel where they are the same.
 */
double model_predict_rate(const struct engine *e, const struct queue *q, const struct figures *f, unsigned int i)
{
	double pps = (double)f->packet_rate;

	return (double)f->event_rate * model_ppi(e, q, f->profile, pps) / model_ppi(e, q, i, pps);
}

/* Lowest profile predicted to stay within the share (the ceiling if none is). */
unsigned int model_share_floor(const struct engine *e, const struct queue *q, const struct figures *f,
			       bool *unattainable)
{
	*unattainable = false;
	if (!e->cfg.irq_budget || q->share == NO_SHARE)
		return 0;
	for (unsigned int i = 0; i <= q->ceiling; i++) {
		if (model_predict_rate(e, q, f, i) <= (double)q->share)
			return i;
	}
	*unattainable = true;
	return q->ceiling;
}

/*
 * Where DIM would walk: up to the last step that cuts interrupts
 * significantly. Not only while each does: at a few thousand packets/s the
 * table's lowest steps (1 to 8 us) cut little where the later ones cut much,
 * and stopping at the first flat step left a VM's bulk uncoalesced (a jump
 * to 0 at 2,910 packets/s, 2.58 packets per interrupt).
 */
unsigned int model_predict_target(const struct engine *e, const struct queue *q, const struct figures *f,
				  unsigned int floor)
{
	unsigned int target = floor;

	for (unsigned int i = floor; i < q->ceiling; i++) {
		double here = model_predict_rate(e, q, f, i), next = model_predict_rate(e, q, f, i + 1);

		if (next * 100 < here * (100 - DIM_SIGNIFICANT_PCT))
			target = i + 1;
	}
	return target;
}

/*
 * About one packet per interrupt, and less than half the batching that
 * packets arriving independently at this rate would show under this
 * profile: each packet waits for the previous one's notification, as in
 * request/response. (Steady traffic at low profiles also has few packets per
 * interrupt, but as many as its rate predicts.)
 */
bool model_looks_req_resp(const struct engine *e, const struct queue *q, const struct figures *f)
{
	double expected;

	if (!e->cfg.rr_ppi_x100 || !f->work || !f->events || f->ppi_x100 > e->cfg.rr_ppi_x100)
		return false;
	expected = model_ppi(e, q, f->profile, (double)f->packet_rate);
	return (f->ppi_x100 / 100.0 - 1.0) * 2 <= expected - 1.0;
}

/*
 * Buffers profile i holds pending before it notifies, for packets arriving
 * at rate pps in bursts burst_x100 / 100 times what the mean rate gives:
 * those of usecs and the device's measured slack beyond them (a timer
 * late by milliseconds under TCG held 255 of 256 buffers at 4 ms where
 * usecs alone predicted 107), at most frames. Profiles that notify for
 * every buffer hold one.
 */
__u64 model_pending(const struct engine *e, const struct queue *q, unsigned int i, __u64 pps, __u64 burst_x100)
{
	struct engine_coal c = model_coal(e, q, i);
	__u64 held;

	if (!c.usecs || c.frames <= 1)
		return 1;
	held = 1 + scale(scale(pps, (__u64)c.usecs * 1000 + q->slack_ns, 1000000000), burst_x100, 100);
	return held > c.frames ? c.frames : held;
}
