/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * replay.c - dmatrace replay (alias report): run the engine over a
 * recording and print its findings and per-device statistics, as text or
 * one JSON document.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "frontend/outfile.h"
#include "analysis_opts.h"
#include "gate.h"
#include "report.h"
#include "source/source.h"
#include "stream_info.h"

static volatile sig_atomic_t replay_stop;

static void on_sigint(int sig)
{
	(void)sig;
	replay_stop = 1;
}

static void usage(FILE *f, const char *name)
{
	fprintf(f,
		"usage: dmatrace %s [OPTIONS] FILE\n"
		"\n"
		"Analyse a recording (made by 'dmatrace record') offline: the "
		"same engine as\n"
		"live tracing, the same findings.  Prints a header (kernel, "
		"host, duration,\n"
		"events, lost events), the findings grouped by severity and "
		"kind with their\n"
		"stacks and fixes, then per-device statistics.  FILE - reads "
		"standard input.\n"
		"\n"
		"options:\n"
		"  --json                one JSON document instead of text "
		"(schema\n"
		"                        \"dmascope-report/1\", see "
		"README)\n" GATE_OPTS_HELP_REPLAY
		"  --leak-age DURATION   report mappings outstanding longer "
		"than this as\n"
		"                        leak-suspected (500ms, 5s, 2m; "
		"default 0: off)\n"
		"  --xfer-timeout DURATION\n"
		"                        a dmaengine transfer issued but not "
		"completed\n"
		"                        within this is xfer-timeout (default "
		"5s)\n"
		"  --leaks-at-exit       report mappings still outstanding at "
		"the end of\n"
		"                        the recording as leak-at-exit "
		"(default: list them\n"
		"                        as outstanding, not as findings)\n"
		"  --numa-share PCT      numa-remote-buffer/-cpu only for a "
		"call site\n"
		"                        with at least PCT%% of its mapped "
		"bytes and of its\n"
		"                        mappings remote (and 4+ remote, or "
		"all of fewer\n"
		"                        than 4; 1-100, default 50): stray "
		"buffers the\n"
		"                        allocator placed are not findings\n"
		"  --device NAME         only this device (as named by the "
		"kernel,\n"
		"                        e.g. 0000:10:00.0)\n"
		"  --driver NAME         only devices bound to this driver\n"
		"  --severity LEVEL      only findings at or above LEVEL: "
		"info, warning,\n"
		"                        error (default info); also decides "
		"the exit status\n"
		"  -q, --quiet           findings only, one line each\n"
		"  --no-stats            leave out the per-device statistics\n"
		"  -o, --output FILE     write the report to FILE instead of "
		"stdout\n"
		"  -v, --verbose         say on stderr how fast the analysis "
		"ran and\n"
		"                        how much memory the engine holds\n"
		"  -h, --help            this text\n"
		"\n"
		"exit status: 0 no findings fail the gate (at or above "
		"--fail-on, new, not\nsuppressed), 1 findings do, 2 error\n"
		"(not a recording, corrupt recording, bad option).  A "
		"truncated "
		"recording is\n"
		"analysed up to its last whole record, with a warning on "
		"stderr.\n"
		"\n"
		"examples:\n"
		"  dmatrace %s nvme.dmat\n"
		"      everything: findings with stacks, then statistics per "
		"device\n"
		"  dmatrace %s --driver nvme --severity error nvme.dmat\n"
		"      only errors on devices driven by nvme; exit 1 if there "
		"are any\n"
		"  dmatrace %s --leak-age 5s -q boot.dmat\n"
		"      also flag mappings held over 5 s, one line per finding\n"
		"  dmatrace %s --json boot.dmat | jq -r '.findings[] | [.id, "
		".device] | @tsv'\n"
		"      findings for scripts\n",
		name, name, name, name, name);
}

enum {
	OPT_JSON = 256,
	OPT_DEVICE,
	OPT_DRIVER,
	OPT_NO_STATS,
};

static const struct option long_opts[] = {
	{"json", no_argument, NULL, OPT_JSON},
	GATE_LONG_OPTS,
	{"device", required_argument, NULL, OPT_DEVICE},
	{"driver", required_argument, NULL, OPT_DRIVER},
	{"no-stats", no_argument, NULL, OPT_NO_STATS},
	ANALYSIS_LONG_OPTS,
	SEVERITY_LONG_OPT,
	{"quiet", no_argument, NULL, 'q'},
	{"output", required_argument, NULL, 'o'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

int cmd_replay(int argc, char **argv)
{
	const char *name = argv[0], *path, *outpath = NULL;
	struct dmas_engine_opts eo = {0};
	struct dmas_report_opts ro = {0};
	struct dmas_stream_info si = {0};
	struct dmas_sink engine_sink, sink;
	struct dmas_source *src;
	struct dmas_engine *e;
	struct sigaction sa = {0};
	char err[512] = "", oerr[512] = "", tool[32];
	bool json = false, verbose = false;
	struct dmas_gate gate;
	struct timespec t0, t1;
	double secs;
	struct dmas_outfile of;
	FILE *out;
	int c, rc, status;

	dmas_gate_init(&gate);
	optind = 1;
	while ((c = getopt_long(argc, argv, "qo:vh", long_opts, NULL)) != -1) {
		rc = dmas_gate_opt(c, optarg, name, &gate);
		if (rc < 0)
			goto gate_error;
		if (rc)
			continue;
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_DEVICE:
			ro.device = optarg;
			break;
		case OPT_DRIVER:
			ro.driver = optarg;
			break;
		case OPT_NO_STATS:
			ro.no_stats = true;
			break;
		case 'q':
			ro.quiet = true;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			usage(stdout, name);
			return DMATRACE_EXIT_OK;
		default:
			rc = dmas_analysis_opt(c, optarg, name, &eo, &ro);
			if (rc > 0)
				break;
			if (!rc)
				fprintf(stderr, "Try 'dmatrace %s --help'.\n",
					name);
			goto gate_error;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "dmatrace %s: %s\n", name,
			optind >= argc
				? "which recording? (dmatrace replay FILE)"
				: "one recording at a time");
		fprintf(stderr, "Try 'dmatrace %s --help'.\n", name);
		goto gate_error;
	}
	path = argv[optind];
	if (json &&
	    dmas_gate_main_format(&gate, DMAS_FMT_JSON) != DMAS_FMT_JSON) {
		fprintf(stderr,
			"dmatrace %s: --json and --format %s both ask for the "
			"report on stdout\n",
			name,
			dmas_report_format_name(
				dmas_gate_main_format(&gate, DMAS_FMT_JSON)));
		goto gate_error;
	}
	if (dmas_gate_load(&gate, name))
		goto gate_error;

	src = dmas_source_open_file(path, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "dmatrace %s: %s\n", name, err[0] ? err : path);
		goto gate_error;
	}
	eo.device_filter = ro.device;
	eo.driver_filter = ro.driver;
	e = dmas_engine_new(&eo);
	if (!e) {
		fprintf(stderr,
			"dmatrace %s: cannot start the engine (out of "
			"memory)\n",
			name);
		dmas_source_close(src);
		goto gate_error;
	}
	dmas_sink_engine(&engine_sink, e);
	dmas_stream_info_wrap(&sink, &si, &engine_sink);

	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	err[0] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = dmas_source_run(src, &sink, &replay_stop, err, sizeof(err));
	dmas_source_close(src);

	ro.input = path;
	ro.input_message = err[0] ? err : NULL;
	if (rc < 0) {
		ro.input_status = DMAS_INPUT_CORRUPT;
		fprintf(stderr, "dmatrace %s: error: %s\n", name,
			err[0] ? err : "read failed");
		fprintf(stderr,
			"dmatrace %s: the report below covers only the %llu "
			"events before the "
			"error\n",
			name, (unsigned long long)si.events);
	} else if (rc == 1) {
		ro.input_status = DMAS_INPUT_TRUNCATED;
		fprintf(stderr, "dmatrace %s: warning: %s\n", name,
			err[0] ? err : "recording is truncated");
		fprintf(stderr,
			"dmatrace %s: analysed the %llu events before the "
			"end\n",
			name, (unsigned long long)si.events);
	} else if (rc == DMAS_SOURCE_WARNING) {
		/* complete, but the file held more: say so, here and in JSON */
		fprintf(stderr, "dmatrace %s: warning: %s\n", name, err);
	} else if (replay_stop) {
		ro.input_status = DMAS_INPUT_INTERRUPTED;
		fprintf(stderr, "dmatrace %s: interrupted after %llu events\n",
			name, (unsigned long long)si.events);
	}
	dmas_engine_finish(e, si.last_ts);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (verbose)
		fprintf(stderr,
			"dmatrace %s: %llu events analysed in %.3f s (%.2f M "
			"events/s); engine holds %zu bytes, %llu mappings "
			"outstanding\n",
			name, (unsigned long long)si.events, secs,
			secs > 0 ? si.events / secs / 1e6 : 0.0,
			dmas_engine_mem_bytes(e),
			(unsigned long long)dmas_engine_nr_outstanding(e));

	snprintf(tool, sizeof(tool), "dmatrace %s", name);
	ro.tool = tool;
	dmas_report_opts_fill(&ro, &eo, &si);

	/* under a temporary name: the report appears only when it is whole */
	if (dmas_outfile_open(&of, outpath ? outpath : "-", oerr,
			      sizeof(oerr)) ||
	    !(out = dmas_outfile_stream(&of))) {
		fprintf(stderr, "dmatrace %s: %s\n", name,
			oerr[0] ? oerr : "out of memory");
		dmas_outfile_abort(&of);
		dmas_engine_free(e);
		dmas_stream_info_free(&si);
		goto gate_error;
	}
	/* replay's exit status has always followed --severity */
	if (dmas_gate_eval(&gate, e, &ro, ro.min_severity))
		rc = -1; /* out of memory: no verdicts */
	if (dmas_report_write(
		    dmas_gate_main_format(&gate,
					  json ? DMAS_FMT_JSON : DMAS_FMT_TEXT),
		    out, e, &ro)) {
		fprintf(stderr,
			"dmatrace %s: writing the report to %s failed: %m\n",
			name, outpath ? outpath : "standard output");
		dmas_outfile_abort(&of);
		status = DMATRACE_EXIT_ERROR;
	} else if (dmas_outfile_commit(&of, oerr, sizeof(oerr))) {
		fprintf(stderr, "dmatrace %s: %s\n", name, oerr);
		status = DMATRACE_EXIT_ERROR;
	} else if (rc < 0) {
		status = DMATRACE_EXIT_ERROR;
	} else {
		status = DMATRACE_EXIT_OK;
	}
	if (dmas_gate_write(&gate, e, &ro, name))
		status = DMATRACE_EXIT_ERROR;
	status = dmas_gate_exit(&gate, e, &ro, status);
	dmas_engine_free(e);
	dmas_stream_info_free(&si);
	dmas_gate_free(&gate);
	return status;
gate_error:
	status = dmas_gate_exit(&gate, NULL, &ro, DMATRACE_EXIT_ERROR);
	dmas_gate_free(&gate);
	return status;
}
