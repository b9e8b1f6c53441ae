/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_latency.c - per-channel transfer latency (submit->start,
 * start->complete, submit->complete quantiles) and the latency budget:
 * transfers over it make one xfer-over-budget per channel with the count
 * and the slowest; within it, or with no budget, nothing is reported.
 */
#include "scenario.h"
#include "testlib.h"

#define CHAN 0xffff888012340000ULL
#define CHAN2 0xffff888012350000ULL
#define US 1000ULL
#define MS 1000000ULL

static struct scn *setup(const struct dmas_engine_opts *o,
			 struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(o, e);

	scn_session(s, true);
	*dev = scn_device(s, "vdmac.0", "", 0);
	scn_bind(s, *dev, "vdmac");
	scn_set_step(s, 0);
	return s;
}

/* One transfer: queued q ns after submission, running r ns. */
static void xfer(struct scn *s, uint32_t dev, uint64_t chan, uint64_t cookie,
		 uint64_t q, uint64_t r, bool start)
{
	scn_desc_prep(s, dev, chan, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, chan, cookie);
	scn_issue_pending(s, dev, chan);
	scn_advance(s, q);
	if (start)
		scn_xfer_start(s, dev, chan, cookie);
	scn_advance(s, r);
	scn_xfer_complete(s, dev, chan, cookie);
}

/* One transfer on CHAN that fails ns after its submission. */
static void failed_xfer(struct scn *s, uint32_t dev, uint64_t cookie,
			uint64_t ns)
{
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, cookie);
	scn_issue_pending(s, dev, CHAN);
	scn_advance(s, ns);
	scn_xfer_error(s, dev, CHAN, cookie, 2);
}

TEST(latency_quantiles_per_phase)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	struct dmas_lat_summary q, r, t;
	int i;

	scn_chan_request(s, dev, CHAN, 0, 0);
	/* 98 transfers of 10 us + 100 us, then two slow ones */
	for (i = 1; i <= 98; i++)
		xfer(s, dev, CHAN, i, 10 * US, 100 * US, true);
	xfer(s, dev, CHAN, 99, 2 * MS, 100 * US, true);
	xfer(s, dev, CHAN, 100, 10 * US, 7 * MS, true);
	scn_chan_release(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	dmas_engine_chan_latency(e, 0, DMAS_LAT_SUBMIT_START, &q);
	dmas_engine_chan_latency(e, 0, DMAS_LAT_START_COMPLETE, &r);
	dmas_engine_chan_latency(e, 0, DMAS_LAT_SUBMIT_COMPLETE, &t);
	CHECK_EQ(q.count, 100);
	CHECK_EQ(r.count, 100);
	CHECK_EQ(t.count, 100);
	CHECK_EQ(q.max_ns, 2 * MS);
	CHECK_EQ(r.max_ns, 7 * MS);
	CHECK_EQ(t.max_ns, 7 * MS + 10 * US);
	CHECK_EQ(q.sum_ns, 99 * 10 * US + 2 * MS);
	/* quantiles: the bucket's top, within 12.5% above the true value */
	CHECK(q.p50_ns >= 10 * US && q.p50_ns <= 10 * US + 10 * US / 8);
	CHECK(r.p50_ns >= 100 * US && r.p50_ns <= 100 * US + 100 * US / 8);
	CHECK(t.p50_ns >= 110 * US && t.p50_ns <= 110 * US + 110 * US / 8);
	/* p99 is the 99th of 100: one of the two slow ones */
	CHECK(q.p99_ns >= 10 * US && q.p99_ns <= 10 * US + 10 * US / 8);
	CHECK(t.p99_ns >= 2 * MS + 100 * US &&
	      t.p99_ns <= (2 * MS + 100 * US) * 9 / 8);
	CHECK_EQ(dmas_engine_channel(e, 0)->worst_ns, 7 * MS + 10 * US);
	CHECK_EQ(dmas_engine_channel(e, 0)->over_budget, 0);
	scn_free(s);
}

/* A provider without XFER_START: only submit->complete is measured. */
TEST(latency_without_start_events)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	struct dmas_lat_summary q, t;

	scn_chan_request(s, dev, CHAN, 0, 0);
	xfer(s, dev, CHAN, 1, 30 * US, 20 * US, false);
	/* a failed transfer is not timed */
	failed_xfer(s, dev, 2, 9 * MS);
	scn_finish(s);
	dmas_engine_chan_latency(e, 0, DMAS_LAT_SUBMIT_START, &q);
	dmas_engine_chan_latency(e, 0, DMAS_LAT_SUBMIT_COMPLETE, &t);
	CHECK_EQ(q.count, 0);
	CHECK_EQ(q.p99_ns, 0);
	CHECK_EQ(t.count, 1);
	CHECK_EQ(t.max_ns, 50 * US);
	CHECK_EQ(t.p50_ns, 50 * US); /* clamped to the largest seen */
	CHECK_EQ(t.p99_ns, 50 * US);
	/* an unknown channel or phase reads as nothing */
	dmas_engine_chan_latency(e, 5, DMAS_LAT_SUBMIT_COMPLETE, &t);
	CHECK_EQ(t.count, 0);
	dmas_engine_chan_latency(e, 0, DMAS_LAT_PHASES, &t);
	CHECK_EQ(t.count, 0);
	CHECK_STREQ(dmas_lat_phase_names[DMAS_LAT_START_COMPLETE],
		    "start_to_complete");
	scn_free(s);
}

TEST(xfer_over_budget_one_finding_per_channel)
{
	struct dmas_engine_opts o = {.latency_budget_ns = 1 * MS};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);
	const struct dmas_finding *f;
	int i;

	scn_chan_request(s, dev, CHAN, 2, 0);
	scn_chan_request(s, dev, CHAN2, 3, 0);
	/* exactly the budget is within it */
	xfer(s, dev, CHAN, 1, 500 * US, 500 * US, true);
	for (i = 0; i < 1000; i++)
		xfer(s, dev, CHAN, 10 + i, 100 * US, 1 * MS + i * US, true);
	xfer(s, dev, CHAN, 5000, 0, 100 * US, true);
	xfer(s, dev, CHAN2, 1, 4 * MS, 0, false);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "xfer-over-budget,xfer-over-budget");
	f = scn_finding(e, "xfer-over-budget", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK_EQ(f->size, 512);
	CHECK_EQ(f->close_kind, DMAS_EV_XFER_COMPLETE);
	CHECK_CONTAINS(f->detail, "1000 transfers on channel 2");
	CHECK_CONTAINS(f->detail, "over the 1.000 ms budget");
	/* the slowest: 100 us + 1 ms + 999 us, the last of the loop */
	CHECK_CONTAINS(f->detail, "slowest 2.099 ms (cookie 1009)");
	CHECK_EQ(dmas_engine_channel(e, 0)->over_budget, 1000);
	f = scn_finding(e, "xfer-over-budget", 1);
	CHECK_CONTAINS(f->detail, "1 transfer on channel 3");
	CHECK_CONTAINS(f->detail, "slowest 4.000 ms (cookie 1)");
	CHECK_EQ(dmas_engine_channel(e, 1)->over_budget, 1);
	scn_free(s);
}

TEST(xfer_within_budget_or_no_budget_is_silent)
{
	struct dmas_engine_opts o = {.latency_budget_ns = 5 * MS};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	xfer(s, dev, CHAN, 1, 1 * MS, 4 * MS, true);
	/* a slow transfer that failed is xfer-error's, not the budget's */
	failed_xfer(s, dev, 2, 9 * MS);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "xfer-error");
	CHECK_EQ(dmas_engine_channel(e, 0)->over_budget, 0);
	scn_free(s);

	s = setup(NULL, &e, &dev);
	scn_chan_request(s, dev, CHAN, 0, 0);
	xfer(s, dev, CHAN, 1, 1 * MS, 900 * MS, true);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_channel(e, 0)->worst_ns, 901 * MS);
	scn_free(s);
}
