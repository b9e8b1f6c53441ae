/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * source.h - what every event source (live BPF, tracefs, a .dmat
 * recording, a trace-cmd trace.dat) offers the frontends: it turns its
 * input into side-table entries and events and hands them to a sink.  A
 * frontend picks a source by name and never includes a source's own header.
 */
#ifndef DMASCOPE_SOURCE_H
#define DMASCOPE_SOURCE_H

#include <signal.h>
#include <stdbool.h>

#include "sidetables.h"

struct dmas_engine;

/* Where a source delivers.  Any callback may be NULL. */
struct dmas_sink {
	void (*session)(void *ctx, const struct dmas_session *s);
	void (*device)(void *ctx, const struct dmas_device *d);
	void (*stack)(void *ctx, const struct dmas_stack *s);
	void (*mem_range)(void *ctx, const struct dmas_mem_range *r);
	void (*event)(void *ctx, const struct dmas_event *ev);
	/* no event for a while (live): now on the event clock */
	void (*idle)(void *ctx, uint64_t now_ts);
	void *ctx;
	/* the traced machine's CPU -> NUMA node map (numa-remote-cpu) */
	void (*cpu_node)(void *ctx, uint32_t cpu, int32_t node);
	/*
	 * Optional: n events in order, as n calls of event would deliver
	 * them (a recording's batch: one indirect call, not one per event).
	 * Sources call dmas_sink_events, which falls back to event.
	 */
	void (*events)(void *ctx, const struct dmas_event *evs, size_t n);
};

static inline void dmas_sink_events(const struct dmas_sink *sink,
				    const struct dmas_event *evs, size_t n)
{
	if (sink->events)
		sink->events(sink->ctx, evs, n);
	else if (sink->event)
		for (size_t i = 0; i < n; i++)
			sink->event(sink->ctx, &evs[i]);
}

/* A sink that feeds an engine (ctx = the engine). */
void dmas_sink_engine(struct dmas_sink *sink, struct dmas_engine *e);
/* A sink that calls every sink in `sinks` in order. */
struct dmas_sink_tee {
	const struct dmas_sink *sinks[4];
	int n;
};
void dmas_sink_tee(struct dmas_sink *sink, struct dmas_sink_tee *tee);

struct dmas_source;

/* Which live source: BPF, falling back to tracefs, or one of them. */
enum dmas_live_kind {
	DMAS_LIVE_AUTO = 0,
	DMAS_LIVE_BPF,
	DMAS_LIVE_FTRACE,
};

struct dmas_live_opts {
	const char *device; /* in-kernel filters; NULL: all */
	const char *driver;
	int pid; /* 0: all */
	unsigned ringbuf_kb; /* 0: default */
	bool stacks; /* capture stacks for resource events */
	int verbose;
	unsigned stack_entries; /* stack map size; 0: default (16384) */
	bool no_fentry; /* kprobes where fentry/fexit would do */
	bool release_stacks; /* stacks on unmap/free too, not only on map/alloc */
	enum dmas_live_kind source;
};

/* "auto", "bpf", "ftrace" into *k: 0, or -1 for another word. */
int dmas_live_kind_parse(const char *s, enum dmas_live_kind *k);

/* Open a recording; on failure NULL and a message in err. */
struct dmas_source *dmas_source_open_file(const char *path, char *err,
					  size_t errlen);
/*
 * Open live tracing of the running kernel: BPF, or tracefs (o->source;
 * AUTO: tracefs when BPF cannot be used, saying so on stderr).
 */
struct dmas_source *dmas_source_open_live(const struct dmas_live_opts *o,
					  char *err, size_t errlen);

/*
 * Deliver everything until the input ends or *stop becomes non-zero.
 * Returns 0 at a clean end, 1 when the input ended early but what was
 * read is valid (truncated recording; message in err), -1 on an error
 * that stopped delivery (message in err), DMAS_SOURCE_WARNING when all of
 * it was delivered but something deserves a word (err: data after a
 * recording's end).
 */
#define DMAS_SOURCE_WARNING 2
int dmas_source_run(struct dmas_source *s, const struct dmas_sink *sink,
		    volatile sig_atomic_t *stop, char *err, size_t errlen);
void dmas_source_close(struct dmas_source *s);

/* Live source only: per-device counters kept in the kernel (dmatop). */
struct dmas_live_counters {
	uint64_t maps, map_bytes, unmaps, syncs;
	uint64_t allocs, alloc_bytes, frees, map_errors;
};
/* 0 on success; -1 if s is not live or dev unknown. */
int dmas_source_live_counters(struct dmas_source *s, uint32_t dev,
			      struct dmas_live_counters *out);

/* Live source only: what it has done so far (record's summary). */
struct dmas_live_stats {
	uint64_t events; /* delivered */
	uint64_t lost; /* lost in the kernel: all reasons */
	/* of them, calls the kernel did not trace (recursion, probe misses) */
	uint64_t lost_skipped;
	uint64_t stack_errors; /* stacks not captured (map full, collision) */
	uint32_t devices; /* devices seen */
	uint32_t hooks; /* hooks attached */
	char hook_list[2048]; /* as dmas_session.hooks */
};
int dmas_source_live_stats(struct dmas_source *s, struct dmas_live_stats *out);
/*
 * Live source only: every hook attached now (vdmac's attach when it
 * loads), "family:function" comma-separated, whole entries only -- the
 * session's hooks field is cut at 256 bytes.  Returns how many were
 * written, -1 if s is not live.
 */
int dmas_source_live_hooks(struct dmas_source *s, char *buf, size_t len);

#endif /* DMASCOPE_SOURCE_H */
