// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ftrace.c - the live tracefs source, for machines where BPF is not
 * allowed: a tracefs instance of its own ("dmascope-PID", trace clock
 * mono, the events' clock everywhere else too), the kernel's dma:* events
 * where it has them, else kprobe and kretprobe events on the DMA API
 * functions (group "dmascope_PID", definitions in tpdecode.c), the iommu,
 * swiotlb and vdmac events (vdmac's as soon as it loads).  Pages of
 * per_cpu/cpuN/trace_pipe_raw are read with libtracefs and parsed with
 * libtraceevent's kbuffer; records wait in a window so that the CPUs'
 * records reach the decoder in time order (a kretprobe meets its entry).
 * Everything created is removed at close; what a killed run left is
 * removed by the next one.  Devices, drivers and NUMA nodes come from
 * sysfs.  Stacks (--no-stacks turns them off) come from the stacktrace
 * trigger on the map and allocation events: the kernel writes the stack
 * record (a post trigger) just after its event on the same CPU, so an
 * event takes the stack record that is its CPU's next.  On 6.10+ x86 a
 * device's syncs count as elided at first sight (see syncs_elided).  Not seen: coherent and pool allocations on
 * kernels without dma:* events, driver binding, device removal, module
 * unloads.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <traceevent/event-parse.h>
#include <traceevent/kbuffer.h>
#include <tracefs/tracefs.h>

#include "source/ftrace.h"
#include "source/live.h"
#include "source/source_impl.h"
#include "source/tpdecode.h"

#define FT_POLL_NS 50000000L /* between reads of the per-CPU buffers */
#define FT_PEND 16 /* LOST events waiting for their place */
#define FT_VDMAC_CHECK_NS 500000000ULL /* how often to look for vdmac */
#define FT_DEFAULT_BUF_KB 8192 /* all CPUs together, as the BPF ring */
#define FT_MIN_CPU_KB 512
#define FT_STACK_DEPTH 64 /* frames kept of a stack record */
#define FT_STACK_BUCKETS 4096

/* A stack already sent as a stack record, chained in its hash bucket. */
struct ft_stack {
	uint64_t hash;
	uint32_t nr, next; /* next: index + 1 in the bucket's chain, 0 ends */
	uint64_t *ips;
};

/* A record copied out of its page, waiting for its turn. */
struct ft_rec {
	uint64_t ts, seq;
	uint32_t cpu, len;
	bool taken; /* a stack record its event took */
	uint8_t data[];
};

struct ftrace_source {
	struct dmas_source base;
	struct dmas_live_opts opts;
	char inst_name[64], group[64];
	struct tracefs_instance *inst;
	struct tep_handle *tep;
	struct kbuffer *kb;
	struct tracefs_cpu **cpus;
	int ncpus, page_size;
	void *page;
	struct dmas_tpdec dec;
	bool kprobes, vdmac;
	uint64_t vdmac_checked;
	/* the window */
	struct ft_rec **win;
	size_t nwin, capwin;
	uint64_t seq;
	/* the sink chain: filter and tally in front of the caller's sink */
	const struct dmas_sink *out;
	struct dmas_sink front;
	uint8_t *dev_ok; /* by device id: passes --device / --driver */
	struct dmas_tally tally;
	struct dmas_session session;
	uint64_t events, lost;
	/* kprobe_profile's misses already sent (entry, return); the ts of
	 * the last record released */
	uint64_t probe_missed[2], released_ts;
	/*
	 * LOST events waiting for their place among the records: sent just
	 * before the first record released after their ts.  counts_read_ts:
	 * the clock just before kprobe_profile was last read.
	 */
	struct dmas_event pend[FT_PEND];
	unsigned npend;
	uint64_t counts_read_ts;
	uint64_t lost_skipped; /* of lost: those misses */
	uint32_t devices;
	/* stacks: the kernel_stack record, its fields, what each CPU holds */
	int stack_type; /* -1: stacks off */
	struct tep_format_field *st_size, *st_caller;
	struct dmas_ksyms *ksyms;
	struct ft_stack *stacks; /* id - 1 */
	uint32_t nr_stacks, cap_stacks;
	uint32_t bucket[FT_STACK_BUCKETS]; /* index + 1 of the chain's head */
	uint64_t stack_errors;
	bool elide; /* devices' syncs elided at first sight (syncs_elided) */
};

/* dev_ok bits: passes the filters; its syncs are elided now */
#define FT_DEV_PASS 0x01
#define FT_DEV_ELIDED 0x02

/* ---- names and what a killed run left ---- */

int dmas_ftrace_owner(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = name + n;
	char *end;
	long pid;

	if (strncmp(name, prefix, n) || *p < '1' || *p > '9')
		return -1;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || *end || pid <= 0 || pid > INT_MAX)
		return -1;
	return (int)pid;
}

bool dmas_ftrace_owner_alive(const char *proc_root, int pid)
{
	char path[PATH_MAX], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/comm", proc_root, pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, "dmatrace") || !strcmp(comm, "dmatop");
}

static bool stale(const char *name, const char *prefix)
{
	int pid = dmas_ftrace_owner(name, prefix);

	return pid > 0 && pid != getpid() &&
	       !dmas_ftrace_owner_alive("/proc", pid);
}

static int clean_instance(const char *name, void *ctx)
{
	struct tracefs_instance *inst;
	int *n = ctx;

	if (!stale(name, DMAS_FTRACE_INSTANCE))
		return 0;
	inst = tracefs_instance_alloc(NULL, name);
	if (inst) {
		tracefs_trace_off(inst);
		if (!tracefs_instance_destroy(inst))
			(*n)++;
		tracefs_instance_free(inst);
	}
	return 0;
}

int dmas_ftrace_clean_stale(int verbose)
{
	struct tracefs_dynevent **ev;
	int n = 0, i;

	/* instances first: their enabled events keep the probes busy */
	tracefs_instances_walk(clean_instance, &n);
	ev = tracefs_dynevent_get_all(
		TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE, NULL);
	for (i = 0; ev && ev[i]; i++) {
		char *sys = NULL, *name = NULL;

		tracefs_dynevent_info(ev[i], &sys, &name, NULL, NULL, NULL);
		if (sys && stale(sys, DMAS_FTRACE_GROUP) &&
		    !tracefs_dynevent_destroy(ev[i], true))
			n++;
		free(sys);
		free(name);
	}
	tracefs_dynevent_list_free(ev);
	if (n && verbose)
		fprintf(stderr,
			"dmatrace: removed %d tracefs instances and probes a killed session left\n",
			n);
	return n;
}

/* ---- devices from sysfs ---- */

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

/* src into dst of len bytes, cut when longer (names have their limits). */
static void copy_name(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		n = len - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The basename of a symlink's target, "" when there is none. */
static void link_base(const char *path, char *buf, size_t len)
{
	char t[PATH_MAX];
	ssize_t n = readlink(path, t, sizeof(t) - 1);
	const char *b;

	buf[0] = '\0';
	if (n <= 0)
		return;
	t[n] = '\0';
	b = strrchr(t, '/');
	copy_name(buf, len, b ? b + 1 : t);
}

/* Bus, driver and NUMA node of the device named d->name. */
static void describe_device(void *ctx, struct dmas_device *d)
{
	struct ftrace_source *fs = ctx;
	char dir[PATH_MAX], path[PATH_MAX + 32], buf[32];
	struct dirent *de;
	DIR *buses = opendir("/sys/bus");
	bool found = false;

	while (buses && !found && (de = readdir(buses))) {
		if (de->d_name[0] == '.' || strchr(d->name, '/'))
			continue;
		snprintf(dir, sizeof(dir), "/sys/bus/%s/devices/%s", de->d_name,
			 d->name);
		if (access(dir, F_OK))
			continue;
		found = true;
		copy_name(d->bus, sizeof(d->bus), de->d_name);
		snprintf(path, sizeof(path), "%s/driver", dir);
		link_base(path, d->driver, sizeof(d->driver));
		snprintf(path, sizeof(path), "%s/numa_node", dir);
		read_line(path, buf, sizeof(buf));
		if (buf[0])
			d->numa_node = atoi(buf);
		snprintf(path, sizeof(path), "%s/iommu_group", dir);
		if (!access(path, F_OK))
			d->flags |= DMAS_DEVF_IOMMU;
		/* a driver at first sight: bound before us (no probe is seen) */
		if (d->driver[0])
			d->flags |= DMAS_DEVF_BOUND_BEFORE;
	}
	if (buses)
		closedir(buses);
	if (fs->elide)
		d->flags |= DMAS_DEVF_SYNC_ELIDED;
	if (d->id < DMAS_DEV_ID_MAX)
		fs->dev_ok[d->id] =
			((!fs->opts.device ||
			  !strcmp(fs->opts.device, d->name)) &&
					 (!fs->opts.driver ||
					  !strcmp(fs->opts.driver, d->driver))
				 ? FT_DEV_PASS
				 : 0) |
			(fs->elide ? FT_DEV_ELIDED : 0);
	fs->devices++;
}

/* ---- the sink in front: filters, counts ---- */

static void front_device(void *ctx, const struct dmas_device *d)
{
	struct ftrace_source *fs = ctx;

	if (fs->out->device && d->id < DMAS_DEV_ID_MAX &&
	    (fs->dev_ok[d->id] & FT_DEV_PASS))
		fs->out->device(fs->out->ctx, d);
}

static void front_event(void *ctx, const struct dmas_event *ev)
{
	struct ftrace_source *fs = ctx;

	if (ev->dev != DMAS_DEV_NONE && (ev->dev >= DMAS_DEV_ID_MAX ||
					 !(fs->dev_ok[ev->dev] & FT_DEV_PASS)))
		return;
	/* swiotlb's first bounce for a device ends the elision of its syncs */
	if (ev->kind == DMAS_EV_SWIOTLB_BOUNCE && ev->dev != DMAS_DEV_NONE &&
	    (fs->dev_ok[ev->dev] & FT_DEV_ELIDED)) {
		struct dmas_event el = *ev;

		fs->dev_ok[ev->dev] &= (uint8_t)~FT_DEV_ELIDED;
		el.kind = DMAS_EV_SYNC_ELISION;
		el.count = 0;
		el.stack_id = DMAS_STACK_NONE;
		front_event(fs, &el);
	}
	if (ev->kind == DMAS_EV_LOST) {
		fs->lost += ev->count;
		if (ev->attrs != DMAS_LOSS_RING)
			fs->lost_skipped += ev->count;
	} else
		fs->events++;
	dmas_tally_event(&fs->tally, ev);
	if (fs->out->event)
		fs->out->event(fs->out->ctx, ev);
}

/* ---- setting up ---- */

/* The formats of one system's events into tep. */
static int load_system(struct ftrace_source *fs, const char *sys)
{
	char **evs = tracefs_system_events(NULL, sys);
	int n = 0;

	for (int i = 0; evs && evs[i]; i++) {
		int size = 0;
		char *fmt = tracefs_event_file_read(NULL, sys, evs[i], "format",
						    &size);

		if (fmt && size > 0 &&
		    tep_parse_event(fs->tep, fmt, (unsigned long)size, sys) ==
			    TEP_ERRNO__SUCCESS)
			n++;
		free(fmt);
	}
	tracefs_list_free(evs);
	return n;
}

static bool system_exists(const char *sys)
{
	char **evs = tracefs_system_events(NULL, sys);
	bool yes = evs && evs[0];

	tracefs_list_free(evs);
	return yes;
}

/* A system's events on in our instance, their formats known. */
static bool enable_system(struct ftrace_source *fs, const char *sys,
			  const char *event)
{
	int n;

	if (!system_exists(sys) || (n = load_system(fs, sys)) <= 0 ||
	    tracefs_event_enable(fs->inst, sys, event))
		return false;
	dmas_tpdec_bind(&fs->dec, fs->tep);
	if (fs->opts.verbose)
		fprintf(stderr,
			"dmatrace: ftrace: %s:%s on (%d formats of %s read)\n",
			sys, event ? event : "*", n, sys);
	return true;
}

/* Creates the kprobe events (6.1 and other kernels without dma:*). */
static int create_kprobes(struct ftrace_source *fs, char *err, size_t errlen)
{
	unsigned i, made = 0;
	char *profile;

	for (i = 0; i < dmas_nr_kprobe_defs; i++) {
		const struct dmas_kprobe_def *d = &dmas_kprobe_defs[i];
		char args[512], *v;
		int r;

		snprintf(args, sizeof(args), "%s", d->args);
		r = d->ret ? tracefs_kretprobe_raw(fs->group, d->event,
						   d->target, args)
			   : tracefs_kprobe_raw(fs->group, d->event, d->target,
						args);
		/* without KASLR there is no vmemmap_base: its default then */
		if (r && (v = strstr(args, " vmemmap="))) {
			*v = '\0';
			r = d->ret ? tracefs_kretprobe_raw(fs->group, d->event,
							   d->target, args)
				   : tracefs_kprobe_raw(fs->group, d->event,
							d->target, args);
		}
		if (r) {
			if (fs->opts.verbose)
				fprintf(stderr,
					"dmatrace: ftrace: no %s on %s (%s)\n",
					d->ret ? "kretprobe" : "kprobe",
					d->target, strerror(errno));
			continue;
		}
		made++;
	}
	fs->kprobes = made > 0;
	if (!made) {
		snprintf(
			err, errlen,
			"the ftrace source could not create kprobe events on the DMA API (kernel without CONFIG_KPROBE_EVENTS?) and the kernel has no dma:* events");
		return -1;
	}
	/*
	 * Before they are on: what other sessions' probes of the same names
	 * missed already, and when that was read.
	 */
	fs->counts_read_ts = dmas_live_now_mono();
	profile = tracefs_instance_file_read(NULL, "kprobe_profile", NULL);
	if (profile)
		dmas_ftrace_probe_misses(profile, &fs->probe_missed[0],
					 &fs->probe_missed[1]);
	free(profile);
	if (!enable_system(fs, fs->group, NULL)) {
		snprintf(err, errlen, "cannot enable the kprobe events %s: %s",
			 fs->group, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_instance(struct ftrace_source *fs, char *err, size_t errlen)
{
	unsigned kb =
		fs->opts.ringbuf_kb ? fs->opts.ringbuf_kb : FT_DEFAULT_BUF_KB;

	if (!tracefs_tracing_dir()) {
		snprintf(
			err, errlen,
			"no tracefs (mount -t tracefs nodev /sys/kernel/tracing), and the ftrace source needs it");
		return -1;
	}
	dmas_ftrace_clean_stale(fs->opts.verbose);
	snprintf(fs->inst_name, sizeof(fs->inst_name), "%s%d",
		 DMAS_FTRACE_INSTANCE, (int)getpid());
	snprintf(fs->group, sizeof(fs->group), "%s%d", DMAS_FTRACE_GROUP,
		 (int)getpid());
	fs->inst = tracefs_instance_create(fs->inst_name);
	if (!fs->inst) {
		snprintf(err, errlen,
			 "cannot create the tracefs instance %s: %s%s",
			 fs->inst_name, strerror(errno),
			 errno == EACCES || errno == EPERM
				 ? " (the ftrace source needs root)"
				 : "");
		return -1;
	}
	tracefs_trace_off(fs->inst);
	if (tracefs_instance_file_write(fs->inst, "trace_clock", "mono") < 0) {
		snprintf(err, errlen, "%s: cannot set the trace clock to mono",
			 fs->inst_name);
		return -1;
	}
	kb /= (unsigned)fs->ncpus;
	if (kb < FT_MIN_CPU_KB)
		kb = FT_MIN_CPU_KB;
	tracefs_instance_set_buffer_size(fs->inst, kb, -1);
	if (fs->opts.pid) {
		char pid[16];

		snprintf(pid, sizeof(pid), "%d", fs->opts.pid);
		tracefs_instance_file_write(fs->inst, "set_event_pid", pid);
	}
	return 0;
}

static const char *load_ksyms(struct ftrace_source *fs, char *why, size_t len)
{
	if (!fs->ksyms)
		fs->ksyms = dmas_ksyms_load("/proc/kallsyms", why, len);
	if (!fs->ksyms && !why[0])
		snprintf(why, len, "cannot read /proc/kallsyms");
	return fs->ksyms ? NULL : why;
}

/*
 * Whether the kernel skips the syncs of a device it has not bounced
 * through swiotlb, as the BPF source reads from dma_skip_sync
 * (compat.bpf.h): 6.10, commit f406c8e4b770 ("dma: avoid redundant calls
 * for sync operations"), made dma_sync_* inline, reaching
 * __dma_sync_single_for_cpu only while dma_dev_need_sync(); a device
 * starts with dma_skip_sync = dev_is_dma_coherent(), always true on x86,
 * and loses it at its first swiotlb mapping (seen: the swiotlb event).
 * CONFIG_DMA_API_DEBUG keeps every sync.  tracefs cannot read the bit: on
 * x86 the rule gives it, elsewhere syncs count as seen.
 */
static bool syncs_elided(struct ftrace_source *fs)
{
#if defined(__x86_64__) || defined(__i386__)
	char why[128] = "";

	return !load_ksyms(fs, why, sizeof(why)) &&
	       dmas_ksyms_addr(fs->ksyms, "__dma_sync_single_for_cpu") &&
	       !dmas_ksyms_addr(fs->ksyms, "debug_dma_sync_single_for_cpu");
#else
	(void)fs;
	return false;
#endif
}

/*
 * Takes a stack on an event: the map and allocation events (every event
 * but the syncs with --all-stacks), as the BPF source does.
 */
static bool wants_stack(const struct ftrace_source *fs, const char *event)
{
	if (strstr(event, "sync") || strstr(event, "_ret"))
		return false; /* a kretprobe's entry carries the stack */
	if (fs->opts.release_stacks)
		return true;
	return (strstr(event, "map") && !strstr(event, "unmap")) ||
	       strstr(event, "alloc");
}

/* The stacktrace trigger on a system's events that want a stack. */
static int add_triggers(struct ftrace_source *fs, const char *sys)
{
	char **evs = tracefs_system_events(NULL, sys);
	int n = 0;

	for (int i = 0; evs && evs[i]; i++)
		if (wants_stack(fs, evs[i]) &&
		    tracefs_event_file_write(fs->inst, sys, evs[i], "trigger",
					     "stacktrace") > 0)
			n++;
	tracefs_list_free(evs);
	return n;
}

/*
 * Stacks on: the kernel_stack record's format, kallsyms, the triggers.
 * Where any is missing the session goes on without stacks, saying why.
 */
static void setup_stacks(struct ftrace_source *fs, const char *sys)
{
	char why[128] = "";
	struct tep_event *e = NULL;
	char *fmt;
	int size = 0, n;

	fs->stack_type = -1;
	if (!fs->opts.stacks)
		return;
	fmt = tracefs_event_file_read(NULL, "ftrace", "kernel_stack", "format",
				      &size);
	if (!fmt || size <= 0 ||
	    tep_parse_event(fs->tep, fmt, (unsigned long)size, "ftrace") !=
		    TEP_ERRNO__SUCCESS ||
	    !(e = tep_find_event_by_name(fs->tep, "ftrace", "kernel_stack")) ||
	    !(fs->st_size = tep_find_field(e, "size")) ||
	    !(fs->st_caller = tep_find_field(e, "caller")))
		snprintf(why, sizeof(why), "no ftrace:kernel_stack format");
	free(fmt);
	if (!why[0])
		load_ksyms(fs, why, sizeof(why));
	if (!why[0] && (n = add_triggers(fs, sys)) <= 0)
		snprintf(why, sizeof(why), "no stacktrace trigger on %s: %s",
			 sys, strerror(errno));
	if (why[0]) {
		fprintf(stderr, "dmatrace: ftrace: no stacks (%s)\n", why);
		return;
	}
	fs->stack_type = e ? e->id : -1;
	if (fs->opts.verbose)
		fprintf(stderr,
			"dmatrace: ftrace: stacktrace trigger on %d %s events\n",
			n, sys);
}

static int choose_events(struct ftrace_source *fs, char *err, size_t errlen)
{
	const char *sys;

	char hooks[sizeof(fs->session.hooks)], *hp;
	int size = 0;

	fs->tep = tep_alloc();
	if (!fs->tep) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tep_set_long_size(fs->tep, (int)sizeof(long));
	tep_set_page_size(fs->tep, (int)sysconf(_SC_PAGESIZE));
	tep_set_file_bigendian(fs->tep, tep_is_bigendian() ? TEP_BIG_ENDIAN
							   : TEP_LITTLE_ENDIAN);
	hp = tracefs_instance_file_read(NULL, "events/header_page", &size);
	if (hp)
		tep_parse_header_page(fs->tep, hp, size, (int)sizeof(long));
	free(hp);
	if (system_exists("dma")) {
		if (!enable_system(fs, "dma", NULL)) {
			snprintf(err, errlen,
				 "cannot enable the dma:* events: %s",
				 strerror(errno));
			return -1;
		}
		snprintf(hooks, sizeof(hooks), "ftrace:dma");
		sys = "dma";
	} else {
		if (create_kprobes(fs, err, errlen))
			return -1;
		snprintf(hooks, sizeof(hooks), "ftrace-kprobe:%s", fs->group);
		sys = fs->group;
	}
	setup_stacks(fs, sys);
	fs->elide = syncs_elided(fs);
	if (fs->elide && fs->opts.verbose)
		fprintf(stderr,
			"dmatrace: ftrace: 6.10+ on x86: devices' syncs count as elided until swiotlb bounces for them\n");
	if (enable_system(fs, "swiotlb", "swiotlb_bounced"))
		strncat(hooks, ",swiotlb", sizeof(hooks) - strlen(hooks) - 1);
	if (enable_system(fs, "iommu", "map") &&
	    enable_system(fs, "iommu", "unmap") &&
	    enable_system(fs, "iommu", "io_page_fault"))
		strncat(hooks, ",iommu", sizeof(hooks) - strlen(hooks) - 1);
	/* fences: the same six events on every kernel here */
	if (enable_system(fs, "dma_fence", NULL))
		strncat(hooks, ",dma_fence", sizeof(hooks) - strlen(hooks) - 1);
	/* contiguous memory: kernels built with CONFIG_CMA only */
	if (enable_system(fs, "cma", "cma_alloc_start") &&
	    enable_system(fs, "cma", "cma_alloc_finish") &&
	    enable_system(fs, "cma", "cma_release"))
		strncat(hooks, ",cma", sizeof(hooks) - strlen(hooks) - 1);
	fs->vdmac = enable_system(fs, "vdmac", NULL);
	dmas_live_session_init(&fs->session);
	/* the report says whether findings could have stacks */
	snprintf(fs->session.hooks, sizeof(fs->session.hooks), "%s%s,%s", hooks,
		 fs->vdmac ? ",vdmac" : "",
		 fs->stack_type >= 0 ? "stacks" : DMAS_HOOKS_NO_STACKS);
	return 0;
}

static int open_buffers(struct ftrace_source *fs, char *err, size_t errlen)
{
	fs->kb = tep_kbuffer(fs->tep);
	fs->cpus = calloc((size_t)fs->ncpus, sizeof(*fs->cpus));
	if (!fs->kb || !fs->cpus) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (int c = 0; c < fs->ncpus; c++) {
		fs->cpus[c] = tracefs_cpu_open(fs->inst, c, true);
		if (fs->cpus[c] && !fs->page_size)
			fs->page_size = tracefs_cpu_read_size(fs->cpus[c]);
	}
	if (fs->page_size <= 0 || !(fs->page = malloc((size_t)fs->page_size))) {
		snprintf(err, errlen,
			 "%s: cannot open per_cpu/*/trace_pipe_raw",
			 fs->inst_name);
		return -1;
	}
	if (tracefs_trace_on(fs->inst)) {
		snprintf(err, errlen, "%s: cannot turn tracing on",
			 fs->inst_name);
		return -1;
	}
	return 0;
}

/* ---- reading ---- */

static int rec_cmp(const void *a, const void *b)
{
	const struct ft_rec *x = *(struct ft_rec *const *)a;
	const struct ft_rec *y = *(struct ft_rec *const *)b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void keep(struct ftrace_source *fs, uint32_t cpu, uint64_t ts,
		 const void *data, int len)
{
	struct ft_rec *r;

	if (fs->nwin == fs->capwin) {
		size_t cap = fs->capwin ? fs->capwin * 2 : 4096;
		void *n = realloc(fs->win, cap * sizeof(*fs->win));

		if (!n)
			goto lost;
		fs->win = n;
		fs->capwin = cap;
	}
	r = malloc(sizeof(*r) + (size_t)len);
	if (!r)
		goto lost;
	r->ts = ts;
	r->seq = fs->seq++;
	r->cpu = cpu;
	r->len = (uint32_t)len;
	r->taken = false;
	memcpy(r->data, data, (size_t)len);
	fs->win[fs->nwin++] = r;
	return;
lost:
	fs->lost++; /* out of memory: counted, never silent */
}

/* A LOST event to its place in time (see pend); sent now if none is free. */
static void lose(struct ftrace_source *fs, const struct dmas_event *lost)
{
	if (fs->npend == FT_PEND) {
		front_event(fs, lost);
		return;
	}
	fs->pend[fs->npend++] = *lost;
}

/* The waiting LOST events at or before ts, in time order. */
static void send_losses(struct ftrace_source *fs, uint64_t ts)
{
	unsigned i, kept = 0;

	for (i = 0; i < fs->npend; i++)
		if (fs->pend[i].ts <= ts) {
			if (fs->pend[i].ts < fs->released_ts)
				fs->pend[i].ts = fs->released_ts;
			front_event(fs, &fs->pend[i]);
		} else {
			fs->pend[kept++] = fs->pend[i];
		}
	fs->npend = kept;
}

/* One page of a CPU's buffer into the window; lost events as such. */
static void take_page(struct ftrace_source *fs, uint32_t cpu)
{
	unsigned long long ts;
	void *d;
	int missed;

	if (kbuffer_load_subbuffer(fs->kb, fs->page) < 0)
		return;
	missed = kbuffer_missed_events(fs->kb);
	d = kbuffer_read_event(fs->kb, &ts);
	if (missed) {
		struct dmas_event lost = {0};

		lost.kind = DMAS_EV_LOST;
		lost.count = missed > 0 ? (uint32_t)missed : 1;
		lost.aux = cpu;
		lost.cpu = (uint16_t)cpu;
		/* what the kernel overwrote came before this page */
		lost.ts = d && ts ? ts - 1 : dmas_live_now_mono();
		lose(fs, &lost);
	}
	for (; d; d = kbuffer_next_event(fs->kb, &ts)) {
		int len = kbuffer_event_size(fs->kb);

		if (len > 0 && len <= fs->page_size)
			keep(fs, cpu, ts, d, len);
	}
}

static void read_cpus(struct ftrace_source *fs)
{
	for (int c = 0; c < fs->ncpus; c++) {
		int guard = 4096; /* a CPU writing as fast as we read */

		while (fs->cpus[c] && guard-- > 0 &&
		       tracefs_cpu_read(fs->cpus[c], fs->page, true) > 0)
			take_page(fs, (uint32_t)c);
	}
}

/* A stack's addresses symbolized into a stack record for the sink. */
static void send_stack(struct ftrace_source *fs, uint32_t id,
		       const uint64_t *ips, uint32_t nr)
{
	static char bufs[FT_STACK_DEPTH][160];
	const char *frames[FT_STACK_DEPTH];
	struct dmas_stack st = {.id = id, .frames = frames};

	dmas_ksyms_refresh(fs->ksyms);
	for (uint32_t i = 0; i < nr; i++) {
		char *b = bufs[st.nr_frames];

		dmas_ksyms_format(fs->ksyms, ips[i], b, sizeof(bufs[0]));
		/* leading frames are the tracer's own (trigger, kprobe) */
		if (!st.nr_frames &&
		    (!strncmp(b, "trace", 5) || !strncmp(b, "__trace", 7) ||
		     !strncmp(b, "event_trigger", 13) ||
		     !strncmp(b, "stacktrace", 10) || strstr(b, "kprobe") ||
		     strstr(b, "int3") || strstr(b, "ftrace")))
			continue;
		frames[st.nr_frames++] = b;
	}
	if (fs->out->stack)
		fs->out->stack(fs->out->ctx, &st);
}

/* The id of a kernel_stack record's stack, sent the first time. */
static uint32_t take_stack(struct ftrace_source *fs, const uint8_t *d, int len)
{
	uint64_t h = 1469598103934665603ull, ips[FT_STACK_DEPTH];
	unsigned long long nr = 0;
	uint32_t n, i, *slot;
	struct ft_stack *st;
	void *np;

	if (tep_read_number_field(fs->st_size, d, &nr) ||
	    fs->st_caller->offset < 0 || fs->st_caller->offset >= len)
		return DMAS_STACK_NONE;
	n = (uint32_t)((len - fs->st_caller->offset) / 8);
	if (nr < n)
		n = (uint32_t)nr;
	if (n > FT_STACK_DEPTH)
		n = FT_STACK_DEPTH;
	for (i = 0; i < n; i++) {
		memcpy(&ips[i], d + fs->st_caller->offset + 8 * i, 8);
		h = (h ^ ips[i]) * 1099511628211ull;
	}
	if (!n)
		return DMAS_STACK_NONE;
	slot = &fs->bucket[h % FT_STACK_BUCKETS];
	for (i = *slot; i; i = fs->stacks[i - 1].next) {
		st = &fs->stacks[i - 1];
		if (st->hash == h && st->nr == n &&
		    !memcmp(st->ips, ips, n * sizeof(*ips)))
			return i;
	}
	if (fs->nr_stacks >= DMAS_STACK_ID_MAX - 1)
		goto fail;
	if (fs->nr_stacks == fs->cap_stacks) {
		uint32_t cap = fs->cap_stacks ? fs->cap_stacks * 2 : 256;

		np = realloc(fs->stacks, cap * sizeof(*fs->stacks));
		if (!np)
			goto fail;
		fs->stacks = np;
		fs->cap_stacks = cap;
	}
	st = &fs->stacks[fs->nr_stacks];
	st->ips = malloc(n * sizeof(*ips));
	if (!st->ips)
		goto fail;
	memcpy(st->ips, ips, n * sizeof(*ips));
	st->hash = h;
	st->nr = n;
	st->next = *slot;
	*slot = ++fs->nr_stacks;
	send_stack(fs, fs->nr_stacks, ips, n);
	return fs->nr_stacks;
fail:
	fs->stack_errors++; /* a lost stack is not a lost event */
	return DMAS_STACK_NONE;
}

#define FT_STACK_LOOK 4096 /* records searched for an event's stack */

static bool is_stack(const struct ftrace_source *fs, const struct ft_rec *r)
{
	struct tep_record rec = {.data = (void *)r->data, .size = (int)r->len};

	return tep_data_type(fs->tep, &rec) == fs->stack_type;
}

/*
 * The window's record i to the decoder, with the stack record that
 * follows it on its CPU (the stacktrace trigger's, written after it).
 */
static void decode(struct ftrace_source *fs, size_t i)
{
	struct ft_rec *r = fs->win[i], *n;
	uint32_t stack = DMAS_STACK_NONE;

	if (fs->stack_type >= 0) {
		if (is_stack(fs, r))
			return; /* taken, or its event was before us */
		for (size_t j = i + 1; j < fs->nwin && j <= i + FT_STACK_LOOK;
		     j++) {
			n = fs->win[j];
			if (n->cpu != r->cpu)
				continue;
			if (!n->taken && is_stack(fs, n)) {
				stack = take_stack(fs, n->data, (int)n->len);
				n->taken = true;
			}
			break;
		}
	}
	dmas_tpdec_record_stack(&fs->dec, r->data, (int)r->len, r->ts, r->cpu,
				stack, &fs->front);
}

/* Hands the decoder every record at or before limit, in time order. */
static void release(struct ftrace_source *fs, uint64_t limit)
{
	size_t i, n = 0;

	if (fs->nwin)
		qsort(fs->win, fs->nwin, sizeof(*fs->win), rec_cmp);
	for (i = 0; i < fs->nwin && fs->win[i]->ts <= limit; i++) {
		send_losses(fs, fs->win[i]->ts);
		fs->released_ts = fs->win[i]->ts;
		decode(fs, i);
		free(fs->win[i]);
		n++;
	}
	send_losses(fs, limit);
	if (n)
		memmove(fs->win, fs->win + n,
			(fs->nwin - n) * sizeof(*fs->win));
	fs->nwin -= n;
}

void dmas_ftrace_probe_misses(const char *profile, uint64_t *entry,
			      uint64_t *ret)
{
	const char *l = profile;

	*entry = *ret = 0;
	while (l && *l) {
		unsigned long long hit, missed;
		char name[128];

		if (sscanf(l, " %127s %llu %llu", name, &hit, &missed) == 3)
			for (unsigned i = 0; i < dmas_nr_kprobe_defs; i++)
				if (!strcmp(name, dmas_kprobe_defs[i].event)) {
					*(dmas_kprobe_defs[i].ret ? ret
								  : entry) +=
						missed;
					break;
				}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
}

/*
 * New misses of our kprobes become LOST events at the time the counts
 * were last read (they were not there then): after every record older
 * than that, before every later one, so that findings spanning the miss
 * are uncertain (as dmas_reorder_push_loss places the BPF source's).
 */
static void check_probe_misses(struct ftrace_source *fs, uint64_t now)
{
	uint64_t n[2], *seen = fs->probe_missed;
	char *profile;

	if (!fs->kprobes)
		return;
	profile = tracefs_instance_file_read(NULL, "kprobe_profile", NULL);
	if (!profile)
		return;
	dmas_ftrace_probe_misses(profile, &n[0], &n[1]);
	free(profile);
	for (int r = 0; r < 2; r++) {
		struct dmas_event lost = {0};

		if (n[r] <= seen[r])
			continue;
		lost.kind = DMAS_EV_LOST;
		lost.count = n[r] - seen[r] > UINT32_MAX
				     ? UINT32_MAX
				     : (uint32_t)(n[r] - seen[r]);
		lost.attrs = r ? DMAS_LOSS_KRETPROBE : DMAS_LOSS_RECURSION;
		/* somewhere since the last read: see dmas_reorder_push_loss */
		lost.ts = fs->counts_read_ts;
		lost.size = now > lost.ts ? now - lost.ts : 0;
		seen[r] = n[r];
		lose(fs, &lost);
	}
}

/* vdmac loaded after the start: its events on now. */
static void look_for_vdmac(struct ftrace_source *fs, uint64_t now)
{
	if (fs->vdmac || now - fs->vdmac_checked < FT_VDMAC_CHECK_NS)
		return;
	fs->vdmac_checked = now;
	if (enable_system(fs, "vdmac", NULL)) {
		fs->vdmac = true;
		strncat(fs->session.hooks, ",vdmac",
			sizeof(fs->session.hooks) - strlen(fs->session.hooks) -
				1);
	}
}

static int ftrace_run(struct dmas_source *s, const struct dmas_sink *sink,
		      volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct ftrace_source *fs =
		dmas_source_container(s, struct ftrace_source, base);
	struct timespec nap = {0, FT_POLL_NS};

	fs->out = sink;
	fs->front = *sink;
	fs->front.ctx = fs;
	fs->front.device = front_device;
	fs->front.event = front_event;
	fs->front.events = NULL; /* every event through front_event */
	fs->session.start_ts = dmas_live_now_mono();
	if (sink->session)
		sink->session(sink->ctx, &fs->session);
	dmas_live_deliver_machine(sink, &fs->session, fs->ncpus,
				  fs->opts.verbose);
	while (!(stop && *stop)) {
		uint64_t now = dmas_live_now_mono();

		read_cpus(fs);
		/* the clock (now) read before the counts: see lose() */
		check_probe_misses(fs, now);
		fs->counts_read_ts = now;
		if (now > DMAS_REORDER_NS) {
			release(fs, now - DMAS_REORDER_NS);
			if (sink->idle)
				sink->idle(sink->ctx, now - DMAS_REORDER_NS);
		}
		look_for_vdmac(fs, now);
		nanosleep(&nap, NULL);
	}
	/* stopped: what the buffers still hold, then everything */
	tracefs_trace_off(fs->inst);
	read_cpus(fs);
	check_probe_misses(fs, dmas_live_now_mono());
	release(fs, UINT64_MAX);
	if (sink->idle)
		sink->idle(sink->ctx, dmas_live_now_mono());
	if (fs->stack_errors)
		fprintf(stderr,
			"dmatrace: ftrace: %" PRIu64
			" stacks not kept (out of memory)\n",
			fs->stack_errors);
	if (fs->opts.verbose && fs->dec.unpaired)
		fprintf(stderr,
			"dmatrace: ftrace: %" PRIu64
			" kprobe entries and returns did not pair\n",
			fs->dec.unpaired);
	(void)err;
	(void)errlen;
	return 0;
}

/* ---- closing: nothing left behind ---- */

static void ftrace_close(struct dmas_source *s)
{
	struct ftrace_source *fs =
		dmas_source_container(s, struct ftrace_source, base);
	struct tracefs_dynevent **ev;

	for (int c = 0; fs->cpus && c < fs->ncpus; c++)
		if (fs->cpus[c])
			tracefs_cpu_close(fs->cpus[c]);
	free(fs->cpus);
	if (fs->inst) {
		tracefs_trace_off(fs->inst);
		tracefs_instance_destroy(fs->inst);
		tracefs_instance_free(fs->inst);
	}
	if (fs->group[0]) {
		ev = tracefs_dynevent_get_all(
			TRACEFS_DYNEVENT_KPROBE | TRACEFS_DYNEVENT_KRETPROBE,
			fs->group);
		for (int i = 0; ev && ev[i]; i++)
			tracefs_dynevent_destroy(ev[i], true);
		tracefs_dynevent_list_free(ev);
	}
	for (size_t i = 0; i < fs->nwin; i++)
		free(fs->win[i]);
	free(fs->win);
	free(fs->page);
	if (fs->kb)
		kbuffer_free(fs->kb);
	dmas_tpdec_free(&fs->dec);
	if (fs->tep)
		tep_free(fs->tep);
	free(fs->dev_ok);
	for (uint32_t i = 0; i < fs->nr_stacks; i++)
		free(fs->stacks[i].ips);
	free(fs->stacks);
	if (fs->ksyms)
		dmas_ksyms_free(fs->ksyms);
	dmas_tally_free(&fs->tally);
	free(fs);
}

/* ---- live views ---- */

static int ftrace_counters(struct dmas_source *s, uint32_t dev,
			   struct dmas_live_counters *out)
{
	struct ftrace_source *fs =
		dmas_source_container(s, struct ftrace_source, base);

	if (dev >= fs->tally.nr)
		return -1;
	dmas_tally_export(&fs->tally.dev[dev], out);
	return 0;
}

/* Event sets on ("ftrace:dma,swiotlb,iommu": three). */
static int hooks_count(const char *h)
{
	int n = 1;

	for (; *h; h++)
		n += *h == ',';
	return n;
}

static int ftrace_hooks(struct dmas_source *s, char *buf, size_t len)
{
	struct ftrace_source *fs =
		dmas_source_container(s, struct ftrace_source, base);

	snprintf(buf, len, "%s", fs->session.hooks);
	return hooks_count(fs->session.hooks);
}

static int ftrace_stats(struct dmas_source *s, struct dmas_live_stats *out)
{
	struct ftrace_source *fs =
		dmas_source_container(s, struct ftrace_source, base);

	out->events = fs->events;
	out->lost = fs->lost;
	out->lost_skipped = fs->lost_skipped;
	out->devices = fs->devices;
	out->hooks = (uint32_t)hooks_count(fs->session.hooks);
	snprintf(out->hook_list, sizeof(out->hook_list), "%s",
		 fs->session.hooks);
	return 0;
}

static const struct dmas_source_ops ftrace_ops = {
	.name = "ftrace",
	.run = ftrace_run,
	.close = ftrace_close,
	.live_counters = ftrace_counters,
	.live_hooks = ftrace_hooks,
	.live_stats = ftrace_stats,
};

struct dmas_source *dmas_source_open_ftrace(const struct dmas_live_opts *o,
					    char *err, size_t errlen)
{
	struct ftrace_source *fs = calloc(1, sizeof(*fs));
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	if (!fs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fs->base.ops = &ftrace_ops;
	fs->opts = *o;
	fs->ncpus = ncpus > 0 ? (int)ncpus : 1;
	fs->dec.describe = describe_device;
	fs->dec.describe_ctx = fs;
	fs->dev_ok = calloc(DMAS_DEV_ID_MAX, 1);
	if (!fs->dev_ok || dmas_tally_init(&fs->tally, DMAS_DEV_ID_MAX)) {
		snprintf(err, errlen, "out of memory");
		ftrace_close(&fs->base);
		return NULL;
	}
	if (open_instance(fs, err, errlen) || choose_events(fs, err, errlen) ||
	    open_buffers(fs, err, errlen)) {
		ftrace_close(&fs->base);
		return NULL;
	}
	if (o->verbose)
		fprintf(stderr, "dmatrace: ftrace: instance %s, events %s\n",
			fs->inst_name, fs->session.hooks);
	return &fs->base;
}
