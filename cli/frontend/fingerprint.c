/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * fingerprint.c - frames split into symbol and module, the driver's first
 * frame, and offset-free finding fingerprints (see fingerprint.h).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "frontend/fingerprint.h"

void dmas_frame_parse(const char *frame, struct dmas_frame *out)
{
	const char *end, *mod;
	size_t n;

	out->sym[0] = out->module[0] = '\0';
	if (!frame)
		return;
	while (*frame == ' ')
		frame++;
	/* the symbol ends at "+0x", at " [" or at the end */
	end = frame + strcspn(frame, "+ [");
	n = (size_t)(end - frame);
	/* an unresolved frame is its address: no symbol to keep */
	if (n && !(n > 2 && frame[0] == '0' && frame[1] == 'x')) {
		if (n >= sizeof(out->sym))
			n = sizeof(out->sym) - 1;
		memcpy(out->sym, frame, n);
		out->sym[n] = '\0';
	}
	mod = strchr(end, '[');
	if (mod) {
		mod++;
		n = strcspn(mod, "]");
		if (mod[n] == ']' && n) {
			if (n >= sizeof(out->module))
				n = sizeof(out->module) - 1;
			memcpy(out->module, mod, n);
			out->module[n] = '\0';
		}
	}
}

/* The DMA API and what it calls: never the driver's own code. */
static bool dma_core_symbol(const char *sym)
{
	static const char *const prefixes[] = {
		"dma_",	      "__dma_",	  "dmam_",	  "dmaengine_",
		"iommu_",     "__iommu_", "swiotlb_",	  "__swiotlb_",
		"debug_dma_", "trace_",	  "__traceiter_", "bpf_",
		"__bpf_",     "kprobe_",  "ftrace_",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(sym, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

int dmas_stack_driver_frame(const struct dmas_stack *st)
{
	struct dmas_frame fr;
	uint32_t i;

	if (!st || !st->nr_frames)
		return -1;
	for (i = 0; i < st->nr_frames; i++) {
		dmas_frame_parse(st->frames[i], &fr);
		if (fr.module[0])
			return (int)i;
	}
	for (i = 0; i < st->nr_frames; i++) {
		dmas_frame_parse(st->frames[i], &fr);
		if (fr.sym[0] && !dma_core_symbol(fr.sym))
			return (int)i;
	}
	return 0;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= UINT64_C(0x100000001b3);
	}
	/* a separator, so "ab","c" and "a","bc" differ */
	h ^= 0xff;
	h *= UINT64_C(0x100000001b3);
	return h;
}

static uint64_t fnv_stack(uint64_t h, const struct dmas_stack *st)
{
	struct dmas_frame fr;
	int last = dmas_stack_driver_frame(st);

	if (last < 0)
		return fnv(h, "-");
	last += 3;
	for (int i = 0; i <= last && (uint32_t)i < st->nr_frames; i++) {
		dmas_frame_parse(st->frames[i], &fr);
		h = fnv(h, fr.sym[0] ? fr.sym : "?");
		h = fnv(h, fr.module);
	}
	return h;
}

void dmas_fingerprint(const char *id, const char *driver,
		      const struct dmas_stack *map,
		      const struct dmas_stack *close,
		      char out[DMAS_FINGERPRINT_LEN])
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	h = fnv(h, id ? id : "");
	h = fnv(h, driver ? driver : "");
	h = fnv_stack(h, map);
	h = fnv_stack(h, close);
	snprintf(out, DMAS_FINGERPRINT_LEN, "%016llx", (unsigned long long)h);
}
