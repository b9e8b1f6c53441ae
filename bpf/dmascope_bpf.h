/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmascope_bpf.h - what only the BPF object and its loader (the live source)
 * share: map layouts for per-device counters and drop counters.  Events and
 * device records are in cli/event.h.
 */
#ifndef DMASCOPE_BPF_H
#define DMASCOPE_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DMAS_BPF_MAX_DEVICES 4096

/* Per-device counters, one per CPU, summed by the reader. */
struct dmas_bpf_counters {
	__u64 maps; /* single, sg and resource mappings */
	__u64 map_bytes;
	__u64 unmaps;
	__u64 syncs;
	__u64 allocs; /* coherent, pages and pool blocks */
	__u64 alloc_bytes;
	__u64 frees;
	__u64 map_errors;
};

/* Slots of the per-CPU `drops` array. */
enum {
	DMAS_DROP_RINGBUF = 0, /* an event did not fit in the ring buffer */
	DMAS_DROP_STACK = 1, /* bpf_get_stackid failed (map full, collision) */
	DMAS_DROP_DEVTABLE = 2, /* more devices than DMAS_BPF_MAX_DEVICES */
	DMAS_DROP_NR
};

#endif /* DMASCOPE_BPF_H */
