// SPDX-License-Identifier: GPL-2.0
/*
 * scn_isolation.c - scenarios that plant the isolation findings of
 * cli/engine/isolation.c: DMA by a device below an external port with no
 * IOMMU translation (and, with swiotlb=force, its bouncing).
 */
#include <linux/device.h>
#include <linux/dma-direct.h>
#include <linux/dma-mapping.h>
#include <linux/platform_device.h>
#include <linux/swiotlb.h>

#include "vdmac_compat.h"
#include "vdmac_scn.h"

/*
 * vdmac-ext stands for a controller behind a Thunderbolt port: a platform
 * device marked removable before it is added (so sysfs shows `removable`
 * as "removable"), with no IOMMU group, so its DMA is untranslated.  It
 * stays registered until vdmac unloads: the tracer reads a device's sysfs
 * facts when it first sees the device, which may be after the run.
 */
static struct platform_device *ext_pdev;

static struct device *ext_device(struct vdmac_run *r)
{
	struct platform_device *pdev;
	int ret;

	if (ext_pdev)
		return &ext_pdev->dev;
	pdev = platform_device_alloc("vdmac-ext", PLATFORM_DEVID_NONE);
	if (!pdev) {
		fail(r, "no memory for vdmac-ext");
		return NULL;
	}
	dev_set_removable(&pdev->dev, DEVICE_REMOVABLE);
	ret = platform_device_add(pdev);
	if (ret) {
		platform_device_put(pdev);
		fail(r, "adding vdmac-ext failed: %d", ret);
		return NULL;
	}
	ext_pdev = pdev;
	return &pdev->dev;
}

void scn_isolation_exit(void)
{
	if (ext_pdev)
		platform_device_unregister(ext_pdev);
	ext_pdev = NULL;
}

/*
 * One page mapped and unmapped by vdmac-ext: untranslated DMA, and with
 * swiotlb=force a bounce as well.
 */
static int ext_dma(struct vdmac_run *r, struct device *dev)
{
	struct page *page;
	dma_addr_t addr;
	bool bounced;
	int ret = 0;

	if (dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32))) {
		fail(r, "vdmac-ext: no 32-bit DMA");
		return -EIO;
	}
	page = alloc_pages_node(r->node, GFP_KERNEL | GFP_DMA32 | __GFP_ZERO,
				0);
	if (!page) {
		fail(r, "no memory for a page");
		return -ENOMEM;
	}
	addr = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, addr)) {
		fail(r, "mapping a page for vdmac-ext failed");
		ret = -ENOMEM;
		goto out;
	}
	bounced = vdmac_is_swiotlb_buffer(dev, dma_to_phys(dev, addr));
	dma_unmap_page(dev, addr, PAGE_SIZE, DMA_TO_DEVICE);
	r->bytes += PAGE_SIZE;
	truth("finding=external-dma-untranslated dev=%s addr=0x%llx size=%lu dir=to-device",
	      dev_name(dev), (u64)addr, PAGE_SIZE);
	if (bounced) {
		truth("finding=swiotlb-bounce dev=%s count=1", dev_name(dev));
		truth("finding=external-dma-bounced dev=%s count=1",
		      dev_name(dev));
	}
out:
	__free_pages(page, 0);
	return ret;
}

int sc_external_untranslated(struct vdmac_run *r)
{
	struct device *dev = ext_device(r);

	return dev ? ext_dma(r, dev) : -ENOMEM;
}

int sc_external_bounced(struct vdmac_run *r)
{
	struct device *dev = ext_device(r);

	if (!dev)
		return -ENOMEM;
	if (!is_swiotlb_force_bounce(dev))
		return refuse(r, "nothing-bounced",
			      "no bounce for vdmac-ext: boot with swiotlb=force");
	return ext_dma(r, dev);
}
