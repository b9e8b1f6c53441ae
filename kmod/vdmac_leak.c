// SPDX-License-Identifier: GPL-2.0
/*
 * vdmac_leak.c - a DMA client module that is unloaded holding what it took
 * from vdmac: a streaming mapping (leak-at-module-unload), a dmaengine
 * channel (channel-leak) or a dma-buf it exported (dmabuf-leak).  Its ground truth is published in vdmac's
 * ground_truth at load; vdmac releases the leftovers on "run reclaim",
 * unbind or unload, so the kernel stays sound.
 *
 *   insmod vdmac_leak.ko [what=mapping|channel|both|dmabuf]; rmmod vdmac_leak
 */
#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/dmaengine.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "vdmac.h"

static char *what = "both";
module_param(what, charp, 0444);
MODULE_PARM_DESC(what, "What to leak: mapping, channel, both or dmabuf (default: both)");

static struct device *leak_dev;

/*
 * Not __init: the stack that created the mapping must name this module
 * while it is loaded, and init text is freed after loading.
 */
static noinline int leak_mapping(char *truth, size_t len)
{
	struct page *page;
	dma_addr_t addr;

	page = alloc_pages_node(dev_to_node(leak_dev), GFP_KERNEL | __GFP_ZERO,
				0);
	if (!page)
		return -ENOMEM;
	addr = dma_map_page(leak_dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	if (dma_mapping_error(leak_dev, addr)) {
		__free_page(page);
		return -ENOMEM;
	}
	vdmac_adopt_mapping(leak_dev, page, addr, PAGE_SIZE, DMA_TO_DEVICE);
	scnprintf(truth, len,
		  "finding=leak-at-module-unload dev=%s addr=0x%llx size=%lu dir=to-device module=vdmac_leak\n",
		  dev_name(leak_dev), (u64)addr, PAGE_SIZE);
	return 0;
}

static noinline int leak_channel(char *truth, size_t len)
{
	struct dma_chan *chan;
	dma_cap_mask_t mask;

	dma_cap_zero(mask);
	dma_cap_set(DMA_MEMCPY, mask);
	chan = dma_request_channel(mask, vdmac_filter, leak_dev);
	if (!chan)
		return -EBUSY;
	vdmac_adopt_channel(chan);
	scnprintf(truth, len,
		  "finding=channel-leak dev=%s chan=%s module=vdmac_leak\n",
		  dev_name(leak_dev), dma_chan_name(chan));
	return 0;
}

/* A dma-buf exported through vdmac and never released here. */
static noinline int leak_dmabuf(char *truth, size_t len)
{
#ifdef CONFIG_DMA_SHARED_BUFFER
	struct dma_buf *buf = vdmac_dmabuf_export(leak_dev, 2 * PAGE_SIZE);

	if (IS_ERR(buf))
		return PTR_ERR(buf);
	vdmac_adopt_dmabuf(buf);
	scnprintf(truth, len,
		  "finding=dmabuf-leak dev=none addr=0x%llx size=%lu module=vdmac_leak\n",
		  (u64)(uintptr_t)buf, 2 * PAGE_SIZE);
	return 0;
#else
	pr_err("vdmac_leak: what=dmabuf: the kernel is built without CONFIG_DMA_SHARED_BUFFER\n");
	return -EOPNOTSUPP;
#endif
}

struct leak_plan {
	bool map;
	bool chan;
	bool dmabuf;
	char *truth;	/* 512 bytes */
};

static noinline long leak_plant(void *arg)
{
	struct leak_plan *p = arg;
	int ret = 0;

	if (p->map)
		ret = leak_mapping(p->truth, 256);
	if (!ret && p->chan)
		ret = leak_channel(p->truth + strlen(p->truth), 256);
	if (!ret && p->dmabuf)
		ret = leak_dmabuf(p->truth + strlen(p->truth), 256);
	return ret;
}

static int __init vdmac_leak_init(void)
{
	struct leak_plan plan = {
		.map = !strcmp(what, "mapping") || !strcmp(what, "both"),
		.chan = !strcmp(what, "channel") || !strcmp(what, "both"),
		.dmabuf = !strcmp(what, "dmabuf"),
	};
	unsigned int cpu = nr_cpu_ids;
	int nid, ret;

	if (!plan.map && !plan.chan && !plan.dmabuf) {
		pr_err("vdmac_leak: what=%s: must be mapping, channel, both or dmabuf\n",
		       what);
		return -EINVAL;
	}
	leak_dev = vdmac_get_device();
	if (!leak_dev) {
		pr_err("vdmac_leak: no vdmac device is bound\n");
		return -ENODEV;
	}
	plan.truth = kzalloc(512, GFP_KERNEL);
	if (!plan.truth) {
		put_device(leak_dev);
		return -ENOMEM;
	}
	/*
	 * From a CPU of the device's node, with memory from it, as vdmac's
	 * own clients do: the leaks are the only findings planted.
	 */
	nid = dev_to_node(leak_dev);
	if (nid != NUMA_NO_NODE)
		cpu = cpumask_any_and(cpumask_of_node(nid), cpu_online_mask);
	if (cpu < nr_cpu_ids)
		ret = work_on_cpu(cpu, leak_plant, &plan);
	else
		ret = leak_plant(&plan);
	if (ret)
		pr_err("vdmac_leak: could not plant the leak (%d)\n", ret);
	vdmac_publish_truth("vdmac_leak", plan.truth);
	kfree(plan.truth);
	if (ret)
		put_device(leak_dev);
	return ret;
}

static void __exit vdmac_leak_exit(void)
{
	/* the point of this module: nothing is unmapped or released here */
	put_device(leak_dev);
}

module_init(vdmac_leak_init);
module_exit(vdmac_leak_exit);

MODULE_DESCRIPTION("vdmac client that leaks a mapping, a channel or a dma-buf at unload");
MODULE_LICENSE("GPL");
