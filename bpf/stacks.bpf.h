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
	HOOK_PROBE = 0, /* kprobe/kretprobe: the stack starts at the probed
			 * function (entry) or its caller (return) */
	HOOK_TRAMP = 1, /* fentry/fexit: the trampoline's frame says the site */
	HOOK_TP = 2, /* tp_btf/raw_tp: the program, bpf_trace_runN and, with
		      * more than one probe on the tracepoint, __traceiter_X
		      * lie above the DMA API function */
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

/*
 * A tracepoint program's call site: the first frame below the tracer's
 * that lies outside the core kernel's text (ips[0] is the program itself,
 * then bpf_trace_runN, maybe __traceiter_X, the DMA API function, all core
 * text; how many varies, so they are not counted), or 0 when the caller is
 * core code too or the core text is unknown.  *caller: the frame above it,
 * which the key takes too: the NUMA rule's call site is the DMA API
 * function, its caller and that one's caller (a driver's mapping helper
 * serves call sites that place buffers differently).
 */
static __always_inline __u64 tp_call_site(const __u64 *ips, __u64 *caller)
{
	if (!ktext_end)
		return 0;
	for (int i = 1; i < STACK_TP_FRAMES - 1; i++) {
		if (!ips[i])
			return 0;
		if (ips[i] < ktext_start || ips[i] >= ktext_end) {
			*caller = ips[i + 1];
			return ips[i];
		}
	}
	return 0;
}

/*
 * The stack of the event being built, as a stack id (0: none).  A full
 * unwind costs more than everything else an event does together (about
 * 8 us a map under QEMU TCG, some 1 us on hardware), and the same few call
 * sites create nearly every resource, so a call site's stack is reused.
 * The key: for fentry/fexit, the DMA API call site itself, the return
 * address into the driver (tramp_call_site: one probe read); for
 * tracepoints, the same call site and its caller, found in a short unwind
 * below the tracer's own frames, outside the core kernel's text
 * (tp_call_site: the tracer's frames above the DMA API vary in number, so
 * a fixed count of innermost frames may never reach the driver, and
 * every module's mappings through one DMA API function would share one
 * stack); for kprobes, the STACK_KEY_FRAMES innermost frames of a short
 * unwind, which start at the DMA API function (entry) or its caller
 * (return) and so reach the call site and its first callers.  Only a new
 * key, or about one event in stack_reuse on a known one, pays for the
 * full unwind.
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
	__u64 ips[STACK_TP_FRAMES] = {}, h = 0, word, *w = NULL, site = 0;
	__u64 caller = 0;
	__u32 slot, check = 0, nkey = 0;
	long sid;

	if (stack_reuse) {
		if (hook == HOOK_TRAMP) {
			site = tramp_call_site(ctx, e);
			if (!site)
				__sync_fetch_and_add(&tramp_misses, 1);
			else if (site >= ktext_start && site < ktext_end)
				site = 0; /* a library call site: unwind */
		}
		if (!site) {
			nkey = hook == HOOK_TP ? STACK_TP_FRAMES
					       : STACK_KEY_FRAMES;
			if (bpf_get_stack(ctx, ips, nkey * sizeof(ips[0]), 0) <=
			    0)
				nkey = 0;
			else if (hook == HOOK_TP)
				site = tp_call_site(ips, &caller);
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
					h = (h ^ ips[i]) *
					    0x9e3779b97f4a7c15ULL;
		}
		if (h)
			h = (h ^ e->dev) * 0x9e3779b97f4a7c15ULL;
		if (h) {
			check = h >> 32;
			slot = (h >> 8) & (STACK_CACHE_SLOTS - 1);
			w = bpf_map_lookup_elem(&stack_cache, &slot);
			/*
			 * A hit only reads the slot (no use count written
			 * back, so CPUs sharing a call site share a clean
			 * cache line); the refresh is drawn from the clock's
			 * low bits instead, one event in stack_reuse.
			 */
			if (w && ((e->ts * 0x9e3779b97f4a7c15ULL) >> 40) %
					 stack_reuse) {
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
