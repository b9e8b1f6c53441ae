/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * scenario.c - the scenario builder (see scenario.h): turns one call per
 * event kind into struct dmas_event records on a clock and hands them and
 * the side tables to a sink.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

struct scn {
	struct dmas_sink sink;
	struct dmas_engine *own_engine;
	uint64_t now;
	uint64_t step;
	uint32_t next_dev;
	uint32_t next_stack;
	uint32_t stack;
	uint32_t pid;
	uint16_t cpu;
	char drivers[64][DMAS_DRV_NAME_LEN]; /* by device id, for scn_unbind */
};

struct scn *scn_new(const struct dmas_sink *sink)
{
	struct scn *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->sink = *sink;
	s->now = 1000000000ULL;
	s->step = 1000;
	s->next_dev = 1;
	s->next_stack = 1;
	s->pid = 1;
	return s;
}

struct scn *scn_new_engine(const struct dmas_engine_opts *opts,
			   struct dmas_engine **e)
{
	struct dmas_engine *eng = dmas_engine_new(opts);
	struct dmas_sink sink = {0};
	struct scn *s;

	if (!eng)
		return NULL;
	dmas_sink_engine(&sink, eng);
	s = scn_new(&sink);
	if (!s) {
		dmas_engine_free(eng);
		return NULL;
	}
	s->own_engine = eng;
	*e = eng;
	return s;
}

void scn_free(struct scn *s)
{
	if (!s)
		return;
	dmas_engine_free(s->own_engine);
	free(s);
}

void scn_session(struct scn *s, bool traced_from_boot)
{
	scn_session_hooks(s, traced_from_boot, "");
}

void scn_session_hooks(struct scn *s, bool traced_from_boot, const char *hooks)
{
	struct dmas_session ss = {0};

	snprintf(ss.hooks, sizeof(ss.hooks), "%s", hooks);

	strcpy(ss.kernel_release, "6.1.0-scenario");
	strcpy(ss.hostname, "scenario");
	strcpy(ss.clock, "monotonic");
	ss.page_size = 4096;
	ss.start_ts = s->now;
	ss.traced_from_boot = traced_from_boot;
	if (s->sink.session)
		s->sink.session(s->sink.ctx, &ss);
}

static uint32_t device_rec_mask(struct scn *s, const char *name,
				const char *driver, int node, uint32_t flags,
				uint8_t domain, uint32_t group, uint8_t port,
				uint64_t mask)
{
	struct dmas_device d = {0};

	d.id = s->next_dev++;
	d.numa_node = node;
	d.flags = flags;
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.driver, sizeof(d.driver), "%s", driver ? driver : "");
	snprintf(d.bus, sizeof(d.bus), "%s",
		 strchr(name, ':') ? "pci" : "platform");
	d.dma_mask = mask;
	d.iommu_domain = domain;
	d.iommu_group = group;
	d.port = port;
	if (domain >= DMAS_IOMMU_DMA)
		d.flags |= DMAS_DEVF_IOMMU;
	if (d.id < 64)
		snprintf(s->drivers[d.id], sizeof(s->drivers[d.id]), "%s",
			 d.driver);
	if (s->sink.device)
		s->sink.device(s->sink.ctx, &d);
	return d.id;
}

static uint32_t device_rec(struct scn *s, const char *name, const char *driver,
			   int node, uint32_t flags, uint8_t domain,
			   uint32_t group, uint8_t port)
{
	return device_rec_mask(s, name, driver, node, flags, domain, group,
			       port, ~0ULL);
}

uint32_t scn_device_mask(struct scn *s, const char *name, const char *driver,
			 uint64_t mask, uint32_t flags)
{
	return device_rec_mask(s, name, driver, 0, flags, DMAS_IOMMU_UNKNOWN, 0,
			       DMAS_PORT_UNKNOWN, mask);
}

uint32_t scn_device_flags(struct scn *s, const char *name, const char *driver,
			  int node, uint32_t flags)
{
	return device_rec(s, name, driver, node, flags, DMAS_IOMMU_UNKNOWN, 0,
			  DMAS_PORT_UNKNOWN);
}

uint32_t scn_device_iso(struct scn *s, const char *name, const char *driver,
			uint8_t domain, uint32_t group, uint8_t port)
{
	return device_rec(s, name, driver, 0, 0, domain, group, port);
}

uint32_t scn_device(struct scn *s, const char *name, const char *driver,
		    int node)
{
	return scn_device_flags(s, name, driver, node, 0);
}

uint32_t scn_stack(struct scn *s, const char *frame, ...)
{
	const char *frames[64];
	struct dmas_stack st = {0};
	const char *f;
	va_list ap;
	uint32_t n = 0;

	va_start(ap, frame);
	for (f = frame; f && n < 64; f = va_arg(ap, const char *))
		frames[n++] = f;
	va_end(ap);
	st.id = s->next_stack++;
	st.nr_frames = n;
	st.frames = frames;
	if (s->sink.stack)
		s->sink.stack(s->sink.ctx, &st);
	return st.id;
}

void scn_mem_range(struct scn *s, uint64_t start, uint64_t end, int node)
{
	struct dmas_mem_range r = {start, end, node};

	if (s->sink.mem_range)
		s->sink.mem_range(s->sink.ctx, &r);
}

void scn_kernel_range(struct scn *s, uint64_t start, uint64_t end,
		      uint32_t kind)
{
	struct dmas_mem_range r = {start, end, -1, kind};

	if (s->sink.mem_range)
		s->sink.mem_range(s->sink.ctx, &r);
}

void scn_cpu_node(struct scn *s, uint32_t cpu, int node)
{
	if (s->sink.cpu_node)
		s->sink.cpu_node(s->sink.ctx, cpu, node);
}

uint64_t scn_now(const struct scn *s)
{
	return s->now;
}

void scn_advance(struct scn *s, uint64_t ns)
{
	s->now += ns;
}

void scn_set_step(struct scn *s, uint64_t ns)
{
	s->step = ns;
}

void scn_use_stack(struct scn *s, uint32_t stack)
{
	s->stack = stack;
}

void scn_use_cpu(struct scn *s, uint16_t cpu)
{
	s->cpu = cpu;
}

void scn_use_pid(struct scn *s, uint32_t pid)
{
	s->pid = pid;
}

void scn_event(struct scn *s, const struct dmas_event *in)
{
	struct dmas_event ev = *in;

	if (!ev.ts) {
		ev.ts = s->now;
		s->now += s->step;
	}
	if (!ev.stack_id)
		ev.stack_id = s->stack;
	if (!ev.cpu)
		ev.cpu = s->cpu;
	if (!ev.pid)
		ev.pid = s->pid;
	if (s->sink.event)
		s->sink.event(s->sink.ctx, &ev);
}

void scn_idle(struct scn *s)
{
	if (s->sink.idle)
		s->sink.idle(s->sink.ctx, s->now);
}

void scn_finish(struct scn *s)
{
	scn_idle(s);
	if (s->own_engine)
		dmas_engine_finish(s->own_engine, s->now);
}

/* One event of kind k on dev with the common payload fields. */
static void ev5(struct scn *s, uint8_t k, uint32_t dev, uint64_t addr,
		uint64_t size, int dir, uint64_t phys, uint64_t aux,
		uint32_t count)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = k;
	ev.dev = dev;
	ev.addr = addr;
	ev.size = size;
	ev.dir = (uint8_t)dir;
	ev.phys = phys;
	ev.aux = aux;
	ev.count = count;
	scn_event(s, &ev);
}

static void ev_name(struct scn *s, uint8_t k, uint32_t dev, const char *name)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = k;
	ev.dev = dev;
	strncpy(ev.name, name ? name : "", sizeof(ev.name));
	scn_event(s, &ev);
}

void scn_map(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_MAP, dev, addr, size, dir, addr, 0, 0);
}

void scn_map_phys(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		  int dir, uint64_t phys)
{
	ev5(s, DMAS_EV_MAP, dev, addr, size, dir, phys, 0, 0);
}

void scn_map_attrs(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		   int dir, uint16_t attrs)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DMAS_EV_MAP;
	ev.dev = dev;
	ev.addr = addr;
	ev.size = size;
	ev.dir = (uint8_t)dir;
	ev.phys = addr;
	ev.attrs = attrs;
	scn_event(s, &ev);
}

void scn_unmap(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
	       int dir)
{
	ev5(s, DMAS_EV_UNMAP, dev, addr, size, dir, 0, 0, 0);
}

void scn_map_sg(struct scn *s, uint32_t dev, uint64_t sg, uint32_t nents,
		uint32_t mapped, uint64_t addr, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_MAP_SG, dev, addr, size, dir, addr, sg,
	    (nents & 0xffff) | mapped << 16);
}

void scn_unmap_sg(struct scn *s, uint32_t dev, uint64_t sg, uint32_t nents,
		  uint64_t size, int dir)
{
	ev5(s, DMAS_EV_UNMAP_SG, dev, 0, size, dir, 0, sg, nents);
}

void scn_sync_for_cpu(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		      int dir)
{
	ev5(s, DMAS_EV_SYNC_FOR_CPU, dev, addr, size, dir, 0, 0, 0);
}

void scn_sync_for_device(struct scn *s, uint32_t dev, uint64_t addr,
			 uint64_t size, int dir)
{
	ev5(s, DMAS_EV_SYNC_FOR_DEVICE, dev, addr, size, dir, 0, 0, 0);
}

void scn_sync_sg_for_cpu(struct scn *s, uint32_t dev, uint64_t sg,
			 uint32_t nents, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_SYNC_SG_FOR_CPU, dev, 0, size, dir, 0, sg, nents);
}

void scn_sync_sg_for_device(struct scn *s, uint32_t dev, uint64_t sg,
			    uint32_t nents, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_SYNC_SG_FOR_DEVICE, dev, 0, size, dir, 0, sg, nents);
}

void scn_map_resource(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		      int dir)
{
	ev5(s, DMAS_EV_MAP_RESOURCE, dev, addr, size, dir, addr, 0, 0);
}

void scn_unmap_resource(struct scn *s, uint32_t dev, uint64_t addr,
			uint64_t size, int dir)
{
	ev5(s, DMAS_EV_UNMAP_RESOURCE, dev, addr, size, dir, 0, 0, 0);
}

void scn_map_error(struct scn *s, uint32_t dev, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_MAP_ERROR, dev, 0, size, dir, 0, DMAS_EV_MAP, 0);
}

void scn_alloc_coherent(struct scn *s, uint32_t dev, uint64_t addr,
			uint64_t size)
{
	ev5(s, DMAS_EV_ALLOC_COHERENT, dev, addr, size, DMAS_DIR_BIDIRECTIONAL,
	    addr, SCN_VADDR(addr), 0);
}

void scn_alloc_coherent_phys(struct scn *s, uint32_t dev, uint64_t addr,
			     uint64_t size, uint64_t phys)
{
	ev5(s, DMAS_EV_ALLOC_COHERENT, dev, addr, size, DMAS_DIR_BIDIRECTIONAL,
	    phys, SCN_VADDR(addr), 0);
}

void scn_alloc_coherent_failed(struct scn *s, uint32_t dev, uint64_t size)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DMAS_EV_ALLOC_COHERENT;
	ev.dev = dev;
	ev.size = size;
	ev.flags = DMAS_F_ERROR;
	scn_event(s, &ev);
}

static void cma_ev(struct scn *s, uint8_t kind, uint64_t phys, uint64_t pages,
		   int err)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.phys = phys;
	ev.count = (uint32_t)pages;
	ev.size = pages * 4096;
	ev.aux = (uint64_t)(int64_t)err;
	if (kind == DMAS_EV_CMA_ALLOC_FINISH && !phys)
		ev.flags = DMAS_F_ERROR;
	if (kind == DMAS_EV_CMA_ALLOC_START)
		ev.phys = 0;
	scn_event(s, &ev);
}

void scn_cma_start(struct scn *s, uint64_t pages)
{
	cma_ev(s, DMAS_EV_CMA_ALLOC_START, 0, pages, 0);
}

void scn_cma_finish(struct scn *s, uint64_t phys, uint64_t pages, int err)
{
	cma_ev(s, DMAS_EV_CMA_ALLOC_FINISH, phys, pages, err);
}

void scn_cma_release(struct scn *s, uint64_t phys, uint64_t pages)
{
	cma_ev(s, DMAS_EV_CMA_RELEASE, phys, pages, 0);
}

void scn_free_coherent(struct scn *s, uint32_t dev, uint64_t addr,
		       uint64_t size)
{
	ev5(s, DMAS_EV_FREE_COHERENT, dev, addr, size, DMAS_DIR_BIDIRECTIONAL,
	    0, SCN_VADDR(addr), 0);
}

void scn_alloc_pages(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		     int dir)
{
	ev5(s, DMAS_EV_ALLOC_PAGES, dev, addr, size, dir, addr, SCN_VADDR(addr),
	    0);
}

void scn_free_pages(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		    int dir)
{
	ev5(s, DMAS_EV_FREE_PAGES, dev, addr, size, dir, 0, SCN_VADDR(addr), 0);
}

void scn_pool_create(struct scn *s, uint32_t dev, uint64_t pool,
		     uint64_t block_size)
{
	ev5(s, DMAS_EV_POOL_CREATE, dev, 0, block_size, 0, 0, pool, 0);
}

void scn_pool_destroy(struct scn *s, uint32_t dev, uint64_t pool)
{
	ev5(s, DMAS_EV_POOL_DESTROY, dev, 0, 0, 0, 0, pool, 0);
}

void scn_pool_alloc(struct scn *s, uint32_t dev, uint64_t pool, uint64_t addr,
		    uint64_t size)
{
	ev5(s, DMAS_EV_POOL_ALLOC, dev, addr, size, 0, addr, pool, 0);
}

void scn_pool_free(struct scn *s, uint32_t dev, uint64_t pool, uint64_t addr,
		   uint64_t size)
{
	ev5(s, DMAS_EV_POOL_FREE, dev, addr, size, 0, 0, pool, 0);
}

void scn_chan_request(struct scn *s, uint32_t dev, uint64_t chan,
		      uint32_t index, uint32_t client)
{
	ev5(s, DMAS_EV_CHAN_REQUEST, dev, client, 0, 0, 0, chan, index);
}

void scn_chan_release(struct scn *s, uint32_t dev, uint64_t chan)
{
	ev5(s, DMAS_EV_CHAN_RELEASE, dev, 0, 0, 0, 0, chan, 0);
}

void scn_desc_prep(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		   uint64_t phys, uint64_t size, int dir)
{
	ev5(s, DMAS_EV_DESC_PREP, dev, cookie, size, dir, phys, chan, 0);
}

void scn_desc_submit(struct scn *s, uint32_t dev, uint64_t chan,
		     uint64_t cookie)
{
	ev5(s, DMAS_EV_DESC_SUBMIT, dev, cookie, 0, 0, 0, chan, 0);
}

void scn_issue_pending(struct scn *s, uint32_t dev, uint64_t chan)
{
	ev5(s, DMAS_EV_ISSUE_PENDING, dev, 0, 0, 0, 0, chan, 0);
}

void scn_xfer_start(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie)
{
	ev5(s, DMAS_EV_XFER_START, dev, cookie, 0, 0, 0, chan, 0);
}

void scn_xfer_complete(struct scn *s, uint32_t dev, uint64_t chan,
		       uint64_t cookie)
{
	ev5(s, DMAS_EV_XFER_COMPLETE, dev, cookie, 0, 0, 0, chan, 0);
}

void scn_xfer_error(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		    uint32_t result)
{
	ev5(s, DMAS_EV_XFER_ERROR, dev, cookie, 0, 0, 0, chan, result);
}

void scn_terminate(struct scn *s, uint32_t dev, uint64_t chan)
{
	ev5(s, DMAS_EV_TERMINATE, dev, 0, 0, 0, 0, chan, 0);
}

void scn_transfer(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		  uint64_t phys, uint64_t size, int dir)
{
	scn_desc_prep(s, dev, chan, 0, phys, size, dir);
	scn_desc_submit(s, dev, chan, cookie);
	scn_issue_pending(s, dev, chan);
	scn_xfer_complete(s, dev, chan, cookie);
}

void scn_cpu_access(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		    bool write)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DMAS_EV_CPU_ACCESS;
	ev.dev = dev;
	ev.addr = addr;
	ev.size = size;
	ev.flags = write ? DMAS_F_WRITE : 0;
	scn_event(s, &ev);
}

void scn_bind(struct scn *s, uint32_t dev, const char *driver)
{
	if (dev < 64)
		snprintf(s->drivers[dev], sizeof(s->drivers[dev]), "%s",
			 driver);
	ev_name(s, DMAS_EV_DRIVER_BIND, dev, driver);
}

void scn_unbind(struct scn *s, uint32_t dev)
{
	ev_name(s, DMAS_EV_DRIVER_UNBIND, dev, dev < 64 ? s->drivers[dev] : "");
}

void scn_remove(struct scn *s, uint32_t dev)
{
	ev5(s, DMAS_EV_DEVICE_REMOVE, dev, 0, 0, 0, 0, 0, 0);
}

void scn_module_unload(struct scn *s, const char *module)
{
	ev_name(s, DMAS_EV_MODULE_UNLOAD, 0, module);
}

void scn_iommu_map(struct scn *s, uint32_t dev, uint64_t iova, uint64_t size,
		   uint64_t phys)
{
	ev5(s, DMAS_EV_IOMMU_MAP, dev, iova, size, 0, phys, 0, 0);
}

void scn_iommu_unmap(struct scn *s, uint32_t dev, uint64_t iova, uint64_t size)
{
	ev5(s, DMAS_EV_IOMMU_UNMAP, dev, iova, size, 0, 0, 0, 0);
}

void scn_iommu_fault(struct scn *s, uint32_t dev, uint64_t iova, uint32_t flags)
{
	ev5(s, DMAS_EV_IOMMU_FAULT, dev, iova, 0, 0, 0, 0, flags);
}

void scn_lost(struct scn *s, uint32_t n)
{
	ev5(s, DMAS_EV_LOST, 0, 0, 0, 0, 0, 0, n);
}

void scn_bounce(struct scn *s, uint32_t dev, uint64_t addr, uint64_t phys,
		uint64_t size, int dir)
{
	ev5(s, DMAS_EV_SWIOTLB_BOUNCE, dev, addr, size, dir, phys, 0, 0);
}

void scn_lost_reason(struct scn *s, uint32_t n, enum dmas_loss_reason reason)
{
	struct dmas_event ev = {.kind = DMAS_EV_LOST, .count = n};

	ev.attrs = (uint16_t)reason;
	scn_event(s, &ev);
}

void scn_iova_alloc(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		    uint64_t size)
{
	ev5(s, DMAS_EV_IOVA_ALLOC, dev, addr, size, 0, 0, state, 0);
}

void scn_iova_alloc_fail(struct scn *s, uint32_t dev, uint64_t state,
			 uint64_t size)
{
	struct dmas_event ev = {.kind = DMAS_EV_IOVA_ALLOC, .dev = dev};

	ev.aux = state;
	ev.size = size;
	ev.flags = DMAS_F_ERROR;
	scn_event(s, &ev);
}

void scn_iova_link(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		   uint64_t size, int dir, uint64_t phys)
{
	ev5(s, DMAS_EV_IOVA_LINK, dev, addr, size, dir, phys, state, 0);
}

void scn_iova_sync(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		   uint64_t size)
{
	ev5(s, DMAS_EV_IOVA_SYNC, dev, addr, size, 0, 0, state, 0);
}

void scn_iova_unlink(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr,
		     uint64_t size, int dir)
{
	ev5(s, DMAS_EV_IOVA_UNLINK, dev, addr, size, dir, 0, state, 0);
}

void scn_iova_destroy(struct scn *s, uint32_t dev, uint64_t state,
		      uint64_t addr, uint64_t mapped_len, int dir)
{
	ev5(s, DMAS_EV_IOVA_DESTROY, dev, addr, mapped_len, dir, 0, state, 0);
}

void scn_iova_free(struct scn *s, uint32_t dev, uint64_t state, uint64_t addr)
{
	ev5(s, DMAS_EV_IOVA_FREE, dev, addr, 0, 0, 0, state, 0);
}

void scn_need_unmap(struct scn *s, uint32_t dev, bool needed)
{
	ev5(s, DMAS_EV_NEED_UNMAP, dev, 0, 0, 0, 0, 0, needed);
}

void scn_dma_mask(struct scn *s, uint32_t dev, uint64_t old, uint64_t mask,
		  bool coherent, int ret, uint64_t bus_limit)
{
	struct dmas_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = DMAS_EV_DMA_MASK;
	ev.dev = dev;
	ev.addr = mask;
	ev.aux = old;
	ev.count = (uint32_t)ret;
	ev.phys = bus_limit;
	if (coherent)
		ev.flags = DMAS_F_COHERENT_MASK;
	scn_event(s, &ev);
}

void scn_sync_elision(struct scn *s, uint32_t dev, bool elided)
{
	ev5(s, DMAS_EV_SYNC_ELISION, dev, 0, 0, 0, 0, 0, elided);
}

void scn_dev_coherent_free(struct scn *s, uint32_t dev, uint64_t addr,
			   uint64_t size)
{
	ev5(s, DMAS_EV_DEV_COHERENT_FREE, dev, addr, size,
	    DMAS_DIR_BIDIRECTIONAL, 0, SCN_VADDR(addr), 0);
}

const char *scn_ids(const struct dmas_engine *e)
{
	static char buf[4096];
	size_t i, n = dmas_engine_nr_findings(e), len = 0;

	buf[0] = 0;
	for (i = 0; i < n && len < sizeof(buf) - 1; i++)
		len += snprintf(
			buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
			dmas_finding_table[dmas_engine_finding(e, i)->kind].id);
	return buf;
}

int scn_count(const struct dmas_engine *e, const char *id)
{
	size_t i, n = dmas_engine_nr_findings(e);
	int c = 0;

	for (i = 0; i < n; i++)
		if (!strcmp(dmas_finding_table[dmas_engine_finding(e, i)->kind]
				    .id,
			    id))
			c++;
	return c;
}

const struct dmas_finding *scn_finding(const struct dmas_engine *e,
				       const char *id, int nth)
{
	size_t i, n = dmas_engine_nr_findings(e);

	for (i = 0; i < n; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);

		if (!strcmp(dmas_finding_table[f->kind].id, id) && nth-- == 0)
			return f;
	}
	return NULL;
}

void scn_dump(const struct dmas_engine *e)
{
	size_t i, n = dmas_engine_nr_findings(e);

	for (i = 0; i < n; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);

		fprintf(stderr,
			"  #%llu %s dev=%u addr=0x%llx size=%llu dir=%u%s rep=%llu: %s\n",
			(unsigned long long)f->seq,
			dmas_finding_table[f->kind].id, f->dev,
			(unsigned long long)f->addr,
			(unsigned long long)f->size, f->dir,
			f->uncertain ? " uncertain" : "",
			(unsigned long long)f->repeats, f->detail);
	}
}

void scn_dmabuf_export(struct scn *s, uint32_t dev, uint64_t buf, uint64_t size)
{
	ev5(s, DMAS_EV_DMABUF_EXPORT, dev, 0, size, 0, 0, buf, 0);
}

void scn_dmabuf_release(struct scn *s, uint64_t buf)
{
	ev5(s, DMAS_EV_DMABUF_RELEASE, 0, 0, 0, 0, 0, buf, 0);
}

void scn_dmabuf_attach(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att)
{
	ev5(s, DMAS_EV_DMABUF_ATTACH, dev, att, 0, 0, 0, buf, 0);
}

void scn_dmabuf_detach(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att)
{
	ev5(s, DMAS_EV_DMABUF_DETACH, dev, att, 0, 0, 0, buf, 0);
}

void scn_dmabuf_map(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att,
		    uint64_t size, int dir)
{
	ev5(s, DMAS_EV_DMABUF_MAP, dev, att, size, dir, 0, buf, 1);
}

void scn_dmabuf_unmap(struct scn *s, uint32_t dev, uint64_t buf, uint64_t att,
		      int dir)
{
	ev5(s, DMAS_EV_DMABUF_UNMAP, dev, att, 0, dir, 0, buf, 1);
}

void scn_fence(struct scn *s, uint8_t kind, uint64_t fence, uint64_t ctx,
	       uint64_t seqno)
{
	ev5(s, kind, 0, ctx, 0, 0, seqno, fence, 0);
}
