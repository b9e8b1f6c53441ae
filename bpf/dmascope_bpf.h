/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmascope_bpf.h - what only the BPF object and its loader (the live source)
 * share: the device table's size and the drop counters' slots.  Events and
 * device records are in cli/event.h, the per-device counters (dev_counters)
 * in cli/event_count.h.
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

#endif /* DMASCOPE_BPF_H */
