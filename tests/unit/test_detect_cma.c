// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_detect_cma.c - contiguous memory: CMA allocations tied to the
 * device whose dma_alloc_* call made them, bytes held and peak, latency,
 * and cma-alloc-failed (fires on a device's failed allocation, stays
 * silent for CMA users without a device and for successful ones).
 */
#include <stdio.h>

#include "scenario.h"
#include "testlib.h"

#define MB (1024ull * 1024)
#define PAGES(b) ((b) / 4096)

/* cma_alloc_start, wait, cma_alloc_finish, then dev's dma_alloc_coherent */
static void cma_alloc(struct scn *s, uint32_t dev, uint64_t phys,
		      uint64_t bytes, uint64_t wait_ns)
{
	scn_cma_start(s, PAGES(bytes));
	scn_advance(s, wait_ns);
	scn_cma_finish(s, phys, PAGES(bytes), 0);
	scn_alloc_coherent_phys(s, dev, phys, bytes, phys);
}

TEST(cma_bytes_held_peak_and_latency_per_device)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	const struct dmas_dev_stats *st;
	struct dmas_lat_summary l;
	struct dmas_cma_stats c;
	uint32_t a, b;

	a = scn_device(s, "vdmac.0", "vdmac", -1);
	b = scn_device(s, "0000:00:02.0", "gpu", -1);
	scn_use_pid(s, 10);
	cma_alloc(s, a, 0x10000000, 4 * MB, 2000000);
	cma_alloc(s, a, 0x10400000, 8 * MB, 4000000);
	scn_use_pid(s, 11);
	cma_alloc(s, b, 0x11000000, 1 * MB, 1000000);
	/* a frees its first buffer: the DMA free, then cma_release */
	scn_use_pid(s, 10);
	scn_free_coherent(s, a, 0x10000000, 4 * MB);
	scn_cma_release(s, 0x10000000, PAGES(4 * MB));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	st = dmas_engine_dev_stats(e, a);
	CHECK_EQ(st->cma_allocs, 2);
	CHECK_EQ(st->cma_alloc_bytes, 12 * MB);
	CHECK_EQ(st->cma_bytes, 8 * MB);
	CHECK_EQ(st->cma_peak, 12 * MB);
	CHECK_EQ(st->cma_failures, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, b)->cma_bytes, 1 * MB);
	dmas_engine_cma_latency(e, a, &l);
	CHECK_EQ(l.count, 2);
	/* each event takes the scenario's 1 us step */
	CHECK_EQ(l.max_ns, 4001000);
	CHECK(l.p50_ns >= 2001000 && l.p50_ns <= 2251125);
	CHECK_EQ(l.p99_ns, 4001000);
	dmas_engine_cma_latency(e, 0, &l);
	CHECK_EQ(l.count, 3);
	dmas_engine_cma_stats(e, &c);
	CHECK_EQ(c.allocs, 3);
	CHECK_EQ(c.bytes, 9 * MB);
	CHECK_EQ(c.peak, 13 * MB);
	CHECK_EQ(c.releases, 1);
	CHECK_EQ(c.no_device, 0);
	CHECK_EQ(c.failures, 0);
	scn_free(s);
}

TEST(cma_alloc_failed_fires_on_fallback_and_on_failed_call)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	const struct dmas_finding *f;
	uint32_t dev, st;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	st = scn_stack(s, "dma_alloc_attrs", "scn_cma_fail [vdmac]", NULL);
	scn_use_pid(s, 20);
	scn_use_stack(s, st);
	/* CMA too small: the page allocator gives 2 MiB instead */
	scn_cma_start(s, PAGES(2 * MB));
	scn_advance(s, 3000000);
	scn_cma_finish(s, 0, PAGES(2 * MB), -12);
	scn_alloc_coherent_phys(s, dev, 0x7000000, 2 * MB, 0x7000000);
	/* 96 MiB: neither CMA nor the page allocator */
	scn_use_stack(s, 0);
	scn_cma_start(s, PAGES(96 * MB));
	scn_cma_finish(s, 0, PAGES(96 * MB), -12);
	scn_alloc_coherent_failed(s, dev, 96 * MB);
	scn_finish(s);
	CHECK_EQ(scn_count(e, "cma-alloc-failed"), 2);
	f = scn_finding(e, "cma-alloc-failed", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK_EQ(f->size, 2 * MB);
	CHECK_EQ(f->map_stack, st);
	CHECK_STREQ(
		f->detail,
		"CMA allocation of 2097152 bytes failed (error -12) after 3.001 ms; the kernel fell back to the page allocator");
	f = scn_finding(e, "cma-alloc-failed", 1);
	CHECK_EQ(f->size, 96 * MB);
	CHECK_STREQ(
		f->detail,
		"CMA allocation of 100663296 bytes failed (error -12) after 1.000 us; the allocation failed");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_failures, 2);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, 0);
	scn_free(s);
}

TEST(cma_alloc_failed_silent_without_a_claiming_call)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	struct dmas_cma_stats c;
	uint32_t dev;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	/* huge pages from CMA: no dma_alloc_* follows */
	scn_use_pid(s, 30);
	scn_cma_start(s, 512);
	scn_cma_finish(s, 0, 512, -16);
	scn_cma_start(s, 512);
	scn_cma_finish(s, 0x20000000, 512, 0);
	/* another task's allocation of the same size is not the CMA one's */
	scn_use_pid(s, 31);
	scn_alloc_coherent_phys(s, dev, 0x9000000, 2 * MB, 0x9000000);
	/* same task, other size: not claimed either */
	scn_use_pid(s, 30);
	scn_alloc_coherent_phys(s, dev, 0xa000000, 1 * MB, 0xa000000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_allocs, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, 0);
	dmas_engine_cma_stats(e, &c);
	CHECK_EQ(c.allocs, 2);
	CHECK_EQ(c.failures, 1);
	CHECK_EQ(c.no_device, 2);
	CHECK_EQ(c.no_device_failures, 1);
	CHECK_EQ(c.no_device_bytes, 2 * MB);
	CHECK_EQ(c.bytes, 2 * MB);
	scn_free(s);
}

TEST(cma_success_with_other_address_is_not_the_calls)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	scn_use_pid(s, 40);
	/* the CMA pages lay above the coherent mask: released, retried */
	scn_cma_start(s, 16);
	scn_cma_finish(s, 0x180000000ull, 16, 0);
	scn_cma_release(s, 0x180000000ull, 16);
	scn_alloc_coherent_phys(s, dev, 0x1000000, 65536, 0x1000000);
	/* memory from before tracing released */
	scn_cma_release(s, 0x30000000, 16);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_allocs, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, 0);
	{
		struct dmas_cma_stats c;

		dmas_engine_cma_stats(e, &c);
		CHECK_EQ(c.bytes, 0);
		CHECK_EQ(c.preexisting, 1);
		CHECK_EQ(c.releases, 2);
	}
	scn_free(s);
}

TEST(cma_partial_release_and_lost_release)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	struct dmas_cma_stats c;
	uint32_t dev;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	scn_use_pid(s, 50);
	cma_alloc(s, dev, 0x10000000, 1 * MB, 1000);
	/* the first half released, then the rest from its own first page */
	scn_cma_release(s, 0x10000000, PAGES(MB / 2));
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, MB / 2);
	scn_cma_release(s, 0x10080000, PAGES(MB / 2));
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, 0);
	/* allocated again at the same page with the release lost: not twice */
	cma_alloc(s, dev, 0x20000000, 1 * MB, 1000);
	cma_alloc(s, dev, 0x20000000, 1 * MB, 1000);
	scn_finish(s);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_bytes, 1 * MB);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_peak, 1 * MB);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->cma_allocs, 3);
	dmas_engine_cma_stats(e, &c);
	CHECK_EQ(c.bytes, 1 * MB);
	CHECK_EQ(c.no_device_bytes, 0);
	CHECK_EQ(c.preexisting, 0);
	scn_free(s);
}

TEST(cma_alloc_slow_fires_over_the_budget_and_folds_per_call_site)
{
	struct dmas_engine_opts o = {.cma_budget_ns = 5000000};
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(&o, &e);
	const struct dmas_finding *f;
	uint32_t dev, st;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	st = scn_stack(s, "dma_alloc_attrs", "scn_cma_alloc [vdmac]", NULL);
	scn_use_pid(s, 60);
	scn_use_stack(s, st);
	cma_alloc(s, dev, 0x10000000, 1 * MB, 2000000); /* under */
	cma_alloc(s, dev, 0x10100000, 1 * MB, 9000000); /* over */
	cma_alloc(s, dev, 0x10200000, 1 * MB, 7000000); /* over: folds */
	/* failed and slow: cma-alloc-failed alone */
	scn_cma_start(s, PAGES(2 * MB));
	scn_advance(s, 20000000);
	scn_cma_finish(s, 0, PAGES(2 * MB), -16);
	scn_alloc_coherent_phys(s, dev, 0x7000000, 2 * MB, 0x7000000);
	scn_finish(s);
	CHECK_EQ(scn_count(e, "cma-alloc-slow"), 1);
	CHECK_EQ(scn_count(e, "cma-alloc-failed"), 1);
	f = scn_finding(e, "cma-alloc-slow", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->repeats, 1);
	CHECK_STREQ(
		f->detail,
		"CMA allocation of 1048576 bytes took 9.001 ms, over the 5.000 ms budget");
	scn_free(s);
}

TEST(cma_alloc_slow_silent_without_a_budget_or_a_device)
{
	struct dmas_engine_opts o = {.cma_budget_ns = 1000000};
	struct dmas_engine *e, *e2;
	struct scn *s = scn_new_engine(NULL, &e);
	struct scn *s2 = scn_new_engine(&o, &e2);
	uint32_t dev;

	dev = scn_device(s, "vdmac.0", "vdmac", -1);
	cma_alloc(s, dev, 0x10000000, 1 * MB, 900000000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	/* huge pages: slow, but no device's */
	scn_use_pid(s2, 70);
	scn_cma_start(s2, 512);
	scn_advance(s2, 50000000);
	scn_cma_finish(s2, 0x20000000, 512, 0);
	scn_finish(s2);
	CHECK_STREQ(scn_ids(e2), "");
	scn_free(s);
	scn_free(s2);
}
