/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmat.h - the .dmat recording format: a versioned header of
 * self-describing sections, then self-delimiting records (devices, stacks,
 * memory ranges, events, lost-event records) and a trailer.  Optional zstd
 * compression of the record stream.  Reading and writing are streaming.
 * Readers skip record types they do not know.
 */
#ifndef DMASCOPE_DMAT_H
#define DMASCOPE_DMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define DMAT_VERSION 1

struct dmat_writer;

struct dmat_writer_opts {
	bool compress;		/* zstd */
	int level;		/* zstd level, 0: default */
};

/* path "-" writes stdout.  NULL and err on failure. */
struct dmat_writer *dmat_writer_open(const char *path, const struct dmas_session *s,
				     const struct dmat_writer_opts *o,
				     char *err, size_t errlen);
int dmat_write_device(struct dmat_writer *w, const struct dmas_device *d);
int dmat_write_stack(struct dmat_writer *w, const struct dmas_stack *s);
int dmat_write_mem_range(struct dmat_writer *w, const struct dmas_mem_range *r);
int dmat_write_event(struct dmat_writer *w, const struct dmas_event *ev);
/* Writes the trailer (event count, end time) and closes; 0 on success. */
int dmat_writer_close(struct dmat_writer *w, uint64_t end_ts, char *err, size_t errlen);
/* Flush what is buffered so a crash loses at most the last block. */
int dmat_writer_flush(struct dmat_writer *w);

enum dmat_rec {
	DMAT_R_EOF = 0,		/* clean end: trailer read */
	DMAT_R_DEVICE,
	DMAT_R_STACK,
	DMAT_R_MEM_RANGE,
	DMAT_R_EVENT,
	DMAT_R_TRUNCATED = -1,	/* ended without a trailer: what came before is valid */
	DMAT_R_CORRUPT = -2,	/* a record failed its checks: stop */
	DMAT_R_IOERR = -3,
};

struct dmat_record {
	enum dmat_rec type;
	union {
		struct dmas_device device;
		struct dmas_stack stack;	/* frames valid until the next read */
		struct dmas_mem_range range;
		struct dmas_event event;
	};
};

struct dmat_reader;

/* NULL and a clear message ("x is not a dmascope recording ...") on failure. */
struct dmat_reader *dmat_reader_open(const char *path, char *err, size_t errlen);
const struct dmas_session *dmat_reader_session(const struct dmat_reader *r);
/* Next record; on TRUNCATED/CORRUPT/IOERR dmat_reader_error() says where. */
enum dmat_rec dmat_reader_next(struct dmat_reader *r, struct dmat_record *rec);
const char *dmat_reader_error(const struct dmat_reader *r);
uint64_t dmat_reader_offset(const struct dmat_reader *r);	/* of the last record */
/* From the trailer (valid after DMAT_R_EOF). */
uint64_t dmat_reader_end_ts(const struct dmat_reader *r);
void dmat_reader_close(struct dmat_reader *r);

#endif /* DMASCOPE_DMAT_H */
