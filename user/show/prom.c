// SPDX-License-Identifier: GPL-2.0
/* Prometheus text format 0.0.4, for a textfile collector or a scrape. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "core/atomic_file.h"
#include "httpd.h"
#include "prom.h"
#include "core/queue.h"

enum kind { COUNTER, GAUGE };

struct family {
	const char *name, *help;
	enum kind kind;
	/* the value for one queue; false: no sample for it */
	bool (*value)(const struct vq_sample *s, const struct vq_counters *total, const struct vq_moderation *m,
		      double *v);
};

/* One family's value for one queue where has holds: t are the cumulative counters, s the last period. */
#define VALUE_WHERE(name, expr, has)                                                                                   \
	static bool name(const struct vq_sample *s, const struct vq_counters *t, const struct vq_moderation *m,        \
			 double *v)                                                                                    \
	{                                                                                                              \
		(void)s, (void)t, (void)m;                                                                             \
		*v = (expr);                                                                                           \
		return (has);                                                                                          \
	}
#define VALUE_OF(name, expr) VALUE_WHERE(name, expr, true)
/* packets where the path counts none (vhost, vhost-vdpa): no sample, not a 0 */
#define PACKETS_OF(name, expr) VALUE_WHERE(name, expr, !s->packets_unseen)
/* interrupts that bypass the host are not counted: no sample, where a 0 would mislead */
VALUE_WHERE(total_irqs, t->irqs, !s->irqs_unseen)
VALUE_WHERE(rate_irq_rate, s->irq_rate, !s->irqs_unseen)
VALUE_WHERE(irq_bypass, 1, s->id->irq_bypass)
VALUE_OF(total_spurious, t->spurious)
PACKETS_OF(total_packets, t->packets)
PACKETS_OF(total_bytes, t->bytes)
VALUE_OF(total_kicks, t->kicks)
VALUE_OF(total_polls, t->polls)
VALUE_OF(handler_seconds, t->handler_ns / 1e9)
PACKETS_OF(rate_packet_rate, s->packet_rate)
PACKETS_OF(rate_byte_rate, s->byte_rate)

static bool coalesce_usecs(const struct vq_sample *s, const struct vq_counters *t, const struct vq_moderation *m,
			   double *v)
{
	(void)s, (void)t;
	*v = m ? m->usecs : 0;
	return m && m->coalesce_known;
}

static bool coalesce_frames(const struct vq_sample *s, const struct vq_counters *t, const struct vq_moderation *m,
			    double *v)
{
	(void)s, (void)t;
	*v = m ? m->frames : 0;
	return m && m->coalesce_known;
}

static bool decisions(const struct vq_sample *s, const struct vq_counters *t, const struct vq_moderation *m, double *v)
{
	(void)s, (void)t;
	*v = m ? m->decisions : 0;
	return m != NULL;
}

static const struct family families[] = {
    {"vqmod_virtqueue_interrupts_total", "Notifications (interrupts or vq callbacks) delivered to the driver.", COUNTER,
     total_irqs},
    {"vqmod_virtqueue_spurious_interrupts_total", "Notifications whose handler returned IRQ_NONE.", COUNTER,
     total_spurious},
    {"vqmod_virtqueue_packets_total", "Packets completed, where the path shows them.", COUNTER, total_packets},
    {"vqmod_virtqueue_bytes_total", "Bytes completed, where the path shows them.", COUNTER, total_bytes},
    {"vqmod_virtqueue_kicks_total", "Driver to device notifications.", COUNTER, total_kicks},
    {"vqmod_virtqueue_polls_total", "NAPI polls of the queue.", COUNTER, total_polls},
    {"vqmod_virtqueue_handler_seconds_total", "Time spent in the notification handler.", COUNTER, handler_seconds},
    {"vqmod_virtqueue_interrupts_per_second", "Notification rate over the last period.", GAUGE, rate_irq_rate},
    {"vqmod_virtqueue_packets_per_second", "Packet rate over the last period.", GAUGE, rate_packet_rate},
    {"vqmod_virtqueue_bytes_per_second", "Byte rate over the last period.", GAUGE, rate_byte_rate},
    {"vqmod_virtqueue_irq_bypass",
     "1 where the queue's interrupt is registered to bypass the host (vhost-vdpa, posted interrupts): its "
     "interrupts are counted only where the host still sees them.",
     GAUGE, irq_bypass},
    {"vqmod_virtqueue_coalesce_usecs", "Coalescing in force: the longest wait in microseconds.", GAUGE, coalesce_usecs},
    {"vqmod_virtqueue_coalesce_frames", "Coalescing in force: the most pending buffers.", GAUGE, coalesce_frames},
    {"vqmod_virtqueue_decisions_total", "Moderation decisions the controller made.", COUNTER, decisions},
};

void prom_label_value(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void header(FILE *f, const char *name, const char *help, enum kind kind)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind == COUNTER ? "counter" : "gauge");
}

static void labels(FILE *f, const struct vq_ident *id)
{
	fputs("{dev=", f);
	prom_label_value(f, id->dev);
	fputs(",driver=", f);
	prom_label_value(f, id->driver);
	fputs(",queue=", f);
	prom_label_value(f, id->queue);
	fprintf(f, ",type=\"%s\",source=\"%s\"", vq_type_name(id->type), vq_source_name(id->key.source));
	if (id->backend[0]) {
		fputs(",backend=", f);
		prom_label_value(f, id->backend);
	}
	if (id->vm.pid) { /* a VM's queue: by its name, and its pid, which tells two of one name apart */
		fputs(",vm=", f);
		prom_label_value(f, id->vm.name[0] ? id->vm.name : "");
		fprintf(f, ",vm_pid=\"%d\"", id->vm.pid);
	}
	fputc('}', f);
}

/* 15 digits: no binary-fraction noise such as 0.10000000000000001 */
static void value(FILE *f, double v)
{
	fprintf(f, " %.15g\n", v);
}

/* A counter as an integer: %.15g of a double costs several times more, 13 times a queue. */
static void value_of(FILE *f, double v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = (unsigned long long)v;

	if (v < 0 || v > 9007199254740992.0 || (double)u != v) { /* not an exact integer */
		value(f, v);
		return;
	}
	*--p = '\n';
	do
		*--p = '0' + u % 10;
	while (u /= 10);
	*--p = ' ';
	fwrite(p, 1, buf + sizeof(buf) - p, f);
}

/* Each queue's label set, rendered once for all the families; "" when out of memory. */
struct rendered {
	char *text; /* the label sets, one after another */
	size_t *end; /* where queue i's ends */
};

static int render_labels(const struct report *r, struct rendered *out)
{
	size_t len = 0;
	FILE *m = open_memstream(&out->text, &len);

	out->end = calloc(r->nshown + 1, sizeof(*out->end));
	if (!m || !out->end) {
		if (m)
			fclose(m);
		free(out->end);
		free(out->text);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nshown; i++) {
		labels(m, r->shown[i]->id);
		out->end[i] = ftell(m);
	}
	if (fclose(m)) {
		free(out->end);
		return -ENOMEM;
	}
	return 0;
}

void prom_write(FILE *f, const struct report *r, const struct vq_snapshot *snap)
{
	static const struct vq_counters none;
	const struct vq_counters **total = calloc(r->nshown + 1, sizeof(*total));
	struct rendered lab = {0};
	bool rendered;
	size_t i, k;

	rendered = total && !render_labels(r, &lab);
	for (i = 0; total && i < r->nshown; i++) {
		const struct vq_entry *e = vq_snapshot_find(snap, snap->n, &r->shown[i]->id->key);

		total[i] = e ? &e->c : &none;
	}
	for (k = 0; k < sizeof(families) / sizeof(families[0]); k++) {
		const struct family *fam = &families[k];
		bool started = false;

		for (i = 0; i < r->nshown; i++) {
			const struct vq_sample *s = r->shown[i];
			const struct vq_counters *t = &none;
			double v;

			if (total)
				t = total[i];
			else { /* out of memory: the slow way */
				const struct vq_entry *e = vq_snapshot_find(snap, snap->n, &s->id->key);

				t = e ? &e->c : &none;
			}
			if (!fam->value(s, t, r->mod ? r->mod[i] : NULL, &v))
				continue;
			if (!started)
				header(f, fam->name, fam->help, fam->kind);
			started = true;
			fputs(fam->name, f);
			if (rendered)
				fwrite(lab.text + (i ? lab.end[i - 1] : 0), 1, lab.end[i] - (i ? lab.end[i - 1] : 0), f);
			else
				labels(f, s->id);
			value_of(f, v);
		}
	}
	free(total);
	if (rendered) {
		free(lab.text);
		free(lab.end);
	}
	header(f, "vqmod_hook_active", "Whether a hook group is attached, and how.", GAUGE);
	for (i = 0; i < r->nhooks; i++) {
		if (!r->hooks[i].wanted)
			continue;
		fputs("vqmod_hook_active{group=", f);
		prom_label_value(f, r->hooks[i].group);
		fputs(",how=", f);
		prom_label_value(f, r->hooks[i].active ?: "");
		fputc('}', f);
		value(f, r->hooks[i].active != NULL);
	}
	header(f, "vqmod_monitored_virtqueues", "Virtqueues exported.", GAUGE);
	fprintf(f, "vqmod_monitored_virtqueues %zu\n", r->nshown);
	header(f, "vqmod_period_seconds", "Measured length of the last period.", GAUGE);
	fputs("vqmod_period_seconds", f);
	value(f, r->period ? r->period->seconds : 0);
	header(f, "vqmod_controller_running", "Whether a moderation controller provides settings.", GAUGE);
	fprintf(f, "vqmod_controller_running %d\n", r->controller != NULL);
	if (r->ctl) {
		header(f, "vqmod_controller_decisions_total", "Windows the controller judged.", COUNTER);
		fprintf(f, "vqmod_controller_decisions_total %llu\n", (unsigned long long)r->ctl->decisions);
		header(f, "vqmod_controller_changes_total", "Coalescing settings the controller applied.", COUNTER);
		fprintf(f, "vqmod_controller_changes_total %llu\n", (unsigned long long)r->ctl->changes);
		header(f, "vqmod_controller_failures_total", "Coalescing settings the devices refused.", COUNTER);
		fprintf(f, "vqmod_controller_failures_total %llu\n", (unsigned long long)r->ctl->failures);
		header(f, "vqmod_controller_yields_total",
		       "Moderated queues whose coalescing something else set, left to it.", COUNTER);
		fprintf(f, "vqmod_controller_yields_total %llu\n", (unsigned long long)r->ctl->yields);
	}
	if (r->progs && r->nprogs) { /* --self: the monitor's own cost */
		header(f, "vqmod_bpf_program_runs_per_second", "Runs of each of the monitor's BPF programs.", GAUGE);
		for (i = 0; i < r->nprogs; i++) {
			fputs("vqmod_bpf_program_runs_per_second{program=", f);
			prom_label_value(f, r->progs[i].name);
			fputc('}', f);
			value(f, r->progs[i].event_rate);
		}
		header(f, "vqmod_bpf_program_run_seconds", "Time per run of each of the monitor's BPF programs.",
		       GAUGE);
		for (i = 0; i < r->nprogs; i++) {
			fputs("vqmod_bpf_program_run_seconds{program=", f);
			prom_label_value(f, r->progs[i].name);
			fputc('}', f);
			value(f, r->progs[i].ns_per_event / 1e9);
		}
	}
	if (!r->health)
		return;
	header(f, "vqmod_monitor_slots", "Queues the monitor's maps hold at most (--max-queues).", GAUGE);
	fprintf(f, "vqmod_monitor_slots %u\n", r->health->max_queues);
	header(f, "vqmod_monitor_refused_queues_total", "Queues not counted because no slot was free.", COUNTER);
	fprintf(f, "vqmod_monitor_refused_queues_total %llu\n", (unsigned long long)r->health->refused_queues);
	header(f, "vqmod_monitor_refused_events_total", "Events of the refused queues.", COUNTER);
	fprintf(f, "vqmod_monitor_refused_events_total %llu\n", (unsigned long long)r->health->refused_events);
	header(f, "vqmod_monitor_removed_queues_total", "Queues whose removal a hook saw.", COUNTER);
	fprintf(f, "vqmod_monitor_removed_queues_total %llu\n", (unsigned long long)r->health->gone);
	header(f, "vqmod_monitor_idle_queues_total", "Queues forgotten after the idle timeout, by this vqmod.",
	       COUNTER);
	fprintf(f, "vqmod_monitor_idle_queues_total %llu\n", (unsigned long long)r->health->reclaimed);
}

int prom_publish(const struct report *r, const struct vq_snapshot *snap, const char *path, struct httpd *httpd,
		 char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int rc = 0;

	if (!f)
		return -errno;
	prom_write(f, r, snap);
	if (fclose(f)) {
		free(text);
		return -ENOMEM;
	}
	/* node_exporter reads it whole or not at all; it needs no fsync */
	if (path && (rc = atomic_file_write(path, text, len, 0644, 0)))
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
	else if (httpd && (rc = httpd_set_body(httpd, text, len)))
		snprintf(err, errlen, "out of memory");
	free(text);
	return rc;
}
