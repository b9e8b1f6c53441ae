/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_text.c - the human report: a header saying what was analysed and
 * how much of it can be trusted, findings grouped by severity and kind with
 * their stacks and fixes, then per-device statistics.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

/* Times in a report are relative to the session's start. */
static uint64_t time_base(const struct dmas_engine *e,
			  const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);

	if (s && s->start_ts && (!o->first_ts || s->start_ts <= o->first_ts))
		return s->start_ts;
	return o->first_ts;
}

static const char *fmt_rel(uint64_t ts, uint64_t base, char *buf, size_t len)
{
	if (ts >= base)
		snprintf(buf, len, "+%" PRIu64 ".%06" PRIu64 " s",
			 (ts - base) / UINT64_C(1000000000),
			 (ts - base) % UINT64_C(1000000000) / 1000);
	else
		snprintf(buf, len, "-%" PRIu64 ".%06" PRIu64 " s",
			 (base - ts) / UINT64_C(1000000000),
			 (base - ts) % UINT64_C(1000000000) / 1000);
	return buf;
}

static const char *dev_name(const struct dmas_engine *e, uint32_t dev,
			    char *buf, size_t len)
{
	const struct dmas_device *d = dmas_engine_device_by_id(e, dev);

	if (d && d->name[0])
		return d->name;
	if (dev == DMAS_DEV_NONE)
		return "(no device)";
	snprintf(buf, len, "device#%u", dev);
	return buf;
}

static void print_stack(FILE *out, const struct dmas_engine *e, uint32_t id,
			const char *indent)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	uint32_t i;

	if (!id)
		return;
	if (!st || !st->nr_frames) {
		fprintf(out, "%s(stack %u not in the recording)\n", indent, id);
		return;
	}
	for (i = 0; i < st->nr_frames; i++)
		fprintf(out, "%s%s\n", indent,
			st->frames[i] ? st->frames[i] : "?");
}

/* The hooks list (words between ',', ';' and ' ') has the word w. */
static bool hooks_have(const char *hooks, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = hooks; (p = strstr(p, w)); p += n)
		if ((p == hooks || strchr(",; ", p[-1])) &&
		    (!p[n] || strchr(",; ", p[n])))
			return true;
	return false;
}

/* The finding kinds this session's hooks could not have seen, and why. */
static void print_unwatched(FILE *out, const struct dmas_engine *e)
{
	char why[256];

	for (unsigned k = 0; k < DMAS_FINDING_KIND_MAX; k++)
		if (dmas_report_unwatched(e, (enum dmas_finding_kind)k, why,
					  sizeof(why)))
			fprintf(out, "  unwatched %s: %s\n",
				dmas_finding_table[k].id, why);
}

static void print_header(FILE *out, const struct dmas_engine *e,
			 const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);
	uint64_t lost = dmas_engine_lost(e), events = dmas_engine_events(e);
	uint64_t maps, no_phys = dmas_engine_maps_without_phys(e, &maps);
	char b1[32], b2[32], b3[32], b4[32];

	fprintf(out, "%s: %s\n", o->tool ? o->tool : "dmatrace",
		o->input ? o->input : "-");
	if (s) {
		fprintf(out,
			"  kernel    %s on host %s, page size %u, clock %s\n",
			s->kernel_release[0] ? s->kernel_release : "(unknown)",
			s->hostname[0] ? s->hostname : "(unknown)",
			s->page_size, s->clock[0] ? s->clock : "(unknown)");
		if (s->start_realtime_ns) {
			time_t t = (time_t)(s->start_realtime_ns /
					    UINT64_C(1000000000));
			struct tm tm;
			char when[64];

			gmtime_r(&t, &tm);
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC",
				 &tm);
			fprintf(out, "  started   %s\n", when);
		}
	}
	fprintf(out, "  duration  %s (%" PRIu64 " events, %zu devices)\n",
		dmas_fmt_duration(o->last_ts > time_base(e, o)
					  ? o->last_ts - time_base(e, o)
					  : 0,
				  b1, sizeof(b1)),
		events, dmas_engine_nr_devices(e));
	if (lost)
		fprintf(out,
			"  lost      %" PRIu64
			" events: the trace has gaps; findings a gap could\n"
			"            explain are marked (uncertain) and counts are lower bounds\n",
			lost);
	if (lost &&
	    dmas_engine_lost(e) != dmas_engine_lost_by(e, DMAS_LOSS_RING))
		fprintf(out,
			"            of them %" PRIu64
			" ring buffer full, %" PRIu64
			" a program already running on that CPU, %" PRIu64
			" kretprobe misses\n",
			dmas_engine_lost_by(e, DMAS_LOSS_RING),
			dmas_engine_lost_by(e, DMAS_LOSS_RECURSION),
			dmas_engine_lost_by(e, DMAS_LOSS_KRETPROBE));
	if (!lost)
		fprintf(out, "  lost      0 events\n");
	/* what reached us but was not analysed is said, never dropped */
	if (dmas_engine_no_device(e))
		fprintf(out,
			"  unowned   %" PRIu64
			" events named no device and were not analysed\n",
			dmas_engine_no_device(e));
	if (dmas_engine_dropped(e))
		fprintf(out,
			"  dropped   %" PRIu64
			" events or findings the analysis could not keep (out of memory)\n",
			dmas_engine_dropped(e));
	if (o->command_argv && o->command_signal)
		fprintf(out, "  command   %s killed by signal %d (%s)\n",
			o->command_argv[0], o->command_signal,
			strsignal(o->command_signal));
	else if (o->command_argv)
		fprintf(out, "  command   %s exited with status %d\n",
			o->command_argv[0], o->command_exit_status);
	if (s)
		fprintf(out, "  hooks     %s\n",
			s->hooks[0] ? s->hooks : "(not recorded)");
	if (s && hooks_have(s->hooks, DMAS_HOOKS_NO_STACKS))
		fprintf(out,
			"  stacks    not recorded: findings have no stacks\n");
	print_unwatched(out, e);
	if (s)
		fprintf(out, "  tracing   %s\n",
			s->traced_from_boot
				? "began before drivers bound: every mapping was seen"
				: "began after drivers bound: unmaps of unknown addresses are pre-existing mappings, not bugs");
	if (dmas_engine_placement(e))
		fprintf(out,
			"  numa      buffer placement not judged: %s, so no buffer is counted local or remote; mapping CPUs still are\n",
			dmas_placement_reason(dmas_engine_placement(e)));
	if (no_phys)
		fprintf(out,
			"  phys      %" PRIu64 " of %" PRIu64
			" map events carried no physical address: buffer placement, cache-line sharing and map churn not checked for them\n",
			no_phys, maps);
	fprintf(out,
		"  analysis  leak age %s, transfer timeout %s, latency budget %s, CMA budget %s, %s\n",
		o->leak_age_ns
			? dmas_fmt_duration(o->leak_age_ns, b1, sizeof(b1))
			: "off",
		o->xfer_timeout_ns
			? dmas_fmt_duration(o->xfer_timeout_ns, b2, sizeof(b2))
			: "default",
		o->latency_budget_ns ? dmas_fmt_duration(o->latency_budget_ns,
							 b3, sizeof(b3))
				     : "off",
		o->cma_budget_ns
			? dmas_fmt_duration(o->cma_budget_ns, b4, sizeof(b4))
			: "off",
		o->leaks_at_exit
			? "mappings left at the end are reported"
			: "mappings left at the end are listed, not reported");
	switch (o->input_status) {
	case DMAS_INPUT_COMPLETE:
		/* read whole, with a word to say (data after the trailer) */
		if (o->input_message)
			fprintf(out, "  WARNING   %s\n", o->input_message);
		break;
	case DMAS_INPUT_TRUNCATED:
		fprintf(out,
			"  WARNING   recording is truncated (%s): analysed what came before\n",
			o->input_message ? o->input_message : "no trailer");
		break;
	case DMAS_INPUT_CORRUPT:
		fprintf(out,
			"  ERROR     recording is corrupt (%s): analysed what came before\n",
			o->input_message ? o->input_message : "bad record");
		break;
	case DMAS_INPUT_INTERRUPTED:
		fprintf(out,
			"  WARNING   interrupted: analysed what came before\n");
		break;
	}
	fputc('\n', out);
}

/*
 * Group by severity (worst first), then kind; keep the engine's order within.
 */
static int cmp_findings(const void *pa, const void *pb, void *ctx)
{
	const struct dmas_engine *e = ctx;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	const struct dmas_finding *fa = dmas_engine_finding(e, a);
	const struct dmas_finding *fb = dmas_engine_finding(e, b);

	if (fa->severity != fb->severity)
		return fa->severity > fb->severity ? -1 : 1;
	if (fa->kind != fb->kind)
		return fa->kind < fb->kind ? -1 : 1;
	return a < b ? -1 : a > b;
}

static size_t *sorted_findings(const struct dmas_engine *e,
			       const struct dmas_report_opts *o, size_t *n)
{
	size_t i, nr = dmas_engine_nr_findings(e);
	size_t *idx = malloc((nr ? nr : 1) * sizeof(*idx));

	*n = 0;
	if (!idx)
		return NULL;
	for (i = 0; i < nr; i++)
		if (dmas_report_includes(e, o, dmas_engine_finding(e, i)))
			idx[(*n)++] = i;
	qsort_r(idx, *n, sizeof(*idx), cmp_findings, (void *)e);
	return idx;
}

/* A failed map, a channel or a pool has no dma address to show. */
static bool has_addr(const struct dmas_finding *f)
{
	return f->addr || (f->map_kind && f->map_kind != DMAS_EV_MAP_ERROR);
}

static bool has_mapping(const struct dmas_finding *f)
{
	return has_addr(f) || f->size;
}

/* What a dma-buf or fence finding is about (not a dma address), or NULL. */
static const char *shared_object(const struct dmas_finding *f)
{
	switch (f->map_kind) {
	case DMAS_EV_DMABUF_EXPORT:
		return "dma-buf";
	case DMAS_EV_DMABUF_MAP:
		return "attachment";
	case DMAS_EV_FENCE_INIT:
		return "fence";
	}
	return NULL;
}

static void print_quiet(FILE *out, const struct dmas_engine *e,
			const struct dmas_report_opts *o,
			const struct dmas_finding *f)
{
	const struct dmas_finding_info *fi = &dmas_finding_table[f->kind];
	const char *drv = dmas_report_driver(e, o, f->dev);
	char nb[32], ab[32];

	fprintf(out, "%s %s %s %s", dmas_severity_name(f->severity), fi->id,
		dev_name(e, f->dev, nb, sizeof(nb)), drv[0] ? drv : "-");
	if (has_addr(f))
		fprintf(out, " dma=0x%" PRIx64, f->addr);
	if (has_mapping(f))
		fprintf(out, " size=%" PRIu64 " dir=%s", f->size,
			dmas_dir_str(f->dir));
	if (f->map_ts && f->ts > f->map_ts)
		fprintf(out, " age=%s",
			dmas_fmt_duration(f->ts - f->map_ts, ab, sizeof(ab)));
	if (f->uncertain)
		fprintf(out, " uncertain");
	if (f->seen_by != DMAS_SEEN_DMASCOPE)
		fprintf(out, " seen_by=%s", dmas_seen_by_name(f->seen_by));
	if (f->repeats)
		fprintf(out, " repeats=%" PRIu64, f->repeats);
	if (f->consequences)
		fprintf(out, " consequences=%" PRIu64, f->consequences);
	if (f->detail[0])
		fprintf(out, ": %s", f->detail);
	if (f->consequence[0])
		fprintf(out, "; folded in: %s", f->consequence);
	fputc('\n', out);
}

static void print_finding(FILE *out, const struct dmas_engine *e,
			  const struct dmas_report_opts *o,
			  const struct dmas_finding *f, size_t nth,
			  uint64_t base)
{
	const char *drv = dmas_report_driver(e, o, f->dev);
	char nb[32], tb[40], kb[16], ab[32];

	fprintf(out, "  [%zu] %s (%s)", nth,
		dev_name(e, f->dev, nb, sizeof(nb)),
		drv[0] ? drv : "no driver");
	if (shared_object(f)) {
		fprintf(out, ": %s 0x%" PRIx64, shared_object(f), f->addr);
		if (f->size)
			fprintf(out, ", %" PRIu64 " bytes", f->size);
		if (f->map_kind == DMAS_EV_DMABUF_MAP)
			fprintf(out, ", %s", dmas_dir_kernel_str(f->dir));
	} else if (has_addr(f)) {
		fprintf(out, ": dma 0x%" PRIx64 ",", f->addr);
	} else if (has_mapping(f)) {
		fputc(':', out);
	}
	if (has_mapping(f) && !shared_object(f))
		fprintf(out, " %" PRIu64 " bytes, %s", f->size,
			dmas_dir_kernel_str(f->dir));
	if (f->map_ts && f->ts > f->map_ts)
		fprintf(out, ", age %s",
			dmas_fmt_duration(f->ts - f->map_ts, ab, sizeof(ab)));
	if (f->uncertain)
		fprintf(out, "  (uncertain: events were lost nearby)");
	if (f->seen_by == (DMAS_SEEN_DMASCOPE | DMAS_SEEN_DMA_DEBUG))
		fprintf(out, "  (CONFIG_DMA_API_DEBUG reported it too)");
	else if (f->seen_by == DMAS_SEEN_DMA_DEBUG)
		fprintf(out, "  (reported by CONFIG_DMA_API_DEBUG only)");
	fputc('\n', out);
	if (f->detail[0])
		fprintf(out, "      %s\n", f->detail);
	if (f->repeats)
		fprintf(out, "      and %" PRIu64 " more times like this\n",
			f->repeats);
	/* what this bug caused next: not reported as findings of their own */
	if (f->consequences)
		fprintf(out, "      consequences folded in (%" PRIu64 "): %s\n",
			f->consequences, f->consequence);
	fprintf(out, "      found at %s", fmt_rel(f->ts, base, tb, sizeof(tb)));
	if (f->pid)
		fprintf(out, ", pid %u", f->pid);
	fputc('\n', out);
	if (f->map_kind || f->map_stack) {
		fprintf(out, "      created");
		if (f->map_ts)
			fprintf(out, " at %s",
				fmt_rel(f->map_ts, base, tb, sizeof(tb)));
		if (f->map_kind)
			fprintf(out, " by %s",
				dmas_kind_str(f->map_kind, kb, sizeof(kb)));
		fprintf(out, "%s\n", f->map_stack ? ":" : " (no stack)");
		print_stack(out, e, f->map_stack, "          ");
	}
	/* a finding made by the creating event itself has nothing to add */
	if ((f->close_kind || f->close_stack) &&
	    !(f->ts == f->map_ts && f->close_kind == f->map_kind &&
	      f->close_stack == f->map_stack)) {
		fprintf(out, "      revealed by %s%s\n",
			f->close_kind
				? dmas_kind_str(f->close_kind, kb, sizeof(kb))
				: "an event",
			f->close_stack ? ":" : "");
		print_stack(out, e, f->close_stack, "          ");
	}
}

static void print_findings(FILE *out, const struct dmas_engine *e,
			   const struct dmas_report_opts *o)
{
	size_t n, i, by_sev[3] = {0};
	size_t *idx = sorted_findings(e, o, &n);
	uint64_t base = time_base(e, o);
	int last_kind = -1;
	size_t nth = 0;

	if (!idx) {
		fprintf(out, "findings: (out of memory)\n");
		return;
	}
	for (i = 0; i < n; i++)
		by_sev[dmas_engine_finding(e, idx[i])->severity]++;
	if (o->quiet) {
		for (i = 0; i < n; i++)
			print_quiet(out, e, o, dmas_engine_finding(e, idx[i]));
		free(idx);
		return;
	}
	fprintf(out, "findings: %zu (%zu error, %zu warning, %zu info)", n,
		by_sev[DMAS_SEV_ERROR], by_sev[DMAS_SEV_WARNING],
		by_sev[DMAS_SEV_INFO]);
	if (o->min_severity > DMAS_SEV_INFO || o->device || o->driver) {
		fprintf(out, " shown; filters:");
		if (o->min_severity > DMAS_SEV_INFO)
			fprintf(out, " severity >= %s",
				dmas_severity_name(o->min_severity));
		if (o->device)
			fprintf(out, " device %s", o->device);
		if (o->driver)
			fprintf(out, " driver %s", o->driver);
	}
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, idx[i]);
		const struct dmas_finding_info *fi =
			&dmas_finding_table[f->kind];

		if ((int)f->kind != last_kind) {
			size_t j, cnt = 0;

			for (j = i;
			     j < n &&
			     dmas_engine_finding(e, idx[j])->kind == f->kind;
			     j++)
				cnt++;
			fprintf(out, "\n%s %s (%zu): %s\n",
				dmas_severity_name(f->severity), fi->id, cnt,
				fi->what);
			fprintf(out, "  fix: %s\n", fi->fix);
			last_kind = f->kind;
			nth = 0;
		}
		print_finding(out, e, o, f, ++nth, base);
	}
	free(idx);
}

/* ", iommu group 3 DMA-FQ (translated), removable port" and the newline */
static void print_isolation(FILE *out, const struct dmas_device *d)
{
	static const char *const what[DMAS_IOMMU_DOMAIN_MAX] = {
		[DMAS_IOMMU_DMA] = "translated",
		[DMAS_IOMMU_DMA_FQ] = "translated",
		[DMAS_IOMMU_IDENTITY] = "passthrough, untranslated",
		[DMAS_IOMMU_BLOCKED] = "no DMA allowed",
		[DMAS_IOMMU_UNMANAGED] = "translated, owned by user space",
		[DMAS_IOMMU_GROUP_ONLY] = "type not known",
	};

	if (d->iommu_domain >= DMAS_IOMMU_DMA &&
	    d->iommu_domain < DMAS_IOMMU_DOMAIN_MAX)
		fprintf(out, ", iommu group %u %s (%s)", d->iommu_group,
			dmas_iommu_domain_name(d->iommu_domain),
			what[d->iommu_domain]);
	else if (d->iommu_domain == DMAS_IOMMU_NONE)
		fprintf(out, ", no iommu group (untranslated)");
	else if (d->flags & DMAS_DEVF_IOMMU)
		fprintf(out, ", behind an IOMMU");
	if (d->port != DMAS_PORT_UNKNOWN)
		fprintf(out, ", %s port", dmas_port_name(d->port));
	fputc('\n', out);
}

/* "p50 A, p99 B, max C" of a latency summary */
static const char *fmt_quantiles(const struct dmas_lat_summary *l, char *buf,
				 size_t len)
{
	char p50[32], p99[32], mx[32];

	snprintf(buf, len, "p50 %s, p99 %s, max %s",
		 dmas_fmt_duration(l->p50_ns, p50, sizeof(p50)),
		 dmas_fmt_duration(l->p99_ns, p99, sizeof(p99)),
		 dmas_fmt_duration(l->max_ns, mx, sizeof(mx)));
	return buf;
}

/* The device's contiguous memory: allocations, bytes held, latency. */
static void print_dev_cma(FILE *out, const struct dmas_engine *e,
			  const struct dmas_dev_stats *st)
{
	struct dmas_lat_summary l;
	char b[3][32], q[112];

	fprintf(out,
		"  cma         %" PRIu64 " allocations (%s), %" PRIu64
		" failed; holds %s, peak %s\n",
		st->cma_allocs,
		dmas_fmt_bytes(st->cma_alloc_bytes, b[0], sizeof(b[0])),
		st->cma_failures,
		dmas_fmt_bytes(st->cma_bytes, b[1], sizeof(b[1])),
		dmas_fmt_bytes(st->cma_peak, b[2], sizeof(b[2])));
	dmas_engine_cma_latency(e, st->dev, &l);
	if (l.count)
		fprintf(out, "  cma latency %s (%" PRIu64 " allocations)\n",
			fmt_quantiles(&l, q, sizeof(q)), l.count);
}

static void print_device(FILE *out, const struct dmas_engine *e,
			 const struct dmas_report_opts *o,
			 const struct dmas_device *d)
{
	const struct dmas_dev_stats *st = dmas_engine_dev_stats(e, d->id);
	const struct dmas_dev_masks *mk = dmas_engine_dev_masks(e, d->id);
	const char *drv = dmas_report_driver(e, o, d->id);
	char b[4][32];
	uint64_t numa_total;

	fprintf(out, "\n%s  driver %s, bus %s, node ",
		d->name[0] ? d->name : "(unnamed)", drv[0] ? drv : "(none)",
		d->bus[0] ? d->bus : "?");
	if (d->numa_node >= 0)
		fprintf(out, "%d", d->numa_node);
	else
		fprintf(out, "none");
	print_isolation(out, d);
	if (!st) {
		fprintf(out, "  no activity\n");
		return;
	}
	fprintf(out,
		"  maps        to-device %" PRIu64 " (%s), from-device %" PRIu64
		" (%s), bidirectional %" PRIu64 " (%s)",
		st->maps[DMAS_DIR_TO_DEVICE],
		dmas_fmt_bytes(st->map_bytes[DMAS_DIR_TO_DEVICE], b[0],
			       sizeof(b[0])),
		st->maps[DMAS_DIR_FROM_DEVICE],
		dmas_fmt_bytes(st->map_bytes[DMAS_DIR_FROM_DEVICE], b[1],
			       sizeof(b[1])),
		st->maps[DMAS_DIR_BIDIRECTIONAL],
		dmas_fmt_bytes(st->map_bytes[DMAS_DIR_BIDIRECTIONAL], b[2],
			       sizeof(b[2])));
	if (st->maps[DMAS_DIR_NONE])
		fprintf(out, ", none %" PRIu64, st->maps[DMAS_DIR_NONE]);
	fputc('\n', out);
	fprintf(out,
		"  unmaps      %" PRIu64 ", syncs for-cpu %" PRIu64
		" for-device %" PRIu64 ", map errors %" PRIu64 "\n",
		st->unmaps, st->syncs_for_cpu, st->syncs_for_device,
		st->map_errors);
	fprintf(out,
		"  at end      %" PRIu64
		" mappings outstanding (%s, peak %" PRIu64 ")",
		st->outstanding,
		dmas_fmt_bytes(st->outstanding_bytes, b[0], sizeof(b[0])),
		st->outstanding_peak);
	fprintf(out,
		", coherent %s in %" PRIu64 " allocs, %" PRIu64
		" pool blocks\n",
		dmas_fmt_bytes(st->coherent_bytes, b[1], sizeof(b[1])),
		st->coherent_allocs, st->pool_blocks);
	numa_total = st->remote_bytes + st->local_bytes;
	if (numa_total)
		fprintf(out,
			"  numa        %.1f%% of mapped bytes on a remote node (%s of %s)\n",
			100.0 * st->remote_bytes / numa_total,
			dmas_fmt_bytes(st->remote_bytes, b[0], sizeof(b[0])),
			dmas_fmt_bytes(numa_total, b[1], sizeof(b[1])));
	else
		fprintf(out,
			"  numa        remote share unknown (no node for device or memory)\n");
	fprintf(out, "  swiotlb     %" PRIu64 " bounces", st->bounced);
	if (mk && (st->bounce_bytes || mk->swiotlb_forced)) {
		char why[96];

		dmas_bounce_why(mk->bounce_why, why, sizeof(why));
		fprintf(out,
			", %" PRIu64 " bytes copied (%" PRIu64
			" to the device, %" PRIu64 " back)%s%s%s",
			st->bounce_bytes, mk->bounce_to_device,
			mk->bounce_from_device, why[0] ? "; why: " : "", why,
			mk->swiotlb_forced ? "; swiotlb forced" : "");
	}
	fputc('\n', out);
	if (mk && (mk->coherent_mask || mk->bus_limit || mk->sets ||
		   mk->set_failures)) {
		fprintf(out, "  masks       dma 0x%" PRIx64, mk->dma_mask);
		if (mk->coherent_mask)
			fprintf(out, ", coherent 0x%" PRIx64,
				mk->coherent_mask);
		if (mk->bus_limit)
			fprintf(out, ", bus limit 0x%" PRIx64, mk->bus_limit);
		fprintf(out, ", %" PRIu32 " set%s seen", mk->sets,
			mk->sets == 1 ? "" : "s");
		if (mk->set_failures)
			fprintf(out, ", %" PRIu32 " refused", mk->set_failures);
		fputc('\n', out);
	}
	if (st->preexisting)
		fprintf(out,
			"  before      %" PRIu64
			" unmaps/syncs/frees of mappings made before tracing began (not bugs)\n",
			st->preexisting);
	if (st->iommu_faults)
		fprintf(out, "  iommu       %" PRIu64 " faults\n",
			st->iommu_faults);
	if (st->iova_ranges)
		fprintf(out, "  iova        %" PRIu64 " ranges (dma_iova_*)\n",
			st->iova_ranges);
	/* a clean result there would claim what could not be checked */
	if ((d->flags & DMAS_DEVF_SYNC_ELIDED) || st->sync_unchecked)
		fprintf(out,
			"  sync checks: not possible on this device (the kernel elides syncs); %" PRIu64
			" ownership checks not made\n",
			st->sync_unchecked);
	if (d->flags & DMAS_DEVF_NO_UNMAP || st->unmap_skipped)
		fprintf(out,
			"  unmaps      may be skipped (dma_need_unmap false): %" PRIu64
			" mappings left unmapped, not leaks\n",
			st->unmap_skipped);
	if (st->dmabuf_exports)
		fprintf(out,
			"  dma-buf     exported %" PRIu64 " (%s), %" PRIu64
			" still exported (%s)\n",
			st->dmabuf_exports,
			dmas_fmt_bytes(st->dmabuf_exported_bytes, b[0],
				       sizeof(b[0])),
			st->dmabuf_live,
			dmas_fmt_bytes(st->dmabuf_live_bytes, b[1],
				       sizeof(b[1])));
	if (st->dmabuf_attaches || st->dmabuf_maps)
		fprintf(out,
			"  dma-buf in  %" PRIu64 " attaches, %" PRIu64
			" maps; %" PRIu64 " attached, %" PRIu64
			" mapped at end\n",
			st->dmabuf_attaches, st->dmabuf_maps,
			st->dmabuf_attached, st->dmabuf_mapped);
	if (st->cma_allocs)
		print_dev_cma(out, e, st);
	if (st->xfers_submitted || st->xfers_completed || st->xfers_failed ||
	    st->xfers_in_flight)
		fprintf(out,
			"  dmaengine   %" PRIu64 " submitted, %" PRIu64
			" completed, %" PRIu64 " failed, %" PRIu64
			" in flight at end\n",
			st->xfers_submitted, st->xfers_completed,
			st->xfers_failed, st->xfers_in_flight);
	fprintf(out,
		"  findings    %" PRIu64 " error, %" PRIu64 " warning, %" PRIu64
		" info\n",
		st->findings[DMAS_SEV_ERROR], st->findings[DMAS_SEV_WARNING],
		st->findings[DMAS_SEV_INFO]);
}

struct outstanding_walk {
	FILE *out;
	const struct dmas_engine *e;
	const struct dmas_report_opts *o;
	uint64_t count, bytes, listed;
};

enum { OUTSTANDING_LISTED = 10 };

static int walk_outstanding(const struct dmas_mapping_info *m, void *ctx)
{
	struct outstanding_walk *w = ctx;
	const struct dmas_device *d = dmas_engine_device_by_id(w->e, m->dev);
	const struct dmas_stack *st;
	const char *drv;
	char nb[32], kb[16], ab[32];

	if ((w->o->device || w->o->driver) &&
	    !dmas_report_device_included(w->e, w->o, d))
		return 0;
	w->count++;
	w->bytes += m->size;
	if (w->listed >= OUTSTANDING_LISTED)
		return 0;
	w->listed++;
	drv = dmas_report_driver(w->e, w->o, m->dev);
	fprintf(w->out,
		"  %s (%s): %s dma 0x%" PRIx64 ", %" PRIu64 " bytes, %s",
		dev_name(w->e, m->dev, nb, sizeof(nb)),
		drv[0] ? drv : "no driver",
		dmas_kind_str(m->kind, kb, sizeof(kb)), m->addr, m->size,
		dmas_dir_kernel_str(m->dir));
	if (w->o->last_ts >= m->ts)
		fprintf(w->out, ", age %s",
			dmas_fmt_duration(w->o->last_ts - m->ts, ab,
					  sizeof(ab)));
	st = m->stack ? dmas_engine_stack(w->e, m->stack) : NULL;
	/* the caller of the DMA API says whose buffer it is */
	if (st && st->nr_frames)
		fprintf(w->out, "\n      from %s",
			st->frames[st->nr_frames > 1 ? 1 : 0]);
	fputc('\n', w->out);
	return 0;
}

static void print_outstanding(FILE *out, const struct dmas_engine *e,
			      const struct dmas_report_opts *o)
{
	struct outstanding_walk w = {out, e, o, 0, 0, 0};
	char b[32];

	if (!dmas_engine_nr_outstanding(e))
		return;
	fprintf(out, "\noutstanding at end (oldest first; %s):\n",
		o->leaks_at_exit
			? "reported above as leak-at-exit"
			: "held by bound drivers, not reported as leaks: --leaks-at-exit reports them");
	dmas_engine_foreach_outstanding(e, walk_outstanding, &w);
	if (w.count > w.listed)
		fprintf(out, "  ... and %" PRIu64 " more\n",
			w.count - w.listed);
	fprintf(out, "  total %" PRIu64 " mappings and allocations, %s\n",
		w.count, dmas_fmt_bytes(w.bytes, b, sizeof(b)));
}

static bool channel_included(const struct dmas_engine *e,
			     const struct dmas_report_opts *o,
			     const struct dmas_chan_info *c)
{
	if (!o->device && !o->driver)
		return true;
	return dmas_report_device_included(
		       e, o, dmas_engine_device_by_id(e, c->provider)) ||
	       (c->client &&
		dmas_report_device_included(
			e, o, dmas_engine_device_by_id(e, c->client)));
}

/* The channel's latency quantiles, one line per phase measured. */
static void print_chan_latency(FILE *out, const struct dmas_engine *e,
			       const struct dmas_report_opts *o, size_t chan,
			       const struct dmas_chan_info *c)
{
	static const char *const label[DMAS_LAT_PHASES] = {
		"submit->start", "start->complete", "submit->complete"};
	char p50[32], q[112];
	int ph;

	for (ph = 0; ph < DMAS_LAT_PHASES; ph++) {
		struct dmas_lat_summary l;

		dmas_engine_chan_latency(e, chan, ph, &l);
		if (!l.count)
			continue;
		fprintf(out, "      %-17s %s (%" PRIu64 " transfer%s)\n",
			label[ph], fmt_quantiles(&l, q, sizeof(q)), l.count,
			l.count == 1 ? "" : "s");
	}
	if (o->latency_budget_ns)
		fprintf(out, "      %" PRIu64 " over the %s latency budget\n",
			c->over_budget,
			dmas_fmt_duration(o->latency_budget_ns, p50,
					  sizeof(p50)));
}

static void print_channels(FILE *out, const struct dmas_engine *e,
			   const struct dmas_report_opts *o)
{
	size_t i, n = dmas_engine_nr_channels(e);
	bool heading = false;
	char nb[32], cb[32], bb[32];

	for (i = 0; i < n; i++) {
		const struct dmas_chan_info *c = dmas_engine_channel(e, i);

		if (!channel_included(e, o, c))
			continue;
		if (!heading)
			fprintf(out, "\ndmaengine channels:\n");
		heading = true;
		fprintf(out, "  chan %u of %s", c->index,
			dev_name(e, c->provider, nb, sizeof(nb)));
		if (c->client)
			fprintf(out, ", client %s",
				dev_name(e, c->client, cb, sizeof(cb)));
		fprintf(out, "%s%s\n",
			c->requested ? "" : " (in use before tracing)",
			c->released ? ", released" : "");
		fprintf(out,
			"      %" PRIu64 " submitted, %" PRIu64
			" issued, %" PRIu64 " completed, %" PRIu64
			" errors, %" PRIu64 " terminated; %" PRIu64
			" in flight, %" PRIu64 " pending at end; %s prepared\n",
			c->submitted, c->issued, c->completed, c->errors,
			c->terminated, c->in_flight, c->pending,
			dmas_fmt_bytes(c->bytes, bb, sizeof(bb)));
		print_chan_latency(out, e, o, i, c);
	}
}

/* dma-buf and fence totals, when the session had any */
static void print_dmabuf(FILE *out, const struct dmas_engine *e)
{
	struct dmas_dmabuf_stats st;
	char b[2][32];

	dmas_engine_dmabuf_stats(e, &st);
	if (!st.exports && !st.attaches && !st.maps && !st.fences &&
	    !st.preexisting && !st.export_errors)
		return;
	fprintf(out,
		"\ndma-buf: %" PRIu64 " exported (%s), %" PRIu64
		" released, %" PRIu64 " still exported (%s)",
		st.exports,
		dmas_fmt_bytes(st.exported_bytes, b[0], sizeof(b[0])),
		st.releases, st.live,
		dmas_fmt_bytes(st.live_bytes, b[1], sizeof(b[1])));
	if (st.no_exporter)
		fprintf(out, ", %" PRIu64 " by an unknown device",
			st.no_exporter);
	fprintf(out,
		"\n  attachments %" PRIu64 " made, %" PRIu64 " maps; %" PRIu64
		" attached, %" PRIu64 " mapped at end\n",
		st.attaches, st.maps, st.attached, st.mapped);
	if (st.export_errors || st.map_errors)
		fprintf(out,
			"  errors      %" PRIu64 " exports, %" PRIu64
			" maps failed\n",
			st.export_errors, st.map_errors);
	fprintf(out,
		"  fences      %" PRIu64 " made, %" PRIu64
		" signalled, %" PRIu64 " pending at end, %" PRIu64
		" dropped unused, %" PRIu64 " waits\n",
		st.fences, st.fences_signalled, st.fences_pending,
		st.fences_dropped, st.fence_waits);
	if (st.preexisting)
		fprintf(out,
			"  before      %" PRIu64
			" releases/detaches/unmaps/signals of objects made before tracing began (not bugs)\n",
			st.preexisting);
}

/* Contiguous memory over the session, the devices' and other users'. */
static void print_cma(FILE *out, const struct dmas_engine *e)
{
	struct dmas_lat_summary l;
	struct dmas_cma_stats st;
	char b[4][32], q[112];

	dmas_engine_cma_stats(e, &st);
	if (!st.allocs && !st.releases)
		return;
	fprintf(out,
		"\ncma: %" PRIu64 " allocations (%s), %" PRIu64
		" failed, %" PRIu64 " releases; %s held at end, peak %s\n",
		st.allocs, dmas_fmt_bytes(st.alloc_bytes, b[0], sizeof(b[0])),
		st.failures, st.releases,
		dmas_fmt_bytes(st.bytes, b[1], sizeof(b[1])),
		dmas_fmt_bytes(st.peak, b[2], sizeof(b[2])));
	if (st.no_device)
		fprintf(out,
			"  no device   %" PRIu64
			" allocations no dma_alloc_* call claimed (%" PRIu64
			" failed), %s of them held at end\n",
			st.no_device, st.no_device_failures,
			dmas_fmt_bytes(st.no_device_bytes, b[3], sizeof(b[3])));
	dmas_engine_cma_latency(e, 0, &l);
	if (l.count)
		fprintf(out, "  latency     %s (%" PRIu64 " allocations)\n",
			fmt_quantiles(&l, q, sizeof(q)), l.count);
	if (st.preexisting)
		fprintf(out,
			"  before      %" PRIu64
			" releases of memory allocated before tracing began (not bugs)\n",
			st.preexisting);
}

static void report_text_raw(FILE *out, const struct dmas_engine *e,
			    const struct dmas_report_opts *o)
{
	size_t i, nd = dmas_engine_nr_devices(e), shown = 0;

	if (!o->quiet)
		print_header(out, e, o);
	print_findings(out, e, o);
	if (!o->quiet && !o->no_stats) {
		print_outstanding(out, e, o);
		print_channels(out, e, o);
		print_dmabuf(out, e);
		print_cma(out, e);
		fprintf(out, "\ndevices:");
		for (i = 0; i < nd; i++) {
			const struct dmas_device *d = dmas_engine_device(e, i);

			if (!dmas_report_device_included(e, o, d))
				continue;
			print_device(out, e, o, d);
			shown++;
		}
		if (!shown)
			fprintf(out, " none%s\n",
				o->device || o->driver ? " match the filters"
						       : "");
	}
}

/*
 * Every string of a recording (device, driver, frame, host names) may hold
 * control bytes or escape sequences that would clear a terminal or set its
 * title: the report is made in memory and each byte that is not printable
 * ASCII or a newline goes out as \xNN.  The report's own text is ASCII.
 */
int dmas_report_text(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o)
{
	char *buf = NULL, esc[8];
	size_t len = 0, i;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return -1;
	report_text_raw(mem, e, o);
	if (fclose(mem)) {
		free(buf);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (c == '\n' || (c >= 0x20 && c < 0x7f)) {
			putc(c, out);
		} else {
			snprintf(esc, sizeof(esc), "\\x%02x", c);
			fputs(esc, out);
		}
	}
	free(buf);
	fflush(out);
	return ferror(out) ? -1 : 0;
}
