// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * record.c - dmatrace record: live tracing into a .dmat recording until
 * Ctrl-C, SIGTERM, --duration or CMD's exit; the recording is finalized
 * (trailer, lost-event records) in every one of those cases.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "frontend/numparse.h"
#include "live_cmd.h"
#include "pipeline.h"

enum { OPT_COMPRESS = 256, OPT_DURATION };

static const struct opt_row record_opts[] = {
	{.name = "output",
	 .letter = 'o',
	 .arg = "FILE",
	 .help = "the recording to write (required; '-' is stdout)"},
	{.name = "compress",
	 .id = OPT_COMPRESS,
	 .help = "zstd-compress the recording"},
	{.name = "duration",
	 .id = OPT_DURATION,
	 .arg = "DURATION",
	 .help = "stop after this long (30s, 5m, 1h; a bare number\n"
		 "is seconds)"},
	{.group = live_opt_rows},
	{.name = "help", .letter = 'h', .help = "this text"},
	{0},
};

static const struct opt_spec record_spec = {
	.head = "usage: dmatrace record -o FILE [OPTIONS] [-- CMD [ARGS...]]\n"
		"\n"
		"Trace every DMA mapping, sync, allocation, pool block and dmaengine\n"
		"channel of the running kernel into a recording, until Ctrl-C, SIGTERM,\n"
		"--duration, or CMD's exit (CMD starts once tracing is active).  The\n"
		"recording carries everything a replay on another machine needs.\n",
	.rows = record_opts,
	.tail = "exit status: 0 the recording was written, 2 dmatrace's own error (no\n"
		"BPF, bad option, CMD could not start, write failed).  CMD's own exit\n"
		"status is reported, not returned.\n"
		"\n"
		"examples:\n"
		"  dmatrace record -o boot.dmat\n"
		"      everything until Ctrl-C\n"
		"  dmatrace record -o nvme.dmat --driver nvme -- fio job.fio\n"
		"      the nvme driver's DMA while fio runs\n"
		"  dmatrace record -o t.dmat -- sh -c 'modprobe mydrv; rmmod mydrv'\n"
		"      then: dmatrace replay t.dmat\n",
	.stop_at_operand = true,
};

struct record {
	struct pipeline p;
	const char *path;
	struct dmat_writer_opts wo;
	double duration; /* seconds; 0: until stopped */
};

static int record_opt(void *ctx, int id, const char *arg)
{
	struct record *r = ctx;
	uint64_t ns;

	switch (id) {
	case 'o':
		r->path = arg;
		break;
	case OPT_COMPRESS:
		r->wo.compress = true;
		break;
	case OPT_DURATION:
		if (dmas_parse_duration_range(arg, 1000000,
					      LIVE_DURATION_MAX_NS, &ns)) {
			pipe_fail(
				&r->p,
				"--duration: '%s' is not a duration from 1ms to 10 years (e.g. 30s, 5m, 1.5h; a bare number is seconds)",
				arg);
			return -1;
		}
		r->duration = ns / 1e9;
		break;
	}
	return 0;
}

/* What was traced, on stderr. */
static void summary(struct record *r, const struct dmas_live_stats *st,
		    double active_ms, char **cmd_argv)
{
	char buf[96], why[256] = "";
	uint64_t ring = st->lost - st->lost_skipped;

	if (ring && st->lost_skipped)
		snprintf(
			why, sizeof(why),
			" (%llu ring buffer full: try a larger --ringbuf-kb; %llu calls the kernel did not trace)",
			(unsigned long long)ring,
			(unsigned long long)st->lost_skipped);
	else if (ring)
		snprintf(why, sizeof(why),
			 " (ring buffer full: try a larger --ringbuf-kb)");
	else if (st->lost_skipped)
		snprintf(
			why, sizeof(why),
			" (calls the kernel did not trace: a hooked function called from an interrupt while its hook ran on that CPU)");
	fprintf(stderr,
		"dmatrace record: %s: %llu events, %u devices, %llu lost%s, %u hooks (tracing active after %.1f ms)\n",
		r->path, (unsigned long long)st->events, st->devices,
		(unsigned long long)st->lost, why, st->hooks, active_ms);
	live_cmd_stack_errors("record", st);
	fprintf(stderr, "dmatrace record: hooks: %s\n", st->hook_list);
	if (cmd_argv)
		fprintf(stderr, "dmatrace record: %s %s\n", cmd_argv[0],
			live_cmd_status_str(r->p.child_status, buf,
					    sizeof(buf)));
}

int cmd_record(int argc, char **argv)
{
	struct record r = {0};
	struct pipeline *p = &r.p;
	struct dmas_live_stats st;
	uint64_t t0 = live_cmd_now(), t_active;
	bool cmd_ran = true;
	int rc, status;

	pipe_init(p, "record");
	if (pipe_parse(p, &record_spec, argc, argv, record_opt, &r))
		goto out;
	if (!r.path) {
		pipe_fail(p, "where to? (-o FILE)");
		fprintf(stderr, "Try 'dmatrace record --help'.\n");
		goto out;
	}
	if (pipe_open_live(p))
		goto out;
	t_active = live_cmd_now();
	if (pipe_record(p, r.path, &r.wo, true))
		goto out;
	if (p->lo.verbose)
		fprintf(stderr,
			"dmatrace record: tracing active %.1f ms after start\n",
			(t_active - t0) / 1e6);
	if (optind < argc && pipe_spawn(p, argv + optind)) {
		/* nothing is traced on CMD's behalf: no recording is kept */
		cmd_ran = false;
		live_stop = 1;
	}
	live_cmd_duration(r.duration);

	rc = pipe_run(p, &live_stop);
	if (rc < 0)
		pipe_fail(p, "%s", p->run_err);
	/* Ctrl-C reached CMD too; SIGTERM was passed on */
	pipe_wait(p);
	dmas_source_live_stats(p->src, &st);
	if (cmd_ran)
		pipe_close_recording(p, live_cmd_now());
	pipe_close_source(p, NULL);
	summary(&r, &st, (t_active - t0) / 1e6,
		cmd_ran && optind < argc ? argv + optind : NULL);
out:
	status = pipe_exit_status(p);
	pipe_free(p);
	return status;
}
