/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * leaks.c - resources still held when their owner goes away.
 *
 * Rules:
 * - DRIVER_UNBIND / DEVICE_REMOVE (emitted after remove() and devres
 *   cleanup finished): every outstanding streaming, sg, resource, coherent,
 *   page and pool mapping of the device is `leak-at-unbind`, one finding per
 *   mapping, oldest first; then they are forgotten (a late release of one is
 *   not reported again).
 * - MODULE_UNLOAD name=X: every outstanding resource whose creating stack
 *   has a frame ending in "[X]" is `leak-at-module-unload` (then
 *   forgotten); channels requested from X's code and not released are
 *   `channel-leak` (dmaengine.c).  Only frames before an interrupt or
 *   softirq entry count: beyond it is the interrupted code, not the
 *   mapping's maker.  Without stacks these findings cannot be made.
 * - POOL_DESTROY with blocks outstanding: one `pool-leak` per block.  The
 *   kernel then keeps the busy block's pool page (a dma_alloc_coherent made
 *   inside dma_pool_alloc, the record whose range holds the block) allocated
 *   for good: that page is tied to the block's finding as its consequence,
 *   and its later leak at unbind or module unload is folded into it.
 * - A record tied to an earlier finding (its cause: a pool-leak, memory
 *   released through the wrong API, an unmap that missed it) is never a
 *   leak finding of its own: unbind, module unload and --leaks-at-exit fold
 *   it into that finding as a consequence; --leak-age skips it.
 * - --leak-age: a streaming mapping (single, sg, resource) outstanding
 *   longer than the age is `leak-suspected`, once.  Coherent, page and pool
 *   memory is long-lived by design (rings, descriptors) and not aged.
 * - At finish, what is outstanding stays listed as outstanding (statistics,
 *   dmas_engine_foreach_outstanding); with leaks_at_exit each is also a
 *   `leak-at-exit`.
 * - IOVA ranges (iova.c) leak at unbind, module unload and exit by the same
 *   rules; streaming mappings of a device whose unmaps the kernel said may
 *   be skipped are never leaks (devfacts.c).
 * Every leak finding is uncertain when events were lost since the mapping
 * was made: its release may have been among them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static const char *made_by(uint8_t kind)
{
	switch (kind) {
	case DMAS_EV_MAP:
		return "dma_map_single/page";
	case DMAS_EV_MAP_SG:
		return "dma_map_sg";
	case DMAS_EV_MAP_RESOURCE:
		return "dma_map_resource";
	case DMAS_EV_ALLOC_COHERENT:
		return "dma_alloc_coherent";
	case DMAS_EV_ALLOC_PAGES:
		return "dma_alloc_pages";
	case DMAS_EV_POOL_ALLOC:
		return "dma_pool_alloc";
	}
	return "dma call";
}

struct pool_state *pool_get(struct dmas_engine *e, uint64_t id, uint32_t dev)
{
	uint32_t *slot = htab_find(&e->pool_h, id, 0);
	struct pool_state *n, *p;

	if (slot)
		return &e->pools[*slot - 1];
	n = eng_grow(e->pools, &e->cap_pools, e->nr_pools + 1, sizeof(*n));
	if (!n)
		return NULL;
	e->pools = n;
	if (htab_insert(&e->pool_h, id, 0, (uint32_t)e->nr_pools + 1))
		return NULL;
	p = &e->pools[e->nr_pools++];
	memset(p, 0, sizeof(*p));
	p->id = id;
	p->dev = dev;
	return p;
}

void leaks_pool_create(struct dmas_engine *e, struct dev_state *d,
		       const struct dmas_event *ev)
{
	struct pool_state *p = pool_get(e, ev->aux, ev->dev);

	if (!p)
		return;
	p->dev = ev->dev;
	p->stack = ev->stack_id;
	p->block_size = ev->size;
	p->created = true;
}

/*
 * Block m leaked at dma_pool_destroy (finding f): the kernel keeps the pool
 * page holding it.  Tie that page's record to f.
 */
static void pool_page_kept(struct dmas_engine *e, const struct dmas_finding *f,
			   const struct dmas_map *m)
{
	uint32_t page = map_find_containing(e, m->dev, m->addr);
	const struct dmas_map *p;

	if (!page)
		return;
	p = map_rec(e, page);
	if (p->kind != DMAS_EV_ALLOC_COHERENT || p->caused)
		return;
	eng_set_cause(e, page, (uint32_t)f->seq + 1);
	eng_consequence(e, (uint32_t)f->seq + 1,
			"the kernel keeps its pool page 0x%" PRIx64 " (%" PRIu64
			" bytes) allocated for good",
			p->addr, p->size);
}

/* Report (and forget) the live records of device dev (0: any) that pick()
 * accepts. */
static void leak_sweep(struct dmas_engine *e, const struct dmas_event *ev,
		       enum dmas_finding_kind k, uint32_t dev,
		       bool (*pick)(struct dmas_engine *e,
				    const struct dmas_map *m, const void *arg),
		       const void *arg, const char *why)
{
	size_t n, i;
	uint32_t *idx = eng_live_sorted(e, &n);

	if (!idx) {
		e->dropped++;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct dmas_map *m = map_rec(e, idx[i]);
		struct dmas_finding *f;

		if ((dev && m->dev != dev) || !pick(e, m, arg))
			continue;
		if (facts_unmap_skippable(e, m)) {
			struct dev_state *d = eng_dev(e, m->dev);

			if (d)
				d->run.unmap_skipped++;
			eng_release(e, idx[i], ev, RECENT_LEAKED);
			continue;
		}
		if (m->caused) {
			eng_consequence(e, map_cause(e, idx[i]),
					"%s memory at 0x%" PRIx64 " %s",
					made_by(m->kind), m->addr, why);
			eng_release(e, idx[i], ev, RECENT_LEAKED);
			continue;
		}
		f = eng_report_each(e, k, ev, m, eng_spans_loss(e, m->loss_gen),
				    "%s memory outstanding %" PRIu64 " ns, %s",
				    made_by(m->kind), eng_age(ev->ts, m->ts),
				    why);
		if (f && k == DMAS_F_POOL_LEAK)
			pool_page_kept(e, f, m);
		eng_release(e, idx[i], ev, RECENT_LEAKED);
	}
	free(idx);
}

static bool pick_any(struct dmas_engine *e, const struct dmas_map *m,
		     const void *arg)
{
	return true;
}

void leaks_unbind(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	iova_unbind(e, d, ev);
	dmabuf_unbind(e, d, ev);
	if (!d->nr_live)
		return;
	leak_sweep(e, ev, DMAS_F_LEAK_UNBIND, ev->dev, pick_any, NULL,
		   ev->kind == DMAS_EV_DEVICE_REMOVE
			   ? "still held when the device was removed"
			   : "still held after the driver unbound");
}

struct mod_arg {
	const char *mod;
	int8_t *memo; /* per stack id: 0 unknown, 1 in mod, -1 not */
	size_t nr;
};

static bool pick_module(struct dmas_engine *e, const struct dmas_map *m,
			const void *arg)
{
	const struct mod_arg *a = arg;

	if (!m->stack || m->stack >= a->nr)
		return false;
	if (!a->memo[m->stack])
		a->memo[m->stack] =
			stack_in_module(e, m->stack, a->mod) ? 1 : -1;
	return a->memo[m->stack] > 0;
}

void leaks_module_unload(struct dmas_engine *e, const struct dmas_event *ev)
{
	char mod[DMAS_NAME_LEN + 1];
	struct mod_arg a;
	char why[96];

	memcpy(mod, ev->name, DMAS_NAME_LEN);
	mod[DMAS_NAME_LEN] = 0;
	if (!mod[0])
		return;
	if (e->maps.live) {
		a.mod = mod;
		a.nr = e->cap_stacks;
		a.memo = calloc(a.nr ? a.nr : 1, 1);
		if (!a.memo) {
			e->dropped++;
		} else {
			snprintf(why, sizeof(why),
				 "made by module %s, which was unloaded", mod);
			leak_sweep(e, ev, DMAS_F_LEAK_MODULE_UNLOAD, 0,
				   pick_module, &a, why);
			free(a.memo);
		}
	}
	iova_module_unload(e, ev, mod);
	dmabuf_module_unload(e, ev, mod);
	dmaeng_module_unload(e, ev, mod);
}

static bool pick_pool(struct dmas_engine *e, const struct dmas_map *m,
		      const void *arg)
{
	return m->cls == MC_POOL && m->aux == *(const uint64_t *)arg;
}

void leaks_pool_destroy(struct dmas_engine *e, struct dev_state *d,
			const struct dmas_event *ev)
{
	struct pool_state *p = pool_get(e, ev->aux, ev->dev);

	if (!p)
		return;
	if (p->outstanding)
		leak_sweep(e, ev, DMAS_F_POOL_LEAK, 0, pick_pool, &ev->aux,
			   "block still allocated at dma_pool_destroy");
	p->outstanding = 0;
	p->created = false;
}

static bool ageable(const struct dmas_map *m)
{
	return (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_SG ||
		m->kind == DMAS_EV_MAP_RESOURCE) &&
	       !map_is_alias(m);
}

void leaks_scan_age(struct dmas_engine *e, uint64_t now)
{
	uint64_t age = e->opts.leak_age_ns;
	uint32_t *idx = NULL, i;
	size_t n = 0, cap = 0;

	if (!age || !e->maps.live)
		return;
	e->now = now > e->now ? now : e->now;
	/* one pass; only the newly aged are sorted (oldest reported first) */
	for (i = 1; i < e->maps.nr; i++) {
		struct dmas_map *m = map_rec(e, i);
		uint32_t *ni;

		if (!ageable(m) || m->caused || (m->state & MS_LEAK_AGED) ||
		    eng_age(now, m->ts) < age || facts_unmap_skippable(e, m))
			continue;
		ni = eng_grow(idx, &cap, n + 1, sizeof(*idx));
		if (!ni) {
			e->dropped++;
			break;
		}
		idx = ni;
		idx[n++] = i;
	}
	if (!n)
		return;
	eng_sort_by_age(e, idx, n);
	for (i = 0; i < n; i++) {
		struct dmas_map *m = map_rec(e, idx[i]);

		m->state |= MS_LEAK_AGED;
		eng_report_each(e, DMAS_F_LEAK_SUSPECTED, NULL, m,
				eng_spans_loss(e, m->loss_gen),
				"%s mapping outstanding %" PRIu64
				" ns (leak age %" PRIu64 " ns)",
				made_by(m->kind), eng_age(now, m->ts), age);
	}
	free(idx);
}

void leaks_finish(struct dmas_engine *e, uint64_t end_ts)
{
	size_t n, i;
	uint32_t *idx;

	iova_finish(e);
	if (!e->opts.leaks_at_exit || !e->maps.live)
		return;
	idx = eng_live_sorted(e, &n);
	if (!idx) {
		e->dropped++;
		return;
	}
	for (i = 0; i < n; i++) {
		const struct dmas_map *m = map_rec(e, idx[i]);

		if (facts_unmap_skippable(e, m))
			continue;
		if (m->caused) {
			eng_consequence(e, map_cause(e, idx[i]),
					"%s memory at 0x%" PRIx64
					" still held at the end of the session",
					made_by(m->kind), m->addr);
			continue;
		}
		eng_report_each(e, DMAS_F_LEAK_AT_EXIT, NULL, m,
				eng_spans_loss(e, m->loss_gen),
				"%s memory outstanding %" PRIu64
				" ns at the end of the session",
				made_by(m->kind), eng_age(end_ts, m->ts));
	}
	free(idx);
}
