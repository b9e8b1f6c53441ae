// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_sysfs.c - the traced machine's facts from sysfs: the NUMA layout
 * (which node each memory block and each CPU belongs to; from the zones of
 * /proc/zoneinfo where the kernel has no memory blocks), each device's IOMMU
 * isolation, and the kernel image's text and rodata from /proc/iomem.  Stored
 * in recordings so that a buffer's node, a device's isolation and a mapping of
 * the kernel image can be judged on another machine.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Sorts r[0..n) and merges touching ranges of one node; returns the count. */
static size_t merge_ranges(struct dmas_mem_range *r, size_t n)
{
	size_t m = 0;

	qsort(r, n, sizeof(*r), range_cmp);
	for (size_t i = 1; i < n; i++) {
		if (r[i].start == r[m].end && r[i].node == r[m].node)
			r[m].end = r[i].end;
		else
			r[++m] = r[i];
	}
	return m + 1;
}

static int push_range(struct dmas_mem_range **r, size_t *n, size_t *cap,
		      uint64_t start, uint64_t end, int node)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		struct dmas_mem_range *nr = realloc(*r, nc * sizeof(**r));

		if (!nr)
			return -1;
		*r = nr;
		*cap = nc;
	}
	(*r)[*n].start = start;
	(*r)[*n].end = end;
	(*r)[*n].node = node;
	(*r)[*n].kind = DMAS_MEM_RAM;
	(*n)++;
	return 0;
}

static int u64_cmp(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/*
 * Keeps only what exactly one node's spans cover.  A zone's span may hold
 * holes and, where nodes interleave, another node's memory: a part two
 * nodes claim stays unknown rather than guessed.
 */
static size_t drop_contested(struct dmas_mem_range **rp, size_t n)
{
	struct dmas_mem_range *r = *rp, *o = NULL;
	uint64_t *b = malloc(2 * n * sizeof(*b));
	size_t nb = 0, no = 0, cap = 0;

	if (!b)
		return 0;
	for (size_t i = 0; i < n; i++) {
		b[nb++] = r[i].start;
		b[nb++] = r[i].end;
	}
	qsort(b, nb, sizeof(*b), u64_cmp);
	for (size_t k = 0; k + 1 < nb; k++) {
		int node = -1;
		bool contested = false;

		if (b[k] == b[k + 1])
			continue;
		for (size_t i = 0; i < n; i++) {
			if (r[i].start > b[k] || r[i].end < b[k + 1])
				continue;
			if (node >= 0 && node != r[i].node)
				contested = true;
			node = r[i].node;
		}
		if (node >= 0 && !contested &&
		    push_range(&o, &no, &cap, b[k], b[k + 1], node)) {
			no = 0;
			break;
		}
	}
	free(b);
	free(r);
	*rp = o;
	return no ? merge_ranges(o, no) : 0;
}

size_t dmas_zoneinfo_mem_ranges(const char *path, struct dmas_mem_range **out)
{
	long page = sysconf(_SC_PAGESIZE);
	unsigned long long spanned = 0, pfn;
	struct dmas_mem_range *r = NULL;
	size_t n = 0, cap = 0;
	char line[256];
	int node = -1;
	FILE *f;

	*out = NULL;
	f = fopen(path, "r");
	if (!f || page <= 0) {
		if (f)
			fclose(f);
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char zone[32];

		if (sscanf(line, "Node %d, zone %31s", &node, zone) == 2) {
			spanned = 0;
			continue;
		}
		if (sscanf(line, " spanned %llu", &spanned) == 1)
			continue;
		/* the zone's last line of interest: its span is complete */
		if (sscanf(line, " start_pfn: %llu", &pfn) != 1 || node < 0 ||
		    !spanned || pfn + spanned < pfn ||
		    (pfn + spanned) > UINT64_MAX / (unsigned long)page)
			continue;
		if (push_range(&r, &n, &cap, pfn * (unsigned long)page,
			       (pfn + spanned) * (unsigned long)page, node)) {
			n = 0;
			break;
		}
	}
	fclose(f);
	if (!n) {
		free(r);
		return 0;
	}
	n = drop_contested(&r, n);
	*out = r;
	return n;
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
	if (push_range(&rs->r, &rs->n, &rs->cap, idx * rs->block,
		       (idx + 1) * rs->block, node))
		rs->oom = true;
}

static size_t sysfs_blocks(const char *root, struct dmas_mem_range **out)
{
	char path[512];
	struct ranges rs = {0};
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
	if (!rs.n) {
		free(rs.r);
		return 0;
	}
	*out = rs.r;
	return merge_ranges(rs.r, rs.n);
}

size_t dmas_sysfs_mem_ranges(const char *root, const char *zoneinfo,
			     struct dmas_mem_range **out, bool *from_zones)
{
	size_t n = sysfs_blocks(root, out);

	*from_zones = false;
	if (n || !zoneinfo)
		return n;
	n = dmas_zoneinfo_mem_ranges(zoneinfo, out);
	*from_zones = n > 0;
	return n;
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

/* The first line of a small sysfs file, without its newline; -1 if none. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A name that is one path component: no '/', not "." or "..". */
static bool path_safe(const char *s)
{
	return s[0] && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

static uint8_t domain_of(const char *type)
{
	static const struct {
		const char *word;
		uint8_t t;
	} words[] = {
		{"DMA", DMAS_IOMMU_DMA},
		{"DMA-FQ", DMAS_IOMMU_DMA_FQ},
		{"identity", DMAS_IOMMU_IDENTITY},
		{"blocked", DMAS_IOMMU_BLOCKED},
		{"unmanaged", DMAS_IOMMU_UNMANAGED},
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(type, words[i].word))
			return words[i].t;
	return DMAS_IOMMU_GROUP_ONLY; /* "unknown", or a type newer than us */
}

void dmas_sysfs_device_isolation(const char *root, struct dmas_device *d)
{
	char dir[512], path[600], link[256], word[32];
	const char *num;
	unsigned long group;
	ssize_t n;
	char *end;

	d->iommu_domain = DMAS_IOMMU_UNKNOWN;
	d->port = DMAS_PORT_UNKNOWN;
	d->iommu_group = 0;
	if (!path_safe(d->bus) || !path_safe(d->name))
		return;
	snprintf(dir, sizeof(dir), "%s/bus/%s/devices/%s", root, d->bus,
		 d->name);
	if (access(dir, F_OK))
		return;
	snprintf(path, sizeof(path), "%s/iommu_group", dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0) {
		d->iommu_domain = DMAS_IOMMU_NONE;
	} else {
		link[n] = 0;
		num = strrchr(link, '/');
		num = num ? num + 1 : link;
		group = strtoul(num, &end, 10);
		if (end != num && !*end && group <= UINT32_MAX)
			d->iommu_group = (uint32_t)group;
		snprintf(path, sizeof(path), "%s/kernel/iommu_groups/%s/type",
			 root, num);
		d->iommu_domain = read_line(path, word, sizeof(word))
					  ? DMAS_IOMMU_GROUP_ONLY
					  : domain_of(word);
	}
	/* PCI's untrusted, where a kernel shows it, says more than removable */
	snprintf(path, sizeof(path), "%s/untrusted", dir);
	if (!read_line(path, word, sizeof(word)) && !strcmp(word, "1")) {
		d->port = DMAS_PORT_UNTRUSTED;
		return;
	}
	snprintf(path, sizeof(path), "%s/removable", dir);
	if (read_line(path, word, sizeof(word)))
		return;
	if (!strcmp(word, "removable"))
		d->port = DMAS_PORT_REMOVABLE;
	else if (!strcmp(word, "fixed"))
		d->port = DMAS_PORT_FIXED;
}

size_t dmas_iomem_kernel_ranges(const char *path, struct dmas_mem_range *out,
				size_t max)
{
	static const struct {
		const char *name;
		uint32_t kind;
	} parts[] = {
		{"Kernel code", DMAS_MEM_KERNEL_TEXT},
		{"Kernel rodata", DMAS_MEM_KERNEL_RODATA},
	};
	unsigned long long start, end;
	char line[256];
	size_t n = 0;
	FILE *f;
	int name;

	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		/* "  01000000-02276987 : Kernel code" (nested: indented) */
		if (sscanf(line, " %llx-%llx : %n", &start, &end, &name) != 2)
			continue;
		/* addresses read as 0 without CAP_SYS_ADMIN: nothing to use */
		if (!end || end < start || end == UINT64_MAX)
			continue;
		for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
			if (strcmp(line + name, parts[i].name))
				continue;
			out[n].start = start;
			out[n].end = end + 1; /* iomem's end is inclusive */
			out[n].node = -1;
			out[n].kind = parts[i].kind;
			n++;
			break;
		}
	}
	fclose(f);
	return n;
}
