// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_ksyms.c - kernel symbolizer for the live source: text symbols from
 * /proc/kallsyms, modules included, so that recordings carry stacks like
 * "vdmac_leak_run+0x3c/0x120 [vdmac]" (the engine finds the creating module
 * from that suffix).  Symbols of modules that were unloaded stay known:
 * their stacks may be read after the module went away.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/live.h"
#include "source/nameidx.h"

struct ksym {
	uint64_t addr;
	char *name; /* vmlinux's in the load's arena, a module's its own */
	const char *mod; /* interned; NULL for vmlinux */
};

/*
 * A module's core memory, from /proc/modules: symbols resolve only inside it.
 */
struct kmod_range {
	char name[64];
	uint64_t base, size;
	bool live; /* in /proc/modules at its last read */
	uint64_t seen; /* that read's number, when last there */
};

struct dmas_ksyms {
	char *path;
	char *modules_path; /* /proc/modules */
	struct kmod_range *mods;
	size_t nmods;
	/* reads of /proc/modules and modules noted: a range's age (seen) */
	uint64_t mod_reads;
	struct ksym *syms;
	size_t n, cap;
	/* vmlinux's names, one block per load: re-read at each */
	char *arena;
	size_t arena_used, arena_cap;
	char *modules; /* /proc/modules names at the last load */
	int hidden;
	struct dmas_nameidx by_name; /* rows of syms by name, built on demand */
	char **interned; /* module names, kept until free */
	size_t ninterned;
};

static const char *intern(struct dmas_ksyms *k, const char *mod, size_t len)
{
	char **n;

	for (size_t i = 0; i < k->ninterned; i++)
		if (!strncmp(k->interned[i], mod, len) && !k->interned[i][len])
			return k->interned[i];
	n = realloc(k->interned, (k->ninterned + 1) * sizeof(*n));
	if (!n)
		return NULL;
	k->interned = n;
	n[k->ninterned] = strndup(mod, len);
	return n[k->ninterned] ? n[k->ninterned++] : NULL;
}

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return strcmp(x->name, y->name);
}

static char *module_names(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512], *out = NULL;
	size_t len = 0;

	if (!f)
		return strdup("");
	while (fgets(line, sizeof(line), f)) {
		char *sp = strchr(line, ' ');
		size_t l = sp ? (size_t)(sp - line) : strlen(line);
		char *n = realloc(out, len + l + 2);

		if (!n)
			break;
		out = n;
		memcpy(out + len, line, l);
		len += l;
		out[len++] = ' ';
		out[len] = '\0';
	}
	fclose(f);
	return out ? out : strdup("");
}

/*
 * A vmlinux name's copy in the arena (offset, as the arena may move while
 * it grows); -1 when out of memory.
 */
static int64_t arena_add(struct dmas_ksyms *k, const char *name, size_t nlen)
{
	size_t at = k->arena_used;

	if (at + nlen + 1 > k->arena_cap) {
		size_t cap = k->arena_cap ? k->arena_cap * 2 : 1 << 20;
		char *a;

		while (cap < at + nlen + 1)
			cap *= 2;
		a = realloc(k->arena, cap);
		if (!a)
			return -1;
		k->arena = a;
		k->arena_cap = cap;
	}
	memcpy(k->arena + at, name, nlen);
	k->arena[at + nlen] = '\0';
	k->arena_used = at + nlen + 1;
	return (int64_t)at;
}

/*
 * A symbol; a vmlinux one's name is its arena offset until the load ends
 * (arena_fix), a module's its own copy.
 */
static int push(struct dmas_ksyms *k, uint64_t addr, const char *name,
		size_t nlen, const char *mod)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 65536;
		struct ksym *s = realloc(k->syms, cap * sizeof(*s));

		if (!s)
			return -1;
		k->syms = s;
		k->cap = cap;
	}
	k->syms[k->n].addr = addr;
	k->syms[k->n].mod = mod;
	if (mod) {
		k->syms[k->n].name = strndup(name, nlen);
		if (!k->syms[k->n].name)
			return -1;
	} else {
		int64_t at = arena_add(k, name, nlen);

		if (at < 0)
			return -1;
		k->syms[k->n].name = (char *)(uintptr_t)at;
	}
	k->n++;
	return 0;
}

/* vmlinux names from arena offsets to pointers, once the arena is whole */
static void arena_fix(struct dmas_ksyms *k, size_t from)
{
	for (size_t i = from; i < k->n; i++)
		if (!k->syms[i].mod)
			k->syms[i].name =
				k->arena + (size_t)(uintptr_t)k->syms[i].name;
}

static void free_name(struct ksym *s)
{
	if (s->mod)
		free(s->name);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/*
 * One line, "ffffffff81000000 T _text" or "... t name\t[module]", without
 * its newline: the symbols the symbolizer keeps (text, and the two layout
 * variables the BPF side needs); 1 for a kept one, 0 for another, -1 out
 * of memory.  *nonzero counts addresses that are not zero.
 */
static int parse_line(struct dmas_ksyms *k, const char *line, size_t len,
		      size_t *nonzero)
{
	const char *p = line, *end = line + len, *name, *mod = NULL;
	uint64_t addr = 0;
	const char *imod = NULL;
	size_t nlen;
	char type;
	int d;

	while (p < end && (d = hexval((unsigned char)*p)) >= 0) {
		addr = addr << 4 | (uint64_t)d;
		p++;
	}
	if (p == line || end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	type = p[1];
	name = p + 3;
	for (nlen = 0;
	     name + nlen < end && name[nlen] != '\t' && name[nlen] != ' ';
	     nlen++)
		;
	if (name + nlen + 1 < end && name[nlen] == '\t' &&
	    name[nlen + 1] == '[')
		mod = name + nlen + 2;
	if (addr)
		(*nonzero)++;
	if (type != 't' && type != 'T' && type != 'w' && type != 'W' &&
	    !(nlen == 12 && !strncmp(name, "vmemmap_base", 12)) &&
	    !(nlen == 16 && !strncmp(name, "page_offset_base", 16)))
		return 0;
	if (mod) {
		const char *close = memchr(mod, ']', (size_t)(end - mod));

		imod = intern(k, mod,
			      close ? (size_t)(close - mod)
				    : (size_t)(end - mod));
	}
	return push(k, addr, name, nlen, imod) ? -1 : 1;
}

/* Whether a module name appears in a /proc/modules name list. */
static int in_list(const char *list, const char *mod)
{
	size_t l = strlen(mod);

	for (const char *p = list; (p = strstr(p, mod)); p++)
		if ((p == list || p[-1] == ' ') && p[l] == ' ')
			return 1;
	return 0;
}

/* The range entry of module name, added if new; NULL when out of memory. */
static struct kmod_range *range_of(struct dmas_ksyms *k, const char *name)
{
	struct kmod_range *m;
	size_t i;

	for (i = 0; i < k->nmods; i++)
		if (!strcmp(k->mods[i].name, name))
			return &k->mods[i];
	m = realloc(k->mods, (k->nmods + 1) * sizeof(*m));
	if (!m)
		return NULL;
	k->mods = m;
	m = &k->mods[k->nmods++];
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "%s", name);
	return m;
}

void dmas_ksyms_note_module(struct dmas_ksyms *k, const char *name,
			    uint64_t base, uint64_t size)
{
	struct kmod_range *m = range_of(k, name);

	if (!m)
		return;
	m->base = base;
	m->size = size;
	/* newer than every /proc/modules read so far, not listed there yet */
	m->live = false;
	m->seen = ++k->mod_reads;
}

/* Adds or updates the ranges of loaded modules; unloaded ones stay known. */
static void load_module_ranges(struct dmas_ksyms *k)
{
	FILE *f = fopen(k->modules_path, "r");
	char line[512], name[64];
	unsigned long long size, base;

	if (!f)
		return;
	k->mod_reads++;
	for (size_t i = 0; i < k->nmods; i++)
		k->mods[i].live = false;
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " 0x");
		struct kmod_range *m;

		if (sscanf(line, "%63s %llu", name, &size) != 2 || !p ||
		    sscanf(p, " 0x%llx", &base) != 1)
			continue;
		m = range_of(k, name);
		if (!m)
			break;
		m->base = base;
		m->size = size;
		m->live = true;
		m->seen = k->mod_reads;
	}
	fclose(f);
}

/*
 * The module whose core memory holds addr: the one starting nearest below
 * it; at one start, one loaded now, else the one seen there last.  Known
 * from /proc/modules (small, read at once) or the module's load even when
 * the module went away before /proc/kallsyms, which takes seconds to read
 * under emulation, listed its symbols.
 */
static const struct kmod_range *module_at(const struct dmas_ksyms *k,
					  uint64_t addr)
{
	const struct kmod_range *best = NULL;

	for (size_t i = 0; i < k->nmods; i++) {
		const struct kmod_range *m = &k->mods[i];

		if (!m->base || addr < m->base || addr - m->base >= m->size)
			continue;
		/*
		 * the nearest start first: /proc/modules gives a module's
		 * whole size from its text's start (6.4+: data and rodata
		 * are elsewhere), so an older module's range can reach over
		 * the text of one loaded after it
		 */
		if (!best || m->base > best->base ||
		    (m->base == best->base &&
		     ((m->live && !best->live) ||
		      (m->live == best->live && m->seen > best->seen))))
			best = m;
	}
	return best;
}

static const struct kmod_range *module_range(const struct dmas_ksyms *k,
					     const char *mod)
{
	for (size_t i = 0; i < k->nmods; i++)
		if (!strcmp(k->mods[i].name, mod))
			return &k->mods[i];
	return NULL;
}

/*
 * Reads kallsyms; keeps old symbols of modules not loaded any more.  Read
 * in large blocks and parsed in place (under emulation the parse was most
 * of the time to read it: a copy per line, a string per name).
 */
static int load(struct dmas_ksyms *k, char *err, size_t errlen)
{
	enum { BLOCK = 1 << 20 };
	int fd = open(k->path, O_RDONLY | O_CLOEXEC);
	size_t kept = 0, nonzero = 0, have = 0, from;
	char *buf, *mods;
	ssize_t got = 1;
	int rc = 0;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", k->path, strerror(errno));
		return -1;
	}
	buf = malloc(BLOCK);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "out of memory reading %s", k->path);
		return -1;
	}
	mods = module_names(k->modules_path);
	load_module_ranges(k);
	/*
	 * drop vmlinux symbols and those of modules still loaded: re-read below
	 */
	for (size_t i = 0; i < k->n; i++) {
		struct ksym *s = &k->syms[i];

		if (s->mod && !in_list(mods, s->mod))
			k->syms[kept++] = *s;
		else
			free_name(s);
	}
	k->n = kept;
	from = kept;
	k->arena_used = 0;
	while (!rc && got > 0) {
		char *line = buf, *nl;

		got = read(fd, buf + have, BLOCK - have);
		if (got < 0 && errno == EINTR) {
			got = 1;
			continue;
		}
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", k->path,
				 strerror(errno));
			rc = -1;
			break;
		}
		have += (size_t)got;
		/* the last line may end without a newline */
		if (!got && have && buf[have - 1] != '\n')
			buf[have++] = '\n';
		while (!rc &&
		       (nl = memchr(line, '\n', have - (size_t)(line - buf)))) {
			if (parse_line(k, line, (size_t)(nl - line), &nonzero) <
			    0) {
				snprintf(err, errlen,
					 "out of memory reading %s", k->path);
				rc = -1;
			}
			line = nl + 1;
		}
		have -= (size_t)(line - buf);
		memmove(buf, line, have);
		/* a line longer than the block: nothing a kernel writes */
		if (have == BLOCK)
			have = 0;
	}
	close(fd);
	free(buf);
	arena_fix(k, from);
	if (rc) {
		free(mods);
		return -1;
	}
	qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
	dmas_nameidx_free(&k->by_name);
	free(k->modules);
	k->modules = mods;
	k->hidden = nonzero == 0;
	return 0;
}

/* An empty symbolizer reading path and modules_path; NULL out of memory. */
static struct dmas_ksyms *ksyms_alloc(const char *path,
				      const char *modules_path)
{
	struct dmas_ksyms *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->path = strdup(path ? path : "/proc/kallsyms");
	k->modules_path = strdup(modules_path ? modules_path : "/proc/modules");
	if (!k->path || !k->modules_path) {
		dmas_ksyms_free(k);
		return NULL;
	}
	return k;
}

struct dmas_ksyms *dmas_ksyms_new(const char *path, const char *modules_path)
{
	struct dmas_ksyms *k = ksyms_alloc(path, modules_path);

	if (k)
		load_module_ranges(k);
	return k;
}

int dmas_ksyms_read(struct dmas_ksyms *k, char *err, size_t errlen)
{
	return load(k, err, errlen);
}

struct dmas_ksyms *dmas_ksyms_load(const char *path, char *err, size_t errlen)
{
	/* load reads the module list itself */
	struct dmas_ksyms *k = ksyms_alloc(path, NULL);

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (load(k, err, errlen)) {
		dmas_ksyms_free(k);
		return NULL;
	}
	return k;
}

int dmas_ksyms_set_modules(struct dmas_ksyms *k, const char *path, char *err,
			   size_t errlen)
{
	char *p = strdup(path);

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	free(k->modules_path);
	k->modules_path = p;
	return load(k, err, errlen);
}

void dmas_ksyms_refresh(struct dmas_ksyms *k)
{
	char err[128];
	char *mods = module_names(k->modules_path);

	if (mods && k->modules && strcmp(mods, k->modules)) {
		/* the ranges first: a short-lived module's may be all we get */
		load_module_ranges(k);
		load(k, err, sizeof(err));
	}
	free(mods);
}

void dmas_ksyms_free(struct dmas_ksyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free_name(&k->syms[i]);
	free(k->arena);
	for (size_t i = 0; i < k->ninterned; i++)
		free(k->interned[i]);
	free(k->interned);
	free(k->syms);
	dmas_nameidx_free(&k->by_name);
	free(k->mods);
	free(k->modules);
	free(k->path);
	free(k->modules_path);
	free(k);
}

int dmas_ksyms_hidden(const struct dmas_ksyms *k)
{
	return k->hidden;
}

uint64_t dmas_ksyms_addr(const struct dmas_ksyms *k, const char *name)
{
	struct dmas_ksyms *mk = (struct dmas_ksyms *)k;
	uint32_t h = dmas_name_hash(name, SIZE_MAX);
	size_t pos = 0;
	int64_t row;

	/* the probe looks up a hundred names: index them all once */
	if (!k->by_name.slots) {
		if (dmas_nameidx_init(&mk->by_name, k->n))
			return 0;
		for (size_t i = 0; i < k->n; i++)
			dmas_nameidx_add(
				&mk->by_name,
				dmas_name_hash(k->syms[i].name, SIZE_MAX),
				(uint32_t)i);
	}
	while ((row = dmas_nameidx_next(&k->by_name, h, &pos)) >= 0)
		if (!strcmp(k->syms[row].name, name))
			return k->syms[row].addr;
	return 0;
}

const char *dmas_ksyms_format(const struct dmas_ksyms *k, uint64_t addr,
			      char *buf, size_t len)
{
	size_t lo = 0, hi = k->n;
	const struct ksym *s, *next;
	const struct kmod_range *in_mod;
	uint64_t size;

	/* last symbol at or below addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->syms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (k->hidden) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	in_mod = module_at(k, addr);
	if (in_mod && (!lo || k->syms[lo - 1].addr < in_mod->base)) {
		/*
		 * no symbol between the module's start and addr: its code,
		 * whose symbols were never read
		 */
		snprintf(buf, len, "0x%" PRIx64 " [%s]", addr, in_mod->name);
		return buf;
	}
	if (!lo) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	s = &k->syms[lo - 1];
	next = lo < k->n ? &k->syms[lo] : NULL;
	size = next ? next->addr - s->addr : 0;
	/* past the end of the last symbol of a module or of vmlinux: unknown */
	if (!size || (next && (s->mod != next->mod) &&
		      (!s->mod || !next->mod || strcmp(s->mod, next->mod)) &&
		      size > (1u << 20))) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	if (s->mod) {
		const struct kmod_range *m = module_range(k, s->mod);

		/* past the module's end: BPF programs, trampolines, unknown
		 * code */
		if (m && m->base &&
		    (addr < m->base || addr >= m->base + m->size)) {
			snprintf(buf, len, "0x%" PRIx64, addr);
			return buf;
		}
		if (next && m && m->base && next->addr > m->base + m->size)
			size = m->base + m->size - s->addr;
	}
	if (s->mod)
		snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64 " [%s]",
			 s->name, addr - s->addr, size, s->mod);
	else
		snprintf(buf, len, "%s+0x%" PRIx64 "/0x%" PRIx64, s->name,
			 addr - s->addr, size);
	return buf;
}
