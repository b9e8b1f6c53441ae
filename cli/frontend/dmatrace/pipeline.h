/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * pipeline.h - what every dmatrace command runs: options (one table), a
 * source, the sinks it feeds (engine, stream info, a recording kept
 * beside), the run, the report outputs, and one teardown.  One struct
 * owns all of it, so a command's early exit is "goto out; pipe_free()".
 *
 * Plug-in points for what a command adds around the analysis:
 * - report outputs (pipe_add_output): one per format and file, each
 *   written whole or not at all, with an optional appendix;
 * - stages (pipe_add_stage): called before the source runs, after the
 *   engine finished (gather more, filter findings through
 *   dmas_report_opts) and at teardown.
 */
#ifndef DMATRACE_PIPELINE_H
#define DMATRACE_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "engine/engine.h"
#include "format/dmat.h"
#include "frontend/outfile.h"
#include "optable.h"
#include "report.h"
#include "source/source.h"
#include "stream_info.h"

#define PIPE_MAX_SINKS 4 /* a tee's room */
#define PIPE_MAX_OUTPUTS 8
#define PIPE_MAX_STAGES 4

struct pipeline;

/* A report writer (text, JSON): 0, or -1 with errno when writing failed. */
typedef int (*pipe_report_fn)(FILE *out, const struct dmas_engine *e,
			      const struct dmas_report_opts *o);

struct pipe_output {
	const char *path; /* NULL or "-": standard output */
	pipe_report_fn write;
	/* written after the report into the same file; may be NULL */
	void (*append)(FILE *out, struct pipeline *p, void *ctx);
	void *ctx;
};

struct pipe_stage {
	/* before CMD starts and the source runs; 0 or -1 (the command stops) */
	int (*start)(struct pipeline *p, void *ctx);
	/* the engine has finished, the reports are not written yet */
	void (*finished)(struct pipeline *p, void *ctx);
	void (*free)(void *ctx); /* at teardown, however the run ended */
	void *ctx;
};

/* How the engine is fed (pipe_engine). */
enum pipe_feed {
	PIPE_FEED_NONE, /* the command feeds it from a sink of its own */
	PIPE_FEED_ENGINE, /* the engine's sink */
	PIPE_FEED_STREAM_INFO, /* the engine's sink, watched by p->si */
};

struct pipeline {
	const char *cmd; /* "check": messages begin "dmatrace check: " */
	char tool[32]; /* "dmatrace check", for reports */
	int status; /* DMATRACE_EXIT_ERROR once something failed */
	char err[512]; /* the last step's words */
	char run_err[512]; /* the source's words at the end of the run */

	/* options every analysing or tracing command shares */
	struct dmas_live_opts lo;
	struct dmas_engine_opts eo;
	struct dmas_report_opts ro;

	/* the source and what it feeds, in order */
	struct dmas_source *src;
	struct dmas_engine *engine;
	struct dmas_stream_info si;
	struct dmas_sink engine_sink, sinks[PIPE_MAX_SINKS];
	int nr_sinks;
	struct dmas_sink_tee tee;
	struct dmas_sink tee_sink;

	/* a recording written beside (record, check -w, serve -w) */
	const char *rec_path;
	struct dmas_outfile rec_file;
	struct dmat_writer *writer;

	/* CMD, started once tracing is active (record, check) */
	char **cmd_argv;
	pid_t child;
	int child_status; /* wait status */

	/* a streamed document (export), committed or dropped at the end */
	struct dmas_outfile doc;
	bool doc_open;

	struct pipe_output outputs[PIPE_MAX_OUTPUTS];
	int nr_outputs;
	/* an output that cannot be opened goes to stdout instead (check) */
	bool output_fallback_stdout;
	struct pipe_stage stages[PIPE_MAX_STAGES];
	int nr_stages;
	bool stages_started;
};

void pipe_init(struct pipeline *p, const char *cmd);
/*
 * The command's options: live-source and analysis rows are applied to p
 * itself, the others through apply(ctx, id, arg) (0, or -1 after saying
 * what is wrong).  0 with optind at the first operand; otherwise the
 * command ends: 1 after --help, -1 (p->status is 2) on a bad option.
 */
int pipe_parse(struct pipeline *p, const struct opt_spec *spec, int argc,
	       char **argv, int (*apply)(void *ctx, int id, const char *arg),
	       void *ctx);
/* "dmatrace CMD: " + message on stderr; the exit status becomes 2. */
void pipe_fail(struct pipeline *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Sources: 0, or -1 after saying why. */
int pipe_open_file(struct pipeline *p, const char *path);
/* Live tracing, with the stop handlers of live_cmd.h installed first. */
int pipe_open_live(struct pipeline *p);

/* Sinks, fed in the order they are added. */
int pipe_add_sink(struct pipeline *p, const struct dmas_sink *sink);
/* The engine, with p->eo and the report's device/driver filters. */
int pipe_engine(struct pipeline *p, enum pipe_feed feed);
/*
 * Keeps a recording of what the source delivers in path (under a
 * temporary name until pipe_close_recording).  stop_on_error: a write
 * that fails ends the run at the next idle moment (record).
 */
int pipe_record(struct pipeline *p, const char *path,
		const struct dmat_writer_opts *wo, bool stop_on_error);
/* Finishes the recording at end_ts and puts it in place; 0 or -1. */
int pipe_close_recording(struct pipeline *p, uint64_t end_ts);

/* The document a streaming command writes (path NULL: stdout). */
FILE *pipe_open_doc(struct pipeline *p, const char *path);
/* Puts what was written in place; 0 or -1. */
int pipe_commit_doc(struct pipeline *p);

/* Starts CMD once tracing is active; 0 or -1. */
int pipe_spawn(struct pipeline *p, char **argv);
/* Waits for CMD (if it was started); its wait status. */
int pipe_wait(struct pipeline *p);

void pipe_add_stage(struct pipeline *p, const struct pipe_stage *st);
int pipe_add_output(struct pipeline *p, const struct pipe_output *o);

/*
 * Runs the stages' start (if pipe_spawn did not), then the source until
 * it ends or *stop; the
 * source's return (dmas_source_run), its words in p->run_err.
 */
int pipe_run(struct pipeline *p, volatile sig_atomic_t *stop);
/* Live counters into st (may be NULL), then the source is closed. */
void pipe_close_source(struct pipeline *p, struct dmas_live_stats *st);
/* The engine's last tick at end_ts, then the stages' finished. */
void pipe_finish(struct pipeline *p, uint64_t end_ts);
/* Every output, each whole or not at all. */
void pipe_report(struct pipeline *p);
/* 2 on an error, else 1 when the reports hold findings, else 0. */
int pipe_exit_status(const struct pipeline *p);

/* Everything p still holds: a recording not closed is dropped. */
void pipe_free(struct pipeline *p);

#endif /* DMATRACE_PIPELINE_H */
