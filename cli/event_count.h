/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event_count.h - which count an event kind moves, in one place: the BPF
 * object's per-device counters (calls whose event was lost), a live
 * source's counts of the events it received, and the engine's statistics
 * all read dmas_kind_count().  Shared with bpf/: fixed-width types only.
 */
#ifndef DMASCOPE_EVENT_COUNT_H
#define DMASCOPE_EVENT_COUNT_H

#include "event.h"

#define DMAS_COUNT_INLINE static inline __attribute__((always_inline))

/* What an event kind counts as; kinds not listed count as nothing. */
enum dmas_count {
	DMAS_COUNT_NONE = 0,
	DMAS_COUNT_MAP, /* a streaming mapping: single, sg, resource, IOVA link */
	DMAS_COUNT_UNMAP, /* the end of one */
	DMAS_COUNT_SYNC, /* single or sg, either direction */
	DMAS_COUNT_ALLOC_COHERENT, /* dma_alloc_attrs, dma_alloc_pages */
	DMAS_COUNT_ALLOC_POOL, /* a dma_pool block */
	DMAS_COUNT_FREE, /* the end of a coherent, page or pool allocation */
	DMAS_COUNT_MAP_ERROR,
};

DMAS_COUNT_INLINE enum dmas_count dmas_kind_count(__u8 kind)
{
	switch (kind) {
	case DMAS_EV_MAP:
	case DMAS_EV_MAP_SG:
	case DMAS_EV_MAP_RESOURCE:
	case DMAS_EV_IOVA_LINK:
		return DMAS_COUNT_MAP;
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_SG:
	case DMAS_EV_UNMAP_RESOURCE:
	case DMAS_EV_IOVA_UNLINK:
		return DMAS_COUNT_UNMAP;
	case DMAS_EV_SYNC_FOR_CPU:
	case DMAS_EV_SYNC_FOR_DEVICE:
	case DMAS_EV_SYNC_SG_FOR_CPU:
	case DMAS_EV_SYNC_SG_FOR_DEVICE:
		return DMAS_COUNT_SYNC;
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
		return DMAS_COUNT_ALLOC_COHERENT;
	case DMAS_EV_POOL_ALLOC:
		return DMAS_COUNT_ALLOC_POOL;
	case DMAS_EV_FREE_COHERENT:
	case DMAS_EV_FREE_PAGES:
	case DMAS_EV_POOL_FREE:
		return DMAS_COUNT_FREE;
	case DMAS_EV_MAP_ERROR:
		return DMAS_COUNT_MAP_ERROR;
	}
	return DMAS_COUNT_NONE;
}

/* Per-device call counters (one per CPU in the BPF object). */
struct dmas_dev_counters {
	__u64 maps; /* single, sg and resource mappings */
	__u64 map_bytes;
	__u64 unmaps;
	__u64 syncs;
	__u64 allocs; /* coherent, pages and pool blocks */
	__u64 alloc_bytes;
	__u64 frees;
	__u64 map_errors;
};

/*
 * Counts one call of kind moving bytes; flags are the event's DMAS_F_*: a
 * failed allocation (DMAS_F_ERROR) allocated nothing and is not counted.
 */
DMAS_COUNT_INLINE void dmas_dev_counters_add(struct dmas_dev_counters *c,
					     __u8 kind, __u64 bytes, __u8 flags)
{
	switch (dmas_kind_count(kind)) {
	case DMAS_COUNT_MAP:
		c->maps++;
		c->map_bytes += bytes;
		break;
	case DMAS_COUNT_UNMAP:
		c->unmaps++;
		break;
	case DMAS_COUNT_SYNC:
		c->syncs++;
		break;
	case DMAS_COUNT_ALLOC_COHERENT:
	case DMAS_COUNT_ALLOC_POOL:
		if (!(flags & DMAS_F_ERROR)) {
			c->allocs++;
			c->alloc_bytes += bytes;
		}
		break;
	case DMAS_COUNT_FREE:
		c->frees++;
		break;
	case DMAS_COUNT_MAP_ERROR:
		c->map_errors++;
		break;
	case DMAS_COUNT_NONE:
		break;
	}
}

/* dst += src, counter by counter. */
DMAS_COUNT_INLINE void
dmas_dev_counters_sum(struct dmas_dev_counters *dst,
		      const struct dmas_dev_counters *src)
{
	dst->maps += src->maps;
	dst->map_bytes += src->map_bytes;
	dst->unmaps += src->unmaps;
	dst->syncs += src->syncs;
	dst->allocs += src->allocs;
	dst->alloc_bytes += src->alloc_bytes;
	dst->frees += src->frees;
	dst->map_errors += src->map_errors;
}

#endif /* DMASCOPE_EVENT_COUNT_H */
