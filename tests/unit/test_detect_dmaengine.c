/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_dmaengine.c - dmaengine lifecycles: clean ones stay silent;
 * descriptors never issued, transfers that time out or fail, terminates
 * with transfers in flight and channels leaked at module unload are found.
 */
#include "scenario.h"
#include "testlib.h"

#define CHAN 0xffff888012340000ULL
#define CHAN2 0xffff888012350000ULL
#define SEC 1000000000ULL

static struct scn *setup(const struct dmas_engine_opts *o,
			 struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(o, e);

	scn_session(s, true);
	*dev = scn_device(s, "vdmac.0", "", 0);
	scn_bind(s, *dev, "vdmac");
	return s;
}

TEST(dmaengine_clean_lifecycle)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_chan_info *c;
	int i;

	scn_chan_request(s, dev, CHAN, 3, 0);
	for (i = 1; i <= 4; i++) {
		scn_desc_prep(s, dev, CHAN, 0, 0x1000 * i, 512, 0);
		scn_desc_submit(s, dev, CHAN, i);
	}
	scn_issue_pending(s, dev, CHAN);
	for (i = 1; i <= 4; i++) {
		scn_xfer_start(s, dev, CHAN, i);
		scn_xfer_complete(s, dev, CHAN, i);
	}
	scn_chan_release(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_channels(e), 1);
	c = dmas_engine_channel(e, 0);
	CHECK_EQ(c->id, CHAN);
	CHECK_EQ(c->provider, dev);
	CHECK_EQ(c->index, 3);
	CHECK_EQ(c->submitted, 4);
	CHECK_EQ(c->issued, 4);
	CHECK_EQ(c->completed, 4);
	CHECK_EQ(c->in_flight, 0);
	CHECK_EQ(c->pending, 0);
	CHECK_EQ(c->bytes, 2048);
	CHECK(c->released);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->xfers_submitted, 4);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->xfers_completed, 4);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->xfers_in_flight, 0);
	scn_free(s);
}

TEST(cookie_given_at_prep_is_matched)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_prep(s, dev, CHAN, 7, 0x1000, 64, 0);
	scn_desc_prep(s, dev, CHAN, 8, 0x2000, 64, 0);
	scn_desc_submit(s, dev, CHAN, 8);
	scn_desc_submit(s, dev, CHAN, 7);
	scn_issue_pending(s, dev, CHAN);
	scn_xfer_complete(s, dev, CHAN, 7);
	scn_xfer_complete(s, dev, CHAN, 8);
	scn_chan_release(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_channel(e, 0)->completed, 2);
	scn_free(s);
}

TEST(desc_never_issued_at_release_and_terminate)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	st = scn_stack(s, "client_submit+0x10/0x80 [vdmac_client]", NULL);
	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_chan_request(s, dev, CHAN2, 1, 0);
	scn_use_stack(s, st);
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_desc_prep(s, dev, CHAN2, 0, 0x2000, 256, 0);
	scn_desc_submit(s, dev, CHAN2, 1);
	scn_use_stack(s, 0);
	scn_chan_release(s, dev, CHAN);
	scn_terminate(s, dev, CHAN2);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "desc-never-issued,desc-never-issued");
	f = scn_finding(e, "desc-never-issued", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->size, 512);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->close_kind, DMAS_EV_CHAN_RELEASE);
	CHECK_EQ(f->uncertain, 0);
	CHECK_CONTAINS(f->detail, "released");
	f = scn_finding(e, "desc-never-issued", 1);
	CHECK_EQ(f->close_kind, DMAS_EV_TERMINATE);
	/* nothing was in flight: not a terminate-in-flight */
	scn_free(s);
}

TEST(desc_never_issued_after_timeout_and_at_finish)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_advance(s, 4 * SEC);
	scn_idle(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_advance(s, 2 * SEC);
	scn_idle(s);
	CHECK_STREQ(scn_ids(e), "desc-never-issued");
	/* reported once, even when it is released later */
	scn_chan_release(s, dev, CHAN);
	/* submitted 10 ms before the end: certain; 10 us before: not */
	scn_chan_request(s, dev, CHAN2, 1, 0);
	scn_desc_submit(s, dev, CHAN2, 5);
	scn_advance(s, 10000000);
	scn_desc_submit(s, dev, CHAN2, 6);
	scn_advance(s, 10000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "desc-never-issued,desc-never-issued,desc-never-issued");
	CHECK_EQ(scn_finding(e, "desc-never-issued", 1)->uncertain, 0);
	CHECK_EQ(scn_finding(e, "desc-never-issued", 2)->uncertain, 1);
	scn_free(s);
}

TEST(xfer_timeout)
{
	struct dmas_engine_opts o = {.xfer_timeout_ns = 2 * SEC};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);
	const struct dmas_finding *f;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_desc_prep(s, dev, CHAN, 0, 0x2000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 2);
	scn_issue_pending(s, dev, CHAN);
	scn_xfer_complete(s, dev, CHAN, 2);
	scn_advance(s, 3 * SEC);
	scn_idle(s);
	CHECK_STREQ(scn_ids(e), "xfer-timeout");
	f = scn_finding(e, "xfer-timeout", 0);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_CONTAINS(f->detail, "cookie 1");
	/* issued 1 s before the end, timeout 2 s: not yet a timeout */
	scn_desc_submit(s, dev, CHAN, 3);
	scn_issue_pending(s, dev, CHAN);
	scn_advance(s, 1 * SEC);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "xfer-timeout");
	CHECK_EQ(dmas_engine_channel(e, 0)->in_flight, 2);
	scn_free(s);
}

/*
 * Terminating a transfer already reported as timed out is what that
 * finding's fix says: folded into it, not terminate-in-flight.
 */
TEST(terminate_after_timeout_is_the_timeouts_consequence)
{
	struct dmas_engine_opts o = {.xfer_timeout_ns = 2 * SEC};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);
	const struct dmas_finding *f;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_issue_pending(s, dev, CHAN);
	scn_advance(s, 3 * SEC);
	scn_idle(s);
	scn_terminate(s, dev, CHAN);
	CHECK_STREQ(scn_ids(e), "xfer-timeout");
	f = scn_finding(e, "xfer-timeout", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(f->consequence, "then terminated on channel 0");
	/* one timed out, one fresh in flight: the fresh one counts */
	scn_desc_prep(s, dev, CHAN, 0, 0x2000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 2);
	scn_issue_pending(s, dev, CHAN);
	scn_advance(s, 3 * SEC);
	scn_idle(s);
	scn_desc_prep(s, dev, CHAN, 0, 0x3000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 3);
	scn_issue_pending(s, dev, CHAN);
	scn_terminate(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "xfer-timeout,xfer-timeout,terminate-in-flight");
	CHECK_CONTAINS(scn_finding(e, "terminate-in-flight", 0)->detail,
		       "with 1 transfer in flight");
	scn_free(s);
}

TEST(xfer_error)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_issue_pending(s, dev, CHAN);
	scn_xfer_error(s, dev, CHAN, 1, 2);
	scn_chan_release(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "xfer-error");
	f = scn_finding(e, "xfer-error", 0);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->size, 512);
	CHECK_CONTAINS(f->detail, "write failed");
	CHECK_EQ(dmas_engine_channel(e, 0)->errors, 1);
	CHECK_EQ(dmas_engine_channel(e, 0)->in_flight, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->xfers_failed, 1);
	scn_free(s);
}

/* Latency buckets: submission to completion, bounds inclusive, errors out. */
TEST(xfer_latency_buckets)
{
	static const uint64_t lat[] = {10000, 10001, 3000000, 2 * SEC};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_dev_stats *st;
	uint64_t n = 0;
	int i;

	scn_set_step(s, 0);
	scn_chan_request(s, dev, CHAN, 0, 0);
	for (i = 0; i < 4; i++) {
		scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
		scn_desc_submit(s, dev, CHAN, i + 1);
		scn_issue_pending(s, dev, CHAN);
		scn_advance(s, lat[i]);
		scn_xfer_complete(s, dev, CHAN, i + 1);
	}
	scn_desc_prep(s, dev, CHAN, 0, 0x1000, 512, 0);
	scn_desc_submit(s, dev, CHAN, 9);
	scn_issue_pending(s, dev, CHAN);
	scn_advance(s, 1000);
	scn_xfer_error(s, dev, CHAN, 9, 2);
	st = dmas_engine_dev_stats(e, dev);
	/* 10 us is the first bucket's bound; 3 ms lands in (2.5 ms, 5 ms] */
	CHECK_EQ(st->xfer_lat[0], 1);
	CHECK_EQ(st->xfer_lat[1], 1);
	CHECK_EQ(st->xfer_lat[7], 1);
	CHECK_EQ(dmas_xfer_lat_bounds_ns[7], 5000000);
	CHECK_EQ(st->xfer_lat[DMAS_XFER_LAT_BUCKETS - 1], 1);
	for (i = 0; i < DMAS_XFER_LAT_BUCKETS; i++)
		n += st->xfer_lat[i];
	CHECK_EQ(n, 4); /* the failed transfer is not timed */
	CHECK_EQ(st->xfer_lat_sum_ns, 10000 + 10001 + 3000000 + 2 * SEC);
	CHECK(st->last_event_ts > 2 * SEC);
	scn_free(s);
}

TEST(terminate_in_flight_once_per_terminate)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_desc_submit(s, dev, CHAN, 2);
	scn_issue_pending(s, dev, CHAN);
	scn_terminate(s, dev, CHAN);
	/* nothing in flight now */
	scn_terminate(s, dev, CHAN);
	scn_desc_submit(s, dev, CHAN, 3);
	scn_issue_pending(s, dev, CHAN);
	scn_xfer_complete(s, dev, CHAN, 3);
	scn_terminate(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "terminate-in-flight");
	CHECK_CONTAINS(scn_finding(e, "terminate-in-flight", 0)->detail,
		       "2 transfers in flight");
	CHECK_EQ(dmas_engine_channel(e, 0)->terminated, 3);
	scn_free(s);
}

TEST(channel_leak_at_client_module_unload)
{
	struct dmas_engine *e;
	uint32_t dev, st_client, st_other;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	st_client = scn_stack(s, "dma_request_chan+0x0/0x200",
			      "client_probe+0x30/0x100 [vdmac_client]", NULL);
	st_other = scn_stack(s, "other_probe+0x30/0x100 [other]", NULL);
	scn_use_stack(s, st_client);
	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_chan_request(s, dev, CHAN2, 1, 0);
	scn_use_stack(s, st_other);
	scn_chan_request(s, dev, 0xabc, 2, 0);
	scn_use_stack(s, 0);
	scn_chan_release(s, dev, CHAN2);
	scn_module_unload(s, "vdmac_client");
	scn_module_unload(s, "vdmac_client"); /* reported once */
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "channel-leak");
	f = scn_finding(e, "channel-leak", 0);
	CHECK_EQ(f->addr, CHAN);
	CHECK_EQ(f->map_stack, st_client);
	CHECK_EQ(f->map_kind, DMAS_EV_CHAN_REQUEST);
	CHECK_EQ(f->close_kind, DMAS_EV_MODULE_UNLOAD);
	scn_free(s);
}

TEST(channel_in_use_before_tracing_is_not_leaked)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	/* events on a channel requested before tracing began */
	scn_xfer_complete(s, dev, CHAN, 41);
	scn_desc_submit(s, dev, CHAN, 42);
	scn_issue_pending(s, dev, CHAN);
	scn_xfer_complete(s, dev, CHAN, 42);
	scn_module_unload(s, "vdmac_client");
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_channel(e, 0)->requested, 0);
	scn_free(s);
}

TEST(terminate_in_flight_uncertain_across_loss)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_issue_pending(s, dev, CHAN);
	scn_lost(s, 2); /* its completion may be among them */
	scn_terminate(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "terminate-in-flight");
	CHECK_EQ(scn_finding(e, "terminate-in-flight", 0)->uncertain, 1);
	scn_free(s);
}

TEST(chan_descs_lists_unfinished_oldest_first)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	struct dmas_desc_info di[4];
	uint64_t ts[6];
	int i;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_chan_request(s, dev, CHAN2, 1, 0);
	CHECK_EQ(dmas_engine_chan_descs(e, 0, di, 4), 0);
	for (i = 1; i <= 5; i++) {
		scn_desc_prep(s, dev, CHAN, 0, 0x1000 * i, 100 * i, 0);
		ts[i] = scn_now(s); /* the submit's time */
		scn_desc_submit(s, dev, CHAN, i);
		if (i == 3)
			scn_issue_pending(s, dev, CHAN);
	}
	/* prepared, not submitted: not listed */
	scn_desc_prep(s, dev, CHAN, 0, 0x9000, 999, 0);
	scn_xfer_complete(s, dev, CHAN, 2);
	scn_xfer_error(s, dev, CHAN, 4, 1);
	/* 1 and 3 issued, 5 only submitted; 2 done, 4 failed */
	CHECK_EQ(dmas_engine_chan_descs(e, 0, di, 4), 3);
	CHECK_EQ(di[0].cookie, 1);
	CHECK_EQ(di[0].size, 100);
	CHECK_EQ(di[0].submit_ts, ts[1]);
	CHECK(di[0].issued);
	CHECK_EQ(di[1].cookie, 3);
	CHECK_EQ(di[1].size, 300);
	CHECK(di[1].issued);
	CHECK_EQ(di[2].cookie, 5);
	CHECK_EQ(di[2].submit_ts, ts[5]);
	CHECK(!di[2].issued);
	/* fewer slots than descriptors: the oldest, and the full count */
	memset(di, 0, sizeof(di));
	CHECK_EQ(dmas_engine_chan_descs(e, 0, di, 1), 3);
	CHECK_EQ(di[0].cookie, 1);
	CHECK_EQ(di[1].cookie, 0);
	CHECK_EQ(dmas_engine_chan_descs(e, 0, NULL, 0), 3);
	CHECK_EQ(dmas_engine_chan_descs(e, 1, di, 4), 0);
	CHECK_EQ(dmas_engine_chan_descs(e, 2, di, 4), 0);
	CHECK_EQ(dmas_engine_channel(e, 0)->completed_bytes, 200);
	scn_xfer_complete(s, dev, CHAN, 1);
	CHECK_EQ(dmas_engine_channel(e, 0)->completed_bytes, 300);
	CHECK_EQ(dmas_engine_chan_descs(e, 0, di, 4), 2);
	CHECK_EQ(di[0].cookie, 3);
	/* terminate drops what is left */
	scn_terminate(s, dev, CHAN);
	CHECK_EQ(dmas_engine_chan_descs(e, 0, di, 4), 0);
	scn_free(s);
}
