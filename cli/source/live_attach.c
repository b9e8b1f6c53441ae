// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_attach.c - turning on and attaching the hooks the probe step chose:
 * only the chosen programs are loaded; hooks of a module not loaded yet
 * (vdmac) attach once it is.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "../../bpf/dmascope_bpf.h"
#include "dmascope.skel.h"
#include "source/live_bpf.h"

/*
 * ==== BTF ids of attach targets ====
 *
 * libbpf finds a tp_btf, fentry or fexit program's target with
 * btf__find_by_name_kind, a walk of every type of the kernel's BTF (some
 * 130,000) per program and loader: in the emulated VM more time than it
 * takes to parse that BTF.  The probe step has already found each chosen
 * hook's id through its index, so the process's handlers for those
 * sections hand libbpf that id; a target it did not find is looked up the
 * library's way.  The ids are the running kernel's, the same for every
 * source this process opens: the table only grows.
 */
#define BTF_IDS_MAX 128

struct btf_target {
	const char *target; /* the catalogue's, static */
	bool tp; /* a tracepoint's typedef, not a function */
	int id;
};

static struct btf_target btf_ids[BTF_IDS_MAX];
static int nr_btf_ids;
static pthread_mutex_t btf_ids_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static int known_btf_id(const char *target, bool tp)
{
	int id = 0;

	pthread_mutex_lock(&btf_ids_lock);
	for (int i = 0; i < nr_btf_ids && !id; i++)
		if (btf_ids[i].tp == tp && !strcmp(btf_ids[i].target, target))
			id = btf_ids[i].id;
	pthread_mutex_unlock(&btf_ids_lock);
	return id;
}

/* The attacher's part (below): the programs loaded so far, handed on. */
static void hand_loaded_so_far(void);

static int prepare_btf_target(struct bpf_program *prog,
			      struct bpf_prog_load_opts *opts, long cookie)
{
	enum bpf_attach_type type = bpf_program__expected_attach_type(prog);
	const char *target = strchr(bpf_program__section_name(prog), '/');
	int id;

	if (!target)
		return -EINVAL;
	target++;
	hand_loaded_so_far();
	id = known_btf_id(target, type == BPF_TRACE_RAW_TP);
	if (id <= 0)
		id = libbpf_find_vmlinux_btf_id(target, type);
	if (id <= 0)
		return id ? id : -ESRCH;
	opts->attach_btf_id = (__u32)id;
	opts->attach_btf_obj_fd = 0;
	return 0;
}

static int attach_btf_target(const struct bpf_program *prog, long cookie,
			     struct bpf_link **link)
{
	*link = bpf_program__attach_trace(prog);
	return *link ? 0 : -errno;
}

static void register_handlers(void)
{
	static const struct {
		const char *sec;
		enum bpf_attach_type type;
	} secs[] = {
		{"tp_btf+", BPF_TRACE_RAW_TP},
		{"fentry+", BPF_TRACE_FENTRY},
		{"fexit+", BPF_TRACE_FEXIT},
	};
	LIBBPF_OPTS(libbpf_prog_handler_opts, opts,
		    .prog_prepare_load_fn = prepare_btf_target,
		    .prog_attach_fn = attach_btf_target);

	/* one failing leaves that section to libbpf's own handler */
	for (size_t i = 0; i < sizeof(secs) / sizeof(secs[0]); i++)
		libbpf_register_prog_handler(secs[i].sec, BPF_PROG_TYPE_TRACING,
					     secs[i].type, &opts);
}

void live_register_handlers(void)
{
	pthread_once(&handlers_once, register_handlers);
}

void live_note_btf_ids(const struct live_choice *chosen)
{
	live_register_handlers();
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_hook *h = chosen[i].hook;
		bool tp = h && h->family == FAM_TP_BTF;

		if (!h || chosen[i].btf_id <= 0 || known_btf_id(h->target, tp))
			continue;
		pthread_mutex_lock(&btf_ids_lock);
		if (nr_btf_ids < BTF_IDS_MAX)
			btf_ids[nr_btf_ids++] = (struct btf_target){
				.target = h->target,
				.tp = tp,
				.id = chosen[i].btf_id,
			};
		pthread_mutex_unlock(&btf_ids_lock);
	}
}

/*
 * ==== The kernel's BTF, parsed once ====
 *
 * libbpf 1.1's load parses the kernel's BTF for its CO-RE relocations,
 * once per object (each loader), though the probe step has parsed it
 * already: 0.12-0.17 s of CPU each in the emulated VM.  While the probe's
 * is lent (live_lend_btf), libbpf's call of btf__load_vmlinux_btf, which
 * the dmatrace and dmatop links wrap (-Wl,--wrap, cli/frontend/frontend.mk),
 * gets an empty split BTF on top of it: it reads as the kernel's, ids and
 * names the same, and freeing it leaves the probe's alone.  Where the
 * link does not wrap it, or nothing is lent, libbpf parses as before.
 */
static struct btf *lent_btf;

struct btf *__wrap_btf__load_vmlinux_btf(void);
struct btf *__wrap_btf__load_vmlinux_btf(void)
{
	struct btf *base = __atomic_load_n(&lent_btf, __ATOMIC_ACQUIRE);

	return base ? btf__new_empty_split(base) : libbpf_find_kernel_btf();
}

void live_lend_btf(struct btf *btf)
{
	__atomic_store_n(&lent_btf, btf, __ATOMIC_RELEASE);
}

/* c's program called name, in the object of the loader that loads it */
static struct bpf_program *
program(struct live_source *ls, const struct live_choice *c, const char *name)
{
	return bpf_object__find_program_by_name(
		ls->loaders[c->loader].skel->obj, name);
}

/*
 * What a hook costs to load, roughly: the verifier's walk of a
 * scatterlist dwarfs the rest, and an entry and return pair is two loads.
 * A catcher is a tail call, next to nothing to load, but is counted as a
 * program all the same: measured, evening the loaders' work out so made
 * both attach at the end, one waiting for the other (1.54 s to tracing
 * active against 1.41 s, medians of 6 in one boot), where now the lighter
 * one attaches while the other still loads.
 */
static int hook_weight(const struct live_hook *h)
{
	int w = live_hook_programs(h);

	if (strstr(h->prog, "_sg"))
		w *= 4;
	return w;
}

static bool in_object(const struct dmascope_bpf *skel, const char *name)
{
	return name && bpf_object__find_program_by_name(skel->obj, name);
}

static bool module_loaded(const char *mod)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s", mod);
	return !access(path, F_OK);
}

bool live_op_late(const struct live_op *op)
{
	return op->module && !module_loaded(op->module);
}

int live_assign_programs(struct live_source *ls)
{
	int weight[LIVE_LOADERS] = {0};
	int nr = 0;

	for (size_t i = 0; i < live_nr_ops; i++) {
		struct live_choice *c = &ls->chosen[i];
		const struct live_hook *h = c->hook;

		if (!h)
			continue;
		if (!in_object(ls->skel, h->prog) ||
		    (live_hook_second(h) &&
		     !in_object(ls->skel, live_hook_second(h)))) {
			snprintf(c->why, sizeof(c->why),
				 "program missing in the object");
			c->hook = NULL;
			continue;
		}
		if (live_op_late(&live_catalogue[i])) {
			c->loader = LIVE_LATE;
			c->waiting = true;
			snprintf(c->why, sizeof(c->why),
				 "attached when %s loads",
				 live_catalogue[i].module);
			ls->loaders[LIVE_LATE].programs +=
				live_hook_programs(h);
			nr++;
			continue;
		}
		/* the loader with the least work so far */
		c->loader = 0;
		for (int l = 1; l < ls->nr_loaders; l++)
			if (weight[l] < weight[c->loader])
				c->loader = l;
		weight[c->loader] += hook_weight(h);
		ls->loaders[c->loader].programs += live_hook_programs(h);
		nr++;
	}
	return nr;
}

void live_enable_loader(struct live_source *ls, struct live_loader *l)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, l->skel->obj)
		bpf_program__set_autoload(p, false);
	for (size_t i = 0; i < live_nr_ops; i++) {
		struct live_choice *c = &ls->chosen[i];
		const char *second;

		if (!c->hook || c->loader != l->index)
			continue;
		second = live_hook_second(c->hook);
		c->progs[0] = program(ls, c, c->hook->prog);
		c->progs[1] = second ? program(ls, c, second) : NULL;
		for (int j = 0; j < 2; j++)
			if (c->progs[j])
				bpf_program__set_autoload(c->progs[j], true);
	}
}

static void unlink_choice(struct live_choice *c)
{
	for (int j = 0; j < 2; j++) {
		bpf_link__destroy(c->links[j]);
		c->links[j] = NULL;
	}
}

/*
 * Puts c's first program where its catcher's tail call finds it; false
 * with the reason in c->why.
 */
static bool fill_guard_tail(struct live_source *ls, struct live_choice *c,
			    struct bpf_program *first)
{
	struct bpf_object *obj = ls->loaders[c->loader].skel->obj;
	char name[32];
	__u32 key = 0;
	int map, fd = bpf_program__fd(first);

	snprintf(name, sizeof(name), "guard_tail_%d", c->hook->guard);
	map = bpf_object__find_map_fd_by_name(obj, name);
	if (map < 0 || bpf_map_update_elem(map, &key, &fd, BPF_ANY)) {
		snprintf(c->why, sizeof(c->why),
			 "the catcher's tail call into %s: %s", c->hook->prog,
			 strerror(map < 0 ? ENOENT : errno));
		return false;
	}
	return true;
}

/*
 * Attaches c's programs, the first first; false, with the reason in
 * c->why, if one fails.  A catcher that cannot reach its first program is
 * left off: the calls it would have caught count as missed.
 */
static bool attach_choice(struct live_source *ls, struct live_choice *c)
{
	const char *names[2] = {c->hook->prog, live_hook_second(c->hook)};

	c->attached = true;
	for (int j = 0; j < 2 && names[j]; j++) {
		struct bpf_program *p = program(ls, c, names[j]);

		if (j && c->hook->catcher &&
		    !fill_guard_tail(ls, c, program(ls, c, names[0]))) {
			if (ls->opts.verbose)
				fprintf(stderr, "dmatrace: hook %s: %s\n",
					c->hook->target, c->why);
			break;
		}
		c->links[j] = p ? bpf_program__attach(p) : NULL;
		c->fds[j] = c->links[j] ? bpf_program__fd(p) : -1;
		if (!c->links[j]) {
			snprintf(c->why, sizeof(c->why),
				 "attach of %s failed: %s", names[j],
				 strerror(errno));
			c->attached = false;
		}
	}
	if (!c->attached)
		unlink_choice(c);
	return c->attached;
}

/* Whether a chosen hook is an fentry or fexit program. */
bool live_uses_fentry(const struct live_source *ls)
{
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_hook *h = ls->chosen[i].hook;

		if (h && (!strcmp(live_hook_family(h), "fentry") ||
			  !strcmp(live_hook_family(h), "fexit")))
			return true;
	}
	return false;
}

/*
 * ==== The attacher ====
 *
 * Measured in the emulated 6.1 VM: about 60 links, 6-8 ms each alone (an
 * ftrace update walking every record; a catcher's, the second program on a
 * trampoline, 10-12 ms), and as long again each while the other loader
 * attached too, the kernel taking them one at a time.  Each loader
 * attaching its own once all its programs were loaded left one CPU idle
 * or spinning on the other's lock at the end.
 */

/* The loader loading on this thread, whose loaded hooks are handed on. */
static __thread struct live_loader *loading;

static bool programs_loaded(const struct live_choice *c)
{
	if (!c->progs[0] || bpf_program__fd(c->progs[0]) < 0)
		return false;
	return !live_hook_second(c->hook) ||
	       (c->progs[1] && bpf_program__fd(c->progs[1]) >= 0);
}

/*
 * Hands the attacher l's hooks whose programs are loaded (all of them once
 * the load succeeded); done: l hands no more.  On l's thread.
 */
void live_hand_loaded(struct live_loader *l, bool done)
{
	struct live_source *ls = l->ls;
	struct live_attacher *a = &ls->attacher;
	bool ok = !done || !l->rc;

	pthread_mutex_lock(&a->lock);
	for (size_t i = 0; ok && i < live_nr_ops; i++) {
		struct live_choice *c = &ls->chosen[i];

		if (!c->hook || c->loader != l->index || c->handed ||
		    !programs_loaded(c))
			continue;
		c->handed = true;
		a->queue[a->tail++] = (int)i;
	}
	if (done) {
		a->loading--;
		loading = NULL;
	}
	pthread_cond_signal(&a->more);
	pthread_mutex_unlock(&a->lock);
}

void live_loading(struct live_loader *l)
{
	loading = l;
}

/* libbpf is about to load a program of the loader on this thread. */
static void hand_loaded_so_far(void)
{
	if (loading)
		live_hand_loaded(loading, false);
}

/*
 * Attaches the operation at catalogue index i; the loader's counts and
 * the time of its last link follow.  The fentry test's link is not waited
 * for (it waits for every task to yield, 0.3-0.4 s in the emulated VM,
 * while the kernel takes other links): once it is known refused, where
 * fentry hooks were chosen, no more links are made, and the loaders' check
 * has the hooks chosen again (live_close drops those made).
 */
static void attach_handed(struct live_source *ls, int i)
{
	struct live_attacher *a = &ls->attacher;
	const struct live_op *op = &live_catalogue[i];
	struct live_choice *c = &ls->chosen[i];
	struct live_loader *l = &ls->loaders[c->loader];
	uint64_t t = dmas_live_now_mono();

	if (!a->refused)
		a->refused = live_probe_refused_yet(&ls->probe) &&
			     live_uses_fentry(ls);
	if (a->refused)
		return;
	if (op->module && !module_loaded(op->module)) {
		c->waiting = true;
		snprintf(c->why, sizeof(c->why), "attached when %s loads",
			 op->module);
		return;
	}
	if (attach_choice(ls, c)) {
		l->nr++;
		if (op->dma_api)
			l->nr_dma++;
	}
	l->t_attached = dmas_live_now_mono();
	a->busy_ns += l->t_attached - t;
}

/* Takes the next handed operation; -1 once no loader can hand more. */
static int next_handed(struct live_attacher *a)
{
	int i = -1;

	pthread_mutex_lock(&a->lock);
	while (a->head == a->tail && a->loading > 0 && a->started)
		pthread_cond_wait(&a->more, &a->lock);
	if (a->head < a->tail)
		i = a->queue[a->head++];
	pthread_mutex_unlock(&a->lock);
	return i;
}

static void *attacher_run(void *arg)
{
	struct live_source *ls = arg;
	int i;

	while ((i = next_handed(&ls->attacher)) >= 0)
		attach_handed(ls, i);
	return NULL;
}

void live_attacher_start(struct live_source *ls)
{
	struct live_attacher *a = &ls->attacher;

	a->head = a->tail = 0;
	a->loading = ls->nr_loaders;
	a->refused = false;
	a->busy_ns = 0;
	/* set before the thread runs: it waits only while started */
	a->started = true;
	if (pthread_create(&a->thread, NULL, attacher_run, ls))
		a->started = false; /* no thread: attached in finish */
}

void live_attacher_finish(struct live_source *ls)
{
	struct live_attacher *a = &ls->attacher;
	int i;

	if (a->started) {
		pthread_join(a->thread, NULL);
		a->started = false;
	}
	/* without a thread, here, the loaders done */
	while ((i = next_handed(a)) >= 0)
		attach_handed(ls, i);
}

/*
 * Hooks in a module that was not loaded at start.  While attached, a raw
 * tracepoint holds a reference on its module: it cannot be unloaded until
 * tracing stops.
 */
void live_attach_waiting(struct live_source *ls)
{
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_op *op = &live_catalogue[i];
		struct live_choice *c = &ls->chosen[i];
		struct bpf_program *p;

		if (!c->waiting || !module_loaded(op->module))
			continue;
		if (c->loader == LIVE_LATE) {
			int state =
				__atomic_load_n(&ls->loaders[LIVE_LATE].state,
						__ATOMIC_ACQUIRE);

			if (state == LATE_LOADING)
				continue; /* next round */
			if (state != LATE_READY) {
				c->waiting = false;
				snprintf(c->why, sizeof(c->why),
					 "its program did not load: %s",
					 strerror(ls->loaders[LIVE_LATE].err));
				continue;
			}
		}
		p = program(ls, c, c->hook->prog);
		c->links[0] = p ? bpf_program__attach(p) : NULL;
		if (!c->links[0])
			continue; /* still loading: next round */
		c->fds[0] = bpf_program__fd(p);
		c->fds[1] = -1;
		c->waiting = false;
		c->attached = true;
		if (ls->opts.verbose)
			fprintf(stderr,
				"dmatrace: hook %s attached (%s loaded)\n",
				op->name, op->module);
	}
}

uint64_t live_loader_verified(const struct live_loader *l, bool each)
{
	struct bpf_program *p;
	uint64_t sum = 0;

	if (!l->skel)
		return 0;
	bpf_object__for_each_program(p, l->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		sum += info.verified_insns;
		if (each)
			fprintf(stderr,
				"dmatrace: program %-44s %6u instructions verified, %6u translated\n",
				bpf_program__name(p), info.verified_insns,
				info.xlated_prog_len / 8);
	}
	return sum;
}

/* A program's recursion_misses; false where the kernel gives none. */
static bool prog_misses(int fd, uint64_t *misses)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return false;
	*misses = info.recursion_misses;
	return true;
}

/* What the catchers in slot g did, summed over the CPUs; 0 if unknown. */
static uint64_t guard_caught(const struct live_source *ls, uint32_t g)
{
	uint64_t vals[ls->ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.guard_caught), &g,
				vals))
		return 0;
	for (int cpu = 0; cpu < ls->ncpus; cpu++)
		sum += vals[cpu];
	return sum;
}

/*
 * A hook with a catcher lost only the first program's misses the catcher
 * did not catch (misses_seen[0] then counts those); the catcher's own
 * misses are calls the first program ran.  The catcher's count is read
 * first, so that it never exceeds the misses read after it; a call read
 * between the kernel's count of the miss and the catcher's count of the
 * catch counts as lost (on the safe side: nearby findings are marked
 * uncertain).
 */
static uint64_t new_misses(struct live_source *ls, struct live_choice *c)
{
	const struct live_hook *h = c->hook;
	uint64_t sum = 0, m, caught = 0;

	if (h->catcher)
		caught = guard_caught(ls, (uint32_t)h->guard);
	for (int j = 0; j < (h->catcher ? 1 : 2); j++) {
		if (!c->links[j] || !prog_misses(c->fds[j], &m))
			continue;
		if (h->catcher) {
			c->caught = caught < m ? caught : m;
			m -= c->caught;
		}
		if (m <= c->misses_seen[j])
			continue;
		c->missed += m - c->misses_seen[j];
		sum += m - c->misses_seen[j];
		c->misses_seen[j] = m;
	}
	return sum;
}

uint64_t live_new_misses(struct live_source *ls)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < live_nr_ops; i++)
		if (ls->chosen[i].attached)
			sum += new_misses(ls, &ls->chosen[i]);
	return sum;
}

void live_report_misses(const struct live_source *ls)
{
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_choice *c = &ls->chosen[i];

		if (c->missed)
			fprintf(stderr,
				"dmatrace: hook %s missed %" PRIu64
				" calls: its program was already running on that CPU (the call came from an interrupt taken inside it)\n",
				live_catalogue[i].name, c->missed);
		if (c->caught)
			fprintf(stderr,
				"dmatrace: hook %s: %" PRIu64
				" calls from an interrupt taken inside its program caught by its second program\n",
				live_catalogue[i].name, c->caught);
	}
}

void live_detach_all(struct live_source *ls)
{
	if (!ls->chosen)
		return;
	for (size_t i = 0; i < live_nr_ops; i++)
		unlink_choice(&ls->chosen[i]);
}
