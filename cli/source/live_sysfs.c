// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_sysfs.c - the traced machine's NUMA layout from sysfs: which node
 * each memory block (physical range) and each CPU belongs to.  Stored in
 * recordings so that a buffer's node can be judged on another machine.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "source/live.h"

static int range_cmp(const void *a, const void *b)
{
	const struct dmas_mem_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

size_t dmas_sysfs_mem_ranges(const char *root, struct dmas_mem_range **out)
{
	char path[512];
	unsigned long long block = 0;
	struct dmas_mem_range *r = NULL;
	size_t n = 0, cap = 0, m;
	DIR *nodes;
	struct dirent *nd;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/memory/block_size_bytes", root);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llx", &block) != 1)
		block = 0;
	fclose(f);
	snprintf(path, sizeof(path), "%s/node", root);
	nodes = opendir(path);
	if (!block || !nodes) {
		if (nodes)
			closedir(nodes);
		return 0;
	}
	while ((nd = readdir(nodes))) {
		int node;
		DIR *d;
		struct dirent *md;

		if (sscanf(nd->d_name, "node%d", &node) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/node/%s", root, nd->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((md = readdir(d))) {
			unsigned long long idx;

			if (sscanf(md->d_name, "memory%llu", &idx) != 1)
				continue;
			if (n == cap) {
				struct dmas_mem_range *nr;

				cap = cap ? cap * 2 : 64;
				nr = realloc(r, cap * sizeof(*r));
				if (!nr)
					break;
				r = nr;
			}
			r[n].start = idx * block;
			r[n].end = (idx + 1) * block;
			r[n].node = node;
			n++;
		}
		closedir(d);
	}
	closedir(nodes);
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

int dmas_sysfs_cpu_nodes(const char *root, int32_t *node_of, int max)
{
	char path[512];
	DIR *nodes, *d;
	struct dirent *nd, *cd;
	int seen = 0;

	for (int i = 0; i < max; i++)
		node_of[i] = -1;
	snprintf(path, sizeof(path), "%s/node", root);
	nodes = opendir(path);
	if (!nodes)
		return 0;
	while ((nd = readdir(nodes))) {
		int node;

		if (sscanf(nd->d_name, "node%d", &node) != 1)
			continue;
		snprintf(path, sizeof(path), "%s/node/%s", root, nd->d_name);
		d = opendir(path);
		if (!d)
			continue;
		while ((cd = readdir(d))) {
			int cpu;
			char extra;

			if (sscanf(cd->d_name, "cpu%d%c", &cpu, &extra) != 1)
				continue;
			if (cpu >= 0 && cpu < max) {
				node_of[cpu] = node;
				seen++;
			}
		}
		closedir(d);
	}
	closedir(nodes);
	return seen;
}
