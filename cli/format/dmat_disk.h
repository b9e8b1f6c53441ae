/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmat_disk.h - the on-disk layout of .dmat recordings and the explicit
 * little-endian helpers that read and write it; private to cli/format and
 * its tests.
 *
 * File:
 *   magic[8] "\x89DMAT\r\n\x1a\n" (catches text-mode mangling like PNG)
 *   u16 major, u16 minor, u32 flags (DMAT_FLAG_*), u32 sections_len
 *   sections: { u16 tag, u16 len, u8 data[len] } ..., unknown tags skipped
 *   u32 crc32c of every header byte before it
 *   record stream (zstd-compressed as one stream when DMAT_FLAG_ZSTD)
 *
 * Record: u32 type, u32 len, u32 crc, u32 hcrc, payload[len], zero
 * padding to a multiple of 8 bytes (so events in a batch stay aligned);
 * hcrc = crc32c of type and len, checked before the payload is read, so a
 * damaged length reads as corruption, not as a truncated file; crc =
 * crc32c of the 16-byte header with crc = 0, then payload + padding.
 * Records of an unknown type are skipped after their checksum is verified;
 * a newer writer may also lengthen a record (readers take the fields they
 * know and ignore the rest) and append event kinds (handed on as they are).
 */
#ifndef DMASCOPE_DMAT_DISK_H
#define DMASCOPE_DMAT_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "event.h"

#define DMAT_MAGIC \
	"\x89"     \
	"DMAT\r\n\x1a\n"
#define DMAT_MAGIC_LEN 8
#define DMAT_FIXED_HDR 20 /* magic .. sections_len */
#define DMAT_MAX_SECTIONS 65536
#define DMAT_REC_HDR 16
#define DMAT_MAX_RECORD (16u << 20) /* larger is corruption */
#define DMAT_EVENT_SIZE 64
#define DMAT_BATCH_EVENTS 2048
#define DMAT_MAX_FRAMES 1024 /* per stack; the kernel keeps at most 127 */
#define DMAT_MAX_FRAME_LEN 4095 /* characters of one symbolized frame */
/* zstd window a reader accepts (16 MiB): bounds its memory on any input */
#define DMAT_ZSTD_WINDOW_LOG 24

/* header flags: every bit changes how the stream reads, so unknown = reject */
#define DMAT_FLAG_ZSTD 0x1u
#define DMAT_FLAGS_KNOWN DMAT_FLAG_ZSTD

/* header section tags */
enum {
	DMAT_S_KERNEL = 1, /* string, no NUL */
	DMAT_S_HOST = 2,
	DMAT_S_PAGE_SIZE = 3, /* u32 */
	DMAT_S_CLOCK = 4, /* string */
	DMAT_S_START_TS = 5, /* u64 ns, event clock */
	DMAT_S_START_REALTIME = 6, /* u64 ns since the epoch at START_TS */
	DMAT_S_HOOKS = 7, /* string */
	DMAT_S_FROM_BOOT = 8, /* u8 */
};

/* record types */
enum {
	DMAT_T_DEVICE = 1, /* u32 id, s32 node, u32 flags, u32 0, u64 dma_mask,
			      name[64], driver[32], bus[16]; then (newer
			      writers) u32 iommu_group, u8 iommu_domain,
			      u8 port, u16 0 */
	DMAT_T_STACK = 2, /* u32 id, u32 nr, nr NUL-terminated frames */
	DMAT_T_MEM_RANGE = 3, /* u64 start, u64 end, s32 node, u32 0 */
	DMAT_T_CPU_NODE = 4, /* u32 cpu, s32 node */
	DMAT_T_EVENTS = 5, /* n * 64-byte events, little endian */
	DMAT_T_TRAILER = 6, /* u64 events, u64 end_ts, u64 lost */
	/* a range of the kernel image (older readers skip it) */
	DMAT_T_KERNEL_RANGE = 7, /* u64 start, u64 end, u32 kind, u32 0 */
};

/* the shortest device record a reader takes, then the one written now */
#define DMAT_DEVICE_LEN_MIN \
	(24 + DMAS_DEV_NAME_LEN + DMAS_DRV_NAME_LEN + DMAS_BUS_NAME_LEN)
#define DMAT_DEVICE_LEN (DMAT_DEVICE_LEN_MIN + 8)
#define DMAT_MEM_RANGE_LEN 24 /* and DMAT_T_KERNEL_RANGE's */
#define DMAT_CPU_NODE_LEN 8
#define DMAT_TRAILER_LEN 24

static inline void dmat_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void dmat_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void dmat_put64(uint8_t *p, uint64_t v)
{
	dmat_put32(p, (uint32_t)v);
	dmat_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t dmat_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t dmat_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t dmat_get64(const uint8_t *p)
{
	return (uint64_t)dmat_get32(p) | (uint64_t)dmat_get32(p + 4) << 32;
}

/* Kinds whose union holds a name rather than the numeric fields. */
static inline int dmat_kind_has_name(unsigned kind)
{
	return kind == DMAS_EV_DRIVER_BIND || kind == DMAS_EV_DRIVER_UNBIND ||
	       kind == DMAS_EV_MODULE_UNLOAD;
}

/* Byte-exact encoding of one event, independent of the host's byte order. */
void dmat_event_encode_portable(uint8_t out[64], const struct dmas_event *ev);
void dmat_event_decode_portable(struct dmas_event *ev, const uint8_t in[64]);

/* DMAT_PORTABLE forces the byte-by-byte path (to test it on little endian). */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && !defined(DMAT_PORTABLE)
/* The in-memory struct is the disk layout: copying is encoding. */
static inline void dmat_event_encode(uint8_t out[64],
				     const struct dmas_event *ev)
{
	memcpy(out, ev, 64);
}
#define DMAT_HOST_IS_DISK 1
#else
static inline void dmat_event_encode(uint8_t out[64],
				     const struct dmas_event *ev)
{
	dmat_event_encode_portable(out, ev);
}
#define DMAT_HOST_IS_DISK 0
#endif

uint32_t dmat_crc32c(uint32_t crc, const void *buf, size_t len);
/* Which CRC32C is in use: "sse4.2" or "tables" (the faster here). */
const char *dmat_crc32c_impl(void);
/* For tests: use the instruction (hw) or the tables; -1 without SSE4.2. */
int dmat_crc32c_use(bool hw);

#endif /* DMASCOPE_DMAT_DISK_H */
