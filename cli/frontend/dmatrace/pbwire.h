/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pbwire.h - a small protocol buffers wire-format encoder: varints,
 * fixed64, strings and nested messages into a growable buffer.  Enough to
 * write a known schema without libprotobuf.
 */
#ifndef DMAS_PBWIRE_H
#define DMAS_PBWIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PB_MAX_DEPTH 8

struct pbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom; /* an allocation failed: the contents are incomplete */
	unsigned depth;
	size_t open[PB_MAX_DEPTH]; /* payload start of each open message */
};

void pb_reset(struct pbuf *b);
void pb_free(struct pbuf *b);
void pb_varint(struct pbuf *b, uint32_t field, uint64_t v);
void pb_sint(struct pbuf *b, uint32_t field, int64_t v); /* int64 field */
void pb_fixed64(struct pbuf *b, uint32_t field, uint64_t v);
void pb_bytes(struct pbuf *b, uint32_t field, const void *data, size_t n);
void pb_str(struct pbuf *b, uint32_t field, const char *s, size_t max);
/* A nested message: fields written between open and close are its own. */
void pb_open(struct pbuf *b, uint32_t field);
void pb_close(struct pbuf *b);

#endif /* DMAS_PBWIRE_H */
