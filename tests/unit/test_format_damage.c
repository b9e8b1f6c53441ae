// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_format_damage.c - .dmat readers facing damage: files that are not
 * recordings, truncation at every byte, flipped bits, unknown records and
 * sections, version and flag checks, inconsistent records.  What was whole
 * must come out exactly; nothing may crash; the message says where.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "format/dmat_disk.h"
#include "testlib.h"
#include "test_format.h"

#define SMALL_EVENTS 40

struct rec_map {
	size_t n;
	size_t start[256], end[256];
	size_t lines_before_end[256]; /* dump lines once record i is read */
	uint64_t events_before_end[256];
};

/* Walk the records of an uncompressed recording. */
static void map_records(const uint8_t *f, size_t len, struct rec_map *m)
{
	size_t off = fmt_header_size(f), lines = 0;
	uint64_t events = 0;

	m->n = 0;
	while (off + DMAT_REC_HDR <= len && m->n < 256) {
		uint32_t type = dmat_get32(f + off),
			 rl = dmat_get32(f + off + 4);
		size_t end = off + DMAT_REC_HDR + ((rl + 7) & ~7u);

		if (type == DMAT_T_EVENTS) {
			lines += rl / 64;
			events += rl / 64;
		} else if (type != DMAT_T_TRAILER) {
			lines++;
		}
		m->start[m->n] = off;
		m->end[m->n] = end;
		m->lines_before_end[m->n] = lines;
		m->events_before_end[m->n] = events;
		m->n++;
		off = end;
	}
}

static uint8_t *sample(bool compress, size_t *len)
{
	char p[512];

	snprintf(p, sizeof(p), "%s/s.dmat", test_tmpdir());
	if (fmt_write_sample(p, compress, SMALL_EVENTS, true))
		return NULL;
	return fmt_read_file(p, len);
}

TEST(format_not_a_recording)
{
	char p[512], err[512] = "";
	struct dmat_reader *r;

	snprintf(p, sizeof(p), "%s/notes.txt", test_tmpdir());
	fmt_write_file(p, "hello, this is text\n", 20);
	r = dmat_reader_open(p, err, sizeof(err));
	CHECK(!r);
	snprintf(p + strlen(p), 100, ": not a dmascope recording (bad magic)");
	CHECK_STREQ(err, p);

	snprintf(p, sizeof(p), "%s/empty", test_tmpdir());
	fmt_write_file(p, "", 0);
	CHECK(!dmat_reader_open(p, err, sizeof(err)));
	CHECK_CONTAINS(err, "empty file: not a dmascope recording");

	CHECK(!dmat_reader_open("/nonexistent.dmat", err, sizeof(err)));
	CHECK_STREQ(err, "/nonexistent.dmat: No such file or directory");

	/* gzip'ed recording, ELF, a near-miss magic */
	CHECK(!dmat_reader_open_mem("\x1f\x8b\x08\x00\x00\x00", 6, "x.gz", err,
				    sizeof(err)));
	CHECK_STREQ(err, "x.gz: not a dmascope recording (bad magic)");
	CHECK(!dmat_reader_open_mem("\x7f"
				    "ELF\x02\x01\x01\x00",
				    8, "a.out", err, sizeof(err)));
	CHECK_CONTAINS(err, "bad magic");
	CHECK(!dmat_reader_open_mem("\x89"
				    "DMAT\n\x1a\n\x01",
				    9, "crlf", err, sizeof(err)));
	CHECK_CONTAINS(err, "bad magic");
}

static void truncate_everywhere(bool compress)
{
	size_t len;
	uint8_t *f = sample(compress, &len);
	struct fmt_dump full, d;
	struct rec_map m;
	size_t hdr, last_lines = 0;
	char err[512], want[256];
	unsigned bad_prefix = 0, bad_final = 0, bad_count = 0, bad_msg = 0;
	unsigned bad_open = 0, truncated_with_events = 0;

	CHECK(f);
	if (!f)
		return;
	hdr = fmt_header_size(f);
	CHECK(fmt_dump_mem(f, len, &full, err, sizeof(err)));
	CHECK_EQ(full.final, DMAT_R_EOF);
	map_records(f, len, &m);
	for (size_t cut = 0; cut < len; cut++) {
		/* a private copy: a reader overrunning it trips ASan */
		uint8_t *c = malloc(cut ? cut : 1);

		memcpy(c, f, cut);
		if (!fmt_dump_mem(c, cut, &d, err, sizeof(err))) {
			if (cut >= hdr ||
			    (!strstr(err, "truncated in its header") &&
			     !strstr(err, "empty file")))
				bad_open++;
			free(c);
			continue;
		}
		if (cut < hdr)
			bad_open++;
		if (d.final != DMAT_R_TRUNCATED)
			bad_final++;
		if (!fmt_dump_is_prefix(&d, &full))
			bad_prefix++;
		if (!strstr(d.err, "the recording was not finished"))
			bad_msg++;
		if (d.lines < last_lines)
			bad_count++;
		last_lines = d.lines;
		if (d.lines > 10)
			truncated_with_events++;
		if (!compress) {
			/* exactly the records that ended before the cut */
			size_t i, lines = 4, at = hdr;
			uint64_t events = 0;

			lines = 0;
			for (i = 0; i < m.n && m.end[i] <= cut; i++) {
				lines = m.lines_before_end[i];
				events = m.events_before_end[i];
				at = m.end[i];
			}
			if (d.lines != lines)
				bad_count++;
			snprintf(
				want, sizeof(want),
				"mem: truncated after %" PRIu64
				" events at offset %zu: the recording was not finished",
				events, at);
			if (strcmp(d.err, want)) {
				if (!bad_msg)
					fprintf(stderr,
						"  got '%s'\n  want '%s'\n",
						d.err, want);
				bad_msg++;
			}
		}
		fmt_dump_free(&d);
		free(c);
	}
	CHECK_EQ(bad_open, 0);
	CHECK_EQ(bad_final, 0);
	CHECK_EQ(bad_prefix, 0);
	CHECK_EQ(bad_count, 0);
	CHECK_EQ(bad_msg, 0);
	/* the writer flushed half-way: that much survives a cut after it */
	CHECK(truncated_with_events > 0);
	fmt_dump_free(&full);
	free(f);
}

TEST(format_truncated_at_every_byte)
{
	truncate_everywhere(false);
}

TEST(format_truncated_at_every_byte_zstd)
{
	truncate_everywhere(true);
}

TEST(format_killed_writer_reads_as_truncated)
{
	char p[512], err[512];
	struct fmt_dump d;

	for (int z = 0; z < 2; z++) {
		snprintf(p, sizeof(p), "%s/killed%d.dmat", test_tmpdir(), z);
		CHECK_EQ(fmt_write_sample(p, z, 100, false), 0);
		CHECK(fmt_dump_file(p, &d, err, sizeof(err)));
		CHECK_EQ(d.final, DMAT_R_TRUNCATED);
		/* abandon flushes: all 100 events are there, no trailer */
		CHECK_CONTAINS(d.err, "truncated after 100 events at offset ");
		CHECK_EQ(d.lines, 4 + 100 + 2 * 10);
		fmt_dump_free(&d);
	}
}

TEST(format_flipped_bits_are_corrupt)
{
	size_t len;
	uint8_t *f = sample(false, &len);
	struct fmt_dump full, d;
	struct rec_map m;
	size_t hdr;
	char err[512], want[128];
	unsigned bad_open = 0, bad_final = 0, bad_prefix = 0, bad_where = 0;

	CHECK(f);
	if (!f)
		return;
	hdr = fmt_header_size(f);
	fmt_dump_mem(f, len, &full, err, sizeof(err));
	map_records(f, len, &m);
	for (size_t off = 0; off < len; off++) {
		uint8_t *c = malloc(len);
		size_t rec = 0;

		memcpy(c, f, len);
		c[off] ^= (uint8_t)(1u << (off % 8));
		if (!fmt_dump_mem(c, len, &d, err, sizeof(err))) {
			if (off >= hdr)
				bad_open++;
			free(c);
			continue;
		}
		if (off < hdr)
			bad_open++;
		while (rec < m.n && m.end[rec] <= off)
			rec++;
		if (d.final != DMAT_R_CORRUPT)
			bad_final++;
		/* what came before the damaged record, exactly */
		if (!fmt_dump_is_prefix(&d, &full) ||
		    (rec && d.lines != m.lines_before_end[rec - 1]))
			bad_prefix++;
		snprintf(want, sizeof(want), " at offset %zu: ", m.start[rec]);
		if (!strstr(d.err, want) ||
		    !strstr(d.err, "mem: corrupt record"))
			bad_where++;
		fmt_dump_free(&d);
		free(c);
	}
	CHECK_EQ(bad_open, 0);
	CHECK_EQ(bad_final, 0);
	CHECK_EQ(bad_prefix, 0);
	CHECK_EQ(bad_where, 0);
	fmt_dump_free(&full);
	free(f);
}

TEST(format_flipped_bits_zstd_never_wrong)
{
	size_t len;
	uint8_t *f = sample(true, &len);
	struct fmt_dump full, d;
	size_t hdr;
	char err[512];
	unsigned wrong = 0, silent = 0, corrupt = 0;

	CHECK(f);
	if (!f)
		return;
	hdr = fmt_header_size(f);
	fmt_dump_mem(f, len, &full, err, sizeof(err));
	for (size_t off = hdr; off < len; off++) {
		uint8_t *c = malloc(len);

		memcpy(c, f, len);
		c[off] ^= (uint8_t)(1u << (off % 8));
		if (fmt_dump_mem(c, len, &d, err, sizeof(err))) {
			if (!fmt_dump_is_prefix(&d, &full))
				wrong++;
			if (d.final == DMAT_R_EOF && strcmp(d.text, full.text))
				wrong++;
			if (d.final == DMAT_R_EOF)
				silent++;
			if (d.final == DMAT_R_CORRUPT)
				corrupt++;
			fmt_dump_free(&d);
		}
		free(c);
	}
	/* a damaged compressed stream may end early, never hand out bad data */
	CHECK_EQ(wrong, 0);
	CHECK(corrupt > (len - hdr) / 2);
	/*
	 * A flip zstd does not notice (a larger window size in the frame
	 * header, an unused table bit) left the data intact: the frame
	 * checksum and the record checksums agreed, and it was compared above.
	 */
	CHECK(silent < (len - hdr) / 100);
	fmt_dump_free(&full);
	free(f);
}

/* Insert bytes at `at` of a file image. */
static uint8_t *splice(const uint8_t *f, size_t len, size_t at, const void *ins,
		       size_t n)
{
	uint8_t *c = malloc(len + n);

	memcpy(c, f, at);
	memcpy(c + at, ins, n);
	memcpy(c + at + n, f + at, len - at);
	return c;
}

TEST(format_unknown_records_skipped)
{
	size_t len;
	uint8_t *f = sample(false, &len), rec[64], *c, *c2;
	struct fmt_dump full, d;
	struct rec_map m;
	size_t rl;
	char err[512];

	CHECK(f);
	if (!f)
		return;
	fmt_dump_mem(f, len, &full, err, sizeof(err));
	map_records(f, len, &m);
	rl = fmt_make_record(rec, 0x4242, "from the future", 15);
	/* first in the stream, and between two event batches */
	c = splice(f, len, fmt_header_size(f), rec, rl);
	c2 = splice(c, len + rl, m.end[8] + rl, rec, rl);
	CHECK(fmt_dump_mem(c2, len + 2 * rl, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_EOF);
	CHECK_STREQ(d.text, full.text);
	fmt_dump_free(&d);
	/* an empty event batch is nothing */
	free(c);
	rl = fmt_make_record(rec, DMAT_T_EVENTS, "", 0);
	c = splice(f, len, m.end[3], rec, rl);
	CHECK(fmt_dump_mem(c, len + rl, &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_EOF);
	CHECK_STREQ(d.text, full.text);
	fmt_dump_free(&d);
	fmt_dump_free(&full);
	free(c);
	free(c2);
	free(f);
}

/*
 * A newer writer's longer device and memory range records still read; a
 * kernel range of a kind this reader does not know is skipped.
 */
TEST(format_longer_records_read)
{
	uint8_t file[2048], payload[DMAT_DEVICE_LEN + 16], *p = file;
	struct dmat_writer *w;
	struct fmt_dump d;
	char path[512], err[512];
	size_t len, hdr;
	uint8_t *f;

	snprintf(path, sizeof(path), "%s/h.dmat", test_tmpdir());
	w = dmat_writer_open(path, NULL, NULL, err, sizeof(err));
	dmat_writer_abandon(w);
	f = fmt_read_file(path, &len);
	CHECK(f && len < 512);
	if (!f)
		return;
	hdr = fmt_header_size(f);
	memcpy(p, f, hdr);
	p += hdr;
	memset(payload, 0x5a, sizeof(payload));
	dmat_put32(payload, 4);
	dmat_put32(payload + 4, 1);
	dmat_put32(payload + 8, 0);
	dmat_put64(payload + 16, 0xffff);
	memcpy(payload + 24, "dev\0", 4);
	memcpy(payload + 24 + DMAS_DEV_NAME_LEN, "drv\0", 4);
	memcpy(payload + 24 + DMAS_DEV_NAME_LEN + DMAS_DRV_NAME_LEN, "pci\0",
	       4);
	/* isolation facts, then bytes of a newer writer: ignored */
	dmat_put32(payload + DMAT_DEVICE_LEN_MIN, 9);
	payload[DMAT_DEVICE_LEN_MIN + 4] = DMAS_IOMMU_DMA_FQ;
	payload[DMAT_DEVICE_LEN_MIN + 5] = DMAS_PORT_REMOVABLE;
	p += fmt_make_record(p, DMAT_T_DEVICE, payload, sizeof(payload));
	/* an older writer's record, without them: not known */
	dmat_put32(payload, 5);
	memcpy(payload + 24, "old\0", 4);
	p += fmt_make_record(p, DMAT_T_DEVICE, payload, DMAT_DEVICE_LEN_MIN);
	/* values past the enums are not trusted: not known */
	dmat_put32(payload, 6);
	memcpy(payload + 24, "bad\0", 4);
	payload[DMAT_DEVICE_LEN_MIN + 4] = 0x5a;
	payload[DMAT_DEVICE_LEN_MIN + 5] = 0x5a;
	p += fmt_make_record(p, DMAT_T_DEVICE, payload, DMAT_DEVICE_LEN);
	memset(payload, 0, sizeof(payload));
	dmat_put64(payload, 0x1000);
	dmat_put64(payload + 8, 0x2000);
	dmat_put32(payload + 16, 1);
	memset(payload + 24, 0x77, 8);
	p += fmt_make_record(p, DMAT_T_MEM_RANGE, payload, 32);
	/* a kernel range, longer; then one of a kind this reader lacks */
	dmat_put32(payload + 16, DMAS_MEM_KERNEL_RODATA);
	p += fmt_make_record(p, DMAT_T_KERNEL_RANGE, payload, 32);
	dmat_put32(payload + 16, DMAS_MEM_KINDS + 5);
	p += fmt_make_record(p, DMAT_T_KERNEL_RANGE, payload, 32);
	memset(payload, 0, sizeof(payload));
	p += fmt_make_record(p, DMAT_T_TRAILER, payload, DMAT_TRAILER_LEN + 8);
	CHECK(fmt_dump_mem(file, (size_t)(p - file), &d, err, sizeof(err)));
	CHECK_EQ(d.final, DMAT_R_EOF);
	CHECK_STREQ(
		d.text,
		"device 4 node=1 flags=0 mask=0xffff name=dev driver=drv bus=pci iommu=3:9 port=2\n"
		"device 5 node=1 flags=0 mask=0xffff name=old driver=drv bus=pci iommu=0:0 port=0\n"
		"device 6 node=1 flags=0 mask=0xffff name=bad driver=drv bus=pci iommu=0:9 port=0\n"
		"memrange 0x1000-0x2000 node=1\n"
		"memrange 0x1000-0x2000 node=-1 kind=2\n");
	fmt_dump_free(&d);
	free(f);
}

/* Add a header section and bump the minor version: a newer writer. */
TEST(format_newer_minor_version_read)
{
	size_t len;
	uint8_t *f = sample(false, &len), sec[12] = {0}, *c;
	struct fmt_dump full, d;
	struct dmat_reader *r;
	struct dmas_session want;
	unsigned major, minor;
	char err[512];

	CHECK(f);
	if (!f)
		return;
	fmt_dump_mem(f, len, &full, err, sizeof(err));
	dmat_put16(sec, 0x77);
	dmat_put16(sec + 2, 8);
	memcpy(sec + 4, "newfield", 8);
	c = splice(f, len, DMAT_FIXED_HDR, sec, sizeof(sec));
	dmat_put16(c + 10, 9);
	dmat_put32(c + 16, dmat_get32(c + 16) + sizeof(sec));
	fmt_fix_header_crc(c);
	r = dmat_reader_open_mem(c, len + sizeof(sec), "mem", err, sizeof(err));
	CHECK(r);
	if (r) {
		fmt_sample_session(&want);
		CHECK(!memcmp(dmat_reader_session(r), &want, sizeof(want)));
		dmat_reader_version(r, &major, &minor);
		CHECK_EQ(major, 1);
		CHECK_EQ(minor, 9);
		fmt_dump_reader(r, false, &d);
		CHECK_EQ(d.final, DMAT_R_EOF);
		CHECK_STREQ(d.text, full.text);
		fmt_dump_free(&d);
		dmat_reader_close(r);
	}
	fmt_dump_free(&full);
	free(c);
	free(f);
}

TEST(format_newer_major_version_rejected)
{
	size_t len;
	uint8_t *f = sample(false, &len);
	char err[512];

	CHECK(f);
	if (!f)
		return;
	dmat_put16(f + 8, 2);
	dmat_put16(f + 10, 3);
	fmt_fix_header_crc(f);
	CHECK(!dmat_reader_open_mem(f, len, "new.dmat", err, sizeof(err)));
	CHECK_STREQ(
		err,
		"new.dmat: recording format version 2.3 is newer than this dmascope reads (1.x): use a newer dmascope");
	/* a flag this version does not know changes how the stream reads */
	dmat_put16(f + 8, 1);
	dmat_put32(f + 12, 0x100);
	fmt_fix_header_crc(f);
	CHECK(!dmat_reader_open_mem(f, len, "new.dmat", err, sizeof(err)));
	CHECK_CONTAINS(err, "does not know (flags 0x100)");
	/* version 0 never existed */
	dmat_put32(f + 12, 0);
	dmat_put16(f + 8, 0);
	fmt_fix_header_crc(f);
	CHECK(!dmat_reader_open_mem(f, len, "old.dmat", err, sizeof(err)));
	CHECK_CONTAINS(err, "version 0.3 is not valid");
	free(f);
}

/* Patch a record's payload and re-seal it, as a buggy writer would. */
static void reseal(uint8_t *rec)
{
	uint32_t len = dmat_get32(rec + 4);

	dmat_put32(rec + 12, dmat_crc32c(0, rec, 8));
	dmat_put32(rec + 8, 0);
	dmat_put32(rec + 8,
		   dmat_crc32c(0, rec, DMAT_REC_HDR + ((len + 7) & ~7u)));
}

TEST(format_inconsistent_records_corrupt)
{
	size_t len;
	uint8_t *f = sample(false, &len), *c, rec[256];
	struct rec_map m;
	struct fmt_dump d;
	char err[512];
	size_t rl, i;

	CHECK(f);
	if (!f)
		return;
	map_records(f, len, &m);
	/* the trailer's event count disagrees */
	c = malloc(len);
	memcpy(c, f, len);
	dmat_put64(c + m.start[m.n - 1] + DMAT_REC_HDR, SMALL_EVENTS + 1);
	reseal(c + m.start[m.n - 1]);
	fmt_dump_mem(c, len, &d, err, sizeof(err));
	CHECK_EQ(d.final, DMAT_R_CORRUPT);
	CHECK_CONTAINS(d.err,
		       "trailer counts 41 events, the recording holds 40");
	fmt_dump_free(&d);

	/* a length no writer makes */
	memcpy(c, f, len);
	for (i = 0; i < m.n && dmat_get32(c + m.start[i]) != DMAT_T_EVENTS; i++)
		;
	dmat_put32(c + m.start[i] + 4, 0x7fffffff);
	dmat_put32(c + m.start[i] + 12, dmat_crc32c(0, c + m.start[i], 8));
	fmt_dump_mem(c, len, &d, err, sizeof(err));
	CHECK_EQ(d.final, DMAT_R_CORRUPT);
	CHECK_CONTAINS(d.err, "impossible record length");
	fmt_dump_free(&d);
	free(c);

	/* half an event, a stack without its frames, a short device */
	static const struct {
		uint32_t type, len;
		const char *payload, *msg;
	} cases[] = {
		{DMAT_T_EVENTS, 10, "0123456789", "partial event"},
		{DMAT_T_STACK, 12, "\1\0\0\0\3\0\0\0ab\0c",
		 "unterminated frame"},
		{DMAT_T_STACK, 10, "\1\0\0\0\xff\0\0\0a\0", "more frames than"},
		{DMAT_T_STACK, 4, "\1\0\0\0", "too short"},
		{DMAT_T_DEVICE, 8, "\1\0\0\0\0\0\0\0", "too short"},
		{DMAT_T_MEM_RANGE, 8, "\1\0\0\0\0\0\0\0", "too short"},
		{DMAT_T_CPU_NODE, 4, "\1\0\0\0", "too short"},
		{DMAT_T_TRAILER, 8, "\1\0\0\0\0\0\0\0", "too short"},
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		rl = fmt_make_record(rec, cases[k].type, cases[k].payload,
				     cases[k].len);
		c = splice(f, len, m.end[5], rec, rl);
		fmt_dump_mem(c, len + rl, &d, err, sizeof(err));
		CHECK_EQ(d.final, DMAT_R_CORRUPT);
		CHECK_CONTAINS(d.err, cases[k].msg);
		CHECK_EQ(d.lines, m.lines_before_end[5]);
		fmt_dump_free(&d);
		free(c);
	}
	free(f);
}

TEST(format_header_damage)
{
	size_t len;
	uint8_t *f = sample(false, &len);
	char err[512];

	CHECK(f);
	if (!f)
		return;
	f[DMAT_FIXED_HDR + 6] ^= 0x20; /* inside the kernel release */
	CHECK(!dmat_reader_open_mem(f, len, "h", err, sizeof(err)));
	CHECK_STREQ(err, "h: corrupt header (checksum mismatch)");
	f[DMAT_FIXED_HDR + 6] ^= 0x20;
	dmat_put32(f + 16, 1u << 30);
	CHECK(!dmat_reader_open_mem(f, len, "h", err, sizeof(err)));
	CHECK_CONTAINS(err, "corrupt header (sections length");
	/* a section running past the list, with a valid checksum */
	dmat_put32(f + 16, 3);
	fmt_fix_header_crc(f);
	CHECK(!dmat_reader_open_mem(f, len, "h", err, sizeof(err)));
	CHECK_CONTAINS(err, "corrupt header (bad section list)");
	free(f);
}
