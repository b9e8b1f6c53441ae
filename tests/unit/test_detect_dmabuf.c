/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_dmabuf.c - dma-buf sharing and dma_fence: dmabuf-leak,
 * dmabuf-map-leak and fence-never-signalled each fire and stay silent, and
 * the exporter, importer and fence statistics count what happened.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL
#define BUF1 0xffff888002000000ULL /* struct dma_buf */
#define BUF2 0xffff888002001000ULL
#define ATT1 0xffff888003000000ULL /* struct dma_buf_attachment */
#define ATT2 0xffff888003001000ULL
#define F1 0xffff888004000000ULL /* struct dma_fence */
#define F2 0xffff888004000100ULL
#define SEC 1000000000ULL

struct rig {
	struct scn *s;
	struct dmas_engine *e;
	uint32_t gpu, cam; /* exporter, importer */
};

static void setup(struct rig *r, const struct dmas_engine_opts *o)
{
	r->s = scn_new_engine(o, &r->e);
	scn_session(r->s, true);
	r->gpu = scn_device(r->s, "0000:00:02.0", "", 0);
	r->cam = scn_device(r->s, "vdmac.0", "", 0);
	scn_bind(r->s, r->gpu, "i915");
	scn_bind(r->s, r->cam, "vdmac");
}

/* The whole sharing life: export, attach, map, unmap, detach, release. */
static void share(struct rig *r, uint64_t buf, uint64_t att, uint64_t size)
{
	scn_dmabuf_export(r->s, r->gpu, buf, size);
	scn_dmabuf_attach(r->s, r->cam, buf, att);
	scn_dmabuf_map(r->s, r->cam, buf, att, size, BIDI);
	scn_dmabuf_unmap(r->s, r->cam, buf, att, BIDI);
	scn_dmabuf_detach(r->s, r->cam, buf, att);
	scn_dmabuf_release(r->s, buf);
}

TEST(dmabuf_correct_sharing_is_silent_and_counted)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_dmabuf_stats st;
	const struct dmas_dev_stats *g, *c;
	struct rig r;

	setup(&r, &o);
	for (int i = 0; i < 10; i++)
		share(&r, BUF1 + i * 0x1000, ATT1 + i * 0x1000, 65536);
	/* an export that failed leaves nothing */
	scn_event(r.s, &(struct dmas_event){.kind = DMAS_EV_DMABUF_EXPORT,
					    .dev = r.gpu,
					    .aux = BUF2,
					    .size = 4096,
					    .flags = DMAS_F_ERROR});
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.exports, 10);
	CHECK_EQ(st.exported_bytes, 10 * 65536);
	CHECK_EQ(st.export_errors, 1);
	CHECK_EQ(st.releases, 10);
	CHECK_EQ(st.live, 0);
	CHECK_EQ(st.live_bytes, 0);
	CHECK_EQ(st.attaches, 10);
	CHECK_EQ(st.attached, 0);
	CHECK_EQ(st.maps, 10);
	CHECK_EQ(st.mapped, 0);
	CHECK_EQ(st.preexisting, 0);
	g = dmas_engine_dev_stats(r.e, r.gpu);
	c = dmas_engine_dev_stats(r.e, r.cam);
	CHECK_EQ(g->dmabuf_exports, 10);
	CHECK_EQ(g->dmabuf_exported_bytes, 10 * 65536);
	CHECK_EQ(g->dmabuf_live, 0);
	CHECK_EQ(c->dmabuf_exports, 0);
	CHECK_EQ(c->dmabuf_attaches, 10);
	CHECK_EQ(c->dmabuf_maps, 10);
	CHECK_EQ(c->dmabuf_mapped, 0);
	scn_free(r.s);
}

TEST(dmabuf_levels_follow_live_buffers)
{
	struct dmas_dmabuf_stats st;
	const struct dmas_dev_stats *g, *c;
	struct rig r;

	setup(&r, NULL);
	scn_dmabuf_export(r.s, r.gpu, BUF1, 8192);
	scn_dmabuf_export(r.s, r.gpu, BUF2, 4096);
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	g = dmas_engine_dev_stats(r.e, r.gpu);
	c = dmas_engine_dev_stats(r.e, r.cam);
	CHECK_EQ(g->dmabuf_live, 2);
	CHECK_EQ(g->dmabuf_live_bytes, 12288);
	CHECK_EQ(c->dmabuf_attached, 1);
	CHECK_EQ(c->dmabuf_mapped, 1);
	scn_dmabuf_release(r.s, BUF2);
	CHECK_EQ(g->dmabuf_live_bytes, 8192);
	/* left at the end, no --leaks-at-exit: no finding, still counted */
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.live, 1);
	CHECK_EQ(st.mapped, 1);
	scn_free(r.s);
}

TEST(dmabuf_leak_at_module_unload_and_exit)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	const struct dmas_finding *f;
	uint32_t mine, other;
	struct rig r;

	setup(&r, &o);
	mine = scn_stack(r.s, "dma_buf_export+0x0/0x300",
			 "vdmac_dmabuf_leak+0x20/0x200 [vdmac_leak]", NULL);
	other = scn_stack(r.s, "dma_buf_export+0x0/0x300",
			  "i915_gem_prime_export+0x40/0x100 [i915]", NULL);
	scn_use_stack(r.s, mine);
	scn_dmabuf_export(r.s, r.cam, BUF1, 16384);
	scn_use_stack(r.s, other);
	scn_dmabuf_export(r.s, r.gpu, BUF2, 4096);
	scn_use_stack(r.s, 0);
	scn_module_unload(r.s, "vdmac_leak");
	CHECK_STREQ(scn_ids(r.e), "dmabuf-leak");
	f = scn_finding(r.e, "dmabuf-leak", 0);
	CHECK_EQ(f->addr, BUF1);
	CHECK_EQ(f->size, 16384);
	CHECK_EQ(f->dev, r.cam);
	CHECK_EQ(f->map_stack, mine);
	CHECK(strstr(f->detail, "vdmac_leak") != NULL);
	/* the released one is gone: a late release is no finding */
	scn_dmabuf_release(r.s, BUF1);
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "dmabuf-leak,dmabuf-leak");
	CHECK_EQ(scn_finding(r.e, "dmabuf-leak", 1)->addr, BUF2);
	CHECK(strstr(scn_finding(r.e, "dmabuf-leak", 1)->detail,
		     "end of the session") != NULL);
	scn_free(r.s);
}

TEST(dmabuf_export_of_unknown_device_is_counted)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_dmabuf_stats st;
	struct rig r;

	setup(&r, &o);
	scn_dmabuf_export(r.s, 0, BUF1, 4096);
	scn_finish(r.s);
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.no_exporter, 1);
	CHECK_STREQ(scn_ids(r.e), "dmabuf-leak");
	CHECK_EQ(scn_finding(r.e, "dmabuf-leak", 0)->dev, 0);
	scn_free(r.s);
}

TEST(dmabuf_map_leak_at_detach_release_unbind)
{
	const struct dmas_finding *f;
	struct rig r;

	setup(&r, NULL);
	/* mapped, detached without an unmap */
	scn_dmabuf_export(r.s, r.gpu, BUF1, 8192);
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	scn_dmabuf_detach(r.s, r.cam, BUF1, ATT1);
	CHECK_STREQ(scn_ids(r.e), "dmabuf-map-leak");
	f = scn_finding(r.e, "dmabuf-map-leak", 0);
	CHECK_EQ(f->addr, ATT1);
	CHECK_EQ(f->dev, r.cam);
	CHECK_EQ(f->size, 8192);
	CHECK_EQ(f->dir, TO);
	CHECK(strstr(f->detail, "dma_buf_detach") != NULL);
	/* mapped, the buffer released under it */
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT2);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT2, 8192, TO);
	scn_dmabuf_release(r.s, BUF1);
	CHECK_EQ(scn_count(r.e, "dmabuf-map-leak"), 2);
	CHECK(strstr(scn_finding(r.e, "dmabuf-map-leak", 1)->detail,
		     "released") != NULL);
	/* mapped, the importing driver unbinds */
	scn_dmabuf_export(r.s, r.gpu, BUF2, 4096);
	scn_dmabuf_attach(r.s, r.cam, BUF2, ATT1);
	scn_dmabuf_map(r.s, r.cam, BUF2, ATT1, 4096, TO);
	scn_unbind(r.s, r.cam);
	CHECK_EQ(scn_count(r.e, "dmabuf-map-leak"), 3);
	CHECK_EQ(dmas_engine_dev_stats(r.e, r.cam)->dmabuf_mapped, 0);
	/* its detach afterwards is no second finding */
	scn_dmabuf_detach(r.s, r.cam, BUF2, ATT1);
	scn_finish(r.s);
	CHECK_EQ(scn_count(r.e, "dmabuf-map-leak"), 3);
	scn_free(r.s);
}

TEST(dmabuf_nested_maps_and_preexisting_are_silent)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_dmabuf_stats st;
	struct rig r;

	setup(&r, &o);
	scn_dmabuf_export(r.s, r.gpu, BUF1, 8192);
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	scn_dmabuf_unmap(r.s, r.cam, BUF1, ATT1, TO);
	scn_dmabuf_unmap(r.s, r.cam, BUF1, ATT1, TO);
	scn_dmabuf_detach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_release(r.s, BUF1);
	/* objects from before tracing */
	scn_dmabuf_unmap(r.s, r.cam, BUF2, ATT2, TO);
	scn_dmabuf_detach(r.s, r.cam, BUF2, ATT2);
	scn_dmabuf_release(r.s, BUF2);
	scn_fence(r.s, DMAS_EV_FENCE_SIGNALED, F2, 5, 9);
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.preexisting, 4);
	CHECK_EQ(st.mapped, 0);
	scn_free(r.s);
}

TEST(dmabuf_map_leak_at_module_unload_and_exit)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	uint32_t mine;
	struct rig r;

	setup(&r, &o);
	mine = scn_stack(r.s, "dma_buf_map_attachment+0x0/0x100",
			 "vdmac_dmabuf_import+0x20/0x200 [vdmac_leak]", NULL);
	scn_dmabuf_export(r.s, r.gpu, BUF1, 8192);
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_attach(r.s, r.gpu, BUF1, ATT2);
	scn_use_stack(r.s, mine);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	scn_use_stack(r.s, 0);
	scn_dmabuf_map(r.s, r.gpu, BUF1, ATT2, 8192, TO);
	scn_module_unload(r.s, "vdmac_leak");
	CHECK_STREQ(scn_ids(r.e), "dmabuf-map-leak");
	CHECK_EQ(scn_finding(r.e, "dmabuf-map-leak", 0)->addr, ATT1);
	CHECK_EQ(scn_finding(r.e, "dmabuf-map-leak", 0)->map_stack, mine);
	scn_finish(r.s);
	/* exit: the other mapping, then the buffer still exported */
	CHECK_STREQ(scn_ids(r.e),
		    "dmabuf-map-leak,dmabuf-map-leak,dmabuf-leak");
	CHECK_EQ(scn_finding(r.e, "dmabuf-map-leak", 1)->addr, ATT2);
	scn_free(r.s);
}

TEST(fence_signalled_is_silent_and_counted)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_dmabuf_stats st;
	struct rig r;

	setup(&r, &o);
	for (int i = 0; i < 5; i++) {
		scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 7, i);
		scn_fence(r.s, DMAS_EV_FENCE_EMIT, F1, 7, i);
		scn_fence(r.s, DMAS_EV_FENCE_WAIT_START, F1, 7, i);
		scn_advance(r.s, SEC);
		scn_fence(r.s, DMAS_EV_FENCE_SIGNALED, F1, 7, i);
		scn_fence(r.s, DMAS_EV_FENCE_WAIT_END, F1, 7, i);
		scn_fence(r.s, DMAS_EV_FENCE_DESTROY, F1, 7, i);
	}
	/* made and dropped unused on an error path: counted only */
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F2, 7, 99);
	scn_fence(r.s, DMAS_EV_FENCE_DESTROY, F2, 7, 99);
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.fences, 6);
	CHECK_EQ(st.fences_signalled, 5);
	CHECK_EQ(st.fences_dropped, 1);
	CHECK_EQ(st.fences_pending, 0);
	CHECK_EQ(st.fence_waits, 5);
	scn_free(r.s);
}

TEST(fence_never_signalled_after_timeout_once)
{
	struct dmas_engine_opts o = {.fence_timeout_ns = 2 * SEC};
	const struct dmas_finding *f;
	struct dmas_dmabuf_stats st;
	struct rig r;

	setup(&r, &o);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 42);
	scn_fence(r.s, DMAS_EV_FENCE_EMIT, F1, 3, 42);
	scn_advance(r.s, SEC);
	scn_idle(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	scn_advance(r.s, 2 * SEC);
	scn_idle(r.s);
	CHECK_STREQ(scn_ids(r.e), "fence-never-signalled");
	f = scn_finding(r.e, "fence-never-signalled", 0);
	CHECK_EQ(f->addr, F1);
	CHECK_EQ(f->dev, 0);
	CHECK(strstr(f->detail, "context 3, seqno 42") != NULL);
	CHECK(strstr(f->detail, "timeout") != NULL);
	/* destroyed later: reported already */
	scn_fence(r.s, DMAS_EV_FENCE_DESTROY, F1, 3, 42);
	scn_advance(r.s, 10 * SEC);
	scn_finish(r.s);
	CHECK_EQ(scn_count(r.e, "fence-never-signalled"), 1);
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.fences_pending, 0);
	scn_free(r.s);
}

TEST(fence_default_timeout_is_ten_seconds)
{
	struct rig r;

	setup(&r, NULL);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 1);
	scn_advance(r.s, 9 * SEC);
	scn_idle(r.s);
	CHECK_STREQ(scn_ids(r.e), "");
	scn_fence(r.s, DMAS_EV_FENCE_SIGNALED, F1, 3, 1);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F2, 3, 2);
	scn_advance(r.s, 11 * SEC);
	scn_idle(r.s);
	CHECK_STREQ(scn_ids(r.e), "fence-never-signalled");
	CHECK_EQ(scn_finding(r.e, "fence-never-signalled", 0)->addr, F2);
	scn_free(r.s);
}

TEST(fence_destroyed_unsignalled_after_wait_or_emit)
{
	struct rig r;

	setup(&r, NULL);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 1);
	scn_fence(r.s, DMAS_EV_FENCE_WAIT_START, F1, 3, 1);
	scn_fence(r.s, DMAS_EV_FENCE_WAIT_END, F1, 3, 1);
	scn_fence(r.s, DMAS_EV_FENCE_DESTROY, F1, 3, 1);
	CHECK_STREQ(scn_ids(r.e), "fence-never-signalled");
	CHECK(strstr(scn_finding(r.e, "fence-never-signalled", 0)->detail,
		     "waited on") != NULL);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 2);
	scn_fence(r.s, DMAS_EV_FENCE_EMIT, F1, 3, 2);
	scn_fence(r.s, DMAS_EV_FENCE_DESTROY, F1, 3, 2);
	CHECK_EQ(scn_count(r.e, "fence-never-signalled"), 2);
	scn_finish(r.s);
	CHECK_EQ(scn_count(r.e, "fence-never-signalled"), 2);
	scn_free(r.s);
}

TEST(fence_pending_at_module_unload_and_exit)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	uint32_t mine;
	struct rig r;

	setup(&r, NULL);
	mine = scn_stack(r.s, "dma_fence_init+0x0/0x100",
			 "vdmac_fence_plant+0x20/0x200 [vdmac_leak]", NULL);
	scn_use_stack(r.s, mine);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 1);
	scn_use_stack(r.s, 0);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F2, 4, 1);
	scn_module_unload(r.s, "vdmac_leak");
	CHECK_STREQ(scn_ids(r.e), "fence-never-signalled");
	CHECK_EQ(scn_finding(r.e, "fence-never-signalled", 0)->addr, F1);
	/* without --leaks-at-exit the other, young one stays unreported */
	scn_finish(r.s);
	CHECK_EQ(scn_count(r.e, "fence-never-signalled"), 1);
	scn_free(r.s);

	setup(&r, &o);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F2, 4, 1);
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "fence-never-signalled");
	CHECK(strstr(scn_finding(r.e, "fence-never-signalled", 0)->detail,
		     "end of the session") != NULL);
	scn_free(r.s);
}

TEST(dmabuf_device_filter_skips_deviceless_events)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true,
				     .device_filter = "vdmac.*"};
	struct dmas_dmabuf_stats st;
	struct rig r;

	setup(&r, &o);
	scn_fence(r.s, DMAS_EV_FENCE_INIT, F1, 3, 1);
	scn_dmabuf_export(r.s, r.gpu, BUF1, 4096);
	scn_dmabuf_export(r.s, r.cam, BUF2, 4096);
	scn_finish(r.s);
	CHECK_STREQ(scn_ids(r.e), "dmabuf-leak");
	CHECK_EQ(scn_finding(r.e, "dmabuf-leak", 0)->dev, r.cam);
	dmas_engine_dmabuf_stats(r.e, &st);
	CHECK_EQ(st.fences, 0);
	CHECK_EQ(st.exports, 1);
	scn_free(r.s);
}

/*
 * Exported, attached and mapped now are levels: a statistics window shows
 * them as they are at its end, not as what changed within it.
 */
TEST(dmabuf_levels_in_windows)
{
	struct dmas_engine_opts o = {.window_ns = 1000000}; /* 1 ms */
	const struct dmas_dev_stats *g, *c;
	struct rig r;

	setup(&r, &o);
	scn_dmabuf_export(r.s, r.gpu, BUF1, 8192);
	scn_dmabuf_attach(r.s, r.cam, BUF1, ATT1);
	scn_dmabuf_map(r.s, r.cam, BUF1, ATT1, 8192, TO);
	/* two quiet windows later: the last complete one saw no event */
	scn_advance(r.s, 2500000);
	scn_idle(r.s);
	g = dmas_engine_dev_window(r.e, r.gpu);
	c = dmas_engine_dev_window(r.e, r.cam);
	CHECK(g != NULL && c != NULL);
	CHECK_EQ(g->dmabuf_exports, 0);
	CHECK_EQ(g->dmabuf_live, 1);
	CHECK_EQ(g->dmabuf_live_bytes, 8192);
	CHECK_EQ(c->dmabuf_maps, 0);
	CHECK_EQ(c->dmabuf_attached, 1);
	CHECK_EQ(c->dmabuf_mapped, 1);
	scn_free(r.s);
}
