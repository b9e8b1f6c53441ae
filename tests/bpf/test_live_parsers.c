// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_live_parsers.c - the live source's readers of kernel text files,
 * without BPF: the /proc/kallsyms symbolizer (the engine finds a leak's
 * module from the "[module]" suffix it writes) and the sysfs NUMA layout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "engine/engine.h"
#include "source/live.h"
#include "testlib.h"

static const char *write_file(const char *name, const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static const char kallsyms[] = "ffffffff81000000 T _text\n"
			       "ffffffff81000100 T foo\n"
			       "ffffffff81000200 t bar\n"
			       "ffffffff82000000 D vmemmap_base\n"
			       "ffffffff82000008 D some_data\n"
			       "ffffffffc0001000 t vdmac_run\t[vdmac]\n"
			       "ffffffffc0001080 t vdmac_other\t[vdmac]\n";

TEST(ksyms_formats_vmlinux_and_module_frames)
{
	char err[256], buf[160];
	struct dmas_ksyms *k = dmas_ksyms_load(write_file("kallsyms", kallsyms),
					       err, sizeof(err));

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK(!dmas_ksyms_hidden(k));
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffff81000110ULL, buf, sizeof(buf)),
		"foo+0x10/0x100");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffff81000200ULL, buf, sizeof(buf)),
		"bar+0x0/0xfffe00");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc0001004ULL, buf, sizeof(buf)),
		"vdmac_run+0x4/0x80 [vdmac]");
	/* below every symbol, and past the last one: unknown, not guessed */
	CHECK_STREQ(dmas_ksyms_format(k, 0x1000, buf, sizeof(buf)), "0x1000");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc0001090ULL, buf, sizeof(buf)),
		"0xffffffffc0001090");
	dmas_ksyms_free(k);
}

/*
 * A module that went away before /proc/kallsyms listed its symbols (the
 * file takes seconds to read under emulation) still owns its code: its
 * frames carry its name from /proc/modules' range, so its leaks are found
 * at its unload; a symbol inside that range (a BPF program's) keeps its
 * own name, and code outside every range stays unknown.
 */
TEST(ksyms_names_the_module_of_code_whose_symbols_were_never_read)
{
	char err[256], buf[160];
	struct dmas_ksyms *k = dmas_ksyms_load(
		write_file(
			"kallsyms-early",
			"ffffffff81000000 T _text\n"
			"ffffffff81000100 T foo\n"
			"ffffffffc0001000 t vdmac_run\t[vdmac]\n"
			"ffffffffc0001080 t vdmac_other\t[vdmac]\n"
			"ffffffffc04f8800 t bpf_prog_6deef7357e7b4530_tp\t[bpf]\n"
			"ffffffffc04f8c00 t bpf_prog_0a1b2c3d4e5f6071_tp\t[bpf]\n"),
		err, sizeof(err));

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_EQ(
		dmas_ksyms_set_modules(
			k,
			write_file(
				"modules",
				"vdmac_leak 12288 0 - Live 0xffffffffc04f7000 (OE)\n"
				"vdmac 139264 1 vdmac_leak, Live 0xffffffffc0001000 (OE)\n"),
			err, sizeof(err)),
		0);
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc04f713dULL, buf, sizeof(buf)),
		"0xffffffffc04f713d [vdmac_leak]");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc04f8810ULL, buf, sizeof(buf)),
		"bpf_prog_6deef7357e7b4530_tp+0x10/0x400 [bpf]");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc0001004ULL, buf, sizeof(buf)),
		"vdmac_run+0x4/0x80 [vdmac]");
	CHECK_STREQ(
		dmas_ksyms_format(k, 0xffffffffc0600000ULL, buf, sizeof(buf)),
		"0xffffffffc0600000");
	dmas_ksyms_free(k);
}

/* k names the frame at addr want */
#define CHECK_FRAME(k, addr, want)                                          \
	do {                                                                \
		char frame_[160];                                           \
                                                                            \
		CHECK_STREQ(                                                \
			dmas_ksyms_format(k, addr, frame_, sizeof(frame_)), \
			want);                                              \
	} while (0)

/*
 * A symbolizer in two steps over vdmac's two symbols: the module list
 * (modules, written to the file named name) read now, kallsyms not yet.
 */
static struct dmas_ksyms *vdmac_ksyms(const char *name, const char *modules)
{
	char mods[512];

	snprintf(mods, sizeof(mods), "%s", write_file(name, modules));
	return dmas_ksyms_new(
		write_file("kallsyms-vdmac",
			   "ffffffff81000000 T _text\n"
			   "ffffffffc0001000 t vdmac_run\t[vdmac]\n"
			   "ffffffffc0001080 t vdmac_other\t[vdmac]\n"),
		mods);
}

/*
 * The live source reads the modules' ranges when tracing starts and
 * kallsyms after: a module unloaded in between, whose symbols kallsyms
 * then no longer lists, still names its frames; one that was never loaded
 * names none.
 */
TEST(ksyms_keeps_the_ranges_of_modules_loaded_when_tracing_started)
{
	char err[256];
	struct dmas_ksyms *k = vdmac_ksyms(
		"modules-start",
		"vdmac_leak 12288 0 - Live 0xffffffffc04f7000 (OE)\n"
		"vdmac 139264 1 vdmac_leak, Live 0xffffffffc0001000 (OE)\n");

	CHECK(k != NULL);
	if (!k)
		return;
	/* vdmac_leak unloaded before kallsyms is read */
	write_file("modules-start",
		   "vdmac 139264 0 - Live 0xffffffffc0001000 (OE)\n");
	CHECK_EQ(dmas_ksyms_read(k, err, sizeof(err)), 0);
	CHECK_FRAME(k, 0xffffffffc04f713dULL,
		    "0xffffffffc04f713d [vdmac_leak]");
	CHECK_FRAME(k, 0xffffffffc0001004ULL, "vdmac_run+0x4/0x80 [vdmac]");
	CHECK_FRAME(k, 0xffffffffc0600000ULL, "0xffffffffc0600000");
	dmas_ksyms_free(k);
}

/*
 * A module's range as its load reported it (raw_tp/module_load): its frames
 * carry its name though /proc/modules never listed it; a module listed
 * there later at the same address takes the range over.
 */
TEST(ksyms_names_frames_of_a_module_noted_at_its_load)
{
	char err[256];
	struct dmas_ksyms *k =
		vdmac_ksyms("modules-noted",
			    "vdmac 139264 0 - Live 0xffffffffc0001000 (OE)\n");

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_EQ(dmas_ksyms_read(k, err, sizeof(err)), 0);
	CHECK_FRAME(k, 0xffffffffc04f713dULL, "0xffffffffc04f713d");
	dmas_ksyms_note_module(k, "vdmac_leak", 0xffffffffc04f7000ULL, 4096);
	CHECK_FRAME(k, 0xffffffffc04f713dULL,
		    "0xffffffffc04f713d [vdmac_leak]");
	/*
	 * vdmac's range from /proc/modules (its whole size from its text's
	 * start, 6.4+) reaches over the text of a module loaded after it
	 */
	dmas_ksyms_note_module(k, "late", 0xffffffffc0010000ULL, 4096);
	CHECK_FRAME(k, 0xffffffffc0010190ULL, "0xffffffffc0010190 [late]");
	CHECK_FRAME(k, 0xffffffffc0001004ULL, "vdmac_run+0x4/0x80 [vdmac]");
	/* past its text: not its frame */
	CHECK_FRAME(k, 0xffffffffc04f8000ULL, "0xffffffffc04f8000");
	/* later another module, listed, at the same address */
	write_file("modules-noted",
		   "vdmac 139264 0 - Live 0xffffffffc0001000 (OE)\n"
		   "other 8192 0 - Live 0xffffffffc04f7000 (OE)\n");
	dmas_ksyms_refresh(k);
	CHECK_FRAME(k, 0xffffffffc04f713dULL, "0xffffffffc04f713d [other]");
	dmas_ksyms_free(k);
}

TEST(ksyms_finds_layout_variables_not_other_data)
{
	char err[256];
	struct dmas_ksyms *k = dmas_ksyms_load(write_file("kallsyms", kallsyms),
					       err, sizeof(err));

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK_EQ(dmas_ksyms_addr(k, "vmemmap_base"), 0xffffffff82000000ULL);
	CHECK_EQ(dmas_ksyms_addr(k, "vdmac_run"), 0xffffffffc0001000ULL);
	CHECK_EQ(dmas_ksyms_addr(k, "some_data"), 0);
	CHECK_EQ(dmas_ksyms_addr(k, "no_such_symbol"), 0);
	dmas_ksyms_free(k);
}

/*
 * By-name lookups go through a hash index: every one of many names is
 * found, a name given twice (static functions of two files) resolves to
 * its lowest address, and a prefix or extension of a name is not it.
 */
/*
 * A kallsyms file of n generated lines (line(buf, len, i) writes line i,
 * up to 96 bytes), then tail, loaded; NULL (a failed check) if it is not.
 */
static struct dmas_ksyms *load_lines(const char *file, int n,
				     int (*line)(char *, size_t, int),
				     const char *tail)
{
	size_t cap = (size_t)n * 96 + strlen(tail) + 1, len = 0;
	char *text = malloc(cap), err[256];
	struct dmas_ksyms *k;

	CHECK(text != NULL);
	if (!text)
		return NULL;
	for (int i = 0; i < n; i++)
		len += (size_t)line(text + len, cap - len, i);
	snprintf(text + len, cap - len, "%s", tail);
	k = dmas_ksyms_load(write_file(file, text), err, sizeof(err));
	free(text);
	CHECK(k != NULL);
	return k;
}

enum { MANY = 5000 };

/* written in reverse address order: the loader sorts */
static int many_line(char *buf, size_t len, int i)
{
	i = MANY - 1 - i;
	return snprintf(buf, len, "%016llx t fn_%d\n",
			0xffffffff81000000ULL + 16ULL * (unsigned)i, i);
}

TEST(ksyms_finds_every_name_of_many)
{
	struct dmas_ksyms *k = load_lines("kallsyms-many", MANY, many_line,
					  "ffffffff8f000000 t fn_7\n"
					  "ffffffff80f00000 t fn_7\n");
	char name[32];
	int missed = 0;

	if (!k)
		return;
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "fn_%d", i);
		if (i != 7 &&
		    dmas_ksyms_addr(k, name) !=
			    0xffffffff81000000ULL + 16ULL * (unsigned)i)
			missed++;
	}
	CHECK_EQ(missed, 0);
	CHECK_EQ(dmas_ksyms_addr(k, "fn_7"), 0xffffffff80f00000ULL);
	CHECK_EQ(dmas_ksyms_addr(k, "fn_"), 0);
	CHECK_EQ(dmas_ksyms_addr(k, "fn_49999"), 0);
	dmas_ksyms_free(k);
}

enum { BLOCKS_LINES = 60000 };
static const char letters[] = "abcdefghijklmnopqrstuvwxyzabcdefghijklmno";

/* names of 0-40 letters more; every seventh a module's */
static int blocks_name(char *buf, size_t len, int i)
{
	return snprintf(buf, len, i % 7 == 3 ? "mod_fn_%d_%.*s" : "fn_%d_%.*s",
			i, i % 41, letters);
}

static int blocks_line(char *buf, size_t len, int i)
{
	char name[64];
	int n;

	blocks_name(name, sizeof(name), i);
	n = snprintf(buf, len, "%016llx %c %s",
		     0xffffffff81000000ULL + 32ULL * (unsigned)i,
		     i % 7 == 3 ? 't' : 'T', name);
	if (i % 7 == 3)
		n += snprintf(buf + n, len - (size_t)n, "\t[m%d]", i % 5);
	return n + snprintf(buf + n, len - (size_t)n, "\n");
}

/*
 * kallsyms is read in 1 MiB blocks and parsed in place: a file of
 * several blocks (about 3.5 MiB), its lines straddling their ends,
 * module symbols among vmlinux ones and no newline after the last line
 * loses no symbol.
 */
TEST(ksyms_reads_every_line_across_blocks)
{
	struct dmas_ksyms *k =
		load_lines("kallsyms-blocks", BLOCKS_LINES, blocks_line,
			   "ffffffff8f000000 T the_last_one");
	char name[64];
	int missed = 0;

	if (!k)
		return;
	for (int i = 0; i < BLOCKS_LINES; i++) {
		blocks_name(name, sizeof(name), i);
		if (dmas_ksyms_addr(k, name) !=
		    0xffffffff81000000ULL + 32ULL * (unsigned)i)
			missed++;
	}
	CHECK_EQ(missed, 0);
	CHECK_EQ(dmas_ksyms_addr(k, "the_last_one"), 0xffffffff8f000000ULL);
	dmas_ksyms_free(k);
}

TEST(ksyms_hidden_addresses_are_detected)
{
	char err[256];
	struct dmas_ksyms *k = dmas_ksyms_load(
		write_file(
			"kallsyms0",
			"0000000000000000 T _text\n0000000000000000 T foo\n"),
		err, sizeof(err));

	CHECK(k != NULL);
	if (!k)
		return;
	CHECK(dmas_ksyms_hidden(k));
	dmas_ksyms_free(k);
}

TEST(ksyms_missing_file_is_an_error)
{
	char err[256] = "";

	CHECK(dmas_ksyms_load("/nonexistent/kallsyms", err, sizeof(err)) ==
	      NULL);
	CHECK(strstr(err, "/nonexistent/kallsyms") != NULL);
}

static void mk(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", test_tmpdir(), rel);
	mkdir(path, 0755);
}

TEST(sysfs_memory_blocks_merge_into_node_ranges)
{
	struct dmas_mem_range *r = NULL;
	bool zones;
	int32_t node_of[4];
	size_t n;

	mk("memory");
	mk("node");
	mk("node/node0");
	mk("node/node1");
	mk("node/node0/memory0");
	mk("node/node0/memory1");
	mk("node/node1/memory2");
	mk("node/node1/memory3");
	mk("node/node0/memory5");
	mk("node/node0/cpu0");
	mk("node/node1/cpu1");
	mk("node/node1/cpulist");
	write_file("memory/block_size_bytes", "8000000\n");
	n = dmas_sysfs_mem_ranges(test_tmpdir(), NULL, &r, &zones);
	CHECK_EQ(n, 3);
	if (n == 3) {
		CHECK_EQ(r[0].start, 0);
		CHECK_EQ(r[0].end, 0x10000000);
		CHECK_EQ(r[0].node, 0);
		CHECK_EQ(r[1].start, 0x10000000);
		CHECK_EQ(r[1].end, 0x20000000);
		CHECK_EQ(r[1].node, 1);
		/* a hole (memory4) keeps blocks apart */
		CHECK_EQ(r[2].start, 0x28000000);
		CHECK_EQ(r[2].node, 0);
	}
	free(r);
	CHECK_EQ(dmas_sysfs_cpu_nodes(test_tmpdir(), node_of, 4), 2);
	CHECK_EQ(node_of[0], 0);
	CHECK_EQ(node_of[1], 1);
	CHECK_EQ(node_of[2], -1);
}

TEST(sysfs_without_numa_gives_no_ranges)
{
	struct dmas_mem_range *r = (void *)1;
	bool zones;

	CHECK_EQ(dmas_sysfs_mem_ranges("/nonexistent", NULL, &r, &zones), 0);
	CHECK(r == NULL);
}
