/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* analysis_opts.c - the engine options replay, check and export share. */
#include <stdio.h>

#include "analysis_opts.h"

int dmas_analysis_opt(int c, const char *arg, const char *cmd,
		      struct dmas_engine_opts *eo, struct dmas_report_opts *ro)
{
	int sev;

	switch (c) {
	case AOPT_LEAK_AGE:
		/* 0 is the default: no leak-suspected findings */
		if (dmas_parse_duration(arg, &eo->leak_age_ns)) {
			fprintf(stderr,
				"dmatrace %s: --leak-age: '%s' is not a duration (e.g. 500ms, 5s, 2m; 0 turns it off)\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case AOPT_XFER_TIMEOUT:
		/* the engine reads 0 as its default: a 0 given is refused */
		if (dmas_parse_duration_range(arg, 1, UINT64_MAX,
					      &eo->xfer_timeout_ns)) {
			fprintf(stderr,
				"dmatrace %s: --xfer-timeout: '%s' is not a duration above 0 (e.g. 500ms, 5s, 2m; the default is 5s)\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case AOPT_LATENCY_BUDGET:
		/* 0 is the default: no budget, no xfer-over-budget */
		if (dmas_parse_duration(arg, &eo->latency_budget_ns)) {
			fprintf(stderr,
				"dmatrace %s: --latency-budget: '%s' is not a duration (e.g. 200us, 5ms, 1s; 0 turns it off)\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case AOPT_CMA_BUDGET:
		/* 0 is the default: no budget, no cma-alloc-slow */
		if (dmas_parse_duration(arg, &eo->cma_budget_ns)) {
			fprintf(stderr,
				"dmatrace %s: --cma-budget: '%s' is not a duration (e.g. 10ms, 1s; 0 turns it off)\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case AOPT_LEAKS_AT_EXIT:
		eo->leaks_at_exit = true;
		return 1;
	case AOPT_NUMA_SHARE:
		if (dmas_parse_percent(arg, &eo->numa_min_share)) {
			fprintf(stderr,
				"dmatrace %s: --numa-share: '%s' is not a percentage from 1 to 100\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case AOPT_SEVERITY:
		if (!ro)
			return 0;
		sev = dmas_parse_severity(arg);
		if (sev < 0) {
			fprintf(stderr,
				"dmatrace %s: --severity: '%s' is not info, warning or error\n",
				cmd, arg);
			return -1;
		}
		ro->min_severity = sev;
		return 1;
	}
	return 0;
}

void dmas_report_opts_fill(struct dmas_report_opts *ro,
			   const struct dmas_engine_opts *eo,
			   struct dmas_stream_info *si)
{
	ro->first_ts = si->first_ts;
	ro->last_ts = si->last_ts;
	ro->leak_age_ns = eo->leak_age_ns;
	ro->xfer_timeout_ns = eo->xfer_timeout_ns;
	ro->latency_budget_ns = eo->latency_budget_ns;
	ro->cma_budget_ns = eo->cma_budget_ns;
	ro->leaks_at_exit = eo->leaks_at_exit;
	ro->driver_of = dmas_stream_info_driver;
	ro->driver_ctx = si;
}
