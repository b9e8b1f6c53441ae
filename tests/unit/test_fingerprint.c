// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_fingerprint.c - frames split into symbol and module, the driver's
 * first frame, and finding fingerprints: stable when only offsets change
 * (a rebuilt module), different when the id, driver or a function does.
 */
#include <string.h>

#include "frontend/fingerprint.h"
#include "testlib.h"

static const struct dmas_stack *stack(const char **frames, uint32_t n)
{
	static struct dmas_stack st[4];
	static int next;
	struct dmas_stack *s = &st[next++ % 4];

	s->id = 1;
	s->nr_frames = n;
	s->frames = frames;
	return s;
}

TEST(frame_parse_symbol_and_module)
{
	struct dmas_frame fr;

	dmas_frame_parse("nvme_map_data+0x1c/0x80 [nvme]", &fr);
	CHECK_STREQ(fr.sym, "nvme_map_data");
	CHECK_STREQ(fr.module, "nvme");
	dmas_frame_parse("dma_map_page_attrs+0x0/0x200", &fr);
	CHECK_STREQ(fr.sym, "dma_map_page_attrs");
	CHECK_STREQ(fr.module, "");
	dmas_frame_parse("0xffffffffc0a01234", &fr);
	CHECK_STREQ(fr.sym, "");
	dmas_frame_parse("e1000_xmit_frame [e1000e]", &fr);
	CHECK_STREQ(fr.sym, "e1000_xmit_frame");
	CHECK_STREQ(fr.module, "e1000e");
	dmas_frame_parse("broken [unterminated", &fr);
	CHECK_STREQ(fr.sym, "broken");
	CHECK_STREQ(fr.module, "");
	dmas_frame_parse(NULL, &fr);
	CHECK_STREQ(fr.sym, "");
}

TEST(driver_frame_skips_the_dma_api)
{
	const char *mod[] = {"dma_map_page_attrs+0x0/0x200",
			     "iommu_dma_map_page+0x10/0x200",
			     "vdmac_prep+0x33/0x90 [vdmac]", "kthread+0x1/0x2"};
	const char *builtin[] = {
		"dma_map_sg_attrs+0x0/0x200", "__dma_map_sg_attrs+0x8/0x100",
		"ahci_qc_prep+0x30/0x400", "ata_qc_issue+0x1/0x2"};
	const char *api_only[] = {"dma_unmap_page_attrs+0x0/0x120"};

	CHECK_EQ(dmas_stack_driver_frame(stack(mod, 4)), 2);
	CHECK_EQ(dmas_stack_driver_frame(stack(builtin, 4)), 2);
	CHECK_EQ(dmas_stack_driver_frame(stack(api_only, 1)), 0);
	CHECK_EQ(dmas_stack_driver_frame(stack(api_only, 0)), -1);
	CHECK_EQ(dmas_stack_driver_frame(NULL), -1);
}

TEST(fingerprint_ignores_offsets)
{
	const char *a[] = {"dma_map_page_attrs+0x0/0x200",
			   "nvme_map_data+0x1c/0x80 [nvme]",
			   "nvme_queue_rq+0x100/0x900 [nvme]"};
	const char *b[] = {"dma_map_page_attrs+0x8/0x210",
			   "nvme_map_data+0x2c/0x98 [nvme]",
			   "nvme_queue_rq+0x104/0x910 [nvme]"};
	const char *c[] = {"dma_unmap_page_attrs+0x0/0x120",
			   "nvme_unmap_data+0x44/0x1a0 [nvme]"};
	const char *d[] = {"dma_unmap_page_attrs+0x4/0x130",
			   "nvme_unmap_data+0x48/0x1b0 [nvme]"};
	char f1[DMAS_FINGERPRINT_LEN], f2[DMAS_FINGERPRINT_LEN];

	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(a, 3),
			 stack(c, 2), f1);
	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(b, 3),
			 stack(d, 2), f2);
	CHECK_STREQ(f1, f2);
	CHECK_EQ(strlen(f1), 16);
	CHECK_EQ(strspn(f1, "0123456789abcdef"), 16);
	/* a finding without a revealing stack is still fingerprinted */
	dmas_fingerprint("leak-at-unbind", "nvme", stack(a, 3), NULL, f1);
	dmas_fingerprint("leak-at-unbind", "nvme", stack(b, 3), NULL, f2);
	CHECK_STREQ(f1, f2);
}

TEST(fingerprint_tells_findings_apart)
{
	const char *a[] = {"dma_map_page_attrs+0x0/0x200",
			   "nvme_map_data+0x1c/0x80 [nvme]"};
	const char *other_fn[] = {"dma_map_page_attrs+0x0/0x200",
				  "nvme_setup_prps+0x1c/0x80 [nvme]"};
	const char *other_mod[] = {"dma_map_page_attrs+0x0/0x200",
				   "nvme_map_data+0x1c/0x80 [nvme_core]"};
	const char *c[] = {"dma_unmap_page_attrs+0x0/0x120",
			   "nvme_unmap_data+0x44/0x1a0 [nvme]"};
	char base[DMAS_FINGERPRINT_LEN], f[DMAS_FINGERPRINT_LEN];

	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(a, 2),
			 stack(c, 2), base);
	dmas_fingerprint("unmap-dir-mismatch", "nvme", stack(a, 2), stack(c, 2),
			 f);
	CHECK(strcmp(base, f) != 0);
	dmas_fingerprint("unmap-size-mismatch", "nvme2", stack(a, 2),
			 stack(c, 2), f);
	CHECK(strcmp(base, f) != 0);
	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(other_fn, 2),
			 stack(c, 2), f);
	CHECK(strcmp(base, f) != 0);
	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(other_mod, 2),
			 stack(c, 2), f);
	CHECK(strcmp(base, f) != 0);
	/* map and close stacks are not interchangeable */
	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(c, 2),
			 stack(a, 2), f);
	CHECK(strcmp(base, f) != 0);
	dmas_fingerprint("unmap-size-mismatch", "nvme", stack(a, 2), NULL, f);
	CHECK(strcmp(base, f) != 0);
}

TEST(fingerprint_ignores_callers_far_above_the_driver)
{
	/* the workload's own path (syscalls, a test's process) varies */
	const char *a[] = {"dma_map_page_attrs+0x0/0x200",
			   "nvme_map_data+0x1c/0x80 [nvme]",
			   "nvme_queue_rq+0x1/0x2 [nvme]",
			   "blk_mq_dispatch_rq_list+0x1/0x2",
			   "__blk_mq_sched_dispatch_requests+0x1/0x2",
			   "ksys_write+0x1/0x2",
			   "do_syscall_64+0x1/0x2"};
	const char *b[] = {"dma_map_page_attrs+0x0/0x200",
			   "nvme_map_data+0x1c/0x80 [nvme]",
			   "nvme_queue_rq+0x1/0x2 [nvme]",
			   "blk_mq_dispatch_rq_list+0x1/0x2",
			   "__blk_mq_sched_dispatch_requests+0x1/0x2",
			   "io_submit_one+0x1/0x2",
			   "__x64_sys_io_submit+0x1/0x2"};
	char f1[DMAS_FINGERPRINT_LEN], f2[DMAS_FINGERPRINT_LEN];

	dmas_fingerprint("leak-at-unbind", "nvme", stack(a, 7), NULL, f1);
	dmas_fingerprint("leak-at-unbind", "nvme", stack(b, 7), NULL, f2);
	CHECK_STREQ(f1, f2);
	/* ...but not the frames right above the driver's */
	b[3] = "blk_mq_try_issue_directly+0x1/0x2";
	dmas_fingerprint("leak-at-unbind", "nvme", stack(b, 7), NULL, f2);
	CHECK(strcmp(f1, f2) != 0);
}
