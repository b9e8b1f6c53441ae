// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_frontends.c - libFuzzer target on what users run on a recording from
 * elsewhere: every exporter (json, csv, perfetto, perfetto-json), replay's
 * text, JSON, JUnit, SARIF and KTAP reports, and dmatop's batch mode (text
 * and JSON), each as its command line runs it.  Any input must end in an
 * exit status of 0, 1 or 2 within the time and memory bounds set below: a
 * crash, a hang or a blow-up is a failure.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/dmat_disk.h"
#include "frontend/dmatrace/commands.h"

int dmatop_main(int argc, char **argv); /* dmatop's main, renamed */

/*
 * The bounds every input must stay within: seconds per input, and memory.
 * A recording of at most max_len bytes (run-fuzz.sh: 64 KiB) may not cost
 * hundreds of megabytes or seconds of work in any frontend.
 */
static char *bounds[] = {"-timeout=10", "-rss_limit_mb=1024",
			 "-malloc_limit_mb=256",
			 /* the frontends' messages, not libFuzzer's */
			 "-close_fd_mask=2"};

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t nb = sizeof(bounds) / sizeof(bounds[0]);
	char **nv = calloc((size_t)*argc + nb + 1, sizeof(*nv));
	int i, n = 0;

	/* dmatop's frames go nowhere, but are written (stdout stays open) */
	i = open("/dev/null", O_WRONLY);
	if (i >= 0 && i != STDOUT_FILENO) {
		dup2(i, STDOUT_FILENO);
		close(i);
	}
	if (!nv)
		return 0;
	/* ours first: a bound given on the command line still wins */
	nv[n++] = (*argv)[0];
	for (i = 0; i < (int)nb; i++)
		nv[n++] = bounds[i];
	for (i = 1; i < *argc; i++)
		nv[n++] = (*argv)[i];
	*argc = n;
	*argv = nv;
	return 0;
}

/*
 * Mutations almost always break a record's checksum, and the reader (which
 * fuzz_dmat_reader covers) stops there: so the checksums of an uncompressed
 * recording, and its trailer's event count, are made right again, and the
 * mutated contents reach the engine and every frontend.
 */
static void fix_checksums(uint8_t *p, size_t size)
{
	size_t off, slen, padded;
	uint64_t events = 0;
	uint32_t type, len;

	if (size < DMAT_FIXED_HDR + 4 ||
	    memcmp(p, DMAT_MAGIC, DMAT_MAGIC_LEN) ||
	    (dmat_get32(p + 12) & DMAT_FLAG_ZSTD))
		return;
	slen = dmat_get32(p + 16);
	if (slen > size - DMAT_FIXED_HDR - 4)
		return;
	dmat_put32(p + DMAT_FIXED_HDR + slen,
		   dmat_crc32c(0, p, DMAT_FIXED_HDR + slen));
	for (off = DMAT_FIXED_HDR + slen + 4; off + DMAT_REC_HDR <= size;
	     off += DMAT_REC_HDR + padded) {
		uint8_t *h = p + off;

		type = dmat_get32(h);
		len = dmat_get32(h + 4);
		padded = ((size_t)len + 7) & ~(size_t)7;
		if (padded > size - off - DMAT_REC_HDR)
			return;
		if (type == DMAT_T_EVENTS)
			events += len / DMAT_EVENT_SIZE;
		if (type == DMAT_T_TRAILER && len >= 8)
			dmat_put64(h + DMAT_REC_HDR, events);
		dmat_put32(h + 12, dmat_crc32c(0, h, 8));
		dmat_put32(h + 8, 0);
		dmat_put32(h + 8, dmat_crc32c(0, h, DMAT_REC_HDR + padded));
	}
}

static void run(int (*fn)(int, char **), char **args)
{
	int argc = 0, rc;

	while (args[argc])
		argc++;
	rc = fn(argc, args);
	if (rc < 0 || rc > 2) {
		fprintf(stderr, "%s %s: exit status %d\n", args[0], args[1],
			rc);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("dmat", MFD_CLOEXEC);
	uint8_t *buf = malloc(size ? size : 1);

	if (fd < 0 || !buf)
		abort();
	memcpy(buf, data, size);
	fix_checksums(buf, size);
	if (size && write(fd, buf, size) != (ssize_t)size)
		abort();
	free(buf);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	{
		char *exports[][9] = {
			{"export", "--format", "json", "-o", "/dev/null", path},
			{"export", "--format", "csv", "-o", "/dev/null", path},
			{"export", "--format", "perfetto", "--leak-age", "1ms",
			 "-o", "/dev/null", path},
			{"export", "--format", "perfetto-json", "--leak-age",
			 "1ms", "-o", "/dev/null", path},
			{"replay", "--leaks-at-exit", "-o", "/dev/null", path},
			{"replay", "--json", "--leak-age", "1ms", "-o",
			 "/dev/null", path},
			/* the CI formats: names from the recording in XML,
			 * SARIF's JSON and KTAP's lines */
			{"replay", "--format", "junit", "-o", "/dev/null",
			 path},
			{"replay", "--format", "sarif", "-o", "/dev/null",
			 path},
			{"replay", "--format", "ktap", "-o", "/dev/null", path},
		};
		char *tops[][10] = {
			{"dmatop", "-b", "-n", "20", "--replay", path},
			/* to the end: idle stretches must not be endless */
			{"dmatop", "-b", "--json", "-d", "0.1", "--replay",
			 path},
		};
		size_t i;

		for (i = 0; i < sizeof(exports) / sizeof(exports[0]); i++)
			run(!strcmp(exports[i][0], "export") ? cmd_export
							     : cmd_replay,
			    exports[i]);
		for (i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
			run(dmatop_main, tops[i]);
	}
	close(fd);
	return 0;
}
