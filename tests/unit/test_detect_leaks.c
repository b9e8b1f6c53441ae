/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_leaks.c - leak detectors: at unbind/removal, at module
 * unload, pool leaks, suspected leaks by age, leaks at exit, and the
 * uncertainty a lost-event gap brings.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL

static struct scn *setup(const struct dmas_engine_opts *o,
			 struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(o, e);

	scn_session(s, false);
	*dev = scn_device(s, "0000:01:00.0", "", 0);
	scn_bind(s, *dev, "nicdrv");
	return s;
}

TEST(leak_unbind_reports_each_outstanding_mapping)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	st = scn_stack(s, "nic_alloc_rx+0x10/0x80 [nicdrv]", NULL);
	scn_use_stack(s, st);
	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_map(s, dev, 0x20000, 1500, TO);
	scn_alloc_coherent(s, dev, 0x30000, 8192);
	scn_pool_create(s, dev, 0x9001, 64);
	scn_pool_alloc(s, dev, 0x9001, 0x40040, 64);
	scn_map_sg(s, dev, 0xffff888000001000ULL, 4, 2, 0x50000, 16384, TO);
	scn_use_stack(s, 0);
	scn_unmap(s, dev, 0x20000, 1500, TO);
	scn_unbind(s, dev);
	/* a late release of a leaked mapping is not a second finding */
	scn_unmap(s, dev, 0x10000, 2048, FROM);
	scn_finish(s);

	CHECK_STREQ(
		scn_ids(e),
		"leak-at-unbind,leak-at-unbind,leak-at-unbind,leak-at-unbind");
	f = scn_finding(e, "leak-at-unbind", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->size, 2048);
	CHECK_EQ(f->dir, FROM);
	CHECK_EQ(f->map_kind, DMAS_EV_MAP);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->close_kind, DMAS_EV_DRIVER_UNBIND);
	CHECK_EQ(f->uncertain, 0);
	CHECK_EQ(f->severity, DMAS_SEV_ERROR);
	f = scn_finding(e, "leak-at-unbind", 1);
	CHECK_EQ(f->addr, 0x30000);
	CHECK_EQ(f->map_kind, DMAS_EV_ALLOC_COHERENT);
	f = scn_finding(e, "leak-at-unbind", 2);
	CHECK_EQ(f->addr, 0x40040);
	CHECK_EQ(f->map_kind, DMAS_EV_POOL_ALLOC);
	f = scn_finding(e, "leak-at-unbind", 3);
	CHECK_EQ(f->addr, 0x50000); /* the sg list's first dma address */
	CHECK_EQ(f->size, 16384);
	CHECK_EQ(f->map_kind, DMAS_EV_MAP_SG);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->findings[DMAS_SEV_ERROR], 4);
	scn_free(s);
}

TEST(leak_unbind_silent_when_released)
{
	struct dmas_engine *e;
	uint32_t dev, other;
	struct scn *s = setup(NULL, &e, &dev);

	other = scn_device(s, "0000:02:00.0", "nvme", 0);
	scn_bind(s, other, "nvme");
	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_alloc_coherent(s, dev, 0x30000, 8192);
	scn_map(s, other, 0x90000, 4096, TO); /* another device's */
	scn_unmap(s, dev, 0x10000, 2048, FROM);
	scn_free_coherent(s, dev, 0x30000, 8192);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	scn_free(s);
}

TEST(leak_device_remove)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x10000, 512, BIDI);
	scn_remove(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind");
	f = scn_finding(e, "leak-at-unbind", 0);
	CHECK_EQ(f->close_kind, DMAS_EV_DEVICE_REMOVE);
	CHECK_CONTAINS(f->detail, "removed");
	scn_free(s);
}

TEST(leak_unbind_uncertain_across_lost_events)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_lost(s, 12);
	scn_map(s, dev, 0x20000, 2048, FROM);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-unbind,leak-at-unbind");
	/* the unmap of the first may have been lost; not so the second */
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 0)->addr, 0x10000);
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 1)->addr, 0x20000);
	CHECK_EQ(scn_finding(e, "leak-at-unbind", 1)->uncertain, 0);
	CHECK_EQ(dmas_engine_lost(e), 12);
	scn_free(s);
}

TEST(leak_module_unload_by_creating_stack)
{
	struct dmas_engine *e;
	uint32_t prov, st_client, st_core;
	struct scn *s = scn_new_engine(NULL, &e);
	const struct dmas_finding *f;

	scn_session(s, true);
	prov = scn_device(s, "vdmac.0", "vdmac", 0);
	scn_bind(s, prov, "vdmac");
	st_client = scn_stack(s, "dma_map_page_attrs+0x0/0x300",
			      "vdmac_client_run+0x44/0x120 [vdmac_client]",
			      "do_one_initcall+0x40/0x200", NULL);
	st_core = scn_stack(s, "vdmac_alloc_desc+0x10/0x80 [vdmac]", NULL);
	scn_use_stack(s, st_client);
	scn_map(s, prov, 0x10000, 4096, TO);
	scn_alloc_coherent(s, prov, 0x20000, 4096);
	scn_use_stack(s, st_core);
	scn_alloc_coherent(s, prov, 0x30000, 4096);
	scn_use_stack(s, 0);
	/* a module whose name is a prefix of the client's owns nothing */
	scn_module_unload(s, "vdmac_clien");
	CHECK_STREQ(scn_ids(e), "");
	scn_module_unload(s, "vdmac_client");
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-module-unload,leak-at-module-unload");
	f = scn_finding(e, "leak-at-module-unload", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->dev, prov);
	CHECK_EQ(f->map_stack, st_client);
	CHECK_EQ(f->close_kind, DMAS_EV_MODULE_UNLOAD);
	CHECK_CONTAINS(f->detail, "vdmac_client");
	CHECK_EQ(scn_finding(e, "leak-at-module-unload", 1)->addr, 0x20000);
	/* the provider's own allocation is still outstanding, not a leak */
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	scn_free(s);
}

TEST(pool_leak_per_outstanding_block)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	/*
	 * the pool's backing page is a coherent allocation at the same address
	 */
	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_pool_create(s, dev, 0x77, 64);
	scn_pool_alloc(s, dev, 0x77, 0x40000, 64);
	scn_pool_alloc(s, dev, 0x77, 0x40040, 64);
	scn_pool_alloc(s, dev, 0x77, 0x40080, 64);
	scn_pool_free(s, dev, 0x77, 0x40040, 64);
	scn_pool_destroy(s, dev, 0x77);
	scn_free_coherent(s, dev, 0x40000, 4096);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "pool-leak,pool-leak");
	CHECK_EQ(scn_finding(e, "pool-leak", 0)->addr, 0x40000);
	CHECK_EQ(scn_finding(e, "pool-leak", 1)->addr, 0x40080);
	CHECK_EQ(scn_finding(e, "pool-leak", 1)->close_kind,
		 DMAS_EV_POOL_DESTROY);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->pool_blocks, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->pool_bytes, 0);
	scn_free(s);
}

/*
 * dma_pool_destroy with a block out: the kernel keeps that block's pool
 * page (a coherent allocation inside dma_pool_alloc) for good.  Its leak at
 * unbind or module unload is the pool-leak's consequence, not a finding.
 */
TEST(pool_leak_folds_the_kept_pool_page)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(NULL, &e, &dev);
	const struct dmas_finding *f;

	st = scn_stack(s, "dma_pool_alloc+0x10/0x80", "drv_init+0x1/0x2 [drv]",
		       NULL);
	scn_use_stack(s, st);
	scn_pool_create(s, dev, 0x77, 64);
	scn_pool_create(s, dev, 0x88, 64);
	/* pool 0x77: two pages, a block out in the second */
	scn_alloc_coherent(s, dev, 0x40000, 4096);
	scn_pool_alloc(s, dev, 0x77, 0x40000, 64);
	scn_alloc_coherent(s, dev, 0x41000, 4096);
	scn_pool_alloc(s, dev, 0x77, 0x41040, 64);
	scn_pool_alloc(s, dev, 0x77, 0x41080, 64);
	/* pool 0x88: its page, every block freed */
	scn_alloc_coherent(s, dev, 0x50000, 4096);
	scn_pool_alloc(s, dev, 0x88, 0x50000, 64);
	scn_pool_free(s, dev, 0x88, 0x50000, 64);
	scn_pool_free(s, dev, 0x77, 0x40000, 64);
	scn_pool_destroy(s, dev, 0x77);
	/* the kernel frees the idle page, keeps the busy one */
	scn_free_coherent(s, dev, 0x40000, 4096);
	scn_pool_destroy(s, dev, 0x88);
	scn_module_unload(s, "drv");
	scn_unbind(s, dev);
	scn_finish(s);
	/*
	 * pool 0x88's page was not freed here: a real leak, still reported
	 * (the control)
	 */
	CHECK_STREQ(scn_ids(e), "pool-leak,pool-leak,leak-at-module-unload");
	CHECK_EQ(scn_finding(e, "leak-at-module-unload", 0)->addr, 0x50000);
	f = scn_finding(e, "pool-leak", 0);
	CHECK_EQ(f->addr, 0x41040);
	CHECK_EQ(f->consequences, 2);
	CHECK_CONTAINS(
		f->consequence,
		"the kernel keeps its pool page 0x41000 (4096 bytes) allocated for good; dma_alloc_coherent memory at 0x41000 made by module drv");
	/* the second block in the same page adds nothing */
	CHECK_EQ(scn_finding(e, "pool-leak", 1)->consequences, 0);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	scn_free(s);
}

TEST(pool_destroy_silent_when_all_freed)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_pool_create(s, dev, 0x77, 64);
	scn_pool_create(s, dev, 0x88, 64);
	scn_pool_alloc(s, dev, 0x77, 0x40000, 64);
	scn_pool_alloc(s, dev, 0x88, 0x50000, 64); /* other pool */
	scn_pool_free(s, dev, 0x77, 0x40000, 64);
	scn_pool_destroy(s, dev, 0x77);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(leak_suspected_once_per_mapping_after_leak_age)
{
	struct dmas_engine_opts o = {.leak_age_ns = 1000000};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_map(s, dev, 0x20000, 2048, FROM); /* released in time */
	scn_alloc_coherent(s, dev, 0x30000, 4096); /* long-lived by design */
	scn_advance(s, 500000);
	scn_unmap(s, dev, 0x20000, 2048, FROM);
	scn_advance(s, 2000000);
	scn_idle(s);
	CHECK_STREQ(scn_ids(e), "leak-suspected");
	scn_map(s, dev, 0x50000, 2048, FROM);
	scn_advance(s, 10000000);
	scn_idle(s);
	scn_advance(s, 10000000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-suspected,leak-suspected");
	f = scn_finding(e, "leak-suspected", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK(f->ts - f->map_ts >= 1000000);
	CHECK_EQ(scn_finding(e, "leak-suspected", 1)->addr, 0x50000);
	scn_free(s);
}

TEST(leak_age_off_by_default)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);

	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_advance(s, 3600ULL * 1000000000ULL);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

static int collect(const struct dmas_mapping_info *m, void *ctx)
{
	uint64_t *addrs = ctx;

	addrs[addrs[0]++ + 1] = m->addr;
	return 0;
}

TEST(outstanding_at_exit_listed_not_reported)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(NULL, &e, &dev);
	uint64_t addrs[8] = {0};

	scn_map(s, dev, 0x20000, 2048, FROM);
	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_alloc_coherent(s, dev, 0x30000, 4096);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 3);
	CHECK_EQ(dmas_engine_foreach_outstanding(e, collect, addrs), 0);
	CHECK_EQ(addrs[0], 3);
	/* oldest first */
	CHECK_EQ(addrs[1], 0x20000);
	CHECK_EQ(addrs[2], 0x10000);
	CHECK_EQ(addrs[3], 0x30000);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding, 2);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->outstanding_bytes, 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->coherent_bytes, 4096);
	scn_free(s);
}

TEST(leaks_at_exit_when_asked)
{
	struct dmas_engine_opts o = {.leaks_at_exit = true};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);

	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_map(s, dev, 0x20000, 2048, FROM);
	scn_unmap(s, dev, 0x20000, 2048, FROM);
	scn_lost(s, 1);
	scn_map(s, dev, 0x30000, 100, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-exit,leak-at-exit");
	CHECK_EQ(scn_finding(e, "leak-at-exit", 0)->addr, 0x10000);
	CHECK_EQ(scn_finding(e, "leak-at-exit", 0)->uncertain, 1);
	CHECK_EQ(scn_finding(e, "leak-at-exit", 1)->addr, 0x30000);
	CHECK_EQ(scn_finding(e, "leak-at-exit", 1)->uncertain, 0);
	CHECK_EQ(scn_finding(e, "leak-at-exit", 1)->size, 100);
	scn_free(s);
}

TEST(leak_suspected_sg_list_once)
{
	struct dmas_engine_opts o = {.leak_age_ns = 1000000};
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&o, &e, &dev);

	scn_map_sg(s, dev, 0xffff888000001000ULL, 2, 1, 0x80000, 8192,
		   DMAS_DIR_TO_DEVICE);
	scn_map_resource(s, dev, 0xfe000000, 4096, BIDI);
	scn_advance(s, 5000000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-suspected,leak-suspected");
	CHECK_EQ(scn_finding(e, "leak-suspected", 0)->addr, 0x80000);
	CHECK_EQ(scn_finding(e, "leak-suspected", 0)->map_kind, DMAS_EV_MAP_SG);
	CHECK_EQ(scn_finding(e, "leak-suspected", 1)->addr, 0xfe000000);
	scn_free(s);
}

TEST(module_unload_ignores_interrupted_frames)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(NULL, &e, &dev);

	/* an rx refill in NAPI that happened to interrupt module "other" */
	st = scn_stack(s, "dma_map_page_attrs+0x0/0x300",
		       "nic_refill+0x10/0x80 [nicdrv]",
		       "__napi_poll+0x2b/0x1b0", "net_rx_action+0x2a0/0x3b0",
		       "handle_softirqs+0xd0/0x2c0", "irq_exit_rcu+0x90/0xc0",
		       "sysvec_apic_timer_interrupt+0x72/0x90",
		       "asm_sysvec_apic_timer_interrupt+0x1a/0x20",
		       "other_busy_loop+0x10/0x40 [other]", NULL);
	scn_use_stack(s, st);
	scn_map(s, dev, 0x10000, 2048, FROM);
	scn_module_unload(s, "other");
	CHECK_STREQ(scn_ids(e), "");
	scn_module_unload(s, "nicdrv");
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "leak-at-module-unload");
	scn_free(s);
}
