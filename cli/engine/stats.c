/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stats.c - per-device statistics for the whole run and per time window.
 *
 * Rules: `maps`/`map_bytes` count streaming mappings (single, sg,
 * resource) by direction; coherent and dma_alloc_pages allocations count
 * in `coherent_allocs`/`coherent_bytes`, pool blocks in `pool_blocks` and
 * `pool_bytes`.
 * Windows are aligned to the session start (or the first event) and
 * `window_ns` long; only the whole-run counters are updated per event, and
 * a window's figures are the difference of two snapshots taken at its
 * edges, so windows cost nothing per event.  Gauges (outstanding, coherent
 * bytes, pool blocks, transfers in flight) are the values at the window's
 * end; `outstanding_peak` is the peak within the window.
 */
#include <stddef.h>
#include <string.h>

#include "engine/engine_int.h"
#include "event_count.h"

void stats_map(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_map *m)
{
	struct dmas_dev_stats *s = &d->run;

	switch (dmas_kind_count(m->kind)) {
	case DMAS_COUNT_MAP:
		s->maps[m->dir & 3]++;
		s->map_bytes[m->dir & 3] += m->size;
		s->outstanding++;
		s->outstanding_bytes += m->size;
		if (s->outstanding > s->outstanding_peak)
			s->outstanding_peak = s->outstanding;
		if (s->outstanding > d->win_peak)
			d->win_peak = s->outstanding;
		break;
	case DMAS_COUNT_ALLOC_COHERENT:
		s->coherent_allocs++;
		s->coherent_bytes += m->size;
		break;
	case DMAS_COUNT_ALLOC_POOL:
		s->pool_blocks++;
		s->pool_bytes += m->size;
		break;
	default:
		break;
	}
}

void stats_unmap(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_map *m)
{
	struct dmas_dev_stats *s = &d->run;

	switch (dmas_kind_count(m->kind)) {
	case DMAS_COUNT_MAP:
		s->unmaps++;
		s->outstanding--;
		s->outstanding_bytes -= m->size;
		break;
	case DMAS_COUNT_ALLOC_COHERENT:
		s->coherent_bytes -= m->size;
		break;
	case DMAS_COUNT_ALLOC_POOL:
		s->pool_blocks--;
		s->pool_bytes -= m->size;
		break;
	default:
		break;
	}
}

const uint64_t dmas_xfer_lat_bounds_ns[DMAS_XFER_LAT_BUCKETS - 1] = {
	10000,	 50000,	   100000,   250000,   500000,	  1000000,   2500000,
	5000000, 10000000, 25000000, 50000000, 100000000, 250000000, 1000000000,
};

void stats_xfer_latency(struct dev_state *d, uint64_t ns)
{
	unsigned i = 0;

	while (i < DMAS_XFER_LAT_BUCKETS - 1 && ns > dmas_xfer_lat_bounds_ns[i])
		i++;
	d->run.xfer_lat[i]++;
	d->run.xfer_lat_sum_ns += ns;
}

/* Fields that are levels, not counts: a window shows their value at its end. */
static const size_t gauges[] = {
	offsetof(struct dmas_dev_stats, outstanding),
	offsetof(struct dmas_dev_stats, outstanding_bytes),
	offsetof(struct dmas_dev_stats, coherent_bytes),
	offsetof(struct dmas_dev_stats, pool_blocks),
	offsetof(struct dmas_dev_stats, xfers_in_flight),
	offsetof(struct dmas_dev_stats, last_event_ts),
	offsetof(struct dmas_dev_stats, pool_bytes),
	offsetof(struct dmas_dev_stats, dmabuf_live),
	offsetof(struct dmas_dev_stats, dmabuf_live_bytes),
	offsetof(struct dmas_dev_stats, dmabuf_attached),
	offsetof(struct dmas_dev_stats, dmabuf_mapped),
	offsetof(struct dmas_dev_stats, cma_bytes),
	offsetof(struct dmas_dev_stats, cma_peak),
};

static void window_close(struct dev_state *d)
{
	const size_t first = offsetof(struct dmas_dev_stats, maps);
	const size_t n = (sizeof(struct dmas_dev_stats) - first) / 8;
	uint64_t *w = (uint64_t *)((char *)&d->win + first);
	const uint64_t *r = (const uint64_t *)((const char *)&d->run + first);
	const uint64_t *p = (const uint64_t *)((const char *)&d->snap + first);
	size_t i;

	for (i = 0; i < n; i++)
		w[i] = r[i] - p[i];
	for (i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		memcpy((char *)&d->win + gauges[i], (char *)&d->run + gauges[i],
		       8);
	d->win.outstanding_peak = d->win_peak;
	d->win.dev = d->pub.id;
	d->snap = d->run;
	d->win_peak = d->run.outstanding;
}

void stats_window_start(struct dmas_engine *e, uint64_t ts)
{
	e->win_started = true;
	e->win_base = ts;
	if (e->have_session && e->session.start_ts && e->session.start_ts <= ts)
		e->win_base = e->session.start_ts;
	if (ts >= e->win_base + e->win_len)
		stats_window_roll(e, ts);
}

void stats_window_roll(struct dmas_engine *e, uint64_t ts)
{
	size_t i;
	uint64_t k;

	if (ts < e->win_base + e->win_len)
		return;
	for (i = 0; i < e->nr_devs; i++)
		window_close(&e->devs[i]);
	e->win_last_start = e->win_base;
	e->win_base += e->win_len;
	e->win_have_last = true;
	if (ts < e->win_base + e->win_len)
		return;
	/* windows without events in between: the last complete one is empty */
	k = (ts - e->win_base) / e->win_len;
	for (i = 0; i < e->nr_devs; i++)
		window_close(&e->devs[i]);
	e->win_last_start = e->win_base + (k - 1) * e->win_len;
	e->win_base += k * e->win_len;
}
