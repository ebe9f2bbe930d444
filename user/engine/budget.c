// SPDX-License-Identifier: GPL-2.0
/* Weighted max-min fair split of the host interrupt budget. */
#include <errno.h>
#include <stdlib.h>
#include "budget.h"

typedef unsigned __int128 u128;

struct party {
	size_t index; /* in the caller's arrays */
	__u64 weight; /* at least 1 */
	__u64 demand;
};

/* Ascending demand per unit of weight: the least hungry are served first. */
static int by_demand_per_weight(const void *a, const void *b)
{
	const struct party *x = a, *y = b;
	u128 lhs = (u128)x->demand * y->weight, rhs = (u128)y->demand * x->weight;

	if (lhs != rhs)
		return lhs < rhs ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static __u64 add_saturating(__u64 a, __u64 b)
{
	return a + b < a ? ~0ULL : a + b;
}

int budget_split(__u64 total, const __u32 *weights, const __u64 *demands, __u64 *shares, size_t n,
		 const struct engine_alloc *alloc)
{
	struct party *p;
	__u64 left = total, weight_left = 0, weight_all;
	size_t k;

	if (!n)
		return 0;
	p = engine_zalloc(alloc, n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		p[i].index = i;
		p[i].weight = weights && weights[i] ? weights[i] : 1;
		p[i].demand = demands[i];
		weight_left += p[i].weight;
	}
	weight_all = weight_left;
	qsort(p, n, sizeof(*p), by_demand_per_weight);

	/* serve whoever asks for no more than its part of what is left */
	for (k = 0; k < n; k++) {
		if ((u128)p[k].demand * weight_left > (u128)left * p[k].weight)
			break;
		shares[p[k].index] = p[k].demand;
		left -= p[k].demand;
		weight_left -= p[k].weight;
	}

	if (k < n) {
		/* the hungrier rest all get the same level per unit of weight */
		for (size_t j = k; j < n; j++)
			shares[p[j].index] = (__u64)((u128)left * p[j].weight / weight_left);
	} else if (left) {
		/* everyone is served: the slack is headroom, by weight */
		for (size_t j = 0; j < n; j++)
			shares[p[j].index] =
			    add_saturating(shares[p[j].index], (__u64)((u128)left * p[j].weight / weight_all));
	}
	engine_release(alloc, p);
	return 0;
}

static int by_group(const void *a, const void *b)
{
	const struct budget_group *x = a, *y = b;

	return x->group < y->group ? -1 : x->group > y->group;
}

struct member {
	size_t claim;
	__u32 group;
};

static int member_by_group(const void *a, const void *b)
{
	const struct member *x = a, *y = b;

	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->claim < y->claim ? -1 : x->claim > y->claim;
}

static __u32 group_weight(const struct budget_group *sorted, size_t n, __u32 group)
{
	struct budget_group key = {.group = group};
	const struct budget_group *g;

	if (!sorted || !n)
		return 1;
	g = bsearch(&key, sorted, n, sizeof(*sorted), by_group);
	return g && g->weight ? g->weight : 1;
}

int budget_share(__u64 total, struct budget_claim *claims, size_t n, const struct budget_group *groups, size_t ngroups,
		 const struct engine_alloc *alloc)
{
	struct budget_group *sorted_groups = NULL;
	struct member *m = NULL;
	/* per group (first level), then per claim in group order (second) */
	__u32 *weights = NULL, *claim_weights = NULL;
	__u64 *demands = NULL, *shares = NULL, *claim_demands = NULL, *claim_shares = NULL;
	size_t ng = 0;
	int err = -ENOMEM;

	if (!n)
		return 0;
	m = engine_zalloc(alloc, n, sizeof(*m));
	weights = engine_zalloc(alloc, n, sizeof(*weights));
	demands = engine_zalloc(alloc, n, sizeof(*demands));
	shares = engine_zalloc(alloc, n, sizeof(*shares));
	claim_weights = engine_zalloc(alloc, n, sizeof(*claim_weights));
	claim_demands = engine_zalloc(alloc, n, sizeof(*claim_demands));
	claim_shares = engine_zalloc(alloc, n, sizeof(*claim_shares));
	if (!m || !weights || !demands || !shares || !claim_weights || !claim_demands || !claim_shares)
		goto out;
	if (groups && ngroups) {
		sorted_groups = engine_zalloc(alloc, ngroups, sizeof(*sorted_groups));
		if (!sorted_groups)
			goto out;
		for (size_t i = 0; i < ngroups; i++)
			sorted_groups[i] = groups[i];
		qsort(sorted_groups, ngroups, sizeof(*sorted_groups), by_group);
	}

	for (size_t i = 0; i < n; i++)
		m[i] = (struct member){.claim = i, .group = claims[i].group};
	qsort(m, n, sizeof(*m), member_by_group);

	/* first level: one party per group, in m's order */
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || m[i].group != m[i - 1].group) {
			weights[ng] = group_weight(sorted_groups, ngroups, m[i].group);
			demands[ng] = 0;
			ng++;
		}
		demands[ng - 1] = add_saturating(demands[ng - 1], claims[m[i].claim].demand);
	}
	err = budget_split(total, weights, demands, shares, ng, alloc);
	if (err)
		goto out;

	/* second level: each group's share among its own claims, in m's order */
	for (size_t start = 0, g = 0; start < n; g++) {
		size_t end = start;

		while (end < n && m[end].group == m[start].group)
			end++;
		for (size_t i = start; i < end; i++) {
			claim_weights[i] = claims[m[i].claim].weight;
			claim_demands[i] = claims[m[i].claim].demand;
		}
		err = budget_split(shares[g], claim_weights + start, claim_demands + start, claim_shares + start,
				   end - start, alloc);
		if (err)
			goto out;
		for (size_t i = start; i < end; i++)
			claims[m[i].claim].share = claim_shares[i];
		start = end;
	}
	err = 0;
out:
	engine_release(alloc, sorted_groups);
	engine_release(alloc, m);
	engine_release(alloc, weights);
	engine_release(alloc, demands);
	engine_release(alloc, shares);
	engine_release(alloc, claim_weights);
	engine_release(alloc, claim_demands);
	engine_release(alloc, claim_shares);
	return err;
}
