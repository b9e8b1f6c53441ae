// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_source_ftrace.c - the tracefs source's host-testable parts: its
 * kprobe_events lines, the owner of an instance or probe group and whether
 * it still runs (what a killed session left is removed), and the decoding
 * of its kprobe events, with formats built from the definitions' own fetch
 * arguments as the kernel lays them out: entries paired with their
 * kretprobes by task, mapping errors, scatterlists; and dma_fence:* records
 * decoded by field name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <traceevent/event-parse.h>

#include "source/ftrace.h"
#include "source/source.h"
#include "source/tpdecode.h"
#include "testlib.h"

static const struct dmas_kprobe_def *def(const char *event)
{
	for (unsigned i = 0; i < dmas_nr_kprobe_defs; i++)
		if (!strcmp(dmas_kprobe_defs[i].event, event))
			return &dmas_kprobe_defs[i];
	return NULL;
}

TEST(ftrace_kprobe_lines)
{
	char line[1024], tiny[16];
	unsigned i;

	CHECK(def("dma_map_page_attrs") != NULL);
	CHECK(dmas_kprobe_line(def("dma_unmap_page_attrs"), "dmascope_42", line,
			       sizeof(line)) > 0);
	CHECK_STREQ(
		line,
		"p:dmascope_42/dma_unmap_page_attrs dma_unmap_page_attrs device=+0(+0(%di)):string dma_addr=%si:u64 size=%dx:u64 dir=%cx:s32 attrs=%r8:u64");
	CHECK(dmas_kprobe_line(def("dma_map_page_attrs_ret"), "dmascope_42",
			       line, sizeof(line)) > 0);
	CHECK_STREQ(
		line,
		"r:dmascope_42/dma_map_page_attrs_ret dma_map_page_attrs dma_addr=$retval:u64");
	CHECK_EQ(dmas_kprobe_line(def("dma_map_page_attrs"), "g", tiny,
				  sizeof(tiny)),
		 -1);
	/* every kretprobe has its entry on the same function */
	for (i = 0; i < dmas_nr_kprobe_defs; i++) {
		const struct dmas_kprobe_def *d = &dmas_kprobe_defs[i], *e;
		char entry[128];

		if (!d->ret)
			continue;
		snprintf(entry, sizeof(entry), "%s", d->event);
		*strstr(entry, "_ret") = '\0';
		e = def(entry);
		CHECK(e != NULL);
		if (e)
			CHECK_STREQ(e->target, d->target);
	}
}

TEST(ftrace_owner_names)
{
	CHECK_EQ(dmas_ftrace_owner("dmascope-123", DMAS_FTRACE_INSTANCE), 123);
	CHECK_EQ(dmas_ftrace_owner("dmascope_77", DMAS_FTRACE_GROUP), 77);
	CHECK_EQ(dmas_ftrace_owner("dmascope_77", DMAS_FTRACE_INSTANCE), -1);
	CHECK_EQ(dmas_ftrace_owner("dmascope-", DMAS_FTRACE_INSTANCE), -1);
	CHECK_EQ(dmas_ftrace_owner("dmascope-0", DMAS_FTRACE_INSTANCE), -1);
	CHECK_EQ(dmas_ftrace_owner("dmascope-12x", DMAS_FTRACE_INSTANCE), -1);
	CHECK_EQ(dmas_ftrace_owner("dmascope--5", DMAS_FTRACE_INSTANCE), -1);
	CHECK_EQ(
		dmas_ftrace_owner("dmascope-99999999999", DMAS_FTRACE_INSTANCE),
		-1);
	CHECK_EQ(dmas_ftrace_owner("mytrace-12", DMAS_FTRACE_INSTANCE), -1);
}

static void put_comm(const char *root, int pid, const char *comm)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%d", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%d/comm", root, pid);
	test_put_file(p, comm);
}

TEST(ftrace_owner_alive_only_if_ours)
{
	const char *root = test_tmpdir();

	put_comm(root, 100, "dmatrace\n");
	put_comm(root, 101, "dmatop\n");
	put_comm(root, 102, "bash\n"); /* the pid was reused */
	CHECK(dmas_ftrace_owner_alive(root, 100));
	CHECK(dmas_ftrace_owner_alive(root, 101));
	CHECK(!dmas_ftrace_owner_alive(root, 102));
	CHECK(!dmas_ftrace_owner_alive(root, 103)); /* gone */
}

/* ---- decoding, with formats built from the definitions ---- */

#define MAXF 24

/* One event as the kernel lays out a kprobe event from its fetch args. */
struct kev {
	const struct dmas_kprobe_def *d;
	int id, nf, fixed;
	char name[MAXF][32];
	int off[MAXF], size[MAXF];
	bool sig[MAXF], str[MAXF];
};

static void kev_build(struct kev *k, const struct dmas_kprobe_def *d, int id,
		      struct tep_handle *tep)
{
	char args[512], fmt[4096], *save = NULL, *tok;
	int off, n;

	memset(k, 0, sizeof(*k));
	k->d = d;
	k->id = id;
	off = d->ret ? 24 : 16; /* common fields, __probe_ip or func+ret_ip */
	snprintf(args, sizeof(args), "%s", d->args);
	for (tok = strtok_r(args, " ", &save); tok && k->nf < MAXF;
	     tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '='), *ty = strrchr(tok, ':');
		int i = k->nf++;

		CHECK(eq && ty);
		if (!eq || !ty)
			return;
		snprintf(k->name[i], sizeof(k->name[i]), "%.*s",
			 (int)(eq - tok), tok);
		k->str[i] = !strcmp(ty + 1, "string");
		k->sig[i] = ty[1] == 's';
		k->size[i] = k->str[i] ? 4 : atoi(ty + 2) / 8;
		k->off[i] = off;
		off += k->size[i];
	}
	k->fixed = off;
	n = snprintf(
		fmt, sizeof(fmt),
		"name: %s\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n",
		d->event, id);
	n += snprintf(
		fmt + n, sizeof(fmt) - n, "%s",
		d->ret ? "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n"
			 "\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n"
		       : "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n");
	for (int i = 0; i < k->nf; i++)
		n += snprintf(
			fmt + n, sizeof(fmt) - n,
			"\tfield:%s %s;\toffset:%d;\tsize:%d;\tsigned:%d;\n",
			k->str[i] ? "__data_loc char[]"
				  : (k->sig[i] ? "s64" : "u64"),
			k->name[i], k->off[i], k->size[i], k->sig[i]);
	snprintf(fmt + n, sizeof(fmt) - n, "\nprint fmt: \"%s\"\n", d->event);
	CHECK_EQ(tep_parse_event(tep, fmt, strlen(fmt), "dmascope_42"),
		 TEP_ERRNO__SUCCESS);
}

/* A record: values by field name ("device" is the string). */
struct kval {
	const char *name;
	long long v;
};

static int kev_record(const struct kev *k, uint8_t *rec, int pid,
		      const char *device, const struct kval *vals, int nv)
{
	int end = k->fixed;

	memset(rec, 0, 512);
	*(uint16_t *)rec = (uint16_t)k->id;
	*(int32_t *)(rec + 4) = pid;
	for (int i = 0; i < k->nf; i++) {
		if (k->str[i]) {
			uint32_t len = (uint32_t)strlen(device) + 1;
			uint32_t loc = len << 16 | (uint32_t)end;

			memcpy(rec + k->off[i], &loc, 4);
			memcpy(rec + end, device, len);
			end += (int)len;
			continue;
		}
		for (int j = 0; j < nv; j++)
			if (!strcmp(vals[j].name, k->name[i]))
				memcpy(rec + k->off[i], &vals[j].v,
				       (size_t)k->size[i]);
	}
	return end;
}

struct got {
	struct dmas_event ev[16];
	int nev, ndev;
	char dev[8][DMAS_DEV_NAME_LEN];
	int node[8];
};

static void got_event(void *ctx, const struct dmas_event *ev)
{
	struct got *g = ctx;

	if (g->nev < 16)
		g->ev[g->nev++] = *ev;
}

static void got_device(void *ctx, const struct dmas_device *d)
{
	struct got *g = ctx;

	if (g->ndev < 8) {
		g->node[g->ndev] = d->numa_node;
		snprintf(g->dev[g->ndev++], DMAS_DEV_NAME_LEN, "%s", d->name);
	}
}

static void described(void *ctx, struct dmas_device *d)
{
	d->numa_node = *(int *)ctx;
}

#define VMEMMAP 0xffffea0000000000ll

/* A parser for x86-64's records: 8-byte longs, little endian; NULL: no memory */
static struct tep_handle *tep_le(void)
{
	struct tep_handle *tep = tep_alloc();

	if (!tep)
		return NULL;
	tep_set_long_size(tep, 8);
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(tep, TEP_LITTLE_ENDIAN);
	return tep;
}

TEST(ftrace_kprobe_records_decode)
{
	struct tep_handle *tep = tep_le();
	struct dmas_tpdec *dec = calloc(1, sizeof(*dec));
	struct kev map, ret, unmap, sgt, sgt_ret;
	struct got g = {0};
	struct dmas_sink sink = {
		.event = got_event, .device = got_device, .ctx = &g};
	uint8_t rec[512];
	int n, node = 1;

	CHECK(tep && dec);
	if (!tep || !dec)
		return;
	kev_build(&map, def("dma_map_page_attrs"), 1001, tep);
	kev_build(&ret, def("dma_map_page_attrs_ret"), 1002, tep);
	kev_build(&unmap, def("dma_unmap_page_attrs"), 1003, tep);
	kev_build(&sgt, def("dma_map_sgtable"), 1004, tep);
	kev_build(&sgt_ret, def("dma_map_sgtable_ret"), 1005, tep);
	dec->describe = described;
	dec->describe_ctx = &node;
	CHECK_EQ(dmas_tpdec_bind(dec, tep), 5);

	/* two tasks map at once; each return completes its own entry */
	n = kev_record(&map, rec, 7, "vdmac.0",
		       (struct kval[]){{"page", VMEMMAP + 3 * 64},
				       {"offset", 0x10},
				       {"size", 4096},
				       {"dir", 1},
				       {"vmemmap", VMEMMAP}},
		       5);
	CHECK(dmas_tpdec_record(dec, rec, n, 100, 0, &sink));
	n = kev_record(&map, rec, 8, "vdmac.0",
		       (struct kval[]){{"page", VMEMMAP + 5 * 64},
				       {"size", 512},
				       {"dir", 2},
				       {"vmemmap", VMEMMAP}},
		       4);
	CHECK(dmas_tpdec_record(dec, rec, n, 110, 1, &sink));
	CHECK_EQ(g.nev, 0); /* entries wait for their returns */
	n = kev_record(&ret, rec, 7, "",
		       (struct kval[]){{"dma_addr", 0xabc000}}, 1);
	/* task 7 slept and returns on the other CPU */
	dmas_tpdec_record(dec, rec, n, 120, 1, &sink);
	CHECK_EQ(g.nev, 1);
	CHECK_EQ(g.ev[0].kind, DMAS_EV_MAP);
	CHECK_EQ(g.ev[0].addr, 0xabc000);
	CHECK_EQ(g.ev[0].phys, 3 * 4096 + 0x10);
	CHECK_EQ(g.ev[0].size, 4096);
	CHECK_EQ(g.ev[0].dir, 1);
	CHECK_EQ(g.ev[0].pid, 7);
	CHECK_EQ(g.ev[0].ts, 120);
	CHECK_EQ(g.ndev, 1);
	CHECK_STREQ(g.dev[0], "vdmac.0");
	CHECK_EQ(g.node[0], 1); /* as the machine's sysfs said */
	CHECK_EQ(g.ev[0].dev, 1);
	/* task 8's map failed */
	n = kev_record(&ret, rec, 8, "", (struct kval[]){{"dma_addr", -1}}, 1);
	dmas_tpdec_record(dec, rec, n, 130, 0, &sink);
	CHECK_EQ(g.nev, 2);
	CHECK_EQ(g.ev[1].kind, DMAS_EV_MAP_ERROR);
	CHECK_EQ(g.ev[1].aux, DMAS_EV_MAP);
	CHECK_EQ(g.ev[1].size, 512);
	/* a return whose entry was never seen makes nothing */
	n = kev_record(&ret, rec, 9, "", (struct kval[]){{"dma_addr", 0x1000}},
		       1);
	dmas_tpdec_record(dec, rec, n, 140, 0, &sink);
	CHECK_EQ(g.nev, 2);
	CHECK_EQ(dec->unpaired, 1);

	/* an unmap is whole at entry; a second device gets its record */
	n = kev_record(&unmap, rec, 7, "0000:10:00.0",
		       (struct kval[]){{"dma_addr", 0xabc000},
				       {"size", 2048},
				       {"dir", 1}},
		       3);
	dmas_tpdec_record(dec, rec, n, 150, 0, &sink);
	CHECK_EQ(g.nev, 3);
	CHECK_EQ(g.ev[2].kind, DMAS_EV_UNMAP);
	CHECK_EQ(g.ev[2].addr, 0xabc000);
	CHECK_EQ(g.ev[2].size, 2048);
	CHECK_EQ(g.ev[2].dev, 2);
	CHECK_EQ(g.ndev, 2);

	/* dma_map_sgtable: three entries, the fourth length not counted */
	n = kev_record(&sgt, rec, 7, "vdmac.0",
		       (struct kval[]){{"sg", 0xffff888000123400},
				       {"nents", 3},
				       {"dir", 1},
				       {"page", VMEMMAP + 64},
				       {"off0", 8},
				       {"len0", 100},
				       {"len1", 200},
				       {"len2", 300},
				       {"len3", 999},
				       {"vmemmap", VMEMMAP}},
		       10);
	dmas_tpdec_record(dec, rec, n, 160, 0, &sink);
	n = kev_record(&sgt_ret, rec, 7, "", (struct kval[]){{"ret", 0}}, 1);
	dmas_tpdec_record(dec, rec, n, 170, 0, &sink);
	CHECK_EQ(g.nev, 4);
	CHECK_EQ(g.ev[3].kind, DMAS_EV_MAP_SG);
	CHECK_EQ(g.ev[3].aux, 0xffff888000123400);
	CHECK_EQ(g.ev[3].size, 600);
	CHECK_EQ(g.ev[3].count, 3 | 3 << 16);
	CHECK_EQ(g.ev[3].phys, 4096 + 8);
	/* and one that failed with -ENOMEM */
	n = kev_record(&sgt, rec, 7, "vdmac.0",
		       (struct kval[]){{"nents", 1}, {"len0", 64}}, 2);
	dmas_tpdec_record(dec, rec, n, 180, 0, &sink);
	n = kev_record(&sgt_ret, rec, 7, "", (struct kval[]){{"ret", -12}}, 1);
	dmas_tpdec_record(dec, rec, n, 190, 0, &sink);
	CHECK_EQ(g.nev, 5);
	CHECK_EQ(g.ev[4].kind, DMAS_EV_MAP_ERROR);
	CHECK_EQ(g.ev[4].aux, DMAS_EV_MAP_SG);
	CHECK_EQ(dec->nr_pending, 0);

	dmas_tpdec_free(dec);
	free(dec);
	tep_free(tep);
}

/*
 * dma_fence:* as 6.1, 6.12 and 7.x lay them out (two strings, then context
 * and seqno, found by name): a record becomes the fence event with context
 * and seqno, and no device.
 */
static void fence_format(struct tep_handle *tep, const char *name, int id)
{
	char fmt[1024];

	snprintf(
		fmt, sizeof(fmt),
		"name: %s\nID: %d\nformat:\n"
		"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
		"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
		"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
		"\tfield:__data_loc char[] driver;\toffset:8;\tsize:4;\tsigned:0;\n"
		"\tfield:__data_loc char[] timeline;\toffset:12;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int context;\toffset:16;\tsize:4;\tsigned:0;\n"
		"\tfield:unsigned int seqno;\toffset:20;\tsize:4;\tsigned:0;\n"
		"\nprint fmt: \"context=%%u seqno=%%u\", REC->context, REC->seqno\n",
		name, id);
	CHECK_EQ(tep_parse_event(tep, fmt, strlen(fmt), "dma_fence"),
		 TEP_ERRNO__SUCCESS);
}

static int fence_record(uint8_t *rec, int id, uint32_t ctx, uint32_t seqno)
{
	uint32_t loc_drv = 4u << 16 | 24, loc_tl = 4u << 16 | 28;

	memset(rec, 0, 64);
	*(uint16_t *)rec = (uint16_t)id;
	*(int32_t *)(rec + 4) = 33;
	memcpy(rec + 8, &loc_drv, 4);
	memcpy(rec + 12, &loc_tl, 4);
	memcpy(rec + 16, &ctx, 4);
	memcpy(rec + 20, &seqno, 4);
	memcpy(rec + 24, "drv", 4);
	memcpy(rec + 28, "tl0", 4);
	return 32;
}

TEST(ftrace_fence_records_decode)
{
	struct tep_handle *tep = tep_le();
	struct dmas_tpdec *dec = calloc(1, sizeof(*dec));
	struct got g = {0};
	struct dmas_sink sink = {
		.event = got_event, .device = got_device, .ctx = &g};
	uint8_t rec[64];
	int n;

	CHECK(tep && dec);
	if (!tep || !dec)
		return;
	fence_format(tep, "dma_fence_init", 2001);
	fence_format(tep, "dma_fence_signaled", 2002);
	fence_format(tep, "dma_fence_wait_start", 2003);
	CHECK_EQ(dmas_tpdec_bind(dec, tep), 3);
	n = fence_record(rec, 2001, 17, 4242);
	CHECK(dmas_tpdec_record(dec, rec, n, 500, 1, &sink));
	n = fence_record(rec, 2003, 17, 4242);
	CHECK(dmas_tpdec_record(dec, rec, n, 510, 1, &sink));
	n = fence_record(rec, 2002, 17, 4242);
	CHECK(dmas_tpdec_record(dec, rec, n, 520, 0, &sink));
	CHECK_EQ(g.nev, 3);
	CHECK_EQ(g.ndev, 0);
	CHECK_EQ(g.ev[0].kind, DMAS_EV_FENCE_INIT);
	CHECK_EQ(g.ev[1].kind, DMAS_EV_FENCE_WAIT_START);
	CHECK_EQ(g.ev[2].kind, DMAS_EV_FENCE_SIGNALED);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(g.ev[i].addr, 17);
		CHECK_EQ(g.ev[i].phys, 4242);
		CHECK_EQ(g.ev[i].dev, 0);
		CHECK_EQ(g.ev[i].aux, 0);
		CHECK_EQ(g.ev[i].pid, 33);
	}
	CHECK_EQ(g.ev[2].ts, 520);
	dmas_tpdec_free(dec);
	free(dec);
	tep_free(tep);
}

/*
 * cma:* as 7.3 lays them out (Debian's 6.1 and 6.12 have no CMA): start
 * with request_count, finish with pfn, page, count and errorno; a
 * successful finish gives the first page's address, a failed one (NULL
 * page, errorno -12) the error and no address.  No device.
 */
#define CMA_COMMON                                                                     \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"         \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"         \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"                   \
	"\tfield:__data_loc char[] name;\toffset:8;\tsize:4;\tsigned:0;\n"

static void cma_formats(struct tep_handle *tep)
{
	static const char start[] =
		"name: cma_alloc_start\nID: 3001\nformat:\n" CMA_COMMON
		"\tfield:unsigned long request_count;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long available_count;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long total_count;\toffset:32;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned int align;\toffset:40;\tsize:4;\tsigned:0;\n"
		"\nprint fmt: \"request_count=%lu\", REC->request_count\n";
	static const char finish[] =
		"name: cma_alloc_finish\nID: 3002\nformat:\n" CMA_COMMON
		"\tfield:unsigned long pfn;\toffset:16;\tsize:8;\tsigned:0;\n"
		"\tfield:const struct page * page;\toffset:24;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned long count;\toffset:32;\tsize:8;\tsigned:0;\n"
		"\tfield:unsigned int align;\toffset:40;\tsize:4;\tsigned:0;\n"
		"\tfield:int errorno;\toffset:44;\tsize:4;\tsigned:1;\n"
		"\nprint fmt: \"pfn=0x%lx count=%lu\", REC->pfn, REC->count\n";

	CHECK_EQ(tep_parse_event(tep, start, strlen(start), "cma"),
		 TEP_ERRNO__SUCCESS);
	CHECK_EQ(tep_parse_event(tep, finish, strlen(finish), "cma"),
		 TEP_ERRNO__SUCCESS);
}

static int cma_record(uint8_t *rec, int id, uint64_t a, uint64_t b, uint64_t c,
		      int32_t err)
{
	uint32_t loc = 8u << 16 | 48;

	memset(rec, 0, 64);
	*(uint16_t *)rec = (uint16_t)id;
	*(int32_t *)(rec + 4) = 77;
	memcpy(rec + 8, &loc, 4);
	memcpy(rec + 16, &a, 8);
	memcpy(rec + 24, &b, 8);
	memcpy(rec + 32, &c, 8);
	memcpy(rec + 44, &err, 4);
	memcpy(rec + 48, "reserved", 8);
	return 56;
}

TEST(ftrace_cma_records_decode)
{
	struct tep_handle *tep = tep_le();
	struct dmas_tpdec *dec = calloc(1, sizeof(*dec));
	struct got g = {0};
	struct dmas_sink sink = {
		.event = got_event, .device = got_device, .ctx = &g};
	uint8_t rec[64];
	int n;

	CHECK(tep && dec);
	if (!tep || !dec)
		return;
	cma_formats(tep);
	CHECK_EQ(dmas_tpdec_bind(dec, tep), 2);
	n = cma_record(rec, 3001, 1024, 16384, 16384, 0);
	CHECK(dmas_tpdec_record(dec, rec, n, 100, 0, &sink));
	n = cma_record(rec, 3002, 0x48000, 0xffffea0001200000ull, 1024, 0);
	CHECK(dmas_tpdec_record(dec, rec, n, 200, 0, &sink));
	n = cma_record(rec, 3002, 0, 0, 32768, -12);
	CHECK(dmas_tpdec_record(dec, rec, n, 300, 0, &sink));
	CHECK_EQ(g.nev, 3);
	CHECK_EQ(g.ev[0].kind, DMAS_EV_CMA_ALLOC_START);
	CHECK_EQ(g.ev[0].count, 1024);
	CHECK_EQ(g.ev[0].size, 4194304);
	CHECK_EQ(g.ev[1].kind, DMAS_EV_CMA_ALLOC_FINISH);
	CHECK_EQ(g.ev[1].phys, 0x48000000);
	CHECK_EQ(g.ev[1].count, 1024);
	CHECK_EQ(g.ev[1].flags, 0);
	CHECK_EQ(g.ev[2].phys, 0);
	CHECK_EQ(g.ev[2].size, 32768ull * 4096);
	CHECK_EQ(g.ev[2].flags, DMAS_F_ERROR);
	CHECK_EQ((int64_t)g.ev[2].aux, -12);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(g.ev[i].dev, 0);
		CHECK_EQ(g.ev[i].pid, 77);
	}
	dmas_tpdec_free(dec);
	free(dec);
	tep_free(tep);
}

/*
 * kprobe_profile: our events' misses summed by probe kind, other events
 * and lines that are not "name nhit nmissed" left out.
 */
TEST(ftrace_probe_misses_from_kprobe_profile)
{
	uint64_t entry = 9, ret = 9;
	const char *profile =
		"  dma_map_page_attrs                                      120               2\n"
		"  dma_map_page_attrs_ret                                  118               5\n"
		"  dma_unmap_page_attrs                                    117               1\n"
		"  some_other_probe                                         40              30\n"
		"  truncated_line 7\n"
		"  dma_unmap_page_attrs                                      3               4";

	dmas_ftrace_probe_misses(profile, &entry, &ret);
	CHECK_EQ(entry, 7);
	CHECK_EQ(ret, 5);
	dmas_ftrace_probe_misses("", &entry, &ret);
	CHECK_EQ(entry, 0);
	CHECK_EQ(ret, 0);
}
