/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * chanview.c - the dmaengine view: one row per channel (provider, index,
 * client, in-flight descriptors, completions/s, errors) and, below, the
 * oldest in-flight descriptors of the selected channel.
 */
#include <curses.h>
#include <string.h>

#include "dmatop.h"

void chanview_draw(struct top *t, int y0, int rows)
{
	const struct frame *fr = &t->frame;
	const struct chanrow *c;
	char line[512], age[32];
	int y, list_rows, detail = 0;
	size_t i;

	draw_bar(y0, chan_header_line(), attr_of(AT_TITLE));
	rows--;
	if (!fr->nr_chans) {
		draw_text(
			y0 + 1, 1,
			"no dmaengine channels seen (channels appear when a client requests one)",
			attr_of(AT_DIM));
		return;
	}
	if (rows >= 8)
		detail = rows / 3 < 10 ? rows / 3 : 10;
	list_rows = rows - detail;
	list_scroll(t, VIEW_DMAENGINE, fr->nr_chans, list_rows);
	for (y = 0, i = t->scroll[VIEW_DMAENGINE];
	     y < list_rows && i < fr->nr_chans; y++, i++) {
		c = &fr->chans[i];
		chan_format_line(c, fr, line, sizeof(line));
		if (i == t->sel[VIEW_DMAENGINE])
			draw_bar(y0 + 1 + y, line, attr_of(AT_SEL));
		else
			draw_text(y0 + 1 + y, 0, line,
				  c->errors ? attr_of(AT_ALERT)
					    : attr_of(AT_NORMAL));
	}
	if (!detail)
		return;

	c = &fr->chans[t->sel[VIEW_DMAENGINE]];
	y = y0 + 1 + list_rows;
	snprintf(
		line, sizeof(line),
		"%12s %11s %10s  %-6s  (descriptors not done on %s chan %u: %zu, oldest first)",
		"COOKIE", "BYTES", "AGE", "ISSUED", c->provider_name, c->index,
		c->nr_open);
	draw_bar(y++, line, attr_of(AT_TITLE));
	for (i = 0; i < c->nr_descs && y < y0 + 1 + rows; i++) {
		const struct dmas_desc_info *d = &c->descs[i];

		fmt_reltime(fr->now_ts > d->submit_ts
				    ? fr->now_ts - d->submit_ts
				    : 0,
			    age, sizeof(age));
		snprintf(line, sizeof(line), "%#12llx %11llu %10s  %s",
			 (unsigned long long)d->cookie,
			 (unsigned long long)d->size, age,
			 d->issued ? "yes"
				   : "no: issue_pending not called yet");
		draw_text(y++, 0, line,
			  d->issued ? attr_of(AT_NORMAL) : attr_of(AT_ALERT));
	}
	if (c->nr_open > c->nr_descs && y < y0 + 1 + rows) {
		snprintf(line, sizeof(line), "%12s %llu more", "...",
			 (unsigned long long)(c->nr_open - c->nr_descs));
		draw_text(y, 0, line, attr_of(AT_DIM));
	}
}
