/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmesg.h - CONFIG_DMA_API_DEBUG beside dmascope: its "DMA-API:" kernel
 * messages parsed into device, driver, address, size, direction and class,
 * its debugfs directory (all_errors on for a run and restored, error_count,
 * dump), and the merge that marks each finding as seen by dmascope,
 * dma-debug or both.
 */
#ifndef DMAS_FRONTEND_DMESG_H
#define DMAS_FRONTEND_DMESG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"

/* The message classes of kernel/dma/debug.c (6.1). */
enum dmas_dd_class {
	DMAS_DD_NONE, /* not a report: "preallocated", "Mapped at:", ... */
	DMAS_DD_FREE_INVALID, /* tries to free an invalid DMA memory address */
	DMAS_DD_FREE_NOT_ALLOCATED, /* tries to free DMA memory it has not
				       allocated */
	DMAS_DD_FREE_SIZE, /* frees DMA memory with different size */
	DMAS_DD_FREE_WRONG_FUNCTION, /* frees ... with wrong function */
	DMAS_DD_FREE_CPU_ADDR, /* frees ... with different CPU address */
	DMAS_DD_FREE_SG_COUNT, /* frees DMA sg list with different entry count */
	DMAS_DD_FREE_DIR, /* frees DMA memory with different direction */
	DMAS_DD_MAP_ERR_UNCHECKED, /* failed to check map error */
	DMAS_DD_MAP_STACK, /* maps memory from stack */
	DMAS_DD_MAP_TEXT, /* maps memory from kernel text or rodata */
	DMAS_DD_MAP_INVALID, /* maps memory from invalid area */
	DMAS_DD_MAP_VMALLOC, /* maps memory from vmalloc area */
	DMAS_DD_SYNC_NOT_ALLOCATED, /* tries to sync DMA memory it has not
				       allocated */
	DMAS_DD_SYNC_RANGE, /* syncs DMA memory outside allocated range */
	DMAS_DD_SYNC_DIR, /* syncs DMA memory with different direction */
	DMAS_DD_SYNC_READ_ONLY, /* syncs device read-only DMA memory for cpu */
	DMAS_DD_SYNC_WRITE_ONLY, /* syncs device write-only DMA memory to device */
	DMAS_DD_SYNC_SG_COUNT, /* syncs DMA sg list with different entry count */
	DMAS_DD_SG_TOO_LONG, /* mapping sg segment longer than device claims */
	DMAS_DD_SG_BOUNDARY, /* mapping sg segment across boundary */
	DMAS_DD_PENDING_AT_UNBIND, /* has pending DMA allocations while released */
	DMAS_DD_CACHELINE_OVERLAP, /* cacheline tracking EEXIST */
	DMAS_DD_CACHELINE_LIMIT, /* exceeded N overlapping mappings */
	DMAS_DD_OTHER, /* a DMA-API error line of no known class */
	DMAS_DD_CLASS_MAX
};

/* A class's short name ("free-size") and the finding kind it reports. */
const char *dmas_dd_class_name(enum dmas_dd_class c);
enum dmas_finding_kind dmas_dd_class_kind(enum dmas_dd_class c);

struct dmas_dd_msg {
	uint64_t ts; /* ns, printk clock; 0 unknown */
	enum dmas_dd_class cls;
	char driver[64]; /* "NULL" when dma-debug had no device */
	char device[64];
	uint64_t addr; /* device address; has_addr says whether given */
	uint64_t size;
	bool has_addr, has_size;
	int dir; /* enum dmas_dir, -1 not given */
	int count; /* [count=N] of a pending-at-unbind report, else 0 */
	char *text; /* the message, escapes undone, one line */
};

/*
 * Parses one message (a /dev/kmsg record's text, "\x0a" escapes allowed).
 * Returns 1 for a dma-debug report (m filled, m->text allocated), 0 for
 * any other line (info lines of dma-debug included), -1 out of memory.
 */
int dmas_dd_parse(const char *text, struct dmas_dd_msg *m);
void dmas_dd_msg_free(struct dmas_dd_msg *m);

/* One entry of debugfs' dma-api/dump. */
struct dmas_dd_entry {
	char device[64];
	char driver[64];
	char type[16]; /* single, sg, coherent, resource */
	uint64_t phys, dev_addr, len;
	int dir;
};

/* Parses one line of dma-api/dump; 0 or -1 when it is not one. */
int dmas_dd_parse_dump_line(const char *line, struct dmas_dd_entry *out);

/* A run beside dma-debug. */
struct dmas_dmadbg {
	const char *debugfs; /* "/sys/kernel/debug" unless set before begin */
	const char *kmsg; /* "/dev/kmsg" unless set before begin */
	bool present; /* this kernel has dma-debug (debugfs dma-api/) */
	bool disabled; /* dma-api/disabled said 1 (out of memory, or off) */
	int kfd; /* /dev/kmsg, -1 not readable */
	int kmsg_errno;
	long all_errors_was; /* -1: not read */
	bool all_errors_set; /* we turned it on and must restore it */
	long errors_before, errors_after; /* error_count, -1 unknown */
	struct dmas_dd_msg *msgs;
	size_t nr_msgs;
	uint64_t kmsg_lost; /* records overwritten before we read them */
	struct dmas_dd_entry *dump;
	size_t nr_dump;
	bool dump_read;
	/* the merge's counts */
	size_t both, dd_only, scope_only, dd_leaks_confirmed;
	char warn[256]; /* what went wrong reading dma-debug, once */
};

/* Before CMD starts: open /dev/kmsg at its end, all_errors on. */
void dmas_dmadbg_begin(struct dmas_dmadbg *d);
/* After CMD: read the window's messages, error_count, dump; restore. */
void dmas_dmadbg_end(struct dmas_dmadbg *d);
/*
 * Merge into the engine's findings (only those `include` accepts, when
 * given, and messages of devices it would accept): marks
 * those dma-debug reported too, adds the dma-debug-only ones as findings
 * of their own (seen_by dma-debug), cross-checks leaks with dump.
 */
typedef bool (*dmas_dd_filter)(const struct dmas_engine *e,
			       const struct dmas_finding *f, const void *ctx);
void dmas_dmadbg_merge(struct dmas_dmadbg *d, struct dmas_engine *e,
		       dmas_dd_filter include, const void *ctx);
/* The text report's section. */
void dmas_dmadbg_print(FILE *out, const struct dmas_dmadbg *d,
		       const struct dmas_engine *e);
void dmas_dmadbg_free(struct dmas_dmadbg *d);

#endif
