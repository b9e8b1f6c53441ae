/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * htab.h - the engine's one hash table: open addressing, linear probing,
 * backward-shift deletion (no tombstones), keyed by (64-bit key, 32-bit
 * tag), holding a 32-bit value that is an index into a record pool (0 is
 * "empty", so pools start at index 1).  16 bytes a slot, kept under 70%
 * full: the per-event cost is one or two cache lines.
 */
#ifndef DMASCOPE_HTAB_H
#define DMASCOPE_HTAB_H

#include <stdint.h>

struct htab_slot {
	uint64_t key;
	uint32_t tag;
	uint32_t val; /* 0: empty */
};

struct htab {
	struct htab_slot *s;
	uint32_t mask; /* capacity - 1 (capacity is a power of two) */
	uint32_t used;
};

static inline uint32_t htab_hash(uint64_t key, uint32_t tag)
{
	uint64_t x = key ^ ((uint64_t)tag * 0xc2b2ae3d27d4eb4fULL);

	x *= 0x9e3779b97f4a7c15ULL;
	x ^= x >> 32;
	return (uint32_t)x;
}

/* The value slot of (key, tag), or NULL. */
static inline uint32_t *htab_find(const struct htab *h, uint64_t key,
				  uint32_t tag)
{
	uint32_t i;

	if (!h->s)
		return NULL;
	for (i = htab_hash(key, tag) & h->mask;; i = (i + 1) & h->mask) {
		struct htab_slot *s = &h->s[i];

		if (!s->val)
			return NULL;
		if (s->key == key && s->tag == tag)
			return &s->val;
	}
}

/*
 * Insert (key, tag), which must be absent, with value val (non-zero).
 * Returns 0, or -1 when memory ran out.
 */
int htab_insert(struct htab *h, uint64_t key, uint32_t tag, uint32_t val);
/* Remove (key, tag) if present. */
void htab_del(struct htab *h, uint64_t key, uint32_t tag);
void htab_free(struct htab *h);
/* Bytes the table holds. */
size_t htab_bytes(const struct htab *h);

#endif /* DMASCOPE_HTAB_H */
