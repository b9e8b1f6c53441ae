// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_cmd.c - running CMD under live tracing for record and check: the
 * child is started only after every hook is attached, and its exit, Ctrl-C
 * or SIGTERM end the session (the ring buffer is drained after the stop).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "frontend/numparse.h"
#include "live_cmd.h"

volatile sig_atomic_t live_stop;
volatile sig_atomic_t live_stop_sig;
/* CMD, which leads a process group of its own */
static volatile pid_t child_pid;
/* the terminal was handed to CMD's group: take it back at the end */
static bool gave_tty;

static void on_stop(int sig)
{
	/*
	 * SIGINT or SIGTERM to us (a CI runner's kill, not only the
	 * terminal's Ctrl-C) is meant for the whole session: CMD and all it
	 * started get it, so the session ends now rather than whenever CMD
	 * happens to exit.
	 */
	if ((sig == SIGINT || sig == SIGTERM) && child_pid > 0)
		kill(-child_pid, sig);
	if (!live_stop_sig)
		live_stop_sig = sig;
	live_stop = 1;
}

void live_cmd_signals(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
}

const struct opt_row live_opt_rows[] = {
	{.name = "device",
	 .id = LOPT_DEVICE,
	 .arg = "NAME",
	 .help = "trace only this device (in the kernel)"},
	{.name = "driver",
	 .id = LOPT_DRIVER,
	 .arg = "NAME",
	 .help = "trace only devices bound to this driver"},
	{.name = "pid",
	 .id = LOPT_PID,
	 .arg = "PID",
	 .help = "trace only calls made by process PID"},
	{.name = "ringbuf-kb",
	 .id = LOPT_RINGBUF,
	 .arg = "N",
	 .help = "ring buffer size in KiB (default 32768)"},
	{.name = "no-stacks",
	 .id = LOPT_NO_STACKS,
	 .help = "do not capture kernel stacks (cheaper; leak\n"
		 "findings then lack the creating stack)"},
	{.name = "all-stacks",
	 .id = LOPT_ALL_STACKS,
	 .help = "stacks on unmap/free/release too (default: on\n"
		 "map/alloc/request only; each costs an unwind)"},
	{.name = "stack-entries",
	 .id = LOPT_STACK_ENTRIES,
	 .arg = "N",
	 .help = "stack map size (default 16384)"},
	{.name = "kprobes",
	 .id = LOPT_KPROBES,
	 .help = "kprobes instead of fentry/fexit (slower; for\n"
		 "kernels where fentry misbehaves)"},
	{.name = "source",
	 .id = LOPT_SOURCE,
	 .arg = "auto|bpf|ftrace",
	 .help = "the live source: BPF, or tracefs events and kprobe\n"
		 "events (default auto: ftrace when BPF cannot be used)"},
	{.name = "verbose",
	 .letter = 'v',
	 .help = "say which hook each function got and why, and which DMA API families are watched"},
	{0},
};

/* The numbers a live option takes, and its name in messages. */
static const struct {
	int opt;
	const char *name;
	uint64_t max;
	const char *why; /* what the maximum is */
} live_nums[] = {
	{LOPT_RINGBUF, "ringbuf-kb", LIVE_RINGBUF_KB_MAX,
	 "the largest ring buffer the kernel takes, 1 GiB"},
	{LOPT_STACK_ENTRIES, "stack-entries", DMAS_STACK_ID_MAX,
	 "stack ids a recording may hold"},
	{LOPT_PID, "pid", 4194304, "the kernel's largest pid"},
};

/* A name the tracer compares in a fixed field of size bytes (NUL too). */
static int live_name(const char *opt, const char *arg, size_t size,
		     const char *cmd)
{
	if (strlen(arg) < size && arg[0])
		return 0;
	fprintf(stderr,
		"dmatrace %s: --%s: '%s' is %s (the tracer keeps names of up to %zu characters)\n",
		cmd, opt, arg, arg[0] ? "too long" : "empty", size - 1);
	return -1;
}

int live_cmd_opt(int c, const char *arg, struct dmas_live_opts *o,
		 const char *cmd)
{
	uint64_t v;
	size_t i;

	switch (c) {
	case LOPT_RINGBUF:
	case LOPT_STACK_ENTRIES:
	case LOPT_PID:
		for (i = 0; live_nums[i].opt != c; i++)
			;
		if (dmas_parse_uint(arg, 1, live_nums[i].max, &v)) {
			fprintf(stderr,
				"dmatrace %s: --%s: '%s' is not a number from 1 to %llu (%s)\n",
				cmd, live_nums[i].name, arg,
				(unsigned long long)live_nums[i].max,
				live_nums[i].why);
			return -1;
		}
		if (c == LOPT_RINGBUF)
			o->ringbuf_kb = v;
		else if (c == LOPT_STACK_ENTRIES)
			o->stack_entries = v;
		else
			o->pid = v;
		return 1;
	case LOPT_NO_STACKS:
		o->stacks = false;
		return 1;
	case LOPT_KPROBES:
		o->no_fentry = true;
		return 1;
	case LOPT_ALL_STACKS:
		o->release_stacks = true;
		return 1;
	case LOPT_SOURCE:
		if (dmas_live_kind_parse(arg, &o->source)) {
			fprintf(stderr,
				"dmatrace %s: --source: '%s' is not auto, bpf or ftrace\n",
				cmd, arg);
			return -1;
		}
		return 1;
	case 'v':
		o->verbose++;
		return 1;
	case LOPT_DEVICE:
		if (live_name("device", arg, DMAS_DEV_NAME_LEN, cmd))
			return -1;
		o->device = arg;
		return 1;
	case LOPT_DRIVER:
		if (live_name("driver", arg, DMAS_DRV_NAME_LEN, cmd))
			return -1;
		o->driver = arg;
		return 1;
	}
	return 0;
}

/* The terminal back to our process group, once CMD is done with it. */
static void take_tty(void)
{
	sigset_t ttou, old;

	if (!gave_tty)
		return;
	gave_tty = false;
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	tcsetpgrp(STDIN_FILENO, getpgrp());
	sigprocmask(SIG_SETMASK, &old, NULL);
}

pid_t live_cmd_spawn(char **argv, char *err, size_t errlen)
{
	int pfd[2], e = 0;
	ssize_t n;
	pid_t pid;

	pid_t parent = getpid();
	bool fg_tty =
		isatty(STDIN_FILENO) && tcgetpgrp(STDIN_FILENO) == getpgrp();

	if (pipe2(pfd, O_CLOEXEC)) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (!pid) {
		struct sigaction sa = {0};
		sigset_t ttou, old;

		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		/* a stop passed on before the exec ends CMD, not our copy */
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		close(pfd[0]);
		/*
		 * Its own process group, so signals reach CMD and its
		 * children together; in the terminal's foreground when we
		 * were, so an interactive CMD reads it and Ctrl-C goes to it.
		 * It dies with dmatrace (even of SIGKILL) instead of running
		 * on untraced.
		 */
		setpgid(0, 0);
		if (fg_tty) {
			sigemptyset(&ttou);
			sigaddset(&ttou, SIGTTOU);
			sigprocmask(SIG_BLOCK, &ttou, &old);
			tcsetpgrp(STDIN_FILENO, getpid());
			sigprocmask(SIG_SETMASK, &old, NULL);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127); /* dmatrace died before prctl */
		execvp(argv[0], argv);
		e = errno;
		if (write(pfd[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(pfd[1]);
	/* both sides set the group: whichever runs first, it is there */
	setpgid(pid, pid);
	gave_tty = fg_tty;
	child_pid = pid;
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	/*
	 * A stop that came while tracing started or CMD was being started is
	 * passed on too, once CMD runs: before its exec the child still has
	 * our handler, which would take the signal and let CMD run on.
	 */
	if (n != sizeof(e) &&
	    (live_stop_sig == SIGINT || live_stop_sig == SIGTERM))
		kill(-pid, live_stop_sig);
	if (n == sizeof(e)) {
		snprintf(err, errlen, "cannot run '%s': %s", argv[0],
			 strerror(e));
		waitpid(pid, NULL, 0);
		child_pid = 0;
		take_tty();
		return -1;
	}
	return pid;
}

int live_cmd_wait(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	take_tty();
	return st;
}

void live_cmd_stack_errors(const char *cmd, const struct dmas_live_stats *st)
{
	if (st->stack_errors)
		fprintf(stderr,
			"dmatrace %s: %llu stacks not captured (stack map full or collisions: try --stack-entries)\n",
			cmd, (unsigned long long)st->stack_errors);
}

const char *live_cmd_status_str(int st, char *buf, size_t len)
{
	if (WIFEXITED(st))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "ended (status 0x%x)", st);
	return buf;
}

void live_cmd_duration(double seconds)
{
	struct itimerval it = {0};

	if (seconds <= 0)
		return;
	it.it_value.tv_sec = (time_t)seconds;
	it.it_value.tv_usec =
		(suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	setitimer(ITIMER_REAL, &it, NULL);
}

uint64_t live_cmd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
