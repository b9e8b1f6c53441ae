// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_dmat_roundtrip.c - libFuzzer target on the .dmat writer: the input
 * is a little program of records (events with any bytes, devices, stacks,
 * memory ranges, CPU nodes, flushes), written with or without compression
 * to a memfd and read back.  The reader must return exactly what was
 * written, in order, and say truncated when the trailer was left out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/dmat.h"

#define MAX_OPS 4096

enum { OP_EVENT, OP_DEVICE, OP_STACK, OP_RANGE, OP_CPU, OP_FLUSH, OP_N };

struct op {
	int type;
	union {
		struct dmas_event ev;
		struct dmas_device dev;
		struct dmas_mem_range range;
		struct dmas_cpu_node cpu;
		struct {
			uint32_t id, nr;
			char *frames[8];
		} stack;
	};
};

struct in {
	const uint8_t *p;
	size_t left;
};

/* n bytes of input, zeros once it runs out */
static void take(struct in *in, void *dst, size_t n)
{
	size_t k = n < in->left ? n : in->left;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, n - k);
	in->p += k;
	in->left -= k;
}

static uint8_t byte(struct in *in)
{
	uint8_t b;

	take(in, &b, 1);
	return b;
}

/* a string field filled from input; may be longer than the field holds */
static void str(struct in *in, char *dst, size_t size)
{
	size_t n = byte(in) % (size + 8);

	memset(dst, 0, size);
	take(in, dst, n < size - 1 ? n : size - 1);
	if (n >= size - 1) {
		uint8_t junk[8];

		take(in, junk, n - (size - 1) < 8 ? n - (size - 1) : 8);
	}
}

static size_t parse(const uint8_t *data, size_t size, struct op *ops)
{
	struct in in = {data, size};
	size_t n = 0;

	while (in.left && n < MAX_OPS) {
		struct op *o = &ops[n++];

		memset(o, 0, sizeof(*o));
		o->type = byte(&in) % OP_N;
		switch (o->type) {
		case OP_EVENT:
			take(&in, &o->ev, sizeof(o->ev));
			/* ids within event.h's limits: readers refuse others */
			o->ev.dev %= DMAS_DEV_ID_MAX + 1;
			o->ev.stack_id %= DMAS_STACK_ID_MAX + 1;
			break;
		case OP_DEVICE:
			take(&in, &o->dev.id, 4);
			take(&in, &o->dev.numa_node, 4);
			take(&in, &o->dev.flags, 4);
			take(&in, &o->dev.dma_mask, 8);
			str(&in, o->dev.name, sizeof(o->dev.name));
			str(&in, o->dev.driver, sizeof(o->dev.driver));
			str(&in, o->dev.bus, sizeof(o->dev.bus));
			take(&in, &o->dev.iommu_group, 4);
			take(&in, &o->dev.iommu_domain, 1);
			take(&in, &o->dev.port, 1);
			o->dev.id = 1 + o->dev.id % DMAS_DEV_ID_MAX;
			/* the reader takes values of the enums only */
			o->dev.iommu_domain %= DMAS_IOMMU_DOMAIN_MAX;
			o->dev.port %= DMAS_PORT_MAX;
			break;
		case OP_STACK:
			take(&in, &o->stack.id, 4);
			o->stack.id = 1 + o->stack.id % DMAS_STACK_ID_MAX;
			o->stack.nr = byte(&in) % 9;
			for (uint32_t i = 0; i < o->stack.nr; i++) {
				size_t l = byte(&in);

				o->stack.frames[i] = calloc(1, l + 1);
				take(&in, o->stack.frames[i], l);
			}
			break;
		case OP_RANGE:
			take(&in, &o->range.start, 8);
			take(&in, &o->range.end, 8);
			take(&in, &o->range.node, 4);
			/* RAM of a node, or a kernel range (node -1) */
			o->range.kind = byte(&in) % DMAS_MEM_KINDS;
			if (o->range.kind != DMAS_MEM_RAM)
				o->range.node = -1;
			break;
		case OP_CPU:
			take(&in, &o->cpu, sizeof(o->cpu));
			break;
		default:
			break;
		}
	}
	return n;
}

static void check_str(const char *got, const char *wrote, size_t size)
{
	size_t n = strnlen(wrote, size - 1);

	if (strlen(got) != n || memcmp(got, wrote, n))
		abort();
}

/* The reader returns op o next (a flush returns nothing). */
static void expect(struct dmat_reader *r, const struct op *o)
{
	struct dmat_record rec;
	enum dmat_rec t;

	if (o->type == OP_FLUSH)
		return;
	t = dmat_reader_next(r, &rec);
	switch (o->type) {
	case OP_EVENT:
		if (t != DMAT_R_EVENT ||
		    memcmp(&rec.event, &o->ev, sizeof(o->ev)))
			abort();
		break;
	case OP_DEVICE:
		if (t != DMAT_R_DEVICE || rec.device.id != o->dev.id ||
		    rec.device.numa_node != o->dev.numa_node ||
		    rec.device.flags != o->dev.flags ||
		    rec.device.dma_mask != o->dev.dma_mask ||
		    rec.device.iommu_group != o->dev.iommu_group ||
		    rec.device.iommu_domain != o->dev.iommu_domain ||
		    rec.device.port != o->dev.port)
			abort();
		check_str(rec.device.name, o->dev.name, sizeof(o->dev.name));
		check_str(rec.device.driver, o->dev.driver,
			  sizeof(o->dev.driver));
		check_str(rec.device.bus, o->dev.bus, sizeof(o->dev.bus));
		break;
	case OP_STACK:
		if (t != DMAT_R_STACK || rec.stack.id != o->stack.id ||
		    rec.stack.nr_frames != o->stack.nr)
			abort();
		for (uint32_t i = 0; i < o->stack.nr; i++)
			if (strcmp(rec.stack.frames[i], o->stack.frames[i]))
				abort();
		break;
	case OP_RANGE:
		if (t != DMAT_R_MEM_RANGE ||
		    rec.range.start != o->range.start ||
		    rec.range.end != o->range.end ||
		    rec.range.node != o->range.node ||
		    rec.range.kind != o->range.kind)
			abort();
		break;
	case OP_CPU:
		if (t != DMAT_R_CPU_NODE || rec.cpu_node.cpu != o->cpu.cpu ||
		    rec.cpu_node.node != o->cpu.node)
			abort();
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct op ops[MAX_OPS];
	struct dmas_session s = {.page_size = 4096, .start_ts = 7};
	struct dmat_writer_opts wo = {0};
	struct dmat_writer *w;
	struct dmat_reader *r;
	struct dmat_record rec;
	bool finish;
	size_t n, len;
	uint8_t *file;
	struct stat st;
	char err[512];
	int fd;

	if (!size)
		return 0;
	wo.compress = data[0] & 1;
	finish = !(data[0] & 2);
	n = parse(data + 1, size - 1, ops);
	fd = memfd_create("dmat", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	w = dmat_writer_open_fd(fd, "memfd", &s, &wo, err, sizeof(err));
	if (!w)
		abort();
	for (size_t i = 0; i < n; i++) {
		const struct op *o = &ops[i];
		int ret = 0;

		if (o->type == OP_EVENT) {
			ret = dmat_write_event(w, &o->ev);
		} else if (o->type == OP_DEVICE) {
			ret = dmat_write_device(w, &o->dev);
		} else if (o->type == OP_STACK) {
			struct dmas_stack st = {o->stack.id, o->stack.nr,
						(const char **)o->stack.frames};

			ret = dmat_write_stack(w, &st);
		} else if (o->type == OP_RANGE) {
			ret = dmat_write_mem_range(w, &o->range);
		} else if (o->type == OP_CPU) {
			ret = dmat_write_cpu_node(w, &o->cpu);
		} else {
			ret = dmat_writer_flush(w);
		}
		if (ret)
			abort();
	}
	if (finish) {
		if (dmat_writer_close(w, 99, err, sizeof(err)))
			abort();
	} else {
		dmat_writer_abandon(w);
	}
	if (fstat(fd, &st))
		abort();
	len = (size_t)st.st_size;
	file = malloc(len ? len : 1);
	if (pread(fd, file, len, 0) != (ssize_t)len)
		abort();
	close(fd);

	r = dmat_reader_open_mem(file, len, "memfd", err, sizeof(err));
	if (!r || dmat_reader_session(r)->start_ts != 7)
		abort();
	for (size_t i = 0; i < n; i++)
		expect(r, &ops[i]);
	if (dmat_reader_next(r, &rec) !=
	    (finish ? DMAT_R_EOF : DMAT_R_TRUNCATED))
		abort();
	if (finish && dmat_reader_end_ts(r) != 99)
		abort();
	dmat_reader_close(r);
	free(file);
	for (size_t i = 0; i < n; i++)
		if (ops[i].type == OP_STACK)
			for (uint32_t k = 0; k < ops[i].stack.nr; k++)
				free(ops[i].stack.frames[k]);
	return 0;
}
