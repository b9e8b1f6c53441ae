/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report_junit.c - the JUnit XML report (the Ant/Jenkins form that
 * Jenkins, GitLab and LAVA's converters read): one test suite, one test
 * case per finding kind of findings.def.  A kind without failing findings
 * passes; a failing one carries each finding with its stacks; a kind the
 * trace could not watch is skipped with the reason.  Findings that do not
 * fail the gate (known, suppressed, below --fail-on) go to system-out.
 * Valid against tests/cli/schemas/junit.xsd.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gate.h"
#include "report.h"

/*
 * Text for XML: markup characters as entities, printable ASCII, newlines
 * and tabs as they are, every other byte as \xNN (no control character,
 * always valid XML 1.0 whatever a recording holds).
 */
static void xml(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		switch (c) {
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '&':
			fputs("&amp;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		default:
			if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t')
				fputc(c, out);
			else
				fprintf(out, "\\x%02x", c);
		}
	}
}

static void stack_text(FILE *out, const struct dmas_engine *e, uint32_t id,
		       const char *what)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;

	if (!id)
		return;
	fprintf(out, "  %s:\n", what);
	if (!st || !st->nr_frames) {
		fprintf(out, "    (stack %u not in the recording)\n", id);
		return;
	}
	for (uint32_t i = 0; i < st->nr_frames; i++) {
		fputs("    ", out);
		xml(out, st->frames[i] ? st->frames[i] : "?");
		fputc('\n', out);
	}
}

/* One finding: its line, gate state, stacks and fix. */
static void finding_text(FILE *out, const struct dmas_engine *e,
			 const struct dmas_report_opts *o, size_t i)
{
	const struct dmas_finding *f = dmas_engine_finding(e, i);
	const struct dmas_gate_verdict *v = dmas_gate_verdict(o->gate, i);
	const char *seen = dmas_report_seen_by(o, i);
	char line[512], kb[16];

	xml(out, dmas_report_finding_line(e, o, f, line, sizeof(line)));
	fputc('\n', out);
	if (v) {
		fprintf(out, "  fingerprint: %s%s\n", v->fp,
			v->state == DMAS_GATE_KNOWN ? " (in the baseline)"
						    : "");
		if (v->rule >= 0) {
			fputs("  suppressed: ", out);
			xml(out, o->gate->rules[v->rule].reason);
			fputc('\n', out);
		}
	}
	if (seen)
		fprintf(out, "  seenBy: %s\n", seen);
	if (f->repeats)
		fprintf(out, "  repeats: %" PRIu64 "\n", f->repeats);
	if (f->map_kind)
		stack_text(out, e, f->map_stack,
			   dmas_kind_str(f->map_kind, kb, sizeof(kb)));
	else
		stack_text(out, e, f->map_stack, "created");
	if (f->close_kind)
		stack_text(out, e, f->close_stack,
			   dmas_kind_str(f->close_kind, kb, sizeof(kb)));
	else
		stack_text(out, e, f->close_stack, "revealed");
	fputs("  fix: ", out);
	xml(out, dmas_finding_table[f->kind].fix);
	fputc('\n', out);
}

static void property(FILE *out, const char *name, const char *value)
{
	fprintf(out, "      <property name=\"%s\" value=\"", name);
	xml(out, value);
	fputs("\"/>\n", out);
}

int dmas_report_junit(FILE *out, const struct dmas_engine *e,
		      const struct dmas_report_opts *o)
{
	const struct dmas_session *s = dmas_engine_session(e);
	size_t nr = dmas_engine_nr_findings(e);
	size_t failing[DMAS_FINDING_KIND_MAX] = {0};
	size_t shown[DMAS_FINDING_KIND_MAX] = {0};
	const char *skip[DMAS_FINDING_KIND_MAX] = {0};
	char why[DMAS_FINDING_KIND_MAX][256], when[32] = "", num[32];
	size_t nfail = 0, nskip = 0;
	double secs = o->last_ts > o->first_ts
			      ? (o->last_ts - o->first_ts) / 1e9
			      : 0.0;
	int k;

	for (size_t i = 0; i < nr; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);

		if (!dmas_report_includes(e, o, f))
			continue;
		shown[f->kind]++;
		if (dmas_report_fails(e, o, i))
			failing[f->kind]++;
	}
	for (k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
		if (failing[k])
			nfail++;
		else if (!shown[k] && (skip[k] = dmas_report_unwatched(
					       e, (enum dmas_finding_kind)k,
					       why[k], sizeof(why[k]))))
			nskip++;
	}
	if (s && s->start_realtime_ns) {
		time_t t = (time_t)(s->start_realtime_ns / 1000000000u);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	}

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	fprintf(out,
		"<testsuites name=\"dmascope\" tests=\"%d\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
		DMAS_FINDING_KIND_MAX, nfail, nskip, secs);
	fputs("  <testsuite name=\"", out);
	xml(out, o->tool ? o->tool : "dmatrace");
	fprintf(out,
		"\" tests=\"%d\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\"",
		DMAS_FINDING_KIND_MAX, nfail, nskip, secs);
	if (when[0])
		fprintf(out, " timestamp=\"%s\"", when);
	if (s && s->hostname[0]) {
		fputs(" hostname=\"", out);
		xml(out, s->hostname);
		fputc('"', out);
	}
	fputs(">\n    <properties>\n", out);
	property(out, "input", o->input ? o->input : "-");
	if (s) {
		property(out, "kernel", s->kernel_release);
		property(out, "hooks", s->hooks);
	}
	snprintf(num, sizeof(num), "%" PRIu64, dmas_engine_events(e));
	property(out, "events", num);
	snprintf(num, sizeof(num), "%" PRIu64, dmas_engine_lost(e));
	property(out, "lost_events", num);
	if (o->gate)
		property(out, "fail_on", dmas_severity_name(o->gate->fail_on));
	fputs("    </properties>\n", out);

	for (k = 0; k < DMAS_FINDING_KIND_MAX; k++) {
		const struct dmas_finding_info *fi = &dmas_finding_table[k];
		bool other = shown[k] > failing[k];

		fprintf(out,
			"    <testcase name=\"%s\" classname=\"dmascope.%s\" time=\"0\"",
			fi->id, fi->area);
		if (!failing[k] && !skip[k] && !other) {
			fputs("/>\n", out);
			continue;
		}
		fputs(">\n", out);
		if (failing[k]) {
			fprintf(out,
				"      <failure type=\"%s\" message=\"%zu finding%s: ",
				dmas_severity_name(fi->severity), failing[k],
				failing[k] == 1 ? "" : "s");
			xml(out, fi->what);
			fputs("\">", out);
			for (size_t i = 0; i < nr; i++)
				if (dmas_engine_finding(e, i)->kind ==
					    (enum dmas_finding_kind)k &&
				    dmas_report_fails(e, o, i))
					finding_text(out, e, o, i);
			fputs("</failure>\n", out);
		} else if (skip[k]) {
			fputs("      <skipped message=\"", out);
			xml(out, skip[k]);
			fputs("\"/>\n", out);
		}
		if (other) {
			/*
			 * reported, but not failing: known, suppressed, below
			 */
			fputs("      <system-out>", out);
			for (size_t i = 0; i < nr; i++) {
				const struct dmas_finding *f =
					dmas_engine_finding(e, i);

				if (f->kind == (enum dmas_finding_kind)k &&
				    dmas_report_includes(e, o, f) &&
				    !dmas_report_fails(e, o, i))
					finding_text(out, e, o, i);
			}
			fputs("</system-out>\n", out);
		}
		fputs("    </testcase>\n", out);
	}
	fputs("  </testsuite>\n</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
