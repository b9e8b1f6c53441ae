/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_engine_core.c - the engine apart from its detectors: the finding
 * table, side tables, statistics and windows, filters, callbacks, sinks,
 * determinism, and the mapping table under load (offset lookups after
 * many deletions, memory per outstanding mapping).
 */
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL

TEST(finding_table_ids_unique_and_found)
{
	int i, j;

	for (i = 0; i < DMAS_FINDING_KIND_MAX; i++) {
		const struct dmas_finding_info *fi = &dmas_finding_table[i];

		CHECK(fi->id && fi->id[0]);
		CHECK(fi->area && fi->what && fi->fix);
		CHECK(fi->severity <= DMAS_SEV_ERROR);
		CHECK_EQ(dmas_finding_kind_by_id(fi->id), i);
		for (j = 0; j < i; j++)
			CHECK(strcmp(fi->id, dmas_finding_table[j].id));
	}
	CHECK_EQ(dmas_finding_kind_by_id("no-such-finding"), -1);
	CHECK_EQ(dmas_finding_kind_by_id(NULL), -1);
	CHECK_STREQ(dmas_finding_table[DMAS_F_LEAK_UNBIND].id,
		    "leak-at-unbind");
	CHECK_STREQ(dmas_severity_name(DMAS_SEV_ERROR), "error");
	CHECK_STREQ(dmas_severity_name(DMAS_SEV_INFO), "info");
}

TEST(side_tables_kept)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	const struct dmas_stack *st;
	const struct dmas_device *d;
	uint32_t dev, sid;

	scn_session(s, true);
	CHECK_STREQ(dmas_engine_session(e)->kernel_release, "6.1.0-scenario");
	CHECK(dmas_engine_session(e)->traced_from_boot);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 1);
	sid = scn_stack(s, "a+0x1/0x10", "b+0x2/0x20 [mod]", NULL);
	d = dmas_engine_device_by_id(e, dev);
	CHECK(d != NULL);
	CHECK_STREQ(d->name, "0000:01:00.0");
	CHECK_STREQ(d->driver, "e1000e");
	CHECK_EQ(d->numa_node, 1);
	CHECK_EQ(dmas_engine_nr_devices(e), 1);
	CHECK(dmas_engine_device(e, 0) == d);
	CHECK(dmas_engine_device(e, 1) == NULL);
	CHECK(dmas_engine_device_by_id(e, 99) == NULL);
	st = dmas_engine_stack(e, sid);
	CHECK(st != NULL);
	CHECK_EQ(st->nr_frames, 2);
	CHECK_STREQ(st->frames[1], "b+0x2/0x20 [mod]");
	CHECK(dmas_engine_stack(e, sid + 1) == NULL);
	CHECK(dmas_engine_stack(e, 0) == NULL);
	/* a device known only from its events gets a table entry */
	scn_map(s, 7, 0x1000, 64, TO);
	CHECK(dmas_engine_device_by_id(e, 7) != NULL);
	CHECK_EQ(dmas_engine_dev_stats(e, 7)->maps[TO], 1);
	CHECK_EQ(dmas_engine_events(e), 1);
	scn_free(s);
}

/* the frames of the stack a test made, joined by spaces */
static const char *frames_of(struct dmas_engine *e, uint32_t sid)
{
	static char buf[512];
	const struct dmas_stack *st = dmas_engine_stack(e, sid);

	buf[0] = '\0';
	for (uint32_t i = 0; st && i < st->nr_frames; i++) {
		strncat(buf, i ? " " : "", sizeof(buf) - strlen(buf) - 1);
		strncat(buf, st->frames[i], sizeof(buf) - strlen(buf) - 1);
	}
	return buf;
}

/*
 * Every hook family's stack starts at the DMA API or the driver: the
 * tracer's frames above it (as each kernel's tp_btf, fentry/fexit and
 * kprobe paths put them there) are left out; code that merely could not
 * be symbolized is kept.
 */
TEST(stacks_start_at_the_dma_api_on_every_hook_family)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t sid;

	scn_session(s, true);
	/* tp_btf on 6.12: bpf_trace_run6 above the DMA API */
	sid = scn_stack(s, "bpf_trace_run6+0xa2/0x120",
			"dma_map_page_attrs+0x189/0x340",
			"leak_mapping+0x5d/0xe0 [vdmac_leak]", NULL);
	CHECK_STREQ(frames_of(e, sid), "dma_map_page_attrs+0x189/0x340 "
				       "leak_mapping+0x5d/0xe0 [vdmac_leak]");
	/* tp_btf with two probes on the tracepoint: __traceiter_ too */
	sid = scn_stack(s, "0xffffffffc0a01234", "bpf_trace_run5+0x9c/0x110",
			"__bpf_trace_dma_map_sg+0x1c/0x30",
			"__traceiter_dma_map_sg+0x3a/0x60",
			"__dma_map_sg_attrs+0x1b0/0x1f0",
			"nvme_map_data+0x2/0x9 [nvme]", NULL);
	CHECK_STREQ(frames_of(e, sid), "__dma_map_sg_attrs+0x1b0/0x1f0 "
				       "nvme_map_data+0x2/0x9 [nvme]");
	/* fentry/fexit: the program and its trampoline, then the entry */
	sid = scn_stack(s, "0xffffffffc0a05678",
			"bpf_trampoline_6442522117+0x4f/0x1000 [bpf]",
			"dma_map_page_attrs+0x9/0x340",
			"drv_rx+0x10/0x80 [drv]", NULL);
	CHECK_STREQ(frames_of(e, sid),
		    "dma_map_page_attrs+0x9/0x340 drv_rx+0x10/0x80 [drv]");
	sid = scn_stack(s, "0xffffffffc0a05678", "0xffffffffc0a06000",
			"dma_map_page_attrs+0x9/0x340",
			"drv_rx+0x10/0x80 [drv]", NULL);
	CHECK_STREQ(frames_of(e, sid),
		    "dma_map_page_attrs+0x9/0x340 drv_rx+0x10/0x80 [drv]");
	/* kretprobe through rethook, kprobe through ftrace */
	sid = scn_stack(s, "arch_rethook_trampoline_callback+0x3e/0x50",
			"arch_rethook_trampoline+0x2c/0x60",
			"drv_rx+0x10/0x80 [drv]", NULL);
	CHECK_STREQ(frames_of(e, sid), "drv_rx+0x10/0x80 [drv]");
	sid = scn_stack(s, "kprobe_ftrace_handler+0x10e/0x1b0",
			"dma_unmap_page_attrs+0x4/0x1f0",
			"drv_rx+0x90/0x100 [drv]", NULL);
	CHECK_STREQ(frames_of(e, sid), "dma_unmap_page_attrs+0x4/0x1f0 "
				       "drv_rx+0x90/0x100 [drv]");
	/* a driver's unsymbolized frames (its module went away): kept */
	sid = scn_stack(s, "0xffffffffc04f9053", "0xffffffffc04f91ff",
			"work_for_cpu_fn+0x1a/0x30", NULL);
	CHECK_STREQ(frames_of(e, sid), "0xffffffffc04f9053 0xffffffffc04f91ff "
				       "work_for_cpu_fn+0x1a/0x30");
	/* a stack of nothing else stays what it is */
	sid = scn_stack(s, "bpf_trace_run2+0x1/0x2", NULL);
	CHECK_STREQ(frames_of(e, sid), "bpf_trace_run2+0x1/0x2");
	/* the driver's own code is never taken for the tracer's */
	sid = scn_stack(s, "dma_map_page_attrs+0x189/0x340",
			"bpf_trace_run6+0xa2/0x120", NULL);
	CHECK_EQ(dmas_engine_stack(e, sid)->nr_frames, 2);
	scn_free(s);
}

TEST(statistics_whole_run)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	const struct dmas_dev_stats *st;
	uint32_t dev;

	scn_session(s, true);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 0);
	scn_map(s, dev, 0x1000, 1000, TO);
	scn_map(s, dev, 0x2000, 2000, FROM);
	scn_map(s, dev, 0x3000, 3000, FROM);
	scn_map_sg(s, dev, 0xffff888000001000ULL, 2, 2, 0x8000, 8192, BIDI);
	scn_unmap(s, dev, 0x1000, 1000, TO);
	scn_sync_for_cpu(s, dev, 0x2000, 100, FROM);
	scn_sync_for_device(s, dev, 0x2000, 100, FROM);
	scn_alloc_coherent(s, dev, 0x10000, 4096);
	scn_alloc_coherent(s, dev, 0x20000, 4096);
	scn_free_coherent(s, dev, 0x20000, 4096);
	scn_pool_alloc(s, dev, 0x5, 0x30000, 64);
	scn_map_error(s, dev, 64, TO);
	st = dmas_engine_dev_stats(e, dev);
	CHECK_EQ(st->dev, dev);
	CHECK_EQ(st->maps[TO], 1);
	CHECK_EQ(st->maps[FROM], 2);
	CHECK_EQ(st->maps[BIDI], 1);
	CHECK_EQ(st->map_bytes[FROM], 5000);
	CHECK_EQ(st->map_bytes[BIDI], 8192);
	CHECK_EQ(st->unmaps, 1);
	CHECK_EQ(st->outstanding, 3);
	CHECK_EQ(st->outstanding_bytes, 2000 + 3000 + 8192);
	CHECK_EQ(st->outstanding_peak, 4);
	CHECK_EQ(st->syncs_for_cpu, 1);
	CHECK_EQ(st->syncs_for_device, 1);
	CHECK_EQ(st->coherent_allocs, 2);
	CHECK_EQ(st->coherent_bytes, 4096);
	CHECK_EQ(st->pool_blocks, 1);
	CHECK_EQ(st->pool_bytes, 64);
	CHECK_EQ(st->map_errors, 1);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 5);
	scn_free(s);
}

TEST(statistics_windows)
{
	struct dmas_engine_opts o = {.window_ns = 1000000}; /* 1 ms */
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(&o, &e);
	const struct dmas_dev_stats *w;
	uint64_t start, len;
	uint32_t dev;
	int i;

	scn_session(s, true);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 0);
	dmas_engine_window(e, &start, &len);
	CHECK_EQ(len, 0);
	/* window 0: 10 maps */
	for (i = 0; i < 10; i++)
		scn_map(s, dev, 0x1000 * (i + 1), 100, TO);
	scn_advance(s, 1000000);
	/* window 1: 3 unmaps, 2 maps */
	for (i = 0; i < 3; i++)
		scn_unmap(s, dev, 0x1000 * (i + 1), 100, TO);
	scn_map(s, dev, 0x100000, 50, FROM);
	scn_map(s, dev, 0x200000, 50, FROM);
	w = dmas_engine_dev_window(e, dev);
	CHECK_EQ(w->maps[TO], 10);
	CHECK_EQ(w->map_bytes[TO], 1000);
	CHECK_EQ(w->unmaps, 0);
	CHECK_EQ(w->outstanding, 10);
	CHECK_EQ(w->outstanding_peak, 10);
	dmas_engine_window(e, &start, &len);
	CHECK_EQ(start, 1000000000ULL);
	CHECK_EQ(len, 1000000);
	scn_advance(s, 1000000);
	scn_idle(s);
	w = dmas_engine_dev_window(e, dev);
	CHECK_EQ(w->maps[TO], 0);
	CHECK_EQ(w->maps[FROM], 2);
	CHECK_EQ(w->unmaps, 3);
	CHECK_EQ(w->outstanding, 9);
	CHECK_EQ(w->outstanding_peak, 10);
	dmas_engine_window(e, &start, &len);
	CHECK_EQ(start, 1001000000ULL);
	/* quiet windows in between: the last complete one is empty */
	scn_advance(s, 5500000);
	scn_idle(s);
	w = dmas_engine_dev_window(e, dev);
	CHECK_EQ(w->maps[FROM], 0);
	CHECK_EQ(w->unmaps, 0);
	CHECK_EQ(w->outstanding, 9);
	dmas_engine_window(e, &start, &len);
	CHECK_EQ(start, 1006000000ULL);
	/* the whole run is unaffected by windows */
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->maps[TO], 10);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->unmaps, 3);
	scn_free(s);
}

static struct scn *filter_run(const char *devf, const char *drvf,
			      struct dmas_engine **e, uint32_t *a, uint32_t *b)
{
	struct dmas_engine_opts o = {.device_filter = devf,
				     .driver_filter = drvf};
	struct scn *s = scn_new_engine(&o, e);

	scn_session(s, true);
	*a = scn_device(s, "0000:01:00.0", "", 0);
	*b = scn_device(s, "nvme0", "", 0);
	scn_bind(s, *a, "e1000e");
	scn_bind(s, *b, "nvme");
	scn_unmap(s, *a, 0x1000, 64, TO);
	scn_unmap(s, *b, 0x1000, 64, TO);
	scn_map(s, *a, 0x2000, 64, TO);
	scn_map(s, *b, 0x2000, 64, TO);
	scn_finish(s);
	return s;
}

TEST(device_and_driver_filters)
{
	struct dmas_engine *e;
	uint32_t a, b;
	struct scn *s;

	s = filter_run(NULL, NULL, &e, &a, &b);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped,unmap-not-mapped");
	scn_free(s);

	s = filter_run("nvme*", NULL, &e, &a, &b);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->dev, b);
	CHECK(dmas_engine_dev_stats(e, a) == NULL);
	CHECK_EQ(dmas_engine_dev_stats(e, b)->maps[TO], 1);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	scn_free(s);

	s = filter_run(NULL, "e1000e", &e, &a, &b);
	CHECK_STREQ(scn_ids(e), "unmap-not-mapped");
	CHECK_EQ(scn_finding(e, "unmap-not-mapped", 0)->dev, a);
	CHECK(dmas_engine_dev_stats(e, b) == NULL);
	scn_free(s);

	s = filter_run("0000:01:00.0", "nvme", &e, &a, &b);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

static void count_cb(const struct dmas_finding *f, void *ctx)
{
	int *n = ctx;

	(*n)++;
	CHECK(f->detail[0] != 0);
}

TEST(finding_callback_called_per_finding)
{
	int n = 0;
	struct dmas_engine_opts o = {.on_finding = count_cb, .cb_ctx = &n};
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(&o, &e);
	uint32_t dev;

	scn_session(s, true);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 0);
	scn_unmap(s, dev, 0x1000, 64, TO);
	scn_bounce(s, dev, 0x1000, 0x2000, 64, TO);
	scn_bounce(s, dev, 0x1000, 0x2000, 64, TO); /* folded */
	scn_map(s, dev, 0x3000, 64, TO);
	scn_unbind(s, dev);
	scn_finish(s);
	CHECK_EQ(n, 3);
	CHECK_EQ(dmas_engine_nr_findings(e), 3);
	scn_free(s);
}

/* A scenario touching every detector family, for determinism and tee. */
static void busy_scenario(struct scn *s)
{
	uint32_t dev, prov, st;
	int i;

	scn_session(s, false);
	scn_mem_range(s, 0, 1ULL << 30, 0);
	scn_mem_range(s, 1ULL << 30, 2ULL << 30, 1);
	dev = scn_device(s, "0000:01:00.0", "", 1);
	prov = scn_device(s, "vdmac.0", "", 0);
	scn_bind(s, dev, "nicdrv");
	scn_bind(s, prov, "vdmac");
	st = scn_stack(s, "f+0x1/0x10 [client]", NULL);
	scn_use_stack(s, st);
	scn_chan_request(s, prov, 0x77, 0, 0);
	for (i = 0; i < 200; i++) {
		uint64_t a = 0x100000 + (uint64_t)(i % 37) * 0x1000;

		scn_map_phys(s, dev, a, 2048, i % 3, 0x100000 + i * 0x1000);
		if (i % 5)
			scn_unmap(s, dev, a, i % 7 ? 2048 : 1024, i % 3);
		if (i % 11 == 0)
			scn_lost(s, 1);
		scn_map(s, prov, 0x900000 + i * 0x1000, 4096, FROM);
		scn_transfer(s, prov, 0x77, i + 1, 0x900000 + i * 0x1000, 4096,
			     FROM);
		if (i % 4)
			scn_sync_for_device(s, prov, 0x900000 + i * 0x1000,
					    4096, FROM);
	}
	scn_desc_submit(s, prov, 0x77, 1000);
	scn_module_unload(s, "client");
	scn_unbind(s, dev);
}

static void same_findings(const struct dmas_engine *a,
			  const struct dmas_engine *b)
{
	size_t i;

	CHECK_EQ(dmas_engine_nr_findings(a), dmas_engine_nr_findings(b));
	for (i = 0;
	     i < dmas_engine_nr_findings(a) && i < dmas_engine_nr_findings(b);
	     i++) {
		const struct dmas_finding *x = dmas_engine_finding(a, i);
		const struct dmas_finding *y = dmas_engine_finding(b, i);

		CHECK_EQ(x->seq, i);
		CHECK_EQ(x->kind, y->kind);
		CHECK_EQ(x->dev, y->dev);
		CHECK_EQ(x->addr, y->addr);
		CHECK_EQ(x->size, y->size);
		CHECK_EQ(x->ts, y->ts);
		CHECK_EQ(x->uncertain, y->uncertain);
		CHECK_EQ(x->repeats, y->repeats);
		CHECK_STREQ(x->detail, y->detail);
	}
}

TEST(same_input_same_findings)
{
	struct dmas_engine *a, *b;
	struct scn *sa = scn_new_engine(NULL, &a);
	struct scn *sb = scn_new_engine(NULL, &b);

	busy_scenario(sa);
	scn_finish(sa);
	busy_scenario(sb);
	scn_finish(sb);
	CHECK(dmas_engine_nr_findings(a) > 10);
	same_findings(a, b);
	scn_free(sa);
	scn_free(sb);
}

TEST(tee_sink_feeds_two_engines_alike)
{
	struct dmas_engine *a = dmas_engine_new(NULL),
			   *b = dmas_engine_new(NULL);
	struct dmas_sink sa = {0}, sb = {0}, st = {0};
	struct dmas_sink_tee tee = {{&sa, &sb}, 2};
	struct scn *s;

	dmas_sink_engine(&sa, a);
	dmas_sink_engine(&sb, b);
	dmas_sink_tee(&st, &tee);
	s = scn_new(&st);
	busy_scenario(s);
	scn_cpu_node(s, 3, 1);
	scn_idle(s);
	dmas_engine_finish(a, scn_now(s));
	dmas_engine_finish(b, scn_now(s));
	CHECK(dmas_engine_nr_findings(a) > 10);
	CHECK_EQ(dmas_engine_cpu_node(b, 3), 1);
	CHECK_EQ(dmas_engine_events(a), dmas_engine_events(b));
	same_findings(a, b);
	scn_free(s);
	dmas_engine_free(a);
	dmas_engine_free(b);
}

TEST(mapping_table_under_load)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	enum { N = 50000 };
	uint64_t *addr = malloc(N * sizeof(*addr));
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint32_t dev;
	int i;

	scn_session(s, true);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 0);
	for (i = 0; i < N; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* distinct, unaligned, some sharing a page */
		addr[i] = ((x & 0xffffff) << 12) + (uint64_t)(i % 3) * 1344;
		addr[i] += (uint64_t)i << 40;
		scn_map(s, dev, addr[i], 1300 + (i % 5) * 1000, BIDI);
	}
	/* drop every other one: chains shift back */
	for (i = 0; i < N; i += 2)
		scn_unmap(s, dev, addr[i], 1300 + (i % 5) * 1000, BIDI);
	/* the rest are still found, also by an address inside them */
	for (i = 1; i < N; i += 2) {
		scn_sync_for_cpu(s, dev, addr[i] + 1200, 100, BIDI);
		scn_sync_for_device(s, dev, addr[i], 1300 + (i % 5) * 1000,
				    BIDI);
	}
	for (i = 1; i < N; i += 2)
		scn_unmap(s, dev, addr[i], 1300 + (i % 5) * 1000, BIDI);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->unmaps, N);
	free(addr);
	scn_free(s);
}

TEST(memory_per_outstanding_mapping)
{
	struct dmas_engine *e = dmas_engine_new(NULL);
	struct dmas_event ev = {
		.kind = DMAS_EV_MAP, .dev = 1, .size = 2048, .dir = FROM};
	size_t base, per;
	enum { N = 200000 };
	int i;

	ev.ts = 1;
	dmas_engine_feed(e, &ev);
	base = dmas_engine_mem_bytes(e);
	for (i = 1; i <= N; i++) {
		ev.ts = 1 + i;
		ev.addr = (uint64_t)i * 4096;
		ev.phys = ev.addr;
		dmas_engine_feed(e, &ev);
	}
	per = (dmas_engine_mem_bytes(e) - base) / N;
	printf("     %zu bytes per outstanding mapping\n", per);
	/*
	 * a 64-byte record and its share of the hash table, with growth slack
	 */
	CHECK(per <= 160);
	CHECK_EQ(dmas_engine_nr_outstanding(e), N + 1);
	dmas_engine_free(e);
}

TEST(absurd_device_id_is_dropped_and_counted)
{
	struct dmas_engine *e = dmas_engine_new(NULL);
	struct dmas_event ev = {.ts = 1,
				.kind = DMAS_EV_MAP,
				.dev = 1u << 30,
				.addr = 0x1000,
				.size = 64};

	dmas_engine_feed(e, &ev);
	CHECK_EQ(dmas_engine_dropped(e), 1);
	CHECK_EQ(dmas_engine_events(e), 1);
	CHECK_EQ(dmas_engine_nr_outstanding(e), 0);
	CHECK(dmas_engine_device_by_id(e, 1u << 30) == NULL);
	dmas_engine_free(e);
}

TEST(device_id_zero_makes_no_device_row)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;

	scn_session(s, true);
	dev = scn_device(s, "0000:01:00.0", "e1000e", 0);
	scn_bind(s, dev, "e1000e");
	scn_map(s, dev, 0x1000, 64, TO);
	/* what the tracer sends without a device: no row 0 in any table */
	scn_iommu_map(s, DMAS_DEV_NONE, 0x10000, 4096, 0x200000);
	scn_iommu_unmap(s, DMAS_DEV_NONE, 0x10000, 4096);
	scn_iommu_fault(s, DMAS_DEV_NONE, 0x10000, 0);
	scn_module_unload(s, "e1000e");
	scn_map(s, DMAS_DEV_NONE, 0x1000, 64, TO);
	scn_unmap(s, DMAS_DEV_NONE, 0x2000, 64, TO);
	scn_finish(s);
	CHECK_EQ(dmas_engine_nr_devices(e), 1);
	CHECK_EQ(dmas_engine_device(e, 0)->id, dev);
	CHECK(dmas_engine_device_by_id(e, DMAS_DEV_NONE) == NULL);
	CHECK(dmas_engine_dev_stats(e, DMAS_DEV_NONE) == NULL);
	CHECK(dmas_engine_dev_window(e, DMAS_DEV_NONE) == NULL);
	CHECK_EQ(dmas_engine_no_device(e), 5);
	CHECK_EQ(dmas_engine_events(e), 8);
	CHECK_EQ(dmas_engine_dropped(e), 0);
	/* the mapping of device 0 was not tracked, the real one still is */
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(offset_lookups_in_large_mappings)
{
	struct dmas_engine *e;
	struct scn *s = scn_new_engine(NULL, &e);
	uint32_t dev;
	int i;

	scn_session(s, true);
	dev = scn_device(s, "0000:03:00.0", "gpu", 0);
	scn_bind(s, dev, "gpu");
	scn_map(s, dev, 0x40000000, 64ULL << 20, BIDI);
	scn_map(s, dev, 0x10000, 4096, TO);
	scn_map(s, dev, 0x20000, 2ULL << 20, FROM);
	for (i = 0; i < 1000; i++) {
		scn_sync_for_cpu(s, dev, 0x40000000 + (60ULL << 20), 4096,
				 BIDI);
		scn_sync_for_device(s, dev, 0x40000000 + (60ULL << 20), 4096,
				    BIDI);
	}
	scn_sync_for_cpu(s, dev, 0x20000 + (1ULL << 20) + 100, 64, FROM);
	scn_sync_for_cpu(s, dev, 0x10010, 16, TO);
	CHECK_STREQ(scn_ids(e), "");
	scn_unmap(s, dev, 0x40000000, 64ULL << 20, BIDI);
	scn_unmap(s, dev, 0x20000, 2ULL << 20, FROM);
	scn_sync_for_cpu(s, dev, 0x40000000 + (60ULL << 20), 4096, BIDI);
	scn_sync_for_cpu(s, dev, 0x20000 + (1ULL << 20) + 100, 64, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "sync-not-mapped,sync-not-mapped");
	CHECK_EQ(dmas_engine_nr_outstanding(e), 1);
	scn_free(s);
}

struct live_count {
	uint64_t all;
	uint64_t streaming[8]; /* by device id */
	uint64_t bytes[8];
	uint64_t coherent[8];
	uint64_t blocks[8];
};

static int count_live(const struct dmas_mapping_info *m, void *ctx)
{
	struct live_count *c = ctx;

	c->all++;
	if (m->dev < 8 &&
	    (m->kind == DMAS_EV_MAP || m->kind == DMAS_EV_MAP_SG ||
	     m->kind == DMAS_EV_MAP_RESOURCE || m->kind == DMAS_EV_IOVA_LINK)) {
		c->streaming[m->dev]++;
		c->bytes[m->dev] += m->size;
	}
	if (m->dev < 8 && (m->kind == DMAS_EV_ALLOC_COHERENT ||
			   m->kind == DMAS_EV_ALLOC_PAGES))
		c->coherent[m->dev] += m->size;
	if (m->dev < 8 && m->kind == DMAS_EV_POOL_ALLOC)
		c->blocks[m->dev]++;
	return 0;
}

/*
 * Random events of every kind over a small address space (so that
 * releases, syncs and transfers hit, miss and collide): nothing crashes
 * (under the sanitizers too), the books balance, and a second run agrees.
 */
static void soup(struct scn *s, uint64_t seed, int n)
{
	uint64_t x = seed;
	int i;

	scn_session(s, (seed & 1) != 0);
	scn_mem_range(s, 0, 1ULL << 20, 0);
	scn_mem_range(s, 1ULL << 20, 1ULL << 21, 1);
	scn_device(s, "0000:01:00.0", "a", 0);
	scn_device_flags(s, "0000:02:00.0", "b", 1, DMAS_DEVF_BOUND_BEFORE);
	scn_device(s, "vdmac.0", "vdmac", 1);
	scn_stack(s, "f+0x1/0x10 [modA]", NULL);
	scn_stack(s, "g+0x1/0x10 [modB]", "handle_softirqs+0x1/0x2",
		  "h+0x1/0x10 [modA]", NULL);
	for (i = 0; i < n; i++) {
		struct dmas_event ev = {0};

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		ev.kind = 1 + (x % (DMAS_EV_MAX - 1));
		ev.dev = 1 + ((x >> 8) % 3);
		ev.addr = ((x >> 12) % 64) * 0x800;
		ev.size = 1 + ((x >> 20) % 3) * 0x800;
		ev.dir = (x >> 24) % 4;
		ev.phys = ((x >> 28) % 1024) * 0x800;
		ev.aux = (x >> 40) % 4;
		ev.count = (x >> 44) % 5 | ((x >> 50) % 3) << 16;
		ev.stack_id = (x >> 54) % 3;
		ev.cpu = (x >> 58) % 2;
		ev.flags = (x >> 60) % 4 == 0 ? DMAS_F_ERROR
			   : (x >> 60) % 2    ? DMAS_F_WRITE
					      : 0;
		if (ev.kind == DMAS_EV_DRIVER_BIND ||
		    ev.kind == DMAS_EV_DRIVER_UNBIND ||
		    ev.kind == DMAS_EV_MODULE_UNLOAD) {
			memset(ev.name, 0, sizeof(ev.name));
			strcpy(ev.name, (x >> 20) % 2 ? "modA" : "modB");
		}
		if ((x >> 61) % 8 == 0)
			scn_advance(s, 3000000000ULL);
		scn_event(s, &ev);
	}
	scn_finish(s);
}

TEST(random_event_soup_keeps_the_books)
{
	struct dmas_engine_opts o = {.leak_age_ns = 2000000000ULL,
				     .leaks_at_exit = true};
	struct dmas_engine *a, *b;
	struct scn *sa = scn_new_engine(&o, &a), *sb = scn_new_engine(&o, &b);
	struct live_count live = {0};
	size_t i;

	soup(sa, 0x7654321, 200000);
	soup(sb, 0x7654321, 200000);
	CHECK_EQ(dmas_engine_events(a), 200000);
	CHECK(dmas_engine_nr_findings(a) > 100);
	CHECK_EQ(dmas_engine_foreach_outstanding(a, count_live, &live), 0);
	CHECK_EQ(live.all, dmas_engine_nr_outstanding(a));
	CHECK(live.all > 0);
	for (i = 0; i < dmas_engine_nr_devices(a); i++) {
		uint32_t id = dmas_engine_device(a, i)->id;
		const struct dmas_dev_stats *st = dmas_engine_dev_stats(a, id);

		CHECK(id < 8);
		CHECK_EQ(st->outstanding, live.streaming[id]);
		CHECK_EQ(st->outstanding_bytes, live.bytes[id]);
		CHECK_EQ(st->coherent_bytes, live.coherent[id]);
		CHECK_EQ(st->pool_blocks, live.blocks[id]);
		CHECK(st->outstanding <= st->outstanding_peak);
	}
	CHECK_EQ(dmas_engine_dropped(a), 0);
	same_findings(a, b);
	scn_free(sa);
	scn_free(sb);
}
