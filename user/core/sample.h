/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Snapshots (cumulative counters at one instant) and periods (what happened
 * between two snapshots, with rates over the measured time). Pure: no I/O.
 */
#ifndef VQMOD_SAMPLE_H
#define VQMOD_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include "queue.h"

struct vq_entry {
	struct vq_ident *id; /* a reference the snapshot holds */
	struct vq_counters c;
};

struct vq_snapshot {
	__u64 time_ns; /* CLOCK_MONOTONIC when the maps were read */
	size_t n, cap;
	struct vq_entry *q; /* sorted by key */
};

struct vq_sample {
	struct vq_ident *id;	  /* the snapshot's: valid while it is, vq_ident_get to keep it */
	struct vq_counters delta; /* counts over the period */
	double irq_rate, spurious_rate, packet_rate, byte_rate, kick_rate, poll_rate;
	double packets_per_irq; /* 0 when there was no notification */
	double avg_handler_ns;
	bool appeared; /* first seen during this period */
	bool reset;    /* counters went back: counted from zero */
	/*
	 * Its interrupts cannot be counted: registered for irq bypass, and not
	 * one seen through vhost-vdpa. Its zeros are not counts.
	 */
	bool irqs_unseen;
	/* Its path counts no packets or bytes (vhost, vhost-vdpa): its zeros there are not counts. */
	bool packets_unseen;
};

struct vq_period {
	__u64 start_ns, end_ns;
	double seconds; /* measured, not nominal */
	size_t n, cap;
	struct vq_sample *s; /* in key order */
	size_t vanished;     /* queues in the previous snapshot but not this one */
};

void vq_snapshot_init(struct vq_snapshot *snap);
void vq_snapshot_free(struct vq_snapshot *snap);
/* Empties it, dropping its references; its memory is kept for the next read. */
void vq_snapshot_clear(struct vq_snapshot *snap);
/* Appends one queue, taking a reference to id; returns -ENOMEM on failure. */
int vq_snapshot_add(struct vq_snapshot *snap, struct vq_ident *id, const struct vq_counters *c);
/* dst becomes a copy of src (dst's memory reused); -ENOMEM. */
int vq_snapshot_copy(struct vq_snapshot *dst, const struct vq_snapshot *src);
/* Sorts by key, after the adds. */
void vq_snapshot_sort(struct vq_snapshot *snap);
/* The entry of key among the first n (sorted) entries, or NULL. */
const struct vq_entry *vq_snapshot_find(const struct vq_snapshot *snap, size_t n, const struct vq_key *key);

/* The increase of a 64-bit counter from prev to cur: wraps are increases, large drops are resets. */
__u64 vq_counter_delta(__u64 prev, __u64 cur, bool *reset);

/* Builds the period from prev to cur; prev may be NULL or empty (first period). */
int vq_period_build(const struct vq_snapshot *prev, const struct vq_snapshot *cur, struct vq_period *out);
/* The same into a period built before (or zeroed), reusing its memory: for every tick. */
int vq_period_rebuild(const struct vq_snapshot *prev, const struct vq_snapshot *cur, struct vq_period *out);
void vq_period_free(struct vq_period *p);
/* Sums the given samples into one named "total", with its rates. */
void vq_sample_sum(const struct vq_sample *const *s, size_t n, double seconds, struct vq_sample *total);

#endif
