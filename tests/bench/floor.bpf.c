// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * floor.bpf.c - the bare tracing floor `make bench` sets every traced mode
 * against: fexit on dma_map_page_attrs, fentry on dma_unmap_page_attrs, one
 * 64-byte ring record each with a timestamp and nothing more.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* the size of dmatrace's events */
struct floor_rec {
	__u64 ts;
	__u64 addr;
	__u64 pad[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20); /* resized by the loader */
} ring SEC(".maps");

__u64 lost; /* records that did not fit */

static __always_inline int put(__u64 addr)
{
	struct floor_rec *r = bpf_ringbuf_reserve(&ring, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&lost, 1);
		return 0;
	}
	r->ts = bpf_ktime_get_ns();
	r->addr = addr;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("fexit/dma_map_page_attrs")
int BPF_PROG(floor_map, struct device *dev, struct page *page, size_t offset,
	     size_t size, enum dma_data_direction dir, unsigned long attrs,
	     dma_addr_t ret)
{
	return put(ret);
}

SEC("fentry/dma_unmap_page_attrs")
int BPF_PROG(floor_unmap, struct device *dev, dma_addr_t addr)
{
	return put(addr);
}
