/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * htab.c - growth and deletion for the engine's open-addressing table
 * (lookups are inline in htab.h).
 */
#include <stddef.h>
#include <stdlib.h>

#include "engine/htab.h"

static int htab_grow(struct htab *h)
{
	uint32_t ncap = h->s ? (h->mask + 1) * 2 : 1024, i;
	struct htab_slot *ns = calloc(ncap, sizeof(*ns));

	if (!ns)
		return -1;
	if (h->s) {
		for (i = 0; i <= h->mask; i++) {
			struct htab_slot *o = &h->s[i];
			uint32_t j;

			if (!o->val)
				continue;
			j = htab_hash(o->key, o->tag) & (ncap - 1);
			while (ns[j].val)
				j = (j + 1) & (ncap - 1);
			ns[j] = *o;
		}
		free(h->s);
	}
	h->s = ns;
	h->mask = ncap - 1;
	return 0;
}

int htab_insert(struct htab *h, uint64_t key, uint32_t tag, uint32_t val)
{
	uint32_t i;

	/* keep the load under 70%: probe chains stay a line or two */
	if (!h->s || (uint64_t)(h->used + 1) * 10 > (uint64_t)(h->mask + 1) * 7)
		if (htab_grow(h))
			return -1;
	for (i = htab_hash(key, tag) & h->mask; h->s[i].val;
	     i = (i + 1) & h->mask)
		;
	h->s[i].key = key;
	h->s[i].tag = tag;
	h->s[i].val = val;
	h->used++;
	return 0;
}

void htab_del(struct htab *h, uint64_t key, uint32_t tag)
{
	uint32_t *v = htab_find(h, key, tag);
	uint32_t i, j;

	if (!v)
		return;
	i = (uint32_t)((struct htab_slot *)((char *)v -
					    offsetof(struct htab_slot, val)) -
		       h->s);
	/* shift later members of the chain back so no tombstone is needed */
	for (j = i;;) {
		uint32_t home;

		j = (j + 1) & h->mask;
		if (!h->s[j].val)
			break;
		home = htab_hash(h->s[j].key, h->s[j].tag) & h->mask;
		/*
		 * may s[j] move to i?  only if home is not cyclically in (i, j]
		 */
		if (((j > i) && (home <= i || home > j)) ||
		    ((j < i) && (home <= i && home > j))) {
			h->s[i] = h->s[j];
			i = j;
		}
	}
	h->s[i].val = 0;
	h->used--;
}

void htab_free(struct htab *h)
{
	free(h->s);
	h->s = NULL;
	h->mask = 0;
	h->used = 0;
}

size_t htab_bytes(const struct htab *h)
{
	return h->s ? (size_t)(h->mask + 1) * sizeof(struct htab_slot) : 0;
}
