// SPDX-License-Identifier: GPL-2.0
/* The batch table: one block per period, like top -b. */
#include <time.h>
#include "output.h"
#include "core/queue.h"

static void row(FILE *f, const struct vq_sample *s, const char *type)
{
	char vm[VM_NAME_LEN], irqs[16] = "bypass", ppi[16] = "bypass", pkts[16] = "-", bytes[16] = "-";

	/* a queue whose interrupts bypass the host shows that, not zeros; one whose path counts no packets, "-" */
	if (!s->irqs_unseen) {
		snprintf(irqs, sizeof(irqs), "%.1f", s->irq_rate);
		snprintf(ppi, sizeof(ppi), s->packets_unseen ? "-" : "%.2f", s->packets_per_irq);
	}
	if (!s->packets_unseen) {
		snprintf(pkts, sizeof(pkts), "%.1f", s->packet_rate);
		snprintf(bytes, sizeof(bytes), "%.0f", s->byte_rate);
	}
	fprintf(f, "%-12.12s %-12.12s %-10.10s %-5s %9s %7.1f %9s %11s %7s %7.0f %s\n", s->id->dev, s->id->driver,
		s->id->queue, type, irqs, s->spurious_rate, pkts, bytes, ppi, s->avg_handler_ns,
		type[0] ? vm_label(&s->id->vm, vm, sizeof(vm)) : "");
}

void table_print(FILE *f, const struct report *r)
{
	time_t t = (time_t)r->wallclock;
	struct tm tm;
	char when[16];

	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(f, "%s  period %.3f s  queues %zu", when, r->period->seconds, r->nshown);
	if (r->period->vanished)
		fprintf(f, "  vanished %zu", r->period->vanished);
	if (r->health && r->health->refused_queues)
		fprintf(f, "  REFUSED %llu queues (no free slot of %u: --max-queues)",
			(unsigned long long)r->health->refused_queues, r->health->max_queues);
	fprintf(f, "\n%-12s %-12s %-10s %-5s %9s %7s %9s %11s %7s %7s %s\n", "DEV", "DRIVER", "QUEUE", "TYPE", "IRQ/s",
		"SPUR/s", "PKT/s", "B/s", "PKT/IRQ", "NS/IRQ", "VM");
	for (size_t i = 0; i < r->nshown; i++)
		row(f, r->shown[i], vq_type_name(r->shown[i]->id->type));
	row(f, r->total, "");
	if (r->progs) {
		fprintf(f, "%-24s %11s %9s %9s %7s %9s %9s\n", "BPF PROGRAM", "EVENTS/s", "RUN ns", "NS/EVENT", "CPU%",
			"EMPTY ns", "ABOVE ns");
		for (size_t i = 0; i < r->nprogs; i++) {
			const struct prog_sample *p = &r->progs[i];

			fprintf(f, "%-24s %11.1f %9llu %9.0f %7.3f", p->name, p->event_rate,
				(unsigned long long)p->run_ns, p->ns_per_event, p->cpu_percent);
			if (p->has_baseline)
				fprintf(f, " %9.0f %9.0f\n", p->base_ns_per_event,
					p->ns_per_event - p->base_ns_per_event);
			else
				fprintf(f, " %9s %9s\n", "-", "-");
		}
	}
	fputc('\n', f);
	fflush(f);
}
