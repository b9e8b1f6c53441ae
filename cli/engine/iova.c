/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iova.c - the IOVA API of 6.16+ (dma_iova_try_alloc, _link, _sync,
 * _unlink, _destroy, _free; nvme-pci maps its data this way under an
 * IOMMU): one record per allocated range, keyed by the driver's struct
 * dma_iova_state and the device, holding the physical ranges linked into
 * it.  These calls fire no dma:* tracepoint; the events come from hooks on
 * the exported functions.
 *
 * Rules:
 * - A link is a mapping: it counts in the device's statistics as a map of
 *   its size and direction, its unlink as an unmap, and its physical
 *   memory is placed for the NUMA rules as a dma_map_* buffer is.
 * - iova-misuse: a link outside the allocation ([0, size) from the range's
 *   dma address) or over bytes already linked; an unlink, or the part of
 *   dma_iova_destroy's mapped_len, covering bytes never linked or cutting
 *   a link in two; a sync outside the allocation; dma_iova_free with links
 *   outstanding, or dma_iova_destroy leaving links beyond mapped_len (both
 *   leave IOMMU translations behind); a link, sync, unlink, destroy or
 *   free of a range that is not allocated (pre-existing and lost-event
 *   rules as for unmaps: misuse.c); dma_iova_try_alloc on a state whose
 *   range was never freed (the old range is lost).
 * - Leaks: a range still allocated when its device unbinds or goes away
 *   is leak-at-unbind; one whose allocation stack is in a module that is
 *   unloaded is leak-at-module-unload; with leaks_at_exit, one left at the
 *   end is leak-at-exit.  One finding per range, saying how many bytes
 *   were still linked.
 * - A failed dma_iova_try_alloc (the driver falls back to dma_map_*) or
 *   link is no bug and leaves no state.
 * Findings are uncertain when events were lost since the range was made.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

struct iova_link {
	uint64_t off; /* from the range's dma address */
	uint64_t size;
	uint64_t phys;
	uint64_t ts;
	uint32_t stack;
	uint8_t dir;
};

struct iova_range {
	uint64_t state; /* the driver's dma_iova_state: the key; 0: free */
	uint64_t addr; /* dma address of offset 0 */
	uint64_t size;
	uint64_t ts;
	uint64_t linked; /* bytes linked now */
	uint32_t dev, stack, pid, loss_gen;
	struct iova_link *links; /* sorted by offset */
	size_t nr_links, cap_links;
	uint32_t next_free;
};

struct iova_table {
	struct iova_range *r; /* index + 1 in the hash */
	size_t nr, cap;
	uint32_t free; /* free list head, index + 1 */
	uint64_t live;
	uint64_t links; /* links of all ranges */
	struct htab h; /* (state, dev) -> index + 1 */
};

static struct iova_table *table(struct dmas_engine *e)
{
	if (!e->iova)
		e->iova = calloc(1, sizeof(*e->iova));
	return e->iova;
}

static struct iova_range *range_find(struct dmas_engine *e, uint64_t state,
				     uint32_t dev)
{
	uint32_t *slot;

	if (!e->iova)
		return NULL;
	slot = htab_find(&e->iova->h, state, dev);
	return slot ? &e->iova->r[*slot - 1] : NULL;
}

/* The range as a mapping record, for findings and the NUMA rules. */
static void range_as_map(const struct iova_range *r, struct dmas_map *m)
{
	memset(m, 0, sizeof(*m));
	m->addr = r->addr;
	m->size = r->size;
	m->ts = r->ts;
	m->dev = r->dev;
	m->stack = r->stack;
	m->pid = r->pid;
	m->loss_gen = r->loss_gen;
	m->kind = DMAS_EV_IOVA_ALLOC;
	m->dir = DMAS_DIR_NONE;
	m->cls = MC_ADDR;
}

static void link_as_map(const struct iova_range *r, const struct iova_link *l,
			struct dmas_map *m)
{
	range_as_map(r, m);
	m->addr = r->addr + l->off;
	m->size = l->size;
	m->ts = l->ts;
	m->stack = l->stack;
	m->dir = l->dir;
	m->aux = l->phys;
	m->kind = DMAS_EV_IOVA_LINK;
}

/* Link i leaves the range (unlinked, or the range is gone). */
static void link_drop(struct dmas_engine *e, struct iova_range *r, size_t i)
{
	struct dev_state *d = eng_dev(e, r->dev);
	struct dmas_map m;

	link_as_map(r, &r->links[i], &m);
	if (d)
		stats_unmap(e, d, &m);
	r->linked -= r->links[i].size;
	e->iova->links--;
	memmove(&r->links[i], &r->links[i + 1],
		(r->nr_links - i - 1) * sizeof(r->links[0]));
	r->nr_links--;
}

static void range_free(struct dmas_engine *e, struct iova_range *r)
{
	struct iova_table *t = e->iova;

	while (r->nr_links)
		link_drop(e, r, r->nr_links - 1);
	htab_del(&t->h, r->state, r->dev);
	free(r->links);
	memset(r, 0, sizeof(*r));
	r->next_free = t->free;
	t->free = (uint32_t)(r - t->r) + 1;
	t->live--;
}

static void misuse(struct dmas_engine *e, const struct dmas_event *ev,
		   const struct iova_range *r, const char *what, uint64_t bytes,
		   uint64_t off)
{
	struct dmas_map m;

	range_as_map(r, &m);
	eng_report(e, DMAS_F_IOVA_MISUSE, ev, &m,
		   eng_spans_loss(e, r->loss_gen),
		   "%s: %" PRIu64 " bytes at +%" PRIu64 " of a %" PRIu64
		   "-byte IOVA range",
		   what, bytes, off, r->size);
}

static const char *call_name(uint8_t kind)
{
	switch (kind) {
	case DMAS_EV_IOVA_LINK:
		return "dma_iova_link";
	case DMAS_EV_IOVA_SYNC:
		return "dma_iova_sync";
	case DMAS_EV_IOVA_UNLINK:
		return "dma_iova_unlink";
	case DMAS_EV_IOVA_DESTROY:
		return "dma_iova_destroy";
	case DMAS_EV_IOVA_FREE:
		return "dma_iova_free";
	}
	return "dma_iova_try_alloc";
}

/* A call on a state with no range: pre-existing, or a finding. */
static void not_allocated(struct dmas_engine *e, struct dev_state *d,
			  const struct dmas_event *ev)
{
	if (eng_preexisting(e, d)) {
		d->run.preexisting++;
		return;
	}
	eng_report(e, DMAS_F_IOVA_MISUSE, ev, NULL, e->loss_gen != 0,
		   "%s of an IOVA range that is not allocated (state 0x%" PRIx64
		   ")",
		   call_name(ev->kind), (uint64_t)ev->aux);
}

static void on_alloc(struct dmas_engine *e, struct dev_state *d,
		     const struct dmas_event *ev)
{
	struct iova_table *t = table(e);
	struct iova_range *old = range_find(e, ev->aux, ev->dev), *r;
	uint32_t i;

	if (ev->flags & DMAS_F_ERROR)
		return;
	if (old) {
		misuse(e, ev, old,
		       "dma_iova_try_alloc on a state whose range was never freed (that range is lost)",
		       old->size, 0);
		range_free(e, old);
	}
	if (!t) {
		e->dropped++;
		return;
	}
	if (t->free) {
		i = t->free - 1;
		t->free = t->r[i].next_free;
	} else {
		struct iova_range *n =
			eng_grow(t->r, &t->cap, t->nr + 1, sizeof(*n));

		if (!n) {
			e->dropped++;
			return;
		}
		t->r = n;
		i = (uint32_t)t->nr++;
	}
	if (htab_insert(&t->h, ev->aux, ev->dev, i + 1)) {
		t->r[i].next_free = t->free;
		t->free = i + 1;
		e->dropped++;
		return;
	}
	r = &t->r[i];
	memset(r, 0, sizeof(*r));
	r->state = ev->aux;
	r->addr = ev->addr;
	r->size = ev->size;
	r->ts = ev->ts;
	r->dev = ev->dev;
	r->stack = ev->stack_id;
	r->pid = ev->pid;
	r->loss_gen = e->loss_gen;
	t->live++;
	d->run.iova_ranges++;
}

/* Offset of ev's address in r, or false when it lies before the range. */
static bool offset_in(const struct iova_range *r, const struct dmas_event *ev,
		      uint64_t *off)
{
	if (ev->addr < r->addr)
		return false;
	*off = ev->addr - r->addr;
	return true;
}

static bool inside(const struct iova_range *r, uint64_t off, uint64_t size)
{
	return size <= r->size && off <= r->size - size;
}

static void on_link(struct dmas_engine *e, struct dev_state *d,
		    struct iova_range *r, const struct dmas_event *ev)
{
	struct iova_link *l;
	struct dmas_map m;
	uint64_t off;
	size_t i;

	if (ev->flags & DMAS_F_ERROR)
		return;
	if (!offset_in(r, ev, &off) || !inside(r, off, ev->size)) {
		misuse(e, ev, r, "dma_iova_link outside the allocation",
		       ev->size, ev->addr - r->addr);
		return;
	}
	for (i = 0; i < r->nr_links && r->links[i].off < off + ev->size; i++) {
		if (r->links[i].off + r->links[i].size > off) {
			misuse(e, ev, r,
			       "dma_iova_link over bytes already linked",
			       ev->size, off);
			return;
		}
	}
	l = eng_grow(r->links, &r->cap_links, r->nr_links + 1, sizeof(*l));
	if (!l) {
		e->dropped++;
		return;
	}
	r->links = l;
	/* i: the first link after the new one */
	memmove(&l[i + 1], &l[i], (r->nr_links - i) * sizeof(*l));
	l[i] = (struct iova_link){.off = off,
				  .size = ev->size,
				  .phys = ev->phys,
				  .ts = ev->ts,
				  .stack = ev->stack_id ? ev->stack_id
							: r->stack,
				  .dir = ev->dir};
	r->nr_links++;
	r->linked += ev->size;
	e->iova->links++;
	link_as_map(r, &l[i], &m);
	stats_map(e, d, &m);
	numa_map(e, d, ev, &m);
}

/*
 * Unlink [off, off + size): the links inside it go; bytes in it that no
 * link covers, or a link it cuts, are misuse.
 */
static void unlink_span(struct dmas_engine *e, struct iova_range *r,
			const struct dmas_event *ev, uint64_t off,
			uint64_t size, const char *call)
{
	uint64_t end = off + size, covered = 0;
	char what[96];
	size_t i = 0;

	while (i < r->nr_links) {
		const struct iova_link *l = &r->links[i];

		if (l->off + l->size <= off) {
			i++;
			continue;
		}
		if (l->off >= end)
			break;
		if (l->off < off || l->off + l->size > end) {
			snprintf(what, sizeof(what),
				 "%s cuts the %" PRIu64
				 "-byte link at +%" PRIu64,
				 call, l->size, l->off);
			misuse(e, ev, r, what, size, off);
			return;
		}
		covered += l->size;
		link_drop(e, r, i);
	}
	if (covered < size) {
		snprintf(what, sizeof(what),
			 "%s of bytes never linked (%" PRIu64 " of them)", call,
			 size - covered);
		misuse(e, ev, r, what, size, off);
	}
}

void iova_event(struct dmas_engine *e, struct dev_state *d,
		const struct dmas_event *ev)
{
	struct iova_range *r;
	uint64_t off;

	if (ev->kind == DMAS_EV_IOVA_ALLOC) {
		on_alloc(e, d, ev);
		return;
	}
	r = range_find(e, ev->aux, ev->dev);
	if (!r) {
		if (!(ev->flags & DMAS_F_ERROR))
			not_allocated(e, d, ev);
		return;
	}
	switch (ev->kind) {
	case DMAS_EV_IOVA_LINK:
		on_link(e, d, r, ev);
		break;
	case DMAS_EV_IOVA_SYNC:
		if (!offset_in(r, ev, &off) || !inside(r, off, ev->size))
			misuse(e, ev, r, "dma_iova_sync outside the allocation",
			       ev->size, ev->addr - r->addr);
		break;
	case DMAS_EV_IOVA_UNLINK:
		if (!offset_in(r, ev, &off) || !inside(r, off, ev->size)) {
			misuse(e, ev, r,
			       "dma_iova_unlink outside the allocation",
			       ev->size, ev->addr - r->addr);
			break;
		}
		unlink_span(e, r, ev, off, ev->size, "dma_iova_unlink");
		break;
	case DMAS_EV_IOVA_DESTROY:
		if (ev->size > r->size) {
			misuse(e, ev, r,
			       "dma_iova_destroy with mapped_len past the allocation",
			       ev->size, 0);
		} else if (ev->size) {
			unlink_span(e, r, ev, 0, ev->size, "dma_iova_destroy");
		}
		if (r->nr_links)
			misuse(e, ev, r,
			       "dma_iova_destroy left links outstanding past mapped_len",
			       r->linked, r->links[0].off);
		range_free(e, r);
		break;
	case DMAS_EV_IOVA_FREE:
		if (r->nr_links)
			misuse(e, ev, r, "dma_iova_free with links outstanding",
			       r->linked, r->links[0].off);
		range_free(e, r);
		break;
	}
}

/* Report (and forget) the device's (dev 0: any) ranges pick() accepts. */
static void sweep(struct dmas_engine *e, const struct dmas_event *ev,
		  enum dmas_finding_kind k, uint32_t dev,
		  bool (*pick)(struct dmas_engine *e,
			       const struct iova_range *r, const void *arg),
		  const void *arg, const char *why)
{
	struct iova_table *t = e->iova;
	uint64_t now = ev ? ev->ts : e->now;
	size_t i;

	if (!t || !t->live)
		return;
	/* ranges in the order made, as leak_sweep reports oldest first */
	for (;;) {
		struct iova_range *oldest = NULL;
		struct dmas_map m;

		for (i = 0; i < t->nr; i++) {
			struct iova_range *r = &t->r[i];

			if (!r->state || (dev && r->dev != dev) ||
			    (pick && !pick(e, r, arg)))
				continue;
			if (!oldest || r->ts < oldest->ts)
				oldest = r;
		}
		if (!oldest)
			return;
		range_as_map(oldest, &m);
		eng_report_each(e, k, ev, &m,
				eng_spans_loss(e, oldest->loss_gen),
				"dma_iova_try_alloc range outstanding %" PRIu64
				" ns with %zu links (%" PRIu64
				" bytes) still linked, %s",
				eng_age(now, oldest->ts), oldest->nr_links,
				oldest->linked, why);
		range_free(e, oldest);
	}
}

void iova_unbind(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev)
{
	sweep(e, ev, DMAS_F_LEAK_UNBIND, ev->dev, NULL, NULL,
	      ev->kind == DMAS_EV_DEVICE_REMOVE
		      ? "still held when the device was removed"
		      : "still held after the driver unbound");
}

static bool pick_module(struct dmas_engine *e, const struct iova_range *r,
			const void *arg)
{
	return r->stack && stack_in_module(e, r->stack, arg);
}

void iova_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			const char *mod)
{
	char why[96];

	snprintf(why, sizeof(why), "made by module %s, which was unloaded",
		 mod);
	sweep(e, ev, DMAS_F_LEAK_MODULE_UNLOAD, 0, pick_module, mod, why);
}

void iova_finish(struct dmas_engine *e)
{
	if (e->opts.leaks_at_exit)
		sweep(e, NULL, DMAS_F_LEAK_AT_EXIT, 0, NULL, NULL,
		      "at the end of the session");
}

uint64_t iova_nr_links(const struct dmas_engine *e)
{
	return e->iova ? e->iova->links : 0;
}

static int cmp_info_age(const void *a, const void *b)
{
	const struct dmas_mapping_info *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

size_t iova_links_info(const struct dmas_engine *e,
		       struct dmas_mapping_info *out)
{
	const struct iova_table *t = e->iova;
	size_t n = 0;

	if (!t)
		return 0;
	for (size_t i = 0; i < t->nr; i++) {
		const struct iova_range *r = &t->r[i];

		for (size_t j = 0; r->state && j < r->nr_links; j++) {
			const struct iova_link *l = &r->links[j];

			out[n++] = (struct dmas_mapping_info){
				.dev = r->dev,
				.kind = DMAS_EV_IOVA_LINK,
				.dir = l->dir,
				.addr = r->addr + l->off,
				.size = l->size,
				.ts = l->ts,
				.stack = l->stack,
				.pid = r->pid,
			};
		}
	}
	qsort(out, n, sizeof(*out), cmp_info_age);
	return n;
}

void iova_free_all(struct dmas_engine *e)
{
	struct iova_table *t = e->iova;

	if (!t)
		return;
	for (size_t i = 0; i < t->nr; i++)
		free(t->r[i].links);
	free(t->r);
	htab_free(&t->h);
	free(t);
	e->iova = NULL;
}

size_t iova_mem_bytes(const struct dmas_engine *e)
{
	const struct iova_table *t = e->iova;
	size_t n;

	if (!t)
		return 0;
	n = sizeof(*t) + t->cap * sizeof(t->r[0]) + htab_bytes(&t->h);
	for (size_t i = 0; i < t->nr; i++)
		n += t->r[i].cap_links * sizeof(struct iova_link);
	return n;
}
