/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * devfacts.c - what the kernel decided for a device that changes which
 * checks can be made on it, and losses the kernel counted for us.
 *
 * Rules:
 * - Sync elision (6.10+): while dma_dev_need_sync() is false for a device
 *   (the device record's DMAS_DEVF_SYNC_ELIDED, then SYNC_ELISION events)
 *   the inline dma_sync_* calls never reach a hook, so an absent sync
 *   proves nothing: missing-sync-for-cpu, missing-sync-for-device and
 *   cpu-access-device-owned are not reported for it (each check not made
 *   is counted in `sync_unchecked`), and reports say the sync checks are
 *   not possible on the device.  Syncs that are seen are still checked
 *   (range, direction).
 * - dma_need_unmap() (6.16+): once it answered false for a device
 *   (NEED_UNMAP count=0, or DMAS_DEVF_NO_UNMAP), the driver may skip its
 *   streaming unmaps (nvme's blk_rq_dma_unmap does): the device's single
 *   and sg mappings still outstanding at unbind, module unload or the end
 *   are forgotten without a leak finding (counted in `unmap_skipped`), and
 *   never aged into leak-suspected.  An answer of true turns that off for
 *   later leaks.  Coherent, page and pool memory must still be freed.
 * - Per-device coherent areas (6.13+): DEV_COHERENT_FREE is a
 *   dma_free_coherent seen through the device's own pool, checked and
 *   released as FREE_COHERENT.
 * - Losses the kernel counts (recursion misses, kretprobe misses) arrive
 *   as LOST events with their reason: counted per reason and, as every
 *   loss, making findings whose evidence spans them uncertain.
 */
#include "engine/engine_int.h"

void facts_event(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev)
{
	uint32_t flag = ev->kind == DMAS_EV_NEED_UNMAP ? DMAS_DEVF_NO_UNMAP
						       : DMAS_DEVF_SYNC_ELIDED;
	/* NEED_UNMAP: count 0 means "need not"; SYNC_ELISION: 1 "elided" */
	bool set = ev->kind == DMAS_EV_NEED_UNMAP ? !ev->count : !!ev->count;

	if (set)
		d->pub.flags |= flag;
	else
		d->pub.flags &= ~flag;
}

bool facts_unmap_skippable(struct dmas_engine *e, const struct dmas_map *m)
{
	const struct dev_state *d = eng_dev(e, m->dev);

	return d && (d->pub.flags & DMAS_DEVF_NO_UNMAP) &&
	       (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_SG);
}

bool facts_sync_unchecked(struct dmas_engine *e, const struct dmas_map *m)
{
	struct dev_state *d = eng_dev(e, m->dev);

	if (!d || !(d->pub.flags & DMAS_DEVF_SYNC_ELIDED))
		return false;
	d->run.sync_unchecked++;
	return true;
}

void facts_lost(struct dmas_engine *e, const struct dmas_event *ev)
{
	uint64_t n = ev->count ? ev->count : 1;

	e->lost += n;
	/* a reason newer than this engine counts in the total only */
	if (ev->attrs < DMAS_LOSS_REASONS)
		e->lost_by[ev->attrs] += n;
	e->loss_gen++;
	if (ev->size && ev->ts + ev->size > e->loss_until) {
		e->loss_until = ev->ts + ev->size;
		e->fast_until = 0; /* each event through time_passes */
	}
}

const char *dmas_loss_reason_name(unsigned reason)
{
	static const char *const names[DMAS_LOSS_REASONS] = {
		[DMAS_LOSS_RING] = "ring",
		[DMAS_LOSS_RECURSION] = "recursion",
		[DMAS_LOSS_KRETPROBE] = "kretprobe",
	};

	return reason < DMAS_LOSS_REASONS ? names[reason] : NULL;
}

uint64_t dmas_engine_lost_by(const struct dmas_engine *e,
			     enum dmas_loss_reason reason)
{
	return (unsigned)reason < DMAS_LOSS_REASONS ? e->lost_by[reason] : 0;
}
