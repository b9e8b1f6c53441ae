// SPDX-License-Identifier: GPL-2.0
/*
 * vdmac_bench.c - in-kernel map+unmap microbenchmark on vdmac's device,
 * like the kernel's dma_map_benchmark: dmascope's tracing overhead is the
 * ratio of ns per pair traced to untraced, measured in one boot.
 *
 *   echo "threads=1 size=4096 dir=to iterations=200000" > bench
 *   cat bench
 *
 * ns_per_pair is each thread's wall time over its iterations, averaged
 * over the threads; threads run on the device's node's CPUs in turn, so
 * more threads than those CPUs share them and count each other's time.
 */
#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vdmac.h"

#define BENCH_MAX_THREADS	64
#define BENCH_MAX_SIZE		SZ_1M
#define BENCH_MAX_ITER		100000000U

struct bench_cfg {
	unsigned int threads;
	size_t size;
	enum dma_data_direction dir;
	unsigned int iterations;
};

struct bench_thread {
	struct device *dev;
	const struct bench_cfg *cfg;
	struct completion done;
	int node;
	int err;
	u64 ns;
};

static char bench_out[256] = "no run yet\n";

static const char *bench_dir_name(enum dma_data_direction dir)
{
	switch (dir) {
	case DMA_TO_DEVICE:
		return "to";
	case DMA_FROM_DEVICE:
		return "from";
	default:
		return "bidi";
	}
}

static int bench_fn(void *arg)
{
	struct bench_thread *t = arg;
	const struct bench_cfg *cfg = t->cfg;
	struct page *page;
	unsigned int i;
	dma_addr_t addr;
	ktime_t start;

	page = alloc_pages_node(t->node, GFP_KERNEL, get_order(cfg->size));
	if (!page) {
		t->err = -ENOMEM;
		goto out;
	}
	start = ktime_get();
	for (i = 0; i < cfg->iterations; i++) {
		addr = dma_map_page(t->dev, page, 0, cfg->size, cfg->dir);
		if (dma_mapping_error(t->dev, addr)) {
			t->err = -ENOMEM;
			break;
		}
		dma_unmap_page(t->dev, addr, cfg->size, cfg->dir);
		if (!(i & 1023))
			cond_resched();
	}
	t->ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	__free_pages(page, get_order(cfg->size));
out:
	complete(&t->done);
	return 0;
}

static int bench_parse(char *buf, struct bench_cfg *cfg)
{
	char *tok, *val;
	int ret = 0;

	while ((tok = strsep(&buf, " \t\n")) && !ret) {
		if (!*tok)
			continue;
		val = strchr(tok, '=');
		if (!val) {
			pr_err("vdmac: bench: '%s' is not key=value\n", tok);
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(tok, "threads")) {
			ret = kstrtouint(val, 0, &cfg->threads);
		} else if (!strcmp(tok, "size")) {
			ret = kstrtoul(val, 0, &cfg->size);
		} else if (!strcmp(tok, "iterations")) {
			ret = kstrtouint(val, 0, &cfg->iterations);
		} else if (!strcmp(tok, "dir")) {
			if (!strcmp(val, "to"))
				cfg->dir = DMA_TO_DEVICE;
			else if (!strcmp(val, "from"))
				cfg->dir = DMA_FROM_DEVICE;
			else if (!strcmp(val, "bidi"))
				cfg->dir = DMA_BIDIRECTIONAL;
			else
				ret = -EINVAL;
		} else {
			pr_err("vdmac: bench: unknown key '%s' (threads, size, dir, iterations)\n",
			       tok);
			return -EINVAL;
		}
		if (ret)
			pr_err("vdmac: bench: bad value for %s: '%s'\n", tok,
			       val);
	}
	if (ret)
		return ret;
	if (!cfg->threads || cfg->threads > BENCH_MAX_THREADS ||
	    !cfg->size || cfg->size > BENCH_MAX_SIZE || !cfg->iterations ||
	    cfg->iterations > BENCH_MAX_ITER) {
		pr_err("vdmac: bench: threads 1-%d, size 1-%d, iterations 1-%u\n",
		       BENCH_MAX_THREADS, BENCH_MAX_SIZE, BENCH_MAX_ITER);
		return -EINVAL;
	}
	return 0;
}

static ssize_t bench_write(struct file *file, const char __user *ubuf,
			   size_t count, loff_t *ppos)
{
	struct bench_cfg cfg = {
		.threads = 1, .size = PAGE_SIZE, .dir = DMA_TO_DEVICE,
		.iterations = 200000,
	};
	struct bench_thread *t;
	const struct cpumask *mask;
	struct task_struct *task;
	unsigned int i, cpu;
	int nid;
	u64 sum = 0;
	char *buf;
	int ret;

	if (!count || count > 256) {
		pr_err("vdmac: bench: write e.g. \"threads=1 size=4096 dir=to iterations=200000\"\n");
		return -EINVAL;
	}
	buf = memdup_user_nul(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = bench_parse(buf, &cfg);
	kfree(buf);
	if (ret)
		return -EINVAL;
	t = kcalloc(cfg.threads, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;

	mutex_lock(&vdmac_mutex);
	if (!vdmac_cur) {
		pr_err("vdmac: bench: no vdmac device is bound\n");
		ret = -ENODEV;
		goto out;
	}
	/* the device's node's CPUs, as a driver would map from */
	mask = cpu_online_mask;
	nid = dev_to_node(vdmac_cur->dev);
	if (nid != NUMA_NO_NODE &&
	    cpumask_intersects(cpumask_of_node(nid), cpu_online_mask))
		mask = cpumask_of_node(nid);
	cpu = cpumask_first_and(mask, cpu_online_mask);
	for (i = 0; i < cfg.threads; i++) {
		t[i].dev = vdmac_cur->dev;
		t[i].cfg = &cfg;
		t[i].node = nid;
		init_completion(&t[i].done);
		task = kthread_create(bench_fn, &t[i], "vdmac-bench/%u", i);
		if (IS_ERR(task)) {
			t[i].err = PTR_ERR(task);
			complete(&t[i].done);
			continue;
		}
		kthread_bind(task, cpu);
		wake_up_process(task);
		cpu = cpumask_next_and(cpu, mask, cpu_online_mask);
		if (cpu >= nr_cpu_ids)
			cpu = cpumask_first_and(mask, cpu_online_mask);
	}
	for (i = 0; i < cfg.threads; i++) {
		wait_for_completion(&t[i].done);
		if (t[i].err && !ret)
			ret = t[i].err;
		sum += t[i].ns;
	}
	if (ret) {
		pr_err("vdmac: bench: a thread failed (%d)\n", ret);
		scnprintf(bench_out, sizeof(bench_out), "error=%d\n", ret);
		goto out;
	}
	scnprintf(bench_out, sizeof(bench_out),
		  "threads=%u size=%zu dir=%s iterations=%u ns_per_pair=%llu ns_total=%llu\n",
		  cfg.threads, cfg.size, bench_dir_name(cfg.dir),
		  cfg.iterations,
		  div64_u64(sum, (u64)cfg.threads * cfg.iterations),
		  div64_u64(sum, cfg.threads));
out:
	mutex_unlock(&vdmac_mutex);
	kfree(t);
	return ret ? ret : count;
}

static ssize_t bench_read(struct file *file, char __user *ubuf, size_t count,
			  loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&vdmac_mutex);
	ret = simple_read_from_buffer(ubuf, count, ppos, bench_out,
				      strlen(bench_out));
	mutex_unlock(&vdmac_mutex);
	return ret;
}

static const struct file_operations bench_fops = {
	.owner = THIS_MODULE,
	.read = bench_read,
	.write = bench_write,
	.llseek = default_llseek,
};

int vdmac_bench_init(void)
{
	debugfs_create_file("bench", 0600, vdmac_debugfs, NULL, &bench_fops);
	return 0;
}
