/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics.h - the engine's state as Prometheus metrics (text exposition
 * format 0.0.4) for `dmatrace serve`: devices folded into a bounded set of
 * series, counters that never go back while the process lives, and series
 * of devices gone quiet that stop being exported.
 */
#ifndef DMATRACE_METRICS_H
#define DMATRACE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_opts {
	/*
	 * Devices exported with their own series; a device seen while this
	 * many are exported is folded into device="other" (0: 256).
	 */
	unsigned max_devices;
	/*
	 * A device with nothing outstanding and no activity for this long
	 * (event clock) stops being exported; 0: never.
	 */
	uint64_t device_ttl_ns;
	const char *source; /* "live" or "replay" */
};

/* What the HTTP side counts about itself (exported as dmascope_http_*). */
struct metrics_http_stats {
	uint64_t requests; /* answered */
	uint64_t errors; /* answered with 4xx/5xx */
	uint64_t rejected; /* connections cut: too many open */
	uint64_t open; /* connections open now */
};

struct metrics;

struct metrics *metrics_new(const struct metrics_opts *o);
void metrics_free(struct metrics *m);

/*
 * Takes in what the engine holds now (now_ts on the event clock).  The
 * caller holds whatever guards e; this costs a pass over the devices and
 * the findings, no formatting.  Returns -1 when out of memory (the
 * previous state is kept).
 */
int metrics_update(struct metrics *m, const struct dmas_engine *e,
		   uint64_t now_ts);

/*
 * The exposition of the last update into *buf (grown as needed; *cap its
 * size).  Returns its length, or -1 when out of memory.
 */
long metrics_render(struct metrics *m, const struct metrics_http_stats *http,
		    char **buf, size_t *cap);

/*
 * The hooks to export as dmascope_hook_info ("family:function,..."),
 * instead of the session's list (which a live source cuts at 256 bytes).
 */
int metrics_set_hooks(struct metrics *m, const char *hooks);

/* Devices exported on their own, folded into "other", expired. */
void metrics_device_counts(const struct metrics *m, unsigned *own,
			   unsigned *folded, unsigned *expired);

#endif /* DMATRACE_METRICS_H */
