// SPDX-License-Identifier: GPL-2.0
/*
 * vdmac_clients.c - DMA API clients of vdmac, run from root-only debugfs
 * (/sys/kernel/debug/vdmac/): good ones that use the API the way drivers
 * should, and buggy ones that each plant one dmascope finding and publish
 * it as ground truth.
 *
 *   run           write a scenario name
 *   scenarios     the list: name, kind (good, buggy, util, module), what
 *   ground_truth  the last run's expected findings, one per line:
 *                 finding=<findings.def id> dev=<device> [addr=0x.. size=N
 *                 dir=to-device|from-device|bidirectional] [key=value ...]
 *                 A line with requires=<condition> only applies then
 *                 (requires=--leak-age, --leaks-at-exit, trace-before-bind);
 *                 when=unbind: the finding appears when the device unbinds.
 *                 A refused run writes refused=<scenario> reason=<token>.
 *                 Empty for good scenarios (swiotlb=force adds the
 *                 informational swiotlb-bounce line to every run that
 *                 bounced).
 *   result        the last run's data checks: key=value lines
 *   inject_errors write N: the next N transfers complete with an error
 *   channels      one line per channel: in use, paused, queue, bytes moved
 *   bench         the map+unmap benchmark (vdmac_bench.c)
 *
 * Every scenario must leave the kernel sound: where a misuse would touch
 * memory that is not ours (swiotlb bounce slots, other drivers' pages), the
 * scenario refuses with -EINVAL and says why in dmesg and ground truth.
 * The buggy scenarios otherwise clean up correctly, so each run plants
 * exactly the findings it lists.  Scenarios run on a CPU of the device's
 * NUMA node, with buffers from that node, so only numa-* plant NUMA
 * findings.
 */
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/nodemask.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <linux/uaccess.h>

#include "vdmac.h"
#include "vdmac_compat.h"
#include "vdmac_trace.h"

#define TRUTH_SIZE	4096
#define RESULT_SIZE	1024
#define WAIT_MS		5000

/* Published by the last run; read and written under vdmac_mutex. */
static char vdmac_truth[TRUTH_SIZE];
static size_t vdmac_truth_len;
static char vdmac_result[RESULT_SIZE];

struct vdmac_run;

struct vdmac_scenario {
	const char *name;
	const char *kind;	/* good, buggy, util, module */
	int (*run)(struct vdmac_run *r);
	const char *what;
};

struct vdmac_run {
	const struct vdmac_scenario *sc;
	struct vdmac_dev *vd;
	struct device *dev;
	int node;
	bool refused;
	u64 bytes;
	unsigned int checks;
	unsigned int failures;
	unsigned int stale;
	unsigned int bounced;
	char detail[160];
};

static const char *dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return "bidirectional";
	case DMA_TO_DEVICE:
		return "to-device";
	case DMA_FROM_DEVICE:
		return "from-device";
	default:
		return "none";
	}
}

static __printf(1, 2) void truth(const char *fmt, ...)
{
	va_list ap;

	if (vdmac_truth_len >= TRUTH_SIZE - 2)
		return;
	va_start(ap, fmt);
	vdmac_truth_len += vscnprintf(vdmac_truth + vdmac_truth_len,
				      TRUTH_SIZE - vdmac_truth_len - 1, fmt, ap);
	va_end(ap);
	vdmac_truth[vdmac_truth_len++] = '\n';
	vdmac_truth[vdmac_truth_len] = '\0';
}

static void truth_map(struct vdmac_run *r, const char *id, dma_addr_t addr,
		      size_t size, enum dma_data_direction dir,
		      const char *extra)
{
	truth("finding=%s dev=%s addr=0x%llx size=%zu dir=%s%s", id,
	      dev_name(r->dev), (u64)addr, size, dir_name(dir), extra);
}

static __printf(2, 3) void fail(struct vdmac_run *r, const char *fmt, ...)
{
	va_list ap;

	r->failures++;
	if (r->detail[0])
		return;
	va_start(ap, fmt);
	vscnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

static void check(struct vdmac_run *r, bool ok, const char *what)
{
	r->checks++;
	if (!ok)
		fail(r, "%s", what);
}

static int refuse(struct vdmac_run *r, const char *token, const char *why)
{
	dev_err(r->dev, "scenario %s refused: %s\n", r->sc->name, why);
	truth("refused=%s reason=%s", r->sc->name, token);
	r->refused = true;
	return -EINVAL;
}

static bool addr_bounced(struct vdmac_run *r, dma_addr_t addr)
{
	return vdmac_is_swiotlb_buffer(r->dev, dma_to_phys(r->dev, addr));
}

static void note_map(struct vdmac_run *r, dma_addr_t addr)
{
	if (addr_bounced(r, addr))
		r->bounced++;
}

/* A misuse at addr touches nothing but our own pages. */
static bool misuse_safe(struct vdmac_run *r, dma_addr_t addr)
{
	return !get_dma_ops(r->dev) && !addr_bounced(r, addr);
}

static void cpu_touch(struct vdmac_run *r, dma_addr_t addr, size_t size,
		      bool write)
{
	trace_vdmac_cpu_access(dev_name(r->dev), addr, size, write);
}

static bool adc_matches(const u8 *buf, size_t len, u64 pos)
{
	size_t k;

	for (k = 0; k < len; k++)
		if (buf[k] != vdmac_adc_byte(pos + k))
			return false;
	return true;
}

static void fill_pattern(u8 *buf, size_t len, u32 seed)
{
	size_t k;

	for (k = 0; k < len; k++)
		buf[k] = (u8)(k * 7 + seed * 31 + (k >> 8));
}

/* ---- buffers: page blocks from the device's node ---- */

struct vbuf {
	struct page *page;
	u8 *cpu;
	size_t size;
	dma_addr_t dma;
	enum dma_data_direction dir;
	bool mapped;
};

static int vbuf_alloc_on(struct vdmac_run *r, struct vbuf *b, size_t size,
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

static int vbuf_alloc(struct vdmac_run *r, struct vbuf *b, size_t size)
{
	return vbuf_alloc_on(r, b, size, r->node, 0);
}

static int vbuf_map(struct vdmac_run *r, struct vbuf *b,
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

static void vbuf_unmap(struct vdmac_run *r, struct vbuf *b)
{
	if (b->mapped)
		dma_unmap_page(r->dev, b->dma, b->size, b->dir);
	b->mapped = false;
}

static void vbuf_free(struct vdmac_run *r, struct vbuf *b)
{
	vbuf_unmap(r, b);
	if (b->page)
		__free_pages(b->page, get_order(b->size));
	b->page = NULL;
}

/* ---- transfers ---- */

static struct dma_chan *run_chan(struct vdmac_run *r)
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

struct xwait {
	struct completion done;
	struct dmaengine_result res;
	dma_cookie_t cookie;
};

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
static struct dma_async_tx_descriptor *xprep(struct vdmac_run *r,
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

static int xsubmit(struct vdmac_run *r, struct dma_async_tx_descriptor *tx,
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

/* The transfer's result (0: done), or -ETIMEDOUT after terminating it. */
static int xwait_for(struct vdmac_run *r, struct dma_chan *chan,
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

static int xfer(struct vdmac_run *r, struct dma_chan *chan,
		enum dma_transfer_direction dir, dma_addr_t dst,
		dma_addr_t src, size_t len)
{
	struct dma_async_tx_descriptor *tx;
	struct xwait w;
	int ret;

	tx = xprep(r, chan, dir, dst, src, len);
	if (!tx)
		return -EIO;
	ret = xsubmit(r, tx, &w);
	if (ret)
		return ret;
	dma_async_issue_pending(chan);
	ret = xwait_for(r, chan, &w, WAIT_MS);
	if (!ret)
		r->bytes += len;
	return ret;
}

/* ---- good clients ---- */

static int sc_memcpy(struct vdmac_run *r)
{
	struct vbuf src = {}, dst = {};
	size_t len = SZ_64K;
	struct dma_chan *chan;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &src, len) ?: vbuf_alloc(r, &dst, len);
	if (ret)
		goto out;
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
static int sc_memcpy_poll(struct vdmac_run *r)
{
	struct vbuf src = {}, dst = {};
	struct dma_async_tx_descriptor *tx;
	size_t len = SZ_16K;
	struct dma_chan *chan;
	enum dma_status st;
	dma_cookie_t cookie;
	int ret, i;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &src, len) ?: vbuf_alloc(r, &dst, len);
	if (ret)
		goto out;
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

static int sc_rx_ring(struct vdmac_run *r)
{
	struct vbuf b[RX_BUFS] = {};
	struct xwait w[RX_BUFS];
	struct dma_async_tx_descriptor *tx;
	struct dma_chan *chan;
	unsigned int i, round;
	u64 pos = 0;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	for (i = 0; i < RX_BUFS && !ret; i++)
		ret = vbuf_alloc(r, &b[i], RX_LEN) ?:
		      vbuf_map(r, &b[i], DMA_FROM_DEVICE);
	for (round = 0; round < RX_ROUNDS && !ret; round++) {
		for (i = 0; i < RX_BUFS && !ret; i++) {
			tx = xprep(r, chan, DMA_DEV_TO_MEM, b[i].dma, 0,
				   RX_LEN);
			ret = tx ? xsubmit(r, tx, &w[i]) : -EIO;
		}
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

static int sc_storage_sg(struct vdmac_run *r)
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
#define HDR_SIZE	64
#define RING_DATA	1024	/* offset of the data area in the ring page */

struct ring_desc {
	__le64 addr;
	__le32 len;
	__le32 flags;
};

static int sc_coherent_ring(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
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
		tx = xprep(r, chan, DMA_MEM_TO_MEM,
			   ring_dma + RING_DATA + i * HDR_SIZE, hdr_dma[i],
			   HDR_SIZE);
		ret = tx ? xsubmit(r, tx, &w[i]) : -EIO;
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

static void stream_stop(struct vdmac_dev *vd, struct vdmac_run *r)
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

static int sc_stream_start(struct vdmac_run *r)
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

static int sc_stream_stop(struct vdmac_run *r)
{
	if (!r->vd->stream) {
		fail(r, "no stream is running");
		return -EINVAL;
	}
	stream_stop(r->vd, r);
	return 0;
}

/* ---- leaks ---- */

static struct vdmac_orphan *orphan_map(struct vdmac_run *r, size_t size,
				       enum dma_data_direction dir)
{
	struct vdmac_orphan *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return NULL;
	o->page = alloc_pages_node(r->node, GFP_KERNEL | __GFP_ZERO,
				   get_order(size));
	if (!o->page)
		goto err;
	o->size = size;
	o->dir = dir;
	o->addr = dma_map_page(r->dev, o->page, 0, size, dir);
	if (dma_mapping_error(r->dev, o->addr)) {
		__free_pages(o->page, get_order(size));
		goto err;
	}
	note_map(r, o->addr);
	return o;
err:
	kfree(o);
	fail(r, "could not map a buffer");
	return NULL;
}

static void orphan_release(struct device *dev, struct vdmac_orphan *o)
{
	if (o->chan) {
		dma_release_channel(o->chan);
	} else {
		dma_unmap_page(dev, o->addr, o->size, o->dir);
		__free_pages(o->page, get_order(o->size));
	}
	kfree(o);
}

static int sc_leak_at_unbind(struct vdmac_run *r)
{
	struct vdmac_orphan *o;

	if (r->vd->unbind_leak) {
		fail(r, "already armed: unbind %s first", dev_name(r->dev));
		return -EBUSY;
	}
	o = orphan_map(r, PAGE_SIZE, DMA_TO_DEVICE);
	if (!o)
		return -ENOMEM;
	r->vd->unbind_leak = o;
	truth_map(r, "leak-at-unbind", o->addr, o->size, o->dir,
		  " when=unbind");
	scnprintf(r->detail, sizeof(r->detail),
		  "mapping held: unbind %s through sysfs to leak it",
		  dev_name(r->dev));
	return 0;
}

static int sc_pool_leak(struct vdmac_run *r)
{
	dma_addr_t da, db;
	struct dma_pool *pool;
	void *a, *b;

	pool = dma_pool_create("vdmac-leak", r->dev, HDR_SIZE, HDR_SIZE, 0);
	if (!pool)
		return -ENOMEM;
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	b = a ? dma_pool_alloc(pool, GFP_KERNEL, &db) : NULL;
	if (!b) {
		if (a)
			dma_pool_free(pool, a, da);
		dma_pool_destroy(pool);
		fail(r, "dma_pool_alloc failed");
		return -ENOMEM;
	}
	dma_pool_free(pool, a, da);
	/* the bug: b is still allocated */
	dma_pool_destroy(pool);
	/*
	 * dma_pool_destroy keeps the busy page's coherent memory forever:
	 * one root cause, so that page is folded into this finding (folds=1)
	 * and is no leak of its own, at unbind or anywhere else.
	 */
	truth("finding=pool-leak dev=%s addr=0x%llx size=%d pool=vdmac-leak folds=1",
	      dev_name(r->dev), (u64)db, HDR_SIZE);
	return 0;
}

static int sc_long_held(struct vdmac_run *r)
{
	struct vdmac_orphan *o = orphan_map(r, PAGE_SIZE, DMA_FROM_DEVICE);

	if (!o)
		return -ENOMEM;
	list_add_tail(&o->node, &r->vd->held);
	truth_map(r, "leak-suspected", o->addr, o->size, o->dir,
		  " requires=--leak-age");
	truth_map(r, "leak-at-exit", o->addr, o->size, o->dir,
		  " requires=--leaks-at-exit");
	scnprintf(r->detail, sizeof(r->detail),
		  "mapping held until release or unbind");
	return 0;
}

static void release_held(struct vdmac_dev *vd)
{
	struct vdmac_orphan *o, *n;

	list_for_each_entry_safe(o, n, &vd->held, node) {
		list_del(&o->node);
		orphan_release(vd->dev, o);
	}
}

static int sc_release(struct vdmac_run *r)
{
	release_held(r->vd);
	return 0;
}

void vdmac_reclaim_orphans(struct vdmac_dev *vd)
{
	struct vdmac_orphan *o, *n;

	list_for_each_entry_safe(o, n, &vd->orphans, node) {
		list_del(&o->node);
		dev_info(vd->dev, "reclaiming %s left behind by vdmac_leak\n",
			 o->chan ? "a channel" : "a mapping");
		orphan_release(vd->dev, o);
	}
}

static int sc_reclaim(struct vdmac_run *r)
{
	vdmac_reclaim_orphans(r->vd);
	return 0;
}

/* ---- ownership ---- */

static int sc_missing_sync_for_cpu(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	bool stale;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE);
	if (ret)
		goto out;
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
		  "");
	ret = xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	cpu_touch(r, b.dma, PAGE_SIZE, false);
	check(r, adc_matches(b.cpu, PAGE_SIZE, PAGE_SIZE),
	      "second rx does not hold the ADC samples");
	scnprintf(r->detail, sizeof(r->detail), "stale_read=%d", stale);
out:
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_missing_sync_for_device(struct vdmac_run *r)
{
	u32 crc_a, crc_b, crc_aa, got;
	struct vbuf b = {};
	struct dma_chan *chan;
	u64 bytes;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE);
	if (ret)
		goto out;
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
		  DMA_TO_DEVICE, "");
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
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_cpu_access_device_owned(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	bool stale;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE);
	if (ret)
		goto out;
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
		  DMA_FROM_DEVICE, " access=read");
	vbuf_unmap(r, &b);
	check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
	      "rx buffer does not hold the ADC samples after unmap");
	scnprintf(r->detail, sizeof(r->detail), "stale_read=%d", stale);
out:
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_redundant_sync(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?:
	      vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	/* the hint: the CPU already owns it */
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	truth_map(r, "redundant-sync", b.dma, PAGE_SIZE, DMA_FROM_DEVICE, "");
	cpu_touch(r, b.dma, PAGE_SIZE, false);
	check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
	      "rx buffer does not hold the ADC samples");
out:
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

#define CHURN_ROUNDS	1000

static int sc_map_churn(struct vdmac_run *r)
{
	struct vbuf b = {};
	struct dma_chan *chan;
	dma_addr_t first = 0;
	unsigned int i;
	ktime_t start;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE);
	if (!ret)
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
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

/* ---- misuse ---- */

static int sc_double_unmap(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
	if (ret)
		goto out;
	if (!misuse_safe(r, b.dma)) {
		ret = refuse(r, "swiotlb-bounce-slot",
			     "a second unmap would free a swiotlb slot that may belong to someone else by then");
		goto out;
	}
	dma_unmap_page(r->dev, b.dma, PAGE_SIZE, DMA_TO_DEVICE);
	dma_unmap_page(r->dev, b.dma, PAGE_SIZE, DMA_TO_DEVICE);
	b.mapped = false;
	truth_map(r, "double-unmap", b.dma, PAGE_SIZE, DMA_TO_DEVICE, "");
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_unmap_size_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* swiotlb frees the slots it recorded at map time: safe either way */
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
	if (ret)
		goto out;
	dma_unmap_page(r->dev, b.dma, PAGE_SIZE / 2, DMA_TO_DEVICE);
	b.mapped = false;
	truth_map(r, "unmap-size-mismatch", b.dma, PAGE_SIZE, DMA_TO_DEVICE,
		  " unmap_size=2048");
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_unmap_dir_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* at worst swiotlb copies the slot back into our own buffer */
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
	if (ret)
		goto out;
	dma_unmap_page(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	b.mapped = false;
	truth_map(r, "unmap-dir-mismatch", b.dma, PAGE_SIZE, DMA_TO_DEVICE,
		  " unmap_dir=from-device");
out:
	vbuf_free(r, &b);
	return ret;
}

/* The dma address our own, never mapped buffer would have. */
static int unmapped_addr(struct vdmac_run *r, struct vbuf *b,
			 dma_addr_t *addr)
{
	int ret = vbuf_alloc(r, b, PAGE_SIZE);

	if (ret)
		return ret;
	*addr = phys_to_dma(r->dev, page_to_phys(b->page));
	if (!misuse_safe(r, *addr))
		return refuse(r, "not-dma-direct",
			      "the device does not use dma-direct");
	return 0;
}

static int sc_unmap_not_mapped(struct vdmac_run *r)
{
	struct vbuf b = {};
	dma_addr_t addr;
	int ret;

	ret = unmapped_addr(r, &b, &addr);
	if (!ret) {
		dma_unmap_page(r->dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
		truth_map(r, "unmap-not-mapped", addr, PAGE_SIZE,
			  DMA_TO_DEVICE, " requires=trace-before-bind");
	}
	vbuf_free(r, &b);
	return ret;
}

static int sc_sync_not_mapped(struct vdmac_run *r)
{
	struct vbuf b = {};
	dma_addr_t addr;
	int ret;

	ret = unmapped_addr(r, &b, &addr);
	if (!ret) {
		dma_sync_single_for_cpu(r->dev, addr, PAGE_SIZE,
					DMA_FROM_DEVICE);
		truth_map(r, "sync-not-mapped", addr, PAGE_SIZE,
			  DMA_FROM_DEVICE, " requires=trace-before-bind");
	}
	vbuf_free(r, &b);
	return ret;
}

/*
 * A device registered while tracing runs (as a driver registers a child
 * device and maps through it, bound to no driver) has no mappings from
 * before: an unmap or sync of an address it never mapped is a finding
 * even though no driver bind was seen.
 */
static int sc_late_device(struct vdmac_run *r)
{
	struct platform_device_info info = {
		.parent = r->dev,
		.name = "vdmac-late",
		.id = PLATFORM_DEVID_NONE,
		.dma_mask = DMA_BIT_MASK(64),
	};
	struct platform_device *pdev;
	struct device *dev;
	struct vbuf b = {};
	dma_addr_t addr;
	int ret;

	ret = unmapped_addr(r, &b, &addr);
	if (ret)
		goto out;
	pdev = platform_device_register_full(&info);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		fail(r, "registering vdmac-late failed: %d", ret);
		goto out;
	}
	dev = &pdev->dev;
	addr = phys_to_dma(dev, page_to_phys(b.page));
	if (get_dma_ops(dev)) {
		ret = refuse(r, "not-dma-direct",
			     "vdmac-late does not use dma-direct");
	} else {
		dma_unmap_page(dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
		dma_sync_single_for_cpu(dev, addr, PAGE_SIZE, DMA_FROM_DEVICE);
		truth("finding=unmap-not-mapped dev=%s addr=0x%llx size=%lu dir=to-device",
		      dev_name(dev), (u64)addr, PAGE_SIZE);
		truth("finding=sync-not-mapped dev=%s addr=0x%llx size=%lu dir=from-device",
		      dev_name(dev), (u64)addr, PAGE_SIZE);
	}
	platform_device_unregister(pdev);
out:
	vbuf_free(r, &b);
	return ret;
}

/*
 * dma_sync_sg_for_cpu with fewer entries than were passed to dma_map_sg
 * (the driver syncs only the part it reads): the DMA API wants map_sg's
 * nents, and dma-debug reports the difference.
 */
#define NENTS_PAGES	4
static int sc_sync_sg_nents_mismatch(struct vdmac_run *r)
{
	struct page *pages[NENTS_PAGES] = {};
	struct scatterlist *sg;
	struct sg_table sgt;
	unsigned int i;
	int ret, count;

	ret = sg_alloc_table(&sgt, NENTS_PAGES, GFP_KERNEL);
	if (ret) {
		fail(r, "no memory for an sg table");
		return ret;
	}
	for_each_sgtable_sg(&sgt, sg, i) {
		pages[i] = alloc_pages_node(r->node, GFP_KERNEL, 0);
		if (!pages[i]) {
			fail(r, "no memory for sg pages");
			ret = -ENOMEM;
			goto free;
		}
		sg_set_page(sg, pages[i], PAGE_SIZE, 0);
	}
	count = dma_map_sg(r->dev, sgt.sgl, sgt.orig_nents, DMA_FROM_DEVICE);
	if (!count) {
		fail(r, "dma_map_sg failed");
		ret = -ENOMEM;
		goto free;
	}
	for_each_sg(sgt.sgl, sg, count, i)
		note_map(r, sg_dma_address(sg));
	/* the bug: half the list */
	dma_sync_sg_for_cpu(r->dev, sgt.sgl, NENTS_PAGES / 2, DMA_FROM_DEVICE);
	truth("finding=sync-sg-nents-mismatch dev=%s addr=0x%llx size=%lu dir=from-device nents=%d sync_nents=%d",
	      dev_name(r->dev), (u64)sg_dma_address(sgt.sgl),
	      NENTS_PAGES * PAGE_SIZE, NENTS_PAGES, NENTS_PAGES / 2);
	dma_unmap_sg(r->dev, sgt.sgl, sgt.orig_nents, DMA_FROM_DEVICE);
free:
	for (i = 0; i < NENTS_PAGES; i++)
		if (pages[i])
			__free_page(pages[i]);
	sg_free_table(&sgt);
	return ret;
}

/*
 * A resource mapping (the peripheral's FIFO) released with dma_unmap_page,
 * then with the right dma_unmap_resource: one finding, the second call
 * folded into it.  Safe on dma-direct: neither call touches the address.
 */
static int sc_unmap_type_mismatch(struct vdmac_run *r)
{
	dma_addr_t addr;

	if (get_dma_ops(r->dev))
		return refuse(r, "not-dma-direct",
			      "the device does not use dma-direct");
	addr = dma_map_resource(r->dev, VDMAC_FIFO_ADDR, 4, DMA_TO_DEVICE, 0);
	if (dma_mapping_error(r->dev, addr)) {
		fail(r, "dma_map_resource failed");
		return -ENOMEM;
	}
	dma_unmap_page(r->dev, addr, 4, DMA_TO_DEVICE);
	dma_unmap_resource(r->dev, addr, 4, DMA_TO_DEVICE, 0);
	truth_map(r, "unmap-type-mismatch", addr, 4, DMA_TO_DEVICE,
		  " kind=resource folds=1");
	return 0;
}

/*
 * Two FROM_DEVICE buffers side by side in one page, the first 96 bytes
 * long: both are mapped at once and share the cacheline at offset 64.  On
 * a non-coherent machine invalidating one corrupts the other; dma-debug
 * calls it "cacheline tracking EEXIST".
 */
#define CL_FIRST	96
#define CL_SECOND	64
static int sc_cacheline_overlap(struct vdmac_run *r)
{
	dma_addr_t a, b;
	struct vbuf buf = {};
	int ret;

	ret = vbuf_alloc(r, &buf, PAGE_SIZE);
	if (ret)
		return ret;
	a = dma_map_page(r->dev, buf.page, 0, CL_FIRST, DMA_FROM_DEVICE);
	if (dma_mapping_error(r->dev, a)) {
		fail(r, "mapping the first buffer failed");
		ret = -ENOMEM;
		goto out;
	}
	note_map(r, a);
	b = dma_map_page(r->dev, buf.page, CL_FIRST, CL_SECOND,
			 DMA_FROM_DEVICE);
	if (dma_mapping_error(r->dev, b)) {
		fail(r, "mapping the second buffer failed");
		ret = -ENOMEM;
	} else {
		note_map(r, b);
		truth("finding=cacheline-overlap dev=%s addr=0x%llx size=%d dir=from-device phys=0x%llx",
		      dev_name(r->dev), (u64)b, CL_SECOND,
		      (u64)page_to_phys(buf.page) + CL_FIRST);
		dma_unmap_page(r->dev, b, CL_SECOND, DMA_FROM_DEVICE);
	}
	dma_unmap_page(r->dev, a, CL_FIRST, DMA_FROM_DEVICE);
out:
	vbuf_free(r, &buf);
	return ret;
}

static int sc_sync_out_of_range(struct vdmac_run *r)
{
	struct vbuf b = {};
	dma_addr_t addr;
	char extra[64];
	int ret;

	/* 8 KiB of ours, 4 KiB mapped: the stray half stays in our memory */
	ret = vbuf_alloc(r, &b, 2 * PAGE_SIZE);
	if (ret)
		return ret;
	addr = dma_map_page(r->dev, b.page, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(r->dev, addr)) {
		fail(r, "mapping failed");
		ret = -ENOMEM;
		goto out;
	}
	note_map(r, addr);
	if (!misuse_safe(r, addr)) {
		ret = refuse(r, "swiotlb-bounce-slot",
			     "swiotlb would copy past its slot (and WARN)");
	} else {
		dma_sync_single_for_cpu(r->dev, addr + PAGE_SIZE / 2,
					PAGE_SIZE, DMA_FROM_DEVICE);
		snprintf(extra, sizeof(extra),
			 " sync_addr=0x%llx sync_size=%lu",
			 (u64)addr + PAGE_SIZE / 2, PAGE_SIZE);
		truth_map(r, "sync-out-of-range", addr, PAGE_SIZE,
			  DMA_FROM_DEVICE, extra);
	}
	dma_unmap_page(r->dev, addr, PAGE_SIZE, DMA_FROM_DEVICE);
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_sync_dir_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* at worst swiotlb copies the slot back into our own buffer */
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	truth_map(r, "sync-dir-mismatch", b.dma, PAGE_SIZE, DMA_TO_DEVICE,
		  " sync_dir=from-device");
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_coherent_via_streaming(struct vdmac_run *r)
{
	dma_addr_t handle;
	void *cpu;
	int ret = 0;

	cpu = dma_alloc_coherent(r->dev, PAGE_SIZE, &handle, GFP_KERNEL);
	if (!cpu) {
		fail(r, "dma_alloc_coherent failed");
		return -ENOMEM;
	}
	if (!misuse_safe(r, handle)) {
		dma_free_coherent(r->dev, PAGE_SIZE, cpu, handle);
		return refuse(r, "not-dma-direct",
			      "coherent memory is not plain dma-direct pages here");
	}
	/*
	 * The bug; then the driver's own, correct dma_free_coherent of the
	 * same memory (still allocated: dma-direct's unmap did not free it).
	 * That free is the bug's consequence, folded into its finding
	 * (folds=1), not a free-not-allocated as dma-debug reports it.
	 */
	dma_unmap_single(r->dev, handle, PAGE_SIZE, DMA_BIDIRECTIONAL);
	dma_free_coherent(r->dev, PAGE_SIZE, cpu, handle);
	truth_map(r, "coherent-via-streaming-api", handle, PAGE_SIZE,
		  DMA_BIDIRECTIONAL, " folds=1");
	return ret;
}

static int sc_streaming_via_coherent(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
	if (ret)
		goto out;
	if (!misuse_safe(r, b.dma)) {
		ret = refuse(r, "swiotlb-bounce-slot",
			     "dma_free_coherent would hand swiotlb's pages to the page allocator");
		goto out;
	}
	/*
	 * Under dma-direct, dma_free_coherent of an order-0 page that is in
	 * no CMA area ends in __free_pages(page, 0): the page we allocated
	 * is returned exactly once, here.
	 */
	dma_free_coherent(r->dev, PAGE_SIZE, b.cpu, b.dma);
	truth_map(r, "streaming-via-coherent-api", b.dma, PAGE_SIZE,
		  DMA_TO_DEVICE, "");
	b.mapped = false;
	b.page = NULL;
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_free_not_allocated(struct vdmac_run *r)
{
	struct dma_pool *pool;
	struct vbuf b = {};
	dma_addr_t addr, da;
	void *a;
	int ret;

	ret = unmapped_addr(r, &b, &addr);
	if (ret)
		goto out;
	pool = dma_pool_create("vdmac-nfa", r->dev, HDR_SIZE, HDR_SIZE, 0);
	if (!pool) {
		ret = -ENOMEM;
		goto out;
	}
	a = dma_pool_alloc(pool, GFP_KERNEL, &da);
	if (a)
		dma_pool_free(pool, a, da);
	/* the bug: a handle that is in none of the pool's pages */
	dma_pool_free(pool, b.cpu, addr);
	dma_pool_destroy(pool);
	truth("finding=free-not-allocated dev=%s addr=0x%llx size=%d pool=vdmac-nfa requires=trace-before-bind",
	      dev_name(r->dev), (u64)addr, HDR_SIZE);
out:
	vbuf_free(r, &b);
	return ret;
}

static int sc_map_error(struct vdmac_run *r)
{
	size_t size = SZ_512K;
	struct vbuf b = {};
	dma_addr_t addr;
	char extra[32];
	int ret;

	/*
	 * On this kernel every other way to make a mapping fail (a mask the
	 * buffer is above, map_resource past the mask) WARNs; a bounce
	 * larger than swiotlb's largest slot run fails quietly with
	 * DMA_ATTR_NO_WARN.
	 */
	if (!is_swiotlb_force_bounce(r->dev) ||
	    dma_max_mapping_size(r->dev) >= size)
		return refuse(r, "needs-swiotlb-force",
			      "boot with swiotlb=force: only a failing bounce fails without a kernel WARNING");
	ret = vbuf_alloc(r, &b, size);
	if (ret)
		return ret;
	addr = dma_map_page_attrs(r->dev, b.page, 0, size, DMA_TO_DEVICE,
				  DMA_ATTR_NO_WARN);
	if (!dma_mapping_error(r->dev, addr)) {
		fail(r, "the oversized mapping succeeded");
		dma_unmap_page(r->dev, addr, size, DMA_TO_DEVICE);
		ret = -EIO;
	} else {
		snprintf(extra, sizeof(extra), " phys=0x%llx",
			 (u64)page_to_phys(b.page));
		truth("finding=map-error dev=%s size=%zu dir=to-device%s",
		      dev_name(r->dev), size, extra);
	}
	vbuf_free(r, &b);
	return ret;
}

/* ---- NUMA ---- */

static int other_node(int nid, enum node_states state)
{
	int n;

	for_each_node_state(n, state)
		if (n != nid)
			return n;
	return NUMA_NO_NODE;
}

static int sc_numa_remote_buffer(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	char extra[80];
	int other, ret;

	if (r->node == NUMA_NO_NODE)
		return refuse(r, "device-has-no-node",
			      "load vdmac with node=N");
	other = other_node(r->node, N_MEMORY);
	if (other == NUMA_NO_NODE)
		return refuse(r, "needs-two-nodes",
			      "needs a second NUMA node with memory");
	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc_on(r, &b, PAGE_SIZE, other, __GFP_THISNODE) ?:
	      vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (!ret) {
		dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE,
					DMA_FROM_DEVICE);
		cpu_touch(r, b.dma, PAGE_SIZE, false);
		check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
		      "rx buffer does not hold the ADC samples");
		/* the buffer's node: under swiotlb, addr is a bounce slot */
		snprintf(extra, sizeof(extra), " phys=0x%llx node=%d dev_node=%d",
			 (u64)page_to_phys(b.page), page_to_nid(b.page), r->node);
		truth_map(r, "numa-remote-buffer", b.dma, PAGE_SIZE,
			  DMA_FROM_DEVICE, extra);
	}
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static long remote_cpu_body(void *arg)
{
	struct vdmac_run *r = arg;
	struct dma_chan *chan;
	struct vbuf b = {};
	char extra[48];
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE);
	if (ret)
		goto out;
	fill_pattern(b.cpu, PAGE_SIZE, 5);
	ret = vbuf_map(r, &b, DMA_TO_DEVICE) ?:
	      xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
	if (!ret) {
		snprintf(extra, sizeof(extra), " cpu=%d cpu_node=%d dev_node=%d",
			 raw_smp_processor_id(), numa_node_id(), r->node);
		truth_map(r, "numa-remote-cpu", b.dma, PAGE_SIZE,
			  DMA_TO_DEVICE, extra);
	}
out:
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_numa_remote_cpu(struct vdmac_run *r)
{
	unsigned int cpu;
	int other;

	if (r->node == NUMA_NO_NODE)
		return refuse(r, "device-has-no-node",
			      "load vdmac with node=N");
	other = other_node(r->node, N_CPU);
	if (other == NUMA_NO_NODE)
		return refuse(r, "needs-two-nodes",
			      "needs a second NUMA node with CPUs");
	cpu = cpumask_any_and(cpumask_of_node(other), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		return refuse(r, "needs-two-nodes", "no online remote CPU");
	return work_on_cpu(cpu, remote_cpu_body, r);
}

/* ---- dmaengine ---- */

static int sc_desc_never_issued(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
	struct dma_chan *chan;
	struct vbuf b = {};
	struct xwait w;
	char extra[64];
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	tx = xprep(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	ret = tx ? xsubmit(r, tx, &w) : -EIO;
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
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_xfer_timeout(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
	struct dma_chan *chan;
	struct vbuf b = {};
	struct xwait w;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	tx = xprep(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	ret = tx ? xsubmit(r, tx, &w) : -EIO;
	if (ret)
		goto out;
	/* a stalled engine: issued, but nothing moves until resume */
	dmaengine_pause(chan);
	dma_async_issue_pending(chan);
	check(r, !wait_for_completion_timeout(&w.done,
					      msecs_to_jiffies(vdmac_timeout_ms)),
	      "the paused channel completed a transfer");
	truth("finding=xfer-timeout dev=%s chan=%s cookie=%d stalled_ms=%u",
	      dev_name(r->dev), dma_chan_name(chan), w.cookie,
	      vdmac_timeout_ms);
	/* then it completes late, so nothing else is planted */
	dmaengine_resume(chan);
	ret = xwait_for(r, chan, &w, WAIT_MS);
	if (!ret) {
		dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE,
					DMA_FROM_DEVICE);
		cpu_touch(r, b.dma, PAGE_SIZE, false);
		check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
		      "late rx does not hold the ADC samples");
		r->bytes += PAGE_SIZE;
	}
out:
	dma_release_channel(chan);
	vbuf_free(r, &b);
	return ret;
}

static int sc_xfer_error(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
	struct vbuf src = {}, dst = {};
	struct dma_chan *chan;
	struct xwait w;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &src, PAGE_SIZE) ?: vbuf_alloc(r, &dst, PAGE_SIZE);
	if (ret)
		goto out;
	fill_pattern(src.cpu, PAGE_SIZE, 9);
	ret = vbuf_map(r, &src, DMA_TO_DEVICE) ?:
	      vbuf_map(r, &dst, DMA_FROM_DEVICE);
	if (ret)
		goto out;
	vdmac_chan_fail_next(chan, 1);
	tx = xprep(r, chan, DMA_MEM_TO_MEM, dst.dma, src.dma, PAGE_SIZE);
	ret = tx ? xsubmit(r, tx, &w) : -EIO;
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
	dma_release_channel(chan);
	vbuf_free(r, &src);
	vbuf_free(r, &dst);
	return ret;
}

/* A transfer to a bus address that is not RAM fails; nothing is touched. */
static int sc_xfer_bus_error(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
	struct dma_chan *chan;
	struct vbuf src = {};
	struct xwait w;
	int ret;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc(r, &src, PAGE_SIZE) ?:
	      vbuf_map(r, &src, DMA_TO_DEVICE);
	if (ret)
		goto out;
	tx = xprep(r, chan, DMA_MEM_TO_MEM, VDMAC_FIFO_ADDR, src.dma,
		   PAGE_SIZE);
	ret = tx ? xsubmit(r, tx, &w) : -EIO;
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
	dma_release_channel(chan);
	vbuf_free(r, &src);
	return ret;
}

static int sc_terminate_in_flight(struct vdmac_run *r)
{
	struct dma_async_tx_descriptor *tx;
	struct vbuf b[2] = {};
	struct xwait w[2];
	struct dma_chan *chan;
	unsigned int i;
	int ret = 0;

	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	for (i = 0; i < 2 && !ret; i++) {
		ret = vbuf_alloc(r, &b[i], PAGE_SIZE) ?:
		      vbuf_map(r, &b[i], DMA_FROM_DEVICE);
		if (ret)
			break;
		tx = xprep(r, chan, DMA_DEV_TO_MEM, b[i].dma, 0, PAGE_SIZE);
		ret = tx ? xsubmit(r, tx, &w[i]) : -EIO;
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

static int sc_swiotlb_bounce(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	int ret;

	ret = vbuf_alloc(r, &b, PAGE_SIZE) ?: vbuf_map(r, &b, DMA_TO_DEVICE);
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

static const struct vdmac_scenario vdmac_scenarios[] = {
	{ "memcpy", "good", sc_memcpy,
	  "64 KiB memcpy between streaming buffers, synced" },
	{ "memcpy-poll", "good", sc_memcpy_poll,
	  "4 memcpys without callbacks, each polled with dma_sync_wait" },
	{ "rx-ring", "good", sc_rx_ring,
	  "ring of 8 FROM_DEVICE buffers filled by the ADC, reused 4 times with syncs" },
	{ "storage-sg", "good", sc_storage_sg,
	  "4 writes of 16 pages via dma_map_sgtable and slave sg to the sink" },
	{ "coherent-ring", "good", sc_coherent_ring,
	  "coherent descriptor ring and a dma_pool of headers, memcpy" },
	{ "stream-start", "good", sc_stream_start,
	  "background memcpy traffic until stream-stop, unbind or unload" },
	{ "stream-stop", "good", sc_stream_stop,
	  "stop the background traffic and check it" },
	{ "leak-at-unbind", "buggy", sc_leak_at_unbind,
	  "map a buffer that the driver leaves mapped when unbound (sysfs unbind)" },
	{ "leak-at-module-unload", "module", NULL,
	  "insmod vdmac_leak.ko what=mapping; rmmod vdmac_leak; run reclaim" },
	{ "channel-leak", "module", NULL,
	  "insmod vdmac_leak.ko what=channel; rmmod vdmac_leak; run reclaim" },
	{ "pool-leak", "buggy", sc_pool_leak,
	  "dma_pool_destroy with a block still allocated" },
	{ "long-held", "buggy", sc_long_held,
	  "hold a mapping until release (leak-suspected, leak-at-exit)" },
	{ "release", "util", sc_release, "unmap what long-held holds" },
	{ "reclaim", "util", sc_reclaim,
	  "release what vdmac_leak.ko left behind" },
	{ "missing-sync-for-cpu", "buggy", sc_missing_sync_for_cpu,
	  "read an rx buffer without sync_for_cpu, hand it back" },
	{ "missing-sync-for-device", "buggy", sc_missing_sync_for_device,
	  "rewrite a TO_DEVICE buffer, send it again without sync_for_device" },
	{ "cpu-access-device-owned", "buggy", sc_cpu_access_device_owned,
	  "read an rx buffer while the device owns it" },
	{ "redundant-sync", "buggy", sc_redundant_sync,
	  "sync_for_cpu twice" },
	{ "map-churn", "buggy", sc_map_churn,
	  "map, transfer and unmap the same buffer 1000 times" },
	{ "double-unmap", "buggy", sc_double_unmap, "unmap a mapping twice" },
	{ "unmap-size-mismatch", "buggy", sc_unmap_size_mismatch,
	  "map 4096 bytes, unmap 2048" },
	{ "unmap-dir-mismatch", "buggy", sc_unmap_dir_mismatch,
	  "map TO_DEVICE, unmap FROM_DEVICE" },
	{ "unmap-not-mapped", "buggy", sc_unmap_not_mapped,
	  "unmap an address never mapped" },
	{ "sync-not-mapped", "buggy", sc_sync_not_mapped,
	  "sync an address never mapped" },
	{ "sync-sg-nents-mismatch", "buggy", sc_sync_sg_nents_mismatch,
	  "dma_sync_sg_for_cpu of 2 of the 4 entries dma_map_sg was given" },
	{ "unmap-type-mismatch", "buggy", sc_unmap_type_mismatch,
	  "dma_unmap_page of a dma_map_resource mapping, then dma_unmap_resource" },
	{ "cacheline-overlap", "buggy", sc_cacheline_overlap,
	  "map two FROM_DEVICE buffers that share a cacheline at once" },
	{ "late-device", "buggy", sc_late_device,
	  "register a device, unmap and sync an address it never mapped" },
	{ "sync-out-of-range", "buggy", sc_sync_out_of_range,
	  "sync 4096 bytes from the middle of a 4096 byte mapping" },
	{ "sync-dir-mismatch", "buggy", sc_sync_dir_mismatch,
	  "map TO_DEVICE, sync FROM_DEVICE" },
	{ "coherent-via-streaming-api", "buggy", sc_coherent_via_streaming,
	  "dma_unmap_single of coherent memory, then its correct dma_free_coherent" },
	{ "streaming-via-coherent-api", "buggy", sc_streaming_via_coherent,
	  "dma_free_coherent of a streaming mapping" },
	{ "free-not-allocated", "buggy", sc_free_not_allocated,
	  "dma_pool_free of a handle the pool never gave out" },
	{ "map-error", "buggy", sc_map_error,
	  "a mapping that fails (needs swiotlb=force)" },
	{ "numa-remote-buffer", "buggy", sc_numa_remote_buffer,
	  "rx into a buffer from another node" },
	{ "numa-remote-cpu", "buggy", sc_numa_remote_cpu,
	  "map from a CPU of another node" },
	{ "desc-never-issued", "buggy", sc_desc_never_issued,
	  "submit without dma_async_issue_pending" },
	{ "xfer-timeout", "buggy", sc_xfer_timeout,
	  "a transfer stalled on a paused channel for xfer_timeout_ms" },
	{ "xfer-error", "buggy", sc_xfer_error,
	  "a transfer that completes with an error" },
	{ "xfer-bus-error", "buggy", sc_xfer_bus_error,
	  "a memcpy to a bus address that is not RAM (the engine refuses it)" },
	{ "terminate-in-flight", "buggy", sc_terminate_in_flight,
	  "terminate a channel with two transfers in flight" },
	{ "swiotlb-bounce", "buggy", sc_swiotlb_bounce,
	  "a mapping bounced through swiotlb (needs swiotlb=force)" },
};

static long run_scenario(void *arg)
{
	struct vdmac_run *r = arg;

	return r->sc->run(r);
}

static const struct vdmac_scenario *find_scenario(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdmac_scenarios); i++)
		if (!strcmp(vdmac_scenarios[i].name, name))
			return &vdmac_scenarios[i];
	return NULL;
}

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	const struct vdmac_scenario *sc;
	struct vdmac_run *r;
	char buf[48], *name;
	unsigned int cpu;
	const char *status;
	long ret;

	if (!count || count >= sizeof(buf)) {
		pr_err("vdmac: run: write one scenario name (see scenarios)\n");
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	name = strim(buf);
	sc = find_scenario(name);
	if (!sc) {
		pr_err("vdmac: run: unknown scenario '%s' (see scenarios)\n",
		       name);
		return -EINVAL;
	}
	if (!sc->run) {
		pr_err("vdmac: run: %s is planted by a module: %s\n", sc->name,
		       sc->what);
		return -EINVAL;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	mutex_lock(&vdmac_mutex);
	if (!vdmac_cur) {
		pr_err("vdmac: run %s: no vdmac device is bound\n", sc->name);
		ret = -ENODEV;
		goto out;
	}
	r->sc = sc;
	r->vd = vdmac_cur;
	r->dev = vdmac_cur->dev;
	r->node = dev_to_node(r->dev);
	vdmac_truth_len = 0;
	vdmac_truth[0] = '\0';

	cpu = nr_cpu_ids;
	if (r->node != NUMA_NO_NODE)
		cpu = cpumask_any_and(cpumask_of_node(r->node),
				      cpu_online_mask);
	if (cpu < nr_cpu_ids)
		ret = work_on_cpu(cpu, run_scenario, r);
	else
		ret = run_scenario(r);

	if (r->bounced)
		truth("finding=swiotlb-bounce dev=%s count=%u",
		      dev_name(r->dev), r->bounced);
	if (r->refused)
		status = "refused";
	else if (r->failures || ret)
		status = "fail";
	else
		status = "pass";
	scnprintf(vdmac_result, sizeof(vdmac_result),
		  "scenario=%s\nstatus=%s\nret=%ld\nbytes=%llu\nchecks=%u\nfailures=%u\nstale_reads=%u\nbounced=%u\ndetail=%s\n",
		  sc->name, status, ret, r->bytes, r->checks, r->failures,
		  r->stale, r->bounced, r->detail);
	if (ret && !r->refused)
		dev_err(r->dev, "scenario %s failed (%ld): %s\n", sc->name,
			ret, r->detail);
out:
	mutex_unlock(&vdmac_mutex);
	kfree(r);
	return ret ? ret : count;
}

static ssize_t text_read(char __user *ubuf, size_t count, loff_t *ppos,
			 const char *text, size_t len)
{
	ssize_t ret;

	mutex_lock(&vdmac_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, text, len);
	mutex_unlock(&vdmac_mutex);
	return ret;
}

static ssize_t truth_read(struct file *file, char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	return text_read(ubuf, count, ppos, vdmac_truth, vdmac_truth_len);
}

static ssize_t result_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	return text_read(ubuf, count, ppos, vdmac_result,
			 strlen(vdmac_result));
}

static int scenarios_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdmac_scenarios); i++)
		seq_printf(m, "%s\t%s\t%s\n", vdmac_scenarios[i].name,
			   vdmac_scenarios[i].kind, vdmac_scenarios[i].what);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scenarios);

static ssize_t inject_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 0, &n);
	if (ret || n > 1000000) {
		pr_err("vdmac: inject_errors: write a count of transfers to fail, 0-1000000\n");
		return -EINVAL;
	}
	atomic_set(&vdmac_inject_errors, n);
	return count;
}

static ssize_t inject_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[16];
	int len = scnprintf(buf, sizeof(buf), "%d\n",
			    atomic_read(&vdmac_inject_errors));

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
	.llseek = noop_llseek,
};

static const struct file_operations truth_fops = {
	.owner = THIS_MODULE,
	.read = truth_read,
	.llseek = default_llseek,
};

static const struct file_operations result_fops = {
	.owner = THIS_MODULE,
	.read = result_read,
	.llseek = default_llseek,
};

static const struct file_operations inject_fops = {
	.owner = THIS_MODULE,
	.read = inject_read,
	.write = inject_write,
	.llseek = default_llseek,
};

/* Called with vdmac_mutex held, before the device unbinds. */
void vdmac_clients_unbind(struct vdmac_dev *vd)
{
	struct vdmac_orphan *o = vd->unbind_leak;

	stream_stop(vd, NULL);
	vdmac_reclaim_orphans(vd);
	release_held(vd);
	if (o) {
		/* the planted leak: the mapping stays, the page goes back */
		dev_info(vd->dev, "unbinding with %pad still mapped (leak-at-unbind scenario)\n",
			 &o->addr);
		__free_pages(o->page, get_order(o->size));
		kfree(o);
		vd->unbind_leak = NULL;
	}
}

/* ---- the interface vdmac_leak.ko plants its leaks through ---- */

struct device *vdmac_get_device(void)
{
	struct device *dev = NULL;

	mutex_lock(&vdmac_mutex);
	if (vdmac_cur)
		dev = get_device(vdmac_cur->dev);
	mutex_unlock(&vdmac_mutex);
	return dev;
}
EXPORT_SYMBOL_GPL(vdmac_get_device);

static void adopt(struct device *dev, struct vdmac_orphan *o)
{
	mutex_lock(&vdmac_mutex);
	if (vdmac_cur && vdmac_cur->dev == dev) {
		list_add_tail(&o->node, &vdmac_cur->orphans);
		o = NULL;
	}
	mutex_unlock(&vdmac_mutex);
	if (o)
		orphan_release(dev, o);
}

void vdmac_adopt_mapping(struct device *dev, struct page *page,
			 dma_addr_t addr, size_t size,
			 enum dma_data_direction dir)
{
	struct vdmac_orphan *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o) {
		dma_unmap_page(dev, addr, size, dir);
		__free_pages(page, get_order(size));
		return;
	}
	o->page = page;
	o->addr = addr;
	o->size = size;
	o->dir = dir;
	adopt(dev, o);
}
EXPORT_SYMBOL_GPL(vdmac_adopt_mapping);

void vdmac_adopt_channel(struct dma_chan *chan)
{
	struct vdmac_orphan *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o) {
		dma_release_channel(chan);
		return;
	}
	o->chan = chan;
	adopt(chan->device->dev, o);
}
EXPORT_SYMBOL_GPL(vdmac_adopt_channel);

void vdmac_publish_truth(const char *scenario, const char *lines)
{
	ssize_t n;

	mutex_lock(&vdmac_mutex);
	n = strscpy(vdmac_truth, lines, TRUTH_SIZE);
	vdmac_truth_len = n < 0 ? TRUTH_SIZE - 1 : n;
	scnprintf(vdmac_result, sizeof(vdmac_result),
		  "scenario=%s\nstatus=pass\nret=0\nbytes=0\nchecks=0\nfailures=0\nstale_reads=0\nbounced=0\ndetail=planted by a module\n",
		  scenario);
	mutex_unlock(&vdmac_mutex);
}
EXPORT_SYMBOL_GPL(vdmac_publish_truth);

int vdmac_clients_init(void)
{
	debugfs_create_file("run", 0200, vdmac_debugfs, NULL, &run_fops);
	debugfs_create_file("scenarios", 0400, vdmac_debugfs, NULL,
			    &scenarios_fops);
	debugfs_create_file("ground_truth", 0400, vdmac_debugfs, NULL,
			    &truth_fops);
	debugfs_create_file("result", 0400, vdmac_debugfs, NULL,
			    &result_fops);
	debugfs_create_file("inject_errors", 0600, vdmac_debugfs, NULL,
			    &inject_fops);
	return 0;
}
