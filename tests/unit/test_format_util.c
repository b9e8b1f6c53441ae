// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* test_format_util.c - the helpers of test_format.h (no test cases). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/dmat_disk.h"
#include "test_format.h"

void fmt_sample_session(struct dmas_session *s)
{
	memset(s, 0, sizeof(*s));
	/* the longest strings the session holds: truncation is tested too */
	memset(s->kernel_release, 'k', sizeof(s->kernel_release) - 1);
	memcpy(s->kernel_release, "6.1.0-56-amd64", 14);
	snprintf(s->hostname, sizeof(s->hostname), "target-7");
	snprintf(s->clock, sizeof(s->clock), "monotonic");
	s->page_size = 16384;
	s->start_ts = 123456789012ull;
	s->start_realtime_ns = 1764072000123456789ull;
	snprintf(s->hooks, sizeof(s->hooks),
		 "tp_btf:dma_map_phys,fexit:dma_map_sg_attrs");
	s->traced_from_boot = true;
}

void fmt_sample_event(struct dmas_event *ev, unsigned i)
{
	unsigned kind = 1 + i % (DMAS_EV_MAX - 1);

	memset(ev, 0, sizeof(*ev));
	ev->ts = 1000000ull + i * 1000ull;
	ev->dev = 1 + i % 2;
	ev->pid = 4000 + i;
	ev->stack_id = i % 3;
	ev->cpu = (uint16_t)(i % 5);
	ev->kind = (uint8_t)kind;
	ev->dir = (uint8_t)(i % 4);
	if (dmat_kind_has_name(kind)) {
		snprintf(ev->name, sizeof(ev->name), "driver-%u", i);
		return;
	}
	ev->addr = 0xfffff000ull + ((uint64_t)i << 32);
	ev->size = 4096 + i;
	ev->phys = 0x80000000ull + i * 0x1000ull;
	ev->aux = 0xffff888000000000ull | i;
	ev->count = 0x10001u * (i % 7);
	ev->attrs = (uint16_t)(0x8000 | i);
	ev->flags = (uint8_t)(i % 8);
	ev->reserved = 0;
}

static const char *const sample_frames[] = {
	"dma_map_page_attrs+0x0/0x200",
	"nvme_map_data+0x1c/0x80 [nvme]",
	"",
	"nvme_queue_rq+0x8c/0x1e0 [nvme]",
};

int fmt_write_sample(const char *path, bool compress, unsigned nevents,
		     bool finish)
{
	struct dmat_writer_opts o = {.compress = compress};
	struct dmas_session s;
	struct dmat_writer *w;
	char err[512];
	int ret = 0;

	fmt_sample_session(&s);
	w = dmat_writer_open(path, &s, &o, err, sizeof(err));
	if (!w) {
		fprintf(stderr, "fmt_write_sample: %s\n", err);
		return -1;
	}
	for (int n = 0; n < 2; n++) {
		struct dmas_mem_range r = {n * 0x80000000ull,
					   (n + 1) * 0x80000000ull, n};
		struct dmas_cpu_node c = {(uint32_t)n * 2, n};

		ret |= dmat_write_mem_range(w, &r);
		ret |= dmat_write_cpu_node(w, &c);
	}
	for (unsigned i = 0; i < nevents; i++) {
		struct dmas_event ev;

		if (i % 11 == 0) {
			struct dmas_device d = {
				.id = 1 + i / 11,
				.numa_node = (int)(i / 11) % 3 - 1,
				.flags = DMAS_DEVF_IOMMU,
				.dma_mask = 0xffffffffffull,
				.iommu_group = i / 11,
				.iommu_domain =
					(uint8_t)(i / 11 %
						  DMAS_IOMMU_DOMAIN_MAX),
				.port = (uint8_t)(i / 11 % DMAS_PORT_MAX),
			};
			struct dmas_stack st = {1 + i / 11,
						(uint32_t)(1 + i / 11 % 4),
						(const char **)sample_frames};

			snprintf(d.name, sizeof(d.name), "0000:%02x:00.0", i);
			snprintf(d.driver, sizeof(d.driver), "drv%u", i);
			snprintf(d.bus, sizeof(d.bus), "pci");
			ret |= dmat_write_device(w, &d);
			ret |= dmat_write_stack(w, &st);
		}
		if (i == nevents / 2 && dmat_writer_flush(w))
			ret = -1;
		fmt_sample_event(&ev, i);
		ret |= dmat_write_event(w, &ev);
	}
	if (!finish) {
		dmat_writer_abandon(w);
		return ret;
	}
	if (dmat_writer_close(w, 0, err, sizeof(err))) {
		fprintf(stderr, "fmt_write_sample: %s\n", err);
		return -1;
	}
	return ret;
}

static void dump_record(FILE *f, const struct dmat_record *rec)
{
	const struct dmas_event *e = &rec->event;

	switch (rec->type) {
	case DMAT_R_DEVICE:
		fprintf(f,
			"device %u node=%d flags=%u mask=%#" PRIx64
			" name=%s driver=%s bus=%s iommu=%u:%u port=%u\n",
			rec->device.id, rec->device.numa_node,
			rec->device.flags, rec->device.dma_mask,
			rec->device.name, rec->device.driver, rec->device.bus,
			rec->device.iommu_domain, rec->device.iommu_group,
			rec->device.port);
		break;
	case DMAT_R_STACK:
		fprintf(f, "stack %u nr=%u", rec->stack.id,
			rec->stack.nr_frames);
		for (uint32_t i = 0; i < rec->stack.nr_frames; i++)
			fprintf(f, " \"%s\"", rec->stack.frames[i]);
		fputc('\n', f);
		break;
	case DMAT_R_MEM_RANGE:
		fprintf(f, "memrange %#" PRIx64 "-%#" PRIx64 " node=%d",
			rec->range.start, rec->range.end, rec->range.node);
		if (rec->range.kind != DMAS_MEM_RAM)
			fprintf(f, " kind=%u", rec->range.kind);
		fputc('\n', f);
		break;
	case DMAT_R_CPU_NODE:
		fprintf(f, "cpunode %u node=%d\n", rec->cpu_node.cpu,
			rec->cpu_node.node);
		break;
	case DMAT_R_EVENT:
		fprintf(f,
			"event ts=%" PRIu64
			" dev=%u pid=%u stack=%u cpu=%u kind=%u dir=%u",
			(uint64_t)e->ts, e->dev, e->pid, e->stack_id, e->cpu,
			e->kind, e->dir);
		if (dmat_kind_has_name(e->kind))
			fprintf(f, " name=%.40s\n", e->name);
		else
			fprintf(f,
				" addr=%#" PRIx64 " size=%" PRIu64
				" phys=%#" PRIx64 " aux=%#" PRIx64
				" count=%u attrs=%u flags=%u r=%u\n",
				(uint64_t)e->addr, (uint64_t)e->size,
				(uint64_t)e->phys, (uint64_t)e->aux, e->count,
				e->attrs, e->flags, e->reserved);
		break;
	default:
		fprintf(f, "unexpected %d\n", rec->type);
	}
}

void fmt_dump_reader(struct dmat_reader *r, bool batch, struct fmt_dump *d)
{
	size_t sz = 0;
	FILE *f = open_memstream(&d->text, &sz);
	struct dmat_record rec;
	enum dmat_rec t;

	d->lines = 0;
	for (;;) {
		if (batch) {
			const struct dmas_event *evs;
			size_t n;

			t = dmat_reader_next_batch(r, &rec, &evs, &n);
			if (t == DMAT_R_EVENT) {
				for (size_t i = 0; i < n; i++) {
					rec.event = evs[i];
					dump_record(f, &rec);
				}
				d->lines += n;
				continue;
			}
		} else {
			t = dmat_reader_next(r, &rec);
		}
		if (t <= 0)
			break;
		dump_record(f, &rec);
		d->lines++;
	}
	d->final = t;
	snprintf(d->err, sizeof(d->err), "%s",
		 dmat_reader_error(r) ? dmat_reader_error(r) : "");
	fclose(f);
}

bool fmt_dump_file(const char *path, struct fmt_dump *d, char *err,
		   size_t errlen)
{
	struct dmat_reader *r = dmat_reader_open(path, err, errlen);

	memset(d, 0, sizeof(*d));
	if (!r)
		return false;
	fmt_dump_reader(r, false, d);
	dmat_reader_close(r);
	return true;
}

bool fmt_dump_mem(const void *buf, size_t len, struct fmt_dump *d, char *err,
		  size_t errlen)
{
	struct dmat_reader *r =
		dmat_reader_open_mem(buf, len, "mem", err, errlen);

	memset(d, 0, sizeof(*d));
	if (!r)
		return false;
	fmt_dump_reader(r, false, d);
	dmat_reader_close(r);
	return true;
}

void fmt_dump_free(struct fmt_dump *d)
{
	free(d->text);
	d->text = NULL;
}

bool fmt_dump_is_prefix(const struct fmt_dump *a, const struct fmt_dump *b)
{
	size_t la = strlen(a->text);

	return a->lines <= b->lines && !strncmp(a->text, b->text, la) &&
	       (la == 0 || a->text[la - 1] == '\n');
}

uint8_t *fmt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	*len = 0;
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n ? n : 1);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

int fmt_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ret;

	if (!f)
		return -1;
	ret = fwrite(buf, 1, len, f) == len ? 0 : -1;
	return fclose(f) ? -1 : ret;
}

size_t fmt_make_record(uint8_t *out, uint32_t type, const void *payload,
		       uint32_t len)
{
	size_t padded = (len + 7) & ~7u;

	memset(out, 0, DMAT_REC_HDR + padded);
	dmat_put32(out, type);
	dmat_put32(out + 4, len);
	dmat_put32(out + 12, dmat_crc32c(0, out, 8));
	memcpy(out + DMAT_REC_HDR, payload, len);
	dmat_put32(out + 8, dmat_crc32c(0, out, DMAT_REC_HDR + padded));
	return DMAT_REC_HDR + padded;
}

size_t fmt_header_size(const uint8_t *file)
{
	return DMAT_FIXED_HDR + dmat_get32(file + 16) + 4;
}

void fmt_fix_header_crc(uint8_t *file)
{
	size_t n = DMAT_FIXED_HDR + dmat_get32(file + 16);

	dmat_put32(file + n, dmat_crc32c(0, file, n));
}
