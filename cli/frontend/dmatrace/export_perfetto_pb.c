/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * export_perfetto_pb.c - the Perfetto protobuf trace (TrackEvent) that
 * `dmatrace export --format perfetto` writes: packets of one sequence, each
 * written as soon as it is whole.  export_perfetto.c decides what is drawn
 * (track groups, lanes, slices, instants); this file encodes it.  Event
 * names, categories and argument names are interned (sent once, then
 * referred to by number); times are nanoseconds of the recording's clock.
 * The field numbers are Perfetto's (perfetto_trace.proto beside this file).
 */
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "pbwire.h"

#define SEQ_ID 1
#define SEQ_INCREMENTAL_STATE_CLEARED 1
#define SEQ_NEEDS_INCREMENTAL_STATE 2

/* Trace, TracePacket */
#define F_TRACE_PACKET 1
#define F_PKT_TIMESTAMP 8
#define F_PKT_SEQ_ID 10
#define F_PKT_TRACK_EVENT 11
#define F_PKT_INTERNED 12
#define F_PKT_SEQ_FLAGS 13
#define F_PKT_TRACK_DESC 60
/* TrackDescriptor, CounterDescriptor */
#define F_TD_UUID 1
#define F_TD_NAME 2
#define F_TD_PARENT 5
#define F_TD_COUNTER 8
#define F_CD_UNIT 3
#define UNIT_SIZE_BYTES 3
/* TrackEvent */
#define F_TE_CATEGORY_IID 3
#define F_TE_ANNOTATION 4
#define F_TE_TYPE 9
#define F_TE_NAME_IID 10
#define F_TE_TRACK 11
#define F_TE_COUNTER 30
#define F_TE_FLOW 47
#define F_TE_FLOW_END 48
#define TYPE_SLICE_BEGIN 1
#define TYPE_SLICE_END 2
#define TYPE_INSTANT 3
#define TYPE_COUNTER 4
/* DebugAnnotation and its NestedValue */
#define F_DA_NAME_IID 1
#define F_DA_BOOL 2
#define F_DA_UINT 3
#define F_DA_INT 4
#define F_DA_STRING 6
#define F_DA_POINTER 7
#define F_DA_NESTED 8
#define F_NV_TYPE 1
#define F_NV_ARRAY 4
#define F_NV_STRING 8
#define NESTED_ARRAY 2
/* InternedData: each entry is {iid = 1, name = 2} */
#define F_ID_CATEGORIES 1
#define F_ID_EVENT_NAMES 2
#define F_ID_ANNOTATION_NAMES 3

/* Track uuids: groups by their number, lanes and counters above them. */
#define UUID_LANE (1ull << 40)
#define UUID_DEV_BYTES (2ull << 40)
#define UUID_NODE_BYTES (3ull << 40)
#define NODE_MAX 4095 /* a recording's node numbers beyond: not drawn */

/* One interning index: string -> iid, open addressing. */
struct itab {
	char **str;
	uint64_t *iid;
	size_t cap, n;
	uint32_t field; /* of InternedData */
};

struct pfpb {
	FILE *out;
	struct pbuf ev, intern, pkt, td;
	bool cleared; /* the first packet told the reader to start afresh */
	/* the event being built */
	int type;
	uint64_t track, ts, dur;
	struct itab names, cats, keys;
	/* flows a finding ends: their map slices start them */
	uint64_t *flows;
	size_t flows_cap, flows_n;
	/*
	 * outstanding bytes per device and per device's node: unsigned, so
	 * that a crafted recording's sizes wrap and come back exactly as its
	 * mappings end (shown capped at INT64_MAX meanwhile)
	 */
	uint64_t *dev_bytes;
	uint32_t nr_dev;
	uint64_t node_bytes[NODE_MAX + 1];
	uint8_t *dev_named;
	uint8_t node_named[NODE_MAX + 1];
};

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The iid of s, sent along with the next packet the first time. */
static uint64_t intern(struct pfpb *pb, struct itab *t, const char *s)
{
	size_t i, j;

	if ((t->n + 1) * 2 > t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		char **ns = calloc(ncap, sizeof(*ns));
		uint64_t *ni = calloc(ncap, sizeof(*ni));

		if (!ns || !ni) {
			free(ns);
			free(ni);
			pb->ev.oom = true;
			return 0;
		}
		for (i = 0; i < t->cap; i++) {
			if (!t->str[i])
				continue;
			for (j = str_hash(t->str[i]) & (ncap - 1); ns[j];
			     j = (j + 1) & (ncap - 1))
				;
			ns[j] = t->str[i];
			ni[j] = t->iid[i];
		}
		free(t->str);
		free(t->iid);
		t->str = ns;
		t->iid = ni;
		t->cap = ncap;
	}
	for (i = str_hash(s) & (t->cap - 1); t->str[i];
	     i = (i + 1) & (t->cap - 1))
		if (!strcmp(t->str[i], s))
			return t->iid[i];
	t->str[i] = strdup(s);
	if (!t->str[i]) {
		pb->ev.oom = true;
		return 0;
	}
	t->iid[i] = ++t->n;
	pb_open(&pb->intern, t->field);
	pb_varint(&pb->intern, 1, t->iid[i]);
	pb_str(&pb->intern, 2, s, SIZE_MAX);
	pb_close(&pb->intern);
	return t->iid[i];
}

static void itab_free(struct itab *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->str[i]);
	free(t->str);
	free(t->iid);
}

/* One TracePacket around payload (a field of TracePacket), written out. */
static void emit(struct pfpb *pb, bool has_ts, uint64_t ts, uint32_t field,
		 const struct pbuf *payload)
{
	struct pbuf *k = &pb->pkt;

	pb_reset(k);
	pb_open(k, F_TRACE_PACKET);
	if (has_ts)
		pb_varint(k, F_PKT_TIMESTAMP, ts);
	pb_varint(k, F_PKT_SEQ_ID, SEQ_ID);
	pb_varint(k, F_PKT_SEQ_FLAGS,
		  pb->cleared ? SEQ_NEEDS_INCREMENTAL_STATE
			      : SEQ_INCREMENTAL_STATE_CLEARED |
					SEQ_NEEDS_INCREMENTAL_STATE);
	pb->cleared = true;
	if (pb->intern.len) {
		pb_bytes(k, F_PKT_INTERNED, pb->intern.p, pb->intern.len);
		pb_reset(&pb->intern);
	}
	pb_bytes(k, field, payload->p, payload->len);
	pb_close(k);
	if (k->oom || payload->oom || pb->intern.oom) {
		/* a packet that is not whole would corrupt the rest */
		k->oom = true;
		return;
	}
	fwrite(k->p, 1, k->len, pb->out);
}

void pfpb_track(struct pfpb *pb, uint64_t uuid, uint64_t parent,
		const char *name, bool bytes_counter)
{
	struct pbuf *t = &pb->td;

	pb_reset(t);
	pb_varint(t, F_TD_UUID, uuid);
	if (parent)
		pb_varint(t, F_TD_PARENT, parent);
	pb_str(t, F_TD_NAME, name, SIZE_MAX);
	if (bytes_counter) {
		pb_open(t, F_TD_COUNTER);
		pb_varint(t, F_CD_UNIT, UNIT_SIZE_BYTES);
		pb_close(t);
	}
	emit(pb, false, 0, F_PKT_TRACK_DESC, t);
}

uint64_t pfpb_group_uuid(uint32_t pid)
{
	return pid;
}

uint64_t pfpb_lane_uuid(uint32_t tid)
{
	return UUID_LANE | tid;
}

void pfpb_ev_open(struct pfpb *pb, char ph, const char *name, uint64_t track)
{
	pb_reset(&pb->ev);
	pb->type = ph == 'X' ? TYPE_SLICE_BEGIN : TYPE_INSTANT;
	pb->track = track;
	pb->ts = 0;
	pb->dur = 0;
	pb_varint(&pb->ev, F_TE_TYPE, (uint64_t)pb->type);
	pb_varint(&pb->ev, F_TE_TRACK, track);
	pb_varint(&pb->ev, F_TE_NAME_IID, intern(pb, &pb->names, name));
}

void pfpb_ts(struct pfpb *pb, uint64_t ts)
{
	pb->ts = ts;
}

void pfpb_dur(struct pfpb *pb, uint64_t ns)
{
	pb->dur = ns;
}

void pfpb_cat(struct pfpb *pb, const char *cat)
{
	pb_varint(&pb->ev, F_TE_CATEGORY_IID, intern(pb, &pb->cats, cat));
}

static void arg_open(struct pfpb *pb, const char *key)
{
	uint64_t iid = intern(pb, &pb->keys, key);

	pb_open(&pb->ev, F_TE_ANNOTATION);
	pb_varint(&pb->ev, F_DA_NAME_IID, iid);
}

void pfpb_arg_str(struct pfpb *pb, const char *key, const char *v, size_t max)
{
	arg_open(pb, key);
	pb_str(&pb->ev, F_DA_STRING, v, max);
	pb_close(&pb->ev);
}

/* An argument whose value is one varint field of DebugAnnotation. */
static void arg_varint(struct pfpb *pb, const char *key, uint32_t field,
		       uint64_t v)
{
	arg_open(pb, key);
	pb_varint(&pb->ev, field, v);
	pb_close(&pb->ev);
}

void pfpb_arg_u64(struct pfpb *pb, const char *key, uint64_t v)
{
	arg_varint(pb, key, F_DA_UINT, v);
}

/* int64: two's complement as a varint, as protobuf writes int64 */
void pfpb_arg_int(struct pfpb *pb, const char *key, int64_t v)
{
	arg_varint(pb, key, F_DA_INT, (uint64_t)v);
}

/* Addresses: Perfetto shows pointer values in hex. */
void pfpb_arg_ptr(struct pfpb *pb, const char *key, uint64_t v)
{
	arg_varint(pb, key, F_DA_POINTER, v);
}

void pfpb_arg_bool(struct pfpb *pb, const char *key, bool v)
{
	arg_varint(pb, key, F_DA_BOOL, v);
}

void pfpb_arg_frames(struct pfpb *pb, const char *key, char *const *frames,
		     uint32_t nr)
{
	uint32_t i;

	arg_open(pb, key);
	pb_open(&pb->ev, F_DA_NESTED);
	pb_varint(&pb->ev, F_NV_TYPE, NESTED_ARRAY);
	for (i = 0; i < nr; i++) {
		pb_open(&pb->ev, F_NV_ARRAY);
		pb_str(&pb->ev, F_NV_STRING, frames[i], SIZE_MAX);
		pb_close(&pb->ev);
	}
	pb_close(&pb->ev);
	pb_close(&pb->ev);
}

uint64_t pfpb_flow_id(uint32_t dev, uint64_t addr, uint64_t map_ts)
{
	uint64_t h = (addr ^ ((uint64_t)dev << 48)) * 0x9e3779b97f4a7c15ull;

	h ^= map_ts + 0x7f4a7c159e3779b9ull + (h << 6) + (h >> 2);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return (h ^ (h >> 29)) | 1; /* never 0 */
}

static bool flow_find(const struct pfpb *pb, uint64_t id, size_t *pos)
{
	size_t i;

	for (i = id & (pb->flows_cap - 1); pb->flows[i];
	     i = (i + 1) & (pb->flows_cap - 1))
		if (pb->flows[i] == id)
			break;
	*pos = i;
	return pb->flows[i] == id;
}

/* A finding will end flow id: the map slice with that id starts it. */
static void flow_want(struct pfpb *pb, uint64_t id)
{
	size_t i, j;

	if ((pb->flows_n + 1) * 2 > pb->flows_cap) {
		size_t ncap = pb->flows_cap ? pb->flows_cap * 2 : 256;
		uint64_t *nf = calloc(ncap, sizeof(*nf));

		if (!nf)
			return; /* the arrow is not drawn */
		for (i = 0; i < pb->flows_cap; i++) {
			if (!pb->flows[i])
				continue;
			for (j = pb->flows[i] & (ncap - 1); nf[j];
			     j = (j + 1) & (ncap - 1))
				;
			nf[j] = pb->flows[i];
		}
		free(pb->flows);
		pb->flows = nf;
		pb->flows_cap = ncap;
	}
	if (!flow_find(pb, id, &i)) {
		pb->flows[i] = id;
		pb->flows_n++;
	}
}

void pfpb_flow_start(struct pfpb *pb, uint64_t id)
{
	size_t i;

	if (pb->flows_cap && flow_find(pb, id, &i))
		pb_fixed64(&pb->ev, F_TE_FLOW, id);
}

void pfpb_flow_end(struct pfpb *pb, uint64_t id)
{
	flow_want(pb, id);
	pb_fixed64(&pb->ev, F_TE_FLOW_END, id);
}

void pfpb_ev_close(struct pfpb *pb)
{
	emit(pb, true, pb->ts, F_PKT_TRACK_EVENT, &pb->ev);
	if (pb->type != TYPE_SLICE_BEGIN)
		return;
	pb_reset(&pb->ev);
	pb_varint(&pb->ev, F_TE_TYPE, TYPE_SLICE_END);
	pb_varint(&pb->ev, F_TE_TRACK, pb->track);
	emit(pb, true, pb->ts + pb->dur, F_PKT_TRACK_EVENT, &pb->ev);
}

static void counter(struct pfpb *pb, uint64_t uuid, uint64_t ts, uint64_t v)
{
	pb_reset(&pb->ev);
	pb_varint(&pb->ev, F_TE_TYPE, TYPE_COUNTER);
	pb_varint(&pb->ev, F_TE_TRACK, uuid);
	pb_sint(&pb->ev, F_TE_COUNTER, v > INT64_MAX ? INT64_MAX : (int64_t)v);
	emit(pb, true, ts, F_PKT_TRACK_EVENT, &pb->ev);
}

void pfpb_outstanding(struct pfpb *pb, uint32_t dev, uint32_t dev_pid,
		      int32_t node, uint64_t size, bool ends, uint64_t ts)
{
	char name[48];

	if (dev >= pb->nr_dev) {
		uint32_t n = pb->nr_dev ? pb->nr_dev : 16;
		uint64_t *nb;
		uint8_t *nn;

		if (dev > DMAS_DEV_ID_MAX)
			return;
		while (n <= dev)
			n *= 2;
		nb = realloc(pb->dev_bytes, n * sizeof(*nb));
		if (!nb)
			return;
		pb->dev_bytes = nb;
		nn = realloc(pb->dev_named, n);
		if (!nn)
			return;
		pb->dev_named = nn;
		memset(nb + pb->nr_dev, 0, (n - pb->nr_dev) * sizeof(*nb));
		memset(nn + pb->nr_dev, 0, n - pb->nr_dev);
		pb->nr_dev = n;
	}
	if (!pb->dev_named[dev]) {
		pfpb_track(pb, UUID_DEV_BYTES | dev, pfpb_group_uuid(dev_pid),
			   "outstanding bytes", true);
		pb->dev_named[dev] = 1;
	}
	pb->dev_bytes[dev] += ends ? -size : size;
	counter(pb, UUID_DEV_BYTES | dev, ts, pb->dev_bytes[dev]);
	if (node < 0 || node > NODE_MAX)
		return;
	if (!pb->node_named[node]) {
		snprintf(name, sizeof(name), "NUMA node %d: outstanding bytes",
			 node);
		pfpb_track(pb, UUID_NODE_BYTES | (uint32_t)node, 0, name, true);
		pb->node_named[node] = 1;
	}
	pb->node_bytes[node] += ends ? -size : size;
	counter(pb, UUID_NODE_BYTES | (uint32_t)node, ts, pb->node_bytes[node]);
}

struct pfpb *pfpb_new(FILE *out)
{
	struct pfpb *pb = calloc(1, sizeof(*pb));

	if (!pb)
		return NULL;
	pb->out = out;
	pb->cats.field = F_ID_CATEGORIES;
	pb->names.field = F_ID_EVENT_NAMES;
	pb->keys.field = F_ID_ANNOTATION_NAMES;
	return pb;
}

/* -1 when something could not be written whole (out of memory). */
int pfpb_status(const struct pfpb *pb)
{
	return pb->pkt.oom || pb->ev.oom || pb->intern.oom || pb->td.oom ? -1
									 : 0;
}

void pfpb_free(struct pfpb *pb)
{
	if (!pb)
		return;
	pb_free(&pb->ev);
	pb_free(&pb->intern);
	pb_free(&pb->pkt);
	pb_free(&pb->td);
	itab_free(&pb->names);
	itab_free(&pb->cats);
	itab_free(&pb->keys);
	free(pb->flows);
	free(pb->dev_bytes);
	free(pb->dev_named);
	free(pb);
}
