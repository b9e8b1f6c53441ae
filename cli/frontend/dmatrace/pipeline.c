// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * pipeline.c - the steps every dmatrace command is made of (options,
 * source, sinks, run, reports) and the one teardown that undoes them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_opts.h"
#include "commands.h"
#include "live_cmd.h"
#include "pipeline.h"

void pipe_init(struct pipeline *p, const char *cmd)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	snprintf(p->tool, sizeof(p->tool), "dmatrace %s", cmd);
	p->ro.tool = p->tool;
	p->lo.stacks = true;
}

void pipe_fail(struct pipeline *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dmatrace %s: ", p->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->status = DMATRACE_EXIT_ERROR;
}

struct pipe_apply {
	struct pipeline *p;
	bool live; /* the command takes the live-source options */
	int (*apply)(void *ctx, int id, const char *arg);
	void *ctx;
};

static int apply_one(void *ctx, int id, const char *arg)
{
	struct pipe_apply *a = ctx;
	int r = a->live ? live_cmd_opt(id, arg, &a->p->lo, a->p->cmd) : 0;

	if (!r)
		r = dmas_analysis_opt(id, arg, a->p->cmd, &a->p->eo, &a->p->ro);
	if (!r)
		return a->apply(a->ctx, id, arg);
	return r < 0 ? -1 : 0;
}

int pipe_parse(struct pipeline *p, const struct opt_spec *spec, int argc,
	       char **argv, int (*apply)(void *ctx, int id, const char *arg),
	       void *ctx)
{
	struct pipe_apply a = {.p = p, .apply = apply, .ctx = ctx};
	const struct opt_row *r;
	int rc;

	for (r = spec->rows; r->name || r->group; r++)
		if (r->group == live_opt_rows)
			a.live = true;
	rc = opt_parse(spec, p->cmd, argc, argv, apply_one, &a);

	if (rc < 0)
		p->status = DMATRACE_EXIT_ERROR;
	return rc;
}

int pipe_open_file(struct pipeline *p, const char *path)
{
	p->err[0] = '\0';
	p->src = dmas_source_open_file(path, p->err, sizeof(p->err));
	if (!p->src) {
		pipe_fail(p, "%s", p->err[0] ? p->err : path);
		return -1;
	}
	return 0;
}

int pipe_open_live(struct pipeline *p)
{
	live_cmd_signals();
	p->err[0] = '\0';
	p->src = dmas_source_open_live(&p->lo, p->err, sizeof(p->err));
	if (!p->src) {
		pipe_fail(p, "%s",
			  p->err[0] ? p->err : "cannot open the event source");
		return -1;
	}
	return 0;
}

int pipe_add_sink(struct pipeline *p, const struct dmas_sink *sink)
{
	if (p->nr_sinks == PIPE_MAX_SINKS) {
		pipe_fail(p, "more than %d sinks", PIPE_MAX_SINKS);
		return -1;
	}
	p->sinks[p->nr_sinks++] = *sink;
	return 0;
}

int pipe_engine(struct pipeline *p, enum pipe_feed feed)
{
	struct dmas_sink sink;

	p->eo.device_filter = p->ro.device;
	p->eo.driver_filter = p->ro.driver;
	p->engine = dmas_engine_new(&p->eo);
	if (!p->engine) {
		pipe_fail(p, "cannot start the engine (out of memory)");
		return -1;
	}
	if (feed == PIPE_FEED_NONE)
		return 0;
	dmas_sink_engine(&p->engine_sink, p->engine);
	if (feed == PIPE_FEED_ENGINE)
		return pipe_add_sink(p, &p->engine_sink);
	/* one wrapper, not a tee: no extra dispatch per event */
	dmas_stream_info_wrap(&sink, &p->si, &p->engine_sink);
	return pipe_add_sink(p, &sink);
}

/*
 * A write that fails (a full disk) ends the session at the next idle
 * moment: tracing on into a recording that can no longer grow would only
 * hide the failure until Ctrl-C.
 */
static void (*writer_idle)(void *ctx, uint64_t now_ts);

static void record_idle(void *ctx, uint64_t now_ts)
{
	writer_idle(ctx, now_ts);
	if (dmat_writer_error(ctx))
		live_stop = 1;
}

static void stale_part(void *ctx, const char *part, long long size, int e)
{
	struct pipeline *p = ctx;

	if (e)
		fprintf(stderr,
			"dmatrace %s: warning: %s (%lld bytes) was left by a recording that was stopped before it finished, and cannot be removed: %s\n",
			p->cmd, part, size, strerror(e));
	else
		fprintf(stderr,
			"dmatrace %s: warning: %s (%lld bytes) was left by a recording that was stopped before it finished: removed, this recording replaces it\n",
			p->cmd, part, size);
}

int pipe_record(struct pipeline *p, const char *path,
		const struct dmat_writer_opts *wo, bool stop_on_error)
{
	struct dmas_sink sink;

	/* what a killed recorder of the same name left is said, not kept */
	if (strcmp(path, "-"))
		dmas_outfile_stale(path, true, stale_part, p);
	/* under a temporary name: the file appears only when it is whole */
	p->err[0] = '\0';
	if (dmas_outfile_open(&p->rec_file, path, p->err, sizeof(p->err))) {
		pipe_fail(p, "%s", p->err);
		return -1;
	}
	p->rec_path = path;
	p->writer = dmat_writer_open_fd(p->rec_file.fd, path, NULL, wo, p->err,
					sizeof(p->err));
	if (!p->writer) {
		pipe_fail(p, "%s", p->err);
		return -1;
	}
	dmat_sink_writer(&sink, p->writer);
	if (stop_on_error) {
		writer_idle = sink.idle;
		sink.idle = record_idle;
	}
	return pipe_add_sink(p, &sink);
}

int pipe_close_recording(struct pipeline *p, uint64_t end_ts)
{
	struct dmat_writer *w = p->writer;

	if (!w)
		return 0;
	p->writer = NULL;
	p->rec_path = NULL;
	if (dmat_writer_close(w, end_ts, p->err, sizeof(p->err))) {
		pipe_fail(p, "writing %s failed: %s", p->rec_file.path, p->err);
		dmas_outfile_abort(&p->rec_file);
		return -1;
	}
	if (dmas_outfile_commit(&p->rec_file, p->err, sizeof(p->err))) {
		pipe_fail(p, "%s", p->err);
		return -1;
	}
	return 0;
}

FILE *pipe_open_doc(struct pipeline *p, const char *path)
{
	FILE *f = NULL;

	/* under a temporary name: the file appears only when it is whole */
	p->err[0] = '\0';
	if (dmas_outfile_open(&p->doc, path ? path : "-", p->err,
			      sizeof(p->err)) ||
	    !(f = dmas_outfile_stream(&p->doc))) {
		pipe_fail(p, "%s", p->err[0] ? p->err : "out of memory");
		dmas_outfile_abort(&p->doc);
		return NULL;
	}
	p->doc_open = true;
	return f;
}

int pipe_commit_doc(struct pipeline *p)
{
	if (!p->doc_open)
		return 0;
	p->doc_open = false;
	if (dmas_outfile_commit(&p->doc, p->err, sizeof(p->err))) {
		pipe_fail(p, "%s", p->err);
		return -1;
	}
	return 0;
}

/* The stages' start, once: before CMD starts, or else before the run. */
static int start_stages(struct pipeline *p)
{
	int i;

	if (p->stages_started)
		return 0;
	p->stages_started = true;
	for (i = 0; i < p->nr_stages; i++)
		if (p->stages[i].start &&
		    p->stages[i].start(p, p->stages[i].ctx))
			return -1;
	return 0;
}

int pipe_spawn(struct pipeline *p, char **argv)
{
	if (start_stages(p))
		return -1;
	p->cmd_argv = argv;
	p->child = live_cmd_spawn(argv, p->err, sizeof(p->err));
	if (p->child < 0) {
		p->child = 0;
		pipe_fail(p, "%s", p->err);
		return -1;
	}
	return 0;
}

int pipe_wait(struct pipeline *p)
{
	if (p->child > 0) {
		p->child_status = live_cmd_wait(p->child);
		p->child = 0;
	}
	return p->child_status;
}

void pipe_add_stage(struct pipeline *p, const struct pipe_stage *st)
{
	if (p->nr_stages < PIPE_MAX_STAGES)
		p->stages[p->nr_stages++] = *st;
}

int pipe_add_output(struct pipeline *p, const struct pipe_output *o)
{
	if (p->nr_outputs == PIPE_MAX_OUTPUTS) {
		pipe_fail(p, "more than %d reports", PIPE_MAX_OUTPUTS);
		return -1;
	}
	p->outputs[p->nr_outputs++] = *o;
	return 0;
}

int pipe_run(struct pipeline *p, volatile sig_atomic_t *stop)
{
	const struct dmas_sink *sink = &p->sinks[0];
	int i;

	if (start_stages(p))
		return -1;
	if (p->nr_sinks > 1) {
		p->tee.n = 0;
		for (i = 0; i < p->nr_sinks; i++)
			p->tee.sinks[p->tee.n++] = &p->sinks[i];
		dmas_sink_tee(&p->tee_sink, &p->tee);
		sink = &p->tee_sink;
	}
	p->run_err[0] = '\0';
	return dmas_source_run(p->src, sink, stop, p->run_err,
			       sizeof(p->run_err));
}

void pipe_close_source(struct pipeline *p, struct dmas_live_stats *st)
{
	if (!p->src)
		return;
	if (st)
		dmas_source_live_stats(p->src, st);
	dmas_source_close(p->src);
	p->src = NULL;
}

void pipe_finish(struct pipeline *p, uint64_t end_ts)
{
	int i;

	dmas_engine_finish(p->engine, end_ts);
	for (i = 0; i < p->nr_stages; i++)
		if (p->stages[i].finished)
			p->stages[i].finished(p, p->stages[i].ctx);
}

static void report_one(struct pipeline *p, const struct pipe_output *o)
{
	const char *path = o->path ? o->path : "-";
	struct dmas_outfile of;
	FILE *out = NULL;
	char err[512] = "";

	/* under a temporary name: the report appears only when it is whole */
	if (dmas_outfile_open(&of, path, err, sizeof(err)) ||
	    !(out = dmas_outfile_stream(&of))) {
		dmas_outfile_abort(&of);
		if (!p->output_fallback_stdout) {
			pipe_fail(p, "%s", err[0] ? err : "out of memory");
			return;
		}
		pipe_fail(p, "%s; the report goes to stdout",
			  err[0] ? err : "out of memory");
		path = "-";
		dmas_outfile_open(&of, path, err, sizeof(err));
		out = dmas_outfile_stream(&of);
	}
	if (o->write(out, p->engine, &p->ro)) {
		pipe_fail(p, "writing the report to %s failed: %s",
			  strcmp(path, "-") ? path : "standard output",
			  strerror(errno));
		dmas_outfile_abort(&of);
		return;
	}
	if (o->append)
		o->append(out, p, o->ctx);
	if (dmas_outfile_commit(&of, err, sizeof(err)))
		pipe_fail(p, "%s", err);
}

void pipe_report(struct pipeline *p)
{
	int i;

	dmas_report_opts_fill(&p->ro, &p->eo, &p->si);
	for (i = 0; i < p->nr_outputs; i++)
		report_one(p, &p->outputs[i]);
}

int pipe_exit_status(const struct pipeline *p)
{
	if (p->status)
		return p->status;
	if (p->engine && p->nr_outputs && dmas_report_count(p->engine, &p->ro))
		return DMATRACE_EXIT_FINDINGS;
	return DMATRACE_EXIT_OK;
}

void pipe_free(struct pipeline *p)
{
	int i;

	for (i = 0; i < p->nr_stages; i++)
		if (p->stages[i].free)
			p->stages[i].free(p->stages[i].ctx);
	if (p->writer) {
		/* never closed: nothing whole to keep */
		dmat_writer_abandon(p->writer);
		p->writer = NULL;
	}
	if (p->rec_path)
		dmas_outfile_abort(&p->rec_file);
	if (p->doc_open)
		dmas_outfile_abort(&p->doc);
	if (p->src)
		dmas_source_close(p->src);
	if (p->engine)
		dmas_engine_free(p->engine);
	dmas_stream_info_free(&p->si);
	memset(p, 0, sizeof(*p));
}
