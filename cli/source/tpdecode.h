/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tpdecode.h - ftrace event records (the dma:* events under every name and
 * layout they have had, swiotlb, iommu, vdmac, and the ftrace source's own
 * kprobe events) turned into our events, every field found by name in the
 * event's format.  Shared by the trace.dat and perf.data readers and the
 * live tracefs source.  Private to cli/source.
 */
#ifndef DMASCOPE_TPDECODE_H
#define DMASCOPE_TPDECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "sidetables.h"

struct tep_handle;
struct dmas_sink;

/* System name prefix of the ftrace source's kprobe events. */
#define DMAS_KPROBE_GROUP "dmascope"

/* A kprobe or kretprobe event the ftrace source creates (6.1: no dma:*). */
struct dmas_kprobe_def {
	const char *event; /* event name, in the DMAS_KPROBE_GROUP_* system */
	const char *target; /* kernel function */
	bool ret; /* a kretprobe */
	const char *args; /* typed fetch arguments (x86-64 registers) */
	uint8_t handler; /* enum tp_handler, tpdecode.c's */
	uint8_t kind; /* the event it becomes (entry: the pair's) */
};

extern const struct dmas_kprobe_def dmas_kprobe_defs[];
extern const unsigned dmas_nr_kprobe_defs;

struct tp_pending;

struct dmas_tpdec {
	struct tep_handle *tep; /* not owned */
	/* the events read, by tep event id */
	const void *by_id[65536];
	uint32_t nr_known;
	/* devices by name: ids 1.. */
	char (*devs)[DMAS_DEV_NAME_LEN];
	uint32_t nr_devs;
	/* fills a new device's record beyond its name (NUMA node, driver) */
	void (*describe)(void *ctx, struct dmas_device *d);
	void *describe_ctx;
	/* kprobe entries waiting for their kretprobe */
	struct tp_pending *pending;
	uint32_t nr_pending;
	uint64_t events, skipped;
	uint64_t unpaired; /* a return without its entry, or the reverse */
};

/*
 * Binds the decoder to the events tep knows (call again after formats are
 * added).  Returns how many of ours it knows.
 */
uint32_t dmas_tpdec_bind(struct dmas_tpdec *t, struct tep_handle *tep);
/* The record's event is one of ours (its id bound). */
bool dmas_tpdec_known(const struct dmas_tpdec *t, const void *data, int size);
/*
 * One record at ts on cpu, with a stack table id or DMAS_STACK_NONE: hands
 * the sink what it becomes (a device record first when it names a new
 * device).  Returns true when it was one of ours; records of other events
 * count in t->skipped.
 */
bool dmas_tpdec_record_stack(struct dmas_tpdec *t, const void *data, int size,
			     uint64_t ts, uint32_t cpu, uint32_t stack_id,
			     const struct dmas_sink *sink);

/* One record without a stack. */
static inline bool dmas_tpdec_record(struct dmas_tpdec *t, const void *data,
				     int size, uint64_t ts, uint32_t cpu,
				     const struct dmas_sink *sink)
{
	return dmas_tpdec_record_stack(t, data, size, ts, cpu, DMAS_STACK_NONE,
				       sink);
}

void dmas_tpdec_free(struct dmas_tpdec *t);

/*
 * The kprobe_events line of a definition in group: "p:GROUP/EVENT
 * TARGET ARGS" (or "r:..."); -1 when it does not fit.
 */
int dmas_kprobe_line(const struct dmas_kprobe_def *d, const char *group,
		     char *buf, size_t len);

#endif /* DMASCOPE_TPDECODE_H */
