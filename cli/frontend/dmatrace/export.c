/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * export.c - dmatrace export: a recording as JSON lines (one event per
 * line, names resolved), CSV (one row per event) or a Perfetto trace
 * (protobuf, or trace-event JSON).
 * Streams: events are written as they are read.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_opts.h"
#include "commands.h"
#include "export.h"
#include "frontend/textsafe.h"
#include "pipeline.h"
#include "report.h"

enum export_format { FMT_JSON, FMT_CSV, FMT_PERFETTO };

static volatile sig_atomic_t export_stop;

static void on_sigint(int sig)
{
	(void)sig;
	export_stop = 1;
}

bool export_kind_has_name(unsigned kind)
{
	return kind == DMAS_EV_DRIVER_BIND || kind == DMAS_EV_DRIVER_UNBIND ||
	       kind == DMAS_EV_MODULE_UNLOAD;
}

const struct export_dev *export_dev(const struct export_ctx *x, uint32_t id)
{
	return id < x->nr_devs && x->devs[id].known ? &x->devs[id] : NULL;
}

const struct export_stack *export_stack(const struct export_ctx *x, uint32_t id)
{
	return id && id < x->nr_stacks && x->stacks[id].frames ? &x->stacks[id]
							       : NULL;
}

/*
 * Ids are table indices, below the limits of event.h (the reader refuses
 * larger ones); max keeps a table from growing past them whatever the
 * source.
 */
static void *grow(void *arr, uint32_t *nr, uint32_t id, size_t elem,
		  uint32_t max)
{
	uint32_t n = *nr ? *nr : 16;
	char *p;

	if (id < *nr)
		return arr;
	if (id > max)
		return NULL;
	while (n <= id)
		n *= 2;
	p = realloc(arr, (size_t)n * elem);
	if (!p)
		return NULL;
	memset(p + (size_t)*nr * elem, 0, (size_t)(n - *nr) * elem);
	*nr = n;
	return p;
}

static void on_session(void *ctx, const struct dmas_session *s)
{
	struct export_ctx *x = ctx;

	x->session = *s;
	x->have_session = true;
}

static void on_device(void *ctx, const struct dmas_device *d)
{
	struct export_ctx *x = ctx;
	struct export_dev *devs = grow(x->devs, &x->nr_devs, d->id,
				       sizeof(*devs), DMAS_DEV_ID_MAX);

	if (!devs)
		return;
	x->devs = devs;
	devs[d->id].known = true;
	devs[d->id].numa_node = d->numa_node;
	snprintf(devs[d->id].name, sizeof(devs[d->id].name), "%.*s",
		 (int)sizeof(d->name), d->name);
	snprintf(devs[d->id].driver, sizeof(devs[d->id].driver), "%.*s",
		 (int)sizeof(d->driver), d->driver);
}

static void on_stack(void *ctx, const struct dmas_stack *s)
{
	struct export_ctx *x = ctx;
	struct export_stack *st = grow(x->stacks, &x->nr_stacks, s->id,
				       sizeof(*st), DMAS_STACK_ID_MAX);
	char **frames;
	uint32_t i;

	if (!st || !s->id)
		return;
	x->stacks = st;
	frames = calloc(s->nr_frames ? s->nr_frames : 1, sizeof(*frames));
	if (!frames)
		return;
	for (i = 0; i < s->nr_frames; i++)
		frames[i] = strdup(s->frames[i] ? s->frames[i] : "?");
	for (i = 0; i < st[s->id].nr; i++)
		free(st[s->id].frames[i]);
	free(st[s->id].frames);
	st[s->id].frames = frames;
	st[s->id].nr = s->nr_frames;
	for (i = 0; i < s->nr_frames; i++)
		if (!frames[i])
			st[s->id].nr = i; /* out of memory: keep what we have */
}

static void free_tables(struct export_ctx *x)
{
	uint32_t i, j;

	for (i = 0; i < x->nr_stacks; i++) {
		for (j = 0; j < x->stacks[i].nr; j++)
			free(x->stacks[i].frames[j]);
		free(x->stacks[i].frames);
	}
	free(x->stacks);
	free(x->devs);
}

/* Driver names follow bind and unbind, so each event shows the driver of its
 * time. */
static void track_driver(struct export_ctx *x, const struct dmas_event *ev,
			 bool after)
{
	struct export_dev *d;

	if (ev->dev >= x->nr_devs) {
		struct export_dev *devs = grow(x->devs, &x->nr_devs, ev->dev,
					       sizeof(*devs), DMAS_DEV_ID_MAX);

		if (!devs)
			return;
		x->devs = devs;
	}
	d = &x->devs[ev->dev];
	if (!after && ev->kind == DMAS_EV_DRIVER_BIND) {
		size_t n = strnlen(ev->name, sizeof(ev->name));

		if (n >= sizeof(d->driver))
			n = sizeof(d->driver) - 1;
		memcpy(d->driver, ev->name, n);
		d->driver[n] = '\0';
	}
	if (after && ev->kind == DMAS_EV_DRIVER_UNBIND)
		d->driver[0] = '\0';
}

/* ---- JSON lines ---- */

/*
 * Events are written with stdio, not built as json-c objects: a line costs
 * a tenth as much, which matters for recordings of millions of events.
 * Strings are escaped here: valid UTF-8 is kept, controls and every byte
 * that is not part of valid UTF-8 become \u00XX, so the output is valid
 * JSON (and UTF-8) whatever a device name holds, as the reports write it.
 */
void export_json_str(FILE *out, const char *s, size_t max)
{
	size_t n = strnlen(s, max), i = 0, k;

	fputc('"', out);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			fprintf(out, "\\%c", c);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, out);
		} else if ((k = dmas_utf8_seq_len((const unsigned char *)s + i,
						  n - i))) {
			fwrite(s + i, 1, k, out);
			i += k;
			continue;
		} else {
			fprintf(out, "\\u%04x", c);
		}
		i++;
	}
	fputc('"', out);
}

static void jsonl_event(struct export_ctx *x, const struct dmas_event *ev)
{
	const struct export_dev *d = export_dev(x, ev->dev);
	const struct export_stack *st = export_stack(x, ev->stack_id);
	FILE *out = x->out;
	char kb[16];
	uint32_t i;

	fprintf(out,
		"{\"ts\":%" PRIu64 ",\"kind\":\"%s\",\"dev\":%u,\"device\":",
		(uint64_t)ev->ts, dmas_kind_str(ev->kind, kb, sizeof(kb)),
		ev->dev);
	if (d && d->name[0])
		export_json_str(out, d->name, sizeof(d->name));
	else
		fputs("null", out);
	fputs(",\"driver\":", out);
	if (d && d->driver[0])
		export_json_str(out, d->driver, sizeof(d->driver));
	else
		fputs("null", out);
	fprintf(out, ",\"cpu\":%u,\"pid\":%u,", ev->cpu, ev->pid);
	if (export_kind_has_name(ev->kind)) {
		fputs("\"name\":", out);
		export_json_str(out, ev->name, sizeof(ev->name));
	} else {
		fprintf(out,
			"\"addr\":\"0x%" PRIx64 "\",\"size\":%" PRIu64
			",\"dir\":\"%s\",\"phys\":\"0x%" PRIx64
			"\",\"aux\":\"0x%" PRIx64
			"\",\"count\":%u,\"attrs\":%u,\"flags\":%u",
			(uint64_t)ev->addr, (uint64_t)ev->size,
			dmas_dir_str(ev->dir), (uint64_t)ev->phys,
			(uint64_t)ev->aux, ev->count, ev->attrs, ev->flags);
	}
	fprintf(out, ",\"stack_id\":%u", ev->stack_id);
	if (st) {
		fputs(",\"stack\":[", out);
		for (i = 0; i < st->nr; i++) {
			if (i)
				fputc(',', out);
			export_json_str(out, st->frames[i], SIZE_MAX);
		}
		fputc(']', out);
	}
	fputs("}\n", out);
}

/* ---- CSV (RFC 4180 quoting) ---- */

static const char csv_header[] =
	"ts,kind,dev,device,driver,cpu,pid,addr,size,dir,phys,aux,count,attrs,flags,stack_id,name\n";

/*
 * Control bytes other than tab (an escape sequence, a carriage return that
 * would overwrite a line) and bytes that are not valid UTF-8 (a C1 CSI)
 * become \xNN: a CSV file is often looked at in a terminal, and a
 * recording's names may be crafted.  Valid UTF-8 is kept.
 */
static size_t csv_ok(const char *s, size_t n)
{
	unsigned char c = (unsigned char)*s;

	if ((c < 0x20 && c != '\t') || c == 0x7f)
		return 0;
	return dmas_utf8_seq_len((const unsigned char *)s, n);
}

/*
 * A cell that starts with = + - @, a tab or a carriage return is read by
 * spreadsheets as a formula (CSV injection: =HYPERLINK(...), =cmd|...):
 * such a cell gets a leading apostrophe, as OWASP advises, so it shows as
 * text.  A recording's names are untrusted.
 */
static bool csv_formula_start(const char *s, size_t n)
{
	return n && strchr("=+-@\t\r", s[0]);
}

static void csv_str(FILE *out, const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;
	bool quote = false;

	for (i = 0; i < n; i++)
		if (s[i] == ',' || s[i] == '"')
			quote = true;
	if (quote)
		fputc('"', out);
	if (csv_formula_start(s, n))
		fputc('\'', out);
	for (i = 0; i < n;) {
		size_t k = csv_ok(s + i, n - i);

		if (s[i] == '"')
			fputc('"', out);
		if (!k) {
			fprintf(out, "\\x%02x", (unsigned char)s[i++]);
			continue;
		}
		fwrite(s + i, 1, k, out);
		i += k;
	}
	if (quote)
		fputc('"', out);
}

static void csv_event(struct export_ctx *x, const struct dmas_event *ev)
{
	const struct export_dev *d = export_dev(x, ev->dev);
	FILE *out = x->out;
	char kb[16];

	fprintf(out, "%" PRIu64 ",%s,%u,", (uint64_t)ev->ts,
		dmas_kind_str(ev->kind, kb, sizeof(kb)), ev->dev);
	if (d)
		csv_str(out, d->name, sizeof(d->name));
	fputc(',', out);
	if (d)
		csv_str(out, d->driver, sizeof(d->driver));
	fprintf(out, ",%u,%u,", ev->cpu, ev->pid);
	if (export_kind_has_name(ev->kind)) {
		fprintf(out, ",,,,,,,,%u,", ev->stack_id);
		csv_str(out, ev->name, sizeof(ev->name));
	} else {
		fprintf(out,
			"0x%" PRIx64 ",%" PRIu64 ",%s,0x%" PRIx64 ",0x%" PRIx64
			",%u,%u,%u,%u,",
			(uint64_t)ev->addr, (uint64_t)ev->size,
			dmas_dir_str(ev->dir), (uint64_t)ev->phys,
			(uint64_t)ev->aux, ev->count, ev->attrs, ev->flags,
			ev->stack_id);
	}
	fputc('\n', out);
}

/* ---- the sink ---- */

struct export_run {
	struct export_ctx x;
	enum export_format fmt;
	bool protobuf; /* perfetto: Perfetto's own format, not JSON */
};

static void on_event(void *ctx, const struct dmas_event *ev)
{
	struct export_run *r = ctx;

	r->x.events++;
	if (ev->ts > r->x.last_ts)
		r->x.last_ts = ev->ts;
	track_driver(&r->x, ev, false);
	switch (r->fmt) {
	case FMT_JSON:
		jsonl_event(&r->x, ev);
		break;
	case FMT_CSV:
		csv_event(&r->x, ev);
		break;
	case FMT_PERFETTO:
		perfetto_event(&r->x, ev);
		break;
	}
	track_driver(&r->x, ev, true);
}

static void on_idle(void *ctx, uint64_t now)
{
	struct export_run *r = ctx;

	if (now > r->x.last_ts)
		r->x.last_ts = now;
}

/* Findings are drawn once each: as the engine makes them, then at finish. */
struct finding_seen {
	struct export_run *r;
	const struct dmas_engine *e;
	uint8_t *bits;
	uint64_t nbits;
};

static bool seen_test_set(struct finding_seen *fs, uint64_t seq)
{
	if (seq >= fs->nbits) {
		uint64_t n = fs->nbits ? fs->nbits : 4096;
		uint8_t *p;

		while (n <= seq)
			n *= 2;
		p = realloc(fs->bits, n / 8);
		if (!p)
			return false;
		memset(p + fs->nbits / 8, 0, (n - fs->nbits) / 8);
		fs->bits = p;
		fs->nbits = n;
	}
	if (fs->bits[seq / 8] & (1u << (seq % 8)))
		return true;
	fs->bits[seq / 8] |= 1u << (seq % 8);
	return false;
}

static void on_finding(const struct dmas_finding *f, void *ctx)
{
	struct finding_seen *fs = ctx;

	if (!seen_test_set(fs, f->seq))
		perfetto_finding(&fs->r->x, fs->e, f);
}

static const struct opt_row export_opts[] = {
	{.name = "format",
	 .letter = 'f',
	 .arg = "FORMAT",
	 .help = "json, csv, perfetto or perfetto-json (required)"},
	{.name = "output",
	 .letter = 'o',
	 .arg = "OUT",
	 .help = "write OUT instead of stdout"},
	{.name = "leak-age",
	 .id = AOPT_LEAK_AGE,
	 .arg = "DURATION",
	 .joined = true},
	{.name = "xfer-timeout",
	 .id = AOPT_XFER_TIMEOUT,
	 .arg = "DURATION",
	 .joined = true},
	{.name = "leaks-at-exit", .id = AOPT_LEAKS_AT_EXIT, .joined = true},
	{.name = "numa-share",
	 .id = AOPT_NUMA_SHARE,
	 .arg = "PCT",
	 .help = "as for 'dmatrace replay': the findings perfetto\n"
		 "shows"},
	{.name = "help", .letter = 'h', .help = "this text"},
	{0},
};

static const struct opt_spec export_spec = {
	.head = "usage: dmatrace export --format json|csv|perfetto|perfetto-json [-o OUT] FILE\n"
		"\n"
		"Convert a recording for other tools.  Streams: memory does not grow with\n"
		"the recording's length.  FILE - reads standard input.\n"
		"\n"
		"formats:\n"
		"  json       JSON lines: one object per event, device and driver names\n"
		"             resolved, stacks as arrays of frames (for jq)\n"
		"  csv        one row per event after a header row (for spreadsheets)\n"
		"  perfetto   Perfetto's protobuf trace for ui.perfetto.dev and trace_processor:\n"
		"             a track per device and per dmaengine channel, mappings and\n"
		"             transfers as slices on child tracks, counters of outstanding bytes\n"
		"             per device and per NUMA node, findings as instants with a flow from\n"
		"             the mapping's slice, lost events; nanosecond times\n"
		"  perfetto-json  the same as Chrome trace-event JSON (microseconds, no\n"
		"             counters or flows) for tools that read that\n",
	.rows = export_opts,
	.tail = "exit status: 0 written, 2 error (not a recording, corrupt recording: what\n"
		"came before the damage is still written, as a complete document).\n"
		"\n"
		"examples:\n"
		"  dmatrace export --format perfetto -o nvme.pftrace nvme.dmat\n"
		"      then open nvme.pftrace in ui.perfetto.dev\n"
		"  dmatrace export --format json nvme.dmat | jq -c 'select(.kind == \"map\")'\n"
		"      every map event\n"
		"  dmatrace export --format csv -o events.csv nvme.dmat\n"
		"      a table for a spreadsheet\n",
};

struct export
{
	struct pipeline p;
	struct export_run r;
	struct finding_seen fs;
	const char *format, *outpath;
};

static int export_opt(void *ctx, int id, const char *arg)
{
	struct export *x = ctx;

	if (id == 'f')
		x->format = arg;
	else if (id == 'o')
		x->outpath = arg;
	return 0;
}

/* --format's word; -1 (said) when it names none */
static int parse_format(struct export *x)
{
	if (!x->format) {
		pipe_fail(
			&x->p,
			"which format? (--format json|csv|perfetto|perfetto-json)");
		return -1;
	}
	if (!strcmp(x->format, "json") || !strcmp(x->format, "jsonl")) {
		x->r.fmt = FMT_JSON;
	} else if (!strcmp(x->format, "csv")) {
		x->r.fmt = FMT_CSV;
	} else if (!strcmp(x->format, "perfetto")) {
		x->r.fmt = FMT_PERFETTO;
		x->r.protobuf = true;
	} else if (!strcmp(x->format, "perfetto-json") ||
		   !strcmp(x->format, "chrome")) {
		x->r.fmt = FMT_PERFETTO;
	} else {
		pipe_fail(
			&x->p,
			"unknown format '%s' (json, csv, perfetto, perfetto-json)",
			x->format);
		return -1;
	}
	return 0;
}

/* The writer's tables, whatever the run came to (a teardown stage). */
static void export_free(void *ctx)
{
	struct export *x = ctx;

	perfetto_free(&x->r.x);
	free(x->fs.bits);
	free_tables(&x->r.x);
}

/* What the end of the input means for the document, said on stderr. */
static void input_end(struct export *x, int rc)
{
	const char *err = x->p.run_err;
	uint64_t events = x->r.x.events;

	if (rc < 0) {
		pipe_fail(&x->p, "error: %s", err[0] ? err : "read failed");
		fprintf(stderr,
			"dmatrace export: wrote the %" PRIu64
			" events before it\n",
			events);
	} else if (rc == 1) {
		fprintf(stderr, "dmatrace export: warning: %s\n",
			err[0] ? err : "recording is truncated");
		fprintf(stderr,
			"dmatrace export: wrote the %" PRIu64
			" events before the end\n",
			events);
	} else if (rc == DMAS_SOURCE_WARNING) {
		fprintf(stderr, "dmatrace export: warning: %s\n", err);
	} else if (export_stop) {
		fprintf(stderr,
			"dmatrace export: interrupted after %" PRIu64
			" events\n",
			events);
	}
}

int cmd_export(int argc, char **argv)
{
	struct export x = {0};
	struct pipeline *p = &x.p;
	struct pipe_stage tables = {.free = export_free, .ctx = &x};
	struct dmas_sink own = {
		.session = on_session,
		.device = on_device,
		.stack = on_stack,
		.event = on_event,
		.idle = on_idle,
		.ctx = &x.r,
	};
	struct sigaction sa = {0};
	int rc, status;
	size_t i;

	pipe_init(p, "export");
	pipe_add_stage(p, &tables);
	if (pipe_parse(p, &export_spec, argc, argv, export_opt, &x) ||
	    parse_format(&x))
		goto out;
	if (optind != argc - 1) {
		pipe_fail(
			p, "%s",
			optind >= argc
				? "which recording? (dmatrace export --format F FILE)"
				: "one recording at a time");
		goto out;
	}
	if (x.r.protobuf && (!x.outpath || !strcmp(x.outpath, "-")) &&
	    isatty(STDOUT_FILENO)) {
		pipe_fail(
			p,
			"the perfetto format is binary: write it to a file (-o OUT.pftrace)");
		goto out;
	}
	if (pipe_open_file(p, argv[optind]) ||
	    !(x.r.x.out = pipe_open_doc(p, x.outpath)) ||
	    pipe_add_sink(p, &own))
		goto out;
	if (x.r.fmt == FMT_PERFETTO) {
		/* The engine sees each event after the writer, so a finding's
		 * instant follows the event that revealed it. */
		x.fs.r = &x.r;
		p->eo.on_finding = on_finding;
		p->eo.cb_ctx = &x.fs;
		if (pipe_engine(p, PIPE_FEED_ENGINE))
			goto out;
		x.fs.e = p->engine;
		if (perfetto_begin(&x.r.x, x.r.protobuf)) {
			pipe_fail(p, "out of memory");
			goto out;
		}
	} else if (x.r.fmt == FMT_CSV) {
		fputs(csv_header, x.r.x.out);
	}

	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, NULL);
	rc = pipe_run(p, &export_stop);
	input_end(&x, rc);
	if (x.r.fmt == FMT_PERFETTO) {
		pipe_finish(p, x.r.x.last_ts);
		for (i = 0; i < dmas_engine_nr_findings(p->engine); i++)
			on_finding(dmas_engine_finding(p->engine, i), &x.fs);
		if (perfetto_end(&x.r.x, x.r.x.last_ts))
			p->status = DMATRACE_EXIT_ERROR;
	}
	pipe_close_source(p, NULL);
	/*
	 * What came before damage in the recording is a whole document and
	 * is kept; a failed write leaves no file.
	 */
	pipe_commit_doc(p);
out:
	status = pipe_exit_status(p);
	pipe_free(p);
	return status;
}
