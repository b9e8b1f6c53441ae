// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmascope.bpf.c - the kernel side of live tracing: one CO-RE object with
 * a program per hook family (tp_btf on dma:* tracepoints, fentry/fexit and
 * kprobe/kretprobe on the DMA API, dmaengine, raw tracepoints for iommu,
 * swiotlb, module unload and vdmac) turning each call into a struct
 * dmas_event in one ring buffer.  The loader decides per function which
 * family is loaded; everything here only describes what each hook means.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "../cli/event.h"
#include "../cli/event_count.h"
#include "compat.bpf.h"
#include "dmascope_bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Filled by the loader before load. */
const volatile __u32 filter_pid = 0; /* tgid; 0: all */
const volatile char filter_dev[DMAS_DEV_NAME_LEN] = {}; /* "" : all */
const volatile char filter_drv[DMAS_DRV_NAME_LEN] = {};
const volatile __u64 wakeup_bytes = 256 * 1024; /* wake the reader past this */
const volatile __u32 bench_off = 0; /* DMAS_BENCH_OFF_*: make bench only */

/* Known at load time: the verifier drops the part when it is off. */
#define bench_on(part) (!(bench_off & DMAS_BENCH_OFF_##part))

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20); /* resized by the loader */
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DMAS_BPF_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct dmas_dev_counters);
} dev_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DMAS_DROP_NR);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/*
 * Arguments kept from a function's entry for its return (kretprobes, unbind).
 */
struct stash_key {
	__u64 tid;
	__u32 fn;
	__u32 pad;
};

struct stash_val {
	__u64 a[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct stash_key);
	__type(value, struct stash_val);
} stash SEC(".maps");

/* Functions that keep a stash entry between entry and return. */
enum {
	FN_MAP_PAGE = 1,
	FN_MAP_SG,
	FN_MAP_SGTABLE,
	FN_MAP_RESOURCE,
	FN_ALLOC,
	FN_ALLOC_PAGES,
	FN_POOL_CREATE,
	FN_POOL_ALLOC,
	FN_REQUEST_CHAN,
	FN_REQUEST_CHANNEL,
	FN_UNBIND,
	FN_PROBE,
	FN_DEVICE_DEL,
	FN_DEVICE_ADD,
	FN_IOVA_ALLOC,
	FN_IOVA_LINK,
	FN_IOVA_DESTROY,
	FN_NEED_UNMAP,
	FN_FREE_DEV_COHERENT,
	FN_SET_MASK,
	FN_SET_COHERENT_MASK,
	FN_DMABUF_EXPORT,
	FN_DMABUF_ATTACH,
	FN_DMABUF_DYN_ATTACH,
	FN_DMABUF_MAP,
	FN_DMABUF_MAP_UNLOCKED,
	FN_DMABUF_UNMAP_UNLOCKED,
};

/* (provider id, channel index) -> channel id given at dma_request_chan */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u64);
} chan_ids SEC(".maps");

static __always_inline void count_drop(__u32 slot)
{
	__u64 *v;

	if (!bench_on(COUNTERS))
		return;
	v = bpf_map_lookup_elem(&drops, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline bool str_eq_filter(const char *s, const volatile char *f,
					  int n)
{
	for (int i = 0; i < n; i++) {
		if (s[i] != f[i])
			return false;
		if (!s[i])
			return true;
	}
	return true;
}

static __always_inline bool pid_passes(void)
{
	return !bench_on(FILTERS) || !filter_pid ||
	       (bpf_get_current_pid_tgid() >> 32) == filter_pid;
}

/* Known at load time: with no device/driver filter the verdict is dropped. */
static __always_inline bool dev_filtered(void)
{
	return bench_on(FILTERS) && (filter_dev[0] || filter_drv[0]);
}

/*
 * Never wake the reader per record (about 1 us each): it reads on a timer.
 * A burst that piles up another wakeup_bytes (a power of two) wakes it
 * once, as the fill crosses each multiple.
 */
static __always_inline __u64 ringbuf_flags(void)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	if (avail >= wakeup_bytes && (avail & (wakeup_bytes - 1)) < 256)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * The same without a helper call, for records reserved here: a record's
 * address advances with the producer position (the data pages are mapped
 * twice, back to back), so the record that lands in the first 72 bytes
 * (one event and its header) of each wakeup_bytes window wakes the reader.
 * That is once per wakeup_bytes produced, whether or not the reader is
 * behind: a wakeup per some 29,000 events at the default ring.
 */
static __always_inline __u64 ringbuf_flags_at(struct dmas_event *e)
{
	volatile __u64 *slot = (volatile __u64 *)&e->aux;
	__u64 keep, pos;

	if (!bench_on(WAKEUP))
		return BPF_RB_NO_WAKEUP;
	keep = *slot;
	pos = launder(slot, e);
	*slot = keep;
	if ((pos & (wakeup_bytes - 1)) < sizeof(*e) + 8)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

#include "devcache.bpf.h"
#include "stacks.bpf.h"

/*
 * Reserve an event for dev with its header filled; NULL if filtered or
 * lost.  The hot path: one reservation, one inlined array lookup for the
 * device, the clock, pid and cpu; no filter code unless a filter is set.
 * *idp is dev's id; after NULL it is non-zero only for a lost event, which
 * the caller then counts (count_dev).  Where the caller passes no device at
 * all (a NULL constant: fences, dma-buf exports, the IOMMU's map events),
 * none of the device code is built: each call of the global dev_lookup
 * costs the verifier its whole body once more per program (in the emulated
 * 6.1 VM about 8 us an instruction).  (Clang says a pointer is never a
 * constant: its value as a number is.)
 */
static __always_inline struct dmas_event *
ev_start(void *ctx, int hook, struct device *dev, __u8 kind, __u32 *idp)
{
	bool no_dev = __builtin_constant_p((__u64)dev) && !dev;
	struct dmas_event *e;
	bool pass = true;
	__u64 devp;
	__u32 id;

	if (idp)
		*idp = DMAS_DEV_NONE;
	if (!pid_passes())
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		/* a filtered-out event is not a lost one */
		if (no_dev) {
			id = DMAS_DEV_NONE;
			pass = !dev_filtered();
		} else {
			id = dev_id(dev, &pass);
		}
		if (dev_filtered() && !pass)
			return NULL;
		count_drop(DMAS_DROP_RINGBUF);
		/* the caller counts the call for this device (count_dev) */
		if (idp)
			*idp = id;
		return NULL;
	}
	devp = !no_dev && bench_on(DEVICE)
		       ? launder((volatile __u64 *)&e->aux, dev)
		       : 0;
	if (devp) {
		id = dev_id_cached(dev, devp, &pass);
	} else {
		/* no device: only an unfiltered trace wants it */
		id = DMAS_DEV_NONE;
		pass = !dev_filtered();
	}
	if (dev_filtered() && !pass) {
		bpf_ringbuf_discard(e, BPF_RB_NO_WAKEUP);
		return NULL;
	}
	if (idp)
		*idp = id;
	__builtin_memset(e, 0, sizeof(*e));
	/* the benchmark's clock part off: jiffies, a load (the coarse clock
	 * is refused in tracing programs) */
	e->ts = bench_on(CLOCK) ? bpf_ktime_get_ns() : bpf_jiffies64();
	e->dev = id;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	if (want_stacks && bench_on(STACK) && wants_stack(kind))
		e->stack_id = stack_id_of(ctx, hook, e);
	return e;
}

static __always_inline void ev_submit(struct dmas_event *e)
{
	bpf_ringbuf_submit(e, ringbuf_flags_at(e));
}

/*
 * Per-device call counters for calls whose event was lost: the reader
 * counts the events it receives (cli/source/live_counters.c), so together they
 * count every call, and a delivered event costs no counter update here.
 */
static __always_inline void count_dev(__u32 id, __u8 kind, __u64 bytes)
{
	struct dmas_dev_counters *c;

	if (!id || !bench_on(COUNTERS))
		return;
	c = bpf_map_lookup_elem(&dev_counters, &id);
	if (c)
		dmas_dev_counters_add(c, kind, bytes, 0);
}

/* ---- what each call means, shared by every hook family ---- */

#define DMA_MAPPING_ERROR_VAL (~(__u64)0)

/* page: NULL, or phys is an offset into this struct page (fexit). */
static __always_inline int on_map_page(void *ctx, int hook, struct device *dev,
				       const void *page, __u64 phys, __u64 addr,
				       __u64 size, __u32 dir, __u64 attrs,
				       __u8 kind)
{
	struct dmas_event *e;
	__u32 id = 0;

	/*
	 * Started as kind whether or not the map failed: a failed map wants
	 * its stack as every map kind does (wants_stack), and deciding
	 * after the start lets the verifier walk the event path, the stack's
	 * included, once instead of once per outcome (a third of its steps
	 * in the map programs).
	 */
	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		count_dev(id,
			  addr == DMA_MAPPING_ERROR_VAL ? DMAS_EV_MAP_ERROR
							: kind,
			  size);
		return 0;
	}
	if (page && bench_on(PHYS))
		phys += page_to_phys_val(
			launder((volatile __u64 *)&e->phys, page));
	e->dir = dir;
	e->size = size;
	e->phys = phys;
	e->attrs = attrs;
	if (addr == DMA_MAPPING_ERROR_VAL) {
		e->kind = DMAS_EV_MAP_ERROR;
		e->aux = kind;
	} else {
		e->addr = addr;
		if (kind == DMAS_EV_MAP && bench_on(PHYS) &&
		    phys_on_current_stack(phys))
			e->flags |= DMAS_F_ON_STACK;
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_map(void *ctx, int hook, struct device *dev,
				  __u64 phys, __u64 addr, __u64 size, __u32 dir,
				  __u64 attrs, __u8 kind)
{
	return on_map_page(ctx, hook, dev, NULL, phys, addr, size, dir, attrs,
			   kind);
}

static __always_inline int on_unmap(void *ctx, int hook, struct device *dev,
				    __u64 addr, __u64 size, __u32 dir,
				    __u64 attrs, __u8 kind)
{
	struct dmas_event *e;
	__u32 id = 0;

	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		count_dev(id, kind, size);
		return 0;
	}
	e->addr = addr;
	e->size = size;
	e->dir = dir;
	e->attrs = attrs;
	ev_submit(e);
	return 0;
}

static __always_inline int on_sync(void *ctx, int hook, struct device *dev,
				   __u64 addr, __u64 size, __u32 dir, __u8 kind)
{
	return on_unmap(ctx, hook, dev, addr, size, dir, 0, kind);
}

#define SG_CHAIN 0x01UL
#define SG_END 0x02UL
#define SG_MAX_WALK 64

struct sg_sum {
	__u64 bytes;
	__u64 first_dma;
	__u64 first_phys;
};

/* Where an sg walk is: the entry it reads next, what it has added up. */
struct sg_walk_state {
	__u64 sg; /* struct scatterlist *, as a number across loop steps */
	int left; /* entries still to read */
	__u64 bytes;
};

/* One entry of the walk (a bpf_loop callback); 1 ends the walk. */
static long sg_step(__u32 i, void *data)
{
	struct sg_walk_state *w = data;
	struct scatterlist *sg = (struct scatterlist *)w->sg;
	unsigned long link;

	if (w->left <= 0 || !sg)
		return 1;
	w->left--;
	link = BPF_CORE_READ(sg, page_link);
	if (link & SG_CHAIN) {
		sg = (struct scatterlist *)(link & ~3UL);
		link = BPF_CORE_READ(sg, page_link);
	}
	w->bytes += BPF_CORE_READ(sg, length);
	if (link & SG_END)
		return 1;
	w->sg = (__u64)(sg + 1);
	return 0;
}

/*
 * Total length of the first nents entries (chains followed), first segment.
 * Through bpf_loop (5.17+), so that the verifier checks one step instead of
 * every step of an unrolled walk: the unrolled walk, twice in each sg
 * program, was nine tenths of the instructions the verifier went through at
 * load.  The first entry goes in as a number (ptr_value): a typed pointer
 * there at the first step and a number after it are two states to the
 * verifiers that follow a callback until its states repeat (6.7+), which
 * then went through all 64 steps.
 */
static __always_inline void sg_walk(struct scatterlist *sg, int nents,
				    struct sg_sum *out)
{
	struct sg_walk_state w = {.sg = ptr_value(sg), .left = nents};

	out->first_dma = BPF_CORE_READ(sg, dma_address);
	out->first_phys =
		page_to_phys_val(BPF_CORE_READ(sg, page_link) & ~3UL) +
		BPF_CORE_READ(sg, offset);
	bpf_loop(SG_MAX_WALK, sg_step, &w, 0);
	out->bytes = w.bytes;
}

static __always_inline int on_map_sg(void *ctx, int hook, struct device *dev,
				     struct scatterlist *sg, int nents,
				     int mapped, __u32 dir, __u64 attrs)
{
	struct dmas_event *e;
	struct sg_sum sum;
	__u32 id = 0;

	/* as kind whether or not it failed: see on_map_page */
	e = ev_start(ctx, hook, dev, DMAS_EV_MAP_SG, &id);
	if (!e) {
		if (id) {
			sg_walk(sg, nents, &sum);
			count_dev(id,
				  mapped > 0 ? DMAS_EV_MAP_SG
					     : DMAS_EV_MAP_ERROR,
				  sum.bytes);
		}
		return 0;
	}
	sg_walk(sg, nents, &sum);
	e->dir = dir;
	e->attrs = attrs;
	e->size = sum.bytes;
	e->phys = sum.first_phys;
	if (mapped > 0) {
		e->aux = (__u64)sg;
		e->addr = sum.first_dma;
		e->count = (nents & 0xffff) | ((__u32)mapped << 16);
		if (phys_on_current_stack(sum.first_phys))
			e->flags |= DMAS_F_ON_STACK;
	} else {
		e->kind = DMAS_EV_MAP_ERROR;
		e->aux = DMAS_EV_MAP_SG;
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_sg(void *ctx, int hook, struct device *dev,
				 struct scatterlist *sg, int nents, __u32 dir,
				 __u64 attrs, __u8 kind)
{
	struct dmas_event *e;
	struct sg_sum sum;
	__u32 id = 0;

	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		if (id) {
			sg_walk(sg, nents, &sum);
			count_dev(id, kind, sum.bytes);
		}
		return 0;
	}
	sg_walk(sg, nents, &sum);
	e->aux = (__u64)sg;
	e->count = nents;
	e->size = sum.bytes;
	e->dir = dir;
	e->attrs = attrs;
	if (kind == DMAS_EV_UNMAP_SG)
		e->addr = sum.first_dma;
	ev_submit(e);
	return 0;
}

static __always_inline int on_alloc(void *ctx, int hook, struct device *dev,
				    __u64 vaddr, __u64 handle, __u64 phys,
				    __u64 size, __u64 attrs, __u8 kind)
{
	struct dmas_event *e;
	__u32 id = 0;

	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		if (vaddr)
			count_dev(id, kind, size);
		return 0;
	}
	e->size = size;
	e->attrs = attrs;
	if (!vaddr) {
		e->flags = DMAS_F_ERROR;
	} else {
		e->addr = handle;
		e->aux = vaddr;
		e->phys = phys ? phys : virt_to_phys_core(vaddr);
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_free(void *ctx, int hook, struct device *dev,
				   __u64 vaddr, __u64 handle, __u64 size,
				   __u64 attrs, __u8 kind)
{
	struct dmas_event *e;
	__u32 id = 0;

	/* dma_free_attrs(dev, size, NULL, ...) returns at once: no event */
	if (kind == DMAS_EV_FREE_COHERENT && !vaddr)
		return 0;
	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		count_dev(id, kind, size);
		return 0;
	}
	e->addr = handle;
	e->aux = vaddr;
	e->size = size;
	e->attrs = attrs;
	ev_submit(e);
	return 0;
}

static __always_inline int on_pool(void *ctx, int hook, void *pool, __u64 vaddr,
				   __u64 handle, __u8 kind)
{
	struct dma_pool___dmas *p = pool;
	struct dmas_event *e;
	__u64 size;
	__u32 id = 0;

	if (!pool)
		return 0;
	size = pool_block_size(pool);
	e = ev_start(ctx, hook, BPF_CORE_READ(p, dev), kind, &id);
	if (!e) {
		if (kind != DMAS_EV_POOL_ALLOC || vaddr)
			count_dev(id, kind, size);
		return 0;
	}
	e->aux = (__u64)pool;
	e->size = size;
	if (kind == DMAS_EV_POOL_ALLOC || kind == DMAS_EV_POOL_FREE) {
		e->addr = handle;
		if (kind == DMAS_EV_POOL_ALLOC) {
			if (!vaddr)
				e->flags = DMAS_F_ERROR;
			else
				e->phys = virt_to_phys_core(vaddr);
		}
	}
	ev_submit(e);
	return 0;
}

static __always_inline int on_chan(void *ctx, int hook, void *chanp,
				   struct device *client, __u8 kind)
{
	struct dma_chan___dmas *chan = chanp;
	struct dmas_event *e;
	__u32 client_id = 0, id = 0, index;
	bool pass;

	if (DMAS_IS_ERR_OR_NULL(chanp))
		return 0;
	if (client)
		client_id = dev_id(client, &pass);
	e = ev_start(ctx, hook, BPF_CORE_READ(chan, device, dev), kind, &id);
	if (!e)
		return 0;
	e->aux = (__u64)chanp;
	e->count = BPF_CORE_READ(chan, chan_id);
	e->addr = client_id;
	index = e->count;
	ev_submit(e);
	if (id) {
		/* vdmac's tracepoints name the channel by provider and index */
		__u64 key = (__u64)id << 32 | index;
		__u64 val = (__u64)chanp;

		if (kind == DMAS_EV_CHAN_REQUEST)
			bpf_map_update_elem(&chan_ids, &key, &val, BPF_ANY);
	}
	return 0;
}

static __always_inline int on_named(void *ctx, int hook, struct device *dev,
				    const char *name, __u8 kind)
{
	struct dmas_event *e;

	e = ev_start(ctx, hook, dev, kind, NULL);
	if (!e)
		return 0;
	if (name)
		bpf_probe_read_kernel_str(e->name, sizeof(e->name), name);
	ev_submit(e);
	return 0;
}

/* A driver bound: refresh the driver filter's verdict for the device. */
static __always_inline void refilter(struct device *dev)
{
	__u64 key = (__u64)dev;
	struct dev_state *st;
	char drv[DMAS_DRV_NAME_LEN];

	if (!filter_drv[0])
		return;
	st = bpf_map_lookup_elem(&devs, &key);
	if (!st)
		return;
	read_driver_name(dev, drv, sizeof(drv));
	if (str_eq_filter(drv, filter_drv, DMAS_DRV_NAME_LEN)) {
		st->pass = 1;
		dev_cache_forget(ptr_value(dev));
	}
}

static __always_inline void stash_put(__u32 fn, __u64 a0, __u64 a1, __u64 a2,
				      __u64 a3, __u64 a4, __u64 a5)
{
	struct stash_key k = {.tid = bpf_get_current_pid_tgid(), .fn = fn};
	struct stash_val v = {.a = {a0, a1, a2, a3, a4, a5}};

	bpf_map_update_elem(&stash, &k, &v, BPF_ANY);
}

/* Copies and deletes the entry; false if there was none. */
static __always_inline bool stash_take(__u32 fn, struct stash_val *out)
{
	struct stash_key k = {.tid = bpf_get_current_pid_tgid(), .fn = fn};
	struct stash_val *v = bpf_map_lookup_elem(&stash, &k);

	if (!v)
		return false;
	*out = *v;
	bpf_map_delete_elem(&stash, &k);
	return true;
}

static __always_inline bool stash_has(__u32 fn)
{
	struct stash_key k = {.tid = bpf_get_current_pid_tgid(), .fn = fn};

	return bpf_map_lookup_elem(&stash, &k) != NULL;
}

static __always_inline __u64 read_handle(dma_addr_t *p)
{
	__u64 h = 0;

	if (p)
		bpf_probe_read_kernel(&h, sizeof(dma_addr_t), p);
	return h;
}

/*
 * ==== catchers: calls made from an interrupt taken inside a hook's program
 * ====
 *
 * A program never runs twice at once on one CPU: a hooked call made from an
 * interrupt taken while the hook's program runs there is skipped by the
 * kernel and only counted (the program's recursion_misses).  An unmap so
 * skipped would show as a leak.  Hooks called from interrupts as well as
 * from tasks therefore load a second program on the same attach point, the
 * catcher.  The first program raises its count in guard_running while it
 * runs; the catcher does the work only while that count is up on its CPU,
 * which is exactly when the kernel skipped the first program for the call
 * the catcher sees (the count is up only inside the first program, which
 * the kernel counts as running for longer).  Either order of the two on
 * the attach point works.  The catcher does the work by a tail call into
 * the first program itself (its slot's guard_tail_N, filled by user space
 * before the catcher is attached): the verifier checks only its few
 * instructions, not a second copy of the work (a fifth of all the
 * instructions it checked, and as much of the time to tracing active).
 * The tail-called program counts up again and down on return, which is
 * why the flag is a count: the interrupted first program's stays up.
 * Tail calls join programs of one attach point only (the kernel checks the
 * type, attach type and function prototype), hence a map per slot.
 * What the catchers did is counted in guard_caught, so that user space
 * counts as lost only the skipped calls nobody caught: a call from an
 * interrupt taken inside the catcher itself, or in the few instructions of
 * the first program's entry and exit that its count does not cover.
 */
struct guard_flags {
	__u8 on[DMAS_GUARD_NR];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct guard_flags);
} guard_running SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, DMAS_GUARD_NR);
	__type(key, __u32);
	__type(value, __u64);
} guard_caught SEC(".maps");

/* Slot N's first program, at key 0, for its catcher's tail call. */
#define GUARD_TAIL(n)                                  \
	struct {                                       \
		__uint(type, BPF_MAP_TYPE_PROG_ARRAY); \
		__uint(max_entries, 1);                \
		__type(key, __u32);                    \
		__type(value, __u32);                  \
	} guard_tail_##n SEC(".maps")

GUARD_TAIL(0);
GUARD_TAIL(1);
GUARD_TAIL(2);
GUARD_TAIL(3);
GUARD_TAIL(4);
GUARD_TAIL(5);
GUARD_TAIL(6);
GUARD_TAIL(7);
GUARD_TAIL(8);
GUARD_TAIL(9);
_Static_assert(DMAS_GUARD_NR == 10, "a guard_tail_N map per guard slot");

/* Slot g's map: g is a constant, so this folds to one map. */
static __always_inline void *guard_tail(__u32 g)
{
	switch (g) {
	case 0:
		return &guard_tail_0;
	case 1:
		return &guard_tail_1;
	case 2:
		return &guard_tail_2;
	case 3:
		return &guard_tail_3;
	case 4:
		return &guard_tail_4;
	case 5:
		return &guard_tail_5;
	case 6:
		return &guard_tail_6;
	case 7:
		return &guard_tail_7;
	case 8:
		return &guard_tail_8;
	default:
		return &guard_tail_9;
	}
}

#define guard_barrier() asm volatile("" ::: "memory")

static __always_inline volatile __u8 *guard_flag(__u32 g)
{
	__u32 zero = 0;
	struct guard_flags *f = bpf_map_lookup_elem(&guard_running, &zero);

	return f && g < DMAS_GUARD_NR ? &f->on[g] : NULL;
}

static __always_inline void guard_count(__u32 g, __s64 d)
{
	__u64 *n = bpf_map_lookup_elem(&guard_caught, &g);

	if (n)
		*n += d;
}

/* The first program: call, with its count up. */
#define GUARDED(g, call)                            \
	({                                          \
		volatile __u8 *on_ = guard_flag(g); \
		int r_;                             \
		if (on_)                            \
			(*on_)++;                   \
		guard_barrier();                    \
		r_ = (call);                        \
		guard_barrier();                    \
		if (on_)                            \
			(*on_)--;                   \
		r_;                                 \
	})

/*
 * The catcher: while the first program runs on this CPU, the first
 * program again, by a tail call that does not return.  Should the slot be
 * empty the call falls through and is not counted as caught.
 */
static __always_inline int caught(void *ctx, __u32 g)
{
	volatile __u8 *on_ = guard_flag(g);

	if (on_ && *on_) {
		guard_count(g, 1);
		bpf_tail_call(ctx, guard_tail(g), 0);
		guard_count(g, -1);
	}
	return 0;
}

/*
 * A hook with a catcher: name on sec, and catch_name on the same attach
 * point, both with the arguments args and the work call.
 */
#define GUARDED_PROG(sec, name, g, call, args...) \
	SEC(sec)                                  \
	int BPF_PROG(name, args)                  \
	{                                         \
		return GUARDED(g, call);          \
	}                                         \
	SEC(sec)                                  \
	int catch_##name(unsigned long long *ctx) \
	{                                         \
		return caught(ctx, g);            \
	}

/* ==== tp_btf: dma:* tracepoints (new kernels) ==== */

GUARDED_PROG("tp_btf/dma_map_phys", tp_dma_map_phys, DMAS_GUARD_MAP,
	     (on_map(ctx, HOOK_TP, dev, phys, addr, size, dir, attrs,
		     DMAS_EV_MAP)),
	     struct device *dev, phys_addr_t phys, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)

GUARDED_PROG("tp_btf/dma_unmap_phys", tp_dma_unmap_phys, DMAS_GUARD_UNMAP,
	     (on_unmap(ctx, HOOK_TP, dev, addr, size, dir, attrs,
		       DMAS_EV_UNMAP)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)

/* The same events under their names of 6.12 to 6.17. */
GUARDED_PROG("tp_btf/dma_map_page", tp_dma_map_page, DMAS_GUARD_MAP,
	     (on_map(ctx, HOOK_TP, dev, phys, addr, size, dir, attrs,
		     DMAS_EV_MAP)),
	     struct device *dev, phys_addr_t phys, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)

GUARDED_PROG("tp_btf/dma_unmap_page", tp_dma_unmap_page, DMAS_GUARD_UNMAP,
	     (on_unmap(ctx, HOOK_TP, dev, addr, size, dir, attrs,
		       DMAS_EV_UNMAP)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)

SEC("tp_btf/dma_map_resource")
int BPF_PROG(tp_dma_map_resource, struct device *dev, phys_addr_t phys,
	     dma_addr_t addr, size_t size, enum dma_data_direction dir,
	     unsigned long attrs)
{
	return on_map(ctx, HOOK_TP, dev, phys, addr, size, dir, attrs,
		      DMAS_EV_MAP_RESOURCE);
}

SEC("tp_btf/dma_unmap_resource")
int BPF_PROG(tp_dma_unmap_resource, struct device *dev, dma_addr_t addr,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return on_unmap(ctx, HOOK_TP, dev, addr, size, dir, attrs,
			DMAS_EV_UNMAP_RESOURCE);
}

GUARDED_PROG("tp_btf/dma_map_sg", tp_dma_map_sg, DMAS_GUARD_MAP_SG,
	     (on_map_sg(ctx, HOOK_TP, dev, sgl, nents, ents, dir, attrs)),
	     struct device *dev, struct scatterlist *sgl, int nents, int ents,
	     enum dma_data_direction dir, unsigned long attrs)

SEC("tp_btf/dma_map_sg_err")
int BPF_PROG(tp_dma_map_sg_err, struct device *dev, struct scatterlist *sgl,
	     int nents, int err, enum dma_data_direction dir,
	     unsigned long attrs)
{
	return on_map_sg(ctx, HOOK_TP, dev, sgl, nents, 0, dir, attrs);
}

GUARDED_PROG("tp_btf/dma_unmap_sg", tp_dma_unmap_sg, DMAS_GUARD_UNMAP_SG,
	     (on_sg(ctx, HOOK_TP, dev, sgl, nents, dir, attrs,
		    DMAS_EV_UNMAP_SG)),
	     struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir, unsigned long attrs)

GUARDED_PROG("tp_btf/dma_sync_single_for_cpu", tp_dma_sync_single_for_cpu,
	     DMAS_GUARD_SYNC_CPU,
	     (on_sync(ctx, HOOK_TP, dev, addr, size, dir,
		      DMAS_EV_SYNC_FOR_CPU)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)

GUARDED_PROG("tp_btf/dma_sync_single_for_device", tp_dma_sync_single_for_device,
	     DMAS_GUARD_SYNC_DEVICE,
	     (on_sync(ctx, HOOK_TP, dev, addr, size, dir,
		      DMAS_EV_SYNC_FOR_DEVICE)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)

GUARDED_PROG("tp_btf/dma_sync_sg_for_cpu", tp_dma_sync_sg_for_cpu,
	     DMAS_GUARD_SYNC_SG_CPU,
	     (on_sg(ctx, HOOK_TP, dev, sgl, nents, dir, 0,
		    DMAS_EV_SYNC_SG_FOR_CPU)),
	     struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir)

GUARDED_PROG("tp_btf/dma_sync_sg_for_device", tp_dma_sync_sg_for_device,
	     DMAS_GUARD_SYNC_SG_DEVICE,
	     (on_sg(ctx, HOOK_TP, dev, sgl, nents, dir, 0,
		    DMAS_EV_SYNC_SG_FOR_DEVICE)),
	     struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir)

SEC("tp_btf/dma_alloc")
int BPF_PROG(tp_dma_alloc, struct device *dev, void *vaddr, dma_addr_t addr,
	     size_t size, enum dma_data_direction dir, gfp_t gfp,
	     unsigned long attrs)
{
	return on_alloc(ctx, HOOK_TP, dev, (__u64)vaddr, addr, 0, size, attrs,
			DMAS_EV_ALLOC_COHERENT);
}

SEC("tp_btf/dma_free")
int BPF_PROG(tp_dma_free, struct device *dev, void *vaddr, dma_addr_t addr,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return on_free(ctx, HOOK_TP, dev, (__u64)vaddr, addr, size, attrs,
		       DMAS_EV_FREE_COHERENT);
}

SEC("tp_btf/dma_alloc_pages")
int BPF_PROG(tp_dma_alloc_pages, struct device *dev, void *vaddr,
	     dma_addr_t addr, size_t size, enum dma_data_direction dir,
	     gfp_t gfp, unsigned long attrs)
{
	return on_alloc(ctx, HOOK_TP, dev, (__u64)vaddr, addr, 0, size, attrs,
			DMAS_EV_ALLOC_PAGES);
}

SEC("tp_btf/dma_free_pages")
int BPF_PROG(tp_dma_free_pages, struct device *dev, void *vaddr,
	     dma_addr_t addr, size_t size, enum dma_data_direction dir,
	     unsigned long attrs)
{
	return on_free(ctx, HOOK_TP, dev, (__u64)vaddr, addr, size, attrs,
		       DMAS_EV_FREE_PAGES);
}

/* ==== fentry/fexit on the DMA API (kernels with BTF, no dma:* tracepoints)
 * ==== */

GUARDED_PROG("fexit/dma_map_page_attrs", fexit_dma_map_page_attrs,
	     DMAS_GUARD_MAP,
	     (on_map_page(ctx, HOOK_TRAMP, dev, page, offset, ret, size, dir,
			  attrs, DMAS_EV_MAP)),
	     struct device *dev, struct page *page, size_t offset, size_t size,
	     enum dma_data_direction dir, unsigned long attrs, dma_addr_t ret)

GUARDED_PROG("fentry/dma_unmap_page_attrs", fentry_dma_unmap_page_attrs,
	     DMAS_GUARD_UNMAP,
	     (on_unmap(ctx, HOOK_TRAMP, dev, addr, size, dir, attrs,
		       DMAS_EV_UNMAP)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)

GUARDED_PROG("fexit/dma_map_sg_attrs", fexit_dma_map_sg_attrs,
	     DMAS_GUARD_MAP_SG,
	     (on_map_sg(ctx, HOOK_TRAMP, dev, sg, nents, ret, dir, attrs)),
	     struct device *dev, struct scatterlist *sg, int nents,
	     enum dma_data_direction dir, unsigned long attrs, int ret)

SEC("fexit/dma_map_sgtable")
int BPF_PROG(fexit_dma_map_sgtable, struct device *dev, struct sg_table *sgt,
	     enum dma_data_direction dir, unsigned long attrs, int ret)
{
	return on_map_sg(ctx, HOOK_TRAMP, dev, BPF_CORE_READ(sgt, sgl),
			 BPF_CORE_READ(sgt, orig_nents),
			 ret ? 0 : BPF_CORE_READ(sgt, nents), dir, attrs);
}

GUARDED_PROG("fentry/dma_unmap_sg_attrs", fentry_dma_unmap_sg_attrs,
	     DMAS_GUARD_UNMAP_SG,
	     (on_sg(ctx, HOOK_TRAMP, dev, sg, nents, dir, attrs,
		    DMAS_EV_UNMAP_SG)),
	     struct device *dev, struct scatterlist *sg, int nents,
	     enum dma_data_direction dir, unsigned long attrs)

GUARDED_PROG("fentry/dma_sync_single_for_cpu", fentry_dma_sync_single_for_cpu,
	     DMAS_GUARD_SYNC_CPU,
	     (on_sync(ctx, HOOK_TRAMP, dev, addr, size, dir,
		      DMAS_EV_SYNC_FOR_CPU)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)

GUARDED_PROG("fentry/dma_sync_single_for_device",
	     fentry_dma_sync_single_for_device, DMAS_GUARD_SYNC_DEVICE,
	     (on_sync(ctx, HOOK_TRAMP, dev, addr, size, dir,
		      DMAS_EV_SYNC_FOR_DEVICE)),
	     struct device *dev, dma_addr_t addr, size_t size,
	     enum dma_data_direction dir)

GUARDED_PROG("fentry/dma_sync_sg_for_cpu", fentry_dma_sync_sg_for_cpu,
	     DMAS_GUARD_SYNC_SG_CPU,
	     (on_sg(ctx, HOOK_TRAMP, dev, sg, nelems, dir, 0,
		    DMAS_EV_SYNC_SG_FOR_CPU)),
	     struct device *dev, struct scatterlist *sg, int nelems,
	     enum dma_data_direction dir)

GUARDED_PROG("fentry/dma_sync_sg_for_device", fentry_dma_sync_sg_for_device,
	     DMAS_GUARD_SYNC_SG_DEVICE,
	     (on_sg(ctx, HOOK_TRAMP, dev, sg, nelems, dir, 0,
		    DMAS_EV_SYNC_SG_FOR_DEVICE)),
	     struct device *dev, struct scatterlist *sg, int nelems,
	     enum dma_data_direction dir)

SEC("fexit/dma_alloc_attrs")
int BPF_PROG(fexit_dma_alloc_attrs, struct device *dev, size_t size,
	     dma_addr_t *handle, gfp_t gfp, unsigned long attrs, void *ret)
{
	return on_alloc(ctx, HOOK_TRAMP, dev, (__u64)ret, read_handle(handle),
			0, size, attrs, DMAS_EV_ALLOC_COHERENT);
}

SEC("fentry/dma_free_attrs")
int BPF_PROG(fentry_dma_free_attrs, struct device *dev, size_t size,
	     void *vaddr, dma_addr_t handle, unsigned long attrs)
{
	return on_free(ctx, HOOK_TRAMP, dev, (__u64)vaddr, handle, size, attrs,
		       DMAS_EV_FREE_COHERENT);
}

SEC("fexit/dma_map_resource")
int BPF_PROG(fexit_dma_map_resource, struct device *dev, phys_addr_t phys,
	     size_t size, enum dma_data_direction dir, unsigned long attrs,
	     dma_addr_t ret)
{
	return on_map(ctx, HOOK_TRAMP, dev, phys, ret, size, dir, attrs,
		      DMAS_EV_MAP_RESOURCE);
}

SEC("fentry/dma_unmap_resource")
int BPF_PROG(fentry_dma_unmap_resource, struct device *dev, dma_addr_t addr,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	return on_unmap(ctx, HOOK_TRAMP, dev, addr, size, dir, attrs,
			DMAS_EV_UNMAP_RESOURCE);
}

SEC("fexit/dma_alloc_pages")
int BPF_PROG(fexit_dma_alloc_pages, struct device *dev, size_t size,
	     dma_addr_t *handle, enum dma_data_direction dir, gfp_t gfp,
	     struct page *ret)
{
	__u64 phys = page_to_phys_core(ret);

	return on_alloc(ctx, HOOK_TRAMP, dev, ret ? phys_to_virt_core(phys) : 0,
			read_handle(handle), phys, size, 0,
			DMAS_EV_ALLOC_PAGES);
}

SEC("fentry/dma_free_pages")
int BPF_PROG(fentry_dma_free_pages, struct device *dev, size_t size,
	     struct page *page, dma_addr_t handle, enum dma_data_direction dir)
{
	return on_free(ctx, HOOK_TRAMP, dev,
		       phys_to_virt_core(page_to_phys_core(page)), handle, size,
		       0, DMAS_EV_FREE_PAGES);
}

SEC("fexit/dma_pool_create")
int BPF_PROG(fexit_dma_pool_create, const char *name, struct device *dev,
	     size_t size, size_t align, size_t boundary, void *ret)
{
	return on_pool(ctx, HOOK_TRAMP, ret, 0, 0, DMAS_EV_POOL_CREATE);
}

SEC("fexit/dma_pool_create_node")
int BPF_PROG(fexit_dma_pool_create_node, const char *name, struct device *dev,
	     size_t size, size_t align, size_t boundary, int node, void *ret)
{
	return on_pool(ctx, HOOK_TRAMP, ret, 0, 0, DMAS_EV_POOL_CREATE);
}

SEC("fentry/dma_pool_destroy")
int BPF_PROG(fentry_dma_pool_destroy, void *pool)
{
	return on_pool(ctx, HOOK_TRAMP, pool, 0, 0, DMAS_EV_POOL_DESTROY);
}

GUARDED_PROG("fexit/dma_pool_alloc", fexit_dma_pool_alloc,
	     DMAS_GUARD_POOL_ALLOC,
	     (on_pool(ctx, HOOK_TRAMP, pool, (__u64)ret,
		      ret ? read_handle(handle) : 0, DMAS_EV_POOL_ALLOC)),
	     void *pool, gfp_t flags, dma_addr_t *handle, void *ret)

GUARDED_PROG("fentry/dma_pool_free", fentry_dma_pool_free, DMAS_GUARD_POOL_FREE,
	     (on_pool(ctx, HOOK_TRAMP, pool, (__u64)vaddr, dma,
		      DMAS_EV_POOL_FREE)),
	     void *pool, void *vaddr, dma_addr_t dma)

/*
 * ==== kprobes/kretprobes: the same functions where fentry is not allowed ====
 */

/* Six arguments: more than BPF_KPROBE takes (DMAS_KPROBE_PARM6). */
SEC("kprobe/dma_map_page_attrs")
int kp_dma_map_page_attrs(struct pt_regs *ctx)
{
	struct page *page = (void *)PT_REGS_PARM2_CORE(ctx);

	stash_put(FN_MAP_PAGE, PT_REGS_PARM1_CORE(ctx),
		  page_to_phys_core(page) + PT_REGS_PARM3_CORE(ctx),
		  PT_REGS_PARM4_CORE(ctx), PT_REGS_PARM5_CORE(ctx),
		  DMAS_KPROBE_PARM6(ctx), 0);
	return 0;
}

SEC("kretprobe/dma_map_page_attrs")
int BPF_KRETPROBE(krp_dma_map_page_attrs, dma_addr_t ret)
{
	struct stash_val v;

	if (!stash_take(FN_MAP_PAGE, &v))
		return 0;
	return on_map(ctx, HOOK_RETPROBE, (void *)v.a[0], v.a[1], ret, v.a[2],
		      v.a[3], v.a[4], DMAS_EV_MAP);
}

SEC("kprobe/dma_unmap_page_attrs")
int BPF_KPROBE(kp_dma_unmap_page_attrs, struct device *dev, dma_addr_t addr,
	       size_t size, int dir, unsigned long attrs)
{
	return on_unmap(ctx, HOOK_PROBE, dev, addr, size, dir, attrs,
			DMAS_EV_UNMAP);
}

SEC("kprobe/dma_map_sg_attrs")
int BPF_KPROBE(kp_dma_map_sg_attrs, struct device *dev, struct scatterlist *sg,
	       int nents, int dir, unsigned long attrs)
{
	stash_put(FN_MAP_SG, (__u64)dev, (__u64)sg, nents, dir, attrs, 0);
	return 0;
}

SEC("kretprobe/dma_map_sg_attrs")
int BPF_KRETPROBE(krp_dma_map_sg_attrs, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_MAP_SG, &v))
		return 0;
	return on_map_sg(ctx, HOOK_RETPROBE, (void *)v.a[0], (void *)v.a[1],
			 v.a[2], ret, v.a[3], v.a[4]);
}

SEC("kprobe/dma_map_sgtable")
int BPF_KPROBE(kp_dma_map_sgtable, struct device *dev, struct sg_table *sgt,
	       int dir, unsigned long attrs)
{
	stash_put(FN_MAP_SGTABLE, (__u64)dev, (__u64)sgt, dir, attrs, 0, 0);
	return 0;
}

SEC("kretprobe/dma_map_sgtable")
int BPF_KRETPROBE(krp_dma_map_sgtable, int ret)
{
	struct sg_table *sgt;
	struct stash_val v;

	if (!stash_take(FN_MAP_SGTABLE, &v))
		return 0;
	sgt = (void *)v.a[1];
	return on_map_sg(ctx, HOOK_RETPROBE, (void *)v.a[0],
			 BPF_CORE_READ(sgt, sgl),
			 BPF_CORE_READ(sgt, orig_nents),
			 ret ? 0 : BPF_CORE_READ(sgt, nents), v.a[2], v.a[3]);
}

SEC("kprobe/dma_unmap_sg_attrs")
int BPF_KPROBE(kp_dma_unmap_sg_attrs, struct device *dev,
	       struct scatterlist *sg, int nents, int dir, unsigned long attrs)
{
	return on_sg(ctx, HOOK_PROBE, dev, sg, nents, dir, attrs,
		     DMAS_EV_UNMAP_SG);
}

SEC("kprobe/dma_sync_single_for_cpu")
int BPF_KPROBE(kp_dma_sync_single_for_cpu, struct device *dev, dma_addr_t addr,
	       size_t size, int dir)
{
	return on_sync(ctx, HOOK_PROBE, dev, addr, size, dir,
		       DMAS_EV_SYNC_FOR_CPU);
}

SEC("kprobe/dma_sync_single_for_device")
int BPF_KPROBE(kp_dma_sync_single_for_device, struct device *dev,
	       dma_addr_t addr, size_t size, int dir)
{
	return on_sync(ctx, HOOK_PROBE, dev, addr, size, dir,
		       DMAS_EV_SYNC_FOR_DEVICE);
}

SEC("kprobe/dma_sync_sg_for_cpu")
int BPF_KPROBE(kp_dma_sync_sg_for_cpu, struct device *dev,
	       struct scatterlist *sg, int nelems, int dir)
{
	return on_sg(ctx, HOOK_PROBE, dev, sg, nelems, dir, 0,
		     DMAS_EV_SYNC_SG_FOR_CPU);
}

SEC("kprobe/dma_sync_sg_for_device")
int BPF_KPROBE(kp_dma_sync_sg_for_device, struct device *dev,
	       struct scatterlist *sg, int nelems, int dir)
{
	return on_sg(ctx, HOOK_PROBE, dev, sg, nelems, dir, 0,
		     DMAS_EV_SYNC_SG_FOR_DEVICE);
}

SEC("kprobe/dma_alloc_attrs")
int BPF_KPROBE(kp_dma_alloc_attrs, struct device *dev, size_t size,
	       dma_addr_t *handle, gfp_t gfp, unsigned long attrs)
{
	stash_put(FN_ALLOC, (__u64)dev, size, (__u64)handle, attrs, 0, 0);
	return 0;
}

SEC("kretprobe/dma_alloc_attrs")
int BPF_KRETPROBE(krp_dma_alloc_attrs, void *ret)
{
	struct stash_val v;

	if (!stash_take(FN_ALLOC, &v))
		return 0;
	return on_alloc(ctx, HOOK_RETPROBE, (void *)v.a[0], (__u64)ret,
			read_handle((void *)v.a[2]), 0, v.a[1], v.a[3],
			DMAS_EV_ALLOC_COHERENT);
}

SEC("kprobe/dma_free_attrs")
int BPF_KPROBE(kp_dma_free_attrs, struct device *dev, size_t size, void *vaddr,
	       dma_addr_t handle, unsigned long attrs)
{
	return on_free(ctx, HOOK_PROBE, dev, (__u64)vaddr, handle, size, attrs,
		       DMAS_EV_FREE_COHERENT);
}

SEC("kprobe/dma_map_resource")
int BPF_KPROBE(kp_dma_map_resource, struct device *dev, phys_addr_t phys,
	       size_t size, int dir, unsigned long attrs)
{
	stash_put(FN_MAP_RESOURCE, (__u64)dev, phys, size, dir, attrs, 0);
	return 0;
}

SEC("kretprobe/dma_map_resource")
int BPF_KRETPROBE(krp_dma_map_resource, dma_addr_t ret)
{
	struct stash_val v;

	if (!stash_take(FN_MAP_RESOURCE, &v))
		return 0;
	return on_map(ctx, HOOK_RETPROBE, (void *)v.a[0], v.a[1], ret, v.a[2],
		      v.a[3], v.a[4], DMAS_EV_MAP_RESOURCE);
}

SEC("kprobe/dma_unmap_resource")
int BPF_KPROBE(kp_dma_unmap_resource, struct device *dev, dma_addr_t addr,
	       size_t size, int dir, unsigned long attrs)
{
	return on_unmap(ctx, HOOK_PROBE, dev, addr, size, dir, attrs,
			DMAS_EV_UNMAP_RESOURCE);
}

SEC("kprobe/dma_pool_alloc")
int BPF_KPROBE(kp_dma_pool_alloc, void *pool, gfp_t flags, dma_addr_t *handle)
{
	stash_put(FN_POOL_ALLOC, (__u64)pool, (__u64)handle, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_pool_alloc")
int BPF_KRETPROBE(krp_dma_pool_alloc, void *ret)
{
	struct stash_val v;

	if (!stash_take(FN_POOL_ALLOC, &v))
		return 0;
	return on_pool(ctx, HOOK_RETPROBE, (void *)v.a[0], (__u64)ret,
		       ret ? read_handle((void *)v.a[1]) : 0,
		       DMAS_EV_POOL_ALLOC);
}

SEC("kprobe/dma_pool_free")
int BPF_KPROBE(kp_dma_pool_free, void *pool, void *vaddr, dma_addr_t dma)
{
	return on_pool(ctx, HOOK_PROBE, pool, (__u64)vaddr, dma,
		       DMAS_EV_POOL_FREE);
}

SEC("kprobe/dma_pool_destroy")
int BPF_KPROBE(kp_dma_pool_destroy, void *pool)
{
	return on_pool(ctx, HOOK_PROBE, pool, 0, 0, DMAS_EV_POOL_DESTROY);
}

SEC("kretprobe/dma_pool_create")
int BPF_KRETPROBE(krp_dma_pool_create, void *ret)
{
	return on_pool(ctx, HOOK_RETPROBE, ret, 0, 0, DMAS_EV_POOL_CREATE);
}

/*
 * ==== the IOVA API (6.16+), dma_need_unmap (6.16+) and per-device coherent
 * areas: calls no dma:* tracepoint reports ====
 */

/* dma_iova_size(): the top bit of __size is DMA_IOVA_USE_SWIOTLB */
#define DMAS_IOVA_SIZE_MASK (~(1ULL << 63))

/*
 * One IOVA API call on the driver's struct dma_iova_state: the range's dma
 * address is state->addr, read now (before dma_iova_try_alloc's return it
 * is not set; at destroy and free it is still intact).
 */
static __always_inline int on_iova(void *ctx, int hook, struct device *dev,
				   struct dma_iova_state *state, __u8 kind,
				   __u64 off, __u64 size, __u64 phys, __u32 dir,
				   __u64 attrs, bool failed)
{
	struct dmas_event *e;
	__u32 id = 0;

	e = ev_start(ctx, hook, dev, kind, &id);
	if (!e) {
		count_dev(id, kind, size);
		return 0;
	}
	e->aux = (__u64)state;
	e->addr = BPF_CORE_READ(state, addr) + off;
	e->size = size;
	e->phys = phys;
	e->dir = dir;
	e->attrs = attrs;
	if (failed)
		e->flags = DMAS_F_ERROR;
	ev_submit(e);
	return 0;
}

/*
 * dma_iova_try_alloc answering false is no event: it is how every request
 * of a device without an IOMMU learns to use dma_map_* (once per I/O), and
 * leaves nothing to track.
 */
static __always_inline int iova_alloced(void *ctx, int hook, struct device *dev,
					struct dma_iova_state *state,
					__u64 phys, __u64 size, bool ok)
{
	if (!ok)
		return 0;
	return on_iova(ctx, hook, dev, state, DMAS_EV_IOVA_ALLOC, 0, size, phys,
		       DMAS_DIR_NONE, 0, false);
}

/*
 * dma_iova_destroy unlinks and frees through dma_iova_unlink and
 * dma_iova_free (when the compiler kept the calls): one DESTROY event says
 * both, so the nested calls of the same task are not reported again.
 */
static __always_inline bool in_iova_destroy(void)
{
	return stash_has(FN_IOVA_DESTROY);
}

static __always_inline int iova_destroy(void *ctx, int hook, struct device *dev,
					struct dma_iova_state *state,
					__u64 mapped_len, __u32 dir,
					__u64 attrs)
{
	stash_put(FN_IOVA_DESTROY, (__u64)state, 0, 0, 0, 0, 0);
	return on_iova(ctx, hook, dev, state, DMAS_EV_IOVA_DESTROY, 0,
		       mapped_len, 0, dir, attrs, false);
}

static __always_inline int iova_destroy_done(void)
{
	struct stash_val v;

	stash_take(FN_IOVA_DESTROY, &v);
	return 0;
}

static __always_inline int iova_unlink(void *ctx, int hook, struct device *dev,
				       struct dma_iova_state *state, __u64 off,
				       __u64 size, __u32 dir, __u64 attrs)
{
	if (in_iova_destroy())
		return 0;
	return on_iova(ctx, hook, dev, state, DMAS_EV_IOVA_UNLINK, off, size, 0,
		       dir, attrs, false);
}

static __always_inline int iova_free(void *ctx, int hook, struct device *dev,
				     struct dma_iova_state *state)
{
	if (in_iova_destroy())
		return 0;
	return on_iova(ctx, hook, dev, state, DMAS_EV_IOVA_FREE, 0, 0, 0,
		       DMAS_DIR_NONE, 0, false);
}

/* Per device pointer, dma_need_unmap()'s last answer + 1 (0: none yet). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DMAS_BPF_MAX_DEVICES);
	__type(key, __u64);
	__type(value, __u8);
} need_unmap_said SEC(".maps");

/*
 * nvme asks dma_need_unmap() at every request's completion: only an answer
 * that differs from the device's last one becomes an event.
 */
static __always_inline int need_unmap(void *ctx, int hook, struct device *dev,
				      bool need)
{
	__u64 key = (__u64)dev;
	__u8 said = need ? 2 : 1, *last;
	struct dmas_event *e;

	if (!dev)
		return 0;
	last = bpf_map_lookup_elem(&need_unmap_said, &key);
	if (last && *last == said)
		return 0;
	e = ev_start(ctx, hook, dev, DMAS_EV_NEED_UNMAP, NULL);
	if (!e)
		return 0; /* asked again later: said then */
	e->count = need;
	ev_submit(e);
	bpf_map_update_elem(&need_unmap_said, &key, &said, BPF_ANY);
	return 0;
}

SEC("fexit/dma_iova_try_alloc")
int BPF_PROG(fexit_dma_iova_try_alloc, struct device *dev,
	     struct dma_iova_state *state, phys_addr_t phys, size_t size,
	     bool ret)
{
	return iova_alloced(ctx, HOOK_TRAMP, dev, state, phys, size, ret);
}

SEC("fexit/dma_iova_link")
int BPF_PROG(fexit_dma_iova_link, struct device *dev,
	     struct dma_iova_state *state, phys_addr_t phys, size_t offset,
	     size_t size, enum dma_data_direction dir, unsigned long attrs,
	     int ret)
{
	return on_iova(ctx, HOOK_TRAMP, dev, state, DMAS_EV_IOVA_LINK, offset,
		       size, phys, dir, attrs, ret != 0);
}

SEC("fexit/dma_iova_sync")
int BPF_PROG(fexit_dma_iova_sync, struct device *dev,
	     struct dma_iova_state *state, size_t offset, size_t size, int ret)
{
	return on_iova(ctx, HOOK_TRAMP, dev, state, DMAS_EV_IOVA_SYNC, offset,
		       size, 0, DMAS_DIR_NONE, 0, ret != 0);
}

SEC("fentry/dma_iova_unlink")
int BPF_PROG(fentry_dma_iova_unlink, struct device *dev,
	     struct dma_iova_state *state, size_t offset, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	return iova_unlink(ctx, HOOK_TRAMP, dev, state, offset, size, dir,
			   attrs);
}

SEC("fentry/dma_iova_destroy")
int BPF_PROG(fentry_dma_iova_destroy, struct device *dev,
	     struct dma_iova_state *state, size_t mapped_len,
	     enum dma_data_direction dir, unsigned long attrs)
{
	return iova_destroy(ctx, HOOK_TRAMP, dev, state, mapped_len, dir,
			    attrs);
}

SEC("fexit/dma_iova_destroy")
int BPF_PROG(fexit_dma_iova_destroy, struct device *dev)
{
	return iova_destroy_done();
}

SEC("fentry/dma_iova_free")
int BPF_PROG(fentry_dma_iova_free, struct device *dev,
	     struct dma_iova_state *state)
{
	return iova_free(ctx, HOOK_TRAMP, dev, state);
}

SEC("fexit/dma_need_unmap")
int BPF_PROG(fexit_dma_need_unmap, struct device *dev, bool ret)
{
	return need_unmap(ctx, HOOK_TRAMP, dev, ret);
}

SEC("kprobe/dma_iova_try_alloc")
int BPF_KPROBE(kp_dma_iova_try_alloc, struct device *dev,
	       struct dma_iova_state *state, phys_addr_t phys, size_t size)
{
	stash_put(FN_IOVA_ALLOC, (__u64)dev, (__u64)state, phys, size, 0, 0);
	return 0;
}

SEC("kretprobe/dma_iova_try_alloc")
int BPF_KRETPROBE(krp_dma_iova_try_alloc, bool ret)
{
	struct stash_val v;

	if (!stash_take(FN_IOVA_ALLOC, &v))
		return 0;
	return iova_alloced(ctx, HOOK_RETPROBE, (void *)v.a[0], (void *)v.a[1],
			    v.a[2], v.a[3], ret);
}

/* Seven arguments: the seventh (attrs) is on the stack (DMAS_KPROBE_PARM7). */
SEC("kprobe/dma_iova_link")
int kp_dma_iova_link(struct pt_regs *ctx)
{
	stash_put(FN_IOVA_LINK, PT_REGS_PARM1_CORE(ctx),
		  PT_REGS_PARM2_CORE(ctx), PT_REGS_PARM3_CORE(ctx),
		  PT_REGS_PARM4_CORE(ctx), PT_REGS_PARM5_CORE(ctx),
		  (DMAS_KPROBE_PARM6(ctx) & 0xff) | DMAS_KPROBE_PARM7(ctx)
							    << 8);
	return 0;
}

SEC("kretprobe/dma_iova_link")
int BPF_KRETPROBE(krp_dma_iova_link, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_IOVA_LINK, &v))
		return 0;
	return on_iova(ctx, HOOK_RETPROBE, (void *)v.a[0], (void *)v.a[1],
		       DMAS_EV_IOVA_LINK, v.a[3], v.a[4], v.a[2], v.a[5] & 0xff,
		       v.a[5] >> 8, ret != 0);
}

SEC("kprobe/dma_iova_sync")
int BPF_KPROBE(kp_dma_iova_sync, struct device *dev,
	       struct dma_iova_state *state, size_t offset, size_t size)
{
	return on_iova(ctx, HOOK_PROBE, dev, state, DMAS_EV_IOVA_SYNC, offset,
		       size, 0, DMAS_DIR_NONE, 0, false);
}

SEC("kprobe/dma_iova_unlink")
int BPF_KPROBE(kp_dma_iova_unlink, struct device *dev,
	       struct dma_iova_state *state, size_t offset, size_t size,
	       int dir)
{
	return iova_unlink(ctx, HOOK_PROBE, dev, state, offset, size, dir,
			   DMAS_KPROBE_PARM6(ctx));
}

SEC("kprobe/dma_iova_destroy")
int BPF_KPROBE(kp_dma_iova_destroy, struct device *dev,
	       struct dma_iova_state *state, size_t mapped_len, int dir,
	       unsigned long attrs)
{
	return iova_destroy(ctx, HOOK_PROBE, dev, state, mapped_len, dir,
			    attrs);
}

SEC("kretprobe/dma_iova_destroy")
int BPF_KRETPROBE(krp_dma_iova_destroy)
{
	return iova_destroy_done();
}

SEC("kprobe/dma_iova_free")
int BPF_KPROBE(kp_dma_iova_free, struct device *dev,
	       struct dma_iova_state *state)
{
	return iova_free(ctx, HOOK_PROBE, dev, state);
}

SEC("kprobe/dma_need_unmap")
int BPF_KPROBE(kp_dma_need_unmap, struct device *dev)
{
	stash_put(FN_NEED_UNMAP, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_need_unmap")
int BPF_KRETPROBE(krp_dma_need_unmap, bool ret)
{
	struct stash_val v;

	if (!stash_take(FN_NEED_UNMAP, &v))
		return 0;
	return need_unmap(ctx, HOOK_RETPROBE, (void *)v.a[0], ret);
}

/*
 * Per-device coherent areas (6.13+): dma_free_attrs returns before
 * trace_dma_free when dma_release_from_dev_coherent took the memory back.
 * Loaded only beside tp_btf/dma_free, on kernels that have such areas
 * (CONFIG_DMA_DECLARE_COHERENT): the free's arguments are kept at its entry
 * and become an event when the area took the memory.
 */
static __always_inline void free_args_keep(struct device *dev, __u64 size,
					   void *vaddr, __u64 handle,
					   __u64 attrs)
{
	if (vaddr)
		stash_put(FN_FREE_DEV_COHERENT, (__u64)dev, size, (__u64)vaddr,
			  handle, attrs, 0);
}

static __always_inline int dev_coherent_released(void *ctx, int hook, int ret)
{
	struct stash_val v;

	/* always called first by dma_free_attrs: the entry is taken here */
	if (!stash_take(FN_FREE_DEV_COHERENT, &v) || !ret)
		return 0;
	return on_free(ctx, hook, (void *)v.a[0], v.a[2], v.a[3], v.a[1],
		       v.a[4], DMAS_EV_DEV_COHERENT_FREE);
}

SEC("fentry/dma_free_attrs")
int BPF_PROG(fentry_dma_free_attrs_args, struct device *dev, size_t size,
	     void *vaddr, dma_addr_t handle, unsigned long attrs)
{
	free_args_keep(dev, size, vaddr, handle, attrs);
	return 0;
}

SEC("fexit/dma_release_from_dev_coherent")
int BPF_PROG(fexit_dma_release_from_dev_coherent, struct device *dev, int order,
	     void *vaddr, int ret)
{
	return dev_coherent_released(ctx, HOOK_TRAMP, ret);
}

SEC("kprobe/dma_free_attrs")
int BPF_KPROBE(kp_dma_free_attrs_args, struct device *dev, size_t size,
	       void *vaddr, dma_addr_t handle, unsigned long attrs)
{
	free_args_keep(dev, size, vaddr, handle, attrs);
	return 0;
}

SEC("kretprobe/dma_release_from_dev_coherent")
int BPF_KRETPROBE(krp_dma_release_from_dev_coherent, int ret)
{
	return dev_coherent_released(ctx, HOOK_RETPROBE, ret);
}

/* ==== dmaengine channels ==== */

SEC("fentry/dma_request_chan")
int BPF_PROG(fentry_dma_request_chan, struct device *dev, const char *name)
{
	stash_put(FN_REQUEST_CHAN, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("fexit/dma_request_chan")
int BPF_PROG(fexit_dma_request_chan, struct device *dev, const char *name,
	     void *ret)
{
	struct stash_val v;

	stash_take(FN_REQUEST_CHAN, &v);
	return on_chan(ctx, HOOK_TRAMP, ret, dev, DMAS_EV_CHAN_REQUEST);
}

/* Used by dma_request_chan_by_mask; inside dma_request_chan it is not a second
 * request. */
SEC("fexit/__dma_request_channel")
int BPF_PROG(fexit___dma_request_channel, void *mask, void *fn, void *fn_param,
	     void *np, void *ret)
{
	if (stash_has(FN_REQUEST_CHAN))
		return 0;
	return on_chan(ctx, HOOK_TRAMP, ret, NULL, DMAS_EV_CHAN_REQUEST);
}

SEC("fentry/dma_release_channel")
int BPF_PROG(fentry_dma_release_channel, void *chan)
{
	return on_chan(ctx, HOOK_TRAMP, chan, NULL, DMAS_EV_CHAN_RELEASE);
}

SEC("kprobe/dma_request_chan")
int BPF_KPROBE(kp_dma_request_chan, struct device *dev)
{
	stash_put(FN_REQUEST_CHAN, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_request_chan")
int BPF_KRETPROBE(krp_dma_request_chan, void *ret)
{
	struct stash_val v;

	if (!stash_take(FN_REQUEST_CHAN, &v))
		return 0;
	return on_chan(ctx, HOOK_RETPROBE, ret, (void *)v.a[0],
		       DMAS_EV_CHAN_REQUEST);
}

SEC("kretprobe/__dma_request_channel")
int BPF_KRETPROBE(krp___dma_request_channel, void *ret)
{
	if (stash_has(FN_REQUEST_CHAN))
		return 0;
	return on_chan(ctx, HOOK_RETPROBE, ret, NULL, DMAS_EV_CHAN_REQUEST);
}

SEC("kprobe/dma_release_channel")
int BPF_KPROBE(kp_dma_release_channel, void *chan)
{
	return on_chan(ctx, HOOK_PROBE, chan, NULL, DMAS_EV_CHAN_RELEASE);
}

/*
 * ==== DMA masks: dma_set_mask, dma_set_coherent_mask ====
 * dma_set_mask_and_coherent() is inline and calls both.  The mask before
 * the call is read at its entry; the mask asked for and the result at its
 * return.
 */

static __always_inline __u64 dev_mask_now(struct device *dev, bool coherent)
{
	__u64 m = 0, *mp;

	if (!dev)
		return 0;
	if (coherent)
		return BPF_CORE_READ(dev, coherent_dma_mask);
	mp = BPF_CORE_READ(dev, dma_mask);
	if (mp)
		bpf_probe_read_kernel(&m, sizeof(m), mp);
	return m;
}

static __always_inline int on_set_mask(void *ctx, bool tramp,
				       struct device *dev, __u64 old,
				       __u64 mask, int ret, bool coherent)
{
	struct dmas_event *e;

	if (!dev)
		return 0;
	e = ev_start(ctx, tramp, dev, DMAS_EV_DMA_MASK, NULL);
	if (!e)
		return 0;
	e->addr = mask;
	e->aux = old;
	e->count = (__u32)ret;
	e->phys = dev_bus_limit(dev);
	if (coherent)
		e->flags |= DMAS_F_COHERENT_MASK;
	ev_submit(e);
	return 0;
}

SEC("fentry/dma_set_mask")
int BPF_PROG(fentry_dma_set_mask, struct device *dev, u64 mask)
{
	stash_put(FN_SET_MASK, dev_mask_now(dev, false), 0, 0, 0, 0, 0);
	return 0;
}

SEC("fexit/dma_set_mask")
int BPF_PROG(fexit_dma_set_mask, struct device *dev, u64 mask, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_SET_MASK, &v))
		return 0;
	return on_set_mask(ctx, true, dev, v.a[0], mask, ret, false);
}

SEC("fentry/dma_set_coherent_mask")
int BPF_PROG(fentry_dma_set_coherent_mask, struct device *dev, u64 mask)
{
	stash_put(FN_SET_COHERENT_MASK, dev_mask_now(dev, true), 0, 0, 0, 0, 0);
	return 0;
}

SEC("fexit/dma_set_coherent_mask")
int BPF_PROG(fexit_dma_set_coherent_mask, struct device *dev, u64 mask, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_SET_COHERENT_MASK, &v))
		return 0;
	return on_set_mask(ctx, true, dev, v.a[0], mask, ret, true);
}

SEC("kprobe/dma_set_mask")
int BPF_KPROBE(kp_dma_set_mask, struct device *dev, u64 mask)
{
	stash_put(FN_SET_MASK, dev_mask_now(dev, false), (__u64)dev, mask, 0, 0,
		  0);
	return 0;
}

SEC("kretprobe/dma_set_mask")
int BPF_KRETPROBE(krp_dma_set_mask, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_SET_MASK, &v))
		return 0;
	return on_set_mask(ctx, false, (void *)v.a[1], v.a[0], v.a[2], ret,
			   false);
}

SEC("kprobe/dma_set_coherent_mask")
int BPF_KPROBE(kp_dma_set_coherent_mask, struct device *dev, u64 mask)
{
	stash_put(FN_SET_COHERENT_MASK, dev_mask_now(dev, true), (__u64)dev,
		  mask, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_set_coherent_mask")
int BPF_KRETPROBE(krp_dma_set_coherent_mask, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_SET_COHERENT_MASK, &v))
		return 0;
	return on_set_mask(ctx, false, (void *)v.a[1], v.a[0], v.a[2], ret,
			   true);
}

/*
 * ==== dma-buf: export, release, attach, detach, map, unmap ====
 * The functions every kernel here exports (6.1, 6.12, 7.3).  The buffer's
 * final release is dma_buf_release, the dentry's d_release (static, but
 * reached through a pointer, so never inlined away): d_fsdata is the
 * dma_buf.  dma_buf_attach wraps dma_buf_dynamic_attach and the _unlocked
 * map and unmap wrap the locked ones: the outer call of a task is reported,
 * the inner one (when the compiler kept the call) is not reported again.
 */

static __always_inline int on_dmabuf_export(void *ctx, int hook,
					    struct dma_buf *buf, __u64 size)
{
	struct dmas_event *e;

	e = ev_start(ctx, hook, NULL, DMAS_EV_DMABUF_EXPORT, NULL);
	if (!e)
		return 0;
	e->size = size;
	if (DMAS_IS_ERR_OR_NULL(buf))
		e->flags |= DMAS_F_ERROR;
	else
		e->aux = (__u64)buf;
	ev_submit(e);
	return 0;
}

static __always_inline int on_dmabuf_release(void *ctx, int hook,
					     struct dentry *dentry)
{
	struct dma_buf *buf = BPF_CORE_READ(dentry, d_fsdata);
	struct dmas_event *e;

	if (!buf)
		return 0;
	e = ev_start(ctx, hook, NULL, DMAS_EV_DMABUF_RELEASE, NULL);
	if (!e)
		return 0;
	e->aux = (__u64)buf;
	e->size = BPF_CORE_READ(buf, size);
	ev_submit(e);
	return 0;
}

/* ATTACH (att: the call's result) or DETACH of att to buf by dev. */
static __always_inline int
on_dmabuf_att(void *ctx, int hook, struct dma_buf *buf, struct device *dev,
	      struct dma_buf_attachment *att, __u8 kind)
{
	bool failed = DMAS_IS_ERR_OR_NULL(att);
	struct dmas_event *e;

	e = ev_start(ctx, hook, dev, kind, NULL);
	if (!e)
		return 0;
	e->aux = (__u64)buf;
	if (failed)
		e->flags |= DMAS_F_ERROR;
	else
		e->addr = (__u64)att;
	ev_submit(e);
	return 0;
}

/* MAP (sgt: the call's result) or UNMAP of attachment att. */
static __always_inline int on_dmabuf_map(void *ctx, int hook,
					 struct dma_buf_attachment *att,
					 struct sg_table *sgt, __u32 dir,
					 __u8 kind)
{
	struct dmas_event *e;
	struct sg_sum sum;

	if (!att)
		return 0;
	e = ev_start(ctx, hook, BPF_CORE_READ(att, dev), kind, NULL);
	if (!e)
		return 0;
	e->aux = (__u64)BPF_CORE_READ(att, dmabuf);
	e->addr = (__u64)att;
	e->dir = dir;
	if (DMAS_IS_ERR_OR_NULL(sgt)) {
		e->flags |= DMAS_F_ERROR;
	} else {
		e->phys = (__u64)sgt;
		e->count = BPF_CORE_READ(sgt, nents);
		sg_walk(BPF_CORE_READ(sgt, sgl), BPF_CORE_READ(sgt, orig_nents),
			&sum);
		e->size = sum.bytes;
	}
	ev_submit(e);
	return 0;
}

SEC("fexit/dma_buf_export")
int BPF_PROG(fexit_dma_buf_export, const struct dma_buf_export_info *info,
	     struct dma_buf *ret)
{
	return on_dmabuf_export(ctx, HOOK_TRAMP, ret,
				BPF_CORE_READ(info, size));
}

SEC("fentry/dma_buf_release")
int BPF_PROG(fentry_dma_buf_release, struct dentry *dentry)
{
	return on_dmabuf_release(ctx, HOOK_TRAMP, dentry);
}

SEC("fentry/dma_buf_attach")
int BPF_PROG(fentry_dma_buf_attach, struct dma_buf *buf, struct device *dev)
{
	stash_put(FN_DMABUF_ATTACH, 0, 0, 0, 0, 0, 0);
	return 0;
}

SEC("fexit/dma_buf_attach")
int BPF_PROG(fexit_dma_buf_attach, struct dma_buf *buf, struct device *dev,
	     struct dma_buf_attachment *ret)
{
	struct stash_val v;

	stash_take(FN_DMABUF_ATTACH, &v);
	return on_dmabuf_att(ctx, HOOK_TRAMP, buf, dev, ret,
			     DMAS_EV_DMABUF_ATTACH);
}

SEC("fexit/dma_buf_dynamic_attach")
int BPF_PROG(fexit_dma_buf_dynamic_attach, struct dma_buf *buf,
	     struct device *dev, const void *importer_ops, void *importer_priv,
	     struct dma_buf_attachment *ret)
{
	if (stash_has(FN_DMABUF_ATTACH))
		return 0;
	return on_dmabuf_att(ctx, HOOK_TRAMP, buf, dev, ret,
			     DMAS_EV_DMABUF_ATTACH);
}

SEC("fentry/dma_buf_detach")
int BPF_PROG(fentry_dma_buf_detach, struct dma_buf *buf,
	     struct dma_buf_attachment *att)
{
	if (!att)
		return 0;
	return on_dmabuf_att(ctx, HOOK_TRAMP, buf, BPF_CORE_READ(att, dev), att,
			     DMAS_EV_DMABUF_DETACH);
}

SEC("fentry/dma_buf_map_attachment_unlocked")
int BPF_PROG(fentry_dma_buf_map_attachment_unlocked,
	     struct dma_buf_attachment *att, enum dma_data_direction dir)
{
	stash_put(FN_DMABUF_MAP_UNLOCKED, 0, 0, 0, 0, 0, 0);
	return 0;
}

SEC("fexit/dma_buf_map_attachment_unlocked")
int BPF_PROG(fexit_dma_buf_map_attachment_unlocked,
	     struct dma_buf_attachment *att, enum dma_data_direction dir,
	     struct sg_table *ret)
{
	struct stash_val v;

	stash_take(FN_DMABUF_MAP_UNLOCKED, &v);
	return on_dmabuf_map(ctx, HOOK_TRAMP, att, ret, dir,
			     DMAS_EV_DMABUF_MAP);
}

SEC("fexit/dma_buf_map_attachment")
int BPF_PROG(fexit_dma_buf_map_attachment, struct dma_buf_attachment *att,
	     enum dma_data_direction dir, struct sg_table *ret)
{
	if (stash_has(FN_DMABUF_MAP_UNLOCKED))
		return 0;
	return on_dmabuf_map(ctx, HOOK_TRAMP, att, ret, dir,
			     DMAS_EV_DMABUF_MAP);
}

SEC("fentry/dma_buf_unmap_attachment_unlocked")
int BPF_PROG(fentry_dma_buf_unmap_attachment_unlocked,
	     struct dma_buf_attachment *att, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	stash_put(FN_DMABUF_UNMAP_UNLOCKED, 0, 0, 0, 0, 0, 0);
	return on_dmabuf_map(ctx, HOOK_TRAMP, att, sgt, dir,
			     DMAS_EV_DMABUF_UNMAP);
}

SEC("fexit/dma_buf_unmap_attachment_unlocked")
int BPF_PROG(fexit_dma_buf_unmap_attachment_unlocked,
	     struct dma_buf_attachment *att, struct sg_table *sgt,
	     enum dma_data_direction dir)
{
	struct stash_val v;

	stash_take(FN_DMABUF_UNMAP_UNLOCKED, &v);
	return 0;
}

SEC("fentry/dma_buf_unmap_attachment")
int BPF_PROG(fentry_dma_buf_unmap_attachment, struct dma_buf_attachment *att,
	     struct sg_table *sgt, enum dma_data_direction dir)
{
	if (stash_has(FN_DMABUF_UNMAP_UNLOCKED))
		return 0;
	return on_dmabuf_map(ctx, HOOK_TRAMP, att, sgt, dir,
			     DMAS_EV_DMABUF_UNMAP);
}

SEC("kprobe/dma_buf_export")
int BPF_KPROBE(kp_dma_buf_export, const struct dma_buf_export_info *info)
{
	stash_put(FN_DMABUF_EXPORT, BPF_CORE_READ(info, size), 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_export")
int BPF_KRETPROBE(krp_dma_buf_export, struct dma_buf *ret)
{
	struct stash_val v;

	if (!stash_take(FN_DMABUF_EXPORT, &v))
		return 0;
	return on_dmabuf_export(ctx, HOOK_RETPROBE, ret, v.a[0]);
}

SEC("kprobe/dma_buf_release")
int BPF_KPROBE(kp_dma_buf_release, struct dentry *dentry)
{
	return on_dmabuf_release(ctx, HOOK_PROBE, dentry);
}

SEC("kprobe/dma_buf_attach")
int BPF_KPROBE(kp_dma_buf_attach, struct dma_buf *buf, struct device *dev)
{
	stash_put(FN_DMABUF_ATTACH, (__u64)buf, (__u64)dev, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_attach")
int BPF_KRETPROBE(krp_dma_buf_attach, struct dma_buf_attachment *ret)
{
	struct stash_val v;

	if (!stash_take(FN_DMABUF_ATTACH, &v))
		return 0;
	return on_dmabuf_att(ctx, HOOK_RETPROBE, (void *)v.a[0], (void *)v.a[1],
			     ret, DMAS_EV_DMABUF_ATTACH);
}

SEC("kprobe/dma_buf_dynamic_attach")
int BPF_KPROBE(kp_dma_buf_dynamic_attach, struct dma_buf *buf,
	       struct device *dev)
{
	if (!stash_has(FN_DMABUF_ATTACH))
		stash_put(FN_DMABUF_DYN_ATTACH, (__u64)buf, (__u64)dev, 0, 0, 0,
			  0);
	return 0;
}

SEC("kretprobe/dma_buf_dynamic_attach")
int BPF_KRETPROBE(krp_dma_buf_dynamic_attach, struct dma_buf_attachment *ret)
{
	struct stash_val v;

	if (!stash_take(FN_DMABUF_DYN_ATTACH, &v))
		return 0;
	return on_dmabuf_att(ctx, HOOK_RETPROBE, (void *)v.a[0], (void *)v.a[1],
			     ret, DMAS_EV_DMABUF_ATTACH);
}

SEC("kprobe/dma_buf_detach")
int BPF_KPROBE(kp_dma_buf_detach, struct dma_buf *buf,
	       struct dma_buf_attachment *att)
{
	if (!att)
		return 0;
	return on_dmabuf_att(ctx, HOOK_PROBE, buf, BPF_CORE_READ(att, dev), att,
			     DMAS_EV_DMABUF_DETACH);
}

SEC("kprobe/dma_buf_map_attachment_unlocked")
int BPF_KPROBE(kp_dma_buf_map_attachment_unlocked,
	       struct dma_buf_attachment *att, int dir)
{
	stash_put(FN_DMABUF_MAP_UNLOCKED, (__u64)att, dir, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_map_attachment_unlocked")
int BPF_KRETPROBE(krp_dma_buf_map_attachment_unlocked, struct sg_table *ret)
{
	struct stash_val v;

	if (!stash_take(FN_DMABUF_MAP_UNLOCKED, &v))
		return 0;
	return on_dmabuf_map(ctx, HOOK_RETPROBE, (void *)v.a[0], ret, v.a[1],
			     DMAS_EV_DMABUF_MAP);
}

SEC("kprobe/dma_buf_map_attachment")
int BPF_KPROBE(kp_dma_buf_map_attachment, struct dma_buf_attachment *att,
	       int dir)
{
	if (!stash_has(FN_DMABUF_MAP_UNLOCKED))
		stash_put(FN_DMABUF_MAP, (__u64)att, dir, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/dma_buf_map_attachment")
int BPF_KRETPROBE(krp_dma_buf_map_attachment, struct sg_table *ret)
{
	struct stash_val v;

	if (!stash_take(FN_DMABUF_MAP, &v))
		return 0;
	return on_dmabuf_map(ctx, HOOK_RETPROBE, (void *)v.a[0], ret, v.a[1],
			     DMAS_EV_DMABUF_MAP);
}

SEC("kprobe/dma_buf_unmap_attachment_unlocked")
int BPF_KPROBE(kp_dma_buf_unmap_attachment_unlocked,
	       struct dma_buf_attachment *att, struct sg_table *sgt, int dir)
{
	stash_put(FN_DMABUF_UNMAP_UNLOCKED, 0, 0, 0, 0, 0, 0);
	return on_dmabuf_map(ctx, HOOK_PROBE, att, sgt, dir,
			     DMAS_EV_DMABUF_UNMAP);
}

SEC("kretprobe/dma_buf_unmap_attachment_unlocked")
int BPF_KRETPROBE(krp_dma_buf_unmap_attachment_unlocked)
{
	struct stash_val v;

	stash_take(FN_DMABUF_UNMAP_UNLOCKED, &v);
	return 0;
}

SEC("kprobe/dma_buf_unmap_attachment")
int BPF_KPROBE(kp_dma_buf_unmap_attachment, struct dma_buf_attachment *att,
	       struct sg_table *sgt, int dir)
{
	if (stash_has(FN_DMABUF_UNMAP_UNLOCKED))
		return 0;
	return on_dmabuf_map(ctx, HOOK_PROBE, att, sgt, dir,
			     DMAS_EV_DMABUF_UNMAP);
}

/*
 * ==== dma_fence:* tracepoints (every kernel here) ====
 * Read through CO-RE: the fence's context and seqno are its key, the
 * pointer rides along.
 */
static __always_inline int on_fence(void *ctx, struct dma_fence *f, __u8 kind)
{
	struct dmas_event *e;

	if (!f)
		return 0;
	e = ev_start(ctx, HOOK_TP, NULL, kind, NULL);
	if (!e)
		return 0;
	e->addr = BPF_CORE_READ(f, context);
	e->phys = BPF_CORE_READ(f, seqno);
	e->aux = (__u64)f;
	ev_submit(e);
	return 0;
}

#define FENCE_TP(name, kind)                                    \
	SEC("raw_tp/dma_fence_" #name)                          \
	int BPF_PROG(rtp_dma_fence_##name, struct dma_fence *f) \
	{                                                       \
		return on_fence(ctx, f, DMAS_EV_FENCE_##kind);  \
	}

FENCE_TP(init, INIT)
FENCE_TP(emit, EMIT)
FENCE_TP(signaled, SIGNALED)
FENCE_TP(destroy, DESTROY)
FENCE_TP(wait_start, WAIT_START)
FENCE_TP(wait_end, WAIT_END)

/* ==== driver bind/unbind, device removal ==== */

/*
 * The device's syncs became elided or seen since its record said
 * (compat.bpf.h): a driver's probe sets dma_skip_sync through
 * dma_set_mask(), swiotlb's first bounce for the device clears it.  The
 * engine is told with a SYNC_ELISION event.
 */
static __always_inline void sync_elision_update(void *ctx, int hook,
						struct device *dev, bool elided)
{
	__u64 key = (__u64)dev;
	struct dev_state *st = bpf_map_lookup_elem(&devs, &key);
	struct dmas_event *e;

	if (!st || st->elided == elided)
		return;
	st->elided = elided;
	e = ev_start(ctx, hook, dev, DMAS_EV_SYNC_ELISION, NULL);
	if (!e)
		return;
	e->count = elided;
	ev_submit(e);
}

static __always_inline int bound(void *ctx, int hook, struct device *dev,
				 int ret)
{
	const char *name;

	if (ret || !dev || !BPF_CORE_READ(dev, driver))
		return 0;
	name = BPF_CORE_READ(dev, driver, name);
	refilter(dev);
	on_named(ctx, hook, dev, name, DMAS_EV_DRIVER_BIND);
	sync_elision_update(ctx, hook, dev, dev_syncs_elided(dev));
	return 0;
}

static __always_inline void probe_enter(struct device *dev)
{
	__u64 key = (__u64)dev;
	__u8 one = 1;

	bpf_map_update_elem(&probing, &key, &one, BPF_ANY);
}

static __always_inline void probe_exit(struct device *dev)
{
	__u64 key = (__u64)dev;

	bpf_map_delete_elem(&probing, &key);
}

SEC("fentry/really_probe")
int BPF_PROG(fentry_really_probe, struct device *dev)
{
	probe_enter(dev);
	return 0;
}

SEC("fexit/really_probe")
int BPF_PROG(fexit_really_probe, struct device *dev, struct device_driver *drv,
	     int ret)
{
	bound(ctx, HOOK_TRAMP, dev, ret);
	probe_exit(dev);
	return 0;
}

SEC("kprobe/really_probe")
int BPF_KPROBE(kp_really_probe, struct device *dev)
{
	probe_enter(dev);
	stash_put(FN_PROBE, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/really_probe")
int BPF_KRETPROBE(krp_really_probe, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_PROBE, &v))
		return 0;
	bound(ctx, HOOK_RETPROBE, (void *)v.a[0], ret);
	probe_exit((void *)v.a[0]);
	return 0;
}

/* Unbind is reported when remove() and the devres release have finished. */
static __always_inline void unbind_enter(struct device *dev)
{
	const char *name = BPF_CORE_READ(dev, driver, name);

	if (dev && name)
		stash_put(FN_UNBIND, (__u64)dev, (__u64)name, 0, 0, 0, 0);
}

static __always_inline int unbind_exit(void *ctx, int hook)
{
	struct stash_val v;
	struct device *dev;

	if (!stash_take(FN_UNBIND, &v))
		return 0;
	dev = (void *)v.a[0];
	if (BPF_CORE_READ(dev, driver))
		return 0; /* still bound: nothing was released */
	return on_named(ctx, hook, dev, (const char *)v.a[1],
			DMAS_EV_DRIVER_UNBIND);
}

SEC("fentry/device_release_driver_internal")
int BPF_PROG(fentry_device_release_driver_internal, struct device *dev)
{
	unbind_enter(dev);
	return 0;
}

SEC("fexit/device_release_driver_internal")
int BPF_PROG(fexit_device_release_driver_internal, struct device *dev)
{
	return unbind_exit(ctx, HOOK_TRAMP);
}

SEC("kprobe/device_release_driver_internal")
int BPF_KPROBE(kp_device_release_driver_internal, struct device *dev)
{
	unbind_enter(dev);
	return 0;
}

SEC("kretprobe/device_release_driver_internal")
int BPF_KRETPROBE(krp_device_release_driver_internal)
{
	return unbind_exit(ctx, HOOK_RETPROBE);
}

/*
 * A device registered while we trace has no mappings from before: an
 * unknown unmap, sync or free on it is a bug, not "pre-existing".  Most
 * devices never do DMA: only remember the pointer, and flag the device
 * record if one is made (dev_id).
 */
static __always_inline int device_added(struct device *dev, int ret)
{
	__u64 key = (__u64)dev;
	__u8 one = 1;

	if (ret || !dev)
		return 0;
	bpf_map_update_elem(&added, &key, &one, BPF_ANY);
	return 0;
}

SEC("fexit/device_add")
int BPF_PROG(fexit_device_add, struct device *dev, int ret)
{
	return device_added(dev, ret);
}

SEC("kprobe/device_add")
int BPF_KPROBE(kp_device_add, struct device *dev)
{
	stash_put(FN_DEVICE_ADD, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/device_add")
int BPF_KRETPROBE(krp_device_add, int ret)
{
	struct stash_val v;

	if (!stash_take(FN_DEVICE_ADD, &v))
		return 0;
	return device_added((void *)v.a[0], ret);
}

/* After device_del the pointer may be reused by another device: forget it. */
static __always_inline int device_gone(void *ctx, int hook, struct device *dev)
{
	__u64 key = (__u64)dev;
	struct dmas_event *e;

	bpf_map_delete_elem(&added, &key);
	bpf_map_delete_elem(&need_unmap_said, &key);
	if (!bpf_map_lookup_elem(&devs, &key))
		return 0;
	e = ev_start(ctx, hook, dev, DMAS_EV_DEVICE_REMOVE, NULL);
	if (e)
		ev_submit(e);
	bpf_map_delete_elem(&devs, &key);
	/*
	 * After the hash: a CPU that found the device there just before may
	 * still put it back in the cache, but only from a DMA call on a
	 * device being deleted, itself a driver bug.
	 */
	dev_cache_forget(ptr_value(dev));
	return 0;
}

SEC("fexit/device_del")
int BPF_PROG(fexit_device_del, struct device *dev)
{
	return device_gone(ctx, HOOK_TRAMP, dev);
}

SEC("kprobe/device_del")
int BPF_KPROBE(kp_device_del, struct device *dev)
{
	stash_put(FN_DEVICE_DEL, (__u64)dev, 0, 0, 0, 0, 0);
	return 0;
}

SEC("kretprobe/device_del")
int BPF_KRETPROBE(krp_device_del)
{
	struct stash_val v;

	if (!stash_take(FN_DEVICE_DEL, &v))
		return 0;
	return device_gone(ctx, HOOK_RETPROBE, (void *)v.a[0]);
}

/* ==== raw tracepoints: module unload, iommu, swiotlb ==== */

SEC("raw_tp/module_free")
int BPF_PROG(rtp_module_free, struct module *mod)
{
	/* its code's addresses may be reused: no cached call path survives */
	__sync_fetch_and_add(&stack_gen, 1);
	/* name is an array inside struct module: pass its address */
	return on_named(
		ctx, HOOK_TP, NULL,
		(const char *)__builtin_preserve_access_index(&mod->name),
		DMAS_EV_MODULE_UNLOAD);
}

/* The core text of a module before 6.4 (mem[MOD_TEXT] since). */
struct module_layout___old {
	void *base;
	unsigned int size;
	unsigned int text_size;
} __attribute__((preserve_access_index));

struct module___old {
	struct module_layout___old core_layout;
} __attribute__((preserve_access_index));

SEC("raw_tp/module_load")
int BPF_PROG(rtp_module_load, struct module *mod)
{
	struct dmas_module_rec *r;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		count_drop(DMAS_DROP_RINGBUF);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	r->cpu = bpf_get_smp_processor_id();
	r->kind = DMAS_REC_MODULE;
	if (bpf_core_field_exists(mod->mem)) {
		/* MOD_TEXT is the first of enum mod_mem_type */
		r->text_base = (__u64)BPF_CORE_READ(mod, mem[0].base);
		r->text_size = BPF_CORE_READ(mod, mem[0].size);
	} else {
		struct module___old *old = (void *)mod;

		r->text_base = (__u64)BPF_CORE_READ(old, core_layout.base);
		r->text_size = BPF_CORE_READ(old, core_layout.text_size);
	}
	bpf_probe_read_kernel_str(r->name, sizeof(r->name),
				  __builtin_preserve_access_index(&mod->name));
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("raw_tp/map")
int BPF_PROG(rtp_iommu_map, unsigned long iova, phys_addr_t paddr, size_t size)
{
	struct dmas_event *e =
		ev_start(ctx, HOOK_TP, NULL, DMAS_EV_IOMMU_MAP, NULL);

	if (!e)
		return 0;
	e->addr = iova;
	e->phys = paddr;
	e->size = size;
	ev_submit(e);
	return 0;
}

SEC("raw_tp/unmap")
int BPF_PROG(rtp_iommu_unmap, unsigned long iova, size_t size, size_t unmapped)
{
	struct dmas_event *e =
		ev_start(ctx, HOOK_TP, NULL, DMAS_EV_IOMMU_UNMAP, NULL);

	if (!e)
		return 0;
	e->addr = iova;
	e->size = unmapped;
	ev_submit(e);
	return 0;
}

SEC("raw_tp/io_page_fault")
int BPF_PROG(rtp_io_page_fault, struct device *dev, unsigned long iova,
	     int flags)
{
	struct dmas_event *e =
		ev_start(ctx, HOOK_TP, dev, DMAS_EV_IOMMU_FAULT, NULL);

	if (!e)
		return 0;
	e->addr = iova;
	e->count = flags;
	ev_submit(e);
	return 0;
}

SEC("raw_tp/swiotlb_bounced")
int BPF_PROG(rtp_swiotlb_bounced, struct device *dev, dma_addr_t addr,
	     size_t size)
{
	struct dmas_event *e =
		ev_start(ctx, HOOK_TP, dev, DMAS_EV_SWIOTLB_BOUNCE, NULL);

	if (e) {
		e->addr = addr;
		e->size = size;
		e->dir = DMAS_DIR_NONE;
		ev_submit(e);
	}
	/* swiotlb_tbl_map_single() then makes the device's syncs needed */
	sync_elision_update(ctx, HOOK_TP, dev, false);
	return 0;
}

/*
 * ==== contiguous memory: cma:* (kernels with CONFIG_CMA) ====
 * The events name no device: the engine ties an allocation to the
 * dma_alloc_* call that follows it in the same task.  Arguments by
 * position, as every kernel with the events has them: the name, then the
 * page count (start; 6.12's mm rework added the area's counts after it),
 * or the pfn, the page (NULL: failed) and the count.
 */
static __always_inline int on_cma(void *ctx, __u8 kind, __u64 pfn,
				  const void *page, __u64 count)
{
	struct dmas_event *e = ev_start(ctx, HOOK_TP, NULL, kind, NULL);

	if (!e)
		return 0;
	e->count = count;
	e->size = count << DMAS_PAGE_SHIFT;
	if (kind != DMAS_EV_CMA_ALLOC_START) {
		e->phys = page ? pfn << DMAS_PAGE_SHIFT : 0;
		if (kind == DMAS_EV_CMA_ALLOC_FINISH && !page)
			e->flags = DMAS_F_ERROR;
	}
	e->dir = DMAS_DIR_NONE;
	ev_submit(e);
	return 0;
}

SEC("raw_tp/cma_alloc_start")
int BPF_PROG(rtp_cma_alloc_start, const char *name, unsigned long count)
{
	return on_cma(ctx, DMAS_EV_CMA_ALLOC_START, 0, NULL, count);
}

SEC("raw_tp/cma_alloc_finish")
int BPF_PROG(rtp_cma_alloc_finish, const char *name, unsigned long pfn,
	     const struct page *page, unsigned long count)
{
	return on_cma(ctx, DMAS_EV_CMA_ALLOC_FINISH, pfn, page, count);
}

SEC("raw_tp/cma_release")
int BPF_PROG(rtp_cma_release, const char *name, unsigned long pfn,
	     const struct page *page, unsigned long count)
{
	return on_cma(ctx, DMAS_EV_CMA_RELEASE, pfn, page, count);
}

/* ==== vdmac's tracepoints (raw_tp: the module has no BTF) ==== */

/* Device id by dev_name(); 0 when the device was never seen. */
static __always_inline __u32 dev_by_name(const char *name, bool *pass)
{
	struct dev_name_key k = {};
	__u32 *id;

	*pass = !filter_dev[0] && !filter_drv[0];
	bpf_probe_read_kernel_str(k.name, sizeof(k.name), name);
	id = bpf_map_lookup_elem(&dev_names, &k);
	if (!id)
		return DMAS_DEV_NONE;
	if (!*pass) {
		/* the filter verdict lives with the device */
		__u32 i = *id;
		struct dmas_device_rec *r = bpf_map_lookup_elem(&dev_info, &i);

		if (r)
			*pass = (!filter_dev[0] ||
				 str_eq_filter(r->name, filter_dev,
					       DMAS_DEV_NAME_LEN)) &&
				(!filter_drv[0] ||
				 str_eq_filter(r->driver, filter_drv,
					       DMAS_DRV_NAME_LEN));
	}
	return *id;
}

/* An event about a device known by name; NULL if filtered or lost. */
static __always_inline struct dmas_event *ev_named(const char *devname,
						   __u8 kind, __u32 *idp)
{
	struct dmas_event *e;
	bool pass;
	__u32 id;

	if (!pid_passes())
		return NULL;
	id = dev_by_name(devname, &pass);
	if (!pass)
		return NULL;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(DMAS_DROP_RINGBUF);
		return NULL;
	}
	__builtin_memset(e, 0, sizeof(*e));
	e->ts = bpf_ktime_get_ns();
	e->dev = id;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->cpu = bpf_get_smp_processor_id();
	e->kind = kind;
	*idp = id;
	return e;
}

/* The channel id dma_request_chan gave, or a stable stand-in. */
static __always_inline __u64 chan_of(__u32 dev, __u32 index)
{
	__u64 key = (__u64)dev << 32 | index;
	__u64 *v = bpf_map_lookup_elem(&chan_ids, &key);

	/* requested before tracing: provider and index, tagged */
	return v ? *v : (1ULL << 63) | key;
}

static __always_inline int vdmac_desc(const char *dev, __u32 chan, __s32 cookie,
				      __u8 kind, __u32 result)
{
	struct dmas_event *e;
	__u32 id;

	e = ev_named(dev, kind, &id);
	if (!e)
		return 0;
	e->aux = chan_of(id, chan);
	e->addr = (__u32)cookie;
	e->count = result;
	ev_submit(e);
	return 0;
}

/* enum dma_transfer_direction */
#define DMAS_MEM_TO_MEM 0
#define DMAS_MEM_TO_DEV 1
#define DMAS_DEV_TO_MEM 2

SEC("raw_tp/vdmac_desc_prep")
int BPF_PROG(rtp_vdmac_desc_prep, const char *dev, __u32 chan, __u64 desc,
	     __u32 dir, __u64 src, __u64 dst, __u64 len, __u32 nsegs)
{
	struct dmas_event *e;
	__u32 id;

	e = ev_named(dev, DMAS_EV_DESC_PREP, &id);
	if (!e)
		return 0;
	e->aux = chan_of(id, chan);
	e->size = len;
	/* the memory side the device will touch */
	if (dir == DMAS_MEM_TO_DEV) {
		e->phys = src;
		e->dir = DMAS_DIR_TO_DEVICE;
	} else {
		e->phys = dst;
		e->dir = dir == DMAS_DEV_TO_MEM ? DMAS_DIR_FROM_DEVICE
						: DMAS_DIR_BIDIRECTIONAL;
	}
	e->count = nsegs;
	ev_submit(e);
	return 0;
}

SEC("raw_tp/vdmac_submit")
int BPF_PROG(rtp_vdmac_submit, const char *dev, __u32 chan, __u64 desc,
	     __s32 cookie)
{
	return vdmac_desc(dev, chan, cookie, DMAS_EV_DESC_SUBMIT, 0);
}

SEC("raw_tp/vdmac_xfer_start")
int BPF_PROG(rtp_vdmac_xfer_start, const char *dev, __u32 chan, __u64 desc,
	     __s32 cookie)
{
	return vdmac_desc(dev, chan, cookie, DMAS_EV_XFER_START, 0);
}

SEC("raw_tp/vdmac_complete")
int BPF_PROG(rtp_vdmac_complete, const char *dev, __u32 chan, __u64 desc,
	     __s32 cookie, __u32 result, __u64 residue)
{
	return vdmac_desc(dev, chan, cookie, DMAS_EV_XFER_COMPLETE, result);
}

SEC("raw_tp/vdmac_error")
int BPF_PROG(rtp_vdmac_error, const char *dev, __u32 chan, __u64 desc,
	     __s32 cookie, __u32 result, __u64 residue)
{
	return vdmac_desc(dev, chan, cookie, DMAS_EV_XFER_ERROR, result);
}

SEC("raw_tp/vdmac_issue_pending")
int BPF_PROG(rtp_vdmac_issue_pending, const char *dev, __u32 chan,
	     __u32 pending)
{
	return vdmac_desc(dev, chan, 0, DMAS_EV_ISSUE_PENDING, 0);
}

SEC("raw_tp/vdmac_terminate")
int BPF_PROG(rtp_vdmac_terminate, const char *dev, __u32 chan, __u32 in_flight,
	     __u32 pending)
{
	return vdmac_desc(dev, chan, 0, DMAS_EV_TERMINATE, 0);
}

SEC("raw_tp/vdmac_cpu_access")
int BPF_PROG(rtp_vdmac_cpu_access, const char *dev, __u64 addr, __u64 size,
	     __u32 write)
{
	struct dmas_event *e;
	__u32 id;

	e = ev_named(dev, DMAS_EV_CPU_ACCESS, &id);
	if (!e)
		return 0;
	e->addr = addr;
	e->size = size;
	e->flags = write ? DMAS_F_WRITE : 0;
	ev_submit(e);
	return 0;
}
