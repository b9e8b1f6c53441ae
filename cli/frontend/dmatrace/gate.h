/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gate.h - what decides a CI run: the report formats asked for and where
 * each goes (--format FMT[=FILE], repeatable), the severity that fails the
 * run (--fail-on), a baseline of known findings (--baseline,
 * --write-baseline) and suppressions with their reasons (--suppress).
 * Commands parse with dmas_gate_opt, load files before any work, judge the
 * finished engine with dmas_gate_eval, and write with dmas_gate_write.
 */
#ifndef DMATRACE_GATE_H
#define DMATRACE_GATE_H

#include <stdbool.h>
#include <stdio.h>

#include "frontend/fingerprint.h"
#include "optable.h"
#include "report.h"

enum dmas_report_format {
	DMAS_FMT_TEXT,
	DMAS_FMT_JSON,
	DMAS_FMT_JUNIT,
	DMAS_FMT_SARIF,
	DMAS_FMT_KTAP,
	DMAS_FMT_NR,
};

/* "text", "json", "junit", "sarif", "ktap" */
const char *dmas_report_format_name(enum dmas_report_format f);
typedef int (*dmas_report_fn)(FILE *out, const struct dmas_engine *e,
			      const struct dmas_report_opts *o);
/* The writer of format f (report.h's contract: 0, or -1 errno set). */
dmas_report_fn dmas_report_writer(enum dmas_report_format f);
int dmas_report_write(enum dmas_report_format f, FILE *out,
		      const struct dmas_engine *e,
		      const struct dmas_report_opts *o);

enum {
	GOPT_FORMAT = 0x400,
	GOPT_FAIL_ON,
	GOPT_BASELINE,
	GOPT_WRITE_BASELINE,
	GOPT_SUPPRESS,
};

/*
 * The gate's options as rows of a command's option table (optable.h);
 * the two differ in --fail-on's default only.
 */
extern const struct opt_row gate_opt_rows_check[];
extern const struct opt_row gate_opt_rows_replay[];

/* What the gate made of one finding. */
enum dmas_gate_state {
	DMAS_GATE_HIDDEN, /* not in the report (--severity, --device ...) */
	DMAS_GATE_NEW, /* not in the baseline (or no baseline) */
	DMAS_GATE_KNOWN, /* in the baseline */
};

struct dmas_gate_verdict {
	enum dmas_gate_state state;
	int rule; /* suppression rule index, -1 none */
	bool fails; /* at or above --fail-on, new, not suppressed */
	char fp[DMAS_FINGERPRINT_LEN];
};

struct dmas_suppress_rule {
	char *id, *where, *sym, *reason; /* globs and the reason */
	unsigned int line;
	unsigned long used; /* findings it suppressed */
};

struct dmas_baseline_entry {
	char fp[DMAS_FINGERPRINT_LEN];
	char *what; /* the rest of its line: id, driver, frame */
	bool seen; /* a finding of this run has it */
};

#define DMAS_GATE_MAX_OUTPUTS 8

struct dmas_gate {
	/* options */
	int fail_on; /* enum dmas_severity; -1: the command's default */
	bool fail_on_given;
	const char *baseline, *write_baseline, *suppress;
	struct {
		enum dmas_report_format fmt;
		const char *path; /* NULL: -o, or stdout */
	} out[DMAS_GATE_MAX_OUTPUTS];
	size_t nout;
	/* loaded by dmas_gate_load */
	struct dmas_suppress_rule *rules;
	size_t nrules;
	struct dmas_baseline_entry *base;
	size_t nbase;
	bool have_baseline;
	/* made by dmas_gate_eval, indexed like the engine's findings */
	struct dmas_gate_verdict *v;
	size_t nf;
	size_t n_fail, n_new, n_known, n_suppressed, n_fixed, n_below;
};

void dmas_gate_init(struct dmas_gate *g);
void dmas_gate_free(struct dmas_gate *g);
/*
 * Apply option c with argument arg: 1 applied, 0 not a gate option, -1 bad
 * value (the message, naming `cmd`, is printed).
 */
int dmas_gate_opt(int c, const char *arg, const char *cmd, struct dmas_gate *g);
/*
 * The format of the report that goes to -o or stdout: the one --format
 * without =FILE, else dflt.  A command that had its own way to ask for one
 * (replay's --json) passes it as dflt.
 */
enum dmas_report_format dmas_gate_main_format(const struct dmas_gate *g,
					      enum dmas_report_format dflt);
/*
 * Read --baseline and --suppress.  0, or -1 with the reason printed
 * ("FILE:LINE: ..."); call before any work, so a bad file costs nothing.
 */
int dmas_gate_load(struct dmas_gate *g, const char *cmd);
/*
 * Judge every finding of a finished engine: fingerprints, baseline,
 * suppressions, --fail-on (fail_on_default when not given).  Sets
 * ro->gate.  0, or -1 when out of memory.
 */
int dmas_gate_eval(struct dmas_gate *g, const struct dmas_engine *e,
		   struct dmas_report_opts *ro,
		   enum dmas_severity fail_on_default);
/* The verdict of finding i, NULL without a gate or out of range. */
const struct dmas_gate_verdict *dmas_gate_verdict(const struct dmas_gate *g,
						  size_t i);
/* Does finding i fail the run? Without a gate: is it reported? */
bool dmas_report_fails(const struct dmas_engine *e,
		       const struct dmas_report_opts *o, size_t i);
/*
 * Write the reports that go to files of their own (--format FMT=FILE) and
 * --write-baseline, each whole or not at all, and say on stderr what the
 * gate decided (new, known, fixed, suppressions used).  0, or -1 when one
 * could not be written (said on stderr).
 */
int dmas_gate_write(struct dmas_gate *g, const struct dmas_engine *e,
		    const struct dmas_report_opts *ro, const char *cmd);
/*
 * The exit status: status is the command's own so far (0, or 2 for its
 * own error); findings that fail make it 1.  When the main report is KTAP
 * the status follows kselftest: an own error is a failure (1), and a run
 * whose every test was skipped is 4 (KSFT_SKIP).  e NULL: the command
 * stopped before analysing (status is then its own error).
 */
int dmas_gate_exit(const struct dmas_gate *g, const struct dmas_engine *e,
		   const struct dmas_report_opts *ro, int status);

#endif /* DMATRACE_GATE_H */
