/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * header.c - the summary lines at the top of every frame, written through
 * a small output interface so the screen and batch mode print the same
 * text; lost events go through the highlight path.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dmatop.h"

#define HEADER_LINES 5

int header_lines(void)
{
	return HEADER_LINES;
}

static void putf(struct out *o, bool hl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void putf(struct out *o, bool hl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->put(o, buf, hl);
}

void header_render(const struct frame *fr, struct out *o,
		   const char *source_desc)
{
	const struct dmas_session *s = &fr->session;
	char t[32], a[32], b[32], c[32];

	fmt_reltime(fr->rel_ns, t, sizeof(t));
	putf(o, false, "dmatop - %s - t=%s", source_desc, t);
	if (fr->replay) {
		putf(o, false, "  speed %gx", fr->speed);
		if (fr->at_end)
			putf(o, false, "  [end of recording]");
		else if (fr->seeking)
			putf(o, false, "  [seeking]");
		else if (fr->paused)
			putf(o, false, "  [paused]");
	} else if (fr->paused) {
		putf(o, false, "  [paused]");
	}
	o->newline(o);

	fmt_rate(fr->events_s, fr->rates_valid, a, sizeof(a));
	putf(o, false, "Events: %llu total, %s/s   ",
	     (unsigned long long)fr->events, a);
	putf(o, fr->lost != 0, "Lost: %llu", (unsigned long long)fr->lost);
	if (fr->stack_errors)
		putf(o, true, "   Stack errors: %llu",
		     (unsigned long long)fr->stack_errors);
	putf(o, false, "   Devices: %zu   Channels: %zu", fr->nr_devs,
	     fr->nr_chans);
	o->newline(o);

	fmt_bytes(fr->mapped_bytes, a, sizeof(a));
	fmt_mbs(fr->mapped_bytes_s, fr->rates_valid, b, sizeof(b));
	fmt_bytes(fr->outstanding_bytes, c, sizeof(c));
	putf(o, false,
	     "Mapped: %s total, %s MB/s   Outstanding: %llu mappings, %s", a, b,
	     (unsigned long long)fr->outstanding, c);
	fmt_bytes(fr->coherent_bytes, a, sizeof(a));
	putf(o, false, "   Coherent: %s", a);
	o->newline(o);

	putf(o, false, "Findings: ");
	putf(o, fr->findings_by_sev[DMAS_SEV_ERROR] != 0, "%llu error",
	     (unsigned long long)fr->findings_by_sev[DMAS_SEV_ERROR]);
	putf(o, false, ", %llu warning, %llu info",
	     (unsigned long long)fr->findings_by_sev[DMAS_SEV_WARNING],
	     (unsigned long long)fr->findings_by_sev[DMAS_SEV_INFO]);
	if (fr->status[0])
		putf(o, true, "   %s", fr->status);
	o->newline(o);

	putf(o, false, "Kernel: %s",
	     s->kernel_release[0] ? s->kernel_release : "?");
	if (s->hostname[0])
		putf(o, false, " on %s", s->hostname);
	if (fr->nr_hooks)
		putf(o, false, "   Hooks (%u): %s", fr->nr_hooks,
		     s->hooks[0] ? s->hooks : "-");
	else
		putf(o, false, "   Hooks: %s", s->hooks[0] ? s->hooks : "-");
	o->newline(o);
}
