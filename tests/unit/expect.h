/*
 * expect.h — the tiny test harness of the unit suite (redis testhelp.h
 * style): EXPECT records a failure and goes on; main returns expect_done().
 */
#ifndef TBFS_EXPECT_H
#define TBFS_EXPECT_H

#include <stdio.h>

static int expect_failures;
static int expect_checks;

#define EXPECT(cond)                                                        \
	do {                                                                \
		expect_checks++;                                            \
		if (!(cond)) {                                              \
			expect_failures++;                                  \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__,    \
				__LINE__, #cond);                           \
		}                                                           \
	} while (0)

#define EXPECT_MSG(cond, ...)                                               \
	do {                                                                \
		expect_checks++;                                            \
		if (!(cond)) {                                              \
			expect_failures++;                                  \
			fprintf(stderr, "%s:%d: FAILED: %s: ", __FILE__,    \
				__LINE__, #cond);                           \
			fprintf(stderr, __VA_ARGS__);                       \
			fputc('\n', stderr);                                \
		}                                                           \
	} while (0)

static inline int expect_done(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, expect_checks,
		expect_failures);
	/* A test that checked nothing has not passed. */
	if (expect_checks == 0)
		return 1;
	return expect_failures ? 1 : 0;
}

#endif
