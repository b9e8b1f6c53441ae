// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * metrics_http.c - the HTTP side of `dmatrace serve`, on libevent's evhttp.
 *
 * evhttp parses requests and enforces the header and body limits; what it
 * lacks (libevent 2.1 has no connection limit, and its timeouts only catch
 * silence) we add around each connection's bufferevent.  We hold a
 * reference on it: when evhttp lets the connection go it clears the
 * callbacks, and a sweep (every 100 ms while any connection is open, and
 * at each new one) sees that, drops our reference (closing the socket) and
 * counts the connection closed.  Past --max-connections the oldest
 * connection that has not sent a whole request yet is cut to make room (a
 * scraper is not locked out by idle sockets), or the new one when every
 * other has; any connection gets --http-timeout per request (from its
 * start or its previous request) to send it and read the answer, so a
 * client that trickles a request byte by byte, or never reads, is cut off
 * too.  Cutting off is shutdown(2) on the socket: evhttp sees the end and
 * frees it.  An idle endpoint has no timer running.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "metrics_http.h"

#define SWEEP_US 100000 /* how often closed connections are reclaimed */

struct conn {
	struct bufferevent *bev;
	uint64_t deadline; /* CLOCK_MONOTONIC ns */
	bool cut; /* shut down already */
	bool served; /* sent a whole request */
	struct conn *next;
};

struct mhttp {
	struct mhttp_opts o;
	struct event_base *base;
	struct evhttp *http;
	struct event *sweeper;
	mhttp_render_fn render;
	void *ctx;
	struct conn *conns;
	struct metrics_http_stats st;
	char addr[80]; /* host (63 at most), brackets, port */
	unsigned char *gz;
	size_t gz_cap;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void cut_off(struct conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd >= 0 && !c->cut)
		shutdown(fd, SHUT_RDWR);
	c->cut = true;
}

/* Drops connections evhttp has let go; cuts off those past their time. */
static void sweep(evutil_socket_t fd, short what, void *arg)
{
	struct mhttp *h = arg;
	uint64_t now = mono_ns();
	struct conn **pp = &h->conns, *c;

	while ((c = *pp)) {
		bufferevent_data_cb rcb, wcb;
		bufferevent_event_cb ecb;
		void *cbarg;

		bufferevent_getcb(c->bev, &rcb, &wcb, &ecb, &cbarg);
		if (!rcb && !wcb && !ecb) {
			*pp = c->next;
			bufferevent_decref(c->bev);
			free(c);
			h->st.open--;
			continue;
		}
		if (now >= c->deadline)
			cut_off(c);
		pp = &c->next;
	}
	/* an idle endpoint wakes for nothing */
	if (h->conns)
		evtimer_add(h->sweeper, &(struct timeval){.tv_usec = SWEEP_US});
}

static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct mhttp *h = arg;
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		free(c);
		return NULL;
	}
	bufferevent_incref(c->bev);
	sweep(-1, 0, h);
	c->next = h->conns;
	h->conns = c;
	h->st.open++;
	c->deadline = mono_ns() + h->o.timeout_s * 1000000000ull;
	if (!evtimer_pending(h->sweeper, NULL))
		evtimer_add(h->sweeper, &(struct timeval){.tv_usec = SWEEP_US});
	if (h->st.open > h->o.max_connections) {
		struct conn *victim = NULL, *o;

		h->st.rejected++;
		for (o = c->next; o; o = o->next)
			if (!o->served && !o->cut)
				victim = o; /* the list is newest first */
		if (victim) {
			cut_off(victim);
		} else {
			/* its socket is set once we return: cut it then */
			c->deadline = 0;
			event_active(h->sweeper, EV_TIMEOUT, 0);
		}
	}
	return c->bev;
}

static struct conn *conn_of(struct mhttp *h, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev =
		evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct conn *c;

	for (c = h->conns; c; c = c->next)
		if (c->bev == bev)
			return c;
	return NULL;
}

static void reply(struct mhttp *h, struct evhttp_request *req, int code,
		  const char *reason, const char *type, const void *body,
		  size_t len, bool gz)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evbuffer_new();

	h->st.requests++;
	if (code >= 400)
		h->st.errors++;
	evhttp_add_header(oh, "Content-Type", type);
	if (gz)
		evhttp_add_header(oh, "Content-Encoding", "gzip");
	if (out && evhttp_request_get_command(req) != EVHTTP_REQ_HEAD)
		evbuffer_add(out, body, len);
	evhttp_send_reply(req, code, reason, out);
	if (out)
		evbuffer_free(out);
}

static bool wants_gzip(struct evhttp_request *req)
{
	const char *ae = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Accept-Encoding");

	return ae && strstr(ae, "gzip");
}

/* gzip of body into h->gz; its length, or 0 when it cannot (send plain). */
static size_t gzip(struct mhttp *h, const char *body, size_t len)
{
	z_stream z = {0};
	size_t need = deflateBound(&z, len) + 32;
	int rc;

	if (need > h->gz_cap) {
		unsigned char *p = realloc(h->gz, need);

		if (!p)
			return 0;
		h->gz = p;
		h->gz_cap = need;
	}
	if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	z.next_in = (unsigned char *)body;
	z.avail_in = len;
	z.next_out = h->gz;
	z.avail_out = h->gz_cap;
	rc = deflate(&z, Z_FINISH);
	deflateEnd(&z);
	return rc == Z_STREAM_END ? z.total_out : 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct mhttp *h = arg;
	const char *path = evhttp_request_get_uri(req), *body;
	struct conn *c = conn_of(h, req);
	long len;

	if (c && c->deadline) {
		/* the next request (or this answer's sending) gets its own */
		c->deadline = mono_ns() + h->o.timeout_s * 1000000000ull;
		c->served = true;
	}
	if (!strncmp(path, "/metrics", 8) && (!path[8] || path[8] == '?')) {
		size_t zlen;

		len = h->render(h->ctx, &h->st, &body);
		if (len == MHTTP_NOT_READY) {
			evhttp_add_header(
				evhttp_request_get_output_headers(req),
				"Retry-After", "1");
			reply(h, req, 503, "Service Unavailable",
			      "text/plain; charset=utf-8", body, strlen(body),
			      false);
			return;
		}
		if (len < 0) {
			reply(h, req, 500, "Internal Server Error",
			      "text/plain", "out of memory\n", 14, false);
			return;
		}
		if (wants_gzip(req) && (zlen = gzip(h, body, len)))
			reply(h, req, 200, "OK", METRICS_CONTENT_TYPE, h->gz,
			      zlen, true);
		else
			reply(h, req, 200, "OK", METRICS_CONTENT_TYPE, body,
			      len, false);
		return;
	}
	if (!strcmp(path, "/")) {
		static const char page[] =
			"dmascope: DMA metrics at /metrics\n";

		reply(h, req, 200, "OK", "text/plain; charset=utf-8", page,
		      sizeof(page) - 1, false);
		return;
	}
	reply(h, req, 404, "Not Found", "text/plain; charset=utf-8",
	      "not found: try /metrics\n", 24, false);
}

/* "127.0.0.1:9747", "[::1]:9747", ":9747" (loopback) into ss; host[64] */
static int parse_listen(const char *spec, struct sockaddr_storage *ss,
			socklen_t *sl, char *host, char *err, size_t errlen)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(spec, ':');
	char *end;
	long port;

	memset(ss, 0, sizeof(*ss));
	if (!colon || colon - spec >= 64) {
		snprintf(err, errlen,
			 "--listen '%s': want ADDR:PORT (127.0.0.1:9747)",
			 spec);
		return -1;
	}
	memcpy(host, spec, colon - spec);
	host[colon - spec] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || port < 0 || port > 65535) {
		snprintf(err, errlen, "--listen '%s': bad port", spec);
		return -1;
	}
	if (!host[0])
		strcpy(host, "127.0.0.1");
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*sl = sizeof(*s4);
	} else if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*sl = sizeof(*s6);
	} else {
		snprintf(
			err, errlen,
			"--listen '%s': '%s' is not an IPv4 or IPv6 address (names are not resolved)",
			spec, host);
		return -1;
	}
	return 0;
}

int mhttp_check_listen(const char *spec, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char host[64];

	return parse_listen(spec, &ss, &sl, host, err, errlen);
}

static int listen_socket(const char *spec, char *addr, size_t addrlen,
			 char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t sl;
	char host[64];
	int fd, one = 1;

	if (parse_listen(spec, &ss, &sl, host, err, errlen))
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64)) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec,
			 strerror(errno));
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET)
		snprintf(addr, addrlen, "%s:%u", host, ntohs(s4->sin_port));
	else
		snprintf(addr, addrlen, "[%s]:%u", host, ntohs(s6->sin6_port));
	return fd;
}

struct mhttp *mhttp_start(struct event_base *base, const struct mhttp_opts *o,
			  mhttp_render_fn render, void *ctx, char *err,
			  size_t errlen)
{
	struct mhttp *h = calloc(1, sizeof(*h));
	int fd;

	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->o = *o;
	h->base = base;
	h->render = render;
	h->ctx = ctx;
	fd = listen_socket(o->listen, h->addr, sizeof(h->addr), err, errlen);
	if (fd < 0) {
		free(h);
		return NULL;
	}
	h->http = evhttp_new(base);
	if (!h->http || evhttp_accept_socket(h->http, fd)) {
		snprintf(err, errlen, "cannot start the HTTP server");
		close(fd);
		if (h->http)
			evhttp_free(h->http);
		free(h);
		return NULL;
	}
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_max_headers_size(h->http, o->max_header_bytes);
	evhttp_set_max_body_size(h->http, 0);
	evhttp_set_timeout(h->http, o->timeout_s);
	h->sweeper = evtimer_new(base, sweep, h);
	if (!h->sweeper) {
		snprintf(err, errlen, "cannot start the HTTP server's timer");
		mhttp_free(h);
		return NULL;
	}
	evhttp_set_bevcb(h->http, new_conn, h);
	evhttp_set_gencb(h->http, on_request, h);
	return h;
}

const char *mhttp_address(const struct mhttp *h)
{
	return h->addr;
}

void mhttp_stats(const struct mhttp *h, struct metrics_http_stats *out)
{
	*out = h->st;
}

void mhttp_free(struct mhttp *h)
{
	struct conn *c;

	if (!h)
		return;
	if (h->sweeper)
		event_free(h->sweeper);
	evhttp_free(h->http);
	while ((c = h->conns)) {
		h->conns = c->next;
		bufferevent_decref(c->bev);
		free(c);
	}
	free(h->gz);
	free(h);
}
