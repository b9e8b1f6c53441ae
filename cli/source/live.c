// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live.c - the live BPF source: probes the running kernel, turns on one
 * hook family per traced function (tp_btf, fentry/fexit, kprobes), attaches,
 * and delivers the session, the NUMA layout, devices, symbolized stacks and
 * time-ordered events from the ring buffer to a sink.  Lost events are
 * counted in the kernel and delivered as DMAS_EV_LOST.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "../../bpf/dmascope_bpf.h"
#include "dmascope.skel.h"
#include "source/kmsg.h"
#include "source/live.h"
#include "source/source_impl.h"

#define SYSFS_SYSTEM "/sys/devices/system"
#define DEFAULT_RINGBUF_KB 8192
#define DEFAULT_STACKS 16384
#define REORDER_NS \
	10000000ULL /* events may leave the ring this far out of order */
#define POLL_MS 100
#define MAX_STACK_DEPTH 127

enum family { FAM_NONE, FAM_TP_BTF, FAM_FENTRY, FAM_KPROBE, FAM_RAW_TP };

static const char *const family_name[] = {
	[FAM_NONE] = "off",	 [FAM_TP_BTF] = "tp_btf",
	[FAM_FENTRY] = "fentry", [FAM_KPROBE] = "kprobe",
	[FAM_RAW_TP] = "raw_tp",
};

/* One way to hook an operation: a family, its target and its programs. */
struct alt {
	enum family fam;
	const char *target; /* tracepoint or kernel function */
	int nargs; /* tp_btf: arguments the program expects */
	const char *prog; /* fentry/fexit, kprobe or kretprobe, tp program */
	const char *prog2; /* second program (entry + return), or NULL */
};

/* An operation we trace, with its hooks in order of preference. */
struct op {
	const char *name;
	bool dma_api; /* counts towards "a supported hook" */
	bool tp_covers; /* skipped when the dma:* tracepoints are used */
	struct alt alts[4];
	const char
		*module; /* tracepoint of this module: attached when it loads */
};

#define TP(t, n)                                  \
	{                                         \
		FAM_TP_BTF, #t, n, "tp_" #t, NULL \
	}
#define FX(f)                                        \
	{                                            \
		FAM_FENTRY, #f, 0, "fexit_" #f, NULL \
	}
#define FN(f)                                         \
	{                                             \
		FAM_FENTRY, #f, 0, "fentry_" #f, NULL \
	}
#define FNX(f)                                               \
	{                                                    \
		FAM_FENTRY, #f, 0, "fentry_" #f, "fexit_" #f \
	}
#define KP(f)                                     \
	{                                         \
		FAM_KPROBE, #f, 0, "kp_" #f, NULL \
	}
#define KRP(f)                                         \
	{                                              \
		FAM_KPROBE, #f, 0, "kp_" #f, "krp_" #f \
	}
#define KRPONLY(f)                                 \
	{                                          \
		FAM_KPROBE, #f, 0, "krp_" #f, NULL \
	}
#define RTP(t, p)                          \
	{                                  \
		FAM_RAW_TP, #t, 0, p, NULL \
	}

static const struct op ops[] = {
	{"map",
	 true,
	 false,
	 {TP(dma_map_phys, 6), TP(dma_map_page, 6), FX(dma_map_page_attrs),
	  KRP(dma_map_page_attrs)}},
	{"unmap",
	 true,
	 false,
	 {TP(dma_unmap_phys, 5), TP(dma_unmap_page, 5),
	  FN(dma_unmap_page_attrs), KP(dma_unmap_page_attrs)}},
	{"map_sg",
	 true,
	 false,
	 {TP(dma_map_sg, 6), FX(dma_map_sg_attrs), KRP(dma_map_sg_attrs)}},
	{"map_sg_err", true, false, {TP(dma_map_sg_err, 6)}},
	{"map_sgtable",
	 true,
	 true,
	 {FX(dma_map_sgtable), KRP(dma_map_sgtable)}},
	{"unmap_sg",
	 true,
	 false,
	 {TP(dma_unmap_sg, 5), FN(dma_unmap_sg_attrs), KP(dma_unmap_sg_attrs)}},
	{"sync_for_cpu",
	 true,
	 false,
	 {TP(dma_sync_single_for_cpu, 4), FN(dma_sync_single_for_cpu),
	  KP(dma_sync_single_for_cpu)}},
	{"sync_for_device",
	 true,
	 false,
	 {TP(dma_sync_single_for_device, 4), FN(dma_sync_single_for_device),
	  KP(dma_sync_single_for_device)}},
	{"sync_sg_for_cpu",
	 true,
	 false,
	 {TP(dma_sync_sg_for_cpu, 4), FN(dma_sync_sg_for_cpu),
	  KP(dma_sync_sg_for_cpu)}},
	{"sync_sg_for_device",
	 true,
	 false,
	 {TP(dma_sync_sg_for_device, 4), FN(dma_sync_sg_for_device),
	  KP(dma_sync_sg_for_device)}},
	{"map_resource",
	 true,
	 true,
	 {TP(dma_map_resource, 6), FX(dma_map_resource),
	  KRP(dma_map_resource)}},
	{"unmap_resource",
	 true,
	 true,
	 {TP(dma_unmap_resource, 5), FN(dma_unmap_resource),
	  KP(dma_unmap_resource)}},
	{"alloc",
	 true,
	 false,
	 {TP(dma_alloc, 7), FX(dma_alloc_attrs), KRP(dma_alloc_attrs)}},
	{"free",
	 true,
	 false,
	 {TP(dma_free, 6), FN(dma_free_attrs), KP(dma_free_attrs)}},
	{"alloc_pages",
	 true,
	 false,
	 {TP(dma_alloc_pages, 7), FX(dma_alloc_pages)}},
	{"free_pages",
	 true,
	 false,
	 {TP(dma_free_pages, 6), FN(dma_free_pages)}},
	{"pool_create",
	 true,
	 false,
	 {FX(dma_pool_create_node), FX(dma_pool_create),
	  KRPONLY(dma_pool_create)}},
	{"pool_destroy",
	 true,
	 false,
	 {FN(dma_pool_destroy), KP(dma_pool_destroy)}},
	{"pool_alloc", true, false, {FX(dma_pool_alloc), KRP(dma_pool_alloc)}},
	{"pool_free", true, false, {FN(dma_pool_free), KP(dma_pool_free)}},
	{"chan_request",
	 false,
	 false,
	 {FNX(dma_request_chan), KRP(dma_request_chan)}},
	{"chan_request_mask",
	 false,
	 false,
	 {FX(__dma_request_channel), KRPONLY(__dma_request_channel)}},
	{"chan_release",
	 false,
	 false,
	 {FN(dma_release_channel), KP(dma_release_channel)}},
	{"driver_bind", false, false, {FNX(really_probe), KRP(really_probe)}},
	{"driver_unbind",
	 false,
	 false,
	 {FNX(device_release_driver_internal),
	  KRP(device_release_driver_internal)}},
	{"device_add", false, false, {FX(device_add), KRP(device_add)}},
	{"device_remove", false, false, {FX(device_del), KRP(device_del)}},
	{"module_unload", false, false, {RTP(module_free, "rtp_module_free")}},
	{"iommu_map", false, false, {RTP(map, "rtp_iommu_map")}},
	{"iommu_unmap", false, false, {RTP(unmap, "rtp_iommu_unmap")}},
	{"iommu_fault",
	 false,
	 false,
	 {RTP(io_page_fault, "rtp_io_page_fault")}},
	{"swiotlb_bounce",
	 false,
	 false,
	 {RTP(swiotlb_bounced, "rtp_swiotlb_bounced")}},
#define VDMAC(t)                                                              \
	{                                                                     \
#t, false, false, {RTP(vdmac_##t, "rtp_vdmac_" #t) }, "vdmac" \
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

#define NR_OPS (sizeof(ops) / sizeof(ops[0]))

struct chosen {
	const struct alt *alt; /* NULL: off */
	char why[128];
	struct bpf_link *links[2];
	bool attached;
	bool waiting; /* its module is not loaded yet */
};

struct pend {
	struct dmas_event ev;
	uint64_t seq;
};

struct live_source {
	struct dmas_source base;
	struct dmas_live_opts opts;
	struct dmascope_bpf *skel;
	struct ring_buffer *rb;
	struct dmas_ksyms *ksyms;
	struct chosen chosen[NR_OPS];
	struct dmas_session session;
	int ncpus;
	/* drops already turned into LOST events, per slot and CPU */
	uint64_t *drops_seen;
	uint64_t stack_errors;
	/* devices and stacks already delivered */
	uint8_t *dev_known; /* DMAS_BPF_MAX_DEVICES */
	uint8_t *stack_known; /* stack map size + 1 */
	uint32_t nr_stacks;
	/* events waiting for the reorder window */
	struct pend *pend;
	size_t npend, cap, head;
	uint64_t seq, max_ts;
	const struct dmas_sink *sink;
	uint64_t *stack_buf;
	uint64_t events, lost;
	/*
	 * Per-device call counts of the events received; the kernel's
	 * dev_counters count only the calls whose event was lost.
	 */
	struct dmas_bpf_counters *counts; /* DMAS_BPF_MAX_DEVICES */
	/* the kernel log, for IOMMU faults that fire no tracepoint */
	struct dmas_kmsg *kmsg;
	uint64_t kmsg_missed, kmsg_unknown_dev;
};

static int verbose;

static void attach_waiting(struct live_source *ls);

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	fprintf(stderr, "libbpf: ");
	return vfprintf(stderr, fmt, ap);
}

static uint64_t now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static uint64_t now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ---- probing the kernel ---- */

struct probe_ctx {
	struct btf *btf;
	struct dmas_ksyms *ksyms;
	bool fentry_ok;
	char fentry_why[160];
	bool kprobe_ok;
	bool dma_tps; /* the kernel has the dma:* tracepoints */
};

static int btf_tp_nargs(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
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

/* Loads and attaches an empty fentry program: the only sure test. */
static bool probe_fentry(const struct btf *btf, char *why, size_t len)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K,
		 .dst_reg = BPF_REG_0,
		 .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static const char *const targets[] = {
		"dma_unmap_page_attrs", "dma_free_attrs", "device_del", NULL};
	int id = -1, fd, lfd;

	for (int i = 0; targets[i] && id < 0; i++)
		id = btf__find_by_name_kind(btf, targets[i], BTF_KIND_FUNC);
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
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		snprintf(why, len, "fentry programs do not attach here (%s)",
			 strerror(errno));
		close(fd);
		return false;
	}
	close(lfd);
	close(fd);
	return true;
}

static bool tracepoint_exists(struct probe_ctx *p, const char *tp)
{
	char sym[160];

	if (p->btf && btf_tp_nargs(p->btf, tp) >= 0)
		return true;
	snprintf(sym, sizeof(sym), "__tracepoint_%s", tp);
	return dmas_ksyms_addr(p->ksyms, sym) != 0;
}

/* Decides op's hook; fills c->why with the reason. */
static void choose(struct probe_ctx *p, const struct op *op, struct chosen *c)
{
	char skipped[256] = "";
	size_t sl = 0;

	c->alt = NULL;
	if (op->module) {
		/* raw_tp programs load without their tracepoint: attach later
		 */
		c->alt = &op->alts[0];
		snprintf(c->why, sizeof(c->why), "%s's tracepoint", op->module);
		return;
	}
	if (op->tp_covers && p->dma_tps) {
		snprintf(c->why, sizeof(c->why),
			 "covered by the dma:* tracepoints");
		return;
	}
	for (int i = 0; i < 4 && op->alts[i].fam != FAM_NONE; i++) {
		const struct alt *a = &op->alts[i];
		const char *no = NULL;
		int n;

		switch (a->fam) {
		case FAM_TP_BTF:
			n = p->btf ? btf_tp_nargs(p->btf, a->target) : -1;
			if (n < 0)
				no = "no such tracepoint in BTF";
			else if (n != a->nargs)
				no = "tracepoint has other arguments";
			break;
		case FAM_FENTRY:
			if (!p->fentry_ok)
				no = "fentry not allowed";
			else if (btf__find_by_name_kind(p->btf, a->target,
							BTF_KIND_FUNC) < 0)
				no = "not in BTF";
			else if (!dmas_ksyms_addr(p->ksyms, a->target))
				no = "not in kallsyms";
			break;
		case FAM_KPROBE:
			if (!p->kprobe_ok)
				no = "no kprobes";
			else if (!dmas_ksyms_addr(p->ksyms, a->target))
				no = "not in kallsyms";
			break;
		case FAM_RAW_TP:
			if (!tracepoint_exists(p, a->target))
				no = "no such tracepoint";
			break;
		default:
			no = "?";
		}
		if (!no) {
			c->alt = a;
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
			       family_name[a->fam], a->target, no);
		if (sl >= sizeof(skipped))
			sl = sizeof(skipped) - 1;
	}
	snprintf(c->why, sizeof(c->why), "%s", sl ? skipped : "no hook");
}

/* ---- errors a user can act on ---- */

/*
 * The program the capabilities must be given to: dmatrace or dmatop,
 * whichever is running (setcap wants its path).
 */
static const char *self_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return program_invocation_short_name;
	path[n] = '\0';
	return path;
}

static void explain_load_error(int e, char *err, size_t errlen)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char lock[128] = "";

	if (f) {
		if (!fgets(lock, sizeof(lock), f))
			lock[0] = 0;
		fclose(f);
	}
	if (strstr(lock, "[confidentiality]") || strstr(lock, "[integrity]")) {
		snprintf(err, errlen,
			 "the kernel is locked down (%s): BPF tracing is not "
			 "allowed; boot with "
			 "lockdown=none or without Secure Boot lockdown",
			 strstr(lock, "[confidentiality]") ? "confidentiality"
							   : "integrity");
		return;
	}
	if (e == EPERM || e == EACCES) {
		if (geteuid() != 0)
			snprintf(err, errlen,
				 "permission denied loading BPF: run as root, "
				 "or give %s CAP_BPF, CAP_PERFMON and "
				 "CAP_SYSLOG (setcap "
				 "cap_bpf,cap_perfmon,cap_syslog+ep %s)",
				 program_invocation_short_name, self_path());
		else
			snprintf(err, errlen,
				 "permission denied loading BPF as root: the "
				 "memlock limit may be too "
				 "low (ulimit -l unlimited) or BPF is disabled "
				 "(kernel.unprivileged_bpf_disabled, a "
				 "security module)");
		return;
	}
	snprintf(err, errlen,
		 "loading the BPF programs failed: %s (run with -v -v for the "
		 "verifier log)",
		 strerror(e));
}

/* ---- delivering ---- */

static void to_device(const struct dmas_device_rec *r, struct dmas_device *d)
{
	memset(d, 0, sizeof(*d));
	d->id = r->dev;
	d->numa_node = r->numa_node;
	d->flags = r->flags;
	memcpy(d->name, r->name, sizeof(d->name));
	d->name[sizeof(d->name) - 1] = 0;
	memcpy(d->driver, r->driver, sizeof(d->driver));
	d->driver[sizeof(d->driver) - 1] = 0;
	memcpy(d->bus, r->bus, sizeof(d->bus));
	d->bus[sizeof(d->bus) - 1] = 0;
	d->dma_mask = r->dma_mask;
}

static void deliver_device_rec(struct live_source *ls,
			       const struct dmas_device_rec *r)
{
	struct dmas_device d;

	if (!r->dev || r->dev >= DMAS_BPF_MAX_DEVICES || ls->dev_known[r->dev])
		return;
	ls->dev_known[r->dev] = 1;
	to_device(r, &d);
	if (ls->sink->device)
		ls->sink->device(ls->sink->ctx, &d);
}

/* A device whose record was lost in the ring: read it from the dev_info map. */
static void ensure_device(struct live_source *ls, uint32_t id)
{
	struct dmas_device_rec r;

	if (!id || id >= DMAS_BPF_MAX_DEVICES || ls->dev_known[id])
		return;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.dev_info), &id,
				&r) ||
	    r.dev != id)
		return;
	deliver_device_rec(ls, &r);
}

static void ensure_stack(struct live_source *ls, uint32_t id)
{
	uint32_t key = id - 1;
	char bufs[MAX_STACK_DEPTH][160];
	const char *frames[MAX_STACK_DEPTH];
	struct dmas_stack st;
	int n = 0;

	if (!id || id > ls->nr_stacks || ls->stack_known[id])
		return;
	ls->stack_known[id] = 1;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.stacks), &key,
				ls->stack_buf))
		return;
	dmas_ksyms_refresh(ls->ksyms);
	for (int i = 0; i < MAX_STACK_DEPTH && ls->stack_buf[i]; i++) {
		dmas_ksyms_format(ls->ksyms, ls->stack_buf[i], bufs[n],
				  sizeof(bufs[n]));
		/* leading frames are our BPF program and its trampoline */
		if (!n && ((bufs[n][0] == '0' && bufs[n][1] == 'x') ||
			   strstr(bufs[n], " [bpf]")))
			continue;
		frames[n] = bufs[n];
		n++;
	}
	st.id = id;
	st.nr_frames = n;
	st.frames = frames;
	if (ls->sink->stack)
		ls->sink->stack(ls->sink->ctx, &st);
}

static int pend_push(struct live_source *ls, const struct dmas_event *ev)
{
	size_t i;

	if (ls->head && ls->head == ls->npend) {
		ls->head = ls->npend = 0;
	} else if (ls->npend == ls->cap && ls->head > ls->cap / 2) {
		memmove(ls->pend, ls->pend + ls->head,
			(ls->npend - ls->head) * sizeof(*ls->pend));
		ls->npend -= ls->head;
		ls->head = 0;
	}
	if (ls->npend == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 4096;
		struct pend *p = realloc(ls->pend, cap * sizeof(*p));

		if (!p)
			return -1;
		ls->pend = p;
		ls->cap = cap;
	}
	/* mostly in order already: insertion from the back */
	i = ls->npend++;
	while (i > ls->head && ls->pend[i - 1].ev.ts > ev->ts) {
		ls->pend[i] = ls->pend[i - 1];
		i--;
	}
	ls->pend[i].ev = *ev;
	ls->pend[i].seq = ls->seq++;
	if (ev->ts > ls->max_ts)
		ls->max_ts = ev->ts;
	return 0;
}

/* Hands over every event at or before limit. */
static void pend_flush(struct live_source *ls, uint64_t limit)
{
	while (ls->head < ls->npend && ls->pend[ls->head].ev.ts <= limit) {
		ls->events++;
		if (ls->sink->event)
			ls->sink->event(ls->sink->ctx, &ls->pend[ls->head].ev);
		ls->head++;
	}
}

/* What count_dev in the BPF object counts for a lost event, for one received.
 */
static void count_event(struct live_source *ls, const struct dmas_event *ev)
{
	struct dmas_bpf_counters *c;

	if (!ev->dev || ev->dev >= DMAS_BPF_MAX_DEVICES)
		return;
	c = &ls->counts[ev->dev];
	switch (ev->kind) {
	case DMAS_EV_MAP:
	case DMAS_EV_MAP_SG:
	case DMAS_EV_MAP_RESOURCE:
		c->maps++;
		c->map_bytes += ev->size;
		break;
	case DMAS_EV_UNMAP:
	case DMAS_EV_UNMAP_SG:
	case DMAS_EV_UNMAP_RESOURCE:
		c->unmaps++;
		break;
	case DMAS_EV_SYNC_FOR_CPU:
	case DMAS_EV_SYNC_FOR_DEVICE:
	case DMAS_EV_SYNC_SG_FOR_CPU:
	case DMAS_EV_SYNC_SG_FOR_DEVICE:
		c->syncs++;
		break;
	case DMAS_EV_ALLOC_COHERENT:
	case DMAS_EV_ALLOC_PAGES:
	case DMAS_EV_POOL_ALLOC:
		if (!(ev->flags & DMAS_F_ERROR)) {
			c->allocs++;
			c->alloc_bytes += ev->size;
		}
		break;
	case DMAS_EV_FREE_COHERENT:
	case DMAS_EV_FREE_PAGES:
	case DMAS_EV_POOL_FREE:
		c->frees++;
		break;
	case DMAS_EV_MAP_ERROR:
		c->map_errors++;
		break;
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct live_source *ls = ctx;
	const struct dmas_event *ev = data;

	if (size >= sizeof(struct dmas_device_rec) &&
	    ((const struct dmas_device_rec *)data)->kind == DMAS_REC_DEVICE) {
		deliver_device_rec(ls, data);
		return 0;
	}
	if (size < sizeof(*ev))
		return 0;
	ensure_device(ls, ev->dev);
	if (ev->kind == DMAS_EV_CHAN_REQUEST)
		ensure_device(ls, (uint32_t)ev->addr);
	ensure_stack(ls, ev->stack_id);
	count_event(ls, ev);
	return pend_push(ls, ev);
}

/* Turns new in-kernel drop counts into LOST events. */
static void check_drops(struct live_source *ls)
{
	uint64_t vals[ls->ncpus];

	for (uint32_t slot = 0; slot < DMAS_DROP_NR; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.drops),
					&slot, vals))
			continue;
		for (int cpu = 0; cpu < ls->ncpus; cpu++) {
			uint64_t *seen =
				&ls->drops_seen[slot * ls->ncpus + cpu];
			uint64_t d = vals[cpu] - *seen;
			struct dmas_event ev = {0};

			if (!d)
				continue;
			*seen = vals[cpu];
			if (slot == DMAS_DROP_STACK) {
				/* a missing stack is not a missing event:
				 * counted apart */
				ls->stack_errors += d;
				continue;
			}
			ev.ts = now_mono();
			ev.kind = DMAS_EV_LOST;
			ev.cpu = cpu;
			ev.count = d > UINT32_MAX ? UINT32_MAX : d;
			ev.aux = cpu;
			ls->lost += d;
			pend_push(ls, &ev);
		}
	}
}

/* The device id BPF gave the device named name; 0 if none seen. */
static uint32_t device_by_name(struct live_source *ls, const char *name)
{
	int fd = bpf_map__fd(ls->skel->maps.dev_info);

	for (uint32_t id = 1; id < DMAS_BPF_MAX_DEVICES; id++) {
		struct dmas_device_rec r;

		if (!ls->dev_known[id] || bpf_map_lookup_elem(fd, &id, &r) ||
		    r.dev != id)
			continue;
		if (!strncmp(r.name, name, sizeof(r.name)))
			return id;
	}
	return 0;
}

/* A DMA remapping fault from the kernel log: an IOMMU_FAULT event now. */
static void on_kmsg_fault(void *ctx, const struct dmas_dmar_fault *f)
{
	struct live_source *ls = ctx;
	struct dmas_event ev = {
		.ts = now_mono(),
		.kind = DMAS_EV_IOMMU_FAULT,
		.stack_id = DMAS_STACK_NONE,
	};

	ev.dev = device_by_name(ls, f->device);
	if (!ev.dev) {
		/* a device whose DMA the trace never saw: nothing to tie */
		ls->kmsg_unknown_dev++;
		return;
	}
	ev.addr = f->addr;
	ev.count = f->write ? 1 : 0; /* IOMMU_FAULT_WRITE : IOMMU_FAULT_READ */
	pend_push(ls, &ev);
}

static void poll_kmsg(struct live_source *ls)
{
	if (ls->kmsg &&
	    dmas_kmsg_poll(ls->kmsg, on_kmsg_fault, ls, &ls->kmsg_missed) < 0) {
		dmas_kmsg_close(ls->kmsg);
		ls->kmsg = NULL;
	}
}

static void deliver_side_tables(struct live_source *ls)
{
	const struct dmas_sink *sink = ls->sink;
	struct dmas_mem_range *r = NULL;
	bool zones;
	size_t n;

	if (sink->session)
		sink->session(sink->ctx, &ls->session);
	n = dmas_sysfs_mem_ranges(SYSFS_SYSTEM, "/proc/zoneinfo", &r, &zones);
	if (ls->opts.verbose && zones)
		fprintf(stderr,
			"dmascope: no memory blocks in sysfs: NUMA memory map "
			"from /proc/zoneinfo (%zu ranges)\n",
			n);
	for (size_t i = 0; i < n; i++)
		if (sink->mem_range)
			sink->mem_range(sink->ctx, &r[i]);
	free(r);
	if (sink->cpu_node) {
		int32_t *node_of = calloc(ls->ncpus, sizeof(*node_of));

		if (node_of &&
		    dmas_sysfs_cpu_nodes(SYSFS_SYSTEM, node_of, ls->ncpus) > 0)
			for (int cpu = 0; cpu < ls->ncpus; cpu++)
				if (node_of[cpu] >= 0)
					sink->cpu_node(sink->ctx, cpu,
						       node_of[cpu]);
		free(node_of);
	}
}

static int live_run(struct dmas_source *s, const struct dmas_sink *sink,
		    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct live_source *ls =
		dmas_source_container(s, struct live_source, base);
	int ret = 0;

	ls->sink = sink;
	deliver_side_tables(ls);
	while (!(stop && *stop)) {
		int n = ring_buffer__poll(ls->rb, POLL_MS);
		uint64_t now;

		/* below wakeup_bytes nothing wakes us: read on the timer too */
		if (n == 0)
			n = ring_buffer__consume(ls->rb);
		if (n < 0 && n != -EINTR) {
			snprintf(err, errlen, "reading the ring buffer: %s",
				 strerror(-n));
			ret = -1;
			break;
		}
		check_drops(ls);
		poll_kmsg(ls);
		attach_waiting(ls);
		if (ls->max_ts > REORDER_NS)
			pend_flush(ls, ls->max_ts - REORDER_NS);
		/* quiet ring: events older than the window need no later one */
		now = now_mono();
		if (now > REORDER_NS)
			pend_flush(ls, now - REORDER_NS);
		if (sink->idle) {
			/* nothing older than the window is still held back */
			if (ls->head == ls->npend)
				sink->idle(sink->ctx, now - REORDER_NS);
		}
	}
	/* stopped: take what is left in the ring, then everything held back */
	ring_buffer__consume(ls->rb);
	check_drops(ls);
	poll_kmsg(ls);
	pend_flush(ls, UINT64_MAX);
	if (sink->idle)
		sink->idle(sink->ctx, now_mono());
	return ret;
}

static void live_close(struct dmas_source *s)
{
	struct live_source *ls =
		dmas_source_container(s, struct live_source, base);

	if (ls->opts.verbose && ls->skel && ls->skel->bss && ls->opts.stacks)
		fprintf(stderr,
			"dmatrace: stacks: %" PRIu64 " full unwinds, %" PRIu64
			" trampoline frames not understood\n",
			(uint64_t)ls->skel->bss->stack_unwinds,
			(uint64_t)ls->skel->bss->tramp_misses);
	for (size_t i = 0; i < NR_OPS; i++)
		for (int j = 0; j < 2; j++)
			bpf_link__destroy(ls->chosen[i].links[j]);
	if (ls->opts.verbose && ls->kmsg_unknown_dev)
		fprintf(stderr,
			"dmatrace: %" PRIu64
			" IOMMU faults in the kernel log named devices the "
			"trace never saw\n",
			ls->kmsg_unknown_dev);
	dmas_kmsg_close(ls->kmsg);
	ring_buffer__free(ls->rb);
	dmascope_bpf__destroy(ls->skel);
	dmas_ksyms_free(ls->ksyms);
	free(ls->drops_seen);
	free(ls->dev_known);
	free(ls->stack_known);
	free(ls->pend);
	free(ls->stack_buf);
	free(ls->counts);
	free(ls);
}

static const struct dmas_source_ops live_ops = {
	.name = "live",
	.run = live_run,
	.close = live_close,
};

/* ---- opening ---- */

static void set_autoload_all(struct dmascope_bpf *skel, bool on)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, skel->obj)
		bpf_program__set_autoload(p, on);
}

static int enable_prog(struct live_source *ls, const char *name)
{
	struct bpf_program *p =
		bpf_object__find_program_by_name(ls->skel->obj, name);

	if (!p)
		return -1;
	return bpf_program__set_autoload(p, true);
}

static const char *hook_family(const struct chosen *c)
{
	if (c->alt->fam == FAM_FENTRY && !strncmp(c->alt->prog, "fexit_", 6))
		return "fexit";
	if (c->alt->fam == FAM_KPROBE && c->alt->prog2)
		return "kretprobe";
	if (c->alt->fam == FAM_KPROBE && !strncmp(c->alt->prog, "krp_", 4))
		return "kretprobe";
	return family_name[c->alt->fam];
}

/*
 * The session's hook list, grouped by family (its room holds every hook a
 * kernel offers today): "tp_btf:dma_map_phys dma_unmap_phys ...;raw_tp:map
 * unmap".  Should the names ever not fit, every family is still named, with
 * its count: "kretprobe:14;kprobe:13".
 */
static bool hooks_write(struct live_source *ls, bool names)
{
	static const char *const fams[] = {"tp_btf",	"fexit",  "fentry",
					   "kretprobe", "kprobe", "raw_tp"};
	char *h = ls->session.hooks;
	size_t len = sizeof(ls->session.hooks), l = 0;

	h[0] = 0;
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		unsigned int n = 0;
		int w = 0;

		for (size_t i = 0; i < NR_OPS; i++) {
			const struct chosen *c = &ls->chosen[i];

			if (!c->attached || strcmp(hook_family(c), fams[f]))
				continue;
			if (names && !n)
				w = snprintf(h + l, len - l, "%s%s:%s",
					     l ? ";" : "", fams[f],
					     c->alt->target);
			else if (names)
				w = snprintf(h + l, len - l, " %s",
					     c->alt->target);
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

static void hooks_string(struct live_source *ls)
{
	if (!hooks_write(ls, true))
		hooks_write(ls, false);
}

static bool module_loaded(const char *mod)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !access(path, F_OK);
}

/*
 * Hooks in a module that was not loaded at start.  While attached, a raw
 * tracepoint holds a reference on its module: it cannot be unloaded until
 * tracing stops.
 */
static void attach_waiting(struct live_source *ls)
{
	for (size_t i = 0; i < NR_OPS; i++) {
		struct chosen *c = &ls->chosen[i];
		struct bpf_program *p;

		if (!c->waiting || !module_loaded(ops[i].module))
			continue;
		p = bpf_object__find_program_by_name(ls->skel->obj,
						     c->alt->prog);
		c->links[0] = p ? bpf_program__attach(p) : NULL;
		if (!c->links[0])
			continue; /* still loading: next round */
		c->waiting = false;
		c->attached = true;
		if (ls->opts.verbose)
			fprintf(stderr,
				"dmatrace: hook %s attached (%s loaded)\n",
				ops[i].name, ops[i].module);
	}
}

static int attach_all(struct live_source *ls, int *nr_dma)
{
	int nr = 0;

	*nr_dma = 0;
	for (size_t i = 0; i < NR_OPS; i++) {
		struct chosen *c = &ls->chosen[i];
		const char *names[2];

		if (!c->alt)
			continue;
		names[0] = c->alt->prog;
		names[1] = c->alt->prog2;
		if (ops[i].module && !module_loaded(ops[i].module)) {
			c->waiting = true;
			snprintf(c->why, sizeof(c->why),
				 "attached when %s loads", ops[i].module);
			continue;
		}
		c->attached = true;
		for (int j = 0; j < 2 && names[j]; j++) {
			struct bpf_program *p =
				bpf_object__find_program_by_name(ls->skel->obj,
								 names[j]);

			c->links[j] = p ? bpf_program__attach(p) : NULL;
			if (!c->links[j]) {
				snprintf(c->why, sizeof(c->why),
					 "attach of %s failed: %s", names[j],
					 strerror(errno));
				c->attached = false;
			}
		}
		if (!c->attached) {
			for (int j = 0; j < 2; j++) {
				bpf_link__destroy(c->links[j]);
				c->links[j] = NULL;
			}
			continue;
		}
		nr++;
		if (ops[i].dma_api)
			(*nr_dma)++;
	}
	return nr;
}

static void report_choice(struct live_source *ls)
{
	for (size_t i = 0; i < NR_OPS; i++) {
		const struct chosen *c = &ls->chosen[i];

		if (c->attached)
			fprintf(stderr,
				"dmatrace: hook %-18s %-7s %-32s (%s)\n",
				ops[i].name, family_name[c->alt->fam],
				c->alt->target, c->why);
		else
			fprintf(stderr,
				"dmatrace: hook %-18s off     %-32s (%s)\n",
				ops[i].name, "", c->why);
	}
}

static uint32_t round_pow2(uint64_t v)
{
	uint32_t p = 4096;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

struct dmas_source *dmas_source_open_live(const struct dmas_live_opts *o,
					  char *err, size_t errlen)
{
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	struct live_source *ls;
	struct probe_ctx p = {0};
	struct utsname un;
	uint64_t rb_bytes, t_start = now_mono(), t_probe, t_load;
	int nr, nr_dma, e;

	verbose = o->verbose;
	libbpf_set_print(libbpf_log);
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		snprintf(err, errlen,
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux): "
			 "dmatrace needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF=y");
		return NULL;
	}
	/* libbpf 1.1 charges maps to RLIMIT_MEMLOCK on kernels before 5.11 */
	setrlimit(RLIMIT_MEMLOCK, &rl);

	ls = calloc(1, sizeof(*ls));
	if (!ls) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ls->base.ops = &live_ops;
	ls->opts = *o;
	ls->ncpus = libbpf_num_possible_cpus();
	ls->drops_seen = calloc(DMAS_DROP_NR * (ls->ncpus > 0 ? ls->ncpus : 1),
				sizeof(uint64_t));
	ls->dev_known = calloc(DMAS_BPF_MAX_DEVICES, 1);
	ls->stack_buf = calloc(MAX_STACK_DEPTH, sizeof(uint64_t));
	ls->counts = calloc(DMAS_BPF_MAX_DEVICES, sizeof(*ls->counts));
	if (ls->ncpus <= 0 || !ls->drops_seen || !ls->dev_known ||
	    !ls->stack_buf || !ls->counts) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ls->ksyms = dmas_ksyms_load("/proc/kallsyms", err, errlen);
	if (!ls->ksyms)
		goto fail;
	if (dmas_ksyms_hidden(ls->ksyms) && geteuid() != 0) {
		snprintf(err, errlen,
			 "not permitted: run %s as root, or give it "
			 "CAP_BPF, CAP_PERFMON and "
			 "CAP_SYSLOG (setcap cap_bpf,cap_perfmon,cap_syslog+ep "
			 "%s); kernel "
			 "addresses in /proc/kallsyms are hidden from this "
			 "user",
			 program_invocation_short_name, self_path());
		goto fail;
	}

	/* probe: which hook family for each operation */
	p.btf = btf__load_vmlinux_btf();
	if (!p.btf) {
		snprintf(err, errlen, "cannot read the kernel's BTF: %s",
			 strerror(errno));
		goto fail;
	}
	p.ksyms = ls->ksyms;
	if (o->no_fentry) {
		p.fentry_ok = false;
		snprintf(p.fentry_why, sizeof(p.fentry_why),
			 "turned off (--kprobes)");
	} else {
		p.fentry_ok =
			probe_fentry(p.btf, p.fentry_why, sizeof(p.fentry_why));
	}
	p.kprobe_ok =
		!access("/sys/bus/event_source/devices/kprobe/type", R_OK);
	p.dma_tps = btf_tp_nargs(p.btf, "dma_map_phys") == 6 ||
		    btf_tp_nargs(p.btf, "dma_map_page") == 6;
	if (verbose) {
		fprintf(stderr, "dmatrace: dma:* tracepoints in BTF: %s\n",
			p.dma_tps ? "yes" : "no");
		fprintf(stderr, "dmatrace: fentry/fexit: %s\n",
			p.fentry_ok ? "allowed" : p.fentry_why);
		fprintf(stderr, "dmatrace: kprobes: %s\n",
			p.kprobe_ok ? "yes" : "no");
	}
	for (size_t i = 0; i < NR_OPS; i++)
		choose(&p, &ops[i], &ls->chosen[i]);
	btf__free(p.btf);

	ls->skel = dmascope_bpf__open();
	if (!ls->skel) {
		snprintf(err, errlen, "opening the BPF object failed: %s",
			 strerror(errno));
		goto fail;
	}
	set_autoload_all(ls->skel, false);
	nr = 0;
	for (size_t i = 0; i < NR_OPS; i++) {
		const struct alt *a = ls->chosen[i].alt;

		if (!a)
			continue;
		if (enable_prog(ls, a->prog) ||
		    (a->prog2 && enable_prog(ls, a->prog2))) {
			snprintf(ls->chosen[i].why, sizeof(ls->chosen[i].why),
				 "program missing in the object");
			ls->chosen[i].alt = NULL;
			continue;
		}
		nr++;
	}
	if (!nr) {
		snprintf(
			err, errlen,
			"no supported DMA hook in this kernel: it has neither "
			"the dma:* "
			"tracepoints nor fentry or kprobes on the DMA API (%s)",
			p.fentry_why);
		goto fail;
	}

	rb_bytes =
		(uint64_t)(o->ringbuf_kb ? o->ringbuf_kb : DEFAULT_RINGBUF_KB) *
		1024;
	rb_bytes = round_pow2(rb_bytes);
	bpf_map__set_max_entries(ls->skel->maps.events, rb_bytes);
	ls->nr_stacks = o->stacks ? DEFAULT_STACKS : 1;
	if (o->stacks && o->stack_entries)
		ls->nr_stacks = o->stack_entries;
	bpf_map__set_max_entries(ls->skel->maps.stacks, ls->nr_stacks);
	ls->stack_known = calloc(ls->nr_stacks + 1, 1);
	if (!ls->stack_known) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	ls->skel->rodata->filter_pid = o->pid;
	if (o->device)
		snprintf((char *)ls->skel->rodata->filter_dev,
			 DMAS_DEV_NAME_LEN, "%s", o->device);
	if (o->driver)
		snprintf((char *)ls->skel->rodata->filter_drv,
			 DMAS_DRV_NAME_LEN, "%s", o->driver);
	ls->skel->rodata->want_stacks = o->stacks;
	ls->skel->rodata->release_stacks = o->stacks && o->release_stacks;
	/* wake the reader early enough that a burst cannot fill the ring */
	ls->skel->rodata->wakeup_bytes = rb_bytes / 4;
	ls->skel->rodata->ksym_vmemmap_base =
		dmas_ksyms_addr(ls->ksyms, "vmemmap_base");
	ls->skel->rodata->ksym_page_offset_base =
		dmas_ksyms_addr(ls->ksyms, "page_offset_base");
	/* library call sites in the core kernel never key stack reuse */
	ls->skel->rodata->ktext_start = dmas_ksyms_addr(ls->ksyms, "_stext");
	ls->skel->rodata->ktext_end = dmas_ksyms_addr(ls->ksyms, "_etext");

	t_probe = now_mono();
	if (dmascope_bpf__load(ls->skel)) {
		explain_load_error(errno, err, errlen);
		goto fail;
	}
	t_load = now_mono();
	nr = attach_all(ls, &nr_dma);
	if (verbose) {
		report_choice(ls);
		fprintf(stderr,
			"dmatrace: probe %.1f ms, load and verify %.1f ms, "
			"attach %.1f ms\n",
			(t_probe - t_start) / 1e6, (t_load - t_probe) / 1e6,
			(now_mono() - t_load) / 1e6);
	}
	if (!nr_dma) {
		snprintf(err, errlen,
			 "no DMA API hook could be attached in this kernel "
			 "(run with -v to see why "
			 "for each function)");
		goto fail;
	}
	ls->rb = ring_buffer__new(bpf_map__fd(ls->skel->maps.events), on_record,
				  ls, NULL);
	if (!ls->rb) {
		e = errno;
		snprintf(err, errlen, "opening the ring buffer failed: %s",
			 strerror(e));
		goto fail;
	}

	/* the Intel IOMMU reports faults to the kernel log only */
	ls->kmsg = dmas_kmsg_open(NULL);
	if (verbose)
		fprintf(stderr,
			"dmatrace: IOMMU faults: iommu:io_page_fault%s\n",
			ls->kmsg ? " and the kernel log (DMAR fault lines)"
				 : "; the kernel log is not readable, so Intel "
				   "IOMMU faults are not watched");

	uname(&un);
	snprintf(ls->session.kernel_release, sizeof(ls->session.kernel_release),
		 "%s", un.release);
	snprintf(ls->session.hostname, sizeof(ls->session.hostname), "%s",
		 un.nodename);
	snprintf(ls->session.clock, sizeof(ls->session.clock), "monotonic");
	ls->session.page_size = sysconf(_SC_PAGESIZE);
	ls->session.start_ts = now_mono();
	ls->session.start_realtime_ns = now_real();
	hooks_string(ls);
	return &ls->base;
fail:
	live_close(&ls->base);
	return NULL;
}

/* ---- what live views read without seeing every event ---- */

int dmas_source_live_counters(struct dmas_source *s, uint32_t dev,
			      struct dmas_live_counters *out)
{
	struct live_source *ls;
	struct dmas_bpf_counters *vals;

	memset(out, 0, sizeof(*out));
	if (!s || s->ops != &live_ops || !dev || dev >= DMAS_BPF_MAX_DEVICES)
		return -1;
	ls = dmas_source_container(s, struct live_source, base);
	vals = calloc(ls->ncpus, sizeof(*vals));
	if (!vals)
		return -1;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.dev_counters), &dev,
				vals)) {
		free(vals);
		return -1;
	}
	/* lost in the ring, counted in the kernel; the rest received here */
	vals[0].maps += ls->counts[dev].maps;
	vals[0].map_bytes += ls->counts[dev].map_bytes;
	vals[0].unmaps += ls->counts[dev].unmaps;
	vals[0].syncs += ls->counts[dev].syncs;
	vals[0].allocs += ls->counts[dev].allocs;
	vals[0].alloc_bytes += ls->counts[dev].alloc_bytes;
	vals[0].frees += ls->counts[dev].frees;
	vals[0].map_errors += ls->counts[dev].map_errors;
	for (int c = 0; c < ls->ncpus; c++) {
		out->maps += vals[c].maps;
		out->map_bytes += vals[c].map_bytes;
		out->unmaps += vals[c].unmaps;
		out->syncs += vals[c].syncs;
		out->allocs += vals[c].allocs;
		out->alloc_bytes += vals[c].alloc_bytes;
		out->frees += vals[c].frees;
		out->map_errors += vals[c].map_errors;
	}
	free(vals);
	return 0;
}

int dmas_source_live_hooks(struct dmas_source *s, char *buf, size_t len)
{
	struct live_source *ls;
	size_t l = 0;
	int n = 0;

	if (!s || s->ops != &live_ops || !len)
		return -1;
	ls = dmas_source_container(s, struct live_source, base);
	buf[0] = '\0';
	for (size_t i = 0; i < NR_OPS; i++) {
		const struct chosen *c = &ls->chosen[i];
		int w;

		if (!c->attached)
			continue;
		w = snprintf(buf + l, len - l, "%s%s:%s", l ? "," : "",
			     hook_family(c), c->alt->target);
		if (w < 0 || (size_t)w >= len - l) {
			buf[l] = '\0'; /* whole entries only */
			break;
		}
		l += w;
		n++;
	}
	return n;
}

int dmas_source_live_stats(struct dmas_source *s, struct dmas_live_stats *out)
{
	struct live_source *ls;

	memset(out, 0, sizeof(*out));
	if (!s || s->ops != &live_ops)
		return -1;
	ls = dmas_source_container(s, struct live_source, base);
	out->events = ls->events;
	out->lost = ls->lost;
	out->stack_errors = ls->stack_errors;
	out->devices = ls->skel->bss->next_dev_id;
	for (size_t i = 0; i < NR_OPS; i++)
		out->hooks += ls->chosen[i].attached;
	snprintf(out->hook_list, sizeof(out->hook_list), "%s",
		 ls->session.hooks);
	return 0;
}
