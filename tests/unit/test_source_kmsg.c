// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_source_kmsg.c - the Intel IOMMU's fault lines in the kernel log
 * (drivers/iommu/intel/dmar.c's formats) parsed into device and IOVA; other
 * lines and interrupt-remapping faults are not DMA faults.
 */
#include <string.h>

#include "source/kmsg.h"
#include "testlib.h"

TEST(dmar_fault_lines_parse)
{
	struct dmas_dmar_fault f;

	CHECK(dmas_dmar_parse(
		"DMAR: [DMA Write NO_PASID] Request device [00:04.0] fault addr 0xfffff000 [fault reason 0x05] PTE Write access is not set",
		&f));
	CHECK_STREQ(f.device, "0000:00:04.0");
	CHECK_EQ(f.addr, 0xfffff000);
	CHECK(f.write);
	CHECK_EQ(f.reason, 5);
	CHECK(dmas_dmar_parse(
		"DMAR: [DMA Read PASID 0x2] Request device [1a:1f.7] fault addr 0x1000 [fault reason 0x06] PTE Read access is not set",
		&f));
	CHECK_STREQ(f.device, "0000:1a:1f.7");
	CHECK_EQ(f.addr, 0x1000);
	CHECK(!f.write);
}

TEST(dmar_other_lines_are_not_faults)
{
	struct dmas_dmar_fault f;

	CHECK(!dmas_dmar_parse(
		"DMAR: [INTR-REMAP] Request device [f0:1f.0] fault index 0x0 [fault reason 0x25] Blocked a compatibility format interrupt request",
		&f));
	CHECK(!dmas_dmar_parse("DMAR: IOMMU enabled", &f));
	CHECK(!dmas_dmar_parse("DMAR: [DMA Write NO_PASID] Request device [zz",
			       &f));
	CHECK(!dmas_dmar_parse("", &f));
}
