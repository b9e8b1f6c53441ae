// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tracecmd.c - a trace-cmd recording (trace.dat, file versions 6 and 7,
 * sections uncompressed or compressed with zstd or zlib) as an event
 * source: the dma:* events under every name and layout they have had, the
 * swiotlb, iommu and vdmac events.  The container is read here (the
 * layouts of trace-cmd.dat.v6(5) and trace-cmd.dat.v7(5)); event formats
 * and ring-buffer pages are libtraceevent's: every field is found by name
 * in the format the recording carries, never at a fixed offset.
 * libtracecmd itself is not used: Debian ships it only as a shared library
 * and our programs link statically.
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
#include <traceevent/kbuffer.h>
#include <zlib.h>
#include <zstd.h>

#include "engine/engine.h"
#include "source/source_impl.h"

static const char td_magic[10] = "\x17\x08\x44tracing";

#define TD_MAX_CPUS 4096
#define TD_MAX_SECTION (1u << 30) /* one metadata section, uncompressed */

/* ---- bounds-checked reading of the container ---- */

struct rd {
	const uint8_t *p;
	size_t len, pos;
	bool big, bad;
};

static const uint8_t *rd_take(struct rd *r, size_t n)
{
	const uint8_t *q;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

static uint64_t rd_num(struct rd *r, size_t n)
{
	const uint8_t *q = rd_take(r, n);
	uint64_t v = 0;
	size_t i;

	if (!q)
		return 0;
	for (i = 0; i < n; i++)
		v |= (uint64_t)q[r->big ? n - 1 - i : i] << (8 * i);
	return v;
}

static const char *rd_str(struct rd *r)
{
	const char *s = (const char *)r->p + r->pos;
	const void *nul;

	if (r->bad || r->pos >= r->len ||
	    !(nul = memchr(s, '\0', r->len - r->pos))) {
		r->bad = true;
		return "";
	}
	r->pos += (size_t)((const char *)nul - s) + 1;
	return s;
}

/* ---- the recording ---- */

struct td_cpu {
	uint32_t cpu;
	uint64_t off, size; /* in the file */
	bool compressed;
	/* reading state */
	struct kbuffer *kb;
	const uint8_t *data; /* current uncompressed run of pages */
	size_t len, pos;
	uint8_t *chunk; /* decompressed chunk (compressed data) */
	uint64_t next_chunk; /* file offset of the next chunk */
	uint32_t chunks_left;
	uint8_t *page; /* the page kbuffer reads, page_size bytes */
	void *ev; /* current event; NULL: this cpu is done */
	unsigned long long ts;
	int ev_size;
};

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

static const struct td_event_spec {
	const char *sys, *name;
	enum td_handler h;
	uint8_t kind;
} td_specs[] = {
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

struct tracecmd_source {
	struct dmas_source base;
	char path[256];
	uint8_t *map;
	size_t len;
	int version;
	bool big;
	uint32_t page_size;
	int kernel_long; /* bytes of the page header's commit field */
	char comp[16]; /* "none", "zstd", "zlib" */
	char uname[65]; /* the traced kernel's release */
	char host[65];
	struct tep_handle *tep;
	struct td_cpu *cpus;
	uint32_t nr_cpus;
	/* the events we read, by tep event id */
	const struct td_event_spec *by_id[65536];
	uint32_t nr_known;
	/* devices by name: ids 1.. */
	struct td_dev *devs;
	uint32_t nr_devs;
	uint64_t events, skipped, bad_records;
	/* allocations of decompressed metadata, freed at close */
	void **blobs;
	size_t nr_blobs;
};

static int fail(char *err, size_t errlen, const char *path, const char *fmt,
		...)
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

static bool keep_blob(struct tracecmd_source *t, void *p)
{
	void **nb = realloc(t->blobs, (t->nr_blobs + 1) * sizeof(*nb));

	if (!nb) {
		free(p);
		return false;
	}
	t->blobs = nb;
	t->blobs[t->nr_blobs++] = p;
	return true;
}

/* Decompress csize bytes at src into a new buffer of usize bytes. */
static uint8_t *inflate_blob(const struct tracecmd_source *t,
			     const uint8_t *src, size_t csize, size_t usize)
{
	uint8_t *dst = malloc(usize ? usize : 1);

	if (!dst)
		return NULL;
	if (!strcmp(t->comp, "zstd")) {
		size_t r = ZSTD_decompress(dst, usize, src, csize);

		if (ZSTD_isError(r) || r != usize)
			goto bad;
	} else if (!strcmp(t->comp, "zlib")) {
		uLongf n = usize;

		if (uncompress(dst, &n, src, csize) != Z_OK || n != usize)
			goto bad;
	} else {
		goto bad;
	}
	return dst;
bad:
	free(dst);
	return NULL;
}

/*
 * A v7 section at off: its id and its content, decompressed when flagged.
 * 0, or -1 with err set.
 */
static int section(struct tracecmd_source *t, uint64_t off, uint16_t want,
		   struct rd *out, char *err, size_t errlen)
{
	struct rd r = {.p = t->map, .len = t->len, .big = t->big};
	uint16_t id, flags;
	uint64_t size;

	if (off >= t->len)
		return fail(err, errlen, t->path,
			    "truncated: section at offset %" PRIu64
			    " is past the end (%zu bytes)",
			    off, t->len);
	r.pos = off;
	id = (uint16_t)rd_num(&r, 2);
	flags = (uint16_t)rd_num(&r, 2);
	rd_num(&r, 4); /* description string id */
	size = rd_num(&r, 8);
	if (r.bad || size > r.len - r.pos)
		return fail(err, errlen, t->path,
			    "truncated: section %u at offset %" PRIu64
			    " runs past the end",
			    want, off);
	if (id != want)
		return fail(err, errlen, t->path,
			    "corrupt: section at offset %" PRIu64
			    " is %u, expected %u",
			    off, id, want);
	memset(out, 0, sizeof(*out));
	out->big = t->big;
	if (flags & 1) {
		uint32_t csize = (uint32_t)rd_num(&r, 4);
		uint32_t usize = (uint32_t)rd_num(&r, 4);
		const uint8_t *src = rd_take(&r, csize);
		uint8_t *dst;

		if (!src || usize > TD_MAX_SECTION)
			return fail(
				err, errlen, t->path,
				"corrupt: compressed section %u at offset %" PRIu64
				" has bad sizes",
				want, off);
		dst = inflate_blob(t, src, csize, usize);
		if (!dst || !keep_blob(t, dst))
			return fail(err, errlen, t->path,
				    "corrupt: section %u at offset %" PRIu64
				    " does not decompress (%s)",
				    want, off, t->comp);
		out->p = dst;
		out->len = usize;
	} else {
		out->p = r.p + r.pos;
		out->len = size;
	}
	return 0;
}

/* The section at off lies inside the file: 0, or -1 with err set. */
static int section_whole(struct tracecmd_source *t, uint64_t off, uint16_t id,
			 char *err, size_t errlen)
{
	struct rd r = {.p = t->map, .len = t->len, .big = t->big};
	uint64_t size;

	r.pos = off < t->len ? off : t->len;
	rd_num(&r, 8);
	size = rd_num(&r, 8);
	if (r.bad || size > r.len - r.pos)
		return fail(err, errlen, t->path,
			    "truncated: section %u at offset %" PRIu64
			    " runs past the end (%zu bytes)",
			    id, off, t->len);
	return 0;
}

/* ---- event formats ---- */

static int parse_header_info(struct tracecmd_source *t, struct rd *r, char *err,
			     size_t errlen)
{
	const uint8_t *page, *q;
	uint64_t n;
	const char *s;

	if (strcmp(rd_str(r), "header_page"))
		return fail(err, errlen, t->path, "%s: no header_page",
			    r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	page = rd_take(r, n);
	if (strcmp(rd_str(r), "header_event"))
		return fail(err, errlen, t->path, "%s: no header_event",
			    r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	rd_take(r, n);
	if (r->bad || !page)
		return fail(err, errlen, t->path,
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

static int parse_formats(struct tracecmd_source *t, struct rd *r, bool systems,
			 char *err, size_t errlen)
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
		return fail(err, errlen, t->path,
			    "truncated in the event formats");
	return 0;
}

/* ---- per-CPU data ---- */

static int add_cpu(struct tracecmd_source *t, uint32_t cpu, uint64_t off,
		   uint64_t size, bool compressed, char *err, size_t errlen)
{
	struct td_cpu *c;
	void *np;

	if (!size)
		return 0;
	if (t->nr_cpus >= TD_MAX_CPUS)
		return fail(err, errlen, t->path,
			    "corrupt: more than %u CPU buffers", TD_MAX_CPUS);
	if (off > t->len || size > t->len - off)
		return fail(err, errlen, t->path,
			    "truncated: CPU %u's data (%" PRIu64
			    " bytes at %" PRIu64
			    ") runs past the end (%zu bytes)",
			    cpu, size, off, t->len);
	np = realloc(t->cpus, (t->nr_cpus + 1) * sizeof(*t->cpus));
	if (!np)
		return fail(err, errlen, t->path, "out of memory");
	t->cpus = np;
	c = &t->cpus[t->nr_cpus++];
	memset(c, 0, sizeof(*c));
	c->cpu = cpu;
	c->off = off;
	c->size = size;
	c->compressed = compressed;
	return 0;
}

/* A v7 BUFFER option: one trace instance's per-CPU data. */
static int parse_buffer_opt(struct tracecmd_source *t, struct rd *o, char *err,
			    size_t errlen)
{
	uint64_t sec = rd_num(o, 8), off, size;
	uint32_t ncpu, i, cpu;
	bool compressed = false;

	rd_str(o); /* instance name */
	rd_str(o); /* clock */
	rd_num(o, 4); /* page size */
	ncpu = (uint32_t)rd_num(o, 4);
	if (o->bad)
		return fail(err, errlen, t->path, "corrupt: a BUFFER option");
	if (ncpu && sec + 4 <= t->len)
		compressed = (t->map[sec + (t->big ? 3 : 2)] & 1) != 0;
	for (i = 0; i < ncpu; i++) {
		cpu = (uint32_t)rd_num(o, 4);
		off = rd_num(o, 8);
		size = rd_num(o, 8);
		if (o->bad)
			return fail(err, errlen, t->path,
				    "corrupt: a BUFFER option");
		if (add_cpu(t, cpu, off, size, compressed, err, errlen))
			return -1;
	}
	return 0;
}

static void opt_uname(struct tracecmd_source *t, const uint8_t *d, size_t n)
{
	/* "Linux HOST RELEASE #1 SMP ...": uname's fields, space separated */
	char buf[256], *f[3] = {NULL}, *save = NULL, *p;
	int i;

	snprintf(buf, sizeof(buf), "%.*s", (int)n, (const char *)d);
	for (i = 0, p = strtok_r(buf, " ", &save); p && i < 3;
	     p = strtok_r(NULL, " ", &save))
		f[i++] = p;
	if (f[1])
		snprintf(t->host, sizeof(t->host), "%s", f[1]);
	if (f[2])
		snprintf(t->uname, sizeof(t->uname), "%s", f[2]);
}

static int open_v7(struct tracecmd_source *t, struct rd *h, char *err,
		   size_t errlen)
{
	uint64_t opts, hdr = 0, ftr = 0, evf = 0;
	unsigned guard = 0;
	struct rd s;

	snprintf(t->comp, sizeof(t->comp), "%s", rd_str(h));
	rd_str(h); /* compression version */
	opts = rd_num(h, 8);
	if (h->bad)
		return fail(err, errlen, t->path, "truncated in the header");
	if (strcmp(t->comp, "none") && strcmp(t->comp, "zstd") &&
	    strcmp(t->comp, "zlib"))
		return fail(
			err, errlen, t->path,
			"compressed with '%s': only zstd and zlib are read (trace-cmd convert --compression none)",
			t->comp);
	while (opts) {
		if (++guard > 64)
			return fail(err, errlen, t->path,
				    "corrupt: the options sections loop");
		if (section(t, opts, 0, &s, err, errlen))
			return -1;
		opts = 0;
		while (!s.bad && s.pos < s.len) {
			uint16_t id = (uint16_t)rd_num(&s, 2);
			uint32_t size = (uint32_t)rd_num(&s, 4);
			const uint8_t *d = rd_take(&s, size);
			struct rd o = {.p = d, .len = size, .big = t->big};

			if (!d)
				break;
			if (id == 0) { /* DONE: the next options section */
				opts = rd_num(&o, 8);
				break;
			}
			if (id == 3 && parse_buffer_opt(t, &o, err, errlen))
				return -1;
			if (id == 5)
				opt_uname(t, d, size);
			if (id == 16)
				hdr = rd_num(&o, 8);
			if (id == 17)
				ftr = rd_num(&o, 8);
			if (id == 18)
				evf = rd_num(&o, 8);
			/* kallsyms, printk formats, command lines: not read,
			 * but a file cut inside them is still cut */
			if (id >= 19 && id <= 21 &&
			    section_whole(t, rd_num(&o, 8), id, err, errlen))
				return -1;
		}
		if (s.bad)
			return fail(err, errlen, t->path,
				    "truncated in an options section");
	}
	if (!hdr || !evf)
		return fail(err, errlen, t->path,
			    "corrupt: no header or event formats section");
	if (section(t, hdr, 16, &s, err, errlen) ||
	    parse_header_info(t, &s, err, errlen))
		return -1;
	if (ftr && (section(t, ftr, 17, &s, err, errlen) ||
		    parse_formats(t, &s, false, err, errlen)))
		return -1;
	if (section(t, evf, 18, &s, err, errlen) ||
	    parse_formats(t, &s, true, err, errlen))
		return -1;
	return 0;
}

static int open_v6(struct tracecmd_source *t, struct rd *h, char *err,
		   size_t errlen)
{
	uint32_t ncpu, i;
	const uint8_t *label;

	snprintf(t->comp, sizeof(t->comp), "none");
	if (parse_header_info(t, h, err, errlen) ||
	    parse_formats(t, h, false, err, errlen) ||
	    parse_formats(t, h, true, err, errlen))
		return -1;
	rd_take(h, rd_num(h, 4)); /* kallsyms */
	rd_take(h, rd_num(h, 4)); /* printk formats */
	rd_take(h, rd_num(h, 8)); /* saved command lines */
	ncpu = (uint32_t)rd_num(h, 4);
	label = rd_take(h, 10);
	if (label && !memcmp(label, "options  ", 10)) {
		for (;;) {
			uint16_t id = (uint16_t)rd_num(h, 2);
			uint32_t size;
			const uint8_t *d;

			if (!id || h->bad)
				break;
			size = (uint32_t)rd_num(h, 4);
			d = rd_take(h, size);
			if (d && id == 5)
				opt_uname(t, d, size);
		}
		label = rd_take(h, 10);
	}
	if (h->bad || !label)
		return fail(err, errlen, t->path, "truncated in the header");
	if (!memcmp(label, "latency  ", 10))
		return fail(
			err, errlen, t->path,
			"a latency trace (text): record events with trace-cmd record -e");
	if (memcmp(label, "flyrecord", 10))
		return fail(err, errlen, t->path,
			    "corrupt: neither flyrecord nor latency data");
	if (ncpu > TD_MAX_CPUS)
		return fail(err, errlen, t->path, "corrupt: %u CPUs", ncpu);
	for (i = 0; i < ncpu; i++) {
		uint64_t off = rd_num(h, 8), size = rd_num(h, 8);

		if (h->bad)
			return fail(err, errlen, t->path,
				    "truncated in the CPU table");
		if (add_cpu(t, i, off, size, false, err, errlen))
			return -1;
	}
	return 0;
}

/* The next page of c into c->page; false when c has no more. */
static bool next_page(struct tracecmd_source *t, struct td_cpu *c)
{
	size_t n;

	while (c->pos >= c->len) {
		struct rd r = {.p = t->map, .len = t->len, .big = t->big};
		uint32_t csize, usize;
		const uint8_t *src;

		if (!c->compressed || !c->chunks_left)
			return false;
		r.pos = c->next_chunk;
		csize = (uint32_t)rd_num(&r, 4);
		usize = (uint32_t)rd_num(&r, 4);
		src = rd_take(&r, csize);
		free(c->chunk);
		c->chunk = NULL;
		c->chunks_left--;
		if (!src || usize > TD_MAX_SECTION ||
		    !(c->chunk = inflate_blob(t, src, csize, usize))) {
			t->bad_records++;
			c->chunks_left = 0;
			return false;
		}
		c->next_chunk = r.pos;
		c->data = c->chunk;
		c->len = usize;
		c->pos = 0;
	}
	n = c->len - c->pos < t->page_size ? c->len - c->pos : t->page_size;
	memset(c->page, 0, t->page_size);
	memcpy(c->page, c->data + c->pos, n);
	c->pos += t->page_size;
	return true;
}

/* The page's commit must lie inside it: kbuffer trusts it. */
static bool page_sane(const struct tracecmd_source *t, const uint8_t *page)
{
	struct rd r = {.p = page, .len = t->page_size, .big = t->big};
	uint64_t commit;

	rd_num(&r, 8);
	commit = rd_num(&r, (size_t)t->kernel_long);
	/* the high bits are flags (missed events, data stored) */
	commit &= 0x3fffffff;
	return commit <= t->page_size - 8 - (uint64_t)t->kernel_long;
}

/* Advance c to its next event; c->ev NULL when it has none. */
static void cpu_advance(struct tracecmd_source *t, struct td_cpu *c,
			const struct dmas_sink *sink, bool first)
{
	c->ev = first ? NULL : kbuffer_next_event(c->kb, &c->ts);
	while (!c->ev) {
		int missed;

		if (!next_page(t, c))
			return;
		if (!page_sane(t, c->page)) {
			t->bad_records++;
			continue;
		}
		if (kbuffer_load_subbuffer(c->kb, c->page) < 0) {
			t->bad_records++;
			continue;
		}
		missed = kbuffer_missed_events(c->kb);
		if (missed && sink->event) {
			struct dmas_event lost = {0};

			lost.kind = DMAS_EV_LOST;
			lost.count = missed > 0 ? (uint32_t)missed : 1;
			lost.aux = c->cpu;
			lost.cpu = (uint16_t)c->cpu;
			c->ev = kbuffer_read_event(c->kb, &c->ts);
			lost.ts = c->ev ? c->ts : 0;
			sink->event(sink->ctx, &lost);
			if (c->ev)
				break;
			continue;
		}
		c->ev = kbuffer_read_event(c->kb, &c->ts);
	}
	c->ev_size = kbuffer_event_size(c->kb);
	if (c->ev_size < 0 ||
	    (uint8_t *)c->ev + c->ev_size > c->page + t->page_size) {
		t->bad_records++;
		c->ev_size = 0;
	}
}

static int cpu_start(struct tracecmd_source *t, struct td_cpu *c)
{
	c->kb = kbuffer_alloc(
		t->kernel_long == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
		t->big ? KBUFFER_ENDIAN_BIG : KBUFFER_ENDIAN_LITTLE);
	c->page = calloc(1, t->page_size);
	if (!c->kb || !c->page)
		return -1;
	if (c->compressed) {
		struct rd r = {.p = t->map, .len = t->len, .big = t->big};

		r.pos = c->off;
		c->chunks_left = (uint32_t)rd_num(&r, 4);
		c->next_chunk = r.pos;
	} else {
		c->data = t->map + c->off;
		c->len = c->size;
	}
	return 0;
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
static const uint8_t *fdyn(struct tracecmd_source *t, struct tep_event *e,
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
static uint32_t dev_of(struct tracecmd_source *t, struct tep_event *e,
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
static bool farray(struct tracecmd_source *t, struct tep_event *e,
		   const uint8_t *d, int size, const char *name, size_t elem,
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

static void emit(struct tracecmd_source *t, struct td_cpu *c,
		 const struct dmas_sink *sink)
{
	struct tep_record rec = {0};
	const struct td_event_spec *sp;
	struct tep_event *e;
	struct dmas_event ev = {0};
	const uint8_t *d = c->ev;
	int size = c->ev_size, type;
	unsigned long long v = 0, a, b;
	uint32_t n = 0;

	if (size <= 0)
		return;
	rec.data = c->ev;
	rec.size = size;
	rec.ts = c->ts;
	rec.cpu = (int)c->cpu;
	type = tep_data_type(t->tep, &rec);
	if (type < 0 || type > 65535 || !(sp = t->by_id[type]) ||
	    !(e = tep_find_event(t->tep, type))) {
		t->skipped++;
		return;
	}
	ev.ts = c->ts;
	ev.cpu = (uint16_t)c->cpu;
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

static int tracecmd_run(struct dmas_source *s, const struct dmas_sink *sink,
			volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct tracecmd_source *t =
		dmas_source_container(s, struct tracecmd_source, base);
	struct dmas_session ses = {0};
	uint32_t i;

	snprintf(ses.kernel_release, sizeof(ses.kernel_release), "%s",
		 t->uname[0] ? t->uname : "?");
	snprintf(ses.hostname, sizeof(ses.hostname), "%s",
		 t->host[0] ? t->host : "?");
	snprintf(ses.clock, sizeof(ses.clock), "trace-cmd");
	ses.page_size = t->page_size;
	snprintf(ses.hooks, sizeof(ses.hooks), "trace-cmd:%u events",
		 t->nr_known);
	for (i = 0; i < t->nr_cpus; i++) {
		if (cpu_start(t, &t->cpus[i])) {
			snprintf(err, errlen, "%s: out of memory", t->path);
			return -1;
		}
		cpu_advance(t, &t->cpus[i], sink, true);
		if (t->cpus[i].ev &&
		    (!ses.start_ts || t->cpus[i].ts < ses.start_ts))
			ses.start_ts = t->cpus[i].ts;
	}
	if (sink->session)
		sink->session(sink->ctx, &ses);
	/* merge the CPUs in time order */
	for (;;) {
		struct td_cpu *min = NULL;

		if (stop && *stop)
			return 0;
		for (i = 0; i < t->nr_cpus; i++)
			if (t->cpus[i].ev && (!min || t->cpus[i].ts < min->ts))
				min = &t->cpus[i];
		if (!min)
			break;
		emit(t, min, sink);
		cpu_advance(t, min, sink, false);
	}
	if (t->bad_records) {
		snprintf(err, errlen,
			 "%s: corrupt: %" PRIu64
			 " damaged pages or chunks of CPU data skipped",
			 t->path, t->bad_records);
		return 1;
	}
	if (!t->events) {
		snprintf(
			err, errlen,
			"%s: no DMA events in this trace.dat (record with trace-cmd record -e dma -e vdmac -e swiotlb)",
			t->path);
		return DMAS_SOURCE_WARNING;
	}
	return 0;
}

static void tracecmd_close(struct dmas_source *s)
{
	struct tracecmd_source *t =
		dmas_source_container(s, struct tracecmd_source, base);
	uint32_t i;
	size_t j;

	for (i = 0; i < t->nr_cpus; i++) {
		kbuffer_free(t->cpus[i].kb);
		free(t->cpus[i].chunk);
		free(t->cpus[i].page);
	}
	free(t->cpus);
	for (j = 0; j < t->nr_blobs; j++)
		free(t->blobs[j]);
	free(t->blobs);
	free(t->devs);
	if (t->tep)
		tep_free(t->tep);
	if (t->map)
		munmap(t->map, t->len);
	free(t);
}

static const struct dmas_source_ops tracecmd_ops = {
	.name = "trace.dat",
	.run = tracecmd_run,
	.close = tracecmd_close,
};

bool dmas_tracecmd_magic(const void *head, size_t n)
{
	return n >= sizeof(td_magic) && !memcmp(head, td_magic, 10);
}

struct dmas_source *dmas_source_open_tracecmd(const char *path, char *err,
					      size_t errlen)
{
	struct tracecmd_source *t = calloc(1, sizeof(*t));
	struct rd h = {0};
	struct stat st;
	const char *ver;
	size_t i;
	int fd;

	if (!t) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	t->base.ops = &tracecmd_ops;
	snprintf(t->path, sizeof(t->path), "%s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		free(t);
		return NULL;
	}
	t->len = (size_t)st.st_size;
	t->map = t->len ? mmap(NULL, t->len, PROT_READ, MAP_PRIVATE, fd, 0)
			: NULL;
	close(fd);
	if (t->map == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		t->map = NULL;
		goto out;
	}
	h.p = t->map;
	h.len = t->len;
	if (!rd_take(&h, 10)) {
		fail(err, errlen, path, "truncated: no trace.dat header");
		goto out;
	}
	ver = rd_str(&h);
	if (h.bad) {
		fail(err, errlen, path, "truncated in the header");
		goto out;
	}
	t->version = atoi(ver);
	if (t->version != 6 && t->version != 7) {
		fail(err, errlen, path,
		     "trace.dat version '%.8s' is not read (6 and 7 are)", ver);
		goto out;
	}
	t->big = rd_num(&h, 1) != 0;
	h.big = t->big;
	i = (size_t)rd_num(&h, 1); /* user-space long size */
	t->page_size = (uint32_t)rd_num(&h, 4);
	if (h.bad) {
		fail(err, errlen, path, "truncated in the header");
		goto out;
	}
	if (t->page_size < 64 || t->page_size > (1u << 24) ||
	    (i != 4 && i != 8)) {
		fail(err, errlen, path, "corrupt: page size %u, long size %zu",
		     t->page_size, i);
		goto out;
	}
	t->tep = tep_alloc();
	if (!t->tep) {
		fail(err, errlen, path, "out of memory");
		goto out;
	}
	tep_set_file_bigendian(t->tep,
			       t->big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(t->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(t->tep, (int)i);
	tep_set_page_size(t->tep, (int)t->page_size);
	if ((t->version == 7 ? open_v7(t, &h, err, errlen)
			     : open_v6(t, &h, err, errlen)))
		goto out;
	for (i = 0; i < TD_NSPECS; i++) {
		struct tep_event *e = tep_find_event_by_name(
			t->tep, td_specs[i].sys, td_specs[i].name);

		if (e && e->id >= 0 && e->id < 65536) {
			t->by_id[e->id] = &td_specs[i];
			t->nr_known++;
		}
	}
	return &t->base;
out:
	tracecmd_close(&t->base);
	return NULL;
}
