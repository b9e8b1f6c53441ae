/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * live_cmd.h - what `dmatrace record` and `dmatrace check` share: options
 * of the live source, starting CMD once tracing is active, and stopping on
 * Ctrl-C, SIGTERM or CMD's exit.
 */
#ifndef DMATRACE_LIVE_CMD_H
#define DMATRACE_LIVE_CMD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "optable.h"
#include "source/source.h"

/* Set by SIGINT, SIGTERM, SIGCHLD (CMD exited) and the --duration timer. */
extern volatile sig_atomic_t live_stop;
/* The first signal that stopped the session (SIGINT, SIGTERM: interrupted). */
extern volatile sig_atomic_t live_stop_sig;

/* --duration's largest value: 10 years, past any timer a run needs. */
#define LIVE_DURATION_MAX_NS (UINT64_C(3650) * 86400 * 1000000000)
/* --ringbuf-kb's largest value: the loader's ring is at most 1 GiB. */
#define LIVE_RINGBUF_KB_MAX (1u << 20)

/*
 * Applies a live-source option or -v; 1 if it was one, 0 if not, -1 bad value.
 */
int live_cmd_opt(int c, const char *arg, struct dmas_live_opts *o,
		 const char *cmd);
/* getopt_long values of the live-source options (for the option table). */
enum {
	LOPT_RINGBUF = 512,
	LOPT_NO_STACKS,
	LOPT_STACK_ENTRIES,
	LOPT_DEVICE,
	LOPT_DRIVER,
	LOPT_PID,
	LOPT_KPROBES,
	LOPT_ALL_STACKS,
	LOPT_SOURCE,
};
/*
 * The live-source options (and -v) as rows of a command's option table:
 * { .group = live_opt_rows }.
 */
extern const struct opt_row live_opt_rows[];

/* Installs the stop handlers (no SA_RESTART: the poll loop must wake). */
void live_cmd_signals(void);
/*
 * Starts argv once tracing is active.  Returns the pid, or -1 with err
 * set when it could not start (not found, not executable).
 */
pid_t live_cmd_spawn(char **argv, char *err, size_t errlen);
/* Waits for the child; returns its wait status. */
int live_cmd_wait(pid_t pid);
/* "exited with status 3", "killed by signal 9" */
const char *live_cmd_status_str(int status, char *buf, size_t len);
/*
 * Says how many stacks the kernel did not capture, if any (a finding then
 * shows its creation without one); cmd: "record", "check".
 */
void live_cmd_stack_errors(const char *cmd, const struct dmas_live_stats *st);
/* Stops after seconds (0: never). */
void live_cmd_duration(double seconds);
uint64_t live_cmd_now(void); /* CLOCK_MONOTONIC ns, the event clock */

#endif /* DMATRACE_LIVE_CMD_H */
