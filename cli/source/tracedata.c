// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tracedata.c - the part of a trace-cmd trace.dat and a perf.data that is
 * the same: the file's mapping and the kernel's event formats (parsed by
 * libtraceevent), to which the record decoder (tpdecode.c) is bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <traceevent/event-parse.h>

#include "source/tracedata.h"

int td_fail(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, errlen, "%s: ", path);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int td_map_file(const char *path, uint8_t **map, size_t *len, char *err,
		size_t errlen)
{
	struct stat st;
	void *m = NULL;
	int fd;

	*map = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: %s", path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (st.st_size)
		m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd,
			 0);
	close(fd);
	if (m == MAP_FAILED)
		return td_fail(err, errlen, path, "%s", strerror(errno));
	*map = m;
	*len = (size_t)st.st_size;
	return 0;
}

int td_events_init(struct td_events *te, const char *path, bool big,
		   int long_size, uint32_t page_size)
{
	te->path = path;
	te->big = big;
	te->kernel_long = long_size;
	te->tep = tep_alloc();
	if (!te->tep)
		return -1;
	tep_set_file_bigendian(te->tep,
			       big ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(te->tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(te->tep, long_size);
	tep_set_page_size(te->tep, (int)page_size);
	return 0;
}

void td_events_free(struct td_events *te)
{
	dmas_tpdec_free(&te->dec);
	if (te->tep)
		tep_free(te->tep);
	te->tep = NULL;
}

/* ---- event formats ---- */

int td_parse_header_info(struct td_events *t, struct rd *r, char *err,
			 size_t errlen)
{
	const uint8_t *page, *q;
	uint64_t n;
	const char *s;

	if (strcmp(rd_str(r), "header_page"))
		return td_fail(err, errlen, t->path, "%s: no header_page",
			       r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	page = rd_take(r, n);
	if (strcmp(rd_str(r), "header_event"))
		return td_fail(err, errlen, t->path, "%s: no header_event",
			       r->bad ? "truncated" : "corrupt");
	n = rd_num(r, 8);
	rd_take(r, n);
	if (r->bad || !page)
		return td_fail(err, errlen, t->path,
			       "truncated in the header information");
	/* the page header's commit field is a kernel long */
	t->kernel_long = 8;
	q = memmem(page, (size_t)(r->p + r->pos - page), "commit;", 7);
	s = q ? memmem(q, (size_t)(r->p + r->len - q), "size:", 5) : NULL;
	if (s && s[5] == '4')
		t->kernel_long = 4;
	tep_parse_header_page(t->tep, (char *)page, (unsigned long)n,
			      t->kernel_long);
	return 0;
}

int td_parse_formats(struct td_events *t, struct rd *r, bool systems, char *err,
		     size_t errlen)
{
	uint32_t nsys = systems ? (uint32_t)rd_num(r, 4) : 1, i, j, n;

	for (i = 0; i < nsys && !r->bad; i++) {
		const char *sys = systems ? rd_str(r) : "ftrace";

		n = (uint32_t)rd_num(r, 4);
		for (j = 0; j < n && !r->bad; j++) {
			uint64_t size = rd_num(r, 8);
			const uint8_t *fmt = rd_take(r, size);

			/* an event libtraceevent cannot parse is skipped, as
			 * trace-cmd does; its records then count as unknown */
			if (fmt)
				tep_parse_event(t->tep, (const char *)fmt,
						(unsigned long)size, sys);
		}
	}
	if (r->bad)
		return td_fail(err, errlen, t->path,
			       "truncated in the event formats");
	return 0;
}

int td_parse_tracing_data(struct td_events *te, struct rd *r, char *err,
			  size_t errlen)
{
	if (td_parse_header_info(te, r, err, errlen) ||
	    td_parse_formats(te, r, false, err, errlen) ||
	    td_parse_formats(te, r, true, err, errlen))
		return -1;
	rd_take(r, rd_num(r, 4)); /* kallsyms */
	rd_take(r, rd_num(r, 4)); /* printk formats */
	rd_take(r, rd_num(r, 8)); /* saved command lines */
	if (r->bad)
		return td_fail(err, errlen, te->path,
			       "truncated in the tracing data");
	return 0;
}

void td_events_index(struct td_events *te)
{
	dmas_tpdec_bind(&te->dec, te->tep);
}
