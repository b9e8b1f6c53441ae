/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fingerprint.h - what CI formats and baselines need to name a finding
 * across runs: a stack frame split into symbol and module, the first frame
 * in the driver (not the DMA API), and a fingerprint from the finding's id,
 * driver and symbol names without offsets, so a rebuilt kernel or module
 * keeps it.
 */
#ifndef DMASCOPE_FINGERPRINT_H
#define DMASCOPE_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/engine.h"

/* "nvme_map_data+0x1c/0x80 [nvme]": symbol nvme_map_data, module nvme. */
struct dmas_frame {
	char sym[128]; /* "" when the frame is an address only */
	char module[64]; /* "" for the kernel image */
};

/* Split a frame as the symbolizers write it; never fails (NULL: empty). */
void dmas_frame_parse(const char *frame, struct dmas_frame *out);

/*
 * Index of the first frame of st that is the driver's code: the first
 * frame in a module, else the first outside the kernel's DMA API and its
 * helpers (dma_*, iommu_*, swiotlb_*, ...); -1 when st has no frame.
 */
int dmas_stack_driver_frame(const struct dmas_stack *st);

/* Fingerprints are 16 lowercase hex digits. */
#define DMAS_FINGERPRINT_LEN 17

/*
 * The fingerprint of a finding of kind `id` on a device of `driver`,
 * created at map (may be NULL) and revealed at close (may be NULL): a
 * 64-bit FNV-1a over the id, the driver and the symbol and module names
 * of each stack's frames up to three past its driver frame.  Offsets,
 * addresses, devices, pids and times are left out.
 */
void dmas_fingerprint(const char *id, const char *driver,
		      const struct dmas_stack *map,
		      const struct dmas_stack *close,
		      char out[DMAS_FINGERPRINT_LEN]);

#endif /* DMASCOPE_FINGERPRINT_H */
