// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmat_write.c - the .dmat writer: records are built in one buffer (events
 * packed into batch records in place), checksummed, and written, through
 * zstd's streaming compressor when asked, in large blocks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "format/dmat.h"
#include "format/dmat_disk.h"

#define WBUF_SIZE (1u << 20)

struct dmat_writer {
	int fd;
	bool own_fd;
	char path[256];
	uint8_t *buf; /* uncompressed record stream not yet written */
	size_t cap, len;
	bool in_batch;
	size_t batch_off; /* of the open batch's record header in buf */
	uint32_t batch_n;
	bool compress;
	ZSTD_CCtx *cctx;
	uint8_t *zbuf;
	size_t zcap;
	bool hdr_written;
	struct dmas_session session;
	uint64_t events, lost, last_ts;
	bool failed;
	bool dirty; /* written since the last flush */
	uint64_t autoflush_ns; /* 0: only when asked */
	uint64_t last_flush_ns; /* CLOCK_MONOTONIC */
	char err[256];
};

static int fail(struct dmat_writer *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int fail(struct dmat_writer *w, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (w->failed)
		return -1;
	n = snprintf(w->err, sizeof(w->err), "%s: ", w->path);
	va_start(ap, fmt);
	vsnprintf(w->err + n, sizeof(w->err) - n, fmt, ap);
	va_end(ap);
	w->failed = true;
	return -1;
}

static int write_all(struct dmat_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t k = write(w->fd, b, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return fail(w, "write: %s", strerror(errno));
		}
		b += k;
		n -= k;
	}
	return 0;
}

static size_t put_section(uint8_t *p, uint16_t tag, const void *data,
			  size_t len)
{
	dmat_put16(p, tag);
	dmat_put16(p + 2, (uint16_t)len);
	memcpy(p + 4, data, len);
	return 4 + len;
}

static size_t put_str_section(uint8_t *p, uint16_t tag, const char *s,
			      size_t max)
{
	return put_section(p, tag, s, strnlen(s, max));
}

static int write_header(struct dmat_writer *w)
{
	const struct dmas_session *s = &w->session;
	/* every string section at its longest, and the fixed ones */
	uint8_t hdr[DMAT_FIXED_HDR + sizeof(*s) + 16 * 8 + 4], v[8];
	size_t n = DMAT_FIXED_HDR;

	n += put_str_section(hdr + n, DMAT_S_KERNEL, s->kernel_release,
			     sizeof(s->kernel_release));
	n += put_str_section(hdr + n, DMAT_S_HOST, s->hostname,
			     sizeof(s->hostname));
	dmat_put32(v, s->page_size);
	n += put_section(hdr + n, DMAT_S_PAGE_SIZE, v, 4);
	n += put_str_section(hdr + n, DMAT_S_CLOCK, s->clock, sizeof(s->clock));
	dmat_put64(v, s->start_ts);
	n += put_section(hdr + n, DMAT_S_START_TS, v, 8);
	dmat_put64(v, s->start_realtime_ns);
	n += put_section(hdr + n, DMAT_S_START_REALTIME, v, 8);
	n += put_str_section(hdr + n, DMAT_S_HOOKS, s->hooks, sizeof(s->hooks));
	v[0] = s->traced_from_boot;
	n += put_section(hdr + n, DMAT_S_FROM_BOOT, v, 1);

	memcpy(hdr, DMAT_MAGIC, DMAT_MAGIC_LEN);
	dmat_put16(hdr + 8, DMAT_VERSION_MAJOR);
	dmat_put16(hdr + 10, DMAT_VERSION_MINOR);
	dmat_put32(hdr + 12, w->compress ? DMAT_FLAG_ZSTD : 0);
	dmat_put32(hdr + 16, (uint32_t)(n - DMAT_FIXED_HDR));
	dmat_put32(hdr + n, dmat_crc32c(0, hdr, n));
	n += 4;
	w->hdr_written = true;
	return write_all(w, hdr, n);
}

static void seal_record(uint8_t *rec, uint32_t type, uint32_t len)
{
	size_t padded = (len + 7) & ~7u;

	dmat_put32(rec, type);
	dmat_put32(rec + 4, len);
	dmat_put32(rec + 8, 0);
	dmat_put32(rec + 12, dmat_crc32c(0, rec, 8));
	memset(rec + DMAT_REC_HDR + len, 0, padded - len);
	dmat_put32(rec + 8, dmat_crc32c(0, rec, DMAT_REC_HDR + padded));
}

static void close_batch(struct dmat_writer *w)
{
	if (!w->in_batch)
		return;
	seal_record(w->buf + w->batch_off, DMAT_T_EVENTS,
		    w->batch_n * DMAT_EVENT_SIZE);
	w->in_batch = false;
}

/* Hand the buffered stream to the file; mode is a ZSTD_EndDirective. */
static int drain(struct dmat_writer *w, ZSTD_EndDirective mode)
{
	if (w->failed)
		return -1;
	close_batch(w);
	if (!w->hdr_written && write_header(w))
		return -1;
	if (!w->compress) {
		int ret = write_all(w, w->buf, w->len);

		w->len = 0;
		return ret;
	}
	ZSTD_inBuffer in = {w->buf, w->len, 0};
	size_t left;

	do {
		ZSTD_outBuffer out = {w->zbuf, w->zcap, 0};

		left = ZSTD_compressStream2(w->cctx, &out, &in, mode);
		if (ZSTD_isError(left))
			return fail(w, "zstd: %s", ZSTD_getErrorName(left));
		if (out.pos && write_all(w, w->zbuf, out.pos))
			return -1;
	} while (mode == ZSTD_e_continue ? in.pos < in.size : left != 0);
	w->len = 0;
	return 0;
}

/* Room for n more bytes in buf; the open batch stays open if it fits. */
static int reserve(struct dmat_writer *w, size_t n)
{
	if (w->failed)
		return -1;
	if (w->len + n <= w->cap)
		return 0;
	if (drain(w, ZSTD_e_continue))
		return -1;
	if (n > w->cap) {
		uint8_t *nb = realloc(w->buf, n);

		if (!nb)
			return fail(w, "out of memory");
		w->buf = nb;
		w->cap = n;
	}
	return 0;
}

/*
 * Level 1 by default: a recorder competes with the workload for CPU, and
 * on event streams level 3 saves only about 1.5% more for 25% more time.
 * Above 19 the window outgrows what readers accept (DMAT_ZSTD_WINDOW_LOG).
 */
static int writer_level(int level)
{
	if (!level)
		return 1;
	return level > 19 ? 19 : level;
}

static void release(struct dmat_writer *w);

/* Everything but the file: fd and name are set by the callers. */
static struct dmat_writer *writer_new(int fd, bool own_fd, const char *name,
				      const struct dmas_session *s,
				      const struct dmat_writer_opts *o,
				      char *err, size_t errlen)
{
	struct dmat_writer *w = calloc(1, sizeof(*w));

	if (!w) {
		snprintf(err, errlen, "%s: out of memory", name);
		if (own_fd)
			close(fd);
		return NULL;
	}
	w->fd = fd;
	w->own_fd = own_fd;
	snprintf(w->path, sizeof(w->path), "%s", name);
	if (s)
		w->session = *s;
	else
		dmat_writer_set_session(w, NULL);
	w->cap = WBUF_SIZE;
	w->buf = malloc(w->cap);
	if (o && o->compress) {
		w->compress = true;
		w->cctx = ZSTD_createCCtx();
		w->zcap = ZSTD_CStreamOutSize();
		w->zbuf = malloc(w->zcap);
		/* a frame checksum: damage the record checksums cannot see */
		if (w->cctx)
			ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
		if (w->cctx)
			ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel,
					       writer_level(o->level));
	}
	if (!w->buf || (w->compress && (!w->cctx || !w->zbuf))) {
		snprintf(err, errlen, "%s: out of memory", name);
		release(w);
		return NULL;
	}
	return w;
}

struct dmat_writer *dmat_writer_open(const char *path,
				     const struct dmas_session *s,
				     const struct dmat_writer_opts *o,
				     char *err, size_t errlen)
{
	int fd;

	if (!strcmp(path, "-"))
		return writer_new(STDOUT_FILENO, false, "<stdout>", s, o, err,
				  errlen);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return writer_new(fd, true, path, s, o, err, errlen);
}

struct dmat_writer *dmat_writer_open_fd(int fd, const char *name,
					const struct dmas_session *s,
					const struct dmat_writer_opts *o,
					char *err, size_t errlen)
{
	return writer_new(fd, false, name ? name : "<fd>", s, o, err, errlen);
}

int dmat_writer_set_session(struct dmat_writer *w, const struct dmas_session *s)
{
	if (w->hdr_written)
		return -1;
	if (s) {
		w->session = *s;
	} else {
		memset(&w->session, 0, sizeof(w->session));
		snprintf(w->session.clock, sizeof(w->session.clock),
			 "monotonic");
	}
	return 0;
}

/* Non-event record with a payload of len bytes: returns where to fill it. */
static uint8_t *begin_record(struct dmat_writer *w, size_t len)
{
	size_t need = DMAT_REC_HDR + ((len + 7) & ~7u);

	close_batch(w);
	if (reserve(w, need))
		return NULL;
	memset(w->buf + w->len + DMAT_REC_HDR, 0, len);
	return w->buf + w->len + DMAT_REC_HDR;
}

static int end_record(struct dmat_writer *w, uint32_t type, size_t len)
{
	w->dirty = true;
	seal_record(w->buf + w->len, type, (uint32_t)len);
	w->len += DMAT_REC_HDR + ((len + 7) & ~7u);
	return 0;
}

static void put_name(uint8_t *p, const char *s, size_t max)
{
	memcpy(p, s, strnlen(s, max - 1));
}

int dmat_write_device(struct dmat_writer *w, const struct dmas_device *d)
{
	uint8_t *p = begin_record(w, DMAT_DEVICE_LEN);

	if (!p)
		return -1;
	dmat_put32(p, d->id);
	dmat_put32(p + 4, (uint32_t)d->numa_node);
	dmat_put32(p + 8, d->flags);
	dmat_put64(p + 16, d->dma_mask);
	put_name(p + 24, d->name, DMAS_DEV_NAME_LEN);
	put_name(p + 24 + DMAS_DEV_NAME_LEN, d->driver, DMAS_DRV_NAME_LEN);
	put_name(p + 24 + DMAS_DEV_NAME_LEN + DMAS_DRV_NAME_LEN, d->bus,
		 DMAS_BUS_NAME_LEN);
	p += DMAT_DEVICE_LEN_MIN;
	dmat_put32(p, d->iommu_group);
	p[4] = d->iommu_domain;
	p[5] = d->port;
	return end_record(w, DMAT_T_DEVICE, DMAT_DEVICE_LEN);
}

int dmat_write_stack(struct dmat_writer *w, const struct dmas_stack *s)
{
	/* kernel stacks are far shorter: keep the innermost frames */
	uint32_t nr =
		s->nr_frames < DMAT_MAX_FRAMES ? s->nr_frames : DMAT_MAX_FRAMES;
	size_t len = 8;
	uint8_t *p;

	/* bounded frames keep the record far below DMAT_MAX_RECORD */
	for (uint32_t i = 0; i < nr; i++)
		len += strnlen(s->frames[i] ? s->frames[i] : "",
			       DMAT_MAX_FRAME_LEN) +
		       1;
	p = begin_record(w, len);
	if (!p)
		return -1;
	dmat_put32(p, s->id);
	dmat_put32(p + 4, nr);
	p += 8;
	for (uint32_t i = 0; i < nr; i++) {
		const char *f = s->frames[i] ? s->frames[i] : "";
		size_t fl = strnlen(f, DMAT_MAX_FRAME_LEN);

		memcpy(p, f, fl);
		p[fl] = '\0';
		p += fl + 1;
	}
	return end_record(w, DMAT_T_STACK, len);
}

int dmat_write_mem_range(struct dmat_writer *w, const struct dmas_mem_range *r)
{
	uint8_t *p = begin_record(w, DMAT_MEM_RANGE_LEN);
	bool kernel = r->kind != DMAS_MEM_RAM;

	if (!p)
		return -1;
	dmat_put64(p, r->start);
	dmat_put64(p + 8, r->end);
	/* a kernel range has a record type of its own: a reader that does
	 * not know it skips it instead of taking it for RAM */
	dmat_put32(p + 16, kernel ? r->kind : (uint32_t)r->node);
	return end_record(w, kernel ? DMAT_T_KERNEL_RANGE : DMAT_T_MEM_RANGE,
			  DMAT_MEM_RANGE_LEN);
}

int dmat_write_cpu_node(struct dmat_writer *w, const struct dmas_cpu_node *c)
{
	uint8_t *p = begin_record(w, DMAT_CPU_NODE_LEN);

	if (!p)
		return -1;
	dmat_put32(p, c->cpu);
	dmat_put32(p + 4, (uint32_t)c->node);
	return end_record(w, DMAT_T_CPU_NODE, DMAT_CPU_NODE_LEN);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Once per batch: cheap enough to look at the clock. */
static int maybe_autoflush(struct dmat_writer *w)
{
	if (!w->autoflush_ns || !w->dirty ||
	    now_ns() - w->last_flush_ns < w->autoflush_ns)
		return 0;
	return dmat_writer_flush(w);
}

static int open_batch(struct dmat_writer *w)
{
	if (maybe_autoflush(w))
		return -1;
	close_batch(w);
	if (reserve(w, DMAT_REC_HDR + DMAT_EVENT_SIZE))
		return -1;
	w->batch_off = w->len;
	w->len += DMAT_REC_HDR;
	w->batch_n = 0;
	w->in_batch = true;
	return 0;
}

int dmat_write_event(struct dmat_writer *w, const struct dmas_event *ev)
{
	if (__builtin_expect(!w->in_batch || w->batch_n == DMAT_BATCH_EVENTS ||
				     w->len + DMAT_EVENT_SIZE > w->cap,
			     0)) {
		if (open_batch(w))
			return -1;
	}
	w->dirty = true;
	dmat_event_encode(w->buf + w->len, ev);
	w->len += DMAT_EVENT_SIZE;
	w->batch_n++;
	w->events++;
	w->last_ts = ev->ts;
	if (ev->kind == DMAS_EV_LOST)
		w->lost += ev->count;
	return 0;
}

int dmat_write_events(struct dmat_writer *w, const struct dmas_event *evs,
		      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (dmat_write_event(w, &evs[i]))
			return -1;
	return 0;
}

int dmat_writer_flush(struct dmat_writer *w)
{
	w->dirty = false;
	if (w->autoflush_ns)
		w->last_flush_ns = now_ns();
	return drain(w, w->compress ? ZSTD_e_flush : ZSTD_e_continue);
}

void dmat_writer_set_autoflush(struct dmat_writer *w, uint64_t interval_ns)
{
	w->autoflush_ns = interval_ns;
	w->last_flush_ns = now_ns();
}

int dmat_writer_idle(struct dmat_writer *w)
{
	return w->dirty ? dmat_writer_flush(w) : 0;
}

const char *dmat_writer_error(const struct dmat_writer *w)
{
	return w->failed ? w->err : NULL;
}

uint64_t dmat_writer_events(const struct dmat_writer *w)
{
	return w->events;
}

static void release(struct dmat_writer *w)
{
	if (w->own_fd && w->fd >= 0)
		close(w->fd);
	ZSTD_freeCCtx(w->cctx);
	free(w->zbuf);
	free(w->buf);
	free(w);
}

int dmat_writer_close(struct dmat_writer *w, uint64_t end_ts, char *err,
		      size_t errlen)
{
	uint8_t *p = begin_record(w, DMAT_TRAILER_LEN);
	int ret = -1;

	if (p) {
		dmat_put64(p, w->events);
		dmat_put64(p + 8, end_ts ? end_ts : w->last_ts);
		dmat_put64(p + 16, w->lost);
		end_record(w, DMAT_T_TRAILER, DMAT_TRAILER_LEN);
		ret = drain(w, ZSTD_e_end);
	}
	if (!ret && w->own_fd && close(w->fd)) {
		fail(w, "close: %s", strerror(errno));
		ret = -1;
	}
	w->fd = w->own_fd ? -1 : w->fd;
	if (ret && err)
		snprintf(err, errlen, "%s", w->err);
	release(w);
	return ret;
}

void dmat_writer_abandon(struct dmat_writer *w)
{
	if (!w)
		return;
	if (w->buf)
		dmat_writer_flush(w);
	release(w);
}
