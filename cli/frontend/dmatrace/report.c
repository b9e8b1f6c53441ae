/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.c - what the text and JSON report writers share: the filters that
 * decide which findings and devices a report shows, and the names and
 * parsers every dmatrace command uses.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event_names.h"
#include "report.h"

const char *dmas_kind_str(unsigned kind, char *buf, size_t len)
{
	const char *name = dmas_event_kind_name(kind);

	if (name)
		return name;
	snprintf(buf, len, "kind-%u", kind);
	return buf;
}

const char *dmas_dir_str(unsigned dir)
{
	static const char *const names[] = {"bidirectional", "to-device",
					    "from-device", "none"};

	return dir < 4 ? names[dir] : "invalid";
}

const char *dmas_dir_kernel_str(unsigned dir)
{
	static const char *const names[] = {"DMA_BIDIRECTIONAL",
					    "DMA_TO_DEVICE", "DMA_FROM_DEVICE",
					    "DMA_NONE"};

	return dir < 4 ? names[dir] : "DMA_(invalid)";
}

int dmas_parse_percent(const char *s, unsigned int *pct)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end == '%')
		end++;
	if (errno || *end || v < 1 || v > 100)
		return -1;
	*pct = (unsigned int)v;
	return 0;
}

int dmas_parse_severity(const char *s)
{
	if (!strcasecmp(s, "info"))
		return DMAS_SEV_INFO;
	if (!strcasecmp(s, "warning") || !strcasecmp(s, "warn"))
		return DMAS_SEV_WARNING;
	if (!strcasecmp(s, "error") || !strcasecmp(s, "err"))
		return DMAS_SEV_ERROR;
	return -1;
}

const char *dmas_fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *dmas_report_driver(const struct dmas_engine *e,
			       const struct dmas_report_opts *o, uint32_t dev)
{
	const struct dmas_device *d = dmas_engine_device_by_id(e, dev);
	const char *drv = NULL;

	if (d && d->driver[0])
		return d->driver;
	if (o && o->driver_of)
		drv = o->driver_of(o->driver_ctx, dev);
	return drv ? drv : "";
}

bool dmas_report_device_included(const struct dmas_engine *e,
				 const struct dmas_report_opts *o,
				 const struct dmas_device *d)
{
	if (o->device && (!d || strcmp(d->name, o->device)))
		return false;
	if (o->driver &&
	    strcmp(dmas_report_driver(e, o, d ? d->id : 0), o->driver))
		return false;
	return true;
}

bool dmas_report_includes(const struct dmas_engine *e,
			  const struct dmas_report_opts *o,
			  const struct dmas_finding *f)
{
	if (f->severity < o->min_severity)
		return false;
	if (!o->device && !o->driver)
		return true;
	return dmas_report_device_included(e, o,
					   dmas_engine_device_by_id(e, f->dev));
}

size_t dmas_report_count(const struct dmas_engine *e,
			 const struct dmas_report_opts *o)
{
	size_t i, n = 0, nr = dmas_engine_nr_findings(e);

	for (i = 0; i < nr; i++)
		if (dmas_report_includes(e, o, dmas_engine_finding(e, i)))
			n++;
	return n;
}

/*
 * The kernel functions (as the session's hook list names them) of which at
 * least one must be hooked for a kind to be seen.  Kinds not listed need
 * only what every trace has (map and unmap), or hooks of a module that
 * attach when it loads, after the list was written (vdmac's tracepoints).
 */
static const struct {
	enum dmas_finding_kind kind;
	const char *targets;
	const char *note; /* after the reason: where those hooks come from */
} watch_needs[] = {
	{DMAS_F_LEAK_UNBIND, "device_release_driver_internal device_del"},
	{DMAS_F_LEAK_MODULE_UNLOAD, "module_free"},
	{DMAS_F_POOL_LEAK, "dma_pool_destroy"},
	{DMAS_F_CHANNEL_LEAK, "dma_request_chan __dma_request_channel"},
	{DMAS_F_MISSING_SYNC_FOR_CPU,
	 "dma_sync_single_for_cpu dma_sync_sg_for_cpu"},
	{DMAS_F_MISSING_SYNC_FOR_DEVICE,
	 "dma_sync_single_for_device dma_sync_sg_for_device"},
	{DMAS_F_SYNC_NOT_MAPPED,
	 "dma_sync_single_for_cpu dma_sync_single_for_device"},
	{DMAS_F_SYNC_OUT_OF_RANGE,
	 "dma_sync_single_for_cpu dma_sync_single_for_device"},
	{DMAS_F_SYNC_DIR_MISMATCH,
	 "dma_sync_single_for_cpu dma_sync_single_for_device dma_sync_sg_for_cpu dma_sync_sg_for_device"},
	{DMAS_F_SYNC_SG_NENTS_MISMATCH,
	 "dma_sync_sg_for_cpu dma_sync_sg_for_device"},
	{DMAS_F_UNMAP_TYPE_MISMATCH, "dma_map_resource dma_unmap_resource"},
	{DMAS_F_COHERENT_VIA_STREAMING, "dma_alloc dma_alloc_attrs"},
	{DMAS_F_STREAMING_VIA_COHERENT, "dma_free dma_free_attrs"},
	{DMAS_F_SWIOTLB_BOUNCE, "swiotlb_bounced"},
	{DMAS_F_MASK_CHANGED_MAPPED, "dma_set_mask dma_set_coherent_mask"},
	{DMAS_F_MASK_NEVER_SET, "dma_set_mask dma_set_coherent_mask"},
	{DMAS_F_DMABUF_LEAK, "dma_buf_export"},
	{DMAS_F_DMABUF_MAP_LEAK,
	 "dma_buf_map_attachment dma_buf_map_attachment_unlocked"},
	{DMAS_F_FENCE_NEVER_SIGNALLED, "dma_fence dma_fence_init"},
	{DMAS_F_IOVA_MISUSE, "dma_iova_try_alloc dma_iova_link",
	 " (the IOVA API of 6.16+, nvme's under an IOMMU: its ranges' leaks go unseen too; a kernel before 6.16 has none)"},
	{DMAS_F_CMA_ALLOC_FAILED, "cma_alloc_finish",
	 " (the cma:* tracepoints; a kernel without CONFIG_CMA has none)"},
	{DMAS_F_CMA_ALLOC_SLOW, "cma_alloc_start",
	 " (the cma:* tracepoints; a kernel without CONFIG_CMA has none)"},
};

/* Is word (len n) one of the words (between ' ', ';' and ',') of list? */
static bool has_word(const char *list, const char *w, size_t n)
{
	while (*list) {
		size_t l = strcspn(list, " ;,");

		if (l == n && !strncmp(list, w, n))
			return true;
		list += l;
		list += strspn(list, " ;,");
	}
	return false;
}

/*
 * The tracefs source names event systems, not functions ("ftrace:dma,
 * swiotlb,iommu,dma_fence,stacks"): all of the DMA API's calls it reads
 * (dma:* or its kprobe events) but the IOVA API's (no dma:* event covers
 * it), none of dma-buf's; fences where its list has dma_fence, CMA where
 * it has cma.  NULL: the kind could be seen.
 */
static const char *ftrace_unwatched(const char *hooks, enum dmas_finding_kind k,
				    const char *targets, const char *note,
				    char *buf, size_t len)
{
	const char *p = strchr(hooks, ':') + 1;

	switch (k) {
	case DMAS_F_DMABUF_LEAK:
	case DMAS_F_DMABUF_MAP_LEAK:
	case DMAS_F_IOVA_MISUSE:
		break;
	case DMAS_F_FENCE_NEVER_SIGNALLED:
		if (has_word(p, "dma_fence", strlen("dma_fence")))
			return NULL;
		break;
	case DMAS_F_CMA_ALLOC_FAILED:
	case DMAS_F_CMA_ALLOC_SLOW:
		if (has_word(p, "cma", strlen("cma")))
			return NULL;
		break;
	default:
		return NULL;
	}
	snprintf(buf, len, "not traced: the tracefs source read none of %s%s",
		 targets, note);
	return buf;
}

const char *dmas_report_unwatched(const struct dmas_engine *e,
				  enum dmas_finding_kind k, char *buf,
				  size_t len)
{
	const struct dmas_session *s = dmas_engine_session(e);
	const char *targets = NULL, *note = "", *p, *h;
	char names[2048];
	size_t n = 0, i;

	for (i = 0; i < sizeof(watch_needs) / sizeof(watch_needs[0]); i++)
		if (watch_needs[i].kind == k) {
			targets = watch_needs[i].targets;
			if (watch_needs[i].note)
				note = watch_needs[i].note;
		}
	if (!targets || !s || !strchr(s->hooks, ':'))
		return NULL; /* nothing needed, or no hook list with names */
	if (!strncmp(s->hooks, "ftrace", strlen("ftrace")))
		return ftrace_unwatched(s->hooks, k, targets, note, buf, len);
	/* an imported trace.dat or perf.data counts its event formats only */
	if (!strncmp(s->hooks, "trace-cmd:", strlen("trace-cmd:")) ||
	    !strncmp(s->hooks, "perf:", strlen("perf:")))
		return NULL;
	/* "tp_btf:a b;fexit:c" -> "a b c"; "kprobe:13" has counts only */
	for (h = s->hooks; *h && n + 1 < sizeof(names);) {
		const char *colon = strchr(h, ':');
		size_t l;

		if (!colon)
			break;
		h = colon + 1;
		if (isdigit((unsigned char)*h) &&
		    strspn(h, "0123456789") == strcspn(h, ";"))
			return NULL;
		l = strcspn(h, ";");
		if (n + l + 2 > sizeof(names))
			l = sizeof(names) - n - 2;
		memcpy(names + n, h, l);
		n += l;
		names[n++] = ' ';
		h += l;
		h += strspn(h, ";");
	}
	names[n] = '\0';
	for (p = targets; *p;) {
		size_t l = strcspn(p, " ");

		if (has_word(names, p, l))
			return NULL;
		p += l;
		p += strspn(p, " ");
	}
	snprintf(buf, len, "not traced: none of %s was hooked%s", targets,
		 note);
	return buf;
}

const char *dmas_report_seen_by(const struct dmas_report_opts *o, size_t i)
{
	return o->seen_by ? o->seen_by(o->seen_ctx, i) : NULL;
}

const char *dmas_report_finding_line(const struct dmas_engine *e,
				     const struct dmas_report_opts *o,
				     const struct dmas_finding *f, char *buf,
				     size_t len)
{
	const struct dmas_device *d = dmas_engine_device_by_id(e, f->dev);
	const char *drv = dmas_report_driver(e, o, f->dev);
	char sz[32];

	snprintf(buf, len,
		 "%s %s on %s%s%s%s: %s (addr 0x%" PRIx64 ", %s, %s)%s",
		 dmas_severity_name(f->severity),
		 dmas_finding_table[f->kind].id,
		 d && d->name[0] ? d->name : "(no device)", drv[0] ? " (" : "",
		 drv, drv[0] ? ")" : "",
		 f->detail[0] ? f->detail : dmas_finding_table[f->kind].what,
		 f->addr, dmas_fmt_bytes(f->size, sz, sizeof(sz)),
		 dmas_dir_str(f->dir), f->uncertain ? " (uncertain)" : "");
	return buf;
}
