// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * perfdata.c - a perf.data of trace events (perf record -e 'dma:*' ...,
 * with -g for callchains) as an event source.  The file's layout is perf's
 * own (tools/perf/util/header.h, include/uapi/linux/perf_event.h): its
 * tracing-data feature holds the event formats (loaded by tracedata.c)
 * and each sample's raw record is the kernel's trace record (decoded by
 * tpdecode.c), both as for a trace.dat.  What `perf data convert --to-json` writes is refused with the
 * reason: it names no event (and Linux 6.1's perf writes no event field),
 * so DMA events cannot be told apart in it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "source/source_impl.h"
#include "source/tracedata.h"

#define PF_HEADER_SIZE 104 /* struct perf_file_header */
#define PF_FEAT_TRACING_DATA 1
#define PF_FEAT_HOSTNAME 3
#define PF_FEAT_OSRELEASE 4
#define PF_MAX_ATTRS 4096
#define PF_MAX_CHAIN 128 /* frames kept of a callchain */

/* include/uapi/linux/perf_event.h */
enum {
	PS_IP = 1 << 0,
	PS_TID = 1 << 1,
	PS_TIME = 1 << 2,
	PS_ADDR = 1 << 3,
	PS_READ = 1 << 4,
	PS_CALLCHAIN = 1 << 5,
	PS_ID = 1 << 6,
	PS_CPU = 1 << 7,
	PS_PERIOD = 1 << 8,
	PS_STREAM_ID = 1 << 9,
	PS_RAW = 1 << 10,
	PS_IDENTIFIER = 1 << 16,
};
enum {
	PR_MMAP = 1,
	PR_LOST = 2,
	PR_SAMPLE = 9,
	PR_MMAP2 = 10,
	PR_LOST_SAMPLES = 13,
	PR_COMPRESSED = 81,
};
#define PF_READ_TOTAL_TIME_ENABLED (1 << 0)
#define PF_READ_TOTAL_TIME_RUNNING (1 << 1)
#define PF_READ_ID (1 << 2)
#define PF_READ_GROUP (1 << 3)
#define PF_READ_LOST (1 << 4)
#define PF_CONTEXT_MAX ((uint64_t)-4095)
#define PF_MISC_CPUMODE_MASK 7
#define PF_MISC_KERNEL 1

struct pf_attr {
	uint64_t sample_type, read_format;
	bool sample_id_all;
};

/* A sample id and the attribute it belongs to. */
struct pf_id {
	uint64_t id;
	uint32_t attr;
};

/* A record to deliver, in time order. */
struct pf_rec {
	uint64_t ts;
	uint64_t off; /* in the file */
};

/* A kernel module's text, from perf's synthesized MMAP records. */
struct pf_module {
	uint64_t start, end;
	char name[56];
};

/* A callchain already sent as a stack record. */
struct pf_chain {
	uint64_t hash;
	uint32_t id, nr;
	uint64_t off; /* its first ip, in the file */
};

struct perf_source {
	struct dmas_source base;
	char path[256];
	uint8_t *map;
	size_t len;
	struct td_events ev;
	struct pf_attr *attrs;
	uint32_t nr_attrs;
	/* layouts differ (perf -a adds a tracking event): each record's
	 * PERF_SAMPLE_IDENTIFIER names its attribute through these */
	bool mixed;
	struct pf_id *ids;
	uint32_t nr_ids;
	uint64_t data_off, data_size;
	char host[65], release[65];
	struct pf_rec *recs;
	size_t nr_recs;
	struct pf_module *mods;
	uint32_t nr_mods;
	struct pf_chain *chains;
	uint32_t nr_chains, cap_chains;
	uint64_t bad_samples;
	char damage[160]; /* where the data section's walk stopped */
};

static bool pf_read_attr(struct perf_source *p, const uint8_t *q, size_t asz,
			 struct pf_attr *a)
{
	struct rd r = {.p = q, .len = asz};

	(void)p;
	rd_num(&r, 4); /* type */
	rd_num(&r, 4); /* size */
	rd_num(&r, 8); /* config */
	rd_num(&r, 8); /* sample period */
	a->sample_type = rd_num(&r, 8);
	a->read_format = rd_num(&r, 8);
	a->sample_id_all = (rd_num(&r, 8) >> 18) & 1;
	return !r.bad;
}

/* Bytes of a READ value in a sample. */
static uint64_t pf_read_size(uint64_t rf, struct rd *r)
{
	uint64_t per =
		8 + (rf & PF_READ_ID ? 8 : 0) + (rf & PF_READ_LOST ? 8 : 0);
	uint64_t times = (rf & PF_READ_TOTAL_TIME_ENABLED ? 8 : 0) +
			 (rf & PF_READ_TOTAL_TIME_RUNNING ? 8 : 0);

	if (rf & PF_READ_GROUP) {
		uint64_t nr = rd_num(r, 8);

		return nr > (1u << 16) ? UINT64_MAX : times + nr * per;
	}
	return times + per;
}

static int pf_id_cmp(const void *a, const void *b)
{
	const struct pf_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The attribute of a record whose identifier is the u64 at at; NULL if
 * none is known. */
static const struct pf_attr *pf_attr_at(const struct perf_source *p,
					uint64_t at)
{
	struct rd r = {.p = p->map, .len = p->len, .pos = at};
	struct pf_id key = {.id = rd_num(&r, 8)};
	const struct pf_id *f;

	if (!p->mixed)
		return &p->attrs[0];
	if (r.bad)
		return NULL;
	f = p->nr_ids ? bsearch(&key, p->ids, p->nr_ids, sizeof(*p->ids),
				pf_id_cmp)
		      : NULL;
	return f ? &p->attrs[f->attr] : NULL;
}

/* The sample fields we use, from a PERF_RECORD_SAMPLE's body. */
struct pf_sample {
	uint64_t ts;
	uint32_t pid, cpu;
	uint64_t nr_ips, ips_off; /* callchain: count, file offset */
	const uint8_t *raw;
	uint32_t raw_size;
};

static bool pf_parse_sample(struct perf_source *p, uint64_t off, size_t size,
			    struct pf_sample *s)
{
	const struct pf_attr *a = pf_attr_at(p, off + 8);
	struct rd r = {.p = p->map, .len = off + size, .pos = off + 8};
	uint64_t st, n;

	memset(s, 0, sizeof(*s));
	if (!a)
		return false;
	st = a->sample_type;
	if (!(st & PS_RAW)) /* perf's tracking event: nothing of ours */
		return true;
	if (st & PS_IDENTIFIER)
		rd_num(&r, 8);
	if (st & PS_IP)
		rd_num(&r, 8);
	if (st & PS_TID) {
		s->pid = (uint32_t)rd_num(&r, 4);
		rd_num(&r, 4);
	}
	if (st & PS_TIME)
		s->ts = rd_num(&r, 8);
	if (st & PS_ADDR)
		rd_num(&r, 8);
	if (st & PS_ID)
		rd_num(&r, 8);
	if (st & PS_STREAM_ID)
		rd_num(&r, 8);
	if (st & PS_CPU) {
		s->cpu = (uint32_t)rd_num(&r, 4);
		rd_num(&r, 4);
	}
	if (st & PS_PERIOD)
		rd_num(&r, 8);
	if (st & PS_READ) {
		n = pf_read_size(a->read_format, &r);
		if (r.bad || n > r.len - r.pos)
			return false;
		r.pos += (size_t)n;
	}
	if (st & PS_CALLCHAIN) {
		s->nr_ips = rd_num(&r, 8);
		s->ips_off = r.pos;
		if (s->nr_ips > (r.len - r.pos) / 8)
			return false;
		r.pos += (size_t)s->nr_ips * 8;
	}
	if (st & PS_RAW) {
		s->raw_size = (uint32_t)rd_num(&r, 4);
		s->raw = rd_take(&r, s->raw_size);
	}
	return !r.bad;
}

/* The time of a non-sample record, from its sample_id trailer; 0 if none. */
static uint64_t pf_trailer_ts(const struct perf_source *p, uint64_t off,
			      size_t size)
{
	const struct pf_attr *a = pf_attr_at(p, off + size - 8);
	uint64_t st;
	size_t tail = 0, at;
	struct rd r = {.p = p->map, .len = off + size};

	if (!a || !a->sample_id_all || !(a->sample_type & PS_TIME))
		return 0;
	st = a->sample_type;
	tail += st & PS_TID ? 8 : 0;
	at = tail;
	tail += 8; /* time */
	tail += st & PS_ID ? 8 : 0;
	tail += st & PS_STREAM_ID ? 8 : 0;
	tail += st & PS_CPU ? 8 : 0;
	tail += st & PS_IDENTIFIER ? 8 : 0;
	if (tail > size - 8)
		return 0;
	r.pos = off + size - tail + at;
	return rd_num(&r, 8);
}

/* A kernel module's MMAP record: its text range and name. */
static void pf_module(struct perf_source *p, uint64_t off, size_t size,
		      uint32_t type)
{
	struct rd r = {.p = p->map, .len = off + size, .pos = off + 16};
	uint64_t start, len;
	const char *file, *base, *dot;
	struct pf_module *m;
	size_t n, i;
	void *np;

	start = rd_num(&r, 8);
	len = rd_num(&r, 8);
	rd_num(&r, 8); /* pgoff */
	if (type == PR_MMAP2)
		rd_take(&r, 24 + 8); /* device or build id, prot, flags */
	file = rd_str(&r);
	if (r.bad || !len || p->nr_mods >= 65536)
		return;
	/* "[kernel.kallsyms]_text" is the kernel itself: no module */
	if (!strncmp(file, "[kernel", 7))
		return;
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	if (*base == '[')
		base++;
	dot = strstr(base, ".ko");
	n = dot ? (size_t)(dot - base) : strcspn(base, "]");
	if (!n)
		return;
	np = realloc(p->mods, (p->nr_mods + 1) * sizeof(*p->mods));
	if (!np)
		return;
	p->mods = np;
	m = &p->mods[p->nr_mods++];
	m->start = start;
	m->end = start + len;
	if (n >= sizeof(m->name))
		n = sizeof(m->name) - 1;
	for (i = 0; i < n; i++) /* the kernel's module names use '_' */
		m->name[i] = base[i] == '-' ? '_' : base[i];
	m->name[n] = '\0';
}

/*
 * The stack id of a sample's callchain, sending its stack record the
 * first time: frames are addresses with their module (a perf.data
 * carries no kernel symbols).
 */
static uint32_t pf_stack(struct perf_source *p, const struct pf_sample *s,
			 const struct dmas_sink *sink)
{
	char *frames[PF_MAX_CHAIN], buf[PF_MAX_CHAIN][96];
	struct rd r = {.p = p->map, .len = p->len, .pos = s->ips_off};
	uint64_t h = 1469598103934665603ull, ip;
	struct dmas_stack st = {0};
	struct pf_chain *c;
	uint32_t i, j, nr = 0;
	void *np;

	if (!s->nr_ips)
		return DMAS_STACK_NONE;
	for (i = 0; i < s->nr_ips; i++)
		h = (h ^ rd_num(&r, 8)) * 1099511628211ull;
	for (i = 0; i < p->nr_chains; i++) {
		c = &p->chains[i];
		if (c->hash == h && c->nr == s->nr_ips &&
		    !memcmp(p->map + c->off, p->map + s->ips_off,
			    (size_t)s->nr_ips * 8))
			return c->id;
	}
	if (p->nr_chains >= DMAS_STACK_ID_MAX)
		return DMAS_STACK_NONE;
	if (p->nr_chains == p->cap_chains) {
		uint32_t cap = p->cap_chains ? p->cap_chains * 2 : 64;

		np = realloc(p->chains, cap * sizeof(*p->chains));
		if (!np)
			return DMAS_STACK_NONE;
		p->chains = np;
		p->cap_chains = cap;
	}
	c = &p->chains[p->nr_chains++];
	c->hash = h;
	c->nr = (uint32_t)s->nr_ips;
	c->off = s->ips_off;
	c->id = p->nr_chains;
	r.pos = s->ips_off;
	for (i = 0; i < s->nr_ips && nr < PF_MAX_CHAIN; i++) {
		const char *mod = NULL;

		ip = rd_num(&r, 8);
		if (ip >= PF_CONTEXT_MAX) /* kernel/user context marker */
			continue;
		for (j = 0; j < p->nr_mods && !mod; j++)
			if (ip >= p->mods[j].start && ip < p->mods[j].end)
				mod = p->mods[j].name;
		if (mod)
			snprintf(buf[nr], sizeof(buf[nr]), "0x%" PRIx64 " [%s]",
				 ip, mod);
		else
			snprintf(buf[nr], sizeof(buf[nr]), "0x%" PRIx64, ip);
		frames[nr] = buf[nr];
		nr++;
	}
	st.id = c->id;
	st.nr_frames = nr;
	st.frames = (const char **)frames;
	if (sink->stack)
		sink->stack(sink->ctx, &st);
	return c->id;
}

static int pf_rec_cmp(const void *a, const void *b)
{
	const struct pf_rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * The data section: module ranges, and which records to deliver in what
 * order (perf writes each CPU's buffer in turn).  Damage stops the walk:
 * what came before it is delivered, the place is said.
 */
static int pf_index(struct perf_source *p, char *err, size_t errlen)
{
	uint64_t off = p->data_off, end = p->data_off + p->data_size;
	size_t cap = 0;

	while (off < end) {
		struct rd r = {.p = p->map, .len = end, .pos = off};
		uint32_t type = (uint32_t)rd_num(&r, 4);
		uint16_t misc = (uint16_t)rd_num(&r, 2);
		uint16_t size = (uint16_t)rd_num(&r, 2);
		struct pf_rec rec = {.off = off};
		struct pf_sample s;

		if (r.bad || size < 8 || size > end - off) {
			snprintf(p->damage, sizeof(p->damage),
				 "corrupt: a record at offset %" PRIu64
				 " %s; read up to there",
				 off,
				 r.bad || size > end - off
					 ? "runs past the data section"
					 : "has a size below its header");
			break;
		}
		if (type == PR_COMPRESSED)
			return td_fail(
				err, errlen, p->path,
				"compressed perf.data (perf record -z): record without -z, or perf inject -i IN -o OUT to decompress");
		if ((type == PR_MMAP || type == PR_MMAP2) &&
		    (misc & PF_MISC_CPUMODE_MASK) == PF_MISC_KERNEL)
			pf_module(p, off, size, type);
		if (type == PR_SAMPLE) {
			if (!pf_parse_sample(p, off, size, &s)) {
				p->bad_samples++;
				off += size;
				continue;
			}
			if (!s.raw) {
				off += size;
				continue;
			}
			rec.ts = s.ts;
		} else if (type == PR_LOST || type == PR_LOST_SAMPLES) {
			rec.ts = pf_trailer_ts(p, off, size);
		} else {
			off += size;
			continue;
		}
		if (p->nr_recs == cap) {
			void *np;

			cap = cap ? cap * 2 : 4096;
			np = realloc(p->recs, cap * sizeof(*p->recs));
			if (!np)
				return td_fail(err, errlen, p->path,
					       "out of memory");
			p->recs = np;
		}
		p->recs[p->nr_recs++] = rec;
		off += size;
	}
	if (p->nr_recs)
		qsort(p->recs, p->nr_recs, sizeof(*p->recs), pf_rec_cmp);
	return 0;
}

static void pf_deliver(struct perf_source *p, const struct pf_rec *rec,
		       const struct dmas_sink *sink)
{
	struct rd r = {.p = p->map, .len = p->len, .pos = rec->off};
	uint32_t type = (uint32_t)rd_num(&r, 4);
	uint16_t size;
	struct pf_sample s;
	uint32_t stack = DMAS_STACK_NONE;

	rd_num(&r, 2);
	size = (uint16_t)rd_num(&r, 2);
	if (type == PR_SAMPLE) {
		pf_parse_sample(p, rec->off, size, &s);
		if (s.nr_ips &&
		    dmas_tpdec_known(&p->ev.dec, s.raw, (int)s.raw_size))
			stack = pf_stack(p, &s, sink);
		dmas_tpdec_record_stack(&p->ev.dec, s.raw, (int)s.raw_size,
					s.ts, s.cpu, stack, sink);
		return;
	}
	if (sink->event) {
		struct dmas_event lost = {0};
		uint64_t n;

		rd_num(&r, type == PR_LOST ? 8 : 0); /* id */
		n = rd_num(&r, 8);
		lost.kind = DMAS_EV_LOST;
		lost.ts = rec->ts;
		lost.count = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
		sink->event(sink->ctx, &lost);
	}
}

static int perf_run(struct dmas_source *s, const struct dmas_sink *sink,
		    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct perf_source *p =
		dmas_source_container(s, struct perf_source, base);
	struct dmas_session ses = {0};
	size_t i;

	if (pf_index(p, err, errlen))
		return -1;
	snprintf(ses.kernel_release, sizeof(ses.kernel_release), "%s",
		 p->release[0] ? p->release : "?");
	snprintf(ses.hostname, sizeof(ses.hostname), "%s",
		 p->host[0] ? p->host : "?");
	snprintf(ses.clock, sizeof(ses.clock), "perf");
	ses.page_size = 4096;
	snprintf(ses.hooks, sizeof(ses.hooks), "perf:%u events",
		 p->ev.dec.nr_known);
	for (i = 0; i < p->nr_recs && !ses.start_ts; i++)
		ses.start_ts = p->recs[i].ts;
	if (sink->session)
		sink->session(sink->ctx, &ses);
	for (i = 0; i < p->nr_recs; i++) {
		if (stop && *stop)
			return 0;
		pf_deliver(p, &p->recs[i], sink);
	}
	if (p->damage[0]) {
		snprintf(err, errlen, "%s: %s", p->path, p->damage);
		return -1;
	}
	if (p->bad_samples) {
		snprintf(err, errlen,
			 "%s: corrupt: %" PRIu64 " damaged samples skipped",
			 p->path, p->bad_samples);
		return 1;
	}
	if (!p->ev.dec.events) {
		snprintf(
			err, errlen,
			"%s: no DMA events in this perf.data (record with perf record -e 'dma:*' -e 'vdmac:*' -e 'swiotlb:*')",
			p->path);
		return DMAS_SOURCE_WARNING;
	}
	return 0;
}

static void perf_close(struct dmas_source *s)
{
	struct perf_source *p =
		dmas_source_container(s, struct perf_source, base);

	td_events_free(&p->ev);
	free(p->attrs);
	free(p->ids);
	free(p->recs);
	free(p->mods);
	free(p->chains);
	if (p->map)
		munmap(p->map, p->len);
	free(p);
}

static const struct dmas_source_ops perf_ops = {
	.name = "perf.data",
	.run = perf_run,
	.close = perf_close,
};

static const char pf_json_key[] = "\"linux-perf-json-version\"";

bool dmas_perf_magic(const void *head, size_t n)
{
	const char *h = head;
	size_t i = 0;

	if (n >= 8 && !memcmp(h, "PERFILE2", 8))
		return true;
	/* perf data convert --to-json: "{" then the version key */
	while (i < n && (h[i] == '{' || h[i] == '\n' || h[i] == '\t' ||
			 h[i] == ' ' || h[i] == '\r'))
		i++;
	return i && i < n && h[0] == '{' &&
	       !memcmp(h + i, pf_json_key, n - i < 25 ? n - i : 25);
}

/* A perf string (u32 length, then the bytes) into buf. */
static void pf_feat_str(const struct rd *sec, char *buf, size_t len)
{
	struct rd r = *sec;
	uint32_t n = (uint32_t)rd_num(&r, 4);
	const uint8_t *s = rd_take(&r, n);

	if (s)
		snprintf(buf, len, "%.*s", (int)strnlen((const char *)s, n),
			 (const char *)s);
}

/* The feature sections: tracing data, hostname, kernel release. */
static int pf_features(struct perf_source *p, const uint8_t *bits, char *err,
		       size_t errlen)
{
	struct rd t = {.p = p->map, .len = p->len};
	struct rd tracing = {0}, sec;
	unsigned bit;

	t.pos = p->data_off + p->data_size;
	for (bit = 1; bit < 256; bit++) {
		uint64_t off, size;

		if (!(bits[bit / 8] & (1u << (bit % 8))))
			continue;
		off = rd_num(&t, 8);
		size = rd_num(&t, 8);
		if (t.bad || off > p->len || size > p->len - off)
			return td_fail(
				err, errlen, p->path,
				"truncated: feature section %u (%" PRIu64
				" bytes at %" PRIu64
				") runs past the end (%zu bytes); perf record may not have finished",
				bit, size, off, p->len);
		sec = (struct rd){.p = p->map + off, .len = size};
		if (bit == PF_FEAT_TRACING_DATA)
			tracing = sec;
		else if (bit == PF_FEAT_HOSTNAME)
			pf_feat_str(&sec, p->host, sizeof(p->host));
		else if (bit == PF_FEAT_OSRELEASE)
			pf_feat_str(&sec, p->release, sizeof(p->release));
	}
	if (!tracing.p)
		return td_fail(
			err, errlen, p->path,
			"no tracing data: not a recording of trace events (perf record -e 'dma:*' ...)");
	{
		const uint8_t *magic = rd_take(&tracing, 10);
		const char *ver;
		bool big;
		int lsize;
		uint32_t page;

		ver = rd_str(&tracing);
		big = rd_num(&tracing, 1) != 0;
		tracing.big = big;
		lsize = (int)rd_num(&tracing, 1);
		page = (uint32_t)rd_num(&tracing, 4);
		if (tracing.bad || memcmp(magic, "\x17\x08\x44tracing", 10))
			return td_fail(err, errlen, p->path,
				       "corrupt: the tracing data's header");
		if (big)
			return td_fail(
				err, errlen, p->path,
				"recorded on a big-endian machine: not read");
		if ((lsize != 4 && lsize != 8) || page < 64 ||
		    page > (1u << 24))
			return td_fail(
				err, errlen, p->path,
				"corrupt: tracing data %s: long size %d, page size %u",
				ver, lsize, page);
		if (td_events_init(&p->ev, p->path, false, lsize, page))
			return td_fail(err, errlen, p->path, "out of memory");
		if (td_parse_tracing_data(&p->ev, &tracing, err, errlen))
			return -1;
	}
	td_events_index(&p->ev);
	return 0;
}

/* The sample ids of attribute i, from its ids section at file offset at. */
static int pf_attr_ids(struct perf_source *p, uint64_t at, uint32_t i,
		       char *err, size_t errlen)
{
	struct rd r = {.p = p->map, .len = p->len, .pos = at};
	uint64_t off = rd_num(&r, 8), size = rd_num(&r, 8), k, n;
	void *np;

	if (r.bad || off > p->len || size > p->len - off)
		return td_fail(err, errlen, p->path,
			       "truncated: the sample ids of event %u", i);
	n = size / 8;
	if (n > (1u << 20) || p->nr_ids + n > (1u << 22))
		return td_fail(err, errlen, p->path,
			       "corrupt: %" PRIu64 " sample ids for event %u",
			       n, i);
	if (!n)
		return 0;
	np = realloc(p->ids, (p->nr_ids + n) * sizeof(*p->ids));
	if (!np)
		return td_fail(err, errlen, p->path, "out of memory");
	p->ids = np;
	r.pos = off;
	for (k = 0; k < n; k++) {
		p->ids[p->nr_ids].id = rd_num(&r, 8);
		p->ids[p->nr_ids++].attr = i;
	}
	return 0;
}

/*
 * The attributes: one sample layout, or several told apart by each
 * record's identifier.
 */
static int pf_attrs(struct perf_source *p, uint64_t asz, uint64_t off,
		    uint64_t size, char *err, size_t errlen)
{
	uint64_t n, i, esz = asz; /* perf_event_attr, then its ids' section */
	bool raw = false;

	if (asz < 64 + 16 || asz > 4096 || off > p->len || size > p->len - off)
		return td_fail(err, errlen, p->path,
			       "%s: the event attributes (%" PRIu64
			       " bytes at %" PRIu64 ")",
			       off > p->len || size > p->len - off ? "truncated"
								   : "corrupt",
			       size, off);
	n = size / esz;
	if (!n || n > PF_MAX_ATTRS)
		return td_fail(err, errlen, p->path,
			       "corrupt: %" PRIu64 " event attributes", n);
	p->attrs = calloc(n, sizeof(*p->attrs));
	if (!p->attrs)
		return td_fail(err, errlen, p->path, "out of memory");
	p->nr_attrs = (uint32_t)n;
	for (i = 0; i < n; i++) {
		if (!pf_read_attr(p, p->map + off + i * esz, asz - 16,
				  &p->attrs[i]))
			return td_fail(err, errlen, p->path,
				       "corrupt: event attribute %" PRIu64, i);
		if (pf_attr_ids(p, off + i * esz + asz - 16, (uint32_t)i, err,
				errlen))
			return -1;
		if (p->attrs[i].sample_type != p->attrs[0].sample_type ||
		    p->attrs[i].read_format != p->attrs[0].read_format)
			p->mixed = true;
		if (p->attrs[i].sample_type & PS_RAW)
			raw = true;
	}
	for (i = 0; p->mixed && i < n; i++)
		if (!(p->attrs[i].sample_type & PS_IDENTIFIER))
			return td_fail(
				err, errlen, p->path,
				"events recorded with different sample layouts and no sample identifier: record the DMA events in a perf record of their own");
	if (!raw)
		return td_fail(
			err, errlen, p->path,
			"the samples carry no raw trace records: not a recording of trace events (perf record -e 'dma:*' ...)");
	if (p->nr_ids)
		qsort(p->ids, p->nr_ids, sizeof(*p->ids), pf_id_cmp);
	return 0;
}

struct dmas_source *dmas_source_open_perf(const char *path, char *err,
					  size_t errlen)
{
	struct perf_source *p = calloc(1, sizeof(*p));
	struct rd h = {0};
	uint64_t hsize, asz, aoff, alen;
	const uint8_t *bits;

	if (!p) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	p->base.ops = &perf_ops;
	snprintf(p->path, sizeof(p->path), "%s", path);
	if (td_map_file(path, &p->map, &p->len, err, errlen))
		goto out;
	if (p->len && p->map[0] == '{') {
		td_fail(err, errlen, path,
			"perf data convert --to-json output: it names no event (and Linux 6.1's perf writes no tracepoint field), so DMA events cannot be told apart; give dmatrace the perf.data itself");
		goto out;
	}
	h.p = p->map;
	h.len = p->len;
	rd_take(&h, 8);
	hsize = rd_num(&h, 8);
	if (!h.bad && hsize == 16) {
		td_fail(err, errlen, path,
			"a perf.data written to a pipe (perf record -o -): record to a file");
		goto out;
	}
	asz = rd_num(&h, 8);
	aoff = rd_num(&h, 8);
	alen = rd_num(&h, 8);
	p->data_off = rd_num(&h, 8);
	p->data_size = rd_num(&h, 8);
	rd_take(&h, 16); /* event types: unused */
	bits = rd_take(&h, 32); /* the features present */
	if (h.bad) {
		td_fail(err, errlen, path, "truncated: no perf.data header");
		goto out;
	}
	if (hsize != PF_HEADER_SIZE) {
		td_fail(err, errlen, path,
			"corrupt: perf.data header of %" PRIu64
			" bytes (%d expected)",
			hsize, PF_HEADER_SIZE);
		goto out;
	}
	if (p->data_off > p->len || p->data_size > p->len - p->data_off) {
		td_fail(err, errlen, path,
			"truncated: the data section (%" PRIu64
			" bytes at %" PRIu64 ") runs past the end (%zu bytes)",
			p->data_size, p->data_off, p->len);
		goto out;
	}
	if (!p->data_size && p->len > p->data_off) {
		td_fail(err, errlen, path,
			"truncated: perf record did not finish this file (its header counts no data)");
		goto out;
	}
	if (pf_attrs(p, asz, aoff, alen, err, errlen) ||
	    pf_features(p, bits, err, errlen))
		goto out;
	return &p->base;
out:
	perf_close(&p->base);
	return NULL;
}
