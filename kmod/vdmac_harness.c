// SPDX-License-Identifier: GPL-2.0
/*
 * vdmac_harness.c - runs vdmac's scenarios (the DMA API clients of
 * scn_*.c: good ones that use the API the way drivers should, buggy ones
 * that each plant one dmascope finding) from root-only debugfs
 * (/sys/kernel/debug/vdmac/), and holds their one table, the ground truth
 * they publish and their results.
 *
 *   run           write a scenario name
 *   scenarios     the list: name, kind (good, buggy, util, module), what
 *   ground_truth  the last run's expected findings, one per line:
 *                 finding=<findings.def id> dev=<device> [addr=0x.. size=N
 *                 dir=to-device|from-device|bidirectional] [key=value ...]
 *                 A line with requires=<condition> only applies then
 *                 (requires=--leak-age, --leaks-at-exit, --latency-budget
 *                 with the budget= the tests pass, trace-before-bind);
 *                 when=unbind: the finding appears when the device unbinds.
 *                 needs=seen-syncs: only the device's syncs show it; a
 *                 line syncs=elided dev=<device> says the kernel skipped
 *                 that device's syncs (6.10+, from the run's start), so
 *                 no tracer can see such a finding there.
 *                 A refused run writes refused=<scenario> reason=<token>.
 *                 Empty for good scenarios (swiotlb=force adds the
 *                 informational swiotlb-bounce line to every run that
 *                 bounced).
 *   result        the last run's data checks: key=value lines
 *   inject_errors write N: the next N transfers complete with an error
 *   channels      one line per channel: in use, paused, queue, bytes moved
 *   bench         the map+unmap benchmark (vdmac_bench.c)
 *
 * Every scenario must leave the kernel sound: where a misuse would touch
 * memory that is not ours (swiotlb bounce slots, other drivers' pages), the
 * scenario refuses with -EINVAL and says why in dmesg and ground truth.
 * The buggy scenarios otherwise clean up correctly, so each run plants
 * exactly the findings it lists.  Scenarios run on a CPU of the device's
 * NUMA node, with buffers from that node, so only numa-* plant NUMA
 * findings.
 */
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/topology.h>
#include <linux/uaccess.h>
#include <linux/workqueue.h>

#include "vdmac_compat.h"
#include "vdmac_scn.h"

#define TRUTH_SIZE	4096
#define RESULT_SIZE	1024

/* Published by the last run; read and written under vdmac_mutex. */
static char vdmac_truth[TRUTH_SIZE];
static size_t vdmac_truth_len;
static char vdmac_result[RESULT_SIZE];

static const char *dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_BIDIRECTIONAL:
		return "bidirectional";
	case DMA_TO_DEVICE:
		return "to-device";
	case DMA_FROM_DEVICE:
		return "from-device";
	default:
		return "none";
	}
}

__printf(1, 2) void truth(const char *fmt, ...)
{
	va_list ap;

	if (vdmac_truth_len >= TRUTH_SIZE - 2)
		return;
	va_start(ap, fmt);
	vdmac_truth_len += vscnprintf(vdmac_truth + vdmac_truth_len,
				      TRUTH_SIZE - vdmac_truth_len - 1, fmt, ap);
	va_end(ap);
	vdmac_truth[vdmac_truth_len++] = '\n';
	vdmac_truth[vdmac_truth_len] = '\0';
}

void truth_map(struct vdmac_run *r, const char *id, dma_addr_t addr,
	       size_t size, enum dma_data_direction dir,
	       const char *extra)
{
	truth("finding=%s dev=%s addr=0x%llx size=%zu dir=%s%s", id,
	      dev_name(r->dev), (u64)addr, size, dir_name(dir), extra);
}

__printf(2, 3) void fail(struct vdmac_run *r, const char *fmt, ...)
{
	va_list ap;

	r->failures++;
	if (r->detail[0])
		return;
	va_start(ap, fmt);
	vscnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

void check(struct vdmac_run *r, bool ok, const char *what)
{
	r->checks++;
	if (!ok)
		fail(r, "%s", what);
}

int refuse(struct vdmac_run *r, const char *token, const char *why)
{
	dev_err(r->dev, "scenario %s refused: %s\n", r->sc->name, why);
	truth("refused=%s reason=%s", r->sc->name, token);
	r->refused = true;
	return -EINVAL;
}

static const struct vdmac_scenario vdmac_scenarios[] = {
	{ "memcpy", "good", sc_memcpy,
	  "64 KiB memcpy between streaming buffers, synced" },
	{ "memcpy-poll", "good", sc_memcpy_poll,
	  "4 memcpys without callbacks, each polled with dma_sync_wait" },
	{ "rx-ring", "good", sc_rx_ring,
	  "ring of 8 FROM_DEVICE buffers filled by the ADC, reused 4 times with syncs" },
	{ "storage-sg", "good", sc_storage_sg,
	  "4 writes of 16 pages via dma_map_sgtable and slave sg to the sink" },
	{ "coherent-ring", "good", sc_coherent_ring,
	  "coherent descriptor ring and a dma_pool of headers, memcpy" },
	{ "stream-start", "good", sc_stream_start,
	  "background memcpy traffic until stream-stop, unbind or unload" },
	{ "stream-stop", "good", sc_stream_stop,
	  "stop the background traffic and check it" },
	{ "leak-at-unbind", "buggy", sc_leak_at_unbind,
	  "map a buffer that the driver leaves mapped when unbound (sysfs unbind)" },
	{ "leak-at-module-unload", "module", NULL,
	  "insmod vdmac_leak.ko what=mapping; rmmod vdmac_leak; run reclaim" },
	{ "channel-leak", "module", NULL,
	  "insmod vdmac_leak.ko what=channel; rmmod vdmac_leak; run reclaim" },
	{ "pool-leak", "buggy", sc_pool_leak,
	  "dma_pool_destroy with a block still allocated" },
	{ "long-held", "buggy", sc_long_held,
	  "hold a mapping until release (leak-suspected, leak-at-exit)" },
	{ "release", "util", sc_release, "unmap what long-held holds" },
	{ "reclaim", "util", sc_reclaim,
	  "release what vdmac_leak.ko left behind" },
	{ "missing-sync-for-cpu", "buggy", sc_missing_sync_for_cpu,
	  "read an rx buffer without sync_for_cpu, hand it back" },
	{ "missing-sync-for-device", "buggy", sc_missing_sync_for_device,
	  "rewrite a TO_DEVICE buffer, send it again without sync_for_device" },
	{ "cpu-access-device-owned", "buggy", sc_cpu_access_device_owned,
	  "read an rx buffer while the device owns it" },
	{ "redundant-sync", "buggy", sc_redundant_sync,
	  "sync_for_cpu twice" },
	{ "map-churn", "buggy", sc_map_churn,
	  "map, transfer and unmap the same buffer 1000 times" },
	{ "double-unmap", "buggy", sc_double_unmap, "unmap a mapping twice" },
	{ "unmap-size-mismatch", "buggy", sc_unmap_size_mismatch,
	  "map 4096 bytes, unmap 2048" },
	{ "unmap-dir-mismatch", "buggy", sc_unmap_dir_mismatch,
	  "map TO_DEVICE, unmap FROM_DEVICE" },
	{ "unmap-not-mapped", "buggy", sc_unmap_not_mapped,
	  "unmap an address never mapped" },
	{ "sync-not-mapped", "buggy", sc_sync_not_mapped,
	  "sync an address never mapped" },
	{ "sync-sg-nents-mismatch", "buggy", sc_sync_sg_nents_mismatch,
	  "dma_sync_sg_for_cpu of 2 of the 4 entries dma_map_sg was given" },
	{ "unmap-type-mismatch", "buggy", sc_unmap_type_mismatch,
	  "dma_unmap_page of a dma_map_resource mapping, then dma_unmap_resource" },
	{ "cacheline-overlap", "buggy", sc_cacheline_overlap,
	  "map two FROM_DEVICE buffers that share a cacheline at once" },
	{ "map-kernel-image", "buggy", sc_map_kernel_image,
	  "dma_map_single of the kernel's rodata (hex_asc), TO_DEVICE" },
	{ "map-stack", "buggy", sc_map_stack,
	  "dma_map_page of a buffer on the kernel stack, TO_DEVICE" },
	{ "late-device", "buggy", sc_late_device,
	  "register a device, unmap and sync an address it never mapped" },
	{ "sync-out-of-range", "buggy", sc_sync_out_of_range,
	  "sync 4096 bytes from the middle of a 4096 byte mapping" },
	{ "sync-dir-mismatch", "buggy", sc_sync_dir_mismatch,
	  "map TO_DEVICE, sync FROM_DEVICE" },
	{ "coherent-via-streaming-api", "buggy", sc_coherent_via_streaming,
	  "dma_unmap_single of coherent memory, then its correct dma_free_coherent" },
	{ "streaming-via-coherent-api", "buggy", sc_streaming_via_coherent,
	  "dma_free_coherent of a streaming mapping" },
	{ "free-not-allocated", "buggy", sc_free_not_allocated,
	  "dma_pool_free of a handle the pool never gave out" },
	{ "map-error", "buggy", sc_map_error,
	  "a mapping that fails (needs swiotlb=force)" },
	{ "numa-remote-buffer", "buggy", sc_numa_remote_buffer,
	  "rx into a buffer from another node" },
	{ "numa-remote-cpu", "buggy", sc_numa_remote_cpu,
	  "map from a CPU of another node" },
	{ "desc-never-issued", "buggy", sc_desc_never_issued,
	  "submit without dma_async_issue_pending" },
	{ "xfer-timeout", "buggy", sc_xfer_timeout,
	  "a transfer stalled on a paused channel for xfer_timeout_ms" },
	{ "xfer-over-budget", "buggy", sc_xfer_over_budget,
	  "a transfer held 300 ms on a paused channel (budget 100 ms)" },
	{ "xfer-error", "buggy", sc_xfer_error,
	  "a transfer that completes with an error" },
	{ "xfer-bus-error", "buggy", sc_xfer_bus_error,
	  "a memcpy to a bus address that is not RAM (the engine refuses it)" },
	{ "terminate-in-flight", "buggy", sc_terminate_in_flight,
	  "terminate a channel with two transfers in flight" },
	{ "swiotlb-bounce", "buggy", sc_swiotlb_bounce,
	  "a mapping bounced through swiotlb (needs swiotlb=force)" },
	{ "external-dma-untranslated", "buggy", sc_external_untranslated,
	  "DMA by a removable device (vdmac-ext) without IOMMU translation" },
	{ "external-dma-bounced", "buggy", sc_external_bounced,
	  "vdmac-ext's mapping bounced through swiotlb (needs swiotlb=force)" },
	{ "mask-32bit", "buggy", sc_mask_32bit,
	  "a 32-bit client (vdmac-m32) maps 8 pages each way (bounces with swiotlb=force or memory above 4 GiB)" },
	{ "mask-changed-while-mapped", "buggy", sc_mask_changed_while_mapped,
	  "narrow vdmac-m32's mask from 64 to 32 bits with a page mapped" },
	{ "mask-never-set", "buggy", sc_mask_never_set,
	  "a driver (vdmac-nomask) maps in probe without dma_set_mask" },
	{ "dmabuf-good", "good", sc_dmabuf_good,
	  "export a dma-buf, attach and map it for vdmac.0, unmap, detach, release; a fence emitted and signalled" },
	{ "dmabuf-map-leak", "buggy", sc_dmabuf_map_leak,
	  "dma_buf_detach of an attachment still mapped" },
	{ "dmabuf-leak", "module", NULL,
	  "insmod vdmac_leak.ko what=dmabuf; rmmod vdmac_leak; run reclaim" },
	{ "fence-never-signalled", "buggy", sc_fence_never_signalled,
	  "a dma_fence emitted and released without dma_fence_signal" },
	{ "cma-alloc", "good", sc_cma_alloc,
	  "4 MiB of coherent memory from CMA (needs cma=), freed" },
	{ "cma-alloc-failed", "buggy", sc_cma_alloc_failed,
	  "128 MiB of contiguous coherent memory from a 64 MiB CMA area (cma=64M)" },
};

static long run_scenario(void *arg)
{
	struct vdmac_run *r = arg;

	return r->sc->run(r);
}

static const struct vdmac_scenario *find_scenario(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdmac_scenarios); i++)
		if (!strcmp(vdmac_scenarios[i].name, name))
			return &vdmac_scenarios[i];
	return NULL;
}

static ssize_t run_write(struct file *file, const char __user *ubuf,
			 size_t count, loff_t *ppos)
{
	const struct vdmac_scenario *sc;
	struct vdmac_run *r;
	char buf[48], *name;
	unsigned int cpu;
	const char *status;
	bool elided;
	long ret;

	if (!count || count >= sizeof(buf)) {
		pr_err("vdmac: run: write one scenario name (see scenarios)\n");
		return -EINVAL;
	}
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	name = strim(buf);
	sc = find_scenario(name);
	if (!sc) {
		pr_err("vdmac: run: unknown scenario '%s' (see scenarios)\n",
		       name);
		return -EINVAL;
	}
	if (!sc->run) {
		pr_err("vdmac: run: %s is planted by a module: %s\n", sc->name,
		       sc->what);
		return -EINVAL;
	}
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;

	mutex_lock(&vdmac_mutex);
	if (!vdmac_cur) {
		pr_err("vdmac: run %s: no vdmac device is bound\n", sc->name);
		ret = -ENODEV;
		goto out;
	}
	r->sc = sc;
	r->vd = vdmac_cur;
	r->dev = vdmac_cur->dev;
	r->node = dev_to_node(r->dev);
	vdmac_truth_len = 0;
	vdmac_truth[0] = '\0';
	elided = vdmac_syncs_elided(r->dev);

	cpu = nr_cpu_ids;
	if (r->node != NUMA_NO_NODE)
		cpu = cpumask_any_and(cpumask_of_node(r->node),
				      cpu_online_mask);
	if (cpu < nr_cpu_ids)
		ret = work_on_cpu(cpu, run_scenario, r);
	else
		ret = run_scenario(r);

	if (r->bounced)
		truth("finding=swiotlb-bounce dev=%s count=%u",
		      dev_name(r->dev), r->bounced);
	if (elided)
		truth("syncs=elided dev=%s", dev_name(r->dev));
	if (r->refused)
		status = "refused";
	else if (r->failures || ret)
		status = "fail";
	else
		status = "pass";
	scnprintf(vdmac_result, sizeof(vdmac_result),
		  "scenario=%s\nstatus=%s\nret=%ld\nbytes=%llu\nchecks=%u\nfailures=%u\nstale_reads=%u\nbounced=%u\ndetail=%s\n",
		  sc->name, status, ret, r->bytes, r->checks, r->failures,
		  r->stale, r->bounced, r->detail);
	if (ret && !r->refused)
		dev_err(r->dev, "scenario %s failed (%ld): %s\n", sc->name,
			ret, r->detail);
out:
	mutex_unlock(&vdmac_mutex);
	kfree(r);
	return ret ? ret : count;
}

static ssize_t text_read(char __user *ubuf, size_t count, loff_t *ppos,
			 const char *text, size_t len)
{
	ssize_t ret;

	mutex_lock(&vdmac_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, text, len);
	mutex_unlock(&vdmac_mutex);
	return ret;
}

static ssize_t truth_read(struct file *file, char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	return text_read(ubuf, count, ppos, vdmac_truth, vdmac_truth_len);
}

static ssize_t result_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	return text_read(ubuf, count, ppos, vdmac_result,
			 strlen(vdmac_result));
}

static int scenarios_show(struct seq_file *m, void *v)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vdmac_scenarios); i++)
		seq_printf(m, "%s\t%s\t%s\n", vdmac_scenarios[i].name,
			   vdmac_scenarios[i].kind, vdmac_scenarios[i].what);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(scenarios);

static ssize_t inject_write(struct file *file, const char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(ubuf, count, 0, &n);
	if (ret || n > 1000000) {
		pr_err("vdmac: inject_errors: write a count of transfers to fail, 0-1000000\n");
		return -EINVAL;
	}
	atomic_set(&vdmac_inject_errors, n);
	return count;
}

static ssize_t inject_read(struct file *file, char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	char buf[16];
	int len = scnprintf(buf, sizeof(buf), "%d\n",
			    atomic_read(&vdmac_inject_errors));

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const struct file_operations run_fops = {
	.owner = THIS_MODULE,
	.write = run_write,
	.llseek = noop_llseek,
};

static const struct file_operations truth_fops = {
	.owner = THIS_MODULE,
	.read = truth_read,
	.llseek = default_llseek,
};

static const struct file_operations result_fops = {
	.owner = THIS_MODULE,
	.read = result_read,
	.llseek = default_llseek,
};

static const struct file_operations inject_fops = {
	.owner = THIS_MODULE,
	.read = inject_read,
	.write = inject_write,
	.llseek = default_llseek,
};

/* Called with vdmac_mutex held, before the device unbinds. */
void vdmac_clients_unbind(struct vdmac_dev *vd)
{
	stream_stop(vd, NULL);
	leaks_unbind(vd);
}

/* vdmac_leak.ko's ground truth, published when it plants its leaks */
void vdmac_publish_truth(const char *scenario, const char *lines)
{
	ssize_t n;

	mutex_lock(&vdmac_mutex);
	n = strscpy(vdmac_truth, lines, TRUTH_SIZE);
	vdmac_truth_len = n < 0 ? TRUTH_SIZE - 1 : n;
	if (vdmac_cur && vdmac_syncs_elided(vdmac_cur->dev))
		truth("syncs=elided dev=%s", dev_name(vdmac_cur->dev));
	scnprintf(vdmac_result, sizeof(vdmac_result),
		  "scenario=%s\nstatus=pass\nret=0\nbytes=0\nchecks=0\nfailures=0\nstale_reads=0\nbounced=0\ndetail=planted by a module\n",
		  scenario);
	mutex_unlock(&vdmac_mutex);
}
EXPORT_SYMBOL_GPL(vdmac_publish_truth);

int vdmac_clients_init(void)
{
	debugfs_create_file("run", 0200, vdmac_debugfs, NULL, &run_fops);
	debugfs_create_file("scenarios", 0400, vdmac_debugfs, NULL,
			    &scenarios_fops);
	debugfs_create_file("ground_truth", 0400, vdmac_debugfs, NULL,
			    &truth_fops);
	debugfs_create_file("result", 0400, vdmac_debugfs, NULL,
			    &result_fops);
	debugfs_create_file("inject_errors", 0600, vdmac_debugfs, NULL,
			    &inject_fops);
	return 0;
}
