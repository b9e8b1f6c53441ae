/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * sink.c - the sinks every source can deliver to: one that feeds an engine
 * and one that copies to several sinks (record and analyse at once).
 */
#include "engine/engine.h"
#include "source/source.h"

static void eng_session(void *ctx, const struct dmas_session *s)
{
	dmas_engine_set_session(ctx, s);
}

static void eng_device(void *ctx, const struct dmas_device *d)
{
	dmas_engine_add_device(ctx, d);
}

static void eng_stack(void *ctx, const struct dmas_stack *s)
{
	dmas_engine_add_stack(ctx, s);
}

static void eng_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	dmas_engine_add_mem_range(ctx, r);
}

static void eng_event(void *ctx, const struct dmas_event *ev)
{
	dmas_engine_feed(ctx, ev);
}

static void eng_events(void *ctx, const struct dmas_event *evs, size_t n)
{
	dmas_engine_feed_batch(ctx, evs, n);
}

static void eng_idle(void *ctx, uint64_t now_ts)
{
	dmas_engine_tick(ctx, now_ts);
}

static void eng_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	dmas_engine_add_cpu_node(ctx, cpu, node);
}

void dmas_sink_engine(struct dmas_sink *sink, struct dmas_engine *e)
{
	sink->session = eng_session;
	sink->device = eng_device;
	sink->stack = eng_stack;
	sink->mem_range = eng_mem_range;
	sink->event = eng_event;
	sink->events = eng_events;
	sink->idle = eng_idle;
	sink->cpu_node = eng_cpu_node;
	sink->ctx = e;
}

#define TEE_EACH(cb, ...)                                             \
	do {                                                          \
		const struct dmas_sink_tee *t_ = ctx;                 \
		int i_;                                               \
		for (i_ = 0; i_ < t_->n; i_++)                        \
			if (t_->sinks[i_] && t_->sinks[i_]->cb)       \
				t_->sinks[i_]->cb(t_->sinks[i_]->ctx, \
						  __VA_ARGS__);       \
	} while (0)

static void tee_session(void *ctx, const struct dmas_session *s)
{
	TEE_EACH(session, s);
}

static void tee_device(void *ctx, const struct dmas_device *d)
{
	TEE_EACH(device, d);
}

static void tee_stack(void *ctx, const struct dmas_stack *s)
{
	TEE_EACH(stack, s);
}

static void tee_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	TEE_EACH(mem_range, r);
}

static void tee_event(void *ctx, const struct dmas_event *ev)
{
	TEE_EACH(event, ev);
}

static void tee_idle(void *ctx, uint64_t now_ts)
{
	TEE_EACH(idle, now_ts);
}

static void tee_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	TEE_EACH(cpu_node, cpu, node);
}

void dmas_sink_tee(struct dmas_sink *sink, struct dmas_sink_tee *tee)
{
	sink->session = tee_session;
	sink->device = tee_device;
	sink->stack = tee_stack;
	sink->mem_range = tee_mem_range;
	sink->event = tee_event;
	sink->idle = tee_idle;
	sink->cpu_node = tee_cpu_node;
	sink->events = NULL; /* one by one: each event reaches every sink */
	sink->ctx = tee;
}
