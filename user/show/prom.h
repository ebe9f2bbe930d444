/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus text exposition (format 0.0.4) of the shown queues: counters
 * as totals since the maps were created, rates of the last period as
 * gauges, hook status, and the controller's settings where one runs.
 */
#ifndef VQMOD_PROM_H
#define VQMOD_PROM_H

#include <stdio.h>
#include "output.h"

/* snap holds the cumulative counters the report's period ended with. */
void prom_write(FILE *f, const struct report *r, const struct vq_snapshot *snap);
/* A label value, escaped as the format asks: backslash, quote, newline. */
void prom_label_value(FILE *f, const char *s);

struct httpd;
/* One exposition, to the textfile (path, or NULL) and the HTTP server (or NULL). */
int prom_publish(const struct report *r, const struct vq_snapshot *snap, const char *path, struct httpd *httpd,
		 char *err, size_t errlen);

#endif
