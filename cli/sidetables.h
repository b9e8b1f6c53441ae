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

struct dmas_device {
	uint32_t id; /* the id events use (>= 1) */
	int32_t numa_node; /* -1: none */
	uint32_t flags; /* DMAS_DEVF_* */
	char name[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN];
	char bus[DMAS_BUS_NAME_LEN];
	uint64_t dma_mask;
};

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
