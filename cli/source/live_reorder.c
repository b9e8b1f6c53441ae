// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_reorder.c - the reorder window of a live source: events leave the
 * kernel's per-CPU buffers slightly out of order and are handed on by
 * timestamp once nothing older can still arrive.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "source/live.h"
#include "source/source.h"

struct dmas_reorder_slot {
	struct dmas_event ev;
	uint64_t seq;
};

/* Room for one more: reuse the delivered front, or grow. */
static int reorder_make_room(struct dmas_reorder *r)
{
	if (r->head && r->head == r->n) {
		r->head = r->n = 0;
	} else if (r->n == r->cap && r->head > r->cap / 2) {
		memmove(r->slot, r->slot + r->head,
			(r->n - r->head) * sizeof(*r->slot));
		r->n -= r->head;
		r->head = 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 4096;
		struct dmas_reorder_slot *s =
			realloc(r->slot, cap * sizeof(*s));

		if (!s)
			return -1;
		r->slot = s;
		r->cap = cap;
	}
	return 0;
}

int dmas_reorder_push(struct dmas_reorder *r, const struct dmas_event *ev)
{
	size_t i;

	if (reorder_make_room(r))
		return -1;
	/* mostly in order already: insertion from the back */
	i = r->n++;
	while (i > r->head && r->slot[i - 1].ev.ts > ev->ts) {
		r->slot[i] = r->slot[i - 1];
		i--;
	}
	r->slot[i].ev = *ev;
	r->slot[i].seq = r->seq++;
	if (ev->ts > r->max_ts)
		r->max_ts = ev->ts;
	return 0;
}

int dmas_reorder_push_loss(struct dmas_reorder *r, struct dmas_event *ev,
			   uint64_t since, uint64_t until)
{
	ev->ts = since > r->last_ts ? since : r->last_ts;
	ev->size = until > ev->ts ? until - ev->ts : 0;
	return dmas_reorder_push(r, ev);
}

void dmas_reorder_flush(struct dmas_reorder *r, uint64_t limit,
			const struct dmas_sink *sink)
{
	while (r->head < r->n && r->slot[r->head].ev.ts <= limit) {
		r->delivered++;
		r->last_ts = r->slot[r->head].ev.ts;
		if (sink->event)
			sink->event(sink->ctx, &r->slot[r->head].ev);
		r->head++;
	}
}

void dmas_reorder_tick(struct dmas_reorder *r, const struct dmas_sink *sink,
		       uint64_t now)
{
	if (r->max_ts > DMAS_REORDER_NS)
		dmas_reorder_flush(r, r->max_ts - DMAS_REORDER_NS, sink);
	/* quiet ring: events older than the window need no later one */
	if (now > DMAS_REORDER_NS)
		dmas_reorder_flush(r, now - DMAS_REORDER_NS, sink);
	/* nothing older than the window is still held back */
	if (sink->idle && r->head == r->n)
		sink->idle(sink->ctx, now - DMAS_REORDER_NS);
}

void dmas_reorder_drain(struct dmas_reorder *r, const struct dmas_sink *sink)
{
	dmas_reorder_flush(r, UINT64_MAX, sink);
	if (sink->idle)
		sink->idle(sink->ctx, dmas_live_now_mono());
}

void dmas_reorder_free(struct dmas_reorder *r)
{
	free(r->slot);
	memset(r, 0, sizeof(*r));
}
