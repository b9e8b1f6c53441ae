/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * compat.bpf.h - kernel differences the BPF programs see, in one place:
 * structs the build's vmlinux.h lacks (dmaengine is off in the host kernel
 * the header came from), fields whose size changed between releases, and
 * page/physical address arithmetic that depends on the kernel's memory
 * layout (passed in by the loader from /proc/kallsyms).
 */
#ifndef DMASCOPE_COMPAT_BPF_H
#define DMASCOPE_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/* dmaengine types; relocated by CO-RE to the running kernel's dma_chan. */
struct dma_device___dmas {
	struct device *dev;
} __attribute__((preserve_access_index));

struct dma_chan___dmas {
	struct dma_device___dmas *device;
	int chan_id;
} __attribute__((preserve_access_index));

/* dma_pool's block size was size_t up to 6.3, unsigned int since. */
struct dma_pool___dmas {
	struct device *dev;
	size_t size;
} __attribute__((preserve_access_index));

#define DMAS_MAX_ERRNO 4095
#define DMAS_IS_ERR_OR_NULL(p) \
	(!(p) || (unsigned long)(p) >= (unsigned long)-DMAS_MAX_ERRNO)

/* Set by the loader from /proc/kallsyms; 0 when unknown. */
const volatile __u64 ksym_vmemmap_base = 0; /* &vmemmap_base */
const volatile __u64 ksym_page_offset_base = 0; /* &page_offset_base */

/* x86-64 defaults when the layout is not randomized. */
#define DMAS_VMEMMAP_DEFAULT 0xffffea0000000000ULL
#define DMAS_PAGE_OFFSET_DEFAULT 0xffff888000000000ULL
#define DMAS_PAGE_SHIFT 12

static __always_inline __u64 read_kvar(__u64 addr, __u64 dflt)
{
	__u64 v = 0;

	if (!addr || bpf_probe_read_kernel(&v, sizeof(v), (void *)addr))
		return dflt;
	return v;
}

/*
 * A BTF-typed pointer as a plain number: the verifier forbids arithmetic
 * on typed pointers, a copy through a probe read makes it a scalar.
 */
static __always_inline __u64 ptr_value(const void *p)
{
	__u64 v = 0, tmp = (__u64)p;

	bpf_probe_read_kernel(&v, sizeof(v), &tmp);
	return v;
}

/* Read once: the layout does not change after boot. */
__u64 vmemmap_base_cached = 0;
__u64 page_offset_base_cached = 0;

static __always_inline __u64 vmemmap_base(void)
{
	if (!vmemmap_base_cached)
		vmemmap_base_cached =
			read_kvar(ksym_vmemmap_base, DMAS_VMEMMAP_DEFAULT);
	return vmemmap_base_cached;
}

static __always_inline __u64 page_offset_base(void)
{
	if (!page_offset_base_cached)
		page_offset_base_cached = read_kvar(ksym_page_offset_base,
						    DMAS_PAGE_OFFSET_DEFAULT);
	return page_offset_base_cached;
}

/* pg: a struct page pointer's value (a number, not a typed pointer). */
static __always_inline __u64 page_to_phys_val(__u64 pg)
{
	__u64 base = vmemmap_base();
	__u64 psz = bpf_core_type_size(struct page);

	if (!pg || pg < base || !psz)
		return 0;
	return ((pg - base) / psz) << DMAS_PAGE_SHIFT;
}

static __always_inline __u64 page_to_phys_core(const void *page)
{
	return page_to_phys_val(ptr_value(page));
}

/* Linear-map virtual address to physical; 0 for vmalloc/remapped memory. */
static __always_inline __u64 virt_to_phys_core(__u64 va)
{
	__u64 base = page_offset_base();

	/* the direct map spans at most 4 PiB (5-level paging) */
	if (va < base || va - base >= (1ULL << 52))
		return 0;
	return va - base;
}

static __always_inline __u64 phys_to_virt_core(__u64 pa)
{
	if (!pa)
		return 0;
	return pa + page_offset_base();
}

static __always_inline __u64 pool_block_size(const void *pool)
{
	const struct dma_pool___dmas *p = pool;
	__u64 v = 0;

	bpf_probe_read_kernel(&v, bpf_core_field_size(p->size) & 0xf, &p->size);
	return v;
}

#endif /* DMASCOPE_COMPAT_BPF_H */
