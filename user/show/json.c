// SPDX-License-Identifier: GPL-2.0
/* JSON Lines: one object per period; the schema is in README.md. */
#include "output.h"
#include "core/queue.h"

void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_string_or_null(FILE *f, const char *s)
{
	if (s && *s)
		json_string(f, s);
	else
		fputs("null", f);
}

static void figures(FILE *f, const struct vq_sample *s)
{
	const struct vq_counters *d = &s->delta;

	if (s->irqs_unseen) /* not zeros: the interrupts went to the VM where no hook sees them */
		fputs("\"irq_bypass\":true,\"irqs\":null,\"irqs_per_s\":null,", f);
	else
		fprintf(f, "\"irq_bypass\":%s,\"irqs\":%llu,\"irqs_per_s\":%.3f,",
			s->id && s->id->irq_bypass ? "true" : "false", (unsigned long long)d->irqs, s->irq_rate);
	if (s->irqs_unseen || s->packets_unseen)
		fputs("\"packets_per_irq\":null,", f);
	else
		fprintf(f, "\"packets_per_irq\":%.3f,", s->packets_per_irq);
	fprintf(f, "\"spurious\":%llu,\"spurious_per_s\":%.3f,", (unsigned long long)d->spurious, s->spurious_rate);
	if (s->packets_unseen) /* not zeros: the path's hooks see signals, not packets */
		fputs("\"packets\":null,\"packets_per_s\":null,\"bytes\":null,\"bytes_per_s\":null,", f);
	else
		fprintf(f, "\"packets\":%llu,\"packets_per_s\":%.3f,\"bytes\":%llu,\"bytes_per_s\":%.3f,",
			(unsigned long long)d->packets, s->packet_rate, (unsigned long long)d->bytes, s->byte_rate);
	fprintf(f,
		"\"kicks\":%llu,\"kicks_per_s\":%.3f,\"polls\":%llu,\"polls_per_s\":%.3f,"
		"\"handler_ns\":%llu,\"avg_handler_ns\":%.1f",
		(unsigned long long)d->kicks, s->kick_rate, (unsigned long long)d->polls, s->poll_rate,
		(unsigned long long)d->handler_ns, s->avg_handler_ns);
}

void json_vm_fields(FILE *f, const struct vq_ident *id)
{
	fputs("\"backend\":", f);
	json_string_or_null(f, id->backend);
	fputs(",\"vm\":", f);
	if (id->vm.pid)
		json_string_or_null(f, id->vm.name[0] ? id->vm.name : NULL);
	else
		fputs("null", f);
	if (id->vm.pid)
		fprintf(f, ",\"vm_pid\":%d", id->vm.pid);
	else
		fputs(",\"vm_pid\":null", f);
	fputs(",\"vm_uuid\":", f);
	json_string_or_null(f, id->vm.uuid);
	fputc(',', f);
}

static void queue(FILE *f, const struct vq_sample *s, const struct vq_moderation *m)
{
	fputs("{\"dev\":", f);
	json_string(f, s->id->dev);
	fputs(",\"driver\":", f);
	json_string(f, s->id->driver);
	fputs(",\"queue\":", f);
	json_string(f, s->id->queue);
	fprintf(f, ",\"index\":%u,\"type\":\"%s\",\"source\":\"%s\",\"identity\":%u,", s->id->key.queue,
		vq_type_name(s->id->type), vq_source_name(s->id->key.source), s->id->key.gen);
	json_vm_fields(f, s->id);
	figures(f, s);
	fprintf(f, ",\"appeared\":%s,\"reset\":%s,\"coalesce\":", s->appeared ? "true" : "false",
		s->reset ? "true" : "false");
	if (m && m->coalesce_known)
		fprintf(f, "{\"usecs\":%u,\"frames\":%u,\"decisions\":%llu,\"state\":\"%s\"}}", m->usecs, m->frames,
			(unsigned long long)m->decisions, m->state[0] ? m->state : "moderated");
	else
		fputs("null}", f);
}

void json_print(FILE *f, const struct report *r)
{
	fprintf(f, "{\"time\":%.6f,\"interval_s\":%.6f,\"interval_ns\":%llu,\"hooks\":{", r->wallclock,
		r->period->seconds, (unsigned long long)(r->period->end_ns - r->period->start_ns));
	for (size_t i = 0, n = 0; i < r->nhooks; i++) {
		if (!r->hooks[i].wanted)
			continue;
		fprintf(f, "%s\"%s\":", n++ ? "," : "", r->hooks[i].group);
		if (r->hooks[i].active)
			json_string(f, r->hooks[i].active);
		else
			fputs("null", f);
	}
	fputs("},\"queues\":[", f);
	for (size_t i = 0; i < r->nshown; i++) {
		if (i)
			fputc(',', f);
		queue(f, r->shown[i], r->mod ? r->mod[i] : NULL);
	}
	fputs("],\"totals\":{", f);
	figures(f, r->total);
	fprintf(f, "},\"vanished\":%zu,", r->period->vanished);
	if (r->health)
		fprintf(f,
			"\"monitor\":{\"max_queues\":%u,\"refused_queues\":%llu,\"refused_events\":%llu,"
			"\"removed\":%llu,\"reclaimed\":%llu},",
			r->health->max_queues, (unsigned long long)r->health->refused_queues,
			(unsigned long long)r->health->refused_events, (unsigned long long)r->health->gone,
			(unsigned long long)r->health->reclaimed);
	fputs("\"controller\":", f);
	if (r->controller)
		json_string(f, r->controller);
	else
		fputs("null", f);
	if (r->progs) {
		fputs(",\"programs\":[", f);
		for (size_t i = 0; i < r->nprogs; i++) {
			const struct prog_sample *p = &r->progs[i];

			fprintf(f,
				"%s{\"name\":\"%s\",\"events\":%llu,\"events_per_s\":%.3f,\"run_ns\":%llu,"
				"\"ns_per_event\":%.1f,\"cpu_percent\":%.4f",
				i ? "," : "", p->name, (unsigned long long)p->events, p->event_rate,
				(unsigned long long)p->run_ns, p->ns_per_event, p->cpu_percent);
			if (p->has_baseline)
				fprintf(f, ",\"empty_ns_per_event\":%.1f,\"empty_events\":%llu", p->base_ns_per_event,
					(unsigned long long)p->base_events);
			fputc('}', f);
		}
		fputc(']', f);
	}
	fputs("}\n", f);
	fflush(f);
}
