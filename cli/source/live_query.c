// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_query.c - what live views (dmatop, record's summary) read from a
 * live source without seeing every event: per-device counters, the
 * attached hooks, and what it has done so far.  The public calls dispatch
 * to the source's ops; the live BPF source's answers follow.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/dmascope_bpf.h"
#include "dmascope.skel.h"
#include "source/live_bpf.h"

int dmas_source_live_counters(struct dmas_source *s, uint32_t dev,
			      struct dmas_live_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !s->ops->live_counters)
		return -1;
	return s->ops->live_counters(s, dev, out);
}

int dmas_source_live_hooks(struct dmas_source *s, char *buf, size_t len)
{
	if (!s || !s->ops->live_hooks || !len)
		return -1;
	return s->ops->live_hooks(s, buf, len);
}

int dmas_source_live_stats(struct dmas_source *s, struct dmas_live_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!s || !s->ops->live_stats)
		return -1;
	return s->ops->live_stats(s, out);
}

/* ---- the live BPF source's answers ---- */

int live_query_counters(struct dmas_source *s, uint32_t dev,
			struct dmas_live_counters *out)
{
	struct live_source *ls = live_source_of(s);
	struct dmas_dev_counters *vals, sum = {0};

	if (!dev || dev >= DMAS_BPF_MAX_DEVICES)
		return -1;
	vals = calloc(ls->ncpus, sizeof(*vals));
	if (!vals)
		return -1;
	if (bpf_map_lookup_elem(bpf_map__fd(ls->skel->maps.dev_counters), &dev,
				vals)) {
		free(vals);
		return -1;
	}
	/* lost in the ring, counted in the kernel; the rest received here */
	dmas_dev_counters_sum(&sum, &ls->tally.dev[dev]);
	for (int c = 0; c < ls->ncpus; c++)
		dmas_dev_counters_sum(&sum, &vals[c]);
	dmas_tally_export(&sum, out);
	free(vals);
	return 0;
}

int live_query_hooks(struct dmas_source *s, char *buf, size_t len)
{
	struct live_source *ls = live_source_of(s);
	size_t l = 0;
	int n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < live_nr_ops; i++) {
		const struct live_choice *c = &ls->chosen[i];
		int w;

		if (!c->attached)
			continue;
		w = snprintf(buf + l, len - l, "%s%s:%s", l ? "," : "",
			     live_hook_family(c->hook), c->hook->target);
		if (w < 0 || (size_t)w >= len - l) {
			buf[l] = '\0'; /* whole entries only */
			break;
		}
		l += w;
		n++;
	}
	return n;
}

int live_query_stats(struct dmas_source *s, struct dmas_live_stats *out)
{
	struct live_source *ls = live_source_of(s);

	out->events = ls->reorder.delivered;
	out->lost = ls->lost;
	out->lost_skipped = ls->lost_skipped;
	out->stack_errors = ls->stack_errors;
	out->devices = ls->skel->bss->next_dev_id;
	for (size_t i = 0; i < live_nr_ops; i++)
		out->hooks += ls->chosen[i].attached;
	snprintf(out->hook_list, sizeof(out->hook_list), "%s",
		 ls->session.hooks);
	return 0;
}
