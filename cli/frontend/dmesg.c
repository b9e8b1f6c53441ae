/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmesg.c - CONFIG_DMA_API_DEBUG beside dmascope (`dmatrace check
 * --dmesg`): reads the "DMA-API:" messages of a run's window from
 * /dev/kmsg and parses them by the texts of kernel/dma/debug.c, turns
 * all_errors on for the run and restores it, reads error_count and dump,
 * and merges: each finding is seen by dmascope, dma-debug or both, and
 * what only dma-debug reported becomes a finding of its own.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "frontend/dmesg.h"

/* ---- message classes ---- */

static const struct {
	const char *needle; /* a part of the message only this class has */
	const char *name;
	enum dmas_finding_kind kind;
} classes[DMAS_DD_CLASS_MAX] = {
	[DMAS_DD_NONE] = {NULL, "none", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_FREE_INVALID] = {"tries to free an invalid DMA memory address",
				  "free-invalid", DMAS_F_UNMAP_NOT_MAPPED},
	[DMAS_DD_FREE_NOT_ALLOCATED] =
		{"tries to free DMA memory it has not allocated",
		 "free-not-allocated", DMAS_F_UNMAP_NOT_MAPPED},
	[DMAS_DD_FREE_SIZE] = {"frees DMA memory with different size",
			       "free-size", DMAS_F_UNMAP_SIZE_MISMATCH},
	[DMAS_DD_FREE_WRONG_FUNCTION] = {"frees DMA memory with wrong function",
					 "free-wrong-function",
					 DMAS_F_UNMAP_TYPE_MISMATCH},
	[DMAS_DD_FREE_CPU_ADDR] =
		{"frees DMA memory with different CPU address",
		 "free-cpu-address", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_FREE_SG_COUNT] =
		{"frees DMA sg list with different entry count",
		 "free-sg-count", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_FREE_DIR] = {"frees DMA memory with different direction",
			      "free-direction", DMAS_F_UNMAP_DIR_MISMATCH},
	[DMAS_DD_MAP_ERR_UNCHECKED] = {"failed to check map error",
				       "map-error-unchecked",
				       DMAS_F_MAP_ERROR_UNCHECKED},
	[DMAS_DD_MAP_STACK] = {"maps memory from stack", "map-stack",
			       DMAS_F_MAP_STACK},
	[DMAS_DD_MAP_TEXT] = {"maps memory from kernel text or rodata",
			      "map-kernel-text", DMAS_F_MAP_KERNEL_IMAGE},
	[DMAS_DD_MAP_INVALID] = {"maps memory from invalid area",
				 "map-invalid-area", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_MAP_VMALLOC] = {"maps memory from vmalloc area", "map-vmalloc",
				 DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_SYNC_NOT_ALLOCATED] =
		{"to sync DMA memory it has not allocated",
		 "sync-not-allocated", DMAS_F_SYNC_NOT_MAPPED},
	[DMAS_DD_SYNC_RANGE] = {"syncs DMA memory outside allocated range",
				"sync-range", DMAS_F_SYNC_OUT_OF_RANGE},
	[DMAS_DD_SYNC_DIR] = {"syncs DMA memory with different direction",
			      "sync-direction", DMAS_F_SYNC_DIR_MISMATCH},
	[DMAS_DD_SYNC_READ_ONLY] = {"syncs device read-only DMA memory for cpu",
				    "sync-read-only", DMAS_F_SYNC_DIR_MISMATCH},
	[DMAS_DD_SYNC_WRITE_ONLY] =
		{"syncs device write-only DMA memory to device",
		 "sync-write-only", DMAS_F_SYNC_DIR_MISMATCH},
	[DMAS_DD_SYNC_SG_COUNT] =
		{"syncs DMA sg list with different entry count",
		 "sync-sg-count", DMAS_F_SYNC_SG_NENTS_MISMATCH},
	[DMAS_DD_SG_TOO_LONG] = {"mapping sg segment longer than device claims",
				 "sg-too-long", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_SG_BOUNDARY] = {"mapping sg segment across boundary",
				 "sg-boundary", DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_PENDING_AT_UNBIND] =
		{"has pending DMA allocations while released from device",
		 "pending-at-unbind", DMAS_F_LEAK_UNBIND},
	[DMAS_DD_CACHELINE_OVERLAP] = {"cacheline tracking EEXIST",
				       "cacheline-overlap",
				       DMAS_F_CACHELINE_OVERLAP},
	[DMAS_DD_CACHELINE_LIMIT] = {"overlapping mappings of cacheline",
				     "cacheline-limit",
				     DMAS_F_DMA_DEBUG_REPORT},
	[DMAS_DD_OTHER] = {NULL, "other", DMAS_F_DMA_DEBUG_REPORT},
};

const char *dmas_dd_class_name(enum dmas_dd_class c)
{
	return c < DMAS_DD_CLASS_MAX ? classes[c].name : "?";
}

enum dmas_finding_kind dmas_dd_class_kind(enum dmas_dd_class c)
{
	return c < DMAS_DD_CLASS_MAX ? classes[c].kind
				     : DMAS_F_DMA_DEBUG_REPORT;
}

/* Whether a finding of kind k reports what a message of class c does. */
static bool class_matches_kind(enum dmas_dd_class c, enum dmas_finding_kind k)
{
	switch (c) {
	case DMAS_DD_FREE_INVALID:
	case DMAS_DD_FREE_NOT_ALLOCATED:
		return k == DMAS_F_UNMAP_NOT_MAPPED ||
		       k == DMAS_F_DOUBLE_UNMAP ||
		       k == DMAS_F_FREE_NOT_ALLOCATED;
	case DMAS_DD_FREE_WRONG_FUNCTION:
		return k == DMAS_F_UNMAP_TYPE_MISMATCH ||
		       k == DMAS_F_COHERENT_VIA_STREAMING ||
		       k == DMAS_F_STREAMING_VIA_COHERENT;
	case DMAS_DD_PENDING_AT_UNBIND:
		return k == DMAS_F_LEAK_UNBIND || k == DMAS_F_POOL_LEAK ||
		       k == DMAS_F_LEAK_MODULE_UNLOAD;
	case DMAS_DD_SYNC_NOT_ALLOCATED:
		/*
		 * A sync that starts inside a mapping and runs past its end:
		 * check_sync() looks for one entry holding the whole range
		 * (bucket_find_contain), finds none and says "not allocated";
		 * its own range check compares sizes only.  The address is
		 * the sync's, inside our finding's mapping (addr_matches).
		 */
		return k == DMAS_F_SYNC_NOT_MAPPED ||
		       k == DMAS_F_SYNC_OUT_OF_RANGE;
	default:
		return k == classes[c].kind && k != DMAS_F_DMA_DEBUG_REPORT;
	}
}

/* ---- parsing ---- */

static int dir_by_name(const char *s)
{
	static const char *const names[] = {"DMA_BIDIRECTIONAL",
					    "DMA_TO_DEVICE", "DMA_FROM_DEVICE",
					    "DMA_NONE"};

	for (int i = 0; i < 4; i++)
		if (!strncmp(s, names[i], strlen(names[i])))
			return i;
	return -1;
}

/* Copies text with /dev/kmsg's \xNN escapes undone and newlines (a
 * report of several lines is one record) turned into spaces. */
static char *unescape(const char *text)
{
	size_t n = strlen(text);
	char *o = malloc(n + 1), *p = o;

	if (!o)
		return NULL;
	while (*text) {
		unsigned v;

		if (text[0] == '\\' && text[1] == 'x' &&
		    isxdigit((unsigned char)text[2]) &&
		    isxdigit((unsigned char)text[3]) &&
		    sscanf(text + 2, "%2x", &v) == 1) {
			*p++ = v < ' ' ? ' ' : (char)v;
			text += 4;
			continue;
		}
		*p++ = *text == '\n' || *text == '\t' ? ' ' : *text;
		text++;
	}
	/* the record's own trailing spaces are not part of it */
	while (p > o && p[-1] == ' ')
		p--;
	*p = 0;
	return o;
}

/* The number after KEY in s, e.g. "[size=" -> 4096. */
static bool field_u64(const char *s, const char *key, int base, uint64_t *v)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	errno = 0;
	*v = strtoull(p, &end, base);
	return end != p && !errno;
}

int dmas_dd_parse(const char *text, struct dmas_dd_msg *m)
{
	const char *rest, *colon, *sp;
	char *t;
	uint64_t v;

	memset(m, 0, sizeof(*m));
	m->dir = -1;
	if (!strstr(text, "DMA-API: "))
		return 0;
	t = unescape(text);
	if (!t)
		return -1;
	rest = strstr(t, "DMA-API: ") + strlen("DMA-API: ");
	m->cls = DMAS_DD_NONE;
	for (int c = DMAS_DD_NONE + 1; c < DMAS_DD_CLASS_MAX; c++)
		if (classes[c].needle && strstr(rest, classes[c].needle)) {
			m->cls = c;
			break;
		}
	/* err_printk's prefix: "DRIVER DEVICE: " (a PCI name has colons,
	 * never ": "; "NULL NULL: " without a device) */
	sp = strchr(rest, ' ');
	colon = sp ? strstr(sp + 1, ": ") : NULL;
	if (sp && colon && !memchr(sp + 1, ' ', (size_t)(colon - sp - 1)) &&
	    (size_t)(sp - rest) < sizeof(m->driver) &&
	    (size_t)(colon - sp - 1) < sizeof(m->device)) {
		memcpy(m->driver, rest, (size_t)(sp - rest));
		memcpy(m->device, sp + 1, (size_t)(colon - sp - 1));
		if (m->cls == DMAS_DD_NONE &&
		    !strncmp(colon + 2, "device driver ", 14))
			m->cls = DMAS_DD_OTHER;
	}
	if (m->cls == DMAS_DD_NONE) {
		free(t);
		memset(m, 0, sizeof(*m));
		m->dir = -1;
		return 0;
	}
	if (field_u64(rest, "device address=0x", 16, &v) ||
	    field_u64(rest, "[start=0x", 16, &v)) {
		m->addr = v;
		m->has_addr = true;
	}
	if (field_u64(rest, "[size=", 10, &v) ||
	    field_u64(rest, "[map size=", 10, &v) ||
	    field_u64(rest, "[allocation size=", 10, &v) ||
	    field_u64(rest, "[len=", 10, &v)) {
		m->size = v;
		m->has_size = true;
	}
	if ((sp = strstr(rest, "[mapped with ")))
		m->dir = dir_by_name(sp + strlen("[mapped with "));
	if (field_u64(rest, "[count=", 10, &v))
		m->count = (int)v;
	m->text = t;
	return 1;
}

void dmas_dd_msg_free(struct dmas_dd_msg *m)
{
	free(m->text);
	m->text = NULL;
}

/* "DEV DRIVER TYPE idx N P=.. N=.. D=.. L=.. DIR MAPERR" */
int dmas_dd_parse_dump_line(const char *line, struct dmas_dd_entry *o)
{
	char dir[24];
	unsigned long long p, d, l;
	int idx;

	memset(o, 0, sizeof(*o));
	if (sscanf(line,
		   "%63s %63s %15s idx %d P=%llx N=%*x D=%llx L=%llx %23s",
		   o->device, o->driver, o->type, &idx, &p, &d, &l, dir) != 8)
		return -1;
	o->phys = p;
	o->dev_addr = d;
	o->len = l;
	o->dir = dir_by_name(dir);
	return 0;
}

/* ---- debugfs ---- */

static void dd_path(const struct dmas_dmadbg *d, char *buf, size_t n,
		    const char *file)
{
	snprintf(buf, n, "%s/dma-api%s%s", d->debugfs, file ? "/" : "",
		 file ? file : "");
}

static long read_long(const struct dmas_dmadbg *d, const char *file)
{
	char p[512], buf[32];
	ssize_t r;
	int fd;

	dd_path(d, p, sizeof(p), file);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	r = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	return strtol(buf, NULL, 10);
}

static int write_long(const struct dmas_dmadbg *d, const char *file, long v)
{
	char p[512], buf[32];
	int fd, len, rc = 0;

	dd_path(d, p, sizeof(p), file);
	fd = open(p, O_WRONLY);
	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%ld\n", v);
	if (write(fd, buf, (size_t)len) != len)
		rc = -1;
	if (close(fd))
		rc = -1;
	return rc;
}

void dmas_dmadbg_begin(struct dmas_dmadbg *d)
{
	char p[512];

	if (!d->debugfs)
		d->debugfs = "/sys/kernel/debug";
	if (!d->kmsg)
		d->kmsg = "/dev/kmsg";
	d->all_errors_was = d->errors_before = d->errors_after = -1;
	dd_path(d, p, sizeof(p), NULL);
	d->present = !access(p, F_OK);
	d->kfd = open(d->kmsg, O_RDONLY | O_NONBLOCK);
	d->kmsg_errno = d->kfd < 0 ? errno : 0;
	if (d->kfd >= 0)
		lseek(d->kfd, 0, SEEK_END);
	if (!d->present)
		return;
	d->disabled = read_long(d, "disabled") == 1;
	d->errors_before = read_long(d, "error_count");
	/* by default dma-debug prints its first error only */
	d->all_errors_was = read_long(d, "all_errors");
	if (d->all_errors_was == 0) {
		if (!write_long(d, "all_errors", 1))
			d->all_errors_set = true;
		else
			snprintf(
				d->warn, sizeof(d->warn),
				"cannot turn on %s/dma-api/all_errors (%s): dma-debug may print only some errors",
				d->debugfs, strerror(errno));
	}
}

/* One record's line, "PRIO,SEQ,TS_US,FLAGS;TEXT". */
static void kmsg_record(struct dmas_dmadbg *d, const char *line)
{
	unsigned long long ts_us;
	struct dmas_dd_msg m, *nv;
	const char *msg = strchr(line, ';');

	if (!msg || sscanf(line, "%*u,%*u,%llu", &ts_us) != 1)
		return;
	if (dmas_dd_parse(msg + 1, &m) != 1)
		return;
	nv = realloc(d->msgs, (d->nr_msgs + 1) * sizeof(*nv));
	if (!nv) {
		dmas_dd_msg_free(&m);
		d->kmsg_lost++;
		return;
	}
	d->msgs = nv;
	m.ts = ts_us * 1000;
	d->msgs[d->nr_msgs++] = m;
}

/* /dev/kmsg gives a record per read: its line, then its dictionary's
 * lines, each starting with a space. */
static void read_kmsg(struct dmas_dmadbg *d)
{
	char buf[8192];

	for (;;) {
		ssize_t r = read(d->kfd, buf, sizeof(buf) - 1);
		char *line, *save = NULL;

		if (r < 0 && errno == EPIPE) {
			d->kmsg_lost++; /* overwritten before we read it */
			continue;
		}
		if (r <= 0)
			break;
		buf[r] = 0;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (line[0] != ' ')
				kmsg_record(d, line);
	}
}

static void read_dump(struct dmas_dmadbg *d)
{
	char p[512], line[512];
	FILE *f;

	dd_path(d, p, sizeof(p), "dump");
	f = fopen(p, "r");
	if (!f)
		return;
	d->dump_read = true;
	while (fgets(line, sizeof(line), f)) {
		struct dmas_dd_entry en, *nv;

		if (dmas_dd_parse_dump_line(line, &en))
			continue;
		nv = realloc(d->dump, (d->nr_dump + 1) * sizeof(*nv));
		if (!nv)
			break;
		d->dump = nv;
		d->dump[d->nr_dump++] = en;
	}
	fclose(f);
}

void dmas_dmadbg_end(struct dmas_dmadbg *d)
{
	if (d->kfd >= 0) {
		read_kmsg(d);
		close(d->kfd);
		d->kfd = -1;
	}
	if (d->nr_msgs)
		d->present = true;
	if (!d->present)
		return;
	d->errors_after = read_long(d, "error_count");
	read_dump(d);
	if (d->all_errors_set && write_long(d, "all_errors", d->all_errors_was))
		snprintf(d->warn, sizeof(d->warn),
			 "cannot restore %s/dma-api/all_errors to %ld (%s)",
			 d->debugfs, d->all_errors_was, strerror(errno));
}

/* ---- the merge ---- */

static const char *dev_name_of(const struct dmas_engine *e, uint32_t dev)
{
	const struct dmas_device *dv = dmas_engine_device_by_id(e, dev);

	return dv ? dv->name : "";
}

static uint32_t dev_by_name(const struct dmas_engine *e, const char *name)
{
	size_t n = dmas_engine_nr_devices(e);

	for (size_t i = 0; i < n; i++) {
		const struct dmas_device *dv = dmas_engine_device(e, i);

		if (dv && !strcmp(dv->name, name))
			return dv->id;
	}
	return 0;
}

static bool addr_matches(const struct dmas_finding *f,
			 const struct dmas_dd_msg *m)
{
	/* no address, or any one of the leaked entries */
	if (!m->has_addr || m->cls == DMAS_DD_PENDING_AT_UNBIND)
		return true;
	if (f->addr == m->addr)
		return true;
	/* an sg entry inside the list's range */
	return f->size && m->addr > f->addr && m->addr - f->addr < f->size;
}

/* A coherent/streaming mix-up is its own id here. */
static enum dmas_finding_kind msg_kind(const struct dmas_dd_msg *m)
{
	if (m->cls == DMAS_DD_FREE_WRONG_FUNCTION) {
		bool map_coh = strstr(m->text, "[mapped as coherent]") != NULL;
		bool unmap_coh =
			strstr(m->text, "[unmapped as coherent]") != NULL;

		if (map_coh && !unmap_coh)
			return DMAS_F_COHERENT_VIA_STREAMING;
		if (!map_coh && unmap_coh)
			return DMAS_F_STREAMING_VIA_COHERENT;
	}
	return dmas_dd_class_kind(m->cls);
}

void dmas_dmadbg_merge(struct dmas_dmadbg *d, struct dmas_engine *e,
		       dmas_dd_filter include, const void *ctx)
{
	size_t norig = dmas_engine_nr_findings(e);
	/* which class first marked each finding: repeats of an sg list */
	uint8_t *by = calloc(norig + d->nr_msgs + 1, 1);

	for (size_t i = 0; i < d->nr_msgs; i++) {
		const struct dmas_dd_msg *m = &d->msgs[i];
		size_t nf = dmas_engine_nr_findings(e), hit = (size_t)-1;
		struct dmas_finding nfd;

		/* 1: the same bug on the same device at the same address */
		for (size_t j = 0; j < norig && hit == (size_t)-1; j++) {
			const struct dmas_finding *f =
				dmas_engine_finding(e, j);

			if (include && !include(e, f, ctx))
				continue;
			if (class_matches_kind(m->cls, f->kind) &&
			    !strcmp(dev_name_of(e, f->dev), m->device) &&
			    addr_matches(f, m))
				hit = j;
		}
		/* 2: another entry of a list one finding already stands for
		 * (a single mapping has no other entry) */
		for (size_t j = 0; j < norig && hit == (size_t)-1; j++) {
			const struct dmas_finding *f =
				dmas_engine_finding(e, j);

			if (by && by[j] == m->cls + 1 &&
			    f->map_kind != DMAS_EV_MAP &&
			    !strcmp(dev_name_of(e, f->dev), m->device)) {
				hit = j;
			}
		}
		if (hit != (size_t)-1) {
			if (!(dmas_engine_finding(e, hit)->seen_by &
			      DMAS_SEEN_DMA_DEBUG))
				d->both++;
			dmas_engine_mark_seen(e, hit, DMAS_SEEN_DMA_DEBUG);
			if (by && !by[hit])
				by[hit] = (uint8_t)(m->cls + 1);
			continue;
		}
		/* 3: dma-debug only: folded into one already added for it */
		for (size_t j = norig; j < nf && hit == (size_t)-1; j++) {
			const struct dmas_finding *f =
				dmas_engine_finding(e, j);

			if (f->kind == msg_kind(m) &&
			    !strcmp(dev_name_of(e, f->dev), m->device) &&
			    (f->addr == m->addr ||
			     (by && by[j] == m->cls + 1 && !m->has_addr)))
				hit = j;
		}
		if (hit != (size_t)-1) {
			dmas_engine_finding_repeat(e, hit);
			continue;
		}
		memset(&nfd, 0, sizeof(nfd));
		nfd.kind = msg_kind(m);
		nfd.severity = dmas_finding_table[nfd.kind].severity;
		nfd.seen_by = DMAS_SEEN_DMA_DEBUG;
		nfd.dev = dev_by_name(e, m->device);
		nfd.ts = m->ts;
		nfd.addr = m->addr;
		nfd.size = m->size;
		nfd.dir = m->dir >= 0 ? (uint8_t)m->dir : DMAS_DIR_NONE;
		snprintf(nfd.detail, sizeof(nfd.detail), "dma-debug: %s",
			 strstr(m->text, "DMA-API: ") + strlen("DMA-API: "));
		if (include && !include(e, &nfd, ctx))
			continue;
		if (!dmas_engine_add_finding(e, &nfd)) {
			if (by)
				by[nf] = (uint8_t)(m->cls + 1);
			d->dd_only++;
		}
	}
	/* leaks dmascope found that dma-debug still holds as mapped */
	for (size_t j = 0; j < norig; j++) {
		const struct dmas_finding *f = dmas_engine_finding(e, j);

		if (include && !include(e, f, ctx))
			continue;
		if (f->seen_by == DMAS_SEEN_DMASCOPE)
			d->scope_only++;
		if (f->kind != DMAS_F_LEAK_AT_EXIT &&
		    f->kind != DMAS_F_LEAK_SUSPECTED)
			continue;
		for (size_t k = 0; k < d->nr_dump; k++)
			if (d->dump[k].dev_addr == f->addr &&
			    !strcmp(d->dump[k].device,
				    dev_name_of(e, f->dev))) {
				d->dd_leaks_confirmed++;
				break;
			}
	}
	free(by);
}

void dmas_dmadbg_print(FILE *out, const struct dmas_dmadbg *d,
		       const struct dmas_engine *e)
{
	size_t reports = d->nr_msgs;

	(void)e;
	if (!d->present) {
		fprintf(out,
			"\nCONFIG_DMA_API_DEBUG: not in this kernel (no %s/dma-api, no DMA-API messages): not compared\n",
			d->debugfs ? d->debugfs : "/sys/kernel/debug");
		return;
	}
	if (d->kfd < 0 && d->kmsg_errno) {
		fprintf(out,
			"\nCONFIG_DMA_API_DEBUG: %s not readable (%s): its reports not compared\n",
			d->kmsg, strerror(d->kmsg_errno));
	}
	fprintf(out, "\nCONFIG_DMA_API_DEBUG reports while CMD ran: %zu",
		reports);
	if (d->errors_before >= 0 && d->errors_after >= 0)
		fprintf(out, " (error_count %ld -> %ld)", d->errors_before,
			d->errors_after);
	fprintf(out, "%s\n", d->disabled ? "; dma-debug is disabled" : "");
	for (size_t i = 0; i < d->nr_msgs; i++) {
		const struct dmas_dd_msg *m = &d->msgs[i];

		fprintf(out,
			"  [%s] %s %s addr=0x%" PRIx64 " size=%" PRIu64
			" dir=%d: %s\n",
			dmas_dd_class_name(m->cls), m->driver, m->device,
			m->addr, m->size, m->dir,
			strstr(m->text, "DMA-API: ") + strlen("DMA-API: "));
	}
	fprintf(out,
		"seen by both: %zu; dma-debug only: %zu; dmascope only: %zu\n",
		d->both, d->dd_only, d->scope_only);
	if (d->errors_after > d->errors_before && d->errors_before >= 0 &&
	    (size_t)(d->errors_after - d->errors_before) > reports)
		fprintf(out,
			"dma-debug counted %ld errors but printed %zu (all_errors was off, or the kernel log overflowed)\n",
			d->errors_after - d->errors_before, reports);
	if (d->kmsg_lost)
		fprintf(out,
			"kernel log records lost before they were read: %" PRIu64
			"\n",
			d->kmsg_lost);
	if (d->dump_read)
		fprintf(out,
			"dma-debug's dump: %zu mappings outstanding at the end; %zu of dmascope's leak findings among them\n",
			d->nr_dump, d->dd_leaks_confirmed);
	if (d->warn[0])
		fprintf(out, "note: %s\n", d->warn);
}

void dmas_dmadbg_free(struct dmas_dmadbg *d)
{
	for (size_t i = 0; i < d->nr_msgs; i++)
		dmas_dd_msg_free(&d->msgs[i]);
	free(d->msgs);
	free(d->dump);
	d->msgs = NULL;
	d->dump = NULL;
	d->nr_msgs = d->nr_dump = 0;
	if (d->kfd >= 0)
		close(d->kfd);
	d->kfd = -1;
}
