// SPDX-License-Identifier: GPL-2.0
/*
 * scn_leaks.c - scenarios that plant leaks (cli/engine/leaks.c): a mapping
 * left at unbind, a pool destroyed busy, a long-held mapping; and the
 * interface through which vdmac_leak.ko hands over what it leaves behind
 * at unload (leak-at-module-unload, channel-leak), reclaimed later.
 */
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "vdmac_scn.h"

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

int sc_leak_at_unbind(struct vdmac_run *r)
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

int sc_pool_leak(struct vdmac_run *r)
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

int sc_long_held(struct vdmac_run *r)
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

int sc_release(struct vdmac_run *r)
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

int sc_reclaim(struct vdmac_run *r)
{
	vdmac_reclaim_orphans(r->vd);
	dmabuf_reclaim();
	return 0;
}

/*
 * Before the device unbinds (vdmac_mutex held): what vdmac_leak.ko left
 * and long-held holds are released; an armed leak-at-unbind stays mapped.
 */
void leaks_unbind(struct vdmac_dev *vd)
{
	struct vdmac_orphan *o = vd->unbind_leak;

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
