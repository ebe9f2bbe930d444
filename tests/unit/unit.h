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

#define ASSERT_TRUE(cond)                                                                                              \
	({                                                                                                             \
		bool ok_ = (cond);                                                                                     \
		if (!ok_) {                                                                                            \
			printf("  %s:%d: ASSERT_TRUE(%s) failed\n", __FILE__, __LINE__, #cond);                        \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

#define ASSERT_CMP(a, op, b)                                                                                           \
	({                                                                                                             \
		unsigned long long a_ = (a), b_ = (b);                                                                 \
		bool ok_ = a_ op b_;                                                                                   \
		if (!ok_) {                                                                                            \
			printf("  %s:%d: ASSERT(%s %s %s): actual %llu, expected %s %llu\n", __FILE__, __LINE__, #a,   \
			       #op, #b, a_, #op, b_);                                                                  \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

#define ASSERT_EQ(a, b) ASSERT_CMP(a, ==, b)
#define ASSERT_LE(a, b) ASSERT_CMP(a, <=, b)
#define ASSERT_GE(a, b) ASSERT_CMP(a, >=, b)

#define ASSERT_NEAR(a, b, eps)                                                                                         \
	({                                                                                                             \
		double a_ = (a), b_ = (b);                                                                             \
		bool ok_ = a_ - b_ <= (eps) && b_ - a_ <= (eps);                                                       \
		if (!ok_) {                                                                                            \
			printf("  %s:%d: ASSERT_NEAR(%s, %s): actual %g, expected %g +- %g\n", __FILE__, __LINE__, #a, \
			       #b, a_, b_, (double)(eps));                                                             \
			unit_failed = true;                                                                            \
		}                                                                                                      \
		ok_;                                                                                                   \
	})

#define ASSERT_STREQ(a, b)                                                                                             \
	({                                                                                                             \
		const char *a_ = (a), *b_ = (b);                                                                       \
		bool ok_ = strcmp(a_, b_) == 0;                                                                        \
		if (!ok_) {                                                                                            \
			printf("  %s:%d: ASSERT_STREQ(%s): actual '%s', expected '%s'\n", __FILE__, __LINE__, #a, a_,  \
			       b_);                                                                                    \
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
	unit_failed = false;
	fn();
	printf("%s\t%s\t%s\n", unit_failed ? "FAIL" : "PASS", full, unit_failed ? "assertion failed" : "");
	fflush(stdout);
}

#define RUN(suite, fn) unit_run(suite, #fn, fn, argc > 1 ? argv[1] : NULL)

#endif
