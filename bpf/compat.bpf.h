/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * compat.bpf.h - kernel, arch and toolchain differences the BPF programs
 * see, in one place: structs the build's vmlinux.h lacks, fields whose size
 * changed between releases, x86-64 details (address layout, argument
 * registers, trampoline frames) and the verifier's rules on pointers.
 * Each shim says which release (and commit, where known) made it needed.
 */
#ifndef DMASCOPE_COMPAT_BPF_H
#define DMASCOPE_COMPAT_BPF_H

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>

/*
 * dmaengine types; relocated by CO-RE to the running kernel's dma_chan.
 * Not a release difference: the kernel vmlinux.h was generated from was
 * built without CONFIG_DMA_ENGINE, so the header lacks them.
 */
struct dma_device___dmas {
	struct device *dev;
} __attribute__((preserve_access_index));

struct dma_chan___dmas {
	struct dma_device___dmas *device;
	int chan_id;
} __attribute__((preserve_access_index));

/*
 * dma_pool's block size was size_t up to 6.3, unsigned int since 6.4
 * ("dmapool: cleanup integer types"): read it at its running size.
 */
struct dma_pool___dmas {
	struct device *dev;
	size_t size;
} __attribute__((preserve_access_index));

static __always_inline __u64 pool_block_size(const void *pool)
{
	const struct dma_pool___dmas *p = pool;
	__u64 v = 0;

	bpf_probe_read_kernel(&v, bpf_core_field_size(p->size) & 0xf, &p->size);
	return v;
}

/*
 * 6.10, commit f406c8e4b770 ("dma: avoid redundant calls for sync
 * operations"): dma_sync_* are inline and reach __dma_sync_* (and so any
 * hook) only when dma_dev_need_sync(), that is while the device's
 * dma_skip_sync is clear, or always on a kernel with CONFIG_DMA_API_DEBUG
 * (whose BTF then has kernel/dma/debug.c's struct dma_debug_entry).
 * dma_skip_sync is a bitfield of struct device from 6.10; by 7.3 it is
 * bit DEV_FLAG_DMA_SKIP_SYNC of the device's `flags` bitmap (whose enum
 * 6.12 already has, without that bit).  Before 6.10 neither exists and
 * every sync is seen.  True when the kernel skips this device's syncs now.
 */
struct dma_debug_entry___dmas {
	int type;
};

enum struct_device_flags___dmas {
	DEV_FLAG_DMA_SKIP_SYNC = 3,
};

struct device___dmas_flags {
	unsigned long flags[1];
} __attribute__((preserve_access_index));

static __always_inline bool dev_syncs_elided(const struct device *dev)
{
	const struct device___dmas_flags *fd = (const void *)dev;
	unsigned long w = 0;
	__u32 bit;

	if (bpf_core_type_exists(struct dma_debug_entry___dmas))
		return false;
	if (bpf_core_field_exists(dev->dma_skip_sync))
		return BPF_CORE_READ_BITFIELD_PROBED(dev, dma_skip_sync);
	if (!bpf_core_enum_value_exists(enum struct_device_flags___dmas,
					DEV_FLAG_DMA_SKIP_SYNC) ||
	    !bpf_core_field_exists(fd->flags))
		return false;
	bit = bpf_core_enum_value(enum struct_device_flags___dmas,
				  DEV_FLAG_DMA_SKIP_SYNC);
	if (bit >= 64 || bpf_core_read(&w, sizeof(w), &fd->flags[0]))
		return false;
	return (w >> bit) & 1;
}

/*
 * swiotlb=force: is_swiotlb_force_bounce() reads dev->dma_io_tlb_mem's
 * force_bounce (5.17: 903cd0f315fe "swiotlb: Use is_swiotlb_force_bounce
 * for swiotlb data bouncing"); a kernel without CONFIG_SWIOTLB has neither
 * field and never forces.
 */
static __always_inline bool dev_swiotlb_forced(const struct device *dev)
{
	struct io_tlb_mem *mem;

	if (!bpf_core_field_exists(dev->dma_io_tlb_mem) ||
	    !bpf_core_field_exists(struct io_tlb_mem, force_bounce))
		return false;
	mem = BPF_CORE_READ(dev, dma_io_tlb_mem);
	if (!mem)
		return false;
	return BPF_CORE_READ(mem, force_bounce);
}

/*
 * The bus's own limit below the device's mask (5.5: a7ba70f1787f
 * "dma-mapping: treat dev->bus_dma_mask as a DMA limit"); 0 where the
 * kernel has no such field or the bus sets none.
 */
static __always_inline __u64 dev_bus_limit(const struct device *dev)
{
	if (!bpf_core_field_exists(dev->bus_dma_limit))
		return 0;
	return BPF_CORE_READ(dev, bus_dma_limit);
}

#define DMAS_MAX_ERRNO 4095
#define DMAS_IS_ERR_OR_NULL(p) \
	(!(p) || (unsigned long)(p) >= (unsigned long)-DMAS_MAX_ERRNO)

/* ---- the verifier ---- */

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

/*
 * The same without a helper call: stored into our own reserved record
 * (allowed to a program with CAP_PERFMON) and read back, which the
 * verifier types as a plain scalar.  The slot is overwritten with the
 * event's own data afterwards.
 */
static __always_inline __u64 launder(volatile __u64 *slot, const void *p)
{
	*slot = (__u64)p;
	return *slot;
}

/* ---- x86-64: addresses ---- */

/* Kernel addresses lie in the upper canonical half. */
static __always_inline bool kernel_half_addr(__u64 v)
{
	return (v >> 48) == 0xffff;
}

/* A kernel pointer's top byte is all ones, with 4- and 5-level paging. */
static __always_inline bool kernel_ptr_top_byte(__u64 v)
{
	return (v >> 56) == 0xff;
}

/*
 * Where the direct map and the struct page array start: randomized since
 * 4.8 ("x86/mm: Implement ASLR for kernel memory regions": page_offset_base)
 * and 4.9 ("x86/mm: Enable KASLR for vmemmap memory region": vmemmap_base),
 * so read from the kernel variables the loader finds in /proc/kallsyms;
 * 0 when unknown.
 */
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

/*
 * Whether physical address phys lies on the current task's kernel stack,
 * the check dma-debug's check_for_stack makes.  With CONFIG_VMAP_STACK
 * (4.9, "fork: Add generic vmalloced stack support"; every Debian kernel
 * and x86_64_defconfig) the stack is vmalloc memory: its pages,
 * task->stack_vm_area->pages, are compared one by one.  Without it the
 * stack is THREAD_SIZE bytes of the direct map at task->stack (x86-64:
 * 16 KiB, 32 KiB with KASAN; the smaller is taken).
 */
#define DMAS_STACK_PAGES_MAX 8
#define DMAS_THREAD_SIZE (4ULL << DMAS_PAGE_SHIFT)

static __always_inline bool phys_on_current_stack(__u64 phys)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 page = phys >> DMAS_PAGE_SHIFT << DMAS_PAGE_SHIFT;
	struct vm_struct *vm = NULL;
	__u64 stack, base;

	if (!phys)
		return false;
	if (bpf_core_field_exists(t->stack_vm_area))
		vm = BPF_CORE_READ(t, stack_vm_area);
	if (vm) {
		struct page **pages = BPF_CORE_READ(vm, pages);
		unsigned int nr = BPF_CORE_READ(vm, nr_pages);

		for (int i = 0; i < DMAS_STACK_PAGES_MAX; i++) {
			__u64 pg = 0;

			if (i >= nr || !pages)
				break;
			bpf_probe_read_kernel(&pg, sizeof(pg), &pages[i]);
			if (pg && page_to_phys_val(pg) == page)
				return true;
		}
		return false;
	}
	stack = ptr_value(BPF_CORE_READ(t, stack));
	base = page_offset_base();
	if (!stack || stack < base)
		return false;
	stack -= base;
	return phys >= stack && phys < stack + DMAS_THREAD_SIZE;
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

/* ---- x86-64: calls ---- */

/*
 * A kprobe's sixth argument: r9 in the x86-64 calling convention.  libbpf
 * 1.1 (Debian 12's) has no PT_REGS_PARM6_CORE; BPF_KPROBE takes five.
 */
#define DMAS_KPROBE_PARM6(ctx) BPF_CORE_READ(ctx, r9)

/*
 * The seventh argument (dma_iova_link's attrs): on the stack, above the
 * return address a kprobe at the function's entry finds at sp.
 */
static __always_inline __u64 dmas_kprobe_parm7(struct pt_regs *ctx)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v),
			      (void *)(BPF_CORE_READ(ctx, sp) + 8));
	return v;
}
#define DMAS_KPROBE_PARM7(ctx) dmas_kprobe_parm7(ctx)

/*
 * In a trampoline's frame, the return address into the traced function
 * lies this far at most past the function's address (bpf_get_func_ip):
 * past the 5-byte call of the patched entry (X86_PATCH_SIZE), and the
 * 4-byte ENDBR before it on kernels with IBT (5.18, "x86/ibt,bpf: Add
 * ENDBR instructions to prologue and trampoline"), with room to spare.
 */
#define DMAS_TRAMP_RET_MAX 16

/*
 * A return address's call: x86-64's direct call is 0xe8 and a 32-bit
 * displacement from the end of its 5 bytes.  Its target lies at most this
 * far before the called function's address: call depth tracking (6.2)
 * patches direct calls to a thunk in the padding before the function.
 */
#define DMAS_CALL_LEN 5
#define DMAS_CALL_OP 0xe8
#define DMAS_CALL_PAD_MAX 32

/* Whether ret is the return address of a direct call of func. */
static __always_inline bool dmas_returns_from(__u64 ret, __u64 func)
{
	__u8 insn[DMAS_CALL_LEN];
	__s32 disp;
	__u64 to;

	if (bpf_probe_read_kernel(insn, sizeof(insn),
				  (void *)(ret - DMAS_CALL_LEN)) ||
	    insn[0] != DMAS_CALL_OP)
		return false;
	__builtin_memcpy(&disp, &insn[1], sizeof(disp));
	to = ret + (__s64)disp;
	return to <= func && func - to <= DMAS_CALL_PAD_MAX;
}

#endif /* DMASCOPE_COMPAT_BPF_H */
