// SPDX-License-Identifier: GPL-2.0
/*
 * vdmac_core.c - the vdmac virtual DMA controller: a platform device and
 * driver registering a dmaengine provider (memcpy and slave scatter-gather
 * to a virtual ADC/sink peripheral) whose channels really move bytes through
 * the dma addresses they are given, completing from an hrtimer that stands
 * in for the hardware and its interrupt: like a real controller it
 * completes while a client busy-polls (dma_sync_wait) on the only CPU of
 * the device's node, which a work item queued there would wait behind.
 *
 * Address assumption: vdmac's device is a platform device, which on x86
 * gets no IOMMU group and no dma_map_ops, so it uses dma-direct: a dma
 * address is a physical address (dma_to_phys() undoes any offset), also
 * for swiotlb bounce slots.  The engine reaches the bytes through the
 * kernel's direct map, phys_to_virt(dma_to_phys()).  probe() refuses a
 * device that is translated by an IOMMU or has dma_map_ops, where that
 * would not hold.
 */
#include <linux/crc32.h>
#include <linux/debugfs.h>
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "vdmac.h"
#include "vdmac_compat.h"

#define CREATE_TRACE_POINTS
#include "vdmac_trace.h"

static unsigned int channels = 4;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Number of DMA channels, 1-16 (default: 4)");

static int node = NUMA_NO_NODE;
module_param(node, int, 0444);
MODULE_PARM_DESC(node, "NUMA node of the device, -1 for none (default: -1)");

static unsigned int dma_bits = 64;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits,
		 "DMA mask width in bits, 24-64; 32 bounces high memory through swiotlb (default: 64)");

static unsigned int xfer_delay_us;
module_param(xfer_delay_us, uint, 0644);
MODULE_PARM_DESC(xfer_delay_us,
		 "Time a transfer takes before its completion, in microseconds (default: 0)");

unsigned int vdmac_timeout_ms = 6000;
module_param_named(xfer_timeout_ms, vdmac_timeout_ms, uint, 0644);
MODULE_PARM_DESC(xfer_timeout_ms,
		 "How long the xfer-timeout scenario keeps a transfer stalled, in ms (default: 6000, above dmascope's 5 s)");

/* serializes scenario runs, the benchmark, bind and unbind */
DEFINE_MUTEX(vdmac_mutex);
atomic_t vdmac_inject_errors = ATOMIC_INIT(0);
struct vdmac_dev *vdmac_cur;
struct dentry *vdmac_debugfs;
static struct platform_device *vdmac_pdev;

static inline struct vdmac_desc *to_vdesc(struct dma_async_tx_descriptor *tx)
{
	return container_of(tx, struct vdmac_desc, tx);
}

struct vdmac_chan *vdmac_to_chan(struct dma_chan *chan)
{
	return container_of(chan, struct vdmac_chan, chan);
}

static const char *vc_name(struct vdmac_chan *vc)
{
	return dev_name(vc->vd->dev);
}

/* ---- cookies: what drivers/dma/dmaengine.h gives in-tree providers ---- */

static void vdmac_cookie_init(struct dma_chan *chan)
{
	chan->cookie = DMA_MIN_COOKIE;
	chan->completed_cookie = DMA_MIN_COOKIE;
}

static dma_cookie_t vdmac_cookie_assign(struct dma_async_tx_descriptor *tx)
{
	struct dma_chan *chan = tx->chan;
	dma_cookie_t cookie = chan->cookie + 1;

	if (cookie < DMA_MIN_COOKIE)
		cookie = DMA_MIN_COOKIE;
	tx->cookie = cookie;
	chan->cookie = cookie;
	return cookie;
}

static void vdmac_cookie_complete(struct dma_async_tx_descriptor *tx)
{
	tx->chan->completed_cookie = tx->cookie;
	tx->cookie = 0;
}

/* ---- the virtual peripheral ---- */

/* The ADC's sample stream: byte number pos of what DEV_TO_MEM produces. */
u8 vdmac_adc_byte(u64 pos)
{
	return (u8)(((u32)pos * 2654435761U) >> 24) ^ (u8)(pos >> 16);
}
EXPORT_SYMBOL_GPL(vdmac_adc_byte);

void vdmac_chan_sink(struct dma_chan *chan, u32 *crc, u64 *bytes)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	*crc = vc->sink_crc;
	*bytes = vc->sink_bytes;
	spin_unlock_irqrestore(&vc->lock, flags);
}

u64 vdmac_chan_adc_pos(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;
	u64 pos;

	spin_lock_irqsave(&vc->lock, flags);
	pos = vc->adc_pos;
	spin_unlock_irqrestore(&vc->lock, flags);
	return pos;
}

void vdmac_chan_fail_next(struct dma_chan *chan, unsigned int n)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	vc->fail_next = n;
	spin_unlock_irqrestore(&vc->lock, flags);
}

void vdmac_chan_set_delay(struct dma_chan *chan, unsigned int us)
{
	WRITE_ONCE(vdmac_to_chan(chan)->delay_us, us);
}

bool vdmac_filter(struct dma_chan *chan, void *param)
{
	return chan->device->dev == param;
}
EXPORT_SYMBOL_GPL(vdmac_filter);

/*
 * The bytes behind [addr, addr + len), or NULL when they are not RAM: a
 * bus error for the transfer, never a stray access.  Online memory pages
 * only, checked without locks: this runs in the timer's hard interrupt,
 * which must not take resource_lock (region_intersects) because process
 * context writes it with interrupts enabled.
 */
static void *vdmac_bus_to_virt(struct vdmac_dev *vd, dma_addr_t addr,
			       size_t len)
{
	phys_addr_t phys = dma_to_phys(vd->dev, addr);
	unsigned long pfn;

	if (!len || phys + len < phys)
		return NULL;
	/* all of it online RAM, so all of it in the direct map */
	for (pfn = PHYS_PFN(phys); pfn <= PHYS_PFN(phys + len - 1); pfn++)
		if (!pfn_to_online_page(pfn))
			return NULL;
	return phys_to_virt(phys);
}

/* Moves one descriptor's bytes; called without the channel lock. */
static enum dmaengine_tx_result vdmac_execute(struct vdmac_chan *vc,
					      struct vdmac_desc *d)
{
	struct vdmac_dev *vd = vc->vd;
	unsigned long flags;
	unsigned int i;
	u32 crc = 0;
	size_t k;
	u64 pos;

	for (i = 0; i < d->nsegs; i++) {
		struct vdmac_seg *s = &d->segs[i];
		u8 *src = NULL, *dst = NULL;

		if (d->dir != DMA_DEV_TO_MEM) {
			src = vdmac_bus_to_virt(vd, s->src, s->len);
			if (!src) {
				dev_err(vd->dev, "chan %u: read from non-RAM bus address %pad\n",
					vc->index, &s->src);
				return DMA_TRANS_READ_FAILED;
			}
		}
		if (d->dir != DMA_MEM_TO_DEV) {
			dst = vdmac_bus_to_virt(vd, s->dst, s->len);
			if (!dst) {
				dev_err(vd->dev, "chan %u: write to non-RAM bus address %pad\n",
					vc->index, &s->dst);
				return DMA_TRANS_WRITE_FAILED;
			}
		}
		/*
		 * Only this channel's timer moves bytes and changes the
		 * peripheral state, so the copies need no lock; the lock
		 * publishes the new state to the clients' accessors.
		 */
		switch (d->dir) {
		case DMA_MEM_TO_MEM:
			memcpy(dst, src, s->len);
			break;
		case DMA_DEV_TO_MEM:
			pos = READ_ONCE(vc->adc_pos);
			for (k = 0; k < s->len; k++)
				dst[k] = vdmac_adc_byte(pos + k);
			break;
		case DMA_MEM_TO_DEV:
			crc = crc32_le(READ_ONCE(vc->sink_crc), src, s->len);
			break;
		default:
			break;
		}
		spin_lock_irqsave(&vc->lock, flags);
		if (d->dir == DMA_DEV_TO_MEM)
			vc->adc_pos += s->len;
		if (d->dir == DMA_MEM_TO_DEV) {
			vc->sink_crc = crc;
			vc->sink_bytes += s->len;
		}
		vc->bytes_moved += s->len;
		spin_unlock_irqrestore(&vc->lock, flags);
	}
	return DMA_TRANS_NOERROR;
}

/* Makes the next issued descriptor the active one.  vc->lock held. */
static void vdmac_start_next(struct vdmac_chan *vc)
{
	struct vdmac_desc *d;

	if (vc->active || vc->paused || list_empty(&vc->issued))
		return;
	d = list_first_entry(&vc->issued, struct vdmac_desc, node);
	list_del_init(&d->node);
	vc->active = d;
	hrtimer_start(&vc->timer,
		      ns_to_ktime((u64)READ_ONCE(vc->delay_us) * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
}

/*
 * The "hardware" and its interrupt: runs the active descriptor when the
 * transfer time is up, then completes it, in hard interrupt context.  Not
 * softirq: a client busy-polling in a kworker (dma_sync_wait) on a kernel
 * without preemption starves ksoftirqd once softirqs are deferred to it,
 * and traced under emulation they were (measured: dma_sync_wait timed
 * out).  Real controllers' interrupts are not deferred either.
 */
static enum hrtimer_restart vdmac_chan_irq(struct hrtimer *timer)
{
	struct vdmac_chan *vc = container_of(timer, struct vdmac_chan, timer);
	struct dmaengine_result res = { 0 };
	struct vdmac_desc *d;
	unsigned long flags;
	dma_cookie_t cookie;
	bool fail = false;

	spin_lock_irqsave(&vc->lock, flags);
	d = vc->active;
	if (!d || vc->paused) {
		spin_unlock_irqrestore(&vc->lock, flags);
		return HRTIMER_NORESTART;
	}
	if (vc->fail_next) {
		vc->fail_next--;
		fail = true;
	}
	spin_unlock_irqrestore(&vc->lock, flags);

	if (atomic_add_unless(&vdmac_inject_errors, -1, 0))
		fail = true;
	trace_vdmac_xfer_start(vc_name(vc), vc->index, d->id, d->tx.cookie);
	res.result = fail ? DMA_TRANS_READ_FAILED : vdmac_execute(vc, d);
	res.residue = res.result == DMA_TRANS_NOERROR ? 0 : d->len;

	spin_lock_irqsave(&vc->lock, flags);
	if (vc->active != d) {
		/* terminated meanwhile: device_synchronize frees it */
		spin_unlock_irqrestore(&vc->lock, flags);
		return HRTIMER_NORESTART;
	}
	vc->active = NULL;
	cookie = d->tx.cookie;
	vdmac_cookie_complete(&d->tx);
	if (res.result == DMA_TRANS_NOERROR)
		trace_vdmac_complete(vc_name(vc), vc->index, d->id, cookie, 0, 0);
	else
		trace_vdmac_error(vc_name(vc), vc->index, d->id, cookie,
				  res.result, res.residue);
	vdmac_start_next(vc);
	spin_unlock_irqrestore(&vc->lock, flags);

	if (d->tx.callback_result)
		d->tx.callback_result(d->tx.callback_param, &res);
	else if (d->tx.callback)
		d->tx.callback(d->tx.callback_param);
	kfree(d);
	return HRTIMER_NORESTART;
}

/* ---- dmaengine provider ---- */

static dma_cookie_t vdmac_tx_submit(struct dma_async_tx_descriptor *tx)
{
	struct vdmac_chan *vc = vdmac_to_chan(tx->chan);
	struct vdmac_desc *d = to_vdesc(tx);
	unsigned long flags;
	dma_cookie_t cookie;

	spin_lock_irqsave(&vc->lock, flags);
	cookie = vdmac_cookie_assign(tx);
	list_move_tail(&d->node, &vc->submitted);
	trace_vdmac_submit(vc_name(vc), vc->index, d->id, cookie);
	spin_unlock_irqrestore(&vc->lock, flags);
	return cookie;
}

static struct vdmac_desc *vdmac_desc_new(struct vdmac_chan *vc,
					 unsigned int nsegs,
					 enum dma_transfer_direction dir,
					 unsigned long flags)
{
	struct vdmac_desc *d;
	unsigned long irqflags;

	d = kzalloc(struct_size(d, segs, nsegs), GFP_NOWAIT);
	if (!d)
		return NULL;
	dma_async_tx_descriptor_init(&d->tx, &vc->chan);
	d->tx.flags = flags;
	d->tx.tx_submit = vdmac_tx_submit;
	d->id = atomic64_inc_return(&vc->vd->desc_ids);
	d->dir = dir;
	d->nsegs = nsegs;
	spin_lock_irqsave(&vc->lock, irqflags);
	list_add_tail(&d->node, &vc->allocated);
	spin_unlock_irqrestore(&vc->lock, irqflags);
	return d;
}

static void vdmac_trace_prep(struct vdmac_chan *vc, struct vdmac_desc *d)
{
	unsigned int i;

	trace_vdmac_desc_prep(vc_name(vc), vc->index, d->id, d->dir,
			      d->segs[0].src, d->segs[0].dst, d->len,
			      d->nsegs);
	for (i = 0; i < d->nsegs; i++)
		trace_vdmac_desc_seg(vc_name(vc), vc->index, d->id, i,
				     d->segs[i].src, d->segs[i].dst,
				     d->segs[i].len);
}

static struct dma_async_tx_descriptor *
vdmac_prep_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		  size_t len, unsigned long flags)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	struct vdmac_desc *d;

	if (!len || len > VDMAC_MAX_XFER)
		return NULL;
	d = vdmac_desc_new(vc, 1, DMA_MEM_TO_MEM, flags);
	if (!d)
		return NULL;
	d->segs[0].src = src;
	d->segs[0].dst = dst;
	d->segs[0].len = len;
	d->len = len;
	vdmac_trace_prep(vc, d);
	return &d->tx;
}

static struct dma_async_tx_descriptor *
vdmac_prep_slave_sg(struct dma_chan *chan, struct scatterlist *sgl,
		    unsigned int sg_len, enum dma_transfer_direction dir,
		    unsigned long flags, void *context)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	struct scatterlist *sg;
	struct vdmac_desc *d;
	unsigned int i;

	if (!sg_len || (dir != DMA_DEV_TO_MEM && dir != DMA_MEM_TO_DEV))
		return NULL;
	if (dir == DMA_DEV_TO_MEM && vc->cfg.src_addr != VDMAC_FIFO_ADDR)
		return NULL;
	if (dir == DMA_MEM_TO_DEV && vc->cfg.dst_addr != VDMAC_FIFO_ADDR)
		return NULL;
	d = vdmac_desc_new(vc, sg_len, dir, flags);
	if (!d)
		return NULL;
	for_each_sg(sgl, sg, sg_len, i) {
		struct vdmac_seg *s = &d->segs[i];

		s->len = sg_dma_len(sg);
		if (dir == DMA_DEV_TO_MEM) {
			s->src = vc->cfg.src_addr;
			s->dst = sg_dma_address(sg);
		} else {
			s->src = sg_dma_address(sg);
			s->dst = vc->cfg.dst_addr;
		}
		d->len += s->len;
	}
	if (!d->len || d->len > VDMAC_MAX_XFER) {
		unsigned long irqflags;

		spin_lock_irqsave(&vc->lock, irqflags);
		list_del(&d->node);
		spin_unlock_irqrestore(&vc->lock, irqflags);
		kfree(d);
		return NULL;
	}
	vdmac_trace_prep(vc, d);
	return &d->tx;
}

static int vdmac_config(struct dma_chan *chan, struct dma_slave_config *cfg)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	vc->cfg = *cfg;
	spin_unlock_irqrestore(&vc->lock, flags);
	return 0;
}

static void vdmac_issue_pending(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	struct list_head *pos;
	unsigned long flags;
	u32 n = 0;

	spin_lock_irqsave(&vc->lock, flags);
	list_for_each(pos, &vc->submitted)
		n++;
	list_splice_tail_init(&vc->submitted, &vc->issued);
	trace_vdmac_issue_pending(vc_name(vc), vc->index, n);
	vdmac_start_next(vc);
	spin_unlock_irqrestore(&vc->lock, flags);
}

static int vdmac_pause(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	vc->paused = true;
	spin_unlock_irqrestore(&vc->lock, flags);
	return 0;
}

static int vdmac_resume(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	spin_lock_irqsave(&vc->lock, flags);
	vc->paused = false;
	if (vc->active)
		hrtimer_start(&vc->timer, 0, HRTIMER_MODE_REL_HARD);
	else
		vdmac_start_next(vc);
	spin_unlock_irqrestore(&vc->lock, flags);
	return 0;
}

static int vdmac_terminate_all(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	struct list_head *pos;
	unsigned long flags;
	u32 in_flight = 0, pending = 0;

	spin_lock_irqsave(&vc->lock, flags);
	list_for_each(pos, &vc->issued)
		in_flight++;
	list_for_each(pos, &vc->submitted)
		pending++;
	if (vc->active) {
		in_flight++;
		list_add_tail(&vc->active->node, &vc->terminated);
		vc->active = NULL;
	}
	list_splice_tail_init(&vc->issued, &vc->terminated);
	list_splice_tail_init(&vc->submitted, &vc->terminated);
	vc->paused = false;
	trace_vdmac_terminate(vc_name(vc), vc->index, in_flight, pending);
	spin_unlock_irqrestore(&vc->lock, flags);
	return 0;
}

static void vdmac_free_list(struct vdmac_chan *vc, struct list_head *list)
{
	struct vdmac_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(dead);

	spin_lock_irqsave(&vc->lock, flags);
	list_splice_init(list, &dead);
	spin_unlock_irqrestore(&vc->lock, flags);
	list_for_each_entry_safe(d, n, &dead, node)
		kfree(d);
}

static void vdmac_synchronize(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);

	unsigned long flags;

	/*
	 * A running timer may still be moving a terminated one's bytes:
	 * cancel waits for it.  A descriptor issued since the terminate
	 * lost its timer with that: start it again.
	 */
	hrtimer_cancel(&vc->timer);
	spin_lock_irqsave(&vc->lock, flags);
	if (vc->active && !vc->paused)
		hrtimer_start(&vc->timer, 0, HRTIMER_MODE_REL_HARD);
	spin_unlock_irqrestore(&vc->lock, flags);
	vdmac_free_list(vc, &vc->terminated);
}

static enum dma_status vdmac_tx_status(struct dma_chan *chan,
				       dma_cookie_t cookie,
				       struct dma_tx_state *state)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	dma_cookie_t used = chan->cookie, done = chan->completed_cookie;
	enum dma_status st;

	if (state) {
		state->last = done;
		state->used = used;
		state->residue = 0;
		state->in_flight_bytes = 0;
	}
	st = dma_async_is_complete(cookie, done, used);
	if (st != DMA_COMPLETE && READ_ONCE(vc->paused))
		st = DMA_PAUSED;
	return st;
}

static int vdmac_alloc_chan_resources(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);
	unsigned long flags;

	vdmac_cookie_init(chan);
	spin_lock_irqsave(&vc->lock, flags);
	vc->paused = false;
	vc->fail_next = 0;
	vc->delay_us = READ_ONCE(xfer_delay_us);
	vc->adc_pos = 0;
	vc->sink_crc = 0;
	vc->sink_bytes = 0;
	memset(&vc->cfg, 0, sizeof(vc->cfg));
	spin_unlock_irqrestore(&vc->lock, flags);
	trace_vdmac_chan_alloc(vc_name(vc), vc->index);
	return 0;
}

static void vdmac_free_chan_resources(struct dma_chan *chan)
{
	struct vdmac_chan *vc = vdmac_to_chan(chan);

	vdmac_terminate_all(chan);
	vdmac_synchronize(chan);
	vdmac_free_list(vc, &vc->allocated);
	trace_vdmac_chan_free(vc_name(vc), vc->index);
}

/* debugfs "channels": one line per channel, for people and scripts */
static int channels_show(struct seq_file *m, void *v)
{
	struct vdmac_dev *vd;
	unsigned long flags;
	unsigned int i;

	mutex_lock(&vdmac_mutex);
	vd = vdmac_cur;
	if (!vd)
		seq_puts(m, "# no vdmac device is bound\n");
	for (i = 0; vd && i < vd->nr_chans; i++) {
		struct vdmac_chan *vc = &vd->chans[i];
		struct list_head *pos;
		unsigned int sub = 0, iss = 0;
		bool paused, active;
		u64 moved;

		spin_lock_irqsave(&vc->lock, flags);
		list_for_each(pos, &vc->submitted)
			sub++;
		list_for_each(pos, &vc->issued)
			iss++;
		paused = vc->paused;
		active = vc->active;
		moved = vc->bytes_moved;
		spin_unlock_irqrestore(&vc->lock, flags);
		seq_printf(m, "chan=%u name=%s dev=%s in_use=%d paused=%d active=%d issued=%u submitted=%u bytes_moved=%llu\n",
			   i, dma_chan_name(&vc->chan), dev_name(vd->dev),
			   vc->chan.client_count > 0, paused, active, iss, sub,
			   moved);
	}
	mutex_unlock(&vdmac_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(channels);

/* ---- platform driver ---- */

static int vdmac_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct vdmac_dev *vd;
	struct dma_device *dd;
	unsigned int i;
	int ret;

	if (node != NUMA_NO_NODE)
		set_dev_node(dev, node);
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(dma_bits));
	if (ret) {
		dev_err(dev, "dma_bits=%u: mask not supported (%d)\n", dma_bits,
			ret);
		return ret;
	}
	if (get_dma_ops(dev) || device_iommu_mapped(dev)) {
		dev_err(dev, "not dma-direct: dma addresses would not be physical\n");
		return -ENODEV;
	}

	vd = devm_kzalloc(dev, struct_size(vd, chans, channels), GFP_KERNEL);
	if (!vd)
		return -ENOMEM;
	vd->pdev = pdev;
	vd->dev = dev;
	vd->nr_chans = channels;
	INIT_LIST_HEAD(&vd->orphans);
	INIT_LIST_HEAD(&vd->held);

	dd = &vd->dma;
	dd->dev = dev;
	dma_cap_set(DMA_MEMCPY, dd->cap_mask);
	dma_cap_set(DMA_SLAVE, dd->cap_mask);
	/* only clients that ask for vdmac get its channels */
	dma_cap_set(DMA_PRIVATE, dd->cap_mask);
	dd->src_addr_widths = BIT(DMA_SLAVE_BUSWIDTH_1_BYTE) |
			      BIT(DMA_SLAVE_BUSWIDTH_4_BYTES);
	dd->dst_addr_widths = dd->src_addr_widths;
	dd->directions = BIT(DMA_MEM_TO_MEM) | BIT(DMA_MEM_TO_DEV) |
			 BIT(DMA_DEV_TO_MEM);
	dd->residue_granularity = DMA_RESIDUE_GRANULARITY_DESCRIPTOR;
	dd->device_alloc_chan_resources = vdmac_alloc_chan_resources;
	dd->device_free_chan_resources = vdmac_free_chan_resources;
	dd->device_prep_dma_memcpy = vdmac_prep_memcpy;
	dd->device_prep_slave_sg = vdmac_prep_slave_sg;
	dd->device_config = vdmac_config;
	dd->device_pause = vdmac_pause;
	dd->device_resume = vdmac_resume;
	dd->device_terminate_all = vdmac_terminate_all;
	dd->device_synchronize = vdmac_synchronize;
	dd->device_tx_status = vdmac_tx_status;
	dd->device_issue_pending = vdmac_issue_pending;
	INIT_LIST_HEAD(&dd->channels);
	for (i = 0; i < channels; i++) {
		struct vdmac_chan *vc = &vd->chans[i];

		vc->vd = vd;
		vc->index = i;
		spin_lock_init(&vc->lock);
		INIT_LIST_HEAD(&vc->allocated);
		INIT_LIST_HEAD(&vc->submitted);
		INIT_LIST_HEAD(&vc->issued);
		INIT_LIST_HEAD(&vc->terminated);
		vdmac_hrtimer_setup(&vc->timer, vdmac_chan_irq, CLOCK_MONOTONIC,
				    HRTIMER_MODE_REL_HARD);
		vc->chan.device = dd;
		list_add_tail(&vc->chan.device_node, &dd->channels);
	}
	ret = dma_async_device_register(dd);
	if (ret)
		return ret;
	platform_set_drvdata(pdev, vd);

	mutex_lock(&vdmac_mutex);
	vdmac_cur = vd;
	mutex_unlock(&vdmac_mutex);
	dev_info(dev, "%u channels, node %d, dma mask %u bits\n", channels,
		 dev_to_node(dev), dma_bits);
	return 0;
}

static vdmac_remove_ret vdmac_remove(struct platform_device *pdev)
{
	struct vdmac_dev *vd = platform_get_drvdata(pdev);
	unsigned int i;

	mutex_lock(&vdmac_mutex);
	vdmac_clients_unbind(vd);
	vdmac_cur = NULL;
	mutex_unlock(&vdmac_mutex);

	dma_async_device_unregister(&vd->dma);
	for (i = 0; i < vd->nr_chans; i++)
		hrtimer_cancel(&vd->chans[i].timer);
	return VDMAC_REMOVE_OK;
}

static struct platform_driver vdmac_driver = {
	.probe = vdmac_probe,
	.remove = vdmac_remove,
	.driver = {
		.name = VDMAC_NAME,
	},
};

static int __init vdmac_init(void)
{
	int ret;

	if (!channels || channels > VDMAC_MAX_CHANNELS) {
		pr_err("vdmac: channels=%u: must be 1-%d\n", channels,
		       VDMAC_MAX_CHANNELS);
		return -EINVAL;
	}
	if (dma_bits < 24 || dma_bits > 64) {
		pr_err("vdmac: dma_bits=%u: must be 24-64\n", dma_bits);
		return -EINVAL;
	}
	if (node != NUMA_NO_NODE &&
	    (node < 0 || node >= MAX_NUMNODES || !node_online(node))) {
		pr_err("vdmac: node=%d: not an online NUMA node\n", node);
		return -EINVAL;
	}

	vdmac_debugfs = debugfs_create_dir(VDMAC_NAME, NULL);
	debugfs_create_file("channels", 0400, vdmac_debugfs, NULL,
			    &channels_fops);
	ret = vdmac_clients_init();
	if (ret)
		goto err_debugfs;
	ret = vdmac_bench_init();
	if (ret)
		goto err_debugfs;
	ret = platform_driver_register(&vdmac_driver);
	if (ret)
		goto err_debugfs;
	vdmac_pdev = platform_device_register_simple(VDMAC_NAME, 0, NULL, 0);
	if (IS_ERR(vdmac_pdev)) {
		ret = PTR_ERR(vdmac_pdev);
		goto err_driver;
	}
	mutex_lock(&vdmac_mutex);
	ret = vdmac_cur ? 0 : -ENODEV;
	mutex_unlock(&vdmac_mutex);
	if (ret) {
		pr_err("vdmac: probe failed, see above\n");
		platform_device_unregister(vdmac_pdev);
		goto err_driver;
	}
	return 0;

err_driver:
	platform_driver_unregister(&vdmac_driver);
err_debugfs:
	debugfs_remove_recursive(vdmac_debugfs);
	return ret;
}

static void __exit vdmac_exit(void)
{
	/* files first: no scenario can start while the device goes */
	debugfs_remove_recursive(vdmac_debugfs);
	scn_isolation_exit();
	scn_masks_exit();
	platform_device_unregister(vdmac_pdev);
	platform_driver_unregister(&vdmac_driver);
}

module_init(vdmac_init);
module_exit(vdmac_exit);

MODULE_DESCRIPTION("Virtual DMA controller with instrumented DMA API clients");
MODULE_LICENSE("GPL");
