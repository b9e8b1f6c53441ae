// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_detect_masks.c - DMA masks and swiotlb bouncing: mappings above the
 * mask, masks changed with mappings live, drivers that never set a mask,
 * and the bytes swiotlb copied per device with the reason it bounced.
 */
#include <stdio.h>

#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define M32 0xffffffffULL
#define M64 (~0ULL)
#define HOOKS "fentry+fexit:dma_set_mask dma_set_coherent_mask"

static struct scn *setup(struct dmas_engine **e, const char *hooks)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session_hooks(s, false, hooks);
	return s;
}

TEST(map_above_mask_fires_for_streaming_coherent_and_bus_limit)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, "");
	const struct dmas_finding *f;
	uint32_t dev, lim;

	dev = scn_device_mask(s, "0000:00:05.0", "edu", M32,
			      DMAS_DEVF_BOUND_BEFORE);
	lim = scn_device_mask(s, "0000:00:06.0", "nic", M64,
			      DMAS_DEVF_BOUND_BEFORE);
	scn_map(s, dev, 0x100000000ULL, 4096, TO); /* above */
	scn_map(s, dev, 0xfffff000ULL, 4096, TO); /* ends at the mask */
	scn_unmap(s, dev, 0xfffff000ULL, 4096, TO);
	scn_map(s, dev, 0xfffff800ULL, 4096, FROM); /* crosses it */
	/* coherent memory follows the coherent mask, streaming does not */
	scn_dma_mask(s, dev, M32, 0xffffffULL, true, 0, 0);
	scn_alloc_coherent(s, dev, 0x2000000, 4096);
	scn_map(s, dev, 0x3000000, 4096, TO);
	/* the bus limit lowers a 64-bit mask */
	scn_dma_mask(s, lim, M64, M64, false, 0, 0x3fffffffULL);
	scn_map(s, lim, 0x40000000ULL, 4096, TO);
	scn_map(s, lim, 0x3ffff000ULL, 4096, TO);
	scn_finish(s);
	CHECK_EQ(scn_count(e, "map-above-mask"), 4);
	f = scn_finding(e, "map-above-mask", 0);
	CHECK_EQ(f->severity, DMAS_SEV_ERROR);
	CHECK_EQ(f->addr, 0x100000000ULL);
	CHECK_STREQ(
		f->detail,
		"dma range ends at 0x100000fff, above the device's streaming mask 0xffffffff");
	CHECK_EQ(scn_finding(e, "map-above-mask", 1)->addr, 0xfffff800ULL);
	f = scn_finding(e, "map-above-mask", 2);
	CHECK_EQ(f->addr, 0x2000000);
	CHECK_STREQ(
		f->detail,
		"dma range ends at 0x2000fff, above the device's coherent mask 0xffffff");
	f = scn_finding(e, "map-above-mask", 3);
	CHECK_EQ(f->dev, lim);
	CHECK_EQ(f->addr, 0x40000000ULL);
	CHECK_EQ(dmas_engine_dev_masks(e, lim)->bus_limit, 0x3fffffffULL);
	CHECK_EQ(dmas_engine_dev_masks(e, dev)->coherent_mask, 0xffffffULL);
	scn_free(s);
}

TEST(map_above_mask_silent_when_mask_unknown_or_wide)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, "");
	uint32_t none, wide;

	none = scn_device_mask(s, "vdmac.0", "vdmac", 0,
			       DMAS_DEVF_BOUND_BEFORE);
	wide = scn_device_mask(s, "0000:00:07.0", "nvme", M64,
			       DMAS_DEVF_BOUND_BEFORE);
	scn_map(s, none, 0x500000000ULL, 4096, TO);
	scn_map(s, wide, 0x500000000ULL, 4096, TO);
	scn_alloc_coherent(s, wide, 0x600000000ULL, 4096);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(mask_changed_while_mapped_fires)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, HOOKS);
	const struct dmas_finding *f;
	uint32_t dev;

	dev = scn_device_mask(s, "vdmac.0", "vdmac", M64,
			      DMAS_DEVF_BOUND_BEFORE);
	scn_map(s, dev, 0x10000, 4096, TO);
	scn_map(s, dev, 0x20000, 2048, FROM);
	scn_dma_mask(s, dev, M64, M32, false, 0, 0);
	scn_alloc_coherent(s, dev, 0x30000, 8192);
	scn_dma_mask(s, dev, M64, M32, true, 0, 0);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e),
		    "mask-changed-while-mapped,mask-changed-while-mapped");
	f = scn_finding(e, "mask-changed-while-mapped", 0);
	CHECK_EQ(f->severity, DMAS_SEV_WARNING);
	CHECK_EQ(f->dev, dev);
	CHECK_STREQ(
		f->detail,
		"streaming mask changed from 0xffffffffffffffff to 0xffffffff with 2 mappings (6144 bytes) outstanding");
	CHECK_STREQ(
		scn_finding(e, "mask-changed-while-mapped", 1)->detail,
		"coherent mask changed from 0xffffffffffffffff to 0xffffffff with 8192 bytes of coherent and pool memory outstanding");
	CHECK_EQ(dmas_engine_dev_masks(e, dev)->dma_mask, M32);
	CHECK_EQ(dmas_engine_dev_masks(e, dev)->sets, 2);
	scn_free(s);
}

TEST(mask_changed_silent_when_nothing_live_same_mask_or_failed)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, HOOKS);
	uint32_t dev;

	dev = scn_device_mask(s, "vdmac.0", "vdmac", M64,
			      DMAS_DEVF_BOUND_BEFORE);
	/* dma_set_mask_and_coherent again with the same mask */
	scn_map(s, dev, 0x10000, 4096, TO);
	scn_dma_mask(s, dev, M64, M64, false, 0, 0);
	scn_dma_mask(s, dev, M64, M64, true, 0, 0);
	/* a mask the platform refused changes nothing */
	scn_dma_mask(s, dev, M64, 0xffffff, false, -5, 0);
	scn_unmap(s, dev, 0x10000, 4096, TO);
	/* nothing outstanding */
	scn_dma_mask(s, dev, M64, M32, false, 0, 0);
	scn_dma_mask(s, dev, M64, M32, true, 0, 0);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_masks(e, dev)->set_failures, 1);
	CHECK_EQ(dmas_engine_dev_masks(e, dev)->dma_mask, M32);
	scn_free(s);
}

TEST(mask_never_set_fires_when_the_probe_was_traced)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, HOOKS);
	const struct dmas_finding *f;
	uint32_t inprobe, after;

	/* maps in probe, its bind is reported when probe returns */
	inprobe = scn_device_mask(s, "lazy.0", "", M32, 0);
	scn_map(s, inprobe, 0x10000, 4096, TO);
	scn_bind(s, inprobe, "lazy");
	/* binds, maps later */
	after = scn_device_mask(s, "0000:00:08.0", "", M32, DMAS_DEVF_ADDED);
	scn_bind(s, after, "lazynic");
	scn_map(s, after, 0x20000, 1500, FROM);
	scn_map(s, after, 0x30000, 1500, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "mask-never-set,mask-never-set");
	f = scn_finding(e, "mask-never-set", 0);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_EQ(f->dev, inprobe);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_STREQ(
		f->detail,
		"first DMA mapping with no dma_set_mask call seen since the driver's probe; the default mask 0xffffffff applies");
	f = scn_finding(e, "mask-never-set", 1);
	CHECK_EQ(f->dev, after);
	CHECK_EQ(f->addr, 0x20000);
	scn_free(s);
}

TEST(mask_never_set_silent_when_set_unseen_or_not_watched)
{
	struct dmas_engine *e, *e2;
	struct scn *s = setup(&e, HOOKS), *s2;
	uint32_t good, before, nobind, dev2;

	good = scn_device_mask(s, "good.0", "", M32, 0);
	scn_dma_mask(s, good, M32, M64, false, 0, 0);
	scn_map(s, good, 0x10000, 4096, TO);
	scn_bind(s, good, "good");
	/* bound before tracing: its probe was not seen */
	before =
		scn_device_mask(s, "old.0", "old", M32, DMAS_DEVF_BOUND_BEFORE);
	scn_bind(s, before, "old");
	scn_map(s, before, 0x20000, 4096, TO);
	/* no bind seen at all */
	nobind = scn_device_mask(s, "raw.0", "", M32, 0);
	scn_map(s, nobind, 0x30000, 4096, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);

	/* a recording whose tracer did not watch the mask calls */
	s2 = setup(&e2, "fexit:dma_map_page_attrs");
	dev2 = scn_device_mask(s2, "lazy.0", "", M32, 0);
	scn_map(s2, dev2, 0x10000, 4096, TO);
	scn_bind(s2, dev2, "lazy");
	scn_finish(s2);
	CHECK_STREQ(scn_ids(e2), "");
	scn_free(s2);
}

TEST(bounce_bytes_both_ways_and_why)
{
	struct dmas_engine *e;
	struct scn *s = setup(&e, HOOKS);
	const struct dmas_dev_masks *mk;
	const struct dmas_finding *f;
	uint32_t low, forced;

	low = scn_device_mask(s, "0000:00:05.0", "edu", 0xfffffffULL,
			      DMAS_DEVF_BOUND_BEFORE);
	forced = scn_device_mask(s, "0000:00:09.0", "nvme", M64,
				 DMAS_DEVF_BOUND_BEFORE |
					 DMAS_DEVF_SWIOTLB_FORCE);
	/* a buffer above the 28-bit mask: copied in at map, out at unmap */
	scn_bounce(s, low, 0x12000000, 0x12000000, 4096, FROM);
	scn_map_phys(s, low, 0x7000000, 4096, FROM, 0x12000000);
	scn_sync_for_cpu(s, low, 0x7000000, 4096, FROM);
	scn_unmap(s, low, 0x7000000, 4096, FROM);
	/* a low buffer bounced because swiotlb is forced: TO_DEVICE */
	scn_bounce(s, forced, 0x1000000, 0x1000000, 1024, TO);
	scn_map_phys(s, forced, 0x7100000, 1024, TO, 0x1000000);
	scn_sync_for_device(s, forced, 0x7100000, 1024, TO);
	scn_unmap(s, forced, 0x7100000, 1024, TO);
	/* a mapping that did not bounce copies nothing */
	scn_map(s, forced, 0x200000, 4096, FROM);
	scn_unmap(s, forced, 0x200000, 4096, FROM);
	scn_finish(s);
	mk = dmas_engine_dev_masks(e, low);
	CHECK_EQ(mk->bounce_to_device, 4096);
	CHECK_EQ(mk->bounce_from_device, 8192);
	CHECK_EQ(mk->bounce_why, DMAS_BOUNCE_MASK);
	CHECK_EQ(dmas_engine_dev_stats(e, low)->bounce_bytes, 12288);
	mk = dmas_engine_dev_masks(e, forced);
	CHECK_EQ(mk->bounce_to_device, 2048);
	CHECK_EQ(mk->bounce_from_device, 0);
	CHECK(mk->swiotlb_forced);
	CHECK_EQ(mk->bounce_why, DMAS_BOUNCE_FORCED);
	f = scn_finding(e, "swiotlb-bounce", 0);
	CHECK_STREQ(
		f->detail,
		"1 mapping bounced through swiotlb, 12288 bytes copied (4096 to the device, 8192 back); why: buffers above the device's mask");
	f = scn_finding(e, "swiotlb-bounce", 1);
	CHECK_STREQ(
		f->detail,
		"1 mapping bounced through swiotlb, 2048 bytes copied (2048 to the device, 0 back); why: swiotlb=force");
	scn_free(s);
}
