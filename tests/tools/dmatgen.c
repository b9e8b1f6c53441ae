// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmatgen.c - writes .dmat recordings without a kernel, for tests, demos and
 * benchmarks: compiles a small scenario language, or generates a large
 * realistic mix of events (--synthetic).
 *
 * usage:
 *   dmatgen -o FILE [--compress] [SCENARIO]      (SCENARIO "-" or none: stdin)
 *   dmatgen -o FILE --synthetic EVENTS [--outstanding N] [--devices D]
 *           [--seed S] [--compress]
 *   dmatgen --dump FILE          print a recording as a scenario; compiling
 *                                that gives the same recording back
 *   --level N sets the zstd level with --compress (default 1).
 *
 * --synthetic writes correct DMA API use, reproducibly (--seed): on D PCI
 * devices alternating between NUMA nodes 0 and 1, 32 buffers in flight per
 * device, each cycle one of single map (from/to/bidirectional, synced for
 * the CPU before unmap when the device wrote), sg map (synced with
 * sync_sg_for_cpu) or coherent alloc/free; one buffer in ten on the other
 * node; N receive-ring mappings stay mapped to the end.
 *
 * Scenario language: one statement per line; '#' starts a comment; words
 * are separated by blanks, "double quotes" keep blanks (\" and \\ escape);
 * numbers are decimal or 0x hex, or sums and products of those and repeat
 * counters (below).  Errors name the line and exit with 2.
 *
 *   session key=value...     before anything else; keys: kernel, host,
 *                            page_size, clock, start (ns), realtime (ns),
 *                            hooks, traced_from_boot (0/1); defaults:
 *                            6.1.0-dmatgen, dmatgen, 4096, monotonic, 0,
 *                            a fixed date, "", 0
 *   memrange START-END node=N      physical range [START, END) on node N
 *   cpunode CPU node=N
 *   device ID name=S driver=S bus=S node=N mask=X
 *                            flags=iommu,bound_before,added,sync_elided,
 *                            no_unmap,swiotlb_force
 *   stack ID "frame" "frame" ...   innermost first
 *   at T | at +D             event clock: absolute ns, or advance by D
 *   step D                   clock advance after each event (default 100)
 *   KIND field=value...      one event of that kind at the current time:
 *     KIND is the event kind's name in lower case: map unmap map_sg unmap_sg
 *     sync_for_cpu sync_for_device sync_sg_for_cpu sync_sg_for_device
 *     map_resource unmap_resource map_error alloc_coherent free_coherent
 *     alloc_pages free_pages pool_create pool_destroy pool_alloc pool_free
 *     chan_request chan_release desc_prep desc_submit issue_pending
 *     xfer_start xfer_complete xfer_error terminate cpu_access driver_bind
 *     driver_unbind device_remove module_unload iommu_map iommu_unmap
 *     iommu_fault lost swiotlb_bounce iova_alloc iova_link iova_sync
 *     iova_unlink iova_destroy iova_free need_unmap sync_elision
 *     dev_coherent_free dma_mask dmabuf_export dmabuf_release
 *     dmabuf_attach dmabuf_detach dmabuf_map dmabuf_unmap fence_init
 *     fence_emit fence_signaled fence_destroy fence_wait_start fence_wait_end
 *     fields, as in struct dmas_event: dev pid cpu stack addr size phys aux
 *     count attrs flags dir name ts; dir is to, from, bidi, none (or the
 *     number); flags is write,error,atomic,coherent (or a number); name is for
 *     driver_bind, driver_unbind, module_unload.  Aliases: sgl pool chan
 *     va state (= aux; state: the dma_iova_state of the iova_* kinds),
 *     cookie client (= addr), result (= count), nents and mapped (map_sg:
 *     count = nents | mapped << 16), reason (lost: attrs = ring,
 *     recursion or kretprobe, or the number).
 *   lost N                   shorthand for: lost count=N
 *   repeat N {               the lines up to the matching "}" N times
 *   }                        numbers inside may use the counters: i (the
 *                            innermost repeat, from 0), j and k (the ones
 *                            around it) in sums and products, e.g.
 *                            map dev=1+j addr=0x10000+i*0x1000 size=4096
 *   end T                    end time in the trailer (default: last event)
 *   unfinished               leave the trailer out: a killed recorder's file
 *
 * Events also take reserved=N (the spare byte), so --dump loses nothing.
 *
 * Example:
 *   session kernel=6.1.0-test host=box traced_from_boot=1
 *   memrange 0x0-0x40000000 node=0
 *   device 1 name=0000:10:00.0 driver=nvme bus=pci node=1
 *   stack 1 "dma_map_page_attrs+0x0/0x200" "nvme_map_data+0x1c/0x80 [nvme]"
 *   at 1000000
 *   map dev=1 addr=0x1000 size=4096 dir=from phys=0x45000000 stack=1
 *   sync_for_cpu dev=1 addr=0x1000 size=4096 dir=from
 *   unmap dev=1 addr=0x1000 size=4096 dir=from
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event_names.h"
#include "format/dmat.h"

#define MAX_WORDS 256
#define MAX_DEPTH 16

struct line {
	int no;
	char *text;
};

struct gen {
	const char *src; /* scenario name for messages */
	const char *out;
	struct dmat_writer_opts wo;
	struct dmat_writer *w;
	struct dmas_session session;
	struct line *lines;
	int nr_lines;
	uint64_t now, step, end_ts;
	uint64_t loop[MAX_DEPTH]; /* repeat counters, outermost first */
	unsigned nloops;
	bool unfinished;
};

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

static struct gen *cur_gen;

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("dmatgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* bad input must not leave a plausible-looking recording behind */
	if (cur_gen && cur_gen->w) {
		dmat_writer_abandon(cur_gen->w);
		if (strcmp(cur_gen->out, "-"))
			unlink(cur_gen->out);
	}
	exit(2);
}

#define LDIE(ln, fmt, ...) die("%s:%d: " fmt, g->src, (ln)->no, ##__VA_ARGS__)

/* Split a line into words in place; returns the count. */
static int split(struct gen *g, const struct line *ln, char *s, char **words)
{
	int n = 0;

	for (;;) {
		char *o;

		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_WORDS)
			LDIE(ln, "too many words");
		words[n++] = o = s;
		bool quoted = false;

		/* a word may mix plain and quoted parts: name="a b" */
		while (*s && (quoted || (*s != ' ' && *s != '\t' &&
					 *s != '\r' && *s != '#'))) {
			if (*s == '"') {
				quoted = !quoted;
				s++;
			} else if (quoted && *s == '\\' &&
				   (s[1] == '"' || s[1] == '\\')) {
				*o++ = s[1];
				s += 2;
			} else {
				*o++ = *s++;
			}
		}
		if (quoted)
			LDIE(ln, "unterminated quote");
		bool more = *s != '\0';
		char c = *s;

		if (more)
			s++;
		*o = '\0';
		if (c == '#')
			return n;
		if (!more)
			return n;
	}
}

static uint64_t factor(struct gen *g, const struct line *ln, const char *what,
		       const char *v, const char **p)
{
	const char *c = strchr("ijk", **p);
	char *end;
	uint64_t x;

	if (**p && c) {
		unsigned up = (unsigned)(c - "ijk");

		if (up >= g->nloops)
			LDIE(ln, "%s: '%c' used outside %s repeat", what, **p,
			     up ? "a nested" : "a");
		(*p)++;
		return g->loop[g->nloops - 1 - up];
	}
	if (**p < '0' || **p > '9')
		LDIE(ln, "%s: '%s' is not a number", what, v);
	errno = 0;
	x = strtoull(*p, &end, 0);
	if (errno)
		LDIE(ln, "%s: '%s' is not a number", what, v);
	*p = end;
	return x;
}

/*
 * A number (decimal or 0x hex), or a sum of products of numbers and the
 * repeat counters: i counts the innermost repeat from 0, j the one around
 * it, k the next ("addr=0x1000+i*0x1000").
 */
static uint64_t num(struct gen *g, const struct line *ln, const char *what,
		    const char *v)
{
	const char *p = v;
	uint64_t sum = 0;
	char op = '+';

	for (;;) {
		uint64_t t = factor(g, ln, what, v, &p);

		while (*p == '*') {
			p++;
			t *= factor(g, ln, what, v, &p);
		}
		sum = op == '+' ? sum + t : sum - t;
		if (*p != '+' && *p != '-')
			break;
		op = *p++;
	}
	if (*p)
		LDIE(ln, "%s: '%s' is not a number", what, v);
	return sum;
}

static int64_t snum(struct gen *g, const struct line *ln, const char *what,
		    const char *v)
{
	if (*v == '-')
		return -(int64_t)num(g, ln, what, v + 1);
	return (int64_t)num(g, ln, what, v);
}

/* key=value: value, or die naming the word */
static char *split_kv(struct gen *g, const struct line *ln, char *word)
{
	char *eq = strchr(word, '=');

	if (!eq || eq == word)
		LDIE(ln, "'%s': expected key=value", word);
	*eq = '\0';
	return eq + 1;
}

static void copy_field(struct gen *g, const struct line *ln, char *dst,
		       size_t len, const char *key, const char *v)
{
	if (strlen(v) >= len)
		LDIE(ln, "%s: '%s' is longer than %zu characters", key, v,
		     len - 1);
	memset(dst, 0, len);
	memcpy(dst, v, strlen(v));
}

static void open_writer(struct gen *g, const struct line *ln)
{
	char err[512];

	if (g->w)
		return;
	g->w = dmat_writer_open(g->out, &g->session, &g->wo, err, sizeof(err));
	if (!g->w)
		die("%s", err);
}

static void check_write(struct gen *g, int ret)
{
	if (ret)
		die("%s", dmat_writer_error(g->w) ? dmat_writer_error(g->w)
						  : "write failed");
}

static void do_session(struct gen *g, const struct line *ln, char **words,
		       int n)
{
	struct dmas_session *s = &g->session;

	if (g->w)
		LDIE(ln, "session must come before every other statement");
	for (int i = 1; i < n; i++) {
		char *v = split_kv(g, ln, words[i]), *k = words[i];

		if (!strcmp(k, "kernel"))
			copy_field(g, ln, s->kernel_release,
				   sizeof(s->kernel_release), k, v);
		else if (!strcmp(k, "host"))
			copy_field(g, ln, s->hostname, sizeof(s->hostname), k,
				   v);
		else if (!strcmp(k, "clock"))
			copy_field(g, ln, s->clock, sizeof(s->clock), k, v);
		else if (!strcmp(k, "hooks"))
			copy_field(g, ln, s->hooks, sizeof(s->hooks), k, v);
		else if (!strcmp(k, "page_size"))
			s->page_size = (uint32_t)num(g, ln, k, v);
		else if (!strcmp(k, "start"))
			s->start_ts = num(g, ln, k, v);
		else if (!strcmp(k, "realtime"))
			s->start_realtime_ns = num(g, ln, k, v);
		else if (!strcmp(k, "traced_from_boot"))
			s->traced_from_boot = num(g, ln, k, v) != 0;
		else
			LDIE(ln,
			     "session: unknown key '%s' (kernel, host, page_size, clock, start, realtime, hooks, traced_from_boot)",
			     k);
	}
}

static void do_memrange(struct gen *g, const struct line *ln, char **words,
			int n)
{
	struct dmas_mem_range r = {0};
	char *dash;

	if (n != 3)
		LDIE(ln, "usage: memrange START-END node=N");
	dash = strchr(words[1], '-');
	if (!dash)
		LDIE(ln, "memrange: '%s' is not START-END", words[1]);
	*dash = '\0';
	r.start = num(g, ln, "memrange start", words[1]);
	r.end = num(g, ln, "memrange end", dash + 1);
	if (r.end <= r.start)
		LDIE(ln, "memrange: end must be above start");
	char *v = split_kv(g, ln, words[2]);

	if (strcmp(words[2], "node"))
		LDIE(ln, "memrange: unknown key '%s'", words[2]);
	r.node = (int32_t)snum(g, ln, "node", v);
	open_writer(g, ln);
	check_write(g, dmat_write_mem_range(g->w, &r));
}

static void do_cpunode(struct gen *g, const struct line *ln, char **words,
		       int n)
{
	struct dmas_cpu_node c = {0};

	if (n != 3)
		LDIE(ln, "usage: cpunode CPU node=N");
	c.cpu = (uint32_t)num(g, ln, "cpu", words[1]);
	char *v = split_kv(g, ln, words[2]);

	if (strcmp(words[2], "node"))
		LDIE(ln, "cpunode: unknown key '%s'", words[2]);
	c.node = (int32_t)snum(g, ln, "node", v);
	open_writer(g, ln);
	check_write(g, dmat_write_cpu_node(g->w, &c));
}

/* The value (1 to max - 1) whose name(value) is v; dies naming the words. */
static uint8_t word_index(struct gen *g, const struct line *ln, const char *k,
			  const char *v, const char *(*name)(unsigned int),
			  unsigned int max, const char *words)
{
	for (unsigned int t = 1; t < max; t++)
		if (!strcmp(v, name(t)))
			return (uint8_t)t;
	LDIE(ln, "device: %s=%s is none of %s", k, v, words);
}

static void do_device(struct gen *g, const struct line *ln, char **words, int n)
{
	struct dmas_device d = {.numa_node = -1};

	if (n < 2)
		LDIE(ln,
		     "usage: device ID name=S driver=S bus=S node=N flags=F mask=X iommu=TYPE group=N port=P");
	d.id = (uint32_t)num(g, ln, "device id", words[1]);
	if (!d.id)
		LDIE(ln, "device ids start at 1");
	for (int i = 2; i < n; i++) {
		char *v = split_kv(g, ln, words[i]), *k = words[i];

		if (!strcmp(k, "name")) {
			copy_field(g, ln, d.name, sizeof(d.name), k, v);
		} else if (!strcmp(k, "driver")) {
			copy_field(g, ln, d.driver, sizeof(d.driver), k, v);
		} else if (!strcmp(k, "bus")) {
			copy_field(g, ln, d.bus, sizeof(d.bus), k, v);
		} else if (!strcmp(k, "node")) {
			d.numa_node = (int32_t)snum(g, ln, k, v);
		} else if (!strcmp(k, "mask")) {
			d.dma_mask = num(g, ln, k, v);
		} else if (!strcmp(k, "flags")) {
			for (char *f = strtok(v, ",|"); f;
			     f = strtok(NULL, ",|")) {
				if (!strcmp(f, "iommu"))
					d.flags |= DMAS_DEVF_IOMMU;
				else if (!strcmp(f, "bound_before"))
					d.flags |= DMAS_DEVF_BOUND_BEFORE;
				else if (!strcmp(f, "added"))
					d.flags |= DMAS_DEVF_ADDED;
				else if (!strcmp(f, "sync_elided"))
					d.flags |= DMAS_DEVF_SYNC_ELIDED;
				else if (!strcmp(f, "no_unmap"))
					d.flags |= DMAS_DEVF_NO_UNMAP;
				else if (!strcmp(f, "swiotlb_force"))
					d.flags |= DMAS_DEVF_SWIOTLB_FORCE;
				else
					d.flags |= (uint32_t)num(
						g, ln, "device flags", f);
			}
		} else if (!strcmp(k, "iommu")) {
			d.iommu_domain = word_index(
				g, ln, k, v, dmas_iommu_domain_name,
				DMAS_IOMMU_DOMAIN_MAX,
				"none, DMA, DMA-FQ, identity, blocked, unmanaged, group");
		} else if (!strcmp(k, "group")) {
			d.iommu_group = (uint32_t)num(g, ln, k, v);
		} else if (!strcmp(k, "port")) {
			d.port = word_index(g, ln, k, v, dmas_port_name,
					    DMAS_PORT_MAX,
					    "fixed, removable, untrusted");
		} else {
			LDIE(ln,
			     "device: unknown key '%s' (name, driver, bus, node, flags, mask, iommu, group, port)",
			     k);
		}
	}
	open_writer(g, ln);
	check_write(g, dmat_write_device(g->w, &d));
}

static void do_stack(struct gen *g, const struct line *ln, char **words, int n)
{
	struct dmas_stack s;

	if (n < 3)
		LDIE(ln, "usage: stack ID \"frame\" ...");
	s.id = (uint32_t)num(g, ln, "stack id", words[1]);
	if (!s.id)
		LDIE(ln, "stack ids start at 1");
	s.nr_frames = n - 2;
	s.frames = (const char **)(words + 2);
	open_writer(g, ln);
	check_write(g, dmat_write_stack(g->w, &s));
}

static int kind_by_name(const char *w)
{
	return dmas_event_kind_by_name(w);
}

static uint8_t parse_dir(struct gen *g, const struct line *ln, const char *v)
{
	if (!strcmp(v, "to") || !strcmp(v, "to_device"))
		return DMAS_DIR_TO_DEVICE;
	if (!strcmp(v, "from") || !strcmp(v, "from_device"))
		return DMAS_DIR_FROM_DEVICE;
	if (!strcmp(v, "bidi") || !strcmp(v, "bidirectional"))
		return DMAS_DIR_BIDIRECTIONAL;
	if (!strcmp(v, "none"))
		return DMAS_DIR_NONE;
	uint64_t d = num(g, ln, "dir", v);

	if (d > 255)
		LDIE(ln, "dir: %" PRIu64 " is not 0..255", d);
	return (uint8_t)d;
}

/* lost reason=: enum dmas_loss_reason by name or number */
static uint16_t parse_reason(struct gen *g, const struct line *ln,
			     const char *v)
{
	uint64_t r;

	for (unsigned i = 0; i < DMAS_LOSS_REASONS; i++)
		if (!strcmp(v, dmas_loss_reason_name(i)))
			return (uint16_t)i;
	r = num(g, ln, "reason", v);
	if (r > 0xffff)
		LDIE(ln, "reason: %" PRIu64 " is not 0..65535", r);
	return (uint16_t)r;
}

static void do_event(struct gen *g, const struct line *ln, int kind,
		     char **words, int n)
{
	struct dmas_event ev = {.kind = (uint8_t)kind};
	uint64_t nents = 0, mapped = 0;
	bool have_sg = false, have_name = false;

	ev.ts = g->now;
	if (kind == DMAS_EV_LOST && n == 2 && !strchr(words[1], '=')) {
		ev.count = (uint32_t)num(g, ln, "lost", words[1]);
		n = 1;
	}
	for (int i = 1; i < n; i++) {
		char *v = split_kv(g, ln, words[i]), *k = words[i];

		if (!strcmp(k, "dev"))
			ev.dev = (uint32_t)num(g, ln, k, v);
		else if (!strcmp(k, "pid"))
			ev.pid = (uint32_t)num(g, ln, k, v);
		else if (!strcmp(k, "cpu"))
			ev.cpu = (uint16_t)num(g, ln, k, v);
		else if (!strcmp(k, "stack") || !strcmp(k, "stack_id"))
			ev.stack_id = (uint32_t)num(g, ln, k, v);
		else if (!strcmp(k, "dir"))
			ev.dir = parse_dir(g, ln, v);
		else if (!strcmp(k, "ts"))
			ev.ts = g->now = num(g, ln, k, v);
		else if (!strcmp(k, "name")) {
			if (strlen(v) > DMAS_NAME_LEN)
				LDIE(ln, "name: longer than %d characters",
				     DMAS_NAME_LEN);
			have_name = true;
			memset(ev.name, 0, sizeof(ev.name));
			memcpy(ev.name, v, strlen(v));
		} else if (have_name) {
			LDIE(ln, "%s: an event with a name carries no %s",
			     dmas_event_kind_name(kind), k);
		} else if (!strcmp(k, "addr") || !strcmp(k, "cookie") ||
			   !strcmp(k, "client"))
			ev.addr = num(g, ln, k, v);
		else if (!strcmp(k, "size"))
			ev.size = num(g, ln, k, v);
		else if (!strcmp(k, "phys"))
			ev.phys = num(g, ln, k, v);
		else if (!strcmp(k, "aux") || !strcmp(k, "sgl") ||
			 !strcmp(k, "pool") || !strcmp(k, "chan") ||
			 !strcmp(k, "va") || !strcmp(k, "state"))
			ev.aux = num(g, ln, k, v);
		else if (!strcmp(k, "reason"))
			ev.attrs = parse_reason(g, ln, v);
		else if (!strcmp(k, "count") || !strcmp(k, "result"))
			ev.count = (uint32_t)num(g, ln, k, v);
		else if (!strcmp(k, "nents")) {
			nents = num(g, ln, k, v);
			have_sg = true;
		} else if (!strcmp(k, "mapped")) {
			mapped = num(g, ln, k, v);
			have_sg = true;
		} else if (!strcmp(k, "reserved"))
			ev.reserved = (uint8_t)num(g, ln, k, v);
		else if (!strcmp(k, "attrs"))
			ev.attrs = (uint16_t)num(g, ln, k, v);
		else if (!strcmp(k, "flags")) {
			for (char *f = strtok(v, ",|"); f;
			     f = strtok(NULL, ",|")) {
				if (!strcmp(f, "write"))
					ev.flags |= DMAS_F_WRITE;
				else if (!strcmp(f, "error"))
					ev.flags |= DMAS_F_ERROR;
				else if (!strcmp(f, "atomic"))
					ev.flags |= DMAS_F_ATOMIC;
				else if (!strcmp(f, "coherent"))
					ev.flags |= DMAS_F_COHERENT_MASK;
				else
					ev.flags |=
						(uint8_t)num(g, ln, "flags", f);
			}
		} else
			LDIE(ln, "%s: unknown field '%s'",
			     dmas_event_kind_name(kind), k);
	}
	if (have_name && ev.dir)
		LDIE(ln, "%s: an event with a name carries no dir",
		     dmas_event_kind_name(kind));
	if (have_sg) {
		if (nents > 0xffff || mapped > 0xffff)
			LDIE(ln, "nents and mapped must be below 65536");
		ev.count = (uint32_t)(nents | mapped << 16);
	}
	open_writer(g, ln);
	check_write(g, dmat_write_event(g->w, &ev));
	g->now = ev.ts + g->step;
}

static int run_block(struct gen *g, int first, int depth);

/* Executes line i; returns the index of the next line to run. */
static int run_line(struct gen *g, int i, int depth)
{
	const struct line *ln = &g->lines[i];
	char *copy = strdup(ln->text), *words[MAX_WORDS];
	int n = split(g, ln, copy, words), kind, next = i + 1;

	if (!n)
		goto out;
	if (!strcmp(words[0], "repeat")) {
		uint64_t times;

		if (n != 3 || strcmp(words[2], "{"))
			LDIE(ln, "usage: repeat N {");
		if (depth >= MAX_DEPTH)
			LDIE(ln, "repeat nested too deep");
		times = num(g, ln, "repeat", words[1]);
		if (!times)
			LDIE(ln, "repeat 0 is not useful");
		g->loop[g->nloops++] = 0;
		/* the first pass also finds the end of the block */
		next = run_block(g, i + 1, depth + 1);
		for (uint64_t t = 1; t < times; t++) {
			g->loop[g->nloops - 1] = t;
			run_block(g, i + 1, depth + 1);
		}
		g->nloops--;
	} else if (!strcmp(words[0], "}")) {
		if (!depth)
			LDIE(ln, "'}' without repeat");
		next = -(i + 1) - 1; /* end of block marker */
	} else if (!strcmp(words[0], "session")) {
		do_session(g, ln, words, n);
	} else if (!strcmp(words[0], "memrange")) {
		do_memrange(g, ln, words, n);
	} else if (!strcmp(words[0], "cpunode")) {
		do_cpunode(g, ln, words, n);
	} else if (!strcmp(words[0], "device")) {
		do_device(g, ln, words, n);
	} else if (!strcmp(words[0], "stack")) {
		do_stack(g, ln, words, n);
	} else if (!strcmp(words[0], "at")) {
		if (n != 2)
			LDIE(ln, "usage: at T | at +D");
		if (words[1][0] == '+')
			g->now += num(g, ln, "at", words[1] + 1);
		else
			g->now = num(g, ln, "at", words[1]);
	} else if (!strcmp(words[0], "step")) {
		if (n != 2)
			LDIE(ln, "usage: step D");
		g->step = num(g, ln, "step", words[1]);
	} else if (!strcmp(words[0], "end")) {
		if (n != 2)
			LDIE(ln, "usage: end T");
		g->end_ts = num(g, ln, "end", words[1]);
	} else if (!strcmp(words[0], "unfinished")) {
		g->unfinished = true;
	} else if ((kind = kind_by_name(words[0])) > 0) {
		do_event(g, ln, kind, words, n);
	} else {
		LDIE(ln, "unknown statement '%s'", words[0]);
	}
out:
	free(copy);
	return next;
}

/* Runs lines from first to the closing '}' (or the end at depth 0). */
static int run_block(struct gen *g, int first, int depth)
{
	int i = first;

	while (i < g->nr_lines) {
		int next = run_line(g, i, depth);

		if (next < 0)
			return -next - 1;
		i = next;
	}
	if (depth)
		die("%s:%d: 'repeat {' without a closing '}'", g->src,
		    g->lines[first - 1].no);
	return i;
}

static void read_scenario(struct gen *g, FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	int no = 0, alloc = 0;

	while (getline(&line, &cap, f) >= 0) {
		size_t l = strlen(line);

		no++;
		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			line[--l] = '\0';
		if (g->nr_lines == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			g->lines = realloc(g->lines, alloc * sizeof(*g->lines));
			if (!g->lines)
				die("out of memory");
		}
		g->lines[g->nr_lines].no = no;
		g->lines[g->nr_lines++].text = strdup(line);
	}
	free(line);
	if (ferror(f))
		die("%s: %s", g->src, strerror(errno));
}

static void default_session(struct dmas_session *s)
{
	snprintf(s->kernel_release, sizeof(s->kernel_release), "6.1.0-dmatgen");
	snprintf(s->hostname, sizeof(s->hostname), "dmatgen");
	snprintf(s->clock, sizeof(s->clock), "monotonic");
	s->page_size = 4096;
	s->start_realtime_ns =
		1764000000000000000ull; /* fixed: output is reproducible */
}

static void finish(struct gen *g)
{
	char err[512];

	if (!g->w)
		open_writer(g, NULL);
	if (g->unfinished) {
		dmat_writer_abandon(g->w);
		g->w = NULL;
		return;
	}
	if (dmat_writer_close(g->w, g->end_ts, err, sizeof(err))) {
		g->w = NULL;
		die("%s", err);
	}
	g->w = NULL;
}

/* ---- --synthetic: a large, correct, realistic mix ---- */

struct slot {
	uint8_t kind; /* 0 free, else the opening event kind */
	uint8_t dir;
	uint64_t addr, size, phys, aux;
	uint32_t count;
};

#define SLOTS 32 /* mappings in flight per device */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static const char *const drivers[] = {"nvme", "e1000e", "ahci", "xhci_hcd"};
static const char *const frames[][3] = {
	{"dma_map_page_attrs+0x0/0x200", "nvme_map_data+0x1c/0x80 [nvme]",
	 "nvme_queue_rq+0x8c/0x1e0 [nvme]"},
	{"dma_map_page_attrs+0x0/0x200",
	 "e1000_alloc_rx_buffers+0x9a/0x2a0 [e1000e]",
	 "e1000e_poll+0x1b0/0x2f0 [e1000e]"},
	{"dma_map_sg_attrs+0x0/0x90", "ata_qc_issue+0x104/0x230",
	 "ahci_qc_prep+0x3c/0x1c0 [libahci]"},
	{"dma_alloc_attrs+0x0/0xd0", "xhci_ring_alloc+0x70/0x250",
	 "xhci_mem_init+0x4e0/0xb60"},
};

struct synth {
	struct dmat_writer *w;
	uint64_t now, written;
	unsigned devices;
};

static void emit(struct synth *s, struct dmas_event *ev)
{
	s->now += 50 + rnd() % 200;
	ev->ts = s->now;
	if (dmat_write_event(s->w, ev))
		die("%s", dmat_writer_error(s->w));
	s->written++;
}

/* events needed to close a slot */
static unsigned close_cost(const struct slot *sl)
{
	if (sl->kind == DMAS_EV_MAP || sl->kind == DMAS_EV_MAP_SG)
		return sl->dir == DMAS_DIR_TO_DEVICE ? 1 : 2;
	return 1;
}

static void open_slot(struct synth *s, unsigned d, unsigned i, struct slot *sl)
{
	unsigned node = d % 2, r = rnd() % 100;
	struct dmas_event ev = {.dev = d + 1, .pid = 1000 + d, .cpu = node};
	uint64_t node_base = node ? 0x80000000ull : 0;

	if (rnd() % 10 == 0) /* some buffers on the other node */
		node_base ^= 0x80000000ull;
	/* 128 KiB per slot: the largest sg (32 KiB) at the top offset fits */
	sl->addr = 0x10000000ull + ((uint64_t)i << 17) +
		   ((uint64_t)(rnd() % 16) << 12);
	sl->phys = node_base + 0x1000000ull + (((uint64_t)d * SLOTS + i) << 16);
	sl->aux = 0;
	sl->count = 0;
	if (r < 65) {
		sl->kind = DMAS_EV_MAP;
		sl->size = 512u << (rnd() % 4);
		sl->dir = r < 30   ? DMAS_DIR_FROM_DEVICE
			  : r < 58 ? DMAS_DIR_TO_DEVICE
				   : DMAS_DIR_BIDIRECTIONAL;
	} else if (r < 88) {
		unsigned nents = 1 + rnd() % 8;

		sl->kind = DMAS_EV_MAP_SG;
		sl->dir = r < 76 ? DMAS_DIR_FROM_DEVICE : DMAS_DIR_TO_DEVICE;
		sl->size = 4096ull * nents;
		sl->aux = 0xffff888000000000ull +
			  (((uint64_t)d * SLOTS + i) << 8);
		sl->count = nents | nents << 16;
	} else {
		sl->kind = DMAS_EV_ALLOC_COHERENT;
		sl->dir = DMAS_DIR_BIDIRECTIONAL;
		sl->size = 4096;
		sl->aux = 0xffff888100000000ull +
			  (((uint64_t)d * SLOTS + i) << 12);
	}
	ev.kind = sl->kind;
	ev.dir = sl->kind == DMAS_EV_ALLOC_COHERENT ? 0 : sl->dir;
	ev.addr = sl->addr;
	ev.size = sl->size;
	ev.phys = sl->phys;
	ev.aux = sl->aux;
	ev.count = sl->count;
	ev.stack_id = 1 + d % 4;
	emit(s, &ev);
}

static void close_slot(struct synth *s, unsigned d, struct slot *sl)
{
	struct dmas_event ev = {.dev = d + 1, .pid = 1000 + d, .cpu = d % 2};

	ev.addr = sl->addr;
	ev.size = sl->size;
	ev.dir = sl->dir;
	switch (sl->kind) {
	case DMAS_EV_MAP:
		if (sl->dir != DMAS_DIR_TO_DEVICE) {
			ev.kind = DMAS_EV_SYNC_FOR_CPU;
			emit(s, &ev);
		}
		ev.kind = DMAS_EV_UNMAP;
		emit(s, &ev);
		break;
	case DMAS_EV_MAP_SG:
		ev.aux = sl->aux;
		ev.count = sl->count & 0xffff;
		if (sl->dir != DMAS_DIR_TO_DEVICE) {
			ev.kind = DMAS_EV_SYNC_SG_FOR_CPU;
			ev.addr = 0;
			emit(s, &ev);
			ev.addr = sl->addr;
		}
		ev.kind = DMAS_EV_UNMAP_SG;
		emit(s, &ev);
		break;
	default:
		ev.kind = DMAS_EV_FREE_COHERENT;
		ev.dir = 0;
		ev.aux = sl->aux;
		emit(s, &ev);
		break;
	}
	sl->kind = 0;
}

static void synthetic(struct gen *g, uint64_t target, uint64_t outstanding,
		      unsigned devices)
{
	struct synth s = {.devices = devices, .now = 1000000};
	struct slot *slots = calloc((size_t)devices * SLOTS, sizeof(*slots));
	uint64_t pending = 0;
	struct timespec t0, t1;
	char err[512];

	if (!slots)
		die("out of memory");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	g->session.traced_from_boot = true;
	snprintf(g->session.hooks, sizeof(g->session.hooks), "synthetic");
	open_writer(g, NULL);
	s.w = g->w;
	for (unsigned n = 0; n < 2; n++) {
		struct dmas_mem_range r = {n * 0x80000000ull,
					   (n + 1) * 0x80000000ull, (int32_t)n};
		struct dmas_cpu_node c = {n, (int32_t)n};

		dmat_write_mem_range(s.w, &r);
		dmat_write_cpu_node(s.w, &c);
	}
	for (unsigned i = 0; i < 4; i++) {
		struct dmas_stack st = {i + 1, 3, (const char **)frames[i]};

		dmat_write_stack(s.w, &st);
	}
	for (unsigned d = 0; d < devices; d++) {
		struct dmas_device dev = {.id = d + 1,
					  .numa_node = (int32_t)(d % 2),
					  .dma_mask = ~0ull};

		snprintf(dev.name, sizeof(dev.name), "0000:%02x:00.0",
			 0x10 + d);
		snprintf(dev.driver, sizeof(dev.driver), "%s", drivers[d % 4]);
		snprintf(dev.bus, sizeof(dev.bus), "pci");
		dev.flags = d % 2 ? DMAS_DEVF_IOMMU : 0;
		check_write(g, dmat_write_device(s.w, &dev));
	}
	/* mappings that stay: a receive ring a live driver keeps mapped */
	for (uint64_t k = 0; k < outstanding && s.written < target; k++) {
		unsigned d = k % devices;
		struct dmas_event ev = {
			.dev = d + 1,
			.pid = 1000 + d,
			.cpu = d % 2,
			.kind = DMAS_EV_MAP,
			.dir = DMAS_DIR_FROM_DEVICE,
			.size = 2048,
			.stack_id = 1 + d % 4,
			.addr = 0x100000000ull + (k / devices) * 4096,
			.phys = (d % 2 ? 0x80000000ull : 0) + 0x40000000ull +
				(k / devices) * 4096,
		};

		emit(&s, &ev);
	}
	while (s.written + pending < target) {
		unsigned d = rnd() % devices, i = rnd() % SLOTS;
		struct slot *sl = &slots[d * SLOTS + i];

		if (sl->kind) {
			pending -= close_cost(sl);
			close_slot(&s, d, sl);
		} else {
			open_slot(&s, d, i, sl);
			pending += close_cost(sl);
		}
	}
	for (unsigned k = 0; k < devices * SLOTS; k++)
		if (slots[k].kind)
			close_slot(&s, k / SLOTS, &slots[k]);
	if (dmat_writer_close(s.w, s.now + 1000, err, sizeof(err))) {
		g->w = NULL;
		die("%s", err);
	}
	g->w = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	fprintf(stderr,
		"dmatgen: %" PRIu64 " events (%" PRIu64
		" left mapped) in %.2f s, %.1f M events/s\n",
		s.written, outstanding < s.written ? outstanding : s.written,
		secs, secs > 0 ? s.written / secs / 1e6 : 0.0);
	free(slots);
}

/* ---- --dump: a recording back into the scenario language ---- */

static void put_quoted(const char *key, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	if (key)
		printf(" %s=\"", key);
	else
		printf(" \"");
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			putchar('\\');
		putchar(s[i]);
	}
	putchar('"');
}

static void put_u(const char *key, uint64_t v, bool hex)
{
	if (v)
		printf(hex ? " %s=%#" PRIx64 : " %s=%" PRIu64, key, v);
}

static void dump_event(const struct dmas_event *e)
{
	if (e->kind > 0 && dmas_event_kind_name(e->kind))
		printf("%s ts=%" PRIu64, dmas_event_kind_name(e->kind),
		       (uint64_t)e->ts);
	else
		printf("# unknown kind %u at ts=%" PRIu64 "\n#", e->kind,
		       (uint64_t)e->ts);
	put_u("dev", e->dev, false);
	put_u("pid", e->pid, false);
	put_u("cpu", e->cpu, false);
	put_u("stack", e->stack_id, false);
	static const char *const dirs[] = {"bidi", "to", "from", "none"};

	if (e->dir > DMAS_DIR_NONE)
		printf(" dir=%u", e->dir); /* not a valid direction: as is */
	else if (e->dir)
		printf(" dir=%s", dirs[e->dir]);
	if (e->kind == DMAS_EV_DRIVER_BIND ||
	    e->kind == DMAS_EV_DRIVER_UNBIND ||
	    e->kind == DMAS_EV_MODULE_UNLOAD) {
		put_quoted("name", e->name, DMAS_NAME_LEN);
	} else {
		put_u("addr", e->addr, true);
		put_u("size", e->size, false);
		put_u("phys", e->phys, true);
		put_u("aux", e->aux, true);
		put_u("count", e->count, false);
		put_u("attrs", e->attrs, true);
		put_u("flags", e->flags, true);
		put_u("reserved", e->reserved, false);
	}
	putchar('\n');
}

static int dump(const char *path)
{
	struct dmat_reader *r;
	struct dmat_record rec;
	const struct dmas_session *s;
	enum dmat_rec t;
	unsigned major, minor;
	char err[512];

	r = dmat_reader_open(path, err, sizeof(err));
	if (!r) {
		fprintf(stderr, "dmatgen: %s\n", err);
		return 2;
	}
	s = dmat_reader_session(r);
	dmat_reader_version(r, &major, &minor);
	printf("# %s: .dmat format %u.%u%s\n", path, major, minor,
	       dmat_reader_compressed(r) ? ", zstd" : "");
	printf("session");
	put_quoted("kernel", s->kernel_release, sizeof(s->kernel_release));
	put_quoted("host", s->hostname, sizeof(s->hostname));
	printf(" page_size=%u", s->page_size);
	put_quoted("clock", s->clock, sizeof(s->clock));
	printf(" start=%" PRIu64 " realtime=%" PRIu64, s->start_ts,
	       s->start_realtime_ns);
	put_quoted("hooks", s->hooks, sizeof(s->hooks));
	printf(" traced_from_boot=%d\nstep 0\n", s->traced_from_boot);
	while ((t = dmat_reader_next(r, &rec)) > 0) {
		switch (t) {
		case DMAT_R_EVENT:
			dump_event(&rec.event);
			break;
		case DMAT_R_DEVICE:
			printf("device %u", rec.device.id);
			put_quoted("name", rec.device.name, DMAS_DEV_NAME_LEN);
			put_quoted("driver", rec.device.driver,
				   DMAS_DRV_NAME_LEN);
			put_quoted("bus", rec.device.bus, DMAS_BUS_NAME_LEN);
			printf(" node=%d flags=%#x mask=%#" PRIx64 "\n",
			       rec.device.numa_node, rec.device.flags,
			       rec.device.dma_mask);
			break;
		case DMAT_R_STACK:
			printf("stack %u", rec.stack.id);
			for (uint32_t i = 0; i < rec.stack.nr_frames; i++) {
				/* a frame is one quoted word of its own */
				put_quoted(NULL, rec.stack.frames[i], 4096);
			}
			putchar('\n');
			break;
		case DMAT_R_MEM_RANGE:
			printf("memrange %#" PRIx64 "-%#" PRIx64 " node=%d",
			       rec.range.start, rec.range.end, rec.range.node);
			if (rec.range.kind != DMAS_MEM_RAM)
				printf(" kind=%u", rec.range.kind);
			putchar('\n');
			break;
		case DMAT_R_CPU_NODE:
			printf("cpunode %u node=%d\n", rec.cpu_node.cpu,
			       rec.cpu_node.node);
			break;
		default:
			break;
		}
	}
	if (t == DMAT_R_EOF) {
		printf("end %" PRIu64 "\n", dmat_reader_end_ts(r));
	} else {
		printf("# %s\nunfinished\n", dmat_reader_error(r));
		fprintf(stderr, "dmatgen: %s\n", dmat_reader_error(r));
	}
	dmat_reader_close(r);
	return t == DMAT_R_EOF ? 0 : 1;
}

static void usage(FILE *f)
{
	fputs("usage: dmatgen -o FILE [--compress] [SCENARIO]\n"
	      "       dmatgen -o FILE --synthetic EVENTS [--outstanding N]\n"
	      "               [--devices D] [--seed S] [--compress]\n"
	      "       (--level N: zstd level with --compress, default 1)\n"
	      "       dmatgen --dump FILE\n"
	      "\n"
	      "Writes a .dmat recording from a scenario (stdin when SCENARIO\n"
	      "is - or missing; the language is described at the top of\n"
	      "tests/tools/dmatgen.c), or a large, correct mix of\n"
	      "map/sync/unmap, sg and coherent traffic on D devices (default\n"
	      "4) with N mappings left outstanding (default 0).  --dump prints\n"
	      "a recording as a scenario that compiles back to the same file\n"
	      "(exit 1 after what could be read if it is truncated or corrupt).\n"
	      "\n"
	      "examples:\n"
	      "  dmatgen -o leak.dmat tests/fuzz/seeds/all-records.scn\n"
	      "  dmatgen -o big.dmat --synthetic 10000000 --outstanding 1000\n"
	      "  dmatgen --dump big.dmat | less\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"compress", no_argument, NULL, 'z'},
		{"synthetic", required_argument, NULL, 's'},
		{"outstanding", required_argument, NULL, 'n'},
		{"devices", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 'S'},
		{"dump", required_argument, NULL, 'D'},
		{"level", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct gen g = {.step = 100}; /* die() reaches it via cur_gen */
	struct line argline = {0, NULL};
	uint64_t synth = 0, outstanding = 0, devices = 4;
	bool synth_mode = false;
	int c;

	g.src = "<args>";
	cur_gen = &g;
	default_session(&g.session);
	while ((c = getopt_long(argc, argv, "o:zh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			g.out = optarg;
			break;
		case 'z':
			g.wo.compress = true;
			break;
		case 's':
			synth = num(&g, &argline, "--synthetic", optarg);
			synth_mode = true;
			break;
		case 'n':
			outstanding =
				num(&g, &argline, "--outstanding", optarg);
			break;
		case 'd':
			devices = num(&g, &argline, "--devices", optarg);
			if (!devices || devices > 4096)
				die("--devices: 1..4096");
			break;
		case 'S':
			rng_state = num(&g, &argline, "--seed", optarg) | 1;
			break;
		case 'D':
			return dump(optarg);
		case 'L':
			g.wo.level = (int)num(&g, &argline, "--level", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!g.out) {
		usage(stderr);
		return 2;
	}
	if (synth_mode) {
		if (optind < argc)
			die("--synthetic takes no scenario");
		synthetic(&g, synth, outstanding, (unsigned)devices);
		return 0;
	}
	if (optind + 1 < argc)
		die("one scenario at a time");
	if (optind < argc && strcmp(argv[optind], "-")) {
		FILE *f = fopen(argv[optind], "r");

		if (!f)
			die("%s: %s", argv[optind], strerror(errno));
		g.src = argv[optind];
		read_scenario(&g, f);
		fclose(f);
	} else {
		g.src = "<stdin>";
		read_scenario(&g, stdin);
	}
	run_block(&g, 0, 0);
	finish(&g);
	for (int i = 0; i < g.nr_lines; i++)
		free(g.lines[i].text);
	free(g.lines);
	return 0;
}
