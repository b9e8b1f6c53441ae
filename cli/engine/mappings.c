/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * mappings.c - the table of outstanding mappings: pooled 56-byte records
 * chained per hash bucket.  MC_ADDR records hang off the bucket of the
 * page their dma address starts in, so the exact-address case is one
 * bucket and a short chain walk, and an address inside a mapping is found
 * by walking back page by page (bounded by the device's largest mapping).
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
	free(e->maps.heads);
	htab_free(&e->maps.cause_h);
	free(e->recent);
	free(e->churn);
}

static inline uint32_t bucket_of(const struct map_table *t, uint32_t dev,
				 enum map_class cls, uint64_t key)
{
	return htab_hash(bucket_key(cls, key), bucket_tag(dev, cls)) & t->hmask;
}

/* Does record m hang off the bucket of (dev, cls, bk)? */
static inline bool in_bucket(const struct dmas_map *m, uint32_t dev,
			     enum map_class cls, uint64_t bk)
{
	return m->dev == dev && m->cls == cls && bucket_key(cls, m->addr) == bk;
}

/*
 * Double the buckets once there are more records than buckets.  Each chain
 * splits in two, in order, so records of one key stay newest first.
 */
static __attribute__((noinline, cold)) int heads_grow(struct map_table *t)
{
	uint32_t nb = t->heads ? (t->hmask + 1) * 2 : 1024, b;
	uint32_t *nh;

	if (!nb || nb > (1u << 31))
		return -1;
	nh = calloc(nb, sizeof(*nh));
	if (!nh)
		return -1;
	for (b = 0; t->heads && b <= t->hmask; b++) {
		uint32_t lo = 0, hi = 0, i = t->heads[b];

		while (i) {
			struct dmas_map *m = tab_rec(t, i);
			uint32_t next = m->next;
			uint32_t nbk = htab_hash(bucket_key(m->cls, m->addr),
						 bucket_tag(m->dev, m->cls)) &
				       (nb - 1);
			uint32_t *tail = nbk == b ? &lo : &hi;

			m->next = 0;
			if (*tail)
				tab_rec(t, *tail)->next = i;
			else
				nh[nbk] = i;
			*tail = i;
			i = next;
		}
	}
	free(t->heads);
	t->heads = nh;
	t->hmask = nb - 1;
	return 0;
}

static void rec_free(struct map_table *t, uint32_t idx)
{
	struct dmas_map *m = tab_rec(t, idx);

	m->kind = 0;
	m->next = t->free;
	t->free = idx;
}

/* A record past the high water mark, adding a chunk when one is full. */
static __attribute__((noinline)) uint32_t rec_fresh(struct map_table *t)
{
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
		c = malloc((size_t)MAP_CHUNK * sizeof(*c));
		if (!c)
			return 0;
		t->chunks[t->nr_chunks++] = c;
	}
	return t->nr++;
}

static inline uint32_t rec_alloc(struct map_table *t)
{
	uint32_t idx = t->free;

	if (!idx)
		return rec_fresh(t);
	t->free = tab_rec(t, idx)->next;
	return idx;
}

uint32_t map_new(struct dmas_engine *e, const struct dmas_event *ev,
		 enum map_class cls, uint64_t key)
{
	struct map_table *t = &e->maps;
	uint32_t idx, b;
	struct dmas_map *m;

	if (t->live >= (uint64_t)t->hmask + 1 || !t->heads)
		if (heads_grow(t) && !t->heads)
			return 0;
	idx = rec_alloc(t);
	if (!idx)
		return 0;
	m = tab_rec(t, idx);
	b = bucket_of(t, ev->dev, cls, key);
	/* one store of the whole record: the packed fields go in together */
	*m = (struct dmas_map){
		.addr = key,
		.size = ev->size,
		.ts = ev->ts,
		.next = t->heads[b],
		.pid = ev->pid,
		.loss_gen = e->loss_gen,
		/* ids above the limit never come from a reader: no stack */
		.stack = ev->stack_id <= DMAS_STACK_ID_MAX ? ev->stack_id
							   : DMAS_STACK_NONE,
		.cls = cls,
		.state = OWN_DEVICE,
		.dev = (uint16_t)ev->dev,
		.kind = ev->kind,
		.dir = ev->dir,
	};
	t->heads[b] = idx;
	t->live++;
	return idx;
}

void map_set_cause(struct dmas_engine *e, uint32_t idx, uint32_t cause)
{
	struct dmas_map *m = map_rec(e, idx);

	if (htab_insert(&e->maps.cause_h, idx, 0, cause)) {
		e->dropped++;
		return;
	}
	m->caused = 1;
}

void map_release(struct dmas_engine *e, uint32_t idx)
{
	struct map_table *t = &e->maps;
	struct dmas_map *m = tab_rec(t, idx);
	uint32_t *link = &t->heads[bucket_of(t, m->dev, m->cls, m->addr)];

	while (*link && *link != idx)
		link = &tab_rec(t, *link)->next;
	if (*link)
		*link = m->next;
	if (m->caused)
		htab_del(&t->cause_h, idx, 0);
	rec_free(t, idx);
	t->live--;
}

uint32_t map_find(struct dmas_engine *e, uint32_t dev, enum map_class cls,
		  uint64_t key, uint64_t size, int dir)
{
	struct map_table *t = &e->maps;
	uint32_t i, first = 0;

	if (!t->heads)
		return 0;
	for (i = t->heads[bucket_of(t, dev, cls, key)]; i;
	     i = tab_rec(t, i)->next) {
		const struct dmas_map *m = tab_rec(t, i);

		if (m->addr != key || m->dev != dev || m->cls != cls)
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
	uint32_t i;

	if (!t->heads)
		return 0;
	for (i = t->heads[bucket_of(t, dev, MC_ADDR, addr)]; i;
	     i = tab_rec(t, i)->next) {
		const struct dmas_map *m = tab_rec(t, i);

		if (m->addr == addr && m->dev == dev && map_is_alias(m) &&
		    m->aux == sg)
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

	if (!d || !t->heads)
		return 0;
	/* a small mapping holding addr starts at most max_size - 1 below it */
	span = d->max_size ? d->max_size - 1 : 0;
	low = addr >= span ? (addr - span) >> DMAS_PAGE_SHIFT : 0;
	for (;;) {
		uint32_t i = t->heads[htab_hash(page, tag) & t->hmask],
			 best = 0;

		for (; i; i = tab_rec(t, i)->next) {
			const struct dmas_map *m = tab_rec(t, i);

			if (!in_bucket(m, dev, MC_ADDR, page))
				continue;
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
