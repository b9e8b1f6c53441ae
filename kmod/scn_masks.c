// SPDX-License-Identifier: GPL-2.0
/*
 * scn_masks.c - scenarios that plant the DMA mask findings of
 * cli/engine/masks.c: a client with a 32-bit mask whose buffers bounce
 * (with swiotlb=force, or memory above 4 GiB), a mask changed while a
 * mapping is live, and a driver that maps without ever setting its mask.
 */
#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/swiotlb.h>

#include "vdmac.h"
#include "vdmac_compat.h"
#include "vdmac_scn.h"

#define M32_PAGES	8

/*
 * vdmac-m32 stands for a client limited to 32-bit DMA addresses: a
 * platform device without a driver, kept until vdmac unloads (the tracer
 * reads a device's facts when it first sees it).
 */
static struct platform_device *m32_pdev;

static struct device *m32_device(struct vdmac_run *r)
{
	struct platform_device *pdev;

	if (m32_pdev)
		return &m32_pdev->dev;
	pdev = platform_device_register_simple("vdmac-m32", PLATFORM_DEVID_NONE,
					       NULL, 0);
	if (IS_ERR(pdev)) {
		fail(r, "adding vdmac-m32 failed: %ld", PTR_ERR(pdev));
		return NULL;
	}
	m32_pdev = pdev;
	return &pdev->dev;
}

void scn_masks_exit(void)
{
	if (m32_pdev)
		platform_device_unregister(m32_pdev);
	m32_pdev = NULL;
}

/* Maps one page; true in *bounced when swiotlb copied it. */
static int map_page(struct vdmac_run *r, struct device *dev, struct page *p,
		    enum dma_data_direction dir, dma_addr_t *addr,
		    bool *bounced)
{
	*addr = dma_map_page(dev, p, 0, PAGE_SIZE, dir);
	if (dma_mapping_error(dev, *addr)) {
		fail(r, "mapping a page for %s failed", dev_name(dev));
		return -ENOMEM;
	}
	*bounced = vdmac_is_swiotlb_buffer(dev, dma_to_phys(dev, *addr));
	return 0;
}

/*
 * 32-bit client: M32_PAGES pages mapped TO_DEVICE and as many FROM_DEVICE,
 * each unmapped.  A bounced TO_DEVICE page is copied once (in at map), a
 * FROM_DEVICE one twice (in at map, back at unmap): the truth says how
 * many bytes swiotlb copied each way for the VM case to compare.
 */
int sc_mask_32bit(struct vdmac_run *r)
{
	struct device *dev = m32_device(r);
	struct page *pages[2 * M32_PAGES] = {};
	u64 to = 0, back = 0;
	unsigned int i, n = 0;
	int ret = 0;

	if (!dev)
		return -ENOMEM;
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32))) {
		fail(r, "vdmac-m32: no 32-bit DMA");
		return -EIO;
	}
	for (i = 0; i < ARRAY_SIZE(pages) && !ret; i++) {
		enum dma_data_direction dir =
			i < M32_PAGES ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
		dma_addr_t addr;
		bool bounced;

		pages[i] = alloc_pages_node(r->node, GFP_KERNEL | __GFP_ZERO, 0);
		if (!pages[i]) {
			fail(r, "no memory for a page");
			ret = -ENOMEM;
			break;
		}
		ret = map_page(r, dev, pages[i], dir, &addr, &bounced);
		if (ret)
			break;
		dma_unmap_page(dev, addr, PAGE_SIZE, dir);
		r->bytes += PAGE_SIZE;
		if (!bounced)
			continue;
		n++;
		to += PAGE_SIZE;
		if (dir == DMA_FROM_DEVICE)
			back += PAGE_SIZE;
	}
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		if (pages[i])
			__free_pages(pages[i], 0);
	if (ret)
		return ret;
	if (!n)
		return refuse(r, "nothing-bounced",
			      "no bounce for vdmac-m32: boot with swiotlb=force or memory above 4 GiB");
	truth("finding=swiotlb-bounce dev=%s count=%u", dev_name(dev), n);
	truth("bounce_bytes dev=%s to_device=%llu from_device=%llu forced=%d",
	      dev_name(dev), to, back, is_swiotlb_force_bounce(dev));
	return 0;
}

/*
 * The streaming mask narrowed from 64 to 32 bits while a page is mapped:
 * the mapping stays where it was.
 */
int sc_mask_changed_while_mapped(struct vdmac_run *r)
{
	struct device *dev = m32_device(r);
	struct page *page;
	dma_addr_t addr;
	bool bounced;
	int ret;

	if (!dev)
		return -ENOMEM;
	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64))) {
		fail(r, "vdmac-m32: no 64-bit DMA");
		return -EIO;
	}
	page = alloc_pages_node(r->node, GFP_KERNEL | __GFP_ZERO, 0);
	if (!page) {
		fail(r, "no memory for a page");
		return -ENOMEM;
	}
	ret = map_page(r, dev, page, DMA_TO_DEVICE, &addr, &bounced);
	if (ret)
		goto out;
	/* the bug */
	if (dma_set_mask(dev, DMA_BIT_MASK(32)))
		fail(r, "vdmac-m32: no 32-bit DMA");
	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
	r->bytes += PAGE_SIZE;
	truth("finding=mask-changed-while-mapped dev=%s", dev_name(dev));
	if (bounced)
		truth("finding=swiotlb-bounce dev=%s count=1", dev_name(dev));
	/* back to what the 32-bit client has, with nothing mapped */
	dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
out:
	__free_pages(page, 0);
	return ret;
}

/*
 * vdmac-nomask: a driver whose probe maps a page without calling
 * dma_set_mask; the platform bus's default 32-bit mask applies.
 */
static struct vdmac_run *nomask_run;

static int nomask_probe(struct platform_device *pdev)
{
	struct vdmac_run *r = nomask_run;
	struct device *dev = &pdev->dev;
	struct page *page;
	dma_addr_t addr;
	bool bounced;
	int ret;

	if (!r)
		return -ENODEV;
	page = alloc_pages_node(r->node, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO,
				0);
	if (!page) {
		fail(r, "no memory for a page");
		return -ENOMEM;
	}
	ret = map_page(r, dev, page, DMA_TO_DEVICE, &addr, &bounced);
	if (!ret) {
		dma_unmap_page(dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
		r->bytes += PAGE_SIZE;
		truth("finding=mask-never-set dev=%s addr=0x%llx size=%lu",
		      dev_name(dev), (u64)addr, PAGE_SIZE);
		if (bounced)
			truth("finding=swiotlb-bounce dev=%s count=1",
			      dev_name(dev));
	}
	__free_pages(page, 0);
	return 0;
}

static struct platform_driver nomask_driver = {
	.probe = nomask_probe,
	.driver = { .name = "vdmac-nomask" },
};

int sc_mask_never_set(struct vdmac_run *r)
{
	struct platform_device *pdev;
	int ret;

	nomask_run = r;
	ret = platform_driver_register(&nomask_driver);
	if (ret) {
		fail(r, "registering vdmac-nomask's driver failed: %d", ret);
		goto out;
	}
	pdev = platform_device_register_simple("vdmac-nomask",
					       PLATFORM_DEVID_NONE, NULL, 0);
	if (IS_ERR(pdev)) {
		ret = PTR_ERR(pdev);
		fail(r, "adding vdmac-nomask failed: %d", ret);
	} else {
		check(r, pdev->dev.driver, "vdmac-nomask did not bind");
		platform_device_unregister(pdev);
	}
	platform_driver_unregister(&nomask_driver);
out:
	nomask_run = NULL;
	return ret;
}
