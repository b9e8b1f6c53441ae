// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fuzz_dmat_reader.c - libFuzzer target on the .dmat reader: any input must
 * give a clean refusal or a run of records ending in EOF, TRUNCATED or
 * CORRUPT with a message; never a crash, an overrun or a hang.  The first
 * byte picks how events are read (one at a time, in runs, or mixed) so
 * both paths are covered from one corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/dmat.h"

static volatile uint64_t sink;

static void touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	for (size_t i = 0; i < n; i++)
		s += b[i];
	sink += s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode = size ? data[size - 1] % 3 : 0;
	struct dmat_reader *r;
	struct dmat_record rec;
	enum dmat_rec t;
	char err[512] = "";
	unsigned step = 0;

	r = dmat_reader_open_mem(data, size, "fuzz", err, sizeof(err));
	if (!r) {
		if (!err[0])
			abort(); /* a refusal must say why */
		return 0;
	}
	touch(dmat_reader_session(r), sizeof(struct dmas_session));
	for (;;) {
		const struct dmas_event *evs;
		size_t n;

		if (mode == 1 || (mode == 2 && step++ % 2)) {
			t = dmat_reader_next_batch(r, &rec, &evs, &n);
			if (t == DMAT_R_EVENT) {
				if (!n)
					abort();
				touch(evs, n * sizeof(*evs));
				continue;
			}
		} else {
			t = dmat_reader_next(r, &rec);
		}
		if (t <= 0)
			break;
		if (t == DMAT_R_STACK)
			for (uint32_t i = 0; i < rec.stack.nr_frames; i++)
				touch(rec.stack.frames[i],
				      strlen(rec.stack.frames[i]));
		else
			touch(&rec, sizeof(rec));
	}
	if (t != DMAT_R_EOF && !dmat_reader_error(r))
		abort(); /* every early end is explained */
	if (dmat_reader_next(r, &rec) != t)
		abort(); /* and it stays ended */
	dmat_reader_close(r);
	return 0;
}
