/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stream_info.h - a sink that watches an event stream for what a report's
 * header needs and the engine does not keep: first and last event time, and
 * the driver each device had last (it is gone from the device table once
 * the driver unbinds).  Tee it beside the engine's sink.
 */
#ifndef DMATRACE_STREAM_INFO_H
#define DMATRACE_STREAM_INFO_H

#include <stdint.h>

#include "source/source.h"

struct dmas_stream_info {
	uint64_t first_ts; /* 0 until the first event */
	uint64_t last_ts; /* latest event or idle time seen */
	uint64_t events;
	uint32_t nr_drivers;
	char (*drivers)[DMAS_DRV_NAME_LEN]; /* indexed by device id */
	const struct dmas_sink *inner; /* dmas_stream_info_wrap only */
};

void dmas_stream_info_sink(struct dmas_sink *sink, struct dmas_stream_info *si);
/*
 * The same watching, wrapped around one inner sink (usually the engine's):
 * every callback is passed on, without a tee's extra dispatch per event
 * (about 5% of replay time).  A callback added to struct dmas_sink must be
 * forwarded here too.
 * si->inner must stay valid while the sink is used.
 */
void dmas_stream_info_wrap(struct dmas_sink *sink, struct dmas_stream_info *si,
			   const struct dmas_sink *inner);
/* Last driver seen bound to dev, or NULL; fits dmas_report_opts.driver_of. */
const char *dmas_stream_info_driver(void *si, uint32_t dev);
void dmas_stream_info_free(struct dmas_stream_info *si);

#endif /* DMATRACE_STREAM_INFO_H */
