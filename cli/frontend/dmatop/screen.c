/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * screen.c - lays one frame out on the terminal: header, view tabs, the
 * current view, the status line and any overlay (help, stack), drawn into
 * the back buffer with erase() and shown with one doupdate(), so nothing
 * flickers.
 */
#include <curses.h>
#include <string.h>

#include "dmatop.h"

int draw_text(int y, int x, const char *s, int attr)
{
	int maxy, maxx, cols = 0;
	const char *p = s;

	getmaxyx(stdscr, maxy, maxx);
	if (y < 0 || y >= maxy || x >= maxx)
		return 0;
	while (*p && x + cols < maxx) {
		p++;
		while (((unsigned char)*p & 0xc0) == 0x80)
			p++;
		cols++;
	}
	attron(attr);
	mvaddnstr(y, x, s, (int)(p - s));
	attroff(attr);
	return cols;
}

void draw_bar(int y, const char *s, int attr)
{
	int maxx = getmaxx(stdscr), x;

	x = draw_text(y, 0, s, attr);
	if (x < maxx) {
		attron(attr);
		mvhline(y, x, ' ', maxx - x);
		attroff(attr);
	}
}

struct curses_out {
	struct out o;
	int y, x;
};

static void cput(struct out *o, const char *s, bool hl)
{
	struct curses_out *c = (struct curses_out *)o;

	c->x += draw_text(c->y, c->x, s,
			  hl ? attr_of(AT_ALERT) : attr_of(AT_NORMAL));
}

static void cnewline(struct out *o)
{
	struct curses_out *c = (struct curses_out *)o;

	c->y++;
	c->x = 0;
}

void header_draw(struct top *t)
{
	struct curses_out c = {{cput, cnewline, NULL}, 0, 0};

	header_render(&t->frame, &c.o, t->source_desc);
}

static void tabs_draw(struct top *t, int y)
{
	char buf[160];
	int x = 0, i;

	for (i = 0; i < NR_VIEWS; i++) {
		snprintf(buf, sizeof(buf), " %d:%s ", i + 1, views[i].name);
		x += draw_text(y, x, buf,
			       i == (int)t->view ? attr_of(AT_TAB)
						 : attr_of(AT_NORMAL));
		x += draw_text(y, x, " ", attr_of(AT_NORMAL));
	}
	snprintf(buf, sizeof(buf), "  sort: %s%s",
		 dev_columns[t->fo.sort_col].title,
		 t->fo.sort_invert ? " (inverted)" : "");
	x += draw_text(y, x, buf, attr_of(AT_DIM));
	if (t->filter[0]) {
		snprintf(buf, sizeof(buf), "  filter: %s", t->filter);
		draw_text(y, x, buf, attr_of(AT_ALERT));
	}
}

void statusline_draw(struct top *t)
{
	int y = getmaxy(stdscr) - 1;
	char buf[256];

	if (t->status[0]) {
		draw_bar(y, t->status, attr_of(AT_TITLE));
		return;
	}
	snprintf(
		buf, sizeof(buf),
		"F1/h Help  %s</> Sort  / Filter  Tab/1-3 View  Space Pause  d Delay(%gs)%s  q Quit",
		t->view == VIEW_FINDINGS ? "Enter/s Stack  " : "", t->delay,
		t->replay ? "  +/- Speed  [/] Seek" : "");
	draw_bar(y, buf, attr_of(AT_TITLE));
}

void screen_draw(struct top *t)
{
	int maxy = getmaxy(stdscr), hl = header_lines();

	erase();
	if (t->help) {
		help_draw(t);
	} else if (t->stack) {
		stack_draw(t);
	} else {
		header_draw(t);
		tabs_draw(t, hl);
		if (maxy - hl - 2 > 0)
			views[t->view].draw(t, hl + 1, maxy - hl - 2);
		statusline_draw(t);
	}
	wnoutrefresh(stdscr);
	doupdate();
}
