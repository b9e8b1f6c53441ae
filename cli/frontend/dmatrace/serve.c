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
 *
 * Until the source has delivered its session (header, devices: known at
 * its first event or idle tick), a scrape waits a second for it and is
 * then answered 503 with the reason,
 * so Prometheus records the target as down rather than storing zeros that
 * look like an idle machine, and the textfile is not written.
 */
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
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
#include "frontend/numparse.h"
#include "live_cmd.h"
#include "metrics.h"
#include "metrics_http.h"
#include "pipeline.h"

#define RENDER_MIN_NS 100000000ull /* re-read the engine at most this often */
#define READY_WAIT_S 1 /* a scrape waits this long for the session */

struct serve {
	/* the main thread's: the source, the engine and the event clock */
	struct pipeline p;
	uint64_t now_ts; /* latest event or idle time */
	struct dmas_session session;

	/* the hand-over: the exporter asks, the main thread updates m */
	pthread_mutex_t mlock; /* guards m, updates, feeding */
	pthread_cond_t updated; /* an update was made (exporter waits) */
	atomic_int want; /* the exporter wants an update */
	unsigned long updates;
	bool feeding; /* the source runs: only the main thread reads the engine */
	atomic_bool ready; /* the session is delivered: figures are true */
	bool ready_seen; /* the main thread's copy, read per event */

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

static const struct opt_row serve_opts[] = {
	{.name = "listen",
	 .id = OPT_LISTEN,
	 .arg = "ADDR:PORT",
	 .help = "where to serve (default 127.0.0.1:9747; port 0\n"
		 "picks a free one; 'none': no HTTP)"},
	{.name = "textfile",
	 .id = OPT_TEXTFILE,
	 .arg = "DIR",
	 .help = "also write DIR/dmascope.prom atomically (for\n"
		 "node_exporter --collector.textfile.directory)"},
	{.name = "textfile-interval",
	 .id = OPT_TEXT_INTERVAL,
	 .arg = "S",
	 .help = "seconds between textfile writes (default 15)"},
	{.name = "replay",
	 .id = OPT_REPLAY,
	 .arg = "FILE",
	 .help = "serve a recording instead of live tracing"},
	{.name = "speed",
	 .id = OPT_SPEED,
	 .arg = "X",
	 .help = "replay at X times real time (default 1; 0: as\n"
		 "fast as it reads)"},
	{.name = "write",
	 .letter = 'w',
	 .arg = "FILE",
	 .help = "also record what is traced (or replayed) to FILE"},
	{.name = "max-devices",
	 .id = OPT_MAX_DEVICES,
	 .arg = "N",
	 .help = "devices with their own series (default 256); more\n"
		 "are summed under device=\"other\""},
	{.name = "device-ttl",
	 .id = OPT_DEVICE_TTL,
	 .arg = "D",
	 .help = "a device with nothing outstanding and no event for\n"
		 "D stops being exported (default 10m; 0: never)"},
	{.name = "max-connections",
	 .id = OPT_MAX_CONNS,
	 .arg = "N",
	 .help = "HTTP connections open at once (default 16); past\n"
		 "it the oldest that has sent no whole request is\n"
		 "cut (else the new one)"},
	{.name = "http-timeout",
	 .id = OPT_HTTP_TIMEOUT,
	 .arg = "S",
	 .help = "a request must be read and answered within S\n"
		 "seconds (default 10); slower clients are cut off"},
	{.name = "duration",
	 .id = OPT_DURATION,
	 .arg = "SECONDS",
	 .help = "stop after this long"},
	{.name = "leak-age", .id = AOPT_LEAK_AGE, .arg = "D", .joined = true},
	{.name = "xfer-timeout",
	 .id = AOPT_XFER_TIMEOUT,
	 .arg = "D",
	 .joined = true},
	{.name = "leaks-at-exit", .id = AOPT_LEAKS_AT_EXIT, .joined = true},
	{.name = "latency-budget",
	 .id = AOPT_LATENCY_BUDGET,
	 .arg = "D",
	 .joined = true},
	{.name = "cma-budget",
	 .id = AOPT_CMA_BUDGET,
	 .arg = "D",
	 .joined = true},
	{.name = "numa-share",
	 .id = AOPT_NUMA_SHARE,
	 .arg = "PCT",
	 .help = "as for dmatrace replay"},
	{.group = live_opt_rows},
	{.name = "help", .letter = 'h', .help = "this text"},
	{0},
};

static const struct opt_spec serve_spec = {
	.head = "usage: dmatrace serve [OPTIONS]\n"
		"       dmatrace serve --replay FILE [--speed X] [OPTIONS]\n"
		"\n"
		"Trace DMA activity live (or replay a recording) and export per-device\n"
		"statistics, findings and lost events as Prometheus metrics: over HTTP\n"
		"(GET /metrics, text format 0.0.4), and/or as a file for node_exporter's\n"
		"textfile collector.  Runs until Ctrl-C or SIGTERM (a replay keeps serving\n"
		"its final state after its end).\n",
	.rows = serve_opts,
	.tail = "Metrics are named dmascope_*; labels device, driver, numa_node, dir (to on\n"
		"syncs; id, severity on findings), never addresses, pids or stacks.  See\n"
		"README (\"The fleet view\") and dashboards/README.md.\n"
		"\n"
		"exit status: 0 stopped by a signal or --duration, 2 dmatrace's own error\n"
		"(no BPF, bad option, cannot listen, unreadable recording).\n"
		"\n"
		"examples:\n"
		"  dmatrace serve\n"
		"      live, on http://127.0.0.1:9747/metrics\n"
		"  dmatrace serve --listen 0.0.0.0:9747 --driver nvme\n"
		"      the nvme driver's DMA, reachable from the network\n"
		"  dmatrace serve --listen none --textfile /var/lib/prometheus/node-exporter\n"
		"      through node_exporter instead of a port of its own\n"
		"  dmatrace serve --replay run.dmat --speed 10 --listen 127.0.0.1:0\n"
		"      a recording at 10x, for dashboards and demos\n",
	.stop_at_operand = true,
};

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

	if (s->m && s->p.src &&
	    dmas_source_live_hooks(s->p.src, hooks, sizeof(hooks)) > 0)
		metrics_set_hooks(s->m, hooks);
}

/* The exporter asked: copy the engine's counters into the metrics. */
static void serve_update(struct serve *s)
{
	pthread_mutex_lock(&s->mlock);
	atomic_store(&s->want, 0);
	refresh_hooks(s);
	metrics_update(s->m, s->p.engine, s->now_ts); /* -1: previous figures */
	s->updates++;
	pthread_cond_broadcast(&s->updated);
	pthread_mutex_unlock(&s->mlock);
}

/* The source's first event or idle tick: its side tables came before. */
static inline void serve_ready(struct serve *s)
{
	if (!s->ready_seen) {
		s->ready_seen = true;
		pthread_mutex_lock(&s->mlock);
		atomic_store(&s->ready, true);
		pthread_cond_broadcast(&s->updated);
		pthread_mutex_unlock(&s->mlock);
	}
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
	dmas_engine_set_session(s->p.engine, ss);
}

static void on_device(void *ctx, const struct dmas_device *d)
{
	struct serve *s = ctx;

	dmas_engine_add_device(s->p.engine, d);
}

static void on_stack(void *ctx, const struct dmas_stack *st)
{
	struct serve *s = ctx;

	dmas_engine_add_stack(s->p.engine, st);
}

static void on_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	struct serve *s = ctx;

	dmas_engine_add_mem_range(s->p.engine, r);
}

static void on_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	struct serve *s = ctx;

	dmas_engine_add_cpu_node(s->p.engine, cpu, node);
}

static void on_event(void *ctx, const struct dmas_event *ev)
{
	struct serve *s = ctx;

	serve_ready(s);
	pace(s, ev->ts);
	dmas_engine_feed(s->p.engine, ev);
	if (ev->ts > s->now_ts)
		s->now_ts = ev->ts;
	serve_poll(s);
}

static void on_idle(void *ctx, uint64_t now_ts)
{
	struct serve *s = ctx;

	serve_ready(s);
	pace(s, now_ts);
	if (now_ts >= s->now_ts) {
		dmas_engine_tick(s->p.engine, now_ts);
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
 * A scrape in the instant between the start and the source's first event
 * waits for it (up to READY_WAIT_S): only a source that is really not
 * ready (a slow disk, a pipe, tracing still attaching) is answered 503.
 */
static bool wait_ready(struct serve *s)
{
	struct timespec dl;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += READY_WAIT_S;
	pthread_mutex_lock(&s->mlock);
	while (!atomic_load(&s->ready) &&
	       pthread_cond_timedwait(&s->updated, &s->mlock, &dl) == 0)
		;
	pthread_mutex_unlock(&s->mlock);
	return atomic_load(&s->ready);
}

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

	if (!atomic_load(&s->ready) && !wait_ready(s)) {
		*body = s->replay
				? "dmascope: not ready: the recording's session and devices are not read yet; retry\n"
				: "dmascope: not ready: tracing is starting and the session's devices are not known yet; retry\n";
		return MHTTP_NOT_READY;
	}
	if (s->len > 0 && now - s->rendered_at < RENDER_MIN_NS) {
		*body = s->buf;
		return s->len;
	}
	pthread_mutex_lock(&s->mlock);
	if (!s->feeding) {
		metrics_update(s->m, s->p.engine, s->now_ts);
	} else {
		gen = s->updates;
		atomic_store(&s->want, 1);
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += 2;
		while (s->updates == gen && s->feeding &&
		       pthread_cond_timedwait(&s->updated, &s->mlock, &dl) == 0)
			;
		if (!s->feeding && s->updates == gen)
			metrics_update(s->m, s->p.engine, s->now_ts);
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
	long len;
	ssize_t w = 0;
	int fd;

	if (!atomic_load(&s->ready))
		return 0; /* nothing true to say yet: the next tick writes */
	len = render_now(s, &body);
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

		/* before the session, write_textfile writes nothing */
		if (access(s->textdir, W_OK | X_OK) || write_textfile(s)) {
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

/* What the options set beyond the pipeline's. */
struct serve_cfg {
	struct serve *s;
	struct metrics_opts mo;
	struct mhttp_opts ho;
	const char *replay, *wpath;
	double duration;
	bool http;
};

/* A whole number from min to max for option opt; 0, or -1 (said). */
static int serve_uint(struct serve_cfg *c, const char *opt, const char *arg,
		      uint64_t min, uint64_t max, uint64_t *out)
{
	if (!dmas_parse_uint(arg, min, max, out))
		return 0;
	pipe_fail(&c->s->p, "--%s: '%s' is not a number from %llu to %llu", opt,
		  arg, (unsigned long long)min, (unsigned long long)max);
	return -1;
}

static int serve_opt(void *ctx, int id, const char *arg)
{
	struct serve_cfg *c = ctx;
	struct serve *s = c->s;
	uint64_t v;

	switch (id) {
	case OPT_LISTEN:
		c->http = strcmp(arg, "none") != 0;
		c->ho.listen = arg;
		break;
	case OPT_TEXTFILE:
		s->textdir = arg;
		break;
	case OPT_TEXT_INTERVAL:
		if (serve_uint(c, "textfile-interval", arg, 1, 86400, &v))
			return -1;
		s->text_interval_s = v;
		break;
	case OPT_REPLAY:
		c->replay = arg;
		break;
	case OPT_SPEED:
		if (dmas_parse_real(arg, 0, 1e9, &s->speed)) {
			pipe_fail(
				&s->p,
				"--speed: '%s' is not a factor (10, 0.5; 0: as fast as it reads)",
				arg);
			return -1;
		}
		break;
	case 'w':
		c->wpath = arg;
		break;
	case OPT_MAX_DEVICES:
		if (serve_uint(c, "max-devices", arg, 1, 100000, &v))
			return -1;
		c->mo.max_devices = v;
		break;
	case OPT_DEVICE_TTL:
		if (dmas_parse_duration(arg, &c->mo.device_ttl_ns)) {
			pipe_fail(
				&s->p,
				"--device-ttl: '%s' is not a duration (30s, 10m; 0: never)",
				arg);
			return -1;
		}
		break;
	case OPT_MAX_CONNS:
		if (serve_uint(c, "max-connections", arg, 1, 4096, &v))
			return -1;
		c->ho.max_connections = v;
		break;
	case OPT_HTTP_TIMEOUT:
		if (serve_uint(c, "http-timeout", arg, 1, 3600, &v))
			return -1;
		c->ho.timeout_s = v;
		break;
	case OPT_DURATION:
		/* from 1 ms (the timer's grain) to 10 years */
		if (dmas_parse_real(arg, 0.001, 3650 * 86400.0, &c->duration)) {
			pipe_fail(&s->p,
				  "--duration: '%s' is not a number of seconds",
				  arg);
			return -1;
		}
		break;
	}
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve s = {.speed = 1, .text_interval_s = 15, .len = -1};
	struct serve_cfg c = {
		.s = &s,
		.mo = {.device_ttl_ns = 600 * 1000000000ull},
		.ho =
			{
				.listen = "127.0.0.1:9747",
				.max_connections = 16,
				.timeout_s = 10,
				.max_header_bytes = 8192,
			},
		.http = true,
	};
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
	struct pipeline *p = &s.p;
	pthread_condattr_t ca;
	int rc, status;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s.updated, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&s.mlock, NULL);

	pipe_init(p, "serve");
	if (pipe_parse(p, &serve_spec, argc, argv, serve_opt, &c))
		goto out;
	if (optind < argc) {
		pipe_fail(p, "unexpected '%s' (a recording is --replay FILE)",
			  argv[optind]);
		fprintf(stderr, "Try 'dmatrace serve --help'.\n");
		goto out;
	}
	if (c.http && mhttp_check_listen(c.ho.listen, p->err, sizeof(p->err))) {
		pipe_fail(p, "%s", p->err);
		goto out;
	}
	if (!c.http && !s.textdir) {
		pipe_fail(
			p,
			"--listen none needs --textfile DIR: nowhere to export to");
		goto out;
	}

	s.replay = c.replay != NULL;
	c.mo.source = c.replay ? "replay" : "live";
	if (c.replay) {
		live_cmd_signals();
		if (pipe_open_file(p, c.replay))
			goto out;
	} else if (pipe_open_live(p)) {
		goto out;
	}
	if (pipe_engine(p, PIPE_FEED_NONE))
		goto out;
	s.m = metrics_new(&c.mo);
	if (!s.m) {
		pipe_fail(p, "out of memory");
		goto out;
	}
	refresh_hooks(&s);
	if (!c.replay)
		s.now_ts = live_cmd_now();
	if (pipe_add_sink(p, &engine_sink) ||
	    (c.wpath &&
	     pipe_record(p, c.wpath, &(struct dmat_writer_opts){0}, false)))
		goto out;
	if (exporter_start(&s, c.http ? &c.ho : NULL, p->err, sizeof(p->err))) {
		pipe_fail(p, "%s", p->err);
		goto out;
	}
	if (s.http)
		fprintf(stderr, "dmatrace serve: serving http://%s/metrics\n",
			mhttp_address(s.http));
	if (s.textdir)
		fprintf(stderr,
			"dmatrace serve: writing %s/dmascope.prom every %u s\n",
			s.textdir, s.text_interval_s);
	live_cmd_duration(c.duration);

	set_feeding(&s, true);
	rc = pipe_run(p, &live_stop);
	serve_ready(&s);
	if (rc < 0)
		pipe_fail(p, "%s", p->run_err);
	else if (rc > 0)
		fprintf(stderr, "dmatrace serve: warning: %s\n", p->run_err);
	if (c.replay && rc >= 0 && !live_stop) {
		dmas_engine_finish(p->engine, s.now_ts);
		set_feeding(&s, false);
		fprintf(stderr,
			"dmatrace serve: end of %s; serving its final state until stopped\n",
			c.replay);
		wait_for_stop();
	}
	set_feeding(&s, false);
	pipe_close_recording(p, c.replay ? s.now_ts : live_cmd_now());
out:
	set_feeding(&s, false);
	exporter_stop(&s);
	status = pipe_exit_status(p);
	pipe_free(p);
	metrics_free(s.m);
	free(s.buf);
	return status;
}
