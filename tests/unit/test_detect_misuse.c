/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_misuse.c - releases and syncs checked against what was
 * mapped: not mapped, double unmap, size/direction mismatches, sync range
 * and direction, coherent/streaming mix-ups, pre-existing mappings, lost
 * events, map errors.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL

/* A device whose driver bound inside the trace: every mapping is known. */
static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, false);
	*dev = scn_device(s, "0000:01:00.0", "", 0);
	scn_bind(s, *dev, "nicdrv");
	return s;
}

TEST(unmap_not_mapped_after_bind)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	st = scn_stack(s, "nic_clean_tx+0x20/0x100 [nicdrv]", NULL);
	scn_use_stack(s, st);
	scn_unmap(s, dev, 0xdead000, 1500, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	f = scn_finding(e, "unmap-not-mapped", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0xdead000);
	CHECK_EQ(f->size, 1500);
	CHECK_EQ(f->dir, TO);
	CHECK_EQ(f->uncertain, 0);
	CHECK_EQ(f->close_stack, st);
	CHECK_EQ(f->close_kind, DMAS_EV_UNMAP);
	CHECK_EQ(f->map_kind, 0);
	scn_free(s);
}

TEST(preexisting_mappings_are_not_bugs)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t before, nobind, boot;

	/* traced from boot: only devices flagged bound-before are exempt */
	scn_session(s, true);
	before = scn_device_flags(s, "0000:01:00.0", "e1000e", 0,
				  DMAS_DEVF_BOUND_BEFORE);
	boot = scn_device(s, "0000:02:00.0", "nvme", 0);
	scn_unmap(s, before, 0x1000, 2048, FROM);
	scn_sync_for_cpu(s, before, 0x2000, 64, FROM);
	scn_free_coherent(s, before, 0x3000, 4096);
	scn_unmap_sg(s, before, 0xffff888000000100ULL, 2, 8192, TO);
	scn_pool_free(s, before, 0x5, 0x6000, 64);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, before)->preexisting, 5);
	scn_unmap(s, boot, 0x1000, 2048, FROM);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	scn_free(s);

	/* not traced from boot: no bind seen means the driver predates us */
	s = scn_new_engine(NULL, &e);
	scn_session(s, false);
	nobind = scn_device(s, "0000:03:00.0", "ahci", 0);
	scn_unmap(s, nobind, 0x1000, 2048, FROM);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, nobind)->preexisting, 1);
	/* ...until its driver binds again inside the trace */
	scn_unbind(s, nobind);
	scn_bind(s, nobind, "ahci");
	scn_unmap(s, nobind, 0x2000, 2048, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->addr, 0x2000);
	scn_free(s);
}

/*
 * A device registered while tracing (DMAS_DEVF_ADDED), with or without a
 * driver, has nothing from before: every unknown release on it is a
 * finding.  A device merely seen first without a driver is not.
 */
TEST(device_added_while_tracing_has_no_preexisting_mappings)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t added, seen;

	scn_session(s, false);
	added = scn_device_flags(s, "vdmac-late", "", -1, DMAS_DEVF_ADDED);
	seen = scn_device(s, "0000:03:00.0", "", 0);
	scn_unmap(s, added, 0x1000, 2048, FROM);
	scn_sync_for_cpu(s, added, 0x2000, 64, FROM);
	scn_free_coherent(s, added, 0x3000, 4096);
	scn_pool_free(s, added, 0x5, 0x6000, 64);
	scn_unmap_sg(s, added, 0xffff888000000100ULL, 2, 8192, TO);
	/* the control: no add, no bind in the trace */
	scn_unmap(s, seen, 0x1000, 2048, FROM);
	scn_sync_for_cpu(s, seen, 0x2000, 64, FROM);
	scn_free_coherent(s, seen, 0x3000, 4096);
	scn_remove(s, added);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"unmap-not-mapped,sync-not-mapped,free-not-allocated,free-not-allocated,unmap-not-mapped");
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->dev, added);
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->addr, 0x1000);
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 0)->addr, 0x2000);
	CHECK_EQ(dmas_engine_dev_stats(e, added)->preexisting, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, seen)->preexisting, 3);
	scn_free(s);
}

TEST(preexisting_released_twice_is_double_unmap)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	scn_session(s, false);
	dev = scn_device_flags(s, "0000:01:00.0", "e1000e", 0,
			       DMAS_DEVF_BOUND_BEFORE);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "double-unmap");
	scn_free(s);
}

TEST(double_unmap)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x1000, 2048, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	/* mapped again at the same address: fine again */
	scn_map(s, dev, 0x1000, 2048, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "double-unmap");
	f = scn_finding(e, "double-unmap", 0);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->uncertain, 0);
	CHECK_CONTAINS(f->detail, "after");
	scn_free(s);
}

TEST(lost_events_make_not_mapped_uncertain)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x1000, 2048, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_lost(s, 100);
	scn_unmap(s, dev, 0x1000, 2048, FROM); /* re-map may have been lost */
	scn_unmap(s, dev, 0x9000, 2048, FROM);
	scn_sync_for_cpu(s, dev, 0xa000, 64, FROM);
	scn_free_coherent(s, dev, 0xb000, 4096);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"double-unmap,unmap-not-mapped,sync-not-mapped,free-not-allocated");
	CHECK_EQ(scn_finding(e, "double-unmap", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "free-not-allocated", 0)->uncertain, 1);
	scn_free(s);
}

TEST(unmap_size_and_direction_mismatch)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x1000, 4096, FROM);
	scn_unmap(s, dev, 0x1000, 2048, FROM);
	scn_map(s, dev, 0x3000, 4096, FROM);
	scn_unmap(s, dev, 0x3000, 4096, TO);
	scn_map(s, dev, 0x5000, 512, BIDI);
	scn_unmap(s, dev, 0x5000, 256, TO);
	scn_map(s, dev, 0x7000, 512, BIDI);
	scn_unmap(s, dev, 0x7000, 512, BIDI);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"unmap-size-mismatch,unmap-dir-mismatch,unmap-size-mismatch,unmap-dir-mismatch");
	f = scn_finding(e, "unmap-size-mismatch", 0);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->size, 4096); /* the mapping's */
	CHECK_EQ(f->map_kind, DMAS_EV_MAP);
	CHECK_CONTAINS(f->detail, "size 2048, mapped 4096");
	f = scn_finding(e, "unmap-dir-mismatch", 0);
	CHECK_EQ(f->addr, 0x3000);
	CHECK_CONTAINS(f->detail, "unmapped to-device, mapped from-device");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

TEST(same_address_mapped_twice_matches_by_size)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x1000, 100, TO);
	scn_map(s, dev, 0x1000, 200, TO);
	scn_unmap(s, dev, 0x1000, 100, TO);
	scn_unmap(s, dev, 0x1000, 200, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

TEST(unmap_inside_a_mapping_is_not_its_start)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x10000, 16384, FROM);
	scn_unmap(s, dev, 0x11000, 4096, FROM);
	scn_unmap(s, dev, 0x10000, 16384, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	CHECK_CONTAINS(scn_finding(e, "unmap-not-mapped", 0)->detail,
		       "inside the mapping at 0x10000 (+4096)");
	scn_free(s);
}

TEST(sg_unmap_checks_nents)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	uint64_t sg1 = 0xffff888000001000ULL, sg2 = 0xffff888000002000ULL;

	/* 4 entries passed, merged into 2 by the IOMMU: unmap passes 4 */
	scn_map_sg(s, dev, sg1, 4, 2, 0x80000, 16384, TO);
	scn_unmap_sg(s, dev, sg1, 4, 16384, TO);
	scn_map_sg(s, dev, sg2, 4, 4, 0x90000, 16384, TO);
	scn_unmap_sg(s, dev, sg2, 2, 8192, TO);
	scn_unmap_sg(s, dev, sg2, 4, 16384, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "unmap-size-mismatch,double-unmap");
	CHECK_CONTAINS(scn_finding(e, "unmap-size-mismatch", 0)->detail,
		       "nents 2, mapped with 4");
	CHECK_EQ(scn_finding(e, "unmap-size-mismatch", 0)->addr, 0x90000);
	scn_free(s);
}

TEST(sync_checks_range_and_direction)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x10000, 8192, FROM);
	scn_sync_for_cpu(s, dev, 0x10000, 8192, FROM); /* whole */
	scn_sync_for_device(s, dev, 0x11000, 4096, FROM); /* tail, offset */
	scn_sync_for_cpu(s, dev, 0x10040, 64, FROM); /* inside */
	CHECK_STREQ(scn_ids(e), "");
	scn_sync_for_cpu(s, dev, 0x11f00, 512, FROM); /* runs past the end */
	scn_sync_for_device(s, dev, 0x10000, 16384, FROM); /* too big */
	scn_sync_for_cpu(s, dev, 0x10000, 64, TO); /* wrong direction */
	scn_sync_for_cpu(s, dev, 0x30000, 64, FROM); /* nothing there */
	/* BIDIRECTIONAL mappings accept any sync direction (as dma-debug) */
	scn_map(s, dev, 0x20000, 4096, BIDI);
	scn_sync_for_cpu(s, dev, 0x20000, 4096, FROM);
	scn_sync_for_device(s, dev, 0x20000, 4096, TO);
	scn_sync_for_cpu(s, dev, 0x20100, 256, BIDI);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"sync-out-of-range,sync-out-of-range,sync-dir-mismatch,sync-not-mapped");
	f = scn_finding(e, "sync-out-of-range", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->size, 8192);
	CHECK_CONTAINS(f->detail, "512 bytes at +7936, mapped 8192");
	f = scn_finding(e, "sync-dir-mismatch", 0);
	CHECK_CONTAINS(f->detail, "synced to-device, mapped from-device");
	f = scn_finding(e, "sync-not-mapped", 0);
	CHECK_EQ(f->addr, 0x30000);
	CHECK_EQ(f->uncertain, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->syncs_for_cpu, 7);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->syncs_for_device, 3);
	scn_free(s);
}

TEST(sync_not_mapped_uncertain_while_sg_lists_live)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	/* a later segment's dma address is not in the events */
	scn_map_sg(s, dev, 0xffff888000001000ULL, 3, 3, 0x80000, 12288, FROM);
	scn_sync_for_cpu(s, dev, 0xa2000, 4096, FROM);
	/* the first segment's address is known: syncing it alone is allowed */
	scn_sync_for_cpu(s, dev, 0x80000, 4096, FROM);
	scn_unmap_sg(s, dev, 0xffff888000001000ULL, 3, 12288, FROM);
	scn_sync_for_cpu(s, dev, 0xa2000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x80000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "sync-not-mapped,sync-not-mapped,sync-not-mapped");
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 0)->addr, 0xa2000);
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 0)->uncertain, 1);
	/* no sg list left: certain */
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 1)->uncertain, 0);
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 2)->addr, 0x80000);
	CHECK_EQ(scn_finding(e, "sync-not-mapped", 2)->uncertain, 0);
	scn_free(s);
}

TEST(sg_segment_synced_with_single_api)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	uint64_t sg = 0xffff888000001000ULL;

	/* one dma segment (merged by an IOMMU): its range is known */
	scn_map_sg(s, dev, sg, 4, 1, 0x80000, 16384, TO);
	scn_sync_for_cpu(s, dev, 0x81000, 4096, TO);
	scn_sync_for_device(s, dev, 0x80000, 16384, TO);
	CHECK_STREQ(scn_ids(e), "");
	scn_sync_for_device(s, dev, 0x83000, 8192, TO); /* past the end */
	scn_sync_for_device(s, dev, 0x80000, 64, FROM); /* direction */
	scn_unmap(s, dev, 0x80000, 16384, TO); /* wrong function */
	scn_unmap_sg(s, dev, sg, 4, 16384, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "sync-out-of-range,sync-dir-mismatch,unmap-not-mapped");
	CHECK_CONTAINS(scn_finding(e, "unmap-not-mapped", 0)->detail,
		       "dma_unmap_sg");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	scn_free(s);
}

TEST(coherent_and_streaming_mix_ups)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_alloc_coherent(s, dev, 0x10000, 4096);
	scn_unmap(s, dev, 0x10000, 4096, BIDI);
	scn_map(s, dev, 0x20000, 2048, TO);
	scn_free_coherent(s, dev, 0x20000, 2048);
	scn_alloc_pages(s, dev, 0x30000, 8192, FROM);
	scn_free_coherent(s, dev, 0x30000, 8192);
	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_free_pages(s, dev, 0x40000, 4096, BIDI);
	CHECK_STREQ(
		scn_ids(e),
		"coherent-via-streaming-api,streaming-via-coherent-api,streaming-via-coherent-api,coherent-via-streaming-api");
	f = scn_finding(e, "coherent-via-streaming-api", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->map_kind, DMAS_EV_ALLOC_COHERENT);
	CHECK_EQ(f->close_kind, DMAS_EV_UNMAP);
	CHECK_CONTAINS(
		f->detail,
		"dma_unmap_single/page of memory from dma_alloc_coherent");
	f = scn_finding(e, "streaming-via-coherent-api", 0);
	CHECK_EQ(f->addr, 0x20000);
	CHECK_EQ(f->map_kind, DMAS_EV_MAP);
	/*
	 * Released through the wrong API, the memory is still allocated (or
	 * mapped): the records stay, tied to their findings.
	 */
	CHECK_EQ(dmas_engine_nr_outstanding(e), 4);
	/* the right calls say nothing */
	scn_alloc_coherent(s, dev, 0x50000, 4096);
	scn_free_coherent(s, dev, 0x50000, 4096);
	scn_alloc_pages(s, dev, 0x60000, 4096, FROM);
	scn_free_pages(s, dev, 0x60000, 4096, FROM);
	scn_map_resource(s, dev, 0xfe000000, 4096, BIDI);
	scn_unmap_resource(s, dev, 0xfe000000, 4096, BIDI);
	scn_finish(s);
	CHECK_EQ(dmas_engine_nr_findings(e), 4);
	scn_free(s);
}

/*
 * One root cause, one finding: the driver's own correct release of memory
 * it had already released through the wrong API is the first bug's
 * consequence, not free-not-allocated or double-unmap (dma-debug reports
 * both).
 */
TEST(wrong_api_release_then_correct_one_is_one_finding)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_alloc_coherent(s, dev, 0x10000, 4096);
	scn_unmap(s, dev, 0x10000, 4096, BIDI);
	scn_free_coherent(s, dev, 0x10000, 4096);
	scn_map(s, dev, 0x20000, 2048, TO);
	scn_free_coherent(s, dev, 0x20000, 2048);
	scn_unmap(s, dev, 0x20000, 2048, TO);
	scn_alloc_pages(s, dev, 0x30000, 8192, FROM);
	scn_free_coherent(s, dev, 0x30000, 8192);
	scn_free_pages(s, dev, 0x30000, 8192, FROM);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"coherent-via-streaming-api,streaming-via-coherent-api,streaming-via-coherent-api");
	f = scn_finding(e, "coherent-via-streaming-api", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(f->consequence, "then released with dma_free_coherent");
	f = scn_finding(e, "streaming-via-coherent-api", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(f->consequence,
		       "then released with dma_unmap_single/page");
	CHECK_CONTAINS(
		scn_finding(e, "streaming-via-coherent-api", 1)->consequence,
		"then released with dma_free_pages");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	/* a second correct free after that is a real double free */
	scn_free(s);
	s = setup(&e, &dev);
	scn_alloc_coherent(s, dev, 0x10000, 4096);
	scn_unmap(s, dev, 0x10000, 4096, BIDI);
	scn_free_coherent(s, dev, 0x10000, 4096);
	scn_free_coherent(s, dev, 0x10000, 4096);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "coherent-via-streaming-api,free-not-allocated");
	scn_free(s);
}

/* What the wrong release left allocated leaks as its consequence. */
TEST(wrong_api_release_then_leak_is_one_finding)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_alloc_coherent(s, dev, 0x10000, 4096);
	scn_unmap(s, dev, 0x10000, 4096, BIDI);
	/* an sg list released with dma_unmap_page stays mapped */
	scn_map_sg(s, dev, 0xffff888000001000ULL, 2, 1, 0x50000, 8192, TO);
	scn_unmap(s, dev, 0x50000, 8192, TO);
	/* an unmap at an offset misses the mapping: it stays */
	scn_map(s, dev, 0x60000, 8192, FROM);
	scn_unmap(s, dev, 0x61000, 4096, FROM);
	/* the control: an honest leak is still one */
	scn_map(s, dev, 0x70000, 4096, FROM);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"coherent-via-streaming-api,unmap-not-mapped,unmap-not-mapped,leak-at-unbind");
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 0)->addr, 0x70000);
	f = scn_finding(e, "coherent-via-streaming-api", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(
		f->consequence,
		"dma_alloc_coherent memory at 0x10000 still held after the driver unbound");
	f = scn_finding(e, "unmap-not-mapped", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(f->consequence, "dma_map_sg memory");
	f = scn_finding(e, "unmap-not-mapped", 1);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(f->consequence, "memory at 0x60000");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

/* Kept records do not age into leak-suspected nor show at exit. */
TEST(wrong_api_release_kept_record_is_not_aged_or_listed_at_exit)
{
	struct dmas_engine_opts o = {.leak_age_ns = 1000000000ULL,
				     .leaks_at_exit = true};
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(&o, &e);
	uint32_t dev;

	scn_session(s, false);
	dev = scn_device(s, "0000:01:00.0", "", 0);
	scn_bind(s, dev, "nicdrv");
	scn_map(s, dev, 0x20000, 2048, TO);
	scn_free_coherent(s, dev, 0x20000, 2048);
	scn_advance(s, 3000000000ULL);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "streaming-via-coherent-api");
	CHECK_CONTAINS(
		scn_finding(e, "streaming-via-coherent-api", 0)->consequence,
		"still held at the end of the session");
	scn_free(s);
}

/* The dma address of a kept record handed out again: that record is gone. */
TEST(wrong_api_release_address_reused)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x20000, 2048, TO);
	scn_free_coherent(s, dev, 0x20000, 2048);
	scn_alloc_coherent(s, dev, 0x20000, 4096);
	scn_free_coherent(s, dev, 0x20000, 4096);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "streaming-via-coherent-api");
	CHECK_CONTAINS(
		scn_finding(e, "streaming-via-coherent-api", 0)->consequence,
		"was handed out again by dma_alloc_coherent");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

/*
 * A resource mapping released as a page mapping or the reverse (dma-debug's
 * "wrong function"); 6.18+ kernels map resources through dma_map_phys with
 * DMA_ATTR_MMIO, which counts as a resource mapping.
 */
TEST(resource_and_page_unmaps_are_not_interchangeable)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	struct dmas_event ev = {.kind = DMAS_EV_MAP,
				.addr = 0xfe200000,
				.size = 4096,
				.phys = 0xfe200000,
				.attrs = 1u << 10};
	const struct dmas_finding *f;

	/* the right pairs, old and 6.18 style, say nothing */
	scn_map_resource(s, dev, 0xfe000000, 4096, BIDI);
	scn_unmap_resource(s, dev, 0xfe000000, 4096, BIDI);
	ev.dev = dev;
	scn_event(s, &ev);
	ev.kind = DMAS_EV_UNMAP;
	scn_event(s, &ev);
	scn_map(s, dev, 0x10000, 4096, TO);
	scn_unmap(s, dev, 0x10000, 4096, TO);
	CHECK_STREQ(scn_ids(e), "");
	/* the wrong ones, each followed by the right one: one finding each */
	scn_map_resource(s, dev, 0xfe100000, 4096, TO);
	scn_unmap(s, dev, 0xfe100000, 4096, TO);
	scn_unmap_resource(s, dev, 0xfe100000, 4096, TO);
	scn_map(s, dev, 0x20000, 4096, FROM);
	scn_unmap_resource(s, dev, 0x20000, 4096, FROM);
	scn_unmap(s, dev, 0x20000, 4096, FROM);
	ev.kind = DMAS_EV_MAP;
	ev.addr = ev.phys = 0xfe300000;
	scn_event(s, &ev);
	ev.kind = DMAS_EV_UNMAP;
	ev.attrs = 0;
	scn_event(s, &ev);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"unmap-type-mismatch,unmap-type-mismatch,unmap-type-mismatch");
	f = scn_finding(e, "unmap-type-mismatch", 0);
	CHECK_EQ(f->addr, 0xfe100000);
	CHECK_EQ(f->map_kind, DMAS_EV_MAP_RESOURCE);
	CHECK_CONTAINS(
		f->detail,
		"dma_unmap_single/page of a mapping made by dma_map_resource");
	CHECK_EQ(f->consequences, 1);
	f = scn_finding(e, "unmap-type-mismatch", 1);
	CHECK_CONTAINS(
		f->detail,
		"dma_unmap_resource of a mapping made by dma_map_single/page");
	CHECK_EQ(scn_finding(e, "unmap-type-mismatch", 2)->map_kind,
		 DMAS_EV_MAP_RESOURCE);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	scn_free(s);
}

/*
 * dma-debug's cacheline overlap: two live FROM_DEVICE/BIDIRECTIONAL
 * mappings of different buffers sharing a cacheline, on any device.
 */
TEST(cacheline_shared_by_two_mappings)
{
	struct dmas_engine *e;
	uint32_t dev, other;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	other = scn_device(s, "0000:02:00.0", "", 0);
	scn_bind(s, other, "otherdrv");
	/* side by side in one cacheline (0x1040): the second is reported */
	scn_map_phys(s, dev, 0x10000, 96, FROM, 0x1000);
	scn_map_phys(s, dev, 0x20000, 64, BIDI, 0x1060);
	/* across devices */
	scn_map_phys(s, dev, 0x30000, 40, FROM, 0x2000);
	scn_map_phys(s, other, 0x40000, 24, FROM, 0x2028);
	scn_unmap(s, dev, 0x20000, 64, BIDI);
	scn_unmap(s, other, 0x40000, 24, FROM);
	CHECK_STREQ(scn_ids(e), "cacheline-overlap,cacheline-overlap");
	f = scn_finding(e, "cacheline-overlap", 0);
	CHECK_EQ(f->addr, 0x20000);
	CHECK_EQ(f->size, 64);
	CHECK_EQ(f->dir, BIDI);
	CHECK_CONTAINS(
		f->detail,
		"cacheline at phys 0x1040 also holds the from-device mapping at dma 0x10000 (phys 0x1000, 96 bytes)");
	f = scn_finding(e, "cacheline-overlap", 1);
	CHECK_EQ(f->dev, other);
	CHECK_CONTAINS(f->detail, "of another device");
	/* silent: the neighbour is gone now */
	scn_unmap(s, dev, 0x10000, 96, FROM);
	scn_map_phys(s, dev, 0x20000, 64, FROM, 0x1060);
	scn_unmap(s, dev, 0x20000, 64, FROM);
	scn_unmap(s, dev, 0x30000, 40, FROM);
	/* silent: a TO_DEVICE neighbour (the CPU only cleans it) */
	scn_map_phys(s, dev, 0x50000, 96, TO, 0x3000);
	scn_map_phys(s, dev, 0x60000, 64, FROM, 0x3060);
	scn_unmap(s, dev, 0x60000, 64, FROM);
	scn_unmap(s, dev, 0x50000, 96, TO);
	/* silent: one buffer mapped for two devices */
	scn_map_phys(s, dev, 0x70000, 100, FROM, 0x4010);
	scn_map_phys(s, other, 0x80000, 100, FROM, 0x4010);
	scn_unmap(s, other, 0x80000, 100, FROM);
	scn_unmap(s, dev, 0x70000, 100, FROM);
	/* silent: aligned neighbours share no line */
	scn_map_phys(s, dev, 0x90000, 128, FROM, 0x5000);
	scn_map_phys(s, dev, 0xa0000, 64, FROM, 0x5080);
	/* silent: DMA_ATTR_SKIP_CPU_SYNC (the driver syncs by hand) */
	scn_map_phys(s, dev, 0xb0000, 96, FROM, 0x6000);
	{
		struct dmas_event ev = {.kind = DMAS_EV_MAP,
					.dev = dev,
					.addr = 0xc0000,
					.size = 64,
					.dir = FROM,
					.phys = 0x6060,
					.attrs = 1u << 5};

		scn_event(s, &ev);
	}
	scn_finish(s);
	CHECK_EQ(scn_count(e, "cacheline-overlap"), 2);
	scn_free(s);
}

/*
 * A streaming mapping of the kernel image's code or read-only data (the
 * physical ranges /proc/iomem names "Kernel code" and "Kernel rodata").
 */
TEST(map_of_kernel_text_or_rodata)
{
	struct dmas_engine *e;
	uint32_t dev, remote;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_mem_range(s, 0, 0x40000000, 0);
	scn_kernel_range(s, 0x1000000, 0x2277000, DMAS_MEM_KERNEL_TEXT);
	scn_kernel_range(s, 0x2400000, 0x2e0b000, DMAS_MEM_KERNEL_RODATA);
	/* a const table in rodata, then a buffer ending on text's first byte */
	scn_map_phys(s, dev, 0x10000, 16, TO, 0x2400100);
	scn_unmap(s, dev, 0x10000, 16, TO);
	scn_map_phys(s, dev, 0x20000, 64, TO, 0xffffc1);
	scn_unmap(s, dev, 0x20000, 64, TO);
	/* silent: next to the image (kernel data, RAM around it) */
	scn_map_phys(s, dev, 0x30000, 4096, TO, 0x2277000);
	scn_unmap(s, dev, 0x30000, 4096, TO);
	scn_map_phys(s, dev, 0x40000, 64, FROM, 0xffffc0);
	scn_unmap(s, dev, 0x40000, 64, FROM);
	scn_map_phys(s, dev, 0x50000, 4096, TO, 0x2e0b000);
	scn_unmap(s, dev, 0x50000, 4096, TO);
	/* silent: a resource (MMIO) mapping is not memory of the image */
	scn_map_resource(s, dev, 0x60000, 4096, TO);
	scn_unmap_resource(s, dev, 0x60000, 4096, TO);
	/* a device on node 1: the image (node 0) is that bug, not also a
	 * remote buffer (one root cause, one finding) */
	remote = scn_device(s, "vdmac.0", "", 1);
	scn_bind(s, remote, "vdmac");
	scn_map_phys(s, remote, 0x70000, 16, TO, 0x2400100);
	scn_unmap(s, remote, 0x70000, 16, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "map-kernel-image,map-kernel-image,map-kernel-image");
	CHECK_EQ(scn_finding(e, "map-kernel-image", 2)->dev, remote);
	f = scn_finding(e, "map-kernel-image", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->size, 16);
	CHECK_EQ(f->dir, TO);
	CHECK_CONTAINS(
		f->detail,
		"dma_map_single/page of phys 0x2400100+16: the kernel's read-only data (0x2400000-0x2e0afff)");
	CHECK_CONTAINS(scn_finding(e, "map-kernel-image", 1)->detail,
		       "the kernel's code (0x1000000-0x2276fff)");
	/* the placement map is unaffected by the image's ranges */
	CHECK_EQ(dmas_engine_node_of(e, 0x2400100), 0);
	scn_free(s);
}

/* An sg list whose first segment starts in the image; none without ranges. */
TEST(map_of_kernel_image_sg_and_unknown_image)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_kernel_range(s, 0x1000000, 0x2277000, DMAS_MEM_KERNEL_TEXT);
	{
		struct dmas_event ev = {.kind = DMAS_EV_MAP_SG,
					.dev = dev,
					.addr = 0x10000,
					.size = 8192,
					.dir = TO,
					.aux = 0xffff888000700000ull,
					.phys = 0x1001000,
					.count = 2 | 2u << 16};

		scn_event(s, &ev);
	}
	scn_unmap_sg(s, dev, 0xffff888000700000ull, 2, 8192, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "map-kernel-image");
	CHECK_CONTAINS(scn_finding(e, "map-kernel-image", 0)->detail,
		       "dma_map_sg of phys 0x1001000+8192: the kernel's code");
	scn_free(s);

	/* silent: without the image's ranges nothing is judged */
	s = setup(&e, &dev);
	scn_map_phys(s, dev, 0x10000, 16, TO, 0x2400100);
	scn_unmap(s, dev, 0x10000, 16, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

/* A buffer on the mapping task's kernel stack, as the tracer flags it. */
TEST(map_of_the_mapping_tasks_stack)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	struct dmas_event ev = {.kind = DMAS_EV_MAP,
				.addr = 0x10000,
				.size = 64,
				.dir = TO,
				.phys = 0x7654040,
				.flags = DMAS_F_ON_STACK};

	scn_kernel_range(s, 0x1000000, 0x2277000, DMAS_MEM_KERNEL_TEXT);
	ev.dev = dev;
	scn_event(s, &ev);
	scn_unmap(s, dev, 0x10000, 64, TO);
	/* silent: the same memory without the flag (not on the stack) */
	scn_map_phys(s, dev, 0x20000, 64, TO, 0x7654040);
	scn_unmap(s, dev, 0x20000, 64, TO);
	/* an sg list whose first segment is on the stack */
	ev.kind = DMAS_EV_MAP_SG;
	ev.aux = 0xffffc90000013f00ull;
	ev.count = 1 | 1u << 16;
	ev.addr = 0x30000;
	scn_event(s, &ev);
	scn_unmap_sg(s, dev, 0xffffc90000013f00ull, 1, 64, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "map-stack,map-stack");
	CHECK_EQ(scn_finding(e, "map-stack", 0)->addr, 0x10000);
	CHECK_CONTAINS(
		scn_finding(e, "map-stack", 0)->detail,
		"dma_map_single/page of phys 0x7654040+64: a page of the kernel stack of the task that mapped it");
	CHECK_CONTAINS(scn_finding(e, "map-stack", 1)->detail, "dma_map_sg");
	scn_free(s);
}

TEST(free_not_allocated)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	struct dmas_event ev = {.kind = DMAS_EV_FREE_COHERENT,
				.addr = 0x50000,
				.size = 4096,
				.aux = SCN_VADDR(0x51000)};

	scn_free_coherent(s, dev, 0x10000, 4096);
	scn_alloc_coherent(s, dev, 0x20000, 4096);
	scn_free_coherent(s, dev, 0x20000, 4096);
	scn_free_coherent(s, dev, 0x20000, 4096); /* twice */
	scn_pool_create(s, dev, 0x5, 64);
	scn_pool_free(s, dev, 0x5, 0x30000, 64);
	scn_pool_alloc(s, dev, 0x5, 0x30040, 64);
	scn_pool_free(s, dev, 0x5, 0x30040, 64);
	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_free_coherent(s, dev, 0x40000, 2048); /* wrong size */
	scn_alloc_coherent(s, dev, 0x50000, 4096);
	ev.dev = dev;
	scn_event(s, &ev); /* freed with another CPU address */
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"free-not-allocated,free-not-allocated,free-not-allocated,unmap-size-mismatch,free-not-allocated");
	CHECK_EQ(scn_finding(e, "free-not-allocated", 3)->addr, 0x50000);
	CHECK_CONTAINS(
		scn_finding(e, "free-not-allocated", 3)->detail,
		"freed with CPU address 0xffff888000051000, allocated at 0xffff888000050000");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	CHECK_EQ(scn_finding(e, "free-not-allocated", 0)->addr, 0x10000);
	CHECK_CONTAINS(scn_finding(e, "free-not-allocated", 1)->detail,
		       "after");
	CHECK_EQ(scn_finding(e, "free-not-allocated", 2)->addr, 0x30000);
	CHECK_CONTAINS(scn_finding(e, "unmap-size-mismatch", 0)->detail,
		       "freed with size 2048, allocated 4096");
	scn_free(s);
}

TEST(map_error_folded_per_stack)
{
	struct dmas_engine *e;
	uint32_t dev, st1, st2;
	struct scn *s = setup(&e, &dev);
	struct dmas_event ev = {
		.kind = DMAS_EV_MAP, .size = 4096, .flags = DMAS_F_ERROR};

	st1 = scn_stack(s, "nic_xmit+0x10/0x80 [nicdrv]", NULL);
	st2 = scn_stack(s, "nic_rx_refill+0x10/0x80 [nicdrv]", NULL);
	scn_use_stack(s, st1);
	scn_map_error(s, dev, 1500, TO);
	scn_map_error(s, dev, 1500, TO);
	scn_map_error(s, dev, 1000, TO);
	scn_use_stack(s, st2);
	ev.dev = dev;
	scn_event(s, &ev); /* a map whose error flag is set counts too */
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "map-error,map-error");
	CHECK_EQ(scn_finding(e, "map-error", 0)->close_stack, st1);
	CHECK_STREQ(scn_finding(e, "map-error", 0)->detail,
		    "3 failed mappings, 4000 bytes");
	CHECK_STREQ(scn_finding(e, "map-error", 1)->detail,
		    "1 failed mapping, 4096 bytes");
	CHECK_EQ(scn_finding(e, "map-error", 0)->severity, DMAS_SEV_WARNING);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->map_errors, 4);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

TEST(failed_allocation_is_not_a_finding)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	struct dmas_event ev = {.kind = DMAS_EV_ALLOC_COHERENT,
				.size = 1 << 20,
				.flags = DMAS_F_ERROR};

	ev.dev = dev;
	scn_event(s, &ev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

TEST(repeated_findings_fold_after_eight)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	int i;

	st = scn_stack(s, "nic_clean_tx+0x20/0x100 [nicdrv]", NULL);
	scn_use_stack(s, st);
	for (i = 0; i < 20; i++)
		scn_unmap(s, dev, 0x100000 + i * 0x1000, 1500, TO);
	scn_finish(s);
	CHECK_EQ(scn_count(e, "unmap-not-mapped"), 8);
	CHECK_EQ(dmas_engine_nr_findings(e), 8);
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 7)->repeats, 12);
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->repeats, 0);
	scn_free(s);
}
