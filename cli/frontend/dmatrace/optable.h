/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * optable.h - a command's options as one table: getopt_long's option list,
 * its short-option string and the option lines of --help are all made
 * from it, so an option is added, renamed or documented in one row.
 */
#ifndef DMATRACE_OPTABLE_H
#define DMATRACE_OPTABLE_H

#include <stdbool.h>
#include <stdio.h>

/*
 * One option.  A table ends with a row of neither name nor group.
 * --help shows "  -x, --name ARG" then help, at column 24 (on a line of
 * its own when the option is wider); each "\n" in help starts a new line
 * at that column.  In every help text "%%" is a percent sign; in head and
 * tail "%s" is the command's name.
 */
struct opt_row {
	const char *name; /* long name, without the dashes */
	char letter; /* also -letter; the parser then sees the letter */
	int id; /* what the parser sees when there is no letter (>= 256) */
	const char *arg; /* the argument as --help names it; NULL: none */
	const char *help; /* NULL: accepted, not listed */
	/* listed before the next row, on its line: the next row's help
	 * speaks for both */
	bool joined;
	const struct opt_row *group; /* instead of one option: a shared table */
};

struct opt_spec {
	const char *head; /* usage and description, before "options:" */
	const struct opt_row *rows;
	const char *tail; /* after the options: exit status, examples */
	/* the first operand ends the options (what follows is CMD's) */
	bool stop_at_operand;
};

/* --help: head, the option lines, tail; cmd fills in "%s". */
void opt_help(FILE *f, const struct opt_spec *spec, const char *cmd);

/*
 * Parses argv's options with getopt_long, calling apply(ctx, id, arg) for
 * each; apply returns 0, or -1 after saying what is wrong.  -h prints
 * --help to stdout.  Returns 0 with optind at the first operand, 1 after
 * --help, -1 on a bad option (an unknown one ends with a "Try 'dmatrace
 * CMD --help'." line).
 */
int opt_parse(const struct opt_spec *spec, const char *cmd, int argc,
	      char **argv, int (*apply)(void *ctx, int id, const char *arg),
	      void *ctx);

#endif /* DMATRACE_OPTABLE_H */
