/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * findings.c - the finding table, built from findings.def, and lookups by
 * stable id.
 */
#include <string.h>

#include "engine/engine.h"

const struct dmas_finding_info dmas_finding_table[DMAS_FINDING_KIND_MAX] = {
#define FINDING(e, id, sev, area, what, fix) \
	[DMAS_F_##e] = {id, DMAS_SEV_##sev, area, what, fix},
#include "engine/findings.def"
#undef FINDING
};

const char *dmas_severity_name(enum dmas_severity sev)
{
	switch (sev) {
	case DMAS_SEV_INFO:
		return "info";
	case DMAS_SEV_WARNING:
		return "warning";
	case DMAS_SEV_ERROR:
		return "error";
	}
	return "unknown";
}

const char *dmas_seen_by_name(uint8_t seen_by)
{
	switch (seen_by & (DMAS_SEEN_DMASCOPE | DMAS_SEEN_DMA_DEBUG)) {
	case DMAS_SEEN_DMA_DEBUG:
		return "dma-debug";
	case DMAS_SEEN_DMASCOPE | DMAS_SEEN_DMA_DEBUG:
		return "both";
	default:
		return "dmascope";
	}
}

int dmas_finding_kind_by_id(const char *id)
{
	int i;

	if (!id)
		return -1;
	for (i = 0; i < DMAS_FINDING_KIND_MAX; i++)
		if (!strcmp(dmas_finding_table[i].id, id))
			return i;
	return -1;
}
