/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay.c - dmatrace replay (alias report): run the engine over a
 * recording and print its findings and per-device statistics, as text or
 * one JSON document.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis_opts.h"
#include "commands.h"
#include "gate.h"
#include "pipeline.h"

static volatile sig_atomic_t replay_stop;

static void on_sigint(int sig)
{
	(void)sig;
	replay_stop = 1;
}

enum {
	OPT_JSON = 256,
	OPT_DEVICE,
	OPT_DRIVER,
	OPT_NO_STATS,
};

static const struct opt_row replay_opts[] = {
	{.name = "json",
	 .id = OPT_JSON,
	 .help = "one JSON document instead of text (schema\n"
		 "\"dmascope-report/1\", see README)"},
	{.group = gate_opt_rows_replay},
	{.name = "leak-age",
	 .id = AOPT_LEAK_AGE,
	 .arg = "DURATION",
	 .help = "report mappings outstanding longer than this as\n"
		 "leak-suspected (500ms, 5s, 2m; default 0: off)"},
	{.name = "latency-budget",
	 .id = AOPT_LATENCY_BUDGET,
	 .arg = "DURATION",
	 .help = "a dmaengine transfer completed later than this\n"
		 "after its submission is xfer-over-budget, one\n"
		 "finding per channel (200us, 5ms; default 0: off)"},
	{.name = "cma-budget",
	 .id = AOPT_CMA_BUDGET,
	 .arg = "DURATION",
	 .help = "a device's CMA allocation that took longer than\n"
		 "this is cma-alloc-slow, one finding per device\n"
		 "and call site (10ms, 1s; default 0: off)"},
	{.name = "xfer-timeout",
	 .id = AOPT_XFER_TIMEOUT,
	 .arg = "DURATION",
	 .help = "a dmaengine transfer issued but not completed\n"
		 "within this is xfer-timeout (default 5s)"},
	{.name = "leaks-at-exit",
	 .id = AOPT_LEAKS_AT_EXIT,
	 .help = "report mappings still outstanding at the end of\n"
		 "the recording as leak-at-exit (default: list them\n"
		 "as outstanding, not as findings)"},
	{.name = "numa-share",
	 .id = AOPT_NUMA_SHARE,
	 .arg = "PCT",
	 .help = "numa-remote-buffer/-cpu only for a call site\n"
		 "with at least PCT%% of its mapped bytes and of its\n"
		 "mappings remote (and 4+ remote, or all of fewer\n"
		 "than 4; 1-100, default 50): stray buffers the\n"
		 "allocator placed are not findings"},
	{.name = "device",
	 .id = OPT_DEVICE,
	 .arg = "NAME",
	 .help = "only this device (as named by the kernel,\n"
		 "e.g. 0000:10:00.0)"},
	{.name = "driver",
	 .id = OPT_DRIVER,
	 .arg = "NAME",
	 .help = "only devices bound to this driver"},
	{.name = "severity",
	 .id = AOPT_SEVERITY,
	 .arg = "LEVEL",
	 .help = "only findings at or above LEVEL: info, warning,\n"
		 "error (default info); also decides the exit status"},
	{.name = "quiet",
	 .letter = 'q',
	 .help = "findings only, one line each"},
	{.name = "no-stats",
	 .id = OPT_NO_STATS,
	 .help = "leave out the per-device statistics"},
	{.name = "output",
	 .letter = 'o',
	 .arg = "FILE",
	 .help = "write the report to FILE instead of stdout"},
	{.name = "verbose",
	 .letter = 'v',
	 .help = "say on stderr how fast the analysis ran and\n"
		 "how much memory the engine holds"},
	{.name = "help", .letter = 'h', .help = "this text"},
	{0},
};

static const struct opt_spec replay_spec = {
	.head = "usage: dmatrace %s [OPTIONS] FILE\n"
		"\n"
		"Analyse a recording (made by 'dmatrace record') offline: the same engine as\n"
		"live tracing, the same findings.  Prints a header (kernel, host, duration,\n"
		"events, lost events), the findings grouped by severity and kind with their\n"
		"stacks and fixes, then per-device statistics.  FILE - reads standard input.\n",
	.rows = replay_opts,
	.tail = "exit status: 0 no findings fail the gate (at or above --fail-on, new, not\nsuppressed), 1 findings do, 2 error\n"
		"(not a recording, corrupt recording, bad option).  A truncated recording is\n"
		"analysed up to its last whole record, with a warning on stderr.\n"
		"\n"
		"examples:\n"
		"  dmatrace %s nvme.dmat\n"
		"      everything: findings with stacks, then statistics per device\n"
		"  dmatrace %s --driver nvme --severity error nvme.dmat\n"
		"      only errors on devices driven by nvme; exit 1 if there are any\n"
		"  dmatrace %s --leak-age 5s -q boot.dmat\n"
		"      also flag mappings held over 5 s, one line per finding\n"
		"  dmatrace %s --json boot.dmat | jq -r '.findings[] | [.id, .device] | @tsv'\n"
		"      findings for scripts\n",
};

struct replay {
	struct pipeline p;
	struct pipe_output report;
	bool verbose;
	bool json; /* --json: the main report is JSON */
	struct dmas_gate gate;
	bool judged; /* the gate saw the finished engine */
};

static int replay_opt(void *ctx, int id, const char *arg)
{
	struct replay *r = ctx;
	struct pipeline *p = &r->p;

	switch (id) {
	case OPT_JSON:
		r->json = true;
		break;
	case OPT_DEVICE:
		p->ro.device = arg;
		break;
	case OPT_DRIVER:
		p->ro.driver = arg;
		break;
	case OPT_NO_STATS:
		p->ro.no_stats = true;
		break;
	case 'q':
		p->ro.quiet = true;
		break;
	case 'o':
		r->report.path = arg;
		break;
	case 'v':
		r->verbose = true;
		break;
	default:
		if (dmas_gate_opt(id, arg, p->cmd, &r->gate) < 0) {
			p->status = DMATRACE_EXIT_ERROR;
			return -1;
		}
		break;
	}
	return 0;
}

/* "NAME.XXXXXX.part": what a recorder writes before the file is whole */
static bool is_part(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return n > 5 && !strcmp(path + n - 5, ".part");
}

/* What the end of the input means for the report, said on stderr too. */
static void input_end(struct pipeline *p, int rc)
{
	const char *name = p->cmd;
	unsigned long long events = p->si.events;

	const char *err = p->run_err;

	p->ro.input_message = err[0] ? err : NULL;
	if (rc < 0) {
		p->ro.input_status = DMAS_INPUT_CORRUPT;
		fprintf(stderr, "dmatrace %s: error: %s\n", name,
			err[0] ? err : "read failed");
		fprintf(stderr,
			"dmatrace %s: the report below covers only the %llu events before the error\n",
			name, events);
	} else if (rc == 1) {
		p->ro.input_status = DMAS_INPUT_TRUNCATED;
		fprintf(stderr, "dmatrace %s: warning: %s\n", name,
			err[0] ? err : "recording is truncated");
		fprintf(stderr,
			"dmatrace %s: analysed the %llu events before the end\n",
			name, events);
		if (is_part(p->ro.input))
			fprintf(stderr,
				"dmatrace %s: %s is the temporary file of a recording that never finished (its recorder was stopped, or still writes it): the report covers its complete records only\n",
				name, p->ro.input);
	} else if (rc == DMAS_SOURCE_WARNING) {
		/* complete, but the file held more: say so, here and in JSON */
		fprintf(stderr, "dmatrace %s: warning: %s\n", name, err);
	} else if (replay_stop) {
		p->ro.input_status = DMAS_INPUT_INTERRUPTED;
		fprintf(stderr, "dmatrace %s: interrupted after %llu events\n",
			name, events);
	}
}

int cmd_replay(int argc, char **argv)
{
	struct replay r = {.report.write = dmas_report_text};
	struct pipeline *p = &r.p;
	struct sigaction sa = {0};
	struct timespec t0, t1;
	enum dmas_report_format main_fmt;
	double secs;
	int rc, status;

	pipe_init(p, argv[0]);
	dmas_gate_init(&r.gate);
	if (pipe_parse(p, &replay_spec, argc, argv, replay_opt, &r))
		goto out;
	if (optind != argc - 1) {
		pipe_fail(p, "%s",
			  optind >= argc
				  ? "which recording? (dmatrace replay FILE)"
				  : "one recording at a time");
		fprintf(stderr, "Try 'dmatrace %s --help'.\n", p->cmd);
		goto out;
	}
	main_fmt = dmas_gate_main_format(&r.gate, r.json ? DMAS_FMT_JSON
							 : DMAS_FMT_TEXT);
	if (r.json && main_fmt != DMAS_FMT_JSON) {
		pipe_fail(
			p,
			"--json and --format %s both ask for the report on stdout",
			dmas_report_format_name(main_fmt));
		goto out;
	}
	/* a bad baseline or suppression file costs no reading */
	if (dmas_gate_load(&r.gate, p->cmd)) {
		p->status = DMATRACE_EXIT_ERROR;
		goto out;
	}
	r.report.write = dmas_report_writer(main_fmt);
	p->ro.input = argv[optind];
	if (pipe_open_file(p, argv[optind]) ||
	    pipe_engine(p, PIPE_FEED_STREAM_INFO) ||
	    pipe_add_output(p, &r.report))
		goto out;

	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pipe_run(p, &replay_stop);
	pipe_close_source(p, NULL);
	input_end(p, rc);
	pipe_finish(p, p->si.last_ts);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (r.verbose)
		fprintf(stderr,
			"dmatrace %s: %llu events analysed in %.3f s (%.2f M events/s); engine holds %zu bytes, %llu mappings outstanding\n",
			p->cmd, (unsigned long long)p->si.events, secs,
			secs > 0 ? p->si.events / secs / 1e6 : 0.0,
			dmas_engine_mem_bytes(p->engine),
			(unsigned long long)dmas_engine_nr_outstanding(
				p->engine));
	/* replay's exit status has always followed --severity */
	if (dmas_gate_eval(&r.gate, p->engine, &p->ro, p->ro.min_severity))
		p->status =
			DMATRACE_EXIT_ERROR; /* out of memory: no verdicts */
	r.judged = true;
	pipe_report(p);
	if (dmas_gate_write(&r.gate, p->engine, &p->ro, p->cmd))
		p->status = DMATRACE_EXIT_ERROR;
	if (rc < 0)
		p->status = DMATRACE_EXIT_ERROR;
out:
	if (r.judged)
		status = dmas_gate_exit(&r.gate, p->engine, &p->ro, p->status);
	else if ((status = pipe_exit_status(p)) == DMATRACE_EXIT_ERROR)
		status = dmas_gate_exit(&r.gate, NULL, &p->ro, status);
	dmas_gate_free(&r.gate);
	pipe_free(p);
	return status;
}
