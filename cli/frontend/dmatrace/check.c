// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * check.c - dmatrace check: the CI gate.  Runs CMD under live tracing,
 * feeds the engine as events arrive, reports like replay, and exits 0
 * clean / 1 findings / 2 own error.  With --dmesg, CONFIG_DMA_API_DEBUG's
 * reports from CMD's time window are merged into ours (dmesg.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "format/dmat.h"
#include "frontend/dmesg.h"
#include "frontend/outfile.h"
#include "live_cmd.h"
#include "analysis_opts.h"
#include "report.h"
#include "source/source.h"
#include "stream_info.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmatrace check [OPTIONS] -- CMD [ARGS...]\n"
		"\n"
		"Run CMD with DMA tracing on (it starts once every hook is "
		"attached),\n"
		"analyse live, and report like 'dmatrace replay': findings "
		"with stacks,\n"
		"then per-device statistics.  Meant for CI: the exit status "
		"says whether\n"
		"the driver under test misused the DMA API while CMD ran.\n"
		"\n"
		"options:\n"
		"  --format text|json    report format (default text)\n"
		"  --leak-age DURATION   mappings outstanding longer than this "
		"are\n"
		"                        leak-suspected (500ms, 5s, 2m; "
		"default 0: off)\n"
		"  --xfer-timeout DURATION\n"
		"                        dmaengine transfers not completed "
		"within this\n"
		"                        are xfer-timeout (default 5s)\n"
		"  --leaks-at-exit       mappings still outstanding when CMD "
		"ends are\n"
		"                        leak-at-exit (default: listed, not "
		"findings)\n"
		"  --numa-share PCT      numa-remote-buffer/-cpu only for a "
		"call site\n"
		"                        with at least PCT%% of its mapped "
		"bytes and of its\n"
		"                        mappings remote (and 4+ remote, or "
		"all of fewer\n"
		"                        than 4; 1-100, default 50)\n"
		"  --severity LEVEL      only findings at or above info, "
		"warning, error\n"
		"  --report-device NAME  report only this device (tracing "
		"stays wide)\n"
		"  --report-driver NAME  report only devices of this driver\n"
		"  --dmesg               merge CONFIG_DMA_API_DEBUG's reports "
		"of CMD's time\n"
		"                        (all_errors on for the run): each "
		"finding seen by\n"
		"                        dmascope, dma-debug or both\n"
		"  -w, --record FILE     also keep the recording in FILE\n"
		"  -o, --output FILE     write the report to FILE (default "
		"stdout)\n"
		"  -q, --quiet           findings only, one line "
		"each\n" LIVE_OPTS_HELP "  -h, --help            this text\n"
		"\n"
		"exit status: 0 no findings, 1 findings reported, 2 dmatrace's "
		"own error\n"
		"(no BPF, bad option, CMD could not start).  CMD's own failing "
		"exit is\n"
		"reported on stderr and does not make a finding.\n"
		"\n"
		"examples:\n"
		"  dmatrace check -- sh -c 'insmod mydrv.ko && rmmod mydrv'\n"
		"      does loading and unloading my driver leak or misuse "
		"DMA?\n"
		"  dmatrace check --format json --leak-age 2s -- "
		"./run-tests.sh > r.json\n"
		"      CI: a JSON report, exit 1 on findings\n"
		"  dmatrace check --driver nvme -w io.dmat -- dd "
		"if=/dev/nvme0n1 of=/dev/null\n"
		"      only nvme's DMA; keep the recording for 'dmatrace "
		"replay io.dmat'\n");
}

enum {
	OPT_FORMAT = 256,
	OPT_RDEVICE,
	OPT_RDRIVER,
	OPT_DMESG,
};

static const struct option long_opts[] = {
	{"format", required_argument, NULL, OPT_FORMAT},
	ANALYSIS_LONG_OPTS,
	SEVERITY_LONG_OPT,
	{"report-device", required_argument, NULL, OPT_RDEVICE},
	{"report-driver", required_argument, NULL, OPT_RDRIVER},
	{"dmesg", no_argument, NULL, OPT_DMESG},
	{"record", required_argument, NULL, 'w'},
	{"output", required_argument, NULL, 'o'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	LIVE_LONG_OPTS,
	{NULL, 0, NULL, 0},
};

/* the report's filters, for dmesg.c's merge */
static bool report_includes(const struct dmas_engine *e,
			    const struct dmas_finding *f, const void *ro)
{
	return dmas_report_includes(e, ro, f);
}

int cmd_check(int argc, char **argv)
{
	struct dmas_live_opts lo = {.stacks = true};
	struct dmas_engine_opts eo = {0};
	struct dmas_report_opts ro = {0};
	struct dmas_stream_info si = {0};
	struct dmas_sink engine_sink, info_sink, writer_sink, tee_sink;
	struct dmas_sink_tee tee = {0};
	struct dmat_writer_opts wo = {0};
	struct dmat_writer *w = NULL;
	struct dmas_outfile recf, of;
	struct dmas_live_stats st;
	struct dmas_source *src;
	struct dmas_engine *e;
	struct dmas_dmadbg dd = {.kfd = -1};
	const char *outpath = NULL, *recpath = NULL;
	char err[512] = "", buf[96];
	bool json = false, dmesg = false;
	FILE *out = stdout;
	pid_t child;
	int c, rc, status, cst;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+w:o:qvh", long_opts, NULL)) !=
	       -1) {
		int r = live_cmd_opt(c, optarg, &lo, "check");

		if (r < 0)
			return DMATRACE_EXIT_ERROR;
		if (r)
			continue;
		switch (c) {
		case OPT_FORMAT:
			if (!strcmp(optarg, "json")) {
				json = true;
			} else if (strcmp(optarg, "text")) {
				fprintf(stderr,
					"dmatrace check: --format: '%s' is not "
					"text or "
					"json\n",
					optarg);
				return DMATRACE_EXIT_ERROR;
			}
			break;
		case OPT_RDEVICE:
			ro.device = optarg;
			break;
		case OPT_RDRIVER:
			ro.driver = optarg;
			break;
		case OPT_DMESG:
			dmesg = true;
			break;
		case 'w':
			recpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'q':
			ro.quiet = true;
			break;
		case 'v':
			lo.verbose++;
			break;
		case 'h':
			usage(stdout);
			return DMATRACE_EXIT_OK;
		default:
			rc = dmas_analysis_opt(c, optarg, "check", &eo, &ro);
			if (rc > 0)
				break;
			if (!rc)
				fprintf(stderr,
					"Try 'dmatrace check --help'.\n");
			return DMATRACE_EXIT_ERROR;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dmatrace check: which command? (dmatrace "
				"check -- CMD)\n"
				"Try 'dmatrace check --help'.\n");
		return DMATRACE_EXIT_ERROR;
	}
	/* the in-kernel filters also narrow the report */
	if (!ro.device)
		ro.device = lo.device;
	if (!ro.driver)
		ro.driver = lo.driver;

	live_cmd_signals();
	src = dmas_source_open_live(&lo, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "dmatrace check: %s\n", err);
		return DMATRACE_EXIT_ERROR;
	}
	eo.device_filter = ro.device;
	eo.driver_filter = ro.driver;
	e = dmas_engine_new(&eo);
	if (!e) {
		fprintf(stderr, "dmatrace check: cannot start the engine (out "
				"of memory)\n");
		dmas_source_close(src);
		return DMATRACE_EXIT_ERROR;
	}
	dmas_sink_engine(&engine_sink, e);
	dmas_stream_info_sink(&info_sink, &si);
	tee.sinks[tee.n++] = &info_sink;
	tee.sinks[tee.n++] = &engine_sink;
	if (recpath) {
		/* under a temporary name: it appears only when it is whole */
		if (dmas_outfile_open(&recf, recpath, err, sizeof(err)) ||
		    !(w = dmat_writer_open_fd(recf.fd, recpath, NULL, &wo, err,
					      sizeof(err)))) {
			fprintf(stderr, "dmatrace check: %s\n", err);
			dmas_outfile_abort(&recf);
			dmas_engine_free(e);
			dmas_source_close(src);
			return DMATRACE_EXIT_ERROR;
		}
		dmat_sink_writer(&writer_sink, w);
		tee.sinks[tee.n++] = &writer_sink;
	}
	dmas_sink_tee(&tee_sink, &tee);
	if (dmesg)
		dmas_dmadbg_begin(&dd);

	child = live_cmd_spawn(argv + optind, err, sizeof(err));
	if (child < 0) {
		fprintf(stderr, "dmatrace check: %s\n", err);
		if (w) {
			/* CMD never ran: no recording */
			dmat_writer_abandon(w);
			dmas_outfile_abort(&recf);
		}
		dmas_engine_free(e);
		dmas_source_close(src);
		return DMATRACE_EXIT_ERROR;
	}
	err[0] = 0;
	rc = dmas_source_run(src, &tee_sink, &live_stop, err, sizeof(err));
	cst = live_cmd_wait(child);
	dmas_source_live_stats(src, &st);
	dmas_source_close(src);
	if (si.last_ts < live_cmd_now())
		si.last_ts = live_cmd_now();
	dmas_engine_finish(e, si.last_ts);
	if (dmesg)
		dmas_dmadbg_end(&dd);

	status = DMATRACE_EXIT_OK;
	if (rc < 0) {
		fprintf(stderr, "dmatrace check: %s\n", err);
		ro.input_status = DMAS_INPUT_CORRUPT;
		ro.input_message = err;
		status = DMATRACE_EXIT_ERROR;
	} else if (live_stop_sig == SIGINT || live_stop_sig == SIGTERM) {
		ro.input_status = DMAS_INPUT_INTERRUPTED;
	}
	if (w && dmat_writer_close(w, si.last_ts, err, sizeof(err))) {
		fprintf(stderr, "dmatrace check: writing %s failed: %s\n",
			recpath, err);
		dmas_outfile_abort(&recf);
		status = DMATRACE_EXIT_ERROR;
	} else if (w && dmas_outfile_commit(&recf, err, sizeof(err))) {
		fprintf(stderr, "dmatrace check: %s\n", err);
		status = DMATRACE_EXIT_ERROR;
	}
	fprintf(stderr,
		"dmatrace check: %s %s; %llu events, %u devices, %llu lost\n",
		argv[optind], live_cmd_status_str(cst, buf, sizeof(buf)),
		(unsigned long long)st.events, st.devices,
		(unsigned long long)st.lost);

	ro.tool = "dmatrace check";
	ro.input = "live";
	ro.command_argv = argv + optind;
	ro.command_signal = WIFSIGNALED(cst) ? WTERMSIG(cst) : 0;
	ro.command_exit_status = WIFEXITED(cst) ? WEXITSTATUS(cst) : -1;
	dmas_report_opts_fill(&ro, &eo, &si);
	if (dmesg) {
		dmas_dmadbg_merge(&dd, e, report_includes, &ro);
		/* the text report says it in its dma-debug section */
		if (!dd.present && json)
			fprintf(stderr, "dmatrace check: --dmesg: this kernel "
					"has no CONFIG_DMA_API_DEBUG: nothing "
					"to compare\n");
	}
	/* the report too appears whole or not at all (stdout when not) */
	err[0] = '\0';
	if (dmas_outfile_open(&of, outpath ? outpath : "-", err, sizeof(err)) ||
	    !(out = dmas_outfile_stream(&of))) {
		fprintf(stderr,
			"dmatrace check: %s; the report goes to stdout\n",
			err[0] ? err : "out of memory");
		dmas_outfile_abort(&of);
		dmas_outfile_open(&of, "-", err, sizeof(err));
		out = dmas_outfile_stream(&of);
		outpath = NULL;
		status = DMATRACE_EXIT_ERROR;
	}
	if ((json ? dmas_report_json : dmas_report_text)(out, e, &ro)) {
		fprintf(stderr,
			"dmatrace check: writing the report to %s failed: %m\n",
			outpath ? outpath : "standard output");
		dmas_outfile_abort(&of);
		status = DMATRACE_EXIT_ERROR;
	} else {
		if (dmesg && !json)
			dmas_dmadbg_print(out, &dd, e);
		if (dmas_outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "dmatrace check: %s\n", err);
			status = DMATRACE_EXIT_ERROR;
		}
	}
	if (status == DMATRACE_EXIT_OK && dmas_report_count(e, &ro))
		status = DMATRACE_EXIT_FINDINGS;
	dmas_dmadbg_free(&dd);
	dmas_engine_free(e);
	dmas_stream_info_free(&si);
	return status;
}
