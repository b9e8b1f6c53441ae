/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report.c - what the text and JSON report writers share: the filters that
 * decide which findings and devices a report shows, and the names and
 * parsers every dmatrace command uses.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "event_names.h"
#include "report.h"

const char *dmas_kind_str(unsigned kind, char *buf, size_t len)
{
	const char *name = dmas_event_kind_name(kind);

	if (name)
		return name;
	snprintf(buf, len, "kind-%u", kind);
	return buf;
}

const char *dmas_dir_str(unsigned dir)
{
	static const char *const names[] = {"bidirectional", "to-device",
					    "from-device", "none"};

	return dir < 4 ? names[dir] : "invalid";
}

const char *dmas_dir_kernel_str(unsigned dir)
{
	static const char *const names[] = {"DMA_BIDIRECTIONAL",
					    "DMA_TO_DEVICE", "DMA_FROM_DEVICE",
					    "DMA_NONE"};

	return dir < 4 ? names[dir] : "DMA_(invalid)";
}

int dmas_parse_percent(const char *s, unsigned int *pct)
{
	char *end;
	long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end == '%')
		end++;
	if (errno || *end || v < 1 || v > 100)
		return -1;
	*pct = (unsigned int)v;
	return 0;
}

int dmas_parse_severity(const char *s)
{
	if (!strcasecmp(s, "info"))
		return DMAS_SEV_INFO;
	if (!strcasecmp(s, "warning") || !strcasecmp(s, "warn"))
		return DMAS_SEV_WARNING;
	if (!strcasecmp(s, "error") || !strcasecmp(s, "err"))
		return DMAS_SEV_ERROR;
	return -1;
}

const char *dmas_fmt_duration(uint64_t ns, char *buf, size_t len)
{
	if (ns >= 1000000000ull)
		snprintf(buf, len, "%.3f s", ns / 1e9);
	else if (ns >= 1000000ull)
		snprintf(buf, len, "%.3f ms", ns / 1e6);
	else if (ns >= 1000ull)
		snprintf(buf, len, "%.3f us", ns / 1e3);
	else
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	return buf;
}

const char *dmas_fmt_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", bytes);
		return buf;
	}
	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

const char *dmas_report_driver(const struct dmas_engine *e,
			       const struct dmas_report_opts *o, uint32_t dev)
{
	const struct dmas_device *d = dmas_engine_device_by_id(e, dev);
	const char *drv = NULL;

	if (d && d->driver[0])
		return d->driver;
	if (o && o->driver_of)
		drv = o->driver_of(o->driver_ctx, dev);
	return drv ? drv : "";
}

bool dmas_report_device_included(const struct dmas_engine *e,
				 const struct dmas_report_opts *o,
				 const struct dmas_device *d)
{
	if (o->device && (!d || strcmp(d->name, o->device)))
		return false;
	if (o->driver &&
	    strcmp(dmas_report_driver(e, o, d ? d->id : 0), o->driver))
		return false;
	return true;
}

bool dmas_report_includes(const struct dmas_engine *e,
			  const struct dmas_report_opts *o,
			  const struct dmas_finding *f)
{
	if (f->severity < o->min_severity)
		return false;
	if (!o->device && !o->driver)
		return true;
	return dmas_report_device_included(e, o,
					   dmas_engine_device_by_id(e, f->dev));
}

size_t dmas_report_count(const struct dmas_engine *e,
			 const struct dmas_report_opts *o)
{
	size_t i, n = 0, nr = dmas_engine_nr_findings(e);

	for (i = 0; i < nr; i++)
		if (dmas_report_includes(e, o, dmas_engine_finding(e, i)))
			n++;
	return n;
}
