// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_live_reorder.c - the live source's reorder window: events handed
 * on in time order, and a loss noticed late (the kernel's counts are read
 * between reads of the ring) placed right after the last event handed on,
 * so that what followed the lost call is judged as evidence that spans a
 * loss.  The case is the one a hardirq completion makes: its
 * dma_sync_single_for_cpu hook skipped because the same program was
 * running on that CPU, then its CPU access read.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "source/live.h"
#include "source/source.h"
#include "scenario.h"
#include "testlib.h"

#define FROM DMAS_DIR_FROM_DEVICE

/* The scenario's events go into a reorder window; the rest straight on. */
struct held {
	struct dmas_reorder r;
	struct dmas_sink out;
	unsigned kinds[64];
	unsigned nkinds;
};

static void held_event(void *ctx, const struct dmas_event *ev)
{
	struct held *h = ctx;

	dmas_reorder_push(&h->r, ev);
}

static void held_session(void *ctx, const struct dmas_session *s)
{
	struct held *h = ctx;

	h->out.session(h->out.ctx, s);
}

static void held_device(void *ctx, const struct dmas_device *d)
{
	struct held *h = ctx;

	h->out.device(h->out.ctx, d);
}

static void held_stack(void *ctx, const struct dmas_stack *st)
{
	struct held *h = ctx;

	h->out.stack(h->out.ctx, st);
}

/* What the window hands on: the engine's sink, and the kinds in order. */
static void out_event(void *ctx, const struct dmas_event *ev)
{
	struct held *h = ctx;

	if (h->nkinds < 64)
		h->kinds[h->nkinds++] = ev->kind;
	h->out.event(h->out.ctx, ev);
}

static struct scn *setup(struct held *h, struct dmas_engine **e, uint32_t *dev)
{
	struct dmas_sink in = {.session = held_session,
			       .device = held_device,
			       .stack = held_stack,
			       .event = held_event,
			       .ctx = h};
	struct scn *s;

	memset(h, 0, sizeof(*h));
	*e = dmas_engine_new(NULL);
	dmas_sink_engine(&h->out, *e);
	s = scn_new(&in);
	scn_session(s, false);
	*dev = scn_device(s, "vdmac.0", "", 0);
	scn_bind(s, *dev, "vdmac");
	return s;
}

static void teardown(struct held *h, struct scn *s, struct dmas_engine *e)
{
	scn_free(s);
	dmas_engine_free(e);
	dmas_reorder_free(&h->r);
}

static void flush_all(struct held *h)
{
	struct dmas_sink o = {.event = out_event, .ctx = h};

	dmas_reorder_flush(&h->r, UINT64_MAX, &o);
}

static void flush_until(struct held *h, uint64_t limit)
{
	struct dmas_sink o = {.event = out_event, .ctx = h};

	dmas_reorder_flush(&h->r, limit, &o);
}

/*
 * n skipped calls the counts show at a read made at until; they were not
 * there at the read before, made at since
 */
static void lost_recursion(struct held *h, uint32_t n, uint64_t since,
			   uint64_t until)
{
	struct dmas_event ev = {
		.kind = DMAS_EV_LOST, .count = n, .attrs = DMAS_LOSS_RECURSION};

	CHECK_EQ(dmas_reorder_push_loss(&h->r, &ev, since, until), 0);
}

/* One stream round: take the buffer, read and clear it, give it back. */
static void stream_round(struct scn *s, uint32_t dev, bool synced)
{
	if (synced)
		scn_sync_for_cpu(s, dev, 0x2282c000, 4096, FROM);
	scn_cpu_access(s, dev, 0x2282c000, 4096, false);
	scn_cpu_access(s, dev, 0x2282c000, 4096, true);
	scn_sync_for_device(s, dev, 0x2282c000, 4096, FROM);
}

TEST(reorder_late_loss_marks_what_followed_it_uncertain)
{
	struct dmas_engine *e;
	struct held h;
	uint32_t dev;
	struct scn *s = setup(&h, &e, &dev);
	uint64_t handed, read;

	scn_map(s, dev, 0x2282c000, 4096, FROM);
	stream_round(s, dev, true);
	/* the counts read (nothing new), then a flush up to that time */
	read = scn_now(s);
	flush_until(&h, read);
	handed = h.nkinds;
	scn_advance(s, 1000);
	/* the next round's sync_for_cpu was skipped by the kernel ... */
	stream_round(s, dev, false);
	/* ... which the next read of the counts shows, after its access */
	lost_recursion(&h, 1, read, scn_now(s));
	flush_all(&h);
	CHECK_EQ(h.nkinds, handed + 4);
	CHECK_EQ(h.kinds[handed], DMAS_EV_LOST);
	CHECK_EQ(h.kinds[handed + 1], DMAS_EV_CPU_ACCESS);
	dmas_engine_finish(e, scn_now(s));
	/* the read and the write, both after the loss */
	CHECK_STREQ(scn_ids(e),
		    "cpu-access-device-owned,cpu-access-device-owned");
	CHECK_EQ(scn_finding(e, "cpu-access-device-owned", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "cpu-access-device-owned", 1)->uncertain, 1);
	CHECK_EQ(dmas_engine_lost_by(e, DMAS_LOSS_RECURSION), 1);
	teardown(&h, s, e);
}

/*
 * Not too early either: events still held that are older than the last
 * read came before the loss, so it goes after them -- here the mapping,
 * which makes the access's evidence span the loss.  Placed first, before
 * the map, the access would have looked certain.
 */
TEST(reorder_loss_goes_after_held_events_older_than_the_read)
{
	struct dmas_engine *e;
	struct held h;
	uint32_t dev;
	struct scn *s = setup(&h, &e, &dev);
	uint64_t read;

	scn_map(s, dev, 0x2282c000, 4096, FROM);
	read = scn_now(s);
	scn_advance(s, 1000);
	stream_round(s, dev, false);
	lost_recursion(&h, 2, read, scn_now(s));
	flush_all(&h);
	CHECK_EQ(h.nkinds, 6);
	CHECK_EQ(h.kinds[0], DMAS_EV_DRIVER_BIND);
	CHECK_EQ(h.kinds[1], DMAS_EV_MAP);
	CHECK_EQ(h.kinds[2], DMAS_EV_LOST);
	dmas_engine_finish(e, scn_now(s));
	CHECK_EQ(scn_count(e, "cpu-access-device-owned"), 2);
	CHECK_EQ(scn_finding(e, "cpu-access-device-owned", 0)->uncertain, 1);
	teardown(&h, s, e);
}

/* A read older than what was handed on: right after it, never before. */
TEST(reorder_loss_never_goes_before_what_was_handed_on)
{
	struct dmas_engine *e;
	struct held h;
	uint32_t dev;
	struct scn *s = setup(&h, &e, &dev);
	uint64_t mid;

	scn_map(s, dev, 0x2282c000, 4096, FROM);
	mid = scn_now(s);
	scn_advance(s, 1000);
	scn_sync_for_cpu(s, dev, 0x2282c000, 4096, FROM);
	flush_until(&h, mid);
	CHECK_EQ(h.nkinds, 2);
	lost_recursion(&h, 1, 0, 0);
	flush_all(&h);
	CHECK_EQ(h.nkinds, 4);
	CHECK_EQ(h.kinds[0], DMAS_EV_DRIVER_BIND);
	CHECK_EQ(h.kinds[1], DMAS_EV_MAP);
	CHECK_EQ(h.kinds[2], DMAS_EV_LOST);
	CHECK_EQ(h.kinds[3], DMAS_EV_SYNC_FOR_CPU);
	teardown(&h, s, e);
}

/*
 * The loss is somewhere between two reads: a mapping made and misused
 * wholly inside that span may have lost its sync there, so its findings
 * are uncertain too; the same misuse after the span is certain.
 */
TEST(reorder_loss_span_covers_evidence_wholly_inside_it)
{
	struct dmas_engine *e;
	struct held h;
	uint32_t dev;
	struct scn *s = setup(&h, &e, &dev);
	uint64_t read;

	read = scn_now(s);
	scn_advance(s, 1000);
	scn_map(s, dev, 0x2282c000, 4096, FROM);
	stream_round(s, dev, false);
	lost_recursion(&h, 1, read, scn_now(s));
	scn_advance(s, 1000);
	scn_map(s, dev, 0x3000000, 4096, FROM);
	stream_round(s, dev, false);
	flush_all(&h);
	CHECK_EQ(h.kinds[1], DMAS_EV_LOST);
	dmas_engine_finish(e, scn_now(s));
	CHECK_EQ(scn_count(e, "cpu-access-device-owned"), 4);
	for (int i = 0; i < 4; i++) {
		const struct dmas_finding *f =
			scn_finding(e, "cpu-access-device-owned", i);

		/* inside the span: uncertain; after it: certain */
		CHECK_EQ(f->uncertain, f->addr == 0x2282c000);
	}
	teardown(&h, s, e);
}
