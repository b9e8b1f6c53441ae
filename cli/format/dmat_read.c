// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmat_read.c - the .dmat reader: a streaming window over the record
 * stream (decompressed on the fly when the file is zstd), every record's
 * checksum verified, events handed out from their batch in place.  Memory
 * stays constant in the file's size: the window grows only to the largest
 * record, which is bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "format/dmat.h"
#include "format/dmat_disk.h"

#define RBUF_SIZE (1u << 20)
#define ZIN_SIZE (256u << 10)

struct dmat_reader {
	/* raw input: a file descriptor or a memory buffer */
	int fd;
	bool own_fd;
	const uint8_t *mem;
	size_t mem_len, mem_pos;
	bool in_eof;
	uint64_t in_off; /* raw bytes consumed so far */
	char name[256];

	/* window over the (decompressed) record stream */
	uint8_t *buf;
	size_t cap, pos, end;
	uint64_t base; /* stream offset of buf[0] */
	uint64_t hdr_size; /* file offset of stream offset 0 (uncompressed) */

	ZSTD_DCtx *dctx;
	uint8_t *zin;
	size_t zin_pos, zin_end;
	size_t zret; /* last ZSTD_decompressStream result: 0 at frame end */

	unsigned major, minor;
	uint32_t flags;
	struct dmas_session session;

	const struct dmas_event *batch; /* events not yet handed out */
	size_t batch_left;
	const char **frames;
	size_t frames_cap;

	uint64_t events; /* in whole batches read */
	uint64_t handed; /* handed out */
	uint64_t last_ts, end_ts, last_off;
	bool done;
	enum dmat_rec final;
	char err[512];
	char why[160]; /* what a corrupt() record breaks */
	char note[512]; /* a warning about a complete recording */
};

static void set_err(struct dmat_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(struct dmat_reader *r, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof(r->err), "%s: ", r->name);

	va_start(ap, fmt);
	vsnprintf(r->err + n, sizeof(r->err) - n, fmt, ap);
	va_end(ap);
}

/* Raw bytes into dst: count read, 0 at end of input, -1 on error. */
static ssize_t raw_read(struct dmat_reader *r, uint8_t *dst, size_t n)
{
	ssize_t k;

	if (r->in_eof)
		return 0;
	if (r->mem) {
		k = (ssize_t)(r->mem_len - r->mem_pos < n
				      ? r->mem_len - r->mem_pos
				      : n);
		memcpy(dst, r->mem + r->mem_pos, k);
		r->mem_pos += k;
	} else {
		do
			k = read(r->fd, dst, n);
		while (k < 0 && errno == EINTR);
		if (k < 0) {
			set_err(r, "read: %s", strerror(errno));
			return -1;
		}
	}
	if (k == 0)
		r->in_eof = true;
	r->in_off += k;
	return k;
}

/* Read exactly n raw bytes unless the input ends: returns bytes read. */
static ssize_t raw_read_full(struct dmat_reader *r, uint8_t *dst, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = raw_read(r, dst + got, n - got);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += k;
	}
	return (ssize_t)got;
}

/*
 * Make `need` bytes of stream available at buf + pos.  0: there; 1: the
 * stream ends first (what is there stays); -1: error (r->err set, and the
 * return value of the caller is CORRUPT or IOERR as r->final says).
 */
static int fill(struct dmat_reader *r, size_t need)
{
	if (r->end - r->pos >= need)
		return 0;
	if (r->pos) {
		/* pos is a record boundary, so 8-byte alignment is kept */
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->base += r->pos;
		r->end -= r->pos;
		r->pos = 0;
	}
	if (need > r->cap) {
		size_t ncap = need + RBUF_SIZE;
		uint8_t *nb = realloc(r->buf, ncap);

		if (!nb) {
			set_err(r, "out of memory");
			r->final = DMAT_R_IOERR;
			return -1;
		}
		r->buf = nb;
		r->cap = ncap;
	}
	while (r->end < need) {
		if (!r->dctx) {
			ssize_t k =
				raw_read(r, r->buf + r->end, r->cap - r->end);

			if (k < 0) {
				r->final = DMAT_R_IOERR;
				return -1;
			}
			if (k == 0)
				return 1;
			r->end += k;
			continue;
		}
		if (r->zin_pos == r->zin_end && !r->in_eof) {
			ssize_t k = raw_read(r, r->zin, ZIN_SIZE);

			if (k < 0) {
				r->final = DMAT_R_IOERR;
				return -1;
			}
			r->zin_pos = 0;
			r->zin_end = k;
		}
		ZSTD_inBuffer in = {r->zin, r->zin_end, r->zin_pos};
		ZSTD_outBuffer out = {r->buf, r->cap, r->end};
		size_t ret = ZSTD_decompressStream(r->dctx, &out, &in);

		if (ZSTD_isError(ret)) {
			set_err(r,
				"compressed data corrupt near file offset %" PRIu64
				": %s",
				r->in_off - (r->zin_end - r->zin_pos),
				ZSTD_getErrorName(ret));
			r->final = DMAT_R_CORRUPT;
			return -1;
		}
		if (out.pos == r->end && in.pos == r->zin_pos && r->in_eof &&
		    r->zin_pos == r->zin_end)
			return 1;
		r->end = out.pos;
		r->zin_pos = in.pos;
		r->zret = ret;
	}
	return 0;
}

/*
 * After the trailer of a compressed recording: read to the end of the zstd
 * frame so its checksum is verified.  0 done, 1 input ended first, -1 error.
 */
static int zstd_frame_end(struct dmat_reader *r)
{
	while (r->zret != 0) {
		int f = fill(r, r->end - r->pos + 1);

		if (f)
			return f < 0 ? -1 : r->zret != 0;
	}
	return 0;
}

static void copy_str(char *dst, size_t dlen, const uint8_t *src, size_t slen)
{
	size_t n = slen < dlen - 1 ? slen : dlen - 1;

	memcpy(dst, src, n);
	dst[n] = '\0';
	/* a NUL inside ends the string, as it would for the writer */
	dst[strnlen(dst, n)] = '\0';
}

static int parse_sections(struct dmat_reader *r, const uint8_t *p, size_t len)
{
	struct dmas_session *s = &r->session;

	while (len) {
		uint16_t tag, sl;

		if (len < 4)
			return -1;
		tag = dmat_get16(p);
		sl = dmat_get16(p + 2);
		if (sl > len - 4)
			return -1;
		p += 4;
		len -= 4;
		switch (tag) {
		case DMAT_S_KERNEL:
			copy_str(s->kernel_release, sizeof(s->kernel_release),
				 p, sl);
			break;
		case DMAT_S_HOST:
			copy_str(s->hostname, sizeof(s->hostname), p, sl);
			break;
		case DMAT_S_CLOCK:
			copy_str(s->clock, sizeof(s->clock), p, sl);
			break;
		case DMAT_S_HOOKS:
			copy_str(s->hooks, sizeof(s->hooks), p, sl);
			break;
		case DMAT_S_PAGE_SIZE:
			if (sl >= 4)
				s->page_size = dmat_get32(p);
			break;
		case DMAT_S_START_TS:
			if (sl >= 8)
				s->start_ts = dmat_get64(p);
			break;
		case DMAT_S_START_REALTIME:
			if (sl >= 8)
				s->start_realtime_ns = dmat_get64(p);
			break;
		case DMAT_S_FROM_BOOT:
			if (sl >= 1)
				s->traced_from_boot = p[0] != 0;
			break;
		default: /* a newer writer's section */
			break;
		}
		p += sl;
		len -= sl;
	}
	return 0;
}

/* Header checks; 0 or -1 with r->err set. */
static int read_header(struct dmat_reader *r)
{
	uint8_t fixed[DMAT_FIXED_HDR], *hdr;
	ssize_t k = raw_read_full(r, fixed, sizeof(fixed));
	uint32_t slen, crc;

	if (k < 0)
		return -1;
	if (k == 0) {
		set_err(r, "empty file: not a dmascope recording");
		return -1;
	}
	if (memcmp(fixed, DMAT_MAGIC,
		   (size_t)k < DMAT_MAGIC_LEN ? (size_t)k : DMAT_MAGIC_LEN)) {
		set_err(r, "not a dmascope recording (bad magic)");
		return -1;
	}
	if (k < (ssize_t)sizeof(fixed)) {
		set_err(r,
			"truncated in its header (%zd bytes): the recording was not finished",
			k);
		return -1;
	}
	r->major = dmat_get16(fixed + 8);
	r->minor = dmat_get16(fixed + 10);
	r->flags = dmat_get32(fixed + 12);
	slen = dmat_get32(fixed + 16);
	if (r->major > DMAT_VERSION_MAJOR) {
		set_err(r,
			"recording format version %u.%u is newer than this dmascope reads (%u.x): use a newer dmascope",
			r->major, r->minor, DMAT_VERSION_MAJOR);
		return -1;
	}
	if (r->major < 1) {
		set_err(r, "recording format version %u.%u is not valid",
			r->major, r->minor);
		return -1;
	}
	if (slen > DMAT_MAX_SECTIONS) {
		set_err(r, "corrupt header (sections length %u)", slen);
		return -1;
	}
	hdr = malloc(DMAT_FIXED_HDR + slen + 4);
	if (!hdr) {
		set_err(r, "out of memory");
		return -1;
	}
	memcpy(hdr, fixed, DMAT_FIXED_HDR);
	k = raw_read_full(r, hdr + DMAT_FIXED_HDR, slen + 4);
	if (k < 0) {
		free(hdr);
		return -1;
	}
	if (k < (ssize_t)slen + 4) {
		free(hdr);
		set_err(r,
			"truncated in its header: the recording was not finished");
		return -1;
	}
	crc = dmat_get32(hdr + DMAT_FIXED_HDR + slen);
	if (crc != dmat_crc32c(0, hdr, DMAT_FIXED_HDR + slen)) {
		free(hdr);
		set_err(r, "corrupt header (checksum mismatch)");
		return -1;
	}
	if (parse_sections(r, hdr + DMAT_FIXED_HDR, slen)) {
		free(hdr);
		set_err(r, "corrupt header (bad section list)");
		return -1;
	}
	free(hdr);
	if (r->flags & ~DMAT_FLAGS_KNOWN) {
		set_err(r,
			"recording uses features this dmascope does not know (flags 0x%x): use a newer dmascope",
			r->flags & ~DMAT_FLAGS_KNOWN);
		return -1;
	}
	r->hdr_size = DMAT_FIXED_HDR + slen + 4;
	return 0;
}

static struct dmat_reader *open_common(struct dmat_reader *r, char *err,
				       size_t errlen)
{
	r->cap = RBUF_SIZE;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		snprintf(err, errlen, "%s: out of memory", r->name);
		dmat_reader_close(r);
		return NULL;
	}
	if (read_header(r)) {
		snprintf(err, errlen, "%s", r->err);
		dmat_reader_close(r);
		return NULL;
	}
	r->err[0] = '\0';
	if (r->flags & DMAT_FLAG_ZSTD) {
		r->dctx = ZSTD_createDCtx();
		if (r->dctx)
			ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax,
					       DMAT_ZSTD_WINDOW_LOG);
		r->zin = malloc(ZIN_SIZE);
		r->zret = 1;
		if (!r->dctx || !r->zin) {
			snprintf(err, errlen, "%s: out of memory", r->name);
			dmat_reader_close(r);
			return NULL;
		}
	}
	return r;
}

struct dmat_reader *dmat_reader_open(const char *path, char *err, size_t errlen)
{
	struct dmat_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s",
		 strcmp(path, "-") ? path : "<stdin>");
	if (!strcmp(path, "-")) {
		r->fd = STDIN_FILENO;
	} else {
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(r);
			return NULL;
		}
		r->own_fd = true;
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	return open_common(r, err, errlen);
}

struct dmat_reader *dmat_reader_open_mem(const void *buf, size_t len,
					 const char *name, char *err,
					 size_t errlen)
{
	struct dmat_reader *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "<memory>");
	r->fd = -1;
	r->mem = buf ? buf : (const uint8_t *)"";
	r->mem_len = buf ? len : 0;
	return open_common(r, err, errlen);
}

static uint64_t stream_to_report(const struct dmat_reader *r, uint64_t off)
{
	return r->dctx ? off : r->hdr_size + off;
}

static const char *off_note(const struct dmat_reader *r)
{
	return r->dctx ? " of the decompressed stream" : "";
}

static enum dmat_rec stop(struct dmat_reader *r, enum dmat_rec why)
{
	r->done = true;
	r->final = why;
	r->batch_left = 0;
	return why;
}

static enum dmat_rec corrupt(struct dmat_reader *r, uint64_t off, uint32_t type,
			     const char *what)
{
	set_err(r, "corrupt record (type %u) at offset %" PRIu64 "%s: %s", type,
		stream_to_report(r, off), off_note(r), what);
	return stop(r, DMAT_R_CORRUPT);
}

static enum dmat_rec truncated(struct dmat_reader *r)
{
	set_err(r,
		"truncated after %" PRIu64 " events at offset %" PRIu64
		"%s: the recording was not finished",
		r->events, stream_to_report(r, r->base + r->pos), off_note(r));
	return stop(r, DMAT_R_TRUNCATED);
}

/*
 * Ids index every reader's tables: one beyond the limits of event.h comes
 * from a damaged or crafted file, and is refused here once for all of
 * them (a table grown to the id would cost memory in proportion to it).
 */
static bool bad_ids(struct dmat_reader *r, const struct dmas_event *ev,
		    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ev[i].dev > DMAS_DEV_ID_MAX) {
			snprintf(
				r->why, sizeof(r->why),
				"event %zu of the batch names device id %u (the limit is %u)",
				i, ev[i].dev, DMAS_DEV_ID_MAX);
			return true;
		}
		if (ev[i].stack_id > DMAS_STACK_ID_MAX) {
			snprintf(
				r->why, sizeof(r->why),
				"event %zu of the batch names stack id %u (the limit is %u)",
				i, ev[i].stack_id, DMAS_STACK_ID_MAX);
			return true;
		}
	}
	return false;
}

static enum dmat_rec decode_stack(struct dmat_reader *r, const uint8_t *p,
				  uint32_t len, struct dmat_record *rec,
				  uint64_t off)
{
	uint32_t nr;
	size_t at = 8;

	if (len < 8)
		return corrupt(r, off, DMAT_T_STACK, "stack record too short");
	nr = dmat_get32(p + 4);
	if (nr > len - 8)
		return corrupt(r, off, DMAT_T_STACK, "more frames than bytes");
	if (nr > DMAT_MAX_FRAMES)
		return corrupt(r, off, DMAT_T_STACK, "too many frames");
	if (nr > r->frames_cap) {
		size_t ncap = nr < 64 ? 64 : nr;
		const char **nf = realloc(r->frames, ncap * sizeof(*nf));

		if (!nf) {
			set_err(r, "out of memory");
			return stop(r, DMAT_R_IOERR);
		}
		r->frames = nf;
		r->frames_cap = ncap;
	}
	for (uint32_t i = 0; i < nr; i++) {
		const uint8_t *nul = memchr(p + at, 0, len - at);

		if (!nul)
			return corrupt(r, off, DMAT_T_STACK,
				       "unterminated frame");
		r->frames[i] = (const char *)p + at;
		at = nul - p + 1;
	}
	rec->type = DMAT_R_STACK;
	rec->stack.id = dmat_get32(p);
	if (!rec->stack.id || rec->stack.id > DMAS_STACK_ID_MAX) {
		snprintf(r->why, sizeof(r->why),
			 "stack id %u is out of range (1 to %u)", rec->stack.id,
			 DMAS_STACK_ID_MAX);
		return corrupt(r, off, DMAT_T_STACK, r->why);
	}
	rec->stack.nr_frames = nr;
	rec->stack.frames = r->frames;
	return DMAT_R_STACK;
}

/*
 * A recording ends at its trailer; bytes after it (a second recording
 * appended with >>, garbage) are not read, but never silently: r->note
 * says how much and what it looks like.
 */
static void look_past_trailer(struct dmat_reader *r)
{
	uint8_t head[DMAT_MAGIC_LEN];
	size_t have = 0, left;
	uint64_t more = 0;
	char amount[32];
	struct stat st;
	ssize_t k;

	/* what is already in hand: the window, or compressed input */
	left = r->dctx ? r->zin_end - r->zin_pos : r->end - r->pos;
	if (left) {
		const uint8_t *p =
			r->dctx ? r->zin + r->zin_pos : r->buf + r->pos;

		have = left < sizeof(head) ? left : sizeof(head);
		memcpy(head, p, have);
	}
	if (have < sizeof(head)) {
		k = raw_read_full(r, head + have, sizeof(head) - have);
		if (k > 0) {
			have += (size_t)k;
			more += (uint64_t)k;
		}
	}
	if (!have)
		return;
	if (r->own_fd && !fstat(r->fd, &st) && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size >= r->in_off)
		more = st.st_size - r->in_off + left + more;
	else if (r->mem)
		more = r->mem_len - r->mem_pos + left + more;
	else
		more = 0; /* a pipe: the amount is not known */
	if (more)
		snprintf(amount, sizeof(amount), "%" PRIu64 " bytes", more);
	else
		snprintf(amount, sizeof(amount), "data");
	snprintf(
		r->note, sizeof(r->note),
		"%s: %s after the recording's trailer %s", r->name, amount,
		have == sizeof(head) && !memcmp(head, DMAT_MAGIC, sizeof(head))
			? "are a second recording appended to this one: only the first is read (split the file to analyse both)"
			: "are not part of it and were ignored");
}

/* The next record that is not an event batch, or a batch loaded into r. */
/*
 * A memory range (RAM of a node) or a kernel range (the image's code or
 * rodata, node -1); false for a kernel range of a kind this reader does
 * not check.  Both are 24 bytes: u64 start, u64 end, u32 node or kind.
 */
static bool decode_range(uint32_t type, const uint8_t *p,
			 struct dmas_mem_range *out)
{
	uint32_t v = dmat_get32(p + 16);

	out->start = dmat_get64(p);
	out->end = dmat_get64(p + 8);
	out->node = type == DMAT_T_MEM_RANGE ? (int32_t)v : -1;
	out->kind = type == DMAT_T_MEM_RANGE ? DMAS_MEM_RAM : v;
	return out->kind == DMAS_MEM_RAM ? type == DMAT_T_MEM_RANGE
					 : out->kind < DMAS_MEM_KINDS;
}

static enum dmat_rec next_record(struct dmat_reader *r, struct dmat_record *rec)
{
	for (;;) {
		uint64_t off = r->base + r->pos;
		uint32_t type, len, crc;
		size_t padded;
		uint8_t *h, *p;
		int f = fill(r, DMAT_REC_HDR);

		if (f < 0)
			return stop(r, r->final);
		if (f > 0)
			return truncated(r);
		h = r->buf + r->pos;
		type = dmat_get32(h);
		len = dmat_get32(h + 4);
		crc = dmat_get32(h + 8);
		if (dmat_get32(h + 12) != dmat_crc32c(0, h, 8))
			return corrupt(r, off, type,
				       "record header checksum mismatch");
		if (len > DMAT_MAX_RECORD)
			return corrupt(r, off, type,
				       "impossible record length");
		padded = (len + 7) & ~7u;
		f = fill(r, DMAT_REC_HDR + padded);
		if (f < 0)
			return stop(r, r->final);
		if (f > 0)
			return truncated(r);
		h = r->buf + r->pos;
		p = h + DMAT_REC_HDR;
		dmat_put32(h + 8, 0);
		if (dmat_crc32c(0, h, DMAT_REC_HDR + padded) != crc)
			return corrupt(r, off, type, "checksum mismatch");
		r->pos += DMAT_REC_HDR + padded;
		r->last_off = stream_to_report(r, off);

		switch (type) {
		case DMAT_T_EVENTS:
			if (len % DMAT_EVENT_SIZE)
				return corrupt(r, off, type,
					       "partial event in batch");
			if (!len)
				continue;
#if !DMAT_HOST_IS_DISK
			for (uint32_t i = 0; i < len; i += DMAT_EVENT_SIZE) {
				struct dmas_event ev;

				dmat_event_decode_portable(&ev, p + i);
				memcpy(p + i, &ev, sizeof(ev));
			}
#endif
			r->batch = (const struct dmas_event *)(void *)p;
			r->batch_left = len / DMAT_EVENT_SIZE;
			if (bad_ids(r, r->batch, r->batch_left))
				return corrupt(r, off, type, r->why);
			r->events += r->batch_left;
			return DMAT_R_EVENT;
		case DMAT_T_DEVICE:
			if (len < DMAT_DEVICE_LEN_MIN)
				return corrupt(r, off, type,
					       "device record too short");
			memset(&rec->device, 0, sizeof(rec->device));
			rec->type = DMAT_R_DEVICE;
			rec->device.id = dmat_get32(p);
			if (!rec->device.id ||
			    rec->device.id > DMAS_DEV_ID_MAX) {
				snprintf(
					r->why, sizeof(r->why),
					"device id %u is out of range (1 to %u)",
					rec->device.id, DMAS_DEV_ID_MAX);
				return corrupt(r, off, type, r->why);
			}
			rec->device.numa_node = (int32_t)dmat_get32(p + 4);
			rec->device.flags = dmat_get32(p + 8);
			rec->device.dma_mask = dmat_get64(p + 16);
			p += 24;
			copy_str(rec->device.name, DMAS_DEV_NAME_LEN, p,
				 DMAS_DEV_NAME_LEN);
			p += DMAS_DEV_NAME_LEN;
			copy_str(rec->device.driver, DMAS_DRV_NAME_LEN, p,
				 DMAS_DRV_NAME_LEN);
			p += DMAS_DRV_NAME_LEN;
			copy_str(rec->device.bus, DMAS_BUS_NAME_LEN, p,
				 DMAS_BUS_NAME_LEN);
			p += DMAS_BUS_NAME_LEN;
			/* isolation facts: older records lack them (unknown) */
			if (len >= DMAT_DEVICE_LEN) {
				rec->device.iommu_group = dmat_get32(p);
				if (p[4] < DMAS_IOMMU_DOMAIN_MAX)
					rec->device.iommu_domain = p[4];
				if (p[5] < DMAS_PORT_MAX)
					rec->device.port = p[5];
			}
			return DMAT_R_DEVICE;
		case DMAT_T_STACK:
			return decode_stack(r, p, len, rec, off);
		case DMAT_T_MEM_RANGE:
		case DMAT_T_KERNEL_RANGE:
			if (len < DMAT_MEM_RANGE_LEN)
				return corrupt(
					r, off, type,
					type == DMAT_T_MEM_RANGE
						? "memory range record too short"
						: "kernel range record too short");
			if (!decode_range(type, p, &rec->range))
				continue; /* a newer writer's kind of range */
			rec->type = DMAT_R_MEM_RANGE;
			return DMAT_R_MEM_RANGE;
		case DMAT_T_CPU_NODE:
			if (len < DMAT_CPU_NODE_LEN)
				return corrupt(r, off, type,
					       "cpu node record too short");
			rec->type = DMAT_R_CPU_NODE;
			rec->cpu_node.cpu = dmat_get32(p);
			rec->cpu_node.node = (int32_t)dmat_get32(p + 4);
			return DMAT_R_CPU_NODE;
		case DMAT_T_TRAILER:
			if (len < DMAT_TRAILER_LEN)
				return corrupt(r, off, type,
					       "trailer too short");
			if (dmat_get64(p) != r->events) {
				char what[128];

				snprintf(
					what, sizeof(what),
					"trailer counts %" PRIu64
					" events, the recording holds %" PRIu64,
					dmat_get64(p), r->events);
				return corrupt(r, off, type, what);
			}
			r->end_ts = dmat_get64(p + 8);
			rec->type = DMAT_R_EOF;
			if (r->dctx) {
				int fe = zstd_frame_end(r);

				if (fe < 0)
					return stop(r, r->final);
				if (fe > 0)
					return truncated(r);
			}
			look_past_trailer(r);
			return stop(r, DMAT_R_EOF);
		default: /* a newer writer's record: skip it */
			continue;
		}
	}
}

enum dmat_rec dmat_reader_next_batch(struct dmat_reader *r,
				     struct dmat_record *rec,
				     const struct dmas_event **evs, size_t *n)
{
	enum dmat_rec t;

	*n = 0;
	if (!r->batch_left) {
		if (r->done)
			return r->final;
		t = next_record(r, rec);
		if (t != DMAT_R_EVENT)
			return t;
	}
	*evs = r->batch;
	*n = r->batch_left;
	r->handed += r->batch_left;
	r->last_ts = r->batch[r->batch_left - 1].ts;
	r->batch += r->batch_left;
	r->batch_left = 0;
	rec->type = DMAT_R_EVENT;
	return DMAT_R_EVENT;
}

enum dmat_rec dmat_reader_next(struct dmat_reader *r, struct dmat_record *rec)
{
	if (!r->batch_left) {
		enum dmat_rec t;

		if (r->done)
			return r->final;
		t = next_record(r, rec);
		if (t != DMAT_R_EVENT)
			return t;
	}
	rec->type = DMAT_R_EVENT;
	rec->event = *r->batch++;
	r->batch_left--;
	r->handed++;
	r->last_ts = rec->event.ts;
	return DMAT_R_EVENT;
}

const struct dmas_session *dmat_reader_session(const struct dmat_reader *r)
{
	return &r->session;
}

const char *dmat_reader_note(const struct dmat_reader *r)
{
	return r->note[0] ? r->note : NULL;
}

const char *dmat_reader_error(const struct dmat_reader *r)
{
	return r->err[0] ? r->err : NULL;
}

uint64_t dmat_reader_offset(const struct dmat_reader *r)
{
	return r->last_off;
}

uint64_t dmat_reader_end_ts(const struct dmat_reader *r)
{
	return r->end_ts;
}

uint64_t dmat_reader_events(const struct dmat_reader *r)
{
	return r->handed;
}

uint64_t dmat_reader_last_ts(const struct dmat_reader *r)
{
	return r->last_ts;
}

bool dmat_reader_compressed(const struct dmat_reader *r)
{
	return r->flags & DMAT_FLAG_ZSTD;
}

void dmat_reader_version(const struct dmat_reader *r, unsigned *major,
			 unsigned *minor)
{
	*major = r->major;
	*minor = r->minor;
}

void dmat_reader_close(struct dmat_reader *r)
{
	if (!r)
		return;
	if (r->own_fd)
		close(r->fd);
	ZSTD_freeDCtx(r->dctx);
	free(r->zin);
	free(r->frames);
	free(r->buf);
	free(r);
}
