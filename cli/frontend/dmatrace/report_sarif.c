/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_sarif.c - the SARIF 2.1.0 report (json-c) that GitHub and GitLab
 * code scanning read: the rules are findings.def's rows, each finding is a
 * result located at its first driver frame (the module is the artifact:
 * stacks carry symbols, not source lines), with its creating and revealing
 * stacks as `stacks`, the mapping's life (its map, then the event that
 * revealed the bug: sync, unmap, free, unbind) as a `codeFlow`,
 * `partialFingerprints` without offsets (fingerprint.h), `baselineState`
 * against --baseline (fixed findings as "absent" results) and
 * `suppressions` with their justification.  Valid against the OASIS
 * schema in tests/cli/schemas/.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "frontend/textsafe.h"
#include "gate.h"
#include "report.h"
#include "version.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define FINGERPRINT_KEY "dmascopeFingerprint/v1"

static void add(struct json_object *o, const char *k, struct json_object *v)
{
	if (v)
		json_object_object_add(o, k, v);
}

static struct json_object *str(const char *s)
{
	return dmas_json_string(s ? s : "");
}

static struct json_object *text(const char *s)
{
	struct json_object *m = json_object_new_object();

	add(m, "text", str(s));
	return m;
}

static const char *level(enum dmas_severity s)
{
	return s == DMAS_SEV_ERROR     ? "error"
	       : s == DMAS_SEV_WARNING ? "warning"
				       : "note";
}

/* "leak-at-unbind" -> "LeakAtUnbind", SARIF's convention for rule names */
static void camel(const char *id, char *buf, size_t len)
{
	size_t n = 0;
	bool up = true;

	for (; *id && n + 1 < len; id++) {
		if (*id == '-') {
			up = true;
			continue;
		}
		buf[n++] = up ? (char)toupper((unsigned char)*id) : *id;
		up = false;
	}
	buf[n] = '\0';
}

static struct json_object *rules_json(void)
{
	struct json_object *a = json_object_new_array();
	char name[64];

	for (int k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
		const struct dmas_finding_info *fi = &dmas_finding_table[k];
		struct json_object *r = json_object_new_object();
		struct json_object *cfg = json_object_new_object();
		struct json_object *props = json_object_new_object();
		struct json_object *tags = json_object_new_array();

		camel(fi->id, name, sizeof(name));
		add(r, "id", str(fi->id));
		add(r, "name", str(name));
		add(r, "shortDescription", text(fi->what));
		add(r, "fullDescription", text(fi->what));
		add(r, "help", text(fi->fix));
		add(cfg, "level", str(level(fi->severity)));
		add(r, "defaultConfiguration", cfg);
		json_object_array_add(tags, str("dma"));
		json_object_array_add(tags, str(fi->area));
		add(props, "tags", tags);
		add(props, "area", str(fi->area));
		add(r, "properties", props);
		json_object_array_add(a, r);
	}
	return a;
}

/* A location from a frame: its module as the artifact, its function. */
static struct json_object *frame_location(const char *frame,
					  const char *message)
{
	struct json_object *loc = json_object_new_object();
	struct json_object *phys = json_object_new_object();
	struct json_object *art = json_object_new_object();
	struct json_object *logs = json_object_new_array();
	struct json_object *lg = json_object_new_object();
	struct dmas_frame fr;
	char uri[80], fq[200];

	dmas_frame_parse(frame, &fr);
	if (fr.module[0])
		snprintf(uri, sizeof(uri), "%s.ko", fr.module);
	else
		snprintf(uri, sizeof(uri), "vmlinux");
	add(art, "uri", str(uri));
	add(phys, "artifactLocation", art);
	add(loc, "physicalLocation", phys);
	snprintf(fq, sizeof(fq), "%s%s%s", fr.module, fr.module[0] ? "!" : "",
		 fr.sym[0] ? fr.sym : "?");
	add(lg, "name", str(fr.sym[0] ? fr.sym : "?"));
	add(lg, "fullyQualifiedName", str(fq));
	add(lg, "decoratedName", str(frame));
	add(lg, "kind", str("function"));
	json_object_array_add(logs, lg);
	add(loc, "logicalLocations", logs);
	if (message)
		add(loc, "message", text(message));
	return loc;
}

static const char *driver_frame(const struct dmas_engine *e, uint32_t id)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	int i = dmas_stack_driver_frame(st);

	return i >= 0 && st->frames[i] ? st->frames[i] : NULL;
}

static struct json_object *stack_json(const struct dmas_engine *e, uint32_t id,
				      const char *what)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	struct json_object *s, *frames;

	if (!st || !st->nr_frames)
		return NULL;
	s = json_object_new_object();
	frames = json_object_new_array();
	add(s, "message", text(what));
	for (uint32_t i = 0; i < st->nr_frames; i++) {
		struct json_object *f = json_object_new_object();
		struct dmas_frame fr;

		dmas_frame_parse(st->frames[i], &fr);
		add(f, "location", frame_location(st->frames[i], NULL));
		if (fr.module[0])
			add(f, "module", str(fr.module));
		json_object_array_add(frames, f);
	}
	add(s, "frames", frames);
	return s;
}

/* One threadFlowLocation: a frame and what happened there. */
static void flow_step(struct json_object *locs, const char *frame,
		      const char *msg)
{
	struct json_object *l = json_object_new_object();

	add(l, "location", frame_location(frame, msg));
	json_object_array_add(locs, l);
}

/* The mapping's life: where it was made, then what revealed the bug. */
static struct json_object *code_flow(const struct dmas_engine *e,
				     const struct dmas_finding *f)
{
	struct json_object *locs = json_object_new_array();
	struct json_object *flow, *tf, *tfs, *flows;
	const char *mf = driver_frame(e, f->map_stack);
	const char *cf = driver_frame(e, f->close_stack);
	char msg[256], kb[16], sz[32];

	if (mf) {
		snprintf(msg, sizeof(msg), "%s: %s %s at %" PRIu64 " ns",
			 f->map_kind
				 ? dmas_kind_str(f->map_kind, kb, sizeof(kb))
				 : "created",
			 dmas_fmt_bytes(f->size, sz, sizeof(sz)),
			 dmas_dir_str(f->dir), f->map_ts);
		flow_step(locs, mf, msg);
	}
	if (cf) {
		snprintf(msg, sizeof(msg), "%s at %" PRIu64 " ns: %s",
			 f->close_kind
				 ? dmas_kind_str(f->close_kind, kb, sizeof(kb))
				 : "revealed",
			 f->ts, dmas_finding_table[f->kind].id);
		flow_step(locs, cf, msg);
	}
	if (!json_object_array_length(locs)) {
		json_object_put(locs);
		return NULL;
	}
	tf = json_object_new_object();
	add(tf, "locations", locs);
	tfs = json_object_new_array();
	json_object_array_add(tfs, tf);
	flow = json_object_new_object();
	add(flow, "message", text("the mapping's life"));
	add(flow, "threadFlows", tfs);
	flows = json_object_new_array();
	json_object_array_add(flows, flow);
	return flows;
}

static struct json_object *result_json(const struct dmas_engine *e,
				       const struct dmas_report_opts *o,
				       size_t i)
{
	const struct dmas_finding *f = dmas_engine_finding(e, i);
	const struct dmas_gate_verdict *v = dmas_gate_verdict(o->gate, i);
	const struct dmas_device *d = dmas_engine_device_by_id(e, f->dev);
	const char *drv = dmas_report_driver(e, o, f->dev);
	const char *seen = dmas_report_seen_by(o, i);
	const char *at = driver_frame(e, f->map_stack);
	struct json_object *r = json_object_new_object();
	struct json_object *locs = json_object_new_array();
	struct json_object *fps = json_object_new_object();
	struct json_object *props = json_object_new_object();
	struct json_object *stacks = json_object_new_array();
	struct json_object *st;
	char line[512], fp[DMAS_FINGERPRINT_LEN], addr[24], kb[16];

	if (!at)
		at = driver_frame(e, f->close_stack);
	add(r, "ruleId", str(dmas_finding_table[f->kind].id));
	add(r, "ruleIndex", json_object_new_int((int)f->kind));
	add(r, "level", str(level(f->severity)));
	add(r, "message",
	    text(dmas_report_finding_line(e, o, f, line, sizeof(line))));
	/* code scanning drops a result without a location: the module, else
	 * the kernel image */
	json_object_array_add(locs, frame_location(at ? at : "?", NULL));
	add(r, "locations", locs);
	if (v) {
		memcpy(fp, v->fp, sizeof(fp));
	} else {
		dmas_fingerprint(dmas_finding_table[f->kind].id, drv,
				 dmas_engine_stack(e, f->map_stack),
				 dmas_engine_stack(e, f->close_stack), fp);
	}
	add(fps, FINGERPRINT_KEY, str(fp));
	add(r, "partialFingerprints", fps);
	st = stack_json(e, f->map_stack,
			f->map_kind ? dmas_kind_str(f->map_kind, kb, sizeof(kb))
				    : "created");
	if (st)
		json_object_array_add(stacks, st);
	/*
	 * stacks are unique: one that both made and revealed it is shown once
	 */
	st = f->close_stack == f->map_stack
		     ? NULL
		     : stack_json(e, f->close_stack,
				  f->close_kind ? dmas_kind_str(f->close_kind,
								kb, sizeof(kb))
						: "revealed");
	if (st)
		json_object_array_add(stacks, st);
	if (json_object_array_length(stacks))
		add(r, "stacks", stacks);
	else
		json_object_put(stacks);
	add(r, "codeFlows", code_flow(e, f));
	if (o->gate && o->gate->have_baseline && v)
		add(r, "baselineState",
		    str(v->state == DMAS_GATE_KNOWN ? "unchanged" : "new"));
	if (v && v->rule >= 0) {
		const struct dmas_suppress_rule *rule =
			&o->gate->rules[v->rule];
		struct json_object *sa = json_object_new_array();
		struct json_object *s = json_object_new_object();
		struct json_object *sp = json_object_new_object();
		char where[512];

		snprintf(where, sizeof(where), "%s:%u", o->gate->suppress,
			 rule->line);
		add(s, "kind", str("external"));
		add(s, "status", str("accepted"));
		add(s, "justification", str(rule->reason));
		add(sp, "rule", str(where));
		add(s, "properties", sp);
		json_object_array_add(sa, s);
		add(r, "suppressions", sa);
	}
	snprintf(addr, sizeof(addr), "0x%" PRIx64, f->addr);
	add(props, "seq", json_object_new_uint64(f->seq));
	add(props, "device", str(d ? d->name : ""));
	add(props, "driver", str(drv));
	add(props, "addr", str(addr));
	add(props, "size", json_object_new_uint64(f->size));
	add(props, "dir", str(dmas_dir_str(f->dir)));
	add(props, "uncertain", json_object_new_boolean(f->uncertain));
	add(props, "repeats", json_object_new_uint64(f->repeats));
	add(props, "consequences", json_object_new_uint64(f->consequences));
	if (v)
		add(props, "failsGate", json_object_new_boolean(v->fails));
	if (seen)
		add(props, "seenBy", str(seen));
	add(r, "properties", props);
	return r;
}

/* A baseline entry no finding of this run has: fixed. */
static struct json_object *absent_json(const struct dmas_baseline_entry *b)
{
	struct json_object *r = json_object_new_object();
	struct json_object *locs = json_object_new_array();
	struct json_object *fps = json_object_new_object();
	char id[64] = "", drv[64] = "", at[200] = "", frame[256], msg[300];
	int k;

	/* "ID DRIVER MODULE:SYMBOL" as write_baseline made it */
	sscanf(b->what, "%63s %63s %199s", id, drv, at);
	k = dmas_finding_kind_by_id(id);
	if (strchr(at, ':')) {
		*strchr(at, ':') = '\0';
		snprintf(frame, sizeof(frame), "%s [%s]", at + strlen(at) + 1,
			 at);
	} else {
		snprintf(frame, sizeof(frame), "%s", at[0] ? at : "?");
	}
	add(r, "ruleId", str(k >= 0 ? id : "unknown"));
	if (k >= 0)
		add(r, "ruleIndex", json_object_new_int(k));
	add(r, "kind", str("pass"));
	add(r, "level", str("none"));
	snprintf(msg, sizeof(msg), "fixed: %s (in the baseline, not found)",
		 b->what);
	add(r, "message", text(msg));
	json_object_array_add(locs, frame_location(frame, NULL));
	add(r, "locations", locs);
	add(fps, FINGERPRINT_KEY, str(b->fp));
	add(r, "partialFingerprints", fps);
	add(r, "baselineState", str("absent"));
	return r;
}

int dmas_report_sarif(FILE *out, const struct dmas_engine *e,
		      const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);
	struct json_object *root = json_object_new_object();
	struct json_object *runs = json_object_new_array();
	struct json_object *run = json_object_new_object();
	struct json_object *tool = json_object_new_object();
	struct json_object *drv = json_object_new_object();
	struct json_object *invs = json_object_new_array();
	struct json_object *inv = json_object_new_object();
	struct json_object *results = json_object_new_array();
	struct json_object *props = json_object_new_object();
	size_t nr = dmas_engine_nr_findings(e);

	add(root, "$schema", str(SARIF_SCHEMA));
	add(root, "version", str("2.1.0"));
	add(drv, "name", str("dmascope"));
	add(drv, "semanticVersion", str(DMAS_VERSION));
	add(drv, "rules", rules_json());
	add(tool, "driver", drv);
	add(run, "tool", tool);
	add(inv, "executionSuccessful",
	    json_object_new_boolean(o->input_status == DMAS_INPUT_COMPLETE));
	if (dmas_engine_lost(e)) {
		struct json_object *ns = json_object_new_array();
		struct json_object *n = json_object_new_object();
		char msg[160];

		snprintf(
			msg, sizeof(msg),
			"%" PRIu64
			" events lost: findings a gap could explain are marked uncertain",
			dmas_engine_lost(e));
		add(n, "level", str("warning"));
		add(n, "message", text(msg));
		json_object_array_add(ns, n);
		add(inv, "toolExecutionNotifications", ns);
	}
	json_object_array_add(invs, inv);
	add(run, "invocations", invs);
	for (size_t i = 0; i < nr; i++)
		if (dmas_report_includes(e, o, dmas_engine_finding(e, i)))
			json_object_array_add(results, result_json(e, o, i));
	if (o->gate && o->gate->have_baseline)
		for (size_t b = 0; b < o->gate->nbase; b++)
			if (!o->gate->base[b].seen)
				json_object_array_add(
					results,
					absent_json(&o->gate->base[b]));
	add(run, "results", results);
	add(run, "columnKind", str("unicodeCodePoints"));
	add(props, "tool", str(o->tool ? o->tool : "dmatrace"));
	add(props, "input", str(o->input ? o->input : "-"));
	if (s) {
		add(props, "kernel", str(s->kernel_release));
		add(props, "hooks", str(s->hooks));
	}
	add(props, "events", json_object_new_uint64(dmas_engine_events(e)));
	add(props, "lostEvents", json_object_new_uint64(dmas_engine_lost(e)));
	add(run, "properties", props);
	json_object_array_add(runs, run);
	add(root, "runs", runs);
	return dmas_report_json_put(out, root);
}
