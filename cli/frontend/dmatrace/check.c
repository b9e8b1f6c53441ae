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

#include "analysis_opts.h"
#include "commands.h"
#include "frontend/dmesg.h"
#include "gate.h"
#include "live_cmd.h"
#include "pipeline.h"

enum {
	OPT_RDEVICE = 256,
	OPT_RDRIVER,
	OPT_DMESG,
};

static const struct opt_row check_opts[] = {
	{.group = gate_opt_rows_check},
	{.name = "leak-age",
	 .id = AOPT_LEAK_AGE,
	 .arg = "DURATION",
	 .help = "mappings outstanding longer than this are\n"
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
	 .help = "dmaengine transfers not completed within this\n"
		 "are xfer-timeout (default 5s)"},
	{.name = "leaks-at-exit",
	 .id = AOPT_LEAKS_AT_EXIT,
	 .help = "mappings still outstanding when CMD ends are\n"
		 "leak-at-exit (default: listed, not findings)"},
	{.name = "numa-share",
	 .id = AOPT_NUMA_SHARE,
	 .arg = "PCT",
	 .help = "numa-remote-buffer/-cpu only for a call site\n"
		 "with at least PCT%% of its mapped bytes and of its\n"
		 "mappings remote (and 4+ remote, or all of fewer\n"
		 "than 4; 1-100, default 50)"},
	{.name = "severity",
	 .id = AOPT_SEVERITY,
	 .arg = "LEVEL",
	 .help = "only findings at or above info, warning, error"},
	{.name = "report-device",
	 .id = OPT_RDEVICE,
	 .arg = "NAME",
	 .help = "report only this device (tracing stays wide)"},
	{.name = "report-driver",
	 .id = OPT_RDRIVER,
	 .arg = "NAME",
	 .help = "report only devices of this driver"},
	{.name = "dmesg",
	 .id = OPT_DMESG,
	 .help = "merge CONFIG_DMA_API_DEBUG's reports of CMD's time\n"
		 "(all_errors on for the run): each finding seen by\n"
		 "dmascope, dma-debug or both"},
	{.name = "record",
	 .letter = 'w',
	 .arg = "FILE",
	 .help = "also keep the recording in FILE"},
	{.name = "output",
	 .letter = 'o',
	 .arg = "FILE",
	 .help = "write the report to FILE (default stdout)"},
	{.name = "quiet",
	 .letter = 'q',
	 .help = "findings only, one line each"},
	{.group = live_opt_rows},
	{.name = "help", .letter = 'h', .help = "this text"},
	{0},
};

static const struct opt_spec check_spec = {
	.head = "usage: dmatrace check [OPTIONS] -- CMD [ARGS...]\n"
		"\n"
		"Run CMD with DMA tracing on (it starts once every hook is attached),\n"
		"analyse live, and report like 'dmatrace replay': findings with stacks,\n"
		"then per-device statistics.  Meant for CI: the exit status says whether\n"
		"the driver under test misused the DMA API while CMD ran.\n",
	.rows = check_opts,
	.tail = "exit status: 0 no findings fail the gate, 1 findings do, 2 dmatrace's own\nerror (no BPF, bad option, CMD could not start).  CMD's own failing exit is\n"
		"reported on stderr and does not make a finding.\n"
		"\n"
		"examples:\n"
		"  dmatrace check -- sh -c 'insmod mydrv.ko && rmmod mydrv'\n"
		"      does loading and unloading my driver leak or misuse DMA?\n"
		"  dmatrace check --format json --leak-age 2s -- ./run-tests.sh > r.json\n"
		"      CI: a JSON report, exit 1 on findings\n"
		"  dmatrace check --driver nvme -w io.dmat -- dd if=/dev/nvme0n1 of=/dev/null\n"
		"      only nvme's DMA; keep the recording for 'dmatrace replay io.dmat'\n",
	.stop_at_operand = true,
};

/* ---- --dmesg: CONFIG_DMA_API_DEBUG's reports merged (dmesg.c) ---- */

/* the report's filters, for dmesg.c's merge */
static bool report_includes(const struct dmas_engine *e,
			    const struct dmas_finding *f, const void *ro)
{
	return dmas_report_includes(e, ro, f);
}

static int dmesg_start(struct pipeline *p, void *ctx)
{
	dmas_dmadbg_begin(ctx);
	return 0;
}

static void dmesg_finished(struct pipeline *p, void *ctx)
{
	struct dmas_dmadbg *d = ctx;

	dmas_dmadbg_end(d);
	dmas_dmadbg_merge(d, p->engine, report_includes, &p->ro);
}

static void dmesg_append(FILE *out, struct pipeline *p, void *ctx)
{
	dmas_dmadbg_print(out, ctx, p->engine);
}

static void dmesg_free(void *ctx)
{
	dmas_dmadbg_free(ctx);
}

struct check {
	struct pipeline p;
	struct pipe_output report;
	const char *recpath;
	bool dmesg;
	struct dmas_dmadbg kmsg;
	struct dmas_gate gate;
	bool judged; /* the gate saw the finished engine */
};

/* With --dmesg, SARIF and JUnit say which tool saw each finding. */
static const char *seen_by_engine(void *ctx, size_t i)
{
	const struct dmas_finding *f = dmas_engine_finding(ctx, i);

	return f ? dmas_seen_by_name(f->seen_by) : NULL;
}

static int check_opt(void *ctx, int id, const char *arg)
{
	struct check *c = ctx;

	switch (id) {
	case OPT_RDEVICE:
		c->p.ro.device = arg;
		break;
	case OPT_RDRIVER:
		c->p.ro.driver = arg;
		break;
	case OPT_DMESG:
		c->dmesg = true;
		break;
	case 'w':
		c->recpath = arg;
		break;
	case 'o':
		c->report.path = arg;
		break;
	case 'q':
		c->p.ro.quiet = true;
		break;
	default:
		if (dmas_gate_opt(id, arg, "check", &c->gate) < 0) {
			c->p.status = DMATRACE_EXIT_ERROR;
			return -1;
		}
		break;
	}
	return 0;
}

int cmd_check(int argc, char **argv)
{
	struct check c = {
		.report.write = dmas_report_text,
		.kmsg.kfd = -1,
	};
	struct pipeline *p = &c.p;
	struct dmat_writer_opts wo = {0};
	struct dmas_live_stats st;
	uint64_t t0 = live_cmd_now(), t_active;
	char buf[96];
	int rc, cst, status;

	pipe_init(p, "check");
	dmas_gate_init(&c.gate);
	p->output_fallback_stdout = true;
	if (pipe_parse(p, &check_spec, argc, argv, check_opt, &c))
		goto out;
	if (optind >= argc) {
		pipe_fail(p, "which command? (dmatrace check -- CMD)");
		fprintf(stderr, "Try 'dmatrace check --help'.\n");
		goto out;
	}
	/* a bad baseline or suppression file costs no tracing */
	if (dmas_gate_load(&c.gate, "check")) {
		p->status = DMATRACE_EXIT_ERROR;
		goto out;
	}
	c.report.write = dmas_report_writer(
		dmas_gate_main_format(&c.gate, DMAS_FMT_TEXT));
	/* the in-kernel filters also narrow the report */
	if (!p->ro.device)
		p->ro.device = p->lo.device;
	if (!p->ro.driver)
		p->ro.driver = p->lo.driver;
	if (c.dmesg) {
		struct pipe_stage stage = {
			.start = dmesg_start,
			.finished = dmesg_finished,
			.free = dmesg_free,
			.ctx = &c.kmsg,
		};

		pipe_add_stage(p, &stage);
		if (c.report.write == dmas_report_text) {
			/* the text report says it in its dma-debug section */
			c.report.append = dmesg_append;
			c.report.ctx = &c.kmsg;
		}
	}
	if (pipe_open_live(p))
		goto out;
	t_active = live_cmd_now();
	if (pipe_engine(p, PIPE_FEED_STREAM_INFO) ||
	    (c.recpath && pipe_record(p, c.recpath, &wo, false)) ||
	    pipe_add_output(p, &c.report))
		goto out;
	/* CMD starts once everything is ready; if it cannot, no recording */
	if (pipe_spawn(p, argv + optind))
		goto out;

	rc = pipe_run(p, &live_stop);
	cst = pipe_wait(p);
	pipe_close_source(p, &st);
	if (p->si.last_ts < live_cmd_now())
		p->si.last_ts = live_cmd_now();
	pipe_finish(p, p->si.last_ts);

	if (rc < 0) {
		pipe_fail(p, "%s", p->run_err);
		p->ro.input_status = DMAS_INPUT_CORRUPT;
		p->ro.input_message = p->run_err;
	} else if (live_stop_sig == SIGINT || live_stop_sig == SIGTERM) {
		p->ro.input_status = DMAS_INPUT_INTERRUPTED;
	}
	pipe_close_recording(p, p->si.last_ts);
	fprintf(stderr,
		"dmatrace check: %s %s; %llu events, %u devices, %llu lost (tracing active after %.1f ms)\n",
		argv[optind], live_cmd_status_str(cst, buf, sizeof(buf)),
		(unsigned long long)st.events, st.devices,
		(unsigned long long)st.lost, (t_active - t0) / 1e6);
	live_cmd_stack_errors("check", &st);

	p->ro.input = "live";
	p->ro.command_argv = argv + optind;
	p->ro.command_signal = WIFSIGNALED(cst) ? WTERMSIG(cst) : 0;
	p->ro.command_exit_status = WIFEXITED(cst) ? WEXITSTATUS(cst) : -1;
	if (c.dmesg && !c.kmsg.present && c.report.write != dmas_report_text)
		fprintf(stderr,
			"dmatrace check: --dmesg: this kernel has no CONFIG_DMA_API_DEBUG: nothing to compare\n");
	if (c.dmesg && c.kmsg.present) {
		p->ro.seen_by = seen_by_engine;
		p->ro.seen_ctx = p->engine;
	}
	if (dmas_gate_eval(&c.gate, p->engine, &p->ro, DMAS_SEV_ERROR))
		p->status =
			DMATRACE_EXIT_ERROR; /* out of memory: no verdicts */
	c.judged = true;
	pipe_report(p);
	if (dmas_gate_write(&c.gate, p->engine, &p->ro, "check"))
		p->status = DMATRACE_EXIT_ERROR;
out:
	if (c.judged)
		status = dmas_gate_exit(&c.gate, p->engine, &p->ro, p->status);
	else if ((status = pipe_exit_status(p)) == DMATRACE_EXIT_ERROR)
		status = dmas_gate_exit(&c.gate, NULL, &p->ro, status);
	dmas_gate_free(&c.gate);
	pipe_free(p);
	return status;
}
