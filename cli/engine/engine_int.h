/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * engine_int.h - the engine's internal state, shared by its files (one per
 * detector family) and by nothing else: frontends see engine.h only.
 */
#ifndef DMASCOPE_ENGINE_INT_H
#define DMASCOPE_ENGINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "engine/htab.h"

#define DMAS_PAGE_SHIFT 12
/*
 * Offset lookups walk back page by page over at most the largest mapping
 * up to this size; bigger ones (few: frame buffers, big coherent areas)
 * are kept in a per-device list and checked after the walk.
 */
#define MAP_LARGE (1ULL << 20)
#define DMAS_ATTR_SKIP_CPU_SYNC \
	(1u << 5) /* the kernel's DMA_ATTR_SKIP_CPU_SYNC */
/* 6.18's DMA_ATTR_MMIO: dma_map_resource goes through dma_map_phys with it */
#define DMAS_ATTR_MMIO (1u << 10)

/*
 * Namespaces of the mapping table.  Streaming, resource, coherent and page
 * mappings share one (so an unmap that hits a coherent allocation is
 * recognised) and are keyed by the page of their dma address, so syncs at
 * an offset find them; sg mappings are keyed by scatterlist pointer; pool
 * blocks by their handle (they live inside the pool's coherent pages).
 */
enum map_class {
	MC_ADDR = 0,
	MC_SG = 1,
	MC_POOL = 2,
};

/* Who owns a streaming buffer (the DMA API's ownership rule). */
enum owner {
	OWN_DEVICE = 0,
	OWN_CPU = 1,
	OWN_UNKNOWN = 2, /* dma_alloc_pages memory: not tracked */
};

/* dmas_map.state bits beyond the owner (low 2 bits) */
#define MS_OWNER_MASK 0x03
#define MS_DEV_HAD_IT \
	0x04 /* a transfer into it completed since the last hand-off */
#define MS_CPU_WROTE 0x08 /* CPU_ACCESS write since the CPU took it */
#define MS_CPU_SEEN \
	0x10 /* CPU_ACCESS events seen since the CPU took it; while the \
	      * device owns it: an access finding is pending (ownership.c) */
#define MS_PARTIAL 0x20 /* the last hand-off covered part of the buffer */
#define MS_SKIP_SYNC \
	0x40 /* mapped with SKIP_CPU_SYNC, no sync_for_device yet */
#define MS_LEAK_AGED 0x80 /* leak-suspected reported */

/*
 * One outstanding mapping, pool block or allocation: 56 bytes, pooled by
 * index (no malloc per event).  Index 0 is never used.  Small fields are
 * packed (device and stack ids are bounded by cli/event.h); the cause,
 * which few records ever get, lives in a side table (map_table.cause_h).
 */
struct dmas_map {
	uint64_t addr; /* dma address; MC_SG: scatterlist pointer */
	uint64_t size;
	uint64_t ts; /* created */
	uint64_t aux; /* MC_SG: first dma address; MC_POOL: pool id;
		       * coherent/pages: CPU address; alias: sg pointer;
		       * MAP: the buffer's physical address */
	uint32_t next; /* next in its hash chain, or free list */
	uint32_t pid;
	uint32_t loss_gen; /* e->loss_gen when created */
	uint16_t nents; /* MC_SG: nents passed to map_sg */
	uint16_t mapped; /* MC_SG: segments mapped */
	uint32_t stack : 21; /* up to DMAS_STACK_ID_MAX */
	uint32_t cls : 2; /* enum map_class */
	/*
	 * A finding whose root cause decides what happens to this record
	 * next is in cause_h (map_cause): its release or leak is that bug's
	 * consequence, folded into the finding (eng_consequence), never a
	 * finding of its own.
	 */
	uint32_t caused : 1;
	uint32_t state : 8; /* owner | MS_* */
	uint16_t dev; /* up to DMAS_DEV_ID_MAX */
	uint8_t kind; /* creating enum dmas_kind; 0: free record */
	uint8_t dir;
};

_Static_assert(sizeof(struct dmas_map) == 56, "56 bytes per mapping");
_Static_assert(DMAS_STACK_ID_MAX < (1u << 21) && DMAS_DEV_ID_MAX <= 0xffff,
	       "ids fit their fields");

/*
 * Records live in fixed chunks that never move: growing the table adds a
 * chunk instead of copying everything (no doubled peak memory, no copy).
 */
#define MAP_CHUNK_SHIFT 12
#define MAP_CHUNK (1u << MAP_CHUNK_SHIFT)

/*
 * Records are chained through their next field from a bucket array of
 * 32-bit heads (4 to 8 bytes per record: at most one record per bucket on
 * average), hashed by (key, dev, class) as map_find looks them up.  A chain
 * keeps records of one key newest first.
 */
struct map_table {
	struct dmas_map **chunks;
	uint32_t nr_chunks;
	uint32_t cap_chunks;
	uint32_t nr; /* records ever used (high water), index 0 spare */
	uint32_t free; /* free list head, 0: none */
	uint64_t live; /* records in use, aliases included */
	uint64_t aliases;
	uint32_t *heads; /* bucket -> first record of its chain, 0: none */
	uint32_t hmask; /* buckets - 1 (a power of two) */
	struct htab cause_h; /* record -> finding index + 1 (caused records) */
};

/* Recently released mappings: tells double unmap from never mapped. */
#define RECENT_SLOTS \
	4096 /* 128 KiB: stays in cache at millions of unmaps a second */
#define RECENT_LEAKED \
	0x1 /* forgotten as a leak: a late release is not a second bug */
struct recent {
	uint64_t addr;
	uint64_t ts;
	uint32_t dev; /* 0: empty */
	uint32_t stack; /* of the release */
	uint32_t loss_gen; /* at the release */
	uint8_t cls;
	uint8_t flags;
	uint8_t kind; /* the kind of the mapping released */
};

/* Same buffer mapped again and again (map-churn). */
#define CHURN_SLOTS 4096
struct churn {
	uint64_t phys;
	uint64_t win_start;
	uint64_t first_addr; /* dma address of the first map in the window */
	uint32_t dev;
	uint32_t count;
};

/* A device's masks and bouncing as masks.c follows them. */
struct mask_state {
	struct dmas_dev_masks pub;
	uint64_t pend_addr; /* buffer of the first bounce before a map */
	struct dmas_event first; /* first mapping, no mask call before it */
	bool bounce_pending; /* bounced, the mapping not yet seen */
	bool seen; /* a mask call seen */
	bool mapped; /* a mapping or allocation seen */
	bool have_first; /* `first` waits for the driver's bind */
	bool judged; /* mask-never-set reported */
};

struct dev_state {
	struct dmas_device pub;
	struct dmas_dev_stats run; /* whole run */
	struct dmas_dev_stats snap; /* run at the start of the current window */
	struct dmas_dev_stats win; /* last complete window */
	uint64_t win_peak; /* outstanding peak in the current window */
	uint64_t max_size; /* largest small MC_ADDR mapping: bounds offset
			      lookups */
	uint32_t *large; /* MC_ADDR records over MAP_LARGE bytes */
	size_t nr_large, cap_large;
	uint64_t nr_live; /* records of any class */
	uint64_t sg_live; /* live sg mappings (their segments' addresses are
			     unknown) */
	uint32_t numa_last; /* its last NUMA site hit, index + 1 */
	uint32_t range_last; /* its buffers' last memory range, index + 1 */
	bool bind_seen; /* DRIVER_BIND in the trace */
	bool included; /* passes the device/driver filters */
	bool implicit; /* no device record: events only */
	struct mask_state mk;
	struct lat_hist *cma_lat; /* CMA allocation latency, NULL until one */
};

struct pool_state {
	uint64_t id;
	uint32_t dev;
	uint32_t stack;
	uint64_t block_size;
	uint64_t outstanding;
	bool created; /* POOL_CREATE seen */
};

/* dmaengine channel and descriptor tracking (dmaengine.c). */
enum desc_state {
	DS_FREE = 0,
	DS_PREPPED,
	DS_SUBMITTED,
	DS_ISSUED,
};

struct desc_state_rec {
	uint64_t cookie;
	uint64_t ts; /* submitted (prepared before that) */
	uint64_t issue_ts;
	uint64_t start_ts; /* XFER_START seen, 0 none (latency.c) */
	uint64_t phys; /* dma address the transfer targets */
	uint64_t size;
	uint64_t map_ts; /* target mapping's creation time (identity check) */
	uint32_t map; /* target mapping record, 0 none */
	uint32_t chan; /* channel index + 1 */
	uint32_t stack;
	uint32_t loss_gen;
	uint32_t finding; /* its xfer-timeout finding, index + 1 */
	uint32_t prev, next; /* channel's list, in submission order */
	uint8_t state;
	uint8_t dir;
	bool keyed; /* in the descriptor table under (chan, cookie) */
	bool timed_out; /* xfer-timeout or desc-never-issued reported */
};

struct chan_state {
	struct dmas_chan_info pub;
	uint64_t request_ts;
	uint32_t loss_gen;
	uint32_t head, tail; /* descriptor list */
	struct lat_hist *lat; /* DMAS_LAT_PHASES histograms, NULL until one */
	uint64_t budget_worst_ns; /* slowest transfer over the budget */
	uint64_t worst_cookie; /* its cookie */
};

/* One finding folded over many events (NUMA, hints, map errors). */
struct agg {
	size_t finding; /* index in e->findings */
	uint64_t count;
	uint64_t bytes;
	/* NUMA: buffer/cpu node, device node; xfer-over-budget: node_a is
	 * the channel's index */
	int32_t node_a, node_b;
	int32_t mixed; /* NUMA: more than one remote node seen */
};

/* NUMA placement of one (device, creating stack), per side (numa.c). */
struct numa_side {
	uint64_t maps, bytes; /* mappings whose node is known */
	uint64_t remote_maps, remote_bytes;
	int32_t node; /* the first remote node seen */
	bool mixed; /* more than one remote node */
	size_t finding; /* index + 1 of its finding, 0: not (yet) one */
	struct dmas_event ev; /* the first remote mapping */
	struct dmas_map m;
};

/*
 * Who placed a mapping's memory, from its stack: the driver's own
 * allocation, or a buffer the network stack or the block layer handed to
 * the driver (placed by the sender, user space or the page cache).
 */
enum numa_placer {
	NUMA_BY_DRIVER = 0,
	NUMA_BY_NET, /* a transmitted packet (dev_hard_start_xmit) */
	NUMA_BY_DIRECT_IO, /* user space's own pages (O_DIRECT) */
	NUMA_BY_BLOCK, /* the block layer's caller: page cache, filesystems */
};

struct numa_site {
	uint32_t dev, site; /* site: eng_stack_site of the mappings' stacks */
	uint8_t placer; /* enum numa_placer: a site per placer */
	int32_t dnode;
	struct numa_side side[2]; /* the buffer's node, the mapping CPU's */
};

struct dedup {
	uint64_t count;
	size_t last; /* index of the last finding kept */
};

/*
 * A call site: the innermost SITE_FRAMES frames of a stack (the DMA API
 * function, its caller and that one's caller).  Full stacks of one call
 * site differ above it (which task or path triggered the I/O).
 */
#define SITE_FRAMES 3

struct stack_state {
	struct dmas_stack pub;
	char *buf; /* the frames' storage */
	uint32_t site; /* first stack id seen with the same call site */
	uint8_t placer; /* enum numa_placer of the stack (numa.c) */
};

/* Kernel image ranges kept: text and rodata, with room for a split image. */
#define DMAS_KIMAGE_MAX 8

struct dmas_engine {
	struct dmas_engine_opts opts;
	char *device_filter, *driver_filter;
	struct dmas_session session;
	bool have_session;

	/* devices: by id (index + 1 in dev_idx) and in order added */
	struct dev_state *devs;
	size_t nr_devs, cap_devs;
	uint32_t *dev_idx;
	size_t cap_dev_idx;

	struct stack_state *stacks; /* by id */
	size_t cap_stacks;
	struct htab site_h; /* (hash of a call site's frames, nr) -> stack */

	struct dmas_mem_range *ranges; /* sorted by start */
	size_t nr_ranges, cap_ranges;
	size_t last_range; /* node_of's last hit */
	/* the kernel image's text and rodata (misuse_kernel_memory) */
	struct dmas_mem_range kimage[DMAS_KIMAGE_MAX];
	size_t nr_kimage;

	int32_t *cpu_node; /* by cpu, -1 unknown */
	size_t cap_cpu;

	struct map_table maps;
	struct htab line_h; /* cacheline (phys >> 6) -> MAP record indexed */
	struct bounced_map *bounced; /* swiotlb-bounced mappings (masks.c) */
	struct htab access_h; /* (record, its ts) -> cpu-access finding + 1 */
	struct recent *recent;
	struct churn *churn;
	struct iommu_state *iommu; /* released ranges for faults (iommu.c) */

	struct pool_state *pools;
	size_t nr_pools, cap_pools;
	struct htab pool_h; /* pool id -> index + 1 */

	struct chan_state *chans;
	size_t nr_chans, cap_chans;
	struct htab chan_h; /* channel id -> index + 1 */
	struct desc_state_rec *descs;
	uint32_t nr_descs, cap_descs, free_desc;
	struct htab desc_h; /* (cookie, chan) -> desc index */

	struct dmas_finding *findings;
	size_t nr_findings, cap_findings;
	struct agg *aggs;
	size_t nr_aggs, cap_aggs;
	struct htab agg_h; /* (stack, dev << 6 | kind) -> agg index + 1 */
	struct numa_site *numa;
	size_t nr_numa, cap_numa;
	struct htab numa_h; /* (call site, dev) -> numa site index + 1 */
	struct dedup *dedups;
	size_t nr_dedups, cap_dedups;
	struct htab dedup_h;

	size_t last_finding; /* where the last eng_report landed (new or
				folded) */
	uint64_t nr_caused; /* live records with a cause */

	uint64_t events;
	uint64_t dropped; /* events the engine could not keep (out of memory) */
	uint64_t lost;
	uint64_t lost_by[DMAS_LOSS_REASONS]; /* devfacts.c */
	struct iova_table *iova; /* iova.c, NULL until the first range */
	struct dmabuf_state *dmabuf; /* dmabuf.c, NULL until the first event */
	struct cma_state *cma; /* cma.c, NULL until the first CMA event */
	uint64_t no_device; /* events with device id 0: counted only */
	uint64_t maps_seen; /* streaming map events (single, sg) */
	uint64_t maps_no_phys; /* of them, those without a physical address */
	uint32_t loss_gen; /* LOST events seen: evidence spanning one is
			      uncertain */
	/*
	 * A loss somewhere up to this time (LOST's ts + size): each event
	 * up to it starts a generation of its own, as the loss may be just
	 * before it.
	 */
	uint64_t loss_until;
	uint64_t now; /* latest event time */
	uint64_t win_base, win_len, win_last_start;
	bool win_started, win_have_last;
	uint64_t next_scan; /* time-based detectors run at */
	/* events before this (and not before now) neither end the window
	 * nor make a scan due: min(win_base + win_len, next_scan), 0 before
	 * the first event */
	uint64_t fast_until;
	bool finished;
};

static inline struct dev_state *eng_dev(struct dmas_engine *e, uint32_t id)
{
	if (id >= e->cap_dev_idx || !e->dev_idx[id])
		return NULL;
	return &e->devs[e->dev_idx[id] - 1];
}

static inline enum map_class map_class_of(uint8_t kind)
{
	switch (kind) {
	case DMAS_EV_MAP_SG:
		return MC_SG;
	case DMAS_EV_POOL_ALLOC:
		return MC_POOL;
	default:
		return MC_ADDR;
	}
}

/* ---- engine.c ---- */
/* Grow array p of *cap elements to hold need (new room zeroed); NULL: no
 * memory. */
void *eng_grow(void *p, size_t *cap, size_t need, size_t elem);
/* Live record indices, oldest first (the caller frees the array). */
uint32_t *eng_live_sorted(const struct dmas_engine *e, size_t *n);
/* Sort record indices oldest first. */
void eng_sort_by_age(const struct dmas_engine *e, uint32_t *idx, size_t n);
/*
 * Forget record idx (released, or reported as leaked): statistics, the
 * recent-release cache (with recent_flags), the table.
 */
void eng_release(struct dmas_engine *e, uint32_t idx,
		 const struct dmas_event *ev, uint8_t recent_flags);
bool eng_preexisting(struct dmas_engine *e, struct dev_state *d);
/*
 * Record a finding.  m (may be NULL) supplies the mapping fields, ev (may
 * be NULL) the closing event.  Returns the finding, or NULL when it was
 * folded into an earlier one (repeats).
 */
struct dmas_finding *eng_report(struct dmas_engine *e, enum dmas_finding_kind k,
				const struct dmas_event *ev,
				const struct dmas_map *m, bool uncertain,
				const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Index + 1 of the finding the last eng_report made or folded into. */
static inline uint32_t eng_last_cause(const struct dmas_engine *e)
{
	return e->nr_findings ? (uint32_t)e->last_finding + 1 : 0;
}
/*
 * Tie record idx's future to finding cause (index + 1): its release or leak
 * is then that finding's consequence.  A record keeps its first cause.
 */
void eng_set_cause(struct dmas_engine *e, uint32_t idx, uint32_t cause);
/*
 * A consequence of finding cause (index + 1) happened: counted on it and
 * described (the first few, in order) instead of becoming a finding.
 */
void eng_consequence(struct dmas_engine *e, uint32_t cause, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
/* Like eng_report, never folded (leaks: one finding per mapping). */
struct dmas_finding *
eng_report_each(struct dmas_engine *e, enum dmas_finding_kind k,
		const struct dmas_event *ev, const struct dmas_map *m,
		bool uncertain, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/*
 * One finding per (kind, device, stack) counting occurrences: the first
 * makes the finding (fields from ev/m), later ones add to count/bytes.
 * *is_new says which.  Details are written by agg_format at finish.
 */
struct agg *eng_aggregate(struct dmas_engine *e, enum dmas_finding_kind k,
			  uint32_t dev, uint32_t stack,
			  const struct dmas_event *ev, const struct dmas_map *m,
			  uint64_t bytes, int32_t node_a, int32_t node_b,
			  bool *is_new);
/* now - then, 0 when events came slightly out of order */
static inline uint64_t eng_age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* Would a finding about m (created at loss_gen g) span a loss? */
/* A direction as details name it (enum dmas_dir). */
static inline const char *eng_dir_name(unsigned int dir)
{
	static const char *const n[] = {"bidirectional", "to-device",
					"from-device", "none"};

	return dir < 4 ? n[dir] : "invalid";
}

static inline bool eng_spans_loss(const struct dmas_engine *e, uint32_t g)
{
	return e->loss_gen != g;
}

/* ---- masks.c ---- */
void masks_set(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_event *ev);
void masks_bind(struct dmas_engine *e, struct dev_state *d);
void masks_map(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_event *ev, const struct dmas_map *m);
void masks_bounce(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
void masks_release(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev);
void masks_free(struct dmas_engine *e);

/* ---- mappings.c ---- */
/* Note a new MC_ADDR record idx of d for offset lookups; -1: no memory. */
int map_note_range(struct dmas_engine *e, struct dev_state *d, uint32_t idx);
/* Forget it again (before map_release). */
void map_forget_range(struct dmas_engine *e, struct dev_state *d, uint32_t idx);
int maps_init(struct dmas_engine *e);
void maps_free(struct dmas_engine *e);
uint32_t map_new(struct dmas_engine *e, const struct dmas_event *ev,
		 enum map_class cls, uint64_t key);
/* Tie record idx (not yet caused) to finding cause (index + 1). */
void map_set_cause(struct dmas_engine *e, uint32_t idx, uint32_t cause);
/* Remove record idx from the table and free it. */
void map_release(struct dmas_engine *e, uint32_t idx);
/*
 * Exact lookup: record with this key; among equals prefer matching size
 * and dir (size 0 / dir 0xff: any).
 */
uint32_t map_find(struct dmas_engine *e, uint32_t dev, enum map_class cls,
		  uint64_t key, uint64_t size, int dir);
/* MC_ADDR record whose range holds addr (exact address first). */
uint32_t map_find_containing(struct dmas_engine *e, uint32_t dev,
			     uint64_t addr);
static inline struct dmas_map *tab_rec(const struct map_table *t, uint32_t i)
{
	return &t->chunks[i >> MAP_CHUNK_SHIFT][i & (MAP_CHUNK - 1)];
}

static inline struct dmas_map *map_rec(struct dmas_engine *e, uint32_t idx)
{
	return tab_rec(&e->maps, idx);
}

/* Index + 1 of the finding record idx is tied to (eng_set_cause), or 0. */
static inline uint32_t map_cause(const struct dmas_engine *e, uint32_t idx)
{
	const uint32_t *v;

	if (!tab_rec(&e->maps, idx)->caused)
		return 0;
	v = htab_find(&e->maps.cause_h, idx, 0);
	return v ? *v : 0;
}

/*
 * An sg list is also entered under its first dma address (an alias record,
 * kind MAP_SG in MC_ADDR; aux = the scatterlist pointer; size = the list's
 * bytes when it is one dma segment, else 0: later segments' addresses are
 * not in the events) so dma_sync_single_* of a segment, which the API
 * allows, finds it.
 */
static inline bool map_is_alias(const struct dmas_map *m)
{
	return m->kind == DMAS_EV_MAP_SG && m->cls == MC_ADDR;
}
uint32_t map_find_alias(struct dmas_engine *e, uint32_t dev, uint64_t addr,
			uint64_t sg);
void recent_note(struct dmas_engine *e, const struct dmas_map *m,
		 const struct dmas_event *ev, uint8_t flags);
const struct recent *recent_find(struct dmas_engine *e, uint32_t dev,
				 enum map_class cls, uint64_t addr);

/* ---- latency.c ---- */
/* Transfer ds of channel c completed without error at ev. */
void lat_xfer_done(struct dmas_engine *e, struct chan_state *c,
		   const struct desc_state_rec *ds, const struct dmas_event *ev,
		   const struct dmas_map *m);
void lat_format(struct dmas_engine *e, const struct agg *a,
		struct dmas_finding *f);
void lat_free(struct chan_state *c);
size_t lat_mem_bytes(const struct dmas_engine *e);
/* n zeroed histograms (free() them), NULL without memory */
struct lat_hist *lat_hist_new(size_t n);
size_t lat_hist_bytes(void);
void lat_hist_add(struct lat_hist *h, uint64_t v);
/* h's count, sum, p50, p99 and max; 0s when h is NULL or empty */
void lat_hist_summary(const struct lat_hist *h, struct dmas_lat_summary *out);

/* ---- cma.c ---- */
/* CMA_ALLOC_START, CMA_ALLOC_FINISH, CMA_RELEASE (any device or none) */
void cma_event(struct dmas_engine *e, const struct dmas_event *ev);
/* A dma_alloc_* event of d: claims the CMA allocation made for it */
void cma_dev_alloc(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev);
void cma_free(struct dmas_engine *e);
size_t cma_mem_bytes(const struct dmas_engine *e);

/* ---- stats.c ---- */
/* a dmaengine transfer completed ns after its submission */
void stats_xfer_latency(struct dev_state *d, uint64_t ns);
void stats_map(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_map *m);
void stats_unmap(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_map *m);
void stats_window_roll(struct dmas_engine *e, uint64_t ts);
void stats_window_start(struct dmas_engine *e, uint64_t ts);

/* ---- misuse.c ---- */
void misuse_unmap(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
void misuse_free(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev);
void misuse_pool_free(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev);
void misuse_map_error(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev);
/* Streaming map record idx made: index its cachelines, check overlaps. */
/* true when the mapping was reported as kernel memory (image or stack) */
bool misuse_kernel_memory(struct dmas_engine *e, const struct dmas_event *ev,
			  const struct dmas_map *m);
void misuse_cacheline_map(struct dmas_engine *e, const struct dmas_event *ev,
			  uint32_t idx);
/* Record idx is going away: drop what it indexed. */
void misuse_cacheline_release(struct dmas_engine *e, uint32_t idx);
/*
 * An MC_ADDR mapping is being made at ev->addr while a record kept for a
 * finding's sake (a cause) still holds that address: that one is gone.
 */
void misuse_reused(struct dmas_engine *e, const struct dmas_event *ev);
void misuse_format(struct dmas_engine *e, const struct agg *a,
		   struct dmas_finding *f);
/* A release or sync found nothing: pre-existing, double, or not mapped. */
void misuse_not_found(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev, enum map_class cls,
		      uint64_t key, enum dmas_finding_kind k);

/* ---- ownership.c ---- */
void own_sync(struct dmas_engine *e, struct dev_state *d,
	      const struct dmas_event *ev);
void own_sync_sg(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev);
void own_cpu_access(struct dmas_engine *e, struct dev_state *d,
		    const struct dmas_event *ev);
/* Record idx is going away: drop its pending access finding. */
void own_forget(struct dmas_engine *e, uint32_t idx);
/* A dmaengine transfer targets mapping idx (hand-off to the device). */
void own_transfer(struct dmas_engine *e, uint32_t idx,
		  const struct dmas_event *ev);
/* The transfer that targeted idx completed: the device had the buffer. */
void own_transfer_done(struct dmas_engine *e, uint32_t idx);

/* ---- leaks.c ---- */
void leaks_unbind(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
void leaks_module_unload(struct dmas_engine *e, const struct dmas_event *ev);
void leaks_pool_destroy(struct dmas_engine *e, struct dev_state *d,
			const struct dmas_event *ev);
void leaks_pool_create(struct dmas_engine *e, struct dev_state *d,
		       const struct dmas_event *ev);
struct pool_state *pool_get(struct dmas_engine *e, uint64_t id, uint32_t dev);
void leaks_scan_age(struct dmas_engine *e, uint64_t now);
void leaks_finish(struct dmas_engine *e, uint64_t end_ts);
/* The call site of stack id (a stack id standing for it); id if unknown. */
static inline uint32_t eng_stack_site(const struct dmas_engine *e, uint32_t id)
{
	if (id < e->cap_stacks && e->stacks[id].site)
		return e->stacks[id].site;
	return id;
}
/* Does stack id have a frame of module mod ("... [mod]")? */
bool stack_in_module(struct dmas_engine *e, uint32_t id, const char *mod);

/* ---- numa.c ---- */
void numa_map(struct dmas_engine *e, struct dev_state *d,
	      const struct dmas_event *ev, const struct dmas_map *m);
/* Report systematic remote placement (window ends, finish); update
 * details. */
void numa_evaluate(struct dmas_engine *e, bool at_finish);
void numa_free(struct dmas_engine *e);
/* Who placed the memory of mappings made through stack s. */
uint8_t numa_stack_placer(const struct dmas_stack *s);

/* ---- iommu.c ---- */
/* A translated device's mapping is being released (kept for faults). */
void iommu_release(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_map *m, const struct dmas_event *ev);
void iommu_fault(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev);
void iommu_free(struct dmas_engine *e);
size_t iommu_bytes(const struct dmas_engine *e);

/* ---- iova.c ---- */
void iova_event(struct dmas_engine *e, struct dev_state *d,
		const struct dmas_event *ev);
/* Leaks of IOVA ranges at unbind, module unload and (leaks_at_exit) finish */
void iova_unbind(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev);
void iova_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			const char *mod);
void iova_finish(struct dmas_engine *e);
uint64_t iova_nr_links(const struct dmas_engine *e);
/* The links now live into out (room for iova_nr_links), oldest first. */
size_t iova_links_info(const struct dmas_engine *e,
		       struct dmas_mapping_info *out);
void iova_free_all(struct dmas_engine *e);
size_t iova_mem_bytes(const struct dmas_engine *e);

/* ---- dmabuf.c ---- */
/* DMABUF_* and FENCE_* events; d: the event's device, NULL for none */
void dmabuf_event(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
/* Fences pending past the fence timeout at now. */
void dmabuf_scan(struct dmas_engine *e, uint64_t now);
/* Map leaks at unbind; buffers, maps and fences of an unloaded module. */
void dmabuf_unbind(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev);
void dmabuf_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			  const char *mod);
void dmabuf_finish(struct dmas_engine *e, uint64_t end_ts);
void dmabuf_free(struct dmas_engine *e);
size_t dmabuf_mem_bytes(const struct dmas_engine *e);

/* ---- devfacts.c ---- */
/* NEED_UNMAP, SYNC_ELISION: the device's DMAS_DEVF_* facts change */
void facts_event(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev);
/* The kernel let the driver skip m's unmap: m is never a leak. */
bool facts_unmap_skippable(struct dmas_engine *e, const struct dmas_map *m);
/* m's device has its syncs elided: an ownership check is not made (counted) */
bool facts_sync_unchecked(struct dmas_engine *e, const struct dmas_map *m);
void facts_lost(struct dmas_engine *e, const struct dmas_event *ev);

/* ---- dmaengine.c ---- */
void dmaeng_event(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
void dmaeng_scan(struct dmas_engine *e, uint64_t now, bool at_finish);
void dmaeng_free(struct dmas_engine *e);
/* Module unload: channels requested from mod's code and still held. */
void dmaeng_module_unload(struct dmas_engine *e, const struct dmas_event *ev,
			  const char *mod);

/* ---- hints.c ---- */
/* isolation.c: DMA of devices below external ports */
void isolation_map(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev, const struct dmas_map *m);
void isolation_bounce(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev);
void isolation_format(struct dmas_engine *e, const struct agg *a,
		      struct dmas_finding *f);
void hints_bounce(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev);
void hints_churn(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev, const struct dmas_map *m);
void hints_redundant_sync(struct dmas_engine *e, const struct dmas_event *ev,
			  const struct dmas_map *m);
void hints_format(struct dmas_engine *e, const struct agg *a,
		  struct dmas_finding *f);

#endif /* DMASCOPE_ENGINE_INT_H */
