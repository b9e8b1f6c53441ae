/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdmac_trace.h - tracepoints of the vdmac virtual DMA controller and its
 * clients (system "vdmac"), read by perf, trace-cmd and dmascope's BPF side.
 *
 * The field names below are stable: tracefs readers use them by name.  The
 * TP_PROTO argument order is stable too: dmascope's raw_tp programs (the
 * module has no BTF) take the arguments by position.  Add arguments at the
 * end only.
 *
 *   dev     device name (dev_name(), e.g. "vdmac.0"); for the dmaengine
 *           events the provider, for cpu_access the device the buffer is
 *           mapped for (vdmac's clients map for the provider device too)
 *   chan    channel index on the provider (0 .. channels-1)
 *   desc    descriptor id: unique per module load, assigned at prep time
 *           (cookies only exist from submit on)
 *   cookie  dmaengine cookie returned by dmaengine_submit()
 *
 * vdmac_desc_prep      dev chan desc dir src dst len nsegs
 *     dir is enum dma_transfer_direction (0 MEM_TO_MEM, 1 MEM_TO_DEV,
 *     2 DEV_TO_MEM); src/dst are the first segment's addresses (the
 *     peripheral FIFO address from dma_slave_config on the device side);
 *     len is the descriptor's total bytes.  The memory side is DMA_TO_DEVICE
 *     for reads (src) and DMA_FROM_DEVICE for writes (dst).
 * vdmac_desc_seg       dev chan desc index src dst len
 *     one per segment, right after desc_prep
 * vdmac_submit         dev chan desc cookie
 * vdmac_issue_pending  dev chan pending
 *     pending: descriptors this call moved from submitted to issued
 * vdmac_xfer_start     dev chan desc cookie
 *     the engine starts moving bytes (not emitted while paused)
 * vdmac_complete       dev chan desc cookie result residue
 * vdmac_error          dev chan desc cookie result residue
 *     result is enum dmaengine_tx_result (0 NOERROR, 1 READ_FAILED,
 *     2 WRITE_FAILED, 3 ABORTED), residue the bytes not transferred
 * vdmac_terminate      dev chan in_flight pending
 *     in_flight: issued descriptors (running or queued) aborted;
 *     pending: submitted but never issued descriptors dropped
 * vdmac_chan_alloc, vdmac_chan_free   dev chan
 * vdmac_cpu_access     dev addr size write
 *     a client's CPU touched size bytes of the streaming buffer mapped at
 *     dma address addr (write 1: wrote, 0: read)
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vdmac

#if !defined(_VDMAC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VDMAC_TRACE_H

#include <linux/tracepoint.h>

#include "vdmac_compat.h"

TRACE_EVENT(vdmac_desc_prep,
	TP_PROTO(const char *dev, u32 chan, u64 desc, u32 dir, u64 src,
		 u64 dst, u64 len, u32 nsegs),
	TP_ARGS(dev, chan, desc, dir, src, dst, len, nsegs),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u64, desc)
		__field(u32, dir)
		__field(u64, src)
		__field(u64, dst)
		__field(u64, len)
		__field(u32, nsegs)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->desc = desc;
		__entry->dir = dir;
		__entry->src = src;
		__entry->dst = dst;
		__entry->len = len;
		__entry->nsegs = nsegs;
	),
	TP_printk("dev=%s chan=%u desc=%llu dir=%u src=0x%llx dst=0x%llx len=%llu nsegs=%u",
		  __get_str(dev), __entry->chan, __entry->desc, __entry->dir,
		  __entry->src, __entry->dst, __entry->len, __entry->nsegs)
);

TRACE_EVENT(vdmac_desc_seg,
	TP_PROTO(const char *dev, u32 chan, u64 desc, u32 index, u64 src,
		 u64 dst, u64 len),
	TP_ARGS(dev, chan, desc, index, src, dst, len),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u64, desc)
		__field(u32, index)
		__field(u64, src)
		__field(u64, dst)
		__field(u64, len)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->desc = desc;
		__entry->index = index;
		__entry->src = src;
		__entry->dst = dst;
		__entry->len = len;
	),
	TP_printk("dev=%s chan=%u desc=%llu index=%u src=0x%llx dst=0x%llx len=%llu",
		  __get_str(dev), __entry->chan, __entry->desc, __entry->index,
		  __entry->src, __entry->dst, __entry->len)
);

DECLARE_EVENT_CLASS(vdmac_desc_class,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie),
	TP_ARGS(dev, chan, desc, cookie),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u64, desc)
		__field(s32, cookie)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->desc = desc;
		__entry->cookie = cookie;
	),
	TP_printk("dev=%s chan=%u desc=%llu cookie=%d", __get_str(dev),
		  __entry->chan, __entry->desc, __entry->cookie)
);

DEFINE_EVENT(vdmac_desc_class, vdmac_submit,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie),
	TP_ARGS(dev, chan, desc, cookie));

DEFINE_EVENT(vdmac_desc_class, vdmac_xfer_start,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie),
	TP_ARGS(dev, chan, desc, cookie));

DECLARE_EVENT_CLASS(vdmac_result_class,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie, u32 result,
		 u64 residue),
	TP_ARGS(dev, chan, desc, cookie, result, residue),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u64, desc)
		__field(s32, cookie)
		__field(u32, result)
		__field(u64, residue)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->desc = desc;
		__entry->cookie = cookie;
		__entry->result = result;
		__entry->residue = residue;
	),
	TP_printk("dev=%s chan=%u desc=%llu cookie=%d result=%u residue=%llu",
		  __get_str(dev), __entry->chan, __entry->desc, __entry->cookie,
		  __entry->result, __entry->residue)
);

DEFINE_EVENT(vdmac_result_class, vdmac_complete,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie, u32 result,
		 u64 residue),
	TP_ARGS(dev, chan, desc, cookie, result, residue));

DEFINE_EVENT(vdmac_result_class, vdmac_error,
	TP_PROTO(const char *dev, u32 chan, u64 desc, s32 cookie, u32 result,
		 u64 residue),
	TP_ARGS(dev, chan, desc, cookie, result, residue));

TRACE_EVENT(vdmac_issue_pending,
	TP_PROTO(const char *dev, u32 chan, u32 pending),
	TP_ARGS(dev, chan, pending),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u32, pending)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->pending = pending;
	),
	TP_printk("dev=%s chan=%u pending=%u", __get_str(dev), __entry->chan,
		  __entry->pending)
);

TRACE_EVENT(vdmac_terminate,
	TP_PROTO(const char *dev, u32 chan, u32 in_flight, u32 pending),
	TP_ARGS(dev, chan, in_flight, pending),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
		__field(u32, in_flight)
		__field(u32, pending)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
		__entry->in_flight = in_flight;
		__entry->pending = pending;
	),
	TP_printk("dev=%s chan=%u in_flight=%u pending=%u", __get_str(dev),
		  __entry->chan, __entry->in_flight, __entry->pending)
);

DECLARE_EVENT_CLASS(vdmac_chan_class,
	TP_PROTO(const char *dev, u32 chan),
	TP_ARGS(dev, chan),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u32, chan)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->chan = chan;
	),
	TP_printk("dev=%s chan=%u", __get_str(dev), __entry->chan)
);

DEFINE_EVENT(vdmac_chan_class, vdmac_chan_alloc,
	TP_PROTO(const char *dev, u32 chan),
	TP_ARGS(dev, chan));

DEFINE_EVENT(vdmac_chan_class, vdmac_chan_free,
	TP_PROTO(const char *dev, u32 chan),
	TP_ARGS(dev, chan));

TRACE_EVENT(vdmac_cpu_access,
	TP_PROTO(const char *dev, u64 addr, u64 size, u32 write),
	TP_ARGS(dev, addr, size, write),
	TP_STRUCT__entry(
		__string(dev, dev)
		__field(u64, addr)
		__field(u64, size)
		__field(u32, write)
	),
	TP_fast_assign(
		vdmac_assign_str(dev, dev);
		__entry->addr = addr;
		__entry->size = size;
		__entry->write = write;
	),
	TP_printk("dev=%s addr=0x%llx size=%llu write=%u", __get_str(dev),
		  __entry->addr, __entry->size, __entry->write)
);

#endif /* _VDMAC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE vdmac_trace
#include <trace/define_trace.h>
