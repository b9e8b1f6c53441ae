/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * help.c - the help screen, written from the key, column and view tables
 * so it cannot drift from what the keys do.
 */
#include <curses.h>
#include <string.h>

#include "dmatop.h"

void help_draw(struct top *t)
{
	int y = 0, maxy = getmaxy(stdscr), i, col;
	char line[256];

	draw_bar(
		y++,
		"dmatop help - DMA activity per device, findings, dmaengine channels  (any key returns)",
		attr_of(AT_TITLE));
	y++;
	draw_text(y++, 0, "Keys:", attr_of(AT_SORT));
	for (i = 0; i < nr_key_bindings && y < maxy; i++) {
		const struct key_binding *k = &key_table[i];

		if (!k->help || (k->replay_only && !t->replay))
			continue;
		snprintf(line, sizeof(line), "  %-22s %s%s", k->names, k->help,
			 k->replay_only ? " (replay)" : "");
		draw_text(y++, 0, line, attr_of(AT_NORMAL));
	}
	if (y < maxy)
		y++;
	/* columns go to the right half when the terminal is wide enough */
	col = getmaxx(stdscr) >= 150 ? 80 : 0;
	if (col)
		y = 2;
	draw_text(y++, col, "Device columns (sort with < >, or --sort KEY):",
		  attr_of(AT_SORT));
	for (i = 0; i < nr_dev_columns && y < maxy; i++) {
		snprintf(line, sizeof(line), "  %-9s %-11s %s",
			 dev_columns[i].title, dev_columns[i].key,
			 dev_columns[i].help);
		draw_text(y++, col, line, attr_of(AT_NORMAL));
	}
}
