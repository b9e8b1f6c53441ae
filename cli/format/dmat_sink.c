// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmat_sink.c - a sink that writes what a source delivers into a .dmat
 * recording (dmatrace record, and tee'd beside the engine).  Write errors
 * are sticky in the writer: check dmat_writer_error() or the close result.
 */
#include "format/dmat.h"
#include "source/source.h"

static void ws_session(void *ctx, const struct dmas_session *s)
{
	dmat_writer_set_session(ctx, s);
}

static void ws_device(void *ctx, const struct dmas_device *d)
{
	dmat_write_device(ctx, d);
}

static void ws_stack(void *ctx, const struct dmas_stack *s)
{
	dmat_write_stack(ctx, s);
}

static void ws_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	dmat_write_mem_range(ctx, r);
}

static void ws_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	struct dmas_cpu_node c = {cpu, node};

	dmat_write_cpu_node(ctx, &c);
}

static void ws_event(void *ctx, const struct dmas_event *ev)
{
	dmat_write_event(ctx, ev);
}

static void ws_idle(void *ctx, uint64_t now_ts)
{
	dmat_writer_idle(ctx);
}

void dmat_sink_writer(struct dmas_sink *sink, struct dmat_writer *w)
{
	*sink = (struct dmas_sink){
		.session = ws_session,
		.device = ws_device,
		.stack = ws_stack,
		.mem_range = ws_mem_range,
		.event = ws_event,
		.cpu_node = ws_cpu_node,
		.idle = ws_idle,
		.ctx = w,
	};
	dmat_writer_set_autoflush(w, 1000000000ull);
}
