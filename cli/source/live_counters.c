// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_counters.c - per-device counts of the events a live source
 * received, by the same rule (event_count.h) the BPF object uses for the
 * calls whose event was lost, so that together they count every call.
 */
#include <stdlib.h>

#include "event.h"
#include "source/live.h"
#include "source/source.h"

int dmas_tally_init(struct dmas_tally *t, uint32_t nr)
{
	t->dev = calloc(nr, sizeof(*t->dev));
	t->nr = t->dev ? nr : 0;
	return t->dev ? 0 : -1;
}

void dmas_tally_event(struct dmas_tally *t, const struct dmas_event *ev)
{
	if (!ev->dev || ev->dev >= t->nr)
		return;
	dmas_dev_counters_add(&t->dev[ev->dev], ev->kind, ev->size, ev->flags);
}

void dmas_tally_free(struct dmas_tally *t)
{
	free(t->dev);
	t->dev = NULL;
	t->nr = 0;
}

void dmas_tally_export(const struct dmas_dev_counters *c,
		       struct dmas_live_counters *out)
{
	out->maps = c->maps;
	out->map_bytes = c->map_bytes;
	out->unmaps = c->unmaps;
	out->syncs = c->syncs;
	out->allocs = c->allocs;
	out->alloc_bytes = c->alloc_bytes;
	out->frees = c->frees;
	out->map_errors = c->map_errors;
}
