/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* event_names.h - the names users see for event kinds, in every output. */
#ifndef DMASCOPE_EVENT_NAMES_H
#define DMASCOPE_EVENT_NAMES_H

/* "map_sg", "sync_for_cpu", ...; "none" for 0; NULL when unknown. */
const char *dmas_event_kind_name(unsigned kind);
/* The kind named `name` (never DMAS_EV_NONE), -1 when there is none. */
int dmas_event_kind_by_name(const char *name);

#endif /* DMASCOPE_EVENT_NAMES_H */
