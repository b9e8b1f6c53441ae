// SPDX-License-Identifier: GPL-2.0
/*
 * scn_dmaengine.c - scenarios that misuse dmaengine channels and
 * descriptors (cli/engine/dmaengine.c): a descriptor never issued, a
 * stalled transfer, failing transfers, a terminate with transfers in
 * flight, a transfer over a latency budget.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/string.h>

#include "vdmac_scn.h"

int sc_desc_never_issued(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	struct xwait w;
	char extra[64];
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	ret = vbuf_map(r, &b, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	ret = xqueue(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE, &w);
	if (ret)
		goto out;
	/* the bug: no dma_async_issue_pending; nothing may happen */
	check(r, !wait_for_completion_timeout(&w.done, msecs_to_jiffies(200)),
	      "a never issued descriptor completed");
	snprintf(extra, sizeof(extra), "%s cookie=%d", dma_chan_name(chan),
		 w.cookie);
	truth("finding=desc-never-issued dev=%s chan=%s",
	      dev_name(r->dev), extra);
	/* drops the pending descriptor: terminate reports in_flight=0 */
	dmaengine_terminate_sync(chan);
out:
	return sc_close(r, chan, &b, NULL, ret);
}

/* A page of rx issued on a paused channel: nothing moves until resume. */
static int stalled_rx(struct vdmac_run *r, struct dma_chan *chan,
		      struct vbuf *b, struct xwait *w)
{
	int ret;

	ret = vbuf_map(r, b, DMA_FROM_DEVICE) ?:
	      xqueue(r, chan, DMA_DEV_TO_MEM, b->dma, 0, PAGE_SIZE, w);
	if (ret)
		return ret;
	dmaengine_pause(chan);
	dma_async_issue_pending(chan);
	return 0;
}

/* Resume the channel; the stalled rx completes late and is read. */
static int stalled_rx_done(struct vdmac_run *r, struct dma_chan *chan,
			   struct vbuf *b, struct xwait *w)
{
	int ret;

	dmaengine_resume(chan);
	ret = xwait_for(r, chan, w, WAIT_MS);
	if (ret)
		return ret;
	dma_sync_single_for_cpu(r->dev, b->dma, PAGE_SIZE, DMA_FROM_DEVICE);
	cpu_touch(r, b->dma, PAGE_SIZE, false);
	check(r, adc_matches(b->cpu, PAGE_SIZE, 0),
	      "late rx does not hold the ADC samples");
	r->bytes += PAGE_SIZE;
	return 0;
}

int sc_xfer_timeout(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	struct xwait w;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	ret = stalled_rx(r, chan, &b, &w);
	if (ret)
		goto out;
	check(r, !wait_for_completion_timeout(&w.done,
					      msecs_to_jiffies(vdmac_timeout_ms)),
	      "the paused channel completed a transfer");
	truth("finding=xfer-timeout dev=%s chan=%s cookie=%d stalled_ms=%u",
	      dev_name(r->dev), dma_chan_name(chan), w.cookie,
	      vdmac_timeout_ms);
	/* then it completes late, so nothing else is planted */
	ret = stalled_rx_done(r, chan, &b, &w);
out:
	return sc_close(r, chan, &b, NULL, ret);
}

/*
 * One transfer held on a paused channel for OVER_BUDGET_STALL_MS, three
 * times the budget the tests pass (--latency-budget 100ms), then completed:
 * one xfer-over-budget on its channel.  Its truth line names the budget.
 */
#define OVER_BUDGET_MS		100
#define OVER_BUDGET_STALL_MS	(3 * OVER_BUDGET_MS)

int sc_xfer_over_budget(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	struct xwait w;
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	ret = stalled_rx(r, chan, &b, &w);
	if (ret)
		goto out;
	msleep(OVER_BUDGET_STALL_MS);
	check(r, !completion_done(&w.done),
	      "the paused channel completed a transfer");
	ret = stalled_rx_done(r, chan, &b, &w);
	if (!ret)
		truth("finding=xfer-over-budget dev=%s chan=%s cookie=%d budget=%ums stalled_ms=%u requires=--latency-budget",
		      dev_name(r->dev), dma_chan_name(chan), w.cookie,
		      OVER_BUDGET_MS, OVER_BUDGET_STALL_MS);
out:
	return sc_close(r, chan, &b, NULL, ret);
}

int sc_xfer_error(struct vdmac_run *r)
{
	struct vbuf src = {}, dst = {};
	struct dma_chan *chan;
	struct xwait w;
	int ret;

	ret = sc_open(r, &chan, &src, &dst, PAGE_SIZE);
	if (ret)
		return ret;
	fill_pattern(src.cpu, PAGE_SIZE, 9);
	ret = vbuf_map(r, &src, DMA_TO_DEVICE) ?:
	      vbuf_map(r, &dst, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	vdmac_chan_fail_next(chan, 1);
	ret = xqueue(r, chan, DMA_MEM_TO_MEM, dst.dma, src.dma, PAGE_SIZE,
		     &w);
	if (ret)
		goto out;
	dma_async_issue_pending(chan);
	if (!wait_for_completion_timeout(&w.done, msecs_to_jiffies(WAIT_MS))) {
		dmaengine_terminate_sync(chan);
		fail(r, "transfer timed out");
		ret = -ETIMEDOUT;
		goto out;
	}
	check(r, w.res.result == DMA_TRANS_READ_FAILED,
	      "the injected error was not reported to the callback");
	dma_sync_single_for_cpu(r->dev, dst.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	cpu_touch(r, dst.dma, PAGE_SIZE, false);
	check(r, !memchr_inv(dst.cpu, 0, PAGE_SIZE),
	      "a failed transfer wrote its destination");
	truth("finding=xfer-error dev=%s chan=%s cookie=%d result=%d",
	      dev_name(r->dev), dma_chan_name(chan), w.cookie,
	      DMA_TRANS_READ_FAILED);
out:
	return sc_close(r, chan, &src, &dst, ret);
}

/* A transfer to a bus address that is not RAM fails; nothing is touched. */
int sc_xfer_bus_error(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf src = {};
	struct xwait w;
	int ret;

	ret = sc_open(r, &chan, &src, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	ret = vbuf_map(r, &src, DMA_TO_DEVICE);
	if (ret)
		goto out;
	ret = xqueue(r, chan, DMA_MEM_TO_MEM, VDMAC_FIFO_ADDR, src.dma,
		     PAGE_SIZE, &w);
	if (ret)
		goto out;
	dma_async_issue_pending(chan);
	if (!wait_for_completion_timeout(&w.done, msecs_to_jiffies(WAIT_MS))) {
		dmaengine_terminate_sync(chan);
		fail(r, "transfer timed out");
		ret = -ETIMEDOUT;
		goto out;
	}
	check(r, w.res.result == DMA_TRANS_WRITE_FAILED,
	      "a write to a non-RAM bus address did not fail");
	truth("finding=xfer-error dev=%s chan=%s cookie=%d result=%d",
	      dev_name(r->dev), dma_chan_name(chan), w.cookie,
	      DMA_TRANS_WRITE_FAILED);
out:
	return sc_close(r, chan, &src, NULL, ret);
}

int sc_terminate_in_flight(struct vdmac_run *r)
{
	struct vbuf b[2] = {};
	struct xwait w[2];
	struct dma_chan *chan;
	unsigned int i;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	for (i = 0; i < 2 && !ret; i++) {
		ret = vbuf_new(r, &b[i], PAGE_SIZE, DMA_FROM_DEVICE);
		if (ret)
			break;
		ret = xqueue(r, chan, DMA_DEV_TO_MEM, b[i].dma, 0, PAGE_SIZE,
			     &w[i]);
	}
	if (ret)
		goto out;
	/* paused so both are surely still in flight */
	dmaengine_pause(chan);
	dma_async_issue_pending(chan);
	/* the bug: abort them and unmap their buffers as if done */
	dmaengine_terminate_sync(chan);
	truth("finding=terminate-in-flight dev=%s chan=%s in_flight=2",
	      dev_name(r->dev), dma_chan_name(chan));
	check(r, !completion_done(&w[0].done) && !completion_done(&w[1].done),
	      "terminated transfers called back");
out:
	dma_release_channel(chan);
	for (i = 0; i < 2; i++)
		vbuf_free(r, &b[i]);
	return ret;
}
