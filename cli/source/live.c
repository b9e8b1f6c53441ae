// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live.c - the live BPF source: opens it as a list of steps (check the
 * kernel, read its symbols, choose a hook family per traced function,
 * size and configure the BPF object, load, attach, open the ring) and
 * closes it.  The catalogue and probe step are in live_hooks.c, attaching
 * in live_attach.c, the reader in live_ring.c, the answers to live views in
 * live_query.c.
 * Lost events are counted in the kernel and delivered as DMAS_EV_LOST.
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/btf.h>

#include "../../bpf/dmascope_bpf.h"
#include "dmascope.skel.h"
#include "event_names.h"
#include "source/ftrace.h"
#include "source/live_bpf.h"

/*
 * 512 Ki events: a reader that falls behind for a while (in the VM
 * benchmark, 1.2 M events in a burst) catches up without a loss
 */
#define DEFAULT_RINGBUF_KB 32768
#define DEFAULT_STACKS 16384

static int verbose;

static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == LIBBPF_DEBUG && verbose < 2)
		return 0;
	if (level == LIBBPF_INFO && verbose < 1)
		return 0;
	fprintf(stderr, "libbpf: ");
	return vfprintf(stderr, fmt, ap);
}

static void join_symbols(struct live_source *ls);

static void return_btf(struct live_source *ls);

/*
 * -v -v: the tracepoint programs' learned frame layouts (bpf/stacks.bpf.h),
 * each anchor as the return address it must hold and its offset in words
 * above the program's arguments.
 */
static void print_tp_layouts(struct live_source *ls)
{
	struct dmas_tp_layout l;
	struct dmas_ksyms *k = ls->ksyms;
	static const char *const state[] = {
		[DMAS_TP_LEARNING] = "learning",
		[DMAS_TP_READY] = "ready",
		[DMAS_TP_RETIRED] = "retired",
	};
	char buf[128];
	int fd = bpf_map__fd(ls->skel->maps.tp_layouts);
	__u32 i;

	for (i = 0; fd >= 0 && i < DMAS_TP_KINDS * DMAS_TP_WAYS; i++) {
		if (bpf_map_lookup_elem(fd, &i, &l) ||
		    l.state == DMAS_TP_EMPTY || l.state > DMAS_TP_RETIRED)
			continue;
		fprintf(stderr, "dmatrace: frame layout of %s (way %u): %s,",
			dmas_event_kind_name(i / DMAS_TP_WAYS),
			i % DMAS_TP_WAYS, state[l.state]);
		for (int a = 0; a < l.nanch && a < DMAS_TP_ANCHORS; a++)
			fprintf(stderr, " %s at +%u,",
				k ? dmas_ksyms_format(k, l.anch[a], buf,
						      sizeof(buf))
				  : "?",
				l.anch_off[a]);
		fprintf(stderr, " call site at +%u words\n", l.site_off);
	}
}

static void live_close(struct dmas_source *s)
{
	struct live_source *ls =
		dmas_source_container(s, struct live_source, base);

	if (ls->opts.verbose && ls->skel && ls->skel->bss && ls->opts.stacks)
		fprintf(stderr,
			"dmatrace: stacks: %" PRIu64 " full unwinds, %" PRIu64
			" trampoline frames not understood, %" PRIu64
			" tracepoint short unwinds (%u frame layouts learned, %" PRIu64
			" contradicted)\n",
			(uint64_t)ls->skel->bss->stack_unwinds,
			(uint64_t)ls->skel->bss->tramp_misses,
			(uint64_t)ls->skel->bss->tp_short_unwinds,
			ls->skel->bss->tp_layouts_learned,
			(uint64_t)ls->skel->bss->tp_layout_misses);
	if (ls->opts.verbose > 1 && ls->skel && ls->opts.stacks)
		print_tp_layouts(ls);
	if (ls->opts.verbose && ls->chosen)
		live_report_misses(ls);
	if (ls->opts.verbose && ls->rd_records)
		fprintf(stderr,
			"dmatrace: reader: %" PRIu64
			" events, %.1f ms of its CPU (%.2f M events per CPU-second), busy %.1f ms (%.2f M events/s)\n",
			ls->rd_records, (double)ls->rd_cpu_ns / 1e6,
			ls->rd_cpu_ns ? (double)ls->rd_records * 1e3 /
						(double)ls->rd_cpu_ns
				      : 0.0,
			(double)ls->rd_busy_ns / 1e6,
			ls->rd_busy_ns ? (double)ls->rd_records * 1e3 /
						 (double)ls->rd_busy_ns
				       : 0.0);
	join_symbols(ls);
	if (ls->loaders[LIVE_LATE].started)
		pthread_join(ls->loaders[LIVE_LATE].thread, NULL);
	/* a step after the load failed: the late loader never took it */
	if (ls->probe.btf)
		return_btf(ls);
	live_kaddr_close(ls->kaddr);
	if (ls->stacks_creating)
		pthread_join(ls->stacks_thread, NULL);
	if (ls->stacks_fd >= 0)
		close(ls->stacks_fd);
	if (ls->ring_fd >= 0)
		close(ls->ring_fd);
	if (ls->empty_btf_fd >= 0)
		close(ls->empty_btf_fd);
	live_detach_all(ls);
	dmascope_bpf__destroy(ls->preopened);
	live_probe_release(&ls->probe);
	pthread_mutex_destroy(&ls->probe.settle_lock);
	pthread_mutex_destroy(&ls->attacher.lock);
	pthread_cond_destroy(&ls->attacher.more);
	free(ls->attacher.queue);
	live_kmsg_close(ls);
	ring_buffer__free(ls->rb);
	for (int l = 0; l < ls->nr_loaders; l++)
		if (ls->loaders[l].skel != ls->skel)
			dmascope_bpf__destroy(ls->loaders[l].skel);
	dmascope_bpf__destroy(ls->loaders[LIVE_LATE].skel);
	dmascope_bpf__destroy(ls->skel);
	dmas_ksyms_free(ls->ksyms);
	dmas_ksyms_free(ls->ksyms_modules);
	free(ls->chosen);
	free(ls->drops_seen);
	free(ls->dev_known);
	free(ls->stack_known);
	dmas_reorder_free(&ls->reorder);
	free(ls->stack_buf);
	dmas_tally_free(&ls->tally);
	free(ls);
}

static const struct dmas_source_ops live_ops = {
	.name = "live",
	.run = live_run,
	.close = live_close,
	.live_counters = live_query_counters,
	.live_hooks = live_query_hooks,
	.live_stats = live_query_stats,
};

struct live_source *live_source_of(struct dmas_source *s)
{
	if (!s || s->ops != &live_ops)
		return NULL;
	return dmas_source_container(s, struct live_source, base);
}

/* ---- opening, step by step ---- */

/* BTF is what every hook family needs; libbpf's log follows -v. */
static int check_kernel(const struct dmas_live_opts *o, char *err,
			size_t errlen)
{
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};

	verbose = o->verbose;
	libbpf_set_print(libbpf_log);
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		live_err_no_btf(err, errlen);
		return -1;
	}
	/* libbpf 1.1 charges maps to RLIMIT_MEMLOCK on kernels before 5.11 */
	setrlimit(RLIMIT_MEMLOCK, &rl);
	/*
	 * The kernel's BTF is parsed by the probe step, and again by libbpf's
	 * load where the link does not lend it the probe's (live_attach.c;
	 * some 11 MiB each): kept in the heap when freed, a second parse
	 * reuses the first's pages instead of faulting in new ones (measured
	 * on a virtual host whose page faults are dear: 75 ms for a parse in
	 * fresh pages, 4 ms in reused ones).  return_btf gives them back
	 * after the load (the late loader's, where there is one).
	 */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
	return 0;
}

/*
 * Programs from which two loaders pay: a second loader parses the kernel's
 * BTF again and opens the object twice more.  Measured, before the
 * attacher: 64 programs (6.1's fentry and fexit, in the emulated VM)
 * started 0.72 times as long with two as with one; 25 (6.18's
 * tracepoints, on the host) no faster.
 */
#define LIVE_SPLIT_PROGRAMS 40

/*
 * One loader per online CPU, up to LIVE_LOADERS, where there is enough to
 * load; DMASCOPE_BENCH_LOADERS=N sets it, for `make bench` to measure
 * what loading side by side saves.  With the attacher beside them that is
 * three threads on two CPUs, measured worth it in the emulated VM on two
 * CPUs (tracing active, medians of 5 in one boot per kernel, the loaders'
 * count alternating): 7.3 1.92 s with two, 3.00 s with one (its verifier
 * dearer there); 6.12 1.21 s and 1.21 s; 6.1 1.37 s and 1.29 s (its
 * links dearer), in another 6.1 boot 1.00 s and 1.00 s.
 */
static int nr_loaders(const struct live_choice *chosen)
{
	const char *env = getenv("DMASCOPE_BENCH_LOADERS");
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	int programs = 0;

	for (size_t i = 0; i < live_nr_ops; i++)
		if (chosen[i].hook && !live_op_late(&live_catalogue[i]))
			programs += live_hook_programs(chosen[i].hook);
	if (env && *env)
		n = strtol(env, NULL, 10);
	else if (programs < LIVE_SPLIT_PROGRAMS)
		n = 1;
	if (n < 1)
		return 1;
	return n < LIVE_LOADERS ? (int)n : LIVE_LOADERS;
}

static struct live_source *live_alloc(const struct dmas_live_opts *o,
				      uint64_t t_start, char *err,
				      size_t errlen)
{
	struct live_source *ls = calloc(1, sizeof(*ls));

	if (!ls) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ls->base.ops = &live_ops;
	ls->opts = *o;
	ls->t_start = t_start;
	ls->stacks_fd = -1;
	ls->ring_fd = -1;
	ls->empty_btf_fd = -1;
	ls->probe.fentry_link_fd = -1;
	ls->probe.fentry_prog_fd = -1;
	pthread_mutex_init(&ls->probe.settle_lock, NULL);
	pthread_mutex_init(&ls->attacher.lock, NULL);
	pthread_cond_init(&ls->attacher.more, NULL);
	ls->ncpus = libbpf_num_possible_cpus();
	ls->chosen = calloc(live_nr_ops, sizeof(*ls->chosen));
	ls->attacher.queue = calloc(live_nr_ops, sizeof(int));
	ls->drops_seen = calloc(DMAS_DROP_NR * (ls->ncpus > 0 ? ls->ncpus : 1),
				sizeof(uint64_t));
	ls->dev_known = calloc(DMAS_BPF_MAX_DEVICES, 1);
	ls->stack_buf = calloc(LIVE_STACK_DEPTH, sizeof(uint64_t));
	if (ls->ncpus <= 0 || !ls->chosen || !ls->attacher.queue ||
	    !ls->drops_seen || !ls->dev_known || !ls->stack_buf ||
	    dmas_tally_init(&ls->tally, DMAS_BPF_MAX_DEVICES)) {
		snprintf(err, errlen, "out of memory");
		live_close(&ls->base);
		return NULL;
	}
	return ls;
}

static uint32_t round_pow2(uint64_t v)
{
	uint32_t p = 4096;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/* The ring buffer's size asked for, in bytes: a power of two. */
static uint32_t ring_bytes(const struct dmas_live_opts *o)
{
	return round_pow2(
		(uint64_t)(o->ringbuf_kb ? o->ringbuf_kb : DEFAULT_RINGBUF_KB) *
		1024);
}

static void *maps_creator(void *arg)
{
	struct live_source *ls = arg;

	ls->stacks_fd = bpf_map_create(
		BPF_MAP_TYPE_STACK_TRACE, "stacks", sizeof(uint32_t),
		LIVE_STACK_DEPTH * sizeof(uint64_t), ls->nr_stacks, NULL);
	ls->ring_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0,
				     ring_bytes(&ls->opts), NULL);
	ls->preopened = dmascope_bpf__open();
	return NULL;
}

/* The thread above done: its maps and object are the step's to take. */
static void join_maps_creator(struct live_source *ls)
{
	if (ls->stacks_creating) {
		pthread_join(ls->stacks_thread, NULL);
		ls->stacks_creating = false;
	}
}

/*
 * The stack map and the ring buffer, created on a thread of their own
 * while the probe step reads the kernel's BTF and symbols: the kernel
 * fills every stack entry's free list at creation (16,384 entries of 1 KiB
 * by default) and zeroes the ring's pages (32 MiB), a tenth of the time to
 * tracing active.  Should one fail, libbpf creates it at load and says why.
 * The same thread opens the object the first loader loads (libbpf's parse
 * of its ELF file: 30-60 ms in the emulated VM).
 */
static int create_big_maps(struct live_source *ls, char *err, size_t errlen)
{
	const struct dmas_live_opts *o = &ls->opts;

	ls->nr_stacks = o->stacks ? DEFAULT_STACKS : 1;
	if (o->stacks && o->stack_entries)
		ls->nr_stacks = o->stack_entries;
	/* before the thread opens an object: libbpf's handler table is
	 * neither to change under an open nor to miss the first object */
	live_register_handlers();
	if (!pthread_create(&ls->stacks_thread, NULL, maps_creator, ls))
		ls->stacks_creating = true;
	return 0;
}

static void *ksyms_reader(void *arg)
{
	struct live_source *ls = arg;
	struct dmas_ksyms *k = ls->ksyms_modules;

	ls->ksyms_modules = NULL;
	if (!k) {
		/* before tracing starts (no lookup program), or out of memory */
		ls->ksyms = dmas_ksyms_load("/proc/kallsyms", ls->ksyms_err,
					    sizeof(ls->ksyms_err));
		return NULL;
	}
	if (dmas_ksyms_read(k, ls->ksyms_err, sizeof(ls->ksyms_err))) {
		dmas_ksyms_free(k);
		return NULL;
	}
	ls->ksyms = k;
	return NULL;
}

/*
 * The probe step's symbols: asked of the kernel by the lookup program, or
 * where it cannot be had (before 5.16, or not root: then kallsyms' own
 * answer, hidden addresses an error, as before) all of kallsyms read.
 */
static void *probe_symbols(void *arg)
{
	struct live_source *ls = arg;

	if (geteuid() == 0)
		ls->kaddr =
			live_kaddr_open(ls->kaddr_why, sizeof(ls->kaddr_why));
	else
		snprintf(ls->kaddr_why, sizeof(ls->kaddr_why), "not root");
	if (!ls->kaddr)
		ksyms_reader(ls);
	return NULL;
}

/* Runs fn on the symbols' thread, or here if no thread can be had. */
static void start_symbols(struct live_source *ls, void *(*fn)(void *))
{
	if (!pthread_create(&ls->ksyms_thread, NULL, fn, ls))
		ls->ksyms_reading = true;
	else
		fn(ls);
}

static void join_symbols(struct live_source *ls)
{
	if (ls->ksyms_reading) {
		pthread_join(ls->ksyms_thread, NULL);
		ls->ksyms_reading = false;
	}
}

/* The probe step's symbols, found while the probe step reads the BTF. */
static int read_kernel_symbols(struct live_source *ls, char *err, size_t errlen)
{
	start_symbols(ls, probe_symbols);
	return 0;
}

static int probe_symbols_ready(void *ctx, char *err, size_t errlen)
{
	struct live_source *ls = ctx;

	join_symbols(ls);
	if (ls->kaddr) {
		if (ls->opts.verbose)
			fprintf(stderr,
				"dmatrace: kernel symbols: asked of the kernel (bpf_kallsyms_lookup_name); kallsyms read once tracing is active\n");
		return 0;
	}
	if (ls->opts.verbose)
		fprintf(stderr,
			"dmatrace: kernel symbols: the lookup program cannot be used (%s): kallsyms read before tracing starts\n",
			ls->kaddr_why);
	if (!ls->ksyms) {
		snprintf(err, errlen, "%s", ls->ksyms_err);
		return -1;
	}
	if (dmas_ksyms_hidden(ls->ksyms) && geteuid() != 0) {
		live_err_ksyms_hidden(err, errlen);
		return -1;
	}
	return 0;
}

/* A kernel symbol's address, by whichever means the probe step had. */
static uint64_t kernel_symbol(void *ctx, const char *name)
{
	struct live_source *ls = ctx;

	return ls->kaddr ? live_kaddr(ls->kaddr, name)
			 : dmas_ksyms_addr(ls->ksyms, name);
}

static const struct live_ksyms_ops probe_ksyms = {
	.prepare = probe_symbols_ready,
	.addr = kernel_symbol,
};

/* Once tracing is active: kallsyms, for stacks, if not read yet. */
static void read_symbols_later(struct live_source *ls)
{
	if (!ls->kaddr)
		return;
	live_kaddr_close(ls->kaddr);
	ls->kaddr = NULL;
	/* the modules' ranges now: one gone before kallsyms is read */
	ls->ksyms_modules = dmas_ksyms_new(NULL, NULL);
	start_symbols(ls, ksyms_reader);
}

struct dmas_ksyms *live_ksyms(struct live_source *ls)
{
	join_symbols(ls);
	return ls->ksyms;
}

/* The probe step: one hook family per traced function, and why. */
static int choose_hooks(struct live_source *ls, char *err, size_t errlen)
{
	return live_choose_hooks(&ls->probe, ls->chosen, &ls->opts,
				 &probe_ksyms, ls, err, errlen);
}

/*
 * A BTF with no type, for the object that holds the maps only: libbpf
 * reads the kernel's BTF for the CO-RE relocations of programs, and reads
 * this instead when given it, where there are none to make.
 */
static bool empty_btf(struct live_source *ls, char *path, size_t len)
{
	static const struct {
		struct btf_header h;
		char strings[1];
	} __attribute__((packed)) blob = {
		.h = {.magic = BTF_MAGIC,
		      .version = BTF_VERSION,
		      .hdr_len = sizeof(struct btf_header),
		      .str_len = 1},
	};

	ls->empty_btf_fd = memfd_create("dmascope-empty-btf", MFD_CLOEXEC);
	if (ls->empty_btf_fd < 0)
		return false;
	if (write(ls->empty_btf_fd, &blob, sizeof(blob)) != sizeof(blob)) {
		close(ls->empty_btf_fd);
		ls->empty_btf_fd = -1;
		return false;
	}
	snprintf(path, len, "/proc/self/fd/%d", ls->empty_btf_fd);
	return true;
}

/*
 * Opens the object and turns on only the chosen programs.  With more than
 * one loader, the source's own object holds the maps and no program, and
 * each loader's copy of it loads its share of the programs on those maps.
 */
static int open_object(struct live_source *ls, char *err, size_t errlen)
{
	char path[64];
	LIBBPF_OPTS(bpf_object_open_opts, maps_only);

	ls->nr_loaders = nr_loaders(ls->chosen);
	live_note_btf_ids(ls->chosen);
	join_maps_creator(ls);
	/* no program to relocate: no parse of the kernel's BTF for none */
	if (ls->nr_loaders > 1 && empty_btf(ls, path, sizeof(path)))
		maps_only.btf_custom_path = path;
	if (ls->nr_loaders == 1 && ls->preopened) {
		ls->skel = ls->preopened;
		ls->preopened = NULL;
	} else {
		ls->skel = dmascope_bpf__open_opts(&maps_only);
	}
	if (!ls->skel) {
		snprintf(err, errlen, "opening the BPF object failed: %s",
			 strerror(errno));
		return -1;
	}
	for (int l = 0; l < ls->nr_loaders; l++) {
		ls->loaders[l].ls = ls;
		ls->loaders[l].index = l;
	}
	ls->loaders[LIVE_LATE].ls = ls;
	ls->loaders[LIVE_LATE].index = LIVE_LATE;
	if (ls->nr_loaders == 1) {
		ls->loaders[0].skel = ls->skel;
	} else {
		/* the first loader's, opened beside the probe step */
		ls->loaders[0].skel = ls->preopened;
		ls->preopened = NULL;
		struct bpf_program *p;

		/* the maps' object loads no program */
		bpf_object__for_each_program(p, ls->skel->obj)
			bpf_program__set_autoload(p, false);
	}
	if (!live_assign_programs(ls)) {
		/* fentry_why is the test link's to write until it settles */
		live_probe_settle(&ls->probe);
		live_err_no_hook(ls->probe.fentry_why, err, errlen);
		return -1;
	}
	if (ls->loaders[0].skel)
		live_enable_loader(ls, &ls->loaders[0]);
	return 0;
}

/* The ring buffer and stack map sizes asked for. */
static int size_maps(struct live_source *ls, char *err, size_t errlen)
{
	uint32_t rb_bytes = ring_bytes(&ls->opts);

	/* wake the reader early enough that a burst cannot fill the ring */
	ls->skel->rodata->wakeup_bytes = rb_bytes / 4;
	join_maps_creator(ls);
	if (ls->ring_fd < 0 ||
	    bpf_map__reuse_fd(ls->skel->maps.events, ls->ring_fd))
		bpf_map__set_max_entries(ls->skel->maps.events, rb_bytes);
	if (ls->stacks_fd < 0 ||
	    bpf_map__reuse_fd(ls->skel->maps.stacks, ls->stacks_fd))
		bpf_map__set_max_entries(ls->skel->maps.stacks, ls->nr_stacks);
	ls->stack_known = calloc(ls->nr_stacks + 1, 1);
	if (!ls->stack_known) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * DMASCOPE_BENCH_OFF=part,part: hot-path parts `make bench` switches off to
 * measure each one's cost (tests/vm/bench-guest.sh); unknown names fail.
 */
static int bench_parts(uint32_t *off, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} parts[] = {
		{"stack", DMAS_BENCH_OFF_STACK},
		{"device", DMAS_BENCH_OFF_DEVICE},
		{"clock", DMAS_BENCH_OFF_CLOCK},
		{"filters", DMAS_BENCH_OFF_FILTERS},
		{"counters", DMAS_BENCH_OFF_COUNTERS},
		{"wakeup", DMAS_BENCH_OFF_WAKEUP},
		{"phys", DMAS_BENCH_OFF_PHYS},
	};
	const char *env = getenv("DMASCOPE_BENCH_OFF");
	char buf[128], *save = NULL, *tok;

	*off = 0;
	if (!env || !*env)
		return 0;
	snprintf(buf, sizeof(buf), "%s", env);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
			if (!strcmp(tok, parts[i].name))
				break;
		if (i == sizeof(parts) / sizeof(parts[0])) {
			snprintf(
				err, errlen,
				"DMASCOPE_BENCH_OFF: unknown part '%s' (stack, device, clock, filters, counters, wakeup, phys)",
				tok);
			return -1;
		}
		*off |= parts[i].bit;
	}
	return 0;
}

/* Filters, stack options and the kernel's layout, read-only to the programs. */
static int configure_object(struct live_source *ls, char *err, size_t errlen)
{
	const struct dmas_live_opts *o = &ls->opts;
	struct dmascope_bpf__rodata *ro = ls->skel->rodata;
	uint32_t off;

	if (bench_parts(&off, err, errlen))
		return -1;
	ro->bench_off = off;
	if (off)
		fprintf(stderr, "dmatrace: benchmark: hot-path parts off: %s\n",
			getenv("DMASCOPE_BENCH_OFF"));
	ro->filter_pid = o->pid;
	if (o->device)
		snprintf((char *)ro->filter_dev, DMAS_DEV_NAME_LEN, "%s",
			 o->device);
	if (o->driver)
		snprintf((char *)ro->filter_drv, DMAS_DRV_NAME_LEN, "%s",
			 o->driver);
	ro->want_stacks = o->stacks;
	ro->release_stacks = o->stacks && o->release_stacks;
	ro->ksym_vmemmap_base = kernel_symbol(ls, "vmemmap_base");
	ro->ksym_page_offset_base = kernel_symbol(ls, "page_offset_base");
	/* library call sites in the core kernel never key stack reuse */
	ro->ktext_start = kernel_symbol(ls, "_stext");
	ro->ktext_end = kernel_symbol(ls, "_etext");
	return 0;
}

/* A loader's copy of the object on the maps the source's own holds. */
static int share_maps(struct live_source *ls, struct live_loader *l)
{
	struct bpf_map *m;

	if (l->skel == ls->skel)
		return 0;
	bpf_object__for_each_map(m, l->skel->obj)
	{
		const struct bpf_map *own = bpf_object__find_map_by_name(
			ls->skel->obj, bpf_map__name(m));

		if (!own || bpf_map__reuse_fd(m, bpf_map__fd(own)))
			return -1;
	}
	return 0;
}

/*
 * Opens a loader's copy of the object (beside the others) and loads its
 * programs, handing each hook to the attacher as soon as its programs are
 * loaded.
 */
static void *loader_run(void *arg)
{
	struct live_loader *l = arg;

	l->rc = -1;
	if (!l->skel) {
		l->skel = dmascope_bpf__open();
		if (l->skel)
			live_enable_loader(l->ls, l);
	}
	live_loading(l);
	if (l->skel && !share_maps(l->ls, l))
		l->rc = dmascope_bpf__load(l->skel);
	l->err = errno;
	l->t_loaded = dmas_live_now_mono();
	if (!l->rc && !live_probe_settle(&l->ls->probe) &&
	    live_uses_fentry(l->ls)) {
		/* chosen while the test's link was pending: choose again */
		l->ls->fentry_late = true;
		l->rc = -1;
		l->err = 0;
	}
	live_hand_loaded(l, true);
	return NULL;
}

/* The probe step's BTF back from libbpf, its pages back to the kernel. */
static void return_btf(struct live_source *ls)
{
	live_lend_btf(NULL);
	btf__free(ls->probe.btf);
	ls->probe.btf = NULL;
	/* glibc's thresholds back */
	mallopt(M_MMAP_THRESHOLD, 128 << 10);
	mallopt(M_TRIM_THRESHOLD, 128 << 10);
	malloc_trim(0);
}

/*
 * The late loader's thread: the programs of hooks whose module is not
 * loaded yet, loaded once tracing is active (a module's hooks attach when
 * the reader sees it, live_attach_waiting).  Measured in the 6.1 VM:
 * vdmac's eight programs, loaded before tracing started, put about 50 ms
 * on the time to tracing active.
 */
static void *late_run(void *arg)
{
	struct live_loader *l = arg;
	struct live_source *ls = l->ls;
	uint64_t t = dmas_live_now_mono();

	l->rc = -1;
	l->skel = dmascope_bpf__open();
	if (l->skel) {
		live_enable_loader(ls, l);
		if (!share_maps(ls, l))
			l->rc = dmascope_bpf__load(l->skel);
	}
	l->err = errno;
	return_btf(ls);
	l->t_loaded = dmas_live_now_mono();
	if (ls->opts.verbose)
		fprintf(stderr,
			"dmatrace: hooks of modules not loaded at start: %d programs %s in %.1f ms, once tracing was active%s%s\n",
			l->programs, l->rc ? "failed to load" : "loaded",
			(l->t_loaded - t) / 1e6, l->rc ? ": " : "",
			l->rc ? strerror(l->err) : "");
	__atomic_store_n(&l->state, l->rc ? LATE_FAILED : LATE_READY,
			 __ATOMIC_RELEASE);
	return NULL;
}

/* Starts the late loader where a chosen hook waits for its module. */
static void load_later(struct live_source *ls)
{
	struct live_loader *l = &ls->loaders[LIVE_LATE];

	if (!l->programs)
		return;
	l->state = LATE_LOADING;
	if (pthread_create(&l->thread, NULL, late_run, l))
		late_run(l); /* no thread to be had: here */
	else
		l->started = true;
}

/*
 * The verifier, and attaching: the maps first (in the source's own
 * object), then each loader's programs, side by side, the attacher
 * attaching each hook as soon as its programs are loaded.  The first
 * loader runs here, in the heap that holds the probe step's freed BTF
 * pages for its parse.
 */
static int load_object(struct live_source *ls, char *err, size_t errlen)
{
	pthread_t th[LIVE_LOADERS];
	bool started[LIVE_LOADERS] = {false};
	int rc = 0, e = 0;

	ls->t_probe = dmas_live_now_mono();
	/* nothing ran before: no loss can be older */
	ls->counts_read_ts = ls->t_probe;
	if (ls->nr_loaders > 1 && dmascope_bpf__load(ls->skel)) {
		rc = -1;
		e = errno;
	}
	ls->t_maps = dmas_live_now_mono();
	live_lend_btf(ls->probe.btf);
	live_attacher_start(ls);
	for (int l = 1; !rc && l < ls->nr_loaders; l++)
		started[l] = !pthread_create(&th[l], NULL, loader_run,
					     &ls->loaders[l]);
	for (int l = 0; l < ls->nr_loaders; l++) {
		struct live_loader *ld = &ls->loaders[l];

		if (started[l]) {
			pthread_join(th[l], NULL);
		} else if (!rc) {
			/* the first, or no thread to be had: here */
			loader_run(ld);
		} else {
			/* not run: it hands the attacher nothing */
			ld->rc = -1;
			live_hand_loaded(ld, true);
		}
		if (!rc && ld->rc) {
			rc = -1;
			e = ld->err;
		}
	}
	live_attacher_finish(ls);
	/* the late loader's programs need it too: it returns it */
	if (rc || !ls->loaders[LIVE_LATE].programs)
		return_btf(ls);
	if (rc && ls->fentry_late)
		snprintf(err, errlen, "%s", ls->probe.fentry_why);
	else if (rc)
		live_err_load(e, err, errlen);
	ls->t_load = dmas_live_now_mono();
	return rc;
}

/*
 * Under -v says what is attached and how long each step took.  Fails when
 * not one DMA API hook is attached.
 */
static int attach_hooks(struct live_source *ls, char *err, size_t errlen)
{
	int nr_dma = 0;

	for (int l = 0; l < ls->nr_loaders; l++)
		nr_dma += ls->loaders[l].nr_dma;
	if (verbose) {
		live_report_choice(ls->chosen);
		for (int l = 0; l < ls->nr_loaders; l++) {
			const struct live_loader *ld = &ls->loaders[l];

			uint64_t last = ld->t_attached > ld->t_loaded
						? ld->t_attached
						: ld->t_loaded;

			fprintf(stderr,
				"dmatrace: loader %d of %d: %d programs loaded in %.1f ms (%" PRIu64
				" instructions verified), %d hooks attached, the last %.1f ms after the maps\n",
				l + 1, ls->nr_loaders, ld->programs,
				(ld->t_loaded - ls->t_maps) / 1e6,
				live_loader_verified(ld, verbose > 1), ld->nr,
				(last - ls->t_maps) / 1e6);
		}
		fprintf(stderr,
			"dmatrace: attaching took %.1f ms of the load and attach step, beside the loads\n",
			ls->attacher.busy_ns / 1e6);
		if (ls->probe.fentry_link_fd >= 0)
			fprintf(stderr,
				"dmatrace: the fentry test's link took %.1f ms, while the programs loaded\n",
				ls->probe.fentry_attach_ns / 1e6);
		fprintf(stderr,
			"dmatrace: probe %.1f ms, maps %.1f ms, load and attach %.1f ms\n",
			(ls->t_probe - ls->t_start) / 1e6,
			(ls->t_maps - ls->t_probe) / 1e6,
			(ls->t_load - ls->t_maps) / 1e6);
	}
	if (!nr_dma) {
		live_err_none_attached(err, errlen);
		return -1;
	}
	return 0;
}

/* The Intel IOMMU's faults reach the kernel log only: read it too. */
static int open_kernel_log(struct live_source *ls, char *err, size_t errlen)
{
	live_kmsg_open(ls);
	return 0;
}

static int describe_session(struct live_source *ls, char *err, size_t errlen)
{
	dmas_live_session_init(&ls->session);
	live_hooks_string(ls->chosen, ls->session.hooks,
			  sizeof(ls->session.hooks));
	return 0;
}

/* Opening, in order; each step fails with a message in err. */
#define STEP(fn)        \
	{               \
		fn, #fn \
	}
static const struct {
	int (*fn)(struct live_source *ls, char *err, size_t errlen);
	const char *name;
} open_steps[] = {
	STEP(create_big_maps), /* on a thread, beside the next two steps */
	STEP(read_kernel_symbols), /* found beside the next step */
	STEP(choose_hooks), /* a hook family per traced function */
	STEP(open_object), /* only the chosen programs turned on */
	STEP(size_maps), /* ring buffer and stack map */
	STEP(configure_object), /* filters, stack options, kernel layout */
	STEP(load_object), /* the verifier, and attaching */
	STEP(attach_hooks), /* at least one DMA API hook */
	STEP(live_ring_open), /* the reader */
	STEP(open_kernel_log), /* IOMMU faults the kernel logs only */
	STEP(describe_session), /* kernel, host, clock, hooks */
};
#undef STEP

int dmas_live_kind_parse(const char *s, enum dmas_live_kind *k)
{
	static const char *const names[] = {
		[DMAS_LIVE_AUTO] = "auto",
		[DMAS_LIVE_BPF] = "bpf",
		[DMAS_LIVE_FTRACE] = "ftrace",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*k = (enum dmas_live_kind)i;
			return 0;
		}
	return -1;
}

/* CPU time of the whole process (the kallsyms reader too), user and system */
static uint64_t cpu_ns(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return 0;
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		       1000000000u +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
}

/*
 * Runs the opening steps.  The fentry test's link is made while the
 * programs load: should it fail after fentry hooks were chosen (rare: the
 * program loaded), the source is opened again with fentry refused.
 */
static struct dmas_source *open_bpf(const struct dmas_live_opts *o, char *err,
				    size_t errlen)
{
	uint64_t t_start = dmas_live_now_mono();
	struct live_source *ls;
	char refused[sizeof(ls->probe.fentry_why)] = "";

	if (check_kernel(o, err, errlen))
		return NULL;
again:
	ls = live_alloc(o, t_start, err, errlen);
	if (!ls)
		return NULL;
	if (*refused) {
		ls->probe.fentry_refused = true;
		snprintf(ls->probe.fentry_why, sizeof(ls->probe.fentry_why),
			 "%s", refused);
	}
	for (size_t i = 0; i < sizeof(open_steps) / sizeof(open_steps[0]);
	     i++) {
		uint64_t t = dmas_live_now_mono(), cpu = cpu_ns();

		if (open_steps[i].fn(ls, err, errlen)) {
			bool retry = ls->fentry_late && !*refused;

			if (retry)
				snprintf(refused, sizeof(refused), "%s",
					 ls->probe.fentry_why);
			live_close(&ls->base);
			if (!retry)
				return NULL;
			if (o->verbose)
				fprintf(stderr,
					"dmatrace: %s: choosing the hooks again without fentry\n",
					refused);
			goto again;
		}
		/* where the time to tracing active goes, step by step */
		if (o->verbose)
			fprintf(stderr,
				"dmatrace: start-up step %-20s %8.1f ms wall %8.1f ms CPU\n",
				open_steps[i].name,
				(dmas_live_now_mono() - t) / 1e6,
				(cpu_ns() - cpu) / 1e6);
	}
	read_symbols_later(ls);
	load_later(ls);
	return &ls->base;
}

struct dmas_source *dmas_source_open_live(const struct dmas_live_opts *o,
					  char *err, size_t errlen)
{
	struct dmas_source *s;
	char ferr[512];

	uint32_t off;

	if (o->source == DMAS_LIVE_FTRACE)
		return dmas_source_open_ftrace(o, err, errlen);
	/* a mistyped benchmark switch is an error, not a reason for tracefs */
	if (bench_parts(&off, err, errlen))
		return NULL;
	s = open_bpf(o, err, errlen);
	if (s || o->source == DMAS_LIVE_BPF)
		return s;
	/* no BPF here: the tracefs source, if it can be had */
	s = dmas_source_open_ftrace(o, ferr, sizeof(ferr));
	if (s) {
		fprintf(stderr,
			"dmatrace: BPF is not available (%s): using the ftrace source (--source ftrace)\n",
			err);
		return s;
	}
	if (o->verbose)
		fprintf(stderr,
			"dmatrace: the ftrace source cannot be used either: %s\n",
			ferr);
	return NULL;
}
