// SPDX-License-Identifier: GPL-2.0
/*
 * scn_io.c - what vdmac's scenarios use to move data: buffers from the
 * device's node, a channel of vdmac's, transfers waited for, the opening
 * most scenarios share (sc_open), and the data checks (ADC samples, fill
 * patterns, swiotlb bounces).
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/gfp.h>
#include <linux/swiotlb.h>

#include "vdmac_compat.h"
#include "vdmac_scn.h"
#include "vdmac_trace.h"

static bool addr_bounced(struct vdmac_run *r, dma_addr_t addr)
{
	return vdmac_is_swiotlb_buffer(r->dev, dma_to_phys(r->dev, addr));
}

void note_map(struct vdmac_run *r, dma_addr_t addr)
{
	if (addr_bounced(r, addr))
		r->bounced++;
}

/* A misuse at addr touches nothing but our own pages. */
bool misuse_safe(struct vdmac_run *r, dma_addr_t addr)
{
	return !get_dma_ops(r->dev) && !addr_bounced(r, addr);
}

void cpu_touch(struct vdmac_run *r, dma_addr_t addr, size_t size,
	       bool write)
{
	trace_vdmac_cpu_access(dev_name(r->dev), addr, size, write);
}

bool adc_matches(const u8 *buf, size_t len, u64 pos)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (buf[k] != vdmac_adc_byte(pos + k))
			return false;
	return true;
}

void fill_pattern(u8 *buf, size_t len, u32 seed)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (u8)(k * 7 + seed * 31 + (k >> 8));
}

/* ---- buffers: page blocks from the device's node ---- */

int vbuf_alloc_on(struct vdmac_run *r, struct vbuf *b, size_t size,
		  int nid, gfp_t extra)
{
	b->page = alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO | extra,
				   get_order(size));
	if (!b->page) {
		fail(r, "no memory for a %zu byte buffer", size);
		return -ENOMEM;
	}
	b->cpu = page_address(b->page);
	b->size = size;
	b->mapped = false;
	return 0;
}

int vbuf_alloc(struct vdmac_run *r, struct vbuf *b, size_t size)
{
	return vbuf_alloc_on(r, b, size, r->node, 0);
}

int vbuf_map(struct vdmac_run *r, struct vbuf *b,
	     enum dma_data_direction dir)
{
	b->dma = dma_map_page(r->dev, b->page, 0, b->size, dir);
	if (dma_mapping_error(r->dev, b->dma)) {
		fail(r, "mapping %zu bytes failed", b->size);
		return -ENOMEM;
	}
	b->dir = dir;
	b->mapped = true;
	note_map(r, b->dma);
	return 0;
}

/*
 * The closing that goes with sc_open: the channel released first (which
 * aborts what an error left queued), then the buffers unmapped and freed.
 * Returns ret.
 */
int sc_close(struct vdmac_run *r, struct dma_chan *chan, struct vbuf *b,
	     struct vbuf *b2, int ret)
{
	dma_release_channel(chan);
	vbuf_free(r, b);
	if (b2)
		vbuf_free(r, b2);
	return ret;
}

/* A buffer of size bytes from the device's node, mapped for dir. */
int vbuf_new(struct vdmac_run *r, struct vbuf *b, size_t size,
	     enum dma_data_direction dir)
{
	return vbuf_alloc(r, b, size) ?: vbuf_map(r, b, dir);
}

void vbuf_unmap(struct vdmac_run *r, struct vbuf *b)
{
	if (b->mapped)
		dma_unmap_page(r->dev, b->dma, b->size, b->dir);
	b->mapped = false;
}

void vbuf_free(struct vdmac_run *r, struct vbuf *b)
{
	vbuf_unmap(r, b);
	if (b->page)
		__free_pages(b->page, get_order(b->size));
	b->page = NULL;
}

/* ---- transfers ---- */

struct dma_chan *run_chan(struct vdmac_run *r)
{
	struct dma_slave_config cfg = {
		.src_addr = VDMAC_FIFO_ADDR,
		.dst_addr = VDMAC_FIFO_ADDR,
		.src_addr_width = DMA_SLAVE_BUSWIDTH_4_BYTES,
		.dst_addr_width = DMA_SLAVE_BUSWIDTH_4_BYTES,
	};
	struct dma_chan *chan;
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_SLAVE, mask);
	dma_cap_set(DMA_MEMCPY, mask);
	chan = dma_request_channel(mask, vdmac_filter, r->dev);
	if (!chan) {
		fail(r, "no free vdmac channel");
		return NULL;
	}
	dmaengine_slave_config(chan, &cfg);
	return chan;
}

/*
 * The opening most scenarios share: a channel, then a buffer of size
 * bytes from the device's node (and a second one when b2 is given).
 * 0, or -errno with nothing held.
 */
int sc_open(struct vdmac_run *r, struct dma_chan **chan, struct vbuf *b,
	    struct vbuf *b2, size_t size)
{
	int ret;

	*chan = run_chan(r);
	if (!*chan)
		return -EBUSY;
	ret = vbuf_alloc(r, b, size);
	if (!ret && b2)
		ret = vbuf_alloc(r, b2, size);
	if (ret) {
		vbuf_free(r, b);
		if (b2)
			vbuf_free(r, b2);
		dma_release_channel(*chan);
	}
	return ret;
}


static void xwait_cb(void *param, const struct dmaengine_result *res)
{
	struct xwait *w = param;

	w->res = *res;
	complete(&w->done);
}

/*
 * Prepares a transfer: DEV_TO_MEM fills dst from the ADC, MEM_TO_DEV
 * feeds src to the sink, MEM_TO_MEM copies src to dst.
 */
struct dma_async_tx_descriptor *xprep(struct vdmac_run *r,
				      struct dma_chan *chan,
				      enum dma_transfer_direction dir,
				      dma_addr_t dst, dma_addr_t src,
				      size_t len)
{
	struct dma_async_tx_descriptor *tx;

	if (dir == DMA_MEM_TO_MEM)
		tx = dmaengine_prep_dma_memcpy(chan, dst, src, len,
					       DMA_PREP_INTERRUPT);
	else
		tx = dmaengine_prep_slave_single(chan,
						 dir == DMA_DEV_TO_MEM ? dst : src,
						 len, dir, DMA_PREP_INTERRUPT);
	if (!tx)
		fail(r, "descriptor prep failed");
	return tx;
}

int xsubmit(struct vdmac_run *r, struct dma_async_tx_descriptor *tx,
	    struct xwait *w)
{
	init_completion(&w->done);
	w->res.result = DMA_TRANS_ABORTED;
	w->res.residue = 0;
	tx->callback_result = xwait_cb;
	tx->callback_param = w;
	w->cookie = dmaengine_submit(tx);
	if (dma_submit_error(w->cookie)) {
		fail(r, "submit failed");
		return -EIO;
	}
	return 0;
}

/* xprep, then xsubmit: queued, waiting for dma_async_issue_pending. */
int xqueue(struct vdmac_run *r, struct dma_chan *chan,
	   enum dma_transfer_direction dir, dma_addr_t dst, dma_addr_t src,
	   size_t len, struct xwait *w)
{
	struct dma_async_tx_descriptor *tx;

	tx = xprep(r, chan, dir, dst, src, len);
	return tx ? xsubmit(r, tx, w) : -EIO;
}

/* The transfer's result (0: done), or -ETIMEDOUT after terminating it. */
int xwait_for(struct vdmac_run *r, struct dma_chan *chan,
	      struct xwait *w, unsigned int ms)
{
	if (!wait_for_completion_timeout(&w->done, msecs_to_jiffies(ms))) {
		dmaengine_terminate_sync(chan);
		fail(r, "transfer timed out");
		return -ETIMEDOUT;
	}
	if (w->res.result != DMA_TRANS_NOERROR)
		fail(r, "transfer failed with result %d", w->res.result);
	return w->res.result;
}

int xfer(struct vdmac_run *r, struct dma_chan *chan,
	 enum dma_transfer_direction dir, dma_addr_t dst,
	 dma_addr_t src, size_t len)
{
	struct xwait w;
	int ret;

	ret = xqueue(r, chan, dir, dst, src, len, &w);
	if (ret)
		return ret;
	dma_async_issue_pending(chan);
	ret = xwait_for(r, chan, &w, WAIT_MS);
	if (!ret)
		r->bytes += len;
	return ret;
}
