// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_detect_isolation.c - IOMMU isolation of devices below external
 * ports: untranslated DMA (no group, identity) and bouncing fire once per
 * device; translated, fixed, unknown and blocked devices stay silent.
 */
#include <stdio.h>

#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE

static struct scn *setup(struct dmas_engine **e)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, true);
	return s;
}

TEST(isolation_untranslated_external_fires_once_per_device)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e);
	const struct dmas_finding *f;
	uint32_t none, ident, st;

	none = scn_device_iso(s, "0000:05:00.0", "tbtnic", DMAS_IOMMU_NONE, 0,
			      DMAS_PORT_REMOVABLE);
	ident = scn_device_iso(s, "0000:06:00.0", "tbtdisk",
			       DMAS_IOMMU_IDENTITY, 7, DMAS_PORT_UNTRUSTED);
	st = scn_stack(s, "tbt_xmit+0x10/0x80 [tbtnic]", NULL);
	scn_use_stack(s, st);
	scn_map(s, none, 0x1000, 1500, TO);
	scn_map(s, none, 0x3000, 500, FROM);
	scn_alloc_coherent(s, none, 0x8000, 4096);
	scn_use_stack(s, 0);
	scn_map(s, ident, 0x9000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "external-dma-untranslated,external-dma-untranslated");
	f = scn_finding(e, "external-dma-untranslated", 0);
	CHECK_EQ(f->dev, none);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_EQ(f->addr, 0x1000);
	CHECK_EQ(f->map_stack, st);
	CHECK_STREQ(
		f->detail,
		"3 mappings (6096 bytes) with no IOMMU group, port removable");
	f = scn_finding(e, "external-dma-untranslated", 1);
	CHECK_EQ(f->dev, ident);
	CHECK_STREQ(
		f->detail,
		"1 mapping (4096 bytes) with an identity (passthrough) IOMMU domain, port untrusted");
	scn_free(s);
}

TEST(isolation_silent_when_translated_fixed_or_unknown)
{
	static const struct {
		uint8_t domain, port;
	} quiet[] = {
		/* translated below an external port: what the IOMMU is for */
		{DMAS_IOMMU_DMA, DMAS_PORT_REMOVABLE},
		{DMAS_IOMMU_DMA_FQ, DMAS_PORT_UNTRUSTED},
		/* untranslated but inside the machine */
		{DMAS_IOMMU_NONE, DMAS_PORT_FIXED},
		{DMAS_IOMMU_IDENTITY, DMAS_PORT_UNKNOWN},
		/* facts not known (older recording): never a guess */
		{DMAS_IOMMU_UNKNOWN, DMAS_PORT_REMOVABLE},
		/* blocked: no DMA gets through at all */
		{DMAS_IOMMU_BLOCKED, DMAS_PORT_REMOVABLE},
	};
	struct dmas_engine *e;
	struct scn *s = setup(&e);
	char name[16];

	for (unsigned int i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		uint32_t dev;

		snprintf(name, sizeof(name), "0000:%02x:00.0", i + 5);
		dev = scn_device_iso(s, name, "drv", quiet[i].domain, i + 3,
				     quiet[i].port);
		scn_map(s, dev, 0x1000, 4096, TO);
		scn_unmap(s, dev, 0x1000, 4096, TO);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(isolation_bounce_of_external_device_fires)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e);
	const struct dmas_finding *f;
	uint32_t ext, fixed;

	ext = scn_device_iso(s, "0000:05:00.0", "tbtnic", DMAS_IOMMU_DMA, 3,
			     DMAS_PORT_UNTRUSTED);
	fixed = scn_device_iso(s, "0000:07:00.0", "e1000e", DMAS_IOMMU_DMA, 4,
			       DMAS_PORT_FIXED);
	scn_bounce(s, ext, 0x1000, 0x7000000, 100, TO);
	scn_bounce(s, ext, 0x2000, 0x7001000, 200, FROM);
	scn_bounce(s, fixed, 0x3000, 0x7002000, 512, TO);
	scn_finish(s);
	/* every bounce is a hint; only the external device's is isolation */
	CHECK_EQ(scn_count(e, "swiotlb-bounce"), 2);
	CHECK_EQ(scn_count(e, "external-dma-bounced"), 1);
	f = scn_finding(e, "external-dma-bounced", 0);
	CHECK_EQ(f->dev, ext);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_STREQ(
		f->detail,
		"2 mappings (300 bytes) bounced through swiotlb, IOMMU domain DMA, port untrusted");
	scn_free(s);
}
