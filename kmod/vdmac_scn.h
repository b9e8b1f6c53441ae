/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdmac_scn.h - what vdmac's scenarios share: a run and its ground truth
 * (vdmac_harness.c), buffers, channels and transfers (scn_io.c), and the
 * scenarios of each finding area (scn_*.c), which the harness's one table
 * lists.
 */
#ifndef _VDMAC_SCN_H
#define _VDMAC_SCN_H

#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>

#include "vdmac.h"

#define WAIT_MS		5000
/* dma_pool block size of the scenarios that use a pool */
#define HDR_SIZE	64

struct vdmac_run;

struct vdmac_scenario {
	const char *name;
	const char *kind;	/* good, buggy, util, module */
	int (*run)(struct vdmac_run *r);
	const char *what;
};

struct vdmac_run {
	const struct vdmac_scenario *sc;
	struct vdmac_dev *vd;
	struct device *dev;
	int node;
	bool refused;
	u64 bytes;
	unsigned int checks;
	unsigned int failures;
	unsigned int stale;
	unsigned int bounced;
	char detail[160];
};

/* ---- the run and its ground truth (vdmac_harness.c) ---- */

__printf(1, 2) void truth(const char *fmt, ...);
void truth_map(struct vdmac_run *r, const char *id, dma_addr_t addr,
	       size_t size, enum dma_data_direction dir, const char *extra);
__printf(2, 3) void fail(struct vdmac_run *r, const char *fmt, ...);
void check(struct vdmac_run *r, bool ok, const char *what);
int refuse(struct vdmac_run *r, const char *token, const char *why);

/* ---- buffers, channels, transfers (scn_io.c) ---- */

/* a page block from the device's node */
struct vbuf {
	struct page *page;
	u8 *cpu;
	size_t size;
	dma_addr_t dma;
	enum dma_data_direction dir;
	bool mapped;
};

struct xwait {
	struct completion done;
	struct dmaengine_result res;
	dma_cookie_t cookie;
};

void note_map(struct vdmac_run *r, dma_addr_t addr);
bool misuse_safe(struct vdmac_run *r, dma_addr_t addr);
void cpu_touch(struct vdmac_run *r, dma_addr_t addr, size_t size,
	       bool write);
bool adc_matches(const u8 *buf, size_t len, u64 pos);
void fill_pattern(u8 *buf, size_t len, u32 seed);

int vbuf_alloc_on(struct vdmac_run *r, struct vbuf *b, size_t size, int nid,
		  gfp_t extra);
int vbuf_alloc(struct vdmac_run *r, struct vbuf *b, size_t size);
int vbuf_map(struct vdmac_run *r, struct vbuf *b,
	     enum dma_data_direction dir);
int vbuf_new(struct vdmac_run *r, struct vbuf *b, size_t size,
	     enum dma_data_direction dir);
void vbuf_unmap(struct vdmac_run *r, struct vbuf *b);
void vbuf_free(struct vdmac_run *r, struct vbuf *b);

struct dma_chan *run_chan(struct vdmac_run *r);
int sc_open(struct vdmac_run *r, struct dma_chan **chan, struct vbuf *b,
	    struct vbuf *b2, size_t size);
int sc_close(struct vdmac_run *r, struct dma_chan *chan, struct vbuf *b,
	     struct vbuf *b2, int ret);

struct dma_async_tx_descriptor *xprep(struct vdmac_run *r,
				      struct dma_chan *chan,
				      enum dma_transfer_direction dir,
				      dma_addr_t dst, dma_addr_t src,
				      size_t len);
int xsubmit(struct vdmac_run *r, struct dma_async_tx_descriptor *tx,
	    struct xwait *w);
int xqueue(struct vdmac_run *r, struct dma_chan *chan,
	   enum dma_transfer_direction dir, dma_addr_t dst, dma_addr_t src,
	   size_t len, struct xwait *w);
int xwait_for(struct vdmac_run *r, struct dma_chan *chan, struct xwait *w,
	      unsigned int ms);
int xfer(struct vdmac_run *r, struct dma_chan *chan,
	 enum dma_transfer_direction dir, dma_addr_t dst, dma_addr_t src,
	 size_t len);

/* ---- good clients (scn_good.c) ---- */

int sc_memcpy(struct vdmac_run *r);
int sc_memcpy_poll(struct vdmac_run *r);
int sc_rx_ring(struct vdmac_run *r);
int sc_storage_sg(struct vdmac_run *r);
int sc_coherent_ring(struct vdmac_run *r);
int sc_stream_start(struct vdmac_run *r);
int sc_stream_stop(struct vdmac_run *r);
void stream_stop(struct vdmac_dev *vd, struct vdmac_run *r);

/* ---- leaks (scn_leaks.c) ---- */

int sc_leak_at_unbind(struct vdmac_run *r);
int sc_pool_leak(struct vdmac_run *r);
int sc_long_held(struct vdmac_run *r);
int sc_release(struct vdmac_run *r);
int sc_reclaim(struct vdmac_run *r);
void leaks_unbind(struct vdmac_dev *vd);

/* ---- buffer ownership (scn_ownership.c) ---- */

int sc_missing_sync_for_cpu(struct vdmac_run *r);
int sc_missing_sync_for_device(struct vdmac_run *r);
int sc_cpu_access_device_owned(struct vdmac_run *r);

/* ---- releases and syncs checked against the mapping (scn_misuse.c) ---- */

int sc_double_unmap(struct vdmac_run *r);
int sc_unmap_size_mismatch(struct vdmac_run *r);
int sc_unmap_dir_mismatch(struct vdmac_run *r);
int sc_unmap_not_mapped(struct vdmac_run *r);
int sc_sync_not_mapped(struct vdmac_run *r);
int sc_late_device(struct vdmac_run *r);
int sc_sync_sg_nents_mismatch(struct vdmac_run *r);
int sc_unmap_type_mismatch(struct vdmac_run *r);
int sc_cacheline_overlap(struct vdmac_run *r);
int sc_map_kernel_image(struct vdmac_run *r);
int sc_map_stack(struct vdmac_run *r);
int sc_sync_out_of_range(struct vdmac_run *r);
int sc_sync_dir_mismatch(struct vdmac_run *r);
int sc_coherent_via_streaming(struct vdmac_run *r);
int sc_streaming_via_coherent(struct vdmac_run *r);
int sc_free_not_allocated(struct vdmac_run *r);
int sc_map_error(struct vdmac_run *r);

/* ---- NUMA (scn_numa.c) ---- */

int sc_numa_remote_buffer(struct vdmac_run *r);
int sc_numa_remote_cpu(struct vdmac_run *r);

/* ---- dmaengine (scn_dmaengine.c) ---- */

int sc_desc_never_issued(struct vdmac_run *r);
int sc_xfer_timeout(struct vdmac_run *r);
int sc_xfer_error(struct vdmac_run *r);
int sc_xfer_over_budget(struct vdmac_run *r);
int sc_xfer_bus_error(struct vdmac_run *r);
int sc_terminate_in_flight(struct vdmac_run *r);

/* ---- performance hints (scn_hints.c) ---- */

int sc_redundant_sync(struct vdmac_run *r);
int sc_map_churn(struct vdmac_run *r);
int sc_swiotlb_bounce(struct vdmac_run *r);

/* ---- isolation (scn_isolation.c) ---- */

int sc_external_untranslated(struct vdmac_run *r);
int sc_external_bounced(struct vdmac_run *r);

/* ---- DMA masks (scn_masks.c) ---- */

int sc_mask_32bit(struct vdmac_run *r);
int sc_mask_changed_while_mapped(struct vdmac_run *r);
int sc_mask_never_set(struct vdmac_run *r);

/* ---- dma-buf and fences (scn_dmabuf.c) ---- */

#ifdef CONFIG_DMA_SHARED_BUFFER
int sc_dmabuf_good(struct vdmac_run *r);
int sc_dmabuf_map_leak(struct vdmac_run *r);
int sc_fence_never_signalled(struct vdmac_run *r);
void dmabuf_reclaim(void);
#else
static inline int sc_no_dmabuf(struct vdmac_run *r)
{
	return refuse(r, "no-dma-buf",
		      "the kernel is built without CONFIG_DMA_SHARED_BUFFER");
}
#define sc_dmabuf_good sc_no_dmabuf
#define sc_dmabuf_map_leak sc_no_dmabuf
#define sc_fence_never_signalled sc_no_dmabuf
static inline void dmabuf_reclaim(void)
{
}
#endif

/* ---- contiguous memory (scn_cma.c) ---- */

int sc_cma_alloc(struct vdmac_run *r);
int sc_cma_alloc_failed(struct vdmac_run *r);

#endif /* _VDMAC_SCN_H */
