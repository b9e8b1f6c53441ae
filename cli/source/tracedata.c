// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tracedata.c - the part of a trace-cmd trace.dat and a perf.data that is
 * the same: the kernel's event formats (parsed by libtraceevent) and the
 * records of the DMA-related events, turned into dmascope events.  The
 * dma:* events under every name and layout they have had, the swiotlb,
 * iommu and vdmac events; every field is found by name in the format the
 * recording carries, never at a fixed offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "event.h"
#include "source/tracedata.h"

/* What an event of the recording becomes. */
enum td_handler {
	TH_NONE,
	TH_MAP, /* dma_map_page/phys/resource */
	TH_UNMAP,
	TH_SYNC,
	TH_ALLOC,
	TH_FREE,
	TH_MAP_SG,
	TH_MAP_SG_ERR,
	TH_UNMAP_SG,
	TH_SYNC_SG,
	TH_BOUNCE,
	TH_IOMMU_MAP,
	TH_IOMMU_UNMAP,
	TH_IOMMU_FAULT,
	TH_VDMAC_PREP,
	TH_VDMAC_DESC, /* submit, xfer_start, complete, error */
	TH_VDMAC_CHAN, /* issue_pending, terminate, chan_alloc, chan_free */
	TH_VDMAC_ACCESS,
};

struct td_event_spec {
	const char *sys, *name;
	enum td_handler h;
	uint8_t kind;
};

static const struct td_event_spec td_specs[] = {
	/* 6.12-6.16 names, then 6.17+ (dma_map_phys also maps resources) */
	{"dma", "dma_map_page", TH_MAP, DMAS_EV_MAP},
	{"dma", "dma_unmap_page", TH_UNMAP, DMAS_EV_UNMAP},
	{"dma", "dma_map_phys", TH_MAP, DMAS_EV_MAP},
	{"dma", "dma_unmap_phys", TH_UNMAP, DMAS_EV_UNMAP},
	{"dma", "dma_map_resource", TH_MAP, DMAS_EV_MAP_RESOURCE},
	{"dma", "dma_unmap_resource", TH_UNMAP, DMAS_EV_UNMAP_RESOURCE},
	{"dma", "dma_sync_single_for_cpu", TH_SYNC, DMAS_EV_SYNC_FOR_CPU},
	{"dma", "dma_sync_single_for_device", TH_SYNC, DMAS_EV_SYNC_FOR_DEVICE},
	{"dma", "dma_alloc", TH_ALLOC, DMAS_EV_ALLOC_COHERENT},
	{"dma", "dma_free", TH_FREE, DMAS_EV_FREE_COHERENT},
	{"dma", "dma_alloc_pages", TH_ALLOC, DMAS_EV_ALLOC_PAGES},
	{"dma", "dma_free_pages", TH_FREE, DMAS_EV_FREE_PAGES},
	{"dma", "dma_map_sg", TH_MAP_SG, DMAS_EV_MAP_SG},
	{"dma", "dma_map_sg_err", TH_MAP_SG_ERR, DMAS_EV_MAP_ERROR},
	{"dma", "dma_unmap_sg", TH_UNMAP_SG, DMAS_EV_UNMAP_SG},
	{"dma", "dma_sync_sg_for_cpu", TH_SYNC_SG, DMAS_EV_SYNC_SG_FOR_CPU},
	{"dma", "dma_sync_sg_for_device", TH_SYNC_SG,
	 DMAS_EV_SYNC_SG_FOR_DEVICE},
	{"swiotlb", "swiotlb_bounced", TH_BOUNCE, DMAS_EV_SWIOTLB_BOUNCE},
	{"iommu", "map", TH_IOMMU_MAP, DMAS_EV_IOMMU_MAP},
	{"iommu", "unmap", TH_IOMMU_UNMAP, DMAS_EV_IOMMU_UNMAP},
	{"iommu", "io_page_fault", TH_IOMMU_FAULT, DMAS_EV_IOMMU_FAULT},
	{"vdmac", "vdmac_desc_prep", TH_VDMAC_PREP, DMAS_EV_DESC_PREP},
	{"vdmac", "vdmac_submit", TH_VDMAC_DESC, DMAS_EV_DESC_SUBMIT},
	{"vdmac", "vdmac_xfer_start", TH_VDMAC_DESC, DMAS_EV_XFER_START},
	{"vdmac", "vdmac_complete", TH_VDMAC_DESC, DMAS_EV_XFER_COMPLETE},
	{"vdmac", "vdmac_error", TH_VDMAC_DESC, DMAS_EV_XFER_ERROR},
	{"vdmac", "vdmac_issue_pending", TH_VDMAC_CHAN, DMAS_EV_ISSUE_PENDING},
	{"vdmac", "vdmac_terminate", TH_VDMAC_CHAN, DMAS_EV_TERMINATE},
	{"vdmac", "vdmac_chan_alloc", TH_VDMAC_CHAN, DMAS_EV_CHAN_REQUEST},
	{"vdmac", "vdmac_chan_free", TH_VDMAC_CHAN, DMAS_EV_CHAN_RELEASE},
	{"vdmac", "vdmac_cpu_access", TH_VDMAC_ACCESS, DMAS_EV_CPU_ACCESS},
};

#define TD_NSPECS (sizeof(td_specs) / sizeof(td_specs[0]))

struct td_dev {
	char name[DMAS_DEV_NAME_LEN];
};

int td_fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int td_map_file(const char *path, uint8_t **map, size_t *len, char *err,
		size_t errlen)
{
	struct stat st;
	void *m = NULL;
	int fd;

	*map = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size)
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
	close(fd);
	if (m == MAP_FAILED)
		return td_fail(err, errlen, path, "%s", strerror(errno));
	*map = m;
	*len = (size_t)st.st_size;
	return 0;
}

int td_events_init(struct td_events *te, const char *path, bool big,
		   int long_size, uint32_t page_size)
{
	te->path = path;
	te->big = big;
	te->kernel_long = long_size;
	te->tep = tep_alloc();
	if (!te->tep)
		return -1;
	tep_set_file_bigendian(te->tep,
			       big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(te->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(te->tep, long_size);
	tep_set_page_size(te->tep, (int)page_size);
	return 0;
}

void td_events_free(struct td_events *te)
{
	free(te->devs);
	te->devs = NULL;
	if (te->tep)
		tep_free(te->tep);
	te->tep = NULL;
}

/* ---- event formats ---- */

int td_parse_header_info(struct td_events *t, struct rd *r, char *err,
			 size_t errlen)
{
	const uint8_t *page, *q;
	uint64_t n;
	const char *s;

	if (strcmp(rd_str(r), "header_page"))
		return td_fail(err, errlen, t->path, "%s: no header_page",
			       r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	page = rd_take(r, n);
	if (strcmp(rd_str(r), "header_event"))
		return td_fail(err, errlen, t->path, "%s: no header_event",
			       r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	rd_take(r, n);
	if (r->bad || !page)
		return td_fail(err, errlen, t->path,
			       "truncated in the header information");
	/* the page header's commit field is a kernel long */
	t->kernel_long = 8;
	q = memmem(page, (size_t)(r->p + r->pos - page), "commit;", 7);
	s = q ? memmem(q, (size_t)(r->p + r->len - q), "size:", 5) : NULL;
	if (s && s[5] == '4')
		t->kernel_long = 4;
	tep_parse_header_page(t->tep, (char *)page, (unsigned long)n,
			      t->kernel_long);
	return 0;
}

int td_parse_formats(struct td_events *t, struct rd *r, bool systems, char *err,
		     size_t errlen)
{
	uint32_t nsys = systems ? (uint32_t)rd_num(r, 4) : 1, i, j, n;

	for (i = 0; i < nsys && !r->bad; i++) {
		const char *sys = systems ? rd_str(r) : "ftrace";

		n = (uint32_t)rd_num(r, 4);
		for (j = 0; j < n && !r->bad; j++) {
			uint64_t size = rd_num(r, 8);
			const uint8_t *fmt = rd_take(r, size);

			/* an event libtraceevent cannot parse is skipped, as
			 * trace-cmd does; its records then count as unknown */
			if (fmt)
				tep_parse_event(t->tep, (const char *)fmt,
						(unsigned long)size, sys);
		}
	}
	if (r->bad)
		return td_fail(err, errlen, t->path,
			       "truncated in the event formats");
	return 0;
}

int td_parse_tracing_data(struct td_events *te, struct rd *r, char *err,
			  size_t errlen)
{
	if (td_parse_header_info(te, r, err, errlen) ||
	    td_parse_formats(te, r, false, err, errlen) ||
	    td_parse_formats(te, r, true, err, errlen))
		return -1;
	rd_take(r, rd_num(r, 4)); /* kallsyms */
	rd_take(r, rd_num(r, 4)); /* printk formats */
	rd_take(r, rd_num(r, 8)); /* saved command lines */
	if (r->bad)
		return td_fail(err, errlen, te->path,
			       "truncated in the tracing data");
	return 0;
}

void td_events_index(struct td_events *te)
{
	size_t i;

	for (i = 0; i < TD_NSPECS; i++) {
		struct tep_event *e = tep_find_event_by_name(
			te->tep, td_specs[i].sys, td_specs[i].name);

		if (e && e->id >= 0 && e->id < 65536) {
			te->by_id[e->id] = &td_specs[i];
			te->nr_known++;
		}
	}
}

/* ---- turning records into events ---- */

/* A numeric field; false when the record lacks it. */
static bool fnum(struct tep_event *e, const void *d, int size, const char *name,
		 unsigned long long *v)
{
	struct tep_format_field *f = tep_find_any_field(e, name);
	unsigned long long x;

	if (!f || f->offset < 0 || f->size <= 0 || f->offset + f->size > size ||
	    (f->flags & TEP_FIELD_IS_DYNAMIC) ||
	    tep_read_number_field(f, d, &x))
		return false;
	*v = x;
	return true;
}

/* A __data_loc / __rel_loc field: its bytes inside the record, or NULL. */
static const uint8_t *fdyn(struct td_events *t, struct tep_event *e,
			   const uint8_t *d, int size, const char *name,
			   uint32_t *len)
{
	struct tep_format_field *f = tep_find_field(e, name);
	uint32_t loc, off;

	if (!f || !(f->flags & TEP_FIELD_IS_DYNAMIC) || f->offset < 0 ||
	    f->offset + 4 > size)
		return NULL;
	loc = (uint32_t)tep_read_number(t->tep, d + f->offset, 4);
	off = loc & 0xffff;
	*len = loc >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		off += (uint32_t)f->offset + (uint32_t)f->size;
	if ((uint64_t)off + *len > (uint64_t)size)
		return NULL;
	return d + off;
}

/* The device id of a name in the record, sending its record once. */
static uint32_t dev_of(struct td_events *t, struct tep_event *e,
		       const uint8_t *d, int size, const char *field,
		       const struct dmas_sink *sink)
{
	struct dmas_device dev = {0};
	uint32_t len, i;
	const uint8_t *s = fdyn(t, e, d, size, field, &len);
	char name[DMAS_DEV_NAME_LEN];
	void *np;

	if (!s)
		return DMAS_DEV_NONE;
	len = (uint32_t)strnlen((const char *)s, len);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, s, len);
	name[len] = '\0';
	for (i = 0; i < t->nr_devs; i++)
		if (!strcmp(t->devs[i].name, name))
			return i + 1;
	if (t->nr_devs >= DMAS_DEV_ID_MAX)
		return DMAS_DEV_NONE;
	np = realloc(t->devs, (t->nr_devs + 1) * sizeof(*t->devs));
	if (!np)
		return DMAS_DEV_NONE;
	t->devs = np;
	snprintf(t->devs[t->nr_devs].name, sizeof(t->devs[0].name), "%s", name);
	t->nr_devs++;
	dev.id = t->nr_devs;
	dev.numa_node = -1; /* a trace.dat does not say */
	snprintf(dev.name, sizeof(dev.name), "%s", name);
	if (sink->device)
		sink->device(sink->ctx, &dev);
	return dev.id;
}

/* The first element and the sum of a u64 / u32 array field. */
static bool farray(struct td_events *t, struct tep_event *e, const uint8_t *d,
		   int size, const char *name, size_t elem,
		   unsigned long long *first, unsigned long long *sum,
		   uint32_t *n)
{
	uint32_t len, i;
	const uint8_t *a = fdyn(t, e, d, size, name, &len);

	if (!a)
		return false;
	*n = len / (uint32_t)elem;
	*first = *n ? tep_read_number(t->tep, a, (int)elem) : 0;
	if (sum)
		for (*sum = 0, i = 0; i < *n; i++)
			*sum += tep_read_number(t->tep, a + i * elem,
						(int)elem);
	return true;
}

#define DMA_ATTR_MMIO (1ul << 10) /* 6.17+: dma_map_phys of a resource */
#define DMA_MAPPING_ERROR (~0ull)

/* vdmac channels: provider and index make an opaque channel id. */
static uint64_t vdmac_chan(uint32_t dev, uint64_t chan)
{
	return 1ull << 63 | (uint64_t)dev << 32 | (chan & 0xffffffff);
}

/* The spec of the record's event and its format; NULL if not ours. */
static const struct td_event_spec *
spec_of(struct td_events *t, const void *data, int size, struct tep_event **e)
{
	struct tep_record rec = {0};
	const struct td_event_spec *sp;
	int type;

	if (size <= 0)
		return NULL;
	rec.data = (void *)data;
	rec.size = size;
	type = tep_data_type(t->tep, &rec);
	if (type < 0 || type > 65535 || !(sp = t->by_id[type]) ||
	    !(*e = tep_find_event(t->tep, type)))
		return NULL;
	return sp;
}

bool td_record_known(struct td_events *t, const void *data, int size)
{
	struct tep_event *e;

	return spec_of(t, data, size, &e) != NULL;
}

void td_emit(struct td_events *t, const void *data, int size, uint64_t ts,
	     uint32_t cpu, uint32_t stack_id, const struct dmas_sink *sink)
{
	const struct td_event_spec *sp;
	struct tep_event *e = NULL;
	struct dmas_event ev = {0};
	const uint8_t *d = data;
	unsigned long long v = 0, a, b;
	uint32_t n = 0;

	if (size <= 0) /* a damaged record, counted by the container */
		return;
	if (!(sp = spec_of(t, data, size, &e))) {
		t->skipped++;
		return;
	}
	ev.ts = ts;
	ev.cpu = (uint16_t)cpu;
	ev.stack_id = stack_id;
	ev.kind = sp->kind;
	if (fnum(e, d, size, "common_pid", &v))
		ev.pid = (uint32_t)v;
	if (fnum(e, d, size, "dir", &v))
		ev.dir = (uint8_t)v;
	if (fnum(e, d, size, "attrs", &v))
		ev.attrs = (uint16_t)v;
	switch (sp->h) {
	case TH_MAP:
	case TH_UNMAP:
	case TH_SYNC:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		if (!fnum(e, d, size, "dma_addr", &ev.addr))
			fnum(e, d, size, "addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		if (sp->h == TH_MAP)
			fnum(e, d, size, "phys_addr", &ev.phys);
		if (fnum(e, d, size, "attrs", &v) && (v & DMA_ATTR_MMIO))
			ev.kind = sp->h == TH_MAP ? DMAS_EV_MAP_RESOURCE
						  : DMAS_EV_UNMAP_RESOURCE;
		if (sp->h == TH_MAP && ev.addr == DMA_MAPPING_ERROR) {
			ev.aux = ev.kind;
			ev.kind = DMAS_EV_MAP_ERROR;
			ev.addr = 0;
		}
		break;
	case TH_ALLOC:
	case TH_FREE:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		fnum(e, d, size, "dma_addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		fnum(e, d, size, "virt_addr", &ev.aux);
		ev.dir = 0;
		if (sp->h == TH_ALLOC &&
		    (!ev.aux || ev.addr == DMA_MAPPING_ERROR))
			ev.flags = DMAS_F_ERROR;
		break;
	case TH_MAP_SG:
		/*
		 * No scatterlist pointer in the event: the first segment's
		 * physical address keys map and unmap (unmap_sg carries the
		 * segments' physical addresses).
		 */
		ev.dev = dev_of(t, e, d, size, "device", sink);
		if (farray(t, e, d, size, "phys_addrs", 8, &ev.aux, NULL, &n))
			ev.phys = ev.aux;
		farray(t, e, d, size, "dma_addrs", 8, &ev.addr, NULL, &n);
		if (farray(t, e, d, size, "lengths", 4, &a, &b, &n)) {
			ev.size = b;
			ev.count = n | n << 16;
		}
		if (fnum(e, d, size, "full_nents", &v))
			ev.count = (uint32_t)v | n << 16;
		break;
	case TH_MAP_SG_ERR:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "phys_addrs", 8, &ev.phys, NULL, &n);
		ev.aux = DMAS_EV_MAP_SG;
		break;
	case TH_UNMAP_SG:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "addrs", 8, &ev.aux, NULL, &n);
		ev.count = n;
		break;
	case TH_SYNC_SG:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "dma_addrs", 8, &ev.addr, NULL, &n);
		ev.count = n;
		if (farray(t, e, d, size, "lengths", 4, &a, &b, &n))
			ev.size = b;
		break;
	case TH_BOUNCE:
		ev.dev = dev_of(t, e, d, size, "dev_name", sink);
		fnum(e, d, size, "dev_addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		break;
	case TH_IOMMU_MAP:
	case TH_IOMMU_UNMAP:
		fnum(e, d, size, "iova", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		fnum(e, d, size, "paddr", &ev.phys);
		break;
	case TH_IOMMU_FAULT:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		fnum(e, d, size, "iova", &ev.addr);
		if (fnum(e, d, size, "flags", &v))
			ev.count = (uint32_t)v;
		break;
	case TH_VDMAC_PREP:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		fnum(e, d, size, "len", &ev.size);
		fnum(e, d, size, "nsegs", &v);
		ev.count = (uint32_t)v;
		fnum(e, d, size, "dir", &v);
		/* enum dma_transfer_direction: the memory side it touches */
		if (v == 1) {
			fnum(e, d, size, "src", &ev.phys);
			ev.dir = 1;
		} else {
			fnum(e, d, size, "dst", &ev.phys);
			ev.dir = v == 2 ? 2 : 0;
		}
		break;
	case TH_VDMAC_DESC:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		if (fnum(e, d, size, "cookie", &v))
			ev.addr = (uint32_t)v;
		if (fnum(e, d, size, "result", &v))
			ev.count = (uint32_t)v;
		ev.dir = 0;
		break;
	case TH_VDMAC_CHAN:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		if (sp->kind == DMAS_EV_CHAN_REQUEST)
			ev.count = (uint32_t)v;
		break;
	case TH_VDMAC_ACCESS:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		if (fnum(e, d, size, "write", &v) && v)
			ev.flags = DMAS_F_WRITE;
		break;
	case TH_NONE:
		return;
	}
	t->events++;
	if (sink->event)
		sink->event(sink->ctx, &ev);
}
