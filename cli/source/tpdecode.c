// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tpdecode.c - ftrace event records turned into our events: the dma:*
 * events under every name and layout they have had, swiotlb, iommu,
 * dma_fence, cma and vdmac events, and the kprobe events of the ftrace source (6.1 has no
 * dma:* events), whose entries wait for their kretprobes' return values.
 * Every field is found by name in the event's format, never at a fixed
 * offset.  The trace.dat and perf.data readers and the live tracefs
 * source all use it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <traceevent/event-parse.h>

#include "source/source.h"
#include "source/tpdecode.h"

/* What an event becomes. */
enum tp_handler {
	TH_NONE,
	TH_MAP, /* dma_map_page/phys/resource */
	TH_UNMAP,
	TH_SYNC,
	TH_ALLOC,
	TH_FREE,
	TH_MAP_SG,
	TH_MAP_SG_ERR,
	TH_UNMAP_SG,
	TH_SYNC_SG,
	TH_BOUNCE,
	TH_IOMMU_MAP,
	TH_IOMMU_UNMAP,
	TH_IOMMU_FAULT,
	TH_VDMAC_PREP,
	TH_VDMAC_DESC, /* submit, xfer_start, complete, error */
	TH_VDMAC_CHAN, /* issue_pending, terminate, chan_alloc, chan_free */
	TH_VDMAC_ACCESS,
	TH_KP_ENTRY, /* a kprobe whose kretprobe completes the event */
	TH_KP_RET,
	TH_KP_SG, /* unmap and sync of a scatterlist */
	TH_FENCE, /* dma_fence:*: context and seqno, no pointer, no device */
	TH_CMA, /* cma:*: pfn and pages, no device */
};

struct tp_spec {
	const char *sys, *name;
	uint8_t h;
	uint8_t kind;
	const struct dmas_kprobe_def *kp; /* the ftrace source's kprobes */
};

static const struct tp_spec tp_specs[] = {
	/* 6.12-6.16 names, then 6.17+ (dma_map_phys also maps resources) */
	{"dma", "dma_map_page", TH_MAP, DMAS_EV_MAP},
	{"dma", "dma_unmap_page", TH_UNMAP, DMAS_EV_UNMAP},
	{"dma", "dma_map_phys", TH_MAP, DMAS_EV_MAP},
	{"dma", "dma_unmap_phys", TH_UNMAP, DMAS_EV_UNMAP},
	{"dma", "dma_map_resource", TH_MAP, DMAS_EV_MAP_RESOURCE},
	{"dma", "dma_unmap_resource", TH_UNMAP, DMAS_EV_UNMAP_RESOURCE},
	{"dma", "dma_sync_single_for_cpu", TH_SYNC, DMAS_EV_SYNC_FOR_CPU},
	{"dma", "dma_sync_single_for_device", TH_SYNC, DMAS_EV_SYNC_FOR_DEVICE},
	{"dma", "dma_alloc", TH_ALLOC, DMAS_EV_ALLOC_COHERENT},
	{"dma", "dma_free", TH_FREE, DMAS_EV_FREE_COHERENT},
	{"dma", "dma_alloc_pages", TH_ALLOC, DMAS_EV_ALLOC_PAGES},
	{"dma", "dma_free_pages", TH_FREE, DMAS_EV_FREE_PAGES},
	{"dma", "dma_map_sg", TH_MAP_SG, DMAS_EV_MAP_SG},
	{"dma", "dma_map_sg_err", TH_MAP_SG_ERR, DMAS_EV_MAP_ERROR},
	{"dma", "dma_unmap_sg", TH_UNMAP_SG, DMAS_EV_UNMAP_SG},
	{"dma", "dma_sync_sg_for_cpu", TH_SYNC_SG, DMAS_EV_SYNC_SG_FOR_CPU},
	{"dma", "dma_sync_sg_for_device", TH_SYNC_SG,
	 DMAS_EV_SYNC_SG_FOR_DEVICE},
	{"swiotlb", "swiotlb_bounced", TH_BOUNCE, DMAS_EV_SWIOTLB_BOUNCE},
	{"iommu", "map", TH_IOMMU_MAP, DMAS_EV_IOMMU_MAP},
	{"iommu", "unmap", TH_IOMMU_UNMAP, DMAS_EV_IOMMU_UNMAP},
	{"iommu", "io_page_fault", TH_IOMMU_FAULT, DMAS_EV_IOMMU_FAULT},
	{"vdmac", "vdmac_desc_prep", TH_VDMAC_PREP, DMAS_EV_DESC_PREP},
	{"vdmac", "vdmac_submit", TH_VDMAC_DESC, DMAS_EV_DESC_SUBMIT},
	{"vdmac", "vdmac_xfer_start", TH_VDMAC_DESC, DMAS_EV_XFER_START},
	{"vdmac", "vdmac_complete", TH_VDMAC_DESC, DMAS_EV_XFER_COMPLETE},
	{"vdmac", "vdmac_error", TH_VDMAC_DESC, DMAS_EV_XFER_ERROR},
	{"vdmac", "vdmac_issue_pending", TH_VDMAC_CHAN, DMAS_EV_ISSUE_PENDING},
	{"vdmac", "vdmac_terminate", TH_VDMAC_CHAN, DMAS_EV_TERMINATE},
	{"vdmac", "vdmac_chan_alloc", TH_VDMAC_CHAN, DMAS_EV_CHAN_REQUEST},
	{"vdmac", "vdmac_chan_free", TH_VDMAC_CHAN, DMAS_EV_CHAN_RELEASE},
	{"vdmac", "vdmac_cpu_access", TH_VDMAC_ACCESS, DMAS_EV_CPU_ACCESS},
	/* the same fields on 6.1, 6.12 and 7.x (7.x splits the class) */
	{"dma_fence", "dma_fence_init", TH_FENCE, DMAS_EV_FENCE_INIT},
	{"dma_fence", "dma_fence_emit", TH_FENCE, DMAS_EV_FENCE_EMIT},
	{"dma_fence", "dma_fence_signaled", TH_FENCE, DMAS_EV_FENCE_SIGNALED},
	{"dma_fence", "dma_fence_destroy", TH_FENCE, DMAS_EV_FENCE_DESTROY},
	{"dma_fence", "dma_fence_wait_start", TH_FENCE,
	 DMAS_EV_FENCE_WAIT_START},
	{"dma_fence", "dma_fence_wait_end", TH_FENCE, DMAS_EV_FENCE_WAIT_END},
	/* kernels with CONFIG_CMA (Debian's 7.x; not its 6.1 or 6.12) */
	{"cma", "cma_alloc_start", TH_CMA, DMAS_EV_CMA_ALLOC_START},
	{"cma", "cma_alloc_finish", TH_CMA, DMAS_EV_CMA_ALLOC_FINISH},
	{"cma", "cma_release", TH_CMA, DMAS_EV_CMA_RELEASE},
};

#define TP_NSPECS (sizeof(tp_specs) / sizeof(tp_specs[0]))

/* ---- the ftrace source's kprobe events ---- */

/*
 * The functions the BPF source's kprobes hook (live_hooks.c), as kprobe
 * events with typed fetch arguments: x86-64's argument registers, the
 * device's name is dev->kobj.name (kobj and its name come first), a
 * scatterlist entry is 32 bytes (page_link, offset, length, dma_address,
 * dma_length) and only its first four lengths are read.  Field names are
 * the dma:* events' where they mean the same.  What is not here: coherent
 * and pool allocations (their dma handle is written through a pointer a
 * kretprobe cannot read on 6.1), dmaengine channel requests, driver
 * binding, device removal and module unloads.
 */
#define DEV "device=+0(+0(%di)):string"
#define LENS(sg)                                                          \
	"len0=+12(" sg "):u32 len1=+44(" sg "):u32 len2=+76(" sg "):u32 " \
	"len3=+108(" sg "):u32"
#define VMEMMAP " vmemmap=@vmemmap_base:u64"

const struct dmas_kprobe_def dmas_kprobe_defs[] = {
	{"dma_map_page_attrs", "dma_map_page_attrs", false,
	 DEV " page=%si:u64 offset=%dx:u64 size=%cx:u64 dir=%r8:s32 "
	     "attrs=%r9:u64" VMEMMAP,
	 TH_KP_ENTRY, DMAS_EV_MAP},
	{"dma_map_page_attrs_ret", "dma_map_page_attrs", true,
	 "dma_addr=$retval:u64", TH_KP_RET, DMAS_EV_MAP},
	{"dma_unmap_page_attrs", "dma_unmap_page_attrs", false,
	 DEV " dma_addr=%si:u64 size=%dx:u64 dir=%cx:s32 attrs=%r8:u64",
	 TH_UNMAP, DMAS_EV_UNMAP},
	{"dma_map_sg_attrs", "dma_map_sg_attrs", false,
	 DEV " sg=%si:u64 nents=%dx:s32 dir=%cx:s32 attrs=%r8:u64 "
	     "page=+0(%si):u64 off0=+8(%si):u32 " LENS("%si") VMEMMAP,
	 TH_KP_ENTRY, DMAS_EV_MAP_SG},
	{"dma_map_sg_attrs_ret", "dma_map_sg_attrs", true, "mapped=$retval:s32",
	 TH_KP_RET, DMAS_EV_MAP_SG},
	{"dma_map_sgtable", "dma_map_sgtable", false,
	 DEV " sg=+0(%si):u64 nents=+12(%si):u32 dir=%dx:s32 attrs=%cx:u64 "
	     "page=+0(+0(%si)):u64 off0=+8(+0(%si)):u32 " LENS("+0(%si)")
		     VMEMMAP,
	 TH_KP_ENTRY, DMAS_EV_MAP_SG},
	{"dma_map_sgtable_ret", "dma_map_sgtable", true, "ret=$retval:s32",
	 TH_KP_RET, DMAS_EV_MAP_SG},
	{"dma_unmap_sg_attrs", "dma_unmap_sg_attrs", false,
	 DEV " sg=%si:u64 nents=%dx:s32 dir=%cx:s32 attrs=%r8:u64 "
	     "dma_addr=+16(%si):u64 " LENS("%si"),
	 TH_KP_SG, DMAS_EV_UNMAP_SG},
	{"dma_sync_single_for_cpu", "dma_sync_single_for_cpu", false,
	 DEV " dma_addr=%si:u64 size=%dx:u64 dir=%cx:s32", TH_SYNC,
	 DMAS_EV_SYNC_FOR_CPU},
	{"dma_sync_single_for_device", "dma_sync_single_for_device", false,
	 DEV " dma_addr=%si:u64 size=%dx:u64 dir=%cx:s32", TH_SYNC,
	 DMAS_EV_SYNC_FOR_DEVICE},
	{"dma_sync_sg_for_cpu", "dma_sync_sg_for_cpu", false,
	 DEV
	 " sg=%si:u64 nents=%dx:s32 dir=%cx:s32 dma_addr=+16(%si):u64 " LENS(
		 "%si"),
	 TH_KP_SG, DMAS_EV_SYNC_SG_FOR_CPU},
	{"dma_sync_sg_for_device", "dma_sync_sg_for_device", false,
	 DEV
	 " sg=%si:u64 nents=%dx:s32 dir=%cx:s32 dma_addr=+16(%si):u64 " LENS(
		 "%si"),
	 TH_KP_SG, DMAS_EV_SYNC_SG_FOR_DEVICE},
	{"dma_map_resource", "dma_map_resource", false,
	 DEV " phys_addr=%si:u64 size=%dx:u64 dir=%cx:s32 attrs=%r8:u64",
	 TH_KP_ENTRY, DMAS_EV_MAP_RESOURCE},
	{"dma_map_resource_ret", "dma_map_resource", true,
	 "dma_addr=$retval:u64", TH_KP_RET, DMAS_EV_MAP_RESOURCE},
	{"dma_unmap_resource", "dma_unmap_resource", false,
	 DEV " dma_addr=%si:u64 size=%dx:u64 dir=%cx:s32 attrs=%r8:u64",
	 TH_UNMAP, DMAS_EV_UNMAP_RESOURCE},
};

const unsigned dmas_nr_kprobe_defs =
	sizeof(dmas_kprobe_defs) / sizeof(dmas_kprobe_defs[0]);

int dmas_kprobe_line(const struct dmas_kprobe_def *d, const char *group,
		     char *buf, size_t len)
{
	int n = snprintf(buf, len, "%c:%s/%s %s %s", d->ret ? 'r' : 'p', group,
			 d->event, d->target, d->args);

	return n < 0 || (size_t)n >= len ? -1 : n;
}

uint32_t dmas_tpdec_bind(struct dmas_tpdec *t, struct tep_handle *tep)
{
	static struct tp_spec kp_specs[64];
	struct tep_event **all;
	size_t i;
	unsigned k;

	t->tep = tep;
	memset(t->by_id, 0, sizeof(t->by_id));
	t->nr_known = 0;
	for (i = 0; i < TP_NSPECS; i++) {
		struct tep_event *e = tep_find_event_by_name(
			tep, tp_specs[i].sys, tp_specs[i].name);

		if (e && e->id >= 0 && e->id < 65536) {
			t->by_id[e->id] = &tp_specs[i];
			t->nr_known++;
		}
	}
	/* kprobe events: in any system named dmascope* (one per session) */
	for (k = 0; k < dmas_nr_kprobe_defs && k < 64; k++) {
		kp_specs[k].name = dmas_kprobe_defs[k].event;
		kp_specs[k].h = dmas_kprobe_defs[k].handler;
		kp_specs[k].kind = dmas_kprobe_defs[k].kind;
		kp_specs[k].kp = &dmas_kprobe_defs[k];
	}
	all = tep_list_events(tep, TEP_EVENT_SORT_ID);
	for (i = 0; all && all[i]; i++) {
		struct tep_event *e = all[i];

		if (!e->system || !e->name || e->id < 0 || e->id >= 65536 ||
		    strncmp(e->system, DMAS_KPROBE_GROUP,
			    strlen(DMAS_KPROBE_GROUP)))
			continue;
		for (k = 0; k < dmas_nr_kprobe_defs && k < 64; k++)
			if (!strcmp(e->name, kp_specs[k].name)) {
				t->by_id[e->id] = &kp_specs[k];
				t->nr_known++;
			}
	}
	return t->nr_known;
}

/* ---- fields ---- */

/* A numeric field; false when the record lacks it. */
static bool fnum(struct tep_event *e, const void *d, int size, const char *name,
		 unsigned long long *v)
{
	struct tep_format_field *f = tep_find_any_field(e, name);
	unsigned long long x;

	if (!f || f->offset < 0 || f->size <= 0 || f->offset + f->size > size ||
	    (f->flags & TEP_FIELD_IS_DYNAMIC) ||
	    tep_read_number_field(f, d, &x))
		return false;
	*v = x;
	return true;
}

/* A signed numeric field (kprobe :s32 arguments), sign-extended. */
static bool fsnum(struct tep_event *e, const void *d, int size,
		  const char *name, long long *v)
{
	struct tep_format_field *f = tep_find_any_field(e, name);
	unsigned long long x;

	if (!fnum(e, d, size, name, &x))
		return false;
	if (f->size < 8 && (f->flags & TEP_FIELD_IS_SIGNED) &&
	    (x >> (f->size * 8 - 1)) & 1)
		x |= ~0ull << (f->size * 8);
	*v = (long long)x;
	return true;
}

/*
 * cma:* records: the pages asked for (request_count from 6.12's rework,
 * count before), the first pfn and the error (errorno; older kernels:
 * none, a NULL page says the allocation failed).  Pages of 4 KiB, as on
 * the BPF side.
 */
static void cma_fields(struct tep_event *e, const void *d, int size,
		       struct dmas_event *ev)
{
	unsigned long long n = 0, pfn = 0, page = 0;
	long long err = 0;

	if (!fnum(e, d, size, "request_count", &n))
		fnum(e, d, size, "count", &n);
	ev->count = (uint32_t)n;
	ev->size = n << 12;
	ev->dir = DMAS_DIR_NONE;
	if (ev->kind == DMAS_EV_CMA_ALLOC_START)
		return;
	fnum(e, d, size, "pfn", &pfn);
	if (!fnum(e, d, size, "page", &page))
		page = pfn; /* no page field: the pfn alone says it */
	if (ev->kind != DMAS_EV_CMA_ALLOC_FINISH) {
		ev->phys = pfn << 12;
		return;
	}
	if (!fsnum(e, d, size, "errorno", &err))
		fsnum(e, d, size, "errorcode", &err);
	ev->aux = (uint64_t)err;
	if (!page || err)
		ev->flags = DMAS_F_ERROR;
	else
		ev->phys = pfn << 12;
}

/* A __data_loc / __rel_loc field: its bytes inside the record, or NULL. */
static const uint8_t *fdyn(struct dmas_tpdec *t, struct tep_event *e,
			   const uint8_t *d, int size, const char *name,
			   uint32_t *len)
{
	struct tep_format_field *f = tep_find_field(e, name);
	uint32_t loc, off;

	if (!f || !(f->flags & TEP_FIELD_IS_DYNAMIC) || f->offset < 0 ||
	    f->offset + 4 > size)
		return NULL;
	loc = (uint32_t)tep_read_number(t->tep, d + f->offset, 4);
	off = loc & 0xffff;
	*len = loc >> 16;
	if (f->flags & TEP_FIELD_IS_RELATIVE)
		off += (uint32_t)f->offset + (uint32_t)f->size;
	if ((uint64_t)off + *len > (uint64_t)size)
		return NULL;
	return d + off;
}

/* The device id of a name in the record, sending its record once. */
static uint32_t dev_of(struct dmas_tpdec *t, struct tep_event *e,
		       const uint8_t *d, int size, const char *field,
		       const struct dmas_sink *sink)
{
	struct dmas_device dev = {0};
	uint32_t len, i;
	const uint8_t *s = fdyn(t, e, d, size, field, &len);
	char name[DMAS_DEV_NAME_LEN];
	void *np;

	if (!s)
		return DMAS_DEV_NONE;
	len = (uint32_t)strnlen((const char *)s, len);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, s, len);
	name[len] = '\0';
	for (i = 0; i < t->nr_devs; i++)
		if (!strcmp(t->devs[i], name))
			return i + 1;
	if (t->nr_devs >= DMAS_DEV_ID_MAX)
		return DMAS_DEV_NONE;
	np = realloc(t->devs, (t->nr_devs + 1) * sizeof(*t->devs));
	if (!np)
		return DMAS_DEV_NONE;
	t->devs = np;
	snprintf(t->devs[t->nr_devs], sizeof(t->devs[0]), "%s", name);
	t->nr_devs++;
	dev.id = t->nr_devs;
	dev.numa_node = -1; /* unless the machine's sysfs says */
	snprintf(dev.name, sizeof(dev.name), "%s", name);
	if (t->describe)
		t->describe(t->describe_ctx, &dev);
	if (sink->device)
		sink->device(sink->ctx, &dev);
	return dev.id;
}

/* The first element and the sum of a u64 / u32 array field. */
static bool farray(struct dmas_tpdec *t, struct tep_event *e, const uint8_t *d,
		   int size, const char *name, size_t elem,
		   unsigned long long *first, unsigned long long *sum,
		   uint32_t *n)
{
	uint32_t len, i;
	const uint8_t *a = fdyn(t, e, d, size, name, &len);

	if (!a)
		return false;
	*n = len / (uint32_t)elem;
	*first = *n ? tep_read_number(t->tep, a, (int)elem) : 0;
	if (sum)
		for (*sum = 0, i = 0; i < *n; i++)
			*sum += tep_read_number(t->tep, a + i * elem,
						(int)elem);
	return true;
}

#define DMA_ATTR_MMIO (1ul << 10) /* 6.17+: dma_map_phys of a resource */
#define DMA_MAPPING_ERROR (~0ull)

/* vdmac channels: provider and index make an opaque channel id. */
static uint64_t vdmac_chan(uint32_t dev, uint64_t chan)
{
	return 1ull << 63 | (uint64_t)dev << 32 | (chan & 0xffffffff);
}

/* ---- kprobe events ---- */

/* x86-64: struct page is 64 bytes; vmemmap's base without KASLR */
#define KP_PAGE_STRUCT 64
#define KP_PAGE_SHIFT 12
#define KP_VMEMMAP_DEFAULT 0xffffea0000000000ull
#define KP_SG_LENS 4
#define KP_MAX_PENDING 4096

struct tp_pending {
	uint32_t key;
	const struct dmas_kprobe_def *kp;
	struct dmas_event ev;
};

/* Physical address of a struct page pointer plus an offset. */
static uint64_t kp_page_phys(struct tep_event *e, const void *d, int size,
			     unsigned long long page, unsigned long long off)
{
	unsigned long long base = KP_VMEMMAP_DEFAULT;

	fnum(e, d, size, "vmemmap", &base);
	page &= ~3ull; /* a scatterlist's page_link carries flags */
	if (!page || page < base)
		return 0;
	return ((page - base) / KP_PAGE_STRUCT << KP_PAGE_SHIFT) + off;
}

/* The first min(nents, 4) scatterlist lengths, summed. */
static uint64_t kp_sg_bytes(struct tep_event *e, const void *d, int size,
			    long long nents)
{
	static const char *const lens[KP_SG_LENS] = {"len0", "len1", "len2",
						     "len3"};
	unsigned long long v;
	uint64_t sum = 0;

	for (long long i = 0; i < nents && i < KP_SG_LENS; i++)
		if (fnum(e, d, size, lens[i], &v))
			sum += v;
	return sum;
}

/* Entries and returns meet by task (by CPU in interrupts of the idle task). */
static uint32_t kp_key(const struct dmas_event *ev)
{
	return ev->pid ? ev->pid : 0x80000000u | ev->cpu;
}

static void kp_push(struct dmas_tpdec *t, const struct dmas_kprobe_def *kp,
		    const struct dmas_event *ev)
{
	if (!t->pending) {
		t->pending = calloc(KP_MAX_PENDING, sizeof(*t->pending));
		if (!t->pending)
			return;
	}
	if (t->nr_pending == KP_MAX_PENDING) {
		/* returns that never came (kretprobe misses): the oldest go */
		memmove(t->pending, t->pending + 1,
			(KP_MAX_PENDING - 1) * sizeof(*t->pending));
		t->nr_pending--;
		t->unpaired++;
	}
	t->pending[t->nr_pending].key = kp_key(ev);
	t->pending[t->nr_pending].kp = kp;
	t->pending[t->nr_pending].ev = *ev;
	t->nr_pending++;
}

/* The newest entry of this task into the function kp returns from. */
static bool kp_pop(struct dmas_tpdec *t, const struct dmas_kprobe_def *kp,
		   const struct dmas_event *ret, struct tp_pending *out)
{
	uint32_t key = kp_key(ret), i;

	for (i = t->nr_pending; i-- > 0;) {
		if (t->pending[i].key != key ||
		    strcmp(t->pending[i].kp->target, kp->target))
			continue;
		*out = t->pending[i];
		memmove(t->pending + i, t->pending + i + 1,
			(t->nr_pending - i - 1) * sizeof(*t->pending));
		t->nr_pending--;
		return true;
	}
	t->unpaired++;
	return false;
}

/* A kprobe entry: what the call was given, kept until it returns. */
static void kp_entry(struct dmas_tpdec *t, const struct tp_spec *sp,
		     struct tep_event *e, const uint8_t *d, int size,
		     struct dmas_event *ev, const struct dmas_sink *sink)
{
	unsigned long long v = 0, off = 0;
	long long nents = 0;

	ev->dev = dev_of(t, e, d, size, "device", sink);
	switch (sp->kind) {
	case DMAS_EV_MAP:
		fnum(e, d, size, "size", &ev->size);
		fnum(e, d, size, "offset", &off);
		if (fnum(e, d, size, "page", &v))
			ev->phys = kp_page_phys(e, d, size, v, off);
		break;
	case DMAS_EV_MAP_RESOURCE:
		fnum(e, d, size, "size", &ev->size);
		fnum(e, d, size, "phys_addr", &ev->phys);
		break;
	case DMAS_EV_MAP_SG:
		fnum(e, d, size, "sg", &ev->aux);
		if (fsnum(e, d, size, "nents", &nents) && nents > 0)
			ev->count = (uint32_t)nents & 0xffff;
		ev->size = kp_sg_bytes(e, d, size, nents);
		fnum(e, d, size, "off0", &off);
		if (fnum(e, d, size, "page", &v))
			ev->phys = kp_page_phys(e, d, size, v, off);
		break;
	}
	kp_push(t, sp->kp, ev);
}

/* A kretprobe: the entry it ends, completed with the return value. */
static bool kp_return(struct dmas_tpdec *t, const struct tp_spec *sp,
		      struct tep_event *e, const uint8_t *d, int size,
		      struct dmas_event *ev)
{
	struct tp_pending p;
	long long r = 0;

	if (!kp_pop(t, sp->kp, ev, &p))
		return false;
	p.ev.ts = ev->ts;
	p.ev.cpu = ev->cpu;
	*ev = p.ev;
	if (ev->kind == DMAS_EV_MAP_SG) {
		uint32_t nents = ev->count & 0xffff;

		if (fsnum(e, d, size, "mapped", &r))
			; /* dma_map_sg_attrs: how many it mapped */
		else if (fsnum(e, d, size, "ret", &r))
			r = r ? 0 : nents; /* dma_map_sgtable: 0 or -errno */
		if (r > 0) {
			ev->count = nents | (uint32_t)r << 16;
		} else {
			ev->kind = DMAS_EV_MAP_ERROR;
			ev->aux = DMAS_EV_MAP_SG;
			ev->count = 0;
		}
		return true;
	}
	fnum(e, d, size, "dma_addr", &ev->addr);
	if (ev->addr == DMA_MAPPING_ERROR) {
		ev->aux = ev->kind;
		ev->kind = DMAS_EV_MAP_ERROR;
		ev->addr = 0;
	}
	return true;
}

/* Unmap and sync of a scatterlist, as the BPF source reports them. */
static void kp_sg(struct dmas_tpdec *t, struct tep_event *e, const uint8_t *d,
		  int size, struct dmas_event *ev, const struct dmas_sink *sink)
{
	long long nents = 0;

	ev->dev = dev_of(t, e, d, size, "device", sink);
	fnum(e, d, size, "sg", &ev->aux);
	if (fsnum(e, d, size, "nents", &nents) && nents > 0)
		ev->count = (uint32_t)nents;
	ev->size = kp_sg_bytes(e, d, size, nents);
	if (ev->kind == DMAS_EV_UNMAP_SG)
		fnum(e, d, size, "dma_addr", &ev->addr);
}

/* ---- records ---- */

/* The spec of the record's event and its format; NULL if not ours. */
static const struct tp_spec *spec_of(const struct dmas_tpdec *t,
				     const void *data, int size,
				     struct tep_event **e)
{
	struct tep_record rec = {0};
	const struct tp_spec *sp;
	int type;

	if (size <= 0)
		return NULL;
	rec.data = (void *)data;
	rec.size = size;
	type = tep_data_type(t->tep, &rec);
	if (type < 0 || type > 65535 || !(sp = t->by_id[type]) ||
	    !(*e = tep_find_event(t->tep, type)))
		return NULL;
	return sp;
}

bool dmas_tpdec_known(const struct dmas_tpdec *t, const void *data, int size)
{
	struct tep_event *e;

	return spec_of(t, data, size, &e) != NULL;
}

bool dmas_tpdec_record_stack(struct dmas_tpdec *t, const void *data, int size,
			     uint64_t ts, uint32_t cpu, uint32_t stack_id,
			     const struct dmas_sink *sink)
{
	const struct tp_spec *sp;
	struct tep_event *e = NULL;
	struct dmas_event ev = {0};
	const uint8_t *d = data;
	unsigned long long v = 0, a, b;
	uint32_t n = 0;

	if (size <= 0)
		return false;
	if (!(sp = spec_of(t, data, size, &e))) {
		t->skipped++;
		return false;
	}
	ev.ts = ts;
	ev.cpu = (uint16_t)cpu;
	ev.stack_id = stack_id;
	ev.kind = sp->kind;
	if (fnum(e, d, size, "common_pid", &v))
		ev.pid = (uint32_t)v;
	if (fnum(e, d, size, "dir", &v))
		ev.dir = (uint8_t)v;
	if (fnum(e, d, size, "attrs", &v))
		ev.attrs = (uint16_t)v;
	switch (sp->h) {
	case TH_MAP:
	case TH_UNMAP:
	case TH_SYNC:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		if (!fnum(e, d, size, "dma_addr", &ev.addr))
			fnum(e, d, size, "addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		if (sp->h == TH_MAP)
			fnum(e, d, size, "phys_addr", &ev.phys);
		if (fnum(e, d, size, "attrs", &v) && (v & DMA_ATTR_MMIO))
			ev.kind = sp->h == TH_MAP ? DMAS_EV_MAP_RESOURCE
						  : DMAS_EV_UNMAP_RESOURCE;
		if (sp->h == TH_MAP && ev.addr == DMA_MAPPING_ERROR) {
			ev.aux = ev.kind;
			ev.kind = DMAS_EV_MAP_ERROR;
			ev.addr = 0;
		}
		break;
	case TH_ALLOC:
	case TH_FREE:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		fnum(e, d, size, "dma_addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		fnum(e, d, size, "virt_addr", &ev.aux);
		ev.dir = 0;
		if (sp->h == TH_ALLOC &&
		    (!ev.aux || ev.addr == DMA_MAPPING_ERROR))
			ev.flags = DMAS_F_ERROR;
		break;
	case TH_MAP_SG:
		/*
		 * No scatterlist pointer in the event: the first segment's
		 * physical address keys map and unmap (unmap_sg carries the
		 * segments' physical addresses).
		 */
		ev.dev = dev_of(t, e, d, size, "device", sink);
		if (farray(t, e, d, size, "phys_addrs", 8, &ev.aux, NULL, &n))
			ev.phys = ev.aux;
		farray(t, e, d, size, "dma_addrs", 8, &ev.addr, NULL, &n);
		if (farray(t, e, d, size, "lengths", 4, &a, &b, &n)) {
			ev.size = b;
			ev.count = n | n << 16;
		}
		if (fnum(e, d, size, "full_nents", &v))
			ev.count = (uint32_t)v | n << 16;
		break;
	case TH_MAP_SG_ERR:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "phys_addrs", 8, &ev.phys, NULL, &n);
		ev.aux = DMAS_EV_MAP_SG;
		break;
	case TH_UNMAP_SG:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "addrs", 8, &ev.aux, NULL, &n);
		ev.count = n;
		break;
	case TH_SYNC_SG:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		farray(t, e, d, size, "dma_addrs", 8, &ev.addr, NULL, &n);
		ev.count = n;
		if (farray(t, e, d, size, "lengths", 4, &a, &b, &n))
			ev.size = b;
		break;
	case TH_BOUNCE:
		ev.dev = dev_of(t, e, d, size, "dev_name", sink);
		fnum(e, d, size, "dev_addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		break;
	case TH_IOMMU_MAP:
	case TH_IOMMU_UNMAP:
		fnum(e, d, size, "iova", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		fnum(e, d, size, "paddr", &ev.phys);
		break;
	case TH_IOMMU_FAULT:
		ev.dev = dev_of(t, e, d, size, "device", sink);
		fnum(e, d, size, "iova", &ev.addr);
		if (fnum(e, d, size, "flags", &v))
			ev.count = (uint32_t)v;
		break;
	case TH_VDMAC_PREP:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		fnum(e, d, size, "len", &ev.size);
		fnum(e, d, size, "nsegs", &v);
		ev.count = (uint32_t)v;
		fnum(e, d, size, "dir", &v);
		/* enum dma_transfer_direction: the memory side it touches */
		if (v == 1) {
			fnum(e, d, size, "src", &ev.phys);
			ev.dir = 1;
		} else {
			fnum(e, d, size, "dst", &ev.phys);
			ev.dir = v == 2 ? 2 : 0;
		}
		break;
	case TH_VDMAC_DESC:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		if (fnum(e, d, size, "cookie", &v))
			ev.addr = (uint32_t)v;
		if (fnum(e, d, size, "result", &v))
			ev.count = (uint32_t)v;
		ev.dir = 0;
		break;
	case TH_VDMAC_CHAN:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "chan", &v);
		ev.aux = vdmac_chan(ev.dev, v);
		if (sp->kind == DMAS_EV_CHAN_REQUEST)
			ev.count = (uint32_t)v;
		break;
	case TH_VDMAC_ACCESS:
		ev.dev = dev_of(t, e, d, size, "dev", sink);
		fnum(e, d, size, "addr", &ev.addr);
		fnum(e, d, size, "size", &ev.size);
		if (fnum(e, d, size, "write", &v) && v)
			ev.flags = DMAS_F_WRITE;
		break;
	case TH_FENCE:
		/* a missing field would merge fences: drop the record */
		if (!fnum(e, d, size, "context", &ev.addr) ||
		    !fnum(e, d, size, "seqno", &ev.phys))
			return false;
		break;
	case TH_CMA:
		cma_fields(e, d, size, &ev);
		break;
	case TH_KP_ENTRY:
		kp_entry(t, sp, e, d, size, &ev, sink);
		return true;
	case TH_KP_RET:
		if (!kp_return(t, sp, e, d, size, &ev))
			return true;
		break;
	case TH_KP_SG:
		kp_sg(t, e, d, size, &ev, sink);
		break;
	case TH_NONE:
		return false;
	}
	t->events++;
	if (sink->event)
		sink->event(sink->ctx, &ev);
	return true;
}

void dmas_tpdec_free(struct dmas_tpdec *t)
{
	free(t->devs);
	free(t->pending);
	t->devs = NULL;
	t->pending = NULL;
	t->nr_devs = t->nr_pending = 0;
}
