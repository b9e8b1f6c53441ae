// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * cma.c - contiguous memory (CMA): which device holds how much of it, its
 * allocations' latency and failures, from the cma:* tracepoints.
 *
 * Rules:
 * - The tracepoints name no device.  A CMA allocation belongs to the
 *   dma_alloc_coherent/dma_alloc_pages call it was made for: the
 *   allocation event of the same task that follows it (within CLAIM_NS)
 *   with the same page-rounded size and, when both succeeded, the same
 *   physical address.  An event that names its device is taken as it is.
 *   Allocations no such call claims (huge pages, other kernel users)
 *   count in the session's totals only.
 * - Latency: cma_alloc_start to cma_alloc_finish of the same task and page
 *   count, failed allocations too (a failure after minutes of migration
 *   retries is the stall a driver developer looks for).
 * - Held bytes: from a finish until the cma_release of its first page;
 *   a release of memory allocated before tracing began is counted only.
 * - `cma-alloc-failed` (warning): a failed CMA allocation claimed by a
 *   device's dma_alloc_* call: the kernel fell back to the page allocator
 *   (or the call failed, which the detail says).  One finding per device
 *   and call site; repeats fold.  A failure no device claimed is counted,
 *   never a finding.
 * - `cma-alloc-slow` (warning): with a budget (--cma-budget), a successful
 *   CMA allocation claimed by a device whose start to finish exceeds it.
 *   One finding per device and call site; later ones count in its
 *   repeats, and its detail names the slowest.  A failed one is cma-alloc-failed alone (its detail gives the
 *   time).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define CMA_PENDING 64 /* starts and finishes waiting for their partner */
#define CLAIM_NS 5000000000ull /* a finish waits this long for its call */
#define PAGE_BYTES (1ull << DMAS_PAGE_SHIFT)

struct cma_start {
	uint64_t ts;
	uint64_t pages;
	uint32_t pid;
	bool used;
};

/* A finished allocation waiting for the dma_alloc_* call that made it. */
struct cma_wait {
	uint64_t ts; /* finish */
	uint64_t start_ts; /* 0: start not seen */
	uint64_t bytes;
	uint64_t phys;
	uint64_t lat; /* start to finish, valid with start_ts */
	int64_t err;
	uint32_t pid;
	uint32_t held; /* its held record + 1, 0: failed or not kept */
	bool failed;
	bool used;
};

struct cma_held {
	uint64_t phys;
	uint64_t bytes;
	uint32_t dev; /* 0: no device claimed it (yet) */
	bool used;
};

struct cma_state {
	struct dmas_cma_stats pub;
	struct cma_start starts[CMA_PENDING];
	struct cma_wait waits[CMA_PENDING];
	unsigned next_start, next_wait;
	struct cma_held *held;
	size_t nr_held, cap_held;
	struct htab held_h; /* phys -> held index + 1 */
	struct lat_hist *lat; /* every allocation's latency */
	/* cma-alloc-slow: (call site, device) -> slow index + 1 */
	struct htab slow_h;
	struct cma_slow {
		size_t finding;
		uint64_t worst; /* the slowest allocation's latency */
	} * slow;
	size_t nr_slow, cap_slow;
};

static struct cma_state *cma_get(struct dmas_engine *e)
{
	if (!e->cma) {
		e->cma = calloc(1, sizeof(*e->cma));
		if (e->cma)
			e->cma->lat = lat_hist_new(1);
		if (e->cma && !e->cma->lat) {
			free(e->cma);
			e->cma = NULL;
		}
	}
	return e->cma;
}

static void on_start(struct cma_state *c, const struct dmas_event *ev)
{
	struct cma_start *s = &c->starts[c->next_start++ % CMA_PENDING];

	*s = (struct cma_start){
		.ts = ev->ts, .pages = ev->count, .pid = ev->pid, .used = true};
}

/* The newest start of this task and page count; 0 when none. */
static uint64_t take_start(struct cma_state *c, const struct dmas_event *ev)
{
	struct cma_start *best = NULL;

	for (unsigned i = 0; i < CMA_PENDING; i++) {
		struct cma_start *s = &c->starts[i];

		if (s->used && s->pid == ev->pid && s->pages == ev->count &&
		    s->ts <= ev->ts && (!best || s->ts > best->ts))
			best = s;
	}
	if (!best)
		return 0;
	best->used = false;
	return best->ts;
}

static void release_bytes(struct dmas_engine *e, struct cma_state *c,
			  struct cma_held *h, uint64_t bytes)
{
	struct dev_state *d = h->dev ? eng_dev(e, h->dev) : NULL;

	if (bytes > h->bytes)
		bytes = h->bytes;
	c->pub.bytes -= bytes;
	if (d)
		d->run.cma_bytes -=
			bytes < d->run.cma_bytes ? bytes : d->run.cma_bytes;
	else
		c->pub.no_device_bytes -= bytes;
	h->bytes -= bytes;
}

/*
 * Held record idx (+ 1) loses bytes from its start (all of them: it is
 * gone); a finish still waiting for its call no longer holds it.
 */
static void unhold(struct dmas_engine *e, struct cma_state *c, uint32_t idx,
		   uint64_t bytes)
{
	struct cma_held *h = &c->held[idx - 1];
	uint64_t phys = h->phys;

	htab_del(&c->held_h, phys, 0);
	release_bytes(e, c, h, bytes);
	for (unsigned i = 0; i < CMA_PENDING; i++)
		if (c->waits[i].used && c->waits[i].held == idx)
			c->waits[i].held = 0;
	/* a partial release: the rest stays, keyed by its new first page */
	if (h->bytes && !htab_insert(&c->held_h, phys + bytes, 0, idx)) {
		h->phys = phys + bytes;
		return;
	}
	release_bytes(e, c, h, h->bytes);
	h->used = false;
}

static uint32_t hold(struct dmas_engine *e, struct cma_state *c, uint64_t phys,
		     uint64_t bytes)
{
	struct cma_held *h = NULL;
	uint32_t *old = htab_find(&c->held_h, phys, 0);
	size_t i;

	/* the same first page again: the old record's release was lost */
	if (old)
		unhold(e, c, *old, UINT64_MAX);
	for (i = 0; i < c->nr_held; i++)
		if (!c->held[i].used) {
			h = &c->held[i];
			break;
		}
	if (!h) {
		struct cma_held *n = eng_grow(c->held, &c->cap_held,
					      c->nr_held + 1, sizeof(*n));

		if (!n) {
			e->dropped++;
			return 0;
		}
		c->held = n;
		h = &c->held[c->nr_held++];
	}
	i = (size_t)(h - c->held);
	if (htab_insert(&c->held_h, phys, 0, (uint32_t)i + 1)) {
		e->dropped++;
		return 0;
	}
	*h = (struct cma_held){.phys = phys, .bytes = bytes, .used = true};
	c->pub.bytes += bytes;
	c->pub.no_device_bytes += bytes;
	if (c->pub.bytes > c->pub.peak)
		c->pub.peak = c->pub.bytes;
	return (uint32_t)i + 1;
}

static void on_finish(struct dmas_engine *e, struct cma_state *c,
		      const struct dmas_event *ev)
{
	struct cma_wait *w = &c->waits[c->next_wait++ % CMA_PENDING];
	bool failed = (ev->flags & DMAS_F_ERROR) || !ev->phys;
	uint64_t start = take_start(c, ev);

	if (w->used) { /* never claimed, now forgotten */
		c->pub.no_device++;
		c->pub.no_device_failures += w->failed;
	}
	*w = (struct cma_wait){
		.ts = ev->ts,
		.start_ts = start,
		.bytes = ev->size ? ev->size : ev->count * PAGE_BYTES,
		.phys = ev->phys,
		.lat = start ? eng_age(ev->ts, start) : 0,
		.err = (int64_t)ev->aux,
		.pid = ev->pid,
		.failed = failed,
		.used = true,
	};
	c->pub.allocs++;
	if (start)
		lat_hist_add(c->lat, w->lat);
	if (failed) {
		c->pub.failures++;
	} else {
		c->pub.alloc_bytes += w->bytes;
		w->held = hold(e, c, ev->phys, w->bytes);
	}
}

static void on_release(struct dmas_engine *e, struct cma_state *c,
		       const struct dmas_event *ev)
{
	uint64_t bytes = ev->size ? ev->size : ev->count * PAGE_BYTES;
	uint32_t *slot = htab_find(&c->held_h, ev->phys, 0);

	c->pub.releases++;
	if (!slot) {
		c->pub.preexisting++;
		return;
	}
	unhold(e, c, *slot, bytes);
}

void cma_event(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct cma_state *c = cma_get(e);

	if (!c) {
		e->dropped++;
		return;
	}
	switch (ev->kind) {
	case DMAS_EV_CMA_ALLOC_START:
		on_start(c, ev);
		break;
	case DMAS_EV_CMA_ALLOC_FINISH:
		on_finish(e, c, ev);
		/* a source that knows the device: claimed at once */
		if (ev->dev != DMAS_DEV_NONE) {
			struct dev_state *d = eng_dev(e, ev->dev);
			struct dmas_event a = *ev;

			a.kind = DMAS_EV_ALLOC_COHERENT;
			a.flags &= (uint8_t)~DMAS_F_ERROR;
			if (d && d->included)
				cma_dev_alloc(e, d, &a);
		}
		break;
	case DMAS_EV_CMA_RELEASE:
		on_release(e, c, ev);
		break;
	default:
		break;
	}
}

/* The record a CMA finding is about: the claiming call's, sized as CMA. */
static struct dmas_map claimed_map(const struct dev_state *d,
				   const struct dmas_event *ev,
				   const struct cma_wait *w)
{
	return (struct dmas_map){
		.addr = ev->addr,
		.size = w->bytes,
		.ts = w->start_ts ? w->start_ts : w->ts,
		.pid = ev->pid,
		.stack = ev->stack_id,
		.dev = (uint16_t)d->pub.id,
		.kind = ev->kind,
		.dir = ev->dir,
	};
}

static void failed_finding(struct dmas_engine *e, struct dev_state *d,
			   const struct dmas_event *ev,
			   const struct cma_wait *w)
{
	struct dmas_map m = claimed_map(d, ev, w);
	char err[32] = "", dur[32], lat[48] = "";

	if (w->err < 0)
		snprintf(err, sizeof(err), " (error %" PRId64 ")", w->err);
	if (w->start_ts)
		snprintf(lat, sizeof(lat), " after %s",
			 dmas_fmt_duration(w->lat, dur, sizeof(dur)));
	eng_report(e, DMAS_F_CMA_ALLOC_FAILED, ev, &m, false,
		   "CMA allocation of %" PRIu64 " bytes failed%s%s; %s",
		   w->bytes, err, lat,
		   (ev->flags & DMAS_F_ERROR)
			   ? "the allocation failed"
			   : "the kernel fell back to the page allocator");
}

static void slow_detail(struct dmas_engine *e, char *buf, size_t len,
			uint64_t bytes, uint64_t ns)
{
	char took[32], budget[32];

	snprintf(buf, len,
		 "CMA allocation of %" PRIu64
		 " bytes took %s, over the %s budget",
		 bytes, dmas_fmt_duration(ns, took, sizeof(took)),
		 dmas_fmt_duration(e->opts.cma_budget_ns, budget,
				   sizeof(budget)));
}

/* One finding per (call site, device): later ones are its repeats, and
 * its detail names the slowest. */
static void slow_finding(struct dmas_engine *e, struct cma_state *c,
			 struct dev_state *d, const struct dmas_event *ev,
			 const struct cma_wait *w)
{
	struct dmas_map m = claimed_map(d, ev, w);
	uint32_t site = eng_stack_site(e, ev->stack_id);
	uint32_t *slot = htab_find(&c->slow_h, site, d->pub.id);
	struct cma_slow *sl, *n;
	struct dmas_finding *f;
	char detail[160];

	if (slot) {
		sl = &c->slow[*slot - 1];
		dmas_engine_finding_repeat(e, sl->finding);
		if (w->lat > sl->worst) {
			sl->worst = w->lat;
			f = &e->findings[sl->finding];
			slow_detail(e, f->detail, sizeof(f->detail), w->bytes,
				    w->lat);
		}
		return;
	}
	n = eng_grow(c->slow, &c->cap_slow, c->nr_slow + 1, sizeof(*n));
	if (!n) {
		e->dropped++;
		return;
	}
	c->slow = n;
	slow_detail(e, detail, sizeof(detail), w->bytes, w->lat);
	f = eng_report(e, DMAS_F_CMA_ALLOC_SLOW, ev, &m, false, "%s", detail);
	if (!f)
		return;
	sl = &c->slow[c->nr_slow];
	*sl = (struct cma_slow){.finding = e->last_finding, .worst = w->lat};
	if (htab_insert(&c->slow_h, site, d->pub.id, (uint32_t)++c->nr_slow))
		e->dropped++;
}

void cma_dev_alloc(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev)
{
	struct cma_state *c = e->cma;
	uint64_t want = (ev->size + PAGE_BYTES - 1) & ~(PAGE_BYTES - 1);
	bool call_failed = ev->flags & DMAS_F_ERROR;
	struct cma_wait *w = NULL;

	if (!c)
		return;
	for (unsigned i = 0; i < CMA_PENDING; i++) {
		struct cma_wait *x = &c->waits[i];

		if (!x->used || x->pid != ev->pid || x->bytes != want ||
		    eng_age(ev->ts, x->ts) > CLAIM_NS)
			continue;
		/* a successful CMA allocation is the call's own memory */
		if (!x->failed && (call_failed || !x->held ||
				   (ev->phys && ev->phys != x->phys)))
			continue;
		if (!w || x->ts > w->ts)
			w = x;
	}
	if (!w)
		return;
	w->used = false;
	if (w->start_ts) {
		if (!d->cma_lat)
			d->cma_lat = lat_hist_new(1);
		if (d->cma_lat)
			lat_hist_add(d->cma_lat, w->lat);
		else
			e->dropped++;
	}
	d->run.cma_allocs++;
	if (w->failed) {
		d->run.cma_failures++;
		failed_finding(e, d, ev, w);
		return;
	}
	d->run.cma_alloc_bytes += w->bytes;
	if (e->opts.cma_budget_ns && w->start_ts &&
	    w->lat > e->opts.cma_budget_ns)
		slow_finding(e, c, d, ev, w);
	if (w->held) {
		struct cma_held *h = &c->held[w->held - 1];

		h->dev = d->pub.id;
		c->pub.no_device_bytes -= h->bytes;
		d->run.cma_bytes += h->bytes;
		if (d->run.cma_bytes > d->run.cma_peak)
			d->run.cma_peak = d->run.cma_bytes;
	}
}

void dmas_engine_cma_stats(const struct dmas_engine *e,
			   struct dmas_cma_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!e->cma)
		return;
	*out = e->cma->pub;
	/* finishes still waiting for a call belong to no device so far */
	for (unsigned i = 0; i < CMA_PENDING; i++) {
		const struct cma_wait *w = &e->cma->waits[i];

		if (!w->used)
			continue;
		out->no_device++;
		if (w->failed)
			out->no_device_failures++;
	}
}

void dmas_engine_cma_latency(const struct dmas_engine *e, uint32_t id,
			     struct dmas_lat_summary *out)
{
	const struct dev_state *d;

	if (!id) {
		lat_hist_summary(e->cma ? e->cma->lat : NULL, out);
		return;
	}
	d = id < e->cap_dev_idx && e->dev_idx[id] ? &e->devs[e->dev_idx[id] - 1]
						  : NULL;
	lat_hist_summary(d && d->included ? d->cma_lat : NULL, out);
}

void cma_free(struct dmas_engine *e)
{
	if (!e->cma)
		return;
	free(e->cma->held);
	htab_free(&e->cma->held_h);
	free(e->cma->slow);
	htab_free(&e->cma->slow_h);
	free(e->cma->lat);
	free(e->cma);
	e->cma = NULL;
}

size_t cma_mem_bytes(const struct dmas_engine *e)
{
	if (!e->cma)
		return 0;
	return sizeof(*e->cma) + e->cma->cap_held * sizeof(struct cma_held) +
	       htab_bytes(&e->cma->held_h) + lat_hist_bytes() +
	       e->cma->cap_slow * sizeof(struct cma_slow) +
	       htab_bytes(&e->cma->slow_h);
}
