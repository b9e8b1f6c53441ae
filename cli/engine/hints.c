/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * hints.c - performance hints (info findings), each folded into one
 * finding whose detail carries the count.
 *
 * Rules:
 * - `swiotlb-bounce`: one finding per device, counting SWIOTLB_BOUNCE events;
 *   its detail gives the bytes copied both ways and why (masks.c).
 * - `redundant-sync`: one finding per (device, stack of the sync) counting
 *   syncs that gave a buffer to the side already owning it (the state
 *   machine in ownership.c decides).  Not counted when events were lost
 *   since the buffer was mapped: a lost sync would make it a hand-off.
 * - `map-churn`: the same buffer (device, physical address) mapped
 *   CHURN_MAPS times within one second of event time.  At that rate the
 *   mapping is on a per-I/O path, where every map+unmap pays an IOMMU
 *   page-table update and IOTLB flush (or a swiotlb copy) that one long-lived
 *   mapping and dma_sync_* would not; below it (setup paths, occasional
 *   reconfiguration) the cost does not matter.  Tracked in a 4K-entry
 *   direct-mapped table, so a flood of distinct buffers costs no memory and
 *   a churning one is still caught.  One finding per (device, creating
 *   stack), counting buffers that crossed the threshold.
 */
#include <inttypes.h>
#include <stdio.h>

#include "engine/engine_int.h"

#define CHURN_MAPS 256
#define CHURN_WINDOW_NS 1000000000ULL

void hints_bounce(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	bool is_new;

	d->run.bounced++;
	eng_aggregate(e, DMAS_F_SWIOTLB_BOUNCE, ev->dev, 0, ev, NULL, ev->size,
		      -1, -1, &is_new);
}

void hints_churn(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev, const struct dmas_map *m)
{
	struct churn *c;
	bool is_new;

	if (!ev->phys)
		return;
	c = &e->churn[htab_hash(ev->phys, ev->dev) & (CHURN_SLOTS - 1)];
	if (c->dev != ev->dev || c->phys != ev->phys ||
	    eng_age(ev->ts, c->win_start) >= CHURN_WINDOW_NS) {
		c->dev = ev->dev;
		c->phys = ev->phys;
		c->win_start = ev->ts;
		c->first_addr = ev->addr;
		c->count = 1;
		return;
	}
	if (++c->count == CHURN_MAPS) {
		/*
		 * name the buffer by its first mapping (IOVAs change per map)
		 */
		struct dmas_map first = *m;

		first.addr = c->first_addr;
		eng_aggregate(e, DMAS_F_MAP_CHURN, ev->dev, m->stack, ev,
			      &first, m->size, -1, -1, &is_new);
	}
}

void hints_redundant_sync(struct dmas_engine *e, const struct dmas_event *ev,
			  const struct dmas_map *m)
{
	bool is_new;

	/* a lost sync in between would make it a real hand-off: say nothing */
	if (eng_spans_loss(e, m->loss_gen))
		return;
	eng_aggregate(e, DMAS_F_REDUNDANT_SYNC, ev->dev, ev->stack_id, ev, m, 0,
		      -1, -1, &is_new);
}

void hints_format(struct dmas_engine *e, const struct agg *a,
		  struct dmas_finding *f)
{
	switch (f->kind) {
	case DMAS_F_SWIOTLB_BOUNCE: {
		const struct dmas_dev_masks *mk =
			dmas_engine_dev_masks(e, f->dev);
		uint64_t to = mk ? mk->bounce_to_device : 0;
		uint64_t back = mk ? mk->bounce_from_device : 0;
		int n;

		n = snprintf(f->detail, sizeof(f->detail),
			     "%" PRIu64
			     " mapping%s bounced through swiotlb, %" PRIu64
			     " bytes copied (%" PRIu64
			     " to the device, %" PRIu64 " back); why: ",
			     a->count, a->count == 1 ? "" : "s", to + back, to,
			     back);
		if (n > 0 && (size_t)n < sizeof(f->detail) &&
		    !dmas_bounce_why(mk ? mk->bounce_why : 0, f->detail + n,
				     sizeof(f->detail) - (size_t)n))
			snprintf(f->detail + n, sizeof(f->detail) - (size_t)n,
				 "not known");
		break;
	}
	case DMAS_F_REDUNDANT_SYNC:
		snprintf(
			f->detail, sizeof(f->detail),
			"%" PRIu64
			" sync%s gave the buffer to the side that already owned it",
			a->count, a->count == 1 ? "" : "s");
		break;
	case DMAS_F_MAP_CHURN:
		snprintf(f->detail, sizeof(f->detail),
			 "%" PRIu64 " buffer%s mapped %d+ times within 1 s",
			 a->count, a->count == 1 ? "" : "s", CHURN_MAPS);
		break;
	default:
		break;
	}
}
