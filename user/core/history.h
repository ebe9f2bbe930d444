/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-queue history for the TUI: the last HISTORY_LEN periods' rates of
 * each queue, keyed by queue identity, and their scaling into sparkline
 * levels. Pure: no I/O, no curses.
 */
#ifndef VQMOD_HISTORY_H
#define VQMOD_HISTORY_H

#include <stddef.h>
#include "sample.h"

#define HISTORY_LEN 60

enum history_series {
	HIST_IRQS,
	HIST_PACKETS,
	HIST_BYTES,
	HIST_NSERIES,
};

struct history_entry {
	struct vq_key key;
	unsigned int n;	   /* values held, up to HISTORY_LEN */
	unsigned int next; /* ring slot the next value goes to */
	double v[HIST_NSERIES][HISTORY_LEN];
};

struct history {
	size_t n;
	struct history_entry *e; /* sorted by key */
};

void history_init(struct history *h);
void history_free(struct history *h);
/*
 * Appends each queue's rates from one period. A queue missing from the
 * period has vanished: its history goes with it. Returns -ENOMEM on failure,
 * leaving h as it was.
 */
int history_push(struct history *h, const struct vq_period *p);
const struct history_entry *history_find(const struct history *h, const struct vq_key *key);
/* Value i of a series, 0 the oldest held, e->n - 1 the newest. */
double history_value(const struct history_entry *e, enum history_series s, unsigned int i);
double history_max(const struct history_entry *e, enum history_series s);
/*
 * Scales a series into levels 0..nlevels-1 against its own maximum, oldest
 * first; 0 only for zero, so any activity shows. Returns e->n.
 */
size_t history_levels(const struct history_entry *e, enum history_series s, unsigned int nlevels, unsigned char *out);

#endif
