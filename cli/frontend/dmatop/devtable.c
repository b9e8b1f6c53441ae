/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * devtable.c - the devices view: one row per device under a column title
 * bar that marks the sort column, and the newest findings below it.
 */
#include <curses.h>
#include <string.h>

#include "dmatop.h"

/* Keeps the selection on screen; remembers the page size for PgUp/PgDn. */
void list_scroll(struct top *t, enum view v, size_t n, int rows)
{
	if (rows < 1)
		rows = 1;
	t->page[v] = (size_t)rows;
	if (t->sel[v] >= n)
		t->sel[v] = n ? n - 1 : 0;
	if (t->sel[v] < t->scroll[v])
		t->scroll[v] = t->sel[v];
	if (t->sel[v] >= t->scroll[v] + (size_t)rows)
		t->scroll[v] = t->sel[v] - (size_t)rows + 1;
	if (t->scroll[v] + (size_t)rows > n)
		t->scroll[v] = n > (size_t)rows ? n - (size_t)rows : 0;
}

/* Where the title of column col starts (numbers are right aligned). */
static int sort_col_x(int col)
{
	const struct dev_column *c = &dev_columns[col];
	int i, x = 0, len = (int)strlen(c->title);

	for (i = 0; i < col; i++)
		x += dev_columns[i].width + 1;
	return c->text || len >= c->width ? x : x + c->width - len;
}

void devtable_draw(struct top *t, int y0, int rows)
{
	const struct frame *fr = &t->frame;
	char line[512];
	size_t i;
	int y;

	dev_format_line(NULL, fr, t->fo.sort_col, line, sizeof(line));
	draw_bar(y0, line, attr_of(AT_TITLE));
	draw_text(y0, sort_col_x(t->fo.sort_col),
		  dev_columns[t->fo.sort_col].title, attr_of(AT_SORT));
	rows--;
	if (!fr->nr_vis) {
		draw_text(y0 + 1, 1,
			  fr->nr_devs ? "no device matches the filter"
				      : "no devices seen yet",
			  attr_of(AT_DIM));
		return;
	}
	list_scroll(t, VIEW_DEVICES, fr->nr_vis, rows);
	t->sel_dev = fr->devs[fr->vis[t->sel[VIEW_DEVICES]]].id;
	for (y = 0, i = t->scroll[VIEW_DEVICES]; y < rows && i < fr->nr_vis;
	     y++, i++) {
		const struct devrow *r = &fr->devs[fr->vis[i]];
		int attr = attr_of(AT_NORMAL);

		dev_format_line(r, fr, t->fo.sort_col, line, sizeof(line));
		if (i == t->sel[VIEW_DEVICES] && t->view == VIEW_DEVICES)
			attr = attr_of(AT_SEL);
		else if (r->findings[DMAS_SEV_ERROR])
			attr = attr_of(AT_ALERT);
		if (attr == attr_of(AT_SEL))
			draw_bar(y0 + 1 + y, line, attr);
		else
			draw_text(y0 + 1 + y, 0, line, attr);
	}
}

static void devices_view_draw(struct top *t, int y0, int rows)
{
	int pane = 0;

	/* the findings pane takes a third when there is room for both */
	if (rows >= 10)
		pane = rows / 3;
	devtable_draw(t, y0, rows - pane);
	if (pane)
		findpane_draw(t, y0 + rows - pane, pane, false);
}

static size_t devices_rows(const struct top *t)
{
	return t->frame.nr_vis;
}

static size_t findings_rows(const struct top *t)
{
	return t->frame.nr_vis_finds;
}

static size_t chans_rows(const struct top *t)
{
	return t->frame.nr_chans;
}

const struct view_desc views[NR_VIEWS] = {
	[VIEW_DEVICES] = {"Devices", devices_view_draw, devices_rows},
	[VIEW_FINDINGS] = {"Findings", findings_view_draw, findings_rows},
	[VIEW_DMAENGINE] = {"dmaengine", chanview_draw, chans_rows},
};
