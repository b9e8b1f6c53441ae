// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_format_source.c - a recording as an event source: what reaches the
 * sink, the return codes for truncated and corrupt files, stopping, and the
 * writer sink (a recording copied through source -> sink is identical).
 */
#include <stdlib.h>
#include <string.h>

#include "format/dmat_disk.h"
#include "source/source.h"
#include "testlib.h"
#include "test_format.h"

struct counts {
	int sessions, devices, stacks, ranges, events, idles, cpus;
	uint32_t frames;
	uint64_t last_ts, idle_ts;
	char hostname[65];
	char last_frame[64];
	volatile sig_atomic_t *stop;
	int stop_after;
	bool out_of_order;
};

static void c_session(void *ctx, const struct dmas_session *s)
{
	struct counts *c = ctx;

	c->sessions++;
	snprintf(c->hostname, sizeof(c->hostname), "%s", s->hostname);
}

static void c_device(void *ctx, const struct dmas_device *d)
{
	((struct counts *)ctx)->devices++;
}

static void c_stack(void *ctx, const struct dmas_stack *s)
{
	struct counts *c = ctx;

	c->stacks++;
	c->frames += s->nr_frames;
	snprintf(c->last_frame, sizeof(c->last_frame), "%s",
		 s->frames[s->nr_frames - 1]);
}

static void c_range(void *ctx, const struct dmas_mem_range *r)
{
	((struct counts *)ctx)->ranges++;
}

static void c_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	struct counts *c = ctx;

	if (cpu == (uint32_t)c->cpus * 2 && node == c->cpus)
		c->cpus++;
}

static void c_event(void *ctx, const struct dmas_event *ev)
{
	struct counts *c = ctx;

	if (!c->sessions || ev->ts < c->last_ts)
		c->out_of_order = true;
	c->last_ts = ev->ts;
	if (++c->events == c->stop_after && c->stop)
		*c->stop = 1;
}

static void c_idle(void *ctx, uint64_t now)
{
	struct counts *c = ctx;

	c->idles++;
	c->idle_ts = now;
}

static void counting_sink(struct dmas_sink *s, struct counts *c)
{
	*s = (struct dmas_sink){c_session, c_device, c_stack, c_range,
				c_event,   c_idle,   c,	      c_cpu_node};
}

static const char *tmp(const char *name)
{
	static char p[2][512];
	static int n;
	char *s = p[n++ % 2];

	snprintf(s, 512, "%s/%s", test_tmpdir(), name);
	return s;
}

TEST(format_source_delivers_everything)
{
	const char *p = tmp("src.dmat");
	struct counts c = {0};
	struct dmas_sink sink;
	struct dmas_source *src;
	char err[512] = "x";

	CHECK_EQ(fmt_write_sample(p, true, 5000, true), 0);
	src = dmas_source_open_file(p, err, sizeof(err));
	CHECK(src);
	if (!src)
		return;
	counting_sink(&sink, &c);
	CHECK_EQ(dmas_source_run(src, &sink, NULL, err, sizeof(err)), 0);
	CHECK_STREQ(err, "");
	CHECK_EQ(c.sessions, 1);
	CHECK_STREQ(c.hostname, "target-7");
	CHECK_EQ(c.events, 5000);
	CHECK_EQ(c.devices, (5000 + 10) / 11);
	CHECK_EQ(c.stacks, c.devices);
	CHECK_EQ(c.ranges, 2);
	CHECK_EQ(c.cpus, 2); /* cpu 0 on node 0, cpu 2 on node 1 */
	CHECK(!c.out_of_order);
	/* the recording's end time reaches the sink as time passing */
	CHECK_EQ(c.idles, 1);
	CHECK_EQ(c.idle_ts, 1000000ull + 4999 * 1000ull);
	dmas_source_close(src);
}

TEST(format_source_truncated_and_corrupt)
{
	const char *p = tmp("t.dmat"), *q = tmp("c.dmat");
	struct counts c = {0};
	struct dmas_sink sink;
	struct dmas_source *src;
	char err[512];
	uint8_t *f;
	size_t len;

	CHECK_EQ(fmt_write_sample(p, false, 300, false), 0);
	src = dmas_source_open_file(p, err, sizeof(err));
	CHECK(src);
	if (!src)
		return;
	counting_sink(&sink, &c);
	CHECK_EQ(dmas_source_run(src, &sink, NULL, err, sizeof(err)), 1);
	CHECK_CONTAINS(err, "truncated after 300 events at offset");
	CHECK_CONTAINS(err, "t.dmat: ");
	CHECK_EQ(c.events, 300);
	CHECK_EQ(c.idles, 0);
	dmas_source_close(src);

	/* damage the trailer: every event before it arrives */
	CHECK_EQ(fmt_write_sample(p, false, 300, true), 0);
	f = fmt_read_file(p, &len);
	f[len - 10] ^= 1;
	fmt_write_file(q, f, len);
	free(f);
	memset(&c, 0, sizeof(c));
	src = dmas_source_open_file(q, err, sizeof(err));
	CHECK(src);
	if (!src)
		return;
	CHECK_EQ(dmas_source_run(src, &sink, NULL, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "corrupt record (type 6) at offset");
	CHECK_EQ(c.events, 300);
	dmas_source_close(src);

	CHECK(!dmas_source_open_file(tmp("missing.dmat"), err, sizeof(err)));
	CHECK_CONTAINS(err, "No such file or directory");
	fmt_write_file(q, "#!/bin/sh\n", 10);
	CHECK(!dmas_source_open_file(q, err, sizeof(err)));
	CHECK_CONTAINS(err, "c.dmat: not a dmascope recording (bad magic)");
}

TEST(format_source_stops)
{
	const char *p = tmp("stop.dmat");
	volatile sig_atomic_t stop = 0;
	struct counts c = {.stop = &stop, .stop_after = 10};
	struct dmas_sink sink;
	struct dmas_source *src;
	char err[512];

	CHECK_EQ(fmt_write_sample(p, false, 3 * DMAT_BATCH_EVENTS, true), 0);
	src = dmas_source_open_file(p, err, sizeof(err));
	counting_sink(&sink, &c);
	CHECK_EQ(dmas_source_run(src, &sink, &stop, err, sizeof(err)), 0);
	/* stops at the end of the run of events it was handing out */
	CHECK(c.events >= 10);
	CHECK(c.events < 3 * DMAT_BATCH_EVENTS);
	CHECK_EQ(c.idles, 0);
	dmas_source_close(src);
}

TEST(format_writer_sink_copies)
{
	const char *a = tmp("orig.dmat"), *b = tmp("copy.dmat");
	struct dmat_writer_opts o = {.compress = true};
	struct dmat_writer *w;
	struct dmas_source *src;
	struct dmas_sink sink;
	struct fmt_dump da, db;
	char err[512];

	CHECK_EQ(fmt_write_sample(a, false, 1000, true), 0);
	src = dmas_source_open_file(a, err, sizeof(err));
	w = dmat_writer_open(b, NULL, &o, err, sizeof(err));
	CHECK(src && w);
	if (!src || !w)
		return;
	dmat_sink_writer(&sink, w);
	CHECK_EQ(dmas_source_run(src, &sink, NULL, err, sizeof(err)), 0);
	CHECK_EQ(dmat_writer_close(w, 0, err, sizeof(err)), 0);
	dmas_source_close(src);
	CHECK(fmt_dump_file(a, &da, err, sizeof(err)));
	CHECK(fmt_dump_file(b, &db, err, sizeof(err)));
	CHECK_STREQ(db.text, da.text);
	CHECK_EQ(db.final, DMAT_R_EOF);
	struct dmat_reader *r = dmat_reader_open(b, err, sizeof(err));
	struct dmas_session want;

	fmt_sample_session(&want);
	CHECK(r && !memcmp(dmat_reader_session(r), &want, sizeof(want)));
	dmat_reader_close(r);
	fmt_dump_free(&da);
	fmt_dump_free(&db);
}

/* What a SIGKILLed recorder leaves: everything up to the last flush. */
static void killed_recorder(bool compress)
{
	const char *p = tmp(compress ? "live.dmatz" : "live.dmat");
	struct dmat_writer_opts o = {.compress = compress};
	struct dmat_writer *w = dmat_writer_open(p, NULL, &o, NULL, 0);
	struct dmas_session s;
	struct dmas_sink sink;
	struct fmt_dump d;
	char err[512];

	CHECK(w);
	if (!w)
		return;
	fmt_sample_session(&s);
	dmat_sink_writer(&sink, w);
	sink.session(sink.ctx, &s);
	for (unsigned i = 0; i < 10; i++) {
		struct dmas_event ev;

		fmt_sample_event(&ev, i);
		sink.event(sink.ctx, &ev);
	}
	/* nothing on disk yet: all of it is in the writer's buffer */
	CHECK(!fmt_dump_file(p, &d, err, sizeof(err)));
	sink.idle(sink.ctx, 12345);
	CHECK(fmt_dump_file(p, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_TRUNCATED);
	CHECK_EQ(d.lines, 10);
	CHECK_CONTAINS(d.err, "truncated after 10 events");
	fmt_dump_free(&d);

	/* events keep flowing and no idle comes: autoflush does it */
	dmat_writer_set_autoflush(w, 1);
	for (unsigned i = 10; i < 10 + 3 * DMAT_BATCH_EVENTS; i++) {
		struct dmas_event ev;

		fmt_sample_event(&ev, i);
		sink.event(sink.ctx, &ev);
	}
	CHECK(fmt_dump_file(p, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_TRUNCATED);
	CHECK(d.lines >= 10 + 2 * DMAT_BATCH_EVENTS);
	fmt_dump_free(&d);
	dmat_writer_abandon(w);
}

TEST(format_killed_recorder_loses_little)
{
	killed_recorder(false);
}

TEST(format_killed_recorder_loses_little_zstd)
{
	killed_recorder(true);
}
