/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * nameidx.h - a hash index from names to table rows, built in one pass:
 * the live source looks up a hundred kernel symbols and BTF names at start,
 * where sorting every name (some 120,000 symbols) first cost more than all
 * the lookups.
 */
#ifndef DMASCOPE_NAMEIDX_H
#define DMASCOPE_NAMEIDX_H

#include <stddef.h>
#include <stdint.h>

struct dmas_nameidx {
	uint64_t *slots; /* hash << 32 | (row + 1); 0: empty */
	size_t mask;
};

uint32_t dmas_name_hash(const char *s, size_t len);
/* Room for n rows; -1 when out of memory. */
int dmas_nameidx_init(struct dmas_nameidx *x, size_t n);
/* Adds row under hash; rows of one name are found in the order added. */
void dmas_nameidx_add(struct dmas_nameidx *x, uint32_t hash, uint32_t row);
/*
 * The rows added under hash, one per call: start with *pos = 0; returns
 * -1 when there are no more.  The caller compares the names.
 */
int64_t dmas_nameidx_next(const struct dmas_nameidx *x, uint32_t hash,
			  size_t *pos);
void dmas_nameidx_free(struct dmas_nameidx *x);

#endif /* DMASCOPE_NAMEIDX_H */
