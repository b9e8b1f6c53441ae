/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_json.c - the machine report: one JSON document (json-c) with
 * stable field names, documented in README ("JSON report").  Addresses are
 * hex strings because 64-bit values do not survive a double; counts, sizes
 * and times (ns) are integers.
 *
 * Schema "dmascope-report/1" (fields are added, never renamed):
 *   schema, tool, input{path, status complete|truncated|corrupt|interrupted,
 *   message}, session{kernel, host, clock, page_size, start_ts,
 *   start_realtime_ns, first_event_ts, last_event_ts, duration_ns, hooks,
 *   traced_from_boot, placement_judged, placement_not_judged (the reason
 *   or null), maps_without_phys, unwatched[]{id, why}: finding kinds the
 *   hooks could not see}, command{argv[], exit_status,
 *   signal, signal_name} (check only), events, lost_events,
 *   lost_by{ring, recursion, kretprobe}, no_device_events, dropped,
 *   options{min_severity, device,
 *   driver, leak_age_ns, xfer_timeout_ns, latency_budget_ns, cma_budget_ns,
 *   leaks_at_exit},
 *   summary{findings, error, warning, info},
 *   findings[]{seq, id, severity, area, uncertain, seen_by (dmascope,
 *   dma-debug or both), dev_id, device, driver,
 *   ts, addr, size, dir, map_kind, map_ts, age_ns, pid, detail, repeats,
 *   consequences, consequence,
 *   stack[], close_kind, close_stack[], what, fix, and with the gate:
 *   fingerprint, fails_gate, baseline_state new|unchanged (--baseline),
 *   suppression{rule, justification} (--suppress)},
 *   devices[]{id, name, driver, bus, numa_node, iommu, iommu_group,
 *   iommu_domain, isolation, port (null: not known), dma_mask,
 *   masks{dma_mask, coherent_mask, bus_limit (null: not known), sets,
 *   set_failures, swiotlb_forced, bounce_bytes_to_device,
 *   bounce_bytes_from_device, bounce_why[] (swiotlb_force, mask,
 *   external_port, unknown)}, sync_checks, sync_checks_note,
 *   unmap_optional, cma{allocs, alloc_bytes, failures, bytes, peak,
 *   latency{count, p50_ns, p99_ns, max_ns, sum_ns} or null} or null,
 *   stats{..., bounced, bounce_bytes, ..., cma_allocs, cma_alloc_bytes,
 *   cma_failures, cma_bytes, cma_peak}},
 *   outstanding{count, bytes, listed, oldest[]}, channels[]{...,
 *   latency{submit_to_start, start_to_complete, submit_to_complete: each
 *   {count, p50_ns, p99_ns, max_ns, sum_ns} or null}, over_budget},
 *   dmabuf{...}, cma{allocs, alloc_bytes, failures, releases, bytes, peak,
 *   no_device, no_device_bytes, no_device_failures, preexisting,
 *   latency}.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frontend/textsafe.h"
#include "gate.h"
#include "report.h"

#define REPORT_SCHEMA "dmascope-report/1"

static struct json_object *hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return dmas_json_string(buf);
}

static struct json_object *str_or_null(const char *s)
{
	return s && s[0] ? dmas_json_string(s) : NULL;
}

static struct json_object *stack_json(const struct dmas_engine *e, uint32_t id)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	struct json_object *a;
	uint32_t i;

	if (!st)
		return NULL;
	a = json_object_new_array();
	for (i = 0; i < st->nr_frames; i++)
		json_object_array_add(
			a,
			dmas_json_string(st->frames[i] ? st->frames[i] : "?"));
	return a;
}

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

static struct json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

/* [{id, why}] for the finding kinds the session's hooks could not see */
static struct json_object *unwatched_json(const struct dmas_engine *e)
{
	struct json_object *a = json_object_new_array();
	char why[256];

	for (unsigned k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
		struct json_object *o;

		if (!dmas_report_unwatched(e, (enum dmas_finding_kind)k, why,
					   sizeof(why)))
			continue;
		o = json_object_new_object();
		json_object_object_add(
			o, "id",
			json_object_new_string(dmas_finding_table[k].id));
		json_object_object_add(o, "why", json_object_new_string(why));
		json_object_array_add(a, o);
	}
	return a;
}

static struct json_object *session_json(const struct dmas_engine *e,
					const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);
	struct json_object *j = json_object_new_object();
	uint64_t base = o->first_ts;

	if (s && s->start_ts && (!o->first_ts || s->start_ts <= o->first_ts))
		base = s->start_ts;
	add(j, "kernel", str_or_null(s ? s->kernel_release : NULL));
	add(j, "host", str_or_null(s ? s->hostname : NULL));
	add(j, "clock", str_or_null(s ? s->clock : NULL));
	add(j, "page_size", u64(s ? s->page_size : 0));
	add(j, "start_ts", u64(base));
	add(j, "start_realtime_ns", u64(s ? s->start_realtime_ns : 0));
	add(j, "first_event_ts", u64(o->first_ts));
	add(j, "last_event_ts", u64(o->last_ts));
	add(j, "duration_ns", u64(o->last_ts > base ? o->last_ts - base : 0));
	add(j, "hooks", str_or_null(s ? s->hooks : NULL));
	add(j, "traced_from_boot",
	    json_object_new_boolean(s && s->traced_from_boot));
	add(j, "placement_judged",
	    json_object_new_boolean(!dmas_engine_placement(e)));
	add(j, "placement_not_judged",
	    str_or_null(dmas_placement_reason(dmas_engine_placement(e))));
	add(j, "maps_without_phys",
	    u64(dmas_engine_maps_without_phys(e, NULL)));
	add(j, "unwatched", unwatched_json(e));
	return j;
}

/* The gate's verdict (gate.h): index i of a finding is its seq. */
static void gate_json(struct json_object *j, const struct dmas_report_opts *o,
		      const struct dmas_finding *f)
{
	const struct dmas_gate_verdict *v = dmas_gate_verdict(o->gate, f->seq);
	struct json_object *sj;
	char where[512];

	if (!v)
		return;
	add(j, "fingerprint", json_object_new_string(v->fp));
	add(j, "fails_gate", json_object_new_boolean(v->fails));
	if (o->gate->have_baseline)
		add(j, "baseline_state",
		    json_object_new_string(
			    v->state == DMAS_GATE_KNOWN ? "unchanged" : "new"));
	if (v->rule < 0)
		return;
	sj = json_object_new_object();
	snprintf(where, sizeof(where), "%s:%u", o->gate->suppress,
		 o->gate->rules[v->rule].line);
	add(sj, "rule", dmas_json_string(where));
	add(sj, "justification",
	    dmas_json_string(o->gate->rules[v->rule].reason));
	add(j, "suppression", sj);
}

static struct json_object *finding_json(const struct dmas_engine *e,
					const struct dmas_report_opts *o,
					const struct dmas_finding *f)
{
	const struct dmas_finding_info *fi = &dmas_finding_table[f->kind];
	const struct dmas_device *d = dmas_engine_device_by_id(e, f->dev);
	struct json_object *j = json_object_new_object();
	char kb[16];

	add(j, "seq", u64(f->seq));
	add(j, "id", dmas_json_string(fi->id));
	add(j, "severity", dmas_json_string(dmas_severity_name(f->severity)));
	add(j, "area", dmas_json_string(fi->area));
	add(j, "uncertain", json_object_new_boolean(f->uncertain));
	add(j, "seen_by",
	    json_object_new_string(dmas_seen_by_name(f->seen_by)));
	add(j, "dev_id", u64(f->dev));
	add(j, "device", str_or_null(d ? d->name : NULL));
	add(j, "driver", str_or_null(dmas_report_driver(e, o, f->dev)));
	add(j, "ts", u64(f->ts));
	add(j, "addr", hex(f->addr));
	add(j, "size", u64(f->size));
	add(j, "dir", dmas_json_string(dmas_dir_str(f->dir)));
	add(j, "map_kind",
	    f->map_kind ? dmas_json_string(
				  dmas_kind_str(f->map_kind, kb, sizeof(kb)))
			: NULL);
	add(j, "map_ts", u64(f->map_ts));
	add(j, "age_ns",
	    f->map_ts && f->ts >= f->map_ts ? u64(f->ts - f->map_ts) : NULL);
	add(j, "pid", u64(f->pid));
	add(j, "detail", dmas_json_string(f->detail));
	add(j, "repeats", u64(f->repeats));
	add(j, "consequences", u64(f->consequences));
	add(j, "consequence", json_object_new_string(f->consequence));
	add(j, "stack", stack_json(e, f->map_stack));
	add(j, "close_kind",
	    f->close_kind ? dmas_json_string(dmas_kind_str(f->close_kind, kb,
							   sizeof(kb)))
			  : NULL);
	add(j, "close_stack", stack_json(e, f->close_stack));
	add(j, "what", dmas_json_string(fi->what));
	add(j, "fix", dmas_json_string(fi->fix));
	gate_json(j, o, f);
	return j;
}

static struct json_object *dir_counts(const uint64_t v[DMAS_NDIR])
{
	struct json_object *j = json_object_new_object();
	unsigned i;

	for (i = 0; i < DMAS_NDIR; i++)
		add(j, dmas_dir_str(i), u64(v[i]));
	return j;
}

static struct json_object *stats_json(const struct dmas_dev_stats *st)
{
	struct json_object *j = json_object_new_object(), *fs;
	uint64_t numa_total = st->remote_bytes + st->local_bytes;

	add(j, "maps", dir_counts(st->maps));
	add(j, "map_bytes", dir_counts(st->map_bytes));
	add(j, "unmaps", u64(st->unmaps));
	add(j, "syncs_for_cpu", u64(st->syncs_for_cpu));
	add(j, "syncs_for_device", u64(st->syncs_for_device));
	add(j, "map_errors", u64(st->map_errors));
	add(j, "outstanding", u64(st->outstanding));
	add(j, "outstanding_bytes", u64(st->outstanding_bytes));
	add(j, "outstanding_peak", u64(st->outstanding_peak));
	add(j, "coherent_allocs", u64(st->coherent_allocs));
	add(j, "coherent_bytes", u64(st->coherent_bytes));
	add(j, "pool_blocks", u64(st->pool_blocks));
	add(j, "remote_bytes", u64(st->remote_bytes));
	add(j, "local_bytes", u64(st->local_bytes));
	add(j, "remote_share",
	    numa_total ? json_object_new_double((double)st->remote_bytes /
						numa_total)
		       : NULL);
	add(j, "bounced", u64(st->bounced));
	add(j, "bounce_bytes", u64(st->bounce_bytes));
	add(j, "preexisting", u64(st->preexisting));
	add(j, "iommu_faults", u64(st->iommu_faults));
	add(j, "iova_ranges", u64(st->iova_ranges));
	add(j, "unmap_skipped", u64(st->unmap_skipped));
	add(j, "sync_unchecked", u64(st->sync_unchecked));
	add(j, "xfers_submitted", u64(st->xfers_submitted));
	add(j, "xfers_completed", u64(st->xfers_completed));
	add(j, "xfers_failed", u64(st->xfers_failed));
	add(j, "xfers_in_flight", u64(st->xfers_in_flight));
	add(j, "dmabuf_exports", u64(st->dmabuf_exports));
	add(j, "dmabuf_exported_bytes", u64(st->dmabuf_exported_bytes));
	add(j, "dmabuf_live", u64(st->dmabuf_live));
	add(j, "dmabuf_live_bytes", u64(st->dmabuf_live_bytes));
	add(j, "dmabuf_attaches", u64(st->dmabuf_attaches));
	add(j, "dmabuf_attached", u64(st->dmabuf_attached));
	add(j, "dmabuf_maps", u64(st->dmabuf_maps));
	add(j, "dmabuf_mapped", u64(st->dmabuf_mapped));
	add(j, "cma_allocs", u64(st->cma_allocs));
	add(j, "cma_alloc_bytes", u64(st->cma_alloc_bytes));
	add(j, "cma_failures", u64(st->cma_failures));
	add(j, "cma_bytes", u64(st->cma_bytes));
	add(j, "cma_peak", u64(st->cma_peak));
	fs = json_object_new_object();
	add(fs, "error", u64(st->findings[DMAS_SEV_ERROR]));
	add(fs, "warning", u64(st->findings[DMAS_SEV_WARNING]));
	add(fs, "info", u64(st->findings[DMAS_SEV_INFO]));
	add(j, "findings", fs);
	return j;
}

/* The device's masks and what swiotlb copied for it, and why. */
static struct json_object *masks_json(const struct dmas_engine *e, uint32_t id)
{
	const struct dmas_dev_masks *mk = dmas_engine_dev_masks(e, id);
	struct json_object *j, *why;

	if (!mk)
		return NULL;
	j = json_object_new_object();
	why = json_object_new_array();
	add(j, "dma_mask", mk->dma_mask ? hex(mk->dma_mask) : NULL);
	add(j, "coherent_mask",
	    mk->coherent_mask ? hex(mk->coherent_mask) : NULL);
	add(j, "bus_limit", mk->bus_limit ? hex(mk->bus_limit) : NULL);
	add(j, "sets", u64(mk->sets));
	add(j, "set_failures", u64(mk->set_failures));
	add(j, "swiotlb_forced", json_object_new_boolean(mk->swiotlb_forced));
	add(j, "bounce_bytes_to_device", u64(mk->bounce_to_device));
	add(j, "bounce_bytes_from_device", u64(mk->bounce_from_device));
	for (size_t i = 0; i < DMAS_NR_BOUNCE_REASONS; i++)
		if (mk->bounce_why & dmas_bounce_reasons[i].bit)
			json_object_array_add(
				why, json_object_new_string(
					     dmas_bounce_reasons[i].key));
	add(j, "bounce_why", why);
	return j;
}

/* {count, p50_ns, p99_ns, max_ns, sum_ns}, or null when none was measured */
static struct json_object *lat_json(const struct dmas_lat_summary *l)
{
	struct json_object *p;

	if (!l->count)
		return NULL;
	p = json_object_new_object();
	add(p, "count", u64(l->count));
	add(p, "p50_ns", u64(l->p50_ns));
	add(p, "p99_ns", u64(l->p99_ns));
	add(p, "max_ns", u64(l->max_ns));
	add(p, "sum_ns", u64(l->sum_ns));
	return p;
}

/* The device's contiguous memory, or null when no CMA allocation was its. */
static struct json_object *dev_cma_json(const struct dmas_engine *e,
					const struct dmas_dev_stats *st)
{
	struct json_object *j;
	struct dmas_lat_summary l;

	if (!st || !st->cma_allocs)
		return NULL;
	j = json_object_new_object();
	dmas_engine_cma_latency(e, st->dev, &l);
	add(j, "allocs", u64(st->cma_allocs));
	add(j, "alloc_bytes", u64(st->cma_alloc_bytes));
	add(j, "failures", u64(st->cma_failures));
	add(j, "bytes", u64(st->cma_bytes));
	add(j, "peak", u64(st->cma_peak));
	add(j, "latency", lat_json(&l));
	return j;
}

static struct json_object *device_json(const struct dmas_engine *e,
				       const struct dmas_report_opts *o,
				       const struct dmas_device *d)
{
	const struct dmas_dev_stats *st = dmas_engine_dev_stats(e, d->id);
	struct json_object *j = json_object_new_object();

	add(j, "id", u64(d->id));
	add(j, "name", dmas_json_string(d->name));
	add(j, "driver", str_or_null(dmas_report_driver(e, o, d->id)));
	add(j, "bus", str_or_null(d->bus));
	add(j, "numa_node", json_object_new_int(d->numa_node));
	add(j, "iommu", json_object_new_boolean(d->flags & DMAS_DEVF_IOMMU));
	add(j, "iommu_group",
	    d->iommu_domain >= DMAS_IOMMU_DMA ? u64(d->iommu_group) : NULL);
	add(j, "iommu_domain",
	    d->iommu_domain != DMAS_IOMMU_UNKNOWN
		    ? json_object_new_string(
			      dmas_iommu_domain_name(d->iommu_domain))
		    : NULL);
	add(j, "isolation",
	    d->iommu_domain != DMAS_IOMMU_UNKNOWN &&
			    d->iommu_domain != DMAS_IOMMU_GROUP_ONLY
		    ? json_object_new_string(
			      dmas_iommu_isolation(d->iommu_domain))
		    : NULL);
	add(j, "port",
	    d->port != DMAS_PORT_UNKNOWN
		    ? json_object_new_string(dmas_port_name(d->port))
		    : NULL);
	add(j, "dma_mask", hex(d->dma_mask));
	add(j, "masks", masks_json(e, d->id));
	/* false: the kernel elides the device's syncs, so none were checked */
	add(j, "sync_checks",
	    json_object_new_boolean(!(d->flags & DMAS_DEVF_SYNC_ELIDED) &&
				    !(st && st->sync_unchecked)));
	add(j, "sync_checks_note",
	    (d->flags & DMAS_DEVF_SYNC_ELIDED) || (st && st->sync_unchecked)
		    ? dmas_json_string(
			      "not possible on this device (the kernel elides syncs)")
		    : NULL);
	add(j, "unmap_optional",
	    json_object_new_boolean(d->flags & DMAS_DEVF_NO_UNMAP));
	add(j, "cma", dev_cma_json(e, st));
	add(j, "stats", st ? stats_json(st) : NULL);
	return j;
}

/* At most this many outstanding mappings are listed; all are counted. */
enum { OUTSTANDING_LISTED = 1000 };

struct outstanding_walk {
	const struct dmas_engine *e;
	const struct dmas_report_opts *o;
	struct json_object *list;
	uint64_t count, bytes;
};

static int walk_outstanding(const struct dmas_mapping_info *m, void *ctx)
{
	struct outstanding_walk *w = ctx;
	const struct dmas_device *d = dmas_engine_device_by_id(w->e, m->dev);
	struct json_object *j;
	char kb[16];

	if ((w->o->device || w->o->driver) &&
	    !dmas_report_device_included(w->e, w->o, d))
		return 0;
	w->count++;
	w->bytes += m->size;
	if (w->count > OUTSTANDING_LISTED)
		return 0;
	j = json_object_new_object();
	add(j, "dev_id", u64(m->dev));
	add(j, "device", str_or_null(d ? d->name : NULL));
	add(j, "driver", str_or_null(dmas_report_driver(w->e, w->o, m->dev)));
	add(j, "kind",
	    dmas_json_string(dmas_kind_str(m->kind, kb, sizeof(kb))));
	add(j, "addr", hex(m->addr));
	add(j, "size", u64(m->size));
	add(j, "dir", dmas_json_string(dmas_dir_str(m->dir)));
	add(j, "ts", u64(m->ts));
	add(j, "age_ns",
	    u64(w->o->last_ts > m->ts ? w->o->last_ts - m->ts : 0));
	add(j, "pid", u64(m->pid));
	if (m->sg)
		add(j, "sg", hex(m->sg));
	if (m->pool)
		add(j, "pool", hex(m->pool));
	add(j, "stack", stack_json(w->e, m->stack));
	json_object_array_add(w->list, j);
	return 0;
}

static struct json_object *outstanding_json(const struct dmas_engine *e,
					    const struct dmas_report_opts *o)
{
	struct outstanding_walk w = {e, o, json_object_new_array(), 0, 0};
	struct json_object *j = json_object_new_object();

	dmas_engine_foreach_outstanding(e, walk_outstanding, &w);
	add(j, "count", u64(w.count));
	add(j, "bytes", u64(w.bytes));
	add(j, "listed",
	    u64(w.count < OUTSTANDING_LISTED ? w.count : OUTSTANDING_LISTED));
	add(j, "oldest", w.list);
	return j;
}

/* {submit_to_start: {count, p50_ns, p99_ns, max_ns, sum_ns} | null, ...} */
static struct json_object *chan_latency_json(const struct dmas_engine *e,
					     size_t chan)
{
	struct json_object *j = json_object_new_object();
	int ph;

	for (ph = 0; ph < DMAS_LAT_PHASES; ph++) {
		struct dmas_lat_summary l;

		dmas_engine_chan_latency(e, chan, ph, &l);
		add(j, dmas_lat_phase_names[ph], lat_json(&l));
	}
	return j;
}

static struct json_object *channels_json(const struct dmas_engine *e,
					 const struct dmas_report_opts *o)
{
	struct json_object *a = json_object_new_array();
	size_t i, n = dmas_engine_nr_channels(e);

	for (i = 0; i < n; i++) {
		const struct dmas_chan_info *c = dmas_engine_channel(e, i);
		const struct dmas_device *p =
			dmas_engine_device_by_id(e, c->provider);
		const struct dmas_device *cl =
			dmas_engine_device_by_id(e, c->client);
		struct json_object *j;

		if ((o->device || o->driver) &&
		    !dmas_report_device_included(e, o, p) &&
		    !(cl && dmas_report_device_included(e, o, cl)))
			continue;
		j = json_object_new_object();
		add(j, "id", hex(c->id));
		add(j, "provider", str_or_null(p ? p->name : NULL));
		add(j, "client", str_or_null(cl ? cl->name : NULL));
		add(j, "index", u64(c->index));
		add(j, "requested", json_object_new_boolean(c->requested));
		add(j, "released", json_object_new_boolean(c->released));
		add(j, "submitted", u64(c->submitted));
		add(j, "issued", u64(c->issued));
		add(j, "completed", u64(c->completed));
		add(j, "errors", u64(c->errors));
		add(j, "terminated", u64(c->terminated));
		add(j, "in_flight", u64(c->in_flight));
		add(j, "pending", u64(c->pending));
		add(j, "bytes", u64(c->bytes));
		add(j, "latency", chan_latency_json(e, i));
		add(j, "over_budget", u64(c->over_budget));
		add(j, "stack", stack_json(e, c->stack));
		json_object_array_add(a, j);
	}
	return a;
}

/* check's CMD: argv, and exit status or the signal that ended it. */
/* dma-buf and fence totals of the session (the engine's dmabuf.c) */
static struct json_object *dmabuf_json(const struct dmas_engine *e)
{
	struct json_object *j = json_object_new_object();
	struct dmas_dmabuf_stats st;

	dmas_engine_dmabuf_stats(e, &st);
	add(j, "exports", u64(st.exports));
	add(j, "exported_bytes", u64(st.exported_bytes));
	add(j, "export_errors", u64(st.export_errors));
	add(j, "no_exporter", u64(st.no_exporter));
	add(j, "releases", u64(st.releases));
	add(j, "live", u64(st.live));
	add(j, "live_bytes", u64(st.live_bytes));
	add(j, "attaches", u64(st.attaches));
	add(j, "attached", u64(st.attached));
	add(j, "maps", u64(st.maps));
	add(j, "mapped", u64(st.mapped));
	add(j, "map_errors", u64(st.map_errors));
	add(j, "fences", u64(st.fences));
	add(j, "fences_signalled", u64(st.fences_signalled));
	add(j, "fences_pending", u64(st.fences_pending));
	add(j, "fences_dropped", u64(st.fences_dropped));
	add(j, "fence_waits", u64(st.fence_waits));
	add(j, "preexisting", u64(st.preexisting));
	return j;
}

/* contiguous memory over the session (the engine's cma.c) */
static struct json_object *cma_json(const struct dmas_engine *e)
{
	struct json_object *j = json_object_new_object();
	struct dmas_lat_summary l;
	struct dmas_cma_stats st;

	dmas_engine_cma_stats(e, &st);
	dmas_engine_cma_latency(e, 0, &l);
	add(j, "allocs", u64(st.allocs));
	add(j, "alloc_bytes", u64(st.alloc_bytes));
	add(j, "failures", u64(st.failures));
	add(j, "releases", u64(st.releases));
	add(j, "bytes", u64(st.bytes));
	add(j, "peak", u64(st.peak));
	add(j, "no_device", u64(st.no_device));
	add(j, "no_device_bytes", u64(st.no_device_bytes));
	add(j, "no_device_failures", u64(st.no_device_failures));
	add(j, "preexisting", u64(st.preexisting));
	add(j, "latency", lat_json(&l));
	return j;
}

static struct json_object *command_json(const struct dmas_report_opts *o)
{
	struct json_object *c = json_object_new_object(), *a;
	char name[16];
	size_t i;

	a = json_object_new_array();
	for (i = 0; o->command_argv[i]; i++)
		json_object_array_add(a, dmas_json_string(o->command_argv[i]));
	add(c, "argv", a);
	add(c, "exit_status",
	    o->command_signal ? NULL
			      : json_object_new_int(o->command_exit_status));
	add(c, "signal",
	    o->command_signal ? json_object_new_int(o->command_signal) : NULL);
	if (o->command_signal && sigabbrev_np(o->command_signal))
		snprintf(name, sizeof(name), "SIG%s",
			 sigabbrev_np(o->command_signal));
	add(c, "signal_name",
	    o->command_signal && sigabbrev_np(o->command_signal)
		    ? dmas_json_string(name)
		    : NULL);
	return c;
}

static const char *status_name(enum dmas_input_status s)
{
	switch (s) {
	case DMAS_INPUT_COMPLETE:
		return "complete";
	case DMAS_INPUT_TRUNCATED:
		return "truncated";
	case DMAS_INPUT_CORRUPT:
		return "corrupt";
	case DMAS_INPUT_INTERRUPTED:
		return "interrupted";
	}
	return "unknown";
}

int dmas_report_json(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o)
{
	struct json_object *root = json_object_new_object(), *lost;
	struct json_object *in, *opts, *sum, *fa, *da;
	size_t i, nr = dmas_engine_nr_findings(e),
		  nd = dmas_engine_nr_devices(e);
	uint64_t by_sev[3] = {0};

	add(root, "schema", dmas_json_string(REPORT_SCHEMA));
	add(root, "tool", dmas_json_string(o->tool ? o->tool : "dmatrace"));
	in = json_object_new_object();
	add(in, "path", str_or_null(o->input));
	add(in, "status", dmas_json_string(status_name(o->input_status)));
	add(in, "message", str_or_null(o->input_message));
	add(root, "input", in);
	add(root, "session", session_json(e, o));
	if (o->command_argv)
		add(root, "command", command_json(o));
	add(root, "events", u64(dmas_engine_events(e)));
	add(root, "lost_events", u64(dmas_engine_lost(e)));
	lost = json_object_new_object();
	for (unsigned r = 0; r < DMAS_LOSS_REASONS; r++)
		add(lost, dmas_loss_reason_name(r),
		    u64(dmas_engine_lost_by(e, (enum dmas_loss_reason)r)));
	add(root, "lost_by", lost);
	add(root, "no_device_events", u64(dmas_engine_no_device(e)));
	add(root, "dropped", u64(dmas_engine_dropped(e)));

	opts = json_object_new_object();
	add(opts, "min_severity",
	    dmas_json_string(dmas_severity_name(o->min_severity)));
	add(opts, "device", str_or_null(o->device));
	add(opts, "driver", str_or_null(o->driver));
	add(opts, "leak_age_ns", o->leak_age_ns ? u64(o->leak_age_ns) : NULL);
	add(opts, "xfer_timeout_ns",
	    o->xfer_timeout_ns ? u64(o->xfer_timeout_ns) : NULL);
	add(opts, "latency_budget_ns",
	    o->latency_budget_ns ? u64(o->latency_budget_ns) : NULL);
	add(opts, "cma_budget_ns",
	    o->cma_budget_ns ? u64(o->cma_budget_ns) : NULL);
	add(opts, "leaks_at_exit", json_object_new_boolean(o->leaks_at_exit));
	add(root, "options", opts);

	fa = json_object_new_array();
	for (i = 0; i < nr; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);

		if (!dmas_report_includes(e, o, f))
			continue;
		by_sev[f->severity]++;
		json_object_array_add(fa, finding_json(e, o, f));
	}
	sum = json_object_new_object();
	add(sum, "findings", u64(by_sev[0] + by_sev[1] + by_sev[2]));
	add(sum, "error", u64(by_sev[DMAS_SEV_ERROR]));
	add(sum, "warning", u64(by_sev[DMAS_SEV_WARNING]));
	add(sum, "info", u64(by_sev[DMAS_SEV_INFO]));
	add(root, "summary", sum);
	add(root, "findings", fa);

	da = json_object_new_array();
	for (i = 0; i < nd; i++) {
		const struct dmas_device *d = dmas_engine_device(e, i);

		if (dmas_report_device_included(e, o, d))
			json_object_array_add(da, device_json(e, o, d));
	}
	add(root, "devices", da);
	add(root, "outstanding", outstanding_json(e, o));
	add(root, "channels", channels_json(e, o));
	add(root, "dmabuf", dmabuf_json(e));
	add(root, "cma", cma_json(e));

	return dmas_report_json_put(out, root);
}

int dmas_report_json_put(FILE *out, struct json_object *root)
{
	int rc;

	fputs(json_object_to_json_string_ext(
		      root,
		      JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE),
	      out);
	fputc('\n', out);
	json_object_put(root);
	rc = fflush(out);
	return rc || ferror(out) ? -1 : 0;
}
