/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_ktap.c - the KTAP report, as kselftest prints it: one test per
 * finding kind of findings.def, each kind's findings as "#" diagnostic
 * lines before its result, "# SKIP reason" for a kind the trace could not
 * watch, and kselftest's totals line.  The exit status that goes with it
 * is gate.c's (KSFT_PASS 0, KSFT_FAIL 1, KSFT_SKIP 4).
 */
#include <inttypes.h>
#include <string.h>

#include "frontend/textsafe.h"
#include "gate.h"
#include "report.h"

/* A diagnostic line: "# " and text made safe (no newline, no escape). */
static void diag(FILE *out, const char *prefix, const char *s)
{
	char safe[1024];

	fprintf(out, "# %s%s\n", prefix, dmas_text_safe(s, safe, sizeof(safe)));
}

static void first_frame(FILE *out, const struct dmas_engine *e, uint32_t id,
			const char *what)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	int i = dmas_stack_driver_frame(st);
	char pre[48];

	if (i < 0 || !st->frames[i])
		return;
	snprintf(pre, sizeof(pre), "  %s at ", what);
	diag(out, pre, st->frames[i]);
}

int dmas_report_ktap(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);
	size_t nr = dmas_engine_nr_findings(e);
	unsigned int pass = 0, fail = 0, skip = 0;
	char line[512], why[256];
	int k;

	fputs("TAP version 13\n", out);
	fprintf(out, "1..%d\n", DMAS_FINDING_KIND_MAX);
	snprintf(line, sizeof(line),
		 "%s: %s, kernel %s, %" PRIu64 " events, %" PRIu64 " lost",
		 o->tool ? o->tool : "dmatrace", o->input ? o->input : "-",
		 s && s->kernel_release[0] ? s->kernel_release : "(unknown)",
		 dmas_engine_events(e), dmas_engine_lost(e));
	diag(out, "", line);
	for (k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
		const char *id = dmas_finding_table[k].id;
		size_t shown = 0, failing = 0;

		for (size_t i = 0; i < nr; i++) {
			const struct dmas_finding *f =
				dmas_engine_finding(e, i);
			const struct dmas_gate_verdict *v =
				dmas_gate_verdict(o->gate, i);
			const char *seen = dmas_report_seen_by(o, i);

			if (f->kind != (enum dmas_finding_kind)k ||
			    !dmas_report_includes(e, o, f))
				continue;
			shown++;
			if (dmas_report_fails(e, o, i))
				failing++;
			diag(out, "",
			     dmas_report_finding_line(e, o, f, line,
						      sizeof(line)));
			if (v && v->state == DMAS_GATE_KNOWN)
				diag(out, "  known: in the baseline as ",
				     v->fp);
			if (v && v->rule >= 0)
				diag(out, "  suppressed: ",
				     o->gate->rules[v->rule].reason);
			if (seen)
				diag(out, "  seen by: ", seen);
			first_frame(out, e, f->map_stack, "created");
			first_frame(out, e, f->close_stack, "revealed");
		}
		if (failing) {
			fprintf(out, "not ok %d %s\n", k + 1, id);
			fail++;
		} else if (!shown &&
			   dmas_report_unwatched(e, (enum dmas_finding_kind)k,
						 why, sizeof(why))) {
			fprintf(out, "ok %d %s # SKIP %s\n", k + 1, id, why);
			skip++;
		} else {
			fprintf(out, "ok %d %s\n", k + 1, id);
			pass++;
		}
	}
	fprintf(out,
		"# Totals: pass:%u fail:%u xfail:0 xpass:0 skip:%u error:0\n",
		pass, fail, skip);
	return ferror(out) ? -1 : 0;
}
