/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * event.h - the one event contract between every source (BPF, tracefs,
 * recordings, trace-cmd imports) and the engine.  Shared with bpf/: fixed
 * width types only, no libc, no pointers.
 */
#ifndef DMASCOPE_EVENT_H
#define DMASCOPE_EVENT_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DMAS_NAME_LEN 40 /* payload bytes when an event carries a name */
#define DMAS_DEV_NAME_LEN 64
#define DMAS_DRV_NAME_LEN 32
#define DMAS_BUS_NAME_LEN 16

/*
 * Event kinds.  Values are part of the .dmat format: append only, never
 * renumber.  Field use per kind is in the table below struct dmas_event.
 */
enum dmas_kind {
	DMAS_EV_NONE = 0,
	/* streaming DMA API */
	DMAS_EV_MAP = 1, /* dma_map_page_attrs / map_single / map_phys */
	DMAS_EV_UNMAP = 2,
	DMAS_EV_MAP_SG = 3,
	DMAS_EV_UNMAP_SG = 4,
	DMAS_EV_SYNC_FOR_CPU = 5, /* dma_sync_single_for_cpu */
	DMAS_EV_SYNC_FOR_DEVICE = 6,
	DMAS_EV_SYNC_SG_FOR_CPU = 7,
	DMAS_EV_SYNC_SG_FOR_DEVICE = 8,
	DMAS_EV_MAP_RESOURCE = 9,
	DMAS_EV_UNMAP_RESOURCE = 10,
	DMAS_EV_MAP_ERROR = 11, /* a map call returned DMA_MAPPING_ERROR */
	/* coherent and page allocations */
	DMAS_EV_ALLOC_COHERENT = 12, /* dma_alloc_attrs */
	DMAS_EV_FREE_COHERENT = 13,
	DMAS_EV_ALLOC_PAGES = 14, /* dma_alloc_pages */
	DMAS_EV_FREE_PAGES = 15,
	/* dma_pool */
	DMAS_EV_POOL_CREATE = 16,
	DMAS_EV_POOL_DESTROY = 17,
	DMAS_EV_POOL_ALLOC = 18,
	DMAS_EV_POOL_FREE = 19,
	/* dmaengine */
	DMAS_EV_CHAN_REQUEST = 20,
	DMAS_EV_CHAN_RELEASE = 21,
	DMAS_EV_DESC_PREP = 22,
	DMAS_EV_DESC_SUBMIT = 23,
	DMAS_EV_ISSUE_PENDING = 24,
	DMAS_EV_XFER_START = 25,
	DMAS_EV_XFER_COMPLETE = 26,
	DMAS_EV_XFER_ERROR = 27,
	DMAS_EV_TERMINATE = 28,
	/* instrumented CPU access to a DMA buffer (vdmac clients) */
	DMAS_EV_CPU_ACCESS = 29,
	/* device and module lifetime */
	DMAS_EV_DRIVER_BIND = 30,
	DMAS_EV_DRIVER_UNBIND = 31,
	DMAS_EV_DEVICE_REMOVE = 32,
	DMAS_EV_MODULE_UNLOAD = 33,
	/* iommu */
	DMAS_EV_IOMMU_MAP = 34,
	DMAS_EV_IOMMU_UNMAP = 35,
	DMAS_EV_IOMMU_FAULT = 36,
	/* bookkeeping */
	DMAS_EV_LOST = 37, /* count events were lost around ts */
	DMAS_EV_SWIOTLB_BOUNCE = 38, /* swiotlb_tbl_map_single / swiotlb:* */
	/* the IOVA API (6.16+; no tracepoints: the exported functions) */
	DMAS_EV_IOVA_ALLOC = 39, /* dma_iova_try_alloc */
	DMAS_EV_IOVA_LINK = 40, /* dma_iova_link */
	DMAS_EV_IOVA_SYNC = 41, /* dma_iova_sync */
	DMAS_EV_IOVA_UNLINK = 42, /* dma_iova_unlink */
	DMAS_EV_IOVA_DESTROY = 43, /* dma_iova_destroy: unlink + free */
	DMAS_EV_IOVA_FREE = 44, /* dma_iova_free */
	/* what the kernel told a driver, or decided for a device */
	DMAS_EV_NEED_UNMAP = 45, /* dma_need_unmap()'s answer (6.16+) */
	DMAS_EV_SYNC_ELISION = 46, /* dma_dev_need_sync() changed (6.10+) */
	/* dma_free_attrs of a device's own coherent area (6.13+: no
	 * trace_dma_free for it) */
	DMAS_EV_DEV_COHERENT_FREE = 47,
	/* dma_set_mask / dma_set_coherent_mask returned */
	DMAS_EV_DMA_MASK = 48,
	/* dma-buf sharing (dma_buf_export ... dma_buf_unmap_attachment) */
	DMAS_EV_DMABUF_EXPORT = 49,
	DMAS_EV_DMABUF_RELEASE = 50, /* the buffer's final release */
	DMAS_EV_DMABUF_ATTACH = 51,
	DMAS_EV_DMABUF_DETACH = 52,
	DMAS_EV_DMABUF_MAP = 53, /* dma_buf_map_attachment(_unlocked) */
	DMAS_EV_DMABUF_UNMAP = 54,
	/* dma_fence:* tracepoints */
	DMAS_EV_FENCE_INIT = 55,
	DMAS_EV_FENCE_EMIT = 56,
	DMAS_EV_FENCE_SIGNALED = 57,
	DMAS_EV_FENCE_DESTROY = 58,
	DMAS_EV_FENCE_WAIT_START = 59,
	DMAS_EV_FENCE_WAIT_END = 60,
	/* contiguous memory (cma:* tracepoints, kernels with CONFIG_CMA) */
	DMAS_EV_CMA_ALLOC_START = 61,
	DMAS_EV_CMA_ALLOC_FINISH = 62,
	DMAS_EV_CMA_RELEASE = 63,
	DMAS_EV_MAX
};

/* Same values as the kernel's enum dma_data_direction. */
enum dmas_dir {
	DMAS_DIR_BIDIRECTIONAL = 0,
	DMAS_DIR_TO_DEVICE = 1,
	DMAS_DIR_FROM_DEVICE = 2,
	DMAS_DIR_NONE = 3,
};

/* dmas_event.flags */
#define DMAS_F_WRITE 0x01 /* CPU_ACCESS: the CPU wrote (else read) */
#define DMAS_F_ERROR 0x02 /* the call failed (alloc returned NULL ...) */
#define DMAS_F_ATOMIC 0x04 /* pool alloc/coherent alloc in atomic ctx */
/* MAP, MAP_SG: the buffer (an sg list's first segment) is on the mapping
 * task's own kernel stack */
#define DMAS_F_ON_STACK 0x08
/* DMA_MASK: dma_set_coherent_mask (else dma_set_mask) */
#define DMAS_F_COHERENT_MASK 0x10

/* LOST: attrs says who counted the loss */
enum dmas_loss_reason {
	DMAS_LOSS_RING = 0, /* the ring buffer was full (our own count) */
	/* a program did not run: it was already running on that CPU
	 * (bpf_prog_info.recursion_misses) */
	DMAS_LOSS_RECURSION = 1,
	DMAS_LOSS_KRETPROBE = 2, /* kretprobe instances ran out (nmissed) */
	DMAS_LOSS_REASONS
};

#define DMAS_DEV_NONE 0 /* device ids start at 1 */
#define DMAS_STACK_NONE 0 /* stack ids start at 1 */
/*
 * Ids index the readers' tables.  The tracer hands out device ids below
 * DMAS_BPF_MAX_DEVICES and stack ids up to its stack map's size (at most
 * DMAS_STACK_ID_MAX): a recording with larger ones is damaged or crafted,
 * and readers refuse it instead of growing a table to the id.
 */
#define DMAS_DEV_ID_MAX 65535
#define DMAS_STACK_ID_MAX (1u << 20)

/*
 * One event: 64 bytes, naturally aligned, the same in the ring buffer, in
 * memory and (little endian) in a recording.
 */
struct dmas_event {
	__u64 ts; /* ns, CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u32 dev; /* device table id, DMAS_DEV_NONE if unknown */
	__u32 pid; /* tgid<<0; thread id not kept */
	__u32 stack_id; /* stack table id, DMAS_STACK_NONE if none */
	__u16 cpu;
	__u8 kind; /* enum dmas_kind */
	__u8 dir; /* enum dmas_dir */
	union {
		struct {
			__u64 addr; /* dma address, handle or cookie */
			__u64 size; /* bytes */
			__u64 phys; /* CPU physical address of the buffer */
			__u64 aux; /* kind specific, see below */
			__u32 count; /* kind specific, see below */
			__u16 attrs; /* DMA_ATTR_* (low 16 bits) */
			__u8 flags; /* DMAS_F_* */
			__u8 reserved;
		};
		char name[DMAS_NAME_LEN]; /* NUL padded */
	};
};

/*
 * Field use per kind (unlisted fields are 0):
 *
 * MAP, UNMAP, MAP_RESOURCE, UNMAP_RESOURCE:
 *	addr = dma address, size, dir, attrs, phys (map only); MAP: flags
 *	DMAS_F_ON_STACK when phys is on the mapping task's kernel stack
 * MAP_SG, UNMAP_SG:
 *	aux = scatterlist pointer (the key unmap_sg uses), count = nents
 *	passed, addr = dma address of the first mapped segment, size = total
 *	bytes, phys = first segment's physical address, dir, attrs;
 *	MAP_SG: flags DMAS_F_ON_STACK when that segment is on the mapping
 *	task's kernel stack.
 *	For MAP_SG, `reserved` is unused and the number of mapped segments
 *	is carried in the high 16 bits of count: count = nents | mapped << 16.
 * SYNC_FOR_CPU, SYNC_FOR_DEVICE:
 *	addr = dma address synced (may be inside a mapping), size, dir
 * SYNC_SG_FOR_CPU, SYNC_SG_FOR_DEVICE:
 *	aux = scatterlist pointer, count = nents synced, size = bytes, dir
 * MAP_ERROR:
 *	size, dir, phys of the failed map; aux = the kind that failed
 * ALLOC_COHERENT, FREE_COHERENT, ALLOC_PAGES, FREE_PAGES:
 *	addr = dma handle, size, phys (alloc), aux = CPU virtual address,
 *	flags DMAS_F_ERROR when the allocation failed
 * POOL_CREATE, POOL_DESTROY:
 *	aux = pool id (kernel pointer, opaque), size = block size,
 *	name = pool name is not carried: see struct dmas_device_rec
 * POOL_ALLOC, POOL_FREE:
 *	aux = pool id, addr = dma handle, size = block size, phys (alloc)
 * CHAN_REQUEST, CHAN_RELEASE:
 *	dev = the dmaengine provider device, aux = channel id (opaque),
 *	count = channel index on its provider, addr = client device id
 * DESC_PREP, DESC_SUBMIT, ISSUE_PENDING, XFER_START, XFER_COMPLETE,
 * XFER_ERROR, TERMINATE:
 *	dev = provider, aux = channel id, addr = cookie (0 for ISSUE_PENDING
 *	and TERMINATE), size = transfer bytes (prep), count = result code
 *	(XFER_ERROR: enum dmaengine_tx_result), phys = first dma address the
 *	descriptor targets (prep), dir (prep)
 * CPU_ACCESS:
 *	addr = dma address of the buffer, size = bytes touched,
 *	flags DMAS_F_WRITE for writes
 * DRIVER_BIND, DRIVER_UNBIND, MODULE_UNLOAD:
 *	name = driver or module name (dev = 0 for MODULE_UNLOAD)
 * DEVICE_REMOVE:
 *	dev only
 * IOMMU_MAP, IOMMU_UNMAP:
 *	addr = iova, size, phys (map)
 * IOMMU_FAULT:
 *	addr = faulting iova, count = fault flags
 * LOST:
 *	count = events lost (saturating), aux = cpu or ring index;
 *	attrs = enum dmas_loss_reason (the kernel's own counts, ring drops
 *	and recursion misses, are read as differences since the last read
 *	and sent as LOST too); the loss happened somewhere in [ts, ts + size]
 *	(size 0: at ts): a counter read says only that it was not there at
 *	the previous read and is now, so every event in that span may have
 *	come after it
 * SWIOTLB_BOUNCE:
 *	addr = dma address handed out, phys = original buffer, size, dir
 * IOVA_ALLOC, IOVA_LINK, IOVA_SYNC, IOVA_UNLINK, IOVA_DESTROY, IOVA_FREE:
 *	aux = the driver's struct dma_iova_state (kernel pointer, the key of
 *	the range until its free or destroy), addr = the range's dma address
 *	(state->addr) plus the call's offset (LINK, SYNC, UNLINK), size =
 *	bytes (ALLOC: of the range; DESTROY: mapped_len, what it unlinks
 *	from offset 0; FREE: 0), phys = the physical address linked (LINK)
 *	or passed for alignment (ALLOC), dir and attrs (LINK, UNLINK,
 *	DESTROY); flags DMAS_F_ERROR when dma_iova_try_alloc returned false
 *	(the driver falls back to dma_map_*) or dma_iova_link/_sync failed
 * NEED_UNMAP:
 *	count = what dma_need_unmap() returned (0: the driver may skip its
 *	unmaps of streaming mappings of this device; the kernel's unmap
 *	would do nothing)
 * SYNC_ELISION:
 *	count = 1: from now on the kernel elides this device's dma_sync_*
 *	calls (dma_dev_need_sync() false: none reaches a hook), 0: it no
 *	longer does (swiotlb started bouncing for it); the device record's
 *	DMAS_DEVF_SYNC_ELIDED gives the state at first sight
 * DEV_COHERENT_FREE:
 *	as FREE_COHERENT: the free of memory from the device's own coherent
 *	area, which dma_free_attrs returns from before trace_dma_free
 * DMA_MASK:
 *	addr = the mask asked for, aux = the device's mask before the call,
 *	count = the call's result (0, or a negative errno), phys = the
 *	device's bus_dma_limit (0: none, or not readable), flags
 *	DMAS_F_COHERENT_MASK for dma_set_coherent_mask (else dma_set_mask;
 *	dma_set_mask_and_coherent calls both)
 * DMABUF_EXPORT, DMABUF_RELEASE:
 *	aux = the struct dma_buf (kernel pointer, the buffer's key until its
 *	release), size = bytes (export), dev = the exporting device where the
 *	tracer knows it (0 else); EXPORT: flags DMAS_F_ERROR when
 *	dma_buf_export failed
 * DMABUF_ATTACH, DMABUF_DETACH:
 *	aux = the struct dma_buf, addr = the struct dma_buf_attachment (the
 *	attachment's key), dev = the importing device; ATTACH: flags
 *	DMAS_F_ERROR when the attach failed
 * DMABUF_MAP, DMABUF_UNMAP:
 *	aux = the struct dma_buf, addr = the attachment, dev = the importing
 *	device, dir, size = bytes of the sg table (0 unknown), count = its
 *	nents; phys = the struct sg_table handed out (map) or back (unmap);
 *	MAP: flags DMAS_F_ERROR when the map returned an error
 * FENCE_INIT, FENCE_EMIT, FENCE_SIGNALED, FENCE_DESTROY,
 * FENCE_WAIT_START, FENCE_WAIT_END:
 *	addr = fence context, phys = seqno (together the fence's key until
 *	its signal or destroy), aux = the struct dma_fence where the source
 *	has it (0 from the tracepoints' records, which carry no pointer),
 *	dev = 0 (a fence has no device)
 * CMA_ALLOC_START, CMA_ALLOC_FINISH, CMA_RELEASE:
 *	count = pages asked for (START) or allocated and released, size =
 *	bytes (count pages of the traced kernel's size), phys = the first
 *	page's physical address (FINISH, RELEASE; 0 when the allocation
 *	failed), aux = the allocation's error (FINISH: a negative errno as
 *	64-bit two's complement where the source has it, else 0), dev = the device where the source knows it
 *	(0 else: the engine ties the allocation to the dma_alloc_* event
 *	that follows it in the same task); FINISH: flags DMAS_F_ERROR when
 *	the allocation failed
 */

/*
 * Device table entry: sent once per device before its first event (by BPF
 * on first sight, by a recording's device records).
 */
struct dmas_device_rec {
	__u64 ts;
	__u32 dev; /* the id events use */
	__s32 numa_node; /* -1: no node */
	__u32 flags; /* DMAS_DEVF_* */
	__u16 cpu;
	__u8 kind; /* DMAS_REC_DEVICE */
	__u8 reserved;
	char name[DMAS_DEV_NAME_LEN]; /* dev_name() */
	char driver[DMAS_DRV_NAME_LEN]; /* "" when not bound */
	char bus[DMAS_BUS_NAME_LEN]; /* "pci", "platform", ... */
	__u64 dma_mask;
};

#define DMAS_REC_DEVICE 0xD0 /* never an enum dmas_kind value */
#define DMAS_DEVF_IOMMU 0x01 /* device translated by an IOMMU */
#define DMAS_DEVF_BOUND_BEFORE 0x02 /* driver bound before tracing */
/* registered (device_add) while tracing: it has no mappings from before */
#define DMAS_DEVF_ADDED 0x04
/* 6.10+: dma_dev_need_sync() false, the kernel skips the device's syncs */
#define DMAS_DEVF_SYNC_ELIDED 0x08
/* dma_need_unmap() said the device's streaming unmaps may be skipped */
#define DMAS_DEVF_NO_UNMAP 0x10
/* swiotlb bounces every streaming mapping of the device (swiotlb=force) */
#define DMAS_DEVF_SWIOTLB_FORCE 0x20

#ifndef __VMLINUX_H__
_Static_assert(sizeof(struct dmas_event) == 64, "dmas_event is 64 bytes");
#endif

#endif /* DMASCOPE_EVENT_H */
