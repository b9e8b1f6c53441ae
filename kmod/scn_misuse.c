// SPDX-License-Identifier: GPL-2.0
/*
 * scn_misuse.c - scenarios that release or sync a mapping otherwise than
 * it was made (cli/engine/misuse.c, the checks of dma-debug): double and
 * mismatched unmaps, syncs of what is not mapped, the wrong API for the
 * memory, a failing map.  A misuse that would touch memory not ours
 * (swiotlb slots) is refused.
 */
#include <linux/dma-direct.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/platform_device.h>
#include <linux/scatterlist.h>
#include <linux/swiotlb.h>
#include <linux/vmalloc.h>

#include "vdmac_compat.h"
#include "vdmac_scn.h"

int sc_double_unmap(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
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

int sc_unmap_size_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* swiotlb frees the slots it recorded at map time: safe either way */
	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
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

int sc_unmap_dir_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* at worst swiotlb copies the slot back into our own buffer */
	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
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

int sc_unmap_not_mapped(struct vdmac_run *r)
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

int sc_sync_not_mapped(struct vdmac_run *r)
{
	struct vbuf b = {};
	dma_addr_t addr;
	int ret;

	ret = unmapped_addr(r, &b, &addr);
	if (!ret) {
		dma_sync_single_for_cpu(r->dev, addr, PAGE_SIZE,
					DMA_FROM_DEVICE);
		truth_map(r, "sync-not-mapped", addr, PAGE_SIZE,
			  DMA_FROM_DEVICE,
			  " requires=trace-before-bind needs=seen-syncs");
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
int sc_late_device(struct vdmac_run *r)
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
		truth("finding=sync-not-mapped dev=%s addr=0x%llx size=%lu dir=from-device needs=seen-syncs",
		      dev_name(dev), (u64)addr, PAGE_SIZE);
		if (vdmac_syncs_elided(dev))
			truth("syncs=elided dev=%s", dev_name(dev));
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
int sc_sync_sg_nents_mismatch(struct vdmac_run *r)
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
	truth("finding=sync-sg-nents-mismatch dev=%s addr=0x%llx size=%lu dir=from-device nents=%d sync_nents=%d needs=seen-syncs",
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
int sc_unmap_type_mismatch(struct vdmac_run *r)
{
	dma_addr_t addr;

	if (get_dma_ops(r->dev))
		return refuse(r, "not-dma-direct",
			      "the device does not use dma-direct");
	addr = dma_map_resource(r->dev, VDMAC_FIFO_ADDR, 4, DMA_TO_DEVICE, 0);
	if (dma_mapping_error(r->dev, addr) && is_swiotlb_force_bounce(r->dev))
		/* 6.18+: dma_map_phys(DMA_ATTR_MMIO), which cannot bounce */
		return refuse(r, "swiotlb-force-mmio",
			      "a forced swiotlb cannot bounce a resource: dma_map_resource refused it");
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
int sc_cacheline_overlap(struct vdmac_run *r)
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

/*
 * A constant table of the kernel image (lib/hexdump.c's hex_asc, in
 * .rodata) handed to the device as if it were a buffer: "send these
 * digits".  TO_DEVICE only and unmapped at once, so nothing is written
 * to it even when swiotlb bounces the mapping.  A module's own const data
 * would not do: it lies outside the kernel image, where neither dmascope
 * nor dma-debug looks.
 */
int sc_map_kernel_image(struct vdmac_run *r)
{
	const size_t len = 16;
	dma_addr_t addr;

	addr = dma_map_single(r->dev, (void *)hex_asc, len, DMA_TO_DEVICE);
	if (dma_mapping_error(r->dev, addr)) {
		fail(r, "mapping the kernel's hex_asc failed");
		return -ENOMEM;
	}
	note_map(r, addr);
	dma_unmap_single(r->dev, addr, len, DMA_TO_DEVICE);
	truth("finding=map-kernel-image dev=%s addr=0x%llx size=%zu dir=to-device phys=0x%llx what=rodata",
	      dev_name(r->dev), (u64)addr, len,
	      (u64)__pa_symbol(hex_asc));
	return 0;
}

/*
 * A buffer on the kernel stack mapped through its page, as a driver that
 * found dma_map_single refused (a vmalloc'ed stack) might: "send this
 * small command".  TO_DEVICE only and unmapped before the function
 * returns, so nothing is written to the stack even when swiotlb bounces.
 * dma-debug's check_for_stack reports the same call.
 */
#define STACK_BUF_LEN	64
int sc_map_stack(struct vdmac_run *r)
{
	u8 cmd[STACK_BUF_LEN] __aligned(STACK_BUF_LEN);
	struct page *page;
	dma_addr_t addr;

	memset(cmd, 0x5a, sizeof(cmd));
	page = is_vmalloc_addr(cmd) ? vmalloc_to_page(cmd) : virt_to_page(cmd);
	addr = dma_map_page(r->dev, page, offset_in_page(cmd), sizeof(cmd),
			    DMA_TO_DEVICE);
	if (dma_mapping_error(r->dev, addr)) {
		fail(r, "mapping the stack buffer failed");
		return -ENOMEM;
	}
	note_map(r, addr);
	dma_unmap_page(r->dev, addr, sizeof(cmd), DMA_TO_DEVICE);
	truth("finding=map-stack dev=%s addr=0x%llx size=%zu dir=to-device phys=0x%llx",
	      dev_name(r->dev), (u64)addr, sizeof(cmd),
	      (u64)page_to_phys(page) + offset_in_page(cmd));
	return 0;
}

int sc_sync_out_of_range(struct vdmac_run *r)
{
	struct vbuf b = {};
	dma_addr_t addr;
	char extra[80];
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
			 " sync_addr=0x%llx sync_size=%lu needs=seen-syncs",
			 (u64)addr + PAGE_SIZE / 2, PAGE_SIZE);
		truth_map(r, "sync-out-of-range", addr, PAGE_SIZE,
			  DMA_FROM_DEVICE, extra);
	}
	dma_unmap_page(r->dev, addr, PAGE_SIZE, DMA_FROM_DEVICE);
out:
	vbuf_free(r, &b);
	return ret;
}

int sc_sync_dir_mismatch(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	/* at worst swiotlb copies the slot back into our own buffer */
	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
	if (ret)
		goto out;
	dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE, DMA_FROM_DEVICE);
	truth_map(r, "sync-dir-mismatch", b.dma, PAGE_SIZE, DMA_TO_DEVICE,
		  " sync_dir=from-device needs=seen-syncs");
out:
	vbuf_free(r, &b);
	return ret;
}

int sc_coherent_via_streaming(struct vdmac_run *r)
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

int sc_streaming_via_coherent(struct vdmac_run *r)
{
	struct vbuf b = {};
	int ret;

	ret = vbuf_new(r, &b, PAGE_SIZE, DMA_TO_DEVICE);
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

int sc_free_not_allocated(struct vdmac_run *r)
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

int sc_map_error(struct vdmac_run *r)
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
