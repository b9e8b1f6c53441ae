/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sidetables.h - the session's side tables beside the event contract: the
 * session, devices, stacks and the memory map every source delivers
 * before the events that name them, and recordings store.  Userspace only.
 */
#ifndef DMASCOPE_SIDETABLES_H
#define DMASCOPE_SIDETABLES_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

/*
 * A token in a session's hooks: the source recorded no stacks (not asked
 * for, or it could not), so findings have none.
 */
#define DMAS_HOOKS_NO_STACKS "no-stacks"

struct dmas_session {
	char kernel_release[65];
	char hostname[65];
	char clock[16]; /* "monotonic" */
	uint32_t page_size;
	uint64_t start_ts; /* ns on the event clock */
	uint64_t start_realtime_ns; /* wall clock at start_ts */
	/*
	 * "tp_btf:dma_map_phys dma_unmap_phys;fexit:..." as chosen: room for
	 * every hook the tracer has, so the list is never cut.
	 */
	char hooks[2048];
	bool traced_from_boot; /* tracing began before drivers bound */
};

/*
 * How the IOMMU isolates a device: its group's default domain type as sysfs
 * shows it (/sys/kernel/iommu_groups/N/type), or that it has no group.
 * Zero is "not known": a recording from before these facts, a trace.dat.
 */
enum dmas_iommu_domain {
	DMAS_IOMMU_UNKNOWN = 0,
	DMAS_IOMMU_NONE, /* no IOMMU group: dma addresses are physical */
	DMAS_IOMMU_DMA, /* translated ("DMA") */
	DMAS_IOMMU_DMA_FQ, /* translated, lazy IOTLB flush ("DMA-FQ") */
	DMAS_IOMMU_IDENTITY, /* passthrough: no translation */
	DMAS_IOMMU_BLOCKED, /* no DMA allowed */
	DMAS_IOMMU_UNMANAGED, /* owned by user space or a VM (VFIO) */
	DMAS_IOMMU_GROUP_ONLY, /* a group whose type could not be read */
	DMAS_IOMMU_DOMAIN_MAX
};

/*
 * Where the device is attached, from sysfs: the device's `removable`
 * ("removable": below a port the firmware marks external-facing, such as
 * Thunderbolt) and PCI's `untrusted` where the kernel shows it.
 */
enum dmas_port {
	DMAS_PORT_UNKNOWN = 0, /* no attribute, or not read */
	DMAS_PORT_FIXED,
	DMAS_PORT_REMOVABLE,
	DMAS_PORT_UNTRUSTED,
	DMAS_PORT_MAX
};

struct dmas_device {
	uint32_t id; /* the id events use (>= 1) */
	int32_t numa_node; /* -1: none */
	uint32_t flags; /* DMAS_DEVF_* */
	char name[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN];
	char bus[DMAS_BUS_NAME_LEN];
	uint64_t dma_mask;
	uint32_t iommu_group; /* meaningful when iommu_domain >= DMA */
	uint8_t iommu_domain; /* enum dmas_iommu_domain */
	uint8_t port; /* enum dmas_port */
};

/* sysfs's word for a domain type ("DMA-FQ"), "none", "unknown". */
static inline const char *dmas_iommu_domain_name(unsigned int t)
{
	static const char *const n[] = {"unknown",   "none",	 "DMA",
					"DMA-FQ",    "identity", "blocked",
					"unmanaged", "group"};

	return t < DMAS_IOMMU_DOMAIN_MAX ? n[t] : "unknown";
}

/* What the domain means for isolation: translated, identity, none, ... */
static inline const char *dmas_iommu_isolation(unsigned int t)
{
	static const char *const n[] = {"unknown",    "none",	  "translated",
					"translated", "identity", "blocked",
					"translated", "unknown"};

	return t < DMAS_IOMMU_DOMAIN_MAX ? n[t] : "unknown";
}

/* The device's DMA reaches memory untranslated (no group, passthrough). */
static inline bool dmas_iommu_untranslated(unsigned int t)
{
	return t == DMAS_IOMMU_NONE || t == DMAS_IOMMU_IDENTITY;
}

static inline const char *dmas_port_name(unsigned int p)
{
	static const char *const n[] = {"unknown", "fixed", "removable",
					"untrusted"};

	return p < DMAS_PORT_MAX ? n[p] : "unknown";
}

static inline bool dmas_port_external(unsigned int p)
{
	return p == DMAS_PORT_REMOVABLE || p == DMAS_PORT_UNTRUSTED;
}

/* A symbolized stack: frames are "func+0x1c/0x80 [module]" strings. */
struct dmas_stack {
	uint32_t id; /* >= 1 */
	uint32_t nr_frames;
	const char **frames; /* innermost first */
};

/* What a physical range is: RAM of a node, or a part of the kernel image. */
enum dmas_mem_kind {
	DMAS_MEM_RAM = 0, /* RAM on node `node` */
	DMAS_MEM_KERNEL_TEXT = 1, /* the kernel image's code (_stext.._etext) */
	DMAS_MEM_KERNEL_RODATA = 2, /* its read-only data (__start_rodata..) */
	DMAS_MEM_KINDS
};

/*
 * One range of physical memory: RAM and its NUMA node, or (kind other
 * than RAM, node -1) a range of the kernel image no device may be given.
 */
struct dmas_mem_range {
	uint64_t start; /* physical address */
	uint64_t end; /* exclusive */
	int32_t node;
	uint32_t kind; /* enum dmas_mem_kind */
};

#endif /* DMASCOPE_SIDETABLES_H */
