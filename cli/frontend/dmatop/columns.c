/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * columns.c - the device table's columns as one table (title, width, how
 * a cell is formatted, how it sorts) and the line formats the screen and
 * batch mode share for devices, findings and dmaengine channels.
 */
#include <langinfo.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "dmatop.h"
#include "event_names.h"

bool utf8_term(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && !strcasecmp(cs, "UTF-8");
}

void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	static const char units[] = "KMGTPE";
	double v = (double)b;
	int u = -1;

	if (b == 0) {
		snprintf(buf, n, "0");
		return;
	}
	if (b < 1024) {
		snprintf(buf, n, "%lluB", (unsigned long long)b);
		return;
	}
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	snprintf(buf, n, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

void fmt_rate(double v, bool valid, char *buf, size_t n)
{
	if (!valid)
		snprintf(buf, n, "-");
	else if (v == 0)
		snprintf(buf, n, "0");
	else if (v < 100)
		snprintf(buf, n, "%.1f", v);
	else if (v < 100000)
		snprintf(buf, n, "%.0f", v);
	else if (v < 999.5e3)
		snprintf(buf, n, "%.0fk", v / 1e3);
	else if (v < 999.5e6)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.1fG", v / 1e9);
}

void fmt_mbs(double bytes_s, bool valid, char *buf, size_t n)
{
	double mb = bytes_s / 1e6;

	if (!valid)
		snprintf(buf, n, "-");
	else if (bytes_s == 0)
		snprintf(buf, n, "0");
	else if (mb < 10)
		snprintf(buf, n, "%.2f", mb);
	else if (mb < 1000)
		snprintf(buf, n, "%.1f", mb);
	else
		snprintf(buf, n, "%.0f", mb);
}

void fmt_reltime(uint64_t ns, char *buf, size_t n)
{
	uint64_t ms = ns / 1000000;

	if (ms < 60000)
		snprintf(buf, n, "%llu.%03llus", (unsigned long long)ms / 1000,
			 (unsigned long long)ms % 1000);
	else
		snprintf(buf, n, "%llum%02llu.%01llus",
			 (unsigned long long)ms / 60000,
			 (unsigned long long)ms / 1000 % 60,
			 (unsigned long long)ms / 100 % 10);
}

const char *dir_name(uint8_t dir)
{
	static const char *const names[] = {"BIDI", "TO", "FROM", "NONE"};

	return dir < 4 ? names[dir] : "?";
}

const char *kind_name(uint8_t kind)
{
	const char *name = dmas_event_kind_name(kind);

	return kind && name ? name : "?";
}

/* ---- cells ---- */

static void c_name(const struct devrow *r, const struct frame *fr, char *b,
		   size_t n)
{
	snprintf(b, n, "%s", r->name);
}

static void c_driver(const struct devrow *r, const struct frame *fr, char *b,
		     size_t n)
{
	snprintf(b, n, "%s", r->driver[0] ? r->driver : "-");
}

static void c_node(const struct devrow *r, const struct frame *fr, char *b,
		   size_t n)
{
	if (r->node < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%d", r->node);
}

static void c_maps(const struct devrow *r, const struct frame *fr, char *b,
		   size_t n)
{
	fmt_rate(r->maps_s, fr->rates_valid, b, n);
}

static void c_unmaps(const struct devrow *r, const struct frame *fr, char *b,
		     size_t n)
{
	fmt_rate(r->unmaps_s, fr->rates_valid, b, n);
}

static void c_syncs(const struct devrow *r, const struct frame *fr, char *b,
		    size_t n)
{
	fmt_rate(r->syncs_s, fr->rates_valid, b, n);
}

static void c_to(const struct devrow *r, const struct frame *fr, char *b,
		 size_t n)
{
	fmt_mbs(r->bytes_s[DMAS_DIR_TO_DEVICE], fr->rates_valid, b, n);
}

static void c_from(const struct devrow *r, const struct frame *fr, char *b,
		   size_t n)
{
	fmt_mbs(r->bytes_s[DMAS_DIR_FROM_DEVICE], fr->rates_valid, b, n);
}

static void c_bidi(const struct devrow *r, const struct frame *fr, char *b,
		   size_t n)
{
	fmt_mbs(r->bytes_s[DMAS_DIR_BIDIRECTIONAL], fr->rates_valid, b, n);
}

static void c_outst(const struct devrow *r, const struct frame *fr, char *b,
		    size_t n)
{
	snprintf(b, n, "%llu", (unsigned long long)r->outstanding);
}

static const char *trend_mark(int trend)
{
	if (!trend)
		return " ";
	if (utf8_term())
		return trend > 0 ? "\u2191" : "\u2193";
	return trend > 0 ? "^" : "v";
}

static void c_outbytes(const struct devrow *r, const struct frame *fr, char *b,
		       size_t n)
{
	char v[32];

	fmt_bytes(r->outstanding_bytes, v, sizeof(v));
	snprintf(b, n, "%s%s", v, trend_mark(r->trend));
}

static void c_coherent(const struct devrow *r, const struct frame *fr, char *b,
		       size_t n)
{
	fmt_bytes(r->coherent_bytes, b, n);
}

/* bytes exported now, then "+N" attachments it has mapped as importer */
static void c_dmabuf(const struct devrow *r, const struct frame *fr, char *b,
		     size_t n)
{
	char v[16];

	if (!r->dmabuf_bytes && !r->dmabuf_mapped) {
		snprintf(b, n, "-");
		return;
	}
	fmt_bytes(r->dmabuf_bytes, v, sizeof(v));
	if (r->dmabuf_mapped)
		snprintf(b, n, "%s+%" PRIu64, v, r->dmabuf_mapped);
	else
		snprintf(b, n, "%s", v);
}

static double n_dmabuf(const struct devrow *r)
{
	return (double)r->dmabuf_bytes;
}

/* CMA bytes held now, then "!N" allocations that failed */
static void c_cma(const struct devrow *r, const struct frame *fr, char *b,
		  size_t n)
{
	char v[16];

	if (!r->cma_peak && !r->cma_failures) {
		snprintf(b, n, "-");
		return;
	}
	fmt_bytes(r->cma_bytes, v, sizeof(v));
	if (r->cma_failures)
		snprintf(b, n, "%s!%" PRIu64, v, r->cma_failures);
	else
		snprintf(b, n, "%s", v);
}

static double n_cma(const struct devrow *r)
{
	return (double)r->cma_bytes;
}

static void c_remote(const struct devrow *r, const struct frame *fr, char *b,
		     size_t n)
{
	if (r->remote_pct < 0)
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.0f%%", r->remote_pct);
}

static void c_findings(const struct devrow *r, const struct frame *fr, char *b,
		       size_t n)
{
	snprintf(b, n, "%llu", (unsigned long long)r->nr_findings);
}

/*
 * The IOMMU domain in at most 7 cells: "DMA-FQ", "ident" (passthrough),
 * "none" (no group), "-" (not known); "!" marks an external port.
 */
static void c_iommu(const struct devrow *r, const struct frame *fr, char *b,
		    size_t n)
{
	static const char *const shrt[] = {"-",	    "none",  "DMA",   "DMA-FQ",
					   "ident", "block", "unmgd", "group"};

	snprintf(b, n, "%s%s",
		 r->iommu_domain < DMAS_IOMMU_DOMAIN_MAX ? shrt[r->iommu_domain]
							 : "-",
		 dmas_port_external(r->port) ? "!" : "");
}

/* Bytes swiotlb copied for the device; '*' when swiotlb is forced. */
static void c_bounce(const struct devrow *r, const struct frame *fr, char *b,
		     size_t n)
{
	char v[16];

	fmt_bytes(r->bounce_bytes, v, sizeof(v));
	snprintf(b, n, "%s%s", v, r->swiotlb_forced ? "*" : "");
}

static double n_bounce(const struct devrow *r)
{
	return (double)r->bounce_bytes;
}

static int s_iommu(const struct devrow *a, const struct devrow *b)
{
	/* untranslated first, then the names */
	int c = (int)dmas_iommu_untranslated(b->iommu_domain) -
		(int)dmas_iommu_untranslated(a->iommu_domain);

	return c ? c : strcmp(a->name, b->name);
}

static double n_node(const struct devrow *r)
{
	return r->node;
}

static double n_maps(const struct devrow *r)
{
	return r->maps_s;
}

static double n_unmaps(const struct devrow *r)
{
	return r->unmaps_s;
}

static double n_syncs(const struct devrow *r)
{
	return r->syncs_s;
}

static double n_to(const struct devrow *r)
{
	return r->bytes_s[DMAS_DIR_TO_DEVICE];
}

static double n_from(const struct devrow *r)
{
	return r->bytes_s[DMAS_DIR_FROM_DEVICE];
}

static double n_bidi(const struct devrow *r)
{
	return r->bytes_s[DMAS_DIR_BIDIRECTIONAL];
}

static double n_outst(const struct devrow *r)
{
	return (double)r->outstanding;
}

static double n_outbytes(const struct devrow *r)
{
	return (double)r->outstanding_bytes;
}

static double n_coherent(const struct devrow *r)
{
	return (double)r->coherent_bytes;
}

static double n_remote(const struct devrow *r)
{
	return r->remote_pct;
}

static double n_findings(const struct devrow *r)
{
	/* errors outrank any number of warnings */
	return r->findings[DMAS_SEV_ERROR] * 1e12 +
	       r->findings[DMAS_SEV_WARNING] * 1e6 + r->findings[DMAS_SEV_INFO];
}

static int s_name(const struct devrow *a, const struct devrow *b)
{
	return strcmp(a->name, b->name);
}

static int s_driver(const struct devrow *a, const struct devrow *b)
{
	int c = strcmp(a->driver, b->driver);

	return c ? c : strcmp(a->name, b->name);
}

const struct dev_column dev_columns[NR_DEV_COLUMNS] = {
	[COL_DEVICE] = {"DEVICE", "device", 14, true, c_name, NULL, s_name,
			"device name (dev_name)"},
	[COL_DRIVER] = {"DRIVER", "driver", 8, true, c_driver, NULL, s_driver,
			"bound driver"},
	[COL_NODE] = {"NODE", "node", 4, false, c_node, n_node, NULL,
		      "the device's NUMA node"},
	[COL_MAPS] = {"MAPS/s", "maps", 7, false, c_maps, n_maps, NULL,
		      "streaming maps per second (single, sg, resource)"},
	[COL_UNMAPS] = {"UNMAP/s", "unmaps", 7, false, c_unmaps, n_unmaps, NULL,
			"unmaps per second"},
	[COL_SYNCS] = {"SYNCS/s", "syncs", 7, false, c_syncs, n_syncs, NULL,
		       "syncs per second, for CPU and for device"},
	[COL_TO] = {"TO MB/s", "to", 7, false, c_to, n_to, NULL,
		    "MB/s mapped DMA_TO_DEVICE"},
	[COL_FROM] = {"FR MB/s", "from", 7, false, c_from, n_from, NULL,
		      "MB/s mapped DMA_FROM_DEVICE"},
	[COL_BIDI] = {"BI MB/s", "bidi", 7, false, c_bidi, n_bidi, NULL,
		      "MB/s mapped DMA_BIDIRECTIONAL"},
	[COL_OUTST] = {"OUTST", "outstanding", 6, false, c_outst, n_outst, NULL,
		       "streaming mappings outstanding now"},
	[COL_OUTBYTES] =
		{"OUTBYTES", "outbytes", 9, false, c_outbytes, n_outbytes, NULL,
		 "bytes outstanding now, with their trend since the last refresh"},
	[COL_COHERENT] = {"COHERENT", "coherent", 8, false, c_coherent,
			  n_coherent, NULL, "coherent memory allocated now"},
	[COL_REMOTE] =
		{"REMOTE", "remote", 6, false, c_remote, n_remote, NULL,
		 "share of mapped bytes on another NUMA node than the device"},
	[COL_FINDINGS] = {"FINDS", "findings", 5, false, c_findings, n_findings,
			  NULL,
			  "findings about this device (errors sort first)"},
	[COL_IOMMU] = {"IOMMU", "iommu", 7, true, c_iommu, NULL, s_iommu,
		       "IOMMU domain (ident: passthrough; ! external port)"},
	[COL_BOUNCE] = {"BOUNCE", "bounce", 7, false, c_bounce, n_bounce, NULL,
			"bytes swiotlb copied for the device (* forced)"},
	[COL_DMABUF] = {"DMABUF", "dmabuf", 9, false, c_dmabuf, n_dmabuf, NULL,
			"dma-buf bytes exported now, +N attachments mapped"},
	[COL_CMA] = {"CMA", "cma", 8, false, c_cma, n_cma, NULL,
		     "contiguous memory (CMA) held now, !N allocations failed"},
};

const int nr_dev_columns = NR_DEV_COLUMNS;

int dev_column_by_key(const char *key)
{
	int i;

	for (i = 0; i < nr_dev_columns; i++)
		if (!strcasecmp(dev_columns[i].key, key) ||
		    !strcasecmp(dev_columns[i].title, key))
			return i;
	return -1;
}

/* Display width of a UTF-8 string (our cells hold at most one arrow). */
static int cell_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void put_cell(char **p, char *end, const char *s, int width, bool left)
{
	int w = cell_width(s), pad = width > w ? width - w : 0;
	int len = (int)strlen(s);

	if (w > width && left) {
		/* keep the end of long names: it is the part that differs */
		s += w - width;
		len = (int)strlen(s);
	}
	if (left)
		*p += snprintf(*p, end - *p, "%.*s%*s ", len, s, pad, "");
	else
		*p += snprintf(*p, end - *p, "%*s%s ", pad, "", s);
	if (*p > end)
		*p = end;
}

void dev_format_line(const struct devrow *r, const struct frame *fr,
		     int sort_col, char *buf, size_t n)
{
	char *p = buf, *end = buf + n;
	char cell[64];
	int i;

	buf[0] = '\0';
	for (i = 0; i < nr_dev_columns && p < end - 1; i++) {
		const struct dev_column *c = &dev_columns[i];

		if (r)
			c->fmt(r, fr, cell, sizeof(cell));
		else
			snprintf(cell, sizeof(cell), "%s", c->title);
		put_cell(&p, end, cell, c->width, c->text);
	}
	/* no trailing blank */
	if (p > buf && p[-1] == ' ')
		p[-1] = '\0';
}

/* ---- findings and channels ---- */

void finding_line(const struct findrow *r, const struct frame *fr, char *buf,
		  size_t n)
{
	const struct dmas_finding *f = &r->f;
	char t[32], rep[32] = "";

	fmt_reltime(f->ts > fr->origin ? f->ts - fr->origin : 0, t, sizeof(t));

	/* the engine folds repeats of one bug into the first finding */
	if (f->repeats)
		snprintf(rep, sizeof(rep), "(+%llu more) ",
			 (unsigned long long)f->repeats);
	snprintf(buf, n, "%9s %-7s %-26s %-14s %-8s 0x%llx+%llu %s%s%s%s", t,
		 dmas_severity_name(f->severity),
		 dmas_finding_table[f->kind].id, r->dev_name,
		 r->driver[0] ? r->driver : "-", (unsigned long long)f->addr,
		 (unsigned long long)f->size, rep,
		 f->uncertain ? "(uncertain) " : "", f->detail,
		 f->detail[0] ? "" : dmas_finding_table[f->kind].what);
}

const char *chan_header_line(void)
{
	return "PROVIDER       CHAN CLIENT         STATE    PENDING INFLIGHT  SUBMITTED  DONE/s    MB/s  ERRORS  TERM     P50     P99     MAX  OVER  OLDEST";
}

void fmt_latency(uint64_t ns, char *buf, size_t n)
{
	if (ns < 1000)
		snprintf(buf, n, "%lluns", (unsigned long long)ns);
	else if (ns < 10000)
		snprintf(buf, n, "%.1fus", ns / 1e3);
	else if (ns < 1000000)
		snprintf(buf, n, "%.0fus", ns / 1e3);
	else if (ns < 10000000)
		snprintf(buf, n, "%.1fms", ns / 1e6);
	else if (ns < 1000000000)
		snprintf(buf, n, "%.0fms", ns / 1e6);
	else
		snprintf(buf, n, "%.1fs", ns / 1e9);
}

void chan_format_line(const struct chanrow *c, const struct frame *fr,
		      char *buf, size_t n)
{
	char rate[16], mbs[16], age[32], p50[16] = "-", p99[16] = "-",
					 mx[16] = "-";

	fmt_rate(c->completions_s, fr->rates_valid, rate, sizeof(rate));
	fmt_mbs(c->mbs, fr->rates_valid, mbs, sizeof(mbs));
	if (c->nr_open)
		fmt_reltime(c->oldest_age_ns, age, sizeof(age));
	else
		snprintf(age, sizeof(age), "-");
	if (c->lat.count) {
		fmt_latency(c->lat.p50_ns, p50, sizeof(p50));
		fmt_latency(c->lat.p99_ns, p99, sizeof(p99));
		fmt_latency(c->lat.max_ns, mx, sizeof(mx));
	}
	snprintf(
		buf, n,
		"%-14.14s %4u %-14.14s %-8s %7llu %8llu %10llu %7s %7s %7llu %5llu %7s %7s %7s %5llu  %s",
		c->provider_name, c->index,
		c->client_name[0] ? c->client_name : "-",
		c->held ? "held" : "released", (unsigned long long)c->pending,
		(unsigned long long)c->inflight,
		(unsigned long long)c->submitted, rate, mbs,
		(unsigned long long)c->errors,
		(unsigned long long)c->terminated, p50, p99, mx,
		(unsigned long long)c->over_budget, age);
}
