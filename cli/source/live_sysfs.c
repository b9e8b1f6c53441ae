// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_sysfs.c - the traced machine's NUMA layout from sysfs: which node
 * each memory block (physical range) and each CPU belongs to.  Stored in
 * recordings so that a buffer's node can be judged on another machine.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "source/live.h"

/*
 * Calls fn for every entry of every node folder under root/node ("memory12",
 * "cpu3", ...) with the node's number.
 */
static void walk_nodes(const char *root,
		       void (*fn)(void *ctx, int node, const char *entry),
		       void *ctx)
{
	char path[512];
	DIR *nodes, *d;
	struct dirent *nd, *e;

	snprintf(path, sizeof(path), "%s/node", root);
	nodes = opendir(path);
	if (!nodes)
		return;
	while ((nd = readdir(nodes))) {
		int node;

		if (sscanf(nd->d_name, "node%d", &node) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/node/%s", root, nd->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((e = readdir(d)))
			fn(ctx, node, e->d_name);
		closedir(d);
	}
	closedir(nodes);
}

static int range_cmp(const void *a, const void *b)
{
	const struct dmas_mem_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

struct ranges {
	unsigned long long block;
	struct dmas_mem_range *r;
	size_t n, cap;
	bool oom;
};

static void add_block(void *ctx, int node, const char *entry)
{
	struct ranges *rs = ctx;
	unsigned long long idx;

	if (rs->oom || sscanf(entry, "memory%llu", &idx) != 1)
		return;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct dmas_mem_range *nr = realloc(rs->r, cap * sizeof(*nr));

		if (!nr) {
			rs->oom = true;
			return;
		}
		rs->r = nr;
		rs->cap = cap;
	}
	rs->r[rs->n].start = idx * rs->block;
	rs->r[rs->n].end = (idx + 1) * rs->block;
	rs->r[rs->n].node = node;
	rs->n++;
}

size_t dmas_sysfs_mem_ranges(const char *root, struct dmas_mem_range **out)
{
	char path[512];
	struct ranges rs = {0};
	struct dmas_mem_range *r;
	size_t n, m;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/memory/block_size_bytes", root);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &rs.block) != 1)
		rs.block = 0;
	fclose(f);
	if (!rs.block)
		return 0;
	walk_nodes(root, add_block, &rs);
	r = rs.r;
	n = rs.n;
	if (!n) {
		free(r);
		return 0;
	}
	qsort(r, n, sizeof(*r), range_cmp);
	/* merge adjacent blocks of one node */
	m = 0;
	for (size_t i = 1; i < n; i++) {
		if (r[i].start == r[m].end && r[i].node == r[m].node)
			r[m].end = r[i].end;
		else
			r[++m] = r[i];
	}
	*out = r;
	return m + 1;
}

struct cpu_nodes {
	int32_t *node_of;
	int max, seen;
};

static void add_cpu(void *ctx, int node, const char *entry)
{
	struct cpu_nodes *cn = ctx;
	int cpu;
	char extra;

	if (sscanf(entry, "cpu%d%c", &cpu, &extra) != 1)
		return;
	if (cpu >= 0 && cpu < cn->max) {
		cn->node_of[cpu] = node;
		cn->seen++;
	}
}

int dmas_sysfs_cpu_nodes(const char *root, int32_t *node_of, int max)
{
	struct cpu_nodes cn = {.node_of = node_of, .max = max};

	for (int i = 0; i < max; i++)
		node_of[i] = -1;
	walk_nodes(root, add_cpu, &cn);
	return cn.seen;
}
