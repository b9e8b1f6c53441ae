/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* stream_info.c - see stream_info.h: times and driver names from a stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream_info.h"

static void remember_driver(struct dmas_stream_info *si, uint32_t dev,
			    const char *drv, size_t len)
{
	if (!dev || dev > DMAS_DEV_ID_MAX || !drv[0])
		return;
	if (dev >= si->nr_drivers) {
		uint32_t n = si->nr_drivers ? si->nr_drivers : 16;
		void *p;

		while (n <= dev)
			n *= 2;
		p = realloc(si->drivers, (size_t)n * sizeof(*si->drivers));
		if (!p)
			return;
		si->drivers = p;
		memset(si->drivers + si->nr_drivers, 0,
		       (size_t)(n - si->nr_drivers) * sizeof(*si->drivers));
		si->nr_drivers = n;
	}
	if (len >= DMAS_DRV_NAME_LEN)
		len = DMAS_DRV_NAME_LEN - 1;
	memcpy(si->drivers[dev], drv, len);
	si->drivers[dev][len] = '\0';
}

static void on_device(void *ctx, const struct dmas_device *d)
{
	remember_driver(ctx, d->id, d->driver,
			strnlen(d->driver, sizeof(d->driver)));
}

static void on_event(void *ctx, const struct dmas_event *ev)
{
	struct dmas_stream_info *si = ctx;

	if (!si->events++ || ev->ts < si->first_ts)
		si->first_ts = ev->ts;
	if (ev->ts > si->last_ts)
		si->last_ts = ev->ts;
	if (ev->kind == DMAS_EV_DRIVER_BIND)
		remember_driver(si, ev->dev, ev->name,
				strnlen(ev->name, sizeof(ev->name)));
}

static void on_idle(void *ctx, uint64_t now)
{
	struct dmas_stream_info *si = ctx;

	if (now > si->last_ts)
		si->last_ts = now;
}

void dmas_stream_info_sink(struct dmas_sink *sink, struct dmas_stream_info *si)
{
	memset(sink, 0, sizeof(*sink));
	sink->device = on_device;
	sink->event = on_event;
	sink->idle = on_idle;
	sink->ctx = si;
}

static void wrap_session(void *ctx, const struct dmas_session *s)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	if (in->session)
		in->session(in->ctx, s);
}

static void wrap_device(void *ctx, const struct dmas_device *d)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	on_device(ctx, d);
	if (in->device)
		in->device(in->ctx, d);
}

static void wrap_stack(void *ctx, const struct dmas_stack *st)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	if (in->stack)
		in->stack(in->ctx, st);
}

static void wrap_mem_range(void *ctx, const struct dmas_mem_range *r)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	if (in->mem_range)
		in->mem_range(in->ctx, r);
}

static void wrap_event(void *ctx, const struct dmas_event *ev)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	on_event(ctx, ev);
	if (in->event)
		in->event(in->ctx, ev);
}

/* on_event for a batch: the times kept in registers, without branches */
static void wrap_events(void *ctx, const struct dmas_event *evs, size_t n)
{
	struct dmas_stream_info *si = ctx;
	uint64_t first = si->events ? si->first_ts : UINT64_MAX;
	uint64_t last = si->last_ts;

	if (!n)
		return;
	for (const struct dmas_event *ev = evs; ev < evs + n; ev++) {
		first = ev->ts < first ? ev->ts : first;
		last = ev->ts > last ? ev->ts : last;
		if (ev->kind == DMAS_EV_DRIVER_BIND)
			remember_driver(si, ev->dev, ev->name,
					strnlen(ev->name, sizeof(ev->name)));
	}
	si->events += n;
	si->first_ts = first;
	si->last_ts = last;
	dmas_sink_events(si->inner, evs, n);
}

static void wrap_idle(void *ctx, uint64_t now)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	on_idle(ctx, now);
	if (in->idle)
		in->idle(in->ctx, now);
}

static void wrap_cpu_node(void *ctx, uint32_t cpu, int32_t node)
{
	const struct dmas_sink *in = ((struct dmas_stream_info *)ctx)->inner;

	if (in->cpu_node)
		in->cpu_node(in->ctx, cpu, node);
}

void dmas_stream_info_wrap(struct dmas_sink *sink, struct dmas_stream_info *si,
			   const struct dmas_sink *inner)
{
	memset(sink, 0, sizeof(*sink));
	si->inner = inner;
	sink->session = wrap_session;
	sink->device = wrap_device;
	sink->stack = wrap_stack;
	sink->mem_range = wrap_mem_range;
	sink->event = wrap_event;
	sink->events = wrap_events;
	sink->idle = wrap_idle;
	sink->cpu_node = wrap_cpu_node;
	sink->ctx = si;
}

const char *dmas_stream_info_driver(void *ctx, uint32_t dev)
{
	struct dmas_stream_info *si = ctx;

	if (dev >= si->nr_drivers || !si->drivers[dev][0])
		return NULL;
	return si->drivers[dev];
}

void dmas_stream_info_free(struct dmas_stream_info *si)
{
	free(si->drivers);
	si->drivers = NULL;
	si->nr_drivers = 0;
}
