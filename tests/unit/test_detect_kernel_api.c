/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_kernel_api.c - the DMA API changes of newer kernels: the IOVA
 * API (ranges, links, misuse, leaks, NUMA), dma_need_unmap() letting a
 * driver skip unmaps, sync elision, frees from a device's own coherent
 * area, and losses the kernel counted.  Each rule fires and stays silent.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL
#define GB (1ULL << 30)
#define CHAN 0xffff888012340000ULL
#define ST1 0xffff888001000100ULL /* a dma_iova_state in a request */
#define ST2 0xffff888001000200ULL
#define IOVA 0xfff00000ULL

static struct scn *setup(const struct dmas_engine_opts *o,
			 struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(o, e);

	scn_session(s, true);
	scn_mem_range(s, 0, GB, 0);
	scn_mem_range(s, GB, 2 * GB, 1);
	/* node 0: the buffers below are local unless a test says */
	*dev = scn_device(s, "0000:10:00.0", "", 0);
	scn_bind(s, *dev, "nvme");
	return s;
}

/* nvme's read: one range, two segments linked, synced, destroyed */
static void nvme_io(struct scn *s, uint32_t dev, uint64_t state, uint64_t base,
		    uint64_t phys)
{
	scn_iova_alloc(s, dev, state, base, 8192);
	scn_iova_link(s, dev, state, base, 4096, FROM, phys);
	scn_iova_link(s, dev, state, base + 4096, 4096, FROM, phys + 0x10000);
	scn_iova_sync(s, dev, state, base, 8192);
	scn_iova_destroy(s, dev, state, base, 8192, FROM);
}

TEST(iova_correct_use_is_silent_and_counted)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_dev_stats *st;

	for (int i = 0; i < 20; i++)
		nvme_io(s, dev, ST1, IOVA + i * 0x10000,
			0x100000 + i * 0x20000);
	/* unlink in parts, then free */
	scn_iova_alloc(s, dev, ST2, IOVA, 16384);
	scn_iova_link(s, dev, ST2, IOVA, 8192, TO, 0x800000);
	scn_iova_link(s, dev, ST2, IOVA + 8192, 8192, TO, 0x802000);
	scn_iova_unlink(s, dev, ST2, IOVA + 8192, 8192, TO);
	scn_iova_unlink(s, dev, ST2, IOVA, 8192, TO);
	scn_iova_free(s, dev, ST2, IOVA);
	/* a failed alloc: the driver falls back to dma_map_* */
	scn_iova_alloc_fail(s, dev, ST1, 4096);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	st = dmas_engine_dev_stats(e, dev);
	CHECK_EQ(st->iova_ranges, 21);
	CHECK_EQ(st->maps[FROM], 40);
	CHECK_EQ(st->map_bytes[FROM], 40 * 4096);
	CHECK_EQ(st->maps[TO], 2);
	CHECK_EQ(st->unmaps, 42);
	CHECK_EQ(st->outstanding, 0);
	CHECK_EQ(st->outstanding_bytes, 0);
	CHECK_EQ(st->local_bytes, 40 * 4096 + 16384);
	CHECK_EQ(st->remote_bytes, 0);
	scn_free(s);
}

TEST(iova_leak_at_unbind_names_the_range)
{
	struct dmas_engine *e;
	uint32_t dev, stk;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	stk = scn_stack(s, "dma_iova_try_alloc+0x0/0x100",
			"blk_rq_dma_map_iter_start+0x20/0x200",
			"nvme_map_data+0x40/0x300 [nvme]", NULL);
	scn_use_stack(s, stk);
	scn_iova_alloc(s, dev, ST1, IOVA, 8192);
	scn_use_stack(s, 0);
	scn_iova_link(s, dev, ST1, IOVA, 4096, FROM, 0x100000);
	nvme_io(s, dev, ST2, IOVA + 0x100000, 0x200000);
	scn_unbind(s, dev);
	/* the range's late free is the leak's end, not a second finding */
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind");
	f = scn_finding(e, "leak-at-unbind", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, IOVA);
	CHECK_EQ(f->size, 8192);
	CHECK_EQ(f->map_kind, DMAS_EV_IOVA_ALLOC);
	CHECK_EQ(f->map_stack, stk);
	CHECK_EQ(f->close_kind, DMAS_EV_DRIVER_UNBIND);
	CHECK_EQ(f->uncertain, 0);
	CHECK_CONTAINS(f->detail, "with 1 links (4096 bytes) still linked");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	scn_free(s);
}

TEST(iova_leak_at_module_unload_and_exit)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_engine *e;
	uint32_t dev, mine, other;
	struct scn *s = setup(&o, &e, &dev);

	mine = scn_stack(s, "dma_iova_try_alloc+0x0/0x100",
			 "vdmac_iova_leak+0x20/0x200 [vdmac_leak]", NULL);
	other = scn_stack(s, "dma_iova_try_alloc+0x0/0x100",
			  "nvme_map_data+0x40/0x300 [nvme]", NULL);
	scn_use_stack(s, mine);
	scn_iova_alloc(s, dev, ST1, IOVA, 4096);
	scn_use_stack(s, other);
	scn_iova_alloc(s, dev, ST2, IOVA + 0x10000, 4096);
	scn_use_stack(s, 0);
	scn_module_unload(s, "vdmac_leak");
	CHECK_STREQ(scn_ids(e), "leak-at-module-unload");
	CHECK_EQ(scn_finding(e, "leak-at-module-unload", 0)->addr, IOVA);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-module-unload,leak-at-exit");
	CHECK_EQ(scn_finding(e, "leak-at-exit", 0)->addr, IOVA + 0x10000);
	scn_free(s);
}

static int first_outstanding(const struct dmas_mapping_info *m, void *ctx)
{
	*(struct dmas_mapping_info *)ctx = *m;
	return 1;
}

TEST(iova_left_allocated_at_exit_is_no_finding_by_default)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	struct dmas_mapping_info mi = {0};

	scn_iova_alloc(s, dev, ST1, IOVA, 8192);
	scn_iova_link(s, dev, ST1, IOVA + 4096, 4096, TO, 0x100000);
	scn_map(s, dev, 0x10000, 4096, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	/* the link is listed as outstanding, oldest first */
	CHECK_EQ(dmas_engine_nr_outstanding(e), 2);
	CHECK_EQ(dmas_engine_foreach_outstanding(e, first_outstanding, &mi), 1);
	CHECK_EQ(mi.kind, DMAS_EV_IOVA_LINK);
	CHECK_EQ(mi.addr, IOVA + 4096);
	CHECK_EQ(mi.size, 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 2);
	scn_free(s);
}

TEST(iova_misuse_fires)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	scn_iova_alloc(s, dev, ST1, IOVA, 8192);
	/* past the end of the allocation */
	scn_iova_link(s, dev, ST1, IOVA + 4096, 8192, TO, 0x100000);
	CHECK_STREQ(scn_ids(e), "iova-misuse");
	f = scn_finding(e, "iova-misuse", 0);
	CHECK_CONTAINS(
		f->detail,
		"dma_iova_link outside the allocation: 8192 bytes at +4096 of a 8192-byte");
	CHECK_EQ(f->close_kind, DMAS_EV_IOVA_LINK);
	CHECK_EQ(f->map_kind, DMAS_EV_IOVA_ALLOC);
	/* over bytes already linked */
	scn_iova_link(s, dev, ST1, IOVA, 4096, TO, 0x100000);
	scn_iova_link(s, dev, ST1, IOVA + 2048, 4096, TO, 0x100000);
	CHECK_EQ(scn_count(e, "iova-misuse"), 2);
	CHECK_CONTAINS(scn_finding(e, "iova-misuse", 1)->detail,
		       "over bytes already linked");
	/* unlink of a range never linked */
	scn_iova_unlink(s, dev, ST1, IOVA + 4096, 4096, TO);
	CHECK_EQ(scn_count(e, "iova-misuse"), 3);
	CHECK_CONTAINS(scn_finding(e, "iova-misuse", 2)->detail,
		       "dma_iova_unlink of bytes never linked (4096 of them)");
	/* an unlink that cuts a link */
	scn_iova_unlink(s, dev, ST1, IOVA, 2048, TO);
	CHECK_EQ(scn_count(e, "iova-misuse"), 4);
	CHECK_CONTAINS(scn_finding(e, "iova-misuse", 3)->detail,
		       "cuts the 4096-byte link at +0");
	/* free with the link still there */
	scn_iova_free(s, dev, ST1, IOVA);
	CHECK_EQ(scn_count(e, "iova-misuse"), 5);
	CHECK_CONTAINS(scn_finding(e, "iova-misuse", 4)->detail,
		       "dma_iova_free with links outstanding: 4096 bytes");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	/* the range is gone: a call on it names the state */
	scn_iova_unlink(s, dev, ST1, IOVA, 4096, TO);
	CHECK_EQ(scn_count(e, "iova-misuse"), 6);
	CHECK_CONTAINS(
		scn_finding(e, "iova-misuse", 5)->detail,
		"dma_iova_unlink of an IOVA range that is not allocated");
	CHECK_EQ(scn_finding(e, "iova-misuse", 5)->uncertain, 0);
	scn_finish(s);
	scn_free(s);
}

TEST(iova_destroy_with_links_past_mapped_len_fires)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_iova_alloc(s, dev, ST1, IOVA, 16384);
	scn_iova_link(s, dev, ST1, IOVA, 4096, FROM, 0x100000);
	scn_iova_link(s, dev, ST1, IOVA + 4096, 4096, FROM, 0x101000);
	scn_iova_link(s, dev, ST1, IOVA + 8192, 4096, FROM, 0x102000);
	/* the driver passed the first link's length only */
	scn_iova_destroy(s, dev, ST1, IOVA, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "iova-misuse");
	CHECK_CONTAINS(
		scn_finding(e, "iova-misuse", 0)->detail,
		"left links outstanding past mapped_len: 8192 bytes at +4096");
	/* the range is gone with its links */
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	scn_free(s);
}

TEST(iova_state_reused_without_free_fires)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_iova_alloc(s, dev, ST1, IOVA, 4096);
	scn_iova_alloc(s, dev, ST1, IOVA + 0x10000, 4096);
	scn_iova_free(s, dev, ST1, IOVA + 0x10000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "iova-misuse");
	CHECK_EQ(scn_finding(e, "iova-misuse", 0)->addr, IOVA);
	CHECK_CONTAINS(scn_finding(e, "iova-misuse", 0)->detail,
		       "whose range was never freed");
	scn_free(s);
}

TEST(iova_preexisting_range_is_counted_not_reported)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	scn_session(s, false);
	dev = scn_device_flags(s, "0000:10:00.0", "nvme", 1,
			       DMAS_DEVF_BOUND_BEFORE);
	scn_iova_destroy(s, dev, ST1, IOVA, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->preexisting, 1);
	scn_free(s);
}

TEST(iova_remote_links_are_numa_findings)
{
	struct dmas_engine *e;
	uint32_t dev, stk;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	stk = scn_stack(s, "dma_iova_link+0x0/0x100",
			"blk_rq_dma_map_iter_next+0x20/0x200",
			"nvme_map_data+0x40/0x300 [nvme]", NULL);
	scn_use_stack(s, stk);
	for (int i = 0; i < 8; i++) {
		uint64_t st = ST1 + i * 0x100, base = IOVA + i * 0x10000;

		scn_iova_alloc(s, dev, st, base, 4096);
		/* node 1 memory, the device is on node 0 */
		scn_iova_link(s, dev, st, base, 4096, FROM, GB + i * 4096);
		scn_iova_destroy(s, dev, st, base, 4096, FROM);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_kind, DMAS_EV_IOVA_LINK);
	CHECK_EQ(f->addr, IOVA);
	CHECK_EQ(f->map_stack, stk);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 8 * 4096);
	scn_free(s);
}

TEST(skipped_unmap_is_no_leak_when_the_kernel_allowed_it)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true,
				     .leak_age_ns = 1000000};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);

	scn_need_unmap(s, dev, false);
	CHECK(dmas_engine_device_by_id(e, dev)->flags & DMAS_DEVF_NO_UNMAP);
	/* blk_rq_dma_unmap skips these */
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_map_sg(s, dev, 0xffff888000001000ULL, 2, 2, 0x20000, 8192, TO);
	scn_map(s, dev, 0x30000, 4096, TO);
	scn_advance(s, 5000000);
	scn_idle(s);
	/* coherent memory must still be freed */
	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind");
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 0)->map_kind,
		 DMAS_EV_ALLOC_COHERENT);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->unmap_skipped, 3);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	scn_free(s);
}

TEST(skipped_unmap_leaks_when_the_kernel_wants_unmaps)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_need_unmap(s, dev, false);
	scn_need_unmap(s, dev, true);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->unmap_skipped, 0);
	scn_free(s);
}

/* a CPU access and a transfer that would prove missing syncs */
static void ownership_bugs(struct scn *s, uint32_t dev)
{
	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 1, 0x10000, 4096, FROM);
	scn_cpu_access(s, dev, 0x10000, 64, false);
	scn_map(s, dev, 0x20000, 4096, TO);
	scn_sync_for_cpu(s, dev, 0x20000, 4096, TO);
	scn_cpu_access(s, dev, 0x20000, 64, true);
	scn_transfer(s, dev, CHAN, 2, 0x20000, 4096, TO);
}

TEST(sync_elided_device_gets_no_missing_sync_findings)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	scn_session(s, true);
	dev = scn_device_flags(s, "vdmac.0", "", 0, DMAS_DEVF_SYNC_ELIDED);
	scn_bind(s, dev, "vdmac");
	ownership_bugs(s, dev);
	/* what is seen is still checked */
	scn_sync_for_cpu(s, dev, 0x20000, 8192, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "sync-out-of-range");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->sync_unchecked, 2);
	scn_free(s);
}

/*
 * vdmac's good rx ring on a kernel that elides its syncs: the CPU reads
 * each buffer after a sync_for_cpu no hook sees and hands it back after a
 * sync_for_device no hook sees.  Nothing is reported; each check not made
 * is counted, so the report can say the device was not checked.
 */
TEST(sync_elided_good_ring_is_silent_and_says_unchecked)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;
	int i;

	scn_session(s, true);
	dev = scn_device_flags(s, "vdmac.0", "", 0, DMAS_DEVF_SYNC_ELIDED);
	scn_bind(s, dev, "vdmac");
	scn_map(s, dev, 0x40000, 4096, FROM);
	for (i = 0; i < 3; i++) {
		scn_transfer(s, dev, CHAN, 10 + i, 0x40000, 4096, FROM);
		scn_cpu_access(s, dev, 0x40000, 64, false);
	}
	scn_unmap(s, dev, 0x40000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK(dmas_engine_dev_stats(e, dev)->sync_unchecked >= 3);
	scn_free(s);
}

TEST(sync_elision_event_turns_the_checks_off_and_on)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_sync_elision(s, dev, true);
	CHECK(dmas_engine_device_by_id(e, dev)->flags & DMAS_DEVF_SYNC_ELIDED);
	ownership_bugs(s, dev);
	CHECK_STREQ(scn_ids(e), "");
	/* swiotlb started bouncing for it: syncs reach the hooks again */
	scn_sync_elision(s, dev, false);
	scn_map(s, dev, 0x30000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 3, 0x30000, 4096, FROM);
	scn_cpu_access(s, dev, 0x30000, 64, false);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "cpu-access-device-owned");
	scn_free(s);
}

TEST(sync_checks_fire_on_a_device_that_needs_syncs)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	ownership_bugs(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "cpu-access-device-owned,missing-sync-for-device");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->sync_unchecked, 0);
	scn_free(s);
}

TEST(dev_coherent_free_releases_the_allocation)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_dev_coherent_free(s, dev, 0x40000, 4096);
	/* a second free through the pool is one too many */
	scn_alloc_coherent(s, dev, 0x50000, 4096);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind");
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 0)->addr, 0x50000);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->coherent_bytes, 0);
	scn_free(s);
}

TEST(dev_coherent_free_of_nothing_fires)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_dev_coherent_free(s, dev, 0x40000, 4096);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "free-not-allocated");
	scn_free(s);
}

TEST(kernel_counted_losses_are_lost_events_by_reason)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);

	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_lost_reason(s, 3, DMAS_LOSS_RECURSION);
	scn_lost_reason(s, 2, DMAS_LOSS_KRETPROBE);
	scn_lost_reason(s, 1, DMAS_LOSS_RING);
	/* a reason newer than the engine: in the total only */
	scn_lost_reason(s, 4, 77);
	scn_map(s, dev, 0x20000, 4096, FROM);
	scn_finish(s);
	CHECK_EQ(dmas_engine_lost(e), 10);
	CHECK_EQ(dmas_engine_lost_by(e, DMAS_LOSS_RECURSION), 3);
	CHECK_EQ(dmas_engine_lost_by(e, DMAS_LOSS_KRETPROBE), 2);
	CHECK_EQ(dmas_engine_lost_by(e, DMAS_LOSS_RING), 1);
	CHECK_STREQ(scn_ids(e), "leak-at-exit,leak-at-exit");
	/* the unmap may have been among the lost events */
	CHECK_EQ(scn_finding(e, "leak-at-exit", 0)->uncertain, 1);
	/* made after the loss: nothing was missed since */
	CHECK_EQ(scn_finding(e, "leak-at-exit", 1)->uncertain, 0);
	scn_free(s);
}
