// SPDX-License-Identifier: GPL-2.0
/*
 * unit.h itself: an assertion that should fail must fail. Each case runs
 * quietly and checks that unit_failed was set (or not), then clears it.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include "unit.h"

/* Did the assertion expr fail? unit_failed is restored to what it was. */
#define FAILS(expr)                                                                                                    \
	({                                                                                                             \
		bool was_ = unit_failed, failed_;                                                                      \
		unit_failed = false;                                                                                   \
		unit_quiet = true;                                                                                     \
		(void)(expr);                                                                                          \
		unit_quiet = false;                                                                                    \
		failed_ = unit_failed;                                                                                 \
		unit_failed = was_;                                                                                    \
		failed_;                                                                                               \
	})

static int returns_einval(void)
{
	return -EINVAL;
}

/* The case of the issue: a negative errno is not >= 0 (it was, cast to unsigned long long). */
static void negative_errno_fails_ge_zero(void)
{
	ASSERT_TRUE(FAILS(ASSERT_GE(returns_einval(), 0)));
	ASSERT_TRUE(FAILS(ASSERT_GE(-EINVAL, 0u)));
	ASSERT_TRUE(FAILS(ASSERT_GE(-1, 0ULL)));
	ASSERT_TRUE(FAILS(ASSERT_EQ(returns_einval(), 0)));
	ASSERT_TRUE(!FAILS(ASSERT_LT(returns_einval(), 0)));
	ASSERT_TRUE(!FAILS(ASSERT_EQ(returns_einval(), -EINVAL)));
	ASSERT_TRUE(!FAILS(ASSERT_GE(0, 0)));
}

/* Mixed signedness compares as arithmetic does. */
static void mixed_signedness(void)
{
	unsigned int u_max = UINT_MAX;
	unsigned long long ull_max = ULLONG_MAX;
	long long ll_min = LLONG_MIN;
	signed char sc = -1;
	short sh = -300;

	ASSERT_TRUE(FAILS(ASSERT_EQ(u_max, -1)));
	ASSERT_TRUE(FAILS(ASSERT_EQ(ull_max, -1LL)));
	ASSERT_TRUE(FAILS(ASSERT_EQ((unsigned long long)-EINVAL, -EINVAL)));
	ASSERT_TRUE(!FAILS(ASSERT_LT(-1, u_max)));
	ASSERT_TRUE(!FAILS(ASSERT_LT(ll_min, ull_max)));
	ASSERT_TRUE(!FAILS(ASSERT_GT(ull_max, (unsigned long long)LLONG_MAX)));
	ASSERT_TRUE(FAILS(ASSERT_GE(sc, 0)));
	ASSERT_TRUE(FAILS(ASSERT_GE(sh, 0u)));
	ASSERT_TRUE(!FAILS(ASSERT_EQ(sh, -300)));
	ASSERT_TRUE(!FAILS(ASSERT_NE(u_max, -1)));
}

/* Floating point is not truncated: 1.5 > 1 (it was 1 > 1), and a NaN compares with nothing. */
static void floating_point(void)
{
	double half = 0.5, nan_ = NAN;

	ASSERT_TRUE(!FAILS(ASSERT_GT(1 + half, 1)));
	ASSERT_TRUE(FAILS(ASSERT_LE(1 + half, 1)));
	ASSERT_TRUE(FAILS(ASSERT_GE(-half, 0)));
	ASSERT_TRUE(FAILS(ASSERT_EQ(nan_, nan_)));
	ASSERT_TRUE(FAILS(ASSERT_NE(nan_, 0)));
}

/* Enums and bools: an enum constant against an enum variable, true against 1. */
static void enums_and_bools(void)
{
	enum colour { RED, GREEN } c = GREEN;
	bool yes = true;

	ASSERT_TRUE(!FAILS(ASSERT_EQ(c, GREEN)));
	ASSERT_TRUE(FAILS(ASSERT_EQ(c, RED)));
	ASSERT_TRUE(!FAILS(ASSERT_EQ(yes, 1)));
	ASSERT_TRUE(FAILS(ASSERT_EQ(yes, 0)));
}

/* The other assertions fail too, and a failure is counted even when quiet. */
static void other_assertions_fail(void)
{
	ASSERT_TRUE(FAILS(ASSERT_TRUE(1 == 2)));
	ASSERT_TRUE(FAILS(ASSERT_NEAR(1.0, 1.2, 0.1)));
	ASSERT_TRUE(!FAILS(ASSERT_NEAR(1.0, 1.05, 0.1)));
	ASSERT_TRUE(FAILS(ASSERT_STREQ("a", "b")));
	ASSERT_TRUE(!unit_failed);
}

int main(int argc, char **argv)
{
	RUN("unit", negative_errno_fails_ge_zero);
	RUN("unit", mixed_signedness);
	RUN("unit", floating_point);
	RUN("unit", enums_and_bools);
	RUN("unit", other_assertions_fail);
	return 0;
}
