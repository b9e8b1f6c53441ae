/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * stacks.bpf.h - the stacks of events that create (and, if asked, release)
 * a resource, with stack reuse: a call path seen before lends its stack
 * instead of paying for a full unwind.  Part of dmascope.bpf.c: uses its
 * count_drop().
 */
#ifndef DMASCOPE_STACKS_BPF_H
#define DMASCOPE_STACKS_BPF_H

#include "../cli/event.h"
#include "compat.bpf.h"
#include "dmascope_bpf.h"
#include "frames.bpf.h"

/*
 * Which kind of program takes the stack: what lies between it and the DMA
 * API call site differs.
 */
enum {
	HOOK_PROBE = 0, /* kprobe: the stack starts at the probed function */
	HOOK_TRAMP = 1, /* fentry/fexit: the trampoline's frame says the site */
	HOOK_TP = 2, /* tp_btf/raw_tp: the program, bpf_trace_runN and, with
		      * more than one probe on the tracepoint, __traceiter_X
		      * lie above the DMA API function */
	HOOK_RETPROBE = 3, /* kretprobe: the registers' ip is the site */
};

/* Filled by the loader before load. */
const volatile bool want_stacks = false;
const volatile bool release_stacks = false; /* also on unmap/free/release */
/* Reuse a call path's stack this many times before a new unwind; 0: never. */
const volatile __u32 stack_reuse = 32;
/*
 * The core kernel's text, _stext.._etext (from the loader's kallsyms; 0 when
 * unknown).  A DMA API call site there is a library that serves every driver
 * (dma_pool_alloc calling dma_alloc_attrs, dmam_alloc_attrs, ...): it names
 * neither the creating code nor its module, so it never keys stack reuse.
 */
const volatile __u64 ktext_start = 0;
const volatile __u64 ktext_end = 0;

/* Written here, read by the loader (bss). */
/* Bumped on module unload: cached call paths may name freed code. */
__u32 stack_gen = 0;
/* Full unwinds, and trampoline frames not as expected (-v shows them). */
__u64 stack_unwinds = 0;
__u64 tramp_misses = 0;
/*
 * Tracepoint programs: short unwinds taken (a call path the learned frame
 * layouts did not give), layouts learned, and keys read from a layout that
 * the unwind then contradicted (each retires its layout or its caller's
 * distance; -v shows them).
 */
__u64 tp_short_unwinds = 0;
__u32 tp_layouts_learned = 0;
__u64 tp_layout_misses = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 16384); /* resized by the loader */
	__uint(key_size, sizeof(__u32));
	__uint(value_size, 127 * sizeof(__u64));
} stacks SEC(".maps");

/*
 * Stack reuse: call path -> stack id, direct-mapped like dev_cache.  The
 * call path is the few innermost frames (the DMA API call site and its
 * callers), hashed with stack_gen; a slot word is the hash's top 32 bits
 * and the stack id (bits 0..23).
 */
#define STACK_CACHE_SLOTS 4096
#define STACK_KEY_FRAMES 5
/*
 * A tracepoint program's short unwind: the tracer's frames (up to 4), the
 * DMA API function, the call site and its callers.
 */
#define STACK_TP_FRAMES 8
#define STACK_ID_BITS 24

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STACK_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} stack_cache SEC(".maps");

/*
 * Stacks cost more than everything else an event does (a full unwind):
 * taken where a finding needs them, on what creates a resource (leaks name
 * the creating code and module), and on what releases one only if asked.
 */
static __always_inline bool wants_stack(__u8 kind)
{
	switch (kind) {
	case DMAS_EV_MAP:
	case DMAS_EV_MAP_SG:
	case DMAS_EV_MAP_RESOURCE:
	case DMAS_EV_MAP_ERROR:
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
	case DMAS_EV_POOL_CREATE:
	case DMAS_EV_POOL_ALLOC:
	case DMAS_EV_CHAN_REQUEST:
	case DMAS_EV_IOVA_ALLOC: /* leaks at module unload: the range's maker */
	case DMAS_EV_IOVA_LINK: /* the NUMA rules' call site */
	/* dma-buf leaks and pending fences at module unload: their maker */
	case DMAS_EV_DMABUF_EXPORT:
	case DMAS_EV_DMABUF_ATTACH:
	case DMAS_EV_DMABUF_MAP:
	case DMAS_EV_FENCE_INIT:
		return true;
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_SG:
	case DMAS_EV_UNMAP_RESOURCE:
	case DMAS_EV_FREE_COHERENT:
	case DMAS_EV_FREE_PAGES:
	case DMAS_EV_POOL_DESTROY:
	case DMAS_EV_POOL_FREE:
	case DMAS_EV_CHAN_RELEASE:
	case DMAS_EV_IOVA_UNLINK:
	case DMAS_EV_IOVA_DESTROY:
	case DMAS_EV_IOVA_FREE:
	case DMAS_EV_DEV_COHERENT_FREE:
	case DMAS_EV_DMABUF_RELEASE:
	case DMAS_EV_DMABUF_DETACH:
	case DMAS_EV_DMABUF_UNMAP:
		return release_stacks;
	}
	return false;
}

static __always_inline bool in_core_text(__u64 ip)
{
	return ip >= ktext_start && ip < ktext_end;
}

/*
 * A tracepoint program's call site (*site): the first frame below the
 * tracer's that lies outside the core kernel's text (ips[0] is the program
 * itself, then bpf_trace_runN, maybe __traceiter_X, the DMA API function,
 * all core text; how many varies, so they are not counted), and its index
 * in ips, or 0 when the caller is core code too or the core text is
 * unknown.  *caller: the frame above it, which the key takes too: the NUMA
 * rule's call site is the DMA API function, its caller and that one's
 * caller (a driver's mapping helper serves call sites that place buffers
 * differently).
 */
static __always_inline __u32 tp_call_site(const __u64 *ips, __u64 *site,
					  __u64 *caller)
{
	if (!ktext_end)
		return 0;
#pragma unroll
	for (int i = 1; i < STACK_TP_FRAMES - 1; i++) {
		if (!ips[i])
			return 0;
		if (!in_core_text(ips[i])) {
			*site = ips[i];
			*caller = ips[i + 1];
			return i;
		}
	}
	return 0;
}

/*
 * A tracepoint program's call site without an unwind: learned frame
 * layouts.  The program's ctx is the argument array in bpf_trace_runN's
 * frame; above it lie that frame's return address, then each caller's
 * frame and return address up to the DMA API function's into the driver
 * (the call site) and the driver's into its caller.  Without frame
 * pointers nothing on the stack says where a frame ends, but a frame's
 * size at a given return address is fixed (no VLAs in the kernel; ORC,
 * the unwinder itself, relies on it).  So a short unwind's return
 * addresses, found in the stack words above ctx, give a layout: the
 * offsets of the core frames' return addresses (the anchors: into
 * __traceiter_X, the DMA API function, ...) and of the call site.  When
 * every anchor holds its value again, each frame between ctx and the call
 * site is the one learned (an anchor's slot is fixed by the frames below
 * it, all the same, and is live: it holds this call's return address),
 * so the call site's slot holds this call's call site: exact, not a
 * guess.  Its caller lies a fixed distance above it, learned per call
 * site (the driver function's frame at that call).
 *
 * A kind of event has up to DMAS_TP_WAYS layouts (one tracepoint reached
 * through several API functions: dma_map_sgtable and dma_map_sg_attrs;
 * another probe on the tracepoint adding __traceiter_X); each is learned
 * once, by the first short unwind that matches none, and stays (state:
 * empty, learning, ready, retired).  Every short unwind (a new key, or
 * the one-in-stack_reuse refresh) checks what the layouts gave against
 * its own frames: a layout contradicted retires, a caller's distance
 * contradicted is forgotten (tp_layout_misses counts both; the tests
 * require none).
 */
#define TP_SCAN_WORDS 128 /* how far above ctx a layout is looked for */
#define TP_CALLER_WORDS 64 /* and a caller above its call site */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DMAS_TP_KINDS *DMAS_TP_WAYS);
	__type(key, __u32);
	__type(value, struct dmas_tp_layout);
} tp_layouts SEC(".maps");

/*
 * Call site -> words from its slot to its caller's: direct-mapped, one
 * word a slot (the site's low 32 bits, 24 bits of a hash of the site and
 * stack_gen, the distance), so a reader never sees half an update.  A
 * kernel text address's top 32 bits are all ones.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, STACK_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} site_frames SEC(".maps");

/* The stack word off words above base, or 0. */
static __always_inline __u64 stack_word(__u64 base, __u32 off)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)(base + (__u64)off * 8));
	return v;
}

static __always_inline __u64 site_hash(__u64 site)
{
	return ((site ^ (((__u64)stack_gen + 1) << 40)) *
		0x9e3779b97f4a7c15ULL) >>
	       8;
}

/* site's slot word in site_frames with the caller's distance d. */
static __always_inline __u64 site_frames_word(__u64 site, __u32 d)
{
	return (site & 0xffffffff) << 32 |
	       ((site_hash(site) >> 32) & 0xffffff) << 8 | (d & 0xff);
}

/* The caller's distance learned for site (0: none); *wp its slot. */
static __always_inline __u32 site_caller_words(__u64 site, __u64 **wp)
{
	__u32 slot = site_hash(site) & (STACK_CACHE_SLOTS - 1);
	__u64 *w = bpf_map_lookup_elem(&site_frames, &slot), word;

	*wp = w;
	if (!w)
		return 0;
	word = *w;
	if ((word & ~0xffULL) != site_frames_word(site, 0))
		return 0;
	return word & 0xff;
}

/* What the layouts gave, and what a short unwind says. */
struct tp_fast {
	__u64 site; /* the call site, when its caller is known too */
	__u64 caller;
	__u64 raw; /* the word in the call site's slot */
	__u32 site_off; /* that slot, in words above ctx */
	__u32 way; /* the layout that matched; DMAS_TP_WAYS: none */
	__u64 usite; /* the short unwind's call site (0: core code) */
	__u64 ucaller;
};

/* A short unwind, as global functions take it. */
struct tp_ips {
	__u64 ip[STACK_TP_FRAMES];
};

/* Which of kind's layouts this call's stack matches (bpf_loop). */
struct tp_match {
	__u64 base;
	__u32 kind;
	__u32 way; /* the one that matched; DMAS_TP_WAYS: none */
	__u32 site_off;
};

static long tp_way_step(__u64 way, struct tp_match *m)
{
	struct dmas_tp_layout *l;
	__u32 k = (m->kind & (DMAS_TP_KINDS - 1)) * DMAS_TP_WAYS +
		  (way & (DMAS_TP_WAYS - 1));

	l = bpf_map_lookup_elem(&tp_layouts, &k);
	if (!l || l->state == DMAS_TP_EMPTY)
		return 1; /* the ways fill in order */
	if (l->state != DMAS_TP_READY)
		return 0;
#pragma unroll
	for (int a = 0; a < DMAS_TP_ANCHORS; a++) {
		if (a >= l->nanch)
			break;
		if (stack_word(m->base, l->anch_off[a]) != l->anch[a])
			return 0;
	}
	m->way = way;
	m->site_off = l->site_off;
	return 1;
}

/*
 * The call site and its caller from kind's layouts, or f->site 0: no
 * layout matched (f->way DMAS_TP_WAYS), the call site is core code (a library
 * serving every driver: the short unwind keys those), or its caller's
 * distance is not known yet.  A global function, like tp_site_check: the
 * verifier checks it once per program, not once for every path of the
 * program that reaches it; the ways are tried through bpf_loop, whose
 * step it checks once.
 */
__noinline int tp_site_fast(__u64 base, __u32 kind, struct tp_fast *f)
{
	struct tp_match m = {.base = base, .kind = kind, .way = DMAS_TP_WAYS};
	__u64 *w;
	__u32 d;

	if (!f)
		return 0;
	f->site = 0;
	f->caller = 0;
	f->raw = 0;
	f->site_off = 0;
	bpf_loop(DMAS_TP_WAYS, tp_way_step, &m, 0);
	f->way = m.way;
	if (m.way >= DMAS_TP_WAYS)
		return 0;
	f->site_off = m.site_off;
	f->raw = stack_word(base, m.site_off);
	if (!kernel_half_addr(f->raw) || in_core_text(f->raw))
		return 0;
	d = site_caller_words(f->raw, &w);
	if (!d)
		return 0;
	f->caller = stack_word(base, m.site_off + d);
	if (kernel_half_addr(f->caller))
		f->site = f->raw;
	return 0;
}

/*
 * Learning: one pass up the stack words above ctx (bpf_loop) finds, in
 * order, the anchors (into l, the way being learned; none when only a
 * caller is learned), the call site and its caller.
 */
struct tp_scan {
	__u64 base;
	struct dmas_tp_layout *l;
	__u64 site, caller;
	__u32 n; /* anchors to find */
	__u32 k; /* found so far: n anchors, then the site, the caller */
	__u32 site_off, caller_off;
};

static long tp_scan_step(__u64 i, struct tp_scan *s)
{
	struct dmas_tp_layout *l = s->l;
	__u64 v = stack_word(s->base, i);
	__u32 k = s->k;

	if (k < s->n) {
		if (!l || k >= DMAS_TP_ANCHORS)
			return 1;
		if (v == l->anch[k]) {
			l->anch_off[k] = i;
			s->k = k + 1;
		}
		return 0;
	}
	if (k == s->n) {
		if (v == s->site) {
			s->site_off = i;
			s->k = k + 1;
		}
		return 0;
	}
	if (v != s->caller)
		return 0;
	s->caller_off = i;
	s->k = k + 1;
	return 1;
}

/* Ways claimed per kind: each is learned by the one that claimed it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DMAS_TP_KINDS);
	__type(key, __u32);
	__type(value, __u32);
} tp_claims SEC(".maps");

/*
 * Claim the next way of kind's layouts for a short unwind (ips; the call
 * site at ips[idx]) and put its anchors in it: the return addresses
 * between bpf_trace_runN's (ips[1], below ctx) and the call site.  NULL
 * when every way is taken or the path has no anchor to learn.
 */
static __always_inline struct dmas_tp_layout *
tp_claim(__u32 kind, const __u64 *ips, __u32 idx)
{
	struct dmas_tp_layout *l;
	__u32 k = kind & (DMAS_TP_KINDS - 1), *n, way;

	if (idx < 3 || idx > DMAS_TP_ANCHORS + 2)
		return NULL;
	n = bpf_map_lookup_elem(&tp_claims, &k);
	if (!n || *n >= DMAS_TP_WAYS)
		return NULL;
	way = __sync_fetch_and_add(n, 1);
	if (way >= DMAS_TP_WAYS)
		return NULL;
	k = k * DMAS_TP_WAYS + way;
	l = bpf_map_lookup_elem(&tp_layouts, &k);
	if (!l)
		return NULL;
	l->state = DMAS_TP_LEARNING;
#pragma unroll
	for (int j = 0; j < DMAS_TP_ANCHORS; j++)
		if (j + 2 < idx)
			l->anch[j] = ips[j + 2];
	l->nanch = idx - 2;
	return l;
}

/*
 * A tracepoint program's short unwind (ips): its call site (f->usite, 0:
 * none outside core text) and caller, and what the layouts learn or
 * unlearn from it (the rest of f: what they gave).  A layout learned is
 * published whole (ready) or retired, so that a path that cannot be
 * learned costs at most DMAS_TP_WAYS scans.
 */
__noinline int tp_site_check(__u64 base, __u32 kind, struct tp_fast *f,
			     struct tp_ips *ips)
{
	struct tp_scan sc = {.base = base};
	struct dmas_tp_layout *l;
	__u64 site = 0, caller = 0, *w;
	__u32 idx, k, d;

	if (!f || !ips)
		return 0;
	f->usite = 0;
	f->ucaller = 0;
	idx = tp_call_site(ips->ip, &site, &caller);
	if (!idx)
		return 0;
	f->usite = site;
	f->ucaller = caller;
	if (f->way < DMAS_TP_WAYS && f->raw != site && !in_core_text(f->raw)) {
		/* the layout matched, its call site is not this one's:
		 * never use it again */
		__sync_fetch_and_add(&tp_layout_misses, 1);
		k = (kind & (DMAS_TP_KINDS - 1)) * DMAS_TP_WAYS +
		    (f->way & (DMAS_TP_WAYS - 1));
		l = bpf_map_lookup_elem(&tp_layouts, &k);
		if (l)
			__sync_val_compare_and_swap(&l->state, DMAS_TP_READY,
						    DMAS_TP_RETIRED);
		return 1;
	}
	if (f->site && f->caller != caller) {
		/* the caller's distance is wrong: forget it */
		__sync_fetch_and_add(&tp_layout_misses, 1);
		if (site_caller_words(site, &w))
			*w = 0;
		return 1;
	}
	if (f->way >= DMAS_TP_WAYS) {
		/* a path no layout knows: learn it */
		sc.l = tp_claim(kind, ips->ip, idx);
		if (!sc.l)
			return 1;
		sc.n = sc.l->nanch;
	} else if (f->site || f->raw != site) {
		return 1; /* nothing to learn */
	}
	/* else: the layout is known, the call site's caller is not */
	sc.site = site;
	sc.caller = caller;
	bpf_loop(TP_SCAN_WORDS + TP_CALLER_WORDS, tp_scan_step, &sc, 0);
	l = sc.l;
	if (l) {
		if (sc.k <= sc.n || sc.site_off > 255) {
			__sync_val_compare_and_swap(&l->state, DMAS_TP_LEARNING,
						    DMAS_TP_RETIRED);
			return 1;
		}
		l->site_off = sc.site_off;
		__sync_val_compare_and_swap(&l->state, DMAS_TP_LEARNING,
					    DMAS_TP_READY);
		__sync_fetch_and_add(&tp_layouts_learned, 1);
	} else if (sc.site_off != f->site_off) {
		return 1;
	}
	d = sc.caller_off - sc.site_off;
	if (sc.k != sc.n + 2 || !caller || d > 255)
		return 1;
	site_caller_words(site, &w);
	if (w)
		*w = site_frames_word(site, d);
	return 1;
}

/*
 * The stack of the event being built, as a stack id (0: none).  A full
 * unwind costs more than everything else an event does together (about
 * 8 us a map under QEMU TCG, some 1 us on hardware), and the same few call
 * sites create nearly every resource, so a call site's stack is reused.
 * The key: for fentry/fexit, the DMA API call site itself, the return
 * address into the driver (tramp_call_site: one probe read); for
 * tracepoints, the same call site and its caller, the first frame below
 * the tracer's own outside the core kernel's text (tp_call_site: the
 * tracer's frames above the DMA API vary in number, so a fixed count of
 * innermost frames may never reach the driver, and every module's
 * mappings through one DMA API function would share one stack), read
 * from the stack words at a learned frame layout's offsets (tp_site_fast:
 * three or four probe reads) or, for a path no layout knows yet, found
 * in a short unwind (tp_site_check, which also checks the layouts); for
 * kretprobes, the call site again: the registers' ip, which the kernel
 * sets to the corrected return address before the handlers run
 * (rethook_trampoline_handler, kretprobe_trampoline_handler); for
 * kprobes (releases, under --all-stacks) and a call site in core text,
 * the STACK_KEY_FRAMES innermost frames of a short unwind, which start at
 * the DMA API function or its caller and so reach the call site and its
 * first callers.  Only a new key, or about
 * one event in stack_reuse on a known one, pays for the full unwind (and,
 * for a tracepoint, a short one that checks the key it was given).
 *
 * What this trades away: events with the same key share the stack
 * recorded for an earlier one of them, so the frames beyond the key (which
 * caller of a driver's helper, which syscall or work item led there) may
 * be another event's, resampled about every stack_reuse events.  The call
 * site, which names the creating function and its module, is in the key,
 * so leak findings and `[module]` attribution are unchanged.  A call site
 * inside the core kernel (ktext_start..ktext_end: dma_pool_alloc's own
 * dma_alloc_attrs, serving every driver's pools) names no driver: there
 * the short unwind keys the cache, whose frames reach past the library
 * into its caller.  The device is in every key too: one call site serving
 * two devices (a library, a shared helper) never lends one device's stack
 * to the other.  A
 * module unload bumps stack_gen, so code loaded later at the same
 * addresses is never given a stack from the old module; a 32-bit hash
 * collision between two keys in one slot is possible in principle (odds
 * of 2^-32 per lookup) and would give the other key's stack.
 */
static __always_inline __u32 stack_id_of(void *ctx, int hook,
					 struct dmas_event *e)
{
	__u64 h = 0, word, *w = NULL, site = 0;
	__u64 caller = 0, base;
	__u32 slot, check = 0, nkey = 0;
	struct tp_ips ips = {};
	struct tp_fast f = {};
	bool refresh;
	long sid;

	if (stack_reuse) {
		/* one event in stack_reuse takes a new stack (the clock's
		 * low bits: no use count written back, so CPUs sharing a
		 * call site share a clean cache line) */
		refresh = !(((e->ts * 0x9e3779b97f4a7c15ULL) >> 40) %
			    stack_reuse);
		if (hook == HOOK_TRAMP) {
			site = tramp_call_site(ctx, e);
			if (!site)
				__sync_fetch_and_add(&tramp_misses, 1);
		} else if (hook == HOOK_RETPROBE) {
			site = PT_REGS_IP((struct pt_regs *)ctx);
			if (!kernel_half_addr(site))
				site = 0;
		}
		if (in_core_text(site))
			site = 0; /* a library call site: unwind */
		if (hook == HOOK_TP) {
			base = launder((volatile __u64 *)&e->addr, ctx);
			e->addr = 0;
			tp_site_fast(base, e->kind, &f);
			site = f.site;
			caller = f.caller;
			if (!site || refresh) {
				__sync_fetch_and_add(&tp_short_unwinds, 1);
				site = 0;
				if (bpf_get_stack(ctx, ips.ip, sizeof(ips.ip),
						  0) > 0) {
					nkey = STACK_TP_FRAMES;
					tp_site_check(base, e->kind, &f, &ips);
					site = f.usite;
					caller = f.ucaller;
				}
			}
		} else if (!site) {
			nkey = STACK_KEY_FRAMES;
			if (bpf_get_stack(ctx, ips.ip, nkey * sizeof(ips.ip[0]),
					  0) <= 0)
				nkey = 0;
		}
		if (site) {
			h = ((__u64)stack_gen + 1) * 0x9e3779b97f4a7c15ULL;
			h = (h ^ site) * 0x9e3779b97f4a7c15ULL;
			if (caller)
				h = (h ^ caller) * 0x9e3779b97f4a7c15ULL;
		} else if (nkey) {
			/* a core call site: the frames above it key it */
			h = (__u64)stack_gen + 1;
			for (int i = 0; i < STACK_TP_FRAMES; i++)
				if (i < nkey)
					h = (h ^ ips.ip[i]) *
					    0x9e3779b97f4a7c15ULL;
		}
		if (h)
			h = (h ^ e->dev) * 0x9e3779b97f4a7c15ULL;
		if (h) {
			check = h >> 32;
			slot = (h >> 8) & (STACK_CACHE_SLOTS - 1);
			w = bpf_map_lookup_elem(&stack_cache, &slot);
			if (w && !refresh) {
				word = *w;
				if ((word >> 32) == check &&
				    (word & ((1 << STACK_ID_BITS) - 1)))
					return word &
					       ((1 << STACK_ID_BITS) - 1);
			}
		}
	}
	sid = bpf_get_stackid(ctx, &stacks, 0);
	__sync_fetch_and_add(&stack_unwinds, 1);
	if (sid < 0) {
		count_drop(DMAS_DROP_STACK);
		return DMAS_STACK_NONE;
	}
	if (w && sid + 1 < (1 << STACK_ID_BITS))
		*w = (__u64)check << 32 | (sid + 1);
	return sid + 1;
}

#endif /* DMASCOPE_STACKS_BPF_H */
