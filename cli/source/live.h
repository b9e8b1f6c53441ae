/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live.h - private to the live BPF source: the kernel symbolizer (from
 * /proc/kallsyms, modules included) and the sysfs readers for the machine's
 * NUMA layout.
 */
#ifndef DMASCOPE_LIVE_H
#define DMASCOPE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dmas_ksyms;

/* NULL and err when /proc/kallsyms cannot be read. */
struct dmas_ksyms *dmas_ksyms_load(const char *path, char *err, size_t errlen);
/* Re-read if the set of loaded modules changed; symbols of unloaded modules are
 * kept. */
void dmas_ksyms_refresh(struct dmas_ksyms *k);
void dmas_ksyms_free(struct dmas_ksyms *k);
/* "func+0x1c/0x80 [module]" or "0xffff..." when unknown; returns buf. */
const char *dmas_ksyms_format(const struct dmas_ksyms *k, uint64_t addr,
			      char *buf, size_t len);
/* Address of a symbol of any type, 0 if absent. */
uint64_t dmas_ksyms_addr(const struct dmas_ksyms *k, const char *name);
/* true when addresses are hidden (kptr_restrict): all zero. */
int dmas_ksyms_hidden(const struct dmas_ksyms *k);

struct dmas_mem_range;

/*
 * Physical memory ranges and their nodes from sysfs memory blocks
 * (root is normally /sys/devices/system), merged; returns the count, the
 * array in *out (malloc'd).  0 when the machine has no node information.
 * A kernel without CONFIG_MEMORY_HOTPLUG has no memory blocks: then the
 * zones of zoneinfo (normally /proc/zoneinfo; NULL: none) give the ranges
 * and *from_zones says so.
 */
size_t dmas_sysfs_mem_ranges(const char *root, const char *zoneinfo,
			     struct dmas_mem_range **out, bool *from_zones);
/* The ranges from a zoneinfo file alone (parts two nodes span: left out). */
size_t dmas_zoneinfo_mem_ranges(const char *path, struct dmas_mem_range **out);
/* cpu -> node map: fills node_of[cpu] for cpu < max (-1 unknown); returns cpus
 * seen. */
int dmas_sysfs_cpu_nodes(const char *root, int32_t *node_of, int max);

#endif /* DMASCOPE_LIVE_H */
