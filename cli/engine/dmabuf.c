/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmabuf.c - dma-buf sharing and dma_fence: exported buffers (exporter
 * device, size), their attachments per importing device, the attachments
 * mapped now, and fences (context, seqno) until they are signalled.
 *
 * Rules:
 * - dmabuf-leak: a buffer still exported when the module whose code
 *   exported it (the export stack) is unloaded; with leaks_at_exit, a
 *   buffer still exported at the end.  One finding per buffer.
 * - dmabuf-map-leak: an attachment still mapped at dma_buf_detach, at the
 *   buffer's release, when its importing device's driver unbinds or the
 *   device goes away, when the module whose code mapped it is unloaded, or
 *   (leaks_at_exit) at the end.  One finding per attachment.
 * - fence-never-signalled: a fence not signalled fence_timeout_ns after
 *   its init (reported once, while it is still pending); a fence destroyed
 *   unsignalled after it was emitted or waited on (one never emitted nor
 *   waited on is a driver's error path dropping an unused fence: counted
 *   only); a fence still pending when the module whose code made it is
 *   unloaded; with leaks_at_exit, any fence still pending at the end.
 * - A fence is known by its context and seqno (the dma_fence:* tracepoints
 *   carry no pointer); buffers and attachments by their kernel pointers.
 * - Releases, detaches, unmaps and signals of what was never seen made are
 *   from before tracing: counted (dmas_dmabuf_stats.preexisting), no
 *   finding.
 * Findings are uncertain when events were lost since the object was made.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

/* Default fence timeout: the DRM scheduler's usual job timeout. */
#define FENCE_TIMEOUT_NS 10000000000ULL

/*
 * The three object kinds share one record shape and one allocator: a
 * kernel pointer as key, who made it, and a few kind specific fields.
 */
struct dbo {
	uint64_t key; /* dma_buf or attachment pointer; fence: seqno */
	uint64_t ptr; /* the kernel pointer (fence: 0 where unknown) */
	uint64_t ts;
	uint64_t size; /* buffer: bytes; attachment: mapped bytes */
	uint64_t ctx, seqno; /* fence */
	uint64_t buf; /* attachment: its dma_buf */
	uint64_t map_ts; /* attachment: when it was last mapped */
	uint32_t dev; /* exporter / importer; fence: 0 */
	uint32_t stack, map_stack, pid, loss_gen;
	uint32_t mapped; /* attachment: maps not yet unmapped */
	uint32_t prev, next; /* fence: pending list (index + 1), oldest first */
	uint32_t next_free;
	uint32_t tag; /* fence: its context's low 32 bits */
	uint8_t dir;
	bool used;
	bool emitted, waited, timed_out; /* fence */
};

struct dbo_set {
	struct dbo *r;
	size_t nr, cap;
	uint32_t free; /* index + 1 */
	uint64_t live;
	struct htab h; /* key -> index + 1 */
};

enum { SET_BUF = 0, SET_ATT, SET_FENCE, NR_SETS };

struct dmabuf_state {
	struct dbo_set set[NR_SETS];
	uint32_t fhead, ftail; /* pending fences not yet timed out */
	struct dmas_dmabuf_stats st;
};

static struct dmabuf_state *state(struct dmas_engine *e)
{
	if (!e->dmabuf)
		e->dmabuf = calloc(1, sizeof(*e->dmabuf));
	return e->dmabuf;
}

/*
 * Buffers and attachments are keyed by their kernel pointer (tag 0), a
 * fence by its context (tag) and seqno (key): what every source has, the
 * dma_fence:* tracepoints carrying no pointer.
 */
static struct dbo *dbo_find(struct dmas_engine *e, int set, uint64_t key,
			    uint32_t tag)
{
	struct dbo_set *s;
	uint32_t *slot;

	if (!e->dmabuf || (!key && set != SET_FENCE))
		return NULL;
	s = &e->dmabuf->set[set];
	slot = htab_find(&s->h, key, tag);
	return slot ? &s->r[*slot - 1] : NULL;
}

static struct dbo *dbo_new(struct dmas_engine *e, int set,
			   const struct dmas_event *ev, uint64_t key,
			   uint32_t tag)
{
	struct dmabuf_state *st = state(e);
	struct dbo_set *s;
	struct dbo *o;
	uint32_t i;

	if (!st) {
		e->dropped++;
		return NULL;
	}
	s = &st->set[set];
	if (s->free) {
		i = s->free - 1;
		s->free = s->r[i].next_free;
	} else {
		o = eng_grow(s->r, &s->cap, s->nr + 1, sizeof(*o));
		if (!o) {
			e->dropped++;
			return NULL;
		}
		s->r = o;
		i = (uint32_t)s->nr++;
	}
	if (htab_insert(&s->h, key, tag, i + 1)) {
		s->r[i].next_free = s->free;
		s->free = i + 1;
		e->dropped++;
		return NULL;
	}
	o = &s->r[i];
	memset(o, 0, sizeof(*o));
	o->key = key;
	o->ptr = key;
	o->tag = tag;
	o->used = true;
	o->ts = ev->ts;
	o->dev = ev->dev;
	o->stack = ev->stack_id;
	o->pid = ev->pid;
	o->loss_gen = e->loss_gen;
	s->live++;
	return o;
}

static uint32_t dbo_index(struct dmas_engine *e, int set, const struct dbo *o)
{
	return (uint32_t)(o - e->dmabuf->set[set].r) + 1;
}

static struct dbo *fence_at(struct dmas_engine *e, uint32_t i)
{
	return i ? &e->dmabuf->set[SET_FENCE].r[i - 1] : NULL;
}

/* Take fence o off the pending list (signalled, gone or timed out). */
static void fence_unlink(struct dmas_engine *e, struct dbo *o)
{
	struct dmabuf_state *st = e->dmabuf;
	uint32_t i = dbo_index(e, SET_FENCE, o);

	if (!o->prev && st->fhead != i)
		return; /* not on the list */
	if (o->prev)
		fence_at(e, o->prev)->next = o->next;
	else
		st->fhead = o->next;
	if (o->next)
		fence_at(e, o->next)->prev = o->prev;
	else
		st->ftail = o->prev;
	o->prev = o->next = 0;
}

static void dbo_free(struct dmas_engine *e, int set, struct dbo *o)
{
	struct dbo_set *s = &e->dmabuf->set[set];
	uint32_t i = dbo_index(e, set, o);

	if (set == SET_FENCE)
		fence_unlink(e, o);
	htab_del(&s->h, o->key, o->tag);
	memset(o, 0, sizeof(*o));
	o->next_free = s->free;
	s->free = i;
	s->live--;
}

/* The object as a mapping record, for findings. */
static void as_map(const struct dbo *o, uint8_t kind, struct dmas_map *m)
{
	memset(m, 0, sizeof(*m));
	m->addr = o->ptr;
	m->size = o->size;
	m->ts = o->ts;
	m->dev = (uint16_t)o->dev;
	m->stack = o->stack;
	m->pid = o->pid;
	m->loss_gen = o->loss_gen;
	m->kind = kind;
	m->dir = kind == DMAS_EV_DMABUF_MAP ? o->dir : DMAS_DIR_NONE;
	m->cls = MC_ADDR;
}

static void preexisting(struct dmas_engine *e)
{
	if (state(e))
		e->dmabuf->st.preexisting++;
	else
		e->dropped++;
}

/* ---- buffers ---- */

static void buf_gone(struct dmas_engine *e, struct dbo *b)
{
	struct dev_state *d = eng_dev(e, b->dev);

	if (d) {
		d->run.dmabuf_live--;
		d->run.dmabuf_live_bytes -= b->size;
	}
	e->dmabuf->st.live--;
	e->dmabuf->st.live_bytes -= b->size;
	dbo_free(e, SET_BUF, b);
}

static void on_export(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev)
{
	struct dbo *b = dbo_find(e, SET_BUF, ev->aux, 0);

	if (ev->flags & DMAS_F_ERROR) {
		if (state(e))
			e->dmabuf->st.export_errors++;
		return;
	}
	/* the address came back: its old buffer's release was not seen */
	if (b)
		buf_gone(e, b);
	b = dbo_new(e, SET_BUF, ev, ev->aux, 0);
	if (!b)
		return;
	b->size = ev->size;
	e->dmabuf->st.exports++;
	e->dmabuf->st.exported_bytes += ev->size;
	e->dmabuf->st.live++;
	e->dmabuf->st.live_bytes += ev->size;
	if (d) {
		d->run.dmabuf_exports++;
		d->run.dmabuf_exported_bytes += ev->size;
		d->run.dmabuf_live++;
		d->run.dmabuf_live_bytes += ev->size;
	} else {
		e->dmabuf->st.no_exporter++;
	}
}

/* ---- attachments ---- */

static void att_unmapped(struct dmas_engine *e, struct dbo *a)
{
	struct dev_state *d = eng_dev(e, a->dev);

	if (a->mapped && d)
		d->run.dmabuf_mapped--;
	if (a->mapped)
		e->dmabuf->st.mapped--;
	a->mapped = 0;
}

/* Attachment a goes away (why: where) while mapped: a map leak. */
static void att_leak(struct dmas_engine *e, struct dbo *a,
		     const struct dmas_event *ev, const char *why)
{
	struct dmas_map m;
	uint64_t now = ev ? ev->ts : e->now;

	as_map(a, DMAS_EV_DMABUF_MAP, &m);
	m.ts = a->map_ts;
	m.stack = a->map_stack ? a->map_stack : a->stack;
	eng_report_each(e, DMAS_F_DMABUF_MAP_LEAK, ev, &m,
			eng_spans_loss(e, a->loss_gen),
			"attachment 0x%" PRIx64 " of dma-buf 0x%" PRIx64
			" mapped %" PRIu64 " ns (%u map(s) outstanding), %s",
			a->key, a->buf, eng_age(now, a->map_ts), a->mapped,
			why);
	att_unmapped(e, a);
}

static void att_gone(struct dmas_engine *e, struct dbo *a)
{
	struct dev_state *d = eng_dev(e, a->dev);

	att_unmapped(e, a);
	if (d)
		d->run.dmabuf_attached--;
	e->dmabuf->st.attached--;
	dbo_free(e, SET_ATT, a);
}

static void on_attach(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev)
{
	struct dbo *a = dbo_find(e, SET_ATT, ev->addr, 0);

	if (ev->flags & DMAS_F_ERROR)
		return;
	if (a)
		att_gone(e, a);
	a = dbo_new(e, SET_ATT, ev, ev->addr, 0);
	if (!a)
		return;
	a->buf = ev->aux;
	e->dmabuf->st.attaches++;
	e->dmabuf->st.attached++;
	if (d) {
		d->run.dmabuf_attaches++;
		d->run.dmabuf_attached++;
	}
}

static void on_detach(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct dbo *a = dbo_find(e, SET_ATT, ev->addr, 0);

	if (!a) {
		preexisting(e);
		return;
	}
	if (a->mapped)
		att_leak(e, a, ev, "still mapped at dma_buf_detach");
	att_gone(e, a);
}

static void on_map(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev)
{
	struct dbo *a = dbo_find(e, SET_ATT, ev->addr, 0);

	if (ev->flags & DMAS_F_ERROR) {
		if (state(e))
			e->dmabuf->st.map_errors++;
		return;
	}
	if (!a) {
		/* attached before tracing: track the mapping from here */
		a = dbo_new(e, SET_ATT, ev, ev->addr, 0);
		if (!a)
			return;
		a->buf = ev->aux;
		e->dmabuf->st.attached++;
		if (d)
			d->run.dmabuf_attached++;
	}
	if (!a->mapped) {
		a->map_ts = ev->ts;
		a->map_stack = ev->stack_id;
		a->loss_gen = e->loss_gen;
		a->size = ev->size;
		a->dir = ev->dir;
		e->dmabuf->st.mapped++;
		if (d)
			d->run.dmabuf_mapped++;
	}
	a->mapped++;
	e->dmabuf->st.maps++;
	if (d)
		d->run.dmabuf_maps++;
}

static void on_unmap(struct dmas_engine *e, struct dev_state *d,
		     const struct dmas_event *ev)
{
	struct dbo *a = dbo_find(e, SET_ATT, ev->addr, 0);

	if (!a || !a->mapped) {
		preexisting(e);
		return;
	}
	if (--a->mapped)
		return;
	e->dmabuf->st.mapped--;
	if (d)
		d->run.dmabuf_mapped--;
}

static void on_release(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct dbo *b = dbo_find(e, SET_BUF, ev->aux, 0);
	struct dbo_set *s;

	/* attachments left on it go with it */
	if (e->dmabuf) {
		s = &e->dmabuf->set[SET_ATT];
		for (size_t i = 0; s->live && i < s->nr; i++) {
			struct dbo *a = &s->r[i];

			if (!a->used || a->buf != ev->aux)
				continue;
			if (a->mapped)
				att_leak(
					e, a, ev,
					"still mapped when the dma-buf was released");
			att_gone(e, a);
		}
	}
	if (!b) {
		preexisting(e);
		return;
	}
	e->dmabuf->st.releases++;
	buf_gone(e, b);
}

/* ---- fences ---- */

static void fence_report(struct dmas_engine *e, struct dbo *f,
			 const struct dmas_event *ev, const char *why)
{
	struct dmas_map m;
	uint64_t now = ev ? ev->ts : e->now;

	as_map(f, DMAS_EV_FENCE_INIT, &m);
	eng_report_each(e, DMAS_F_FENCE_NEVER_SIGNALLED, ev, &m,
			eng_spans_loss(e, f->loss_gen),
			"fence (context %" PRIu64 ", seqno %" PRIu64
			"%s%s) unsignalled %" PRIu64 " ns after its init, %s",
			f->ctx, f->seqno, f->emitted ? ", emitted" : "",
			f->waited ? ", waited on" : "", eng_age(now, f->ts),
			why);
	f->timed_out = true;
	fence_unlink(e, f);
}

static void fence_done(struct dmas_engine *e, struct dbo *f)
{
	e->dmabuf->st.fences_pending--;
	dbo_free(e, SET_FENCE, f);
}

static void on_fence(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct dmabuf_state *st = state(e);
	struct dbo *f = dbo_find(e, SET_FENCE, ev->phys, (uint32_t)ev->addr);
	uint32_t i;

	if (!st) {
		e->dropped++;
		return;
	}
	switch (ev->kind) {
	case DMAS_EV_FENCE_INIT:
		/* the memory came back: its old fence's destroy was not seen */
		if (f)
			fence_done(e, f);
		f = dbo_new(e, SET_FENCE, ev, ev->phys, (uint32_t)ev->addr);
		if (!f)
			return;
		f->ptr = ev->aux;
		f->ctx = ev->addr;
		f->seqno = ev->phys;
		st->st.fences++;
		st->st.fences_pending++;
		i = dbo_index(e, SET_FENCE, f);
		f->prev = st->ftail;
		if (st->ftail)
			fence_at(e, st->ftail)->next = i;
		else
			st->fhead = i;
		st->ftail = i;
		return;
	case DMAS_EV_FENCE_WAIT_START:
		st->st.fence_waits++;
		break;
	default:
		break;
	}
	if (!f) {
		/* a destroy after the signal finds nothing either */
		if (ev->kind == DMAS_EV_FENCE_SIGNALED)
			preexisting(e);
		return;
	}
	switch (ev->kind) {
	case DMAS_EV_FENCE_EMIT:
		f->emitted = true;
		break;
	case DMAS_EV_FENCE_WAIT_START:
		f->waited = true;
		break;
	case DMAS_EV_FENCE_SIGNALED:
		st->st.fences_signalled++;
		fence_done(e, f);
		break;
	case DMAS_EV_FENCE_DESTROY:
		if (f->timed_out) {
			/* reported already */
		} else if (f->emitted || f->waited) {
			fence_report(e, f, ev,
				     "destroyed without being signalled");
		} else {
			st->st.fences_dropped++;
		}
		fence_done(e, f);
		break;
	default:
		break;
	}
}

void dmabuf_event(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	switch (ev->kind) {
	case DMAS_EV_DMABUF_EXPORT:
		on_export(e, d, ev);
		break;
	case DMAS_EV_DMABUF_RELEASE:
		on_release(e, ev);
		break;
	case DMAS_EV_DMABUF_ATTACH:
		on_attach(e, d, ev);
		break;
	case DMAS_EV_DMABUF_DETACH:
		on_detach(e, ev);
		break;
	case DMAS_EV_DMABUF_MAP:
		on_map(e, d, ev);
		break;
	case DMAS_EV_DMABUF_UNMAP:
		on_unmap(e, d, ev);
		break;
	default:
		on_fence(e, ev);
		break;
	}
}

static uint64_t fence_timeout(const struct dmas_engine *e)
{
	return e->opts.fence_timeout_ns ? e->opts.fence_timeout_ns
					: FENCE_TIMEOUT_NS;
}

void dmabuf_scan(struct dmas_engine *e, uint64_t now)
{
	uint64_t to = fence_timeout(e);
	struct dbo *f;

	if (!e->dmabuf)
		return;
	/* oldest first: stop at the first one still inside its time */
	while ((f = fence_at(e, e->dmabuf->fhead)) &&
	       eng_age(now, f->ts) >= to) {
		char why[64];

		snprintf(why, sizeof(why),
			 "past the fence timeout of %" PRIu64 " ms",
			 to / 1000000);
		fence_report(e, f, NULL, why);
	}
}

/* Attachments mapped by device dev (0: any) whose map stack pick()s. */
static void sweep_maps(struct dmas_engine *e, const struct dmas_event *ev,
		       uint32_t dev, const char *mod, const char *why)
{
	struct dbo_set *s = &e->dmabuf->set[SET_ATT];

	for (size_t i = 0; i < s->nr; i++) {
		struct dbo *a = &s->r[i];
		uint32_t stk = a->map_stack ? a->map_stack : a->stack;

		if (!a->used || !a->mapped || (dev && a->dev != dev) ||
		    (mod && !(stk && stack_in_module(e, stk, mod))))
			continue;
		att_leak(e, a, ev, why);
	}
}

void dmabuf_unbind(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev)
{
	if (!e->dmabuf)
		return;
	(void)d;
	sweep_maps(
		e, ev, ev->dev, NULL,
		ev->kind == DMAS_EV_DEVICE_REMOVE
			? "still mapped when the importing device was removed"
			: "still mapped after the importing driver unbound");
}

void dmabuf_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			  const char *mod)
{
	struct dbo_set *s;
	char why[96];

	if (!e->dmabuf)
		return;
	snprintf(why, sizeof(why), "mapped by module %s, which was unloaded",
		 mod);
	sweep_maps(e, ev, 0, mod, why);
	s = &e->dmabuf->set[SET_BUF];
	for (size_t i = 0; i < s->nr; i++) {
		struct dbo *b = &s->r[i];
		struct dmas_map m;

		if (!b->used || !b->stack || !stack_in_module(e, b->stack, mod))
			continue;
		as_map(b, DMAS_EV_DMABUF_EXPORT, &m);
		eng_report_each(e, DMAS_F_DMABUF_LEAK, ev, &m,
				eng_spans_loss(e, b->loss_gen),
				"dma-buf 0x%" PRIx64 " of %" PRIu64
				" bytes exported %" PRIu64
				" ns earlier by module %s, which was unloaded",
				b->key, b->size, eng_age(ev->ts, b->ts), mod);
		buf_gone(e, b);
	}
	s = &e->dmabuf->set[SET_FENCE];
	snprintf(why, sizeof(why), "made by module %s, which was unloaded",
		 mod);
	for (size_t i = 0; i < s->nr; i++) {
		struct dbo *f = &s->r[i];

		if (!f->used || f->timed_out || !f->stack ||
		    !stack_in_module(e, f->stack, mod))
			continue;
		fence_report(e, f, ev, why);
	}
}

void dmabuf_finish(struct dmas_engine *e, uint64_t end_ts)
{
	struct dbo_set *s;

	if (!e->dmabuf)
		return;
	dmabuf_scan(e, end_ts);
	if (!e->opts.leaks_at_exit)
		return;
	sweep_maps(e, NULL, 0, NULL, "at the end of the session");
	s = &e->dmabuf->set[SET_BUF];
	for (size_t i = 0; i < s->nr; i++) {
		struct dbo *b = &s->r[i];
		struct dmas_map m;

		if (!b->used)
			continue;
		as_map(b, DMAS_EV_DMABUF_EXPORT, &m);
		eng_report_each(
			e, DMAS_F_DMABUF_LEAK, NULL, &m,
			eng_spans_loss(e, b->loss_gen),
			"dma-buf 0x%" PRIx64 " of %" PRIu64
			" bytes still exported %" PRIu64
			" ns after its export, at the end of the session",
			b->key, b->size, eng_age(end_ts, b->ts));
	}
	s = &e->dmabuf->set[SET_FENCE];
	for (size_t i = 0; i < s->nr; i++) {
		struct dbo *f = &s->r[i];

		if (f->used && !f->timed_out)
			fence_report(e, f, NULL, "at the end of the session");
	}
}

void dmas_engine_dmabuf_stats(const struct dmas_engine *e,
			      struct dmas_dmabuf_stats *out)
{
	if (e->dmabuf)
		*out = e->dmabuf->st;
	else
		memset(out, 0, sizeof(*out));
}

void dmabuf_free(struct dmas_engine *e)
{
	if (!e->dmabuf)
		return;
	for (int i = 0; i < NR_SETS; i++) {
		free(e->dmabuf->set[i].r);
		htab_free(&e->dmabuf->set[i].h);
	}
	free(e->dmabuf);
	e->dmabuf = NULL;
}

size_t dmabuf_mem_bytes(const struct dmas_engine *e)
{
	size_t n;

	if (!e->dmabuf)
		return 0;
	n = sizeof(*e->dmabuf);
	for (int i = 0; i < NR_SETS; i++)
		n += e->dmabuf->set[i].cap * sizeof(struct dbo) +
		     htab_bytes(&e->dmabuf->set[i].h);
	return n;
}
