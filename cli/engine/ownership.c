/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ownership.c - the DMA API's buffer-ownership state machine per streaming
 * mapping, and the sync checks dma-debug makes (check_sync).
 *
 * States: after dma_map_* the device owns the buffer; sync_for_cpu gives it
 * to the CPU; sync_for_device, or a dmaengine transfer whose target address
 * falls inside the mapping (a descriptor submitted on the mapping's
 * device), gives it back; unmap ends it.  Coherent, dma_alloc_pages,
 * resource and pool memory have no ownership here.
 *
 * Rules:
 * - sync-not-mapped: no mapping of the device holds the synced address
 *   (pre-existing and lost-event rules as for unmaps; uncertain while the
 *   device has sg mappings live: drivers sync segments with the single
 *   API, and the events carry only a list's first dma address).
 * - sync-out-of-range: the synced range [addr, addr+size) is not inside
 *   the mapping (dma-debug checks only the size; a range running past the
 *   end is as wrong).
 * - sync-sg-nents-mismatch: an sg sync whose entry count differs from the
 *   nents passed to dma_map_sg, fewer or more, as dma-debug reports it
 *   ("syncs DMA sg list with different entry count"; the DMA API says
 *   nents must be the one passed to dma_map_sg, not the count it
 *   returned).  Part of a list is synced with dma_sync_single_* on its
 *   segments.
 * - sync-dir-mismatch: the sync's direction differs from the mapping's,
 *   unless the mapping is BIDIRECTIONAL, which accepts any (as dma-debug).
 * - missing-sync-for-cpu: a FROM_DEVICE/BIDIRECTIONAL buffer is handed to
 *   the device again (sync_for_device or a new transfer) while the device
 *   still owns it and a transfer into it has completed since the last
 *   hand-off.  Without that evidence (no dmaengine events: a NIC ring) a
 *   sync_for_device while the device owns the buffer is at most
 *   redundant-sync, never an error.
 * - missing-sync-for-device: a TO_DEVICE/BIDIRECTIONAL buffer the CPU took
 *   with sync_for_cpu is handed to the device by a new transfer without
 *   sync_for_device, and the CPU wrote it (a CPU_ACCESS write) or we cannot
 *   tell (no CPU_ACCESS events for it since it was taken).
 * - cpu-access-device-owned: a CPU_ACCESS to a streaming buffer the device
 *   owns.  Accesses to unknown addresses say nothing.  When a transfer into
 *   the buffer had completed, the access reads what the missing
 *   sync_for_cpu should have handed over; the hand-back to the device that
 *   follows (which alone would be missing-sync-for-cpu) is the same missing
 *   call, folded into the access finding as its consequence.
 * - redundant-sync (info): a sync covering the whole mapping that gives it
 *   to the side already owning it, after a whole-mapping hand-off.  A
 *   sync_for_device right after a DMA_ATTR_SKIP_CPU_SYNC map is the
 *   intended first hand-off (page_pool), not redundant.  Partial syncs
 *   never count as redundant: drivers sync headers and payloads apart.
 * - sg mappings: ownership is tracked for the list as a whole; no
 *   missing/redundant findings for sg lists.
 * - A device whose syncs the kernel elides (devfacts.c): the three
 *   findings above that an absent sync would prove are not made.
 */
#include <inttypes.h>

#include "engine/engine_int.h"

#define MS_HANDOFF_CLEAR                                              \
	(MS_OWNER_MASK | MS_DEV_HAD_IT | MS_CPU_WROTE | MS_CPU_SEEN | \
	 MS_PARTIAL | MS_SKIP_SYNC)

/*
 * A cpu-access-device-owned finding that a later missing-sync-for-cpu of
 * the same record would repeat: kept by (record, creation time) while the
 * record's MS_CPU_SEEN is set in device-owned state (unused there else).
 */
static bool access_pending(const struct dmas_map *m)
{
	return m->kind == DMAS_EV_MAP &&
	       (m->state & MS_OWNER_MASK) == OWN_DEVICE &&
	       (m->state & MS_CPU_SEEN);
}

void own_forget(struct dmas_engine *e, uint32_t idx)
{
	const struct dmas_map *m = map_rec(e, idx);

	if (access_pending(m))
		htab_del(&e->access_h, idx, (uint32_t)m->ts);
}

/* Hand-off: new owner state; a pending access finding is settled. */
static void handoff(struct dmas_engine *e, uint32_t idx, uint8_t state)
{
	struct dmas_map *m = map_rec(e, idx);

	own_forget(e, idx);
	m->state = (m->state & ~MS_HANDOFF_CLEAR) | state;
}

static void missing_sync_for_cpu(struct dmas_engine *e, uint32_t idx,
				 const struct dmas_event *ev, bool unc,
				 const char *why)
{
	const struct dmas_map *m = map_rec(e, idx);
	uint32_t *slot = NULL;

	if (facts_sync_unchecked(e, m))
		return;
	if (access_pending(m))
		slot = htab_find(&e->access_h, idx, (uint32_t)m->ts);
	if (slot) {
		eng_consequence(
			e, *slot,
			"then handed back to the device with no sync_for_cpu (%s)",
			why);
		return;
	}
	eng_report(e, DMAS_F_MISSING_SYNC_FOR_CPU, ev, m, unc, "%s", why);
}

static inline bool dev_writes(const struct dmas_map *m)
{
	return m->dir == DMAS_DIR_FROM_DEVICE ||
	       m->dir == DMAS_DIR_BIDIRECTIONAL;
}

static inline bool dev_reads(const struct dmas_map *m)
{
	return m->dir == DMAS_DIR_TO_DEVICE || m->dir == DMAS_DIR_BIDIRECTIONAL;
}

static void check_dir(struct dmas_engine *e, const struct dmas_event *ev,
		      const struct dmas_map *m, bool unc)
{
	if (m->dir != DMAS_DIR_BIDIRECTIONAL && ev->dir != m->dir)
		eng_report(e, DMAS_F_SYNC_DIR_MISMATCH, ev, m, unc,
			   "synced %s, mapped %s", eng_dir_name(ev->dir),
			   eng_dir_name(m->dir));
}

void own_sync(struct dmas_engine *e, struct dev_state *d,
	      const struct dmas_event *ev)
{
	bool to_cpu = ev->kind == DMAS_EV_SYNC_FOR_CPU, unc, partial;
	uint32_t idx;
	struct dmas_map *m;
	uint64_t off;
	unsigned owner;

	if (to_cpu)
		d->run.syncs_for_cpu++;
	else
		d->run.syncs_for_device++;
	idx = map_find_containing(e, ev->dev, ev->addr);
	if (!idx) {
		misuse_not_found(e, d, ev, MC_ADDR, ev->addr,
				 DMAS_F_SYNC_NOT_MAPPED);
		return;
	}
	m = map_rec(e, idx);
	unc = eng_spans_loss(e, m->loss_gen);
	off = ev->addr - m->addr;
	/* an sg list of several segments: the first one's length is unknown */
	if (map_is_alias(m) && !m->size) {
		check_dir(e, ev, m, unc);
		return;
	}
	if (ev->size > m->size || off > m->size - ev->size)
		eng_report(e, DMAS_F_SYNC_OUT_OF_RANGE, ev, m, unc,
			   "synced %" PRIu64 " bytes at +%" PRIu64
			   ", mapped %" PRIu64,
			   (uint64_t)ev->size, off, m->size);
	check_dir(e, ev, m, unc);
	if (m->kind != DMAS_EV_MAP)
		return;
	partial = off || ev->size < m->size;
	owner = m->state & MS_OWNER_MASK;
	if (to_cpu) {
		if (owner == OWN_CPU && !partial && !(m->state & MS_PARTIAL))
			hints_redundant_sync(e, ev, m);
		handoff(e, idx, OWN_CPU | (partial ? MS_PARTIAL : 0));
		return;
	}
	if (owner == OWN_DEVICE) {
		if ((m->state & MS_DEV_HAD_IT) && dev_writes(m))
			missing_sync_for_cpu(
				e, idx, ev, unc,
				"sync_for_device after a transfer into the buffer completed, with no sync_for_cpu in between");
		else if (!partial && !(m->state & (MS_PARTIAL | MS_SKIP_SYNC)))
			hints_redundant_sync(e, ev, m);
	}
	handoff(e, idx, OWN_DEVICE | (partial ? MS_PARTIAL : 0));
}

void own_sync_sg(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev)
{
	bool to_cpu = ev->kind == DMAS_EV_SYNC_SG_FOR_CPU;
	uint32_t idx;
	struct dmas_map *m;
	bool unc;

	if (to_cpu)
		d->run.syncs_for_cpu++;
	else
		d->run.syncs_for_device++;
	idx = map_find(e, ev->dev, MC_SG, ev->aux, 0, -1);
	if (!idx) {
		misuse_not_found(e, d, ev, MC_SG, ev->aux,
				 DMAS_F_SYNC_NOT_MAPPED);
		return;
	}
	m = map_rec(e, idx);
	unc = eng_spans_loss(e, m->loss_gen);
	if (ev->count != m->nents)
		eng_report(
			e, DMAS_F_SYNC_SG_NENTS_MISMATCH, ev, m, unc,
			"synced %u entries, the list was mapped with nents %u (%u dma segments)",
			ev->count, m->nents, m->mapped);
	check_dir(e, ev, m, unc);
	m->state = (m->state & ~MS_HANDOFF_CLEAR) |
		   (to_cpu ? OWN_CPU : OWN_DEVICE) |
		   (ev->count < m->nents ? MS_PARTIAL : 0);
}

void own_cpu_access(struct dmas_engine *e, struct dev_state *d,
		    const struct dmas_event *ev)
{
	uint32_t idx = map_find_containing(e, ev->dev, ev->addr);
	bool write = ev->flags & DMAS_F_WRITE;
	struct dmas_map *m;

	if (!idx)
		return;
	m = map_rec(e, idx);
	if (m->kind != DMAS_EV_MAP)
		return;
	if ((m->state & MS_OWNER_MASK) == OWN_DEVICE) {
		bool pending = access_pending(m);

		if (facts_sync_unchecked(e, m))
			return;
		eng_report(
			e, DMAS_F_CPU_ACCESS_DEVICE_OWNED, ev, m,
			eng_spans_loss(e, m->loss_gen),
			"CPU %s %" PRIu64 " bytes at +%" PRIu64
			" while the device owns the buffer%s",
			write ? "wrote" : "read", (uint64_t)ev->size,
			(uint64_t)(ev->addr - m->addr),
			(m->state & MS_DEV_HAD_IT)
				? " (a transfer into it completed; no sync_for_cpu since)"
				: "");
		/* the hand-back that follows is this same missing sync */
		if (!pending && (m->state & MS_DEV_HAD_IT) && dev_writes(m) &&
		    !htab_insert(&e->access_h, idx, (uint32_t)m->ts,
				 eng_last_cause(e)))
			m->state |= MS_CPU_SEEN;
		return;
	}
	m->state |= MS_CPU_SEEN | (write ? MS_CPU_WROTE : 0);
}

void own_transfer(struct dmas_engine *e, uint32_t idx,
		  const struct dmas_event *ev)
{
	struct dmas_map *m = map_rec(e, idx);
	unsigned owner = m->state & MS_OWNER_MASK;
	bool unc = eng_spans_loss(e, m->loss_gen);

	if (m->kind != DMAS_EV_MAP)
		return;
	if (owner == OWN_DEVICE && (m->state & MS_DEV_HAD_IT) && dev_writes(m))
		missing_sync_for_cpu(
			e, idx, ev, unc,
			"new transfer into the buffer after one completed, with no sync_for_cpu in between");
	else if (owner == OWN_CPU && dev_reads(m) &&
		 ((m->state & MS_CPU_WROTE) || !(m->state & MS_CPU_SEEN)) &&
		 !facts_sync_unchecked(e, m))
		eng_report(
			e, DMAS_F_MISSING_SYNC_FOR_DEVICE, ev, m, unc,
			"the CPU took the buffer with sync_for_cpu%s; new transfer without sync_for_device",
			(m->state & MS_CPU_WROTE) ? " and wrote it" : "");
	handoff(e, idx, OWN_DEVICE);
}

void own_transfer_done(struct dmas_engine *e, uint32_t idx)
{
	struct dmas_map *m = map_rec(e, idx);

	if ((m->state & MS_OWNER_MASK) == OWN_DEVICE)
		m->state |= MS_DEV_HAD_IT;
}
