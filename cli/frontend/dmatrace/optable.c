// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* optable.c - getopt_long's options and --help's option lines from a table. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "optable.h"

#define OPT_HELP_COL 24 /* where the description starts */
#define OPT_LINE_MAX 80 /* an option line wider than this wraps */
#define OPT_ROWS_MAX 64 /* options one command takes, groups included */

/* text with "%s" as cmd and "%%" as "%" */
static void put_text(FILE *f, const char *text, const char *cmd)
{
	for (; *text; text++) {
		if (text[0] == '%' && text[1] == 's') {
			fputs(cmd, f);
			text++;
		} else if (text[0] == '%' && text[1] == '%') {
			fputc('%', f);
			text++;
		} else {
			fputc(*text, f);
		}
	}
}

/* "-o, --output FILE" */
static int row_label(const struct opt_row *r, char *buf, size_t len)
{
	char shortopt[8] = "";

	if (r->letter)
		snprintf(shortopt, sizeof(shortopt), "-%c, ", r->letter);
	return snprintf(buf, len, "%s--%s%s%s", shortopt, r->name,
			r->arg ? " " : "", r->arg ? r->arg : "");
}

/* one row's option line(s); col is where the current line stands */
static void put_row(FILE *f, const struct opt_row *r, int *col)
{
	char label[128];
	int n = row_label(r, label, sizeof(label));
	const char *h;

	if (!*col) {
		*col = fprintf(f, "  %s", label);
	} else if (*col + 2 + n > OPT_LINE_MAX) {
		*col = fprintf(f, ",\n  %s", label) - 2;
	} else {
		*col += fprintf(f, ", %s", label);
	}
	if (r->joined)
		return;
	if (*col < OPT_HELP_COL)
		fprintf(f, "%*s", OPT_HELP_COL - *col, "");
	else
		fprintf(f, "\n%*s", OPT_HELP_COL, "");
	for (h = r->help; *h; h++) {
		if (*h == '\n') {
			fprintf(f, "\n%*s", OPT_HELP_COL, "");
			continue;
		}
		if (h[0] == '%' && h[1] == '%')
			h++;
		fputc(*h, f);
	}
	fputc('\n', f);
	*col = 0;
}

static void put_rows(FILE *f, const struct opt_row *r, int *col)
{
	for (; r->name || r->group; r++) {
		if (r->group)
			put_rows(f, r->group, col);
		else if (r->help || r->joined)
			put_row(f, r, col);
	}
}

void opt_help(FILE *f, const struct opt_spec *spec, const char *cmd)
{
	int col = 0;

	put_text(f, spec->head, cmd);
	fputs("\noptions:\n", f);
	put_rows(f, spec->rows, &col);
	fputc('\n', f);
	put_text(f, spec->tail, cmd);
}

struct opt_build {
	struct option longs[OPT_ROWS_MAX + 1];
	char shorts[2 * OPT_ROWS_MAX + 2];
	size_t n, ns;
};

static int build(struct opt_build *b, const struct opt_row *r)
{
	for (; r->name || r->group; r++) {
		if (r->group) {
			if (build(b, r->group))
				return -1;
			continue;
		}
		if (b->n == OPT_ROWS_MAX)
			return -1;
		b->longs[b->n++] = (struct option){
			.name = r->name,
			.has_arg = r->arg ? required_argument : no_argument,
			.val = r->letter ? r->letter : r->id,
		};
		if (r->letter) {
			b->shorts[b->ns++] = r->letter;
			if (r->arg)
				b->shorts[b->ns++] = ':';
		}
	}
	return 0;
}

int opt_parse(const struct opt_spec *spec, const char *cmd, int argc,
	      char **argv, int (*apply)(void *ctx, int id, const char *arg),
	      void *ctx)
{
	struct opt_build b = {.ns = 0};
	int c;

	if (spec->stop_at_operand)
		b.shorts[b.ns++] = '+';
	if (build(&b, spec->rows)) {
		fprintf(stderr, "dmatrace %s: more than %d options\n", cmd,
			OPT_ROWS_MAX);
		return -1;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, b.shorts, b.longs, NULL)) != -1) {
		if (c == 'h') {
			opt_help(stdout, spec, cmd);
			return 1;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "Try 'dmatrace %s --help'.\n", cmd);
			return -1;
		}
		if (apply(ctx, c, optarg))
			return -1;
	}
	return 0;
}
