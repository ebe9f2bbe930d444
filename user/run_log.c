// SPDX-License-Identifier: GPL-2.0
/* The decision log of vqmod run (text or JSON Lines), and what top is shown of it. */
#include <stdio.h>
#include <time.h>
#include "core/clock.h"
#include "run.h"
#include "show/output.h"

/*
 * A JSON log line's start: its time, the queue's names, the device written
 * to, and the VM the queue serves (as vqmod top -J gives them), each with a
 * comma after. Names are escaped: they come from the kernel and from QEMU.
 */
static void json_names(FILE *f, double t, const struct vq_ident *id, const struct ctl_queue *q)
{
	fprintf(f, "{\"time\":%.6f,\"dev\":", t);
	json_string(f, id->dev);
	fputs(",\"queue\":", f);
	json_string(f, id->queue);
	fprintf(f, ",\"index\":%u,\"target\":", id->key.queue);
	json_string(f, q->target.dev);
	fputc(',', f);
	json_vm_fields(f, id);
}

void run_log_decision(const struct controller *ctl, const struct vq_ident *id, const struct ctl_queue *q,
		      const struct engine_decision *d)
{
	double t = clock_wall();

	if (ctl->o->json) {
		json_names(stdout, t, id, q);
		printf("\"change\":%s,\"old\":{\"usecs\":%u,\"frames\":%u},\"new\":{\"usecs\":%u,\"frames\":%u},"
		       "\"profile\":%u,\"reason\":\"%s\",\"text\":",
		       d->change ? "true" : "false", q->current.usecs, q->current.frames, d->next.usecs, d->next.frames,
		       d->profile, engine_reason_name(d->reason));
		json_string(stdout, d->text);
		printf(",\"window_ns\":%llu,\"events\":%llu,\"packets\":%llu,\"bytes\":%llu,\"irqs_per_s\":%llu,"
		       "\"packets_per_s\":%llu,\"packets_per_irq\":%.2f,\"drops\":%llu,\"pending_max\":%u,"
		       "\"ring_size\":%u,\"delay_p99_ns\":%llu,\"delay_count\":%llu",
		       (unsigned long long)d->window_ns, (unsigned long long)d->window_events,
		       (unsigned long long)d->window_packets, (unsigned long long)d->window_bytes,
		       (unsigned long long)d->event_rate, (unsigned long long)d->packet_rate, d->ppi_x100 / 100.0,
		       (unsigned long long)d->drops, d->pending_max, d->ring_size, (unsigned long long)d->delay_p99_ns,
		       (unsigned long long)d->delay_count);
		if (d->share != ~0ULL) /* under --irq-budget: the queue's part, and what DIM would take */
			printf(",\"irq_share\":%llu,\"irq_demand\":%llu", (unsigned long long)d->share,
			       (unsigned long long)d->demand);
		if (d->held) /* what the settling guard held back */
			printf(",\"held\":{\"usecs\":%u,\"frames\":%u,\"profile\":%u,\"count\":%u}", d->held_next.usecs,
			       d->held_next.frames, d->held_profile, d->held_count);
		printf("}\n");
	} else {
		time_t secs = (time_t)t;
		struct tm tm;
		char when[16];

		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("%s.%03d %s %-9s %4u/%-5u -> %4u/%-5u %-12s %s (irq/s %llu, pkt/s %llu, pkt/irq %.2f)\n", when,
		       (int)((t - secs) * 1000), id->dev, id->queue, q->current.usecs, q->current.frames, d->next.usecs,
		       d->next.frames, engine_reason_name(d->reason), d->text, (unsigned long long)d->event_rate,
		       (unsigned long long)d->packet_rate, d->ppi_x100 / 100.0);
	}
}

void run_log_event(const struct controller *ctl, const struct ctl_queue *q, const char *event,
		   const struct coalesce *now, const char *text)
{
	double t = clock_wall();

	if (ctl->o->json) {
		json_names(stdout, t, q->id, q);
		printf("\"event\":\"%s\",\"old\":{\"usecs\":%u,\"frames\":%u},\"new\":{\"usecs\":%u,\"frames\":%u},"
		       "\"text\":",
		       event, q->current.usecs, q->current.frames, now->usecs, now->frames);
		json_string(stdout, text);
		printf("}\n");
	} else {
		time_t secs = (time_t)t;
		struct tm tm;
		char when[16];

		localtime_r(&secs, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		printf("%s.%03d %s %-9s %4u/%-5u -> %4u/%-5u %-12s %s\n", when, (int)((t - secs) * 1000), q->id->dev,
		       q->id->queue, q->current.usecs, q->current.frames, now->usecs, now->frames, event, text);
	}
	fflush(stdout);
}

void run_publish_decision(struct ctl_queue *q, const struct coalesce *next, const char *reason)
{
	struct vq_decision d = {.time = clock_wall(),
				.old_usecs = q->current.usecs,
				.old_frames = q->current.frames,
				.usecs = next->usecs,
				.frames = next->frames};

	if (!q->shown)
		return;
	snprintf(d.reason, sizeof(d.reason), "%s", reason);
	q->shown->m.usecs = next->usecs;
	q->shown->m.frames = next->frames;
	q->shown->m.decisions = q->decisions;
	snprintf(q->shown->m.state, sizeof(q->shown->m.state), "%s", reason);
	modstate_decided(q->shown, &d);
}
