/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host interrupt budget: N interrupts per second shared by every
 * moderated queue. Groups (a device or a VM, as the caller decides) split the
 * budget by their weights; the queues of a group split the group's part by
 * theirs. Pure: no I/O, no globals.
 *
 * Splitting is weighted max-min fair ("water-filling"): a claim that asks for
 * less than its weighted part gets what it asks for, the rest is split again
 * among the others by weight, and what nobody asked for is handed out by
 * weight as headroom, so that every interrupt of the budget is someone's.
 */
#ifndef VQMOD_BUDGET_H
#define VQMOD_BUDGET_H

#include <stddef.h>
#include <linux/types.h>
#include "alloc.h"

/* One queue's claim on the budget. */
struct budget_claim {
	__u32 group;  /* the device or VM it belongs to */
	__u32 weight; /* within its group; 0 counts as 1 */
	__u64 demand; /* interrupts/s it would raise under its own moderation */
	__u64 share;  /* out: interrupts/s it may raise */
};

/* A group's weight; groups not listed weigh 1. */
struct budget_group {
	__u32 group;
	__u32 weight; /* 0 counts as 1 */
};

/*
 * Splits total among n parties by weight (water-filling, see above). Every
 * share is at least min(demand, the party's weighted part of total), and the
 * shares add up to total, less rounding (at most n). Scratch memory comes
 * from alloc. Returns 0, or -ENOMEM.
 */
int budget_split(__u64 total, const __u32 *weights, const __u64 *demands, __u64 *shares, size_t n,
		 const struct engine_alloc *alloc);

/*
 * Two levels: total among the groups of the claims (a group's demand is the
 * sum of its claims'), then each group's part among its claims. Sets each
 * claim's share. groups may be NULL. Returns 0, or -ENOMEM.
 */
int budget_share(__u64 total, struct budget_claim *claims, size_t n, const struct budget_group *groups, size_t ngroups,
		 const struct engine_alloc *alloc);

#endif /* VQMOD_BUDGET_H */
