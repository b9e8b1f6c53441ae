// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma.c - a small driver for QEMU's "edu" PCI device (1234:11e8), which
 * moves bytes by DMA between its 4 KiB buffer and memory, through the
 * IOMMU, so the tests see real translated DMA and real IOMMU faults, which
 * a platform device such as vdmac cannot show.
 *
 * debugfs (/sys/kernel/debug/edu_dma/):
 *   run           write a case name:
 *                   copy             a page to the device and back through
 *                                    two mappings; the bytes must match
 *                   use-after-unmap  the device writes to an IOVA the
 *                                    driver already unmapped: with strict
 *                                    IOMMU invalidation (iommu.strict=1)
 *                                    the IOMMU refuses it and reports a fault
 *                   iova-leak        (kernels with the IOVA API, 6.16+) a
 *                                    page linked into an IOVA range that
 *                                    the device writes to; the range is
 *                                    never destroyed, so it is still
 *                                    allocated when the driver unbinds
 *   ground_truth  the last run's expected findings, one per line:
 *                 "finding=ID dev=DEV addr=0x.. size=N dir=DIR"
 *   result        "case=NAME ok=0|1 detail=..."
 *
 * The device's DMA mask is 28 bits (the edu default, module parameter
 * dma_bits), so a 32-bit-or-less device is exercised too.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/slab.h>

#include "vdmac_compat.h"

#define EDU_ID 0x00
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 0x01
#define EDU_CMD_TO_RAM 0x02
#define EDU_BUF 0x40000 /* the device's buffer, as a DMA address of its own */
#define EDU_BUF_SIZE 4096
/*
 * Bytes per transfer: less than the whole buffer, since QEMU's range check
 * refuses a transfer that ends exactly at the buffer's end.
 */
#define EDU_XFER 2048

static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "DMA mask width in bits (default 28, edu's own)");

struct edu {
	struct pci_dev *pdev;
	void __iomem *bar;
	struct dentry *dir;
	struct mutex lock;	/* one case at a time */
	char truth[512];
	char result[256];
};

static struct edu *the_edu;

/* Starts a transfer and waits for it (edu finishes after ~100 ms). */
static int edu_dma(struct edu *edu, dma_addr_t addr, bool to_ram)
{
	unsigned int i;

	writeq(to_ram ? EDU_BUF : addr, edu->bar + EDU_DMA_SRC);
	writeq(to_ram ? addr : EDU_BUF, edu->bar + EDU_DMA_DST);
	writeq(EDU_XFER, edu->bar + EDU_DMA_COUNT);
	writeq(EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0),
	       edu->bar + EDU_DMA_CMD);
	for (i = 0; i < 200; i++) {
		if (!(readq(edu->bar + EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		msleep(20);
	}
	return -ETIMEDOUT;
}

static noinline int edu_copy(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	u8 *out, *back;
	dma_addr_t a, b;
	int ret = -ENOMEM;

	out = (u8 *)__get_free_page(GFP_KERNEL);
	back = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!out || !back)
		goto free;
	get_random_bytes(out, EDU_BUF_SIZE);
	a = dma_map_single(dev, out, EDU_BUF_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(dev, a))
		goto free;
	ret = edu_dma(edu, a, false);
	dma_unmap_single(dev, a, EDU_BUF_SIZE, DMA_TO_DEVICE);
	if (ret)
		goto free;
	b = dma_map_single(dev, back, EDU_BUF_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, b)) {
		ret = -ENOMEM;
		goto free;
	}
	ret = edu_dma(edu, b, true);
	dma_unmap_single(dev, b, EDU_BUF_SIZE, DMA_FROM_DEVICE);
	if (!ret && memcmp(out, back, EDU_XFER))
		ret = -EIO;
	scnprintf(edu->result, sizeof(edu->result),
		  "case=copy ok=%d detail=%s iova_to=0x%llx iova_from=0x%llx\n",
		  !ret, ret ? "bytes differ or transfer failed" : "bytes match",
		  (u64)a, (u64)b);
free:
	free_page((unsigned long)out);
	free_page((unsigned long)back);
	return ret;
}

static noinline int edu_use_after_unmap(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	u8 *buf;
	dma_addr_t a;
	int ret;

	buf = (u8 *)get_zeroed_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	a = dma_map_single(dev, buf, EDU_BUF_SIZE, DMA_FROM_DEVICE);
	if (dma_mapping_error(dev, a)) {
		free_page((unsigned long)buf);
		return -ENOMEM;
	}
	dma_unmap_single(dev, a, EDU_BUF_SIZE, DMA_FROM_DEVICE);
	/* the bug: the device is still told to write to the old IOVA */
	ret = edu_dma(edu, a, true);
	scnprintf(edu->truth, sizeof(edu->truth),
		  "finding=iommu-fault dev=%s addr=0x%llx size=%u dir=from-device\n",
		  dev_name(dev), (u64)a, EDU_BUF_SIZE);
	scnprintf(edu->result, sizeof(edu->result),
		  "case=use-after-unmap ok=%d detail=%s\n", !ret,
		  memchr_inv(buf, 0, EDU_BUF_SIZE) ?
		  "the write reached the freed buffer (no strict IOMMU?)" :
		  "the IOMMU kept the write out");
	free_page((unsigned long)buf);
	return ret;
}

#if VDMAC_HAS_IOVA_API
/* The leaked range and its page: kept (mapped) until the module goes. */
static struct dma_iova_state edu_iova;
static struct page *edu_iova_page;

static noinline int edu_iova_leak(struct edu *edu)
{
	struct device *dev = &edu->pdev->dev;
	phys_addr_t phys;
	int ret;

	if (edu_iova_page)
		return -EBUSY;
	edu_iova_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!edu_iova_page)
		return -ENOMEM;
	phys = page_to_phys(edu_iova_page);
	if (!dma_iova_try_alloc(dev, &edu_iova, phys, PAGE_SIZE)) {
		__free_page(edu_iova_page);
		edu_iova_page = NULL;
		scnprintf(edu->result, sizeof(edu->result),
			  "case=iova-leak ok=0 detail=no IOVA range (no IOMMU DMA domain)\n");
		return -EOPNOTSUPP;
	}
	ret = dma_iova_link(dev, &edu_iova, phys, 0, PAGE_SIZE,
			    DMA_FROM_DEVICE, 0);
	if (!ret)
		ret = dma_iova_sync(dev, &edu_iova, 0, PAGE_SIZE);
	if (!ret)
		ret = edu_dma(edu, edu_iova.addr, true);
	if (ret) {
		dma_iova_destroy(dev, &edu_iova, PAGE_SIZE, DMA_FROM_DEVICE, 0);
		__free_page(edu_iova_page);
		edu_iova_page = NULL;
		return ret;
	}
	/* the bug: the range is never destroyed, not even at remove() */
	scnprintf(edu->truth, sizeof(edu->truth),
		  "finding=leak-at-unbind dev=%s addr=0x%llx size=%lu\n",
		  dev_name(dev), (u64)edu_iova.addr, PAGE_SIZE);
	scnprintf(edu->result, sizeof(edu->result),
		  "case=iova-leak ok=1 detail=range left allocated iova=0x%llx\n",
		  (u64)edu_iova.addr);
	return 0;
}
#endif

static ssize_t run_write(struct file *f, const char __user *ubuf, size_t len,
			 loff_t *pos)
{
	struct edu *edu = the_edu;
	char name[32];
	int ret;

	if (len >= sizeof(name))
		return -EINVAL;
	if (copy_from_user(name, ubuf, len))
		return -EFAULT;
	name[len] = '\0';
	strim(name);
	mutex_lock(&edu->lock);
	edu->truth[0] = '\0';
	edu->result[0] = '\0';
	if (!strcmp(name, "copy"))
		ret = edu_copy(edu);
	else if (!strcmp(name, "use-after-unmap"))
		ret = edu_use_after_unmap(edu);
#if VDMAC_HAS_IOVA_API
	else if (!strcmp(name, "iova-leak"))
		ret = edu_iova_leak(edu);
#endif
	else
		ret = -EINVAL;
	mutex_unlock(&edu->lock);
	return ret ? ret : len;
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
};

static ssize_t text_read(struct file *f, char __user *ubuf, size_t len,
			 loff_t *pos)
{
	const char *text = f->f_inode->i_private;
	ssize_t ret;

	mutex_lock(&the_edu->lock);
	ret = simple_read_from_buffer(ubuf, len, pos, text, strlen(text));
	mutex_unlock(&the_edu->lock);
	return ret;
}

static const struct file_operations text_fops = {
	.owner = THIS_MODULE,
	.read = text_read,
};

static int edu_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct edu *edu;
	int ret;

	if (the_edu)
		return -EBUSY;
	edu = devm_kzalloc(&pdev->dev, sizeof(*edu), GFP_KERNEL);
	if (!edu)
		return -ENOMEM;
	edu->pdev = pdev;
	mutex_init(&edu->lock);
	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), "edu_dma");
	if (ret)
		return ret;
	edu->bar = pcim_iomap_table(pdev)[0];
	if ((readl(edu->bar + EDU_ID) & 0xff) != 0xed)
		return -ENODEV;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(dma_bits));
	if (ret)
		return ret;
	pci_set_master(pdev);
	edu->dir = debugfs_create_dir("edu_dma", NULL);
	debugfs_create_file("run", 0200, edu->dir, NULL, &run_fops);
	debugfs_create_file("ground_truth", 0444, edu->dir, edu->truth,
			    &text_fops);
	debugfs_create_file("result", 0444, edu->dir, edu->result, &text_fops);
	pci_set_drvdata(pdev, edu);
	the_edu = edu;
	dev_info(&pdev->dev, "edu %08x, %u-bit DMA mask\n",
		 readl(edu->bar + EDU_ID), dma_bits);
	return 0;
}

static void edu_remove(struct pci_dev *pdev)
{
	struct edu *edu = pci_get_drvdata(pdev);

	debugfs_remove_recursive(edu->dir);
	the_edu = NULL;
}

static const struct pci_device_id edu_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_ids);

static struct pci_driver edu_driver = {
	.name = "edu_dma",
	.id_table = edu_ids,
	.probe = edu_probe,
	.remove = edu_remove,
};
module_pci_driver(edu_driver);

MODULE_DESCRIPTION("DMA through the IOMMU with QEMU's edu device (tests)");
MODULE_LICENSE("GPL");
