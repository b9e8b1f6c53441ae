// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * nameidx.c - a hash index from names to table rows (nameidx.h): open
 * addressing with linear probing, so the rows of one name come back in the
 * order they were added.
 */
#include <stdlib.h>

#include "source/nameidx.h"

/* FNV-1a */
uint32_t dmas_name_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len && s[i]; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

int dmas_nameidx_init(struct dmas_nameidx *x, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n)
		cap <<= 1;
	x->slots = calloc(cap, sizeof(*x->slots));
	x->mask = cap - 1;
	return x->slots ? 0 : -1;
}

void dmas_nameidx_add(struct dmas_nameidx *x, uint32_t hash, uint32_t row)
{
	size_t i = hash & x->mask;

	while (x->slots[i])
		i = (i + 1) & x->mask;
	x->slots[i] = (uint64_t)hash << 32 | ((uint64_t)row + 1);
}

int64_t dmas_nameidx_next(const struct dmas_nameidx *x, uint32_t hash,
			  size_t *pos)
{
	if (!x->slots)
		return -1;
	for (;; (*pos)++) {
		uint64_t s = x->slots[(hash + *pos) & x->mask];

		if (!s || *pos > x->mask)
			return -1;
		if (s >> 32 == hash) {
			(*pos)++;
			return (int64_t)(s & 0xffffffffu) - 1;
		}
	}
}

void dmas_nameidx_free(struct dmas_nameidx *x)
{
	free(x->slots);
	x->slots = NULL;
	x->mask = 0;
}
