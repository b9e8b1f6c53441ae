/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* commands.h - dmatrace's subcommands; each lives in its own file. */
#ifndef DMATRACE_COMMANDS_H
#define DMATRACE_COMMANDS_H

/* Exit codes of every dmatrace command (documented in --help and README). */
enum {
	DMATRACE_EXIT_OK = 0, /* clean: no findings */
	DMATRACE_EXIT_FINDINGS = 1, /* findings reported */
	DMATRACE_EXIT_ERROR =
		2, /* dmatrace's own error (bad input, no BPF, ...) */
};

int cmd_record(int argc, char **argv);
int cmd_replay(int argc, char **argv); /* also "report" */
int cmd_check(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_serve(int argc, char **argv); /* the metrics endpoint */

#endif
