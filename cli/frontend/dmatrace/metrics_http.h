/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * metrics_http.h - the HTTP side of `dmatrace serve` (libevent's evhttp):
 * GET /metrics on one event loop, with bounds on connections, time per
 * request and header size, so that no client can hold it.
 */
#ifndef DMATRACE_METRICS_HTTP_H
#define DMATRACE_METRICS_HTTP_H

#include <stddef.h>

#include "metrics.h"

struct event_base;

struct mhttp_opts {
	const char *listen; /* "ADDR:PORT", "[ADDR6]:PORT"; port 0 picks one */
	unsigned max_connections; /* open at once; more are closed at once */
	unsigned timeout_s; /* a request read and answered within this */
	size_t max_header_bytes; /* request line + headers */
};

/*
 * Fills *body with the exposition to send (valid until the next call on
 * the same loop); returns its length, -1 (answered 500) or MHTTP_NOT_READY
 * with *body a one-line reason (answered 503 with Retry-After: Prometheus
 * then records the target as down, up=0, with that reason).
 */
#define MHTTP_NOT_READY (-2)
typedef long (*mhttp_render_fn)(void *ctx, const struct metrics_http_stats *st,
				const char **body);

struct mhttp;

/* 0 when spec is an address --listen takes; else -1 and why in err. */
int mhttp_check_listen(const char *spec, char *err, size_t errlen);
/* Binds and starts serving on base; NULL with err set when it cannot. */
struct mhttp *mhttp_start(struct event_base *base, const struct mhttp_opts *o,
			  mhttp_render_fn render, void *ctx, char *err,
			  size_t errlen);
/* The bound address, "127.0.0.1:9747" (after a port 0, the one picked). */
const char *mhttp_address(const struct mhttp *h);
void mhttp_stats(const struct mhttp *h, struct metrics_http_stats *out);
void mhttp_free(struct mhttp *h);

#endif /* DMATRACE_METRICS_HTTP_H */
