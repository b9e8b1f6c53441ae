// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * file.c - a .dmat recording (or, by its content, a trace-cmd trace.dat:
 * tracecmd.c; a perf.data: perfdata.c) as an event source, and the generic
 * dmas_source_run()/dmas_source_close() that dispatch to any source.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/dmat.h"
#include "source/source_impl.h"

struct file_source {
	struct dmas_source base;
	struct dmat_reader *r;
};

static int file_run(struct dmas_source *s, const struct dmas_sink *sink,
		    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct file_source *fs =
		dmas_source_container(s, struct file_source, base);
	struct dmat_record rec;
	const struct dmas_event *evs;
	size_t n;

	if (sink->session)
		sink->session(sink->ctx, dmat_reader_session(fs->r));
	for (;;) {
		enum dmat_rec t;

		if (stop && *stop)
			return 0;
		t = dmat_reader_next_batch(fs->r, &rec, &evs, &n);
		switch (t) {
		case DMAT_R_EVENT:
			dmas_sink_events(sink, evs, n);
			break;
		case DMAT_R_DEVICE:
			if (sink->device)
				sink->device(sink->ctx, &rec.device);
			break;
		case DMAT_R_STACK:
			if (sink->stack)
				sink->stack(sink->ctx, &rec.stack);
			break;
		case DMAT_R_MEM_RANGE:
			if (sink->mem_range)
				sink->mem_range(sink->ctx, &rec.range);
			break;
		case DMAT_R_CPU_NODE:
			if (sink->cpu_node)
				sink->cpu_node(sink->ctx, rec.cpu_node.cpu,
					       rec.cpu_node.node);
			break;
		case DMAT_R_EOF:
			/* the recording ran until end_ts: let time-based checks
			 * see it */
			if (sink->idle && dmat_reader_end_ts(fs->r))
				sink->idle(sink->ctx,
					   dmat_reader_end_ts(fs->r));
			if (dmat_reader_note(fs->r)) {
				snprintf(err, errlen, "%s",
					 dmat_reader_note(fs->r));
				return DMAS_SOURCE_WARNING;
			}
			return 0;
		case DMAT_R_TRUNCATED:
			snprintf(err, errlen, "%s", dmat_reader_error(fs->r));
			return 1;
		case DMAT_R_CORRUPT:
		case DMAT_R_IOERR:
		default:
			snprintf(err, errlen, "%s", dmat_reader_error(fs->r));
			return -1;
		}
	}
}

static void file_close(struct dmas_source *s)
{
	struct file_source *fs =
		dmas_source_container(s, struct file_source, base);

	dmat_reader_close(fs->r);
	free(fs);
}

static const struct dmas_source_ops file_ops = {
	.name = "file",
	.run = file_run,
	.close = file_close,
};

struct dmas_source *dmas_source_open_file(const char *path, char *err,
					  size_t errlen)
{
	struct file_source *fs;
	char head[64];
	struct stat st;
	FILE *f;
	size_t n;

	/* a trace-cmd recording is read by its own source (regular files
	 * only: peeking at a pipe would eat what the reader needs) */
	if (strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode) &&
	    (f = fopen(path, "rb"))) {
		n = fread(head, 1, sizeof(head), f);
		fclose(f);
		if (dmas_tracecmd_magic(head, n))
			return dmas_source_open_tracecmd(path, err, errlen);
		if (dmas_perf_magic(head, n))
			return dmas_source_open_perf(path, err, errlen);
	}
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	fs->r = dmat_reader_open(path, err, errlen);
	if (!fs->r) {
		free(fs);
		return NULL;
	}
	fs->base.ops = &file_ops;
	return &fs->base;
}

int dmas_source_run(struct dmas_source *s, const struct dmas_sink *sink,
		    volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	if (err && errlen)
		err[0] = '\0';
	return s->ops->run(s, sink, stop, err, errlen);
}

void dmas_source_close(struct dmas_source *s)
{
	if (s)
		s->ops->close(s);
}
