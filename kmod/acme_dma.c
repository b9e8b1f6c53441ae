// SPDX-License-Identifier: GPL-2.0
/*
 * acme_dma.c - a second, independent check of dmascope's accuracy: a small
 * driver written the way a driver author would write one, not alongside
 * the detectors.  Two platform devices ("acme-dma.0" on NUMA node 1 and
 * "acme-dma.1"), a dma_pool, sg lists, coherent memory, streaming
 * mappings, and a dmaengine memcpy client of whatever DMA_MEMCPY channel
 * the machine has (vdmac's in the tests), through public APIs only.
 *
 * It carries planted bugs of every class a trace can show, and correct
 * paths that trap a naive tracker: DMA_ATTR_SKIP_CPU_SYNC with manual
 * syncs, partial syncs, one buffer mapped for two devices, remapping after
 * unmapping, pool blocks freed out of order, an sg list unmapped with the
 * nents it was mapped with.  Each planted bug prints its ground truth:
 *
 *   acme_dma: truth finding=ID dev=DEV addr=0x.. size=N dir=DIR [when=unbind]
 *
 * Load it while tracing, from a CPU of node 1 (the device's node: every
 * buffer but the planted remote one is allocated there), unload it: the
 * leak is found at unbind.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/dmapool.h>
#include <linux/gfp.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "vdmac_compat.h"

#define ACME_NAME "acme-dma"
#define ACME_BLOCK 64

static struct platform_device *acme_pdev[2];
static struct page *acme_kept;		/* the leaked mapping's page */
static dma_addr_t acme_kept_dma;
static int acme_failures;

static const char *dir_name(enum dma_data_direction dir)
{
	static const char *const n[] = { "bidirectional", "to-device",
					  "from-device", "none" };

	return dir <= DMA_NONE ? n[dir] : "invalid";
}

/* Ground truth of one planted bug, in the kernel log. */
static void plant(struct device *dev, const char *id, dma_addr_t addr,
		  size_t size, enum dma_data_direction dir, const char *extra)
{
	pr_info("acme_dma: truth finding=%s dev=%s addr=0x%llx size=%zu dir=%s%s\n",
		id, dev_name(dev), (u64)addr, size, dir_name(dir), extra);
}

static void fail(const char *what)
{
	pr_err("acme_dma: %s\n", what);
	acme_failures++;
}

/* A page of the device's node, as a careful driver allocates it. */
static struct page *dev_page(struct device *dev)
{
	return alloc_pages_node(dev_to_node(dev), GFP_KERNEL | __GFP_ZERO, 0);
}

/* A page mapped for dev, or 0 (the page is then freed). */
static dma_addr_t map_page_for(struct device *dev, struct page **page,
			       enum dma_data_direction dir)
{
	dma_addr_t a;

	*page = dev_page(dev);
	if (!*page)
		return 0;
	a = dma_map_page(dev, *page, 0, PAGE_SIZE, dir);
	if (dma_mapping_error(dev, a)) {
		__free_page(*page);
		*page = NULL;
		return 0;
	}
	return a;
}

/* ---- correct paths that a naive tracker gets wrong ---- */

static noinline void acme_rx_skip_sync(struct device *dev)
{
	struct page *p = dev_page(dev);
	dma_addr_t a;

	if (!p)
		return fail("skip-sync: no page");
	/* page_pool style: map once without syncing, sync what is used */
	a = dma_map_page_attrs(dev, p, 0, PAGE_SIZE, DMA_FROM_DEVICE,
			       DMA_ATTR_SKIP_CPU_SYNC);
	if (dma_mapping_error(dev, a)) {
		__free_page(p);
		return fail("skip-sync: map failed");
	}
	dma_sync_single_for_device(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);
	dma_sync_single_for_cpu(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);
	dma_unmap_page_attrs(dev, a, PAGE_SIZE, DMA_FROM_DEVICE,
			     DMA_ATTR_SKIP_CPU_SYNC);
	__free_page(p);
}

static noinline void acme_partial_syncs(struct device *dev)
{
	void *buf = kmalloc_node(8192, GFP_KERNEL, dev_to_node(dev));
	dma_addr_t a;

	if (!buf)
		return fail("partial: no memory");
	a = dma_map_single(dev, buf, 8192, DMA_BIDIRECTIONAL);
	if (dma_mapping_error(dev, a)) {
		kfree(buf);
		return fail("partial: map failed");
	}
	/* a header, then a payload further in */
	dma_sync_single_for_cpu(dev, a, 512, DMA_BIDIRECTIONAL);
	dma_sync_single_for_device(dev, a, 512, DMA_BIDIRECTIONAL);
	dma_sync_single_range_for_cpu(dev, a, 4096, 1024, DMA_BIDIRECTIONAL);
	dma_sync_single_range_for_device(dev, a, 4096, 1024,
					 DMA_BIDIRECTIONAL);
	dma_unmap_single(dev, a, 8192, DMA_BIDIRECTIONAL);
	kfree(buf);
}

static noinline void acme_two_devices(struct device *d0, struct device *d1)
{
	struct page *p = dev_page(d0);
	dma_addr_t a, b;

	if (!p)
		return fail("two devices: no page");
	/* one buffer, both devices read it: same address, two mappings */
	a = dma_map_page(d0, p, 0, PAGE_SIZE, DMA_TO_DEVICE);
	b = dma_map_page(d1, p, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (!dma_mapping_error(d1, b))
		dma_unmap_page(d1, b, PAGE_SIZE, DMA_TO_DEVICE);
	if (!dma_mapping_error(d0, a))
		dma_unmap_page(d0, a, PAGE_SIZE, DMA_TO_DEVICE);
	__free_page(p);
}

static noinline void acme_remap(struct device *dev)
{
	struct page *p;
	dma_addr_t a;
	int i;

	/* the same page mapped again after its unmap: same address */
	a = map_page_for(dev, &p, DMA_TO_DEVICE);
	if (!a)
		return fail("remap: map failed");
	for (i = 0; i < 3; i++) {
		dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		a = dma_map_page(dev, p, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dev, a)) {
			__free_page(p);
			return fail("remap: map failed");
		}
	}
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
	__free_page(p);
}

static noinline void acme_pool_out_of_order(struct device *dev)
{
	static const int order[] = { 3, 0, 7, 5, 1, 6, 2, 4 };
	struct dma_pool *pool;
	void *blk[8];
	dma_addr_t da[8];
	int i;

	pool = dma_pool_create("acme-desc", dev, ACME_BLOCK, ACME_BLOCK, 0);
	if (!pool)
		return fail("pool: create failed");
	for (i = 0; i < 8; i++) {
		blk[i] = dma_pool_zalloc(pool, GFP_KERNEL, &da[i]);
		if (!blk[i])
			break;
	}
	if (i < 8)
		fail("pool: alloc failed");
	for (i = 0; i < 8; i++)
		if (blk[order[i]])
			dma_pool_free(pool, blk[order[i]], da[order[i]]);
	dma_pool_destroy(pool);
}

static noinline void acme_sg(struct device *dev)
{
	struct scatterlist sg[4];
	struct page *p[4] = {};
	int i, n;

	sg_init_table(sg, 4);
	for (i = 0; i < 4; i++) {
		p[i] = dev_page(dev);
		if (!p[i])
			goto out;
		sg_set_page(&sg[i], p[i], PAGE_SIZE, 0);
	}
	n = dma_map_sg(dev, sg, 4, DMA_FROM_DEVICE);
	if (!n) {
		fail("sg: map failed");
		goto out;
	}
	/* sync and unmap with the nents passed in, not the count returned */
	dma_sync_sg_for_cpu(dev, sg, 4, DMA_FROM_DEVICE);
	dma_sync_sg_for_device(dev, sg, 4, DMA_FROM_DEVICE);
	dma_unmap_sg(dev, sg, 4, DMA_FROM_DEVICE);
out:
	for (i = 0; i < 4; i++)
		if (p[i])
			__free_page(p[i]);
}

static noinline void acme_coherent(struct device *dev)
{
	dma_addr_t h;
	void *v = dma_alloc_coherent(dev, 3 * PAGE_SIZE, &h, GFP_KERNEL);

	if (!v)
		return fail("coherent: alloc failed");
	memset(v, 0, 3 * PAGE_SIZE);
	dma_free_coherent(dev, 3 * PAGE_SIZE, v, h);
}

/* ---- dmaengine memcpy client ---- */

static void acme_done(void *arg)
{
	complete(arg);
}

/* Copies src to dst on chan; issue: dma_async_issue_pending or not. */
static int acme_memcpy(struct dma_chan *chan, dma_addr_t dst, dma_addr_t src,
		       size_t len, bool issue)
{
	struct dma_async_tx_descriptor *tx;
	DECLARE_COMPLETION_ONSTACK(done);
	dma_cookie_t cookie;

	tx = dmaengine_prep_dma_memcpy(chan, dst, src, len, DMA_PREP_INTERRUPT);
	if (!tx)
		return -EIO;
	tx->callback = acme_done;
	tx->callback_param = &done;
	cookie = dmaengine_submit(tx);
	if (dma_submit_error(cookie))
		return -EIO;
	if (!issue) {
		/* nothing may happen: wait a little, then drop it */
		if (wait_for_completion_timeout(&done, msecs_to_jiffies(200)))
			fail("a never issued memcpy completed");
		dmaengine_terminate_sync(chan);
		return 0;
	}
	dma_async_issue_pending(chan);
	if (!wait_for_completion_timeout(&done, msecs_to_jiffies(5000)))
		return -ETIMEDOUT;
	return 0;
}

static noinline void acme_offload(void)
{
	struct page *ps = NULL, *pd = NULL;
	struct dma_chan *chan;
	struct device *dd;
	dma_cap_mask_t mask;
	dma_addr_t s = 0, d = 0;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	chan = dma_request_chan_by_mask(&mask);
	if (IS_ERR(chan)) {
		pr_info("acme_dma: no memcpy channel, offload skipped\n");
		return;
	}
	/* buffers are mapped for the DMA controller that moves them */
	dd = chan->device->dev;
	/* the source is written before it is mapped: the map syncs it */
	ps = dev_page(dd);
	if (ps) {
		memset(page_address(ps), 0x5a, PAGE_SIZE);
		s = dma_map_page(dd, ps, 0, PAGE_SIZE, DMA_TO_DEVICE);
		if (dma_mapping_error(dd, s))
			s = 0;
	}
	d = map_page_for(dd, &pd, DMA_FROM_DEVICE);
	if (!s || !d) {
		fail("offload: map failed");
		goto out;
	}
	/* correct: copy, take the result for the CPU, check it */
	if (acme_memcpy(chan, d, s, PAGE_SIZE, true)) {
		fail("offload: memcpy failed");
		goto out;
	}
	dma_sync_single_for_cpu(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	if (memchr_inv(page_address(pd), 0x5a, PAGE_SIZE))
		fail("offload: copy differs");
	dma_sync_single_for_device(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	if (acme_memcpy(chan, d, s, PAGE_SIZE, true)) {
		fail("offload: memcpy failed");
		goto out;
	}
	/* bug: handed back to the device without dma_sync_single_for_cpu */
	dma_sync_single_for_device(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	plant(dd, "missing-sync-for-cpu", d, PAGE_SIZE, DMA_FROM_DEVICE, "");
	if (acme_memcpy(chan, d, s, PAGE_SIZE, true))
		fail("offload: memcpy failed");
	dma_sync_single_for_cpu(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	/* bug: submitted, never issued */
	pr_info("acme_dma: truth finding=desc-never-issued dev=%s\n",
		dev_name(dd));
	dma_sync_single_for_device(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	acme_memcpy(chan, d, s, PAGE_SIZE, false);
	dma_sync_single_for_cpu(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
out:
	if (s)
		dma_unmap_page(dd, s, PAGE_SIZE, DMA_TO_DEVICE);
	if (d)
		dma_unmap_page(dd, d, PAGE_SIZE, DMA_FROM_DEVICE);
	if (ps)
		__free_page(ps);
	if (pd)
		__free_page(pd);
	dma_release_channel(chan);
}

/* ---- planted bugs on the driver's own device ---- */

/* An rx buffer from another node than the device's: its own call site. */
static noinline void acme_rx_remote(struct device *dev)
{
	int other = dev_to_node(dev) == 1 ? 0 : 1;
	struct page *p;
	dma_addr_t a;

	if (num_online_nodes() < 2 || dev_to_node(dev) == NUMA_NO_NODE)
		return;
	p = alloc_pages_node(other, GFP_KERNEL | __GFP_THISNODE, 0);
	if (!p)
		return fail("remote: no page on the other node");
	a = dma_map_page(dev, p, 0, PAGE_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, a)) {
		__free_page(p);
		return fail("remote: map failed");
	}
	plant(dev, "numa-remote-buffer", a, PAGE_SIZE, DMA_FROM_DEVICE, "");
	dma_unmap_page(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);
	__free_page(p);
}

static noinline void acme_bugs(struct device *dev)
{
	struct dma_pool *pool;
	struct page *p;
	dma_addr_t a, b0, b1;
	void *v0, *v1;

	/* double unmap */
	a = map_page_for(dev, &p, DMA_TO_DEVICE);
	if (a) {
		dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		plant(dev, "double-unmap", a, PAGE_SIZE, DMA_TO_DEVICE, "");
		__free_page(p);
	}
	/* unmapped with a different size */
	a = map_page_for(dev, &p, DMA_TO_DEVICE);
	if (a) {
		dma_unmap_page(dev, a, PAGE_SIZE / 2, DMA_TO_DEVICE);
		plant(dev, "unmap-size-mismatch", a, PAGE_SIZE, DMA_TO_DEVICE,
		      "");
		__free_page(p);
	}
	/* synced in the other direction */
	a = map_page_for(dev, &p, DMA_TO_DEVICE);
	if (a) {
		dma_sync_single_for_cpu(dev, a, PAGE_SIZE, DMA_FROM_DEVICE);
		plant(dev, "sync-dir-mismatch", a, PAGE_SIZE, DMA_TO_DEVICE,
		      "");
		dma_unmap_page(dev, a, PAGE_SIZE, DMA_TO_DEVICE);
		__free_page(p);
	}
	/* a pool destroyed with a block still out */
	pool = dma_pool_create("acme-cmd", dev, ACME_BLOCK, ACME_BLOCK, 0);
	v0 = pool ? dma_pool_alloc(pool, GFP_KERNEL, &b0) : NULL;
	v1 = v0 ? dma_pool_alloc(pool, GFP_KERNEL, &b1) : NULL;
	if (v1) {
		dma_pool_free(pool, v0, b0);
		dma_pool_destroy(pool);
		/*
		 * One root cause, two consequences folded into it: the kernel
		 * keeps the busy page, and that page is still held when the
		 * driver unbinds (this module's unload).
		 */
		pr_info("acme_dma: truth finding=pool-leak dev=%s addr=0x%llx size=%d folds=2\n",
			dev_name(dev), (u64)b1, ACME_BLOCK);
	} else {
		fail("pool: alloc failed");
		if (v0)
			dma_pool_free(pool, v0, b0);
		dma_pool_destroy(pool);
	}
	acme_rx_remote(dev);
	/* kept until remove(), which forgets to unmap it */
	acme_kept_dma = map_page_for(dev, &acme_kept, DMA_TO_DEVICE);
	if (acme_kept_dma)
		plant(dev, "leak-at-unbind", acme_kept_dma, PAGE_SIZE,
		      DMA_TO_DEVICE, " when=unbind");
}

static int acme_probe(struct platform_device *pdev)
{
	return dma_coerce_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
}

static vdmac_remove_ret acme_remove(struct platform_device *pdev)
{
	/* the bug: the kept buffer is freed without dma_unmap_page */
	if (pdev->id == 0 && acme_kept) {
		__free_page(acme_kept);
		acme_kept = NULL;
	}
	return VDMAC_REMOVE_OK;
}

static struct platform_driver acme_driver = {
	.driver = { .name = ACME_NAME },
	.probe = acme_probe,
	.remove = acme_remove,
};

static int __init acme_init(void)
{
	int ret, i;

	ret = platform_driver_register(&acme_driver);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		struct platform_device *pd = platform_device_alloc(ACME_NAME, i);

		if (!pd) {
			ret = -ENOMEM;
			goto fail;
		}
		if (i == 0 && num_online_nodes() > 1)
			set_dev_node(&pd->dev, 1);
		ret = platform_device_add(pd);
		if (ret) {
			platform_device_put(pd);
			goto fail;
		}
		acme_pdev[i] = pd;
		if (!pd->dev.driver) {
			ret = -ENODEV;
			goto fail;
		}
	}
	acme_rx_skip_sync(&acme_pdev[0]->dev);
	acme_partial_syncs(&acme_pdev[0]->dev);
	acme_two_devices(&acme_pdev[0]->dev, &acme_pdev[1]->dev);
	acme_remap(&acme_pdev[0]->dev);
	acme_pool_out_of_order(&acme_pdev[0]->dev);
	acme_sg(&acme_pdev[0]->dev);
	acme_coherent(&acme_pdev[0]->dev);
	acme_offload();
	acme_bugs(&acme_pdev[0]->dev);
	pr_info("acme_dma: ready, %d failures\n", acme_failures);
	return 0;
fail:
	for (i = 1; i >= 0; i--)
		if (acme_pdev[i])
			platform_device_unregister(acme_pdev[i]);
	platform_driver_unregister(&acme_driver);
	return ret;
}

static void __exit acme_exit(void)
{
	platform_device_unregister(acme_pdev[1]);
	platform_device_unregister(acme_pdev[0]);
	platform_driver_unregister(&acme_driver);
}

module_init(acme_init);
module_exit(acme_exit);
MODULE_DESCRIPTION("A third-party style DMA driver with planted bugs (tests)");
MODULE_LICENSE("GPL");
