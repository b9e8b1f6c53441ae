/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * frame.c - one refresh's worth of numbers, copied out of the engine under
 * its lock so drawing never races the reader thread.  Rates are the change
 * in whole-run counters since the previous frame over the time between
 * them (event clock), as top computes CPU use; sorting and the filter are
 * applied to a taken frame, so they work while paused.
 */
#include <stdlib.h>
#include <string.h>

#include "dmatop.h"
#include "frontend/textsafe.h"

/*
 * Names come from the recording and may hold escape sequences: every frame
 * holds them as safe text (textsafe.h), so the screen, batch text and
 * JSON show the same thing and no column is pushed out of line.
 */
#define SAFE(dst, src) dmas_text_safe((src), (dst), sizeof(dst))

static void safe_session(struct dmas_session *s)
{
	char buf[sizeof(s->hooks)];

	SAFE(s->kernel_release, strcpy(buf, s->kernel_release));
	SAFE(s->hostname, strcpy(buf, s->hostname));
	SAFE(s->clock, strcpy(buf, s->clock));
	SAFE(s->hooks, strcpy(buf, s->hooks));
}

static const struct devrow *prev_row(const struct frame *prev, uint32_t id)
{
	size_t i;

	if (!prev)
		return NULL;
	for (i = 0; i < prev->nr_devs; i++)
		if (prev->devs[i].id == id)
			return &prev->devs[i];
	return NULL;
}

static const struct chanrow *prev_chan(const struct frame *prev,
				       uint32_t provider, uint64_t chan)
{
	size_t i;

	if (!prev)
		return NULL;
	for (i = 0; i < prev->nr_chans; i++)
		if (prev->chans[i].provider == provider &&
		    prev->chans[i].chan == chan)
			return &prev->chans[i];
	return NULL;
}

#define RATE_MIN_NS (NSEC / 1000)

static double rate(uint64_t now, uint64_t before, double dt)
{
	return now >= before ? (double)(now - before) / dt : 0;
}

static void fill_row(struct devrow *r, const struct dmas_device *d,
		     const struct dmas_dev_stats *st,
		     const struct dmas_dev_masks *mk)
{
	int i;

	memset(r, 0, sizeof(*r));
	r->id = d->id;
	SAFE(r->name, d->name);
	SAFE(r->driver, d->driver);
	r->node = d->numa_node;
	r->iommu_group = d->iommu_group;
	r->iommu_domain = d->iommu_domain;
	r->port = d->port;
	r->remote_pct = -1;
	if (!st)
		return;
	for (i = 0; i < DMAS_NDIR; i++) {
		r->maps += st->maps[i];
		r->map_bytes[i] = st->map_bytes[i];
	}
	r->unmaps = st->unmaps;
	r->syncs = st->syncs_for_cpu + st->syncs_for_device;
	r->outstanding = st->outstanding;
	r->outstanding_bytes = st->outstanding_bytes;
	r->outstanding_peak = st->outstanding_peak;
	r->coherent_bytes = st->coherent_bytes;
	r->pool_blocks = st->pool_blocks;
	r->map_errors = st->map_errors;
	r->bounced = st->bounced;
	r->bounce_bytes = st->bounce_bytes;
	r->dma_mask = mk ? mk->dma_mask : 0;
	r->coherent_mask = mk ? mk->coherent_mask : 0;
	r->swiotlb_forced = mk && mk->swiotlb_forced;
	r->remote_bytes = st->remote_bytes;
	r->local_bytes = st->local_bytes;
	r->dmabuf_bytes = st->dmabuf_live_bytes;
	r->dmabuf_mapped = st->dmabuf_mapped;
	r->cma_bytes = st->cma_bytes;
	r->cma_peak = st->cma_peak;
	r->cma_failures = st->cma_failures;
	if (st->remote_bytes + st->local_bytes)
		r->remote_pct = 100.0 * (double)st->remote_bytes /
				(double)(st->remote_bytes + st->local_bytes);
	for (i = 0; i < 3; i++) {
		r->findings[i] = st->findings[i];
		r->nr_findings += st->findings[i];
	}
}

static void row_rates(struct devrow *r, const struct devrow *p, double dt)
{
	int i;

	if (!p) {
		/* a device first seen in this interval: all of it is new */
		static const struct devrow zero;

		p = &zero;
	}
	r->maps_s = rate(r->maps, p->maps, dt);
	r->unmaps_s = rate(r->unmaps, p->unmaps, dt);
	r->syncs_s = rate(r->syncs, p->syncs, dt);
	for (i = 0; i < DMAS_NDIR; i++)
		r->bytes_s[i] = rate(r->map_bytes[i], p->map_bytes[i], dt);
	r->trend = r->outstanding_bytes > p->outstanding_bytes	 ? 1
		   : r->outstanding_bytes < p->outstanding_bytes ? -1
								 : 0;
}

/*
 * Live: the per-device counters the BPF programs keep count every call even
 * when the ring buffer overflows, so the call rates come from them.
 */
static void kernel_counters(struct feed *f, struct frame *fr, struct devrow *r)
{
	struct dmas_live_counters c;

	if (dmas_source_live_counters(f->src, r->id, &c))
		return;
	r->maps = c.maps;
	r->unmaps = c.unmaps;
	r->syncs = c.syncs;
	r->map_errors = c.map_errors;
	fr->kernel_counters = true;
}

static int find_newest_first(const void *a, const void *b)
{
	const struct findrow *x = a, *y = b;

	if (x->f.ts != y->f.ts)
		return x->f.ts < y->f.ts ? 1 : -1;
	return x->f.seq < y->f.seq ? 1 : x->f.seq > y->f.seq ? -1 : 0;
}

static void take_findings(struct feed *f, struct frame *fr)
{
	struct dmas_engine *e = f->engine;
	size_t n = dmas_engine_nr_findings(e), i, first;

	fr->nr_findings = n;
	for (i = 0; i < n; i++) {
		const struct dmas_finding *x = dmas_engine_finding(e, i);

		if (x->severity <= DMAS_SEV_ERROR)
			fr->findings_by_sev[x->severity]++;
	}
	first = n > FRAME_MAX_FINDINGS ? n - FRAME_MAX_FINDINGS : 0;
	fr->finds = calloc(n - first + 1, sizeof(*fr->finds));
	fr->vis_finds = calloc(n - first + 1, sizeof(*fr->vis_finds));
	if (!fr->finds || !fr->vis_finds)
		return;
	for (i = first; i < n; i++) {
		struct findrow *r = &fr->finds[fr->nr_finds++];
		const struct dmas_device *d;

		r->f = *dmas_engine_finding(e, i);
		d = dmas_engine_device_by_id(e, r->f.dev);
		SAFE(r->dev_name, d ? d->name : "-");
		SAFE(r->driver, d ? d->driver : "");
		SAFE(r->f.detail, dmas_engine_finding(e, i)->detail);
	}
	qsort(fr->finds, fr->nr_finds, sizeof(*fr->finds), find_newest_first);
}

static void dev_name_of(struct dmas_engine *e, uint32_t id, char *buf, size_t n)
{
	const struct dmas_device *d =
		id ? dmas_engine_device_by_id(e, id) : NULL;

	if (d)
		dmas_text_safe(d->name, buf, n);
	else if (id)
		snprintf(buf, n, "dev%u", id);
	else
		buf[0] = '\0';
}

static void take_channels(struct feed *f, const struct frame *prev,
			  struct frame *fr, bool rates)
{
	struct dmas_engine *e = f->engine;
	size_t i, n = dmas_engine_nr_channels(e);
	const size_t maxd =
		sizeof(fr->chans->descs) / sizeof(fr->chans->descs[0]);

	fr->chans = calloc(n + 1, sizeof(*fr->chans));
	if (!fr->chans)
		return;
	for (i = 0; i < n; i++) {
		const struct dmas_chan_info *ci = dmas_engine_channel(e, i);
		struct chanrow *c = &fr->chans[fr->nr_chans++];
		const struct chanrow *p;

		c->provider = ci->provider;
		c->chan = ci->id;
		c->index = ci->index;
		c->held = !ci->released;
		dev_name_of(e, ci->provider, c->provider_name,
			    sizeof(c->provider_name));
		dev_name_of(e, ci->client, c->client_name,
			    sizeof(c->client_name));
		c->submitted = ci->submitted;
		c->issued = ci->issued;
		c->completed = ci->completed;
		c->errors = ci->errors;
		c->terminated = ci->terminated;
		c->pending = ci->pending;
		c->inflight = ci->in_flight;
		c->bytes = ci->bytes;
		c->completed_bytes = ci->completed_bytes;
		dmas_engine_chan_latency(e, i, DMAS_LAT_SUBMIT_COMPLETE,
					 &c->lat);
		c->over_budget = ci->over_budget;
		c->nr_open = dmas_engine_chan_descs(e, i, c->descs, maxd);
		c->nr_descs = c->nr_open < maxd ? c->nr_open : maxd;
		if (c->nr_open && fr->now_ts > c->descs[0].submit_ts)
			c->oldest_age_ns = fr->now_ts - c->descs[0].submit_ts;
		p = prev_chan(prev, c->provider, c->chan);
		if (rates) {
			c->completions_s = rate(c->completed,
						p ? p->completed : 0, fr->dt);
			c->mbs = rate(c->completed_bytes,
				      p ? p->completed_bytes : 0, fr->dt);
		}
	}
}

void frame_take(struct feed *f, const struct frame *prev, struct frame *fr,
		uint64_t now_ts, bool rates)
{
	struct dmas_engine *e;
	size_t i, n;

	memset(fr, 0, sizeof(*fr));
	pthread_mutex_lock(&f->lock);
	e = f->engine;
	fr->generation = f->generation;
	fr->session = f->session;
	safe_session(&fr->session);
	fr->origin = f->have_origin ? f->origin : now_ts;
	fr->now_ts = now_ts;
	fr->rel_ns = now_ts > fr->origin ? now_ts - fr->origin : 0;
	/*
	 * A rate over less than RATE_MIN_NS of recorded time says nothing
	 * (six events in 600 ns are not 10 million a second): shown as "-".
	 */
	if (prev && prev->generation == fr->generation &&
	    now_ts >= prev->now_ts + RATE_MIN_NS && rates) {
		fr->dt = (double)(now_ts - prev->now_ts) / NSEC;
		fr->rates_valid = true;
	} else {
		prev = NULL;
	}
	if (!e) {
		pthread_mutex_unlock(&f->lock);
		return;
	}
	fr->events = dmas_engine_events(e);
	fr->lost = dmas_engine_lost(e);
	n = dmas_engine_nr_devices(e);
	fr->devs = calloc(n + 1, sizeof(*fr->devs));
	fr->vis = calloc(n + 1, sizeof(*fr->vis));
	for (i = 0; fr->devs && fr->vis && i < n; i++) {
		const struct dmas_device *d = dmas_engine_device(e, i);
		struct devrow *r = &fr->devs[fr->nr_devs++];
		int k;

		fill_row(r, d, dmas_engine_dev_stats(e, d->id),
			 dmas_engine_dev_masks(e, d->id));
		if (!f->path && f->src)
			kernel_counters(f, fr, r);
		if (fr->rates_valid)
			row_rates(r, prev_row(prev, r->id), fr->dt);
		for (k = 0; k < DMAS_NDIR; k++)
			fr->mapped_bytes += r->map_bytes[k];
		fr->outstanding += r->outstanding;
		fr->outstanding_bytes += r->outstanding_bytes;
		fr->coherent_bytes += r->coherent_bytes;
	}
	if (!f->path && f->src) {
		struct dmas_live_stats ls;

		if (!dmas_source_live_stats(f->src, &ls)) {
			fr->live = true;
			if (ls.lost > fr->lost)
				fr->lost = ls.lost;
			fr->stack_errors = ls.stack_errors;
			fr->nr_hooks = ls.hooks;
		}
	}
	take_findings(f, fr);
	take_channels(f, prev, fr, fr->rates_valid);
	pthread_mutex_unlock(&f->lock);

	if (fr->rates_valid) {
		fr->events_s = rate(fr->events, prev->events, fr->dt);
		fr->mapped_bytes_s =
			rate(fr->mapped_bytes, prev->mapped_bytes, fr->dt);
	}
}

bool frame_match(const char *filter, const char *name, const char *driver)
{
	if (!filter || !filter[0])
		return true;
	return strcasestr(name, filter) || strcasestr(driver, filter);
}

static const struct frame_opts *sort_opts;

static int dev_cmp(const void *a, const void *b)
{
	const struct devrow *x = a, *y = b;
	const struct dev_column *c = &dev_columns[sort_opts->sort_col];
	int r;

	if (c->cmp) {
		r = c->cmp(x, y);
	} else {
		double vx = c->num(x), vy = c->num(y);

		/* numbers sort biggest first, as in top */
		r = vx < vy ? 1 : vx > vy ? -1 : 0;
	}
	if (sort_opts->sort_invert)
		r = -r;
	return r ? r : strcmp(x->name, y->name);
}

void frame_apply(struct frame *fr, const struct frame_opts *o)
{
	size_t i;

	if (fr->devs && fr->nr_devs) {
		/* qsort has no context argument in C11 */
		sort_opts = o;
		qsort(fr->devs, fr->nr_devs, sizeof(*fr->devs), dev_cmp);
	}
	fr->nr_vis = 0;
	for (i = 0; fr->vis && i < fr->nr_devs; i++)
		if (frame_match(o->filter, fr->devs[i].name,
				fr->devs[i].driver))
			fr->vis[fr->nr_vis++] = i;
	fr->nr_vis_finds = 0;
	for (i = 0; fr->vis_finds && i < fr->nr_finds; i++)
		if (frame_match(o->filter, fr->finds[i].dev_name,
				fr->finds[i].driver))
			fr->vis_finds[fr->nr_vis_finds++] = i;
}

void frame_free(struct frame *fr)
{
	free(fr->devs);
	free(fr->vis);
	free(fr->finds);
	free(fr->vis_finds);
	free(fr->chans);
	memset(fr, 0, sizeof(*fr));
}
