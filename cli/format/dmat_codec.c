// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * dmat_codec.c - checksums and the portable event encoding of .dmat
 * recordings.  CRC32C uses the SSE4.2 instruction when the CPU has it,
 * because replay checksums every byte it reads: three independent streams
 * at a time (the instruction's latency is three cycles, its throughput
 * one), joined by shifting a CRC over the bytes that follow it (Mark
 * Adler's method, https://stackoverflow.com/a/17646775), unless the
 * instruction is the slower of the two here (crc_pick).
 */
#include <pthread.h>
#include <time.h>

#include "format/dmat_disk.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#define CRC32C_POLY 0x82f63b78u /* reflected Castagnoli */

static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;
static int crc_hw, crc_hw_ok;

/* The three-way blocks: a CRC is shifted over LONG or SHORT bytes. */
#define CRC_LONG 8192
#define CRC_SHORT 256
static uint32_t crc_long[4][256], crc_short[4][256];

/* Matrix (32 columns over GF(2)) times vector. */
static uint32_t gf2_times(const uint32_t *mat, uint32_t vec)
{
	uint32_t sum = 0;

	for (; vec; vec >>= 1, mat++)
		if (vec & 1)
			sum ^= *mat;
	return sum;
}

static void gf2_square(uint32_t *square, const uint32_t *mat)
{
	for (int n = 0; n < 32; n++)
		square[n] = gf2_times(mat, mat[n]);
}

/*
 * Tables that move a CRC register over len zero bytes (len a power of two,
 * at least 2), one table per byte of the register.
 */
static void crc_zeros(uint32_t zeros[4][256], size_t len)
{
	uint32_t odd[32], even[32], *op = even;

	odd[0] = CRC32C_POLY; /* one zero bit */
	for (int n = 1; n < 32; n++)
		odd[n] = 1u << (n - 1);
	gf2_square(even, odd); /* two bits */
	gf2_square(odd, even); /* four bits */
	for (;;) {
		gf2_square(even, odd); /* one byte, then 4, 16 ... */
		op = even;
		len >>= 1;
		if (len == 0)
			break;
		gf2_square(odd, even); /* two bytes, then 8, 32 ... */
		op = odd;
		len >>= 1;
		if (len == 0)
			break;
	}
	for (uint32_t n = 0; n < 256; n++)
		for (int b = 0; b < 4; b++)
			zeros[b][n] = gf2_times(op, n << (8 * b));
}

static inline uint32_t crc_shift(uint32_t zeros[4][256], uint32_t crc)
{
	return zeros[0][crc & 0xff] ^ zeros[1][(crc >> 8) & 0xff] ^
	       zeros[2][(crc >> 16) & 0xff] ^ zeros[3][crc >> 24];
}

static void crc_init(void)
{
	for (unsigned i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ CRC32C_POLY : c >> 1;
		crc_table[0][i] = c;
	}
	for (unsigned i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			crc_table[t][i] =
				(crc_table[t - 1][i] >> 8) ^
				crc_table[0][crc_table[t - 1][i] & 0xff];
#if defined(__x86_64__)
	unsigned a, b, c, d;

	if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2)) {
		crc_hw_ok = 1;
		crc_zeros(crc_long, CRC_LONG);
		crc_zeros(crc_short, CRC_SHORT);
	}
#endif
}

/* slicing-by-8: the fallback for CPUs without a CRC32C instruction */
static uint32_t crc_sw(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len && ((uintptr_t)p & 7)) {
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
		len--;
	}
	while (len >= 8) {
		uint32_t lo = crc ^ dmat_get32(p);
		uint32_t hi = dmat_get32(p + 4);

		crc = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		      crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		      crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		      crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = crc_table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
/* Three streams of blk bytes each from p; crc continues the first. */
__attribute__((target("sse4.2"))) static inline uint64_t
crc_x86_3way(uint64_t c0, const uint8_t *p, size_t blk, uint32_t zeros[4][256])
{
	uint64_t c1 = 0, c2 = 0;
	const uint8_t *end = p + blk;

	do {
		uint64_t v0, v1, v2;

		memcpy(&v0, p, 8);
		memcpy(&v1, p + blk, 8);
		memcpy(&v2, p + 2 * blk, 8);
		c0 = __builtin_ia32_crc32di(c0, v0);
		c1 = __builtin_ia32_crc32di(c1, v1);
		c2 = __builtin_ia32_crc32di(c2, v2);
		p += 8;
	} while (p < end);
	c0 = crc_shift(zeros, (uint32_t)c0) ^ c1;
	return crc_shift(zeros, (uint32_t)c0) ^ c2;
}

__attribute__((target("sse4.2"))) static uint32_t
crc_x86(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c = crc;

	while (len && ((uintptr_t)p & 7)) {
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
		len--;
	}
	for (; len >= 3 * CRC_LONG; p += 3 * CRC_LONG, len -= 3 * CRC_LONG)
		c = crc_x86_3way(c, p, CRC_LONG, crc_long);
	for (; len >= 3 * CRC_SHORT; p += 3 * CRC_SHORT, len -= 3 * CRC_SHORT)
		c = crc_x86_3way(c, p, CRC_SHORT, crc_short);
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c = __builtin_ia32_crc32di(c, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c = __builtin_ia32_crc32qi((uint32_t)c, *p++);
	return (uint32_t)c;
}
#endif

#if defined(__x86_64__)
static volatile uint32_t crc_sink;

/* ns for fn over the tables' 8 KiB, the best of three */
static uint64_t crc_clock(uint32_t (*fn)(uint32_t, const uint8_t *, size_t))
{
	uint64_t best = UINT64_MAX;

	for (int r = 0; r < 3; r++) {
		struct timespec a, b;
		uint64_t ns;

		clock_gettime(CLOCK_MONOTONIC, &a);
		crc_sink ^= fn(crc_sink, (const uint8_t *)crc_table,
			       sizeof(crc_table));
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull +
		     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
		if (ns < best)
			best = ns;
	}
	return best;
}
#endif

/*
 * The instruction, unless the tables are clearly faster on this CPU: an
 * emulated one may carry the instruction out a bit at a time (QEMU's TCG,
 * where the test VM runs: 148 MB/s against the tables' 580, measured
 * there), where a real one runs it about twelve times faster than the
 * tables.  Timed once, on a few KiB.
 */
static void crc_pick(void)
{
	crc_init();
#if defined(__x86_64__)
	if (crc_hw_ok) {
		uint64_t hw = crc_clock(crc_x86), sw = crc_clock(crc_sw);

		crc_hw = !(sw * 3 < hw * 2);
	}
#endif
}

const char *dmat_crc32c_impl(void)
{
	pthread_once(&crc_once, crc_pick);
	return crc_hw ? "sse4.2" : "tables";
}

int dmat_crc32c_use(bool hw)
{
	pthread_once(&crc_once, crc_pick);
	if (hw && !crc_hw_ok)
		return -1;
	crc_hw = hw;
	return 0;
}

/* zlib convention: start with 0, feed the result back to continue. */
uint32_t dmat_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&crc_once, crc_pick);
	crc = ~crc;
#if defined(__x86_64__)
	if (crc_hw)
		return ~crc_x86(crc, buf, len);
#endif
	return ~crc_sw(crc, buf, len);
}

void dmat_event_encode_portable(uint8_t out[64], const struct dmas_event *ev)
{
	memset(out, 0, 64);
	dmat_put64(out + 0, ev->ts);
	dmat_put32(out + 8, ev->dev);
	dmat_put32(out + 12, ev->pid);
	dmat_put32(out + 16, ev->stack_id);
	dmat_put16(out + 20, ev->cpu);
	out[22] = ev->kind;
	out[23] = ev->dir;
	if (dmat_kind_has_name(ev->kind)) {
		memcpy(out + 24, ev->name, DMAS_NAME_LEN);
		return;
	}
	dmat_put64(out + 24, ev->addr);
	dmat_put64(out + 32, ev->size);
	dmat_put64(out + 40, ev->phys);
	dmat_put64(out + 48, ev->aux);
	dmat_put32(out + 56, ev->count);
	dmat_put16(out + 60, ev->attrs);
	out[62] = ev->flags;
	out[63] = ev->reserved;
}

void dmat_event_decode_portable(struct dmas_event *ev, const uint8_t in[64])
{
	uint8_t kind = in[22];

	memset(ev, 0, sizeof(*ev));
	ev->ts = dmat_get64(in + 0);
	ev->dev = dmat_get32(in + 8);
	ev->pid = dmat_get32(in + 12);
	ev->stack_id = dmat_get32(in + 16);
	ev->cpu = dmat_get16(in + 20);
	ev->kind = kind;
	ev->dir = in[23];
	if (dmat_kind_has_name(kind)) {
		memcpy(ev->name, in + 24, DMAS_NAME_LEN);
		return;
	}
	ev->addr = dmat_get64(in + 24);
	ev->size = dmat_get64(in + 32);
	ev->phys = dmat_get64(in + 40);
	ev->aux = dmat_get64(in + 48);
	ev->count = dmat_get32(in + 56);
	ev->attrs = dmat_get16(in + 60);
	ev->flags = in[62];
	ev->reserved = in[63];
}
