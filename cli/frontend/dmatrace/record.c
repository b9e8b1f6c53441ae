// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * record.c - dmatrace record: live tracing into a .dmat recording until
 * Ctrl-C, SIGTERM, --duration or CMD's exit; the recording is finalized
 * (trailer, lost-event records) in every one of those cases.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "commands.h"
#include "format/dmat.h"
#include "frontend/numparse.h"
#include "frontend/outfile.h"
#include "live_cmd.h"
#include "source/source.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmatrace record -o FILE [OPTIONS] [-- CMD [ARGS...]]\n"
		"\n"
		"Trace every DMA mapping, sync, allocation, pool block and "
		"dmaengine\n"
		"channel of the running kernel into a recording, until Ctrl-C, "
		"SIGTERM,\n"
		"--duration, or CMD's exit (CMD starts once tracing is "
		"active).  The\n"
		"recording carries everything a replay on another machine "
		"needs.\n"
		"\n"
		"options:\n"
		"  -o, --output FILE     the recording to write (required; '-' "
		"is stdout)\n"
		"  --compress            zstd-compress the recording\n"
		"  --duration DURATION   stop after this long (30s, 5m, 1h; a "
		"bare number\n"
		"                        is seconds)\n" LIVE_OPTS_HELP
		"  -h, --help            this text\n"
		"\n"
		"exit status: 0 the recording was written, 2 dmatrace's own "
		"error (no\n"
		"BPF, bad option, CMD could not start, write failed).  CMD's "
		"own exit\n"
		"status is reported, not returned.\n"
		"\n"
		"examples:\n"
		"  dmatrace record -o boot.dmat\n"
		"      everything until Ctrl-C\n"
		"  dmatrace record -o nvme.dmat --driver nvme -- fio job.fio\n"
		"      the nvme driver's DMA while fio runs\n"
		"  dmatrace record -o t.dmat -- sh -c 'modprobe mydrv; rmmod "
		"mydrv'\n"
		"      then: dmatrace replay t.dmat\n");
}

enum { OPT_COMPRESS = 256, OPT_DURATION };

/*
 * A write that fails (a full disk) ends the session at the next idle
 * moment: tracing on into a recording that can no longer grow would only
 * hide the failure until Ctrl-C.
 */
static void (*writer_idle)(void *ctx, uint64_t now_ts);

static void record_idle(void *ctx, uint64_t now_ts)
{
	writer_idle(ctx, now_ts);
	if (dmat_writer_error(ctx))
		live_stop = 1;
}

static const struct option long_opts[] = {
	{"output", required_argument, NULL, 'o'},
	{"compress", no_argument, NULL, OPT_COMPRESS},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	LIVE_LONG_OPTS,
	{NULL, 0, NULL, 0},
};

int cmd_record(int argc, char **argv)
{
	struct dmas_live_opts lo = {.stacks = true};
	struct dmat_writer_opts wo = {0};
	struct dmas_live_stats st;
	struct dmas_source *src;
	struct dmat_writer *w;
	struct dmas_sink sink;
	const char *path = NULL;
	char err[512] = "", buf[96];
	double duration = 0;
	uint64_t t0 = live_cmd_now(), t_active;
	struct dmas_outfile of;
	bool no_cmd = false;
	pid_t child = 0;
	int c, rc, status = DMATRACE_EXIT_OK, cst = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+o:vh", long_opts, NULL)) != -1) {
		int r = live_cmd_opt(c, optarg, &lo, "record");

		if (r < 0)
			return DMATRACE_EXIT_ERROR;
		if (r)
			continue;
		switch (c) {
		case 'o':
			path = optarg;
			break;
		case OPT_COMPRESS:
			wo.compress = true;
			break;
		case OPT_DURATION: {
			uint64_t ns;

			if (dmas_parse_duration_range(optarg, 1000000,
						      LIVE_DURATION_MAX_NS,
						      &ns)) {
				fprintf(stderr,
					"dmatrace record: --duration: '%s' is "
					"not a duration from 1ms to 10 years "
					"(e.g. 30s, 5m, 1.5h; a bare number "
					"is seconds)\n",
					optarg);
				return DMATRACE_EXIT_ERROR;
			}
			duration = ns / 1e9;
			break;
		}
		case 'v':
			lo.verbose++;
			break;
		case 'h':
			usage(stdout);
			return DMATRACE_EXIT_OK;
		default:
			fprintf(stderr, "Try 'dmatrace record --help'.\n");
			return DMATRACE_EXIT_ERROR;
		}
	}
	if (!path) {
		fprintf(stderr, "dmatrace record: where to? (-o FILE)\n"
				"Try 'dmatrace record --help'.\n");
		return DMATRACE_EXIT_ERROR;
	}

	live_cmd_signals();
	src = dmas_source_open_live(&lo, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "dmatrace record: %s\n", err);
		return DMATRACE_EXIT_ERROR;
	}
	t_active = live_cmd_now();
	/* under a temporary name: the file appears only when it is whole */
	if (dmas_outfile_open(&of, path, err, sizeof(err))) {
		fprintf(stderr, "dmatrace record: %s\n", err);
		dmas_source_close(src);
		return DMATRACE_EXIT_ERROR;
	}
	w = dmat_writer_open_fd(of.fd, path, NULL, &wo, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "dmatrace record: %s\n", err);
		dmas_outfile_abort(&of);
		dmas_source_close(src);
		return DMATRACE_EXIT_ERROR;
	}
	dmat_sink_writer(&sink, w);
	writer_idle = sink.idle;
	sink.idle = record_idle;
	if (lo.verbose)
		fprintf(stderr,
			"dmatrace record: tracing active %.1f ms after start\n",
			(t_active - t0) / 1e6);
	if (optind < argc) {
		child = live_cmd_spawn(argv + optind, err, sizeof(err));
		if (child < 0) {
			fprintf(stderr, "dmatrace record: %s\n", err);
			status = DMATRACE_EXIT_ERROR;
			no_cmd = true;
			live_stop = 1;
		}
	}
	live_cmd_duration(duration);

	err[0] = 0;
	rc = dmas_source_run(src, &sink, &live_stop, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dmatrace record: %s\n", err);
		status = DMATRACE_EXIT_ERROR;
	}
	if (child > 0) {
		/* Ctrl-C reached CMD too; SIGTERM was passed on */
		cst = live_cmd_wait(child);
	}
	dmas_source_live_stats(src, &st);
	if (no_cmd) {
		/* nothing was traced on CMD's behalf: no recording */
		dmat_writer_abandon(w);
		dmas_outfile_abort(&of);
	} else if (dmat_writer_close(w, live_cmd_now(), err, sizeof(err))) {
		fprintf(stderr, "dmatrace record: writing %s failed: %s\n",
			path, err);
		dmas_outfile_abort(&of);
		status = DMATRACE_EXIT_ERROR;
	} else if (dmas_outfile_commit(&of, err, sizeof(err))) {
		fprintf(stderr, "dmatrace record: %s\n", err);
		status = DMATRACE_EXIT_ERROR;
	}
	dmas_source_close(src);

	fprintf(stderr,
		"dmatrace record: %s: %llu events, %u devices, %llu lost%s, %u "
		"hooks "
		"(tracing active after %.1f ms)\n",
		path, (unsigned long long)st.events, st.devices,
		(unsigned long long)st.lost,
		st.lost ? " (ring buffer full: try a larger --ringbuf-kb)" : "",
		st.hooks, (t_active - t0) / 1e6);
	if (st.stack_errors)
		fprintf(stderr,
			"dmatrace record: %llu stacks not captured (stack map "
			"full or "
			"collisions: try --stack-entries)\n",
			(unsigned long long)st.stack_errors);
	fprintf(stderr, "dmatrace record: hooks: %s\n", st.hook_list);
	if (child > 0)
		fprintf(stderr, "dmatrace record: %s %s\n", argv[optind],
			live_cmd_status_str(cst, buf, sizeof(buf)));
	return status;
}
