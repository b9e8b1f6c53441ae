/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_iommu.c - IOMMU faults become findings tied to the mapping
 * that covered the IOVA: a use after unmap (both stacks), an access
 * against a live mapping's direction, an address nothing covered; devices
 * without translation keep no history.
 */
#include <string.h>

#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE

static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, true);
	*dev = scn_device_flags(s, "0000:00:04.0", "edu_dma", -1,
				DMAS_DEVF_IOMMU);
	scn_bind(s, *dev, "edu_dma");
	return s;
}

TEST(iommu_fault_after_unmap_names_both_stacks)
{
	struct dmas_engine *e;
	uint32_t dev, mst, ust, other;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	uint64_t map_ts;

	mst = scn_stack(s, "edu_dma_map+0x10/0x80 [edu_dma]", NULL);
	ust = scn_stack(s, "edu_dma_unmap+0x10/0x80 [edu_dma]", NULL);
	other = scn_stack(s, "edu_dma_other+0x10/0x80 [edu_dma]", NULL);
	scn_use_stack(s, mst);
	map_ts = scn_now(s);
	scn_map(s, dev, 0xfff00000, 8192, FROM);
	scn_use_stack(s, ust);
	scn_unmap(s, dev, 0xfff00000, 8192, FROM);
	/* a later mapping elsewhere does not hide the released one */
	scn_use_stack(s, other);
	scn_map(s, dev, 0xffe00000, 4096, FROM);
	scn_use_stack(s, 0);
	scn_iommu_fault(s, dev, 0xfff01000, 2);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "iommu-fault");
	f = scn_finding(e, "iommu-fault", 0);
	CHECK(f != NULL);
	if (!f)
		goto out;
	CHECK_EQ(f->severity, DMAS_SEV_ERROR);
	CHECK_EQ(f->addr, 0xfff00000);
	CHECK_EQ(f->size, 8192);
	CHECK_EQ(f->map_stack, mst);
	CHECK_EQ(f->map_ts, map_ts);
	CHECK_EQ(f->close_stack, ust);
	CHECK_EQ(f->close_kind, DMAS_EV_UNMAP);
	CHECK(strstr(f->detail,
		     "at iova 0xfff01000 after the mapping was released (use after unmap") !=
	      NULL);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->iommu_faults, 1);
out:
	scn_free(s);
}

TEST(iommu_fault_inside_a_live_mapping_is_its_direction)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0xfff00000, 4096, TO);
	scn_iommu_fault(s, dev, 0xfff00010, 2);
	scn_unmap(s, dev, 0xfff00000, 4096, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "iommu-fault");
	f = scn_finding(e, "iommu-fault", 0);
	if (f)
		CHECK(strstr(f->detail,
			     "inside a live to-device mapping (offset 16)") !=
		      NULL);
	scn_free(s);
}

TEST(iommu_fault_nothing_covered)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0xfff00000, 4096, TO);
	scn_unmap(s, dev, 0xfff00000, 4096, TO);
	scn_iommu_fault(s, dev, 0x1000, 1);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "iommu-fault");
	f = scn_finding(e, "iommu-fault", 0);
	if (f) {
		CHECK(strstr(f->detail, "no mapping of this device") != NULL);
		CHECK_EQ(f->uncertain, 0);
	}
	scn_free(s);
}

/* another device's release at the same IOVA is not this device's */
TEST(iommu_fault_history_is_per_device)
{
	struct dmas_engine *e;
	uint32_t dev, dev2;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	dev2 = scn_device_flags(s, "0000:00:05.0", "nic", -1, DMAS_DEVF_IOMMU);
	scn_bind(s, dev2, "nic");
	scn_map(s, dev2, 0xfff00000, 4096, TO);
	scn_unmap(s, dev2, 0xfff00000, 4096, TO);
	scn_iommu_fault(s, dev, 0xfff00000, 1);
	scn_finish(s);
	f = scn_finding(e, "iommu-fault", 0);
	CHECK(f != NULL);
	if (f) {
		CHECK_EQ(f->dev, dev);
		CHECK(strstr(f->detail, "no mapping of this device") != NULL);
	}
	scn_free(s);
}

/* no faults, no findings, however many releases */
TEST(iommu_clean_device_is_silent)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	for (int i = 0; i < 10000; i++) {
		scn_map(s, dev, 0xfff00000 + (i % 7) * 4096, 4096, FROM);
		scn_unmap(s, dev, 0xfff00000 + (i % 7) * 4096, 4096, FROM);
	}
	scn_finish(s);
	CHECK_EQ(scn_count(e, "iommu-fault"), 0);
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->iommu_faults, 0);
	scn_free(s);
}
