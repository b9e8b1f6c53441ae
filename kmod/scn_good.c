// SPDX-License-Identifier: GPL-2.0
/*
 * scn_good.c - vdmac's good clients: the DMA API and dmaengine used the
 * way drivers should (memcpy, polled memcpy, an rx ring, scatter-gather
 * writes, a coherent ring with a dma_pool, background traffic).  They
 * plant nothing: their runs check the data moved.
 */
#include <linux/crc32.h>
#include <linux/dmapool.h>
#include <linux/module.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "vdmac_scn.h"
#include "vdmac_trace.h"

int sc_memcpy(struct vdmac_run *r)
{
	struct vbuf src = {}, dst = {};
	size_t len = SZ_64K;
	struct dma_chan *chan;
	int ret;

	ret = sc_open(r, &chan, &src, &dst, len);
	if (ret)
		return ret;
	fill_pattern(src.cpu, len, 1);
	ret = vbuf_map(r, &src, DMA_TO_DEVICE) ?:
	      vbuf_map(r, &dst, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	ret = xfer(r, chan, DMA_MEM_TO_MEM, dst.dma, src.dma, len);
	dma_sync_single_for_cpu(r->dev, dst.dma, len, DMA_FROM_DEVICE);
	cpu_touch(r, dst.dma, len, false);
	check(r, !ret && !memcmp(dst.cpu, src.cpu, len),
	      "memcpy destination differs from the source");
out:
	vbuf_free(r, &src);
	vbuf_free(r, &dst);
	dma_release_channel(chan);
	return ret;
}

/*
 * A memcpy-offload client: no callback, no interrupt wanted; it busy-polls
 * with dma_sync_wait on the only CPU of the device's node, as such users
 * do.  The "hardware" must complete meanwhile (it is an hrtimer, not a
 * work item that this CPU would have to run).
 */
int sc_memcpy_poll(struct vdmac_run *r)
{
	struct vbuf src = {}, dst = {};
	struct dma_async_tx_descriptor *tx;
	size_t len = SZ_16K;
	struct dma_chan *chan;
	enum dma_status st;
	dma_cookie_t cookie;
	int ret, i;

	ret = sc_open(r, &chan, &src, &dst, len);
	if (ret)
		return ret;
	fill_pattern(src.cpu, len, 10);
	ret = vbuf_map(r, &src, DMA_TO_DEVICE) ?:
	      vbuf_map(r, &dst, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	for (i = 0; i < 4 && !ret; i++) {
		if (i) {
			/* the CPU takes the source back to refill it */
			dma_sync_single_for_cpu(r->dev, src.dma, len,
						DMA_TO_DEVICE);
			fill_pattern(src.cpu, len, 10 + i);
			dma_sync_single_for_device(r->dev, src.dma, len,
						   DMA_TO_DEVICE);
		}
		tx = dmaengine_prep_dma_memcpy(chan, dst.dma, src.dma, len, 0);
		if (!tx) {
			fail(r, "descriptor prep failed");
			ret = -EIO;
			break;
		}
		cookie = dmaengine_submit(tx);
		if (dma_submit_error(cookie)) {
			fail(r, "submit failed");
			ret = -EIO;
			break;
		}
		/* dma_sync_wait issues the descriptor, then spins */
		st = dma_sync_wait(chan, cookie);
		if (st != DMA_COMPLETE) {
			fail(r, "dma_sync_wait returned %d, not complete", st);
			ret = -ETIMEDOUT;
			break;
		}
		dma_sync_single_for_cpu(r->dev, dst.dma, len, DMA_FROM_DEVICE);
		cpu_touch(r, dst.dma, len, false);
		check(r, !memcmp(dst.cpu, src.cpu, len),
		      "polled memcpy destination differs from the source");
		r->bytes += len;
		if (i < 3)
			dma_sync_single_for_device(r->dev, dst.dma, len,
						   DMA_FROM_DEVICE);
	}
out:
	vbuf_free(r, &src);
	vbuf_free(r, &dst);
	dma_release_channel(chan);
	return ret;
}

#define RX_BUFS		8
#define RX_LEN		2048
#define RX_ROUNDS	4

int sc_rx_ring(struct vdmac_run *r)
{
	struct vbuf b[RX_BUFS] = {};
	struct xwait w[RX_BUFS];
	struct dma_chan *chan;
	unsigned int i, round;
	u64 pos = 0;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	for (i = 0; i < RX_BUFS && !ret; i++)
		ret = vbuf_new(r, &b[i], RX_LEN, DMA_FROM_DEVICE);
	for (round = 0; round < RX_ROUNDS && !ret; round++) {
		for (i = 0; i < RX_BUFS && !ret; i++)
			ret = xqueue(r, chan, DMA_DEV_TO_MEM, b[i].dma, 0,
				     RX_LEN, &w[i]);
		if (ret)
			break;
		dma_async_issue_pending(chan);
		for (i = 0; i < RX_BUFS && !ret; i++)
			ret = xwait_for(r, chan, &w[i], WAIT_MS);
		for (i = 0; i < RX_BUFS && !ret; i++) {
			/* the CPU takes the buffer, reads it, gives it back */
			dma_sync_single_for_cpu(r->dev, b[i].dma, RX_LEN,
						DMA_FROM_DEVICE);
			cpu_touch(r, b[i].dma, RX_LEN, false);
			check(r, adc_matches(b[i].cpu, RX_LEN, pos),
			      "rx buffer does not hold the ADC samples");
			pos += RX_LEN;
			r->bytes += RX_LEN;
			if (round + 1 < RX_ROUNDS)
				dma_sync_single_for_device(r->dev, b[i].dma,
							   RX_LEN,
							   DMA_FROM_DEVICE);
		}
	}
	/* releasing the channel first aborts anything left on an error */
	dma_release_channel(chan);
	for (i = 0; i < RX_BUFS; i++)
		vbuf_free(r, &b[i]);
	return ret;
}

#define SG_PAGES	16
#define SG_WRITES	4

int sc_storage_sg(struct vdmac_run *r)
{
	struct page *pages[SG_PAGES];
	struct dma_async_tx_descriptor *tx;
	struct scatterlist *sg;
	struct sg_table sgt;
	struct dma_chan *chan;
	unsigned int i, n;
	u32 crc = 0, got_crc;
	u64 total = 0, got_bytes;
	struct xwait w;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	for (n = 0; n < SG_WRITES && !ret; n++) {
		memset(pages, 0, sizeof(pages));
		ret = sg_alloc_table(&sgt, SG_PAGES, GFP_KERNEL);
		if (ret) {
			fail(r, "no memory for an sg table");
			break;
		}
		for_each_sgtable_sg(&sgt, sg, i) {
			pages[i] = alloc_pages_node(r->node, GFP_KERNEL, 0);
			if (!pages[i]) {
				fail(r, "no memory for sg pages");
				ret = -ENOMEM;
				goto free;
			}
			fill_pattern(page_address(pages[i]), PAGE_SIZE,
				     n * SG_PAGES + i);
			crc = crc32_le(crc, page_address(pages[i]), PAGE_SIZE);
			total += PAGE_SIZE;
			sg_set_page(sg, pages[i], PAGE_SIZE, 0);
		}
		ret = dma_map_sgtable(r->dev, &sgt, DMA_TO_DEVICE, 0);
		if (ret) {
			fail(r, "dma_map_sgtable failed: %d", ret);
			goto free;
		}
		for_each_sgtable_dma_sg(&sgt, sg, i)
			note_map(r, sg_dma_address(sg));
		tx = dmaengine_prep_slave_sg(chan, sgt.sgl, sgt.nents,
					     DMA_MEM_TO_DEV,
					     DMA_PREP_INTERRUPT);
		if (!tx) {
			fail(r, "slave sg prep failed");
			ret = -EIO;
		} else {
			ret = xsubmit(r, tx, &w);
			if (!ret) {
				dma_async_issue_pending(chan);
				ret = xwait_for(r, chan, &w, WAIT_MS);
			}
		}
		if (!ret)
			r->bytes += SG_PAGES * PAGE_SIZE;
		dma_unmap_sgtable(r->dev, &sgt, DMA_TO_DEVICE, 0);
free:
		for (i = 0; i < SG_PAGES; i++)
			if (pages[i])
				__free_page(pages[i]);
		sg_free_table(&sgt);
	}
	if (!ret) {
		vdmac_chan_sink(chan, &got_crc, &got_bytes);
		check(r, got_bytes == total && got_crc == crc,
		      "the peripheral received other bytes than were written");
	}
	dma_release_channel(chan);
	return ret;
}

#define RING_ENTRIES	16
#define RING_DATA	1024	/* offset of the data area in the ring page */

struct ring_desc {
	__le64 addr;
	__le32 len;
	__le32 flags;
};

int sc_coherent_ring(struct vdmac_run *r)
{
	struct xwait w[RING_ENTRIES];
	dma_addr_t ring_dma, hdr_dma[RING_ENTRIES];
	u8 *hdr[RING_ENTRIES] = {};
	struct ring_desc *ring;
	struct dma_pool *pool;
	struct dma_chan *chan;
	unsigned int i;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ring = dma_alloc_coherent(r->dev, PAGE_SIZE, &ring_dma, GFP_KERNEL);
	pool = dma_pool_create("vdmac-hdr", r->dev, HDR_SIZE, HDR_SIZE, 0);
	if (!ring || !pool) {
		fail(r, "no memory for the ring or the pool");
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < RING_ENTRIES && !ret; i++) {
		hdr[i] = dma_pool_zalloc(pool, GFP_KERNEL, &hdr_dma[i]);
		if (!hdr[i]) {
			fail(r, "dma_pool_zalloc failed");
			ret = -ENOMEM;
			break;
		}
		fill_pattern(hdr[i], HDR_SIZE, 100 + i);
		ring[i].addr = cpu_to_le64(hdr_dma[i]);
		ring[i].len = cpu_to_le32(HDR_SIZE);
		ring[i].flags = cpu_to_le32(1);
		ret = xqueue(r, chan, DMA_MEM_TO_MEM,
			     ring_dma + RING_DATA + i * HDR_SIZE, hdr_dma[i],
			     HDR_SIZE, &w[i]);
	}
	if (!ret) {
		dma_async_issue_pending(chan);
		for (i = 0; i < RING_ENTRIES && !ret; i++)
			ret = xwait_for(r, chan, &w[i], WAIT_MS);
	}
	for (i = 0; i < RING_ENTRIES && !ret; i++) {
		check(r, !memcmp((u8 *)ring + RING_DATA + i * HDR_SIZE,
				 hdr[i], HDR_SIZE),
		      "ring data area differs from the pool headers");
		r->bytes += HDR_SIZE;
	}
out:
	dma_release_channel(chan);
	for (i = 0; i < RING_ENTRIES; i++)
		if (hdr[i])
			dma_pool_free(pool, hdr[i], hdr_dma[i]);
	dma_pool_destroy(pool);
	if (ring)
		dma_free_coherent(r->dev, PAGE_SIZE, ring, ring_dma);
	return ret;
}

/* Background memcpy traffic until stream-stop, unbind or unload. */
struct vdmac_stream {
	struct device *dev;
	struct dma_chan *chan;
	struct vbuf src, dst;
	struct completion idle;
	bool stop;
	u64 done;
	u64 bad;
};

#define STREAM_LEN	4096

static int stream_submit(struct vdmac_stream *s);

static void stream_cb(void *param, const struct dmaengine_result *res)
{
	struct vdmac_stream *s = param;

	dma_sync_single_for_cpu(s->dev, s->dst.dma, STREAM_LEN,
				DMA_FROM_DEVICE);
	trace_vdmac_cpu_access(dev_name(s->dev), s->dst.dma, STREAM_LEN, 0);
	if (res->result != DMA_TRANS_NOERROR ||
	    memcmp(s->dst.cpu, s->src.cpu, STREAM_LEN))
		s->bad++;
	else
		s->done++;
	memset(s->dst.cpu, 0, STREAM_LEN);
	trace_vdmac_cpu_access(dev_name(s->dev), s->dst.dma, STREAM_LEN, 1);
	dma_sync_single_for_device(s->dev, s->dst.dma, STREAM_LEN,
				   DMA_FROM_DEVICE);
	if (READ_ONCE(s->stop) || stream_submit(s))
		complete(&s->idle);
}

static int stream_submit(struct vdmac_stream *s)
{
	struct dma_async_tx_descriptor *tx;

	tx = dmaengine_prep_dma_memcpy(s->chan, s->dst.dma, s->src.dma,
				       STREAM_LEN, DMA_PREP_INTERRUPT);
	if (!tx)
		return -EIO;
	tx->callback_result = stream_cb;
	tx->callback_param = s;
	if (dma_submit_error(dmaengine_submit(tx)))
		return -EIO;
	dma_async_issue_pending(s->chan);
	return 0;
}

void stream_stop(struct vdmac_dev *vd, struct vdmac_run *r)
{
	struct vdmac_stream *s = vd->stream;

	if (!s)
		return;
	WRITE_ONCE(s->stop, true);
	if (!wait_for_completion_timeout(&s->idle,
					 msecs_to_jiffies(WAIT_MS))) {
		dev_err(vd->dev, "stream: transfer did not complete, terminating\n");
		dmaengine_terminate_sync(s->chan);
	}
	__module_get(THIS_MODULE);
	dma_release_channel(s->chan);
	dma_unmap_page(s->dev, s->src.dma, STREAM_LEN, DMA_TO_DEVICE);
	dma_unmap_page(s->dev, s->dst.dma, STREAM_LEN, DMA_FROM_DEVICE);
	__free_page(s->src.page);
	__free_page(s->dst.page);
	if (r) {
		r->bytes = s->done * STREAM_LEN;
		r->checks = s->done + s->bad;
		if (s->bad)
			fail(r, "%llu of %llu stream copies differed", s->bad,
			     s->done + s->bad);
	}
	kfree(s);
	vd->stream = NULL;
}

int sc_stream_start(struct vdmac_run *r)
{
	struct vdmac_stream *s;
	int ret;

	if (r->vd->stream) {
		fail(r, "the stream is already running");
		return -EBUSY;
	}
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	s->dev = r->dev;
	init_completion(&s->idle);
	s->chan = run_chan(r);
	if (!s->chan) {
		kfree(s);
		return -EBUSY;
	}
	/*
	 * The channel pins its provider's module, which is this one: drop
	 * that self-reference so vdmac can be unloaded with the stream
	 * running; stream_stop(), called from remove(), takes it back just
	 * before releasing the channel.
	 */
	module_put(THIS_MODULE);
	/* a paced "hardware": one 4 KiB copy per millisecond at most */
	vdmac_chan_set_delay(s->chan, 1000);
	ret = vbuf_alloc(r, &s->src, STREAM_LEN) ?:
	      vbuf_alloc(r, &s->dst, STREAM_LEN);
	if (!ret) {
		fill_pattern(s->src.cpu, STREAM_LEN, 7);
		ret = vbuf_map(r, &s->src, DMA_TO_DEVICE) ?:
		      vbuf_map(r, &s->dst, DMA_FROM_DEVICE);
	}
	if (!ret)
		ret = stream_submit(s);
	if (ret) {
		__module_get(THIS_MODULE);
		dma_release_channel(s->chan);
		vbuf_free(r, &s->src);
		vbuf_free(r, &s->dst);
		kfree(s);
		return ret;
	}
	r->vd->stream = s;
	scnprintf(r->detail, sizeof(r->detail),
		  "stream running on %s until stream-stop",
		  dma_chan_name(s->chan));
	return 0;
}

int sc_stream_stop(struct vdmac_run *r)
{
	if (!r->vd->stream) {
		fail(r, "no stream is running");
		return -EINVAL;
	}
	stream_stop(r->vd, r);
	return 0;
}
