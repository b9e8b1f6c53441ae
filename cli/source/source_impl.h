/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * source_impl.h - what a source implementation fills in: its ops and a
 * struct dmas_source embedded first in its own state.  dmas_source_run()
 * and dmas_source_close() dispatch through the ops, so frontends see only
 * source.h.  Private to cli/source.
 */
#ifndef DMASCOPE_SOURCE_IMPL_H
#define DMASCOPE_SOURCE_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "source/source.h"

struct dmas_source_ops {
	const char *name; /* "file", "live", ... for messages */
	/* same contract as dmas_source_run() */
	int (*run)(struct dmas_source *s, const struct dmas_sink *sink,
		   volatile sig_atomic_t *stop, char *err, size_t errlen);
	/* frees everything, s included */
	void (*close)(struct dmas_source *s);
	/*
	 * Live sources: what dmas_source_live_counters(), _hooks() and
	 * _stats() answer (out already zeroed).  NULL: not a live source.
	 */
	int (*live_counters)(struct dmas_source *s, uint32_t dev,
			     struct dmas_live_counters *out);
	int (*live_hooks)(struct dmas_source *s, char *buf, size_t len);
	int (*live_stats)(struct dmas_source *s, struct dmas_live_stats *out);
};

struct dmas_source {
	const struct dmas_source_ops *ops;
};

/* trace-cmd recordings (tracecmd.c): told apart from .dmat by magic. */
bool dmas_tracecmd_magic(const void *head, size_t n);
struct dmas_source *dmas_source_open_tracecmd(const char *path, char *err,
					      size_t errlen);

/*
 * perf recordings (perfdata.c): a perf.data, or what perf data convert
 * --to-json wrote (refused with the reason), told apart by content.
 */
bool dmas_perf_magic(const void *head, size_t n);
struct dmas_source *dmas_source_open_perf(const char *path, char *err,
					  size_t errlen);

#define dmas_source_container(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#endif /* DMASCOPE_SOURCE_IMPL_H */
