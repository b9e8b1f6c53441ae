/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live.h - what any live source (one tracing the running kernel) is built
 * from, private to cli/source: the kernel symbolizer, the machine's session
 * header and NUMA layout, the reorder window and the per-device counts of
 * received events.  The BPF source's own parts are in live_bpf.h.
 */
#ifndef DMASCOPE_LIVE_H
#define DMASCOPE_LIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event_count.h"

struct dmas_event;
struct dmas_live_counters;
struct dmas_mem_range;
struct dmas_device;
struct dmas_session;
struct dmas_sink;

/* ---- kernel symbols (live_ksyms.c) ---- */

struct dmas_ksyms;

/* NULL and err when /proc/kallsyms cannot be read. */
struct dmas_ksyms *dmas_ksyms_load(const char *path, char *err, size_t errlen);
/*
 * In two steps: the modules loaded now, their code's ranges read at once
 * from modules_path (NULL: /proc/modules; cheap), so that a module unloaded
 * before the symbols are read (path, NULL: /proc/kallsyms; seconds under
 * emulation) still names its frames; NULL when out of memory.  Then
 * dmas_ksyms_read reads the symbols: -1 with err on failure.
 */
struct dmas_ksyms *dmas_ksyms_new(const char *path, const char *modules_path);
int dmas_ksyms_read(struct dmas_ksyms *k, char *err, size_t errlen);
/*
 * A module's code as the kernel reported it at its load: its frames name
 * it from now on, whether or not /proc/modules still lists it when they are
 * named (a later load's range, listed there, wins).
 */
void dmas_ksyms_note_module(struct dmas_ksyms *k, const char *name,
			    uint64_t base, uint64_t size);
/*
 * Reads the module list (name, size, core address) from path instead of
 * /proc/modules, and reloads; -1 with err on failure.
 */
int dmas_ksyms_set_modules(struct dmas_ksyms *k, const char *path, char *err,
			   size_t errlen);
/*
 * Re-read if the set of loaded modules changed; symbols of unloaded
 * modules are kept.
 */
void dmas_ksyms_refresh(struct dmas_ksyms *k);
void dmas_ksyms_free(struct dmas_ksyms *k);
/* "func+0x1c/0x80 [module]" or "0xffff..." when unknown; returns buf. */
const char *dmas_ksyms_format(const struct dmas_ksyms *k, uint64_t addr,
			      char *buf, size_t len);
/* Address of a symbol of any type, 0 if absent. */
uint64_t dmas_ksyms_addr(const struct dmas_ksyms *k, const char *name);
/* true when addresses are hidden (kptr_restrict): all zero. */
int dmas_ksyms_hidden(const struct dmas_ksyms *k);

/* ---- the machine's NUMA layout (live_sysfs.c) ---- */

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
/*
 * The kernel image's text and rodata ("Kernel code", "Kernel rodata") from
 * an iomem file (normally /proc/iomem), at most max into out (kind set,
 * node -1); 0 when the file is missing or hides its addresses (not root).
 */
size_t dmas_iomem_kernel_ranges(const char *path, struct dmas_mem_range *out,
				size_t max);
/*
 * cpu -> node map: fills node_of[cpu] for cpu < max (-1 unknown); returns
 * the cpus seen.
 */
int dmas_sysfs_cpu_nodes(const char *root, int32_t *node_of, int max);
/*
 * The device's isolation from sysfs under root (normally /sys): its IOMMU
 * group and the group's default domain type, and whether it sits below an
 * external port.  Fills d->iommu_group, iommu_domain and port from d->bus
 * and d->name; leaves them unknown when the device is not in sysfs (gone
 * already) or its names cannot be a sysfs path.
 */
void dmas_sysfs_device_isolation(const char *root, struct dmas_device *d);

/* ---- the session and the machine (live_machine.c) ---- */

uint64_t dmas_live_now_mono(void); /* ns, the events' clock */
uint64_t dmas_live_now_real(void);
/* This machine's session header: kernel, host, clock, page size, start. */
void dmas_live_session_init(struct dmas_session *s);
/* Hands the session, the NUMA layout and the CPU -> node map to the sink. */
/* verbose: say where the memory map came from when it is not sysfs. */
void dmas_live_deliver_machine(const struct dmas_sink *sink,
			       const struct dmas_session *s, int ncpus,
			       bool verbose);

/* ---- events in time order (live_reorder.c) ---- */

/* Events may leave a kernel's per-CPU buffers this far out of order. */
#define DMAS_REORDER_NS 10000000ULL

/*
 * Events held back until nothing older can still arrive: pushed in any
 * order, handed to the sink by timestamp (ties in arrival order).
 */
struct dmas_reorder {
	struct dmas_reorder_slot *slot;
	size_t n, cap, head; /* slot[head..n) are waiting */
	uint64_t seq, max_ts;
	uint64_t delivered;
	uint64_t last_ts; /* of the last event handed on */
};

/* -1 when out of memory (the event is not kept). */
int dmas_reorder_push(struct dmas_reorder *r, const struct dmas_event *ev);
/*
 * A loss the kernel's counts show at a read made at until (the clock read
 * just before them): it was not there at the previous read, made at
 * since, so it happened somewhere in between.  The LOST event goes at
 * since, spanning to until (its size): after every event older than since
 * (they came before the loss), ahead of every later one, even those read
 * before the loss was seen; the engine takes every event of the span as
 * possibly after it.  A flush never hands on events newer than the last
 * read's clock (dmas_reorder_tick's now), so since is never behind what
 * was handed on.
 */
int dmas_reorder_push_loss(struct dmas_reorder *r, struct dmas_event *ev,
			   uint64_t since, uint64_t until);
/* Hands the sink every event at or before limit. */
void dmas_reorder_flush(struct dmas_reorder *r, uint64_t limit,
			const struct dmas_sink *sink);
/*
 * The periodic step: hands over what the window lets go, judged by the
 * newest event and by the clock, now (a quiet ring holds nothing back),
 * and tells an idle sink how far the events are complete.  A source that
 * reads the kernel's loss counts reads the clock just before them and
 * passes that as now.
 */
void dmas_reorder_tick(struct dmas_reorder *r, const struct dmas_sink *sink,
		       uint64_t now);
/* At the end: everything held back, then the sink's last idle call. */
void dmas_reorder_drain(struct dmas_reorder *r, const struct dmas_sink *sink);
void dmas_reorder_free(struct dmas_reorder *r);

/* ---- per-device counts of received events (live_counters.c) ---- */

/* Counts per device id below nr; ids from nr on are not counted. */
struct dmas_tally {
	struct dmas_dev_counters *dev;
	uint32_t nr;
};

int dmas_tally_init(struct dmas_tally *t, uint32_t nr);
void dmas_tally_event(struct dmas_tally *t, const struct dmas_event *ev);
void dmas_tally_free(struct dmas_tally *t);
/* The counters of one device as frontends see them. */
void dmas_tally_export(const struct dmas_dev_counters *c,
		       struct dmas_live_counters *out);

#endif /* DMASCOPE_LIVE_H */
