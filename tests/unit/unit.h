/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unit tests in the kernel-selftest manner: ASSERT_* return a bool and print
 * actual against expected; each subtest prints one tab-separated result line
 * (PASS/FAIL, name, why) that tests/run collects.
 */
#ifndef VQMOD_UNIT_H
#define VQMOD_UNIT_H

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool unit_failed;
/* Set while a test shows that an assertion fails: the failure is expected, not printed. */
static bool unit_quiet;

#define ASSERT_TRUE(cond)                                                                                              \
	({                                                                                                             \
		bool ok_ = (cond);                                                                                     \
		if (!ok_) {                                                                                            \
			if (!unit_quiet)                                                                               \
				printf("  %s:%d: ASSERT_TRUE(%s) failed\n", __FILE__, __LINE__, #cond);                \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

/*
 * A value as compared: integers of any type in __int128 (which holds every
 * long long and unsigned long long exactly), floating point as long double.
 * So -22 >= 0 is false and (unsigned)-1 == -1 is false, as in arithmetic,
 * not as after C's usual conversions; and 1.5 > 1 holds.
 */
struct unit_val {
	bool is_float, is_signed;
	__int128 i;
	long double f;
};

static inline struct unit_val unit_val_s(long long v)
{
	return (struct unit_val){.is_signed = true, .i = v, .f = (long double)v};
}

static inline struct unit_val unit_val_u(unsigned long long v)
{
	return (struct unit_val){.i = v, .f = (long double)v};
}

static inline struct unit_val unit_val_f(long double v)
{
	return (struct unit_val){.is_float = true, .f = v};
}

/* plain char is signed or not as the ABI says */
static inline struct unit_val unit_val_c(char v)
{
	return (char)-1 < 0 ? unit_val_s(v) : unit_val_u((unsigned char)v);
}

/* Unsigned types, bool and enums (GCC gives them an unsigned type unless a value is negative) take default. */
#define unit_val(x)                                                                                                    \
	_Generic((x), float                                                                                            \
		 : unit_val_f, double                                                                                  \
		 : unit_val_f, long double                                                                             \
		 : unit_val_f, char                                                                                    \
		 : unit_val_c, signed char                                                                             \
		 : unit_val_s, short                                                                                   \
		 : unit_val_s, int                                                                                     \
		 : unit_val_s, long                                                                                    \
		 : unit_val_s, long long                                                                               \
		 : unit_val_s, default                                                                                 \
		 : unit_val_u)(x)

/* -1, 0 or 1 as a is below, equal to or above b; 2 when unordered (a NaN). */
static inline int unit_cmp(struct unit_val a, struct unit_val b)
{
	if (a.is_float || b.is_float) {
		if (a.f != a.f || b.f != b.f)
			return 2;
		return (a.f > b.f) - (a.f < b.f);
	}
	return (a.i > b.i) - (a.i < b.i);
}

static inline const char *unit_val_text(struct unit_val v, char *buf, size_t len)
{
	if (v.is_float)
		snprintf(buf, len, "%Lg", v.f);
	else if (v.is_signed)
		snprintf(buf, len, "%lld", (long long)v.i);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v.i);
	return buf;
}

#define ASSERT_CMP(a, op, b)                                                                                           \
	({                                                                                                             \
		struct unit_val a_ = unit_val(a), b_ = unit_val(b);                                                    \
		int c_ = unit_cmp(a_, b_);                                                                             \
		bool ok_ = c_ != 2 && c_ op 0;                                                                         \
		if (!ok_) {                                                                                            \
			char at_[48], bt_[48];                                                                         \
			if (!unit_quiet)                                                                               \
				printf("  %s:%d: ASSERT(%s %s %s): actual %s, expected %s %s\n", __FILE__, __LINE__,   \
				       #a, #op, #b, unit_val_text(a_, at_, sizeof(at_)), #op,                          \
				       unit_val_text(b_, bt_, sizeof(bt_)));                                           \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_NE(a, b) ASSERT_CMP(a, !=, b)
#define ASSERT_LT(a, b) ASSERT_CMP(a, <, b)
#define ASSERT_LE(a, b) ASSERT_CMP(a, <=, b)
#define ASSERT_GT(a, b) ASSERT_CMP(a, >, b)
#define ASSERT_GE(a, b) ASSERT_CMP(a, >=, b)

#define ASSERT_NEAR(a, b, eps)                                                                                         \
	({                                                                                                             \
		double a_ = (a), b_ = (b);                                                                             \
		bool ok_ = a_ - b_ <= (eps) && b_ - a_ <= (eps);                                                       \
		if (!ok_) {                                                                                            \
			if (!unit_quiet)                                                                               \
				printf("  %s:%d: ASSERT_NEAR(%s, %s): actual %g, expected %g +- %g\n", __FILE__,       \
				       __LINE__, #a, #b, a_, b_, (double)(eps));                                       \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

#define ASSERT_STREQ(a, b)                                                                                             \
	({                                                                                                             \
		const char *a_ = (a), *b_ = (b);                                                                       \
		bool ok_ = strcmp(a_, b_) == 0;                                                                        \
		if (!ok_) {                                                                                            \
			if (!unit_quiet)                                                                               \
				printf("  %s:%d: ASSERT_STREQ(%s): actual '%s', expected '%s'\n", __FILE__, __LINE__,  \
				       #a, a_, b_);                                                                    \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

/*
 * An allocator for code that is handed one (the engine): libc's, failing
 * every allocation once fail_after reaches 0 (-1: never).
 */
struct unit_alloc {
	long fail_after;
	long allocations;
};

static inline void *unit_resize(void *ctx, void *ptr, size_t size)
{
	struct unit_alloc *ua = ctx;

	if (!size) {
		free(ptr);
		return NULL;
	}
	if (ua && ua->fail_after >= 0 && ua->fail_after-- == 0)
		return NULL;
	if (ua)
		ua->allocations++;
	return realloc(ptr, size);
}

/* Runs fn as subtest "unit/<suite>/<name>" if it matches the filter argument. */
static inline void unit_run(const char *suite, const char *name, void (*fn)(void), const char *filter)
{
	char full[128];
	regex_t re;
	bool match = true;

	snprintf(full, sizeof(full), "unit/%s/%s", suite, name);
	if (filter && *filter && !regcomp(&re, filter, REG_EXTENDED | REG_NOSUB)) {
		match = regexec(&re, full, 0, NULL, 0) == 0;
		regfree(&re);
	}
	if (!match)
		return;
	unit_failed = unit_quiet = false;
	fn();
	printf("%s\t%s\t%s\n", unit_failed ? "FAIL" : "PASS", full, unit_failed ? "assertion failed" : "");
	fflush(stdout);
}

#define RUN(suite, fn) unit_run(suite, #fn, fn, argc > 1 ? argv[1] : NULL)

#endif
