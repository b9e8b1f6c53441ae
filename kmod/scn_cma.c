// SPDX-License-Identifier: GPL-2.0
/*
 * scn_cma.c - scenarios of cli/engine/cma.c: a large coherent allocation
 * that comes from the contiguous memory area (CMA), and one larger than
 * the area, which CMA refuses (cma-alloc-failed).  Both need a kernel with
 * CONFIG_DMA_CMA booted with a CMA area: the VM case passes cma=64M.
 */
#include <linux/device.h>
#include <linux/dma-mapping.h>
#include <linux/sizes.h>

#include "vdmac.h"
#include "vdmac_compat.h"
#include "vdmac_scn.h"

#define CMA_BUF_SIZE	SZ_4M
/* above the cma=64M area, and above the page allocator's largest order */
#define CMA_TOO_BIG	SZ_128M

static int cma_ready(struct vdmac_run *r)
{
	if (!VDMAC_HAS_DMA_CMA)
		return refuse(r, "no-dma-cma",
			      "kernel built without CONFIG_DMA_CMA: no contiguous memory area");
	if (!vdmac_cma_area(r->dev))
		return refuse(r, "no-cma-area",
			      "no contiguous memory area: boot with cma=64M");
	return 0;
}

/*
 * 4 MiB of coherent memory, contiguous by force (so it comes from CMA
 * behind an IOMMU too), written and freed: the device held CMA_BUF_SIZE.
 */
int sc_cma_alloc(struct vdmac_run *r)
{
	dma_addr_t dma;
	void *cpu;
	int ret = cma_ready(r);

	if (ret)
		return ret;
	cpu = dma_alloc_attrs(r->dev, CMA_BUF_SIZE, &dma, GFP_KERNEL,
			      DMA_ATTR_FORCE_CONTIGUOUS);
	if (!cpu) {
		fail(r, "no %u bytes of contiguous memory", CMA_BUF_SIZE);
		return -ENOMEM;
	}
	memset(cpu, 0x5a, CMA_BUF_SIZE);
	dma_free_attrs(r->dev, CMA_BUF_SIZE, cpu, dma,
		       DMA_ATTR_FORCE_CONTIGUOUS);
	r->bytes += CMA_BUF_SIZE;
	truth("cma dev=%s bytes=%u", dev_name(r->dev), CMA_BUF_SIZE);
	return 0;
}

/*
 * 128 MiB asked of a 64 MiB area: CMA fails, and the page allocator has no
 * block that large either, so the allocation fails (quietly: __GFP_NOWARN).
 */
int sc_cma_alloc_failed(struct vdmac_run *r)
{
	dma_addr_t dma;
	void *cpu;
	int ret = cma_ready(r);

	if (ret)
		return ret;
	cpu = dma_alloc_attrs(r->dev, CMA_TOO_BIG, &dma,
			      GFP_KERNEL | __GFP_NOWARN,
			      DMA_ATTR_FORCE_CONTIGUOUS);
	if (cpu) {
		dma_free_attrs(r->dev, CMA_TOO_BIG, cpu, dma,
			       DMA_ATTR_FORCE_CONTIGUOUS);
		return refuse(r, "cma-area-large",
			      "the CMA area holds 128 MiB: boot with cma=64M");
	}
	truth("finding=cma-alloc-failed dev=%s size=%u", dev_name(r->dev),
	      CMA_TOO_BIG);
	return 0;
}
