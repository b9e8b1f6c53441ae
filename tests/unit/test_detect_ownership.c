/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * test_detect_ownership.c - the buffer-ownership state machine: correct
 * streaming reuse (rx rings, page_pool recycling, sg lists synced in part)
 * stays silent; missing syncs proven by dmaengine transfers and CPU access
 * while the device owns a buffer are reported.
 */
#include "scenario.h"
#include "testlib.h"

#define TO DMAS_DIR_TO_DEVICE
#define FROM DMAS_DIR_FROM_DEVICE
#define BIDI DMAS_DIR_BIDIRECTIONAL
#define SKIP_CPU_SYNC (1 << 5)
#define CHAN 0xffff888012340000ULL

static struct scn *setup(struct dmas_engine **e, uint32_t *dev)
{
	struct scn *s = scn_new_engine(NULL, e);

	scn_session(s, false);
	*dev = scn_device(s, "vdmac.0", "", 0);
	scn_bind(s, *dev, "vdmac");
	return s;
}

TEST(rx_ring_reuse_with_syncs_is_silent)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	int round, i;

	for (i = 0; i < 8; i++)
		scn_map(s, dev, 0x100000 + i * 0x1000, 2048, FROM);
	for (round = 0; round < 50; round++) {
		for (i = 0; i < 8; i++) {
			uint64_t a = 0x100000 + i * 0x1000;

			/* the device wrote a packet; the driver reads it */
			scn_sync_for_cpu(s, dev, a, 2048, FROM);
			scn_cpu_access(s, dev, a, 60, false);
			scn_sync_for_device(s, dev, a, 2048, FROM);
		}
	}
	for (i = 0; i < 8; i++)
		scn_unmap(s, dev, 0x100000 + i * 0x1000, 2048, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	CHECK_EQ(dmas_engine_dev_stats(e, dev)->syncs_for_cpu, 400);
	scn_free(s);
}

TEST(page_pool_recycling_is_silent)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	int round;

	/* page_pool maps with SKIP_CPU_SYNC, then syncs the frame area */
	scn_map_attrs(s, dev, 0x200000, 4096, FROM, SKIP_CPU_SYNC);
	scn_sync_for_device(s, dev, 0x200000, 4096, FROM);
	for (round = 0; round < 20; round++) {
		if (round % 2)
			/* packet read by the stack */
			scn_sync_for_cpu(s, dev, 0x200100, 1514, FROM);
		/* dropped or done: recycled with a partial sync */
		scn_sync_for_device(s, dev, 0x200100, 1536, FROM);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(sync_for_device_after_map_without_evidence_is_only_redundant)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;
	int i;

	st = scn_stack(s, "nic_refill+0x10/0x80 [nicdrv]", NULL);
	scn_use_stack(s, st);
	for (i = 0; i < 5; i++) {
		scn_map(s, dev, 0x300000 + i * 0x1000, 2048, FROM);
		scn_sync_for_device(s, dev, 0x300000 + i * 0x1000, 2048, FROM);
	}
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "redundant-sync");
	f = scn_finding(e, "redundant-sync", 0);
	CHECK_EQ(f->severity, DMAS_SEV_INFO);
	CHECK_EQ(f->addr, 0x300000);
	CHECK_EQ(f->close_stack, st);
	CHECK_STREQ(
		f->detail,
		"5 syncs gave the buffer to the side that already owned it");
	scn_free(s);
}

TEST(redundant_sync_for_cpu_twice)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x10000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x10000, 4096, FROM);
	/* partial syncs of header then payload are not redundant */
	scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x10000, 128, FROM);
	scn_sync_for_cpu(s, dev, 0x10080, 1024, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "redundant-sync");
	scn_free(s);
}

TEST(missing_sync_for_cpu_after_completed_transfer)
{
	struct dmas_engine *e;
	uint32_t dev, st;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	st = scn_stack(s, "client_rx+0x10/0x80 [vdmac_client]", NULL);
	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_use_stack(s, st);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_use_stack(s, 0);
	scn_transfer(s, dev, CHAN, 1, 0x10000, 4096, FROM);
	/* handed back without looking: the CPU never took it */
	scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "missing-sync-for-cpu");
	f = scn_finding(e, "missing-sync-for-cpu", 0);
	CHECK_EQ(f->dev, dev);
	CHECK_EQ(f->addr, 0x10000);
	CHECK_EQ(f->size, 4096);
	CHECK_EQ(f->dir, FROM);
	CHECK_EQ(f->map_stack, st);
	CHECK_EQ(f->close_kind, DMAS_EV_SYNC_FOR_DEVICE);
	CHECK_EQ(f->uncertain, 0);
	scn_free(s);
}

TEST(missing_sync_for_cpu_by_new_transfer)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, BIDI);
	scn_transfer(s, dev, CHAN, 1, 0x10000, 4096, FROM);
	/* target at an offset inside the mapping */
	scn_transfer(s, dev, CHAN, 2, 0x10800, 1024, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "missing-sync-for-cpu");
	CHECK_EQ(scn_finding(e, "missing-sync-for-cpu", 0)->close_kind,
		 DMAS_EV_DESC_SUBMIT);
	scn_free(s);
}

TEST(transfers_with_correct_syncs_are_silent)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	int i;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_map(s, dev, 0x20000, 4096, TO);
	for (i = 0; i < 10; i++) {
		/* rx: device writes, CPU takes and reads, gives back */
		scn_transfer(s, dev, CHAN, 2 * i + 1, 0x10000, 4096, FROM);
		scn_sync_for_cpu(s, dev, 0x10000, 4096, FROM);
		scn_cpu_access(s, dev, 0x10000, 4096, false);
		scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
		/* tx: CPU takes, writes, gives back, device reads */
		scn_sync_for_cpu(s, dev, 0x20000, 4096, TO);
		scn_cpu_access(s, dev, 0x20000, 4096, true);
		scn_sync_for_device(s, dev, 0x20000, 4096, TO);
		scn_transfer(s, dev, CHAN, 2 * i + 2, 0x20000, 4096, TO);
	}
	/* first transfer right after map needs no sync */
	scn_map(s, dev, 0x30000, 4096, TO);
	scn_transfer(s, dev, CHAN, 100, 0x30000, 4096, TO);
	scn_unmap(s, dev, 0x30000, 4096, TO);
	scn_unmap(s, dev, 0x10000, 4096, FROM);
	scn_unmap(s, dev, 0x20000, 4096, TO);
	scn_chan_release(s, dev, CHAN);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}

TEST(missing_sync_for_device_after_cpu_write)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x20000, 4096, TO);
	scn_transfer(s, dev, CHAN, 1, 0x20000, 4096, TO);
	scn_sync_for_cpu(s, dev, 0x20000, 4096, TO);
	scn_cpu_access(s, dev, 0x20000, 512, true);
	scn_transfer(s, dev, CHAN, 2, 0x20000, 4096, TO);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "missing-sync-for-device");
	f = scn_finding(e, "missing-sync-for-device", 0);
	CHECK_EQ(f->addr, 0x20000);
	CHECK_EQ(f->dir, TO);
	CHECK_CONTAINS(f->detail, "and wrote it");
	scn_free(s);
}

TEST(missing_sync_for_device_needs_a_write_or_no_knowledge)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	/* the CPU only read it: nothing to flush */
	scn_map(s, dev, 0x20000, 4096, TO);
	scn_sync_for_cpu(s, dev, 0x20000, 4096, TO);
	scn_cpu_access(s, dev, 0x20000, 64, false);
	scn_transfer(s, dev, CHAN, 1, 0x20000, 4096, TO);
	CHECK_STREQ(scn_ids(e), "");
	/* no CPU_ACCESS instrumentation: assume it wrote */
	scn_map(s, dev, 0x30000, 4096, BIDI);
	scn_sync_for_cpu(s, dev, 0x30000, 4096, BIDI);
	scn_transfer(s, dev, CHAN, 2, 0x30000, 4096, TO);
	/* a FROM_DEVICE buffer the CPU holds: not this finding */
	scn_map(s, dev, 0x40000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x40000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 3, 0x40000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "missing-sync-for-device");
	CHECK_EQ(scn_finding(e, "missing-sync-for-device", 0)->addr, 0x30000);
	scn_free(s);
}

TEST(cpu_access_while_device_owns)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_map(s, dev, 0x20000, 4096, TO);
	scn_cpu_access(s, dev, 0x20010, 16, true); /* filled after map */
	scn_sync_for_cpu(s, dev, 0x20000, 4096, TO);
	scn_cpu_access(s, dev, 0x20010, 16, true); /* fine now */
	scn_sync_for_device(s, dev, 0x20000, 4096, TO);
	scn_alloc_coherent(s, dev, 0x50000, 4096);
	scn_cpu_access(s, dev, 0x50000, 64, true); /* coherent: fine */
	scn_cpu_access(s, dev, 0x90000, 64, true); /* unknown: nothing */
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "cpu-access-device-owned");
	f = scn_finding(e, "cpu-access-device-owned", 0);
	CHECK_EQ(f->addr, 0x20000);
	CHECK_EQ(f->close_kind, DMAS_EV_CPU_ACCESS);
	CHECK_CONTAINS(f->detail, "CPU wrote 16 bytes at +16");
	scn_free(s);
}

/*
 * One missing sync_for_cpu, one finding: the CPU reads a buffer a transfer
 * filled (cpu-access-device-owned), then hands it back; the hand-back is
 * the same missing call, folded into the access finding.
 */
TEST(access_then_hand_back_is_one_missing_sync)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	const struct dmas_finding *f;

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 1, 0x10000, 4096, FROM);
	scn_cpu_access(s, dev, 0x10000, 64, false);
	scn_cpu_access(s, dev, 0x10040, 64, false);
	scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
	/* by a new transfer, the same */
	scn_map(s, dev, 0x20000, 4096, BIDI);
	scn_transfer(s, dev, CHAN, 2, 0x20000, 4096, FROM);
	scn_cpu_access(s, dev, 0x20000, 64, false);
	scn_transfer(s, dev, CHAN, 3, 0x20000, 4096, FROM);
	CHECK_STREQ(
		scn_ids(e),
		"cpu-access-device-owned,cpu-access-device-owned,cpu-access-device-owned");
	f = scn_finding(e, "cpu-access-device-owned", 0);
	CHECK_EQ(f->consequences, 1);
	CHECK_CONTAINS(
		f->consequence,
		"then handed back to the device with no sync_for_cpu (sync_for_device");
	CHECK_EQ(scn_finding(e, "cpu-access-device-owned", 1)->consequences, 0);
	CHECK_CONTAINS(
		scn_finding(e, "cpu-access-device-owned", 2)->consequence,
		"(new transfer into the buffer");
	/*
	 * transfer 3 completed too: handing the buffer back again without a
	 * sync_for_cpu is a second forgotten sync, a finding of its own
	 */
	scn_sync_for_device(s, dev, 0x20000, 4096, FROM);
	CHECK_EQ(scn_count(e, "missing-sync-for-cpu"), 1);
	/* the control: an access fixed by a sync_for_cpu folds nothing */
	scn_map(s, dev, 0x30000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 4, 0x30000, 4096, FROM);
	scn_cpu_access(s, dev, 0x30000, 64, false);
	scn_sync_for_cpu(s, dev, 0x30000, 4096, FROM);
	scn_sync_for_device(s, dev, 0x30000, 4096, FROM);
	scn_unmap(s, dev, 0x30000, 4096, FROM);
	scn_unmap(s, dev, 0x20000, 4096, BIDI);
	scn_unmap(s, dev, 0x10000, 4096, FROM);
	scn_finish(s);
	CHECK_EQ(scn_count(e, "cpu-access-device-owned"), 4);
	CHECK_EQ(scn_finding(e, "cpu-access-device-owned", 3)->consequences, 0);
	CHECK_EQ(scn_count(e, "missing-sync-for-cpu"), 1);
	scn_free(s);
}

/*
 * An sg list is synced with the nents passed to dma_map_sg, as dma-debug
 * checks: fewer (the count map_sg returned, a common slip) or more is
 * sync-sg-nents-mismatch.  Part of a list is synced through
 * dma_sync_single_* on a segment.
 */
TEST(sg_sync_entry_count_must_match_the_map)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);
	uint64_t sg = 0xffff888000004000ULL;
	int i;

	scn_map_sg(s, dev, sg, 4, 2, 0x80000, 16384, FROM);
	for (i = 0; i < 5; i++) {
		scn_sync_sg_for_cpu(s, dev, sg, 4, 16384, FROM);
		scn_sync_for_cpu(s, dev, 0x80000, 512, FROM);
		scn_sync_sg_for_device(s, dev, sg, 4, 16384, FROM);
	}
	CHECK_STREQ(scn_ids(e), "");
	scn_sync_sg_for_cpu(s, dev, sg, 2, 8192, FROM);
	scn_sync_sg_for_device(s, dev, sg, 5, 20480, FROM);
	scn_sync_sg_for_cpu(s, dev, sg, 4, 16384, TO);
	scn_sync_sg_for_cpu(s, dev, 0xffff888000009000ULL, 1, 4096, FROM);
	scn_unmap_sg(s, dev, sg, 4, 16384, FROM);
	scn_finish(s);
	CHECK_STREQ(
		scn_ids(e),
		"sync-sg-nents-mismatch,sync-sg-nents-mismatch,sync-dir-mismatch,sync-not-mapped");
	CHECK_CONTAINS(
		scn_finding(e, "sync-sg-nents-mismatch", 0)->detail,
		"synced 2 entries, the list was mapped with nents 4 (2 dma segments)");
	CHECK_CONTAINS(scn_finding(e, "sync-sg-nents-mismatch", 1)->detail,
		       "synced 5 entries");
	CHECK_EQ(scn_finding(e, "sync-sg-nents-mismatch", 0)->severity,
		 DMAS_SEV_ERROR);
	scn_free(s);
}

TEST(ownership_finding_uncertain_across_loss)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_transfer(s, dev, CHAN, 1, 0x10000, 4096, FROM);
	scn_lost(s, 3); /* the sync_for_cpu may be among them */
	scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "missing-sync-for-cpu");
	CHECK_EQ(scn_finding(e, "missing-sync-for-cpu", 0)->uncertain, 1);
	scn_free(s);
}

TEST(transfer_completion_of_a_remapped_buffer_is_ignored)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_chan_request(s, dev, CHAN, 0, 0);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_desc_prep(s, dev, CHAN, 0, 0x10000, 4096, FROM);
	scn_desc_submit(s, dev, CHAN, 1);
	scn_issue_pending(s, dev, CHAN);
	/* unmapped and mapped again before the (late) completion */
	scn_unmap(s, dev, 0x10000, 4096, FROM);
	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_xfer_complete(s, dev, CHAN, 1);
	scn_sync_for_device(s, dev, 0x10000, 4096, FROM);
	scn_finish(s);
	/* the new mapping never had a transfer: at most redundant */
	CHECK_STREQ(scn_ids(e), "redundant-sync");
	scn_free(s);
}

TEST(redundant_sync_not_claimed_across_loss)
{
	struct dmas_engine *e;
	uint32_t dev;
	struct scn *s = setup(&e, &dev);

	scn_map(s, dev, 0x10000, 4096, FROM);
	scn_sync_for_cpu(s, dev, 0x10000, 4096, FROM);
	scn_lost(s, 1); /* a sync_for_device may be among them */
	scn_sync_for_cpu(s, dev, 0x10000, 4096, FROM);
	scn_finish(s);
	CHECK_STREQ(scn_ids(e), "");
	scn_free(s);
}
