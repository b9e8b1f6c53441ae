/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gate.c - the CI gate: report formats and their files, --fail-on, the
 * baseline (known findings by fingerprint) and suppressions (a glob rule
 * and a reason per line), and the exit status they decide (gate.h).
 */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "frontend/outfile.h"
#include "frontend/textsafe.h"
#include "gate.h"

static const char *const format_names[DMAS_FMT_NR] = {
	"text", "json", "junit", "sarif", "ktap",
};

const char *dmas_report_format_name(enum dmas_report_format f)
{
	return f < DMAS_FMT_NR ? format_names[f] : "?";
}

dmas_report_fn dmas_report_writer(enum dmas_report_format f)
{
	switch (f) {
	case DMAS_FMT_JSON:
		return dmas_report_json;
	case DMAS_FMT_JUNIT:
		return dmas_report_junit;
	case DMAS_FMT_SARIF:
		return dmas_report_sarif;
	case DMAS_FMT_KTAP:
		return dmas_report_ktap;
	default:
		return dmas_report_text;
	}
}

int dmas_report_write(enum dmas_report_format f, FILE *out,
		      const struct dmas_engine *e,
		      const struct dmas_report_opts *o)
{
	return dmas_report_writer(f)(out, e, o);
}

#define GATE_FORMAT_HELP                                \
	"text, json, junit, sarif or ktap; repeat it\n" \
	"for several; the one without =FILE goes to\n"  \
	"-o or stdout (--format junit=j.xml\n"          \
	"--format sarif=r.sarif)"

/* the baseline and suppression files, the same for every command */
static const struct opt_row gate_opt_rows_files[] = {
	{.name = "baseline",
	 .id = GOPT_BASELINE,
	 .arg = "FILE",
	 .help = "findings listed in FILE are known and do not\n"
		 "fail the run; new ones do, fixed ones are\n"
		 "listed"},
	{.name = "write-baseline",
	 .id = GOPT_WRITE_BASELINE,
	 .arg = "FILE",
	 .help = "write this run's findings as a baseline"},
	{.name = "suppress",
	 .id = GOPT_SUPPRESS,
	 .arg = "FILE",
	 .help = "lines of 'id:device-or-driver-glob:symbol-glob\n"
		 "# reason': findings they match do not fail\n"
		 "the run"},
	{0},
};

/* --format, the same for every command */
static const struct opt_row gate_opt_rows_format[] = {
	{.name = "format",
	 .id = GOPT_FORMAT,
	 .arg = "FMT[=FILE]",
	 .help = GATE_FORMAT_HELP},
	{0},
};

const struct opt_row gate_opt_rows_check[] = {
	{.group = gate_opt_rows_format},
	{.name = "fail-on",
	 .id = GOPT_FAIL_ON,
	 .arg = "LEVEL",
	 .help = "findings at or above info, warning, error\n"
		 "fail the run (default error)"},
	{.group = gate_opt_rows_files},
	{0},
};

const struct opt_row gate_opt_rows_replay[] = {
	{.group = gate_opt_rows_format},
	{.name = "fail-on",
	 .id = GOPT_FAIL_ON,
	 .arg = "LEVEL",
	 .help = "findings at or above info, warning, error\n"
		 "fail the run (default the --severity level)"},
	{.group = gate_opt_rows_files},
	{0},
};

void dmas_gate_init(struct dmas_gate *g)
{
	memset(g, 0, sizeof(*g));
	g->fail_on = -1;
}

void dmas_gate_free(struct dmas_gate *g)
{
	for (size_t i = 0; i < g->nrules; i++) {
		free(g->rules[i].id);
		free(g->rules[i].where);
		free(g->rules[i].sym);
		free(g->rules[i].reason);
	}
	for (size_t i = 0; i < g->nbase; i++)
		free(g->base[i].what);
	free(g->rules);
	free(g->base);
	free(g->v);
	dmas_gate_init(g);
}

static int add_format(struct dmas_gate *g, const char *arg, const char *cmd)
{
	const char *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
	int f;

	for (f = 0; f < DMAS_FMT_NR; f++)
		if (strlen(format_names[f]) == n &&
		    !strncmp(arg, format_names[f], n))
			break;
	if (f == DMAS_FMT_NR) {
		fprintf(stderr,
			"dmatrace %s: --format: '%.*s' is not text, json, junit, sarif or ktap\n",
			cmd, (int)n, arg);
		return -1;
	}
	if (eq && !eq[1]) {
		fprintf(stderr, "dmatrace %s: --format %s=: which file?\n", cmd,
			format_names[f]);
		return -1;
	}
	for (size_t i = 0; i < g->nout; i++) {
		const char *p = g->out[i].path;

		if (!eq && !p) {
			fprintf(stderr,
				"dmatrace %s: --format %s: the report on -o or stdout is already %s; give this one a file (--format %s=FILE)\n",
				cmd, format_names[f],
				format_names[g->out[i].fmt], format_names[f]);
			return -1;
		}
		if (eq && p && !strcmp(p, eq + 1)) {
			fprintf(stderr,
				"dmatrace %s: --format %s: %s is already the file of the %s report\n",
				cmd, arg, p, format_names[g->out[i].fmt]);
			return -1;
		}
	}
	if (g->nout == DMAS_GATE_MAX_OUTPUTS) {
		fprintf(stderr, "dmatrace %s: --format: at most %d reports\n",
			cmd, DMAS_GATE_MAX_OUTPUTS);
		return -1;
	}
	g->out[g->nout].fmt = (enum dmas_report_format)f;
	g->out[g->nout].path = eq ? eq + 1 : NULL;
	g->nout++;
	return 1;
}

int dmas_gate_opt(int c, const char *arg, const char *cmd, struct dmas_gate *g)
{
	switch (c) {
	case GOPT_FORMAT:
		return add_format(g, arg, cmd);
	case GOPT_FAIL_ON:
		g->fail_on_given = true;
		g->fail_on = dmas_parse_severity(arg);
		if (g->fail_on < 0) {
			fprintf(stderr,
				"dmatrace %s: --fail-on: '%s' is not info, warning or error\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case GOPT_BASELINE:
		g->baseline = arg;
		return 1;
	case GOPT_WRITE_BASELINE:
		g->write_baseline = arg;
		return 1;
	case GOPT_SUPPRESS:
		g->suppress = arg;
		return 1;
	}
	return 0;
}

enum dmas_report_format dmas_gate_main_format(const struct dmas_gate *g,
					      enum dmas_report_format dflt)
{
	for (size_t i = 0; i < g->nout; i++)
		if (!g->out[i].path)
			return g->out[i].fmt;
	return dflt;
}

/* ---- files: the baseline and the suppressions ---- */

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool is_fingerprint(const char *s, size_t n)
{
	if (n != DMAS_FINGERPRINT_LEN - 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    isupper((unsigned char)s[i]))
			return false;
	return true;
}

static int grow(void *pp, size_t n, size_t size)
{
	void *p = realloc(*(void **)pp, (n + 1) * size);

	if (!p)
		return -1;
	*(void **)pp = p;
	return 0;
}

/* "# comment" and blank lines are skipped by both files. */
static int load_baseline(struct dmas_gate *g, const char *cmd)
{
	FILE *f = fopen(g->baseline, "r");
	char line[1024];
	unsigned int ln = 0;

	if (!f) {
		fprintf(stderr, "dmatrace %s: --baseline: cannot read %s: %s\n",
			cmd, g->baseline, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct dmas_baseline_entry *b;
		char *s = trim(line);
		size_t n;

		ln++;
		if (!*s || *s == '#')
			continue;
		n = strcspn(s, " \t");
		if (!is_fingerprint(s, n)) {
			fprintf(stderr,
				"dmatrace %s: %s:%u: not a baseline line (FINGERPRINT ID DRIVER FRAME, as --write-baseline writes them)\n",
				cmd, g->baseline, ln);
			fclose(f);
			return -1;
		}
		if (grow(&g->base, g->nbase, sizeof(*g->base)))
			goto oom;
		b = &g->base[g->nbase];
		memcpy(b->fp, s, n);
		b->fp[n] = '\0';
		b->seen = false;
		b->what = strdup(trim(s + n));
		if (!b->what)
			goto oom;
		g->nbase++;
	}
	fclose(f);
	g->have_baseline = true;
	return 0;
oom:
	fclose(f);
	fprintf(stderr, "dmatrace %s: out of memory reading %s\n", cmd,
		g->baseline);
	return -1;
}

static bool id_glob_matches_any(const char *glob)
{
	for (int k = 0; k < DMAS_FINDING_KIND_MAX; k++)
		if (!fnmatch(glob, dmas_finding_table[k].id, 0))
			return true;
	return false;
}

static int load_suppress(struct dmas_gate *g, const char *cmd)
{
	FILE *f = fopen(g->suppress, "r");
	char line[1024];
	unsigned int ln = 0;

	if (!f) {
		fprintf(stderr, "dmatrace %s: --suppress: cannot read %s: %s\n",
			cmd, g->suppress, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		struct dmas_suppress_rule *r;
		char *s = trim(line), *hash, *reason, *fld[3];

		ln++;
		if (!*s || *s == '#')
			continue;
		hash = strchr(s, '#');
		reason = hash ? trim(hash + 1) : NULL;
		if (!reason || !*reason) {
			fprintf(stderr,
				"dmatrace %s: %s:%u: a suppression needs its reason: 'id:device-or-driver:symbol # why'\n",
				cmd, g->suppress, ln);
			goto bad;
		}
		*hash = '\0';
		s = trim(s);
		/*
		 * id up to the first colon, symbol after the last: device
		 * names have colons of their own (0000:10:00.0), symbols not
		 */
		fld[0] = s;
		fld[1] = strchr(s, ':');
		fld[2] = strrchr(s, ':');
		if (!fld[1] || fld[1] == fld[2]) {
			fprintf(stderr,
				"dmatrace %s: %s:%u: want three fields, 'id:device-or-driver-glob:symbol-glob # reason' (an empty field matches all)\n",
				cmd, g->suppress, ln);
			goto bad;
		}
		*fld[1]++ = '\0';
		*fld[2]++ = '\0';
		for (int i = 0; i < 3; i++) {
			fld[i] = trim(fld[i]);
			if (!*fld[i])
				fld[i] = "*";
		}
		if (!id_glob_matches_any(fld[0])) {
			fprintf(stderr,
				"dmatrace %s: %s:%u: '%s' names no finding kind (dmatrace replay --help lists them)\n",
				cmd, g->suppress, ln, fld[0]);
			goto bad;
		}
		if (grow(&g->rules, g->nrules, sizeof(*g->rules)))
			goto oom;
		r = &g->rules[g->nrules];
		memset(r, 0, sizeof(*r));
		r->line = ln;
		r->id = strdup(fld[0]);
		r->where = strdup(fld[1]);
		r->sym = strdup(fld[2]);
		r->reason = strdup(reason);
		g->nrules++;
		if (!r->id || !r->where || !r->sym || !r->reason)
			goto oom;
	}
	fclose(f);
	return 0;
oom:
	fprintf(stderr, "dmatrace %s: out of memory reading %s\n", cmd,
		g->suppress);
bad:
	fclose(f);
	return -1;
}

int dmas_gate_load(struct dmas_gate *g, const char *cmd)
{
	if (g->baseline && load_baseline(g, cmd))
		return -1;
	if (g->suppress && load_suppress(g, cmd))
		return -1;
	return 0;
}

/* ---- judging findings ---- */

static bool stack_has_symbol(const struct dmas_stack *st, const char *glob)
{
	struct dmas_frame fr;

	for (uint32_t i = 0; st && i < st->nr_frames; i++) {
		dmas_frame_parse(st->frames[i], &fr);
		if (fr.sym[0] && !fnmatch(glob, fr.sym, 0))
			return true;
	}
	return false;
}

static int match_rule(const struct dmas_gate *g, const struct dmas_engine *e,
		      const struct dmas_report_opts *ro,
		      const struct dmas_finding *f)
{
	const struct dmas_device *d = dmas_engine_device_by_id(e, f->dev);
	const char *drv = dmas_report_driver(e, ro, f->dev);
	const struct dmas_stack *ms = dmas_engine_stack(e, f->map_stack);
	const struct dmas_stack *cs = dmas_engine_stack(e, f->close_stack);

	for (size_t i = 0; i < g->nrules; i++) {
		const struct dmas_suppress_rule *r = &g->rules[i];

		if (fnmatch(r->id, dmas_finding_table[f->kind].id, 0))
			continue;
		if (fnmatch(r->where, d ? d->name : "", 0) &&
		    fnmatch(r->where, drv, 0))
			continue;
		if (strcmp(r->sym, "*") && !stack_has_symbol(ms, r->sym) &&
		    !stack_has_symbol(cs, r->sym))
			continue;
		return (int)i;
	}
	return -1;
}

int dmas_gate_eval(struct dmas_gate *g, const struct dmas_engine *e,
		   struct dmas_report_opts *ro,
		   enum dmas_severity fail_on_default)
{
	size_t nf = dmas_engine_nr_findings(e);
	int fail_on = g->fail_on >= 0 ? g->fail_on : (int)fail_on_default;

	free(g->v);
	g->v = calloc(nf ? nf : 1, sizeof(*g->v));
	if (!g->v)
		return -1;
	g->nf = nf;
	g->fail_on = fail_on;
	g->n_fail = g->n_new = g->n_known = g->n_suppressed = 0;
	g->n_below = g->n_fixed = 0;
	for (size_t b = 0; b < g->nbase; b++)
		g->base[b].seen = false;
	for (size_t i = 0; i < nf; i++) {
		const struct dmas_finding *f = dmas_engine_finding(e, i);
		struct dmas_gate_verdict *v = &g->v[i];

		v->rule = -1;
		dmas_fingerprint(dmas_finding_table[f->kind].id,
				 dmas_report_driver(e, ro, f->dev),
				 dmas_engine_stack(e, f->map_stack),
				 dmas_engine_stack(e, f->close_stack), v->fp);
		if (!dmas_report_includes(e, ro, f)) {
			v->state = DMAS_GATE_HIDDEN;
			continue;
		}
		v->state = DMAS_GATE_NEW;
		for (size_t b = 0; b < g->nbase; b++)
			if (!strcmp(g->base[b].fp, v->fp)) {
				v->state = DMAS_GATE_KNOWN;
				g->base[b].seen = true;
			}
		v->rule = match_rule(g, e, ro, f);
		if (v->rule >= 0) {
			g->rules[v->rule].used++;
			g->n_suppressed++;
		} else if (v->state == DMAS_GATE_KNOWN) {
			g->n_known++;
		} else if ((int)f->severity < fail_on) {
			g->n_new++;
			g->n_below++;
		} else {
			g->n_new++;
			g->n_fail++;
			v->fails = true;
		}
	}
	for (size_t b = 0; b < g->nbase; b++)
		if (!g->base[b].seen)
			g->n_fixed++;
	ro->gate = g;
	return 0;
}

const struct dmas_gate_verdict *dmas_gate_verdict(const struct dmas_gate *g,
						  size_t i)
{
	return g && g->v && i < g->nf ? &g->v[i] : NULL;
}

bool dmas_report_fails(const struct dmas_engine *e,
		       const struct dmas_report_opts *o, size_t i)
{
	const struct dmas_gate_verdict *v = dmas_gate_verdict(o->gate, i);

	if (v)
		return v->fails;
	return dmas_report_includes(e, o, dmas_engine_finding(e, i));
}

/* ---- writing ---- */

/* "id driver module:symbol" of a finding, for a baseline line. */
static void baseline_what(const struct dmas_engine *e,
			  const struct dmas_report_opts *ro,
			  const struct dmas_finding *f, char *buf, size_t len)
{
	const struct dmas_stack *st = dmas_engine_stack(e, f->map_stack);
	char drv[DMAS_DRV_NAME_LEN * 4], sym[512];
	struct dmas_frame fr = {"", ""};
	int i;

	if (!st || !st->nr_frames)
		st = dmas_engine_stack(e, f->close_stack);
	i = dmas_stack_driver_frame(st);
	if (i >= 0)
		dmas_frame_parse(st->frames[i], &fr);
	dmas_text_safe(dmas_report_driver(e, ro, f->dev), drv, sizeof(drv));
	snprintf(sym, sizeof(sym), "%s%s%s", fr.module, fr.module[0] ? ":" : "",
		 fr.sym[0] ? fr.sym : "-");
	dmas_text_safe(sym, sym + 256, 256);
	snprintf(buf, len, "%s %s %s", dmas_finding_table[f->kind].id,
		 drv[0] ? drv : "-", sym + 256);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

static int write_baseline(const struct dmas_gate *g,
			  const struct dmas_engine *e,
			  const struct dmas_report_opts *ro, const char *cmd)
{
	struct dmas_outfile of;
	char err[512] = "", what[512];
	FILE *out;
	size_t n = 0;

	if (dmas_outfile_open(&of, g->write_baseline, err, sizeof(err)) ||
	    !(out = dmas_outfile_stream(&of))) {
		fprintf(stderr, "dmatrace %s: --write-baseline: %s\n", cmd,
			err[0] ? err : "out of memory");
		dmas_outfile_abort(&of);
		return -1;
	}
	fprintf(out,
		"# dmascope baseline 1: FINGERPRINT ID DRIVER MODULE:SYMBOL; findings with a listed fingerprint are known\n");
	for (size_t i = 0; i < g->nf; i++) {
		const struct dmas_gate_verdict *v = &g->v[i];
		bool dup = false;

		if (v->state == DMAS_GATE_HIDDEN)
			continue;
		/* one line per fingerprint: repeats add nothing */
		for (size_t j = 0; j < i && !dup; j++)
			dup = g->v[j].state != DMAS_GATE_HIDDEN &&
			      !strcmp(g->v[j].fp, v->fp);
		if (dup)
			continue;
		baseline_what(e, ro, dmas_engine_finding(e, i), what,
			      sizeof(what));
		fprintf(out, "%s %s\n", v->fp, what);
		n++;
	}
	if (dmas_outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "dmatrace %s: --write-baseline: %s\n", cmd,
			err);
		return -1;
	}
	fprintf(stderr, "dmatrace %s: baseline of %zu findings written to %s\n",
		cmd, n, g->write_baseline);
	return 0;
}

static void summary(const struct dmas_gate *g, const char *cmd)
{
	fprintf(stderr,
		"dmatrace %s: gate: %zu failing (new, at or above %s), %zu new below it, %zu known, %zu suppressed",
		cmd, g->n_fail, dmas_severity_name(g->fail_on), g->n_below,
		g->n_known, g->n_suppressed);
	if (g->have_baseline)
		fprintf(stderr, ", %zu fixed", g->n_fixed);
	fputc('\n', stderr);
	for (size_t b = 0; b < g->nbase; b++)
		if (!g->base[b].seen)
			fprintf(stderr, "dmatrace %s: fixed: %s %s\n", cmd,
				g->base[b].fp, g->base[b].what);
	if (!g->nrules)
		return;
	fprintf(stderr, "dmatrace %s: suppressions used: %zu\n", cmd,
		g->n_suppressed);
	for (size_t i = 0; i < g->nrules; i++)
		fprintf(stderr, "dmatrace %s:   %s:%u %s:%s:%s: %lu%s\n", cmd,
			g->suppress, g->rules[i].line, g->rules[i].id,
			g->rules[i].where, g->rules[i].sym, g->rules[i].used,
			g->rules[i].used ? "" : " (unused)");
}

int dmas_gate_write(struct dmas_gate *g, const struct dmas_engine *e,
		    const struct dmas_report_opts *ro, const char *cmd)
{
	int rc = 0;

	for (size_t i = 0; i < g->nout; i++) {
		struct dmas_outfile of;
		char err[512] = "";
		FILE *out;

		if (!g->out[i].path)
			continue;
		if (dmas_outfile_open(&of, g->out[i].path, err, sizeof(err)) ||
		    !(out = dmas_outfile_stream(&of))) {
			fprintf(stderr, "dmatrace %s: --format %s: %s\n", cmd,
				format_names[g->out[i].fmt],
				err[0] ? err : "out of memory");
			dmas_outfile_abort(&of);
			rc = -1;
			continue;
		}
		if (dmas_report_write(g->out[i].fmt, out, e, ro)) {
			fprintf(stderr,
				"dmatrace %s: writing the %s report to %s failed: %s\n",
				cmd, format_names[g->out[i].fmt],
				g->out[i].path, strerror(errno));
			dmas_outfile_abort(&of);
			rc = -1;
		} else if (dmas_outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "dmatrace %s: %s\n", cmd, err);
			rc = -1;
		}
	}
	if (g->write_baseline && write_baseline(g, e, ro, cmd))
		rc = -1;
	if (g->baseline || g->suppress || g->fail_on_given)
		summary(g, cmd);
	return rc;
}

int dmas_gate_exit(const struct dmas_gate *g, const struct dmas_engine *e,
		   const struct dmas_report_opts *ro, int status)
{
	bool ktap = dmas_gate_main_format(g, DMAS_FMT_TEXT) == DMAS_FMT_KTAP;
	char why[256];
	int k;

	if (status == DMATRACE_EXIT_ERROR || !e)
		return ktap ? 1 : DMATRACE_EXIT_ERROR;
	for (size_t i = 0; i < dmas_engine_nr_findings(e); i++)
		if (dmas_report_fails(e, ro, i))
			return DMATRACE_EXIT_FINDINGS;
	if (!ktap)
		return DMATRACE_EXIT_OK;
	/* kselftest's KSFT_SKIP when no test could run at all */
	for (k = 0; k < DMAS_FINDING_KIND_MAX; k++)
		if (!dmas_report_unwatched(e, (enum dmas_finding_kind)k, why,
					   sizeof(why)))
			return DMATRACE_EXIT_OK;
	return 4;
}
