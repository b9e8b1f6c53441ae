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

#include "sidetables.h"

/*
 * A reader rejects a newer major version; it reads a newer minor one,
 * skipping the records and header sections it does not know.
 */
#define DMAT_VERSION 1
#define DMAT_VERSION_MAJOR DMAT_VERSION
#define DMAT_VERSION_MINOR 0

/* The CPU -> NUMA node map of the traced machine. */
struct dmas_cpu_node {
	uint32_t cpu;
	int32_t node;
};

struct dmat_writer;

struct dmat_writer_opts {
	bool compress; /* zstd */
	int level; /* zstd level 1..19, 0: default (1, the fastest) */
};

/*
 * path "-" writes stdout.  NULL and err on failure.  s may be NULL: the
 * header is written with the first record (or flush), so a session that is
 * known only later can still be given with dmat_writer_set_session().
 */
struct dmat_writer *dmat_writer_open(const char *path,
				     const struct dmas_session *s,
				     const struct dmat_writer_opts *o,
				     char *err, size_t errlen);
/* An open descriptor (a pipe, a memfd); it stays open after close. */
struct dmat_writer *dmat_writer_open_fd(int fd, const char *name,
					const struct dmas_session *s,
					const struct dmat_writer_opts *o,
					char *err, size_t errlen);
int dmat_write_device(struct dmat_writer *w, const struct dmas_device *d);
int dmat_write_stack(struct dmat_writer *w, const struct dmas_stack *s);
int dmat_write_mem_range(struct dmat_writer *w, const struct dmas_mem_range *r);
int dmat_write_event(struct dmat_writer *w, const struct dmas_event *ev);
/* Writes the trailer (event count, end time) and closes; 0 on success. */
int dmat_writer_close(struct dmat_writer *w, uint64_t end_ts, char *err,
		      size_t errlen);
/* Flush what is buffered so a crash loses at most the last block. */
int dmat_writer_flush(struct dmat_writer *w);
int dmat_write_cpu_node(struct dmat_writer *w, const struct dmas_cpu_node *c);
/* n events at once (a batch from a ring buffer). */
int dmat_write_events(struct dmat_writer *w, const struct dmas_event *evs,
		      size_t n);
/* -1 once the header is out (the session cannot change any more). */
int dmat_writer_set_session(struct dmat_writer *w,
			    const struct dmas_session *s);
/* Why the last call failed; write errors are sticky. NULL if none. */
const char *dmat_writer_error(const struct dmat_writer *w);
uint64_t dmat_writer_events(const struct dmat_writer *w);
/*
 * Flush by itself at most every interval_ns (checked once per event batch),
 * so a recorder killed with SIGKILL loses about that much.  0: off.
 */
void dmat_writer_set_autoflush(struct dmat_writer *w, uint64_t interval_ns);
/* Nothing is happening: flush what is buffered (0, or -1 on error). */
int dmat_writer_idle(struct dmat_writer *w);
/*
 * Flush and close without a trailer: what a killed recorder leaves behind
 * (tests and dmatgen use it to make truncated recordings).
 */
void dmat_writer_abandon(struct dmat_writer *w);

struct dmas_sink;
/*
 * A sink that writes everything it is given to w (ctx = w).  It turns on
 * autoflush every second and flushes when the source says it is idle, so
 * a killed recorder loses at most about a second of events.
 */
void dmat_sink_writer(struct dmas_sink *sink, struct dmat_writer *w);

enum dmat_rec {
	DMAT_R_EOF = 0, /* clean end: trailer read */
	DMAT_R_DEVICE,
	DMAT_R_STACK,
	DMAT_R_MEM_RANGE,
	DMAT_R_EVENT,
	DMAT_R_CPU_NODE,
	DMAT_R_TRUNCATED =
		-1, /* ended without a trailer: what came before is valid */
	DMAT_R_CORRUPT = -2, /* a record failed its checks: stop */
	DMAT_R_IOERR = -3,
};

struct dmat_record {
	enum dmat_rec type;
	union {
		struct dmas_device device;
		struct dmas_stack stack; /* frames valid until the next read */
		struct dmas_mem_range range;
		struct dmas_event event;
		struct dmas_cpu_node cpu_node;
	};
};

struct dmat_reader;

/* NULL and a clear message ("x is not a dmascope recording ...") on failure. */
struct dmat_reader *dmat_reader_open(const char *path, char *err,
				     size_t errlen);
const struct dmas_session *dmat_reader_session(const struct dmat_reader *r);
/* Next record; on TRUNCATED/CORRUPT/IOERR dmat_reader_error() says where. */
enum dmat_rec dmat_reader_next(struct dmat_reader *r, struct dmat_record *rec);
const char *dmat_reader_error(const struct dmat_reader *r);
/*
 * After DMAT_R_EOF: a warning about what follows the trailer (a second
 * recording appended, garbage), or NULL when the file ends there.
 */
const char *dmat_reader_note(const struct dmat_reader *r);
uint64_t
dmat_reader_offset(const struct dmat_reader *r); /* of the last record */
/* From the trailer (valid after DMAT_R_EOF). */
uint64_t dmat_reader_end_ts(const struct dmat_reader *r);
void dmat_reader_close(struct dmat_reader *r);

/* A recording held in memory (fuzzing, tests); name is used in messages. */
struct dmat_reader *dmat_reader_open_mem(const void *buf, size_t len,
					 const char *name, char *err,
					 size_t errlen);
/*
 * Like dmat_reader_next, but events come a run at a time without copying:
 * DMAT_R_EVENT with *evs pointing at *n events, valid until the next read.
 * Other records arrive in rec as with dmat_reader_next.  The two calls may
 * be mixed.
 */
enum dmat_rec dmat_reader_next_batch(struct dmat_reader *r,
				     struct dmat_record *rec,
				     const struct dmas_event **evs, size_t *n);
uint64_t
dmat_reader_events(const struct dmat_reader *r); /* handed out so far */
/* Last event timestamp handed out (end_ts stand-in for truncated files). */
uint64_t dmat_reader_last_ts(const struct dmat_reader *r);
bool dmat_reader_compressed(const struct dmat_reader *r);
void dmat_reader_version(const struct dmat_reader *r, unsigned *major,
			 unsigned *minor);

#endif /* DMASCOPE_DMAT_H */
