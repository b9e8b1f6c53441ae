/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* main.c - dmatrace: dispatch to a subcommand from one table. */
#include <stdio.h>
#include <string.h>

#include "version.h" /* generated: DMAS_VERSION */
#include "commands.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{"record", cmd_record,
	 "trace DMA activity into a recording (-o FILE [-- CMD])"},
	{"replay", cmd_replay,
	 "analyse a recording: findings and per-device statistics"},
	{"report", cmd_replay, "same as replay"},
	{"check", cmd_check,
	 "CI gate: trace while CMD runs, exit 1 on findings"},
	{"export", cmd_export, "convert a recording to json, csv or perfetto"},
	{"serve", cmd_serve,
	 "export live statistics and findings as Prometheus metrics"},
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: dmatrace COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f,
		"\n'dmatrace COMMAND --help' describes each command; 'dmatrace --version' prints the version.\n"
		"exit status: 0 clean, 1 findings reported, 2 dmatrace's own error\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("dmatrace %s\n", DMAS_VERSION);
		return DMATRACE_EXIT_OK;
	}
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? DMATRACE_EXIT_ERROR : DMATRACE_EXIT_OK;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "dmatrace: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return DMATRACE_EXIT_ERROR;
}
