/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * numa.c - buffers and mapping CPUs on another NUMA node than the device.
 *
 * Rules:
 * - A mapping or allocation (single, sg, coherent, dma_alloc_pages; not
 *   resource or pool blocks, whose memory is MMIO or already counted as the
 *   pool's coherent pages) whose buffer's node (the memory map of the
 *   recording, by physical address) and whose device's node are both known
 *   counts its bytes as local or remote in the device's statistics.  An sg
 *   list is placed by its first segment.
 * - `numa-remote-buffer`: one finding per (device, creating stack) with a
 *   remote buffer; the detail counts remote mappings and bytes and names the
 *   nodes.  Never uncertain: the map event itself is the evidence.
 * - `numa-remote-cpu` (info): likewise for streaming mappings (single, sg)
 *   made from a CPU whose node (the recording's CPU map) differs from the
 *   device's.  Coherent and page allocations are left out: the kernel
 *   places them on the device's node whichever CPU asks (probe often runs
 *   elsewhere).
 */
#include <inttypes.h>
#include <stdio.h>

#include "engine/engine_int.h"

static void note(struct dmas_engine *e, enum dmas_finding_kind k,
		 const struct dmas_event *ev, const struct dmas_map *m,
		 int node, int dnode)
{
	bool is_new;
	struct agg *a = eng_aggregate(e, k, m->dev, m->stack, ev, m, m->size,
				      node, dnode, &is_new);

	if (a && !is_new && a->node_a != node)
		a->mixed = 1;
}

void numa_map(struct dmas_engine *e, struct dev_state *d,
	      const struct dmas_event *ev, const struct dmas_map *m)
{
	int dnode = d->pub.numa_node, node, cnode;

	if (dnode < 0)
		return;
	if (ev->phys && e->nr_ranges) {
		node = dmas_engine_node_of(e, ev->phys);
		if (node == dnode) {
			d->run.local_bytes += m->size;
		} else if (node >= 0) {
			d->run.remote_bytes += m->size;
			note(e, DMAS_F_NUMA_REMOTE_BUFFER, ev, m, node, dnode);
		}
	}
	/* allocations are placed on the device's node whoever asks */
	if (ev->kind != DMAS_EV_MAP && ev->kind != DMAS_EV_MAP_SG)
		return;
	cnode = dmas_engine_cpu_node(e, ev->cpu);
	if (cnode >= 0 && cnode != dnode)
		note(e, DMAS_F_NUMA_REMOTE_CPU, ev, m, cnode, dnode);
}

void numa_format(struct dmas_engine *e, const struct agg *a,
		 struct dmas_finding *f)
{
	char where[32];

	if (a->mixed)
		snprintf(where, sizeof(where), "remote nodes");
	else
		snprintf(where, sizeof(where), "node %d", a->node_a);
	if (f->kind == DMAS_F_NUMA_REMOTE_BUFFER)
		snprintf(f->detail, sizeof(f->detail),
			 "%" PRIu64 " remote mapping%s, %" PRIu64
			 " bytes: buffer on %s, device on node %d",
			 a->count, a->count == 1 ? "" : "s", a->bytes, where,
			 a->node_b);
	else
		snprintf(f->detail, sizeof(f->detail),
			 "%" PRIu64
			 " mapping%s made from CPUs on %s, device on node %d",
			 a->count, a->count == 1 ? "" : "s", where, a->node_b);
}
