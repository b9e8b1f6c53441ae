/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * feed.c - runs the event source on its own thread into a fresh engine.
 * Replay is paced by a playhead: an event later than the playhead waits
 * until the screen moves the playhead on, so the screen never blocks on the
 * file and seeking back is a restart from the beginning.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dmatop.h"

uint64_t feed_now_ts(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void on_session(void *ctx, const struct dmas_session *s)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	f->session = *s;
	f->have_session = true;
	dmas_engine_set_session(f->engine, s);
	pthread_mutex_unlock(&f->lock);
}

static void on_device(void *ctx, const struct dmas_device *d)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	dmas_engine_add_device(f->engine, d);
	pthread_mutex_unlock(&f->lock);
}

static void on_stack(void *ctx, const struct dmas_stack *s)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	dmas_engine_add_stack(f->engine, s);
	pthread_mutex_unlock(&f->lock);
}

static void on_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	dmas_engine_add_mem_range(f->engine, r);
	pthread_mutex_unlock(&f->lock);
}

static void on_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	dmas_engine_add_cpu_node(f->engine, cpu, node);
	pthread_mutex_unlock(&f->lock);
}

static bool beyond_playhead(const struct feed *f, uint64_t ts)
{
	return f->path && ts > f->origin && ts - f->origin > f->playhead;
}

static void on_event(void *ctx, const struct dmas_event *ev)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	if (!f->have_origin) {
		/* a session start after the first event would hide it */
		f->origin = f->session.start_ts && f->session.start_ts <= ev->ts
				    ? f->session.start_ts
				    : ev->ts;
		f->have_origin = true;
	}
	while (!f->stop && beyond_playhead(f, ev->ts)) {
		f->blocked = true;
		f->next_ts = ev->ts;
		pthread_cond_broadcast(&f->progress);
		pthread_cond_wait(&f->advance, &f->lock);
	}
	f->blocked = false;
	if (!f->stop) {
		dmas_engine_feed(f->engine, ev);
		f->last_ts = ev->ts;
		f->nr_fed++;
	}
	pthread_mutex_unlock(&f->lock);
}

/*
 * Live: time passes without events.  Replay: the recording's end time,
 * which the playhead must reach like any event before time-based
 * detectors may see it.
 */
static void on_idle(void *ctx, uint64_t now_ts)
{
	struct feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	while (!f->stop && f->have_origin && beyond_playhead(f, now_ts)) {
		f->blocked = true;
		f->next_ts = now_ts;
		pthread_cond_broadcast(&f->progress);
		pthread_cond_wait(&f->advance, &f->lock);
	}
	f->blocked = false;
	if (!f->stop && now_ts >= f->last_ts) {
		dmas_engine_tick(f->engine, now_ts);
		if (f->path)
			f->last_ts = now_ts;
	}
	pthread_mutex_unlock(&f->lock);
}

static void *feed_main(void *arg)
{
	struct feed *f = arg;
	struct dmas_sink sink = {
		.session = on_session,
		.device = on_device,
		.stack = on_stack,
		.mem_range = on_mem_range,
		.cpu_node = on_cpu_node,
		.event = on_event,
		.idle = on_idle,
		.ctx = f,
	};
	char err[256] = "";
	sigset_t all;
	int rc;

	/* signals belong to the screen thread, whose getch they interrupt */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	if (!f->src) {
		/* loading BPF takes seconds: the screen is up meanwhile */
		struct dmas_source *src;

		src = dmas_source_open_live(&f->live, err, sizeof(err));
		pthread_mutex_lock(&f->lock);
		f->src = src;
		f->opening = false;
		if (!src) {
			f->open_failed = true;
			f->rc = -1;
			snprintf(f->err, sizeof(f->err), "%s",
				 err[0] ? err : "cannot open the event source");
			f->done = true;
			pthread_cond_broadcast(&f->progress);
		}
		pthread_mutex_unlock(&f->lock);
		if (!src)
			return NULL;
	}

	rc = dmas_source_run(f->src, &sink, &f->stop, err, sizeof(err));

	pthread_mutex_lock(&f->lock);
	f->rc = rc;
	snprintf(f->err, sizeof(f->err), "%s", err);
	/* end-of-session detectors run once a recording is read to its end */
	if (rc >= 0 && !f->stop && f->path)
		dmas_engine_finish(f->engine, f->last_ts);
	f->done = true;
	pthread_cond_broadcast(&f->progress);
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int feed_start(struct feed *f, char *err, size_t errlen)
{
	int rc;

	if (!f->lock_ready) {
		pthread_mutex_init(&f->lock, NULL);
		pthread_cond_init(&f->advance, NULL);
		pthread_cond_init(&f->progress, NULL);
		f->lock_ready = true;
	}
	f->stop = 0;
	f->have_origin = false;
	f->have_session = false;
	memset(&f->session, 0, sizeof(f->session));
	f->last_ts = 0;
	f->nr_fed = 0;
	f->blocked = false;
	f->done = false;
	f->rc = 0;
	f->err[0] = '\0';

	if (!f->path) {
		/* live time counts from the start of dmatop */
		f->origin = feed_now_ts();
		f->have_origin = true;
	}
	f->opening = false;
	f->open_failed = false;
	f->src = NULL;
	if (f->path)
		f->src = dmas_source_open_file(f->path, err, errlen);
	else if (f->open_in_thread)
		f->opening = true;
	else
		f->src = dmas_source_open_live(&f->live, err, errlen);
	if (!f->src && !f->opening) {
		if (!err[0])
			snprintf(err, errlen, "cannot open the event source");
		return -1;
	}
	f->engine = dmas_engine_new(&f->eopts);
	if (!f->engine) {
		snprintf(err, errlen, "out of memory creating the engine");
		dmas_source_close(f->src);
		f->src = NULL;
		f->opening = false;
		return -1;
	}
	rc = pthread_create(&f->thread, NULL, feed_main, f);
	if (rc) {
		snprintf(err, errlen, "cannot start the reader thread: %s",
			 strerror(rc));
		dmas_engine_free(f->engine);
		dmas_source_close(f->src);
		f->engine = NULL;
		f->src = NULL;
		f->opening = false;
		return -1;
	}
	f->running = true;
	f->generation++;
	return 0;
}

void feed_stop(struct feed *f)
{
	if (!f->running)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = 1;
	pthread_cond_broadcast(&f->advance);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	f->running = false;
	dmas_source_close(f->src);
	f->src = NULL;
	dmas_engine_free(f->engine);
	f->engine = NULL;
}

int feed_seek(struct feed *f, uint64_t playhead, char *err, size_t errlen)
{
	pthread_mutex_lock(&f->lock);
	if (playhead >= f->playhead) {
		f->playhead = playhead;
		/* the feeder sets it again if the next event is still beyond */
		f->blocked = false;
		pthread_cond_broadcast(&f->advance);
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	pthread_mutex_unlock(&f->lock);
	/* backwards: the engine cannot forget, so read again from the start */
	feed_stop(f);
	f->playhead = playhead;
	return feed_start(f, err, errlen);
}

uint64_t feed_ahead(struct feed *f, uint64_t playhead, uint64_t by)
{
	uint64_t limit;

	pthread_mutex_lock(&f->lock);
	limit = UINT64_MAX - f->origin;
	pthread_mutex_unlock(&f->lock);
	if (playhead >= limit)
		return playhead;
	return by > limit - playhead ? limit : playhead + by;
}

void feed_wait_caught_up(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	while (!f->done && !f->blocked)
		pthread_cond_wait(&f->progress, &f->lock);
	pthread_mutex_unlock(&f->lock);
}
