// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_live_sysfs.c - the machine's memory map for NUMA placement: sysfs
 * memory blocks, and /proc/zoneinfo's node spans where a kernel has no
 * memory blocks (CONFIG_MEMORY_HOTPLUG off), contested spans left out; a
 * device's IOMMU group, domain type and port from a sysfs tree; the kernel
 * image's text and rodata from /proc/iomem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "source/live.h"
#include "testlib.h"

static void put(const char *dir, const char *name, const char *text)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	test_put_file(p, text);
}

static void dir(const char *base, const char *name)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", base, name);
	mkdir(p, 0755);
}

/* Two nodes as a 6.1 kernel prints them (fields between trimmed). */
static const char zoneinfo_two_nodes[] = "Node 0, zone      DMA\n"
					 "  per-node stats\n"
					 "      nr_inactive_anon 0\n"
					 "  pages free     3840\n"
					 "        spanned  4095\n"
					 "        present  3998\n"
					 "  pagesets\n"
					 "  node_unreclaimable:  0\n"
					 "  start_pfn:           1\n"
					 "Node 0, zone    DMA32\n"
					 "  pages free     100\n"
					 "        spanned  126976\n"
					 "  start_pfn:           4096\n"
					 "Node 0, zone   Normal\n"
					 "  pages free     0\n"
					 "        spanned  0\n"
					 "  start_pfn:           0\n"
					 "Node 1, zone   Normal\n"
					 "  pages free     1\n"
					 "        spanned  131072\n"
					 "  start_pfn:           131072\n"
					 "Node 1, zone  Movable\n"
					 "  pages free     0\n"
					 "        spanned  0\n"
					 "  start_pfn:           0\n";

TEST(zoneinfo_gives_each_node_its_span)
{
	struct dmas_mem_range *r;
	char path[512];
	size_t n;
	long pg = sysconf(_SC_PAGESIZE);

	snprintf(path, sizeof(path), "%s/zoneinfo", test_tmpdir());
	put(test_tmpdir(), "zoneinfo", zoneinfo_two_nodes);
	n = dmas_zoneinfo_mem_ranges(path, &r);
	CHECK_EQ(n, 2);
	if (n != 2)
		return;
	/* DMA and DMA32 touch: one range; empty zones add nothing */
	CHECK_EQ(r[0].start, 1 * pg);
	CHECK_EQ(r[0].end, 131072 * pg);
	CHECK_EQ(r[0].node, 0);
	CHECK_EQ(r[1].start, 131072 * pg);
	CHECK_EQ(r[1].end, 262144 * pg);
	CHECK_EQ(r[1].node, 1);
	free(r);
}

TEST(zoneinfo_leaves_interleaved_spans_unknown)
{
	struct dmas_mem_range *r;
	char path[512];
	size_t n;
	long pg = sysconf(_SC_PAGESIZE);

	/* node 1's span lies inside node 0's: only node 0's own parts stay */
	snprintf(path, sizeof(path), "%s/zoneinfo", test_tmpdir());
	put(test_tmpdir(), "zoneinfo",
	    "Node 0, zone   Normal\n        spanned  300\n  start_pfn:  100\n"
	    "Node 1, zone   Normal\n        spanned  100\n  start_pfn:  200\n");
	n = dmas_zoneinfo_mem_ranges(path, &r);
	CHECK_EQ(n, 2);
	if (n != 2)
		return;
	CHECK_EQ(r[0].start, 100 * pg);
	CHECK_EQ(r[0].end, 200 * pg);
	CHECK_EQ(r[0].node, 0);
	CHECK_EQ(r[1].start, 300 * pg);
	CHECK_EQ(r[1].end, 400 * pg);
	CHECK_EQ(r[1].node, 0);
	free(r);
}

TEST(zoneinfo_unreadable_or_empty_gives_nothing)
{
	struct dmas_mem_range *r = (void *)1;
	char path[512];

	snprintf(path, sizeof(path), "%s/none", test_tmpdir());
	CHECK_EQ(dmas_zoneinfo_mem_ranges(path, &r), 0);
	CHECK(r == NULL);
	snprintf(path, sizeof(path), "%s/zoneinfo", test_tmpdir());
	put(test_tmpdir(), "zoneinfo", "Node 0, zone DMA\n  pages free 1\n");
	CHECK_EQ(dmas_zoneinfo_mem_ranges(path, &r), 0);
}

TEST(sysfs_blocks_first_zoneinfo_without_them)
{
	const char *t = test_tmpdir();
	struct dmas_mem_range *r;
	char root[512], zi[512];
	bool zones;
	size_t n;

	snprintf(root, sizeof(root), "%s/sysfs-fb", t);
	snprintf(zi, sizeof(zi), "%s/zoneinfo", t);
	put(t, "zoneinfo", zoneinfo_two_nodes);
	dir(t, "sysfs-fb");
	dir(root, "node");
	dir(root, "node/node0");
	dir(root, "node/node1");
	/* no memory/ directory: the zones stand in, and say so */
	n = dmas_sysfs_mem_ranges(root, zi, &r, &zones);
	CHECK_EQ(n, 2);
	CHECK(zones);
	free(r);
	n = dmas_sysfs_mem_ranges(root, NULL, &r, &zones);
	CHECK_EQ(n, 0);
	CHECK(!zones);
	/* memory blocks present: they win (128 MiB blocks, one per node) */
	dir(root, "memory");
	put(root, "memory/block_size_bytes", "8000000\n");
	dir(root, "node/node0/memory0");
	dir(root, "node/node1/memory1");
	n = dmas_sysfs_mem_ranges(root, zi, &r, &zones);
	CHECK_EQ(n, 2);
	CHECK(!zones);
	if (n == 2) {
		CHECK_EQ(r[0].start, 0);
		CHECK_EQ(r[0].end, 0x8000000);
		CHECK_EQ(r[0].node, 0);
		CHECK_EQ(r[1].start, 0x8000000);
		CHECK_EQ(r[1].node, 1);
	}
	free(r);
}

static struct dmas_device iso_of(const char *root, const char *bus,
				 const char *name)
{
	struct dmas_device d = {0};

	snprintf(d.bus, sizeof(d.bus), "%s", bus);
	snprintf(d.name, sizeof(d.name), "%s", name);
	/* stale values must not survive a device sysfs does not know */
	d.iommu_domain = DMAS_IOMMU_DMA;
	d.port = DMAS_PORT_FIXED;
	dmas_sysfs_device_isolation(root, &d);
	return d;
}

static void expect_iso(const char *root, const char *bus, const char *name,
		       uint8_t domain, uint32_t group, uint8_t port)
{
	struct dmas_device d = iso_of(root, bus, name);

	CHECK_EQ(d.iommu_domain, domain);
	CHECK_EQ(d.iommu_group, group);
	CHECK_EQ(d.port, port);
}

/* dev's iommu_group link to group, relative as the kernel makes it */
static void group_link(const char *root, const char *dev, const char *group)
{
	char p[800], target[64];

	snprintf(p, sizeof(p), "%s/bus/pci/devices/%s/iommu_group", root, dev);
	snprintf(target, sizeof(target), "../../../../kernel/iommu_groups/%s",
		 group);
	CHECK_EQ(symlink(target, p), 0);
}

TEST(sysfs_device_isolation_group_type_and_port)
{
	char root[600];
	const char *t = test_tmpdir();
	struct dmas_device d;

	snprintf(root, sizeof(root), "%s/iso", t);
	dir(t, "iso");
	dir(root, "bus");
	dir(root, "bus/pci");
	dir(root, "bus/pci/devices");
	dir(root, "bus/platform");
	dir(root, "bus/platform/devices");
	dir(root, "kernel");
	dir(root, "kernel/iommu_groups");
	dir(root, "kernel/iommu_groups/7");
	put(root, "kernel/iommu_groups/7/type", "DMA-FQ\n");
	dir(root, "kernel/iommu_groups/8");
	put(root, "kernel/iommu_groups/8/type", "identity\n");
	dir(root, "kernel/iommu_groups/9"); /* no type file */
	/* translated, below an external port (6.1: removable only) */
	dir(root, "bus/pci/devices/0000:05:00.0");
	group_link(root, "0000:05:00.0", "7");
	put(root, "bus/pci/devices/0000:05:00.0/removable", "removable\n");
	/* passthrough, PCI's untrusted where a kernel shows it */
	dir(root, "bus/pci/devices/0000:06:00.0");
	group_link(root, "0000:06:00.0", "8");
	put(root, "bus/pci/devices/0000:06:00.0/untrusted", "1\n");
	put(root, "bus/pci/devices/0000:06:00.0/removable", "fixed\n");
	/* a group whose type cannot be read; no port attribute */
	dir(root, "bus/pci/devices/0000:07:00.0");
	group_link(root, "0000:07:00.0", "9");
	/* a platform device: no group, dma addresses are physical */
	dir(root, "bus/platform/devices/vdmac.0");
	put(root, "bus/platform/devices/vdmac.0/removable", "fixed\n");

	expect_iso(root, "pci", "0000:05:00.0", DMAS_IOMMU_DMA_FQ, 7,
		   DMAS_PORT_REMOVABLE);
	expect_iso(root, "pci", "0000:06:00.0", DMAS_IOMMU_IDENTITY, 8,
		   DMAS_PORT_UNTRUSTED);
	expect_iso(root, "pci", "0000:07:00.0", DMAS_IOMMU_GROUP_ONLY, 9,
		   DMAS_PORT_UNKNOWN);
	expect_iso(root, "platform", "vdmac.0", DMAS_IOMMU_NONE, 0,
		   DMAS_PORT_FIXED);
	/* gone from sysfs, or names that are no path component: unknown */
	d = iso_of(root, "pci", "0000:99:00.0");
	CHECK_EQ(d.iommu_domain, DMAS_IOMMU_UNKNOWN);
	CHECK_EQ(d.port, DMAS_PORT_UNKNOWN);
	d = iso_of(root, "pci", "..");
	CHECK_EQ(d.iommu_domain, DMAS_IOMMU_UNKNOWN);
	d = iso_of(root, "pci/../platform", "vdmac.0");
	CHECK_EQ(d.iommu_domain, DMAS_IOMMU_UNKNOWN);
	d = iso_of(root, "", "vdmac.0");
	CHECK_EQ(d.iommu_domain, DMAS_IOMMU_UNKNOWN);
	CHECK_STREQ(dmas_iommu_domain_name(DMAS_IOMMU_DMA_FQ), "DMA-FQ");
	CHECK_STREQ(dmas_iommu_isolation(DMAS_IOMMU_IDENTITY), "identity");
	CHECK_STREQ(dmas_iommu_domain_name(200), "unknown");
}

/* /proc/iomem as root on Debian 12's 6.1 (lines between trimmed). */
static const char iomem_root[] = "00000000-00000fff : Reserved\n"
				 "00001000-0009fbff : System RAM\n"
				 "00100000-3ffdffff : System RAM\n"
				 "  01000000-02276987 : Kernel code\n"
				 "  02400000-02e0afff : Kernel rodata\n"
				 "  03000000-0327c0bf : Kernel data\n"
				 "  03b36000-03c66fff : Kernel bss\n"
				 "fed00000-fed003ff : HPET 0\n";

TEST(iomem_gives_kernel_text_and_rodata)
{
	struct dmas_mem_range r[4];
	char path[1024];

	snprintf(path, sizeof(path), "%s/iomem", test_tmpdir());
	put(test_tmpdir(), "iomem", iomem_root);
	CHECK_EQ(dmas_iomem_kernel_ranges(path, r, 4), 2);
	CHECK_EQ(r[0].kind, DMAS_MEM_KERNEL_TEXT);
	CHECK_EQ(r[0].start, 0x1000000);
	CHECK_EQ(r[0].end, 0x2276988); /* iomem's end is inclusive */
	CHECK_EQ(r[0].node, -1);
	CHECK_EQ(r[1].kind, DMAS_MEM_KERNEL_RODATA);
	CHECK_EQ(r[1].start, 0x2400000);
	CHECK_EQ(r[1].end, 0x2e0b000);
	/* room for one: the first */
	CHECK_EQ(dmas_iomem_kernel_ranges(path, r, 1), 1);
	CHECK_EQ(r[0].kind, DMAS_MEM_KERNEL_TEXT);
}

TEST(iomem_hidden_or_missing_gives_nothing)
{
	struct dmas_mem_range r[4];
	char path[1024];

	/* what a reader without CAP_SYS_ADMIN sees */
	snprintf(path, sizeof(path), "%s/iomem", test_tmpdir());
	put(test_tmpdir(), "iomem",
	    "00000000-00000000 : System RAM\n"
	    "  00000000-00000000 : Kernel code\n"
	    "  00000000-00000000 : Kernel rodata\n");
	CHECK_EQ(dmas_iomem_kernel_ranges(path, r, 4), 0);
	snprintf(path, sizeof(path), "%s/none", test_tmpdir());
	CHECK_EQ(dmas_iomem_kernel_ranges(path, r, 4), 0);
}
