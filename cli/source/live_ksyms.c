// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_ksyms.c - kernel symbolizer for the live source: text symbols from
 * /proc/kallsyms, modules included, so that recordings carry stacks like
 * "vdmac_leak_run+0x3c/0x120 [vdmac]" (the engine finds the creating module
 * from that suffix).  Symbols of modules that were unloaded stay known:
 * their stacks may be read after the module went away.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/live.h"
#include "source/nameidx.h"

struct ksym {
	uint64_t addr;
	char *name;
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
	uint64_t mod_reads; /* reads of /proc/modules */
	struct ksym *syms;
	size_t n, cap;
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
	k->syms[k->n].name = strndup(name, nlen);
	k->syms[k->n].mod = mod;
	if (!k->syms[k->n].name)
		return -1;
	k->n++;
	return 0;
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
		size_t i;

		if (sscanf(line, "%63s %llu", name, &size) != 2 || !p ||
		    sscanf(p, " 0x%llx", &base) != 1)
			continue;
		for (i = 0; i < k->nmods; i++)
			if (!strcmp(k->mods[i].name, name))
				break;
		if (i == k->nmods) {
			struct kmod_range *m =
				realloc(k->mods, (k->nmods + 1) * sizeof(*m));

			if (!m)
				break;
			k->mods = m;
			k->nmods++;
			snprintf(k->mods[i].name, sizeof(k->mods[i].name), "%s",
				 name);
		}
		k->mods[i].base = base;
		k->mods[i].size = size;
		k->mods[i].live = true;
		k->mods[i].seen = k->mod_reads;
	}
	fclose(f);
}

/*
 * The module whose core memory holds addr: one loaded now, else the one
 * seen there last.  Known from /proc/modules (small, read at once) even
 * when the module went away before /proc/kallsyms, which takes seconds to
 * read under emulation, listed its symbols.
 */
static const struct kmod_range *module_at(const struct dmas_ksyms *k,
					  uint64_t addr)
{
	const struct kmod_range *best = NULL;

	for (size_t i = 0; i < k->nmods; i++) {
		const struct kmod_range *m = &k->mods[i];

		if (!m->base || addr < m->base || addr - m->base >= m->size)
			continue;
		if (!best || (m->live && !best->live) ||
		    (m->live == best->live && m->seen > best->seen))
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

/* Reads kallsyms; keeps old symbols of modules not loaded any more. */
static int load(struct dmas_ksyms *k, char *err, size_t errlen)
{
	FILE *f = fopen(k->path, "r");
	char line[512];
	size_t kept = 0, nonzero = 0;
	char *mods;

	if (!f) {
		snprintf(err, errlen, "%s: %s", k->path, strerror(errno));
		return -1;
	}
	/* large reads: /proc/kallsyms hands out as much as the buffer holds */
	setvbuf(f, NULL, _IOFBF, 1 << 20);
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
			free(s->name);
	}
	k->n = kept;
	/* "ffffffff81000000 T _text\t[module]": parsed by hand, sscanf is slow
	 * here */
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *name, *end, *mod = NULL;
		const char *imod = NULL;
		unsigned long long addr = strtoull(p, &end, 16);
		char type;
		size_t nlen;

		if (end == p || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		type = end[1];
		name = end + 3;
		nlen = strcspn(name, "\t\n ");
		if (name[nlen] == '\t' && name[nlen + 1] == '[')
			mod = name + nlen + 2;
		if (addr)
			nonzero++;
		/* text, and the two layout variables the BPF side needs */
		if (type != 't' && type != 'T' && type != 'w' && type != 'W' &&
		    !(nlen == 12 && !strncmp(name, "vmemmap_base", 12)) &&
		    !(nlen == 16 && !strncmp(name, "page_offset_base", 16)))
			continue;
		if (mod)
			imod = intern(k, mod, strcspn(mod, "]"));
		if (push(k, addr, name, nlen, imod)) {
			fclose(f);
			free(mods);
			snprintf(err, errlen, "out of memory reading %s",
				 k->path);
			return -1;
		}
	}
	fclose(f);
	qsort(k->syms, k->n, sizeof(*k->syms), ksym_cmp);
	dmas_nameidx_free(&k->by_name);
	free(k->modules);
	k->modules = mods;
	k->hidden = nonzero == 0;
	return 0;
}

struct dmas_ksyms *dmas_ksyms_load(const char *path, char *err, size_t errlen)
{
	struct dmas_ksyms *k = calloc(1, sizeof(*k));

	if (!k) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->path = strdup(path ? path : "/proc/kallsyms");
	k->modules_path = strdup("/proc/modules");
	if (!k->path || !k->modules_path || load(k, err, errlen)) {
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
		free(k->syms[i].name);
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
