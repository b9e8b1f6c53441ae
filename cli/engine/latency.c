/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * latency.c - dmaengine transfer latency per channel: submit->start,
 * start->complete and submit->complete in log-linear histograms (no
 * per-transfer storage), and the latency budget's finding.
 *
 * A histogram has LAT_SUB buckets per power of two above LAT_SUB * 2 ns and
 * one bucket per ns below, so 504 buckets cover all of uint64 with a
 * relative error of at most 1/LAT_SUB; a channel's three take 12 KiB,
 * allocated at its first measured transfer.
 *
 * Rules:
 * - Only transfers completed without error whose submission was seen are
 *   measured; start phases only when the provider reported XFER_START
 *   (vdmac does; most providers have no such event).
 * - `xfer-over-budget`: with a latency budget (--latency-budget), a
 *   transfer whose submit->complete exceeds it.  One finding per channel,
 *   made at the first such transfer; later ones add to its count, and the
 *   detail names the count and the slowest (its latency and cookie).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define LAT_SUB_BITS 3
#define LAT_SUB (1u << LAT_SUB_BITS)
#define LAT_LINEAR (2 * LAT_SUB) /* values below: one bucket each */
#define LAT_BUCKETS (LAT_LINEAR + (64 - LAT_SUB_BITS - 1) * LAT_SUB)

struct lat_hist {
	uint64_t count, sum, max;
	uint64_t b[LAT_BUCKETS];
};

const char *const dmas_lat_phase_names[DMAS_LAT_PHASES] = {
	[DMAS_LAT_SUBMIT_START] = "submit_to_start",
	[DMAS_LAT_START_COMPLETE] = "start_to_complete",
	[DMAS_LAT_SUBMIT_COMPLETE] = "submit_to_complete",
};

static unsigned bucket_of(uint64_t v)
{
	unsigned msb;

	if (v < LAT_LINEAR)
		return (unsigned)v;
	msb = 63 - (unsigned)__builtin_clzll(v);
	return LAT_LINEAR + (msb - LAT_SUB_BITS - 1) * LAT_SUB +
	       (unsigned)((v >> (msb - LAT_SUB_BITS)) & (LAT_SUB - 1));
}

/* The largest value that falls into bucket i. */
static uint64_t bucket_top(unsigned i)
{
	unsigned msb, sub;
	uint64_t low;

	if (i < LAT_LINEAR)
		return i;
	msb = (i - LAT_LINEAR) / LAT_SUB + LAT_SUB_BITS + 1;
	sub = (i - LAT_LINEAR) % LAT_SUB;
	low = (uint64_t)(LAT_SUB + sub) << (msb - LAT_SUB_BITS);
	return low + ((1ULL << (msb - LAT_SUB_BITS)) - 1);
}

void lat_hist_add(struct lat_hist *h, uint64_t v)
{
	h->b[bucket_of(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

/* The smallest bucket top below which at least q per mille of values lie. */
static uint64_t hist_quantile(const struct lat_hist *h, unsigned permille)
{
	uint64_t rank = (h->count * permille + 999) / 1000, seen = 0;
	unsigned i;

	if (!rank)
		rank = 1;
	for (i = 0; i < LAT_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			return bucket_top(i) < h->max ? bucket_top(i) : h->max;
	}
	return h->max;
}

const char *dmas_fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1000ull)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	return buf;
}

void lat_xfer_done(struct dmas_engine *e, struct chan_state *c,
		   const struct desc_state_rec *ds, const struct dmas_event *ev,
		   const struct dmas_map *m)
{
	uint64_t total = eng_age(ev->ts, ds->ts);
	bool is_new;

	if (!c->lat) {
		c->lat = lat_hist_new(DMAS_LAT_PHASES);
		if (!c->lat) {
			e->dropped++;
			return;
		}
	}
	if (ds->start_ts) {
		lat_hist_add(&c->lat[DMAS_LAT_SUBMIT_START],
			     eng_age(ds->start_ts, ds->ts));
		lat_hist_add(&c->lat[DMAS_LAT_START_COMPLETE],
			     eng_age(ev->ts, ds->start_ts));
	}
	lat_hist_add(&c->lat[DMAS_LAT_SUBMIT_COMPLETE], total);
	if (total > c->pub.worst_ns)
		c->pub.worst_ns = total;
	if (!e->opts.latency_budget_ns || total <= e->opts.latency_budget_ns)
		return;
	c->pub.over_budget++;
	if (c->pub.over_budget == 1 || total >= c->budget_worst_ns) {
		c->budget_worst_ns = total;
		c->worst_cookie = ds->cookie;
	}
	/* keyed by channel (its index + 1 in place of a stack) */
	eng_aggregate(e, DMAS_F_XFER_OVER_BUDGET, c->pub.provider,
		      (uint32_t)(c - e->chans) + 1, ev, m, 0,
		      (int32_t)(c - e->chans), -1, &is_new);
}

void lat_format(struct dmas_engine *e, const struct agg *a,
		struct dmas_finding *f)
{
	const struct chan_state *c;
	char w[32], b[32];

	if (a->node_a < 0 || (size_t)a->node_a >= e->nr_chans)
		return;
	c = &e->chans[a->node_a];
	snprintf(f->detail, sizeof(f->detail),
		 "%" PRIu64 " transfer%s on channel %u over the %s budget, "
		 "slowest %s (cookie %" PRIu64 ")",
		 a->count, a->count == 1 ? "" : "s", c->pub.index,
		 dmas_fmt_duration(e->opts.latency_budget_ns, b, sizeof(b)),
		 dmas_fmt_duration(c->budget_worst_ns, w, sizeof(w)),
		 c->worst_cookie);
}

void lat_free(struct chan_state *c)
{
	free(c->lat);
	c->lat = NULL;
}

size_t lat_mem_bytes(const struct dmas_engine *e)
{
	size_t i, b = 0;

	for (i = 0; i < e->nr_chans; i++)
		if (e->chans[i].lat)
			b += DMAS_LAT_PHASES * sizeof(struct lat_hist);
	return b;
}

void dmas_engine_chan_latency(const struct dmas_engine *e, size_t chan,
			      enum dmas_lat_phase ph,
			      struct dmas_lat_summary *out)
{
	const struct lat_hist *h;

	memset(out, 0, sizeof(*out));
	if (chan >= e->nr_chans || ph >= DMAS_LAT_PHASES || !e->chans[chan].lat)
		return;
	h = &e->chans[chan].lat[ph];
	lat_hist_summary(h, out);
}

struct lat_hist *lat_hist_new(size_t n)
{
	return calloc(n, sizeof(struct lat_hist));
}

size_t lat_hist_bytes(void)
{
	return sizeof(struct lat_hist);
}

void lat_hist_summary(const struct lat_hist *h, struct dmas_lat_summary *out)
{
	memset(out, 0, sizeof(*out));
	if (!h || !h->count)
		return;
	out->count = h->count;
	out->sum_ns = h->sum;
	out->max_ns = h->max;
	out->p50_ns = hist_quantile(h, 500);
	out->p99_ns = hist_quantile(h, 990);
}
