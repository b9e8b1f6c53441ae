/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * numa.c - buffers and mapping CPUs on another NUMA node than the device.
 *
 * Rules:
 * - A mapping or allocation (single, sg, coherent, dma_alloc_pages; not
 *   resource or pool blocks, whose memory is MMIO or already counted as the
 *   pool's coherent pages) whose buffer's node (the memory map of the
 *   recording, by physical address) and whose device's node are both known
 *   counts its bytes as local or remote in the device's statistics, always.
 *   An sg list is placed by its first segment.  A mapping of the kernel
 *   image or of the mapping task's stack is `map-kernel-image` /
 *   `map-stack` (misuse.c) and is not placed: one root cause, one finding.
 * - Placement is judged per (device, call site): the innermost 3 frames of
 *   the creating stack (the DMA API function, its caller, that one's
 *   caller; eng_stack_site), so a finding names the code that mapped the
 *   memory.  Full stacks are too fine: the frames above the driver vary
 *   with whatever triggered the I/O, and every rare path would be a stack
 *   of one or two mappings.  Without stacks the device is one site.
 * - A correct driver pinned to its device's node still maps buffers from
 *   the other node: page recycling, buffers freed on another CPU, SLUB
 *   handing out objects of whatever slab the CPU holds.  Measured in the
 *   test VM (nvme and e1000e, work and interrupts on each device's node):
 *   at most 13% of a call site's mappings, yet 46% of one full stack's
 *   (67% of its bytes), and single remote mappings from one-off stacks.
 *   True, but not the driver's choice.  A driver that picks the wrong node
 *   (kmalloc/alloc_pages without the device's node from a CPU elsewhere)
 *   maps most or all of a call site's buffers remotely.  So
 *   `numa-remote-buffer` is one finding per (device, call site) only when
 *   remote placement is systematic: at least numa_min_share percent
 *   (default 50) of the site's placed bytes AND of its placed mappings are
 *   remote, and at least NUMA_MIN_REMOTE (4) mappings were, or, for a site
 *   that made fewer than 4 placed mappings by the end of the session, all
 *   of them were (one remote buffer from a call site that mapped nothing
 *   else is a finding; 3 strays among 600 are not).  The device's
 *   remote/local byte shares in the statistics show the rest.
 * - Evaluated at each statistics window's end (so live views show it while
 *   tracing; the small-sample rule waits for the end: a site's first
 *   mapping alone says nothing yet) and at finish.  Once reported it stays;
 *   its detail is brought up to date at every evaluation.  The finding's
 *   mapping fields are the first remote mapping's, its time the evaluation
 *   that made it.  Never uncertain: map events themselves are the evidence.
 * - Who placed the memory, from the creating stack: a buffer the network
 *   stack transmits (dev_hard_start_xmit) was placed by the sending CPU's
 *   allocation, one the block layer dispatches (blk_mq_*) by user space
 *   (O_DIRECT: its own pages) or the page cache; the rest is the driver's
 *   own allocation.  Each placer is its own site.  Handed-in buffers are
 *   `numa-remote-io-buffer` (info: the driver did not choose them, the
 *   fix lies with the application or the sender) and need the full rule:
 *   at least NUMA_MIN_REMOTE remote mappings, never "all of a few" (two
 *   IPv6 MLD frames sent by a kworker on the other node are not a
 *   pattern).  Without stacks every buffer counts as the driver's.
 * - `numa-remote-cpu` (info): the same rule, over streaming mappings
 *   (single, sg) whose mapping CPU's node (the recording's CPU map) is
 *   known: a driver whose interrupts are steered to its node still maps a
 *   few buffers from elsewhere (a kworker, a stray softirq).  Coherent and
 *   page allocations are left out: the kernel places them on the device's
 *   node whichever CPU asks (probe often runs elsewhere).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define NUMA_MIN_REMOTE 4
#define NUMA_SHARE_DEFAULT 50

/* "name+0x10/0x20 [mod]" is function name */
static bool frame_is(const char *frame, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(frame, name, n) &&
	       (frame[n] == '+' || frame[n] == ' ' || !frame[n]);
}

uint8_t numa_stack_placer(const struct dmas_stack *s)
{
	bool block = false;

	for (uint32_t i = 0; i < s->nr_frames; i++) {
		const char *f = s->frames[i];

		if (frame_is(f, "dev_hard_start_xmit"))
			return NUMA_BY_NET;
		if (!strncmp(f, "blk_mq_", 7) || !strncmp(f, "__blk_mq_", 9))
			block = true;
		if (block && (frame_is(f, "__blkdev_direct_IO") ||
			      frame_is(f, "__blkdev_direct_IO_simple") ||
			      frame_is(f, "__blkdev_direct_IO_async") ||
			      frame_is(f, "blkdev_direct_IO") ||
			      !strncmp(f, "iomap_dio_", 10) ||
			      !strncmp(f, "__iomap_dio_", 12)))
			return NUMA_BY_DIRECT_IO;
	}
	return block ? NUMA_BY_BLOCK : NUMA_BY_DRIVER;
}

static struct numa_site *site_get(struct dmas_engine *e, struct dev_state *d,
				  uint32_t site, uint8_t placer)
{
	uint64_t key = site | (uint64_t)placer << 32;
	uint32_t dev = d->pub.id;
	struct numa_site *s, *n;
	uint32_t *slot;

	/* a device's map events mostly come from the site before them */
	if (d->numa_last) {
		s = &e->numa[d->numa_last - 1];
		if (s->site == site && s->placer == placer)
			return s;
	}
	slot = htab_find(&e->numa_h, key, dev);
	if (slot) {
		d->numa_last = *slot;
		return &e->numa[*slot - 1];
	}
	n = eng_grow(e->numa, &e->cap_numa, e->nr_numa + 1, sizeof(*n));
	if (!n)
		return NULL;
	e->numa = n;
	if (htab_insert(&e->numa_h, key, dev, (uint32_t)e->nr_numa + 1))
		return NULL;
	s = &e->numa[e->nr_numa++];
	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->site = site;
	s->placer = placer;
	s->side[0].node = s->side[1].node = -1;
	d->numa_last = (uint32_t)e->nr_numa;
	return s;
}

static __attribute__((noinline)) void count_remote(struct numa_side *sd,
						   const struct dmas_event *ev,
						   const struct dmas_map *m,
						   int node)
{
	if (!sd->remote_maps) {
		sd->node = node;
		sd->ev = *ev;
		sd->m = *m;
	} else if (sd->node != node) {
		sd->mixed = true;
	}
	sd->remote_maps++;
	sd->remote_bytes += m->size;
}

static inline void count(struct numa_side *sd, const struct dmas_event *ev,
			 const struct dmas_map *m, int node, bool remote)
{
	sd->maps++;
	sd->bytes += m->size;
	if (remote)
		count_remote(sd, ev, m, node);
}

/*
 * The node of phys, trying d's last range first: a device's buffers mostly
 * come from its own node, while consecutive events alternate devices.
 */
static inline int node_of(struct dmas_engine *e, struct dev_state *d,
			  uint64_t phys)
{
	int node;

	if (d->range_last) {
		const struct dmas_mem_range *r = &e->ranges[d->range_last - 1];

		if (phys >= r->start && phys < r->end)
			return r->node;
	}
	node = dmas_engine_node_of(e, phys);
	if (node >= 0)
		d->range_last = (uint32_t)e->last_range + 1;
	return node;
}

void numa_map(struct dmas_engine *e, struct dev_state *d,
	      const struct dmas_event *ev, const struct dmas_map *m)
{
	int dnode = d->pub.numa_node, node = -1, cnode = -1;
	struct numa_site *s;

	if (dnode < 0)
		return;
	if (ev->phys && e->nr_ranges) {
		node = node_of(e, d, ev->phys);
		if (node == dnode)
			d->run.local_bytes += m->size;
		else if (node >= 0)
			d->run.remote_bytes += m->size;
	}
	/* allocations are placed on the device's node whoever asks */
	if (ev->kind == DMAS_EV_MAP || ev->kind == DMAS_EV_MAP_SG ||
	    ev->kind == DMAS_EV_IOVA_LINK)
		cnode = dmas_engine_cpu_node(e, ev->cpu);
	if (node < 0 && cnode < 0)
		return;
	s = site_get(e, d, eng_stack_site(e, m->stack),
		     m->stack < e->cap_stacks ? e->stacks[m->stack].placer
					      : NUMA_BY_DRIVER);
	if (!s) {
		e->dropped++;
		return;
	}
	if (node >= 0)
		count(&s->side[0], ev, m, node, node != dnode);
	if (cnode >= 0)
		count(&s->side[1], ev, m, cnode, cnode != dnode);
	s->dnode = dnode;
}

static bool systematic(const struct dmas_engine *e, const struct numa_site *s,
		       const struct numa_side *sd, bool at_finish)
{
	unsigned int share = e->opts.numa_min_share;

	if (!sd->remote_maps)
		return false;
	if (!share)
		share = NUMA_SHARE_DEFAULT;
	if (share > 100)
		share = 100;
	if ((unsigned __int128)sd->remote_bytes * 100 <
		    (unsigned __int128)sd->bytes * share ||
	    (unsigned __int128)sd->remote_maps * 100 <
		    (unsigned __int128)sd->maps * share)
		return false;
	return sd->remote_maps >= NUMA_MIN_REMOTE ||
	       (at_finish && sd->remote_maps == sd->maps &&
		s->placer == NUMA_BY_DRIVER);
}

static const char *const placed_by[] = {
	[NUMA_BY_DRIVER] = "the driver's own allocation",
	[NUMA_BY_NET] = "the network stack (sent packets)",
	[NUMA_BY_DIRECT_IO] = "user space (O_DIRECT)",
	[NUMA_BY_BLOCK] = "the page cache or a filesystem (block I/O)",
};

static void describe(const struct numa_site *s, const struct numa_side *sd,
		     bool cpu, char *buf, size_t len)
{
	char where[32];
	unsigned int pct =
		sd->bytes ? (unsigned int)((unsigned __int128)sd->remote_bytes *
					   100 / sd->bytes)
			  : 100;

	if (sd->mixed)
		snprintf(where, sizeof(where), "remote nodes");
	else
		snprintf(where, sizeof(where), "node %d", sd->node);
	if (!cpu)
		snprintf(
			buf, len,
			"%" PRIu64 " of %" PRIu64 " mapping%s remote, %" PRIu64
			" bytes (%u%%): buffer on %s, device on node %d; placed by %s",
			sd->remote_maps, sd->maps, sd->maps == 1 ? "" : "s",
			sd->remote_bytes, pct, where, s->dnode,
			placed_by[s->placer]);
	else
		snprintf(
			buf, len,
			"%" PRIu64 " of %" PRIu64
			" mapping%s made from CPUs on %s (%u%% of bytes), device on node %d",
			sd->remote_maps, sd->maps, sd->maps == 1 ? "" : "s",
			where, pct, s->dnode);
}

void numa_evaluate(struct dmas_engine *e, bool at_finish)
{
	enum dmas_finding_kind kinds[2] = {
		DMAS_F_NUMA_REMOTE_BUFFER,
		DMAS_F_NUMA_REMOTE_CPU,
	};
	size_t i;
	int k;

	/* in order of first sight: the same input, the same numbering */
	for (i = 0; i < e->nr_numa; i++) {
		struct numa_site *s = &e->numa[i];

		/* handed-in memory: the driver did not choose it */
		kinds[0] = s->placer == NUMA_BY_DRIVER
				   ? DMAS_F_NUMA_REMOTE_BUFFER
				   : DMAS_F_NUMA_REMOTE_IO_BUFFER;
		for (k = 0; k < 2; k++) {
			struct numa_side *sd = &s->side[k];
			char detail[sizeof(((struct dmas_finding *)0)->detail)];
			struct dmas_finding *f;
			struct dmas_event ev;

			if (sd->finding) {
				describe(s, sd, k,
					 e->findings[sd->finding - 1].detail,
					 sizeof(detail));
				continue;
			}
			if (!systematic(e, s, sd, at_finish))
				continue;
			describe(s, sd, k, detail, sizeof(detail));
			ev = sd->ev;
			ev.ts = e->now;
			f = eng_report_each(e, kinds[k], &ev, &sd->m, false,
					    "%s", detail);
			if (f)
				sd->finding = f->seq + 1;
		}
	}
}

void numa_free(struct dmas_engine *e)
{
	free(e->numa);
	htab_free(&e->numa_h);
}
