/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * engine.c - the engine's dispatch: side tables (session, devices, stacks,
 * memory ranges, CPU nodes), events to the detector families, time-based
 * detectors, findings and their folding, and the read-out API.
 *
 * Rules applied here:
 * - Device/driver filters: events of a device that does not pass them are
 *   dropped before any detector sees them (the driver filter is checked
 *   again at each DRIVER_BIND).  Lost-event and module records pass.
 * - Events naming no device (id 0: IOMMU events of devices the tracer
 *   never saw, events past its device table) are counted
 *   (dmas_engine_no_device) and not analysed: there is no device row 0.
 * - Pre-existing mappings: a device whose driver bound before tracing
 *   (DMAS_DEVF_BOUND_BEFORE, or the session was not traced from boot) and
 *   for which no DRIVER_BIND was seen may release mappings the engine never
 *   saw made: counted in `preexisting`, never reported.  A device
 *   registered while tracing (DMAS_DEVF_ADDED: its device_add was seen),
 *   with or without a driver (a child device a driver registers and maps
 *   through), has no such mappings: what it releases unknown is a finding.
 * - Lost events: each LOST record starts a new loss generation; every
 *   record remembers the generation it was created in, and a finding whose
 *   evidence spans a change of generation is marked uncertain.  A loss
 *   known only to lie in a span (a kernel counter read twice) starts a
 *   generation at every event of the span.  "Not
 *   mapped" findings are uncertain once any loss happened before them (the
 *   lost events may have held the map).
 * - Folding: a finding of the same kind, device, creating and closing stack
 *   is kept 8 times, then only counted (`repeats`), so a bug hit on every
 *   packet does not grow memory without bound.  Leaks are never folded:
 *   one finding per leaked mapping.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define FOLD_KEEP 8

void *eng_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return p;
	while (ncap < need)
		ncap *= 2;
	n = realloc(p, ncap * elem);
	if (!n)
		return NULL;
	memset((char *)n + *cap * elem, 0, (ncap - *cap) * elem);
	*cap = ncap;
	return n;
}

struct dmas_engine *dmas_engine_new(const struct dmas_engine_opts *opts)
{
	struct dmas_engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	if (opts)
		e->opts = *opts;
	if (!e->opts.xfer_timeout_ns)
		e->opts.xfer_timeout_ns = 5000000000ULL;
	if (!e->opts.window_ns)
		e->opts.window_ns = 1000000000ULL;
	if (e->opts.device_filter)
		e->device_filter = strdup(e->opts.device_filter);
	if (e->opts.driver_filter)
		e->driver_filter = strdup(e->opts.driver_filter);
	e->opts.device_filter = e->device_filter;
	e->opts.driver_filter = e->driver_filter;
	e->win_len = e->opts.window_ns;
	strcpy(e->session.clock, "monotonic");
	if (maps_init(e)) {
		dmas_engine_free(e);
		return NULL;
	}
	return e;
}

void dmas_engine_free(struct dmas_engine *e)
{
	size_t i;

	if (!e)
		return;
	maps_free(e);
	htab_free(&e->line_h);
	htab_free(&e->access_h);
	dmaeng_free(e);
	numa_free(e);
	iommu_free(e);
	masks_free(e);
	iova_free_all(e);
	dmabuf_free(e);
	cma_free(e);
	for (i = 0; i < e->cap_stacks; i++) {
		free(e->stacks[i].buf);
		free(e->stacks[i].pub.frames);
	}
	free(e->stacks);
	htab_free(&e->site_h);
	for (i = 0; i < e->nr_devs; i++) {
		free(e->devs[i].large);
		free(e->devs[i].cma_lat);
	}
	free(e->devs);
	free(e->dev_idx);
	free(e->ranges);
	free(e->cpu_node);
	free(e->pools);
	htab_free(&e->pool_h);
	free(e->findings);
	free(e->aggs);
	htab_free(&e->agg_h);
	free(e->dedups);
	htab_free(&e->dedup_h);
	free(e->device_filter);
	free(e->driver_filter);
	free(e);
}

void dmas_engine_set_session(struct dmas_engine *e,
			     const struct dmas_session *s)
{
	e->session = *s;
	e->have_session = true;
}

const struct dmas_session *dmas_engine_session(const struct dmas_engine *e)
{
	return &e->session;
}

/* ---- devices ---- */

static void dev_filter(struct dmas_engine *e, struct dev_state *d)
{
	d->included = true;
	if (e->device_filter && fnmatch(e->device_filter, d->pub.name, 0))
		d->included = false;
	if (e->driver_filter && fnmatch(e->driver_filter, d->pub.driver, 0))
		d->included = false;
}

/* Device id's state, made on first sight when no device record came. */
static __attribute__((noinline, cold)) struct dev_state *
dev_new(struct dmas_engine *e, uint32_t id)
{
	struct dev_state *d, *n;
	uint32_t *ni;

	/* ids are table ids, small and dense; refuse absurd ones */
	if (id > DMAS_DEV_ID_MAX)
		return NULL;
	ni = eng_grow(e->dev_idx, &e->cap_dev_idx, (size_t)id + 1, sizeof(*ni));
	if (!ni)
		return NULL;
	e->dev_idx = ni;
	n = eng_grow(e->devs, &e->cap_devs, e->nr_devs + 1, sizeof(*n));
	if (!n)
		return NULL;
	e->devs = n;
	d = &e->devs[e->nr_devs++];
	memset(d, 0, sizeof(*d));
	d->pub.id = id;
	d->pub.numa_node = -1;
	d->run.dev = d->snap.dev = d->win.dev = id;
	d->implicit = true;
	e->dev_idx[id] = (uint32_t)e->nr_devs;
	dev_filter(e, d);
	return d;
}

/* per event: the lookup inline, the first sight out of the way */
static inline struct dev_state *dev_get(struct dmas_engine *e, uint32_t id)
{
	struct dev_state *d = eng_dev(e, id);

	return d ? d : dev_new(e, id);
}

int dmas_engine_add_device(struct dmas_engine *e, const struct dmas_device *dev)
{
	struct dev_state *d;

	if (!dev || dev->id == DMAS_DEV_NONE)
		return -1;
	d = dev_get(e, dev->id);
	if (!d)
		return -1;
	d->pub = *dev;
	d->pub.name[sizeof(d->pub.name) - 1] = 0;
	d->pub.driver[sizeof(d->pub.driver) - 1] = 0;
	d->pub.bus[sizeof(d->pub.bus) - 1] = 0;
	d->implicit = false;
	dev_filter(e, d);
	return 0;
}

size_t dmas_engine_nr_devices(const struct dmas_engine *e)
{
	return e->nr_devs;
}

const struct dmas_device *dmas_engine_device(const struct dmas_engine *e,
					     size_t i)
{
	return i < e->nr_devs ? &e->devs[i].pub : NULL;
}

const struct dmas_device *dmas_engine_device_by_id(const struct dmas_engine *e,
						   uint32_t id)
{
	struct dev_state *d = eng_dev((struct dmas_engine *)e, id);

	return d ? &d->pub : NULL;
}

const struct dmas_dev_stats *dmas_engine_dev_stats(const struct dmas_engine *e,
						   uint32_t id)
{
	struct dev_state *d = eng_dev((struct dmas_engine *)e, id);

	return d && d->included ? &d->run : NULL;
}

const struct dmas_dev_stats *dmas_engine_dev_window(const struct dmas_engine *e,
						    uint32_t id)
{
	struct dev_state *d = eng_dev((struct dmas_engine *)e, id);

	return d && d->included ? &d->win : NULL;
}

bool eng_preexisting(struct dmas_engine *e, struct dev_state *d)
{
	if (d->bind_seen || (d->pub.flags & DMAS_DEVF_ADDED))
		return false;
	return (d->pub.flags & DMAS_DEVF_BOUND_BEFORE) ||
	       !e->session.traced_from_boot;
}

/* ---- stacks, memory ranges, CPU nodes ---- */

/* The first stack id with the same innermost SITE_FRAMES frames as id. */
static uint32_t stack_site(struct dmas_engine *e, uint32_t id)
{
	const struct dmas_stack *s = &e->stacks[id].pub, *c;
	uint32_t k = s->nr_frames < SITE_FRAMES ? s->nr_frames : SITE_FRAMES;
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */
	uint32_t *slot, i;
	const char *p;

	for (i = 0; i < k; i++) {
		for (p = s->frames[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		h = (h ^ '\n') * 0x100000001b3ULL;
	}
	slot = htab_find(&e->site_h, h, k);
	if (!slot) {
		/* out of memory: the stack stands for itself */
		htab_insert(&e->site_h, h, k, id);
		return id;
	}
	c = dmas_engine_stack(e, *slot);
	if (!c || c->nr_frames < k)
		return id;
	for (i = 0; i < k; i++)
		if (strcmp(c->frames[i], s->frames[i]))
			return id; /* a hash collision: its own site */
	return *slot;
}

/*
 * The tracer's own frames and the tracing infrastructure's, innermost
 * first: what calls our BPF program (tp_btf: bpf_trace_runN <-
 * __bpf_trace_EVENT <- __traceiter_EVENT; fentry/fexit: the trampoline;
 * kprobes: the kprobe, ftrace and rethook handlers), the program itself
 * (an unresolved address or a "[bpf]" symbol) and the stack helpers.  How
 * many of them lie above the DMA API varies with the kernel and its build
 * (a static call skips __traceiter_ when one probe is attached), so they
 * are matched by name, never counted.
 */
static bool tracer_frame(const char *f)
{
	static const char *const prefixes[] = {
		"bpf_trace_run",
		"__bpf_trace_",
		"__traceiter_",
		"__SCT__",
		"trace_call_bpf",
		"perf_trace_",
		"bpf_prog_",
		"__bpf_prog_",
		"bpf_trampoline_",
		"__bpf_tramp_",
		"bpf_get_stack",
		"____bpf_get_stack",
		"bpf_get_stackid",
		"kprobe_ftrace_handler",
		"kprobe_perf_func",
		"kprobe_dispatcher",
		"kretprobe_dispatcher",
		"kretprobe_perf_func",
		"aggr_pre_handler",
		"pre_handler_kretprobe",
		"opt_pre_handler",
		"optimized_callback",
		"kprobe_int3_handler",
		"__kretprobe_trampoline",
		"kretprobe_trampoline",
		"kretprobe_rethook_handler",
		"trampoline_handler",
		"arch_rethook_",
		"rethook_trampoline_handler",
		"fprobe_",
		"__fprobe_",
		"kprobe_multi_link_",
		"ftrace_regs_caller",
		"ftrace_caller",
		"ftrace_call",
		"ftrace_regs_call",
		"ftrace_trampoline",
		"ftrace_ops_",
		"arch_ftrace_ops_list_func",
	};
	size_t i;

	if (strstr(f, " [bpf]"))
		return true;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(f, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static bool unresolved_frame(const char *f)
{
	return f[0] == '0' && f[1] == 'x';
}

/*
 * "dma_map_page_attrs+0x9/0x340": a return address at a function's first
 * instructions is where a fentry/fexit trampoline was called from.
 */
static bool traced_entry(const char *f)
{
	const char *off = strstr(f, "+0x");
	char *end;
	unsigned long v;

	if (!off)
		return false;
	v = strtoul(off + 3, &end, 16);
	return end != off + 3 && v < 0x10;
}

size_t dmas_stack_tracer_frames(const char *const *frames, size_t n)
{
	size_t i = 0, j;

	while (i < n && frames[i]) {
		if (tracer_frame(frames[i])) {
			i++;
			continue;
		}
		if (!unresolved_frame(frames[i]))
			break;
		/*
		 * An address without a symbol is our program or its
		 * trampoline only when the tracer's frames or a traced
		 * function's entry follow; otherwise it is code that could
		 * not be symbolized (a module that went away), kept.
		 */
		for (j = i; j < n && frames[j] && unresolved_frame(frames[j]);
		     j++)
			;
		if (j == n || !frames[j] ||
		    !(tracer_frame(frames[j]) || traced_entry(frames[j])))
			break;
		i = j;
	}
	/* nothing but such frames: keep them, they are all there is */
	return i == n ? 0 : i;
}

int dmas_engine_add_stack(struct dmas_engine *e, const struct dmas_stack *s)
{
	struct stack_state *st, *n;
	size_t len = 0, i, skip;
	char *p;
	struct dmas_stack trimmed;

	if (!s || !s->id || s->id > DMAS_STACK_ID_MAX)
		return -1;
	/* a recording made before the live source left them out has them */
	skip = dmas_stack_tracer_frames(s->frames, s->nr_frames);
	if (skip) {
		trimmed = *s;
		trimmed.frames += skip;
		trimmed.nr_frames -= (uint32_t)skip;
		s = &trimmed;
	}
	n = eng_grow(e->stacks, &e->cap_stacks, (size_t)s->id + 1, sizeof(*n));
	if (!n)
		return -1;
	e->stacks = n;
	st = &e->stacks[s->id];
	free(st->buf);
	free(st->pub.frames);
	memset(st, 0, sizeof(*st));
	for (i = 0; i < s->nr_frames; i++)
		len += strlen(s->frames[i] ? s->frames[i] : "") + 1;
	st->buf = malloc(len ? len : 1);
	st->pub.frames = calloc(s->nr_frames ? s->nr_frames : 1,
				sizeof(*st->pub.frames));
	if (!st->buf || !st->pub.frames) {
		free(st->buf);
		free(st->pub.frames);
		memset(st, 0, sizeof(*st));
		return -1;
	}
	for (i = 0, p = st->buf; i < s->nr_frames; i++) {
		const char *f = s->frames[i] ? s->frames[i] : "";
		size_t l = strlen(f) + 1;

		memcpy(p, f, l);
		st->pub.frames[i] = p;
		p += l;
	}
	st->pub.id = s->id;
	st->pub.nr_frames = s->nr_frames;
	st->site = stack_site(e, s->id);
	st->placer = numa_stack_placer(&st->pub);
	return 0;
}

const struct dmas_stack *dmas_engine_stack(const struct dmas_engine *e,
					   uint32_t id)
{
	if (id >= e->cap_stacks || !e->stacks[id].pub.id)
		return NULL;
	return &e->stacks[id].pub;
}

/*
 * Frames past an interrupt or softirq entry belong to whatever code was
 * interrupted, not to the code that made the mapping: a NAPI poll can
 * interrupt any module.
 */
static bool frame_enters_irq(const char *f)
{
	static const char *const entries[] = {
		"asm_",	      "handle_softirqs",  "__do_softirq",
		"do_softirq", "irq_exit",	  "__irq_exit_rcu",
		"sysvec_",    "common_interrupt",
	};
	size_t i;

	for (i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		if (!strncmp(f, entries[i], strlen(entries[i])))
			return true;
	return false;
}

bool stack_in_module(struct dmas_engine *e, uint32_t id, const char *mod)
{
	const struct dmas_stack *s = dmas_engine_stack(e, id);
	size_t ml = strlen(mod), i;

	if (!s || !ml)
		return false;
	for (i = 0; i < s->nr_frames; i++) {
		const char *f = s->frames[i];
		size_t fl = strlen(f);

		if (frame_enters_irq(f))
			break;

		/* "func+0x1c/0x80 [mod]" */
		if (fl >= ml + 3 && f[fl - 1] == ']' && f[fl - ml - 2] == '[' &&
		    f[fl - ml - 3] == ' ' && !memcmp(f + fl - ml - 1, mod, ml))
			return true;
	}
	return false;
}

int dmas_engine_add_mem_range(struct dmas_engine *e,
			      const struct dmas_mem_range *r)
{
	struct dmas_mem_range *n;
	size_t i;

	if (!r || r->end <= r->start || r->kind >= DMAS_MEM_KINDS)
		return -1;
	if (r->kind != DMAS_MEM_RAM) {
		/* not RAM of a node: a part of the kernel image */
		if (e->nr_kimage == DMAS_KIMAGE_MAX) {
			e->dropped++;
			return -1;
		}
		e->kimage[e->nr_kimage++] = *r;
		return 0;
	}
	n = eng_grow(e->ranges, &e->cap_ranges, e->nr_ranges + 1, sizeof(*n));
	if (!n)
		return -1;
	e->ranges = n;
	for (i = e->nr_ranges; i > 0 && e->ranges[i - 1].start > r->start; i--)
		e->ranges[i] = e->ranges[i - 1];
	e->ranges[i] = *r;
	e->nr_ranges++;
	/* indices moved: forget the devices' last hits */
	for (i = 0; i < e->nr_devs; i++)
		e->devs[i].range_last = 0;
	return 0;
}

enum dmas_placement dmas_engine_placement(const struct dmas_engine *e)
{
	bool nodes = false;

	for (size_t i = 0; i < dmas_engine_nr_devices(e) && !nodes; i++)
		nodes = dmas_engine_device(e, i)->numa_node >= 0;
	if (!nodes)
		return DMAS_PLACEMENT_JUDGED;
	if (!e->nr_ranges)
		return DMAS_PLACEMENT_NO_MEMORY_MAP;
	/* some addresses known: the rest are counted, not a verdict */
	if (e->maps_seen && e->maps_no_phys == e->maps_seen)
		return DMAS_PLACEMENT_NO_PHYS;
	return DMAS_PLACEMENT_JUDGED;
}

const char *dmas_placement_reason(enum dmas_placement p)
{
	switch (p) {
	case DMAS_PLACEMENT_NO_MEMORY_MAP:
		return "the input has no memory map (physical address to node)";
	case DMAS_PLACEMENT_NO_PHYS:
		return "no map event carried a physical address (the kernel's struct page layout is not the SPARSEMEM_VMEMMAP one the tracer translates)";
	case DMAS_PLACEMENT_JUDGED:
		break;
	}
	return NULL;
}

uint64_t dmas_engine_maps_without_phys(const struct dmas_engine *e,
				       uint64_t *maps)
{
	if (maps)
		*maps = e->maps_seen;
	return e->maps_no_phys;
}

int dmas_engine_node_of(const struct dmas_engine *e, uint64_t phys)
{
	size_t lo = 0, hi = e->nr_ranges;
	const struct dmas_mem_range *r;

	/* buffers come from a few ranges: try the last one hit first */
	if (e->last_range < e->nr_ranges) {
		r = &e->ranges[e->last_range];
		if (phys >= r->start && phys < r->end)
			return r->node;
	}

	/* last range starting at or below phys */
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->ranges[mid].start <= phys)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && phys < e->ranges[lo - 1].end) {
		((struct dmas_engine *)e)->last_range = lo - 1;
		return e->ranges[lo - 1].node;
	}
	return -1;
}

int dmas_engine_add_cpu_node(struct dmas_engine *e, uint32_t cpu, int32_t node)
{
	size_t old = e->cap_cpu, i;
	int32_t *n;

	if (cpu > 65535)
		return -1;
	n = eng_grow(e->cpu_node, &e->cap_cpu, (size_t)cpu + 1, sizeof(*n));
	if (!n)
		return -1;
	e->cpu_node = n;
	for (i = old; i < e->cap_cpu; i++)
		e->cpu_node[i] = -1;
	e->cpu_node[cpu] = node;
	return 0;
}

int dmas_engine_cpu_node(const struct dmas_engine *e, uint32_t cpu)
{
	return cpu < e->cap_cpu ? e->cpu_node[cpu] : -1;
}

/* ---- findings ---- */

static struct dmas_finding *
report_v(struct dmas_engine *e, enum dmas_finding_kind k,
	 const struct dmas_event *ev, const struct dmas_map *m, bool uncertain,
	 bool fold, bool cb, const char *fmt, va_list ap)
{
	uint32_t dev = m ? m->dev : ev ? ev->dev : 0;
	struct dedup *dd = NULL;
	struct dmas_finding *f, *nf;
	struct dev_state *d;

	if (fold) {
		uint64_t key = (uint64_t)(m ? m->stack : 0) << 32 |
			       (ev ? ev->stack_id : 0);
		uint32_t tag = dev << 6 | (uint32_t)k;
		uint32_t *slot = htab_find(&e->dedup_h, key, tag);

		if (slot) {
			dd = &e->dedups[*slot - 1];
			if (++dd->count > FOLD_KEEP) {
				e->findings[dd->last].repeats++;
				e->last_finding = dd->last;
				return NULL;
			}
		} else {
			struct dedup *n =
				eng_grow(e->dedups, &e->cap_dedups,
					 e->nr_dedups + 1, sizeof(*n));

			if (n) {
				e->dedups = n;
				if (!htab_insert(&e->dedup_h, key, tag,
						 (uint32_t)e->nr_dedups + 1)) {
					dd = &e->dedups[e->nr_dedups++];
					dd->count = 1;
				}
			}
		}
	}
	nf = eng_grow(e->findings, &e->cap_findings, e->nr_findings + 1,
		      sizeof(*nf));
	if (!nf) {
		e->dropped++;
		return NULL;
	}
	e->findings = nf;
	f = &e->findings[e->nr_findings];
	memset(f, 0, sizeof(*f));
	f->seq = e->nr_findings;
	f->kind = k;
	f->severity = dmas_finding_table[k].severity;
	f->uncertain = uncertain;
	f->seen_by = DMAS_SEEN_DMASCOPE;
	f->dev = dev;
	f->ts = ev ? ev->ts : e->now;
	if (m) {
		f->addr = m->cls == MC_SG ? m->aux : m->addr;
		f->size = m->size;
		f->dir = m->dir;
		f->map_kind = m->kind;
		f->map_ts = m->ts;
		f->map_stack = m->stack;
		f->pid = m->pid;
	} else if (ev) {
		f->addr = ev->addr;
		f->size = ev->size;
		f->dir = ev->dir;
	}
	if (ev) {
		f->close_stack = ev->stack_id;
		f->close_kind = ev->kind;
		f->pid = ev->pid;
	}
	if (fmt)
		vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	if (dd)
		dd->last = e->nr_findings;
	e->last_finding = e->nr_findings;
	e->nr_findings++;
	d = eng_dev(e, dev);
	if (d)
		d->run.findings[f->severity]++;
	if (cb && e->opts.on_finding)
		e->opts.on_finding(f, e->opts.cb_ctx);
	return f;
}

struct dmas_finding *eng_report(struct dmas_engine *e, enum dmas_finding_kind k,
				const struct dmas_event *ev,
				const struct dmas_map *m, bool uncertain,
				const char *fmt, ...)
{
	struct dmas_finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = report_v(e, k, ev, m, uncertain, true, true, fmt, ap);
	va_end(ap);
	return f;
}

struct dmas_finding *eng_report_each(struct dmas_engine *e,
				     enum dmas_finding_kind k,
				     const struct dmas_event *ev,
				     const struct dmas_map *m, bool uncertain,
				     const char *fmt, ...)
{
	struct dmas_finding *f;
	va_list ap;

	va_start(ap, fmt);
	f = report_v(e, k, ev, m, uncertain, false, true, fmt, ap);
	va_end(ap);
	return f;
}

void eng_set_cause(struct dmas_engine *e, uint32_t idx, uint32_t cause)
{
	struct dmas_map *m = map_rec(e, idx);

	if (!cause || m->caused)
		return;
	map_set_cause(e, idx, cause);
	if (m->caused)
		e->nr_caused++;
}

void eng_consequence(struct dmas_engine *e, uint32_t cause, const char *fmt,
		     ...)
{
	struct dmas_finding *f;
	size_t len;
	va_list ap;

	if (!cause || cause > e->nr_findings)
		return;
	f = &e->findings[cause - 1];
	f->consequences++;
	len = strlen(f->consequence);
	/* the first ones in order; later ones only count */
	if (len + 8 >= sizeof(f->consequence))
		return;
	if (len)
		len += (size_t)snprintf(f->consequence + len,
					sizeof(f->consequence) - len, "; ");
	va_start(ap, fmt);
	vsnprintf(f->consequence + len, sizeof(f->consequence) - len, fmt, ap);
	va_end(ap);
}

static struct dmas_finding *report_plain(struct dmas_engine *e,
					 enum dmas_finding_kind k,
					 const struct dmas_event *ev,
					 const struct dmas_map *m, ...)
{
	struct dmas_finding *f;
	va_list ap;

	va_start(ap, m);
	f = report_v(e, k, ev, m, false, false, false, NULL, ap);
	va_end(ap);
	return f;
}

static void agg_format_one(struct dmas_engine *e, const struct agg *a)
{
	struct dmas_finding *f = &e->findings[a->finding];

	switch (f->kind) {
	case DMAS_F_MAP_ERROR:
		misuse_format(e, a, f);
		break;
	case DMAS_F_EXTERNAL_UNTRANSLATED:
	case DMAS_F_EXTERNAL_BOUNCED:
		isolation_format(e, a, f);
		break;
	case DMAS_F_XFER_OVER_BUDGET:
		lat_format(e, a, f);
		break;
	default:
		hints_format(e, a, f);
		break;
	}
}

struct agg *eng_aggregate(struct dmas_engine *e, enum dmas_finding_kind k,
			  uint32_t dev, uint32_t stack,
			  const struct dmas_event *ev, const struct dmas_map *m,
			  uint64_t bytes, int32_t node_a, int32_t node_b,
			  bool *is_new)
{
	uint32_t tag = dev << 6 | (uint32_t)k;
	uint32_t *slot = htab_find(&e->agg_h, stack, tag);
	struct dmas_finding *f;
	struct agg *a, *n;

	*is_new = false;
	if (slot) {
		a = &e->aggs[*slot - 1];
		a->count++;
		a->bytes += bytes;
		return a;
	}
	n = eng_grow(e->aggs, &e->cap_aggs, e->nr_aggs + 1, sizeof(*n));
	if (!n)
		return NULL;
	e->aggs = n;
	f = report_plain(e, k, ev, m);
	if (!f)
		return NULL;
	if (htab_insert(&e->agg_h, stack, tag, (uint32_t)e->nr_aggs + 1))
		return NULL;
	a = &e->aggs[e->nr_aggs++];
	memset(a, 0, sizeof(*a));
	a->finding = f->seq;
	a->count = 1;
	a->bytes = bytes;
	a->node_a = node_a;
	a->node_b = node_b;
	*is_new = true;
	agg_format_one(e, a);
	if (e->opts.on_finding)
		e->opts.on_finding(f, e->opts.cb_ctx);
	return a;
}

static void aggs_format(struct dmas_engine *e)
{
	size_t i;

	for (i = 0; i < e->nr_aggs; i++)
		agg_format_one(e, &e->aggs[i]);
}

size_t dmas_engine_nr_findings(const struct dmas_engine *e)
{
	return e->nr_findings;
}

const struct dmas_finding *dmas_engine_finding(const struct dmas_engine *e,
					       size_t i)
{
	return i < e->nr_findings ? &e->findings[i] : NULL;
}

int dmas_engine_add_finding(struct dmas_engine *e, const struct dmas_finding *f)
{
	struct dmas_finding *nf;
	struct dev_state *d;

	if (f->kind >= DMAS_FINDING_KIND_MAX)
		return -1;
	nf = eng_grow(e->findings, &e->cap_findings, e->nr_findings + 1,
		      sizeof(*nf));
	if (!nf) {
		e->dropped++;
		return -1;
	}
	e->findings = nf;
	nf[e->nr_findings] = *f;
	nf[e->nr_findings].seq = e->nr_findings;
	nf[e->nr_findings].severity = dmas_finding_table[f->kind].severity;
	d = eng_dev(e, f->dev);
	if (d)
		d->run.findings[nf[e->nr_findings].severity]++;
	e->nr_findings++;
	return 0;
}

void dmas_engine_mark_seen(struct dmas_engine *e, size_t i, uint8_t seen_by)
{
	if (i < e->nr_findings)
		e->findings[i].seen_by |= seen_by;
}

void dmas_engine_finding_repeat(struct dmas_engine *e, size_t i)
{
	if (i < e->nr_findings)
		e->findings[i].repeats++;
}

/* ---- events ---- */

void eng_release(struct dmas_engine *e, uint32_t idx,
		 const struct dmas_event *ev, uint8_t recent_flags)
{
	struct dmas_map *m = map_rec(e, idx);
	struct dev_state *d = eng_dev(e, m->dev);

	if (m->kind == DMAS_EV_MAP) {
		misuse_cacheline_release(e, idx);
		own_forget(e, idx);
	}
	if (m->cls == MC_SG) {
		uint32_t a = map_find_alias(e, m->dev, m->aux, m->addr);

		if (a) {
			if (d)
				map_forget_range(e, d, a);
			map_release(e, a);
			e->maps.aliases--;
			m = map_rec(e, idx);
		}
	} else if (m->cls == MC_ADDR && d) {
		map_forget_range(e, d, idx);
	}
	if (d) {
		stats_unmap(e, d, m);
		d->nr_live--;
		if (m->cls == MC_SG)
			d->sg_live--;
	}
	if (m->caused && e->nr_caused)
		e->nr_caused--;
	if (m->cls == MC_POOL) {
		struct pool_state *p = pool_get(e, m->aux, m->dev);

		if (p && p->outstanding)
			p->outstanding--;
	}
	recent_note(e, m, ev, recent_flags);
	iommu_release(e, d, m, ev);
	map_release(e, idx);
}

static void sg_alias(struct dmas_engine *e, struct dev_state *d,
		     const struct dmas_event *ev, uint32_t sg_idx)
{
	uint32_t a = map_new(e, ev, MC_ADDR, ev->addr);
	const struct dmas_map *sg;
	struct dmas_map *m;

	if (!a)
		return;
	sg = map_rec(e, sg_idx);
	m = map_rec(e, a);
	m->aux = ev->aux;
	m->nents = sg->nents;
	m->mapped = sg->mapped;
	m->size = sg->mapped == 1 ? ev->size : 0;
	m->state = OWN_UNKNOWN;
	e->maps.aliases++;
	if (map_note_range(e, d, a))
		e->dropped++;
}

static void on_map(struct dmas_engine *e, struct dev_state *d,
		   const struct dmas_event *ev)
{
	enum map_class cls = map_class_of(ev->kind);
	uint64_t key = cls == MC_SG ? ev->aux : ev->addr;
	bool kernel_mem = false;
	struct dmas_map *m;
	uint32_t idx;

	if (ev->flags & DMAS_F_ERROR) {
		/* a failed allocation is not a bug; a failed map is reported */
		if (ev->kind == DMAS_EV_MAP || ev->kind == DMAS_EV_MAP_SG ||
		    ev->kind == DMAS_EV_MAP_RESOURCE)
			misuse_map_error(e, d, ev);
		return;
	}
	if (e->nr_caused && cls == MC_ADDR)
		misuse_reused(e, ev);
	idx = map_new(e, ev, cls, key);
	if (!idx) {
		e->dropped++;
		return;
	}
	m = map_rec(e, idx);
	/* 6.18+: dma_map_resource is dma_map_phys with DMA_ATTR_MMIO */
	if (ev->kind == DMAS_EV_MAP && (ev->attrs & DMAS_ATTR_MMIO))
		m->kind = DMAS_EV_MAP_RESOURCE;
	switch (m->kind) {
	case DMAS_EV_MAP_SG:
		m->aux = ev->addr;
		m->nents = (uint16_t)(ev->count & 0xffff);
		m->mapped = (uint16_t)(ev->count >> 16);
		d->sg_live++;
		break;
	case DMAS_EV_POOL_ALLOC: {
		struct pool_state *p = pool_get(e, ev->aux, ev->dev);

		m->aux = ev->aux;
		m->state = OWN_UNKNOWN;
		if (p)
			p->outstanding++;
		break;
	}
	case DMAS_EV_MAP:
		m->aux = ev->phys;
		break;
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
		m->aux = ev->aux; /* the CPU address the free must pass back */
		m->state = OWN_UNKNOWN;
		break;
	default:
		/* resource memory: no ownership to track */
		m->state = OWN_UNKNOWN;
		break;
	}
	if ((ev->attrs & DMAS_ATTR_SKIP_CPU_SYNC) && m->state == OWN_DEVICE)
		m->state |= MS_SKIP_SYNC;
	if (cls == MC_ADDR && map_note_range(e, d, idx))
		e->dropped++;
	if (cls == MC_SG)
		sg_alias(e, d, ev, idx);
	m = map_rec(e, idx);
	d->nr_live++;
	stats_map(e, d, m);
	/* kernel memory handed to a device is that bug, not a placement */
	if ((e->nr_kimage || (ev->flags & DMAS_F_ON_STACK)) &&
	    (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_SG) &&
	    misuse_kernel_memory(e, ev, m))
		kernel_mem = true;
	if (m->kind != DMAS_EV_POOL_ALLOC && m->kind != DMAS_EV_MAP_RESOURCE &&
	    !kernel_mem)
		numa_map(e, d, ev, m);
	if (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_SG) {
		e->maps_seen++;
		e->maps_no_phys += !ev->phys;
	}
	if (m->kind == DMAS_EV_MAP) {
		hints_churn(e, d, ev, m);
		misuse_cacheline_map(e, ev, idx);
	}
	if (d->pub.port >= DMAS_PORT_REMOVABLE)
		isolation_map(e, d, ev, m);
	masks_map(e, d, ev, m);
}

static void scan_due(struct dmas_engine *e, uint64_t ts)
{
	uint64_t iv;

	/* the latest time seen: an out-of-order event does not turn it back */
	ts = e->now;
	if (e->opts.leak_age_ns)
		leaks_scan_age(e, ts);
	dmaeng_scan(e, ts, false);
	dmabuf_scan(e, ts);
	/* run again after a quarter of the shortest timeout */
	iv = e->opts.xfer_timeout_ns / 4;
	if (e->dmabuf && e->opts.fence_timeout_ns &&
	    e->opts.fence_timeout_ns / 4 < iv)
		iv = e->opts.fence_timeout_ns / 4;
	if (e->opts.leak_age_ns && e->opts.leak_age_ns / 4 < iv)
		iv = e->opts.leak_age_ns / 4;
	if (iv < 1000000)
		iv = 1000000;
	e->next_scan = ts + iv;
}

/*
 * Time moved out of what the per-event check lets pass (fast_until: the
 * end of the current window or the next scan, whichever comes first).
 */
static void time_passes(struct dmas_engine *e, uint64_t ts)
{
	uint64_t base = e->win_base;
	bool started = e->win_started;

	/* inside a loss's span: the loss may be just before this event */
	if (ts <= e->loss_until)
		e->loss_gen++;
	if (ts > e->now)
		e->now = ts;
	if (!e->win_started)
		stats_window_start(e, ts);
	else if (ts >= e->win_base + e->win_len)
		stats_window_roll(e, ts);
	if (started && e->win_base != base && e->nr_numa)
		numa_evaluate(e, false);
	if (ts >= e->next_scan)
		scan_due(e, ts);
	e->fast_until = e->win_base + e->win_len < e->next_scan
				? e->win_base + e->win_len
				: e->next_scan;
	if (ts <= e->loss_until)
		e->fast_until = 0;
}

/*
 * dma-buf and fence events: a fence has no device, an export may have
 * none; with a device or driver filter only those of included devices.
 */
static void dmabuf_dispatch(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct dev_state *d = NULL;

	if (ev->dev != DMAS_DEV_NONE) {
		d = dev_get(e, ev->dev);
		if (!d) {
			e->dropped++;
			return;
		}
		if (!d->included)
			return;
		d->run.last_event_ts = ev->ts;
	} else if (e->device_filter || e->driver_filter) {
		return;
	}
	dmabuf_event(e, d, ev);
}

/* One event; inlined into the batch loop so that a batch costs no calls. */
static inline __attribute__((always_inline)) void
feed_one(struct dmas_engine *e, const struct dmas_event *ev)
{
	struct dev_state *d = NULL;

	/* the common case: inside the current window, no scan due */
	if (ev->ts >= e->now && ev->ts < e->fast_until)
		e->now = ev->ts;
	else
		time_passes(e, ev->ts);
	switch (ev->kind) {
	case DMAS_EV_LOST:
		facts_lost(e, ev);
		return;
	case DMAS_EV_MODULE_UNLOAD:
		leaks_module_unload(e, ev);
		return;
	case DMAS_EV_DMABUF_EXPORT:
	case DMAS_EV_DMABUF_RELEASE:
	case DMAS_EV_DMABUF_ATTACH:
	case DMAS_EV_DMABUF_DETACH:
	case DMAS_EV_DMABUF_MAP:
	case DMAS_EV_DMABUF_UNMAP:
	case DMAS_EV_FENCE_INIT:
	case DMAS_EV_FENCE_EMIT:
	case DMAS_EV_FENCE_SIGNALED:
	case DMAS_EV_FENCE_DESTROY:
	case DMAS_EV_FENCE_WAIT_START:
	case DMAS_EV_FENCE_WAIT_END:
		dmabuf_dispatch(e, ev);
		return;
	case DMAS_EV_CMA_ALLOC_START:
	case DMAS_EV_CMA_ALLOC_FINISH:
	case DMAS_EV_CMA_RELEASE:
		/* no device in the tracepoints: a dma_alloc_* call claims it */
		cma_event(e, ev);
		return;
	default:
		break;
	}
	if (ev->dev == DMAS_DEV_NONE) {
		/*
		 * No device: IOMMU events the tracer could not attribute,
		 * events past its device table.  A pseudo-device would mix
		 * unrelated drivers' buffers (and show as a nameless row).
		 */
		e->no_device++;
		return;
	}
	d = dev_get(e, ev->dev);
	if (!d) {
		e->dropped++;
		return;
	}
	if (ev->kind == DMAS_EV_DRIVER_BIND) {
		d->bind_seen = true;
		memcpy(d->pub.driver, ev->name,
		       sizeof(d->pub.driver) - 1 < DMAS_NAME_LEN
			       ? sizeof(d->pub.driver) - 1
			       : DMAS_NAME_LEN);
		d->pub.driver[sizeof(d->pub.driver) - 1] = 0;
		dev_filter(e, d);
		if (d->included)
			masks_bind(e, d);
		return;
	}
	if (!d->included)
		return;
	d->run.last_event_ts = ev->ts;
	switch (ev->kind) {
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
		if (e->cma)
			cma_dev_alloc(e, d, ev);
		on_map(e, d, ev);
		break;
	case DMAS_EV_MAP:
	case DMAS_EV_MAP_SG:
	case DMAS_EV_MAP_RESOURCE:
	case DMAS_EV_POOL_ALLOC:
		on_map(e, d, ev);
		break;
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_SG:
		masks_release(e, d, ev);
		misuse_unmap(e, d, ev);
		break;
	case DMAS_EV_UNMAP_RESOURCE:
		misuse_unmap(e, d, ev);
		break;
	case DMAS_EV_DMA_MASK:
		masks_set(e, d, ev);
		break;
	case DMAS_EV_FREE_COHERENT:
	case DMAS_EV_FREE_PAGES:
		misuse_free(e, d, ev);
		break;
	case DMAS_EV_DEV_COHERENT_FREE: {
		struct dmas_event f = *ev;

		f.kind = DMAS_EV_FREE_COHERENT;
		misuse_free(e, d, &f);
		break;
	}
	case DMAS_EV_IOVA_ALLOC:
	case DMAS_EV_IOVA_LINK:
	case DMAS_EV_IOVA_SYNC:
	case DMAS_EV_IOVA_UNLINK:
	case DMAS_EV_IOVA_DESTROY:
	case DMAS_EV_IOVA_FREE:
		iova_event(e, d, ev);
		break;
	case DMAS_EV_NEED_UNMAP:
	case DMAS_EV_SYNC_ELISION:
		facts_event(e, d, ev);
		break;
	case DMAS_EV_POOL_FREE:
		misuse_pool_free(e, d, ev);
		break;
	case DMAS_EV_SYNC_FOR_CPU:
	case DMAS_EV_SYNC_FOR_DEVICE:
		masks_release(e, d, ev);
		own_sync(e, d, ev);
		break;
	case DMAS_EV_SYNC_SG_FOR_CPU:
	case DMAS_EV_SYNC_SG_FOR_DEVICE:
		masks_release(e, d, ev);
		own_sync_sg(e, d, ev);
		break;
	case DMAS_EV_MAP_ERROR:
		misuse_map_error(e, d, ev);
		break;
	case DMAS_EV_POOL_CREATE:
		leaks_pool_create(e, d, ev);
		break;
	case DMAS_EV_POOL_DESTROY:
		leaks_pool_destroy(e, d, ev);
		break;
	case DMAS_EV_CHAN_REQUEST:
	case DMAS_EV_CHAN_RELEASE:
	case DMAS_EV_DESC_PREP:
	case DMAS_EV_DESC_SUBMIT:
	case DMAS_EV_ISSUE_PENDING:
	case DMAS_EV_XFER_START:
	case DMAS_EV_XFER_COMPLETE:
	case DMAS_EV_XFER_ERROR:
	case DMAS_EV_TERMINATE:
		dmaeng_event(e, d, ev);
		break;
	case DMAS_EV_CPU_ACCESS:
		own_cpu_access(e, d, ev);
		break;
	case DMAS_EV_DRIVER_UNBIND:
	case DMAS_EV_DEVICE_REMOVE:
		leaks_unbind(e, d, ev);
		break;
	case DMAS_EV_IOMMU_FAULT:
		iommu_fault(e, d, ev);
		break;
	case DMAS_EV_SWIOTLB_BOUNCE:
		masks_bounce(e, d, ev);
		hints_bounce(e, d, ev);
		if (d->pub.port >= DMAS_PORT_REMOVABLE)
			isolation_bounce(e, d, ev);
		break;
	default:
		/* IOMMU map/unmap and kinds newer than this engine: counted
		 * only */
		break;
	}
}

void dmas_engine_feed(struct dmas_engine *e, const struct dmas_event *ev)
{
	e->events++;
	feed_one(e, ev);
}

/* A reader's batch: one call for all of its events. */
void dmas_engine_feed_batch(struct dmas_engine *e, const struct dmas_event *evs,
			    size_t n)
{
	e->events += n;
	for (size_t i = 0; i < n; i++)
		feed_one(e, &evs[i]);
}

void dmas_engine_tick(struct dmas_engine *e, uint64_t now_ts)
{
	if (now_ts < e->now)
		return;
	time_passes(e, now_ts);
}

void dmas_engine_finish(struct dmas_engine *e, uint64_t end_ts)
{
	if (e->finished)
		return;
	e->finished = true;
	if (end_ts < e->now)
		end_ts = e->now;
	if (e->win_started)
		stats_window_roll(e, end_ts);
	e->now = end_ts;
	if (e->opts.leak_age_ns)
		leaks_scan_age(e, end_ts);
	dmaeng_scan(e, end_ts, true);
	leaks_finish(e, end_ts);
	dmabuf_finish(e, end_ts);
	numa_evaluate(e, true);
	aggs_format(e);
}

uint64_t dmas_engine_events(const struct dmas_engine *e)
{
	return e->events;
}

uint64_t dmas_engine_lost(const struct dmas_engine *e)
{
	return e->lost;
}

uint64_t dmas_engine_no_device(const struct dmas_engine *e)
{
	return e->no_device;
}

uint64_t dmas_engine_dropped(const struct dmas_engine *e)
{
	return e->dropped;
}

void dmas_engine_window(const struct dmas_engine *e, uint64_t *start,
			uint64_t *len)
{
	*start = e->win_have_last ? e->win_last_start : 0;
	*len = e->win_have_last ? e->win_len : 0;
}

/* ---- outstanding mappings and channels ---- */

uint64_t dmas_engine_nr_outstanding(const struct dmas_engine *e)
{
	return e->maps.live - e->maps.aliases + iova_nr_links(e);
}

/* Oldest first, then by record index: the same order for the same input. */
static int cmp_age(const void *a, const void *b, void *tab)
{
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	const struct dmas_map *x = tab_rec(tab, i), *y = tab_rec(tab, j);

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return i < j ? -1 : 1;
}

void eng_sort_by_age(const struct dmas_engine *e, uint32_t *idx, size_t n)
{
	if (n)
		qsort_r(idx, n, sizeof(*idx), cmp_age, (void *)&e->maps);
}

/* Live record indices, oldest first (the caller frees the array). */
uint32_t *eng_live_sorted(const struct dmas_engine *e, size_t *n)
{
	uint32_t *idx =
		malloc((e->maps.live ? e->maps.live : 1) * sizeof(*idx));
	uint32_t i;
	size_t k = 0;

	*n = 0;
	if (!idx)
		return NULL;
	for (i = 1; i < e->maps.nr && k < e->maps.live; i++)
		if (tab_rec(&e->maps, i)->kind &&
		    !map_is_alias(tab_rec(&e->maps, i)))
			idx[k++] = i;
	eng_sort_by_age(e, idx, k);
	*n = k;
	return idx;
}

int dmas_engine_foreach_outstanding(const struct dmas_engine *e,
				    int (*fn)(const struct dmas_mapping_info *m,
					      void *ctx),
				    void *ctx)
{
	size_t n, i, nl = iova_nr_links(e), l = 0;
	uint32_t *idx = eng_live_sorted(e, &n);
	struct dmas_mapping_info *links = NULL;
	int ret = 0;

	if (!idx)
		return -1;
	/* IOVA links (iova.c) merged in by age; mappings first on a tie */
	if (nl) {
		links = malloc(nl * sizeof(*links));
		if (!links) {
			free(idx);
			return -1;
		}
		nl = iova_links_info(e, links);
	}
	for (i = 0; i < n && !ret; i++) {
		const struct dmas_map *m = tab_rec(&e->maps, idx[i]);
		struct dmas_mapping_info mi;

		while (l < nl && !ret && links[l].ts < m->ts)
			ret = fn(&links[l++], ctx);
		if (ret)
			break;
		mi = (struct dmas_mapping_info){
			.dev = m->dev,
			.kind = m->kind,
			.dir = m->dir,
			.addr = m->cls == MC_SG ? m->aux : m->addr,
			.size = m->size,
			.ts = m->ts,
			.stack = m->stack,
			.pid = m->pid,
			.sg = m->cls == MC_SG ? m->addr : 0,
			.pool = m->cls == MC_POOL ? m->aux : 0,
		};

		ret = fn(&mi, ctx);
	}
	while (l < nl && !ret)
		ret = fn(&links[l++], ctx);
	free(links);
	free(idx);
	return ret;
}

size_t dmas_engine_nr_channels(const struct dmas_engine *e)
{
	return e->nr_chans;
}

const struct dmas_chan_info *dmas_engine_channel(const struct dmas_engine *e,
						 size_t i)
{
	return i < e->nr_chans ? &e->chans[i].pub : NULL;
}

size_t dmas_engine_mem_bytes(const struct dmas_engine *e)
{
	size_t b = sizeof(*e);

	b += (size_t)e->maps.nr_chunks * MAP_CHUNK * sizeof(struct dmas_map) +
	     (size_t)e->maps.cap_chunks * sizeof(*e->maps.chunks) +
	     (e->maps.heads ? ((size_t)e->maps.hmask + 1) * sizeof(uint32_t)
			    : 0) +
	     htab_bytes(&e->maps.cause_h);
	b += htab_bytes(&e->line_h) + htab_bytes(&e->access_h);
	b += RECENT_SLOTS * sizeof(*e->recent) +
	     CHURN_SLOTS * sizeof(*e->churn);
	b += e->cap_devs * sizeof(*e->devs) + e->cap_dev_idx * sizeof(uint32_t);
	b += e->cap_findings * sizeof(*e->findings);
	b += e->cap_aggs * sizeof(*e->aggs) + htab_bytes(&e->agg_h);
	b += e->cap_dedups * sizeof(*e->dedups) + htab_bytes(&e->dedup_h);
	b += e->cap_numa * sizeof(*e->numa) + htab_bytes(&e->numa_h) +
	     htab_bytes(&e->site_h);
	b += e->cap_chans * sizeof(*e->chans) + htab_bytes(&e->chan_h);
	b += (size_t)e->cap_descs * sizeof(*e->descs) + htab_bytes(&e->desc_h);
	b += e->cap_pools * sizeof(*e->pools) + htab_bytes(&e->pool_h);
	b += iommu_bytes(e);
	b += iova_mem_bytes(e);
	b += lat_mem_bytes(e);
	b += dmabuf_mem_bytes(e);
	b += cma_mem_bytes(e);
	return b;
}
