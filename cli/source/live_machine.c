// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_machine.c - what a live source says about the machine it traces
 * before the first event: the session header (kernel, host, clock, page
 * size, start), the physical memory ranges of each NUMA node, the kernel
 * image's text and rodata, and the CPU -> node map.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "source/live.h"
#include "source/source.h"

#define SYSFS_SYSTEM "/sys/devices/system"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

uint64_t dmas_live_now_mono(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t dmas_live_now_real(void)
{
	return clock_ns(CLOCK_REALTIME);
}

void dmas_live_session_init(struct dmas_session *s)
{
	struct utsname un;

	uname(&un);
	snprintf(s->kernel_release, sizeof(s->kernel_release), "%s",
		 un.release);
	snprintf(s->hostname, sizeof(s->hostname), "%s", un.nodename);
	snprintf(s->clock, sizeof(s->clock), "monotonic");
	s->page_size = sysconf(_SC_PAGESIZE);
	s->start_ts = dmas_live_now_mono();
	s->start_realtime_ns = dmas_live_now_real();
}

static void deliver_mem_ranges(const struct dmas_sink *sink, bool verbose)
{
	struct dmas_mem_range *r = NULL;
	bool zones;
	size_t n = dmas_sysfs_mem_ranges(SYSFS_SYSTEM, "/proc/zoneinfo", &r,
					 &zones);

	if (verbose && zones)
		fprintf(stderr,
			"dmascope: no memory blocks in sysfs: NUMA memory map from /proc/zoneinfo (%zu ranges)\n",
			n);
	for (size_t i = 0; i < n; i++)
		if (sink->mem_range)
			sink->mem_range(sink->ctx, &r[i]);
	free(r);
}

static void deliver_kernel_ranges(const struct dmas_sink *sink, bool verbose)
{
	struct dmas_mem_range r[8];
	size_t n = dmas_iomem_kernel_ranges("/proc/iomem", r, 8);

	if (verbose && !n)
		fprintf(stderr,
			"dmascope: /proc/iomem shows no kernel code or rodata: mappings of the kernel image are not checked\n");
	for (size_t i = 0; i < n; i++)
		if (sink->mem_range)
			sink->mem_range(sink->ctx, &r[i]);
}

static void deliver_cpu_nodes(const struct dmas_sink *sink, int ncpus)
{
	int32_t *node_of;

	if (!sink->cpu_node)
		return;
	node_of = calloc(ncpus, sizeof(*node_of));
	if (node_of && dmas_sysfs_cpu_nodes(SYSFS_SYSTEM, node_of, ncpus) > 0)
		for (int cpu = 0; cpu < ncpus; cpu++)
			if (node_of[cpu] >= 0)
				sink->cpu_node(sink->ctx, cpu, node_of[cpu]);
	free(node_of);
}

void dmas_live_deliver_machine(const struct dmas_sink *sink,
			       const struct dmas_session *s, int ncpus,
			       bool verbose)
{
	if (sink->session)
		sink->session(sink->ctx, s);
	deliver_mem_ranges(sink, verbose);
	deliver_kernel_ranges(sink, verbose);
	deliver_cpu_nodes(sink, ncpus);
}
