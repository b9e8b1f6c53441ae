/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdmac_compat.h - the kernel API differences vdmac meets between the
 * kernels it is built for (Debian's 6.1, 6.12 and newest), each with the
 * release and the upstream commit (id and title) that made it necessary.
 * Nothing else in kmod/ tests versions.
 */
#ifndef VDMAC_COMPAT_H
#define VDMAC_COMPAT_H

#include <linux/version.h>

/*
 * 6.10, commit 2c92ca849fcc ("tracing/treewide: Remove second parameter of
 * __assign_str()"): the source is the one named in __string(), so
 * __assign_str() takes only the field.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define vdmac_assign_str(field, src) __assign_str(field)
#else
#define vdmac_assign_str(field, src) __assign_str(field, src)
#endif

/*
 * 6.x, the hex helpers (hex_asc and friends) moved from <linux/kernel.h>
 * into <linux/hex.h>, which newer kernel.h (7.x) no longer includes: known
 * by the header's presence (6.1 has none), not by a version.
 */
#if __has_include("linux/hex.h")
#include <linux/hex.h>
#endif

/*
 * 6.16, the IOVA API (dma_iova_try_alloc, dma_iova_link, dma_iova_sync,
 * dma_iova_destroy; "dma-mapping: Provide an interface to allow allocate
 * IOVA"): known by the DMA_IOVA_USE_SWIOTLB flag its state carries, which
 * came with it, rather than by a version, since distributions backport it.
 */
#ifdef DMA_IOVA_USE_SWIOTLB
#define VDMAC_HAS_IOVA_API 1
#else
#define VDMAC_HAS_IOVA_API 0
#endif

/*
 * CONFIG_DMA_CMA: the contiguous memory area of the DMA API.  Not a
 * release but a build choice: Debian's 6.1 and 6.12 kernels are built
 * without it, its 7.x with it (and an area of 0 bytes unless cma= is
 * given).  dev_get_cma_area() says whether the device has an area.
 */
#if IS_ENABLED(CONFIG_DMA_CMA)
#include <linux/dma-map-ops.h>
#define VDMAC_HAS_DMA_CMA 1
#define vdmac_cma_area(dev) dev_get_cma_area(dev)
#else
#define VDMAC_HAS_DMA_CMA 0
#define vdmac_cma_area(dev) NULL
#endif

/*
 * 6.11, commit 0edb555a65d1 ("platform: Make platform_driver::remove()
 * return void"): before it, .remove returns int (always 0 here).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define vdmac_remove_ret void
#define VDMAC_REMOVE_OK
#else
#define vdmac_remove_ret int
#define VDMAC_REMOVE_OK 0
#endif

/*
 * 6.11, commit 7296f2301a05 ("swiotlb: reduce swiotlb pool lookups"):
 * is_swiotlb_buffer() is gone; swiotlb_find_pool() says which pool, if
 * any, holds the address.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define vdmac_is_swiotlb_buffer(dev, paddr) (swiotlb_find_pool(dev, paddr) != NULL)
#else
#define vdmac_is_swiotlb_buffer(dev, paddr) is_swiotlb_buffer(dev, paddr)
#endif

/*
 * 6.13: symbol namespaces are string literals (commit cdd30ebb1b9f
 * "module: Convert symbol namespace to string literal").
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define VDMAC_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS("DMA_BUF")
#else
#define VDMAC_IMPORT_NS_DMA_BUF() MODULE_IMPORT_NS(DMA_BUF)
#endif

/*
 * 6.13, commit 908a1d775422 ("hrtimers: Introduce hrtimer_setup() to
 * replace hrtimer_init()"): the callback is given at set-up, and later
 * kernels drop hrtimer_init().
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define vdmac_hrtimer_setup(timer, fn, clock, mode) \
	hrtimer_setup(timer, fn, clock, mode)
#else
#define vdmac_hrtimer_setup(timer, fn, clock, mode) \
	do { \
		hrtimer_init(timer, clock, mode); \
		(timer)->function = fn; \
	} while (0)
#endif

/*
 * 6.10, commit f406c8e4b770 ("dma: avoid redundant calls for sync
 * operations"): dma_sync_* do nothing, and reach no tracer, for a device
 * whose dma_dev_need_sync() is false (dma-direct on a coherent device
 * until swiotlb bounces for it).  Before, every sync is made.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define vdmac_syncs_elided(dev) (!dma_dev_need_sync(dev))
#else
#define vdmac_syncs_elided(dev) false
#endif

#endif /* VDMAC_COMPAT_H */
