/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * misuse.c - releases checked against what was mapped (the checks
 * kernel/dma/debug.c makes in check_unmap, and map failures).
 *
 * Rules:
 * - unmap/free/pool free of a key with no live record: if the same key was
 *   released recently (a 4K-slot direct-mapped cache of releases), it is
 *   `double-unmap` (unmaps) or `free-not-allocated` "already freed"
 *   (frees); if it was forgotten as a leak, the late release is the leak's
 *   end and not a second finding; if the device's mappings may predate
 *   tracing, it is counted as pre-existing; else `unmap-not-mapped` /
 *   `free-not-allocated` / `sync-not-mapped`, uncertain once any events
 *   were lost (the lost events could hold the map).
 * - unmap sizes are compared for single and resource mappings; sg unmaps
 *   compare nents with map_sg's (what dma-debug compares; the total bytes
 *   of a list are not), both as `unmap-size-mismatch`.  Directions must
 *   match exactly.
 * - dma_unmap_* of a coherent or dma_alloc_pages allocation is
 *   `coherent-via-streaming-api`; dma_free_coherent/dma_free_pages of a
 *   streaming mapping is `streaming-via-coherent-api`, as is
 *   dma_free_coherent of dma_alloc_pages memory (and the reverse is
 *   coherent-via-streaming-api): dma-debug calls all of these "wrong
 *   function".  Unlike dma-debug, the record is kept, tied to that finding
 *   (its cause): the memory is still allocated (or still mapped), so the
 *   driver's later, correct release of it, or its leak, is that bug's
 *   consequence, folded into the finding, not a second finding
 *   (`free-not-allocated`, `double-unmap`, a leak).  The same holds for an
 *   sg list released through dma_unmap_page or dma_free_coherent (the list
 *   stays mapped) and for a mapping that an unmap at an offset inside it
 *   failed to release.
 * - A dma address handed out again while such a kept record still holds it
 *   (the IOMMU or the allocator reused it): the old record is gone, folded
 *   as a consequence.
 * - coherent and page frees must pass back the CPU address the allocation
 *   returned (dma-debug: "different CPU address"): `free-not-allocated`.
 * - single and page unmaps are not told apart (dma_map_single is inline).
 *   A resource mapping (dma_map_resource; on 6.18+ a map with
 *   DMA_ATTR_MMIO) released with dma_unmap_page/single, or a page mapping
 *   released with dma_unmap_resource, is `unmap-type-mismatch` (dma-debug's
 *   "wrong function ... mapped as resource, unmapped as single"); the
 *   mapping is kept as for the coherent mix-ups, so the correct release
 *   that may follow is folded into it.
 * - `map-error`: one finding per (device, creating stack) with the count.
 * - `cacheline-overlap`: a FROM_DEVICE/BIDIRECTIONAL dma_map_single/page
 *   whose buffer shares a 64-byte cacheline (dma-debug's L1_CACHE_SHIFT on
 *   x86) with another such mapping live at the same time, on any device,
 *   unless it is the same buffer (same physical start and size: one buffer
 *   mapped for two devices) or the new map passes DMA_ATTR_SKIP_CPU_SYNC;
 *   TO_DEVICE mappings never count (as dma-debug: the CPU only cleans
 *   them).  Only a mapping's first and last cacheline, and only where the
 *   buffer covers it in part, are indexed: that is where buffers that sit
 *   side by side meet, and aligned buffers (pages, most rings) cost
 *   nothing.  sg lists are not checked (the events carry only the first
 *   segment's physical address).
 * - `map-kernel-image`: a dma_map_single/page whose physical range
 *   intersects the kernel image's text or rodata (the ranges the live
 *   source reads from /proc/iomem, "Kernel code" and "Kernel rodata"), or
 *   an sg list whose first segment starts there (the events carry only
 *   that segment's address).  dma-debug's check_for_illegal_area makes the
 *   same check on the linear-map address, which on x86-64 never meets the
 *   image's own addresses (_stext.._etext): the physical range does.  A
 *   module's own const data lives outside the image and is not checked;
 *   a recording without the ranges (trace-cmd's, or made where
 *   /proc/iomem hid them) is not checked.
 * - `map-stack`: a dma_map_single/page or sg list (its first segment)
 *   whose memory is on the mapping task's own kernel stack, as the tracer
 *   saw it at the call (DMAS_F_ON_STACK: the page is one of
 *   task->stack_vm_area's pages, what dma-debug's check_for_stack
 *   compares).  Not seen: a buffer on another task's stack (a work item
 *   mapping its submitter's buffer; dma-debug does not see it either),
 *   and dma_map_single of a stack address on a kernel with
 *   CONFIG_VMAP_STACK, which the kernel refuses inline ("rejecting DMA
 *   map of vmalloc memory", a WARN) before any function we hook runs.
 *   A mapping of both the stack and the image is reported as the stack.
 *   Either is one root cause: the mapping is not judged for NUMA
 *   placement too (the memory is the kernel's, no buffer placed on a node).
 */
#include <inttypes.h>
#include <stdio.h>

#include "engine/engine_int.h"

static const char *api_name(uint8_t kind)
{
	switch (kind) {
	case DMAS_EV_MAP:
		return "dma_map_single/page";
	case DMAS_EV_UNMAP:
		return "dma_unmap_single/page";
	case DMAS_EV_MAP_SG:
		return "dma_map_sg";
	case DMAS_EV_UNMAP_SG:
		return "dma_unmap_sg";
	case DMAS_EV_MAP_RESOURCE:
		return "dma_map_resource";
	case DMAS_EV_UNMAP_RESOURCE:
		return "dma_unmap_resource";
	case DMAS_EV_ALLOC_COHERENT:
		return "dma_alloc_coherent";
	case DMAS_EV_FREE_COHERENT:
		return "dma_free_coherent";
	case DMAS_EV_ALLOC_PAGES:
		return "dma_alloc_pages";
	case DMAS_EV_FREE_PAGES:
		return "dma_free_pages";
	case DMAS_EV_POOL_ALLOC:
		return "dma_pool_alloc";
	case DMAS_EV_POOL_FREE:
		return "dma_pool_free";
	case DMAS_EV_SYNC_FOR_CPU:
	case DMAS_EV_SYNC_SG_FOR_CPU:
		return "sync_for_cpu";
	case DMAS_EV_SYNC_FOR_DEVICE:
	case DMAS_EV_SYNC_SG_FOR_DEVICE:
		return "sync_for_device";
	}
	return "dma call";
}

/* The kind an unmap really is: 6.18+ unmaps resources with DMA_ATTR_MMIO. */
static uint8_t unmap_kind(const struct dmas_event *ev)
{
	if (ev->kind == DMAS_EV_UNMAP && (ev->attrs & DMAS_ATTR_MMIO))
		return DMAS_EV_UNMAP_RESOURCE;
	return ev->kind;
}

/* The sg list whose alias m is stays mapped: tie it to the last finding. */
static void alias_cause(struct dmas_engine *e, const struct dmas_map *m)
{
	uint32_t sg = map_find(e, m->dev, MC_SG, m->aux, 0, -1);

	if (sg)
		eng_set_cause(e, sg, eng_last_cause(e));
}

/* Record idx is released now: the end of its cause's story, if it has one. */
static void caused_release(struct dmas_engine *e, uint32_t idx,
			   const struct dmas_event *ev)
{
	const struct dmas_map *m = map_rec(e, idx);

	if (m->caused)
		eng_consequence(e, map_cause(e, idx), "then released with %s",
				api_name(ev->kind));
}

#define CL_SHIFT 6

#define CL_MASK ((1ULL << CL_SHIFT) - 1)
#define CL_NONE UINT64_MAX

/*
 * The first and last cacheline of m that it covers only in part (CL_NONE
 * where it covers the line whole); false when m is not checked at all.
 */
static bool cl_lines(const struct dmas_map *m, uint64_t line[2])
{
	uint64_t end = m->aux + m->size;

	/* most buffers cover whole lines: say so before the branches that
	 * depend on the kind and direction (unpredictable event to event) */
	if (!((m->aux | end) & CL_MASK))
		return false;
	if (m->kind != DMAS_EV_MAP || !m->aux || !m->size ||
	    m->dir == DMAS_DIR_TO_DEVICE || m->dir == DMAS_DIR_NONE)
		return false;
	line[0] = (m->aux & CL_MASK) ? m->aux >> CL_SHIFT : CL_NONE;
	line[1] = (end & CL_MASK) ? (end - 1) >> CL_SHIFT : CL_NONE;
	return line[0] != CL_NONE || line[1] != CL_NONE;
}

bool misuse_kernel_memory(struct dmas_engine *e, const struct dmas_event *ev,
			  const struct dmas_map *m)
{
	uint64_t start = ev->phys, end;

	if (ev->flags & DMAS_F_ON_STACK) {
		eng_report(
			e, DMAS_F_MAP_STACK, ev, m, false,
			"%s of phys 0x%" PRIx64 "+%" PRIu64
			": a page of the kernel stack of the task that mapped it (pid %u)",
			api_name(m->kind), start, (uint64_t)ev->size, ev->pid);
		return true;
	}
	/* an sg list: its first segment's start, the only address known */
	end = start + (m->kind == DMAS_EV_MAP ? ev->size : 1);

	if (!start || end <= start)
		return false;
	for (size_t i = 0; i < e->nr_kimage; i++) {
		const struct dmas_mem_range *r = &e->kimage[i];

		if (start >= r->end || end <= r->start)
			continue;
		eng_report(e, DMAS_F_MAP_KERNEL_IMAGE, ev, m, false,
			   "%s of phys 0x%" PRIx64 "+%" PRIu64
			   ": the kernel's %s (0x%" PRIx64 "-0x%" PRIx64 ")",
			   api_name(m->kind), start, (uint64_t)ev->size,
			   r->kind == DMAS_MEM_KERNEL_TEXT ? "code"
							   : "read-only data",
			   r->start, r->end - 1);
		return true;
	}
	return false;
}

void misuse_cacheline_map(struct dmas_engine *e, const struct dmas_event *ev,
			  uint32_t idx)
{
	const struct dmas_map *m = map_rec(e, idx);
	uint64_t line[2];
	bool reported = false;
	int i;

	if (!cl_lines(m, line))
		return;
	for (i = 0; i < 2; i++) {
		uint32_t *slot;
		const struct dmas_map *o;

		if (line[i] == CL_NONE || (i && line[1] == line[0]))
			continue;
		slot = htab_find(&e->line_h, line[i], 0);
		if (!slot) {
			if (htab_insert(&e->line_h, line[i], 0, idx))
				e->dropped++;
			continue;
		}
		o = map_rec(e, *slot);
		if (reported || (ev->attrs & DMAS_ATTR_SKIP_CPU_SYNC) ||
		    (o->aux == m->aux && o->size == m->size))
			continue;
		reported = true;
		eng_report(e, DMAS_F_CACHELINE_OVERLAP, ev, m,
			   eng_spans_loss(e, o->loss_gen),
			   "cacheline at phys 0x%" PRIx64
			   " also holds the %s mapping at dma 0x%" PRIx64
			   " (phys 0x%" PRIx64 ", %" PRIu64 " bytes)%s",
			   line[i] << CL_SHIFT, eng_dir_name(o->dir), o->addr,
			   o->aux, o->size,
			   o->dev != m->dev ? " of another device" : "");
	}
}

void misuse_cacheline_release(struct dmas_engine *e, uint32_t idx)
{
	const struct dmas_map *m = map_rec(e, idx);
	uint64_t line[2];
	int i;

	if (!cl_lines(m, line))
		return;
	for (i = 0; i < 2; i++) {
		uint32_t *slot;

		if (line[i] == CL_NONE)
			continue;
		slot = htab_find(&e->line_h, line[i], 0);
		if (slot && *slot == idx)
			htab_del(&e->line_h, line[i], 0);
	}
}

void misuse_reused(struct dmas_engine *e, const struct dmas_event *ev)
{
	uint32_t idx = map_find(e, ev->dev, MC_ADDR, ev->addr, 0, -1);
	const struct dmas_map *m;

	if (!idx)
		return;
	m = map_rec(e, idx);
	if (!m->caused || map_is_alias(m))
		return;
	eng_consequence(e, map_cause(e, idx),
			"its dma address 0x%" PRIx64
			" was handed out again by %s",
			m->addr, api_name(ev->kind));
	eng_release(e, idx, ev, RECENT_LEAKED);
}

void misuse_not_found(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev, enum map_class cls,
		      uint64_t key, enum dmas_finding_kind k)
{
	const struct recent *r = recent_find(e, ev->dev, cls, key);
	bool unc = e->loss_gen != 0;
	uint32_t inside = 0;

	if (r && (r->flags & RECENT_LEAKED))
		return;
	if (r) {
		unc = e->loss_gen != r->loss_gen;
		if (k == DMAS_F_UNMAP_NOT_MAPPED)
			k = DMAS_F_DOUBLE_UNMAP;
		eng_report(e, k, ev, NULL, unc,
			   "%s of 0x%" PRIx64 " after %s released it %" PRIu64
			   " ns before",
			   api_name(ev->kind), key, api_name(r->kind),
			   eng_age(ev->ts, r->ts));
		return;
	}
	if (eng_preexisting(e, d)) {
		struct dmas_map tmp = {.addr = key,
				       .dev = ev->dev,
				       .cls = cls,
				       .kind = ev->kind};

		d->run.preexisting++;
		/* so that a second release of it is seen as one */
		if (k != DMAS_F_SYNC_NOT_MAPPED)
			recent_note(e, &tmp, ev, 0);
		return;
	}
	/*
	 * a sync_single may hit a segment of an sg list (drivers do that),
	 * whose addresses the events do not carry
	 */
	if (k == DMAS_F_SYNC_NOT_MAPPED && d->sg_live)
		unc = true;
	if (cls == MC_ADDR && k != DMAS_F_SYNC_NOT_MAPPED)
		inside = map_find_containing(e, ev->dev, key);
	if (inside) {
		const struct dmas_map *m = map_rec(e, inside);

		eng_report(e, k, ev, NULL, unc,
			   "%s of 0x%" PRIx64
			   ": inside the mapping at 0x%" PRIx64 " (+%" PRIu64
			   "), not its start",
			   api_name(ev->kind), key, m->addr, key - m->addr);
		/* that mapping stays: its leak is this bug's consequence */
		eng_set_cause(e, inside, eng_last_cause(e));
		return;
	}
	eng_report(e, k, ev, NULL, unc,
		   "%s of 0x%" PRIx64 " (%" PRIu64
		   " bytes): not mapped on this device",
		   api_name(ev->kind), key, (uint64_t)ev->size);
}

void misuse_unmap(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	enum map_class cls = ev->kind == DMAS_EV_UNMAP_SG ? MC_SG : MC_ADDR;
	uint64_t key = cls == MC_SG ? ev->aux : ev->addr;
	uint32_t idx = map_find(e, ev->dev, cls, key,
				cls == MC_SG ? 0 : ev->size, ev->dir);
	struct dmas_map *m;
	bool unc;

	if (!idx) {
		misuse_not_found(e, d, ev, cls, key, DMAS_F_UNMAP_NOT_MAPPED);
		return;
	}
	m = map_rec(e, idx);
	unc = eng_spans_loss(e, m->loss_gen);
	if (map_is_alias(m)) {
		/* the list stays mapped: dma-debug's "wrong function" */
		eng_report(
			e, DMAS_F_UNMAP_NOT_MAPPED, ev, NULL, unc,
			"0x%" PRIx64
			" starts an sg list mapped with dma_map_sg: unmap it with dma_unmap_sg",
			key);
		alias_cause(e, m);
		return;
	}
	if (m->kind == DMAS_EV_ALLOC_COHERENT ||
	    m->kind == DMAS_EV_ALLOC_PAGES) {
		eng_report(e, DMAS_F_COHERENT_VIA_STREAMING, ev, m, unc,
			   "%s of memory from %s", api_name(ev->kind),
			   api_name(m->kind));
		/* still allocated: its correct free or leak comes later */
		eng_set_cause(e, idx, eng_last_cause(e));
		return;
	}
	if (cls == MC_ADDR && !m->caused &&
	    (m->kind == DMAS_EV_MAP_RESOURCE) !=
		    (unmap_kind(ev) == DMAS_EV_UNMAP_RESOURCE)) {
		eng_report(e, DMAS_F_UNMAP_TYPE_MISMATCH, ev, m, unc,
			   "%s of a mapping made by %s",
			   api_name(unmap_kind(ev)), api_name(m->kind));
		eng_set_cause(e, idx, eng_last_cause(e));
		return;
	}
	if (cls == MC_SG) {
		unsigned nents = ev->count & 0xffff;

		if (nents != m->nents)
			eng_report(e, DMAS_F_UNMAP_SIZE_MISMATCH, ev, m, unc,
				   "unmapped with nents %u, mapped with %u",
				   nents, m->nents);
	} else if (ev->size != m->size) {
		eng_report(e, DMAS_F_UNMAP_SIZE_MISMATCH, ev, m, unc,
			   "unmapped with size %" PRIu64 ", mapped %" PRIu64,
			   (uint64_t)ev->size, m->size);
	}
	if (ev->dir != m->dir)
		eng_report(e, DMAS_F_UNMAP_DIR_MISMATCH, ev, m, unc,
			   "unmapped %s, mapped %s", eng_dir_name(ev->dir),
			   eng_dir_name(m->dir));
	caused_release(e, idx, ev);
	eng_release(e, idx, ev, 0);
}

void misuse_free(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev)
{
	uint32_t idx = map_find(e, ev->dev, MC_ADDR, ev->addr, ev->size, -1);
	struct dmas_map *m;
	bool unc;

	if (!idx) {
		misuse_not_found(e, d, ev, MC_ADDR, ev->addr,
				 DMAS_F_FREE_NOT_ALLOCATED);
		return;
	}
	m = map_rec(e, idx);
	unc = eng_spans_loss(e, m->loss_gen);
	if (map_is_alias(m)) {
		eng_report(e, DMAS_F_STREAMING_VIA_COHERENT, ev, m, unc,
			   "%s of an sg list mapped with dma_map_sg",
			   api_name(ev->kind));
		alias_cause(e, m);
		return;
	}
	if (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_RESOURCE ||
	    (ev->kind == DMAS_EV_FREE_COHERENT &&
	     m->kind == DMAS_EV_ALLOC_PAGES)) {
		eng_report(e, DMAS_F_STREAMING_VIA_COHERENT, ev, m, unc,
			   "%s of memory from %s", api_name(ev->kind),
			   api_name(m->kind));
		eng_set_cause(e, idx, eng_last_cause(e));
		return;
	} else if (ev->kind == DMAS_EV_FREE_PAGES &&
		   m->kind == DMAS_EV_ALLOC_COHERENT) {
		eng_report(e, DMAS_F_COHERENT_VIA_STREAMING, ev, m, unc,
			   "%s of memory from %s", api_name(ev->kind),
			   api_name(m->kind));
		eng_set_cause(e, idx, eng_last_cause(e));
		return;
	} else {
		if (ev->size != m->size)
			eng_report(e, DMAS_F_UNMAP_SIZE_MISMATCH, ev, m, unc,
				   "freed with size %" PRIu64
				   ", allocated %" PRIu64,
				   (uint64_t)ev->size, m->size);
		/* dma-debug's "frees DMA memory with different CPU address" */
		if (ev->aux && m->aux && ev->aux != m->aux)
			eng_report(e, DMAS_F_FREE_NOT_ALLOCATED, ev, m, unc,
				   "freed with CPU address 0x%" PRIx64
				   ", allocated at 0x%" PRIx64,
				   (uint64_t)ev->aux, m->aux);
	}
	caused_release(e, idx, ev);
	eng_release(e, idx, ev, 0);
}

void misuse_pool_free(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev)
{
	uint32_t idx = map_find(e, ev->dev, MC_POOL, ev->addr, 0, -1);
	struct dmas_map *m;

	if (!idx) {
		misuse_not_found(e, d, ev, MC_POOL, ev->addr,
				 DMAS_F_FREE_NOT_ALLOCATED);
		return;
	}
	m = map_rec(e, idx);
	if (ev->aux && m->aux && ev->aux != m->aux)
		eng_report(e, DMAS_F_FREE_NOT_ALLOCATED, ev, m,
			   eng_spans_loss(e, m->loss_gen),
			   "block freed to pool 0x%" PRIx64
			   ", allocated from pool 0x%" PRIx64,
			   (uint64_t)ev->aux, m->aux);
	eng_release(e, idx, ev, 0);
}

void misuse_map_error(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev)
{
	bool is_new;

	d->run.map_errors++;
	eng_aggregate(e, DMAS_F_MAP_ERROR, ev->dev, ev->stack_id, ev, NULL,
		      ev->size, -1, -1, &is_new);
}

void misuse_format(struct dmas_engine *e, const struct agg *a,
		   struct dmas_finding *f)
{
	snprintf(f->detail, sizeof(f->detail),
		 "%" PRIu64 " failed mapping%s, %" PRIu64 " bytes", a->count,
		 a->count == 1 ? "" : "s", a->bytes);
}
