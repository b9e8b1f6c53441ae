/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* event_names.c - the names users see for event kinds, in every output. */
#include <string.h>

#include "event.h"
#include "event_names.h"

/* Indexed by enum dmas_kind; the names users see in every output. */
static const char *const kind_names[DMAS_EV_MAX] = {
	[DMAS_EV_NONE] = "none",
	[DMAS_EV_MAP] = "map",
	[DMAS_EV_UNMAP] = "unmap",
	[DMAS_EV_MAP_SG] = "map_sg",
	[DMAS_EV_UNMAP_SG] = "unmap_sg",
	[DMAS_EV_SYNC_FOR_CPU] = "sync_for_cpu",
	[DMAS_EV_SYNC_FOR_DEVICE] = "sync_for_device",
	[DMAS_EV_SYNC_SG_FOR_CPU] = "sync_sg_for_cpu",
	[DMAS_EV_SYNC_SG_FOR_DEVICE] = "sync_sg_for_device",
	[DMAS_EV_MAP_RESOURCE] = "map_resource",
	[DMAS_EV_UNMAP_RESOURCE] = "unmap_resource",
	[DMAS_EV_MAP_ERROR] = "map_error",
	[DMAS_EV_ALLOC_COHERENT] = "alloc_coherent",
	[DMAS_EV_FREE_COHERENT] = "free_coherent",
	[DMAS_EV_ALLOC_PAGES] = "alloc_pages",
	[DMAS_EV_FREE_PAGES] = "free_pages",
	[DMAS_EV_POOL_CREATE] = "pool_create",
	[DMAS_EV_POOL_DESTROY] = "pool_destroy",
	[DMAS_EV_POOL_ALLOC] = "pool_alloc",
	[DMAS_EV_POOL_FREE] = "pool_free",
	[DMAS_EV_CHAN_REQUEST] = "chan_request",
	[DMAS_EV_CHAN_RELEASE] = "chan_release",
	[DMAS_EV_DESC_PREP] = "desc_prep",
	[DMAS_EV_DESC_SUBMIT] = "desc_submit",
	[DMAS_EV_ISSUE_PENDING] = "issue_pending",
	[DMAS_EV_XFER_START] = "xfer_start",
	[DMAS_EV_XFER_COMPLETE] = "xfer_complete",
	[DMAS_EV_XFER_ERROR] = "xfer_error",
	[DMAS_EV_TERMINATE] = "terminate",
	[DMAS_EV_CPU_ACCESS] = "cpu_access",
	[DMAS_EV_DRIVER_BIND] = "driver_bind",
	[DMAS_EV_DRIVER_UNBIND] = "driver_unbind",
	[DMAS_EV_DEVICE_REMOVE] = "device_remove",
	[DMAS_EV_MODULE_UNLOAD] = "module_unload",
	[DMAS_EV_IOMMU_MAP] = "iommu_map",
	[DMAS_EV_IOMMU_UNMAP] = "iommu_unmap",
	[DMAS_EV_IOMMU_FAULT] = "iommu_fault",
	[DMAS_EV_LOST] = "lost",
	[DMAS_EV_SWIOTLB_BOUNCE] = "swiotlb_bounce",
	[DMAS_EV_IOVA_ALLOC] = "iova_alloc",
	[DMAS_EV_IOVA_LINK] = "iova_link",
	[DMAS_EV_IOVA_SYNC] = "iova_sync",
	[DMAS_EV_IOVA_UNLINK] = "iova_unlink",
	[DMAS_EV_IOVA_DESTROY] = "iova_destroy",
	[DMAS_EV_IOVA_FREE] = "iova_free",
	[DMAS_EV_NEED_UNMAP] = "need_unmap",
	[DMAS_EV_SYNC_ELISION] = "sync_elision",
	[DMAS_EV_DEV_COHERENT_FREE] = "dev_coherent_free",
	[DMAS_EV_DMA_MASK] = "dma_mask",
	[DMAS_EV_DMABUF_EXPORT] = "dmabuf_export",
	[DMAS_EV_DMABUF_RELEASE] = "dmabuf_release",
	[DMAS_EV_DMABUF_ATTACH] = "dmabuf_attach",
	[DMAS_EV_DMABUF_DETACH] = "dmabuf_detach",
	[DMAS_EV_DMABUF_MAP] = "dmabuf_map",
	[DMAS_EV_DMABUF_UNMAP] = "dmabuf_unmap",
	[DMAS_EV_FENCE_INIT] = "fence_init",
	[DMAS_EV_FENCE_EMIT] = "fence_emit",
	[DMAS_EV_FENCE_SIGNALED] = "fence_signaled",
	[DMAS_EV_FENCE_DESTROY] = "fence_destroy",
	[DMAS_EV_FENCE_WAIT_START] = "fence_wait_start",
	[DMAS_EV_FENCE_WAIT_END] = "fence_wait_end",
	[DMAS_EV_CMA_ALLOC_START] = "cma_alloc_start",
	[DMAS_EV_CMA_ALLOC_FINISH] = "cma_alloc_finish",
	[DMAS_EV_CMA_RELEASE] = "cma_release",
};

const char *dmas_event_kind_name(unsigned kind)
{
	return kind < DMAS_EV_MAX ? kind_names[kind] : NULL;
}

int dmas_event_kind_by_name(const char *name)
{
	for (int k = 1; k < DMAS_EV_MAX; k++)
		if (kind_names[k] && !strcmp(kind_names[k], name))
			return k;
	return -1;
}
