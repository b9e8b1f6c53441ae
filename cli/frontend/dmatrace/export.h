/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * export.h - what `dmatrace export`'s writers share: the side tables they
 * resolve names from (devices, stacks), and the perfetto writer's entry
 * points.  Every writer streams: memory grows with devices, stacks and
 * open mappings, never with the recording's length.
 */
#ifndef DMATRACE_EXPORT_H
#define DMATRACE_EXPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"

struct export_dev {
	bool known; /* a device record arrived */
	int32_t numa_node;
	char name[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN]; /* now: follows bind/unbind */
};

struct export_stack {
	uint32_t nr;
	char **frames;
};

struct perfetto;
struct pfpb;

struct export_ctx {
	FILE *out;
	struct dmas_session session;
	bool have_session;
	struct export_dev *devs; /* indexed by device id */
	uint32_t nr_devs;
	struct export_stack *stacks; /* indexed by stack id */
	uint32_t nr_stacks;
	uint64_t events;
	uint64_t last_ts;
	struct perfetto *pf; /* perfetto formats only */
	struct pfpb *pb; /* the protobuf encoder; NULL: trace-event JSON */
};

/* NULL when the device is not in the table. */
const struct export_dev *export_dev(const struct export_ctx *x, uint32_t id);
const struct export_stack *export_stack(const struct export_ctx *x,
					uint32_t id);
/* Kinds whose payload is a name (driver, module) instead of addresses. */
bool export_kind_has_name(unsigned kind);
/* s (at most max bytes) as a JSON string: quoted, escaped, always valid. */
void export_json_str(FILE *out, const char *s, size_t max);

/*
 * Perfetto: see export_perfetto.c.  protobuf: Perfetto's own trace format;
 * otherwise Chrome trace-event JSON.
 */
int perfetto_begin(struct export_ctx *x, bool protobuf);
void perfetto_event(struct export_ctx *x, const struct dmas_event *ev);
void perfetto_finding(struct export_ctx *x, const struct dmas_engine *e,
		      const struct dmas_finding *f);
/* Closes what is still open at end_ts and ends the document. */
int perfetto_end(struct export_ctx *x, uint64_t end_ts);
void perfetto_free(struct export_ctx *x);

/* The protobuf encoder (export_perfetto_pb.c): tracks, events, counters. */
struct pfpb *pfpb_new(FILE *out);
int pfpb_status(const struct pfpb *pb);
void pfpb_free(struct pfpb *pb);
uint64_t pfpb_group_uuid(uint32_t pid);
uint64_t pfpb_lane_uuid(uint32_t tid);
void pfpb_track(struct pfpb *pb, uint64_t uuid, uint64_t parent,
		const char *name, bool bytes_counter);
/* An event: ph 'X' a slice (pfpb_dur gives its length), else an instant. */
void pfpb_ev_open(struct pfpb *pb, char ph, const char *name, uint64_t track);
void pfpb_ts(struct pfpb *pb, uint64_t ts);
void pfpb_dur(struct pfpb *pb, uint64_t ns);
void pfpb_cat(struct pfpb *pb, const char *cat);
void pfpb_arg_str(struct pfpb *pb, const char *key, const char *v, size_t max);
void pfpb_arg_u64(struct pfpb *pb, const char *key, uint64_t v);
void pfpb_arg_int(struct pfpb *pb, const char *key, int64_t v);
void pfpb_arg_ptr(struct pfpb *pb, const char *key, uint64_t v);
void pfpb_arg_bool(struct pfpb *pb, const char *key, bool v);
void pfpb_arg_frames(struct pfpb *pb, const char *key, char *const *frames,
		     uint32_t nr);
/* Flows: from the slice that created a mapping to the finding about it. */
uint64_t pfpb_flow_id(uint32_t dev, uint64_t addr, uint64_t map_ts);
void pfpb_flow_start(struct pfpb *pb, uint64_t id); /* only if one ends it */
void pfpb_flow_end(struct pfpb *pb, uint64_t id);
void pfpb_ev_close(struct pfpb *pb);
/*
 * Outstanding bytes of a device (in its group) and of its NUMA node: a
 * mapping of size bytes begins, or ends.
 */
void pfpb_outstanding(struct pfpb *pb, uint32_t dev, uint32_t dev_pid,
		      int32_t node, uint64_t size, bool ends, uint64_t ts);

#endif /* DMATRACE_EXPORT_H */
