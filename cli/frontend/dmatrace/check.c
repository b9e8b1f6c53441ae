// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * check.c - dmatrace check: the CI gate.  Runs CMD under live tracing,
 * feeds the engine as events arrive, reports like replay, and exits 0
 * clean / 1 findings / 2 own error.  With --dmesg, CONFIG_DMA_API_DEBUG's
 * "DMA-API:" reports from CMD's time window are listed beside ours.
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
#include "frontend/outfile.h"
#include "gate.h"
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
		"options:\n" GATE_OPTS_HELP_CHECK
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
		"  --dmesg               also list CONFIG_DMA_API_DEBUG's "
		"'DMA-API:' kernel\n"
		"                        messages of CMD's time, marking those "
		"both saw\n"
		"  -w, --record FILE     also keep the recording in FILE\n"
		"  -o, --output FILE     write the report to FILE (default "
		"stdout)\n"
		"  -q, --quiet           findings only, one line "
		"each\n" LIVE_OPTS_HELP "  -h, --help            this text\n"
		"\n"
		"exit status: 0 no findings fail the gate, 1 findings do, 2 "
		"dmatrace's own\nerror "
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
	OPT_RDEVICE = 256,
	OPT_RDRIVER,
	OPT_DMESG,
};

static const struct option long_opts[] = {
	GATE_LONG_OPTS,
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

/* ---- CONFIG_DMA_API_DEBUG's reports, from /dev/kmsg ---- */

struct kmsg_line {
	uint64_t ts; /* ns, printk clock */
	char *text;
};

/* Opens /dev/kmsg positioned at its end: only messages from now on. */
static int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* Reads the DMA-API lines logged since kmsg_open. */
static size_t kmsg_dma_api(int fd, struct kmsg_line **out)
{
	struct kmsg_line *v = NULL;
	size_t n = 0;
	char buf[8192];
	ssize_t r;

	*out = NULL;
	for (;;) {
		unsigned long long ts_us;
		char *msg, *nl;
		struct kmsg_line *nv;

		r = read(fd, buf, sizeof(buf) - 1);
		if (r < 0 && errno == EPIPE)
			continue; /* overwritten records: keep reading */
		if (r <= 0)
			break;
		buf[r] = 0;
		msg = strchr(buf, ';');
		if (!msg || sscanf(buf, "%*u,%*u,%llu", &ts_us) != 1)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (!strstr(msg, "DMA-API:"))
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n].ts = ts_us * 1000;
		v[n].text = strdup(msg);
		if (v[n].text)
			n++;
	}
	*out = v;
	return n;
}

/* dma-debug prints addresses as "device address=0x%016llx" or "[device
 * address=...]". */
static bool line_mentions(const char *text, uint64_t addr)
{
	char hex[40];

	snprintf(hex, sizeof(hex), "%016" PRIx64, addr);
	if (strstr(text, hex))
		return true;
	snprintf(hex, sizeof(hex), "0x%" PRIx64 "]", addr);
	return strstr(text, hex) != NULL;
}

static void print_dmesg(FILE *out, const struct dmas_engine *e,
			const struct dmas_report_opts *ro, struct kmsg_line *l,
			size_t n, int kfd)
{
	size_t nf = dmas_engine_nr_findings(e), both = 0;
	bool *matched = calloc(nf + 1, sizeof(bool));

	if (kfd < 0) {
		fprintf(out,
			"\nCONFIG_DMA_API_DEBUG: /dev/kmsg not readable (%s): "
			"not compared\n",
			strerror(errno));
		free(matched);
		return;
	}
	if (access("/sys/kernel/debug/dma-api", F_OK) && !n) {
		fprintf(out, "\nCONFIG_DMA_API_DEBUG: not in this kernel (no "
			     "/sys/kernel/debug/dma-api, no DMA-API messages): "
			     "not compared\n");
		free(matched);
		return;
	}
	fprintf(out, "\nCONFIG_DMA_API_DEBUG reports while CMD ran: %zu\n", n);
	for (size_t i = 0; i < n; i++) {
		const char *seen = "dma-debug only";

		for (size_t j = 0; j < nf; j++) {
			const struct dmas_finding *f =
				dmas_engine_finding(e, j);

			if (!dmas_report_includes(e, ro, f) || !f->addr)
				continue;
			if (line_mentions(l[i].text, f->addr)) {
				char id[48];

				snprintf(id, sizeof(id), "both (%s)",
					 dmas_finding_table[f->kind].id);
				if (matched && !matched[j])
					both++;
				if (matched)
					matched[j] = true;
				seen = id;
				fprintf(out, "  [%s] %s\n", seen, l[i].text);
				seen = NULL;
				break;
			}
		}
		if (seen)
			fprintf(out, "  [%s] %s\n", seen, l[i].text);
	}
	for (size_t j = 0; j < nf; j++) {
		const struct dmas_finding *f = dmas_engine_finding(e, j);

		if (!dmas_report_includes(e, ro, f) || (matched && matched[j]))
			continue;
		fprintf(out, "  [dmascope only] %s at 0x%" PRIx64 "\n",
			dmas_finding_table[f->kind].id, f->addr);
	}
	fprintf(out, "seen by both: %zu\n", both);
	free(matched);
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
	struct kmsg_line *klines = NULL;
	const char *outpath = NULL, *recpath = NULL;
	char err[512] = "", buf[96];
	bool dmesg = false;
	enum dmas_report_format fmt;
	struct dmas_gate gate;
	FILE *out = stdout;
	size_t nk = 0;
	pid_t child;
	int c, rc, status, cst, kfd = -1;

	dmas_gate_init(&gate);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+w:o:qvh", long_opts, NULL)) !=
	       -1) {
		int r = live_cmd_opt(c, optarg, &lo, "check");

		if (r < 0)
			goto gate_error;
		if (!r)
			r = dmas_gate_opt(c, optarg, "check", &gate);
		if (r < 0)
			goto gate_error;
		if (r)
			continue;
		switch (c) {
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
			goto gate_error;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "dmatrace check: which command? (dmatrace "
				"check -- CMD)\n"
				"Try 'dmatrace check --help'.\n");
		goto gate_error;
	}
	/* a bad baseline or suppression file costs no tracing */
	if (dmas_gate_load(&gate, "check"))
		goto gate_error;
	fmt = dmas_gate_main_format(&gate, DMAS_FMT_TEXT);
	/* the in-kernel filters also narrow the report */
	if (!ro.device)
		ro.device = lo.device;
	if (!ro.driver)
		ro.driver = lo.driver;

	live_cmd_signals();
	src = dmas_source_open_live(&lo, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "dmatrace check: %s\n", err);
		goto gate_error;
	}
	eo.device_filter = ro.device;
	eo.driver_filter = ro.driver;
	e = dmas_engine_new(&eo);
	if (!e) {
		fprintf(stderr, "dmatrace check: cannot start the engine (out "
				"of memory)\n");
		dmas_source_close(src);
		goto gate_error;
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
			goto gate_error;
		}
		dmat_sink_writer(&writer_sink, w);
		tee.sinks[tee.n++] = &writer_sink;
	}
	dmas_sink_tee(&tee_sink, &tee);
	if (dmesg)
		kfd = kmsg_open();

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
		goto gate_error;
	}
	err[0] = 0;
	rc = dmas_source_run(src, &tee_sink, &live_stop, err, sizeof(err));
	cst = live_cmd_wait(child);
	dmas_source_live_stats(src, &st);
	dmas_source_close(src);
	if (si.last_ts < live_cmd_now())
		si.last_ts = live_cmd_now();
	dmas_engine_finish(e, si.last_ts);
	if (kfd >= 0)
		nk = kmsg_dma_api(kfd, &klines);

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
	if (dmas_gate_eval(&gate, e, &ro, DMAS_SEV_ERROR))
		status = DMATRACE_EXIT_ERROR; /* out of memory: no verdicts */
	if (dmas_report_write(fmt, out, e, &ro)) {
		fprintf(stderr,
			"dmatrace check: writing the report to %s failed: %m\n",
			outpath ? outpath : "standard output");
		dmas_outfile_abort(&of);
		status = DMATRACE_EXIT_ERROR;
	} else {
		if (dmesg && fmt == DMAS_FMT_TEXT)
			print_dmesg(out, e, &ro, klines, nk, kfd);
		if (dmas_outfile_commit(&of, err, sizeof(err))) {
			fprintf(stderr, "dmatrace check: %s\n", err);
			status = DMATRACE_EXIT_ERROR;
		}
	}
	if (dmas_gate_write(&gate, e, &ro, "check"))
		status = DMATRACE_EXIT_ERROR;
	status = dmas_gate_exit(&gate, e, &ro, status);
	for (size_t i = 0; i < nk; i++)
		free(klines[i].text);
	free(klines);
	if (kfd >= 0)
		close(kfd);
	dmas_engine_free(e);
	dmas_stream_info_free(&si);
	dmas_gate_free(&gate);
	return status;
gate_error:
	status = dmas_gate_exit(&gate, NULL, &ro, DMATRACE_EXIT_ERROR);
	dmas_gate_free(&gate);
	return status;
}
