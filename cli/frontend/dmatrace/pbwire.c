/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pbwire.c - the protocol buffers wire format (varint, 64-bit and
 * length-delimited records) written into a growable buffer.  A nested
 * message's length is known only at its end: its payload is written first
 * and moved up by the size of the length prefix when it closes (messages
 * here are a packet of a few hundred bytes, so the move is cheap).
 */
#include <stdlib.h>
#include <string.h>

#include "pbwire.h"

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2 };

static bool reserve(struct pbuf *b, size_t n)
{
	size_t ncap;
	uint8_t *np;

	if (b->oom)
		return false;
	if (b->len + n <= b->cap)
		return true;
	ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + n)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (!np) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

static size_t varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void put_varint(struct pbuf *b, uint64_t v)
{
	if (!reserve(b, 10))
		return;
	while (v >= 0x80) {
		b->p[b->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	b->p[b->len++] = (uint8_t)v;
}

static void put_tag(struct pbuf *b, uint32_t field, unsigned wt)
{
	put_varint(b, (uint64_t)field << 3 | wt);
}

void pb_reset(struct pbuf *b)
{
	b->len = 0;
	b->depth = 0;
}

void pb_free(struct pbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

void pb_varint(struct pbuf *b, uint32_t field, uint64_t v)
{
	put_tag(b, field, WT_VARINT);
	put_varint(b, v);
}

/* int64 fields are plain two's complement varints (not zigzag). */
void pb_sint(struct pbuf *b, uint32_t field, int64_t v)
{
	pb_varint(b, field, (uint64_t)v);
}

void pb_fixed64(struct pbuf *b, uint32_t field, uint64_t v)
{
	int i;

	put_tag(b, field, WT_I64);
	if (!reserve(b, 8))
		return;
	for (i = 0; i < 8; i++)
		b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

void pb_bytes(struct pbuf *b, uint32_t field, const void *data, size_t n)
{
	put_tag(b, field, WT_LEN);
	put_varint(b, n);
	if (!n || !reserve(b, n))
		return;
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

void pb_str(struct pbuf *b, uint32_t field, const char *s, size_t max)
{
	pb_bytes(b, field, s, strnlen(s, max));
}

void pb_open(struct pbuf *b, uint32_t field)
{
	put_tag(b, field, WT_LEN);
	if (b->depth == PB_MAX_DEPTH) {
		b->oom =
			true; /* a programming error: refuse to write garbage */
		return;
	}
	b->open[b->depth++] = b->len;
}

void pb_close(struct pbuf *b)
{
	size_t start, n, k;

	if (!b->depth)
		return;
	start = b->open[--b->depth];
	if (b->oom)
		return;
	n = b->len - start;
	k = varint_len(n);
	if (!reserve(b, k))
		return;
	memmove(b->p + start + k, b->p + start, n);
	b->len = start;
	put_varint(b, n);
	b->len = start + k + n;
}
