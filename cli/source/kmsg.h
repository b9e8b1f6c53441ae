/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kmsg.h - IOMMU faults that reach only the kernel log.  The Intel IOMMU
 * driver (drivers/iommu/intel/dmar.c, dmar_fault_do_one) prints each DMA
 * remapping fault and never calls report_iommu_fault(), so the
 * iommu:io_page_fault tracepoint never fires for it.  A live source reads
 * /dev/kmsg from its own start and turns each such line into an
 * IOMMU_FAULT event for the device the line names.
 */
#ifndef DMASCOPE_KMSG_H
#define DMASCOPE_KMSG_H

#include <stdbool.h>
#include <stdint.h>

/* One "DMAR: [DMA Write NO_PASID] Request device [bb:dd.f] fault addr ..." */
struct dmas_dmar_fault {
	char device[16]; /* PCI name, segment 0000: "0000:00:04.0" */
	uint64_t addr; /* faulting IOVA */
	bool write; /* DMA Write (else DMA Read) */
	uint32_t reason; /* the hardware's fault reason code */
};

/*
 * Parses one kernel log message (the text after the kmsg record prefix).
 * Returns false for anything that is not a DMA remapping fault (interrupt
 * remapping faults and other lines included).
 */
bool dmas_dmar_parse(const char *msg, struct dmas_dmar_fault *f);

struct dmas_kmsg;

/* Opens /dev/kmsg (path: for tests) at its end; NULL when unreadable. */
struct dmas_kmsg *dmas_kmsg_open(const char *path);
/*
 * Reads every record there is now, without blocking, and calls fault for
 * each DMA remapping fault.  Returns the number of records read, or -1
 * when the log cannot be read any more.  Records the kernel overwrote
 * before they were read are counted in *missed.
 */
int dmas_kmsg_poll(struct dmas_kmsg *k,
		   void (*fault)(void *ctx, const struct dmas_dmar_fault *f),
		   void *ctx, uint64_t *missed);
void dmas_kmsg_close(struct dmas_kmsg *k);

#endif /* DMASCOPE_KMSG_H */
