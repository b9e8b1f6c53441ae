/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_bpf.h - private to the live BPF source (live*.c): its hook
 * catalogue, the choice made per operation, and the source's state shared
 * by the files that open, attach, read and query it.
 */
#ifndef DMASCOPE_LIVE_BPF_H
#define DMASCOPE_LIVE_BPF_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "source/live.h"
#include "source/source.h"
#include "source/source_impl.h"

/* ---- the hook catalogue (live_hooks.c) ---- */

enum live_family { FAM_NONE, FAM_TP_BTF, FAM_FENTRY, FAM_KPROBE, FAM_RAW_TP };

/* Where in the call the program runs. */
enum live_attach {
	AT_CALL, /* entry (fentry, kprobe) or the tracepoint itself */
	AT_RETURN, /* return only (fexit, kretprobe) */
	AT_BOTH, /* entry and return: prog at entry, prog2 at return */
};

/* One way to hook an operation. */
struct live_hook {
	enum live_family family;
	enum live_attach attach;
	const char *target; /* tracepoint or kernel function */
	int nargs; /* tp_btf: arguments the program expects */
	const char *prog; /* the program, or the entry program of AT_BOTH */
	const char *prog2; /* AT_BOTH: the return program */
	/*
	 * AT_CALL, AT_RETURN: the catcher on the same attach point, which
	 * does the work of calls made from an interrupt taken inside prog
	 * (dmascope.bpf.c: GUARDED_PROG), and its slot (DMAS_GUARD_*)
	 */
	const char *catcher;
	int guard;
	const char *kernels; /* which kernels offer it, when that differs */
};

#define LIVE_MAX_HOOKS 4

/* A hook's second program: the return program or the catcher, or NULL. */
static inline const char *live_hook_second(const struct live_hook *h)
{
	return h->prog2 ? h->prog2 : h->catcher;
}

/* The programs a hook loads: two with a return program or a catcher. */
static inline int live_hook_programs(const struct live_hook *h)
{
	return live_hook_second(h) ? 2 : 1;
}

/* An operation we trace, with its hooks in order of preference. */
struct live_op {
	const char *name;
	bool dma_api; /* counts towards "a supported hook" */
	bool tp_covers; /* skipped when the dma:* tracepoints are used */
	/* with tp_covers: only when this tracepoint is in the kernel's BTF */
	const char *covered_by;
	/*
	 * Needed only beside another operation's tracepoint (when_tp, with
	 * when_tp_nargs arguments) and only where the kernel has when_fn:
	 * off otherwise, saying which is missing.
	 */
	const char *when_tp;
	int when_tp_nargs;
	const char *when_fn;
	const char
		*module; /* tracepoint of this module: attached when it loads */
	const char *why; /* why these hooks, where it is not plain */
	struct live_hook hooks[LIVE_MAX_HOOKS];
};

extern const struct live_op live_catalogue[];
extern const size_t live_nr_ops;

/* What the running kernel allows, found once at open. */
struct btf;

struct live_probe {
	/* the kernel's BTF, kept for libbpf's loads (live_lend_btf) */
	struct btf *btf;
	bool fentry_ok;
	char fentry_why[160];
	bool kprobe_ok;
	bool dma_tps; /* the kernel has the dma:* tracepoints */
	int fentry_link_fd; /* the fentry test's link, or -1 */
	/*
	 * The test's link is made on a thread while the programs load: it
	 * costs no CPU but waits for every task to yield (the kernel's first
	 * direct call), 0.16-0.34 s in the emulated VM.  fentry_ok holds
	 * while it is pending; live_probe_settle says the outcome.
	 */
	int fentry_prog_fd; /* the test program, until its link is made */
	pthread_t fentry_thread;
	bool fentry_pending; /* the thread runs or was not joined yet */
	bool fentry_done; /* the thread's link made or refused (atomic) */
	pthread_mutex_t settle_lock;
	uint64_t fentry_attach_ns; /* how long the link took, for -v */
	/* set before the probe: fentry refused by an earlier try, and why */
	bool fentry_refused;
};

/*
 * Waits for the fentry test's link (each loader before it attaches);
 * false if it failed, fentry_ok then false and fentry_why the reason.
 * Safe from several threads.
 */
bool live_probe_settle(struct live_probe *p);
/*
 * Without waiting: true once the test's link was refused (or the test
 * failed before it).  While it is pending, false.
 */
bool live_probe_refused_yet(struct live_probe *p);
/* Releases the fentry test's link: once tracing has stopped. */
void live_probe_release(struct live_probe *p);

/* The hook chosen for one catalogue operation and its links. */
struct live_choice {
	const struct live_hook *hook; /* NULL: off */
	char why[128];
	struct bpf_link *links[2];
	int fds[2]; /* the linked programs' fds, for their miss counts */
	uint64_t misses_seen[2]; /* recursion_misses already counted */
	uint64_t missed; /* calls its programs missed while tracing */
	uint64_t caught; /* of the first program's misses, caught */
	bool attached;
	bool waiting; /* its module is not loaded yet */
	int loader; /* which object loads its programs (live_source.loaders) */
	bool handed; /* its programs loaded, handed to the attacher */
	struct bpf_program *progs[2]; /* in its loader's object, once enabled */
	/* the BTF id its programs attach to (tp_btf, fentry), or 0 */
	int btf_id;
};

/*
 * The kernel's symbols for the probe step: prepare once the BTF is read
 * (0, or -1 with err), then addr per name (0: no such symbol).
 */
struct live_ksyms_ops {
	int (*prepare)(void *ctx, char *err, size_t errlen);
	uint64_t (*addr)(void *ctx, const char *name);
};

/* ---- kernel symbols asked of the kernel (live_kaddr.c) ---- */

struct live_kaddr;

/* The lookup program loaded; NULL with why where it cannot be. */
struct live_kaddr *live_kaddr_open(char *why, size_t len);
/* name's address, 0 if the kernel has no such symbol. */
uint64_t live_kaddr(struct live_kaddr *ka, const char *name);
void live_kaddr_close(struct live_kaddr *ka);

/*
 * Fills p from the kernel and a choice per operation; -1 and err when the
 * kernel's BTF or symbols cannot be read.  The BTF is read and probed
 * before ksyms->prepare is called, so that the symbols are found meanwhile.
 */
int live_choose_hooks(struct live_probe *p, struct live_choice *chosen,
		      const struct dmas_live_opts *o,
		      const struct live_ksyms_ops *ksyms, void *ctx, char *err,
		      size_t errlen);
/* "tp_btf", "fexit", "fentry", "kretprobe", "kprobe" or "raw_tp". */
const char *live_hook_family(const struct live_hook *h);
/* The -v lines: each operation's hook and why. */
void live_report_choice(const struct live_choice *chosen);
/* The session's hook list (dmas_session.hooks) from what is attached. */
void live_hooks_string(const struct live_choice *chosen, char *h, size_t len);

/* ---- error text a user can act on (live_errors.c) ---- */

void live_err_no_btf(char *err, size_t errlen);
void live_err_ksyms_hidden(char *err, size_t errlen);
void live_err_load(int e, char *err, size_t errlen);
void live_err_no_hook(const char *fentry_why, char *err, size_t errlen);
void live_err_none_attached(char *err, size_t errlen);

/* ---- the source ---- */

#define LIVE_STACK_DEPTH 127 /* frames a stack map entry holds */

/*
 * Objects that load and attach the programs, one per CPU up to this: the
 * verifier and libbpf's relocations run once per program, so two halves
 * load side by side; each attaches its own as soon as it is loaded.
 */
#define LIVE_LOADERS 2
/*
 * The loader of hooks whose module was not loaded at start (vdmac's
 * tracepoints): it loads their programs on a thread once tracing is
 * active, so that they are ready when the module comes; its slot in
 * live_source.loaders, after the others.
 */
#define LIVE_LATE LIVE_LOADERS

/* One loader's work, for -v and its thread. */
struct live_loader {
	struct live_source *ls;
	/* the source's own skel when it is alone; else opened by the loader */
	struct dmascope_bpf *skel;
	int index;
	int programs; /* turned on in this object */
	int rc, err; /* the load's result and errno */
	int nr, nr_dma; /* hooks attached, of them the DMA API's */
	uint64_t t_loaded, t_attached; /* the load's end, its last link's */
	/* the late loader: LATE_* (atomic), its thread */
	int state;
	pthread_t thread;
	bool started;
};

enum { LATE_NONE, LATE_LOADING, LATE_READY, LATE_FAILED };

/*
 * The thread that attaches every loader's hooks, each as soon as its
 * programs are loaded (live_attach.c): a queue of catalogue indexes.
 */
struct live_attacher {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t more;
	int *queue; /* live_nr_ops slots: each operation is handed once */
	int head, tail;
	int loading; /* loaders that may hand it more */
	bool refused; /* the fentry test's link refused: no more links */
	uint64_t busy_ns; /* time spent attaching, for -v */
};

struct live_source {
	struct dmas_source base;
	struct dmas_live_opts opts;
	/* the maps; alone, the programs too */
	struct dmascope_bpf *skel;
	struct live_loader loaders[LIVE_LOADERS + 1]; /* [LIVE_LATE]: late */
	int nr_loaders;
	struct ring_buffer *rb;
	struct dmas_ksyms *ksyms;
	/*
	 * The probe step's symbols asked of the kernel (kaddr), found beside
	 * the BTF; kallsyms, for stacks, read on that thread once tracing is
	 * active, or for the probe step too where kaddr cannot be had (live.c)
	 */
	struct live_kaddr *kaddr;
	/* the modules' ranges read at tracing active, for ksyms' thread */
	struct dmas_ksyms *ksyms_modules;
	char kaddr_why[128];
	pthread_t ksyms_thread;
	bool ksyms_reading;
	char ksyms_err[256];
	/* the stack map and ring, created beside the probe step (live.c) */
	pthread_t stacks_thread;
	bool stacks_creating;
	int stacks_fd; /* -1: libbpf creates it at load */
	int ring_fd; /* the same */
	/* the first loader's object, opened on that thread; NULL once taken */
	struct dmascope_bpf *preopened;
	int empty_btf_fd; /* the maps' object's BTF (live.c), or -1 */
	struct live_probe probe;
	struct live_attacher attacher;
	bool fentry_late; /* the fentry test failed after hooks were chosen */
	struct live_choice *chosen; /* one per catalogue operation */
	struct dmas_session session;
	int ncpus;
	/* drops already turned into LOST events, per slot and CPU */
	uint64_t *drops_seen;
	uint64_t stack_errors;
	/* devices and stacks already delivered */
	uint8_t *dev_known; /* DMAS_BPF_MAX_DEVICES */
	uint8_t *stack_known; /* stack map size + 1 */
	uint32_t nr_stacks;
	uint64_t *stack_buf;
	struct dmas_reorder reorder;
	const struct dmas_sink *sink;
	uint64_t lost;
	uint64_t lost_skipped; /* of lost: recursion misses */
	/* the clock just before the kernel's loss counts were last read */
	uint64_t counts_read_ts;
	/*
	 * Per-device call counts of the events received; the kernel's
	 * dev_counters count only the calls whose event was lost.
	 */
	struct dmas_tally tally;
	uint64_t t_start, t_probe, t_maps, t_load; /* for -v */
	/*
	 * The reader's own account, for -v: records taken from the ring, its
	 * thread's CPU time, and the wall time it spent taking and handing
	 * them on (not waiting for them), in ns
	 */
	uint64_t rd_records, rd_cpu_ns, rd_busy_ns;
	/* the kernel log, for IOMMU faults that fire no tracepoint */
	struct dmas_kmsg *kmsg;
	uint64_t kmsg_missed, kmsg_unknown_dev;
};

/* ls->ksyms once read: the reader waits for it (NULL if it failed). */
struct dmas_ksyms *live_ksyms(struct live_source *ls);

/* s as the live BPF source; NULL when it is another source. */
struct live_source *live_source_of(struct dmas_source *s);

/* ---- attaching (live_attach.c) ---- */

/*
 * Gives each chosen operation a loader, the loaders about equal work, and
 * turns off those whose programs the object lacks; returns how many
 * operations have one.
 */
int live_assign_programs(struct live_source *ls);
/* Whether op's programs go to the late loader: its module is not loaded. */
bool live_op_late(const struct live_op *op);
/*
 * Has libbpf take the BTF ids the probe step found for the chosen hooks
 * instead of looking each up again in every loader; before the objects
 * are opened.
 */
/* The process's libbpf handlers for tp_btf/fentry/fexit, once. */
void live_register_handlers(void);
void live_note_btf_ids(const struct live_choice *chosen);
/*
 * Lends libbpf's loads the kernel's BTF the probe step read (NULL: takes it
 * back), where the program's link lets it (live_attach.c).
 */
void live_lend_btf(struct btf *btf);
/* Turns on in l's object only the programs of the operations it loads. */
void live_enable_loader(struct live_source *ls, struct live_loader *l);
/*
 * The verifier's steps over l's loaded programs (bpf_prog_info's
 * verified_insns, 5.16+; 0 before), each program's on stderr if each.
 */
uint64_t live_loader_verified(const struct live_loader *l, bool each);
/*
 * Attaching while the programs load.  The kernel takes links one at a time
 * (each fentry or fexit link an update of every ftrace record on 6.1), so
 * one thread, the attacher, attaches every loader's hooks, each as soon as
 * its programs are loaded, while the loaders verify the rest.
 * live_attacher_start before the loaders start (without a thread, the
 * hooks are attached in live_attacher_finish); each loader calls
 * live_loading on its thread before its load and live_hand_loaded(l, true)
 * after it, failed or not; live_attacher_finish waits for the last link.
 * Each loader's l->nr, l->nr_dma count its hooks attached, of them the DMA
 * API's.  A loader whose load fails may have hooks attached: live_close
 * detaches them.
 */
bool live_uses_fentry(const struct live_source *ls);
void live_attacher_start(struct live_source *ls);
void live_loading(struct live_loader *l);
void live_hand_loaded(struct live_loader *l, bool done);
void live_attacher_finish(struct live_source *ls);
/*
 * Runs the kernel skipped since the last call, summed over the attached
 * programs (each choice's total in its missed): a program is not run when
 * it is already running on that CPU, the hooked function called again
 * from an interrupt taken inside it (bpf_prog_info.recursion_misses).
 */
uint64_t live_new_misses(struct live_source *ls);
/* -v: the hooks that missed runs, with how many. */
void live_report_misses(const struct live_source *ls);
/*
 * Hooks of modules loaded since: attached now (the late loader's once it
 * has loaded them).
 */
void live_attach_waiting(struct live_source *ls);
void live_detach_all(struct live_source *ls);

/* ---- the kernel log's IOMMU faults (live_ring.c) ---- */

/* Opens the kernel log at its end (ls->kmsg NULL if unreadable). */
void live_kmsg_open(struct live_source *ls);
void live_kmsg_close(struct live_source *ls);

/* ---- answering live views (live_query.c): the source's live ops ---- */

int live_query_counters(struct dmas_source *s, uint32_t dev,
			struct dmas_live_counters *out);
int live_query_hooks(struct dmas_source *s, char *buf, size_t len);
int live_query_stats(struct dmas_source *s, struct dmas_live_stats *out);

/* ---- reading the ring (live_ring.c) ---- */

int live_ring_open(struct live_source *ls, char *err, size_t errlen);
int live_run(struct dmas_source *s, const struct dmas_sink *sink,
	     volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif /* DMASCOPE_LIVE_BPF_H */
