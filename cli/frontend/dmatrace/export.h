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
	struct perfetto *pf; /* perfetto format only */
};

/* NULL when the device is not in the table. */
const struct export_dev *export_dev(const struct export_ctx *x, uint32_t id);
const struct export_stack *export_stack(const struct export_ctx *x,
					uint32_t id);
/* Kinds whose payload is a name (driver, module) instead of addresses. */
bool export_kind_has_name(unsigned kind);
/* s (at most max bytes) as a JSON string: quoted, escaped, always valid. */
void export_json_str(FILE *out, const char *s, size_t max);

/* Perfetto / Chrome trace-event JSON: see export_perfetto.c. */
int perfetto_begin(struct export_ctx *x);
void perfetto_event(struct export_ctx *x, const struct dmas_event *ev);
void perfetto_finding(struct export_ctx *x, const struct dmas_engine *e,
		      const struct dmas_finding *f);
/* Closes what is still open at end_ts and ends the document. */
int perfetto_end(struct export_ctx *x, uint64_t end_ts);
void perfetto_free(struct export_ctx *x);

#endif /* DMATRACE_EXPORT_H */
