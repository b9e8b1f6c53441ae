/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ftrace.h - the live tracefs source (no BPF): its own tracefs instance,
 * the dma:* events or kprobe events on the DMA API, iommu, swiotlb and
 * vdmac events, read from per_cpu/cpuN/trace_pipe_raw.  Also the naming of
 * what it creates, so that a later run removes what a killed one left.
 * Private to cli/source.
 */
#ifndef DMASCOPE_FTRACE_H
#define DMASCOPE_FTRACE_H

#include <stdbool.h>
#include <stddef.h>

#include <stdint.h>

struct dmas_live_opts;
struct dmas_source;

/* Instance "dmascope-PID", kprobe group "dmascope_PID": PID is the owner. */
#define DMAS_FTRACE_INSTANCE "dmascope-"
#define DMAS_FTRACE_GROUP "dmascope_"

struct dmas_source *dmas_source_open_ftrace(const struct dmas_live_opts *o,
					    char *err, size_t errlen);

/* The owner's pid in an instance or group name with prefix; -1: not ours. */
int dmas_ftrace_owner(const char *name, const char *prefix);
/*
 * Whether pid is a running dmatrace or dmatop (proc_root normally
 * "/proc"): what it created is still in use.
 */
bool dmas_ftrace_owner_alive(const char *proc_root, int pid);
/*
 * Removes the instances and kprobe events of owners no longer alive;
 * returns how many were removed, says so on stderr under verbose.
 */
int dmas_ftrace_clean_stale(int verbose);

/*
 * Hits of our kprobe events the kernel did not trace, from the text of
 * tracefs' kprobe_profile ("name nhit nmissed" per event): *entry those of
 * kprobes (a probe hit while another kprobe handler ran on that CPU: a
 * DMA call from an interrupt taken inside one), *ret those of kretprobes
 * (the same, or no instance free for the return).  Events are named
 * without their group there: another session's probes of the same names
 * would count too (more, never fewer).
 */
void dmas_ftrace_probe_misses(const char *profile, uint64_t *entry,
			      uint64_t *ret);

#endif /* DMASCOPE_FTRACE_H */
