/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmascope_bpf.h - what only the BPF object and its loader (the live source)
 * share: the device table's size, the drop counters' and the catchers'
 * slots.  Events and device records are in cli/event.h, the per-device
 * counters (dev_counters) in cli/event_count.h.
 */
#ifndef DMASCOPE_BPF_H
#define DMASCOPE_BPF_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define DMAS_BPF_MAX_DEVICES 4096

/* Slots of the per-CPU `drops` array. */
enum {
	DMAS_DROP_RINGBUF = 0, /* an event did not fit in the ring buffer */
	DMAS_DROP_STACK = 1, /* bpf_get_stackid failed (map full, collision) */
	DMAS_DROP_DEVTABLE = 2, /* more devices than DMAS_BPF_MAX_DEVICES */
	DMAS_DROP_NR
};

/*
 * Hooks called from interrupts as well as from tasks, each with a catcher
 * (dmascope.bpf.c: GUARDED_PROG): slots of `guard_running` and the per-CPU
 * `guard_caught` array.  The catalogue (cli/source/live_hooks.c) names the
 * slot of each hook that has one.
 */
enum {
	DMAS_GUARD_MAP = 0,
	DMAS_GUARD_UNMAP,
	DMAS_GUARD_MAP_SG,
	DMAS_GUARD_UNMAP_SG,
	DMAS_GUARD_SYNC_CPU,
	DMAS_GUARD_SYNC_DEVICE,
	DMAS_GUARD_SYNC_SG_CPU,
	DMAS_GUARD_SYNC_SG_DEVICE,
	DMAS_GUARD_POOL_ALLOC,
	DMAS_GUARD_POOL_FREE,
	DMAS_GUARD_NR
};

/*
 * Parts of the hot path `make bench` switches off one at a time (rodata
 * bench_off, from DMASCOPE_BENCH_OFF) to account for the cost of each
 * against the bare floor program; never set in normal tracing.
 */
enum {
	DMAS_BENCH_OFF_STACK = 1 << 0, /* no stack capture */
	DMAS_BENCH_OFF_DEVICE =
		1 << 1, /* no device lookup: every event DEV_NONE */
	DMAS_BENCH_OFF_CLOCK = 1 << 2, /* jiffies instead of ktime */
	DMAS_BENCH_OFF_FILTERS = 1 << 3, /* no pid or device filter code */
	DMAS_BENCH_OFF_COUNTERS = 1 << 4, /* no drop or per-device counters */
	DMAS_BENCH_OFF_WAKEUP = 1 << 5, /* no wakeup decision: never wake */
	DMAS_BENCH_OFF_PHYS = 1 << 6, /* no page to phys, no on-stack check */
};

/*
 * A module's code, sent when it loads (raw_tp/module_load), for the reader
 * alone (never recorded): its frames keep the module's name even when it
 * is gone before the reader names them.  Laid out as struct dmas_event up
 * to kind, which tells the records apart.
 */
#define DMAS_REC_MODULE 0xD1 /* never an enum dmas_kind value */
#define DMAS_MODULE_NAME_LEN 56 /* the kernel's MODULE_NAME_LEN */

struct dmas_module_rec {
	__u64 ts;
	__u32 reserved[3];
	__u16 cpu;
	__u8 kind; /* DMAS_REC_MODULE */
	__u8 pad;
	__u64 text_base; /* its core text */
	__u64 text_size;
	char name[DMAS_MODULE_NAME_LEN];
};

/*
 * A tracepoint program's learned frame layout (bpf/stacks.bpf.h), one of
 * DMAS_TP_WAYS per event kind in the `tp_layouts` array; -v -v lists them.
 */
#define DMAS_TP_WAYS 4
#define DMAS_TP_KINDS 64
#define DMAS_TP_ANCHORS 4

enum {
	DMAS_TP_EMPTY = 0,
	DMAS_TP_LEARNING,
	DMAS_TP_READY,
	DMAS_TP_RETIRED, /* contradicted, or could not be learned */
};

struct dmas_tp_layout {
	__u32 state;
	__u8 nanch; /* anchors, 1..DMAS_TP_ANCHORS */
	__u8 site_off; /* the call site's slot, in words above ctx */
	__u8 anch_off[DMAS_TP_ANCHORS];
	__u64 anch[DMAS_TP_ANCHORS]; /* return addresses in core text */
};

#endif /* DMASCOPE_BPF_H */
