/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * export_perfetto.c - a recording as a trace ui.perfetto.dev opens: Perfetto's
 * protobuf format (encoded by export_perfetto_pb.c) or Chrome trace-event
 * JSON, drawn the same way.  Each device and each dmaengine channel is a
 * process (a track group) named by metadata events; its mappings (or
 * transfers) are complete "X" slices from map to unmap.  Overlapping
 * slices on one thread track would not nest, so every open mapping takes a
 * lane (a thread of its group) and gives it back at unmap: lanes never hold
 * two slices at once.  Other events, findings (by id) and lost events are
 * instants ("i").  Slices are written when they end, so memory holds only
 * what is open.
 *
 * The protobuf trace adds what JSON cannot say: nanosecond times, counter
 * tracks of outstanding bytes per device and per NUMA node, and flows from
 * the slice of the mapping a finding is about to the finding.  Since the
 * engine reports a finding after the event that revealed it, a slice ended
 * by that event is written one event late, so it can still start the flow.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "report.h"

#define PID_SESSION 1
#define PID_DEVICE_BASE 1000 /* + device id */
#define PID_CHANNEL_BASE 1000000 /* + channel ordinal */

/* A track group: one Perfetto process with an events thread and lanes. */
struct group {
	uint32_t pid;
	uint32_t events_tid; /* 0 until named */
	uint32_t nr_lanes;
	uint32_t *free_lanes; /* tids ready for reuse */
	uint32_t nr_free, cap_free;
	uint32_t *lane_tids; /* lane index -> tid, for naming */
};

struct channel {
	uint32_t dev;
	uint64_t chan; /* opaque channel id (aux) */
	int64_t index; /* on its provider; -1 unknown */
	struct group g;
};

/* What an open slice is keyed by: the same key its closing event carries. */
enum slice_class {
	SC_MAP = 1, /* map/unmap single and resource: dma address */
	SC_SG, /* map_sg/unmap_sg: scatterlist pointer */
	SC_COHERENT, /* coherent and page allocations: dma handle */
	SC_POOL, /* pool blocks: dma handle */
	SC_XFER, /* dmaengine transfer: channel + cookie */
};

struct slice_key {
	uint64_t a, b; /* dev, address/cookie */
	uint64_t c; /* class | channel ordinal << 8 */
};

/* 72 bytes: a recording may hold millions of open mappings */
struct open_slice {
	struct slice_key k;
	uint64_t ts, size, addr, phys;
	uint32_t tid; /* its lane; 0: the slot is free */
	uint32_t stack;
	uint32_t pid; /* a free slot: the next free one + 1 */
	uint16_t cpu;
	uint8_t kind, dir;
};

#define GREF_CHAN 0x80000000u

/*
 * Open slices live in chunks that never move (a slot is reused once its
 * slice ends), found through an index of 4-byte slot numbers kept at most
 * half full: about 80 bytes an open mapping, and growing never copies the
 * slices.
 */
#define SLICE_CHUNK_SHIFT 12
#define SLICE_CHUNK (1u << SLICE_CHUNK_SHIFT)

struct slice_table {
	struct open_slice **chunks;
	uint32_t nr_chunks;
	uint32_t used; /* slots handed out so far, free or not */
	uint32_t free; /* first free slot + 1; 0: none */
	uint32_t *idx; /* slot + 1 by key hash, linear probing; 0 empty */
	size_t cap, n; /* idx's size (a power of two), open slices */
};

/* A slice that ended, written at the next event (protobuf only). */
struct ended_slice {
	struct open_slice s;
	uint64_t end_ts;
	char closed_by[48];
};

struct perfetto {
	bool first; /* no trace event written yet */
	bool in_args; /* protobuf: the fields are an event's arguments */
	bool comma; /* the next field needs a comma before it */
	bool have_base;
	uint64_t base; /* ts 0 of the trace */
	uint32_t next_tid;
	uint32_t session_tid;
	struct group *devs; /* indexed by device id */
	uint32_t nr_devs;
	struct channel *chans;
	uint32_t nr_chans, cap_chans;
	uint32_t last_chan; /* lookup cache */
	/* (dev, channel id) -> ordinal + 1, open addressing; 0 is empty */
	uint32_t *chan_idx;
	uint32_t chan_idx_cap; /* a power of two, kept under half full */
	struct slice_table open;
	uint64_t dropped; /* slices not tracked (out of memory) */
	struct ended_slice *ended;
	uint32_t nr_ended, cap_ended;
};

/* ---- open slices: linear probing, backward-shift deletion ---- */

static uint64_t key_hash(const struct slice_key *k)
{
	uint64_t h = k->a * 0x9e3779b97f4a7c15ull;

	h ^= k->b + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
	h ^= k->c * 0xc2b2ae3d27d4eb4full;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static bool key_eq(const struct slice_key *x, const struct slice_key *y)
{
	return x->a == y->a && x->b == y->b && x->c == y->c;
}

static struct open_slice *slot(const struct slice_table *t, uint32_t i)
{
	return &t->chunks[i >> SLICE_CHUNK_SHIFT][i & (SLICE_CHUNK - 1)];
}

/* The index position holding key k, or the empty one where it would go. */
static size_t idx_pos(const struct slice_table *t, const struct slice_key *k)
{
	size_t i;

	for (i = key_hash(k) & (t->cap - 1); t->idx[i];
	     i = (i + 1) & (t->cap - 1))
		if (key_eq(&slot(t, t->idx[i] - 1)->k, k))
			break;
	return i;
}

static struct open_slice *table_find(struct slice_table *t,
				     const struct slice_key *k)
{
	size_t i;

	if (!t->cap)
		return NULL;
	i = idx_pos(t, k);
	return t->idx[i] ? slot(t, t->idx[i] - 1) : NULL;
}

static int idx_grow(struct slice_table *t)
{
	size_t ncap = t->cap ? t->cap * 2 : 1024, i, j;
	uint32_t *ni = calloc(ncap, sizeof(*ni));

	if (!ni)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (!t->idx[i])
			continue;
		for (j = key_hash(&slot(t, t->idx[i] - 1)->k) & (ncap - 1);
		     ni[j]; j = (j + 1) & (ncap - 1))
			;
		ni[j] = t->idx[i];
	}
	free(t->idx);
	t->idx = ni;
	t->cap = ncap;
	return 0;
}

/* A free slot's number, from the free list or a new chunk; -1: no memory. */
static int64_t slot_take(struct slice_table *t)
{
	uint32_t i;

	if (t->free) {
		i = t->free - 1;
		t->free = slot(t, i)->pid;
		return i;
	}
	if (t->used == UINT32_MAX)
		return -1;
	if (!(t->used & (SLICE_CHUNK - 1)) &&
	    t->used >> SLICE_CHUNK_SHIFT == t->nr_chunks) {
		struct open_slice **nc, *c;

		nc = realloc(t->chunks, (t->nr_chunks + 1) * sizeof(*nc));
		if (!nc)
			return -1;
		t->chunks = nc;
		c = calloc(SLICE_CHUNK, sizeof(*c));
		if (!c)
			return -1;
		t->chunks[t->nr_chunks++] = c;
	}
	return t->used++;
}

/* A new slot for k (k must not be present); NULL when out of memory. */
static struct open_slice *table_insert(struct slice_table *t,
				       const struct slice_key *k)
{
	struct open_slice *s;
	int64_t i;

	if ((t->n + 1) * 2 > t->cap && idx_grow(t))
		return NULL;
	i = slot_take(t);
	if (i < 0)
		return NULL;
	s = slot(t, (uint32_t)i);
	memset(s, 0, sizeof(*s));
	s->k = *k;
	t->idx[idx_pos(t, k)] = (uint32_t)i + 1;
	t->n++;
	return s;
}

static void table_remove(struct slice_table *t, struct open_slice *s)
{
	size_t mask = t->cap - 1, i = idx_pos(t, &s->k), j = i, home;
	uint32_t n = t->idx[i];

	t->idx[i] = 0;
	t->n--;
	/* the slot goes on the free list: tid 0 marks it free */
	s->tid = 0;
	s->pid = t->free;
	t->free = n;
	/* backward-shift deletion: no tombstones */
	for (;;) {
		j = (j + 1) & mask;
		if (!t->idx[j])
			return;
		home = key_hash(&slot(t, t->idx[j] - 1)->k) & mask;
		/* move j back to i unless its home lies cyclically in (i, j] */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && home <= i && home > j)) {
			t->idx[i] = t->idx[j];
			t->idx[j] = 0;
			i = j;
		}
	}
}

static void table_free(struct slice_table *t)
{
	uint32_t i;

	for (i = 0; i < t->nr_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->idx);
	memset(t, 0, sizeof(*t));
}

/* The track group of a slice: its channel's, or its device's. */
static uint32_t gref_of(const struct open_slice *s)
{
	if ((s->k.c & 0xff) == SC_XFER)
		return GREF_CHAN | (uint32_t)(s->k.c >> 8);
	return (uint32_t)s->k.a;
}

static void name_session(struct export_ctx *x);

/* ---- writing trace events ----
 *
 * Written field by field with stdio rather than built as json-c objects:
 * a trace event costs a fraction, and a recording has millions of them.
 * ev_open() starts an event, the f_*() calls add fields (inside args_open()
 * / args_close() too), ev_close() ends it.
 */

static void sep(struct perfetto *p, FILE *out, const char *key)
{
	if (p->comma)
		fputc(',', out);
	p->comma = true;
	fprintf(out, "\"%s\":", key);
}

static void ev_open(struct export_ctx *x, const char *ph, const char *name,
		    uint32_t pid, uint32_t tid)
{
	struct perfetto *p = x->pf;

	if (x->pb) {
		pfpb_ev_open(x->pb, ph[0], name, pfpb_lane_uuid(tid));
		p->in_args = false;
		return;
	}
	fputs(p->first ? "\n{" : ",\n{", x->out);
	p->first = false;
	fprintf(x->out, "\"ph\":\"%s\",\"name\":", ph);
	export_json_str(x->out, name, SIZE_MAX);
	fprintf(x->out, ",\"pid\":%u,\"tid\":%u", pid, tid);
	p->comma = true;
}

static void ev_close(struct export_ctx *x)
{
	if (x->pb)
		pfpb_ev_close(x->pb);
	else
		fputc('}', x->out);
}

static void args_open(struct export_ctx *x)
{
	x->pf->in_args = true;
	if (x->pb)
		return;
	fputs(",\"args\":{", x->out);
	x->pf->comma = false;
}

static void args_close(struct export_ctx *x)
{
	x->pf->in_args = false;
	if (x->pb)
		return;
	fputc('}', x->out);
	x->pf->comma = true;
}

static void f_str(struct export_ctx *x, const char *key, const char *v,
		  size_t max)
{
	if (x->pb) {
		/* of the trace-event fields, only the category has a place */
		if (x->pf->in_args)
			pfpb_arg_str(x->pb, key, v, max);
		else if (!strcmp(key, "cat"))
			pfpb_cat(x->pb, v);
		return;
	}
	sep(x->pf, x->out, key);
	export_json_str(x->out, v, max);
}

static void f_u64(struct export_ctx *x, const char *key, uint64_t v)
{
	if (x->pb) {
		pfpb_arg_u64(x->pb, key, v);
		return;
	}
	sep(x->pf, x->out, key);
	fprintf(x->out, "%" PRIu64, v);
}

static void f_int(struct export_ctx *x, const char *key, int64_t v)
{
	if (x->pb) {
		pfpb_arg_int(x->pb, key, v);
		return;
	}
	sep(x->pf, x->out, key);
	fprintf(x->out, "%" PRId64, v);
}

static void f_hex(struct export_ctx *x, const char *key, uint64_t v)
{
	if (x->pb) {
		pfpb_arg_ptr(x->pb, key, v);
		return;
	}
	sep(x->pf, x->out, key);
	fprintf(x->out, "\"0x%" PRIx64 "\"", v);
}

static void f_bool(struct export_ctx *x, const char *key, bool v)
{
	if (x->pb) {
		pfpb_arg_bool(x->pb, key, v);
		return;
	}
	sep(x->pf, x->out, key);
	fputs(v ? "true" : "false", x->out);
}

/* Trace-event time is in microseconds; keep ns exact in the decimals. */
static void f_us(struct export_ctx *x, const char *key, uint64_t ns,
		 bool negative)
{
	if (x->pb) {
		/* only durations come here: times go through f_ts */
		pfpb_dur(x->pb, ns);
		return;
	}
	sep(x->pf, x->out, key);
	fprintf(x->out, "%s%" PRIu64 ".%03u", negative ? "-" : "", ns / 1000,
		(unsigned)(ns % 1000));
}

static void f_ts(struct export_ctx *x, uint64_t ts)
{
	struct perfetto *p = x->pf;

	if (x->pb) {
		pfpb_ts(x->pb, ts); /* Perfetto takes the clock's own ns */
		return;
	}
	if (ts >= p->base)
		f_us(x, "ts", ts - p->base, false);
	else
		f_us(x, "ts", p->base - ts, true);
}

static void f_stack(struct export_ctx *x, const char *key, uint32_t id)
{
	const struct export_stack *st = export_stack(x, id);
	uint32_t i;

	if (!st)
		return;
	if (x->pb) {
		pfpb_arg_frames(x->pb, key, st->frames, st->nr);
		return;
	}
	sep(x->pf, x->out, key);
	fputc('[', x->out);
	for (i = 0; i < st->nr; i++) {
		if (i)
			fputc(',', x->out);
		export_json_str(x->out, st->frames[i], SIZE_MAX);
	}
	fputc(']', x->out);
}

static void meta_str(struct export_ctx *x, const char *what, uint32_t pid,
		     uint32_t tid, const char *name)
{
	/* protobuf: a group is a track, its threads are child tracks */
	if (x->pb && !strcmp(what, "process_name")) {
		pfpb_track(x->pb, pfpb_group_uuid(pid), 0, name, false);
		return;
	}
	if (x->pb) {
		pfpb_track(x->pb, pfpb_lane_uuid(tid), pfpb_group_uuid(pid),
			   name, false);
		return;
	}
	ev_open(x, "M", what, pid, tid);
	args_open(x);
	f_str(x, "name", name, SIZE_MAX);
	args_close(x);
	ev_close(x);
}

static void meta_sort(struct export_ctx *x, const char *what, uint32_t pid,
		      uint32_t tid, int64_t sort)
{
	if (x->pb)
		return; /* tracks keep the order they are described in */
	ev_open(x, "M", what, pid, tid);
	args_open(x);
	f_int(x, "sort_index", sort);
	args_close(x);
	ev_close(x);
}

static void name_thread(struct export_ctx *x, uint32_t pid, uint32_t tid,
			const char *name, int sort)
{
	meta_str(x, "thread_name", pid, tid, name);
	meta_sort(x, "thread_sort_index", pid, tid, sort);
}

static void group_open(struct export_ctx *x, struct group *g, uint32_t pid,
		       const char *name, const char *events_name)
{
	struct perfetto *p = x->pf;

	g->pid = pid;
	g->events_tid = p->next_tid++;
	meta_str(x, "process_name", pid, 0, name);
	meta_sort(x, "process_sort_index", pid, 0, pid);
	name_thread(x, pid, g->events_tid, events_name, -1);
}

static struct group *dev_group(struct export_ctx *x, uint32_t dev)
{
	struct perfetto *p = x->pf;
	const struct export_dev *d;
	char name[DMAS_DEV_NAME_LEN + DMAS_DRV_NAME_LEN + 32];

	if (dev >= p->nr_devs) {
		uint32_t n = p->nr_devs ? p->nr_devs : 16;
		void *np;

		/* beyond the limit the doubling below would wrap to 0 */
		if (dev > DMAS_DEV_ID_MAX)
			return NULL;
		while (n <= dev)
			n *= 2;
		np = realloc(p->devs, (size_t)n * sizeof(*p->devs));
		if (!np)
			return NULL;
		p->devs = np;
		memset(p->devs + p->nr_devs, 0,
		       (size_t)(n - p->nr_devs) * sizeof(*p->devs));
		p->nr_devs = n;
	}
	if (p->devs[dev].events_tid)
		return &p->devs[dev];
	d = export_dev(x, dev);
	if (d && d->name[0]) {
		int len = snprintf(name, sizeof(name), "%s", d->name);

		if (d->driver[0])
			len += snprintf(name + len, sizeof(name) - len, " (%s)",
					d->driver);
		if (d->numa_node >= 0)
			snprintf(name + len, sizeof(name) - len, " node %d",
				 d->numa_node);
	} else if (dev == DMAS_DEV_NONE) {
		snprintf(name, sizeof(name), "no device");
	} else {
		snprintf(name, sizeof(name), "device#%u", dev);
	}
	group_open(x, &p->devs[dev], PID_DEVICE_BASE + dev, name, "events");
	return &p->devs[dev];
}

/*
 * Channels by (provider, channel id): a recording may hold tens of
 * thousands, and every dmaengine event looks its channel up.
 */
static uint32_t chan_slot(const struct perfetto *p, uint32_t dev, uint64_t chan)
{
	uint64_t h =
		(chan ^ ((uint64_t)dev << 32 | dev)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (p->chan_idx_cap - 1);
}

static bool chan_find(const struct perfetto *p, uint32_t dev, uint64_t chan,
		      uint32_t *ordinal)
{
	uint32_t s, v;

	if (!p->chan_idx_cap)
		return false;
	for (s = chan_slot(p, dev, chan); (v = p->chan_idx[s]);
	     s = (s + 1) & (p->chan_idx_cap - 1)) {
		const struct channel *c = &p->chans[v - 1];

		if (c->dev == dev && c->chan == chan) {
			*ordinal = v - 1;
			return true;
		}
	}
	return false;
}

static void chan_index_put(struct perfetto *p, uint32_t ordinal)
{
	const struct channel *c = &p->chans[ordinal];
	uint32_t s;

	for (s = chan_slot(p, c->dev, c->chan); p->chan_idx[s];
	     s = (s + 1) & (p->chan_idx_cap - 1))
		;
	p->chan_idx[s] = ordinal + 1;
}

/* Room for one more channel in the index; -1 when out of memory. */
static int chan_index_grow(struct perfetto *p)
{
	uint32_t ncap, i, *old = p->chan_idx, ocap = p->chan_idx_cap;

	if ((p->nr_chans + 1) * 2 <= p->chan_idx_cap)
		return 0;
	ncap = ocap ? ocap * 2 : 64;
	p->chan_idx = calloc(ncap, sizeof(*p->chan_idx));
	if (!p->chan_idx) {
		p->chan_idx = old;
		return -1;
	}
	p->chan_idx_cap = ncap;
	for (i = 0; i < p->nr_chans; i++)
		chan_index_put(p, i);
	free(old);
	return 0;
}

static struct group *chan_group(struct export_ctx *x, uint32_t dev,
				uint64_t chan, int64_t index, uint32_t *ordinal)
{
	struct perfetto *p = x->pf;
	const struct export_dev *d;
	struct channel *c;
	char name[DMAS_DEV_NAME_LEN + 48];
	uint32_t i;

	if (p->last_chan < p->nr_chans && p->chans[p->last_chan].dev == dev &&
	    p->chans[p->last_chan].chan == chan) {
		i = p->last_chan;
		goto found;
	}
	if (chan_find(p, dev, chan, &i))
		goto found;
	if (chan_index_grow(p))
		return NULL;
	if (p->nr_chans == p->cap_chans) {
		uint32_t n = p->cap_chans ? p->cap_chans * 2 : 8;
		void *np = realloc(p->chans, (size_t)n * sizeof(*p->chans));

		if (!np)
			return NULL;
		p->chans = np;
		p->cap_chans = n;
	}
	c = &p->chans[p->nr_chans];
	memset(c, 0, sizeof(*c));
	c->dev = dev;
	c->chan = chan;
	c->index = index;
	d = export_dev(x, dev);
	if (index >= 0)
		snprintf(name, sizeof(name), "dma chan %" PRId64 " of %s",
			 index, d && d->name[0] ? d->name : "?");
	else
		snprintf(name, sizeof(name), "dma chan 0x%" PRIx64 " of %s",
			 chan, d && d->name[0] ? d->name : "?");
	group_open(x, &c->g, PID_CHANNEL_BASE + p->nr_chans, name,
		   "channel events");
	i = p->nr_chans++;
	chan_index_put(p, i);
found:
	p->last_chan = i;
	*ordinal = i;
	return &p->chans[i].g;
}

static struct group *group_of(struct perfetto *p, uint32_t gref)
{
	if (gref & GREF_CHAN)
		return &p->chans[gref & ~GREF_CHAN].g;
	return &p->devs[gref];
}

static uint32_t lane_take(struct export_ctx *x, struct group *g, bool xfer)
{
	struct perfetto *p = x->pf;
	char name[48];
	uint32_t tid;
	void *np;

	if (g->nr_free)
		return g->free_lanes[--g->nr_free];
	np = realloc(g->lane_tids,
		     (size_t)(g->nr_lanes + 1) * sizeof(*g->lane_tids));
	if (!np)
		return g->events_tid;
	g->lane_tids = np;
	tid = p->next_tid++;
	g->lane_tids[g->nr_lanes] = tid;
	snprintf(name, sizeof(name), "%s %u", xfer ? "transfers" : "mappings",
		 g->nr_lanes);
	name_thread(x, g->pid, tid, name, (int)g->nr_lanes);
	g->nr_lanes++;
	return tid;
}

static void lane_give(struct group *g, uint32_t tid)
{
	if (tid == g->events_tid)
		return;
	if (g->nr_free == g->cap_free) {
		uint32_t n = g->cap_free ? g->cap_free * 2 : 8;
		void *np = realloc(g->free_lanes,
				   (size_t)n * sizeof(*g->free_lanes));

		if (!np)
			return; /* the lane is simply not reused */
		g->free_lanes = np;
		g->cap_free = n;
	}
	g->free_lanes[g->nr_free++] = tid;
}

/* Write the X slice for s, ending at end_ts. */
static void slice_write(struct export_ctx *x, const struct open_slice *s,
			uint64_t end_ts, const char *closed_by)
{
	struct perfetto *p = x->pf;
	char name[64], kb[16];
	uint64_t dur = end_ts > s->ts ? end_ts - s->ts : 0;
	struct group *g = group_of(p, gref_of(s));
	bool xfer = (s->k.c & 0xff) == SC_XFER;

	if (xfer)
		snprintf(name, sizeof(name), "xfer");
	else if (s->kind == DMAS_EV_MAP || s->kind == DMAS_EV_MAP_SG ||
		 s->kind == DMAS_EV_MAP_RESOURCE)
		snprintf(name, sizeof(name), "%s %s",
			 dmas_kind_str(s->kind, kb, sizeof(kb)),
			 dmas_dir_str(s->dir));
	else
		snprintf(name, sizeof(name), "%s",
			 dmas_kind_str(s->kind, kb, sizeof(kb)));
	ev_open(x, "X", name, g->pid, s->tid);
	f_ts(x, s->ts);
	f_us(x, "dur", dur, false);
	f_str(x, "cat", xfer ? "dmaengine" : "dma", SIZE_MAX);
	args_open(x);
	if (xfer) {
		f_u64(x, "cookie", s->addr);
		f_u64(x, "size", s->size);
	} else {
		f_hex(x, "addr", s->addr);
		f_u64(x, "size", s->size);
		f_str(x, "dir", dmas_dir_str(s->dir), SIZE_MAX);
		if (s->phys)
			f_hex(x, "phys", s->phys);
	}
	f_u64(x, "cpu", s->cpu);
	f_u64(x, "pid", s->pid);
	f_str(x, "closed_by", closed_by, SIZE_MAX);
	if (s->stack)
		f_stack(x, "stack", s->stack);
	args_close(x);
	if (x->pb && !xfer)
		pfpb_flow_start(x->pb,
				pfpb_flow_id((uint32_t)s->k.a, s->addr, s->ts));
	ev_close(x);
}

static void flush_ended(struct export_ctx *x)
{
	struct perfetto *p = x->pf;
	uint32_t i;

	for (i = 0; i < p->nr_ended; i++)
		slice_write(x, &p->ended[i].s, p->ended[i].end_ts,
			    p->ended[i].closed_by);
	p->nr_ended = 0;
}

/* The slice s ends at end_ts: written now (JSON) or at the next event. */
static void slice_end(struct export_ctx *x, struct open_slice *s,
		      uint64_t end_ts, const char *closed_by)
{
	struct perfetto *p = x->pf;
	struct ended_slice *e;

	lane_give(group_of(p, gref_of(s)), s->tid);
	if (!x->pb) {
		slice_write(x, s, end_ts, closed_by);
		return;
	}
	if (p->nr_ended == p->cap_ended) {
		uint32_t n = p->cap_ended ? p->cap_ended * 2 : 16;
		void *np = realloc(p->ended, (size_t)n * sizeof(*p->ended));

		if (!np) {
			slice_write(x, s, end_ts, closed_by); /* no flow */
			return;
		}
		p->ended = np;
		p->cap_ended = n;
	}
	e = &p->ended[p->nr_ended++];
	e->s = *s;
	e->end_ts = end_ts;
	snprintf(e->closed_by, sizeof(e->closed_by), "%s", closed_by);
}

/* protobuf: the counters of outstanding bytes follow a mapping's life. */
static void outstanding(struct export_ctx *x, const struct open_slice *s,
			bool ends, uint64_t ts)
{
	const struct export_dev *d;
	uint32_t dev = (uint32_t)s->k.a;

	if (!x->pb || (s->k.c & 0xff) == SC_XFER)
		return;
	d = export_dev(x, dev);
	pfpb_outstanding(x->pb, dev, PID_DEVICE_BASE + dev,
			 d ? d->numa_node : -1, s->size, ends, ts);
}

static void instant(struct export_ctx *x, struct group *g,
		    const struct dmas_event *ev, const char *name)
{
	char kb[16];

	ev_open(x, "i", name, g->pid, g->events_tid);
	f_ts(x, ev->ts);
	f_str(x, "s", "t", SIZE_MAX);
	f_str(x, "cat", "event", SIZE_MAX);
	args_open(x);
	f_str(x, "kind", dmas_kind_str(ev->kind, kb, sizeof(kb)), SIZE_MAX);
	if (export_kind_has_name(ev->kind)) {
		f_str(x, "name", ev->name, sizeof(ev->name));
	} else {
		f_hex(x, "addr", ev->addr);
		f_u64(x, "size", ev->size);
		f_str(x, "dir", dmas_dir_str(ev->dir), SIZE_MAX);
		if (ev->aux)
			f_hex(x, "aux", ev->aux);
		if (ev->count)
			f_u64(x, "count", ev->count);
	}
	f_u64(x, "cpu", ev->cpu);
	f_u64(x, "pid", ev->pid);
	if (ev->stack_id)
		f_stack(x, "stack", ev->stack_id);
	args_close(x);
	ev_close(x);
}

static void slice_begin(struct export_ctx *x, uint32_t gref,
			const struct slice_key *k, const struct dmas_event *ev,
			uint64_t addr)
{
	struct perfetto *p = x->pf;
	struct open_slice *s = table_find(&p->open, k);
	struct group *g = group_of(p, gref);

	if (s) {
		/*
		 * Its end was never seen (lost, or a bug the engine reports).
		 */
		slice_end(x, s, ev->ts,
			  "replaced: mapped again without an unmap");
		outstanding(x, s, true, ev->ts);
		table_remove(&p->open, s);
	}
	s = table_insert(&p->open, k);
	if (!s) {
		p->dropped++;
		return;
	}
	s->tid = lane_take(x, g, (k->c & 0xff) == SC_XFER);
	s->ts = ev->ts;
	s->size = ev->size;
	s->addr = addr;
	s->phys = ev->phys;
	s->stack = ev->stack_id;
	s->pid = ev->pid;
	s->cpu = ev->cpu;
	s->kind = ev->kind;
	s->dir = ev->dir;
	outstanding(x, s, false, ev->ts);
}

static void slice_close(struct export_ctx *x, struct group *g,
			const struct slice_key *k, const struct dmas_event *ev)
{
	struct perfetto *p = x->pf;
	struct open_slice *s = table_find(&p->open, k);
	char kb[16], name[48];

	if (!s) {
		snprintf(name, sizeof(name), "%s (not open)",
			 dmas_kind_str(ev->kind, kb, sizeof(kb)));
		instant(x, g, ev, name);
		return;
	}
	slice_end(x, s, ev->ts, dmas_kind_str(ev->kind, kb, sizeof(kb)));
	outstanding(x, s, true, ev->ts);
	table_remove(&p->open, s);
}

/* dmaengine TERMINATE: every transfer still open on the channel ends. */
static void close_channel(struct export_ctx *x, uint32_t dev, uint32_t ordinal,
			  uint64_t ts)
{
	struct slice_table *t = &x->pf->open;
	uint32_t i;

	/* slices never move: removing one leaves the walk where it was */
	for (i = 0; i < t->used; i++) {
		struct open_slice *s = slot(t, i);

		if (s->tid && s->k.a == dev &&
		    s->k.c == (SC_XFER | (uint64_t)ordinal << 8)) {
			slice_end(x, s, ts, "terminate");
			table_remove(t, s);
		}
	}
}

void perfetto_event(struct export_ctx *x, const struct dmas_event *ev)
{
	struct perfetto *p = x->pf;
	struct slice_key k = {ev->dev, ev->addr, 0};
	struct group *g;
	uint32_t ord;
	char kb[16];

	flush_ended(x);
	if (!p->have_base) {
		p->base = x->have_session && x->session.start_ts &&
					  x->session.start_ts <= ev->ts
				  ? x->session.start_ts
				  : ev->ts;
		p->have_base = true;
		name_session(x);
	}
	if (ev->kind == DMAS_EV_LOST) {
		ev_open(x, "i", "lost events", PID_SESSION, p->session_tid);
		f_ts(x, ev->ts);
		f_str(x, "s", "t", SIZE_MAX);
		f_str(x, "cat", "lost", SIZE_MAX);
		args_open(x);
		f_u64(x, "count", ev->count);
		f_u64(x, "ring", ev->aux);
		args_close(x);
		ev_close(x);
		return;
	}
	if (ev->kind >= DMAS_EV_CHAN_REQUEST && ev->kind <= DMAS_EV_TERMINATE) {
		g = chan_group(x, ev->dev, ev->aux,
			       ev->kind == DMAS_EV_CHAN_REQUEST
				       ? (int64_t)ev->count
				       : -1,
			       &ord);
		if (!g)
			return;
		k.c = SC_XFER | (uint64_t)ord << 8;
		switch (ev->kind) {
		case DMAS_EV_DESC_SUBMIT:
			slice_begin(x, GREF_CHAN | ord, &k, ev, ev->addr);
			return;
		case DMAS_EV_XFER_COMPLETE:
		case DMAS_EV_XFER_ERROR:
			slice_close(x, g, &k, ev);
			return;
		case DMAS_EV_TERMINATE:
			instant(x, g, ev, "terminate");
			close_channel(x, ev->dev, ord, ev->ts);
			return;
		default:
			instant(x, g, ev,
				dmas_kind_str(ev->kind, kb, sizeof(kb)));
			return;
		}
	}
	g = dev_group(x, ev->dev);
	if (!g)
		return;
	switch (ev->kind) {
	case DMAS_EV_MAP:
	case DMAS_EV_MAP_RESOURCE:
		k.c = SC_MAP;
		slice_begin(x, ev->dev, &k, ev, ev->addr);
		return;
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_RESOURCE:
		k.c = SC_MAP;
		slice_close(x, g, &k, ev);
		return;
	case DMAS_EV_MAP_SG:
		k.b = ev->aux;
		k.c = SC_SG;
		slice_begin(x, ev->dev, &k, ev, ev->addr);
		return;
	case DMAS_EV_UNMAP_SG:
		k.b = ev->aux;
		k.c = SC_SG;
		slice_close(x, g, &k, ev);
		return;
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
	case DMAS_EV_POOL_ALLOC:
		if (ev->flags & DMAS_F_ERROR)
			break;
		k.c = ev->kind == DMAS_EV_POOL_ALLOC ? SC_POOL : SC_COHERENT;
		slice_begin(x, ev->dev, &k, ev, ev->addr);
		return;
	case DMAS_EV_FREE_COHERENT:
	case DMAS_EV_FREE_PAGES:
	case DMAS_EV_POOL_FREE:
		k.c = ev->kind == DMAS_EV_POOL_FREE ? SC_POOL : SC_COHERENT;
		slice_close(x, g, &k, ev);
		return;
	default:
		break;
	}
	instant(x, g, ev, dmas_kind_str(ev->kind, kb, sizeof(kb)));
}

void perfetto_finding(struct export_ctx *x, const struct dmas_engine *e,
		      const struct dmas_finding *f)
{
	struct perfetto *p = x->pf;
	const struct dmas_finding_info *fi = &dmas_finding_table[f->kind];
	struct group *g = dev_group(x, f->dev);
	(void)e;
	if (!g)
		return;
	if (!p->have_base) {
		p->base = f->ts;
		p->have_base = true;
		name_session(x);
	}
	ev_open(x, "i", fi->id, g->pid, g->events_tid);
	f_ts(x, f->ts);
	f_str(x, "s", "t", SIZE_MAX);
	f_str(x, "cat", "finding", SIZE_MAX);
	args_open(x);
	f_str(x, "id", fi->id, SIZE_MAX);
	f_str(x, "severity", dmas_severity_name(f->severity), SIZE_MAX);
	f_bool(x, "uncertain", f->uncertain);
	f_hex(x, "addr", f->addr);
	f_u64(x, "size", f->size);
	f_str(x, "dir", dmas_dir_str(f->dir), SIZE_MAX);
	f_str(x, "detail", f->detail, sizeof(f->detail));
	if (f->map_stack)
		f_stack(x, "stack", f->map_stack);
	args_close(x);
	if (x->pb && f->map_ts)
		pfpb_flow_end(x->pb, pfpb_flow_id(f->dev, f->addr, f->map_ts));
	ev_close(x);
}

int perfetto_begin(struct export_ctx *x, bool protobuf)
{
	struct perfetto *p = calloc(1, sizeof(*p));

	if (!p)
		return -1;
	x->pf = p;
	p->first = true;
	p->next_tid = 2;
	if (protobuf) {
		x->pb = pfpb_new(x->out);
		return x->pb ? 0 : -1;
	}
	fputs("{\"traceEvents\":[", x->out);
	return 0;
}

/* The session track is named once the session record has been seen. */
static void name_session(struct export_ctx *x)
{
	struct perfetto *p = x->pf;
	char name[200];

	p->session_tid = p->next_tid++;
	if (x->have_session)
		snprintf(name, sizeof(name), "dmascope: %s on %s",
			 x->session.kernel_release[0]
				 ? x->session.kernel_release
				 : "?",
			 x->session.hostname[0] ? x->session.hostname : "?");
	else
		snprintf(name, sizeof(name), "dmascope");
	meta_str(x, "process_name", PID_SESSION, 0, name);
	meta_sort(x, "process_sort_index", PID_SESSION, 0, 0);
	name_thread(x, PID_SESSION, p->session_tid, "lost events", 0);
}

int perfetto_end(struct export_ctx *x, uint64_t end_ts)
{
	struct perfetto *p = x->pf;
	size_t i;

	if (!p->session_tid)
		name_session(x);
	flush_ended(x);
	/* Still open at the end: drawn up to the end (table order is
	 * deterministic). */
	for (i = 0; i < p->open.used; i++)
		if (slot(&p->open, (uint32_t)i)->tid)
			slice_write(x, slot(&p->open, (uint32_t)i), end_ts,
				    "still open at end");
	if (!x->pb)
		fputs("\n],\"displayTimeUnit\":\"ns\"}\n", x->out);
	if (p->dropped)
		fprintf(stderr,
			"dmatrace export: %" PRIu64
			" slices not drawn (out of memory)\n",
			p->dropped);
	fflush(x->out);
	if (x->pb && pfpb_status(x->pb)) {
		fprintf(stderr,
			"dmatrace export: out of memory: the trace is incomplete\n");
		return -1;
	}
	return ferror(x->out) ? -1 : 0;
}

void perfetto_free(struct export_ctx *x)
{
	struct perfetto *p = x->pf;
	uint32_t i;

	if (!p)
		return;
	for (i = 0; i < p->nr_devs; i++) {
		free(p->devs[i].free_lanes);
		free(p->devs[i].lane_tids);
	}
	for (i = 0; i < p->nr_chans; i++) {
		free(p->chans[i].g.free_lanes);
		free(p->chans[i].g.lane_tids);
	}
	free(p->devs);
	free(p->chans);
	free(p->chan_idx);
	free(p->ended);
	table_free(&p->open);
	pfpb_free(x->pb);
	x->pb = NULL;
	free(p);
	x->pf = NULL;
}
