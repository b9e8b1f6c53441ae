// SPDX-License-Identifier: GPL-2.0
/*
 * scn_dmabuf.c - vdmac as a dma-buf exporter and importer (it attaches its
 * own device) and as a dma_fence signaller: the scenarios that plant the
 * dma-buf findings of cli/engine/dmabuf.c, and the export that
 * vdmac_leak.ko leaks at its unload (dmabuf-leak).
 *
 * The exporter backs a buffer with pages of the device's node and maps an
 * attachment with dma_map_sgtable for the importing device.  An attachment
 * its importer detaches while still mapped is unmapped by the exporter's
 * detach, so the DMA API sees every mapping undone: only the dma-buf layer
 * shows the importer's bug.
 */
#include <linux/dma-buf.h>
#include <linux/dma-direct.h>
#include <linux/dma-fence.h>
#include <linux/dma-mapping.h>
#include <linux/file.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/swiotlb.h>
#include <trace/events/dma_fence.h>

#include "vdmac_compat.h"
#include "vdmac_scn.h"

VDMAC_IMPORT_NS_DMA_BUF();

#define DMABUF_SIZE	(4 * PAGE_SIZE)

/* The exporter's buffer. */
struct vdmac_dmabuf {
	struct device *dev;
	struct page *pages;
	unsigned int order;
	unsigned int bounced;	/* attachment maps that bounced */
	struct dma_buf *buf;
	struct list_head orphan;	/* left by vdmac_leak.ko */
};

/* One attachment's mapping, kept until its unmap or detach. */
struct vdmac_dmabuf_att {
	struct sg_table *sgt;
	enum dma_data_direction dir;
};

static LIST_HEAD(dmabuf_orphans);

/*
 * The last reference: a kernel thread's fput (scenarios run in a kworker)
 * is deferred to a work item; flushing it releases the buffer now, so its
 * release is in the run and vdmac can be unloaded right after.
 */
static void buf_put(struct dma_buf *buf)
{
	dma_buf_put(buf);
	flush_delayed_fput();
}
static DEFINE_MUTEX(dmabuf_orphans_lock);

static int vdb_attach(struct dma_buf *buf, struct dma_buf_attachment *att)
{
	struct vdmac_dmabuf_att *a = kzalloc(sizeof(*a), GFP_KERNEL);

	if (!a)
		return -ENOMEM;
	att->priv = a;
	return 0;
}

static void vdb_unmap_sgt(struct dma_buf_attachment *att, struct sg_table *sgt,
			  enum dma_data_direction dir)
{
	struct vdmac_dmabuf_att *a = att->priv;

	dma_unmap_sgtable(att->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
	if (a && a->sgt == sgt)
		a->sgt = NULL;
}

static void vdb_detach(struct dma_buf *buf, struct dma_buf_attachment *att)
{
	struct vdmac_dmabuf_att *a = att->priv;

	/* what the importer left mapped: the DMA API mapping is undone */
	if (a && a->sgt)
		vdb_unmap_sgt(att, a->sgt, a->dir);
	kfree(a);
	att->priv = NULL;
}

static struct sg_table *vdb_map(struct dma_buf_attachment *att,
				enum dma_data_direction dir)
{
	struct vdmac_dmabuf *vb = att->dmabuf->priv;
	struct vdmac_dmabuf_att *a = att->priv;
	struct sg_table *sgt;
	int ret;

	if (a->sgt)
		return ERR_PTR(-EBUSY);
	sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	if (!sgt)
		return ERR_PTR(-ENOMEM);
	ret = sg_alloc_table(sgt, 1, GFP_KERNEL);
	if (ret)
		goto err_free;
	sg_set_page(sgt->sgl, vb->pages, att->dmabuf->size, 0);
	ret = dma_map_sgtable(att->dev, sgt, dir, 0);
	if (ret)
		goto err_table;
	if (vdmac_is_swiotlb_buffer(att->dev,
				    dma_to_phys(att->dev,
						sg_dma_address(sgt->sgl))))
		vb->bounced++;
	a->sgt = sgt;
	a->dir = dir;
	return sgt;
err_table:
	sg_free_table(sgt);
err_free:
	kfree(sgt);
	return ERR_PTR(ret);
}

static void vdb_unmap(struct dma_buf_attachment *att, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	vdb_unmap_sgt(att, sgt, dir);
}

static void vdb_release(struct dma_buf *buf)
{
	struct vdmac_dmabuf *vb = buf->priv;

	__free_pages(vb->pages, vb->order);
	put_device(vb->dev);
	kfree(vb);
}

static const struct dma_buf_ops vdmac_dmabuf_ops = {
	.attach = vdb_attach,
	.detach = vdb_detach,
	.map_dma_buf = vdb_map,
	.unmap_dma_buf = vdb_unmap,
	.release = vdb_release,
};

/*
 * A buffer of size bytes from dev's node, exported by vdmac (the owner
 * module: it stays loaded while the buffer lives).  Not inline: the export
 * stack names the caller's module.
 */
noinline struct dma_buf *vdmac_dmabuf_export(struct device *dev, size_t size)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct vdmac_dmabuf *vb;
	struct dma_buf *buf;

	vb = kzalloc(sizeof(*vb), GFP_KERNEL);
	if (!vb)
		return ERR_PTR(-ENOMEM);
	vb->order = get_order(size);
	vb->pages = alloc_pages_node(dev_to_node(dev), GFP_KERNEL | __GFP_ZERO,
				     vb->order);
	if (!vb->pages) {
		kfree(vb);
		return ERR_PTR(-ENOMEM);
	}
	vb->dev = get_device(dev);
	INIT_LIST_HEAD(&vb->orphan);
	exp.ops = &vdmac_dmabuf_ops;
	exp.size = size;
	exp.flags = O_RDWR;
	exp.priv = vb;
	buf = dma_buf_export(&exp);
	if (IS_ERR(buf)) {
		put_device(dev);
		__free_pages(vb->pages, vb->order);
		kfree(vb);
		return buf;
	}
	vb->buf = buf;
	return buf;
}
EXPORT_SYMBOL_GPL(vdmac_dmabuf_export);

/* A buffer its exporting client left behind: released on "run reclaim". */
void vdmac_adopt_dmabuf(struct dma_buf *buf)
{
	struct vdmac_dmabuf *vb = buf->priv;

	mutex_lock(&dmabuf_orphans_lock);
	list_add_tail(&vb->orphan, &dmabuf_orphans);
	mutex_unlock(&dmabuf_orphans_lock);
}
EXPORT_SYMBOL_GPL(vdmac_adopt_dmabuf);

void dmabuf_reclaim(void)
{
	struct vdmac_dmabuf *vb, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&dmabuf_orphans_lock);
	list_splice_init(&dmabuf_orphans, &gone);
	mutex_unlock(&dmabuf_orphans_lock);
	list_for_each_entry_safe(vb, tmp, &gone, orphan) {
		list_del_init(&vb->orphan);
		buf_put(vb->buf);
	}
}

/* ---- the importer: vdmac's own device ---- */

/*
 * Export a buffer and attach vdmac's device to it; map it unless
 * !map.  *attp and *sgtp get what was made.
 */
static int import(struct vdmac_run *r, struct dma_buf **bufp,
		  struct dma_buf_attachment **attp, struct sg_table **sgtp)
{
	struct dma_buf_attachment *att;
	struct sg_table *sgt;
	struct dma_buf *buf;

	buf = vdmac_dmabuf_export(r->dev, DMABUF_SIZE);
	if (IS_ERR(buf)) {
		fail(r, "dma_buf_export failed: %ld", PTR_ERR(buf));
		return PTR_ERR(buf);
	}
	att = dma_buf_attach(buf, r->dev);
	if (IS_ERR(att)) {
		fail(r, "dma_buf_attach failed: %ld", PTR_ERR(att));
		buf_put(buf);
		return PTR_ERR(att);
	}
	sgt = dma_buf_map_attachment_unlocked(att, DMA_BIDIRECTIONAL);
	if (IS_ERR(sgt)) {
		fail(r, "dma_buf_map_attachment failed: %ld", PTR_ERR(sgt));
		dma_buf_detach(buf, att);
		buf_put(buf);
		return PTR_ERR(sgt);
	}
	check(r, sg_dma_len(sgt->sgl) == DMABUF_SIZE,
	      "the attachment maps the whole buffer");
	r->bytes += DMABUF_SIZE;
	*bufp = buf;
	*attp = att;
	*sgtp = sgt;
	return 0;
}

/* The buffer's bounces (swiotlb=force) are the run's, for its truth. */
static void done(struct vdmac_run *r, struct dma_buf *buf)
{
	struct vdmac_dmabuf *vb = buf->priv;

	r->bounced += vb->bounced;
	buf_put(buf);
}

/* ---- fences ---- */

static const char *fence_name(struct dma_fence *f)
{
	return "vdmac";
}

static const struct dma_fence_ops vdmac_fence_ops = {
	.get_driver_name = fence_name,
	.get_timeline_name = fence_name,
};

static DEFINE_SPINLOCK(fence_lock);

/* A fence of a new context, emitted (handed to "hardware"). */
static struct dma_fence *fence_emit(struct vdmac_run *r)
{
	struct dma_fence *f = kzalloc(sizeof(*f), GFP_KERNEL);

	if (!f) {
		fail(r, "no memory for a fence");
		return NULL;
	}
	dma_fence_init(f, &vdmac_fence_ops, &fence_lock,
		       dma_fence_context_alloc(1), 1);
	trace_dma_fence_emit(f);
	return f;
}

/* ---- the scenarios ---- */

int sc_dmabuf_good(struct vdmac_run *r)
{
	struct dma_buf_attachment *att;
	struct sg_table *sgt;
	struct dma_buf *buf;
	struct dma_fence *f;
	int ret;

	ret = import(r, &buf, &att, &sgt);
	if (ret)
		return ret;
	f = fence_emit(r);
	if (f) {
		dma_fence_signal(f);
		check(r, dma_fence_is_signaled(f), "the fence is signalled");
		dma_fence_put(f);
	}
	dma_buf_unmap_attachment_unlocked(att, sgt, DMA_BIDIRECTIONAL);
	dma_buf_detach(buf, att);
	done(r, buf);
	return f ? 0 : -ENOMEM;
}

int sc_dmabuf_map_leak(struct vdmac_run *r)
{
	struct dma_buf_attachment *att;
	struct sg_table *sgt;
	struct dma_buf *buf;
	int ret;

	ret = import(r, &buf, &att, &sgt);
	if (ret)
		return ret;
	truth("finding=dmabuf-map-leak dev=%s addr=0x%llx size=%lu dir=bidirectional",
	      dev_name(r->dev), (u64)(uintptr_t)att, DMABUF_SIZE);
	/* the bug: detached while mapped (the exporter's detach unmaps) */
	dma_buf_detach(buf, att);
	done(r, buf);
	return 0;
}

int sc_fence_never_signalled(struct vdmac_run *r)
{
	struct dma_fence *f = fence_emit(r);

	if (!f)
		return -ENOMEM;
	truth("finding=fence-never-signalled dev=none addr=0x%llx",
	      (u64)(uintptr_t)f);
	/* the bug: the last reference goes without a dma_fence_signal */
	dma_fence_put(f);
	return 0;
}
