// SPDX-License-Identifier: GPL-2.0
/*
 * scn_ownership.c - scenarios that break the buffer-ownership rules of
 * streaming mappings (cli/engine/ownership.c): the CPU reads or writes a
 * buffer without taking it from the device, or gives it back unsynced.
 */
#include <linux/crc32.h>
#include <linux/dma-mapping.h>

#include "vdmac_scn.h"

int sc_missing_sync_for_cpu(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	bool stale;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	memset(b.cpu, 0xee, PAGE_SIZE);
	ret = vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	/*
	 * The bug: the CPU reads without dma_sync_single_for_cpu (this read
	 * is deliberately not reported through cpu_access: the scenario
	 * plants missing-sync-for-cpu only) and hands the buffer back.
	 */
	stale = !adc_matches(b.cpu, PAGE_SIZE, 0);
	r->stale += stale;
	dma_sync_single_for_device(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	truth_map(r, "missing-sync-for-cpu", b.dma, PAGE_SIZE, DMA_FROM_DEVICE,
		  " needs=seen-syncs");
	ret = xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	cpu_touch(r, b.dma, PAGE_SIZE, false);
	check(r, adc_matches(b.cpu, PAGE_SIZE, PAGE_SIZE),
	      "second rx does not hold the ADC samples");
	scnprintf(r->detail, sizeof(r->detail), "stale_read=%d", stale);
out:
	return sc_close(r, chan, &b, NULL, ret);
}

int sc_missing_sync_for_device(struct vdmac_run *r)
{
	u32 crc_a, crc_b, crc_aa, got;
	struct vbuf b = {};
	struct dma_chan *chan;
	u64 bytes;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	fill_pattern(b.cpu, PAGE_SIZE, 11);
	crc_a = crc32_le(0, b.cpu, PAGE_SIZE);
	crc_aa = crc32_le(crc_a, b.cpu, PAGE_SIZE);
	ret = vbuf_map(r, &b, DMA_TO_DEVICE) ?:
	      xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
	if (ret)
		goto out;
	/* the CPU takes the buffer and writes the next block into it */
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_TO_DEVICE);
	fill_pattern(b.cpu, PAGE_SIZE, 12);
	cpu_touch(r, b.dma, PAGE_SIZE, true);
	crc_b = crc32_le(crc_a, b.cpu, PAGE_SIZE);
	/* the bug: no dma_sync_single_for_device before the device reads */
	truth_map(r, "missing-sync-for-device", b.dma, PAGE_SIZE,
		  DMA_TO_DEVICE, " needs=seen-syncs");
	ret = xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
	if (ret)
		goto out;
	vdmac_chan_sink(chan, &got, &bytes);
	check(r, got == crc_b || got == crc_aa,
	      "the peripheral received neither the new nor the old block");
	r->stale += got == crc_aa && crc_aa != crc_b;
	scnprintf(r->detail, sizeof(r->detail), "stale_read=%d",
		  got == crc_aa && crc_aa != crc_b);
out:
	return sc_close(r, chan, &b, NULL, ret);
}

int sc_cpu_access_device_owned(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	bool stale;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	memset(b.cpu, 0xee, PAGE_SIZE);
	ret = vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	/* the bug: reads while the device owns the buffer */
	cpu_touch(r, b.dma, PAGE_SIZE, false);
	stale = !adc_matches(b.cpu, PAGE_SIZE, 0);
	r->stale += stale;
	truth_map(r, "cpu-access-device-owned", b.dma, PAGE_SIZE,
		  DMA_FROM_DEVICE, " access=read needs=seen-syncs");
	vbuf_unmap(r, &b);
	check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
	      "rx buffer does not hold the ADC samples after unmap");
	scnprintf(r->detail, sizeof(r->detail), "stale_read=%d", stale);
out:
	return sc_close(r, chan, &b, NULL, ret);
}
