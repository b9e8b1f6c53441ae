/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* testlib.c - main() for every C test binary; see testlib.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "testlib.h"

#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

static struct test_case *cases, **tail = &cases;
static int cur_failed;
static char tmpdir[256];

void test_register(struct test_case *tc)
{
	*tail = tc;
	tail = &tc->next;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cur_failed++;
}

const char *test_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(tmpdir, sizeof(tmpdir), "%s/dmascope-test.XXXXXX",
			 base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(2);
		}
	}
	return tmpdir;
}

void test_put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		test_fail(__FILE__, __LINE__, "cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;
	struct test_case *tc;

	for (tc = cases; tc; tc = tc->next) {
		if (argc > 1 && !strstr(tc->name, argv[1]))
			continue;
		cur_failed = 0;
		tmpdir[0] = 0;
		tc->fn();
		if (cur_failed) {
			failed++;
			printf("FAIL %s (%s)\n", tc->name, tc->file);
			if (tmpdir[0])
				printf("     kept %s\n", tmpdir);
		} else {
			passed++;
			printf("ok   %s\n", tc->name);
			if (tmpdir[0])
				nftw(tmpdir, rm_entry, 16,
				     FTW_DEPTH | FTW_PHYS);
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
