/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * devcache.bpf.h - the device table of the BPF object: a small id per
 * struct device, handed out on first sight with a device record sent down
 * the ring (and kept in dev_info for a reader that lost it), the filter
 * verdict per device, and the direct-mapped cache in front of it that the
 * hot path reads.  Part of dmascope.bpf.c: uses its events ring,
 * count_drop(), ringbuf_flags() and device/driver filters.
 */
#ifndef DMASCOPE_DEVCACHE_BPF_H
#define DMASCOPE_DEVCACHE_BPF_H

#include "../cli/event.h"
#include "compat.bpf.h"
#include "dmascope_bpf.h"

/* Written here, read by the loader (bss): the ids handed out so far. */
__u32 next_dev_id = 0;

struct dev_state {
	__u32 id;
	__u8 pass; /* passes the device/driver filters */
	__u8 elided; /* its syncs elided, as last told (dev_syncs_elided) */
	__u8 pad[2];
};

/* struct device * -> its small id */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DMAS_BPF_MAX_DEVICES);
	__type(key, __u64);
	__type(value, struct dev_state);
} devs SEC(".maps");

/* id -> the device record sent on first sight, for a reader that lost it */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DMAS_BPF_MAX_DEVICES);
	__type(key, __u32);
	__type(value, struct dmas_device_rec);
} dev_info SEC(".maps");

/*
 * The hot path's device lookup: a direct-mapped cache in a plain array (the
 * verifier inlines its lookup: no helper call, no hashing) in front of the
 * `devs` hash.  Each slot is one 64-bit word holding the device pointer's
 * significant bits, the filter verdict and the id, so a slot written by two
 * CPUs at once is either one device's word or the other's, never a mix.
 * A kernel pointer's top byte is all ones and struct device is 8-aligned:
 * bits 3..55 are kept (bits 11..63 of the word), bit 10 is the verdict,
 * bits 0..9 the id; devices with ids from 1024 on always take the hash.
 */
#define DEV_CACHE_SLOTS 256
#define DEV_CACHE_MAX_ID 1024
#define DEV_WORD_PTR_MASK ((1ULL << 53) - 1)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, DEV_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} dev_cache SEC(".maps");

/* dev_name() -> id, for tracepoints that name their device (vdmac) */
struct dev_name_key {
	char name[DMAS_DEV_NAME_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, DMAS_BPF_MAX_DEVICES);
	__type(key, struct dev_name_key);
	__type(value, __u32);
} dev_names SEC(".maps");

/*
 * Devices registered (device_add) while we trace and not yet given a
 * device record: their record says so (DMAS_DEVF_ADDED).  LRU: devices
 * that never do DMA are many (block, tty, net queues) and just age out.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} added SEC(".maps");

/* Devices inside really_probe: a driver seen there is being bound now. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u64);
	__type(value, __u8);
} probing SEC(".maps");

/* Scratch for building a device record (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dmas_device_rec);
} dev_scratch SEC(".maps");

static __always_inline void read_driver_name(struct device *dev, char *buf,
					     int len)
{
	const char *name = BPF_CORE_READ(dev, driver, name);

	buf[0] = 0;
	if (name)
		bpf_probe_read_kernel_str(buf, len, name);
}

/*
 * The id of dev, allocating one and sending its device record on first
 * sight.  Sets *pass to whether the device passes the device/driver
 * filters.  0 for a NULL device or a full table.
 */
static __always_inline __u32 dev_id_slow(struct device *dev, bool *pass);

/*
 * A global (non-inlined) function: the verifier checks it once per program
 * instead of once per call site, which keeps loading fast under emulation.
 * Returns the id in the low half, bit 32 set when the device passes.
 */
__noinline __u64 dev_lookup(__u64 devp)
{
	struct device *dev = (struct device *)devp;
	bool pass;
	__u32 id = dev_id_slow(dev, &pass);

	return id | (pass ? 1ULL << 32 : 0);
}

static __always_inline __u32 dev_id(struct device *dev, bool *pass)
{
	__u64 key = (__u64)dev, v;
	struct dev_state *st;

	/* the common case inline: a device seen before */
	if (dev) {
		st = bpf_map_lookup_elem(&devs, &key);
		if (st) {
			*pass = st->pass;
			return st->id;
		}
	}
	v = dev_lookup(ptr_value(dev));
	*pass = v >> 32;
	return (__u32)v;
}

static __always_inline bool dev_cacheable(__u64 devp)
{
	return kernel_ptr_top_byte(devp) && !(devp & 7);
}

static __always_inline __u32 dev_cache_slot(__u64 devp)
{
	return ((devp >> 6) ^ (devp >> 14)) & (DEV_CACHE_SLOTS - 1);
}

/* A device that went away or changed its verdict: out of the cache. */
static __always_inline void dev_cache_forget(__u64 devp)
{
	__u32 slot = dev_cache_slot(devp);
	__u64 *w = bpf_map_lookup_elem(&dev_cache, &slot);

	if (w && (*w >> 11) == ((devp >> 3) & DEV_WORD_PTR_MASK))
		*w = 0;
}

/*
 * dev_id for the hot path: devp is dev's value (see launder); one inlined
 * array lookup when the device is in the cache, the hash otherwise.
 */
static __always_inline __u32 dev_id_cached(struct device *dev, __u64 devp,
					   bool *pass)
{
	__u64 *w = NULL, tag = (devp >> 3) & DEV_WORD_PTR_MASK, word;
	__u32 slot, id;

	if (dev_cacheable(devp)) {
		slot = dev_cache_slot(devp);
		w = bpf_map_lookup_elem(&dev_cache, &slot);
		if (w) {
			word = *w;
			if (word && (word >> 11) == tag) {
				*pass = (word >> 10) & 1;
				return word & (DEV_CACHE_MAX_ID - 1);
			}
		}
	}
	id = dev_id(dev, pass);
	if (w && id && id < DEV_CACHE_MAX_ID)
		*w = tag << 11 | (__u64)(*pass ? 1 : 0) << 10 | id;
	return id;
}

static __always_inline __u32 dev_id_slow(struct device *dev, bool *pass)
{
	__u64 key = (__u64)dev;
	struct dev_state *st, nst = {};
	struct dmas_device_rec *r;
	__u32 zero = 0, id;
	const char *s;

	*pass = !filter_dev[0] && !filter_drv[0];
	if (!dev)
		return DMAS_DEV_NONE;
	st = bpf_map_lookup_elem(&devs, &key);
	if (st) {
		*pass = st->pass;
		return st->id;
	}
	r = bpf_map_lookup_elem(&dev_scratch, &zero);
	if (!r)
		return DMAS_DEV_NONE;
	id = __sync_fetch_and_add(&next_dev_id, 1) + 1;
	if (id >= DMAS_BPF_MAX_DEVICES) {
		count_drop(DMAS_DROP_DEVTABLE);
		return DMAS_DEV_NONE;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ts = bpf_ktime_get_ns();
	r->dev = id;
	r->cpu = bpf_get_smp_processor_id();
	r->kind = DMAS_REC_DEVICE;
	r->numa_node = -1;
	if (bpf_core_field_exists(dev->numa_node))
		r->numa_node = BPF_CORE_READ(dev, numa_node);
	s = BPF_CORE_READ(dev, kobj.name);
	if (s)
		bpf_probe_read_kernel_str(r->name, sizeof(r->name), s);
	read_driver_name(dev, r->driver, sizeof(r->driver));
	s = BPF_CORE_READ(dev, bus, name);
	if (s)
		bpf_probe_read_kernel_str(r->bus, sizeof(r->bus), s);
	{
		__u64 *mp = BPF_CORE_READ(dev, dma_mask);

		if (mp)
			bpf_probe_read_kernel(&r->dma_mask, sizeof(r->dma_mask),
					      mp);
	}
	if (BPF_CORE_READ(dev, iommu_group))
		r->flags |= DMAS_DEVF_IOMMU;
	/* first seen with a driver bound, outside its probe: bound before us */
	if (r->driver[0] && !bpf_map_lookup_elem(&probing, &key))
		r->flags |= DMAS_DEVF_BOUND_BEFORE;
	if (bpf_map_lookup_elem(&added, &key)) {
		r->flags |= DMAS_DEVF_ADDED;
		r->flags &= ~DMAS_DEVF_BOUND_BEFORE;
	}
	if (dev_syncs_elided(dev))
		r->flags |= DMAS_DEVF_SYNC_ELIDED;
	if (dev_swiotlb_forced(dev))
		r->flags |= DMAS_DEVF_SWIOTLB_FORCE;

	nst.id = id;
	nst.elided = !!(r->flags & DMAS_DEVF_SYNC_ELIDED);
	nst.pass = (!filter_dev[0] ||
		    str_eq_filter(r->name, filter_dev, DMAS_DEV_NAME_LEN)) &&
		   (!filter_drv[0] ||
		    str_eq_filter(r->driver, filter_drv, DMAS_DRV_NAME_LEN));
	if (bpf_map_update_elem(&devs, &key, &nst, BPF_NOEXIST)) {
		/* another CPU won the race: use its id, ours stays unused */
		st = bpf_map_lookup_elem(&devs, &key);
		if (!st)
			return DMAS_DEV_NONE;
		*pass = st->pass;
		return st->id;
	}
	bpf_map_update_elem(&dev_info, &id, r, BPF_ANY);
	bpf_map_update_elem(&dev_names, r->name, &id, BPF_ANY);
	if (bpf_ringbuf_output(&events, r, sizeof(*r), ringbuf_flags()))
		count_drop(DMAS_DROP_RINGBUF);
	*pass = nst.pass;
	return id;
}

#endif /* DMASCOPE_DEVCACHE_BPF_H */
