/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_numa.c - NUMA placement: remote buffers and remote mapping
 * CPUs are found once per (device, call site) when remote placement
 * is systematic (share of bytes and of mappings, minimum count, or every
 * one of a stack's few mappings); a driver's few strays, local buffers, unknown
 * nodes and devices without a node stay silent; per-device byte shares always
 * count.
 */
#include <string.h>

#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define GB (1ULL << 30)
#define SEC 1000000000ULL
#define LOCAL(i) (GB + 0x100000 + 4096 * (uint64_t)(i))
#define REMOTE(i) (0x100000 + 4096 * (uint64_t)(i))

static struct scn *setup_o(const struct dmas_engine_opts *o,
			   struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(o, e);

	scn_session(s, true);
	scn_mem_range(s, 0, GB, 0);
	scn_mem_range(s, GB, 2 * GB, 1);
	*dev = scn_device(s, "0000:10:00.0", "nvme", 1);
	scn_bind(s, *dev, "nvme");
	return s;
}

static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	return setup_o(NULL, e, dev);
}

/* map and unmap one 4 KiB buffer at phys (a streaming rx/tx buffer) */
static void use(struct scn *s, uint32_t dev, uint64_t addr, uint64_t phys)
{
	scn_map_phys(s, dev, addr, 4096, TO, phys);
	scn_unmap(s, dev, addr, 4096, TO);
}

TEST(numa_node_of_memory_map)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	CHECK_EQ(dmas_engine_node_of(e, 0), 0);
	CHECK_EQ(dmas_engine_node_of(e, GB - 1), 0);
	CHECK_EQ(dmas_engine_node_of(e, GB), 1);
	CHECK_EQ(dmas_engine_node_of(e, 2 * GB - 1), 1);
	CHECK_EQ(dmas_engine_node_of(e, 2 * GB), -1);
	scn_free(s);
}

/* vdmac's plant: one buffer from the other node, from a call site that
 * maps nothing else: found once, at the end. */
TEST(numa_single_remote_buffer_of_a_call_site_is_found)
{
	struct dmas_engine *e;
	uint32_t dev, st, other;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	uint64_t map_ts;
	int i;

	st = scn_stack(s, "sc_numa_remote_buffer+0x10/0x300 [vdmac]", NULL);
	other = scn_stack(s, "vbuf_map+0x10/0x100 [vdmac]", NULL);
	/* the rest of the driver is local */
	scn_use_stack(s, other);
	for (i = 0; i < 50; i++)
		use(s, dev, 0x100000 + i * 0x1000, LOCAL(i));
	scn_use_stack(s, st);
	map_ts = scn_now(s);
	scn_map_phys(s, dev, 0x1000, 4096, FROM, REMOTE(3));
	/* a window ends: one mapping is not enough to judge yet */
	scn_advance(s, 2 * SEC);
	scn_idle(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_unmap(s, dev, 0x1000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->size, 4096);
	CHECK_EQ(f->dir, FROM);
	CHECK_EQ(f->map_kind, DMAS_EV_MAP);
	CHECK_EQ(f->map_ts, map_ts);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK_EQ(f->uncertain, 0);
	CHECK_EQ(f->ts, scn_now(s));
	CHECK_STREQ(
		f->detail,
		"1 of 1 mapping remote, 4096 bytes (100%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 50 * 4096);
	scn_free(s);
}

/*
 * The same through the dma:* tracepoints (tp_btf): each stack starts with
 * the tracer's frames (bpf_trace_run6, __traceiter_ with a second probe on
 * the tracepoint), which must not make every call site of the device one:
 * the remote call site is still found, and only it.
 */
TEST(numa_call_site_is_the_drivers_on_tracepoint_stacks)
{
	struct dmas_engine *e;
	uint32_t dev, st, other;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	st = scn_stack(s, "bpf_trace_run6+0xa2/0x120",
		       "__traceiter_dma_map_page+0x3a/0x60",
		       "dma_map_page_attrs+0x189/0x340",
		       "sc_numa_remote_buffer+0x10/0x300 [vdmac]", NULL);
	other = scn_stack(s, "bpf_trace_run6+0xa2/0x120",
			  "__traceiter_dma_map_page+0x3a/0x60",
			  "dma_map_page_attrs+0x189/0x340",
			  "vbuf_map+0x10/0x100 [vdmac]", NULL);
	scn_use_stack(s, other);
	for (i = 0; i < 50; i++)
		use(s, dev, 0x100000 + i * 0x1000, LOCAL(i));
	scn_use_stack(s, st);
	scn_map_phys(s, dev, 0x1000, 4096, FROM, REMOTE(3));
	scn_unmap(s, dev, 0x1000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_stack, st);
	CHECK_STREQ(dmas_engine_stack(e, st)->frames[0],
		    "dma_map_page_attrs+0x189/0x340");
	scn_free(s);
}

/* a healthy driver: 3 strays among 600 buffers of its rx path */
TEST(numa_few_strays_among_many_are_silent)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	int i;

	st = scn_stack(s, "e1000_alloc_rx_buffers+0x10/0x300 [e1000e]", NULL);
	scn_use_stack(s, st);
	scn_set_step(s, 10000000); /* 600 buffers over 12 s: many windows */
	for (i = 0; i < 600; i++)
		use(s, dev, 0x10000 + (i % 64) * 0x1000,
		    i == 7 || i == 300 || i == 599 ? REMOTE(i) : LOCAL(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	/* the statistics still show them */
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 3 * 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 597 * 4096);
	scn_free(s);
}

/* a stack with fewer than 4 mappings is judged only when all are remote */
TEST(numa_small_stacks_need_every_mapping_remote)
{
	struct dmas_engine *e;
	uint32_t dev, st1, st2, st3;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	st1 = scn_stack(s, "nvme_map_data+0x10/0x300 [nvme]", NULL);
	st2 = scn_stack(s, "nvme_alloc_queue+0x10/0x100 [nvme]", NULL);
	st3 = scn_stack(s, "nvme_setup_prps+0x10/0x100 [nvme]", NULL);
	scn_use_stack(s, st1); /* 2 of 3 remote, 75% of bytes: not all */
	scn_map_phys(s, dev, 0x1000, 4096, TO, 0x100000);
	scn_map_phys(s, dev, 0x2000, 8192, TO, 0x200000);
	scn_map_phys(s, dev, 0x4000, 4096, TO, GB + 0x1000);
	scn_use_stack(s, st3); /* 1 of 2: not all */
	scn_map_phys(s, dev, 0x8000, 4096, TO, GB + 0x8000);
	scn_map_phys(s, dev, 0x9000, 4096, TO, 0x9000);
	scn_use_stack(s, st2); /* 1 of 1 */
	scn_alloc_coherent_phys(s, dev, 0x10000, 16384, 0x300000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_kind, DMAS_EV_ALLOC_COHERENT);
	CHECK_EQ(f->map_stack, st2);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->size, 16384);
	CHECK_STREQ(
		f->detail,
		"1 of 1 mapping remote, 16384 bytes (100%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes,
		 12288 + 4096 + 16384);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 4096 + 4096);
	scn_free(s);
}

static void use_sz(struct scn *s, uint32_t dev, uint64_t addr, uint64_t size,
		   uint64_t phys)
{
	scn_map_phys(s, dev, addr, size, TO, phys);
	scn_unmap(s, dev, addr, size, TO);
}

/*
 * At least 50% of the bytes and of the mappings remote, and at least 4 of
 * them.  One full stack of e1000e's tx path in the test VM (sender on the
 * device's node, SLUB handing out objects of a slab from the other node)
 * mapped 33 of 72 skbs, 67% of the bytes, remotely: not the driver's
 * choice, and not a finding.
 */
TEST(numa_share_threshold_and_minimum_count)
{
	struct dmas_engine *e;
	uint32_t dev, half, less, few, big, small, tx;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	half = scn_stack(s, "half+0x0/0x10 [drv]", NULL);
	less = scn_stack(s, "less+0x0/0x10 [drv]", NULL);
	few = scn_stack(s, "few+0x0/0x10 [drv]", NULL);
	big = scn_stack(s, "big+0x0/0x10 [drv]", NULL);
	small = scn_stack(s, "small+0x0/0x10 [drv]", NULL);
	tx = scn_stack(s, "e1000_xmit_frame+0x3aa/0xeb0 [e1000e]", NULL);
	scn_use_stack(s, half); /* 4 of 8: exactly 50% */
	for (i = 0; i < 8; i++)
		use(s, dev, 0x1000, i & 1 ? REMOTE(i) : LOCAL(i));
	scn_use_stack(s, less); /* 4 of 9: 44% */
	for (i = 0; i < 9; i++)
		use(s, dev, 0x2000, i < 4 ? REMOTE(i) : LOCAL(i));
	scn_use_stack(s, few); /* 3 of 5: 60%, but only 3 remote */
	for (i = 0; i < 5; i++)
		use(s, dev, 0x3000, i < 3 ? REMOTE(i) : LOCAL(i));
	scn_use_stack(s, big); /* 73% of bytes, 40% of mappings */
	for (i = 0; i < 10; i++)
		use_sz(s, dev, 0x10000, i < 4 ? 16384 : 4096,
		       i < 4 ? REMOTE(16 * i) : LOCAL(16 * i));
	scn_use_stack(s, small); /* 75% of mappings, 16% of bytes */
	for (i = 0; i < 8; i++)
		use_sz(s, dev, 0x20000, i < 6 ? 1024 : 16384,
		       i < 6 ? REMOTE(16 * i) : LOCAL(16 * i));
	scn_use_stack(s, tx); /* as measured: 33 of 72, 67% of bytes */
	for (i = 0; i < 72; i++)
		use_sz(s, dev, 0x30000, i < 24 ? 1229 : 300,
		       i < 21 || (i >= 24 && i < 36) ? REMOTE(i) : LOCAL(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_stack, half);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_STREQ(
		f->detail,
		"4 of 8 mappings remote, 16384 bytes (50%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	scn_free(s);
}

/*
 * Placement is judged per call site (the innermost 3 frames): the odd
 * remote buffer of a busy site, reached through a rare outer path, is a
 * stray of that site; a different caller is its own site.
 */
TEST(numa_judged_per_call_site_not_per_full_stack)
{
	struct dmas_engine *e;
	uint32_t dev, busy, rare1, rare2, plant;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	busy = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
			 "nvme_prep_rq.part.0+0x70e/0x910 [nvme]",
			 "nvme_queue_rq+0x7a/0x1f0 [nvme]",
			 "vbuf_refill+0x1/0x10 [nvme]", "dd_io+0x1/0x10", NULL);
	rare1 = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
			  "nvme_prep_rq.part.0+0x70e/0x910 [nvme]",
			  "nvme_queue_rq+0x7a/0x1f0 [nvme]",
			  "vbuf_refill_slow+0x1/0x10 [nvme]",
			  "udev_scan+0x1/0x10", NULL);
	rare2 = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
			  "nvme_prep_rq.part.0+0x70e/0x910 [nvme]",
			  "nvme_queue_rq+0x7a/0x1f0 [nvme]", NULL);
	plant = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
			  "nvme_prep_rq.part.0+0x70e/0x910 [nvme]",
			  "nvme_other_caller+0x10/0x100 [nvme]",
			  "vbuf_refill+0x1/0x10 [nvme]", NULL);
	scn_use_stack(s, busy);
	for (i = 0; i < 12; i++)
		use(s, dev, 0x1000, LOCAL(i));
	scn_use_stack(s, rare1);
	use(s, dev, 0x2000, REMOTE(1));
	scn_use_stack(s, rare2);
	use(s, dev, 0x3000, REMOTE(2));
	scn_use_stack(s, plant);
	use(s, dev, 0x4000, REMOTE(3));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_stack, plant);
	CHECK_EQ(f->addr, 0x4000);
	CHECK_STREQ(
		f->detail,
		"1 of 1 mapping remote, 4096 bytes (100%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	scn_free(s);
}

/* the finding names the full stack of the site's first remote mapping */
TEST(numa_finding_names_the_first_remote_stack_of_its_site)
{
	struct dmas_engine *e;
	uint32_t dev, a, b;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	a = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
		      "drv_rx+0x1/0x10 [drv]", "drv_poll+0x1/0x10 [drv]",
		      "net_rx_action+0x1/0x10", NULL);
	b = scn_stack(s, "dma_map_page_attrs+0x5/0x270",
		      "drv_rx+0x1/0x10 [drv]", "drv_poll+0x1/0x10 [drv]",
		      "drv_open+0x1/0x10 [drv]", NULL);
	scn_use_stack(s, a);
	use(s, dev, 0x1000, LOCAL(0));
	scn_use_stack(s, b);
	for (i = 0; i < 2; i++)
		use(s, dev, 0x2000 + i * 0x1000, REMOTE(i));
	scn_use_stack(s, a);
	for (i = 0; i < 2; i++)
		use(s, dev, 0x5000 + i * 0x1000, REMOTE(4 + i));
	scn_finish(s);
	/* one site: 4 of 5 remote */
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_stack, b);
	CHECK_EQ(f->addr, 0x2000);
	CHECK_STREQ(
		f->detail,
		"4 of 5 mappings remote, 16384 bytes (80%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	scn_free(s);
}

TEST(numa_share_option_lowers_the_threshold)
{
	struct dmas_engine_opts o = {.numa_min_share = 40};
	struct dmas_engine *e;
	uint32_t dev, less, strays;
	struct scn *s = setup_o(&o, &e, &dev);
	int i;

	less = scn_stack(s, "less+0x0/0x10 [drv]", NULL);
	strays = scn_stack(s, "strays+0x0/0x10 [drv]", NULL);
	scn_use_stack(s, less); /* 4 of 9: 44% */
	for (i = 0; i < 9; i++)
		use(s, dev, 0x2000, i < 4 ? REMOTE(i) : LOCAL(i));
	scn_use_stack(s, strays); /* 4 of 100 */
	for (i = 0; i < 100; i++)
		use(s, dev, 0x3000, i % 25 ? LOCAL(i) : REMOTE(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	CHECK_EQ(scn_finding(e, "numa-remote-buffer", 0)->map_stack, less);
	scn_free(s);
}

static void count_cb(const struct dmas_finding *f, void *ctx)
{
	(void)f;
	(*(int *)ctx)++;
}

/* live views: found at the end of the window it became systematic in */
TEST(numa_found_at_window_end_and_kept_up_to_date)
{
	int calls = 0;
	struct dmas_engine_opts o = {.on_finding = count_cb, .cb_ctx = &calls};
	struct dmas_engine *e;
	uint32_t dev, st, other;
	struct scn *s = setup_o(&o, &e, &dev);
	const struct dmas_finding *f;
	uint64_t first_remote;
	int i;

	st = scn_stack(s, "remote_path+0x0/0x10 [drv]", NULL);
	other = scn_stack(s, "one_remote+0x0/0x10 [drv]", NULL);
	scn_use_stack(s, other);
	use(s, dev, 0x9000, REMOTE(99));
	scn_use_stack(s, st);
	use(s, dev, 0x1000, LOCAL(0));
	first_remote = scn_now(s);
	for (i = 0; i < 4; i++)
		use(s, dev, 0x1000 + i * 0x1000, REMOTE(i));
	CHECK_STREQ(scn_ids(e), ""); /* the window has not ended */
	scn_advance(s, 2 * SEC);
	scn_idle(s);
	/* 4 of 5 remote on st; the lone one waits for the end */
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	CHECK_EQ(calls, 1);
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->map_ts, first_remote);
	CHECK_EQ(f->ts, scn_now(s));
	CHECK_STREQ(
		f->detail,
		"4 of 5 mappings remote, 16384 bytes (80%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	/* later mappings update the detail; the finding stays */
	for (i = 0; i < 5; i++)
		use(s, dev, 0x1000, LOCAL(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer,numa-remote-buffer");
	CHECK_EQ(calls, 2);
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_STREQ(
		f->detail,
		"4 of 10 mappings remote, 16384 bytes (40%): buffer on node 0, device on node 1; placed by the driver's own allocation");
	CHECK_EQ(scn_finding(e, "numa-remote-buffer", 1)->map_stack, other);
	scn_free(s);
}

TEST(numa_remote_nodes_mixed)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;
	int i;

	scn_session(s, true);
	scn_mem_range(s, 0, GB, 0);
	scn_mem_range(s, GB, 2 * GB, 1);
	scn_mem_range(s, 2 * GB, 3 * GB, 2);
	dev = scn_device(s, "0000:10:00.0", "nvme", 1);
	scn_bind(s, dev, "nvme");
	for (i = 0; i < 4; i++)
		use(s, dev, 0x1000, i & 1 ? 2 * GB + i * 4096 : REMOTE(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer");
	CHECK_STREQ(
		scn_finding(e, "numa-remote-buffer", 0)->detail,
		"4 of 4 mappings remote, 16384 bytes (100%): buffer on remote nodes, device on node 1; placed by the driver's own allocation");
	scn_free(s);
}

TEST(numa_local_and_unknown_are_silent)
{
	struct dmas_engine *e;
	uint32_t dev, nonode;
	struct scn *s = setup(&e, &dev);

	nonode = scn_device(s, "platform-dma", "pdma", -1);
	scn_bind(s, nonode, "pdma");
	scn_map_phys(s, dev, 0x1000, 4096, FROM, GB + 0x5000); /* local */
	scn_map_phys(s, dev, 0x2000, 4096, FROM, 3 * GB); /* not in map */
	scn_map_phys(s, nonode, 0x1000, 4096, FROM, 0x1000); /* no node */
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, nonode)->remote_bytes, 0);
	scn_free(s);
}

TEST(numa_without_memory_map_is_silent)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	scn_session(s, true);
	dev = scn_device(s, "0000:10:00.0", "nvme", 1);
	scn_map_phys(s, dev, 0x1000, 4096, TO, 0x100000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_node_of(e, 0x100000), -1);
	scn_free(s);
}

TEST(numa_remote_cpu_is_info_and_systematic)
{
	struct dmas_engine *e;
	uint32_t dev, st, strays;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	scn_cpu_node(s, 0, 0);
	scn_cpu_node(s, 1, 1);
	CHECK_EQ(dmas_engine_cpu_node(e, 0), 0);
	CHECK_EQ(dmas_engine_cpu_node(e, 1), 1);
	CHECK_EQ(dmas_engine_cpu_node(e, 7), -1);
	st = scn_stack(s, "worker_path+0x0/0x10 [drv]", NULL);
	strays = scn_stack(s, "rx_path+0x0/0x10 [drv]", NULL);
	/* rx on the device's node's CPU, a few from elsewhere */
	scn_use_stack(s, strays);
	for (i = 0; i < 40; i++) {
		scn_use_cpu(s, i % 10 ? 1 : 0);
		use(s, dev, 0x8000, LOCAL(i));
	}
	scn_use_stack(s, st);
	scn_use_cpu(s, 1);
	scn_map_phys(s, dev, 0x1000, 4096, TO, LOCAL(1));
	scn_use_cpu(s, 7); /* node unknown: not counted */
	scn_map_phys(s, dev, 0x2000, 4096, TO, LOCAL(2));
	scn_use_cpu(s, 0);
	/* allocations land on the device's node whoever asks: not counted */
	scn_alloc_coherent_phys(s, dev, 0x9000, 4096, LOCAL(9));
	scn_map_phys(s, dev, 0x3000, 4096, TO, LOCAL(3));
	scn_map_phys(s, dev, 0x4000, 4096, TO, LOCAL(4));
	CHECK_STREQ(scn_ids(e), "");
	scn_map_phys(s, dev, 0x5000, 4096, TO, LOCAL(5));
	scn_map_phys(s, dev, 0x6000, 4096, TO, LOCAL(6));
	scn_finish(s);
	/* st: 4 of 5 known from node 0; rx_path: 4 of 40 */
	CHECK_STREQ(scn_ids(e), "numa-remote-cpu");
	f = scn_finding(e, "numa-remote-cpu", 0);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_EQ(f->addr, 0x3000);
	CHECK_EQ(f->map_stack, st);
	CHECK_STREQ(
		f->detail,
		"4 of 5 mappings made from CPUs on node 0 (80% of bytes), device on node 1");
	scn_free(s);
}

TEST(numa_same_input_same_findings)
{
	char a[512], b[512];
	int round;

	for (round = 0; round < 2; round++) {
		struct dmas_engine *e;
		uint32_t dev, st[3];
		struct scn *s = setup(&e, &dev);
		int i;

		st[0] = scn_stack(s, "a+0x0/0x10 [drv]", NULL);
		st[1] = scn_stack(s, "b+0x0/0x10 [drv]", NULL);
		st[2] = scn_stack(s, "c+0x0/0x10 [drv]", NULL);
		for (i = 0; i < 30; i++) {
			scn_use_stack(s, st[i % 3]);
			use(s, dev, 0x1000 * (i % 3 + 1), REMOTE(i));
		}
		scn_finish(s);
		snprintf(round ? b : a, sizeof(a), "%s %u %u %u", scn_ids(e),
			 scn_finding(e, "numa-remote-buffer", 0)->map_stack,
			 scn_finding(e, "numa-remote-buffer", 1)->map_stack,
			 scn_finding(e, "numa-remote-buffer", 2)->map_stack);
		scn_free(s);
	}
	CHECK_STREQ(
		a,
		"numa-remote-buffer,numa-remote-buffer,numa-remote-buffer 1 2 3");
	CHECK_STREQ(a, b);
}

/* Without a memory map no buffer is placed: reports must say so. */
TEST(numa_placement_unjudged_without_memory_map)
{
	struct dmas_engine *e, *e2;
	uint32_t dev;
	struct scn *s = setup(&e, &dev), *s2 = scn_new_engine(NULL, &e2);

	CHECK_EQ(dmas_engine_placement(e), DMAS_PLACEMENT_JUDGED);
	scn_session(s2, true);
	/* a device without a node: nothing to judge, nothing to say */
	dev = scn_device(s2, "vdmac.1", "vdmac", -1);
	CHECK_EQ(dmas_engine_placement(e2), DMAS_PLACEMENT_JUDGED);
	dev = scn_device(s2, "0000:10:00.0", "nvme", 1);
	scn_bind(s2, dev, "nvme");
	use(s2, dev, 0x1000, REMOTE(1));
	CHECK_EQ(dmas_engine_placement(e2), DMAS_PLACEMENT_NO_MEMORY_MAP);
	CHECK(strstr(dmas_placement_reason(dmas_engine_placement(e2)),
		     "no memory map"));
	CHECK_EQ(dmas_engine_dev_stats(e2, dev)->remote_bytes, 0);
	CHECK_EQ(dmas_engine_dev_stats(e2, dev)->local_bytes, 0);
	CHECK(!dmas_placement_reason(DMAS_PLACEMENT_JUDGED));
	scn_free(s2);
	scn_free(s);
}

/*
 * A memory map but map events without a physical address (a kernel whose
 * struct page layout the tracer cannot translate): placement is not judged,
 * for that reason, instead of a silent 0 local, 0 remote.
 */
TEST(numa_placement_unjudged_without_physical_addresses)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	struct dmas_event sg;
	uint64_t maps = 0;
	int i;

	st = scn_stack(s, "sc_numa_remote_buffer+0x10/0x300 [vdmac]", NULL);
	scn_use_stack(s, st);
	/* nothing mapped yet: nothing to say */
	CHECK_EQ(dmas_engine_placement(e), DMAS_PLACEMENT_JUDGED);
	CHECK_EQ(dmas_engine_maps_without_phys(e, &maps), 0);
	CHECK_EQ(maps, 0);
	for (i = 0; i < 6; i++)
		use(s, dev, 0x1000 * (i + 1), 0);
	/* an sg list whose first segment had no address either */
	memset(&sg, 0, sizeof(sg));
	sg.kind = DMAS_EV_MAP_SG;
	sg.dev = dev;
	sg.addr = 0x9000;
	sg.size = 8192;
	sg.dir = FROM;
	sg.aux = 0xffff888000100000ULL;
	sg.count = 2 | 1 << 16;
	scn_event(s, &sg);
	scn_unmap_sg(s, dev, sg.aux, 2, 8192, FROM);
	scn_finish(s);
	CHECK_EQ(dmas_engine_placement(e), DMAS_PLACEMENT_NO_PHYS);
	CHECK(strstr(dmas_placement_reason(DMAS_PLACEMENT_NO_PHYS),
		     "no map event carried a physical address"));
	CHECK_EQ(dmas_engine_maps_without_phys(e, &maps), 7);
	CHECK_EQ(maps, 7);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 0);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

/* Some map events with an address: placement is judged on those, and the
 * rest are counted, not a verdict on the whole session. */
TEST(numa_placement_judged_when_some_maps_have_physical_addresses)
{
	struct dmas_engine *e;
	uint32_t dev, other;
	struct scn *s = setup(&e, &dev);
	uint64_t maps = 0;

	other = scn_device(s, "vdmac.0", "vdmac", -1);
	scn_bind(s, other, "vdmac");
	/* a device without a node mapping without addresses counts too */
	use(s, other, 0x1000, 0);
	use(s, dev, 0x2000, LOCAL(1));
	use(s, dev, 0x3000, 0);
	scn_finish(s);
	CHECK_EQ(dmas_engine_placement(e), DMAS_PLACEMENT_JUDGED);
	CHECK_EQ(dmas_engine_maps_without_phys(e, &maps), 2);
	CHECK_EQ(maps, 3);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 4096);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 0);
	scn_free(s);
}

/* the network stack's packets: two frames from a kworker on the other node
 * are no pattern; many are, as info about the sender, not the driver */
TEST(numa_sent_packets_need_the_full_rule_and_are_info)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	st = scn_stack(
		s, "dma_map_page_attrs+0x10/0x200",
		"e1000_xmit_frame+0x10/0x900 [e1000e]",
		"dev_hard_start_xmit+0x10/0x200", "sch_direct_xmit+0x10/0x200",
		"__dev_queue_xmit+0x10/0x900", "mld_sendpack+0x10/0x300", NULL);
	scn_use_stack(s, st);
	use(s, dev, 0x1000, REMOTE(1));
	use(s, dev, 0x1000, REMOTE(2));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);

	s = setup(&e, &dev);
	st = scn_stack(s, "dma_map_page_attrs+0x10/0x200",
		       "e1000_xmit_frame+0x10/0x900 [e1000e]",
		       "dev_hard_start_xmit+0x10/0x200", NULL);
	scn_use_stack(s, st);
	for (i = 0; i < 8; i++)
		use(s, dev, 0x1000, REMOTE(i));
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-io-buffer");
	f = scn_finding(e, "numa-remote-io-buffer", 0);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->severity, DMAS_SEV_INFO);
		CHECK_STREQ(
			f->detail,
			"8 of 8 mappings remote, 32768 bytes (100%): buffer on node 0, device on node 1; placed by the network stack (sent packets)");
	}
	scn_free(s);
}

/* O_DIRECT I/O from a process on the other node: user space chose the
 * buffer; the page cache's buffers say so too; one call site, three
 * placers, each judged on its own */
TEST(numa_block_io_names_who_placed_the_buffer)
{
	struct dmas_engine *e;
	uint32_t dev, direct, cached, own;
	struct scn *s = setup(&e, &dev);
	int i;

	direct = scn_stack(s, "dma_map_page_attrs+0x10/0x200",
			   "nvme_map_data+0x10/0x300 [nvme]",
			   "nvme_queue_rq+0x10/0x300 [nvme]",
			   "__blk_mq_issue_directly+0x10/0x100",
			   "blk_mq_flush_plug_list+0x10/0x100",
			   "__blkdev_direct_IO_simple+0x10/0x300",
			   "blkdev_write_iter+0x10/0x100", NULL);
	cached = scn_stack(s, "dma_map_page_attrs+0x10/0x200",
			   "nvme_map_data+0x10/0x300 [nvme]",
			   "nvme_queue_rq+0x10/0x300 [nvme]",
			   "blk_mq_dispatch_rq_list+0x10/0x100",
			   "blk_mq_run_work_fn+0x10/0x100", NULL);
	own = scn_stack(s, "dma_map_page_attrs+0x10/0x200",
			"nvme_map_data+0x10/0x300 [nvme]",
			"nvme_queue_rq+0x10/0x300 [nvme]", NULL);
	for (i = 0; i < 6; i++) {
		scn_use_stack(s, direct);
		use(s, dev, 0x1000, REMOTE(i));
		scn_use_stack(s, cached);
		use(s, dev, 0x2000, REMOTE(16 + i));
	}
	/* the driver's own buffers from the same call site stay local */
	scn_use_stack(s, own);
	for (i = 0; i < 6; i++)
		use(s, dev, 0x3000, LOCAL(i));
	scn_finish(s);
	CHECK_EQ(scn_count(e, "numa-remote-io-buffer"), 2);
	CHECK_EQ(scn_count(e, "numa-remote-buffer"), 0);
	CHECK(strstr(scn_finding(e, "numa-remote-io-buffer", 0)->detail,
		     "placed by user space (O_DIRECT)") != NULL);
	CHECK(strstr(scn_finding(e, "numa-remote-io-buffer", 1)->detail,
		     "placed by the page cache or a filesystem (block I/O)") !=
	      NULL);
	scn_free(s);
}
