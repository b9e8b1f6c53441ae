/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * engine.h - the analysis engine's interface: feed it the session's side
 * tables and then events in time order; read findings and statistics.  The
 * engine never knows where events came from (live BPF, tracefs, a
 * recording): frontends include this header, never a source's.
 */
#ifndef DMASCOPE_ENGINE_H
#define DMASCOPE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "sidetables.h"

/* ---- finding kinds: generated from findings.def ---- */

enum dmas_severity {
	DMAS_SEV_INFO = 0,
	DMAS_SEV_WARNING = 1,
	DMAS_SEV_ERROR = 2,
};

enum dmas_finding_kind {
#define FINDING(e, id, sev, area, what, fix) DMAS_F_##e,
#include "engine/findings.def"
#undef FINDING
	DMAS_FINDING_KIND_MAX
};

struct dmas_finding_info {
	const char *id; /* stable: "leak-at-unbind" */
	enum dmas_severity severity;
	const char *area; /* "leaks", "ownership", ... */
	const char *what;
	const char *fix;
};

extern const struct dmas_finding_info dmas_finding_table[DMAS_FINDING_KIND_MAX];
const char *dmas_severity_name(enum dmas_severity sev);
/* -1 when the id is unknown */
int dmas_finding_kind_by_id(const char *id);

/*
 * The session's side tables (dmas_session, dmas_device, dmas_stack,
 * dmas_mem_range) are part of the contract: sidetables.h.
 */

/* ---- findings ---- */

struct dmas_finding {
	uint64_t seq; /* order of reporting, 0.. */
	enum dmas_finding_kind kind;
	enum dmas_severity severity; /* copy of the table's, for filters */
	bool uncertain; /* a lost-event gap could explain it */
	uint32_t dev; /* device id */
	uint64_t ts; /* when it became a finding */
	/* the mapping (or channel / pool) it is about */
	uint64_t addr;
	uint64_t size;
	uint8_t dir;
	uint8_t map_kind; /* enum dmas_kind that created it */
	uint64_t map_ts; /* when it was created, 0 unknown */
	uint32_t map_stack; /* stack that created it */
	uint32_t close_stack; /* stack of the event that closed/revealed it */
	uint8_t close_kind; /* enum dmas_kind of that event, 0 none */
	uint32_t pid;
	char detail[160]; /* one line of specifics: "unmapped with size 2048,
			     mapped 4096" */
	/*
	 * Later occurrences folded into this finding: the same kind, device,
	 * creating and closing stack repeat at most 8 times each, then only
	 * count here (a driver that gets a sync wrong on every packet).
	 */
	uint64_t repeats;
	/*
	 * What this bug made happen next, folded in instead of reported on
	 * its own: one root cause, one finding.  E.g. the kernel keeping a
	 * destroyed pool's busy page (then leaked at unbind), or the driver's
	 * own correct dma_free_coherent of memory it had already released
	 * through dma_unmap_*.  `consequence` describes the first ones.
	 */
	uint64_t consequences;
	char consequence[160];
	/*
	 * Which tool reported it (DMAS_SEEN_*): the engine's own findings
	 * are DMAS_SEEN_DMASCOPE; `check --dmesg` adds DMAS_SEEN_DMA_DEBUG to
	 * those CONFIG_DMA_API_DEBUG reported too and adds findings that only
	 * dma-debug reported (dmas_engine_add_finding).
	 */
	uint8_t seen_by;
};

enum {
	DMAS_SEEN_DMASCOPE = 1,
	DMAS_SEEN_DMA_DEBUG = 2,
};

/* "dmascope", "dma-debug" or "both" */
const char *dmas_seen_by_name(uint8_t seen_by);

typedef void (*dmas_finding_cb)(const struct dmas_finding *f, void *ctx);

/* ---- statistics ---- */

enum { DMAS_NDIR = 4 }; /* indexed by enum dmas_dir */

/* Upper bounds (ns) of the transfer-latency buckets; the last is unbounded. */
enum { DMAS_XFER_LAT_BUCKETS = 15 };
extern const uint64_t dmas_xfer_lat_bounds_ns[DMAS_XFER_LAT_BUCKETS - 1];

struct dmas_dev_stats {
	uint32_t dev;
	uint64_t maps[DMAS_NDIR]; /* single + sg + resource + pool/coherent
				     allocs not included */
	uint64_t map_bytes[DMAS_NDIR];
	uint64_t unmaps;
	uint64_t syncs_for_cpu;
	uint64_t syncs_for_device;
	uint64_t map_errors;
	uint64_t outstanding; /* streaming mappings now */
	uint64_t outstanding_bytes;
	uint64_t outstanding_peak;
	uint64_t coherent_allocs;
	uint64_t coherent_bytes; /* now outstanding */
	uint64_t pool_blocks; /* now outstanding */
	uint64_t
		remote_bytes; /* mapped bytes whose memory is on another node */
	uint64_t local_bytes; /* mapped bytes on the device's node */
	uint64_t bounced; /* swiotlb bounces */
	uint64_t bounce_bytes; /* bytes swiotlb copied, both directions */
	uint64_t xfers_submitted;
	uint64_t xfers_completed;
	uint64_t xfers_failed;
	uint64_t xfers_in_flight;
	uint64_t findings[3]; /* by severity */
	/* unmap/sync/free of mappings made before tracing began (not bugs) */
	uint64_t preexisting;
	uint64_t iommu_faults;
	/*
	 * dmaengine transfers completed without error whose submission was
	 * seen, by latency from submission to completion: xfer_lat[i] counts
	 * those of at most dmas_xfer_lat_bounds_ns[i] (and more than the
	 * bound before); the last bucket has no upper bound.
	 */
	uint64_t xfer_lat[DMAS_XFER_LAT_BUCKETS];
	uint64_t xfer_lat_sum_ns;
	/* time of the newest event on the device, 0 none (a level) */
	uint64_t last_event_ts;
	uint64_t pool_bytes; /* bytes of the pool blocks now outstanding */
	uint64_t iova_ranges; /* dma_iova_try_alloc ranges made */
	/*
	 * streaming mappings forgotten without a leak finding: the kernel
	 * told the driver it need not unmap them (dma_need_unmap false)
	 */
	uint64_t unmap_skipped;
	/* ownership checks not made: the kernel elides the device's syncs */
	uint64_t sync_unchecked;
	/* dma-buf: as exporter (counters, then levels: exported now) */
	uint64_t dmabuf_exports;
	uint64_t dmabuf_exported_bytes;
	uint64_t dmabuf_live;
	uint64_t dmabuf_live_bytes;
	/* dma-buf: as importer (attaches and maps counted, then levels) */
	uint64_t dmabuf_attaches;
	uint64_t dmabuf_maps;
	uint64_t dmabuf_attached;
	uint64_t dmabuf_mapped; /* attachments mapped now */
	/*
	 * Contiguous memory (CMA) behind the device's dma_alloc_* calls
	 * (cma.c): allocations and their bytes, failed ones (counters), then
	 * bytes held now and the most held at once (levels)
	 */
	uint64_t cma_allocs;
	uint64_t cma_alloc_bytes;
	uint64_t cma_failures;
	uint64_t cma_bytes;
	uint64_t cma_peak;
};

/* dma-buf and dma_fence over the whole session (dmabuf.c) */
struct dmas_dmabuf_stats {
	uint64_t exports; /* dma-bufs exported */
	uint64_t exported_bytes;
	uint64_t export_errors;
	uint64_t no_exporter; /* exports whose exporting device is unknown */
	uint64_t releases;
	uint64_t live, live_bytes; /* exported now */
	uint64_t attaches, attached; /* attached now */
	uint64_t maps, mapped; /* attachments mapped now */
	uint64_t map_errors;
	uint64_t fences; /* dma_fence_init seen */
	uint64_t fences_signalled;
	uint64_t fences_pending; /* now: neither signalled nor destroyed */
	/* destroyed unsignalled, never emitted nor waited on (no finding) */
	uint64_t fences_dropped;
	uint64_t fence_waits;
	/* releases, detaches, unmaps, signals of objects from before tracing */
	uint64_t preexisting;
};

/*
 * Contiguous memory (CMA) over the whole session (cma.c): every CMA
 * allocation the trace saw, the device's or not (huge pages, other kernel
 * users), and of them those no dma_alloc_* call claimed.
 */
struct dmas_cma_stats {
	uint64_t allocs; /* cma_alloc calls finished */
	uint64_t alloc_bytes; /* bytes of the successful ones */
	uint64_t failures;
	uint64_t releases;
	uint64_t bytes, peak; /* held now, the most held at once */
	uint64_t no_device; /* allocations no dma_alloc_* call claimed */
	uint64_t no_device_bytes; /* of those successful, bytes held now */
	uint64_t no_device_failures;
	/* releases of memory allocated before tracing began */
	uint64_t preexisting;
};

struct dmas_engine_opts {
	uint64_t leak_age_ns; /* 0: no suspected-leak findings */
	uint64_t xfer_timeout_ns; /* issued but not completed: default 5 s */
	/* submit->complete above this is xfer-over-budget; 0: no budget */
	uint64_t latency_budget_ns;
	bool leaks_at_exit; /* report what is still mapped at finish */
	uint64_t window_ns; /* statistics window, default 1 s */
	const char *device_filter; /* only this device name (NULL: all) */
	const char *driver_filter; /* only this driver (NULL: all) */
	dmas_finding_cb on_finding; /* called as each finding is made */
	void *cb_ctx;
	/*
	 * numa-remote-buffer / numa-remote-cpu only when at least this
	 * percentage of a (device, call site)'s bytes and of its mappings is
	 * remote (with at least 4 remote mappings, or all of a site's fewer
	 * than 4); 0: 50.  A call site is the innermost 3 frames of the
	 * creating stack; the finding's map_stack is its first remote
	 * mapping's.
	 */
	unsigned int numa_min_share;
	/* fence-never-signalled after this long unsignalled; 0: 10 s */
	uint64_t fence_timeout_ns;
	/* a CMA allocation slower than this is cma-alloc-slow; 0: no budget */
	uint64_t cma_budget_ns;
};

struct dmas_engine;

struct dmas_engine *dmas_engine_new(const struct dmas_engine_opts *opts);
void dmas_engine_free(struct dmas_engine *e);

/* Side tables: may arrive at any time before the events that use them. */
void dmas_engine_set_session(struct dmas_engine *e,
			     const struct dmas_session *s);
int dmas_engine_add_device(struct dmas_engine *e, const struct dmas_device *d);
/* Leaves out the stack's leading tracer frames (dmas_stack_tracer_frames). */
int dmas_engine_add_stack(struct dmas_engine *e, const struct dmas_stack *s);
/*
 * How many innermost frames of a symbolized stack are the tracer's own or
 * the tracing infrastructure's (bpf_trace_runN, __bpf_trace_*,
 * __traceiter_*, trampolines, BPF programs, kprobe/ftrace/rethook
 * handlers), so that a stack starts at the DMA API or the driver on every
 * hook family; 0 when every frame is such a frame.
 */
size_t dmas_stack_tracer_frames(const char *const *frames, size_t n);
int dmas_engine_add_mem_range(struct dmas_engine *e,
			      const struct dmas_mem_range *r);

/* Events in timestamp order. */
void dmas_engine_feed(struct dmas_engine *e, const struct dmas_event *ev);
/* n events in order, as n dmas_engine_feed calls (one call per batch) */
void dmas_engine_feed_batch(struct dmas_engine *e, const struct dmas_event *evs,
			    size_t n);
/* Time passes without events (live mode): runs time-based detectors. */
void dmas_engine_tick(struct dmas_engine *e, uint64_t now_ts);
/* End of session at end_ts: end-of-session detectors, then stable order. */
void dmas_engine_finish(struct dmas_engine *e, uint64_t end_ts);

/* ---- reading results (valid until the next feed/finish/free) ---- */

const struct dmas_session *dmas_engine_session(const struct dmas_engine *e);
/*
 * Findings by index: index i is the finding with seq i, so index order is
 * reporting order and the newest N are indices nr-1 down to nr-N.  Later
 * events never reorder or remove findings (folding only updates repeats;
 * finish fills in aggregated details and appends end-of-session findings).
 */
size_t dmas_engine_nr_findings(const struct dmas_engine *e);
/*
 * A finding from outside the event stream (CONFIG_DMA_API_DEBUG's reports):
 * appended after the engine's own, counted like them; its seq is set here.
 * Returns 0, or -1 when out of memory (counted as dropped).
 */
int dmas_engine_add_finding(struct dmas_engine *e,
			    const struct dmas_finding *f);
/* Marks finding i as also seen by another tool (DMAS_SEEN_*). */
void dmas_engine_mark_seen(struct dmas_engine *e, size_t i, uint8_t seen_by);
/* Counts one more occurrence into finding i (a repeated report). */
void dmas_engine_finding_repeat(struct dmas_engine *e, size_t i);
const struct dmas_finding *dmas_engine_finding(const struct dmas_engine *e,
					       size_t i);
size_t dmas_engine_nr_devices(const struct dmas_engine *e);
const struct dmas_device *dmas_engine_device(const struct dmas_engine *e,
					     size_t i);
const struct dmas_device *dmas_engine_device_by_id(const struct dmas_engine *e,
						   uint32_t id);
const struct dmas_stack *dmas_engine_stack(const struct dmas_engine *e,
					   uint32_t id);
/*
 * Whole-run statistics of device id; NULL if none, or if the device does
 * not pass the device/driver filters (its events were not analysed).
 */
const struct dmas_dev_stats *dmas_engine_dev_stats(const struct dmas_engine *e,
						   uint32_t id);
/* Statistics of the last complete window (rates = counts / window). */
const struct dmas_dev_stats *dmas_engine_dev_window(const struct dmas_engine *e,
						    uint32_t id);
/* Why a device's mappings bounced through swiotlb (masks.c). */
#define DMAS_BOUNCE_FORCED 0x1 /* swiotlb=force */
#define DMAS_BOUNCE_MASK 0x2 /* the buffer lay above the device's mask */
#define DMAS_BOUNCE_EXTERNAL 0x4 /* external/untrusted port */
#define DMAS_BOUNCE_UNKNOWN 0x8 /* none of those explains it */

/* A device's DMA masks and what swiotlb copied for it. */
struct dmas_dev_masks {
	uint64_t dma_mask; /* streaming mask now, 0: not known */
	uint64_t coherent_mask; /* 0: no dma_set_coherent_mask seen */
	uint64_t bus_limit; /* bus_dma_limit, 0: none or not known */
	uint32_t sets; /* successful mask calls seen */
	uint32_t set_failures; /* mask calls that failed */
	bool swiotlb_forced; /* swiotlb bounces all its streaming mappings */
	uint32_t bounce_why; /* DMAS_BOUNCE_* seen */
	uint64_t bounce_to_device; /* bytes copied into bounce buffers */
	uint64_t bounce_from_device; /* bytes copied back out of them */
	uint64_t bounce_highest; /* highest buffer byte that bounced */
};

/* NULL when the device is not known or filtered out. */
const struct dmas_dev_masks *dmas_engine_dev_masks(const struct dmas_engine *e,
						   uint32_t id);
/* Each DMAS_BOUNCE_* bit: its JSON key and its words in text reports. */
struct dmas_bounce_reason {
	uint32_t bit;
	const char *key;
	const char *text;
};
#define DMAS_NR_BOUNCE_REASONS 4
extern const struct dmas_bounce_reason
	dmas_bounce_reasons[DMAS_NR_BOUNCE_REASONS];
/* The DMAS_BOUNCE_* bits in words, comma separated; returns the length. */
size_t dmas_bounce_why(uint32_t why, char *buf, size_t len);
uint64_t dmas_engine_events(const struct dmas_engine *e); /* fed so far */
uint64_t
dmas_engine_lost(const struct dmas_engine *e); /* lost events reported */
/* Of those, the ones of one reason (LOST events' attrs). */
uint64_t dmas_engine_lost_by(const struct dmas_engine *e,
			     enum dmas_loss_reason reason);
/*
 * A loss reason's name, as reports, metrics and scenarios write it: "ring",
 * "recursion", "kretprobe"; NULL for one newer than this engine.
 */
const char *dmas_loss_reason_name(unsigned reason);
/* dma-buf and fence totals and levels (all zero when none were seen). */
void dmas_engine_dmabuf_stats(const struct dmas_engine *e,
			      struct dmas_dmabuf_stats *out);
/* NUMA node of a physical address from the memory map, -1 unknown. */
int dmas_engine_node_of(const struct dmas_engine *e, uint64_t phys);
/*
 * Why no buffer's NUMA node could be judged although devices have nodes;
 * reports say so (never a silent 0 local, 0 remote).
 */
enum dmas_placement {
	DMAS_PLACEMENT_JUDGED = 0,
	/* the input had no memory map (physical range -> node) */
	DMAS_PLACEMENT_NO_MEMORY_MAP,
	/* map events came, none with a physical address (a kernel whose
	 * page-to-physical translation the tracer does not know) */
	DMAS_PLACEMENT_NO_PHYS,
};
enum dmas_placement dmas_engine_placement(const struct dmas_engine *e);
/* Why, in words (one line, no newline); NULL for DMAS_PLACEMENT_JUDGED. */
const char *dmas_placement_reason(enum dmas_placement p);
/*
 * Streaming map events (single, sg) fed so far in *maps; returns how many
 * of them carried no physical address (their buffers are placed nowhere,
 * and cache-line sharing and churn are not checked for them).
 */
uint64_t dmas_engine_maps_without_phys(const struct dmas_engine *e,
				       uint64_t *maps);

/* CPU -> NUMA node of the traced machine (for numa-remote-cpu). */
int dmas_engine_add_cpu_node(struct dmas_engine *e, uint32_t cpu, int32_t node);
/* Node of a CPU, -1 unknown. */
int dmas_engine_cpu_node(const struct dmas_engine *e, uint32_t cpu);

/*
 * The last complete statistics window: [*start, *start + *len); 0s before one.
 */
void dmas_engine_window(const struct dmas_engine *e, uint64_t *start,
			uint64_t *len);

/* One outstanding mapping or allocation (what is still live). */
struct dmas_mapping_info {
	uint32_t dev;
	uint8_t kind; /* enum dmas_kind that created it */
	uint8_t dir;
	uint64_t addr; /* dma address (sg: first segment's) */
	uint64_t size;
	uint64_t ts; /* created */
	uint32_t stack;
	uint32_t pid;
	uint64_t sg; /* MAP_SG: scatterlist pointer */
	uint64_t pool; /* POOL_ALLOC: pool id */
};
uint64_t dmas_engine_nr_outstanding(const struct dmas_engine *e);
/* Calls fn for every outstanding mapping, oldest first; stops when fn returns
 * non-zero. */
int dmas_engine_foreach_outstanding(const struct dmas_engine *e,
				    int (*fn)(const struct dmas_mapping_info *m,
					      void *ctx),
				    void *ctx);

/* One dmaengine channel as the engine saw it. */
struct dmas_chan_info {
	uint64_t id; /* channel id (opaque) */
	uint32_t provider; /* provider device id */
	uint32_t client; /* client device id, 0 unknown */
	uint32_t index; /* channel index on its provider */
	uint32_t stack; /* request stack */
	bool released;
	bool requested; /* false: in use before tracing began */
	uint64_t submitted, issued, completed, errors, terminated;
	uint64_t in_flight; /* issued, not completed */
	uint64_t pending; /* submitted, not issued */
	uint64_t bytes; /* bytes of transfers prepared */
	uint64_t completed_bytes; /* bytes of transfers completed (as
				     prepared) */
	/* completed transfers over --latency-budget (submit to complete) */
	uint64_t over_budget;
	uint64_t worst_ns; /* the slowest submit->complete seen, 0 none */
};
size_t dmas_engine_nr_channels(const struct dmas_engine *e);

/*
 * Latency of a channel's transfers that completed without error, by phase:
 * submission to the provider starting it (XFER_START), start to
 * completion, and submission to completion.  Kept in a log-linear
 * histogram (8 buckets per power of two), so quantiles are upper bounds
 * of their bucket (at most 12.5% above the true value) and never above
 * the largest value seen.
 */
enum dmas_lat_phase {
	DMAS_LAT_SUBMIT_START = 0,
	DMAS_LAT_START_COMPLETE,
	DMAS_LAT_SUBMIT_COMPLETE,
	DMAS_LAT_PHASES
};
/* A duration as reports and finding details write it: "1.234 s", "500.000 ms" */
const char *dmas_fmt_duration(uint64_t ns, char *buf, size_t len);
/* "submit_to_start", "start_to_complete", "submit_to_complete" */
extern const char *const dmas_lat_phase_names[DMAS_LAT_PHASES];
struct dmas_lat_summary {
	uint64_t count; /* transfers measured */
	uint64_t sum_ns;
	uint64_t p50_ns, p99_ns, max_ns; /* 0 when count is 0 */
};
/* CMA totals and levels (all zero when no CMA event was seen). */
void dmas_engine_cma_stats(const struct dmas_engine *e,
			   struct dmas_cma_stats *out);
/*
 * Latency of CMA allocations (cma_alloc_start to cma_alloc_finish, failed
 * ones too) of device id, or of every one the trace saw for id 0; 0s if
 * none.  Quantiles as for channels.
 */
void dmas_engine_cma_latency(const struct dmas_engine *e, uint32_t id,
			     struct dmas_lat_summary *out);
/* Phase ph of channel chan (index as for dmas_engine_channel); 0s if none. */
void dmas_engine_chan_latency(const struct dmas_engine *e, size_t chan,
			      enum dmas_lat_phase ph,
			      struct dmas_lat_summary *out);
/* Channels in the order first seen. */
const struct dmas_chan_info *dmas_engine_channel(const struct dmas_engine *e,
						 size_t i);

/* One descriptor a channel has not finished. */
struct dmas_desc_info {
	uint64_t cookie;
	uint64_t size; /* bytes prepared */
	uint64_t submit_ts;
	bool issued; /* issue_pending seen (or it already completed) */
};
/*
 * The descriptors of channel chan (index as for dmas_engine_channel)
 * submitted and not yet completed, failed or dropped (terminate, release),
 * oldest submission first: the first max of them go to out.  Returns how
 * many there are (may exceed max; 0 for an unknown channel).
 */
size_t dmas_engine_chan_descs(const struct dmas_engine *e, size_t chan,
			      struct dmas_desc_info *out, size_t max);

/*
 * What the engine could not keep (out of memory, device ids out of range):
 * events and findings it had to drop.  Frontends show it with lost events.
 */
uint64_t dmas_engine_dropped(const struct dmas_engine *e);

/*
 * Events that named no device (id DMAS_DEV_NONE: IOMMU events of devices
 * the tracer never saw, events past its device table): counted here, not
 * analysed, and no device or statistics row is made for id 0.
 */
uint64_t dmas_engine_no_device(const struct dmas_engine *e);

/*
 * Heap bytes the engine holds now (benchmarks: memory per outstanding mapping).
 */
size_t dmas_engine_mem_bytes(const struct dmas_engine *e);

#endif /* DMASCOPE_ENGINE_H */
