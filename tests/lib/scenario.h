/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * scenario.h - write event streams without a kernel: devices, stacks by
 * frame strings, memory ranges, a clock that advances, and one call per
 * event kind with sensible defaults, delivered to any struct dmas_sink (an
 * engine, a recording writer, a tee of both).  Unit tests, benchmarks and
 * demo generators build their inputs with it.
 *
 *	struct dmas_engine *e;
 *	struct scn *s = scn_new_engine(NULL, &e);
 *	uint32_t nic = scn_device(s, "0000:00:03.0", "e1000e", 0);
 *
 *	scn_bind(s, nic, "e1000e");
 *	scn_map(s, nic, 0x1000, 2048, DMAS_DIR_FROM_DEVICE);
 *	scn_unbind(s, nic);
 *	scn_finish(s);		-> one leak-at-unbind
 */
#ifndef DMASCOPE_SCENARIO_H
#define DMASCOPE_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/engine.h"
#include "source/source.h"

struct scn;

/* Deliver to sink (copied). The clock starts at 1 s, each event advances it by
 * 1 us. */
struct scn *scn_new(const struct dmas_sink *sink);
/* Deliver to a new engine made with opts (NULL: defaults); *e gets it. */
struct scn *scn_new_engine(const struct dmas_engine_opts *opts,
			   struct dmas_engine **e);
/* Frees the scenario (and its engine, if scn_new_engine made one). */
void scn_free(struct scn *s);

/* ---- side tables ---- */
/* The session record, start_ts = now. */
void scn_session(struct scn *s, bool traced_from_boot);
/* The session record with the hooks list the tracer would have chosen. */
void scn_session_hooks(struct scn *s, bool traced_from_boot, const char *hooks);
/* A device record; returns its id (1, 2, ...). node -1: none. */
uint32_t scn_device(struct scn *s, const char *name, const char *driver,
		    int node);
uint32_t scn_device_flags(struct scn *s, const char *name, const char *driver,
			  int node, uint32_t flags);
/* A device record with a DMA mask (0: the record has none). */
uint32_t scn_device_mask(struct scn *s, const char *name, const char *driver,
			 uint64_t mask, uint32_t flags);
/* A device record with isolation facts (enum dmas_iommu_domain, dmas_port). */
uint32_t scn_device_iso(struct scn *s, const char *name, const char *driver,
			uint8_t domain, uint32_t group, uint8_t port);
/* A stack of frames, innermost first, NULL-terminated; returns its id. */
uint32_t scn_stack(struct scn *s, const char *frame, ...)
	__attribute__((sentinel));
void scn_mem_range(struct scn *s, uint64_t start, uint64_t end, int node);
/* A part of the kernel image: kind DMAS_MEM_KERNEL_TEXT or _RODATA. */
void scn_kernel_range(struct scn *s, uint64_t start, uint64_t end,
		      uint32_t kind);
void scn_cpu_node(struct scn *s, uint32_t cpu, int node);

/* ---- clock and context of the events that follow ---- */
uint64_t scn_now(const struct scn *s);
void scn_advance(struct scn *s, uint64_t ns);
/* Time between consecutive events (default 1000 ns). */
void scn_set_step(struct scn *s, uint64_t ns);
/* Stack id carried by the following events (0: none). */
void scn_use_stack(struct scn *s, uint32_t stack);
void scn_use_cpu(struct scn *s, uint16_t cpu);
void scn_use_pid(struct scn *s, uint32_t pid);
/* Any event: ts (if 0), stack, cpu and pid filled in from the context. */
void scn_event(struct scn *s, const struct dmas_event *ev);
/* Tell the sink time passed without events (live idle), at now. */
void scn_idle(struct scn *s);
/* Idle at now, then dmas_engine_finish at now if scn_new_engine made the
 * engine. */
void scn_finish(struct scn *s);

/* ---- streaming DMA API (phys defaults to the dma address) ---- */
void scn_map(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
	     int dir);
void scn_map_phys(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		  int dir, uint64_t phys);
void scn_map_attrs(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		   int dir, uint16_t attrs);
void scn_unmap(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
	       int dir);
/*
 * sg: nents passed, mapped segments, first segment's dma address, total bytes
 */
void scn_map_sg(struct scn *s, uint32_t dev, uint64_t sg, uint32_t nents,
		uint32_t mapped, uint64_t addr, uint64_t size, int dir);
void scn_unmap_sg(struct scn *s, uint32_t dev, uint64_t sg, uint32_t nents,
		  uint64_t size, int dir);
void scn_sync_for_cpu(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		      int dir);
void scn_sync_for_device(struct scn *s, uint32_t dev, uint64_t addr,
			 uint64_t size, int dir);
void scn_sync_sg_for_cpu(struct scn *s, uint32_t dev, uint64_t sg,
			 uint32_t nents, uint64_t size, int dir);
void scn_sync_sg_for_device(struct scn *s, uint32_t dev, uint64_t sg,
			    uint32_t nents, uint64_t size, int dir);
void scn_map_resource(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		      int dir);
void scn_unmap_resource(struct scn *s, uint32_t dev, uint64_t addr,
			uint64_t size, int dir);
void scn_map_error(struct scn *s, uint32_t dev, uint64_t size, int dir);

/* ---- coherent, pages, pools ---- */
/* The CPU address allocations and frees carry: derived from the handle. */
#define SCN_VADDR(addr) (0xffff888000000000ULL | (addr))
void scn_alloc_coherent(struct scn *s, uint32_t dev, uint64_t addr,
			uint64_t size);
void scn_alloc_coherent_phys(struct scn *s, uint32_t dev, uint64_t addr,
			     uint64_t size, uint64_t phys);
void scn_free_coherent(struct scn *s, uint32_t dev, uint64_t addr,
		       uint64_t size);
void scn_alloc_pages(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		     int dir);
void scn_free_pages(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		    int dir);
void scn_pool_create(struct scn *s, uint32_t dev, uint64_t pool,
		     uint64_t block_size);
void scn_pool_destroy(struct scn *s, uint32_t dev, uint64_t pool);
void scn_pool_alloc(struct scn *s, uint32_t dev, uint64_t pool, uint64_t addr,
		    uint64_t size);
void scn_pool_free(struct scn *s, uint32_t dev, uint64_t pool, uint64_t addr,
		   uint64_t size);

/* ---- dmaengine (dev = the provider) ---- */
void scn_chan_request(struct scn *s, uint32_t dev, uint64_t chan,
		      uint32_t index, uint32_t client);
void scn_chan_release(struct scn *s, uint32_t dev, uint64_t chan);
/* cookie 0: the kernel assigns it at submit */
void scn_desc_prep(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		   uint64_t phys, uint64_t size, int dir);
void scn_desc_submit(struct scn *s, uint32_t dev, uint64_t chan,
		     uint64_t cookie);
void scn_issue_pending(struct scn *s, uint32_t dev, uint64_t chan);
void scn_xfer_start(struct scn *s, uint32_t dev, uint64_t chan,
		    uint64_t cookie);
void scn_xfer_complete(struct scn *s, uint32_t dev, uint64_t chan,
		       uint64_t cookie);
void scn_xfer_error(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		    uint32_t result);
void scn_terminate(struct scn *s, uint32_t dev, uint64_t chan);
/* prep + submit + issue_pending + complete of one transfer targeting phys */
void scn_transfer(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		  uint64_t phys, uint64_t size, int dir);

/* ---- CPU access, lifetime, iommu, bookkeeping ---- */
void scn_cpu_access(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		    bool write);
void scn_bind(struct scn *s, uint32_t dev, const char *driver);
/* DRIVER_UNBIND with the device's driver name */
void scn_unbind(struct scn *s, uint32_t dev);
void scn_remove(struct scn *s, uint32_t dev);
void scn_module_unload(struct scn *s, const char *module);
void scn_iommu_map(struct scn *s, uint32_t dev, uint64_t iova, uint64_t size,
		   uint64_t phys);
void scn_iommu_unmap(struct scn *s, uint32_t dev, uint64_t iova, uint64_t size);
void scn_iommu_fault(struct scn *s, uint32_t dev, uint64_t iova,
		     uint32_t flags);
void scn_lost(struct scn *s, uint32_t n);
void scn_bounce(struct scn *s, uint32_t dev, uint64_t addr, uint64_t phys,
		uint64_t size, int dir);
/* a loss the kernel counted (recursion, kretprobe misses) or the ring's */
void scn_lost_reason(struct scn *s, uint32_t n, enum dmas_loss_reason reason);

/* ---- the IOVA API (state: the driver's dma_iova_state pointer) ---- */
void scn_iova_alloc(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		    uint64_t size);
/* dma_iova_try_alloc returned false */
void scn_iova_alloc_fail(struct scn *s, uint32_t dev, uint64_t state,
			 uint64_t size);
/* addr: the range's dma address plus the offset linked at */
void scn_iova_link(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		   uint64_t size, int dir, uint64_t phys);
void scn_iova_sync(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		   uint64_t size);
void scn_iova_unlink(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		     uint64_t size, int dir);
void scn_iova_destroy(struct scn *s, uint32_t dev, uint64_t state,
		      uint64_t addr, uint64_t mapped_len, int dir);
void scn_iova_free(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr);

/* ---- what the kernel decided for a device ---- */
/* dma_need_unmap() answered needed */
void scn_need_unmap(struct scn *s, uint32_t dev, bool needed);
/* dma_dev_need_sync() turned false (elided) or true again */
void scn_sync_elision(struct scn *s, uint32_t dev, bool elided);
/*
 * dma_set_mask (or dma_set_coherent_mask: coherent) from old to mask with
 * result ret (0 or -errno); bus_limit 0: none
 */
void scn_dma_mask(struct scn *s, uint32_t dev, uint64_t old, uint64_t mask,
		  bool coherent, int ret, uint64_t bus_limit);
/* a free from the device's own coherent area (no trace_dma_free) */
void scn_dev_coherent_free(struct scn *s, uint32_t dev, uint64_t addr,
			   uint64_t size);

/* ---- dma-buf and dma_fence (buf, att, fence: kernel pointers) ---- */
/* dma_buf_export by dev (0: exporter unknown) of size bytes */
void scn_dmabuf_export(struct scn *s, uint32_t dev, uint64_t buf,
		       uint64_t size);
void scn_dmabuf_release(struct scn *s, uint64_t buf);
/* importer dev attaches att to buf, detaches it */
void scn_dmabuf_attach(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att);
void scn_dmabuf_detach(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att);
/* dma_buf_map_attachment / dma_buf_unmap_attachment */
void scn_dmabuf_map(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att,
		    uint64_t size, int dir);
void scn_dmabuf_unmap(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att,
		      int dir);
/* a dma_fence:* event of kind (DMAS_EV_FENCE_*) */
void scn_fence(struct scn *s, uint8_t kind, uint64_t fence, uint64_t ctx,
	       uint64_t seqno);

/* ---- contiguous memory (cma:* tracepoints; pages of 4 KiB) ---- */
void scn_cma_start(struct scn *s, uint64_t pages);
/* phys 0: the allocation failed with err (a negative errno, or 0) */
void scn_cma_finish(struct scn *s, uint64_t phys, uint64_t pages, int err);
void scn_cma_release(struct scn *s, uint64_t phys, uint64_t pages);
/* dma_alloc_attrs of dev returned NULL */
void scn_alloc_coherent_failed(struct scn *s, uint32_t dev, uint64_t size);

/* ---- reading an engine's findings in tests ---- */
/* "id,id,..." of every finding in order ("" if none); static buffer. */
const char *scn_ids(const struct dmas_engine *e);
/* Number of findings with this id. */
int scn_count(const struct dmas_engine *e, const char *id);
/* The n-th (0-based) finding with this id, or NULL. */
const struct dmas_finding *scn_finding(const struct dmas_engine *e,
				       const char *id, int n);
/* Every finding, one line each, to stderr (debugging a failing test). */
void scn_dump(const struct dmas_engine *e);

#endif /* DMASCOPE_SCENARIO_H */
