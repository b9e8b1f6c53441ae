// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tracecmd.c - a trace-cmd recording (trace.dat, file versions 6 and 7,
 * sections uncompressed or compressed with zstd or zlib) as an event
 * source: the dma:* events under every name and layout they have had, the
 * swiotlb, iommu and vdmac events, the ftrace source's kprobe events.  The
 * container is read here (the layouts of trace-cmd.dat.v6(5) and
 * trace-cmd.dat.v7(5)); ring-buffer pages are libtraceevent's; the event
 * formats are loaded by tracedata.c, shared with the perf.data import, and
 * records become events in tpdecode.c: every field is found by name in the
 * format the recording carries, never at a fixed offset.
 * libtracecmd itself is not used: Debian ships it only as a shared library
 * and our programs link statically.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <traceevent/event-parse.h>
#include <traceevent/kbuffer.h>
#include <zlib.h>
#include <zstd.h>

#include "source/source_impl.h"
#include "source/tracedata.h"

static const char td_magic[10] = "\x17\x08\x44tracing";

#define TD_MAX_CPUS 4096
#define TD_MAX_SECTION (1u << 30) /* one metadata section, uncompressed */

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

struct tracecmd_source {
	struct dmas_source base;
	char path[256];
	uint8_t *map;
	size_t len;
	int version;
	bool big;
	uint32_t page_size;
	char comp[16]; /* "none", "zstd", "zlib" */
	char uname[65]; /* the traced kernel's release */
	char host[65];
	struct td_events ev; /* formats and the events we read */
	struct td_cpu *cpus;
	uint32_t nr_cpus;
	uint64_t bad_records;
	/* allocations of decompressed metadata, freed at close */
	void **blobs;
	size_t nr_blobs;
};

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
		return td_fail(err, errlen, t->path,
			       "truncated: section at offset %" PRIu64
			       " is past the end (%zu bytes)",
			       off, t->len);
	r.pos = off;
	id = (uint16_t)rd_num(&r, 2);
	flags = (uint16_t)rd_num(&r, 2);
	rd_num(&r, 4); /* description string id */
	size = rd_num(&r, 8);
	if (r.bad || size > r.len - r.pos)
		return td_fail(err, errlen, t->path,
			       "truncated: section %u at offset %" PRIu64
			       " runs past the end",
			       want, off);
	if (id != want)
		return td_fail(err, errlen, t->path,
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
			return td_fail(
				err, errlen, t->path,
				"corrupt: compressed section %u at offset %" PRIu64
				" has bad sizes",
				want, off);
		dst = inflate_blob(t, src, csize, usize);
		if (!dst || !keep_blob(t, dst))
			return td_fail(err, errlen, t->path,
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
		return td_fail(err, errlen, t->path,
			       "truncated: section %u at offset %" PRIu64
			       " runs past the end (%zu bytes)",
			       id, off, t->len);
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
		return td_fail(err, errlen, t->path,
			       "corrupt: more than %u CPU buffers",
			       TD_MAX_CPUS);
	if (off > t->len || size > t->len - off)
		return td_fail(err, errlen, t->path,
			       "truncated: CPU %u's data (%" PRIu64
			       " bytes at %" PRIu64
			       ") runs past the end (%zu bytes)",
			       cpu, size, off, t->len);
	np = realloc(t->cpus, (t->nr_cpus + 1) * sizeof(*t->cpus));
	if (!np)
		return td_fail(err, errlen, t->path, "out of memory");
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
		return td_fail(err, errlen, t->path,
			       "corrupt: a BUFFER option");
	if (ncpu && sec + 4 <= t->len)
		compressed = (t->map[sec + (t->big ? 3 : 2)] & 1) != 0;
	for (i = 0; i < ncpu; i++) {
		cpu = (uint32_t)rd_num(o, 4);
		off = rd_num(o, 8);
		size = rd_num(o, 8);
		if (o->bad)
			return td_fail(err, errlen, t->path,
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
		return td_fail(err, errlen, t->path, "truncated in the header");
	if (strcmp(t->comp, "none") && strcmp(t->comp, "zstd") &&
	    strcmp(t->comp, "zlib"))
		return td_fail(
			err, errlen, t->path,
			"compressed with '%s': only zstd and zlib are read (trace-cmd convert --compression none)",
			t->comp);
	while (opts) {
		if (++guard > 64)
			return td_fail(err, errlen, t->path,
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
			return td_fail(err, errlen, t->path,
				       "truncated in an options section");
	}
	if (!hdr || !evf)
		return td_fail(err, errlen, t->path,
			       "corrupt: no header or event formats section");
	if (section(t, hdr, 16, &s, err, errlen) ||
	    td_parse_header_info(&t->ev, &s, err, errlen))
		return -1;
	if (ftr && (section(t, ftr, 17, &s, err, errlen) ||
		    td_parse_formats(&t->ev, &s, false, err, errlen)))
		return -1;
	if (section(t, evf, 18, &s, err, errlen) ||
	    td_parse_formats(&t->ev, &s, true, err, errlen))
		return -1;
	return 0;
}

static int open_v6(struct tracecmd_source *t, struct rd *h, char *err,
		   size_t errlen)
{
	uint32_t ncpu, i;
	const uint8_t *label;

	snprintf(t->comp, sizeof(t->comp), "none");
	if (td_parse_tracing_data(&t->ev, h, err, errlen))
		return -1;
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
		return td_fail(err, errlen, t->path, "truncated in the header");
	if (!memcmp(label, "latency  ", 10))
		return td_fail(
			err, errlen, t->path,
			"a latency trace (text): record events with trace-cmd record -e");
	if (memcmp(label, "flyrecord", 10))
		return td_fail(err, errlen, t->path,
			       "corrupt: neither flyrecord nor latency data");
	if (ncpu > TD_MAX_CPUS)
		return td_fail(err, errlen, t->path, "corrupt: %u CPUs", ncpu);
	for (i = 0; i < ncpu; i++) {
		uint64_t off = rd_num(h, 8), size = rd_num(h, 8);

		if (h->bad)
			return td_fail(err, errlen, t->path,
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
	commit = rd_num(&r, (size_t)t->ev.kernel_long);
	/* the high bits are flags (missed events, data stored) */
	commit &= 0x3fffffff;
	return commit <= t->page_size - 8 - (uint64_t)t->ev.kernel_long;
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
		t->ev.kernel_long == 8 ? KBUFFER_LSIZE_8 : KBUFFER_LSIZE_4,
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
		 t->ev.dec.nr_known);
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
		dmas_tpdec_record(&t->ev.dec, min->ev, min->ev_size, min->ts,
				  min->cpu, sink);
		cpu_advance(t, min, sink, false);
	}
	if (t->bad_records) {
		snprintf(err, errlen,
			 "%s: corrupt: %" PRIu64
			 " damaged pages or chunks of CPU data skipped",
			 t->path, t->bad_records);
		return 1;
	}
	if (!t->ev.dec.events) {
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
	td_events_free(&t->ev);
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
	const char *ver;
	size_t i;

	if (!t) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	t->base.ops = &tracecmd_ops;
	snprintf(t->path, sizeof(t->path), "%s", path);
	if (td_map_file(path, &t->map, &t->len, err, errlen))
		goto out;
	h.p = t->map;
	h.len = t->len;
	if (!rd_take(&h, 10)) {
		td_fail(err, errlen, path, "truncated: no trace.dat header");
		goto out;
	}
	ver = rd_str(&h);
	if (h.bad) {
		td_fail(err, errlen, path, "truncated in the header");
		goto out;
	}
	t->version = atoi(ver);
	if (t->version != 6 && t->version != 7) {
		td_fail(err, errlen, path,
			"trace.dat version '%.8s' is not read (6 and 7 are)",
			ver);
		goto out;
	}
	t->big = rd_num(&h, 1) != 0;
	h.big = t->big;
	i = (size_t)rd_num(&h, 1); /* user-space long size */
	t->page_size = (uint32_t)rd_num(&h, 4);
	if (h.bad) {
		td_fail(err, errlen, path, "truncated in the header");
		goto out;
	}
	if (t->page_size < 64 || t->page_size > (1u << 24) ||
	    (i != 4 && i != 8)) {
		td_fail(err, errlen, path,
			"corrupt: page size %u, long size %zu", t->page_size,
			i);
		goto out;
	}
	if (td_events_init(&t->ev, t->path, t->big, (int)i, t->page_size)) {
		td_fail(err, errlen, path, "out of memory");
		goto out;
	}
	if ((t->version == 7 ? open_v7(t, &h, err, errlen)
			     : open_v6(t, &h, err, errlen)))
		goto out;
	td_events_index(&t->ev);
	return &t->base;
out:
	tracecmd_close(&t->base);
	return NULL;
}
