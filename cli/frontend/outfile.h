/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * outfile.h - an output file (recording, report, export) that appears whole
 * or not at all: it is written under a temporary name beside the target
 * and renamed into place only when every write succeeded.  A failed run
 * leaves no partial file, and a target that another process wrote while
 * we were busy is not overwritten: we say so and keep ours aside.  The
 * temporary file is flock'ed while it is written, so one that a killed run
 * left behind can be told from one a running writer still holds.
 */
#ifndef DMASCOPE_OUTFILE_H
#define DMASCOPE_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>

struct dmas_outfile {
	const char *path; /* the target as the user named it */
	char *tmp; /* "PATH.XXXXXX.part"; NULL: written in place */
	int fd;
	FILE *f; /* dmas_outfile_stream() */
	int werr; /* errno of the first failed write */
	bool existed; /* the target existed when we began */
	struct stat st0; /* and was this */
};

/*
 * Opens path for writing: "-" is stdout, a path that is not a regular file
 * (/dev/null, a FIFO) is written in place, anything else through a
 * temporary file.  0, or -1 with err set ("cannot write X: reason").
 */
int dmas_outfile_open(struct dmas_outfile *o, const char *path, char *err,
		      size_t errlen);
/* A stdio stream on the file (made on first call); NULL when out of memory. */
FILE *dmas_outfile_stream(struct dmas_outfile *o);
/*
 * Flushes, closes and renames into place.  0, or -1 with err saying why
 * (the temporary file is removed, except when the target changed under us:
 * then it stays, and err names it).
 */
int dmas_outfile_commit(struct dmas_outfile *o, char *err, size_t errlen);
/* Closes and removes what was written (a failed run leaves nothing). */
void dmas_outfile_abort(struct dmas_outfile *o);

/*
 * The temporary files of path ("PATH.XXXXXX.part") that no running writer
 * holds: left by a run that was killed before it finished (a writer holds
 * an flock on its own until it exits).  Each is handed to found (its name
 * and size) and then removed when remove is set.  The number found, or -1
 * when the folder cannot be read.
 */
typedef void (*dmas_stale_fn)(void *ctx, const char *part, long long size,
			      int unlink_errno);
int dmas_outfile_stale(const char *path, bool remove, dmas_stale_fn found,
		       void *ctx);

#endif /* DMASCOPE_OUTFILE_H */
