/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tracedata.h - what a trace-cmd trace.dat and a perf.data share: the
 * file's mapping and bounds-checked reading, and the kernel's ftrace
 * "tracing data" (header page, event formats) loaded into libtraceevent
 * and bound to the record decoder (tpdecode.h).  Private to cli/source.
 */
#ifndef DMASCOPE_TRACEDATA_H
#define DMASCOPE_TRACEDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "source/source.h"
#include "source/tpdecode.h"

struct tep_handle;

/* ---- bounds-checked reading of a file's bytes ---- */

struct rd {
	const uint8_t *p;
	size_t len, pos;
	bool big, bad;
};

static inline const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

static inline uint64_t rd_num(struct rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	uint64_t v = 0;
	size_t i;

	if (!q)
		return 0;
	for (i = 0; i < n; i++)
		v |= (uint64_t)q[r->big ? n - 1 - i : i] << (8 * i);
	return v;
}

static inline const char *rd_str(struct rd *r)
{
	const char *s = (const char *)r->p + r->pos;
	const void *nul;

	if (r->bad || r->pos >= r->len ||
	    !(nul = memchr(s, '\0', r->len - r->pos))) {
		r->bad = true;
		return "";
	}
	r->pos += (size_t)((const char *)nul - s) + 1;
	return s;
}

/*
 * The regular file at path mapped read-only (*map NULL when it is empty):
 * 0, or -1 with err set.
 */
int td_map_file(const char *path, uint8_t **map, size_t *len, char *err,
		size_t errlen);

/* "PATH: message" into err; returns -1. */
int td_fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---- the events of a recording ---- */

struct td_events {
	const char *path; /* for messages */
	struct tep_handle *tep;
	bool big;
	int kernel_long; /* bytes of the page header's commit field */
	/* its records into events (tpdecode.c) */
	struct dmas_tpdec dec;
};

/* A parser for a recording's formats: 0, or -1 (out of memory). */
int td_events_init(struct td_events *te, const char *path, bool big,
		   int long_size, uint32_t page_size);
void td_events_free(struct td_events *te);

/* The header_page / header_event pair: 0, or -1 with err set. */
int td_parse_header_info(struct td_events *te, struct rd *r, char *err,
			 size_t errlen);
/* A list of event formats (with system names when systems): 0 or -1. */
int td_parse_formats(struct td_events *te, struct rd *r, bool systems,
		     char *err, size_t errlen);
/*
 * The whole tracing data after its version/endian/size preamble, as
 * trace.dat v6 and perf.data's tracing-data feature lay it out: header
 * info, ftrace and event formats, kallsyms, printk formats, saved command
 * lines (the last three skipped).  0, or -1 with err set.
 */
int td_parse_tracing_data(struct td_events *te, struct rd *r, char *err,
			  size_t errlen);
/* After the formats: binds the decoder to the events it reads. */
void td_events_index(struct td_events *te);

#endif /* DMASCOPE_TRACEDATA_H */
