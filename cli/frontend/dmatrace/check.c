/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* check.c - dmatrace check: placeholder until live tracing lands. */
#include <stdio.h>

#include "commands.h"

int cmd_check(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dmatrace check: live tracing is not part of this build yet\n");
	return DMATRACE_EXIT_ERROR;
}
