/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * analysis_opts.h - the engine options every analysing command (replay,
 * check, export, serve) takes: their ids, for the commands' option tables
 * (each says them in its own words), and one parser for all.
 */
#ifndef DMATRACE_ANALYSIS_OPTS_H
#define DMATRACE_ANALYSIS_OPTS_H

#include "engine/engine.h"
#include "report.h"
#include "stream_info.h"

enum {
	AOPT_LEAK_AGE = 0x300,
	AOPT_XFER_TIMEOUT,
	AOPT_LEAKS_AT_EXIT,
	AOPT_NUMA_SHARE,
	AOPT_SEVERITY,
	AOPT_LATENCY_BUDGET,
	AOPT_CMA_BUDGET,
};

/*
 * Apply option c (an id above) with argument arg.  Returns 1 when c
 * was one of the options above and was applied, 0 when c is not one of
 * them, -1 on a bad value (the message, naming `cmd`, is printed).  ro may
 * be NULL for commands without --severity.
 */
int dmas_analysis_opt(int c, const char *arg, const char *cmd,
		      struct dmas_engine_opts *eo, struct dmas_report_opts *ro);

/*
 * What a report needs to know of the analysis: the engine options it ran
 * with and the stream's time span and drivers (si outlives the report).
 */
void dmas_report_opts_fill(struct dmas_report_opts *ro,
			   const struct dmas_engine_opts *eo,
			   struct dmas_stream_info *si);

#endif /* DMATRACE_ANALYSIS_OPTS_H */
