// SPDX-License-Identifier: GPL-2.0
/*
 * scn_hints.c - scenarios that plant performance hints, the informational
 * findings of cli/engine/hints.c: a redundant sync, map churn, a swiotlb
 * bounce.
 */
#include <linux/dma-mapping.h>
#include <linux/ktime.h>

#include "vdmac_scn.h"

int sc_redundant_sync(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	ret = vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	/* the hint: the CPU already owns it */
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	truth_map(r, "redundant-sync", b.dma, PAGE_SIZE, DMA_FROM_DEVICE,
		  " needs=seen-syncs");
	cpu_touch(r, b.dma, PAGE_SIZE, false);
	check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
	      "rx buffer does not hold the ADC samples");
out:
	return sc_close(r, chan, &b, NULL, ret);
}

#define CHURN_ROUNDS	1000

int sc_map_churn(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	dma_addr_t first = 0;
	unsigned int i;
	ktime_t start;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	fill_pattern(b.cpu, PAGE_SIZE, 3);
	start = ktime_get();
	for (i = 0; i < CHURN_ROUNDS && !ret; i++) {
		ret = vbuf_map(r, &b, DMA_TO_DEVICE) ?:
		      xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
		if (!i)
			first = b.dma;
		vbuf_unmap(r, &b);
	}
	if (!ret) {
		char extra[32];

		snprintf(extra, sizeof(extra), " count=%d", CHURN_ROUNDS);
		truth_map(r, "map-churn", first, PAGE_SIZE, DMA_TO_DEVICE,
			  extra);
		/* dmascope wants 256 maps of a buffer within one second */
		scnprintf(r->detail, sizeof(r->detail), "elapsed_ms=%lld",
			  ktime_ms_delta(ktime_get(), start));
	}
	return sc_close(r, chan, &b, NULL, ret);
}

int sc_swiotlb_bounce(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	int ret;

	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
	if (ret)
		goto out;
	if (!r->bounced) {
		ret = refuse(r, "nothing-bounced",
			     "no bounce: boot with swiotlb=force or load with a dma_bits below the memory");
		goto out;
	}
	chan = run_chan(r);
	if (!chan) {
		ret = -EBUSY;
		goto out;
	}
	fill_pattern(b.cpu, PAGE_SIZE, 4);
	ret = xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
	dma_release_channel(chan);
out:
	vbuf_free(r, &b);
	return ret;
}
