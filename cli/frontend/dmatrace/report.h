/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.h - the report writers shared by `dmatrace replay` and `dmatrace
 * check`: a finished engine in, text or one JSON document out, with the
 * filters a user asked for.  Also the small parsers and name tables every
 * dmatrace command needs (durations, severities, event kinds, directions).
 */
#ifndef DMATRACE_REPORT_H
#define DMATRACE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"
#include "frontend/numparse.h"

/* How the input ended: shown in the header and in JSON "input.status". */
enum dmas_input_status {
	DMAS_INPUT_COMPLETE = 0,
	DMAS_INPUT_TRUNCATED, /* analysed up to the last whole record */
	DMAS_INPUT_CORRUPT, /* analysed up to the corrupt record */
	DMAS_INPUT_INTERRUPTED, /* stopped by the user */
};

struct dmas_gate;

struct dmas_report_opts {
	enum dmas_severity min_severity; /* findings below are not shown */
	const char *device; /* only this device name (NULL: all) */
	const char *driver; /* only devices of this driver (NULL: all) */
	bool quiet; /* text: one line per finding, nothing else */
	bool no_stats; /* leave out the per-device statistics */
	/* where the events came from, for the header */
	const char *input; /* recording path, or "live" */
	enum dmas_input_status input_status;
	const char *input_message; /* reader's words when not complete */
	uint64_t first_ts; /* first and last event time seen (ns) */
	uint64_t last_ts;
	const char *tool; /* "dmatrace replay", "dmatrace check" */
	/*
	 * Options the engine ran with, echoed in the header so a report says
	 * what it was looking for.
	 */
	uint64_t leak_age_ns;
	uint64_t xfer_timeout_ns;
	uint64_t latency_budget_ns; /* 0: none */
	uint64_t cma_budget_ns; /* 0: none */
	bool leaks_at_exit;
	/*
	 * Driver names last seen per device id (a device's driver may be
	 * gone from the engine's table once it unbinds); may be NULL.
	 */
	const char *(*driver_of)(void *ctx, uint32_t dev);
	void *driver_ctx;
	/*
	 * check: the command traced and how it ended (argv NULL: none).
	 * exit_status is -1 when a signal ended it; signal is 0 otherwise.
	 */
	char *const *command_argv;
	int command_exit_status;
	int command_signal;
	/* the CI gate's verdict per finding (gate.h); NULL: none */
	const struct dmas_gate *gate;
	/*
	 * Who saw finding i when kernel reports were compared: "dmascope",
	 * "dma-debug" or "both"; NULL (or returning NULL): not compared.
	 * SARIF and JUnit carry it as the property "seenBy".
	 */
	const char *(*seen_by)(void *ctx, size_t finding);
	void *seen_ctx;
};

/* Does finding f pass the filters in o? */
bool dmas_report_includes(const struct dmas_engine *e,
			  const struct dmas_report_opts *o,
			  const struct dmas_finding *f);
/* Number of findings that pass the filters: the exit status is 1 if > 0. */
size_t dmas_report_count(const struct dmas_engine *e,
			 const struct dmas_report_opts *o);
/* Driver name for a device id: the engine's, else driver_of's, else "". */
const char *dmas_report_driver(const struct dmas_engine *e,
			       const struct dmas_report_opts *o, uint32_t dev);
/* Does device d pass the device/driver filters? */
bool dmas_report_device_included(const struct dmas_engine *e,
				 const struct dmas_report_opts *o,
				 const struct dmas_device *d);

/* Both return 0, or -1 when writing failed (errno set). */
int dmas_report_text(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o);
int dmas_report_json(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o);
/* Write a JSON document pretty-printed, then free it: 0, or -1. */
struct json_object;
int dmas_report_json_put(FILE *out, struct json_object *root);

/*
 * The CI formats: JUnit XML (one test case per finding id), SARIF 2.1.0
 * (rules from findings.def, one result per finding) and KTAP (one test per
 * finding id, kselftest style).  Same contract as above.
 */
int dmas_report_junit(FILE *out, const struct dmas_engine *e,
		      const struct dmas_report_opts *o);
int dmas_report_sarif(FILE *out, const struct dmas_engine *e,
		      const struct dmas_report_opts *o);
int dmas_report_ktap(FILE *out, const struct dmas_engine *e,
		     const struct dmas_report_opts *o);

/*
 * Why findings of kind k could not have been seen, from the session's hook
 * list: "not traced: none of dma_pool_destroy was hooked" in buf, or NULL
 * when they could be (or the list does not say: a recording without names,
 * hooks of a module that attach when it loads).
 */
const char *dmas_report_unwatched(const struct dmas_engine *e,
				  enum dmas_finding_kind k, char *buf,
				  size_t len);
/*
 * One line on finding f, as the CI formats list it: "error unmap-size-mismatch
 * on 0000:10:00.0 (nvme): detail (addr 0x1000, 4096 B, from-device)".  The
 * names come from the recording: escape them for where the line goes.
 */
const char *dmas_report_finding_line(const struct dmas_engine *e,
				     const struct dmas_report_opts *o,
				     const struct dmas_finding *f, char *buf,
				     size_t len);
/* Finding i's "seenBy" (report opts' seen_by), NULL when not compared. */
const char *dmas_report_seen_by(const struct dmas_report_opts *o, size_t i);

/* ---- names and parsers ---- */

/*
 * "map", "unmap_sg", "sync_for_cpu" (as dmatgen spells them); "kind-N"
 * for unknown values.
 */
const char *dmas_kind_str(unsigned kind, char *buf, size_t len);
/* "to-device", "from-device", "bidirectional", "none" */
const char *dmas_dir_str(unsigned dir);
/* "DMA_TO_DEVICE" ... as the kernel spells them */
const char *dmas_dir_kernel_str(unsigned dir);
/* "50" or "50%", 1..100; 0 on success, -1 otherwise */
int dmas_parse_percent(const char *s, unsigned int *pct);
/* "info", "warning", "error" (also "warn", "err"); -1 when unknown */
int dmas_parse_severity(const char *s);
/* dmas_fmt_duration: engine.h (finding details use it too) */
/* "4096 B", "1.5 MiB" */
const char *dmas_fmt_bytes(uint64_t bytes, char *buf, size_t len);

#endif /* DMATRACE_REPORT_H */
