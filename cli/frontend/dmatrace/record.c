/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* record.c - dmatrace record: placeholder until live tracing lands. */
#include <stdio.h>

#include "commands.h"

int cmd_record(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "dmatrace record: live tracing is not part of this build yet\n");
	return DMATRACE_EXIT_ERROR;
}
