// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * serve.c - dmatrace serve: live tracing (or a recording replayed at a
 * chosen speed) into the engine, exported as Prometheus metrics over HTTP
 * and/or as a node_exporter textfile.
 *
 * The engine belongs to the main thread, which runs the source: no lock
 * per event, only a look at one flag.  The exporter runs on its own thread
 * (one libevent loop for HTTP and the textfile timer); when it needs fresh
 * figures (at most every 100 ms however often it is asked) it raises the
 * flag, and the main thread copies the engine's counters into the metrics
 * (metrics_update) at its next event, idle tick or pacing pause, then goes
 * on while the exporter formats and sends.  Clients cannot slow tracing
 * down beyond that copy.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "analysis_opts.h"
#include "commands.h"
#include "format/dmat.h"
#include "live_cmd.h"
#include "metrics.h"
#include "metrics_http.h"
#include "report.h"
#include "source/source.h"

#define RENDER_MIN_NS 100000000ull /* re-read the engine at most this often */

struct serve {
	/* the main thread's: the source, the engine and the event clock */
	struct dmas_source *src;
	struct dmas_engine *engine;
	uint64_t now_ts; /* latest event or idle time */
	struct dmas_session session;

	/* the hand-over: the exporter asks, the main thread updates m */
	pthread_mutex_t mlock; /* guards m, updates, feeding */
	pthread_cond_t updated; /* an update was made (exporter waits) */
	atomic_int want; /* the exporter wants an update */
	unsigned long updates;
	bool feeding; /* the source runs: only the main thread reads the engine
		       */

	/* replay pacing (main thread) */
	bool replay;
	double speed; /* 0: as fast as it reads */
	bool have_origin;
	uint64_t origin_ts, wall0;

	/* exporter thread */
	struct metrics *m;
	char *buf;
	size_t cap;
	long len;
	uint64_t rendered_at;
	struct event_base *base;
	struct mhttp *http;
	const char *textdir;
	unsigned text_interval_s;
	struct event *text_timer;
	pthread_t thread;
	bool thread_running;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: dmatrace serve [OPTIONS]\n"
		"       dmatrace serve --replay FILE [--speed X] [OPTIONS]\n"
		"\n"
		"Trace DMA activity live (or replay a recording) and export "
		"per-device\n"
		"statistics, findings and lost events as Prometheus metrics: "
		"over HTTP\n"
		"(GET /metrics, text format 0.0.4), and/or as a file for "
		"node_exporter's\n"
		"textfile collector.  Runs until Ctrl-C or SIGTERM (a replay "
		"keeps serving\n"
		"its final state after its end).\n"
		"\n"
		"options:\n"
		"  --listen ADDR:PORT    where to serve (default "
		"127.0.0.1:9747; port 0\n"
		"                        picks a free one; 'none': no HTTP)\n"
		"  --textfile DIR        also write DIR/dmascope.prom "
		"atomically (for\n"
		"                        node_exporter "
		"--collector.textfile.directory)\n"
		"  --textfile-interval S seconds between textfile writes "
		"(default 15)\n"
		"  --replay FILE         serve a recording instead of live "
		"tracing\n"
		"  --speed X             replay at X times real time (default "
		"1; 0: as\n"
		"                        fast as it reads)\n"
		"  -w, --write FILE      also record what is traced (or "
		"replayed) to FILE\n"
		"  --max-devices N       devices with their own series "
		"(default 256); more\n"
		"                        are summed under device=\"other\"\n"
		"  --device-ttl D        a device with nothing outstanding and "
		"no event for\n"
		"                        D stops being exported (default 10m; "
		"0: never)\n"
		"  --max-connections N   HTTP connections open at once "
		"(default 16); past\n"
		"                        it the oldest that has sent no whole "
		"request is\n"
		"                        cut (else the new one)\n"
		"  --http-timeout S      a request must be read and answered "
		"within S\n"
		"                        seconds (default 10); slower clients "
		"are cut off\n"
		"  --duration SECONDS    stop after this long\n"
		"  --leak-age D, --xfer-timeout D, --leaks-at-exit, "
		"--numa-share PCT\n"
		"                        as for dmatrace "
		"replay\n" LIVE_OPTS_HELP "  -h, --help            this text\n"
		"\n"
		"Metrics are named dmascope_*; labels device, driver, "
		"numa_node, dir (to on\n"
		"syncs; id, severity on findings), never addresses, pids or "
		"stacks.  See\n"
		"README (\"The fleet view\") and dashboards/README.md.\n"
		"\n"
		"exit status: 0 stopped by a signal or --duration, 2 "
		"dmatrace's own error\n"
		"(no BPF, bad option, cannot listen, unreadable recording).\n"
		"\n"
		"examples:\n"
		"  dmatrace serve\n"
		"      live, on http://127.0.0.1:9747/metrics\n"
		"  dmatrace serve --listen 0.0.0.0:9747 --driver nvme\n"
		"      the nvme driver's DMA, reachable from the network\n"
		"  dmatrace serve --listen none --textfile "
		"/var/lib/prometheus/node-exporter\n"
		"      through node_exporter instead of a port of its own\n"
		"  dmatrace serve --replay run.dmat --speed 10 --listen "
		"127.0.0.1:0\n"
		"      a recording at 10x, for dashboards and demos\n");
}

static uint64_t wall_ns(void)
{
	return live_cmd_now();
}

/* ---- the source side: the engine's sink, replay pacing ---- */

/*
 * Live: the hooks attached now (vdmac's come when it loads), whole; the
 * session's list is cut at 256 bytes.  The main thread's, under mlock.
 */
static void refresh_hooks(struct serve *s)
{
	char hooks[4096];

	if (s->m && s->src &&
	    dmas_source_live_hooks(s->src, hooks, sizeof(hooks)) > 0)
		metrics_set_hooks(s->m, hooks);
}

/* The exporter asked: copy the engine's counters into the metrics. */
static void serve_update(struct serve *s)
{
	pthread_mutex_lock(&s->mlock);
	atomic_store(&s->want, 0);
	refresh_hooks(s);
	metrics_update(s->m, s->engine, s->now_ts); /* -1: previous figures */
	s->updates++;
	pthread_cond_broadcast(&s->updated);
	pthread_mutex_unlock(&s->mlock);
}

static inline void serve_poll(struct serve *s)
{
	if (atomic_load_explicit(&s->want, memory_order_relaxed))
		serve_update(s);
}

static void pace(struct serve *s, uint64_t ts)
{
	uint64_t target, now;

	if (!s->replay || s->speed <= 0)
		return;
	if (!s->have_origin) {
		s->origin_ts = s->session.start_ts && s->session.start_ts <= ts
				       ? s->session.start_ts
				       : ts;
		s->wall0 = wall_ns();
		s->have_origin = true;
	}
	if (ts < s->origin_ts)
		return;
	target = s->wall0 + (uint64_t)((ts - s->origin_ts) / s->speed);
	while (!live_stop && (now = wall_ns()) < target) {
		uint64_t d = target - now;
		struct timespec t;

		if (d > 50000000)
			d = 50000000;
		t.tv_sec = 0;
		t.tv_nsec = d;
		nanosleep(&t, NULL);
		serve_poll(s);
	}
}

static void on_session(void *ctx, const struct dmas_session *ss)
{
	struct serve *s = ctx;

	s->session = *ss;
	dmas_engine_set_session(s->engine, ss);
}

static void on_device(void *ctx, const struct dmas_device *d)
{
	struct serve *s = ctx;

	dmas_engine_add_device(s->engine, d);
}

static void on_stack(void *ctx, const struct dmas_stack *st)
{
	struct serve *s = ctx;

	dmas_engine_add_stack(s->engine, st);
}

static void on_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	struct serve *s = ctx;

	dmas_engine_add_mem_range(s->engine, r);
}

static void on_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	struct serve *s = ctx;

	dmas_engine_add_cpu_node(s->engine, cpu, node);
}

static void on_event(void *ctx, const struct dmas_event *ev)
{
	struct serve *s = ctx;

	pace(s, ev->ts);
	dmas_engine_feed(s->engine, ev);
	if (ev->ts > s->now_ts)
		s->now_ts = ev->ts;
	serve_poll(s);
}

static void on_idle(void *ctx, uint64_t now_ts)
{
	struct serve *s = ctx;

	pace(s, now_ts);
	if (now_ts >= s->now_ts) {
		dmas_engine_tick(s->engine, now_ts);
		s->now_ts = now_ts;
	}
	serve_poll(s);
}

/*
 * The main thread starts or stops feeding the engine.  Outside that the
 * exporter reads the engine itself, under mlock, which also orders the
 * hand-over both ways.
 */
static void set_feeding(struct serve *s, bool on)
{
	pthread_mutex_lock(&s->mlock);
	refresh_hooks(s);
	s->feeding = on;
	pthread_cond_broadcast(&s->updated);
	pthread_mutex_unlock(&s->mlock);
}

/* Sleeps until SIGINT, SIGTERM or --duration's SIGALRM (no polling). */
static void wait_for_stop(void)
{
	sigset_t block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	while (!live_stop)
		sigsuspend(&old);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ---- the exporter side ---- */

/*
 * Fresh metrics from the main thread (it answers within its next event,
 * idle tick or pacing pause: 100 ms when live and quiet); after 2 s
 * without an answer the previous figures are served.
 */
static long render(void *ctx, const struct metrics_http_stats *st,
		   const char **body)
{
	struct serve *s = ctx;
	uint64_t now = wall_ns();
	unsigned long gen;
	struct timespec dl;

	if (s->len > 0 && now - s->rendered_at < RENDER_MIN_NS) {
		*body = s->buf;
		return s->len;
	}
	pthread_mutex_lock(&s->mlock);
	if (!s->feeding) {
		metrics_update(s->m, s->engine, s->now_ts);
	} else {
		gen = s->updates;
		atomic_store(&s->want, 1);
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += 2;
		while (s->updates == gen && s->feeding &&
		       pthread_cond_timedwait(&s->updated, &s->mlock, &dl) == 0)
			;
		if (!s->feeding && s->updates == gen)
			metrics_update(s->m, s->engine, s->now_ts);
	}
	s->len = metrics_render(s->m, st, &s->buf, &s->cap);
	pthread_mutex_unlock(&s->mlock);
	s->rendered_at = now;
	*body = s->buf;
	return s->len;
}

static long render_now(struct serve *s, const char **body)
{
	struct metrics_http_stats st = {0}, *stp = NULL;

	if (s->http) {
		mhttp_stats(s->http, &st);
		stp = &st;
	}
	return render(s, stp, body);
}

/* DIR/dmascope.prom, replaced atomically: node_exporter never reads half. */
static int write_textfile(struct serve *s)
{
	char tmp[4096], final[4096];
	const char *body;
	long len = render_now(s, &body);
	ssize_t w = 0;
	int fd;

	if (len < 0)
		return -1;
	snprintf(final, sizeof(final), "%s/dmascope.prom", s->textdir);
	/* node_exporter reads only *.prom: the temporary name is skipped */
	snprintf(tmp, sizeof(tmp), "%s/.dmascope.prom.%d", s->textdir,
		 (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	while (w < len) {
		ssize_t n = write(fd, body + w, len - w);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			goto fail;
		}
		w += n;
	}
	if (close(fd) || rename(tmp, final))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "dmatrace serve: cannot write %s: %s\n", final,
		strerror(errno));
	unlink(tmp);
	return -1;
}

static void on_text_timer(evutil_socket_t fd, short what, void *arg)
{
	write_textfile(arg);
}

static void *exporter_main(void *arg)
{
	struct serve *s = arg;
	sigset_t all;

	/* signals belong to the main thread, whose source they stop */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int exporter_start(struct serve *s, const struct mhttp_opts *ho,
			  char *err, size_t errlen)
{
	evthread_use_pthreads();
	s->base = event_base_new();
	if (!s->base) {
		snprintf(err, errlen, "cannot create the event loop");
		return -1;
	}
	if (ho) {
		s->http = mhttp_start(s->base, ho, render, s, err, errlen);
		if (!s->http)
			return -1;
	}
	if (s->textdir) {
		struct timeval tv = {.tv_sec = s->text_interval_s};

		if (write_textfile(s)) {
			snprintf(err, errlen, "--textfile %s: not writable",
				 s->textdir);
			return -1;
		}
		s->text_timer =
			event_new(s->base, -1, EV_PERSIST, on_text_timer, s);
		if (!s->text_timer || event_add(s->text_timer, &tv)) {
			snprintf(err, errlen,
				 "cannot start the textfile timer");
			return -1;
		}
	}
	if (pthread_create(&s->thread, NULL, exporter_main, s)) {
		snprintf(err, errlen, "cannot start the exporter thread");
		return -1;
	}
	s->thread_running = true;
	return 0;
}

static void exporter_stop(struct serve *s)
{
	if (s->thread_running) {
		event_base_loopbreak(s->base);
		pthread_join(s->thread, NULL);
		s->thread_running = false;
	}
	/* the final state, for a collector that reads after we are gone */
	if (s->textdir && s->base)
		write_textfile(s);
	if (s->text_timer)
		event_free(s->text_timer);
	mhttp_free(s->http);
	s->http = NULL;
	if (s->base)
		event_base_free(s->base);
	s->base = NULL;
}

/* ---- the command ---- */

enum {
	OPT_LISTEN = 256,
	OPT_TEXTFILE,
	OPT_TEXT_INTERVAL,
	OPT_REPLAY,
	OPT_SPEED,
	OPT_MAX_DEVICES,
	OPT_DEVICE_TTL,
	OPT_MAX_CONNS,
	OPT_HTTP_TIMEOUT,
	OPT_DURATION,
};

static const struct option long_opts[] = {
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"textfile", required_argument, NULL, OPT_TEXTFILE},
	{"textfile-interval", required_argument, NULL, OPT_TEXT_INTERVAL},
	{"replay", required_argument, NULL, OPT_REPLAY},
	{"speed", required_argument, NULL, OPT_SPEED},
	{"write", required_argument, NULL, 'w'},
	{"max-devices", required_argument, NULL, OPT_MAX_DEVICES},
	{"device-ttl", required_argument, NULL, OPT_DEVICE_TTL},
	{"max-connections", required_argument, NULL, OPT_MAX_CONNS},
	{"http-timeout", required_argument, NULL, OPT_HTTP_TIMEOUT},
	{"duration", required_argument, NULL, OPT_DURATION},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	ANALYSIS_LONG_OPTS,
	LIVE_LONG_OPTS,
	{NULL, 0, NULL, 0},
};

static int parse_uint(const char *opt, const char *arg, unsigned long min,
		      unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || !arg[0] || arg[0] == '-' || v < min || v > max) {
		fprintf(stderr,
			"dmatrace serve: --%s: '%s' is not a number from %lu "
			"to %lu\n",
			opt, arg, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct dmas_live_opts lo = {.stacks = true};
	struct dmas_engine_opts eo = {0};
	struct metrics_opts mo = {.device_ttl_ns = 600 * 1000000000ull};
	struct mhttp_opts ho = {
		.listen = "127.0.0.1:9747",
		.max_connections = 16,
		.timeout_s = 10,
		.max_header_bytes = 8192,
	};
	struct serve s = {.speed = 1, .text_interval_s = 15, .len = -1};
	struct dmas_sink engine_sink = {
		.session = on_session,
		.device = on_device,
		.stack = on_stack,
		.mem_range = on_mem_range,
		.cpu_node = on_cpu_node,
		.event = on_event,
		.idle = on_idle,
		.ctx = &s,
	};
	struct dmas_sink writer_sink, tee_sink;
	struct dmas_sink_tee tee = {0};
	struct dmat_writer *w = NULL;
	struct dmas_source *src = NULL;
	const char *replay = NULL, *wpath = NULL;
	char err[512] = "";
	double duration = 0;
	unsigned long v;
	bool http = true;
	int c, rc, status = DMATRACE_EXIT_OK;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+w:vh", long_opts, NULL)) != -1) {
		int r = live_cmd_opt(c, optarg, &lo, "serve");
		char *end;

		if (r < 0)
			return DMATRACE_EXIT_ERROR;
		if (r)
			continue;
		switch (c) {
		case OPT_LISTEN:
			http = strcmp(optarg, "none") != 0;
			ho.listen = optarg;
			break;
		case OPT_TEXTFILE:
			s.textdir = optarg;
			break;
		case OPT_TEXT_INTERVAL:
			if (parse_uint("textfile-interval", optarg, 1, 86400,
				       &v))
				return DMATRACE_EXIT_ERROR;
			s.text_interval_s = v;
			break;
		case OPT_REPLAY:
			replay = optarg;
			break;
		case OPT_SPEED:
			s.speed = strtod(optarg, &end);
			if (*end || !optarg[0] || s.speed < 0) {
				fprintf(stderr,
					"dmatrace serve: --speed: '%s' is not "
					"a factor (10, 0.5; 0: as fast as it "
					"reads)\n",
					optarg);
				return DMATRACE_EXIT_ERROR;
			}
			break;
		case 'w':
			wpath = optarg;
			break;
		case OPT_MAX_DEVICES:
			if (parse_uint("max-devices", optarg, 1, 100000, &v))
				return DMATRACE_EXIT_ERROR;
			mo.max_devices = v;
			break;
		case OPT_DEVICE_TTL:
			if (dmas_parse_duration(optarg, &mo.device_ttl_ns)) {
				fprintf(stderr,
					"dmatrace serve: --device-ttl: '%s' is "
					"not a duration (30s, 10m; 0: never)\n",
					optarg);
				return DMATRACE_EXIT_ERROR;
			}
			break;
		case OPT_MAX_CONNS:
			if (parse_uint("max-connections", optarg, 1, 4096, &v))
				return DMATRACE_EXIT_ERROR;
			ho.max_connections = v;
			break;
		case OPT_HTTP_TIMEOUT:
			if (parse_uint("http-timeout", optarg, 1, 3600, &v))
				return DMATRACE_EXIT_ERROR;
			ho.timeout_s = v;
			break;
		case OPT_DURATION:
			duration = strtod(optarg, &end);
			if (*end || duration <= 0) {
				fprintf(stderr,
					"dmatrace serve: --duration: '%s' is "
					"not a number of seconds\n",
					optarg);
				return DMATRACE_EXIT_ERROR;
			}
			break;
		case 'v':
			lo.verbose++;
			break;
		case 'h':
			usage(stdout);
			return DMATRACE_EXIT_OK;
		default:
			r = dmas_analysis_opt(c, optarg, "serve", &eo, NULL);
			if (r > 0)
				break;
			if (!r)
				fprintf(stderr,
					"Try 'dmatrace serve --help'.\n");
			return DMATRACE_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"dmatrace serve: unexpected '%s' (a recording is "
			"--replay FILE)\nTry 'dmatrace serve --help'.\n",
			argv[optind]);
		return DMATRACE_EXIT_ERROR;
	}
	if (http && mhttp_check_listen(ho.listen, err, sizeof(err))) {
		fprintf(stderr, "dmatrace serve: %s\n", err);
		return DMATRACE_EXIT_ERROR;
	}
	if (!http && !s.textdir) {
		fprintf(stderr, "dmatrace serve: --listen none needs "
				"--textfile DIR: nowhere to export to\n");
		return DMATRACE_EXIT_ERROR;
	}

	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s.updated, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&s.mlock, NULL);
	live_cmd_signals();
	s.replay = replay != NULL;
	mo.source = replay ? "replay" : "live";
	if (replay)
		src = dmas_source_open_file(replay, err, sizeof(err));
	else
		src = dmas_source_open_live(&lo, err, sizeof(err));
	if (!src) {
		fprintf(stderr, "dmatrace serve: %s\n",
			err[0] ? err : "cannot open the event source");
		return DMATRACE_EXIT_ERROR;
	}
	s.src = src;
	s.engine = dmas_engine_new(&eo);
	s.m = metrics_new(&mo);
	if (!s.engine || !s.m) {
		fprintf(stderr, "dmatrace serve: out of memory\n");
		status = DMATRACE_EXIT_ERROR;
		goto out;
	}
	refresh_hooks(&s);
	if (!replay)
		s.now_ts = live_cmd_now();
	if (wpath) {
		struct dmat_writer_opts wo = {0};

		w = dmat_writer_open(wpath, NULL, &wo, err, sizeof(err));
		if (!w) {
			fprintf(stderr, "dmatrace serve: %s\n", err);
			status = DMATRACE_EXIT_ERROR;
			goto out;
		}
		dmat_sink_writer(&writer_sink, w);
		tee.sinks[tee.n++] = &engine_sink;
		tee.sinks[tee.n++] = &writer_sink;
		dmas_sink_tee(&tee_sink, &tee);
	}
	if (exporter_start(&s, http ? &ho : NULL, err, sizeof(err))) {
		fprintf(stderr, "dmatrace serve: %s\n", err);
		status = DMATRACE_EXIT_ERROR;
		goto out;
	}
	if (s.http)
		fprintf(stderr, "dmatrace serve: serving http://%s/metrics\n",
			mhttp_address(s.http));
	if (s.textdir)
		fprintf(stderr,
			"dmatrace serve: writing %s/dmascope.prom every %u s\n",
			s.textdir, s.text_interval_s);
	live_cmd_duration(duration);

	err[0] = '\0';
	set_feeding(&s, true);
	rc = dmas_source_run(src, wpath ? &tee_sink : &engine_sink, &live_stop,
			     err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "dmatrace serve: %s\n", err);
		status = DMATRACE_EXIT_ERROR;
	} else if (rc > 0) {
		fprintf(stderr, "dmatrace serve: warning: %s\n", err);
	}
	if (replay && rc >= 0 && !live_stop) {
		dmas_engine_finish(s.engine, s.now_ts);
		set_feeding(&s, false);
		fprintf(stderr,
			"dmatrace serve: end of %s; serving its final state "
			"until stopped\n",
			replay);
		wait_for_stop();
	}
	set_feeding(&s, false);
	if (w && dmat_writer_close(w, replay ? s.now_ts : live_cmd_now(), err,
				   sizeof(err))) {
		fprintf(stderr, "dmatrace serve: writing %s failed: %s\n",
			wpath, err);
		status = DMATRACE_EXIT_ERROR;
	}
	w = NULL;
out:
	set_feeding(&s, false);
	exporter_stop(&s);
	if (w)
		dmat_writer_close(w, s.now_ts, err, sizeof(err));
	dmas_source_close(src);
	metrics_free(s.m);
	dmas_engine_free(s.engine);
	free(s.buf);
	return status;
}
