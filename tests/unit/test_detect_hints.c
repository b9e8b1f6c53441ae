/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_hints.c - performance hints: swiotlb bouncing (one per
 * device), map churn of the same buffer (fires above the rate threshold,
 * silent below it and for distinct buffers).
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE

static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, true);
	*dev = scn_device(s, "0000:00:03.0", "e1000e", 0);
	scn_bind(s, *dev, "e1000e");
	return s;
}

TEST(swiotlb_bounce_once_per_device)
{
	struct dmas_engine *e;
	uint32_t dev, dev2;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	dev2 = scn_device(s, "0000:00:04.0", "nvme", 0);
	scn_bounce(s, dev, 0x1000, 0x7000000, 1500, TO);
	scn_bounce(s, dev, 0x2000, 0x7001000, 1500, TO);
	scn_bounce(s, dev, 0x3000, 0x7002000, 1000, TO);
	scn_bounce(s, dev2, 0x3000, 0x7002000, 512, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "swiotlb-bounce,swiotlb-bounce");
	f = scn_finding(e, "swiotlb-bounce", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_STREQ(
		f->detail,
		"3 mappings bounced through swiotlb, 4000 bytes copied (4000 to the device, 0 back); why: not known");
	CHECK_EQ(scn_finding(e, "swiotlb-bounce", 1)->dev, dev2);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->bounced, 3);
	scn_free(s);
}

TEST(map_churn_same_buffer_hot)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	st = scn_stack(s, "cmd_send+0x10/0x80 [e1000e]", NULL);
	scn_use_stack(s, st);
	for (i = 0; i < 300; i++) {
		scn_map_phys(s, dev, 0x10000, 64, TO, 0x5550000);
		scn_unmap(s, dev, 0x10000, 64, TO);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "map-churn");
	f = scn_finding(e, "map-churn", 0);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->map_stack, st);
	CHECK_STREQ(f->detail, "1 buffer mapped 256+ times within 1 s");
	scn_free(s);
}

TEST(map_churn_silent_when_slow_or_distinct)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	int i;

	/* the same buffer, 100 times a second */
	for (i = 0; i < 600; i++) {
		scn_map_phys(s, dev, 0x10000, 64, TO, 0x5550000);
		scn_unmap(s, dev, 0x10000, 64, TO);
		scn_advance(s, 10000000);
	}
	/* many different buffers, fast (a tx path mapping each skb) */
	for (i = 0; i < 5000; i++) {
		scn_map_phys(s, dev, 0x100000 + i * 0x800, 1500, TO,
			     0x8000000 + i * 0x800);
		scn_unmap(s, dev, 0x100000 + i * 0x800, 1500, TO);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(map_churn_behind_an_iommu_names_the_first_mapping)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	int i;

	/* the same page, a new IOVA each time */
	for (i = 0; i < 300; i++) {
		uint64_t iova = 0xfff00000ULL - (uint64_t)i * 0x1000;

		scn_map_phys(s, dev, iova, 4096, TO, 0x5550000);
		scn_unmap(s, dev, iova, 4096, TO);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "map-churn");
	CHECK_EQ(scn_finding(e, "map-churn", 0)->addr, 0xfff00000ULL);
	CHECK_EQ(scn_finding(e, "map-churn", 0)->size, 4096);
	scn_free(s);
}
