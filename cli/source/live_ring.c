// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_ring.c - the live BPF source's reader: takes device records and
 * events from the ring buffer, fetches what the ring lost from the BPF
 * maps (device records, stacks, symbolized), turns the kernel's drop
 * counts into LOST events, and hands everything on in time order.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/dmascope_bpf.h"
#include "dmascope.skel.h"
#include "source/kmsg.h"
#include "source/live_bpf.h"

#define POLL_MS 100

static void to_device(const struct dmas_device_rec *r, struct dmas_device *d)
{
	memset(d, 0, sizeof(*d));
	d->id = r->dev;
	d->numa_node = r->numa_node;
	d->flags = r->flags;
	memcpy(d->name, r->name, sizeof(d->name));
	d->name[sizeof(d->name) - 1] = 0;
	memcpy(d->driver, r->driver, sizeof(d->driver));
	d->driver[sizeof(d->driver) - 1] = 0;
	memcpy(d->bus, r->bus, sizeof(d->bus));
	d->bus[sizeof(d->bus) - 1] = 0;
	d->dma_mask = r->dma_mask;
	/* not in the kernel's record: what sysfs says while the device lives */
	dmas_sysfs_device_isolation("/sys", d);
}

static void deliver_device_rec(struct live_source *ls,
			       const struct dmas_device_rec *r)
{
	struct dmas_device d;

	if (!r->dev || r->dev >= DMAS_BPF_MAX_DEVICES || ls->dev_known[r->dev])
		return;
	ls->dev_known[r->dev] = 1;
	to_device(r, &d);
	if (ls->opts.verbose && (d.flags & DMAS_DEVF_SYNC_ELIDED))
		fprintf(stderr,
			"dmatrace: %s: sync checks not possible on this device (the kernel elides syncs)\n",
			d.name);
	if (ls->sink->device)
		ls->sink->device(ls->sink->ctx, &d);
}

/* A device whose record was lost in the ring: read it from the dev_info map. */
static void ensure_device(struct live_source *ls, uint32_t id)
{
	struct dmas_device_rec r;

	if (!id || id >= DMAS_BPF_MAX_DEVICES || ls->dev_known[id])
		return;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.dev_info), &id,
				&r) ||
	    r.dev != id)
		return;
	deliver_device_rec(ls, &r);
}

static void ensure_stack(struct live_source *ls, uint32_t id)
{
	uint32_t key = id - 1;
	char bufs[LIVE_STACK_DEPTH][160];
	const char *frames[LIVE_STACK_DEPTH];
	struct dmas_ksyms *ksyms;
	struct dmas_stack st;
	int n = 0;
	size_t skip;

	if (!id || id > ls->nr_stacks || ls->stack_known[id])
		return;
	ls->stack_known[id] = 1;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.stacks), &key,
				ls->stack_buf))
		return;
	ksyms = live_ksyms(ls);
	if (ksyms)
		dmas_ksyms_refresh(ksyms);
	for (int i = 0; i < LIVE_STACK_DEPTH && ls->stack_buf[i]; i++) {
		if (ksyms)
			dmas_ksyms_format(ksyms, ls->stack_buf[i], bufs[n],
					  sizeof(bufs[n]));
		else
			snprintf(bufs[n], sizeof(bufs[n]), "0x%" PRIx64,
				 (uint64_t)ls->stack_buf[i]);
		frames[n] = bufs[n];
		n++;
	}
	/*
	 * the leading frames are our program, its trampoline or the
	 * tracepoint's and kprobe's callers: the recording starts at the DMA
	 * API or the driver on every hook family
	 */
	skip = dmas_stack_tracer_frames(frames, (size_t)n);
	st.id = id;
	st.nr_frames = (uint32_t)(n - (int)skip);
	st.frames = frames + skip;
	if (ls->sink->stack)
		ls->sink->stack(ls->sink->ctx, &st);
}

/*
 * A module loaded: its code's range known from here on, before any of its
 * events (they follow in the ring), even if it is gone by the time the
 * reader names their stacks.
 */
static void note_module(struct live_source *ls, const struct dmas_module_rec *r)
{
	struct dmas_ksyms *ksyms = live_ksyms(ls);
	char name[DMAS_MODULE_NAME_LEN + 1];

	memcpy(name, r->name, DMAS_MODULE_NAME_LEN);
	name[DMAS_MODULE_NAME_LEN] = 0;
	if (ls->opts.verbose > 1)
		fprintf(stderr,
			"dmatrace: module %s loaded, its code at 0x%" PRIx64
			", %" PRIu64 " bytes\n",
			name, (uint64_t)r->text_base, (uint64_t)r->text_size);
	if (!ksyms || !r->text_base || !r->text_size)
		return;
	dmas_ksyms_note_module(ksyms, name, r->text_base, r->text_size);
}

static void read_step(struct live_source *ls);

/*
 * A busy ring is read for as long as it refills: every STEP_RECORDS
 * records inside one read the reader looks at the clock, and STEP_NS after
 * its last step takes another (the kernel's counts, then the events the
 * window lets go), so that the reorder window, and its memory, stay small.
 */
#define STEP_RECORDS 4096
#define STEP_NS 10000000ull

static int on_record(void *ctx, void *data, size_t size)
{
	struct live_source *ls = ctx;
	const struct dmas_event *ev = data;

	if (size >= sizeof(struct dmas_device_rec) &&
	    ((const struct dmas_device_rec *)data)->kind == DMAS_REC_DEVICE) {
		deliver_device_rec(ls, data);
		return 0;
	}
	if (size >= sizeof(struct dmas_module_rec) &&
	    ((const struct dmas_module_rec *)data)->kind == DMAS_REC_MODULE) {
		note_module(ls, data);
		return 0;
	}
	if (size < sizeof(*ev))
		return 0;
	ensure_device(ls, ev->dev);
	if (ev->kind == DMAS_EV_CHAN_REQUEST)
		ensure_device(ls, (uint32_t)ev->addr);
	ensure_stack(ls, ev->stack_id);
	dmas_tally_event(&ls->tally, ev);
	if (dmas_reorder_push(&ls->reorder, ev))
		return -1;
	if (++ls->rd_records % STEP_RECORDS == 0 &&
	    dmas_live_now_mono() - ls->counts_read_ts >= STEP_NS)
		read_step(ls);
	return 0;
}

int live_ring_open(struct live_source *ls, char *err, size_t errlen)
{
	ls->rb = ring_buffer__new(bpf_map__fd(ls->skel->maps.events), on_record,
				  ls, NULL);
	if (!ls->rb) {
		snprintf(err, errlen, "opening the ring buffer failed: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Turns new in-kernel drop counts into LOST events, placed at the time the
 * counts were last read (they were not there then).
 */
static void check_drops(struct live_source *ls, uint64_t now)
{
	uint64_t vals[ls->ncpus];

	for (uint32_t slot = 0; slot < DMAS_DROP_NR; slot++) {
		if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.drops),
					&slot, vals))
			continue;
		for (int cpu = 0; cpu < ls->ncpus; cpu++) {
			uint64_t *seen =
				&ls->drops_seen[slot * ls->ncpus + cpu];
			uint64_t d = vals[cpu] - *seen;
			struct dmas_event ev = {0};

			if (!d)
				continue;
			*seen = vals[cpu];
			if (slot == DMAS_DROP_STACK) {
				/* a lost stack is not a lost event */
				ls->stack_errors += d;
				continue;
			}
			ev.kind = DMAS_EV_LOST;
			ev.cpu = cpu;
			ev.count = d > UINT32_MAX ? UINT32_MAX : d;
			ev.aux = cpu;
			ev.attrs = DMAS_LOSS_RING;
			ls->lost += d;
			dmas_reorder_push_loss(&ls->reorder, &ev,
					       ls->counts_read_ts, now);
		}
	}
}

/* Turns the kernel's new recursion misses into a LOST event. */
static void check_misses(struct live_source *ls, uint64_t now)
{
	uint64_t d = live_new_misses(ls);
	struct dmas_event ev = {0};

	if (!d)
		return;
	ev.kind = DMAS_EV_LOST;
	ev.count = d > UINT32_MAX ? UINT32_MAX : d;
	ev.attrs = DMAS_LOSS_RECURSION;
	ls->lost += d;
	ls->lost_skipped += d;
	dmas_reorder_push_loss(&ls->reorder, &ev, ls->counts_read_ts, now);
}

/* The device id BPF gave the device named name; 0 if none seen. */
static uint32_t device_by_name(struct live_source *ls, const char *name)
{
	int fd = bpf_map__fd(ls->skel->maps.dev_info);

	for (uint32_t id = 1; id < DMAS_BPF_MAX_DEVICES; id++) {
		struct dmas_device_rec r;

		if (!ls->dev_known[id] || bpf_map_lookup_elem(fd, &id, &r) ||
		    r.dev != id)
			continue;
		if (!strncmp(r.name, name, sizeof(r.name)))
			return id;
	}
	return 0;
}

/* A DMA remapping fault from the kernel log: an IOMMU_FAULT event now. */
static void on_kmsg_fault(void *ctx, const struct dmas_dmar_fault *f)
{
	struct live_source *ls = ctx;
	struct dmas_event ev = {
		.ts = dmas_live_now_mono(),
		.kind = DMAS_EV_IOMMU_FAULT,
		.stack_id = DMAS_STACK_NONE,
	};

	ev.dev = device_by_name(ls, f->device);
	if (!ev.dev) {
		/* a device whose DMA the trace never saw: nothing to tie */
		ls->kmsg_unknown_dev++;
		return;
	}
	ev.addr = f->addr;
	ev.count = f->write ? 1 : 0; /* IOMMU_FAULT_WRITE : IOMMU_FAULT_READ */
	dmas_reorder_push(&ls->reorder, &ev);
}

static void poll_kmsg(struct live_source *ls)
{
	if (ls->kmsg &&
	    dmas_kmsg_poll(ls->kmsg, on_kmsg_fault, ls, &ls->kmsg_missed) < 0) {
		dmas_kmsg_close(ls->kmsg);
		ls->kmsg = NULL;
	}
}

void live_kmsg_open(struct live_source *ls)
{
	/* the Intel IOMMU reports faults to the kernel log only */
	ls->kmsg = dmas_kmsg_open(NULL);
	if (ls->opts.verbose)
		fprintf(stderr,
			"dmatrace: IOMMU faults: iommu:io_page_fault%s\n",
			ls->kmsg
				? " and the kernel log (DMAR fault lines)"
				: "; the kernel log is not readable, so Intel IOMMU faults are not watched");
}

void live_kmsg_close(struct live_source *ls)
{
	if (ls->opts.verbose && ls->kmsg_unknown_dev)
		fprintf(stderr,
			"dmatrace: %" PRIu64
			" IOMMU faults in the kernel log named devices the trace never saw\n",
			ls->kmsg_unknown_dev);
	dmas_kmsg_close(ls->kmsg);
	ls->kmsg = NULL;
}

/* The kernel's new loss counts into LOST events; returns the clock read. */
static uint64_t read_counts(struct live_source *ls)
{
	/* the clock first, then the counts: see dmas_reorder_push_loss */
	uint64_t now = dmas_live_now_mono();

	check_drops(ls, now);
	check_misses(ls, now);
	ls->counts_read_ts = now;
	return now;
}

/* The loss counts, then what the reorder window lets go handed on. */
static void read_step(struct live_source *ls)
{
	dmas_reorder_tick(&ls->reorder, ls->sink, read_counts(ls));
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Waits up to POLL_MS for the ring to wake us; 1 if it did, 0 on the
 * timer, -errno on an error
 */
static int wait_ring(struct live_source *ls)
{
	struct epoll_event e;
	int n = epoll_wait(ring_buffer__epoll_fd(ls->rb), &e, 1, POLL_MS);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n;
}

int live_run(struct dmas_source *s, const struct dmas_sink *sink,
	     volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct live_source *ls = live_source_of(s);
	uint64_t cpu0 = thread_cpu_ns();
	uint64_t woke;
	int ret = 0;

	ls->sink = sink;
	dmas_live_deliver_machine(sink, &ls->session, ls->ncpus,
				  ls->opts.verbose);
	while (!(stop && *stop)) {
		int n = wait_ring(ls);

		woke = dmas_live_now_mono();

		/* below wakeup_bytes nothing wakes us: read on the timer too */
		if (n >= 0)
			n = ring_buffer__consume(ls->rb);
		if (n < 0 && n != -EINTR) {
			snprintf(err, errlen, "reading the ring buffer: %s",
				 strerror(-n));
			ret = -1;
			break;
		}
		read_step(ls);
		poll_kmsg(ls);
		live_attach_waiting(ls);
		if (n > 0)
			ls->rd_busy_ns += dmas_live_now_mono() - woke;
	}
	/* stopped: take what is left in the ring, then everything held back */
	woke = dmas_live_now_mono();
	ring_buffer__consume(ls->rb);
	read_counts(ls);
	poll_kmsg(ls);
	dmas_reorder_drain(&ls->reorder, sink);
	ls->rd_busy_ns += dmas_live_now_mono() - woke;
	ls->rd_cpu_ns = thread_cpu_ns() - cpu0;
	return ret;
}
