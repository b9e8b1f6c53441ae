// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * isolation.c - IOMMU isolation of devices below external ports: DMA that
 * the IOMMU does not translate, and the bouncing it forces, as info
 * findings from the device record's facts (its IOMMU domain and port).
 *
 * Rules (both info, one finding per device counting events and bytes):
 * - `external-dma-untranslated`: a device whose port is removable or
 *   untrusted and whose domain is none (no IOMMU group) or identity
 *   (passthrough) maps or allocates DMA memory.  The finding is the first
 *   such mapping's, with its creating stack.  A blocked or unmanaged domain,
 *   a translated one, or facts not known (older recordings, trace.dat) say
 *   nothing: false alarms about isolation cost more trust than they give.
 * - `external-dma-bounced`: swiotlb bounced a mapping of such a device
 *   (translated: the IOMMU layer bounces an untrusted device's sub-page
 *   buffers; untranslated: swiotlb=force or the mask).  Counted beside
 *   `swiotlb-bounce`, which says the same copies cost time on any device.
 */
#include <inttypes.h>
#include <stdio.h>

#include "engine/engine_int.h"

void isolation_map(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev, const struct dmas_map *m)
{
	bool is_new;

	if (!dmas_port_external(d->pub.port) ||
	    !dmas_iommu_untranslated(d->pub.iommu_domain))
		return;
	eng_aggregate(e, DMAS_F_EXTERNAL_UNTRANSLATED, ev->dev, 0, ev, m,
		      ev->size, -1, -1, &is_new);
}

void isolation_bounce(struct dmas_engine *e, struct dev_state *d,
		      const struct dmas_event *ev)
{
	bool is_new;

	if (!dmas_port_external(d->pub.port))
		return;
	eng_aggregate(e, DMAS_F_EXTERNAL_BOUNCED, ev->dev, 0, ev, NULL,
		      ev->size, -1, -1, &is_new);
}

void isolation_format(struct dmas_engine *e, const struct agg *a,
		      struct dmas_finding *f)
{
	const struct dev_state *d = eng_dev(e, f->dev);
	uint8_t dom = d ? d->pub.iommu_domain : DMAS_IOMMU_UNKNOWN;
	const char *port = dmas_port_name(d ? d->pub.port : 0);

	if (f->kind == DMAS_F_EXTERNAL_UNTRANSLATED)
		snprintf(f->detail, sizeof(f->detail),
			 "%" PRIu64 " mapping%s (%" PRIu64
			 " bytes) with %s, port %s",
			 a->count, a->count == 1 ? "" : "s", a->bytes,
			 dom == DMAS_IOMMU_IDENTITY
				 ? "an identity (passthrough) IOMMU domain"
				 : "no IOMMU group",
			 port);
	else
		snprintf(
			f->detail, sizeof(f->detail),
			"%" PRIu64 " mapping%s (%" PRIu64
			" bytes) bounced through swiotlb, IOMMU domain %s, port %s",
			a->count, a->count == 1 ? "" : "s", a->bytes,
			dmas_iommu_domain_name(dom), port);
}
