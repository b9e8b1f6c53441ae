/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_numa.c - NUMA placement: remote buffers and remote mapping
 * CPUs are found once per (device, creating stack) with counts; local
 * buffers, unknown nodes and devices without a node stay silent.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define GB (1ULL << 30)

static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, true);
	scn_mem_range(s, 0, GB, 0);
	scn_mem_range(s, GB, 2 * GB, 1);
	*dev = scn_device(s, "0000:10:00.0", "nvme", 1);
	scn_bind(s, *dev, "nvme");
	return s;
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

TEST(numa_remote_buffer_once_per_stack_with_counts)
{
	struct dmas_engine *e;
	uint32_t dev, st1, st2;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	st1 = scn_stack(s, "nvme_map_data+0x10/0x300 [nvme]", NULL);
	st2 = scn_stack(s, "nvme_alloc_queue+0x10/0x100 [nvme]", NULL);
	scn_use_stack(s, st1);
	scn_map_phys(s, dev, 0x1000, 4096, TO, 0x100000); /* node 0 */
	scn_map_phys(s, dev, 0x2000, 8192, TO, 0x200000); /* node 0 */
	scn_map_phys(s, dev, 0x4000, 4096, TO, GB + 0x1000); /* local */
	scn_use_stack(s, st2);
	scn_alloc_coherent_phys(s, dev, 0x10000, 16384, 0x300000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-buffer,numa-remote-buffer");
	f = scn_finding(e, "numa-remote-buffer", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->map_stack, st1);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK_EQ(f->uncertain, 0);
	CHECK_STREQ(f->detail,
		    "2 remote mappings, 12288 bytes: buffer on node 0, "
		    "device on node 1");
	f = scn_finding(e, "numa-remote-buffer", 1);
	CHECK_EQ(f->map_kind, DMAS_EV_ALLOC_COHERENT);
	CHECK_EQ(f->map_stack, st2);
	CHECK_STREQ(f->detail,
		    "1 remote mapping, 16384 bytes: buffer on node 0, "
		    "device on node 1");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->remote_bytes, 12288 + 16384);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->local_bytes, 4096);
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

TEST(numa_remote_cpu_is_info)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_cpu_node(s, 0, 0);
	scn_cpu_node(s, 1, 1);
	CHECK_EQ(dmas_engine_cpu_node(e, 0), 0);
	CHECK_EQ(dmas_engine_cpu_node(e, 1), 1);
	CHECK_EQ(dmas_engine_cpu_node(e, 7), -1);
	scn_use_cpu(s, 1);
	scn_map_phys(s, dev, 0x1000, 4096, TO, GB + 0x1000);
	scn_use_cpu(s, 7); /* node unknown */
	scn_map_phys(s, dev, 0x2000, 4096, TO, GB + 0x2000);
	CHECK_STREQ(scn_ids(e), "");
	scn_use_cpu(s, 0);
	/* allocations land on the device's node whoever asks: not counted */
	scn_alloc_coherent_phys(s, dev, 0x9000, 4096, GB + 0x9000);
	scn_map_phys(s, dev, 0x3000, 4096, TO, GB + 0x3000);
	scn_map_phys(s, dev, 0x4000, 4096, TO, GB + 0x4000);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "numa-remote-cpu");
	f = scn_finding(e, "numa-remote-cpu", 0);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_EQ(f->addr, 0x3000);
	CHECK_STREQ(f->detail,
		    "2 mappings made from CPUs on node 0, device on node 1");
	scn_free(s);
}
