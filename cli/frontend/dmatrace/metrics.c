// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics.c - the engine's state as Prometheus metrics for `dmatrace serve`.
 *
 * Rules that keep a fleet's Prometheus healthy:
 * - Series are slots keyed by (device, driver, numa_node).  A device gets
 *   its own slot while fewer than max_devices slots are exported; the rest
 *   fold into one slot, device="other" (driver and numa_node empty).
 * - Counters flow into slots as deltas of the engine's whole-run counters,
 *   so a slot's counters only grow, whichever devices join or leave it.  A
 *   device keeps the driver it had last (the engine forgets it at unbind),
 *   so an unbind does not move its series.
 * - A device with nothing outstanding and no event for device_ttl_ns (on
 *   the event clock, from the engine's newest event per device: how often
 *   we are scraped does not matter) stops being exported, and its slot
 *   too once no live device is left in it; activity brings it back, with
 *   its slot's counters where they were.  "other" stays once it exists.
 * - No addresses, pids or stacks in labels: findings are counted by
 *   device slot, id and severity.
 * - Per-channel latency series carry the provider's slot labels and the
 *   channel's index on it: only channels of devices exported on their own,
 *   at most MAX_CHAN_SERIES of them (first seen first); the others are
 *   counted in dmascope_dmaengine_channels_not_exported.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "version.h" /* generated: DMAS_VERSION, DMAS_REVISION */

/* Whole-run counters taken from struct dmas_dev_stats. */
enum {
	C_MAPS = 0, /* + dir */
	C_BYTES = C_MAPS + DMAS_NDIR, /* + dir */
	C_UNMAPS = C_BYTES + DMAS_NDIR,
	C_SYNC_CPU,
	C_SYNC_DEV,
	C_MAP_ERR,
	C_COH_ALLOCS,
	C_REMOTE,
	C_LOCAL,
	C_BOUNCED,
	C_BOUNCE_BYTES,
	C_XSUB,
	C_XDONE,
	C_XFAIL,
	C_IOMMU_FAULTS,
	C_DMABUF_EXPORTS,
	C_DMABUF_BYTES,
	C_CMA_ALLOCS,
	C_CMA_FAILURES,
	C_LAT, /* + bucket */
	C_LAT_SUM = C_LAT + DMAS_XFER_LAT_BUCKETS,
	C_NR
};

/* Channels with latency series of their own, at most. */
#define MAX_CHAN_SERIES 64

/* One channel's latency at the last update. */
struct chanlat {
	int slot; /* its provider's */
	uint32_t index;
	uint64_t over_budget;
	struct dmas_lat_summary l[DMAS_LAT_PHASES];
};

/* Levels: summed over a slot's live devices at each update. */
enum {
	G_OUT,
	G_OUTB,
	G_COH,
	G_POOL,
	G_POOLB,
	G_INFLIGHT,
	G_DMABUF_BYTES,
	G_DMABUF_MAPPED,
	G_CMA_BYTES,
	G_NR
};

struct slot {
	char device[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN];
	char bus[DMAS_BUS_NAME_LEN];
	int32_t node;
	bool other;
	bool iommu;
	uint8_t mask_bits; /* width of the device's DMA mask, 0: not known */
	uint8_t iommu_domain; /* enum dmas_iommu_domain */
	uint8_t port; /* enum dmas_port */
	uint32_t iommu_group;
	/* device="..",driver="..",numa_node=".." escaped, made once */
	char lbl[2 * (DMAS_DEV_NAME_LEN + DMAS_DRV_NAME_LEN) + 48];
	unsigned live; /* devices in it, not expired */
	uint64_t c[C_NR];
	uint64_t g[G_NR];
	uint64_t findings[DMAS_FINDING_KIND_MAX];
};

struct devtrack {
	bool seen;
	bool expired;
	int slot; /* index in slots */
	char driver[DMAS_DRV_NAME_LEN]; /* last non-empty */
	uint64_t counted[C_NR]; /* already added to a slot */
	uint64_t last_active;
};

struct metrics {
	struct metrics_opts o;
	struct slot *slots;
	size_t nr_slots, cap_slots;
	int other; /* slot index, -1 none yet */
	struct devtrack *tracks; /* by device id */
	size_t nr_tracks;
	uint64_t *fcounted; /* occurrences counted, by finding index */
	size_t cap_fcounted;
	/* engine-wide, at the last update */
	struct dmas_session session;
	uint64_t events, lost, dropped, no_device;
	uint64_t lost_by[DMAS_LOSS_REASONS];
	struct dmas_dmabuf_stats dmabuf;
	bool have_update;
	char *hooks; /* metrics_set_hooks, NULL: the session's */
	struct chanlat chans[MAX_CHAN_SERIES];
	size_t nr_chans;
	uint64_t chans_not_exported; /* channels with no series of their own */
};

static const char *const dir_names[DMAS_NDIR] = {
	[DMAS_DIR_BIDIRECTIONAL] = "bidirectional",
	[DMAS_DIR_TO_DEVICE] = "to_device",
	[DMAS_DIR_FROM_DEVICE] = "from_device",
	[DMAS_DIR_NONE] = "none",
};

struct metrics *metrics_new(const struct metrics_opts *o)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->o = *o;
	if (!m->o.max_devices)
		m->o.max_devices = 256;
	if (!m->o.source)
		m->o.source = "live";
	m->other = -1;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->tracks);
	free(m->fcounted);
	free(m->hooks);
	free(m);
}

static void take_stats(const struct dmas_dev_stats *st, uint64_t *c,
		       uint64_t *g)
{
	int i;

	for (i = 0; i < DMAS_NDIR; i++) {
		c[C_MAPS + i] = st->maps[i];
		c[C_BYTES + i] = st->map_bytes[i];
	}
	c[C_UNMAPS] = st->unmaps;
	c[C_SYNC_CPU] = st->syncs_for_cpu;
	c[C_SYNC_DEV] = st->syncs_for_device;
	c[C_MAP_ERR] = st->map_errors;
	c[C_COH_ALLOCS] = st->coherent_allocs;
	c[C_REMOTE] = st->remote_bytes;
	c[C_LOCAL] = st->local_bytes;
	c[C_BOUNCED] = st->bounced;
	c[C_BOUNCE_BYTES] = st->bounce_bytes;
	c[C_XSUB] = st->xfers_submitted;
	c[C_XDONE] = st->xfers_completed;
	c[C_XFAIL] = st->xfers_failed;
	c[C_IOMMU_FAULTS] = st->iommu_faults;
	c[C_DMABUF_EXPORTS] = st->dmabuf_exports;
	c[C_DMABUF_BYTES] = st->dmabuf_exported_bytes;
	c[C_CMA_ALLOCS] = st->cma_allocs;
	c[C_CMA_FAILURES] = st->cma_failures;
	for (i = 0; i < DMAS_XFER_LAT_BUCKETS; i++)
		c[C_LAT + i] = st->xfer_lat[i];
	c[C_LAT_SUM] = st->xfer_lat_sum_ns;
	g[G_OUT] = st->outstanding;
	g[G_OUTB] = st->outstanding_bytes;
	g[G_COH] = st->coherent_bytes;
	g[G_POOL] = st->pool_blocks;
	g[G_POOLB] = st->pool_bytes;
	g[G_INFLIGHT] = st->xfers_in_flight;
	g[G_DMABUF_BYTES] = st->dmabuf_live_bytes;
	g[G_DMABUF_MAPPED] = st->dmabuf_mapped;
	g[G_CMA_BYTES] = st->cma_bytes;
}

/* Appends v to out[*n] escaped for a label value (\\, \", \n). */
static void escape(char *out, size_t *n, size_t cap, const char *v)
{
	for (; *v && *n + 3 < cap; v++) {
		if (*v == '\\' || *v == '"') {
			out[(*n)++] = '\\';
			out[(*n)++] = *v;
		} else if (*v == '\n') {
			out[(*n)++] = '\\';
			out[(*n)++] = 'n';
		} else {
			out[(*n)++] = *v;
		}
	}
	out[*n] = '\0';
}

static void make_labels(struct slot *s)
{
	size_t n = 0, cap = sizeof(s->lbl);

	n += snprintf(s->lbl, cap, "device=\"");
	escape(s->lbl, &n, cap - 40, s->device);
	n += snprintf(s->lbl + n, cap - n, "\",driver=\"");
	escape(s->lbl, &n, cap - 24, s->driver);
	if (s->other)
		snprintf(s->lbl + n, cap - n, "\",numa_node=\"\"");
	else
		snprintf(s->lbl + n, cap - n, "\",numa_node=\"%d\"", s->node);
}

static int new_slot(struct metrics *m)
{
	if (m->nr_slots == m->cap_slots) {
		size_t n = m->cap_slots ? 2 * m->cap_slots : 16;
		struct slot *s = realloc(m->slots, n * sizeof(*s));

		if (!s)
			return -1;
		m->slots = s;
		m->cap_slots = n;
	}
	memset(&m->slots[m->nr_slots], 0, sizeof(m->slots[0]));
	return (int)m->nr_slots++;
}

static int other_slot(struct metrics *m)
{
	int i;

	if (m->other >= 0)
		return m->other;
	i = new_slot(m);
	if (i < 0)
		return -1;
	m->slots[i].other = true;
	m->slots[i].node = -1;
	snprintf(m->slots[i].device, sizeof(m->slots[i].device), "other");
	make_labels(&m->slots[i]);
	m->other = i;
	return i;
}

static unsigned own_exported(const struct metrics *m)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < m->nr_slots; i++)
		n += !m->slots[i].other && m->slots[i].live;
	return n;
}

/* Puts a (returning) device into its slot, or "other" past the cap. */
/* DMA_BIT_MASK(n) -> n: the mask's width as a small label value. */
static uint8_t mask_bits(uint64_t mask)
{
	uint8_t n = 0;

	while (n < 64 && (mask >> n) & 1)
		n++;
	return n;
}

static int place(struct metrics *m, struct devtrack *t,
		 const struct dmas_device *d)
{
	struct slot *s = NULL;
	size_t i;
	int k;

	for (i = 0; i < m->nr_slots; i++) {
		s = &m->slots[i];
		if (!s->other && s->node == d->numa_node &&
		    !strcmp(s->device, d->name) &&
		    !strcmp(s->driver, t->driver))
			break;
	}
	if (i < m->nr_slots &&
	    (m->slots[i].live || own_exported(m) < m->o.max_devices)) {
		k = (int)i;
	} else if (own_exported(m) < m->o.max_devices) {
		k = new_slot(m);
		if (k < 0)
			return -1;
		s = &m->slots[k];
		snprintf(s->device, sizeof(s->device), "%s", d->name);
		snprintf(s->driver, sizeof(s->driver), "%s", t->driver);
		s->node = d->numa_node;
		make_labels(s);
	} else {
		k = other_slot(m);
		if (k < 0)
			return -1;
	}
	s = &m->slots[k];
	if (!s->other) {
		snprintf(s->bus, sizeof(s->bus), "%s", d->bus);
		s->iommu = d->flags & DMAS_DEVF_IOMMU;
		s->mask_bits = mask_bits(d->dma_mask);
		s->iommu_domain = d->iommu_domain;
		s->iommu_group = d->iommu_group;
		s->port = d->port;
	}
	s->live++;
	t->slot = k;
	t->expired = false;
	return 0;
}

static struct devtrack *track(struct metrics *m, uint32_t id)
{
	if (id >= m->nr_tracks) {
		size_t n = m->nr_tracks ? m->nr_tracks : 64;
		struct devtrack *t;

		if (id > (1u << 24))
			return NULL;
		while (n <= id)
			n *= 2;
		t = realloc(m->tracks, n * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + m->nr_tracks, 0, (n - m->nr_tracks) * sizeof(*t));
		m->tracks = t;
		m->nr_tracks = n;
	}
	return &m->tracks[id];
}

static void leave(struct metrics *m, struct devtrack *t)
{
	if (!t->expired && t->slot >= 0 && m->slots[t->slot].live)
		m->slots[t->slot].live--;
}

static int update_device(struct metrics *m, const struct dmas_engine *e,
			 const struct dmas_device *d, uint64_t now)
{
	const struct dmas_dev_stats *st = dmas_engine_dev_stats(e, d->id);
	uint64_t c[C_NR], g[G_NR];
	struct devtrack *t;
	struct slot *s;
	bool busy = false, fresh;
	int i;

	if (!st)
		return 0; /* filtered out: not analysed */
	t = track(m, d->id);
	if (!t)
		return -1;
	if (d->driver[0])
		snprintf(t->driver, sizeof(t->driver), "%s", d->driver);
	take_stats(st, c, g);
	for (i = 0; i < G_NR; i++)
		busy |= g[i] != 0;
	/* events since we last looked (their own time, not the scrape's) */
	fresh = st->last_event_ts > t->last_active;
	if (!t->seen) {
		t->seen = true;
		t->last_active = now;
		if (place(m, t, d))
			return -1;
	} else if (t->expired && (fresh || busy)) {
		if (place(m, t, d))
			return -1;
	} else if (!t->expired && !m->slots[t->slot].other &&
		   (strcmp(m->slots[t->slot].driver, t->driver) ||
		    m->slots[t->slot].node != d->numa_node)) {
		/* bound to another driver: its series follow */
		leave(m, t);
		if (place(m, t, d))
			return -1;
	}
	if (fresh)
		t->last_active = st->last_event_ts;
	if (busy)
		t->last_active = now;
	s = &m->slots[t->slot];
	/* dma_set_mask in probe, after the device's first record */
	if (!s->other && !t->expired)
		s->mask_bits = mask_bits(d->dma_mask);
	for (i = 0; i < C_NR; i++) {
		/* a counter the engine lowered (never expected): keep ours */
		if (c[i] > t->counted[i])
			s->c[i] += c[i] - t->counted[i];
		t->counted[i] = c[i];
	}
	if (!t->expired && m->o.device_ttl_ns && now > t->last_active &&
	    now - t->last_active > m->o.device_ttl_ns) {
		leave(m, t);
		t->expired = true;
	}
	if (!t->expired)
		for (i = 0; i < G_NR; i++)
			s->g[i] += g[i];
	return 0;
}

static int update_findings(struct metrics *m, const struct dmas_engine *e,
			   uint64_t now)
{
	size_t nr = dmas_engine_nr_findings(e), i;

	if (nr > m->cap_fcounted) {
		size_t n = m->cap_fcounted ? m->cap_fcounted : 256;
		uint64_t *f;

		while (n < nr)
			n *= 2;
		f = realloc(m->fcounted, n * sizeof(*f));
		if (!f)
			return -1;
		memset(f + m->cap_fcounted, 0,
		       (n - m->cap_fcounted) * sizeof(*f));
		m->fcounted = f;
		m->cap_fcounted = n;
	}
	for (i = 0; i < nr; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);
		uint64_t occ = 1 + f->repeats;
		struct devtrack *t = NULL;
		int k;

		if (occ <= m->fcounted[i])
			continue;
		if (f->dev < m->nr_tracks && m->tracks[f->dev].seen)
			t = &m->tracks[f->dev];
		if (t && t->expired) {
			/* a finding is activity: the device is back */
			const struct dmas_device *d =
				dmas_engine_device_by_id(e, f->dev);

			if (d && place(m, t, d))
				return -1;
			t->last_active = now;
		}
		k = t && !t->expired ? t->slot : other_slot(m);
		if (k < 0)
			return -1;
		m->slots[k].findings[f->kind] += occ - m->fcounted[i];
		m->fcounted[i] = occ;
	}
	return 0;
}

/* The latency of the channels whose provider has a slot of its own. */
static void update_channels(struct metrics *m, const struct dmas_engine *e)
{
	size_t i, ph, n = dmas_engine_nr_channels(e);

	m->nr_chans = 0;
	m->chans_not_exported = 0;
	for (i = 0; i < n; i++) {
		const struct dmas_chan_info *c = dmas_engine_channel(e, i);
		const struct devtrack *t = NULL;
		struct chanlat *cl;

		if (c->provider < m->nr_tracks && m->tracks[c->provider].seen)
			t = &m->tracks[c->provider];
		if (!t || t->expired || m->slots[t->slot].other ||
		    m->nr_chans == MAX_CHAN_SERIES) {
			m->chans_not_exported++;
			continue;
		}
		cl = &m->chans[m->nr_chans++];
		cl->slot = t->slot;
		cl->index = c->index;
		cl->over_budget = c->over_budget;
		for (ph = 0; ph < DMAS_LAT_PHASES; ph++)
			dmas_engine_chan_latency(e, i, ph, &cl->l[ph]);
	}
}

int metrics_update(struct metrics *m, const struct dmas_engine *e,
		   uint64_t now_ts)
{
	size_t i, n = dmas_engine_nr_devices(e);

	for (i = 0; i < m->nr_slots; i++)
		memset(m->slots[i].g, 0, sizeof(m->slots[i].g));
	for (i = 0; i < n; i++)
		if (update_device(m, e, dmas_engine_device(e, i), now_ts))
			return -1;
	if (update_findings(m, e, now_ts))
		return -1;
	update_channels(m, e);
	m->session = *dmas_engine_session(e);
	m->events = dmas_engine_events(e);
	m->lost = dmas_engine_lost(e);
	for (i = 0; i < DMAS_LOSS_REASONS; i++)
		m->lost_by[i] =
			dmas_engine_lost_by(e, (enum dmas_loss_reason)i);
	m->dropped = dmas_engine_dropped(e);
	m->no_device = dmas_engine_no_device(e);
	dmas_engine_dmabuf_stats(e, &m->dmabuf);
	m->have_update = true;
	return 0;
}

int metrics_set_hooks(struct metrics *m, const char *hooks)
{
	char *h;

	if (m->hooks && !strcmp(m->hooks, hooks))
		return 0;
	h = strdup(hooks);
	if (!h)
		return -1;
	free(m->hooks);
	m->hooks = h;
	return 0;
}

void metrics_device_counts(const struct metrics *m, unsigned *own,
			   unsigned *folded, unsigned *expired)
{
	size_t i;

	*own = *folded = *expired = 0;
	for (i = 0; i < m->nr_tracks; i++) {
		const struct devtrack *t = &m->tracks[i];

		if (!t->seen)
			continue;
		if (t->expired)
			(*expired)++;
		else if (m->slots[t->slot].other)
			(*folded)++;
		else
			(*own)++;
	}
}

/* ---- rendering ---- */

static bool exported(const struct slot *s)
{
	return s->other || s->live;
}

static void put_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void put_dev_labels(FILE *f, const struct slot *s)
{
	fputs(s->lbl, f);
}

static void family(FILE *f, const char *name, const char *type,
		   const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample per exported slot of a per-device family. */
static void per_slot(FILE *f, const struct metrics *m, const char *name,
		     const char *type, const char *help, int ci, int gi)
{
	size_t i;

	family(f, name, type, help);
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s))
			continue;
		fprintf(f, "%s{", name);
		put_dev_labels(f, s);
		fprintf(f, "} %" PRIu64 "\n", ci >= 0 ? s->c[ci] : s->g[gi]);
	}
}

static void per_slot_dir(FILE *f, const struct metrics *m, const char *name,
			 const char *help, int base)
{
	size_t i;
	int d;

	family(f, name, "counter", help);
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s))
			continue;
		for (d = 0; d < DMAS_NDIR; d++) {
			/* DMA_NONE only when a caller used it */
			if (d == DMAS_DIR_NONE && !s->c[base + d])
				continue;
			fprintf(f, "%s{", name);
			put_dev_labels(f, s);
			fprintf(f, ",dir=\"%s\"} %" PRIu64 "\n", dir_names[d],
				s->c[base + d]);
		}
	}
}

static bool has_dmaengine(const struct slot *s)
{
	return s->c[C_XSUB] || s->c[C_XDONE] || s->c[C_XFAIL] ||
	       s->g[G_INFLIGHT];
}

static void dmaengine_families(FILE *f, const struct metrics *m)
{
	static const struct {
		const char *name, *help;
		int c;
	} ctr[] = {
		{"dmascope_dmaengine_transfers_submitted_total",
		 "dmaengine descriptors submitted on the device's channels.",
		 C_XSUB},
		{"dmascope_dmaengine_transfers_completed_total",
		 "dmaengine transfers completed without error.", C_XDONE},
		{"dmascope_dmaengine_transfers_failed_total",
		 "dmaengine transfers completed with an error.", C_XFAIL},
	};
	const char *h = "dmascope_dmaengine_transfer_latency_seconds";
	size_t i, k;

	for (k = 0; k < sizeof(ctr) / sizeof(ctr[0]); k++) {
		family(f, ctr[k].name, "counter", ctr[k].help);
		for (i = 0; i < m->nr_slots; i++) {
			const struct slot *s = &m->slots[i];

			if (!exported(s) || !has_dmaengine(s))
				continue;
			fprintf(f, "%s{", ctr[k].name);
			put_dev_labels(f, s);
			fprintf(f, "} %" PRIu64 "\n", s->c[ctr[k].c]);
		}
	}
	family(f, "dmascope_dmaengine_transfers_in_flight", "gauge",
	       "dmaengine transfers issued and not completed.");
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s) || !has_dmaengine(s))
			continue;
		fputs("dmascope_dmaengine_transfers_in_flight{", f);
		put_dev_labels(f, s);
		fprintf(f, "} %" PRIu64 "\n", s->g[G_INFLIGHT]);
	}
	family(f, h, "histogram",
	       "Time from submission to completion of dmaengine transfers completed without error.");
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];
		uint64_t cum = 0;

		if (!exported(s) || !has_dmaengine(s))
			continue;
		for (k = 0; k < DMAS_XFER_LAT_BUCKETS; k++) {
			cum += s->c[C_LAT + k];
			fprintf(f, "%s_bucket{", h);
			put_dev_labels(f, s);
			if (k < DMAS_XFER_LAT_BUCKETS - 1)
				fprintf(f, ",le=\"%g\"} %" PRIu64 "\n",
					dmas_xfer_lat_bounds_ns[k] / 1e9, cum);
			else
				fprintf(f, ",le=\"+Inf\"} %" PRIu64 "\n", cum);
		}
		fprintf(f, "%s_sum{", h);
		put_dev_labels(f, s);
		fprintf(f, "} %.9f\n%s_count{", s->c[C_LAT_SUM] / 1e9, h);
		put_dev_labels(f, s);
		fprintf(f, "} %" PRIu64 "\n", cum);
	}
}

/* Per channel: latency quantiles by phase, transfers over the budget. */
static void channel_families(FILE *f, const struct metrics *m)
{
	static const struct {
		const char *q;
		size_t off;
	} qs[] = {
		{"0.5", offsetof(struct dmas_lat_summary, p50_ns)},
		{"0.99", offsetof(struct dmas_lat_summary, p99_ns)},
		{"1", offsetof(struct dmas_lat_summary, max_ns)},
	};
	const char *h = "dmascope_dmaengine_channel_latency_seconds";
	const char *o = "dmascope_dmaengine_channel_over_budget_total";
	size_t i, ph, k;

	family(f, h, "summary",
	       "Latency of dmaengine transfers completed without error, per channel (index on its provider) and phase: submit_to_start, start_to_complete (providers that report the start), submit_to_complete; quantile 1 is the largest, the others are within 12.5% above the true value.");
	for (i = 0; i < m->nr_chans; i++) {
		const struct chanlat *c = &m->chans[i];

		for (ph = 0; ph < DMAS_LAT_PHASES; ph++) {
			const struct dmas_lat_summary *l = &c->l[ph];
			char lbl[sizeof(m->slots->lbl) + 64];

			if (!l->count)
				continue;
			snprintf(lbl, sizeof(lbl),
				 "%s,channel=\"%u\",phase=\"%s\"",
				 m->slots[c->slot].lbl, c->index,
				 dmas_lat_phase_names[ph]);
			for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
				uint64_t v;

				memcpy(&v, (const char *)l + qs[k].off,
				       sizeof(v));
				fprintf(f, "%s{%s,quantile=\"%s\"} %.9f\n", h,
					lbl, qs[k].q, v / 1e9);
			}
			fprintf(f,
				"%s_sum{%s} %.9f\n%s_count{%s} %" PRIu64 "\n",
				h, lbl, l->sum_ns / 1e9, h, lbl, l->count);
		}
	}
	family(f, o, "counter",
	       "dmaengine transfers on the channel completed later than --latency-budget after their submission (each also counts in its channel's xfer-over-budget finding).");
	for (i = 0; i < m->nr_chans; i++)
		fprintf(f, "%s{%s,channel=\"%u\"} %" PRIu64 "\n", o,
			m->slots[m->chans[i].slot].lbl, m->chans[i].index,
			m->chans[i].over_budget);
	family(f, "dmascope_dmaengine_channels_not_exported", "gauge",
	       "dmaengine channels without latency series of their own: their provider is folded into device=\"other\" or expired, or more than 64 channels are exported.");
	fprintf(f, "dmascope_dmaengine_channels_not_exported %" PRIu64 "\n",
		m->chans_not_exported);
}

static void findings_family(FILE *f, const struct metrics *m)
{
	size_t i;
	int k;

	family(f, "dmascope_findings_total", "counter",
	       "Findings made, repeats included, by finding id and severity (ids: dmatrace replay --help, README).");
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s))
			continue;
		for (k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
			if (!s->findings[k])
				continue;
			fputs("dmascope_findings_total{", f);
			put_dev_labels(f, s);
			fprintf(f, ",id=\"%s\",severity=\"%s\"} %" PRIu64 "\n",
				dmas_finding_table[k].id,
				dmas_severity_name(
					dmas_finding_table[k].severity),
				s->findings[k]);
		}
	}
}

static void device_info(FILE *f, const struct metrics *m)
{
	size_t i;

	family(f, "dmascope_device_info", "gauge",
	       "Devices exported with their own series: bus, whether an IOMMU translates their addresses, the width of their DMA mask in bits (0: not known), and their isolation: IOMMU group, its domain type as sysfs names it, what that means (translated, identity, none, blocked, unknown) and the port (fixed, removable, untrusted, unknown).");
	for (i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s) || s->other)
			continue;
		fputs("dmascope_device_info{", f);
		put_dev_labels(f, s);
		fputs(",bus=\"", f);
		put_value(f, s->bus);
		fprintf(f,
			"\",iommu=\"%s\",dma_mask_bits=\"%u\",iommu_group=\"",
			s->iommu ? "yes" : "no", s->mask_bits);
		/* a group number only where the group is real */
		if (s->iommu_domain >= DMAS_IOMMU_DMA)
			fprintf(f, "%u", s->iommu_group);
		fprintf(f,
			"\",iommu_domain=\"%s\",isolation=\"%s\",port=\"%s\"} 1\n",
			dmas_iommu_domain_name(s->iommu_domain),
			dmas_iommu_isolation(s->iommu_domain),
			dmas_port_name(s->port));
	}
}

/*
 * The hooks, from metrics_set_hooks ("fam:op,fam:op") or else the
 * session's ("tp_btf:dma_map_phys dma_unmap_phys;raw_tp:map" as the live
 * source writes it), one series per function; a session list cut at its
 * 256 bytes ends in "...", which is skipped.
 */
static void hook_info(FILE *f, const struct metrics *m)
{
	const char *src = m->hooks ? m->hooks : m->session.hooks;
	size_t len = strlen(src) + 1, cap = 16 * len + 64;
	char *hooks = malloc(len), *seen = malloc(cap), *key;
	char *save = NULL, *tok;
	const char *fam = NULL;

	family(f, "dmascope_hook_info", "gauge",
	       "The hook family tracing each kernel function (op).");
	key = malloc(len + 4);
	if (!hooks || !seen || !key)
		goto out;
	memcpy(hooks, src, len);
	strcpy(seen, ",");
	for (tok = strtok_r(hooks, ";, ", &save); tok;
	     tok = strtok_r(NULL, ";, ", &save)) {
		char *colon = strchr(tok, ':');
		const char *op = tok;

		if (colon) {
			*colon = '\0';
			fam = tok;
			op = colon + 1;
		}
		if (!fam || !fam[0] || !op[0] || !strcmp(op, "..."))
			continue;
		snprintf(key, len + 4, ",%s:%s,", fam, op);
		/* a grouped list repeats no family: seen may outgrow it */
		if (strstr(seen, key) || strlen(seen) + strlen(key) >= cap)
			continue;
		strcat(seen, key + 1);
		fputs("dmascope_hook_info{op=\"", f);
		put_value(f, op);
		fputs("\",family=\"", f);
		put_value(f, fam);
		fputs("\"} 1\n", f);
	}
out:
	free(hooks);
	free(seen);
	free(key);
}

static void process_families(FILE *f, const struct metrics *m,
			     const struct metrics_http_stats *http)
{
	unsigned own, folded, expired, i;

	family(f, "dmascope_build_info", "gauge",
	       "The dmascope build serving these metrics.");
	fprintf(f, "dmascope_build_info{version=\"%s\",revision=\"%s\"} 1\n",
		DMAS_VERSION, DMAS_REVISION);
	family(f, "dmascope_session_info", "gauge",
	       "The traced kernel, and whether events come from live tracing or a replayed recording.");
	fputs("dmascope_session_info{kernel=\"", f);
	put_value(f, m->session.kernel_release);
	fprintf(f, "\",source=\"%s\"} 1\n", m->o.source);
	if (m->session.start_realtime_ns) {
		family(f, "dmascope_session_start_time_seconds", "gauge",
		       "When tracing started (the recording's start in replay), seconds since the epoch.");
		fprintf(f, "dmascope_session_start_time_seconds %.3f\n",
			m->session.start_realtime_ns / 1e9);
	}
	hook_info(f, m);
	family(f, "dmascope_events_total", "counter",
	       "Events analysed by the engine.");
	fprintf(f, "dmascope_events_total %" PRIu64 "\n", m->events);
	family(f, "dmascope_lost_events_total", "counter",
	       "Events lost before analysis (kernel ring buffer full, or calls the kernel ran no program for); findings a loss could explain are marked uncertain.");
	fprintf(f, "dmascope_lost_events_total %" PRIu64 "\n", m->lost);
	family(f, "dmascope_lost_events_by_reason_total", "counter",
	       "Of those, by who counted them: ring (the ring buffer was full: raise --ringbuf-kb), recursion (calls the kernel ran no program for: a hooked function called from an interrupt while its program ran on that CPU), kretprobe (returns kretprobe instances missed).");
	for (i = 0; i < DMAS_LOSS_REASONS; i++)
		fprintf(f,
			"dmascope_lost_events_by_reason_total{reason=\"%s\"} %" PRIu64
			"\n",
			dmas_loss_reason_name(i), m->lost_by[i]);
	family(f, "dmascope_engine_dropped_total", "counter",
	       "Events and findings the engine could not keep (out of memory, device table full).");
	fprintf(f, "dmascope_engine_dropped_total %" PRIu64 "\n", m->dropped);
	family(f, "dmascope_events_without_device_total", "counter",
	       "Events that named no known device (not analysed).");
	fprintf(f, "dmascope_events_without_device_total %" PRIu64 "\n",
		m->no_device);
	family(f, "dmascope_fences_pending", "gauge",
	       "dma_fences initialised and neither signalled nor destroyed yet.");
	fprintf(f, "dmascope_fences_pending %" PRIu64 "\n",
		m->dmabuf.fences_pending);
	family(f, "dmascope_fences_signalled_total", "counter",
	       "dma_fences signalled.");
	fprintf(f, "dmascope_fences_signalled_total %" PRIu64 "\n",
		m->dmabuf.fences_signalled);
	metrics_device_counts(m, &own, &folded, &expired);
	family(f, "dmascope_exported_devices", "gauge",
	       "Devices by how they are exported: own series, folded into device=\"other\" (past --max-devices), expired (quiet past --device-ttl).");
	fprintf(f,
		"dmascope_exported_devices{state=\"own\"} %u\n"
		"dmascope_exported_devices{state=\"folded\"} %u\n"
		"dmascope_exported_devices{state=\"expired\"} %u\n",
		own, folded, expired);
	family(f, "dmascope_max_devices", "gauge",
	       "Devices exported with their own series at most (--max-devices).");
	fprintf(f, "dmascope_max_devices %u\n", m->o.max_devices);
	if (!http)
		return;
	family(f, "dmascope_http_requests_total", "counter",
	       "HTTP requests answered by the metrics endpoint.");
	fprintf(f, "dmascope_http_requests_total %" PRIu64 "\n",
		http->requests);
	family(f, "dmascope_http_request_errors_total", "counter",
	       "HTTP requests answered with an error status (4xx, 5xx).");
	fprintf(f, "dmascope_http_request_errors_total %" PRIu64 "\n",
		http->errors);
	family(f, "dmascope_http_rejected_connections_total", "counter",
	       "Connections cut off because too many were open (--max-connections): the oldest that had sent no request, else the newest.");
	fprintf(f, "dmascope_http_rejected_connections_total %" PRIu64 "\n",
		http->rejected);
	family(f, "dmascope_http_open_connections", "gauge",
	       "Connections open to the metrics endpoint now.");
	fprintf(f, "dmascope_http_open_connections %" PRIu64 "\n", http->open);
}

long metrics_render(struct metrics *m, const struct metrics_http_stats *http,
		    char **buf, size_t *cap)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return -1;
	per_slot_dir(
		f, m, "dmascope_maps_total",
		"Streaming DMA mappings made (single, scatter-gather, resource), by direction.",
		C_MAPS);
	per_slot_dir(f, m, "dmascope_mapped_bytes_total",
		     "Bytes of streaming DMA mappings made, by direction.",
		     C_BYTES);
	per_slot(f, m, "dmascope_unmaps_total", "counter",
		 "Streaming DMA mappings released.", C_UNMAPS, -1);
	family(f, "dmascope_syncs_total", "counter",
	       "dma_sync calls, by whom they hand the buffer to (to=\"cpu\": sync_for_cpu, to=\"device\": sync_for_device).");
	for (size_t i = 0; i < m->nr_slots; i++) {
		const struct slot *s = &m->slots[i];

		if (!exported(s))
			continue;
		fputs("dmascope_syncs_total{", f);
		put_dev_labels(f, s);
		fprintf(f, ",to=\"cpu\"} %" PRIu64 "\n", s->c[C_SYNC_CPU]);
		fputs("dmascope_syncs_total{", f);
		put_dev_labels(f, s);
		fprintf(f, ",to=\"device\"} %" PRIu64 "\n", s->c[C_SYNC_DEV]);
	}
	per_slot(f, m, "dmascope_map_errors_total", "counter",
		 "Map calls that returned DMA_MAPPING_ERROR.", C_MAP_ERR, -1);
	per_slot(f, m, "dmascope_outstanding_mappings", "gauge",
		 "Streaming DMA mappings made and not yet released.", -1,
		 G_OUT);
	per_slot(f, m, "dmascope_outstanding_bytes", "gauge",
		 "Bytes of streaming DMA mappings made and not yet released.",
		 -1, G_OUTB);
	per_slot(f, m, "dmascope_coherent_allocations_total", "counter",
		 "Coherent allocations (dma_alloc_attrs, dma_alloc_pages).",
		 C_COH_ALLOCS, -1);
	per_slot(f, m, "dmascope_coherent_bytes", "gauge",
		 "Bytes of coherent memory allocated and not yet freed.", -1,
		 G_COH);
	per_slot(f, m, "dmascope_pool_blocks", "gauge",
		 "dma_pool blocks allocated and not yet freed.", -1, G_POOL);
	per_slot(f, m, "dmascope_pool_bytes", "gauge",
		 "Bytes of dma_pool blocks allocated and not yet freed.", -1,
		 G_POOLB);
	per_slot(
		f, m, "dmascope_remote_node_bytes_total", "counter",
		"Mapped bytes whose memory is on another NUMA node than the device.",
		C_REMOTE, -1);
	per_slot(f, m, "dmascope_local_node_bytes_total", "counter",
		 "Mapped bytes whose memory is on the device's NUMA node.",
		 C_LOCAL, -1);
	per_slot(f, m, "dmascope_swiotlb_bounces_total", "counter",
		 "Mappings bounced through swiotlb.", C_BOUNCED, -1);
	per_slot(
		f, m, "dmascope_swiotlb_bounce_bytes_total", "counter",
		"Bytes swiotlb copied for the device, into and out of its bounce buffers.",
		C_BOUNCE_BYTES, -1);
	per_slot(f, m, "dmascope_iommu_faults_total", "counter",
		 "IOMMU faults reported for the device.", C_IOMMU_FAULTS, -1);
	per_slot(f, m, "dmascope_dmabuf_exports_total", "counter",
		 "dma-bufs the device exported.", C_DMABUF_EXPORTS, -1);
	per_slot(f, m, "dmascope_dmabuf_exported_bytes_total", "counter",
		 "Bytes of the dma-bufs the device exported.", C_DMABUF_BYTES,
		 -1);
	per_slot(
		f, m, "dmascope_dmabuf_exported_bytes", "gauge",
		"Bytes of the device's dma-bufs exported and not yet released.",
		-1, G_DMABUF_BYTES);
	per_slot(f, m, "dmascope_dmabuf_mapped_attachments", "gauge",
		 "dma-buf attachments of the device (as importer) mapped now.",
		 -1, G_DMABUF_MAPPED);
	per_slot(
		f, m, "dmascope_cma_allocations_total", "counter",
		"Contiguous-memory (CMA) allocations made for the device's dma_alloc_* calls, failed ones included.",
		C_CMA_ALLOCS, -1);
	per_slot(
		f, m, "dmascope_cma_allocation_failures_total", "counter",
		"CMA allocations for the device that failed (the kernel fell back to the page allocator, or the call failed).",
		C_CMA_FAILURES, -1);
	per_slot(f, m, "dmascope_cma_bytes", "gauge",
		 "Bytes of contiguous memory (CMA) the device holds now.", -1,
		 G_CMA_BYTES);
	dmaengine_families(f, m);
	channel_families(f, m);
	findings_family(f, m);
	device_info(f, m);
	process_families(f, m, http);
	if (fclose(f) || !out)
		return -1;
	free(*buf);
	*buf = out;
	*cap = len + 1;
	return (long)len;
}
