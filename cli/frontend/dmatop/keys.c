/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * keys.c - every key binding in one table (keys, the views it works in,
 * what it does, its help line) and the small actions they run.  The first
 * binding that matches the key in the current view wins, so a view may
 * give a key its own meaning ahead of the general one.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "dmatop.h"

#define V(v) (1u << (v))
#define CTRL(c) ((c)&0x1f)

static void act_quit(struct top *t, int arg)
{
	t->quit = true;
}

static void act_help(struct top *t, int arg)
{
	t->help = true;
}

static void act_view(struct top *t, int arg)
{
	t->view = arg < 0 ? (enum view)((t->view + 1) % NR_VIEWS)
			  : (enum view)arg;
}

static void act_sort_step(struct top *t, int arg)
{
	t->fo.sort_col =
		(t->fo.sort_col + arg + NR_DEV_COLUMNS) % NR_DEV_COLUMNS;
	top_apply(t);
}

static void act_sort_col(struct top *t, int arg)
{
	/* choosing the current column again flips the order, as in htop */
	if (t->fo.sort_col == arg)
		t->fo.sort_invert = !t->fo.sort_invert;
	else
		t->fo.sort_invert = false;
	t->fo.sort_col = arg;
	top_apply(t);
}

static void act_invert(struct top *t, int arg)
{
	t->fo.sort_invert = !t->fo.sort_invert;
	top_apply(t);
}

static void act_filter(struct top *t, int arg)
{
	char buf[sizeof(t->filter)];

	snprintf(buf, sizeof(buf), "%s", t->filter);
	if (term_prompt("Filter by device or driver (empty clears): ", buf,
			sizeof(buf))) {
		snprintf(t->filter, sizeof(t->filter), "%s", buf);
		t->fo.filter = t->filter;
		memset(t->sel, 0, sizeof(t->sel));
		memset(t->scroll, 0, sizeof(t->scroll));
		top_apply(t);
	}
}

static void act_pause(struct top *t, int arg)
{
	t->paused = !t->paused;
	/* show where the replay stopped, not the last refresh */
	t->retake = true;
}

static void act_delay(struct top *t, int arg)
{
	char label[80], buf[32] = "";
	double d;

	snprintf(label, sizeof(label), "Change delay from %g to: ", t->delay);
	if (!term_prompt(label, buf, sizeof(buf)) || !buf[0])
		return;
	if (top_parse_delay(buf, &d))
		snprintf(t->status, sizeof(t->status), "delay must be %s",
			 TOP_DELAY_RANGE);
	else
		t->delay = d;
}

enum { MV_UP, MV_DOWN, MV_PGUP, MV_PGDN, MV_HOME, MV_END };

static void act_move(struct top *t, int arg)
{
	size_t n = views[t->view].nr_rows(t), *sel = &t->sel[t->view];
	size_t page = t->page[t->view] ? t->page[t->view] : 10;

	if (!n)
		return;
	switch (arg) {
	case MV_UP:
		if (*sel)
			(*sel)--;
		break;
	case MV_DOWN:
		if (*sel + 1 < n)
			(*sel)++;
		break;
	case MV_PGUP:
		*sel = *sel > page ? *sel - page : 0;
		break;
	case MV_PGDN:
		*sel = *sel + page < n ? *sel + page : n - 1;
		break;
	case MV_HOME:
		*sel = 0;
		break;
	case MV_END:
		*sel = n - 1;
		break;
	}
	top_remember_selection(t);
}

static void act_stack(struct top *t, int arg)
{
	stack_open(t);
}

/* Devices view: the selected device's findings, through the filter. */
static void act_drill(struct top *t, int arg)
{
	const struct frame *fr = &t->frame;
	size_t sel = t->sel[VIEW_DEVICES];

	if (sel >= fr->nr_vis)
		return;
	snprintf(t->filter, sizeof(t->filter), "%s",
		 fr->devs[fr->vis[sel]].name);
	t->fo.filter = t->filter;
	t->view = VIEW_FINDINGS;
	t->have_sel_seq = false;
	t->sel[VIEW_FINDINGS] = 0;
	t->scroll[VIEW_FINDINGS] = 0;
	top_apply(t);
}

static void act_speed(struct top *t, int arg)
{
	double s = arg > 0 ? t->speed * 2 : t->speed / 2;

	if (s >= 1.0 / 64 && s <= 4096)
		t->speed = s;
	snprintf(t->status, sizeof(t->status), "replay speed %gx", t->speed);
}

static void act_seek(struct top *t, int arg)
{
	top_seek(t, (int64_t)arg * (int64_t)NSEC);
}

static void act_redraw(struct top *t, int arg)
{
	clearok(curscr, TRUE);
}

/* One binding per line reads better than wrapped. */
/* clang-format off */
const struct key_binding key_table[] = {
	{ { 'q', KEY_F(10) }, "q, F10", 0, false, act_quit, 0, "quit" },
	{ { 'h', '?', KEY_F(1) }, "h, ?, F1", 0, false, act_help, 0, "this help" },
	{ { '\t' }, "Tab", 0, false, act_view, -1, "next view" },
	{ { '1' }, "1, 2, 3", 0, false, act_view, VIEW_DEVICES,
	  "devices (with the newest findings), findings, dmaengine view" },
	{ { '2' }, "", 0, false, act_view, VIEW_FINDINGS, NULL },
	{ { '3' }, "", 0, false, act_view, VIEW_DMAENGINE, NULL },
	{ { '\n', '\r', KEY_ENTER, 's' }, "Enter, s", V(VIEW_FINDINGS), false,
	  act_stack, 0, "findings view: details and stacks of the selected finding" },
	{ { '\n', '\r', KEY_ENTER }, "Enter", V(VIEW_DEVICES), false, act_drill, 0,
	  "devices view: the selected device's findings (sets the filter)" },
	{ { '>', '.', KEY_F(6) }, "> or F6, <", 0, false, act_sort_step, 1,
	  "sort by the next / previous column" },
	{ { '<', ',' }, "", 0, false, act_sort_step, -1, NULL },
	{ { 'I' }, "I", 0, false, act_invert, 0, "invert the sort order" },
	{ { 'M' }, "M, O, F, R, N", 0, false, act_sort_col, COL_MAPS,
	  "sort by maps/s, outstanding bytes, findings, remote share, name" },
	{ { 'O' }, "", 0, false, act_sort_col, COL_OUTBYTES, NULL },
	{ { 'F' }, "", 0, false, act_sort_col, COL_FINDINGS, NULL },
	{ { 'R' }, "", 0, false, act_sort_col, COL_REMOTE, NULL },
	{ { 'N' }, "", 0, false, act_sort_col, COL_DEVICE, NULL },
	{ { '/', 'f' }, "/, f", 0, false, act_filter, 0, "filter by device or driver name" },
	{ { ' ', 'p' }, "Space, p", 0, false, act_pause, 0, "pause / resume" },
	{ { 'd', 's' }, "d, s", 0, false, act_delay, 0, "change the refresh interval" },
	{ { KEY_UP, 'k' }, "Up/Down, PgUp/PgDn", 0, false, act_move, MV_UP, "move the selection" },
	{ { KEY_DOWN, 'j' }, "", 0, false, act_move, MV_DOWN, NULL },
	{ { KEY_PPAGE }, "", 0, false, act_move, MV_PGUP, NULL },
	{ { KEY_NPAGE }, "", 0, false, act_move, MV_PGDN, NULL },
	{ { KEY_HOME }, "Home, End", 0, false, act_move, MV_HOME, "first / last row" },
	{ { KEY_END }, "", 0, false, act_move, MV_END, NULL },
	{ { '+', '=' }, "+, -", 0, true, act_speed, 1, "replay faster / slower" },
	{ { '-' }, "", 0, true, act_speed, -1, NULL },
	{ { ']', KEY_RIGHT }, "], Right / [, Left", 0, true, act_seek, 10,
	  "seek 10 s forward / back" },
	{ { '[', KEY_LEFT }, "", 0, true, act_seek, -10, NULL },
	{ { CTRL('l') }, "Ctrl-L", 0, false, act_redraw, 0, "redraw the screen" },
};
/* clang-format on */

const int nr_key_bindings = sizeof(key_table) / sizeof(key_table[0]);

bool keys_dispatch(struct top *t, int key)
{
	int i, k;

	for (i = 0; i < nr_key_bindings; i++) {
		const struct key_binding *b = &key_table[i];

		if (b->views && !(b->views & V(t->view)))
			continue;
		if (b->replay_only && !t->replay)
			continue;
		for (k = 0; k < 6 && b->keys[k]; k++) {
			if (b->keys[k] == key) {
				b->fn(t, b->arg);
				return true;
			}
		}
	}
	return false;
}
