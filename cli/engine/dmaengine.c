/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmaengine.c - dmaengine channels and descriptors: lifecycles, hand-offs
 * of mapped buffers to the device, and the dmaengine findings.
 *
 * Descriptors are matched by (channel, cookie).  A DESC_PREP that carries
 * no cookie yet (the kernel assigns it at submit) is queued on its channel
 * and the next DESC_SUBMIT whose cookie is unknown takes the oldest such
 * prep (drivers prep and submit in order).  A submitted descriptor whose
 * target address (phys: the dma address) lies inside a streaming mapping of
 * the provider device hands that buffer to the device (ownership.c); its
 * completion tells the state machine the device had the buffer.
 *
 * Rules:
 * - `desc-never-issued`: a descriptor submitted with no ISSUE_PENDING on its
 *   channel by the channel's release, a terminate, or xfer_timeout later;
 *   at finish, every one still pending (uncertain if it was submitted less
 *   than 1 ms before the end: the issue may simply not have come yet).
 * - `xfer-timeout`: issued and not completed within xfer_timeout (default
 *   5 s); at finish only those older than the timeout.
 * - `xfer-error`: XFER_ERROR, one per failed transfer (folded like every
 *   per-event finding).
 * - `terminate-in-flight`: one per TERMINATE that found issued, uncompleted
 *   transfers; the count is in the detail.  A transfer already reported as
 *   `xfer-timeout` does not count: terminating it is what that finding's
 *   fix says to do, so the terminate is folded into the timeout finding as
 *   its consequence.
 * - `channel-leak`: at MODULE_UNLOAD X, each channel requested from X's code
 *   (request stack) and not released.
 * - `xfer-over-budget`: latency.c, from each completion.
 * Findings are uncertain when events were lost since the descriptor was
 * submitted (or the channel requested).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define LATE_SUBMIT_NS 1000000ULL

static struct chan_state *chan_get(struct dmas_engine *e,
				   const struct dmas_event *ev)
{
	uint32_t *slot = htab_find(&e->chan_h, ev->aux, 0);
	struct chan_state *n, *c;

	if (slot)
		return &e->chans[*slot - 1];
	n = eng_grow(e->chans, &e->cap_chans, e->nr_chans + 1, sizeof(*n));
	if (!n)
		return NULL;
	e->chans = n;
	if (htab_insert(&e->chan_h, ev->aux, 0, (uint32_t)e->nr_chans + 1))
		return NULL;
	c = &e->chans[e->nr_chans++];
	memset(c, 0, sizeof(*c));
	c->pub.id = ev->aux;
	c->pub.provider = ev->dev;
	c->loss_gen = e->loss_gen;
	return c;
}

static inline uint32_t chan_no(struct dmas_engine *e, struct chan_state *c)
{
	return (uint32_t)(c - e->chans) + 1;
}

static uint32_t desc_alloc(struct dmas_engine *e)
{
	uint32_t idx;

	if (e->free_desc) {
		idx = e->free_desc;
		e->free_desc = e->descs[idx].next;
	} else {
		size_t cap = e->cap_descs;
		struct desc_state_rec *n;

		if (!e->nr_descs)
			e->nr_descs = 1;
		n = eng_grow(e->descs, &cap, (size_t)e->nr_descs + 1,
			     sizeof(*n));
		if (!n)
			return 0;
		e->descs = n;
		e->cap_descs = (uint32_t)cap;
		idx = e->nr_descs++;
	}
	memset(&e->descs[idx], 0, sizeof(e->descs[idx]));
	return idx;
}

static uint32_t desc_new(struct dmas_engine *e, struct chan_state *c)
{
	uint32_t idx = desc_alloc(e);
	struct desc_state_rec *ds;

	if (!idx) {
		e->dropped++;
		return 0;
	}
	ds = &e->descs[idx];
	ds->chan = chan_no(e, c);
	ds->prev = c->tail;
	if (c->tail)
		e->descs[c->tail].next = idx;
	else
		c->head = idx;
	c->tail = idx;
	return idx;
}

static void desc_key(struct dmas_engine *e, uint32_t idx, uint64_t cookie)
{
	struct desc_state_rec *ds = &e->descs[idx];
	uint32_t *old = htab_find(&e->desc_h, cookie, ds->chan);

	/* a reused cookie: the old descriptor's events are gone */
	if (old) {
		e->descs[*old].keyed = false;
		htab_del(&e->desc_h, cookie, ds->chan);
	}
	ds->cookie = cookie;
	if (!htab_insert(&e->desc_h, cookie, ds->chan, idx))
		ds->keyed = true;
}

static void desc_free(struct dmas_engine *e, struct chan_state *c, uint32_t idx)
{
	struct desc_state_rec *ds = &e->descs[idx];

	if (ds->state == DS_SUBMITTED && c->pub.pending)
		c->pub.pending--;
	if (ds->state == DS_ISSUED && c->pub.in_flight) {
		struct dev_state *d = eng_dev(e, c->pub.provider);

		c->pub.in_flight--;
		if (d && d->run.xfers_in_flight)
			d->run.xfers_in_flight--;
	}
	if (ds->keyed)
		htab_del(&e->desc_h, ds->cookie, ds->chan);
	if (ds->prev)
		e->descs[ds->prev].next = ds->next;
	else
		c->head = ds->next;
	if (ds->next)
		e->descs[ds->next].prev = ds->prev;
	else
		c->tail = ds->prev;
	ds->state = DS_FREE;
	ds->next = e->free_desc;
	e->free_desc = idx;
}

static void desc_as_map(struct dmas_engine *e, struct chan_state *c,
			const struct desc_state_rec *ds, struct dmas_map *m)
{
	memset(m, 0, sizeof(*m));
	m->addr = ds->phys;
	m->size = ds->size;
	m->dir = ds->dir;
	m->kind = DMAS_EV_DESC_SUBMIT;
	m->ts = ds->ts;
	m->stack = ds->stack;
	m->dev = c->pub.provider;
	m->loss_gen = ds->loss_gen;
}

static void never_issued(struct dmas_engine *e, struct chan_state *c,
			 struct desc_state_rec *ds, const struct dmas_event *ev,
			 bool unc, const char *when)
{
	struct dmas_map m;

	desc_as_map(e, c, ds, &m);
	ds->timed_out = true;
	eng_report(e, DMAS_F_DESC_NEVER_ISSUED, ev, &m,
		   unc || eng_spans_loss(e, ds->loss_gen),
		   "cookie %" PRIu64
		   " on channel %u: submitted, no issue_pending %s",
		   ds->cookie, c->pub.index, when);
}

/* Channel release or terminate: pending descriptors end unissued. */
static void drop_all(struct dmas_engine *e, struct chan_state *c,
		     const struct dmas_event *ev, const char *when)
{
	while (c->head) {
		uint32_t idx = c->head;
		struct desc_state_rec *ds = &e->descs[idx];

		if (ds->state == DS_SUBMITTED && !ds->timed_out)
			never_issued(e, c, ds, ev, false, when);
		desc_free(e, c, idx);
	}
}

static struct desc_state_rec *desc_find(struct dmas_engine *e,
					struct chan_state *c, uint64_t cookie,
					uint32_t *idxp)
{
	uint32_t *slot = htab_find(&e->desc_h, cookie, chan_no(e, c));

	if (!slot)
		return NULL;
	*idxp = *slot;
	return &e->descs[*slot];
}

static void on_submit(struct dmas_engine *e, struct dev_state *d,
		      struct chan_state *c, const struct dmas_event *ev)
{
	struct desc_state_rec *ds;
	uint32_t idx = 0, i;
	uint64_t phys;

	ds = desc_find(e, c, ev->addr, &idx);
	if (ds && ds->state != DS_PREPPED)
		ds = NULL;
	if (!ds) {
		for (i = c->head; i; i = e->descs[i].next)
			if (e->descs[i].state == DS_PREPPED &&
			    !e->descs[i].keyed)
				break;
		idx = i ? i : desc_new(e, c);
		if (!idx)
			return;
		ds = &e->descs[idx];
		desc_key(e, idx, ev->addr);
	}
	ds->state = DS_SUBMITTED;
	ds->ts = ev->ts;
	ds->loss_gen = e->loss_gen;
	if (ev->stack_id)
		ds->stack = ev->stack_id;
	if (ev->phys) {
		ds->phys = ev->phys;
		ds->size = ev->size ? ev->size : ds->size;
	}
	c->pub.submitted++;
	c->pub.pending++;
	d->run.xfers_submitted++;
	phys = ds->phys;
	if (phys) {
		uint32_t m = map_find_containing(e, c->pub.provider, phys);

		if (m) {
			ds->map = m;
			ds->map_ts = map_rec(e, m)->ts;
			own_transfer(e, m, ev);
		}
	}
}

static const char *result_name(uint32_t r)
{
	switch (r) {
	case 0:
		return "no error";
	case 1:
		return "read failed";
	case 2:
		return "write failed";
	case 3:
		return "aborted";
	}
	return "error";
}

static void on_done(struct dmas_engine *e, struct dev_state *d,
		    struct chan_state *c, const struct dmas_event *ev)
{
	bool err = ev->kind == DMAS_EV_XFER_ERROR;
	struct desc_state_rec *ds;
	struct dmas_map m;
	uint32_t idx = 0;

	ds = desc_find(e, c, ev->addr, &idx);
	if (err) {
		c->pub.errors++;
		d->run.xfers_failed++;
		if (ds) {
			desc_as_map(e, c, ds, &m);
			eng_report(e, DMAS_F_XFER_ERROR, ev, &m, false,
				   "cookie %" PRIu64
				   " on channel %u: %s (result %u)",
				   (uint64_t)ev->addr, c->pub.index,
				   result_name(ev->count), ev->count);
		} else {
			eng_report(e, DMAS_F_XFER_ERROR, ev, NULL, false,
				   "cookie %" PRIu64
				   " on channel %u: %s (result %u)",
				   (uint64_t)ev->addr, c->pub.index,
				   result_name(ev->count), ev->count);
		}
	} else {
		c->pub.completed++;
		d->run.xfers_completed++;
		if (ds)
			c->pub.completed_bytes += ds->size;
	}
	if (!ds)
		return;
	if (!err && ev->ts >= ds->ts)
		stats_xfer_latency(d, ev->ts - ds->ts);
	if (!err && ds->state != DS_PREPPED) {
		desc_as_map(e, c, ds, &m);
		lat_xfer_done(e, c, ds, ev, &m);
	}
	if (ds->state == DS_SUBMITTED) {
		/* completed without an issue we saw: it was issued */
		c->pub.pending--;
		c->pub.issued++;
		c->pub.in_flight++;
		d->run.xfers_in_flight++;
		ds->state = DS_ISSUED;
	}
	if (!err && ds->map) {
		struct dmas_map *mr = map_rec(e, ds->map);

		/* the same mapping still: not unmapped and remade since */
		if (mr->kind && mr->ts == ds->map_ts &&
		    mr->dev == c->pub.provider)
			own_transfer_done(e, ds->map);
	}
	desc_free(e, c, idx);
}

static void on_terminate(struct dmas_engine *e, struct chan_state *c,
			 const struct dmas_event *ev)
{
	uint64_t inflight = c->pub.in_flight;
	bool unc = false;
	uint32_t i;

	c->pub.terminated++;
	for (i = c->head; i; i = e->descs[i].next) {
		struct desc_state_rec *ds = &e->descs[i];

		if (ds->state != DS_ISSUED)
			continue;
		if (ds->timed_out) {
			/* handling the reported timeout, as its fix says */
			eng_consequence(e, ds->finding,
					"then terminated on channel %u",
					c->pub.index);
			if (inflight)
				inflight--;
			continue;
		}
		/* their completions may have been among lost events */
		if (eng_spans_loss(e, ds->loss_gen))
			unc = true;
	}
	if (inflight) {
		struct dmas_map m = {.addr = c->pub.id,
				     .dev = c->pub.provider,
				     .kind = DMAS_EV_CHAN_REQUEST,
				     .ts = c->request_ts,
				     .stack = c->pub.stack,
				     .loss_gen = c->loss_gen};

		eng_report(e, DMAS_F_TERMINATE_IN_FLIGHT, ev, &m, unc,
			   "channel %u terminated with %" PRIu64
			   " transfer%s in flight",
			   c->pub.index, inflight, inflight == 1 ? "" : "s");
	}
	drop_all(e, c, ev, "before the channel was terminated");
}

void dmaeng_event(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	struct chan_state *c = chan_get(e, ev);
	uint32_t idx, i;

	if (!c) {
		e->dropped++;
		return;
	}
	switch (ev->kind) {
	case DMAS_EV_CHAN_REQUEST:
		drop_all(e, c, ev, "before the channel was requested again");
		c->pub.provider = ev->dev;
		c->pub.client = (uint32_t)ev->addr;
		c->pub.index = ev->count;
		c->pub.stack = ev->stack_id;
		c->pub.requested = true;
		c->pub.released = false;
		c->request_ts = ev->ts;
		c->loss_gen = e->loss_gen;
		break;
	case DMAS_EV_CHAN_RELEASE:
		drop_all(e, c, ev, "before the channel was released");
		c->pub.released = true;
		break;
	case DMAS_EV_DESC_PREP:
		idx = desc_new(e, c);
		if (!idx)
			break;
		e->descs[idx].state = DS_PREPPED;
		e->descs[idx].ts = ev->ts;
		e->descs[idx].phys = ev->phys;
		e->descs[idx].size = ev->size;
		e->descs[idx].dir = ev->dir;
		e->descs[idx].stack = ev->stack_id;
		e->descs[idx].loss_gen = e->loss_gen;
		c->pub.bytes += ev->size;
		if (ev->addr)
			desc_key(e, idx, ev->addr);
		break;
	case DMAS_EV_DESC_SUBMIT:
		on_submit(e, d, c, ev);
		break;
	case DMAS_EV_ISSUE_PENDING:
		for (i = c->head; i; i = e->descs[i].next) {
			struct desc_state_rec *ds = &e->descs[i];

			if (ds->state != DS_SUBMITTED)
				continue;
			ds->state = DS_ISSUED;
			ds->issue_ts = ev->ts;
			ds->timed_out = false;
			c->pub.pending--;
			c->pub.issued++;
			c->pub.in_flight++;
			d->run.xfers_in_flight++;
		}
		break;
	case DMAS_EV_XFER_START:
		idx = 0;
		if (desc_find(e, c, ev->addr, &idx) && !e->descs[idx].start_ts)
			e->descs[idx].start_ts = ev->ts;
		break;
	case DMAS_EV_XFER_COMPLETE:
	case DMAS_EV_XFER_ERROR:
		on_done(e, d, c, ev);
		break;
	case DMAS_EV_TERMINATE:
		on_terminate(e, c, ev);
		break;
	default:
		break;
	}
}

void dmaeng_scan(struct dmas_engine *e, uint64_t now, bool at_finish)
{
	uint64_t to = e->opts.xfer_timeout_ns;
	size_t ci;

	for (ci = 0; ci < e->nr_chans; ci++) {
		struct chan_state *c = &e->chans[ci];
		uint32_t i;

		if (!c->pub.pending && !c->pub.in_flight)
			continue;
		for (i = c->head; i; i = e->descs[i].next) {
			struct desc_state_rec *ds = &e->descs[i];
			struct dmas_map m;

			if (ds->timed_out)
				continue;
			if (ds->state == DS_SUBMITTED &&
			    (eng_age(now, ds->ts) >= to || at_finish)) {
				never_issued(
					e, c, ds, NULL,
					eng_age(now, ds->ts) < LATE_SUBMIT_NS,
					at_finish && eng_age(now, ds->ts) < to
						? "by the end of the session"
						: "within the transfer timeout");
			} else if (ds->state == DS_ISSUED &&
				   eng_age(now, ds->issue_ts) >= to) {
				desc_as_map(e, c, ds, &m);
				ds->timed_out = true;
				eng_report(e, DMAS_F_XFER_TIMEOUT, NULL, &m,
					   eng_spans_loss(e, ds->loss_gen),
					   "cookie %" PRIu64
					   " on channel %u: issued %" PRIu64
					   " ns ago, not completed",
					   ds->cookie, c->pub.index,
					   eng_age(now, ds->issue_ts));
				ds->finding = eng_last_cause(e);
			}
		}
	}
}

void dmaeng_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			  const char *mod)
{
	size_t ci;

	for (ci = 0; ci < e->nr_chans; ci++) {
		struct chan_state *c = &e->chans[ci];
		struct dev_state *d = eng_dev(e, c->pub.provider);
		struct dmas_map m;

		if (!c->pub.requested || c->pub.released ||
		    !stack_in_module(e, c->pub.stack, mod) ||
		    (d && !d->included))
			continue;
		memset(&m, 0, sizeof(m));
		m.addr = c->pub.id;
		m.dev = c->pub.provider;
		m.kind = DMAS_EV_CHAN_REQUEST;
		m.ts = c->request_ts;
		m.stack = c->pub.stack;
		m.loss_gen = c->loss_gen;
		eng_report_each(
			e, DMAS_F_CHANNEL_LEAK, ev, &m,
			eng_spans_loss(e, c->loss_gen),
			"channel %u requested by module %s, still held when it was unloaded",
			c->pub.index, mod);
		c->pub.released = true;
	}
}

size_t dmas_engine_chan_descs(const struct dmas_engine *e, size_t chan,
			      struct dmas_desc_info *out, size_t max)
{
	const struct chan_state *c;
	size_t n = 0;
	uint32_t i;

	if (chan >= e->nr_chans)
		return 0;
	c = &e->chans[chan];
	for (i = c->head; i; i = e->descs[i].next) {
		const struct desc_state_rec *ds = &e->descs[i];

		/* prepared, not submitted: no cookie, not the channel's yet */
		if (ds->state != DS_SUBMITTED && ds->state != DS_ISSUED)
			continue;
		if (n < max && out)
			out[n] = (struct dmas_desc_info){
				.cookie = ds->cookie,
				.size = ds->size,
				.submit_ts = ds->ts,
				.issued = ds->state == DS_ISSUED,
			};
		n++;
	}
	return n;
}

void dmaeng_free(struct dmas_engine *e)
{
	size_t i;

	for (i = 0; i < e->nr_chans; i++)
		lat_free(&e->chans[i]);
	free(e->chans);
	htab_free(&e->chan_h);
	free(e->descs);
	htab_free(&e->desc_h);
}
