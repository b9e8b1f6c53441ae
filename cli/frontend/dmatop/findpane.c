/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * findpane.c - findings, newest first: the pane under the device table,
 * the findings view with a selection, and the screen that shows the
 * selected finding with the stacks that created and revealed it.
 */
#include <curses.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dmatop.h"
#include "frontend/textsafe.h"

static int sev_attr(enum dmas_severity s)
{
	return s == DMAS_SEV_ERROR ? attr_of(AT_ALERT) : attr_of(AT_NORMAL);
}

static void draw_list(struct top *t, int y0, int rows, bool focused)
{
	const struct frame *fr = &t->frame;
	char line[512];
	size_t i;
	int y;

	if (!fr->nr_vis_finds) {
		draw_text(y0, 1,
			  fr->nr_findings ? "no finding matches the filter"
					  : "no findings",
			  attr_of(AT_DIM));
		return;
	}
	if (focused) {
		list_scroll(t, VIEW_FINDINGS, fr->nr_vis_finds, rows);
		t->sel_seq =
			fr->finds[fr->vis_finds[t->sel[VIEW_FINDINGS]]].f.seq;
		t->have_sel_seq = true;
	}
	i = focused ? t->scroll[VIEW_FINDINGS] : 0;
	for (y = 0; y < rows && i < fr->nr_vis_finds; y++, i++) {
		const struct findrow *r = &fr->finds[fr->vis_finds[i]];

		finding_line(r, fr, line, sizeof(line));
		if (focused && i == t->sel[VIEW_FINDINGS])
			draw_bar(y0 + y, line, attr_of(AT_SEL));
		else
			draw_text(y0 + y, 0, line, sev_attr(r->f.severity));
	}
}

static void title(const struct top *t, int y)
{
	const struct frame *fr = &t->frame;
	char buf[256];

	snprintf(buf, sizeof(buf),
		 "%9s %-7s %-26s %-14s %-8s %s  (%zu of %llu, newest first)",
		 "TIME", "SEV", "FINDING", "DEVICE", "DRIVER",
		 "MAPPING / DETAIL", fr->nr_vis_finds,
		 (unsigned long long)fr->nr_findings);
	draw_bar(y, buf, attr_of(AT_TITLE));
}

void findpane_draw(struct top *t, int y0, int rows, bool focused)
{
	title(t, y0);
	draw_list(t, y0 + 1, rows - 1, focused);
}

void findings_view_draw(struct top *t, int y0, int rows)
{
	title(t, y0);
	draw_list(t, y0 + 1, rows - 1, true);
}

/* ---- the stack screen ---- */

struct textbuf {
	char *s;
	size_t len, cap;
};

static void tb_printf(struct textbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tb_printf(struct textbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? room : 0, fmt,
			      ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->s && (size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = (b->cap + (size_t)n + 1) * 2;
			char *p = realloc(b->s, cap);

			if (!p)
				return;
			b->s = p;
			b->cap = cap;
		}
	}
}

static void tb_stack(struct textbuf *b, struct dmas_engine *e, uint32_t id)
{
	const struct dmas_stack *st = id ? dmas_engine_stack(e, id) : NULL;
	uint32_t i;

	if (!st || !st->nr_frames) {
		tb_printf(b, "    (no stack recorded)\n");
		return;
	}
	for (i = 0; i < st->nr_frames; i++) {
		char safe[512];

		tb_printf(b, "    %s\n",
			  dmas_text_safe(st->frames[i], safe, sizeof(safe)));
	}
}

void stack_open(struct top *t)
{
	const struct frame *fr = &t->frame;
	const struct findrow *r;
	const struct dmas_finding *f;
	const struct dmas_finding_info *info;
	struct textbuf b = {0};
	char when[32], made[32];

	if (t->sel[VIEW_FINDINGS] >= fr->nr_vis_finds)
		return;
	r = &fr->finds[fr->vis_finds[t->sel[VIEW_FINDINGS]]];
	f = &r->f;
	info = &dmas_finding_table[f->kind];
	fmt_reltime(f->ts > fr->origin ? f->ts - fr->origin : 0, when,
		    sizeof(when));
	fmt_reltime(f->map_ts > fr->origin ? f->map_ts - fr->origin : 0, made,
		    sizeof(made));

	tb_printf(&b, "%s (%s%s) at t=%s\n", info->id,
		  dmas_severity_name(f->severity),
		  f->uncertain ? ", uncertain: events were lost nearby" : "",
		  when);
	tb_printf(&b, "  %s\n", info->what);
	if (f->detail[0])
		tb_printf(&b, "  %s\n", f->detail);
	if (f->repeats)
		tb_printf(&b, "  the same bug %llu more times after this one\n",
			  (unsigned long long)f->repeats);
	if (f->consequences)
		tb_printf(&b, "  consequences folded in (%llu): %s\n",
			  (unsigned long long)f->consequences, f->consequence);
	tb_printf(&b, "\n  device %s  driver %s\n", r->dev_name,
		  r->driver[0] ? r->driver : "-");
	tb_printf(&b, "  dma address %#llx  size %llu  direction %s  pid %u\n",
		  (unsigned long long)f->addr, (unsigned long long)f->size,
		  dir_name(f->dir), f->pid);
	tb_printf(&b, "  fix: %s\n\n", info->fix);
	pthread_mutex_lock(&t->feed->lock);
	if (f->map_kind) {
		tb_printf(&b, "Created by %s at t=%s:\n",
			  kind_name(f->map_kind), f->map_ts ? made : "?");
		if (t->feed->engine)
			tb_stack(&b, t->feed->engine, f->map_stack);
	}
	if (f->close_kind) {
		tb_printf(&b, "Revealed by %s:\n", kind_name(f->close_kind));
		if (t->feed->engine)
			tb_stack(&b, t->feed->engine, f->close_stack);
	}
	pthread_mutex_unlock(&t->feed->lock);
	tb_printf(&b, "\n(any key returns)\n");
	free(t->stack_text);
	t->stack_text = b.s;
	t->stack = true;
}

void stack_draw(struct top *t)
{
	const char *p = t->stack_text ? t->stack_text : "";
	int y = 0, maxy = getmaxy(stdscr);
	char line[512];

	draw_bar(y++, "Finding details and stacks", attr_of(AT_TITLE));
	while (*p && y < maxy) {
		size_t n = strcspn(p, "\n");

		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		draw_text(y++, 0, line, attr_of(AT_NORMAL));
		p += n;
		if (*p)
			p++;
	}
}
