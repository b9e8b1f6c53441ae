/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * iommu.c - IOMMU faults as findings: an access the device's IOMMU refused,
 * tied to the mapping that covered the faulting IOVA on that device.
 *
 * Rules (`iommu-fault`, one finding per fault; the IOMMU driver rate-limits
 * its reports, so each one counts):
 * - A live mapping of the device covers the IOVA: the device touched a
 *   mapping it holds in a way the mapping does not allow (a write into a
 *   DMA_TO_DEVICE buffer, or a read of a DMA_FROM_DEVICE one).  The
 *   finding is that mapping's, with its creating stack.
 * - Else the newest released mapping of the device that covered it (a ring
 *   of the last IOMMU_RECENT releases of translated devices, ranges kept):
 *   a use after unmap or free.  The finding carries the creating stack
 *   and, as its closing stack, the release's.
 * - Else no mapping of this device seen by the trace covered it: a wild
 *   address, or a mapping older than the trace (uncertain when tracing
 *   began after the device's driver bound, or events were lost).
 * Only devices behind a translating IOMMU fault; the ring holds nothing
 * for the others.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define IOMMU_RECENT 4096 /* released ranges remembered, all devices */

struct iommu_released {
	uint64_t addr, size;
	uint64_t map_ts, rel_ts;
	uint32_t dev, map_stack, rel_stack, pid;
	uint8_t kind, dir, rel_kind;
};

struct iommu_state {
	struct iommu_released ring[IOMMU_RECENT];
	uint32_t next; /* slot written next */
	uint32_t used; /* slots holding a release */
};

void iommu_release(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_map *m, const struct dmas_event *ev)
{
	struct iommu_released *r;

	if (!d || !(d->pub.flags & DMAS_DEVF_IOMMU) || m->cls == MC_SG)
		return;
	if (!e->iommu) {
		e->iommu = calloc(1, sizeof(*e->iommu));
		if (!e->iommu)
			return;
	}
	r = &e->iommu->ring[e->iommu->next];
	e->iommu->next = (e->iommu->next + 1) % IOMMU_RECENT;
	if (e->iommu->used < IOMMU_RECENT)
		e->iommu->used++;
	r->addr = m->addr;
	r->size = m->size;
	r->map_ts = m->ts;
	r->map_stack = m->stack;
	r->pid = m->pid;
	r->kind = m->kind;
	r->dir = m->dir;
	r->dev = m->dev;
	r->rel_ts = ev ? ev->ts : e->now;
	r->rel_stack = ev ? ev->stack_id : 0;
	r->rel_kind = ev ? ev->kind : 0;
}

static const struct iommu_released *
released_covering(struct dmas_engine *e, uint32_t dev, uint64_t iova)
{
	const struct iommu_state *s = e->iommu;

	if (!s)
		return NULL;
	for (uint32_t k = 1; k <= s->used; k++) {
		const struct iommu_released *r =
			&s->ring[(s->next + IOMMU_RECENT - k) % IOMMU_RECENT];

		if (r->dev == dev && iova >= r->addr &&
		    iova - r->addr < r->size)
			return r;
	}
	return NULL;
}

void iommu_fault(struct dmas_engine *e, struct dev_state *d,
		 const struct dmas_event *ev)
{
	uint32_t idx = map_find_containing(e, ev->dev, ev->addr);
	const struct iommu_released *r;
	struct dmas_finding *f;

	d->run.iommu_faults++;
	if (idx) {
		const struct dmas_map *m = map_rec(e, idx);

		eng_report_each(
			e, DMAS_F_IOMMU_FAULT, ev, m,
			eng_spans_loss(e, m->loss_gen),
			"device access at iova 0x%" PRIx64
			" refused inside a live %s mapping (offset %" PRIu64
			"): the access broke the mapping's direction",
			(uint64_t)ev->addr, eng_dir_name(m->dir),
			(uint64_t)(ev->addr - m->addr));
		return;
	}
	r = released_covering(e, ev->dev, ev->addr);
	if (r) {
		struct dmas_map m = {
			.addr = r->addr,
			.size = r->size,
			.ts = r->map_ts,
			.dev = r->dev,
			.stack = r->map_stack,
			.pid = r->pid,
			.kind = r->kind,
			.dir = r->dir,
			.loss_gen = e->loss_gen,
		};
		struct dmas_event rel = *ev;

		/* the release is what the finding is about: its stack */
		rel.stack_id = r->rel_stack;
		rel.kind = r->rel_kind;
		f = eng_report_each(
			e, DMAS_F_IOMMU_FAULT, &rel, &m, false,
			"device access at iova 0x%" PRIx64
			" after the mapping was released (use after unmap, %" PRIu64
			" ns later)",
			(uint64_t)ev->addr, eng_age(ev->ts, r->rel_ts));
		if (f)
			f->ts = ev->ts;
		return;
	}
	eng_report_each(
		e, DMAS_F_IOMMU_FAULT, ev, NULL,
		eng_preexisting(e, d) || eng_spans_loss(e, 0),
		"device access at iova 0x%" PRIx64
		" that no mapping of this device seen by the trace covered",
		(uint64_t)ev->addr);
}

size_t iommu_bytes(const struct dmas_engine *e)
{
	return e->iommu ? sizeof(*e->iommu) : 0;
}

void iommu_free(struct dmas_engine *e)
{
	free(e->iommu);
	e->iommu = NULL;
}
