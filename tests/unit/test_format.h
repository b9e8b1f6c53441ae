/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_format.h - helpers shared by the .dmat tests: a sample recording
 * with every record type and event kind, a text dump of what a reader
 * returns (one line per record) to compare runs, and file/record crafting.
 */
#ifndef DMASCOPE_TEST_FORMAT_H
#define DMASCOPE_TEST_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/dmat.h"

void fmt_sample_session(struct dmas_session *s);
/* Event number i of the sample: every kind in turn, fields derived from i. */
void fmt_sample_event(struct dmas_event *ev, unsigned i);
/*
 * Write the sample (nevents events, interleaved with side-table records)
 * to path.  finish=false leaves the trailer out.  Returns 0 on success.
 */
int fmt_write_sample(const char *path, bool compress, unsigned nevents,
		     bool finish);

/* What a reader delivers, as text; lines counts records (events each). */
struct fmt_dump {
	char *text;
	size_t lines;
	enum dmat_rec final;
	char err[512];
};
/* Read r to its end with dmat_reader_next (batch=false) or _next_batch. */
void fmt_dump_reader(struct dmat_reader *r, bool batch, struct fmt_dump *d);
/* Open path (or memory when buf != NULL) and dump; false if open failed. */
bool fmt_dump_file(const char *path, struct fmt_dump *d, char *err,
		   size_t errlen);
bool fmt_dump_mem(const void *buf, size_t len, struct fmt_dump *d, char *err,
		  size_t errlen);
void fmt_dump_free(struct fmt_dump *d);
/* a's text is b's first a->lines lines */
bool fmt_dump_is_prefix(const struct fmt_dump *a, const struct fmt_dump *b);

uint8_t *fmt_read_file(const char *path, size_t *len);
int fmt_write_file(const char *path, const void *buf, size_t len);
/* A whole record (header, payload, padding, checksums) into out; its size. */
size_t fmt_make_record(uint8_t *out, uint32_t type, const void *payload,
		       uint32_t len);
/* Size of the file header of an encoded recording. */
size_t fmt_header_size(const uint8_t *file);
/* Recompute the header checksum after editing the header. */
void fmt_fix_header_crc(uint8_t *file);

#endif /* DMASCOPE_TEST_FORMAT_H */
