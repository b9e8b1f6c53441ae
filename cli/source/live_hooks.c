// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_hooks.c - the live BPF source's hook catalogue (every operation we
 * trace and its hooks, best first) and the probe step that picks, per
 * operation, the first hook the running kernel offers and says why.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../../bpf/dmascope_bpf.h"
#include "source/live_bpf.h"
#include "source/nameidx.h"

/* Each family, and why it ranks where it does. */
static const struct {
	const char *name;
	const char *why;
} families[] = {
	[FAM_NONE] = {"off", "no hook"},
	[FAM_TP_BTF] =
		{"tp_btf",
		 "the kernel's own dma:* events (6.12+): typed arguments, no trampoline"},
	[FAM_FENTRY] =
		{"fentry",
		 "a BPF trampoline on the function: kernels with BTF but without dma:* tracepoints"},
	[FAM_KPROBE] =
		{"kprobe",
		 "where fentry does not load or attach (no trampolines, --kprobes)"},
	[FAM_RAW_TP] =
		{"raw_tp",
		 "tracepoints read through CO-RE, so that argument changes between releases do not matter"},
};

#define TP(t, n, k)                                                    \
	{                                                              \
		.family = FAM_TP_BTF, .attach = AT_CALL, .target = #t, \
		.nargs = n, .prog = "tp_" #t, .kernels = k,            \
	}
#define FENTRY(f)                                                      \
	{                                                              \
		.family = FAM_FENTRY, .attach = AT_CALL, .target = #f, \
		.prog = "fentry_" #f,                                  \
	}
#define FEXIT(f)                                                         \
	{                                                                \
		.family = FAM_FENTRY, .attach = AT_RETURN, .target = #f, \
		.prog = "fexit_" #f,                                     \
	}
/* The same with a catcher (live_hook.catcher) in slot DMAS_GUARD_g */
#define TP_CATCH(t, n, k, g)                                             \
	{                                                                \
		.family = FAM_TP_BTF, .attach = AT_CALL, .target = #t,   \
		.nargs = n, .prog = "tp_" #t, .catcher = "catch_tp_" #t, \
		.guard = DMAS_GUARD_##g, .kernels = k,                   \
	}
#define FENTRY_CATCH(f, g)                                             \
	{                                                              \
		.family = FAM_FENTRY, .attach = AT_CALL, .target = #f, \
		.prog = "fentry_" #f, .catcher = "catch_fentry_" #f,   \
		.guard = DMAS_GUARD_##g,                               \
	}
#define FEXIT_CATCH(f, g)                                                \
	{                                                                \
		.family = FAM_FENTRY, .attach = AT_RETURN, .target = #f, \
		.prog = "fexit_" #f, .catcher = "catch_fexit_" #f,       \
		.guard = DMAS_GUARD_##g,                                 \
	}
#define FENTRY_FEXIT(f)                                                \
	{                                                              \
		.family = FAM_FENTRY, .attach = AT_BOTH, .target = #f, \
		.prog = "fentry_" #f, .prog2 = "fexit_" #f,            \
	}
#define KPROBE(f)                                                      \
	{                                                              \
		.family = FAM_KPROBE, .attach = AT_CALL, .target = #f, \
		.prog = "kp_" #f,                                      \
	}
#define KRETPROBE(f) /* the entry keeps the arguments for the return */ \
	{                                                               \
		.family = FAM_KPROBE, .attach = AT_BOTH, .target = #f,  \
		.prog = "kp_" #f, .prog2 = "krp_" #f,                   \
	}
#define KRETPROBE_ONLY(f)                                                \
	{                                                                \
		.family = FAM_KPROBE, .attach = AT_RETURN, .target = #f, \
		.prog = "krp_" #f,                                       \
	}
#define RAW_TP(t, p)                                                   \
	{                                                              \
		.family = FAM_RAW_TP, .attach = AT_CALL, .target = #t, \
		.prog = p,                                             \
	}

#define K_PHYS                                               \
	"6.18+ (dma-mapping: rename trace_dma_*map_page to " \
	"trace_dma_*map_phys)"
#define K_PAGE \
	"6.12 to 6.17 (dma-mapping: add tracing for dma-mapping API calls)"
#define K_612 "6.12+ (dma-mapping: add tracing for dma-mapping API calls)"
#define K_DIR                                                               \
	"6.13+ (dma-mapping: trace dma_alloc/free direction; 6.12's lacks " \
	"dir)"
#define K_613 "6.13+"

const struct live_op live_catalogue[] = {
	{.name = "map",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_map_phys, 6, K_PHYS, MAP),
		   TP_CATCH(dma_map_page, 6, K_PAGE, MAP),
		   FEXIT_CATCH(dma_map_page_attrs, MAP),
		   KRETPROBE(dma_map_page_attrs)}},
	{.name = "unmap",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_unmap_phys, 5, K_PHYS, UNMAP),
		   TP_CATCH(dma_unmap_page, 5, K_PAGE, UNMAP),
		   FENTRY_CATCH(dma_unmap_page_attrs, UNMAP),
		   KPROBE(dma_unmap_page_attrs)}},
	{.name = "map_sg",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_map_sg, 6, K_612, MAP_SG),
		   FEXIT_CATCH(dma_map_sg_attrs, MAP_SG),
		   KRETPROBE(dma_map_sg_attrs)}},
	{.name = "map_sg_err",
	 .dma_api = true,
	 .why = "failed sg mappings: only the tracepoint sees them",
	 .hooks = {TP(dma_map_sg_err, 6, K_613)}},
	{.name = "map_sgtable",
	 .dma_api = true,
	 .tp_covers = true,
	 .why = "dma_map_sgtable's mapping fires dma:dma_map_sg",
	 .hooks = {FEXIT(dma_map_sgtable), KRETPROBE(dma_map_sgtable)}},
	{.name = "unmap_sg",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_unmap_sg, 5, K_612, UNMAP_SG),
		   FENTRY_CATCH(dma_unmap_sg_attrs, UNMAP_SG),
		   KPROBE(dma_unmap_sg_attrs)}},
	{.name = "sync_for_cpu",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_sync_single_for_cpu, 4, K_612, SYNC_CPU),
		   FENTRY_CATCH(dma_sync_single_for_cpu, SYNC_CPU),
		   KPROBE(dma_sync_single_for_cpu)}},
	{.name = "sync_for_device",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_sync_single_for_device, 4, K_612, SYNC_DEVICE),
		   FENTRY_CATCH(dma_sync_single_for_device, SYNC_DEVICE),
		   KPROBE(dma_sync_single_for_device)}},
	{.name = "sync_sg_for_cpu",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_sync_sg_for_cpu, 4, K_612, SYNC_SG_CPU),
		   FENTRY_CATCH(dma_sync_sg_for_cpu, SYNC_SG_CPU),
		   KPROBE(dma_sync_sg_for_cpu)}},
	{.name = "sync_sg_for_device",
	 .dma_api = true,
	 .hooks = {TP_CATCH(dma_sync_sg_for_device, 4, K_612, SYNC_SG_DEVICE),
		   FENTRY_CATCH(dma_sync_sg_for_device, SYNC_SG_DEVICE),
		   KPROBE(dma_sync_sg_for_device)}},
	{.name = "map_resource",
	 .dma_api = true,
	 .tp_covers = true,
	 .covered_by = "dma_map_phys",
	 .why = "6.18+ maps resources through dma_map_phys (DMA_ATTR_MMIO); 6.12 to 6.17 have dma:dma_map_resource",
	 .hooks = {TP(dma_map_resource, 6, K_PAGE), FEXIT(dma_map_resource),
		   KRETPROBE(dma_map_resource)}},
	{.name = "unmap_resource",
	 .dma_api = true,
	 .tp_covers = true,
	 .covered_by = "dma_unmap_phys",
	 .why = "6.18+ unmaps resources through dma_unmap_phys; 6.12 to 6.17 have dma:dma_unmap_resource",
	 .hooks = {TP(dma_unmap_resource, 5, K_PAGE),
		   FENTRY(dma_unmap_resource), KPROBE(dma_unmap_resource)}},
	{.name = "alloc",
	 .dma_api = true,
	 .hooks = {TP(dma_alloc, 7, K_DIR), FEXIT(dma_alloc_attrs),
		   KRETPROBE(dma_alloc_attrs)}},
	{.name = "free",
	 .dma_api = true,
	 .hooks = {TP(dma_free, 6, K_DIR), FENTRY(dma_free_attrs),
		   KPROBE(dma_free_attrs)}},
	{.name = "alloc_pages",
	 .dma_api = true,
	 .hooks = {TP(dma_alloc_pages, 7, K_613), FEXIT(dma_alloc_pages)}},
	{.name = "free_pages",
	 .dma_api = true,
	 .hooks = {TP(dma_free_pages, 6, K_613), FENTRY(dma_free_pages)}},
	{.name = "pool_create",
	 .dma_api = true,
	 .why = "newer kernels create pools in dma_pool_create_node",
	 .hooks = {FEXIT(dma_pool_create_node), FEXIT(dma_pool_create),
		   KRETPROBE_ONLY(dma_pool_create)}},
	{.name = "pool_destroy",
	 .dma_api = true,
	 .hooks = {FENTRY(dma_pool_destroy), KPROBE(dma_pool_destroy)}},
	{.name = "pool_alloc",
	 .dma_api = true,
	 .hooks = {FEXIT_CATCH(dma_pool_alloc, POOL_ALLOC),
		   KRETPROBE(dma_pool_alloc)}},
	{.name = "pool_free",
	 .dma_api = true,
	 .hooks = {FENTRY_CATCH(dma_pool_free, POOL_FREE),
		   KPROBE(dma_pool_free)}},
	/* the IOVA API: no tracepoints, the exported functions */
	{.name = "iova_alloc",
	 .dma_api = true,
	 .why = "the IOVA API (6.16+): nvme-pci maps its I/O with it under an IOMMU",
	 .hooks = {FEXIT(dma_iova_try_alloc), KRETPROBE(dma_iova_try_alloc)}},
	{.name = "iova_link",
	 .dma_api = true,
	 .hooks = {FEXIT(dma_iova_link), KRETPROBE(dma_iova_link)}},
	{.name = "iova_sync",
	 .dma_api = true,
	 .hooks = {FEXIT(dma_iova_sync), KPROBE(dma_iova_sync)}},
	{.name = "iova_unlink",
	 .dma_api = true,
	 .hooks = {FENTRY(dma_iova_unlink), KPROBE(dma_iova_unlink)}},
	{.name = "iova_destroy",
	 .dma_api = true,
	 .why = "its own dma_iova_unlink and dma_iova_free are not reported again",
	 .hooks = {FENTRY_FEXIT(dma_iova_destroy),
		   KRETPROBE(dma_iova_destroy)}},
	{.name = "iova_free",
	 .dma_api = true,
	 .hooks = {FENTRY(dma_iova_free), KPROBE(dma_iova_free)}},
	{.name = "need_unmap",
	 .dma_api = true,
	 .why = "dma_need_unmap() (6.16+): a device whose unmaps drivers may skip",
	 .hooks = {FEXIT(dma_need_unmap), KRETPROBE(dma_need_unmap)}},
	/*
	 * Per-device coherent areas (6.13+): dma_free_attrs returns before
	 * trace_dma_free for their memory.  The free's arguments at its entry,
	 * the event when dma_release_from_dev_coherent took the memory back.
	 */
	{.name = "free_dev_args",
	 .when_tp = "dma_free",
	 .when_tp_nargs = 6,
	 .when_fn = "dma_release_from_dev_coherent",
	 .hooks = {{.family = FAM_FENTRY,
		    .attach = AT_CALL,
		    .target = "dma_free_attrs",
		    .prog = "fentry_dma_free_attrs_args"},
		   {.family = FAM_KPROBE,
		    .attach = AT_CALL,
		    .target = "dma_free_attrs",
		    .prog = "kp_dma_free_attrs_args"}}},
	{.name = "dev_coherent_free",
	 .dma_api = true,
	 .when_tp = "dma_free",
	 .when_tp_nargs = 6,
	 .when_fn = "dma_release_from_dev_coherent",
	 .hooks = {FEXIT(dma_release_from_dev_coherent),
		   KRETPROBE_ONLY(dma_release_from_dev_coherent)}},
	{.name = "dma_set_mask",
	 .why = "the device's DMA mask: why its mappings bounce, whether one lies above it",
	 .hooks = {FENTRY_FEXIT(dma_set_mask), KRETPROBE(dma_set_mask)}},
	{.name = "dma_set_coherent_mask",
	 .hooks = {FENTRY_FEXIT(dma_set_coherent_mask),
		   KRETPROBE(dma_set_coherent_mask)}},
	/*
	 * dma-buf (every kernel here): the exported functions, and the
	 * buffer's final release, the dentry's d_release.  The wrappers
	 * (dma_buf_attach, the _unlocked map and unmap) are reported once,
	 * not again by the call they make.
	 */
	{.name = "dmabuf_export",
	 .why = "exported buffers: dmabuf-leak",
	 .hooks = {FEXIT(dma_buf_export), KRETPROBE(dma_buf_export)}},
	{.name = "dmabuf_release",
	 .why = "the buffer's last reference dropped (dentry release)",
	 .hooks = {FENTRY(dma_buf_release), KPROBE(dma_buf_release)}},
	{.name = "dmabuf_attach",
	 .hooks = {FENTRY_FEXIT(dma_buf_attach), KRETPROBE(dma_buf_attach)}},
	{.name = "dmabuf_dynamic_attach",
	 .hooks = {FEXIT(dma_buf_dynamic_attach),
		   KRETPROBE(dma_buf_dynamic_attach)}},
	{.name = "dmabuf_detach",
	 .hooks = {FENTRY(dma_buf_detach), KPROBE(dma_buf_detach)}},
	{.name = "dmabuf_map",
	 .why = "attachments mapped: dmabuf-map-leak",
	 .hooks = {FEXIT(dma_buf_map_attachment),
		   KRETPROBE(dma_buf_map_attachment)}},
	{.name = "dmabuf_map_unlocked",
	 .hooks = {FENTRY_FEXIT(dma_buf_map_attachment_unlocked),
		   KRETPROBE(dma_buf_map_attachment_unlocked)}},
	{.name = "dmabuf_unmap",
	 .hooks = {FENTRY(dma_buf_unmap_attachment),
		   KPROBE(dma_buf_unmap_attachment)}},
	{.name = "dmabuf_unmap_unlocked",
	 .hooks = {FENTRY_FEXIT(dma_buf_unmap_attachment_unlocked),
		   KRETPROBE(dma_buf_unmap_attachment_unlocked)}},
	/* dma_fence:* (every kernel here): fence-never-signalled */
	{.name = "fence_init",
	 .hooks = {RAW_TP(dma_fence_init, "rtp_dma_fence_init")}},
	{.name = "fence_emit",
	 .hooks = {RAW_TP(dma_fence_emit, "rtp_dma_fence_emit")}},
	{.name = "fence_signaled",
	 .hooks = {RAW_TP(dma_fence_signaled, "rtp_dma_fence_signaled")}},
	{.name = "fence_destroy",
	 .hooks = {RAW_TP(dma_fence_destroy, "rtp_dma_fence_destroy")}},
	{.name = "fence_wait_start",
	 .hooks = {RAW_TP(dma_fence_wait_start, "rtp_dma_fence_wait_start")}},
	{.name = "fence_wait_end",
	 .hooks = {RAW_TP(dma_fence_wait_end, "rtp_dma_fence_wait_end")}},
	{.name = "chan_request",
	 .hooks = {FENTRY_FEXIT(dma_request_chan),
		   KRETPROBE(dma_request_chan)}},
	{.name = "chan_request_mask",
	 .why = "dma_request_chan_by_mask's path",
	 .hooks = {FEXIT(__dma_request_channel),
		   KRETPROBE_ONLY(__dma_request_channel)}},
	{.name = "chan_release",
	 .hooks = {FENTRY(dma_release_channel), KPROBE(dma_release_channel)}},
	{.name = "driver_bind",
	 .hooks = {FENTRY_FEXIT(really_probe), KRETPROBE(really_probe)}},
	{.name = "driver_unbind",
	 .why = "reported once remove() and the devres release are done",
	 .hooks = {FENTRY_FEXIT(device_release_driver_internal),
		   KRETPROBE(device_release_driver_internal)}},
	{.name = "device_add",
	 .hooks = {FEXIT(device_add), KRETPROBE(device_add)}},
	{.name = "device_remove",
	 .hooks = {FEXIT(device_del), KRETPROBE(device_del)}},
	{.name = "module_load",
	 .hooks = {RAW_TP(module_load, "rtp_module_load")}},
	{.name = "module_unload",
	 .hooks = {RAW_TP(module_free, "rtp_module_free")}},
	{.name = "iommu_map", .hooks = {RAW_TP(map, "rtp_iommu_map")}},
	{.name = "iommu_unmap", .hooks = {RAW_TP(unmap, "rtp_iommu_unmap")}},
	{.name = "iommu_fault",
	 .hooks = {RAW_TP(io_page_fault, "rtp_io_page_fault")}},
	{.name = "swiotlb_bounce",
	 .hooks = {RAW_TP(swiotlb_bounced, "rtp_swiotlb_bounced")}},
	{.name = "cma_alloc_start",
	 .why = "contiguous memory: kernels built with CONFIG_CMA only",
	 .hooks = {RAW_TP(cma_alloc_start, "rtp_cma_alloc_start")}},
	{.name = "cma_alloc_finish",
	 .hooks = {RAW_TP(cma_alloc_finish, "rtp_cma_alloc_finish")}},
	{.name = "cma_release",
	 .hooks = {RAW_TP(cma_release, "rtp_cma_release")}},
/* named as their tracepoints: "hook vdmac_error" is vdmac's error event */
#define VDMAC(t)                                               \
	{                                                      \
		.name = "vdmac_" #t, .module = "vdmac",        \
		.hooks = {RAW_TP(vdmac_##t, "rtp_vdmac_" #t)}, \
	}
	VDMAC(desc_prep),
	VDMAC(submit),
	VDMAC(issue_pending),
	VDMAC(xfer_start),
	VDMAC(complete),
	VDMAC(error),
	VDMAC(terminate),
	VDMAC(cpu_access),
#undef VDMAC
};

const size_t live_nr_ops = sizeof(live_catalogue) / sizeof(live_catalogue[0]);

/* ---- probing the kernel ---- */

/* A function or typedef of the kernel's BTF, by name. */
struct btf_name {
	const char *name;
	int kind;
	int id;
};

/* The kernel's type and symbol tables, while the probe step runs. */
struct kernel {
	struct btf *btf;
	const struct live_ksyms_ops *ksyms;
	void *ksyms_ctx;
	struct btf_name *names;
	size_t nr_names;
	struct dmas_nameidx by_name;
};

/* A kernel symbol's address; 0 if there is none. */
static uint64_t ksym(const struct kernel *k, const char *name)
{
	return k->ksyms->addr(k->ksyms_ctx, name);
}

/*
 * btf__find_by_name_kind walks every type (some 150,000 in a distribution
 * kernel) per call; the probe step asks about a hundred names, so one walk
 * indexes the functions and typedefs it looks up.
 */
static int index_btf(struct kernel *k)
{
	uint32_t n = btf__type_cnt(k->btf);

	k->names = malloc(n * sizeof(*k->names));
	if (!k->names || dmas_nameidx_init(&k->by_name, n))
		return -1;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(k->btf, id);
		int kind = btf_kind(t);
		const char *name;

		if (kind != BTF_KIND_FUNC && kind != BTF_KIND_TYPEDEF)
			continue;
		name = btf__name_by_offset(k->btf, t->name_off);
		dmas_nameidx_add(&k->by_name, dmas_name_hash(name, SIZE_MAX),
				 (uint32_t)k->nr_names);
		k->names[k->nr_names++] = (struct btf_name){
			.name = name,
			.kind = kind,
			.id = (int)id,
		};
	}
	return 0;
}

/* The id of the function or typedef name; -1 if the kernel has none. */
static int btf_find(const struct kernel *k, const char *name, int kind)
{
	size_t pos = 0;
	int64_t row;

	if (!k->btf)
		return -1;
	while ((row = dmas_nameidx_next(&k->by_name,
					dmas_name_hash(name, SIZE_MAX),
					&pos)) >= 0)
		if (k->names[row].kind == kind &&
		    !strcmp(k->names[row].name, name))
			return k->names[row].id;
	return -1;
}

/* The id of tracepoint tp's btf_trace_ typedef; -1 if the kernel has none. */
static int btf_tp_id(const struct kernel *k, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	return btf_find(k, name, BTF_KIND_TYPEDEF);
}

static int btf_tp_nargs(const struct kernel *k, const char *tp)
{
	const struct btf *btf = k->btf;
	const struct btf_type *t;
	int id = btf_tp_id(k, tp);

	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, id);
	t = btf__type_by_id(btf, t->type); /* pointer */
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type); /* func proto */
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1; /* the first is the probe's data */
}

/*
 * The fentry test's link, made on its own thread: the first direct call
 * the kernel registers waits for every task to yield (RCU tasks), which
 * takes no CPU, so the programs load meanwhile.
 */
static void *fentry_attacher(void *arg)
{
	struct live_probe *p = arg;
	uint64_t t = dmas_live_now_mono();
	int lfd = bpf_raw_tracepoint_open(NULL, p->fentry_prog_fd);

	if (lfd < 0)
		snprintf(p->fentry_why, sizeof(p->fentry_why),
			 "fentry programs do not attach here (%s)",
			 strerror(errno));
	/* the link holds the program */
	close(p->fentry_prog_fd);
	p->fentry_prog_fd = -1;
	p->fentry_link_fd = lfd;
	p->fentry_attach_ns = dmas_live_now_mono() - t;
	__atomic_store_n(&p->fentry_done, true, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Loads an empty fentry program and attaches it: the only sure test.  The
 * load is checked here, the link on a thread (live_probe_settle waits for
 * it before the hooks attach).  Its link stays (p->fentry_link_fd) until
 * tracing stops: released at once, as the last fentry link it
 * unregistered the kernel's direct-call ops, a walk of every ftrace record
 * (0.14-0.15 s of the probe step in the emulated VM), for the hooks to
 * register them again.  Released while tracing, it would change a
 * trampoline under a running workload: the kernel then waits for every
 * task to yield (RCU tasks), and a kernel thread mapping in a loop held
 * that wait, and the reader, for minutes in the VM.  So it goes at close,
 * and on a function called rarely (dma_set_mask first), where it costs
 * nothing meanwhile.
 */
static bool probe_fentry(const struct kernel *k, struct live_probe *p)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K,
		 .dst_reg = BPF_REG_0,
		 .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static const char *const targets[] = {"dma_set_mask", "device_del",
					      "dma_unmap_page_attrs", NULL};
	char *why = p->fentry_why;
	size_t len = sizeof(p->fentry_why);
	int id = -1, fd;

	for (int i = 0; targets[i] && id < 0; i++)
		id = btf_find(k, targets[i], BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(why, len, "no DMA API function in the kernel's BTF");
		return false;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "dmas_probe", "GPL", insns, 2,
			   &o);
	if (fd < 0) {
		snprintf(why, len, "fentry programs do not load here (%s)",
			 strerror(errno));
		return false;
	}
	p->fentry_prog_fd = fd;
	if (!pthread_create(&p->fentry_thread, NULL, fentry_attacher, p)) {
		p->fentry_pending = true;
		return true;
	}
	fentry_attacher(p); /* no thread to be had: here */
	return p->fentry_link_fd >= 0;
}

bool live_probe_settle(struct live_probe *p)
{
	pthread_mutex_lock(&p->settle_lock);
	if (p->fentry_pending) {
		pthread_join(p->fentry_thread, NULL);
		p->fentry_pending = false;
		if (p->fentry_link_fd < 0)
			p->fentry_ok = false;
	}
	pthread_mutex_unlock(&p->settle_lock);
	return p->fentry_ok;
}

bool live_probe_refused_yet(struct live_probe *p)
{
	if (!__atomic_load_n(&p->fentry_pending, __ATOMIC_ACQUIRE))
		return !p->fentry_ok;
	return __atomic_load_n(&p->fentry_done, __ATOMIC_ACQUIRE) &&
	       p->fentry_link_fd < 0;
}

void live_probe_release(struct live_probe *p)
{
	btf__free(p->btf);
	p->btf = NULL;
	live_probe_settle(p);
	if (p->fentry_link_fd >= 0)
		close(p->fentry_link_fd);
	p->fentry_link_fd = -1;
}

static bool tracepoint_exists(const struct kernel *k, const char *tp)
{
	char sym[160];

	if (k->btf && btf_tp_nargs(k, tp) >= 0)
		return true;
	snprintf(sym, sizeof(sym), "__tracepoint_%s", tp);
	return ksym(k, sym) != 0;
}

/* What the kernel allows each family; -v says so. */
static void probe_families(const struct kernel *k, struct live_probe *p,
			   const struct dmas_live_opts *o)
{
	if (o->no_fentry) {
		p->fentry_ok = false;
		snprintf(p->fentry_why, sizeof(p->fentry_why),
			 "turned off (--kprobes)");
	} else if (p->fentry_refused) {
		p->fentry_ok = false; /* fentry_why says why */
	} else {
		p->fentry_ok = probe_fentry(k, p);
	}
	p->kprobe_ok =
		!access("/sys/bus/event_source/devices/kprobe/type", R_OK);
	p->dma_tps = btf_tp_nargs(k, "dma_map_phys") == 6 ||
		     btf_tp_nargs(k, "dma_map_page") == 6;
	if (o->verbose) {
		fprintf(stderr, "dmatrace: dma:* tracepoints in BTF: %s\n",
			p->dma_tps ? "yes" : "no");
		fprintf(stderr, "dmatrace: fentry/fexit: %s\n",
			!p->fentry_ok ? p->fentry_why
			: p->fentry_pending
				? "allowed (its test link attaches while the programs load)"
				: "allowed");
		fprintf(stderr, "dmatrace: kprobes: %s\n",
			p->kprobe_ok ? "yes" : "no");
	}
}

/* Why this kernel cannot take hook h; NULL when it can. */
static const char *hook_missing(const struct kernel *k,
				const struct live_probe *p,
				const struct live_hook *h)
{
	int n;

	switch (h->family) {
	case FAM_TP_BTF:
		n = k->btf ? btf_tp_nargs(k, h->target) : -1;
		if (n < 0)
			return "no such tracepoint in BTF";
		if (n != h->nargs)
			return "tracepoint has other arguments";
		return NULL;
	case FAM_FENTRY:
		if (!p->fentry_ok)
			return "fentry not allowed";
		if (btf_find(k, h->target, BTF_KIND_FUNC) < 0)
			return "not in BTF";
		if (!ksym(k, h->target))
			return "not in kallsyms";
		return NULL;
	case FAM_KPROBE:
		if (!p->kprobe_ok)
			return "no kprobes";
		if (!ksym(k, h->target))
			return "not in kallsyms";
		return NULL;
	case FAM_RAW_TP:
		if (!tracepoint_exists(k, h->target))
			return "no such tracepoint";
		return NULL;
	default:
		return "?";
	}
}

/*
 * The BTF id libbpf looks up to load h's programs (the function, or the
 * tracepoint's btf_trace_ typedef); 0 for hooks that need none.
 */
static int hook_btf_id(const struct kernel *k, const struct live_hook *h)
{
	int id = -1;

	if (h->family == FAM_TP_BTF)
		id = btf_tp_id(k, h->target);
	else if (h->family == FAM_FENTRY)
		id = btf_find(k, h->target, BTF_KIND_FUNC);
	return id > 0 ? id : 0;
}

/* Decides op's hook; fills c->why with the reason. */
static void choose(const struct kernel *k, const struct live_probe *p,
		   const struct live_op *op, struct live_choice *c)
{
	char skipped[256] = "";
	size_t sl = 0;

	c->hook = NULL;
	if (op->module) {
		/* a raw_tp loads without its tracepoint: attached later */
		c->hook = &op->hooks[0];
		snprintf(c->why, sizeof(c->why), "%s's tracepoint", op->module);
		return;
	}
	if (op->when_tp &&
	    !(k->btf && btf_tp_nargs(k, op->when_tp) == op->when_tp_nargs)) {
		snprintf(
			c->why, sizeof(c->why),
			"not needed: dma:%s is not used here, its function's own hook sees these calls",
			op->when_tp);
		return;
	}
	if (op->when_fn && !ksym(k, op->when_fn)) {
		snprintf(c->why, sizeof(c->why),
			 "not needed: this kernel has no %s", op->when_fn);
		return;
	}
	if (op->tp_covers && p->dma_tps &&
	    (!op->covered_by ||
	     (k->btf && btf_tp_nargs(k, op->covered_by) >= 0))) {
		if (op->covered_by)
			snprintf(c->why, sizeof(c->why),
				 "covered by the dma:%s tracepoint",
				 op->covered_by);
		else
			snprintf(c->why, sizeof(c->why),
				 "covered by the dma:* tracepoints");
		return;
	}
	for (int i = 0; i < LIVE_MAX_HOOKS && op->hooks[i].family != FAM_NONE;
	     i++) {
		const struct live_hook *h = &op->hooks[i];
		const char *no = hook_missing(k, p, h);

		if (!no) {
			c->hook = h;
			c->btf_id = hook_btf_id(k, h);
			if (sl)
				snprintf(c->why, sizeof(c->why),
					 "best available (%s)", skipped);
			else
				snprintf(c->why, sizeof(c->why),
					 "first choice");
			return;
		}
		sl += snprintf(skipped + sl, sizeof(skipped) - sl,
			       "%s%s %s: %s", sl ? "; " : "",
			       families[h->family].name, h->target, no);
		if (sl >= sizeof(skipped))
			sl = sizeof(skipped) - 1;
	}
	snprintf(c->why, sizeof(c->why), "%s", sl ? skipped : "no hook");
}

static void kernel_free(struct kernel *k)
{
	dmas_nameidx_free(&k->by_name);
	free(k->names);
	btf__free(k->btf);
}

int live_choose_hooks(struct live_probe *p, struct live_choice *chosen,
		      const struct dmas_live_opts *o,
		      const struct live_ksyms_ops *ksyms, void *ctx, char *err,
		      size_t errlen)
{
	struct kernel k = {0};

	k.btf = btf__load_vmlinux_btf();
	if (!k.btf || index_btf(&k)) {
		snprintf(err, errlen, "cannot read the kernel's BTF: %s",
			 strerror(errno));
		kernel_free(&k);
		return -1;
	}
	probe_families(&k, p, o);
	k.ksyms = ksyms;
	k.ksyms_ctx = ctx;
	if (ksyms->prepare(ctx, err, errlen)) {
		kernel_free(&k);
		return -1;
	}
	for (size_t i = 0; i < live_nr_ops; i++)
		choose(&k, p, &live_catalogue[i], &chosen[i]);
	/* kept for libbpf's loads: one parse of it, not one per object */
	p->btf = k.btf;
	k.btf = NULL;
	kernel_free(&k);
	return 0;
}

/* ---- describing the choice ---- */

const char *live_hook_family(const struct live_hook *h)
{
	if (h->family == FAM_FENTRY && h->attach == AT_RETURN)
		return "fexit";
	if (h->family == FAM_KPROBE && h->attach != AT_CALL)
		return "kretprobe";
	return families[h->family].name;
}

/*
 * The DMA API's families, by the catalogue operations that watch them: -v
 * says per family whether it is watched, and if not why (the first
 * operation's reason).
 */
#define API_FAMILY_OPS 6

static const struct {
	const char *family;
	const char *ops[API_FAMILY_OPS]; /* catalogue operation names */
} api_families[] = {
	{"streaming", {"map", "unmap"}},
	{"scatter-gather", {"map_sg", "unmap_sg"}},
	{"sync",
	 {"sync_for_cpu", "sync_for_device", "sync_sg_for_cpu",
	  "sync_sg_for_device"}},
	{"resource", {"map_resource", "unmap_resource"}},
	{"coherent", {"alloc", "free"}},
	{"pages", {"alloc_pages", "free_pages"}},
	{"pool", {"pool_create", "pool_destroy", "pool_alloc", "pool_free"}},
	{"IOVA",
	 {"iova_alloc", "iova_link", "iova_sync", "iova_unlink", "iova_destroy",
	  "iova_free"}},
	{"dma_need_unmap", {"need_unmap"}},
	{"device coherent areas", {"dev_coherent_free"}},
};

static bool in_family(size_t f, const char *op)
{
	for (size_t i = 0; i < API_FAMILY_OPS && api_families[f].ops[i]; i++)
		if (!strcmp(api_families[f].ops[i], op))
			return true;
	return false;
}

/* One line per family: watched (by which families of hooks) or not, why. */
static void report_api_families(const struct live_choice *chosen)
{
	for (size_t f = 0; f < sizeof(api_families) / sizeof(api_families[0]);
	     f++) {
		const struct live_choice *off = NULL, *covered = NULL;
		unsigned int on = 0, all = 0;

		for (size_t i = 0; i < live_nr_ops; i++) {
			const struct live_choice *c = &chosen[i];

			if (!in_family(f, live_catalogue[i].name))
				continue;
			all++;
			if (c->attached)
				on++;
			else if (live_catalogue[i].tp_covers ||
				 !strncmp(c->why, "not needed", 10))
				covered = covered ? covered : c;
			else if (!off)
				off = c;
		}
		if (off && on)
			fprintf(stderr,
				"dmatrace: DMA API %-22s partly watched (%u of %u): %s\n",
				api_families[f].family, on, all, off->why);
		else if (off)
			fprintf(stderr,
				"dmatrace: DMA API %-22s not watched: %s\n",
				api_families[f].family, off->why);
		else if (on)
			fprintf(stderr, "dmatrace: DMA API %-22s watched\n",
				api_families[f].family);
		else if (covered)
			fprintf(stderr, "dmatrace: DMA API %-22s %s\n",
				api_families[f].family, covered->why);
	}
}

void live_report_choice(const struct live_choice *chosen)
{
	report_api_families(chosen);
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_choice *c = &chosen[i];

		if (c->attached)
			fprintf(stderr,
				"dmatrace: hook %-21s %-7s %-32s (%s)\n",
				live_catalogue[i].name,
				families[c->hook->family].name, c->hook->target,
				c->why);
		else
			fprintf(stderr,
				"dmatrace: hook %-21s off     %-32s (%s)\n",
				live_catalogue[i].name, "", c->why);
	}
}

/*
 * The session's hook list, grouped by family (its room holds every hook a
 * kernel offers today): "tp_btf:dma_map_phys dma_unmap_phys ...;raw_tp:map
 * unmap".  Should the names ever not fit, every family is still named, with
 * its count: "kretprobe:14;kprobe:13".
 */
static bool hooks_write(const struct live_choice *chosen, char *h, size_t len,
			bool names)
{
	static const char *const fams[] = {"tp_btf",	"fexit",  "fentry",
					   "kretprobe", "kprobe", "raw_tp"};
	size_t l = 0;

	h[0] = 0;
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		unsigned int n = 0;
		int w = 0;

		for (size_t i = 0; i < live_nr_ops; i++) {
			const struct live_choice *c = &chosen[i];

			if (!c->attached ||
			    strcmp(live_hook_family(c->hook), fams[f]))
				continue;
			if (names && !n)
				w = snprintf(h + l, len - l, "%s%s:%s",
					     l ? ";" : "", fams[f],
					     c->hook->target);
			else if (names)
				w = snprintf(h + l, len - l, " %s",
					     c->hook->target);
			n++;
			if (w < 0 || (size_t)w >= len - l) {
				h[l] = 0;
				return false;
			}
			l += (size_t)w;
		}
		if (!names && n) {
			w = snprintf(h + l, len - l, "%s%s:%u", l ? ";" : "",
				     fams[f], n);
			if (w < 0 || (size_t)w >= len - l)
				return false;
			l += (size_t)w;
		}
	}
	return true;
}

void live_hooks_string(const struct live_choice *chosen, char *h, size_t len)
{
	if (!hooks_write(chosen, h, len, true))
		hooks_write(chosen, h, len, false);
}
