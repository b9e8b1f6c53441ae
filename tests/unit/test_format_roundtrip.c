// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_format_roundtrip.c - .dmat: what is written is read back exactly,
 * with and without compression; header fields; batches; the byte layout
 * on disk (explicit little endian); checksums; writer errors.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/dmat_disk.h"
#include "testlib.h"
#include "test_format.h"

static char *path_in_tmp(const char *name)
{
	static char p[4][512];
	static int n;
	char *s = p[n++ % 4];

	snprintf(s, 512, "%s/%s", test_tmpdir(), name);
	return s;
}

/* Expected dump of the sample, built from the same generators. */
static void check_sample(const struct fmt_dump *d, unsigned nevents)
{
	struct dmas_event ev;
	char line[512];

	CHECK_EQ(d->final, DMAT_R_EOF);
	/* 2 ranges + 2 cpu nodes + per 11 events a device and a stack */
	CHECK_EQ(d->lines, 4 + nevents + 2 * ((nevents + 10) / 11));
	CHECK_CONTAINS(
		d->text,
		"memrange 0-0x80000000 node=0\n"
		"cpunode 0 node=0\n"
		"memrange 0x80000000-0x100000000 node=1\n"
		"cpunode 2 node=1\n"
		"device 1 node=-1 flags=1 mask=0xffffffffff name=0000:00:00.0 driver=drv0 bus=pci iommu=0:0 port=0\n"
		"stack 1 nr=1 \"dma_map_page_attrs+0x0/0x200\"\n"
		"event ts=1000000 dev=1 pid=4000 stack=0 cpu=0 kind=1 dir=0 addr=0xfffff000 size=4096 phys=0x80000000 aux=0xffff888000000000 count=0 attrs=32768 flags=0 r=0\n");
	/* isolation facts: the IOMMU domain, its group and the port */
	if (nevents > 33)
		CHECK_CONTAINS(
			d->text,
			"device 4 node=-1 flags=1 mask=0xffffffffff name=0000:21:00.0 driver=drv33 bus=pci iommu=3:3 port=3\n");
	CHECK_CONTAINS(
		d->text,
		"stack 3 nr=3 \"dma_map_page_attrs+0x0/0x200\" \"nvme_map_data+0x1c/0x80 [nvme]\" \"\"\n");
	/* every kind, names included */
	for (unsigned i = 0; i < nevents; i += 1) {
		fmt_sample_event(&ev, i);
		if (dmat_kind_has_name(ev.kind)) {
			snprintf(line, sizeof(line),
				 " kind=%u dir=%u name=driver-%u\n", ev.kind,
				 ev.dir, i);
			CHECK_CONTAINS(d->text, line);
		}
	}
}

static void roundtrip(bool compress)
{
	const char *p = path_in_tmp(compress ? "rt.dmatz" : "rt.dmat");
	unsigned n = 3 * (DMAS_EV_MAX - 1);
	struct fmt_dump d, db;
	struct dmas_session want;
	struct dmat_reader *r;
	char err[512];

	CHECK_EQ(fmt_write_sample(p, compress, n, true), 0);
	r = dmat_reader_open(p, err, sizeof(err));
	CHECK(r);
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return;
	}
	CHECK_EQ(dmat_reader_compressed(r), compress);
	fmt_sample_session(&want);
	CHECK(!memcmp(dmat_reader_session(r), &want, sizeof(want)));
	fmt_dump_reader(r, false, &d);
	check_sample(&d, n);
	CHECK_EQ(dmat_reader_events(r), n);
	/* end_ts 0 at close: the last event's time */
	CHECK_EQ(dmat_reader_end_ts(r), 1000000ull + (n - 1) * 1000ull);
	CHECK(dmat_reader_error(r) == NULL);
	dmat_reader_close(r);

	r = dmat_reader_open(p, err, sizeof(err));
	fmt_dump_reader(r, true, &db);
	CHECK_STREQ(db.text, d.text);
	dmat_reader_close(r);
	fmt_dump_free(&d);
	fmt_dump_free(&db);
}

/* Kernel image ranges travel in records of their own, kind kept. */
TEST(format_roundtrip_kernel_ranges)
{
	const char *p = path_in_tmp("kr.dmat");
	struct dmas_mem_range ram = {0, 0x40000000, 0, DMAS_MEM_RAM},
			      text = {0x1000000, 0x2277000, -1,
				      DMAS_MEM_KERNEL_TEXT},
			      ro = {0x2400000, 0x2e0b000, -1,
				    DMAS_MEM_KERNEL_RODATA};
	struct dmat_writer *w;
	struct fmt_dump d;
	char err[512];

	w = dmat_writer_open(p, NULL, NULL, err, sizeof(err));
	CHECK(w);
	if (!w)
		return;
	CHECK_EQ(dmat_write_mem_range(w, &ram), 0);
	CHECK_EQ(dmat_write_mem_range(w, &text), 0);
	CHECK_EQ(dmat_write_mem_range(w, &ro), 0);
	CHECK_EQ(dmat_writer_close(w, 0, err, sizeof(err)), 0);
	CHECK(fmt_dump_file(p, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_EOF);
	CHECK_STREQ(d.text, "memrange 0-0x40000000 node=0\n"
			    "memrange 0x1000000-0x2277000 node=-1 kind=1\n"
			    "memrange 0x2400000-0x2e0b000 node=-1 kind=2\n");
	fmt_dump_free(&d);
}

TEST(format_roundtrip_every_record)
{
	roundtrip(false);
}

TEST(format_roundtrip_every_record_zstd)
{
	roundtrip(true);
}

TEST(format_header_fields)
{
	const char *p = path_in_tmp("hdr.dmat");
	struct dmat_writer *w;
	struct dmat_reader *r;
	struct dmas_session s = {0}, got;
	unsigned major, minor;
	char err[512];

	/* longest strings: the reader keeps them whole */
	memset(s.kernel_release, 'r', sizeof(s.kernel_release) - 1);
	memset(s.hostname, 'h', sizeof(s.hostname) - 1);
	memset(s.clock, 'c', sizeof(s.clock) - 1);
	memset(s.hooks, 'x', sizeof(s.hooks) - 1);
	s.page_size = 65536;
	s.start_ts = ~0ull - 1;
	s.start_realtime_ns = 0x0123456789abcdefull;
	s.traced_from_boot = false;
	w = dmat_writer_open(p, NULL, NULL, err, sizeof(err));
	CHECK(w);
	/* a session that arrives after open (live sources) still counts */
	CHECK_EQ(dmat_writer_set_session(w, &s), 0);
	CHECK_EQ(dmat_writer_close(w, 77, err, sizeof(err)), 0);
	r = dmat_reader_open(p, err, sizeof(err));
	CHECK(r);
	if (!r)
		return;
	got = *dmat_reader_session(r);
	CHECK(!memcmp(&got, &s, sizeof(s)));
	dmat_reader_version(r, &major, &minor);
	CHECK_EQ(major, DMAT_VERSION_MAJOR);
	CHECK_EQ(minor, DMAT_VERSION_MINOR);
	struct dmat_record rec;

	CHECK_EQ(dmat_reader_next(r, &rec), DMAT_R_EOF);
	CHECK_EQ(dmat_reader_end_ts(r), 77);
	CHECK_EQ(dmat_reader_events(r), 0);
	/* past the end it stays at the end */
	CHECK_EQ(dmat_reader_next(r, &rec), DMAT_R_EOF);
	dmat_reader_close(r);
}

TEST(format_session_fixed_once_written)
{
	const char *p = path_in_tmp("late.dmat");
	struct dmas_session s = {.page_size = 4096};
	struct dmas_event ev = {.ts = 5, .kind = DMAS_EV_MAP};
	struct dmat_writer *w = dmat_writer_open(p, &s, NULL, NULL, 0);

	CHECK(w);
	CHECK_EQ(dmat_write_event(w, &ev), 0);
	CHECK_EQ(dmat_writer_flush(w), 0);
	s.page_size = 8192;
	CHECK_EQ(dmat_writer_set_session(w, &s), -1);
	CHECK_EQ(dmat_writer_close(w, 0, NULL, 0), 0);
}

/* Many events: batch boundaries, buffer refills, side records between. */
static void big(bool compress)
{
	const char *p = path_in_tmp("big.dmat");
	struct dmat_writer_opts o = {.compress = compress};
	struct dmat_writer *w = dmat_writer_open(p, NULL, &o, NULL, 0);
	const unsigned n = 150000;
	struct dmat_reader *r;
	struct dmat_record rec;
	unsigned got = 0, devs = 0, bad = 0;
	char err[512];
	enum dmat_rec t;

	for (unsigned i = 0; i < n; i++) {
		struct dmas_event ev;

		if (i % 7777 == 0) {
			/*
			 * ids stay under DMAS_DEV_ID_MAX: readers refuse more
			 */
			struct dmas_device d = {.id = i / 7777 + 1};

			CHECK_EQ(dmat_write_device(w, &d), 0);
		}
		fmt_sample_event(&ev, i);
		dmat_write_event(w, &ev);
	}
	CHECK_EQ(dmat_writer_events(w), n);
	CHECK_EQ(dmat_writer_close(w, 0, err, sizeof(err)), 0);
	r = dmat_reader_open(p, err, sizeof(err));
	CHECK(r);
	if (!r)
		return;
	while ((t = dmat_reader_next(r, &rec)) > 0) {
		if (t == DMAT_R_DEVICE) {
			/* a device comes right before the event it precedes */
			if (got % 7777 || rec.device.id != got / 7777 + 1)
				bad++;
			devs++;
		} else if (t == DMAT_R_EVENT) {
			struct dmas_event ev;

			fmt_sample_event(&ev, got++);
			if (memcmp(&ev, &rec.event, sizeof(ev)))
				bad++;
		}
	}
	CHECK_EQ(t, DMAT_R_EOF);
	CHECK_EQ(got, n);
	CHECK_EQ(devs, (n + 7776) / 7777);
	CHECK_EQ(bad, 0);
	dmat_reader_close(r);
}

TEST(format_many_events)
{
	big(false);
}

TEST(format_many_events_zstd)
{
	big(true);
}

TEST(format_batches_without_copy)
{
	const char *p = path_in_tmp("batch.dmat");
	struct dmat_writer *w = dmat_writer_open(p, NULL, NULL, NULL, 0);
	const struct dmas_event *evs;
	struct dmat_reader *r;
	struct dmat_record rec;
	size_t n, total = 0, runs = 0;
	struct dmas_event ev;
	enum dmat_rec t;

	for (unsigned i = 0; i < 5000; i++) {
		fmt_sample_event(&ev, i);
		dmat_write_event(w, &ev);
	}
	dmat_writer_close(w, 0, NULL, 0);
	r = dmat_reader_open(p, NULL, 0);
	/* mixing: one event, then the rest of its batch as a run */
	CHECK_EQ(dmat_reader_next(r, &rec), DMAT_R_EVENT);
	total = 1;
	while ((t = dmat_reader_next_batch(r, &rec, &evs, &n)) ==
	       DMAT_R_EVENT) {
		CHECK(((uintptr_t)evs & 7) == 0);
		CHECK(n > 0);
		fmt_sample_event(&ev, (unsigned)total);
		CHECK(!memcmp(&evs[0], &ev, sizeof(ev)));
		total += n;
		runs++;
	}
	CHECK_EQ(t, DMAT_R_EOF);
	CHECK_EQ(total, 5000);
	/* a batch holds DMAT_BATCH_EVENTS: the reader hands them out whole */
	CHECK_EQ(runs, (5000 + DMAT_BATCH_EVENTS - 1) / DMAT_BATCH_EVENTS);
	dmat_reader_close(r);
}

TEST(format_event_bytes_little_endian)
{
	struct dmas_event ev =
				  {
					  .ts = 0x0102030405060708ull,
					  .dev = 0x11121314,
					  .pid = 0x21222324,
					  .stack_id = 0x31323334,
					  .cpu = 0x4142,
					  .kind = DMAS_EV_MAP,
					  .dir = 2,
				  },
			  back;
	uint8_t b[64];
	static const uint8_t want_head[24] = {
		8,    7,    6,	  5,	4,    3,    2,		 1,
		0x14, 0x13, 0x12, 0x11, 0x24, 0x23, 0x22,	 0x21,
		0x34, 0x33, 0x32, 0x31, 0x42, 0x41, DMAS_EV_MAP, 2,
	};

	ev.addr = 0xa1a2a3a4a5a6a7a8ull;
	ev.size = 0xb1b2b3b4b5b6b7b8ull;
	ev.phys = 0xc1c2c3c4c5c6c7c8ull;
	ev.aux = 0xd1d2d3d4d5d6d7d8ull;
	ev.count = 0xe1e2e3e4;
	ev.attrs = 0xf1f2;
	ev.flags = 0x03;
	ev.reserved = 0x09;
	dmat_event_encode_portable(b, &ev);
	CHECK(!memcmp(b, want_head, sizeof(want_head)));
	CHECK_EQ(b[24], 0xa8);
	CHECK_EQ(b[31], 0xa1);
	CHECK_EQ(b[32], 0xb8);
	CHECK_EQ(b[40], 0xc8);
	CHECK_EQ(b[48], 0xd8);
	CHECK_EQ(b[55], 0xd1);
	CHECK_EQ(b[56], 0xe4);
	CHECK_EQ(b[59], 0xe1);
	CHECK_EQ(b[60], 0xf2);
	CHECK_EQ(b[61], 0xf1);
	CHECK_EQ(b[62], 0x03);
	CHECK_EQ(b[63], 0x09);
	dmat_event_decode_portable(&back, b);
	CHECK(!memcmp(&back, &ev, sizeof(ev)));
	/*
	 * the fast path (a copy on little-endian hosts) writes the same bytes
	 */
	uint8_t fast[64];

	dmat_event_encode(fast, &ev);
	CHECK(!memcmp(fast, b, 64));

	/* name kinds carry the name bytes as they are */
	struct dmas_event nev = {.ts = 1, .kind = DMAS_EV_DRIVER_UNBIND};

	snprintf(nev.name, sizeof(nev.name), "e1000e");
	dmat_event_encode_portable(b, &nev);
	CHECK(!memcmp(b + 24, "e1000e\0", 7));
	dmat_event_decode_portable(&back, b);
	CHECK_STREQ(back.name, "e1000e");

	uint8_t v[8];

	dmat_put16(v, 0x1234);
	CHECK(v[0] == 0x34 && v[1] == 0x12);
	dmat_put32(v, 0x12345678);
	CHECK(v[0] == 0x78 && v[3] == 0x12);
	CHECK_EQ(dmat_get32(v), 0x12345678);
	dmat_put64(v, 0x1122334455667788ull);
	CHECK(v[0] == 0x88 && v[7] == 0x11);
	CHECK(dmat_get64(v) == 0x1122334455667788ull);
	CHECK_EQ(dmat_get16(v), 0x7788);
}

static uint32_t crc_bitwise(const uint8_t *p, size_t n)
{
	uint32_t c = ~0u;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
	}
	return ~c;
}

static void check_crc32c(void)
{
	uint8_t buf[300];

	CHECK_EQ(dmat_crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_EQ(dmat_crc32c(0, "", 0), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	/* every alignment and length, and continuation in two parts */
	for (size_t off = 0; off < 9; off++)
		for (size_t len = 0; len + off <= sizeof(buf); len += 13) {
			uint32_t want = crc_bitwise(buf + off, len);

			CHECK_EQ(dmat_crc32c(0, buf + off, len), want);
			CHECK_EQ(dmat_crc32c(dmat_crc32c(0, buf + off, len / 3),
					     buf + off + len / 3,
					     len - len / 3),
				 want);
		}
	/* long buffers: three streams at a time, joined */
	size_t big_len = 3 * 8192 * 2 + 3 * 256 * 3 + 61;
	uint8_t *big = malloc(big_len + 8);

	CHECK(big != NULL);
	if (!big)
		return;
	for (size_t i = 0; i < big_len + 8; i++)
		big[i] = (uint8_t)((i * 2654435761u) >> 13);
	for (size_t off = 0; off < 3; off++)
		for (size_t len = big_len - 3 * 8192; len <= big_len;
		     len += 3 * 256 + 5) {
			uint32_t want = crc_bitwise(big + off, len);

			CHECK_EQ(dmat_crc32c(0, big + off, len), want);
			CHECK_EQ(dmat_crc32c(dmat_crc32c(0, big + off, 100),
					     big + off + 100, len - 100),
				 want);
		}
	free(big);
}

/* both implementations, whichever this CPU picks (dmat_codec.c) */
TEST(format_crc32c)
{
	bool hw = !strcmp(dmat_crc32c_impl(), "sse4.2");

	CHECK(hw || !strcmp(dmat_crc32c_impl(), "tables"));
	check_crc32c();
	CHECK_EQ(dmat_crc32c_use(false), 0);
	CHECK(!strcmp(dmat_crc32c_impl(), "tables"));
	check_crc32c();
	if (dmat_crc32c_use(true) == 0) {
		CHECK(!strcmp(dmat_crc32c_impl(), "sse4.2"));
		check_crc32c();
	}
	dmat_crc32c_use(hw);
}

TEST(format_writer_errors)
{
	char err[512] = "";
	struct dmat_writer *w;
	struct dmas_event ev = {.ts = 1, .kind = DMAS_EV_MAP};

	w = dmat_writer_open("/nonexistent-dir/x.dmat", NULL, NULL, err,
			     sizeof(err));
	CHECK(!w);
	CHECK_CONTAINS(err, "/nonexistent-dir/x.dmat: No such file");

	/* a full disk: the error sticks and close reports it */
	w = dmat_writer_open("/dev/full", NULL, NULL, err, sizeof(err));
	CHECK(w);
	if (!w)
		return;
	CHECK_EQ(dmat_write_event(w, &ev), 0);
	CHECK_EQ(dmat_writer_flush(w), -1);
	CHECK_CONTAINS(dmat_writer_error(w), "No space left");
	CHECK_EQ(dmat_write_event(w, &ev), -1);
	err[0] = 0;
	CHECK_EQ(dmat_writer_close(w, 0, err, sizeof(err)), -1);
	CHECK_CONTAINS(err, "/dev/full: write: No space left");
}

TEST(format_zstd_smaller)
{
	const char *a = path_in_tmp("plain.dmat"), *b = path_in_tmp("z.dmat");
	size_t la, lb;
	uint8_t *pa, *pb;

	CHECK_EQ(fmt_write_sample(a, false, 3000, true), 0);
	CHECK_EQ(fmt_write_sample(b, true, 3000, true), 0);
	pa = fmt_read_file(a, &la);
	pb = fmt_read_file(b, &lb);
	CHECK(la > 3000 * 64);
	CHECK(lb < la / 3);
	/* the header is never compressed: same bytes up to the flags */
	CHECK(!memcmp(pa, pb, 12));
	CHECK_EQ(dmat_get32(pa + 12), 0);
	CHECK_EQ(dmat_get32(pb + 12), DMAT_FLAG_ZSTD);
	free(pa);
	free(pb);
}

TEST(format_stack_limits)
{
	char p[512];
	static const char *frames[2000];
	static char longf[10000];
	struct dmas_stack st = {9, 2000, frames};
	struct dmat_writer *w;
	struct dmat_reader *r;
	struct dmat_record rec;

	snprintf(p, sizeof(p), "%s/stack.dmat", test_tmpdir());
	memset(longf, 'f', sizeof(longf) - 1);
	for (int i = 0; i < 2000; i++)
		frames[i] = i ? "x+0x1/0x2" : longf;
	w = dmat_writer_open(p, NULL, NULL, NULL, 0);
	CHECK_EQ(dmat_write_stack(w, &st), 0);
	CHECK_EQ(dmat_writer_close(w, 0, NULL, 0), 0);
	r = dmat_reader_open(p, NULL, 0);
	CHECK(r);
	if (!r)
		return;
	/* kept: the innermost DMAT_MAX_FRAMES, each frame cut to its limit */
	CHECK_EQ(dmat_reader_next(r, &rec), DMAT_R_STACK);
	CHECK_EQ(rec.stack.id, 9);
	CHECK_EQ(rec.stack.nr_frames, DMAT_MAX_FRAMES);
	CHECK_EQ(strlen(rec.stack.frames[0]), DMAT_MAX_FRAME_LEN);
	CHECK_STREQ(rec.stack.frames[DMAT_MAX_FRAMES - 1], "x+0x1/0x2");
	CHECK_EQ(dmat_reader_next(r, &rec), DMAT_R_EOF);
	dmat_reader_close(r);

	/* a reader refuses more frames than any writer makes */
	size_t len;
	uint8_t *f = fmt_read_file(p, &len), payload[8 + 1100], recbuf[2048];
	size_t hdr = fmt_header_size(f), rl;
	struct fmt_dump d;
	char err[512];

	memset(payload, 0, sizeof(payload));
	dmat_put32(payload, 1);
	dmat_put32(payload + 4, DMAT_MAX_FRAMES + 1);
	rl = fmt_make_record(recbuf, DMAT_T_STACK, payload, sizeof(payload));
	memcpy(f + hdr, recbuf, rl);
	CHECK(fmt_dump_mem(f, hdr + rl, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_CORRUPT);
	CHECK_CONTAINS(d.err, "too many frames");
	fmt_dump_free(&d);
	free(f);
}

TEST(format_writer_on_a_pipe)
{
	struct dmas_session s = {.page_size = 4096};
	struct dmas_event ev = {.ts = 42, .kind = DMAS_EV_UNMAP, .dev = 3};
	struct dmat_writer *w;
	struct fmt_dump d;
	uint8_t buf[4096];
	char err[512];
	ssize_t n;
	int fds[2];

	CHECK_EQ(pipe(fds), 0);
	w = dmat_writer_open_fd(fds[1], "pipe", &s, NULL, err, sizeof(err));
	CHECK(w);
	if (!w)
		return;
	CHECK_EQ(dmat_write_event(w, &ev), 0);
	CHECK_EQ(dmat_writer_close(w, 50, err, sizeof(err)), 0);
	/* the caller's descriptor stays open */
	CHECK(fcntl(fds[1], F_GETFD) != -1);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf));
	close(fds[0]);
	CHECK(n > 0);
	CHECK(fmt_dump_mem(buf, (size_t)n, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_EOF);
	CHECK_EQ(d.lines, 1);
	CHECK_CONTAINS(d.text, "event ts=42 dev=3 ");
	fmt_dump_free(&d);
}
