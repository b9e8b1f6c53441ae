/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * testlib.h - the project's C test runner: TEST() registers a case, CHECK*
 * record failures without stopping the case, main() (from testlib.c) runs
 * every case, or those whose name contains argv[1], and ends with the
 * "N passed, N failed" line that `make test` sums.
 */
#ifndef DMASCOPE_TESTLIB_H
#define DMASCOPE_TESTLIB_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	const char *file;
	void (*fn)(void);
	struct test_case *next;
};

void test_register(struct test_case *tc);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A scratch directory for the running case, removed after a pass. */
const char *test_tmpdir(void);
/* A file with text in it (a fixture); a failure fails the case. */
void test_put_file(const char *path, const char *text);

#define TEST(fn_name)                                                        \
	static void fn_name(void);                                           \
	static struct test_case tc_##fn_name = {#fn_name, __FILE__, fn_name, \
						NULL};                       \
	__attribute__((constructor)) static void reg_##fn_name(void)         \
	{                                                                    \
		test_register(&tc_##fn_name);                                \
	}                                                                    \
	static void fn_name(void)

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond))                                               \
			test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
	} while (0)

#define CHECK_EQ(a, b)                                                         \
	do {                                                                   \
		long long va_ = (long long)(a), vb_ = (long long)(b);          \
		if (va_ != vb_)                                                \
			test_fail(__FILE__, __LINE__,                          \
				  "%s == %s: %lld != %lld", #a, #b, va_, vb_); \
	} while (0)

#define CHECK_STREQ(a, b)                                                      \
	do {                                                                   \
		const char *sa_ = (a), *sb_ = (b);                             \
		if (!sa_ || !sb_ || strcmp(sa_, sb_))                          \
			test_fail(__FILE__, __LINE__,                          \
				  "%s == %s: \"%s\" != \"%s\"", #a, #b,        \
				  sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                         \
	do {                                                                \
		const char *h_ = (hay), *n_ = (needle);                     \
		if (!h_ || !strstr(h_, n_))                                 \
			test_fail(__FILE__, __LINE__, "%s contains \"%s\"", \
				  #hay, n_);                                \
	} while (0)

#endif /* DMASCOPE_TESTLIB_H */
