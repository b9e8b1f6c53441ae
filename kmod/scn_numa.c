// SPDX-License-Identifier: GPL-2.0
/*
 * scn_numa.c - scenarios that use a buffer or a CPU of another NUMA node
 * than the device's (cli/engine/numa.c); they need vdmac loaded with
 * node=N and a second node.
 */
#include <linux/cpumask.h>
#include <linux/dma-mapping.h>
#include <linux/nodemask.h>
#include <linux/topology.h>
#include <linux/workqueue.h>

#include "vdmac_scn.h"

static int other_node(int nid, enum node_states state)
{
	int n;

	for_each_node_state(n, state)
		if (n != nid)
			return n;
	return NUMA_NO_NODE;
}

int sc_numa_remote_buffer(struct vdmac_run *r)
{
	struct dma_chan *chan;
	struct vbuf b = {};
	char extra[80];
	int other, ret;

	if (r->node == NUMA_NO_NODE)
		return refuse(r, "device-has-no-node",
			      "load vdmac with node=N");
	other = other_node(r->node, N_MEMORY);
	if (other == NUMA_NO_NODE)
		return refuse(r, "needs-two-nodes",
			      "needs a second NUMA node with memory");
	chan = run_chan(r);
	if (!chan)
		return -EBUSY;
	ret = vbuf_alloc_on(r, &b, PAGE_SIZE, other, __GFP_THISNODE) ?:
	      vbuf_map(r, &b, DMA_FROM_DEVICE) ?:
	      xfer(r, chan, DMA_DEV_TO_MEM, b.dma, 0, PAGE_SIZE);
	if (!ret) {
		dma_sync_single_for_cpu(r->dev, b.dma, PAGE_SIZE,
					DMA_FROM_DEVICE);
		cpu_touch(r, b.dma, PAGE_SIZE, false);
		check(r, adc_matches(b.cpu, PAGE_SIZE, 0),
		      "rx buffer does not hold the ADC samples");
		/* the buffer's node: under swiotlb, addr is a bounce slot */
		snprintf(extra, sizeof(extra), " phys=0x%llx node=%d dev_node=%d",
			 (u64)page_to_phys(b.page), page_to_nid(b.page), r->node);
		truth_map(r, "numa-remote-buffer", b.dma, PAGE_SIZE,
			  DMA_FROM_DEVICE, extra);
	}
	return sc_close(r, chan, &b, NULL, ret);
}

static long remote_cpu_body(void *arg)
{
	struct vdmac_run *r = arg;
	struct dma_chan *chan;
	struct vbuf b = {};
	char extra[48];
	int ret;

	ret = sc_open(r, &chan, &b, NULL, PAGE_SIZE);
	if (ret)
		return ret;
	fill_pattern(b.cpu, PAGE_SIZE, 5);
	ret = vbuf_map(r, &b, DMA_TO_DEVICE) ?:
	      xfer(r, chan, DMA_MEM_TO_DEV, 0, b.dma, PAGE_SIZE);
	if (!ret) {
		snprintf(extra, sizeof(extra), " cpu=%d cpu_node=%d dev_node=%d",
			 raw_smp_processor_id(), numa_node_id(), r->node);
		truth_map(r, "numa-remote-cpu", b.dma, PAGE_SIZE,
			  DMA_TO_DEVICE, extra);
	}
	return sc_close(r, chan, &b, NULL, ret);
}

int sc_numa_remote_cpu(struct vdmac_run *r)
{
	unsigned int cpu;
	int other;

	if (r->node == NUMA_NO_NODE)
		return refuse(r, "device-has-no-node",
			      "load vdmac with node=N");
	other = other_node(r->node, N_CPU);
	if (other == NUMA_NO_NODE)
		return refuse(r, "needs-two-nodes",
			      "needs a second NUMA node with CPUs");
	cpu = cpumask_any_and(cpumask_of_node(other), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		return refuse(r, "needs-two-nodes", "no online remote CPU");
	return work_on_cpu(cpu, remote_cpu_body, r);
}
