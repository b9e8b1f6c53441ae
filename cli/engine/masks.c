// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * masks.c - DMA masks and swiotlb bouncing: what each device's masks are,
 * how many bytes swiotlb copied for it and why, and the mask findings.
 *
 * Rules:
 * - The streaming mask comes from the device record, then from each
 *   successful dma_set_mask (DMA_MASK events); the coherent mask from
 *   dma_set_coherent_mask only (0: not known, the streaming mask stands
 *   in).  The bus limit (bus_dma_limit) lowers both where it is set.
 * - Bytes copied: a bounce (SWIOTLB_BOUNCE) copies the buffer into the
 *   bounce slot at map time (every kernel here copies whatever the
 *   direction); the mapping that follows it with the same buffer is noted
 *   in a 4K-slot direct-mapped table, and its unmap (FROM_DEVICE or
 *   BIDIRECTIONAL, without DMA_ATTR_SKIP_CPU_SYNC) and its syncs at its
 *   start address (sync_for_cpu: FROM_DEVICE/BIDIRECTIONAL,
 *   sync_for_device: TO_DEVICE/BIDIRECTIONAL) copy again.  A mapping whose
 *   slot another bounced mapping took is counted at map time only.
 * - Why it bounced, per device, in the `swiotlb-bounce` finding: swiotlb
 *   forced for the device (`swiotlb=force`, the device record's flag), the
 *   buffer's end above the device's mask or bus limit, the device below an
 *   external or untrusted port (the IOMMU layer bounces its sub-page
 *   buffers), else not known.
 * - `map-above-mask` (error): a mapping or allocation whose dma range ends
 *   above the mask that applies to it (coherent and pool memory: the
 *   coherent mask; streaming: the streaming mask; both: the bus limit).
 *   Not judged while the mask is not known (0).  An sg list by its first
 *   segment's dma address only.
 * - `mask-changed-while-mapped` (warning): a successful mask call that
 *   changed the mask while the device had streaming mappings (streaming
 *   mask) or coherent/pool memory (coherent mask) outstanding: the kernel
 *   does not move them, so they may lie above the new mask.
 * - `mask-never-set` (info): the device's first mapping or allocation came
 *   with no mask call seen for it, and its driver's bind was seen, so its
 *   probe (where drivers set masks) was traced.  Judged only when the
 *   session watched the mask calls (its hooks name dma_set_mask): an older
 *   recording, or a kernel without the hooks, says nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define BOUNCED_SLOTS 4096

struct bounced_map {
	uint64_t key; /* dma address; an sg list's scatterlist pointer */
	uint64_t size;
	uint32_t dev; /* 0: free */
};

static bool masks_watched(const struct dmas_engine *e)
{
	return e->have_session && strstr(e->session.hooks, "dma_set_mask");
}

static uint64_t limit_of(const struct dev_state *d, bool coherent)
{
	uint64_t m = d->pub.dma_mask;

	if (coherent && d->mk.pub.coherent_mask)
		m = d->mk.pub.coherent_mask;
	if (d->mk.pub.bus_limit && (!m || d->mk.pub.bus_limit < m))
		m = d->mk.pub.bus_limit;
	return m;
}

static struct bounced_map *bounced_slot(struct dmas_engine *e, uint32_t dev,
					uint64_t key)
{
	if (!e->bounced) {
		e->bounced = calloc(BOUNCED_SLOTS, sizeof(*e->bounced));
		if (!e->bounced)
			return NULL;
	}
	return &e->bounced[htab_hash(key, dev) & (BOUNCED_SLOTS - 1)];
}

static void copied(struct dev_state *d, uint64_t bytes, bool to_device)
{
	if (to_device)
		d->mk.pub.bounce_to_device += bytes;
	else
		d->mk.pub.bounce_from_device += bytes;
	d->run.bounce_bytes += bytes;
}

void masks_set(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_event *ev)
{
	bool coherent = ev->flags & DMAS_F_COHERENT_MASK;
	uint64_t old = coherent ? limit_of(d, true) : d->pub.dma_mask;

	d->mk.seen = true;
	if (ev->phys)
		d->mk.pub.bus_limit = ev->phys;
	if ((int32_t)ev->count) {
		d->mk.pub.set_failures++;
		return;
	}
	d->mk.pub.sets++;
	if (ev->aux)
		old = ev->aux;
	if (coherent)
		d->mk.pub.coherent_mask = ev->addr;
	else
		d->pub.dma_mask = ev->addr;
	if (old == ev->addr)
		return;
	if (!coherent && d->run.outstanding)
		eng_report(e, DMAS_F_MASK_CHANGED_MAPPED, ev, NULL, false,
			   "streaming mask changed from 0x%" PRIx64
			   " to 0x%" PRIx64 " with %" PRIu64
			   " mapping%s (%" PRIu64 " bytes) outstanding",
			   old, (uint64_t)ev->addr, d->run.outstanding,
			   d->run.outstanding == 1 ? "" : "s",
			   d->run.outstanding_bytes);
	else if (coherent && (d->run.coherent_bytes || d->run.pool_bytes))
		eng_report(e, DMAS_F_MASK_CHANGED_MAPPED, ev, NULL, false,
			   "coherent mask changed from 0x%" PRIx64
			   " to 0x%" PRIx64 " with %" PRIu64
			   " bytes of coherent and pool memory outstanding",
			   old, (uint64_t)ev->addr,
			   d->run.coherent_bytes + d->run.pool_bytes);
}

void masks_bind(struct dmas_engine *e, struct dev_state *d)
{
	if (!d->mk.have_first || d->mk.judged)
		return;
	d->mk.judged = true;
	eng_report(
		e, DMAS_F_MASK_NEVER_SET, &d->mk.first, NULL, false,
		"first DMA mapping with no dma_set_mask call seen since the driver's probe; the default mask 0x%" PRIx64
		" applies",
		d->pub.dma_mask);
}

void masks_map(struct dmas_engine *e, struct dev_state *d,
	       const struct dmas_event *ev, const struct dmas_map *m)
{
	bool coherent = ev->kind == DMAS_EV_ALLOC_COHERENT ||
			ev->kind == DMAS_EV_ALLOC_PAGES ||
			ev->kind == DMAS_EV_POOL_ALLOC;
	uint64_t lim = limit_of(d, coherent);
	uint64_t end = ev->addr + (ev->size ? ev->size - 1 : 0);

	if (ev->kind == DMAS_EV_MAP_SG)
		end = ev->addr;
	if (lim && end > lim && end >= ev->addr)
		eng_report(e, DMAS_F_MAP_ABOVE_MASK, ev, m, false,
			   "dma range ends at 0x%" PRIx64
			   ", above the device's %s mask 0x%" PRIx64,
			   end, coherent ? "coherent" : "streaming", lim);
	if (d->mk.bounce_pending &&
	    (ev->kind == DMAS_EV_MAP || ev->kind == DMAS_EV_MAP_SG)) {
		if (ev->phys == d->mk.pend_addr) {
			uint64_t key =
				ev->kind == DMAS_EV_MAP_SG ? ev->aux : ev->addr;
			struct bounced_map *b = bounced_slot(e, ev->dev, key);

			if (b) {
				b->key = key;
				b->size = ev->size;
				b->dev = ev->dev;
			}
		}
		d->mk.bounce_pending = false;
	}
	if (d->mk.mapped)
		return;
	d->mk.mapped = true;
	if (d->mk.seen || !masks_watched(e) ||
	    (d->pub.flags & DMAS_DEVF_BOUND_BEFORE))
		return;
	d->mk.first = *ev;
	d->mk.have_first = true;
	if (d->bind_seen)
		masks_bind(e, d);
}

void masks_bounce(struct dmas_engine *e, struct dev_state *d,
		  const struct dmas_event *ev)
{
	/* the original buffer: phys where a source has it, else its dma
	 * address (phys_to_dma of it: the same without memory encryption) */
	uint64_t buf = ev->phys ? ev->phys : ev->addr;
	uint64_t end = buf + (ev->size ? ev->size - 1 : 0);
	uint64_t lim = limit_of(d, false);

	(void)e;
	copied(d, ev->size, true);
	if (!d->mk.bounce_pending) {
		d->mk.bounce_pending = true;
		d->mk.pend_addr = buf;
	}
	if (d->pub.flags & DMAS_DEVF_SWIOTLB_FORCE)
		d->mk.pub.bounce_why |= DMAS_BOUNCE_FORCED;
	else if (lim && end > lim)
		d->mk.pub.bounce_why |= DMAS_BOUNCE_MASK;
	else if (dmas_port_external(d->pub.port))
		d->mk.pub.bounce_why |= DMAS_BOUNCE_EXTERNAL;
	else
		d->mk.pub.bounce_why |= DMAS_BOUNCE_UNKNOWN;
	if (end > d->mk.pub.bounce_highest)
		d->mk.pub.bounce_highest = end;
}

void masks_release(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev)
{
	bool sg = ev->kind == DMAS_EV_UNMAP_SG ||
		  ev->kind == DMAS_EV_SYNC_SG_FOR_CPU ||
		  ev->kind == DMAS_EV_SYNC_SG_FOR_DEVICE;
	uint64_t key = sg ? ev->aux : ev->addr;
	struct bounced_map *b;
	bool to_cpu = ev->dir == DMAS_DIR_FROM_DEVICE ||
		      ev->dir == DMAS_DIR_BIDIRECTIONAL;
	bool to_dev = ev->dir == DMAS_DIR_TO_DEVICE ||
		      ev->dir == DMAS_DIR_BIDIRECTIONAL;

	if (!e->bounced)
		return;
	b = &e->bounced[htab_hash(key, ev->dev) & (BOUNCED_SLOTS - 1)];
	if (b->dev != ev->dev || b->key != key)
		return;
	switch (ev->kind) {
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_SG:
		if (to_cpu && !(ev->attrs & DMAS_ATTR_SKIP_CPU_SYNC))
			copied(d, b->size, false);
		b->dev = 0;
		break;
	case DMAS_EV_SYNC_FOR_CPU:
	case DMAS_EV_SYNC_SG_FOR_CPU:
		if (to_cpu)
			copied(d, ev->size ? ev->size : b->size, false);
		break;
	case DMAS_EV_SYNC_FOR_DEVICE:
	case DMAS_EV_SYNC_SG_FOR_DEVICE:
		if (to_dev)
			copied(d, ev->size ? ev->size : b->size, true);
		break;
	default:
		break;
	}
}

const struct dmas_bounce_reason dmas_bounce_reasons[DMAS_NR_BOUNCE_REASONS] = {
	{.bit = DMAS_BOUNCE_FORCED,
	 .key = "swiotlb_force",
	 .text = "swiotlb=force"},
	{.bit = DMAS_BOUNCE_MASK,
	 .key = "mask",
	 .text = "buffers above the device's mask"},
	{.bit = DMAS_BOUNCE_EXTERNAL,
	 .key = "external_port",
	 .text = "external/untrusted port"},
	{.bit = DMAS_BOUNCE_UNKNOWN, .key = "unknown", .text = "not known"},
};

/* "swiotlb=force, buffers above the device's mask" from the bits. */
size_t dmas_bounce_why(uint32_t why, char *buf, size_t len)
{
	size_t n = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < DMAS_NR_BOUNCE_REASONS; i++) {
		if (!(why & dmas_bounce_reasons[i].bit) || n >= len)
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "",
				      dmas_bounce_reasons[i].text);
	}
	return n < len ? n : (len ? len - 1 : 0);
}

const struct dmas_dev_masks *dmas_engine_dev_masks(const struct dmas_engine *e,
						   uint32_t id)
{
	struct dev_state *d = eng_dev((struct dmas_engine *)e, id);

	if (!d || !d->included)
		return NULL;
	d->mk.pub.dma_mask = d->pub.dma_mask;
	d->mk.pub.swiotlb_forced = d->pub.flags & DMAS_DEVF_SWIOTLB_FORCE;
	return &d->mk.pub;
}

void masks_free(struct dmas_engine *e)
{
	free(e->bounced);
	e->bounced = NULL;
}
