/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * chanstate.c - the descriptors each dmaengine channel has not finished
 * (cookie, size, age, issued or not) for the dmaengine view's detail pane.
 * The engine exports per-channel counts but not its descriptor list; once
 * it does, this file goes.
 */
#include <stdlib.h>
#include <string.h>

#include "dmatop.h"

void chanstate_init(struct chanstate *cs)
{
	memset(cs, 0, sizeof(*cs));
}

void chanstate_free(struct chanstate *cs)
{
	size_t i;

	for (i = 0; i < cs->nr; i++)
		free(cs->ch[i].inflight);
	free(cs->ch);
	memset(cs, 0, sizeof(*cs));
}

const struct chan_state *chanstate_find(const struct chanstate *cs,
					uint32_t provider, uint64_t chan)
{
	size_t i;

	for (i = 0; i < cs->nr; i++)
		if (cs->ch[i].provider == provider && cs->ch[i].chan == chan)
			return &cs->ch[i];
	return NULL;
}

static struct chan_state *chan_get(struct chanstate *cs, uint32_t provider,
				   uint64_t chan)
{
	struct chan_state *c =
		(struct chan_state *)chanstate_find(cs, provider, chan);

	if (c)
		return c;
	if (cs->nr == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 16;
		struct chan_state *n = realloc(cs->ch, cap * sizeof(*n));

		if (!n)
			return NULL;
		cs->ch = n;
		cs->cap = cap;
	}
	c = &cs->ch[cs->nr++];
	memset(c, 0, sizeof(*c));
	c->provider = provider;
	c->chan = chan;
	return c;
}

static void desc_add(struct chan_state *c, uint64_t cookie, uint64_t size,
		     uint64_t ts)
{
	if (c->nr_inflight == c->cap_inflight) {
		size_t cap = c->cap_inflight ? c->cap_inflight * 2 : 8;
		struct chan_desc *n = realloc(c->inflight, cap * sizeof(*n));

		if (!n)
			return;
		c->inflight = n;
		c->cap_inflight = cap;
	}
	c->inflight[c->nr_inflight++] = (struct chan_desc){
		.cookie = cookie, .size = size, .submit_ts = ts};
}

/* Removes the descriptor; its size, or 0 when it was not open. */
static uint64_t desc_remove(struct chan_state *c, uint64_t cookie)
{
	size_t i;

	for (i = 0; i < c->nr_inflight; i++) {
		if (c->inflight[i].cookie == cookie) {
			uint64_t size = c->inflight[i].size;

			memmove(&c->inflight[i], &c->inflight[i + 1],
				(c->nr_inflight - i - 1) *
					sizeof(c->inflight[0]));
			c->nr_inflight--;
			return size;
		}
	}
	return 0;
}

void chanstate_feed(struct chanstate *cs, const struct dmas_event *ev)
{
	struct chan_state *c;
	size_t i;

	if (ev->kind < DMAS_EV_DESC_PREP || ev->kind > DMAS_EV_TERMINATE)
		return;
	c = chan_get(cs, ev->dev, ev->aux);
	if (!c)
		return;
	switch (ev->kind) {
	case DMAS_EV_DESC_PREP:
		c->pending_size = ev->size;
		break;
	case DMAS_EV_DESC_SUBMIT:
		desc_add(c, ev->addr, ev->size ? ev->size : c->pending_size,
			 ev->ts);
		c->pending_size = 0;
		break;
	case DMAS_EV_ISSUE_PENDING:
		for (i = 0; i < c->nr_inflight; i++)
			c->inflight[i].issued = true;
		break;
	case DMAS_EV_XFER_COMPLETE:
		c->completed_bytes += desc_remove(c, ev->addr);
		break;
	case DMAS_EV_XFER_ERROR:
		desc_remove(c, ev->addr);
		break;
	case DMAS_EV_TERMINATE:
		/* terminate aborts whatever the channel still had */
		c->nr_inflight = 0;
		break;
	default:
		break;
	}
}
