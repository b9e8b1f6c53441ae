/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * main.c - dmatop: options, then a loop that only dispatches: move the
 * replay playhead, take a frame when one is due, draw, hand keys to the
 * key table.  Batch mode (batch.c) shares the frames and their text.
 */
#include <curses.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "version.h" /* generated: DMAS_VERSION */
#include "dmatop.h"
#include "frontend/numparse.h"

/* clang-format off */
static const char usage_text[] =
"usage: dmatop [OPTIONS]\n"
"Live, top-like view of DMA activity: one row per device, the newest\n"
"findings, dmaengine channels.  Without --replay it traces the running\n"
"kernel (needs root, or CAP_BPF, CAP_PERFMON and CAP_SYSLOG).\n"
"\n"
"  -b, --batch          plain-text frames on stdout, like top -b\n"
"      --json           with -b: one JSON object per frame and line\n"
"  -n, --iterations N   stop after N frames (batch; default: until the\n"
"                       recording ends, or forever when live)\n"
"  -d, --delay SECS     refresh interval, 0.01 to 3600 s (default 1; 500ms\n"
"                       and 2m work too); in batch replay the\n"
"                       recorded time between frames\n"
"      --replay FILE    browse a .dmat recording instead of tracing\n"
"      --speed X        replay speed, 0.001 to 1000000 (default 1: recorded\n"
"                       speed)\n"
"  -o, --sort KEY       sort column: device driver node maps unmaps syncs\n"
"                       to from bidi outstanding outbytes coherent remote\n"
"                       findings iommu bounce dmabuf cma (default maps)\n"
"  -f, --filter TEXT    show devices whose name or driver contains TEXT\n"
"      --leak-age DURATION  report mappings older than this (500ms, 5s,\n"
"                       2m) as suspected leaks (default 0: off)\n"
"      --latency-budget DURATION  a dmaengine transfer completed later than\n"
"                       this after submission is xfer-over-budget, one\n"
"                       finding per channel (200us, 5ms; default 0: off)\n"
"      --cma-budget DURATION  a device's CMA allocation that took longer\n"
"                       than this is cma-alloc-slow, one finding per device\n"
"                       and call site (10ms, 1s; default 0: off)\n"
"live tracing:\n"
"      --no-stacks      capture no stacks (cheaper; findings lose their stacks)\n"
"      --ringbuf-kb N   ring buffer size in KiB (default: the tracer's)\n"
"      --kprobes        kprobes where fentry/fexit would do\n"
"      --source auto|bpf|ftrace  the live source (default auto: tracefs\n"
"                       events when BPF cannot be used)\n"
"  -v, --verbose        say more about live tracing set-up\n"
"  -h, --help           this text\n"
"      --version        print the version\n"
"\n"
"Keys: h or F1 in the view lists them (sort < >, filter /, views Tab 1-3,\n"
"pause Space, delay d, quit q; replay: speed + -, seek [ ]).\n"
"\n"
"exit status: 0 normal, 2 error (bad option, unreadable recording, no BPF)\n"
"\n"
"examples:\n"
"  dmatop                                  watch this machine live\n"
"  dmatop --replay run.dmat --speed 10     browse a recording, 10x speed\n"
"  dmatop -b -n 5 -d 2                     five text frames, two seconds apart\n"
"  dmatop -b --json --replay run.dmat | jq .devices\n"
"                                          per-second device rows of a recording\n"
"  dmatop -o outbytes -f nvme              NVMe devices by outstanding bytes\n";
/* clang-format on */

int top_parse_delay(const char *s, double *secs)
{
	uint64_t ns;

	if (dmas_parse_duration_range(s, NSEC / 100, 3600 * NSEC, &ns))
		return -1;
	*secs = (double)ns / NSEC;
	return 0;
}

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static uint64_t wall_ms(void)
{
	return feed_now_ts() / 1000000;
}

uint64_t top_playhead(struct top *t)
{
	uint64_t p;

	pthread_mutex_lock(&t->feed->lock);
	p = t->feed->playhead;
	pthread_mutex_unlock(&t->feed->lock);
	return p;
}

void top_apply(struct top *t)
{
	const struct frame *fr = &t->frame;
	size_t i;

	frame_apply(&t->frame, &t->fo);
	/* a new order or filter keeps the selected device selected */
	for (i = 0; i < fr->nr_vis; i++) {
		if (fr->devs[fr->vis[i]].id == t->sel_dev) {
			t->sel[VIEW_DEVICES] = i;
			break;
		}
	}
	/* newer findings push the selected one down: follow it */
	for (i = 0; t->have_sel_seq && i < fr->nr_vis_finds; i++) {
		if (fr->finds[fr->vis_finds[i]].f.seq == t->sel_seq) {
			t->sel[VIEW_FINDINGS] = i;
			break;
		}
	}
}

void top_remember_selection(struct top *t)
{
	const struct frame *fr = &t->frame;
	size_t d = t->sel[VIEW_DEVICES], f = t->sel[VIEW_FINDINGS];

	if (d < fr->nr_vis)
		t->sel_dev = fr->devs[fr->vis[d]].id;
	if (f < fr->nr_vis_finds) {
		t->sel_seq = fr->finds[fr->vis_finds[f]].f.seq;
		t->have_sel_seq = true;
	}
}

static bool rates_reset;

void top_seek(struct top *t, int64_t delta_ns)
{
	uint64_t p = top_playhead(t), target;
	char err[256] = "";

	if (delta_ns >= 0)
		target = feed_ahead(t->feed, p, (uint64_t)delta_ns);
	else if ((uint64_t)-delta_ns > p)
		target = 0;
	else
		target = p - (uint64_t)-delta_ns;
	if (delta_ns > 0) {
		/* not past the end: the end is where the view stops */
		pthread_mutex_lock(&t->feed->lock);
		if (t->feed->done && t->feed->last_ts > t->feed->origin &&
		    target > t->feed->last_ts - t->feed->origin)
			target = t->feed->last_ts - t->feed->origin;
		pthread_mutex_unlock(&t->feed->lock);
	}
	if (feed_seek(t->feed, target, err, sizeof(err)))
		snprintf(t->status, sizeof(t->status), "seek failed: %s", err);
	rates_reset = true;
	t->retake = true;
}

/* Replay: the playhead follows the wall clock times the speed. */
static void advance_playhead(struct top *t, uint64_t now_ms)
{
	struct feed *f = t->feed;
	uint64_t adv, p, target, end = UINT64_MAX;
	bool done;

	if (t->paused || now_ms <= t->last_wall_ms)
		return;
	adv = (uint64_t)((double)(now_ms - t->last_wall_ms) * 1e6 * t->speed);
	pthread_mutex_lock(&f->lock);
	done = f->done;
	if (done)
		end = f->last_ts > f->origin ? f->last_ts - f->origin : 0;
	pthread_mutex_unlock(&f->lock);
	p = top_playhead(t);
	if (done && p >= end) {
		/*
		 * A fast replay may have stepped past the end before the reader
		 * saw it: the clock stops at the end (no events lie beyond).
		 */
		pthread_mutex_lock(&f->lock);
		f->playhead = end;
		pthread_mutex_unlock(&f->lock);
		return;
	}
	target = feed_ahead(f, p, adv);
	feed_seek(f, target < end ? target : end, NULL, 0);
}

static void retake(struct top *t)
{
	struct feed *f = t->feed;
	uint64_t now_ts, origin;
	bool done, ok, have_origin;
	int rc;

	pthread_mutex_lock(&f->lock);
	have_origin = f->have_origin;
	origin = f->origin;
	now_ts = t->replay ? (have_origin ? origin : 0) + f->playhead
			   : feed_now_ts();
	done = f->done;
	rc = f->rc;
	ok = !t->replay || f->blocked || f->done;
	pthread_mutex_unlock(&f->lock);

	/*
	 * Paused or at the end nothing moves: keep the frame, and with it
	 * the rates of the last interval, unless the reader has caught up
	 * since it was taken.
	 */
	if (t->replay && t->frame.now_ts == now_ts &&
	    t->frame.generation == t->feed->generation && !t->frame.seeking &&
	    t->frame.source_done == done && t->frame.devs) {
		t->frame.paused = t->paused;
		t->frame.speed = t->speed;
		return;
	}
	frame_free(&t->prev);
	t->prev = t->frame;
	if (t->replay && t->prev.no_origin && have_origin &&
	    t->prev.generation == f->generation) {
		/*
		 * Taken before the first event said where time 0 is: count
		 * the first rates from the start of the recording instead.
		 */
		frame_free(&t->prev);
		t->prev.generation = f->generation;
		t->prev.now_ts = origin;
	}
	frame_take(f, &t->prev, &t->frame, now_ts, !rates_reset);
	t->frame.no_origin = t->replay && !have_origin;
	rates_reset = false;
	t->frame.replay = t->replay;
	t->frame.speed = t->speed;
	t->frame.paused = t->paused;
	t->frame.seeking = !ok;
	t->frame.source_done = done;
	if (t->replay && done) {
		pthread_mutex_lock(&f->lock);
		t->frame.at_end = f->last_ts <= now_ts;
		pthread_mutex_unlock(&f->lock);
	}
	if (done && rc < 0)
		snprintf(t->frame.status, sizeof(t->frame.status), "%s",
			 f->err[0] ? f->err : "the event source failed");
	else if (done && rc > 0)
		snprintf(t->frame.status, sizeof(t->frame.status), "%s",
			 f->err[0] ? f->err : "the recording ended early");
	top_apply(t);
}

/*
 * Live: the source loads on the reader thread while the screen is up.
 * False when it failed (the caller ends the screen and says why).
 */
static bool live_open_state(struct top *t)
{
	static const char attaching[] = "attaching to the kernel...";
	struct feed *f = t->feed;
	bool ok;

	pthread_mutex_lock(&f->lock);
	ok = !f->open_failed;
	t->opening = f->opening;
	if (f->opening)
		snprintf(t->frame.status, sizeof(t->frame.status), "%s",
			 attaching);
	else if (!strcmp(t->frame.status, attaching))
		t->frame.status[0] = '\0';
	pthread_mutex_unlock(&f->lock);
	return ok;
}

static int run_screen(struct top *t)
{
	if (term_start()) {
		fprintf(stderr,
			"dmatop: not a terminal; use -b for batch output\n");
		return DMATOP_EXIT_ERROR;
	}
	t->last_wall_ms = wall_ms();
	t->refresh_due_ms = 0;
	while (!t->quit && !term_quit) {
		uint64_t now = wall_ms();
		int ch, wait;

		if (t->replay)
			advance_playhead(t, now);
		t->last_wall_ms = now;
		if (now >= t->refresh_due_ms || t->retake) {
			if (!t->paused || t->retake || !t->frame.devs)
				retake(t);
			t->retake = false;
			t->refresh_due_ms = now + (uint64_t)(t->delay * 1000);
		}
		if (!live_open_state(t)) {
			term_end();
			fprintf(stderr,
				"dmatop: cannot trace this kernel: %s\n"
				"dmatop: use --replay FILE to browse a recording\n",
				t->feed->err);
			return DMATOP_EXIT_ERROR;
		}
		t->frame.paused = t->paused;
		screen_draw(t);

		wait = (int)(t->refresh_due_ms - now);
		/* replay moves the playhead in small steps between frames */
		if (t->replay && wait > 50)
			wait = 50;
		/* and a loading live source is watched for its end */
		if (t->opening && wait > 100)
			wait = 100;
		timeout(wait > 0 ? wait : 0);
		ch = getch();
		if (ch == ERR || ch == KEY_RESIZE)
			continue;
		if (t->help || t->stack) {
			/* any key leaves an overlay */
			t->help = t->stack = false;
			continue;
		}
		t->status[0] = '\0';
		if (!keys_dispatch(t, ch))
			snprintf(t->status, sizeof(t->status),
				 "unknown key %s - h for help", keyname(ch));
	}
	term_end();
	return DMATOP_EXIT_OK;
}

enum {
	OPT_JSON = 256,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_LEAK_AGE,
	OPT_LATENCY_BUDGET,
	OPT_CMA_BUDGET,
	OPT_NO_STACKS,
	OPT_RINGBUF_KB,
	OPT_KPROBES,
	OPT_SOURCE,
	OPT_VERSION,
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"batch", no_argument, NULL, 'b'},
		{"json", no_argument, NULL, OPT_JSON},
		{"iterations", required_argument, NULL, 'n'},
		{"delay", required_argument, NULL, 'd'},
		{"replay", required_argument, NULL, OPT_REPLAY},
		{"speed", required_argument, NULL, OPT_SPEED},
		{"sort", required_argument, NULL, 'o'},
		{"filter", required_argument, NULL, 'f'},
		{"leak-age", required_argument, NULL, OPT_LEAK_AGE},
		{"latency-budget", required_argument, NULL, OPT_LATENCY_BUDGET},
		{"cma-budget", required_argument, NULL, OPT_CMA_BUDGET},
		{"verbose", no_argument, NULL, 'v'},
		{"no-stacks", no_argument, NULL, OPT_NO_STACKS},
		{"ringbuf-kb", required_argument, NULL, OPT_RINGBUF_KB},
		{"kprobes", no_argument, NULL, OPT_KPROBES},
		{"source", required_argument, NULL, OPT_SOURCE},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{0}};
	static struct feed feed;
	static struct top top;
	struct top *t = &top;
	bool batch = false, json = false, no_stacks = false;
	int count = 0, c, rc;
	char err[256] = "", desc[300];
	uint64_t v;

	/* main runs more than once in the frontend fuzzer: start afresh */
	memset(&feed, 0, sizeof(feed));
	memset(&top, 0, sizeof(top));
	optind = 0;
	setlocale(LC_ALL, "");
	t->feed = &feed;
	t->delay = 1;
	t->speed = 1;
	t->fo.sort_col = COL_MAPS;
	feed.eopts.xfer_timeout_ns = 5 * NSEC;
	feed.eopts.window_ns = NSEC;

	while ((c = getopt_long(argc, argv, "bn:d:o:f:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			batch = true;
			break;
		case OPT_JSON:
			json = true;
			break;
		case 'n':
			if (dmas_parse_uint(optarg, 1, INT_MAX, &v)) {
				fprintf(stderr,
					"dmatop: -n: '%s' is not a count from 1 to %d\n",
					optarg, INT_MAX);
				return DMATOP_EXIT_ERROR;
			}
			count = (int)v;
			break;
		case 'd':
			if (top_parse_delay(optarg, &t->delay)) {
				fprintf(stderr, "dmatop: -d: '%s' is not %s\n",
					optarg, TOP_DELAY_RANGE);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case OPT_REPLAY:
			feed.path = optarg;
			break;
		case OPT_SPEED:
			if (dmas_parse_real(optarg, 0.001, 1e6, &t->speed)) {
				fprintf(stderr,
					"dmatop: --speed: '%s' is not a factor from 0.001 to 1000000\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case 'o':
			t->fo.sort_col = dev_column_by_key(optarg);
			if (t->fo.sort_col < 0) {
				fprintf(stderr,
					"dmatop: unknown sort column '%s' (see --help)\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case 'f':
			if (strlen(optarg) >= sizeof(t->filter)) {
				fprintf(stderr,
					"dmatop: -f: '%s' is longer than %zu characters (a device name is at most %d)\n",
					optarg, sizeof(t->filter) - 1,
					DMAS_DEV_NAME_LEN - 1);
				return DMATOP_EXIT_ERROR;
			}
			snprintf(t->filter, sizeof(t->filter), "%s", optarg);
			break;
		case OPT_LEAK_AGE:
			/* as dmatrace reads it: 0, the default, is off */
			if (dmas_parse_duration(optarg,
						&feed.eopts.leak_age_ns)) {
				fprintf(stderr,
					"dmatop: --leak-age: '%s' is not a duration (e.g. 500ms, 5s, 2m; 0 turns it off)\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case OPT_LATENCY_BUDGET:
			if (dmas_parse_duration(
				    optarg, &feed.eopts.latency_budget_ns)) {
				fprintf(stderr,
					"dmatop: --latency-budget: '%s' is not a duration (e.g. 200us, 5ms, 1s; 0 turns it off)\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case OPT_CMA_BUDGET:
			if (dmas_parse_duration(optarg,
						&feed.eopts.cma_budget_ns)) {
				fprintf(stderr,
					"dmatop: --cma-budget: '%s' is not a duration (e.g. 10ms, 1s; 0 turns it off)\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case 'v':
			feed.live.verbose++;
			break;
		case OPT_NO_STACKS:
			no_stacks = true;
			break;
		case OPT_RINGBUF_KB:
			/* the loader's ring is at most 1 GiB */
			if (dmas_parse_uint(optarg, 1, 1u << 20, &v)) {
				fprintf(stderr,
					"dmatop: --ringbuf-kb: '%s' is not KiB from 1 to 1048576 (1 GiB, the largest ring)\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			feed.live.ringbuf_kb = (unsigned)v;
			break;
		case OPT_KPROBES:
			feed.live.no_fentry = true;
			break;
		case OPT_SOURCE:
			if (dmas_live_kind_parse(optarg, &feed.live.source)) {
				fprintf(stderr,
					"dmatop: --source: '%s' is not auto, bpf or ftrace\n",
					optarg);
				return DMATOP_EXIT_ERROR;
			}
			break;
		case 'h':
			usage(stdout);
			return DMATOP_EXIT_OK;
		case OPT_VERSION:
			printf("dmatop %s\n", DMAS_VERSION);
			return DMATOP_EXIT_OK;
		default:
			usage(stderr);
			return DMATOP_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "dmatop: unexpected argument '%s'\n",
			argv[optind]);
		return DMATOP_EXIT_ERROR;
	}
	if (json && !batch) {
		fprintf(stderr, "dmatop: --json needs -b (batch mode)\n");
		return DMATOP_EXIT_ERROR;
	}
	t->fo.filter = t->filter;
	t->replay = feed.path != NULL;
	feed.live.stacks = !no_stacks;
	if (t->replay)
		snprintf(desc, sizeof(desc), "replay %s", feed.path);
	else
		snprintf(desc, sizeof(desc), "live");
	t->source_desc = desc;

	term_install_signals();
	/* the screen comes up at once; loading BPF may take seconds */
	feed.open_in_thread = !t->replay && !batch;
	if (feed_start(&feed, err, sizeof(err))) {
		if (t->replay)
			fprintf(stderr, "dmatop: %s\n", err);
		else
			fprintf(stderr,
				"dmatop: cannot trace this kernel: %s\n"
				"dmatop: use --replay FILE to browse a recording\n",
				err);
		return DMATOP_EXIT_ERROR;
	}
	if (batch)
		rc = batch_run(t, count, json);
	else
		rc = run_screen(t);
	feed_stop(&feed);
	frame_free(&t->frame);
	frame_free(&t->prev);
	free(t->stack_text);
	return rc;
}
