// SPDX-License-Identifier: GPL-2.0
/* The DIM state machine, its comparison and profile tables, and the budget split. */
#include <errno.h>
#include <stdlib.h>
#include "unit.h"
#include "engine/dim.h"
#include "engine/budget.h"

static const struct engine_alloc libc = {.resize = unit_resize};

static struct dim_stats stats(__u64 bpms, __u64 ppms, __u64 epms)
{
	return (struct dim_stats){.bytes_per_ms = bpms, .packets_per_ms = ppms, .events_per_ms = epms};
}

/* A state going in direction tune at index, compared against ref. */
static struct dim_state going(enum dim_tune tune, unsigned int index, struct dim_stats ref)
{
	struct dim_state s;

	dim_park(&s, index);
	s.tune = tune;
	s.reference = ref;
	return s;
}

static void builtin_tables(void)
{
	const struct dim_table *rx = dim_builtin_table(DIM_RX_EQE), *rxc = dim_builtin_table(DIM_RX_CQE);
	const struct dim_table *tx = dim_builtin_table(DIM_TX_EQE), *txc = dim_builtin_table(DIM_TX_CQE);
	char buf[128];

	dim_table_format(rx, buf, sizeof(buf));
	ASSERT_STREQ(buf, "1:256,8:256,64:256,128:256,256:256");
	dim_table_format(rxc, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2:256,8:128,16:64,32:64,64:64");
	dim_table_format(tx, buf, sizeof(buf));
	ASSERT_STREQ(buf, "1:128,8:128,32:128,64:128,128:128");
	dim_table_format(txc, buf, sizeof(buf));
	ASSERT_STREQ(buf, "5:128,8:64,16:32,32:32,64:32");
	ASSERT_EQ(DIM_START_INDEX, 1);
}

static void parse_valid(void)
{
	struct dim_table t;
	char err[128], buf[256];

	ASSERT_EQ(dim_table_parse("1:256,8:256,64:256,128:256,256:256", false, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.count, 5);
	ASSERT_EQ(t.p[2].usecs, 64);
	ASSERT_EQ(t.p[4].frames, 256);
	ASSERT_EQ(dim_table_parse("0:0", false, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.count, 1);
	ASSERT_EQ(dim_table_parse("cqe", true, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.p[0].usecs, 5);
	ASSERT_EQ(dim_table_parse("eqe", false, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.p[4].usecs, 256);
	/* the largest table, and the limits themselves */
	ASSERT_EQ(dim_table_parse("1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,14:1,15:1,1000000:65535",
				  false, &t, err, sizeof(err)),
		  0);
	ASSERT_EQ(t.count, DIM_PROFILES_MAX);
	/* format reads back */
	dim_table_format(&t, buf, sizeof(buf));
	ASSERT_EQ(dim_table_parse(buf, false, &t, err, sizeof(err)), 0);
	ASSERT_EQ(t.p[15].usecs, 1000000);
	/* same usecs, fewer frames still moderates differently */
	ASSERT_EQ(dim_table_parse("8:128,8:64", false, &t, err, sizeof(err)), 0);
}

static void parse_invalid(void)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"", "empty profile list"},
	    {"1:256,", "trailing comma"},
	    {",1:256", "usecs must be a number"},
	    {"1:256,,8:256", "usecs must be a number"},
	    {"1", "want usecs:frames"},
	    {"1:", "frames must be a number"},
	    {"x:1", "usecs must be a number"},
	    {"1:x", "frames must be a number"},
	    {"-1:5", "usecs must be a number"},
	    {"+1:5", "usecs must be a number"},
	    {"1: 5", "frames must be a number"},
	    {"1:5 ", "unexpected ' '"},
	    {"1:5;8:5", "unexpected ';'"},
	    {"1000001:5", "usecs must be a number 0..1000000"},
	    {"1:65536", "frames must be a number 0..65535"},
	    {"99999999999999999999:1", "usecs must be a number"},
	    {"64:256,8:256", "usecs 8 below the previous profile's 64"},
	    {"8:256,8:256", "repeats the previous profile"},
	    {"1:1,2:1,3:1,4:1,5:1,6:1,7:1,8:1,9:1,10:1,11:1,12:1,13:1,14:1,15:1,16:1,17:1", "more than 16"},
	    {"EQE", "usecs must be a number"},
	};
	struct dim_table t = {.count = 3};
	char err[128];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (!ASSERT_EQ(dim_table_parse(bad[i].text, false, &t, err, sizeof(err)), -EINVAL))
			printf("  input '%s'\n", bad[i].text);
		if (!ASSERT_TRUE(strstr(err, bad[i].msg) != NULL))
			printf("  input '%s': message '%s', want '%s'\n", bad[i].text, err, bad[i].msg);
	}
	ASSERT_EQ(dim_table_parse(NULL, false, &t, err, sizeof(err)), -EINVAL);
	/* a failed parse leaves the table alone */
	ASSERT_EQ(t.count, 3);
}

static void rates_round_up(void)
{
	struct dim_stats s;

	ASSERT_TRUE(!dim_stats_compute(64, 100, 1000, 0, &s));
	ASSERT_TRUE(dim_stats_compute(64, 100, 150000, 10000000, &s)); /* 10 ms */
	ASSERT_EQ(s.events_per_ms, 7);				       /* 6.4 up */
	ASSERT_EQ(s.packets_per_ms, 10);
	ASSERT_EQ(s.bytes_per_ms, 15000);
	ASSERT_TRUE(dim_stats_compute(1, 1, 1, 1000000000000ULL, &s)); /* 1 in 1000 s: still 1 */
	ASSERT_EQ(s.events_per_ms, 1);
	ASSERT_TRUE(dim_stats_compute(0, 0, 0, 5, &s));
	ASSERT_EQ(s.bytes_per_ms, 0);
	/* huge counts over 1 ns saturate instead of wrapping */
	ASSERT_TRUE(dim_stats_compute(~0ULL, ~0ULL, ~0ULL, 1, &s));
	ASSERT_EQ(s.bytes_per_ms, ~0ULL);
}

static void significance(void)
{
	ASSERT_TRUE(!dim_significant(110, 100)); /* exactly 10%: not more */
	ASSERT_TRUE(!dim_significant(90, 100));
	ASSERT_TRUE(dim_significant(111, 100));
	ASSERT_TRUE(dim_significant(89, 100));
	ASSERT_TRUE(!dim_significant(5, 0)); /* zero reference: never */
	ASSERT_TRUE(!dim_significant(0, 0));
	ASSERT_TRUE(dim_significant(0, 1));
	ASSERT_TRUE(dim_significant(~0ULL, 1)); /* no overflow */
	ASSERT_TRUE(!dim_significant(~0ULL, ~0ULL - 1));
}

static void compare_order(void)
{
	struct dim_stats ref = stats(1000, 100, 50);

	/* bytes decide first, whatever the others do */
	ASSERT_EQ(dim_compare(&(struct dim_stats){1200, 50, 90}, &ref), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){800, 200, 10}, &ref), DIM_WORSE);
	/* then packets */
	ASSERT_EQ(dim_compare(&(struct dim_stats){1050, 120, 90}, &ref), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){1050, 80, 10}, &ref), DIM_WORSE);
	/* then events, where fewer is better */
	ASSERT_EQ(dim_compare(&(struct dim_stats){1000, 100, 40}, &ref), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){1000, 100, 60}, &ref), DIM_WORSE);
	ASSERT_EQ(dim_compare(&(struct dim_stats){1090, 109, 46}, &ref), DIM_SAME);
}

static void compare_zero_reference(void)
{
	/* a zero reference is no base for a percentage */
	ASSERT_EQ(dim_compare(&(struct dim_stats){10, 1, 1}, &(struct dim_stats){0, 0, 0}), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){0, 0, 0}, &(struct dim_stats){0, 0, 0}), DIM_SAME);
	ASSERT_EQ(dim_compare(&(struct dim_stats){100, 5, 0}, &(struct dim_stats){100, 0, 0}), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){100, 5, 9}, &(struct dim_stats){100, 5, 0}), DIM_SAME);
	/* rates the path does not count (zero in both) pass on to the next */
	ASSERT_EQ(dim_compare(&(struct dim_stats){0, 0, 30}, &(struct dim_stats){0, 0, 50}), DIM_BETTER);
	ASSERT_EQ(dim_compare(&(struct dim_stats){0, 200, 50}, &(struct dim_stats){0, 100, 50}), DIM_BETTER);
}

static const struct dim_stats ref100 = {1000, 100, 100};
static const struct dim_stats better = {2000, 100, 100};
static const struct dim_stats worse = {500, 100, 100};

static void parked_on_top_stays(void)
{
	struct dim_state s;
	struct dim_stats same = {1050, 100, 100};

	dim_park(&s, 2);
	s.reference = ref100;
	ASSERT_EQ(dim_decide(&s, &same, 4, 10), DIM_V_STAYED_PARKED);
	ASSERT_EQ(s.tune, DIM_PARKED_ON_TOP);
	ASSERT_EQ(s.index, 2);
	/* the reference is the one it parked with, so a slow drift adds up */
	ASSERT_EQ(s.reference.bytes_per_ms, 1000);
	ASSERT_EQ(dim_decide(&s, &(struct dim_stats){1100, 100, 100}, 4, 10), DIM_V_STAYED_PARKED);
	ASSERT_EQ(dim_decide(&s, &(struct dim_stats){1110, 100, 100}, 4, 10), DIM_V_LEFT_PARKING);
}

static void parked_on_top_leaves_left(void)
{
	struct dim_state s;

	dim_park(&s, 2);
	s.reference = ref100;
	ASSERT_EQ(dim_decide(&s, &worse, 4, 10), DIM_V_LEFT_PARKING);
	ASSERT_EQ(s.tune, DIM_GOING_LEFT);
	ASSERT_EQ(s.index, 1);
	ASSERT_EQ(s.steps_left, 1);
	ASSERT_EQ(s.reference.bytes_per_ms, worse.bytes_per_ms);
	/* better also leaves: any change does */
	dim_park(&s, 3);
	s.reference = ref100;
	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_LEFT_PARKING);
	ASSERT_EQ(s.index, 2);
}

static void parked_on_top_leaves_right_at_zero(void)
{
	struct dim_state s;

	dim_park(&s, 0);
	s.reference = ref100;
	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_LEFT_PARKING);
	ASSERT_EQ(s.tune, DIM_GOING_RIGHT);
	ASSERT_EQ(s.index, 1);
	ASSERT_EQ(s.steps_right, 1);
}

static void initial_state_like_net_dim(void)
{
	struct dim_state s;

	/* net_dim starts parked at 1 with a zero reference: the first traffic moves it left */
	dim_park(&s, DIM_START_INDEX);
	ASSERT_EQ(s.tune, DIM_PARKED_ON_TOP);
	ASSERT_EQ(dim_decide(&s, &ref100, 4, 10), DIM_V_LEFT_PARKING);
	ASSERT_EQ(s.index, 0);
	ASSERT_EQ(s.tune, DIM_GOING_LEFT);
}

static void going_right_better_keeps_going(void)
{
	struct dim_state s = going(DIM_GOING_RIGHT, 1, ref100);

	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_KEPT_GOING);
	ASSERT_EQ(s.index, 2);
	ASSERT_EQ(s.tune, DIM_GOING_RIGHT);
	ASSERT_EQ(s.reference.bytes_per_ms, better.bytes_per_ms);
}

static void going_left_better_keeps_going(void)
{
	struct dim_state s = going(DIM_GOING_LEFT, 3, ref100);

	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_KEPT_GOING);
	ASSERT_EQ(s.index, 2);
	ASSERT_EQ(s.tune, DIM_GOING_LEFT);
}

static void not_better_turns(void)
{
	struct dim_state s = going(DIM_GOING_RIGHT, 2, ref100);
	struct dim_stats same = ref100;

	ASSERT_EQ(dim_decide(&s, &worse, 4, 10), DIM_V_TURNED);
	ASSERT_EQ(s.tune, DIM_GOING_LEFT);
	ASSERT_EQ(s.index, 1);
	/* "same" is not better either */
	s = going(DIM_GOING_LEFT, 2, ref100);
	ASSERT_EQ(dim_decide(&s, &same, 4, 10), DIM_V_TURNED);
	ASSERT_EQ(s.tune, DIM_GOING_RIGHT);
	ASSERT_EQ(s.index, 3);
}

static void round_trip_parks(void)
{
	struct dim_state s;
	struct dim_stats cur = {1000, 100, 100};

	/* right three times, each better */
	dim_park(&s, 0);
	s.reference = cur;
	cur.bytes_per_ms = 2000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_LEFT_PARKING); /* 0 -> 1 */
	cur.bytes_per_ms = 4000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_KEPT_GOING); /* 1 -> 2 */
	cur.bytes_per_ms = 8000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_KEPT_GOING); /* 2 -> 3 */
	ASSERT_EQ(s.steps_right, 3);
	/* worse at 3: back to 2 */
	cur.bytes_per_ms = 4000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_TURNED);
	ASSERT_EQ(s.index, 2);
	ASSERT_EQ(s.steps_left, 1);
	/* better at 2 after a longer run right: the round trip ends here */
	cur.bytes_per_ms = 8000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_PARKED_ROUND_TRIP);
	ASSERT_EQ(s.tune, DIM_PARKED_ON_TOP);
	ASSERT_EQ(s.index, 2);
	ASSERT_EQ(s.steps_left + s.steps_right + s.tired, 0);
}

static void round_trip_parks_mirror(void)
{
	struct dim_state s = going(DIM_GOING_LEFT, 8, stats(1000, 100, 100));
	struct dim_stats cur = {1000, 100, 100};

	cur.bytes_per_ms = 2000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_KEPT_GOING); /* 8 -> 7 */
	cur.bytes_per_ms = 4000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_KEPT_GOING); /* 7 -> 6 */
	cur.bytes_per_ms = 2000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_TURNED); /* 6 -> 7 */
	ASSERT_EQ(s.tune, DIM_GOING_RIGHT);
	cur.bytes_per_ms = 4000;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 32), DIM_V_PARKED_ROUND_TRIP);
	ASSERT_EQ(s.index, 7);
}

static void short_trip_does_not_park(void)
{
	/* one step out and one back is no round trip: it keeps turning */
	struct dim_state s = going(DIM_GOING_RIGHT, 2, ref100);

	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_KEPT_GOING); /* 2 -> 3 */
	s.steps_right = 1;
	ASSERT_EQ(dim_decide(&s, &worse, 4, 10), DIM_V_TURNED);	     /* 3 -> 2 */
	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_KEPT_GOING); /* steps_right 1: no park */
	ASSERT_EQ(s.index, 1);
}

static void edges_park(void)
{
	struct dim_state s = going(DIM_GOING_RIGHT, 4, ref100);

	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_PARKED_EDGE);
	ASSERT_EQ(s.tune, DIM_PARKED_ON_TOP);
	ASSERT_EQ(s.index, 4);
	s = going(DIM_GOING_LEFT, 0, ref100);
	ASSERT_EQ(dim_decide(&s, &better, 4, 10), DIM_V_PARKED_EDGE);
	ASSERT_EQ(s.index, 0);
	/* the usable end may be short of the table's (latency budget) */
	s = going(DIM_GOING_RIGHT, 2, ref100);
	ASSERT_EQ(dim_decide(&s, &better, 2, 10), DIM_V_PARKED_EDGE);
	ASSERT_EQ(s.index, 2);
	/* turning into an edge parks too */
	s = going(DIM_GOING_RIGHT, 0, ref100);
	ASSERT_EQ(dim_decide(&s, &worse, 4, 10), DIM_V_PARKED_EDGE);
	ASSERT_EQ(s.index, 0);
}

static void ten_steps_tire(void)
{
	struct dim_state s;
	struct dim_stats cur = {1000, 100, 100};
	int i;

	/* a long table, always better going right: 10 steps, then it rests */
	dim_park(&s, 0);
	s.reference = cur;
	for (i = 0; i < 10; i++) {
		cur.bytes_per_ms *= 2;
		ASSERT_EQ(dim_decide(&s, &cur, 15, 10), i ? DIM_V_KEPT_GOING : DIM_V_LEFT_PARKING);
	}
	ASSERT_EQ(s.index, 10);
	ASSERT_EQ(s.tired, 10);
	cur.bytes_per_ms *= 2;
	ASSERT_EQ(dim_decide(&s, &cur, 15, 10), DIM_V_PARKED_TIRED);
	ASSERT_EQ(s.tune, DIM_PARKED_TIRED);
	ASSERT_EQ(s.index, 10);
	/* it rests for as many decisions, whatever the traffic does */
	for (i = 0; i < 9; i++) {
		cur.bytes_per_ms = i % 2 ? 1 : 1000000;
		ASSERT_EQ(dim_decide(&s, &cur, 15, 10), DIM_V_RESTING);
		ASSERT_EQ(s.index, 10);
	}
	ASSERT_EQ(dim_decide(&s, &cur, 15, 10), DIM_V_LEFT_PARKING);
	ASSERT_EQ(s.tune, DIM_GOING_LEFT);
	ASSERT_EQ(s.index, 9);
}

static void steady_traffic_while_going_tires(void)
{
	/* nothing improves: it turns at every decision, never completing a round trip */
	struct dim_state s = going(DIM_GOING_RIGHT, 2, ref100);
	int i;

	for (i = 0; i < 10; i++) {
		ASSERT_EQ(dim_decide(&s, &ref100, 4, 2 * 5), DIM_V_TURNED);
		ASSERT_EQ(s.index, i % 2 ? 2 : 1);
	}
	ASSERT_EQ(dim_decide(&s, &ref100, 4, 2 * 5), DIM_V_PARKED_TIRED);
	ASSERT_EQ(s.tune, DIM_PARKED_TIRED);
}

static void index_clamped_to_last(void)
{
	struct dim_state s;

	dim_park(&s, 4);
	s.reference = ref100;
	dim_decide(&s, &ref100, 2, 10);
	ASSERT_EQ(s.index, 2);
}

static void random_walk_stays_in_bounds(void)
{
	struct dim_state s;
	unsigned int seed = 1;

	dim_park(&s, 1);
	for (int i = 0; i < 200000; i++) {
		struct dim_stats cur = {rand_r(&seed) % 4 ? (__u64)rand_r(&seed) % 3000 : 0, (__u64)rand_r(&seed) % 300,
					(__u64)rand_r(&seed) % 100};
		unsigned int last = rand_r(&seed) % 10 == 0 ? (unsigned int)rand_r(&seed) % DIM_PROFILES_MAX : 4;

		dim_decide(&s, &cur, last, rand_r(&seed) % 50 == 0 ? 0 : 10);
		if (!ASSERT_LE(s.index, last))
			break;
		if (!ASSERT_LE(s.tune, DIM_GOING_LEFT))
			break;
	}
}

static void budget_split_served_and_saturated(void)
{
	__u32 w[3] = {1, 1, 1};
	__u64 d[3] = {100, 5000, 9000}, s[3];

	/* 10000 among three: the small one is served, the rest split evenly */
	ASSERT_EQ(budget_split(10000, w, d, s, 3, &libc), 0);
	ASSERT_EQ(s[0], 100);
	ASSERT_EQ(s[1], 4950);
	ASSERT_EQ(s[2], 4950);
}

static void budget_split_by_weight(void)
{
	__u32 w[3] = {1, 2, 1};
	__u64 d[3] = {50000, 50000, 50000}, s[3];

	ASSERT_EQ(budget_split(40000, w, d, s, 3, &libc), 0);
	ASSERT_EQ(s[0], 10000);
	ASSERT_EQ(s[1], 20000);
	ASSERT_EQ(s[2], 10000);
	/* weight 0 counts as 1 */
	w[1] = 0;
	ASSERT_EQ(budget_split(30000, w, d, s, 3, &libc), 0);
	ASSERT_EQ(s[1], 10000);
}

static void budget_split_slack_is_headroom(void)
{
	__u32 w[2] = {3, 1};
	__u64 d[2] = {1000, 1000}, s[2];

	/* 8000 for a demand of 2000: 6000 of headroom, 3:1 */
	ASSERT_EQ(budget_split(8000, w, d, s, 2, &libc), 0);
	ASSERT_EQ(s[0], 1000 + 4500);
	ASSERT_EQ(s[1], 1000 + 1500);
}

static void budget_split_properties(void)
{
	unsigned int seed = 7;

	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + rand_r(&seed) % 40;
		__u32 w[40];
		__u64 d[40], s[40], total = (__u64)rand_r(&seed) * (rand_r(&seed) % 3 ? 1 : 100000), sum = 0, wsum = 0;

		for (size_t i = 0; i < n; i++) {
			w[i] = rand_r(&seed) % 5;
			d[i] = rand_r(&seed) % 4 ? (__u64)rand_r(&seed) % 100000 : ~0ULL / 2;
			wsum += w[i] ? w[i] : 1;
		}
		ASSERT_EQ(budget_split(total, w, d, s, n, &libc), 0);
		for (size_t i = 0; i < n; i++) {
			__u64 wi = w[i] ? w[i] : 1;
			__u64 fair = (__u64)((unsigned __int128)total * wi / wsum);

			sum += s[i];
			/* at least the smaller of its demand and its weighted part */
			if (!ASSERT_GE(s[i], d[i] < fair ? d[i] : fair))
				return;
		}
		if (!ASSERT_LE(sum, total) || !ASSERT_GE(sum + n, total))
			return;
	}
}

static void budget_groups_two_levels(void)
{
	/* VM 1 (weight 3) has two queues, VM 2 (weight 1) has one; all hungry */
	struct budget_claim c[3] = {
	    {.group = 1, .weight = 1, .demand = 1000000},
	    {.group = 2, .weight = 1, .demand = 1000000},
	    {.group = 1, .weight = 1, .demand = 1000000},
	};
	struct budget_group g[2] = {{.group = 2, .weight = 1}, {.group = 1, .weight = 3}};

	ASSERT_EQ(budget_share(40000, c, 3, g, 2, &libc), 0);
	ASSERT_EQ(c[0].share, 15000);
	ASSERT_EQ(c[2].share, 15000);
	ASSERT_EQ(c[1].share, 10000);
	/* a group that asks little leaves the rest to the others */
	c[1].demand = 2000;
	ASSERT_EQ(budget_share(40000, c, 3, g, 2, &libc), 0);
	ASSERT_EQ(c[1].share, 2000);
	ASSERT_EQ(c[0].share, 19000);
	/* no group weights: one each */
	c[1].demand = 1000000;
	ASSERT_EQ(budget_share(30000, c, 3, NULL, 0, &libc), 0);
	ASSERT_EQ(c[1].share, 15000);
	ASSERT_EQ(c[0].share, 7500);
	ASSERT_EQ(budget_share(30000, c, 0, NULL, 0, &libc), 0);
}

int main(int argc, char **argv)
{
	RUN("dim", builtin_tables);
	RUN("dim", parse_valid);
	RUN("dim", parse_invalid);
	RUN("dim", rates_round_up);
	RUN("dim", significance);
	RUN("dim", compare_order);
	RUN("dim", compare_zero_reference);
	RUN("dim", parked_on_top_stays);
	RUN("dim", parked_on_top_leaves_left);
	RUN("dim", parked_on_top_leaves_right_at_zero);
	RUN("dim", initial_state_like_net_dim);
	RUN("dim", going_right_better_keeps_going);
	RUN("dim", going_left_better_keeps_going);
	RUN("dim", not_better_turns);
	RUN("dim", round_trip_parks);
	RUN("dim", round_trip_parks_mirror);
	RUN("dim", short_trip_does_not_park);
	RUN("dim", edges_park);
	RUN("dim", ten_steps_tire);
	RUN("dim", steady_traffic_while_going_tires);
	RUN("dim", index_clamped_to_last);
	RUN("dim", random_walk_stays_in_bounds);
	RUN("budget", budget_split_served_and_saturated);
	RUN("budget", budget_split_by_weight);
	RUN("budget", budget_split_slack_is_headroom);
	RUN("budget", budget_split_properties);
	RUN("budget", budget_groups_two_levels);
	return 0;
}
