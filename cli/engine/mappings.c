/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mappings.c - the table of outstanding mappings: pooled 64-byte records
 * chained per hash bucket.  MC_ADDR records hang off the bucket of the
 * page their dma address starts in, so the exact-address case is one probe
 * and a short list walk, and an address inside a mapping is found by
 * walking back page by page (bounded by the device's largest mapping).
 * Also the small direct-mapped cache of recent releases that tells a
 * double unmap from an address that was never mapped.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static inline uint64_t bucket_key(enum map_class cls, uint64_t key)
{
	return cls == MC_ADDR ? key >> DMAS_PAGE_SHIFT : key;
}

static inline uint32_t bucket_tag(uint32_t dev, enum map_class cls)
{
	return dev << 2 | cls;
}

int maps_init(struct dmas_engine *e)
{
	e->maps.nr = 1; /* index 0 means "none" */
	e->recent = calloc(RECENT_SLOTS, sizeof(*e->recent));
	e->churn = calloc(CHURN_SLOTS, sizeof(*e->churn));
	return e->recent && e->churn ? 0 : -1;
}

void maps_free(struct dmas_engine *e)
{
	uint32_t i;

	for (i = 0; i < e->maps.nr_chunks; i++)
		free(e->maps.chunks[i]);
	free(e->maps.chunks);
	htab_free(&e->maps.h);
	free(e->recent);
	free(e->churn);
}

static uint32_t rec_alloc(struct map_table *t)
{
	uint32_t idx;

	if (t->free) {
		idx = t->free;
		t->free = tab_rec(t, idx)->next;
		return idx;
	}
	if (t->nr >= (uint64_t)t->nr_chunks << MAP_CHUNK_SHIFT) {
		struct dmas_map *c;

		if (t->nr_chunks == t->cap_chunks) {
			uint32_t ncap = t->cap_chunks ? t->cap_chunks * 2 : 16;
			struct dmas_map **n;

			if (ncap > (UINT32_MAX >> MAP_CHUNK_SHIFT))
				return 0;
			n = realloc(t->chunks, (size_t)ncap * sizeof(*n));
			if (!n)
				return 0;
			t->chunks = n;
			t->cap_chunks = ncap;
		}
		/* records on cache-line boundaries: a lookup touches one line
		 */
		c = aligned_alloc(64, (size_t)MAP_CHUNK * sizeof(*c));
		if (!c)
			return 0;
		t->chunks[t->nr_chunks++] = c;
	}
	return t->nr++;
}

uint32_t map_new(struct dmas_engine *e, const struct dmas_event *ev,
		 enum map_class cls, uint64_t key)
{
	struct map_table *t = &e->maps;
	uint64_t bk = bucket_key(cls, key);
	uint32_t tag = bucket_tag(ev->dev, cls);
	uint32_t idx = rec_alloc(t), *head;
	struct dmas_map *m;

	if (!idx)
		return 0;
	m = tab_rec(t, idx);
	m->addr = key;
	m->size = ev->size;
	m->ts = ev->ts;
	m->aux = 0;
	m->dev = ev->dev;
	m->stack = ev->stack_id;
	m->pid = ev->pid;
	m->loss_gen = e->loss_gen;
	m->nents = 0;
	m->mapped = 0;
	m->kind = ev->kind;
	m->dir = ev->dir;
	m->state = OWN_DEVICE;
	m->cls = cls;
	m->cause = 0;
	head = htab_find(&t->h, bk, tag);
	if (head) {
		m->next = *head;
		*head = idx;
	} else {
		m->next = 0;
		if (htab_insert(&t->h, bk, tag, idx)) {
			m->kind = 0;
			m->next = t->free;
			t->free = idx;
			return 0;
		}
	}
	t->live++;
	return idx;
}

void map_release(struct dmas_engine *e, uint32_t idx)
{
	struct map_table *t = &e->maps;
	struct dmas_map *m = tab_rec(t, idx);
	enum map_class cls = m->cls;
	uint64_t bk = bucket_key(cls, m->addr);
	uint32_t tag = bucket_tag(m->dev, cls);
	uint32_t *head = htab_find(&t->h, bk, tag), *link;

	if (head && *head == idx) {
		/* a zero value would read as an empty slot: delete instead */
		if (m->next)
			*head = m->next;
		else
			htab_del(&t->h, bk, tag);
	} else if (head) {
		for (link = &tab_rec(t, *head)->next; *link && *link != idx;
		     link = &tab_rec(t, *link)->next)
			;
		if (*link)
			*link = m->next;
	}
	m->kind = 0;
	m->next = t->free;
	t->free = idx;
	t->live--;
}

uint32_t map_find(struct dmas_engine *e, uint32_t dev, enum map_class cls,
		  uint64_t key, uint64_t size, int dir)
{
	struct map_table *t = &e->maps;
	uint32_t *head =
		htab_find(&t->h, bucket_key(cls, key), bucket_tag(dev, cls));
	uint32_t i, first = 0;

	if (!head)
		return 0;
	for (i = *head; i; i = tab_rec(t, i)->next) {
		const struct dmas_map *m = tab_rec(t, i);

		if (m->addr != key)
			continue;
		if ((!size || m->size == size) && (dir < 0 || m->dir == dir))
			return i;
		if (!first)
			first = i;
	}
	return first;
}

uint32_t map_find_alias(struct dmas_engine *e, uint32_t dev, uint64_t addr,
			uint64_t sg)
{
	struct map_table *t = &e->maps;
	uint32_t *head = htab_find(&t->h, bucket_key(MC_ADDR, addr),
				   bucket_tag(dev, MC_ADDR));
	uint32_t i;

	for (i = head ? *head : 0; i; i = tab_rec(t, i)->next) {
		const struct dmas_map *m = tab_rec(t, i);

		if (m->addr == addr && map_is_alias(m) && m->aux == sg)
			return i;
	}
	return 0;
}

uint32_t map_find_containing(struct dmas_engine *e, uint32_t dev, uint64_t addr)
{
	struct map_table *t = &e->maps;
	struct dev_state *d = eng_dev(e, dev);
	uint64_t page = addr >> DMAS_PAGE_SHIFT, low, span;
	uint32_t tag = bucket_tag(dev, MC_ADDR);

	if (!d)
		return 0;
	/* a small mapping holding addr starts at most max_size - 1 below it */
	span = d->max_size ? d->max_size - 1 : 0;
	low = addr >= span ? (addr - span) >> DMAS_PAGE_SHIFT : 0;
	for (;;) {
		uint32_t *head = htab_find(&t->h, page, tag), i, best = 0;

		for (i = head ? *head : 0; i; i = tab_rec(t, i)->next) {
			const struct dmas_map *m = tab_rec(t, i);

			if (m->addr == addr)
				return i;
			if (addr > m->addr && addr - m->addr < m->size && !best)
				best = i;
		}
		if (best)
			return best;
		if (page == low)
			break;
		page--;
	}
	for (size_t k = 0; k < d->nr_large; k++) {
		const struct dmas_map *m = tab_rec(t, d->large[k]);

		if (addr >= m->addr && addr - m->addr < m->size)
			return d->large[k];
	}
	return 0;
}

int map_note_range(struct dmas_engine *e, struct dev_state *d, uint32_t idx)
{
	uint64_t size = map_rec(e, idx)->size;
	uint32_t *n;

	if (size <= MAP_LARGE) {
		if (size > d->max_size)
			d->max_size = size;
		return 0;
	}
	n = eng_grow(d->large, &d->cap_large, d->nr_large + 1, sizeof(*n));
	if (!n)
		return -1;
	d->large = n;
	d->large[d->nr_large++] = idx;
	return 0;
}

void map_forget_range(struct dmas_engine *e, struct dev_state *d, uint32_t idx)
{
	size_t k;

	if (map_rec(e, idx)->size <= MAP_LARGE)
		return;
	for (k = 0; k < d->nr_large; k++)
		if (d->large[k] == idx) {
			d->large[k] = d->large[--d->nr_large];
			return;
		}
}

static inline uint32_t recent_slot(uint32_t dev, enum map_class cls,
				   uint64_t addr)
{
	return htab_hash(addr, bucket_tag(dev, cls)) & (RECENT_SLOTS - 1);
}

void recent_note(struct dmas_engine *e, const struct dmas_map *m,
		 const struct dmas_event *ev, uint8_t flags)
{
	struct recent *r = &e->recent[recent_slot(m->dev, m->cls, m->addr)];

	r->addr = m->addr;
	r->dev = m->dev;
	r->cls = m->cls;
	r->ts = ev ? ev->ts : e->now;
	r->stack = ev ? ev->stack_id : 0;
	r->flags = flags;
	r->kind = m->kind;
	r->loss_gen = e->loss_gen;
}

const struct recent *recent_find(struct dmas_engine *e, uint32_t dev,
				 enum map_class cls, uint64_t addr)
{
	const struct recent *r = &e->recent[recent_slot(dev, cls, addr)];

	if (r->dev == dev && r->cls == cls && r->addr == addr)
		return r;
	return NULL;
}
