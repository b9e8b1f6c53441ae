/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vdmac.h - what vdmac's provider (vdmac_core.c), its clients (the
 * harness vdmac_harness.c and the scenarios scn_*.c), its benchmark
 * (vdmac_bench.c) and the separate vdmac_leak module share.
 */
#ifndef _VDMAC_H
#define _VDMAC_H

#include <linux/atomic.h>
#include <linux/dmaengine.h>
#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/spinlock.h>

#define VDMAC_NAME		"vdmac"
#define VDMAC_MAX_CHANNELS	16
/*
 * Bus address of the virtual peripheral's FIFO register.  Only compared,
 * never dereferenced: clients put it in dma_slave_config.
 */
#define VDMAC_FIFO_ADDR		0xfed0f000ULL
/* Largest descriptor the engine accepts, in bytes. */
#define VDMAC_MAX_XFER		(4U << 20)

struct vdmac_dev;

struct vdmac_seg {
	dma_addr_t src;
	dma_addr_t dst;
	size_t len;
};

struct vdmac_desc {
	struct dma_async_tx_descriptor tx;
	struct list_head node;
	u64 id;
	enum dma_transfer_direction dir;
	size_t len;
	unsigned int nsegs;
	struct vdmac_seg segs[];
};

/*
 * A channel: a minimal virtual-channel layer.  Every descriptor is on
 * exactly one list (allocated: prepared, not submitted; submitted; issued;
 * terminated: waiting for device_synchronize to free it) or is the active
 * one, which the channel's timer (standing in for the hardware and its
 * interrupt) executes.
 */
struct vdmac_chan {
	struct dma_chan chan;
	struct vdmac_dev *vd;
	unsigned int index;
	spinlock_t lock;	/* lists, active, paused, peripheral state */
	struct list_head allocated;
	struct list_head submitted;
	struct list_head issued;
	struct list_head terminated;
	struct vdmac_desc *active;
	bool paused;
	unsigned int delay_us;	/* how long a transfer takes */
	unsigned int fail_next;	/* transfers that will fail */
	struct dma_slave_config cfg;
	struct hrtimer timer;	/* fires when the active transfer is done */
	/* the virtual peripheral behind this channel */
	u64 adc_pos;		/* DEV_TO_MEM: bytes produced */
	u32 sink_crc;		/* MEM_TO_DEV: crc32 of bytes consumed */
	u64 sink_bytes;
	u64 bytes_moved;
};

struct vdmac_orphan {
	struct list_head node;
	struct page *page;	/* mapping: the buffer, freed on reclaim */
	dma_addr_t addr;
	size_t size;
	enum dma_data_direction dir;
	struct dma_chan *chan;	/* or a held channel */
};

struct vdmac_dev {
	struct platform_device *pdev;
	struct device *dev;
	struct dma_device dma;
	atomic64_t desc_ids;
	unsigned int nr_chans;
	/* client state that outlives one scenario run */
	struct list_head orphans;	/* left behind by vdmac_leak.ko */
	struct list_head held;		/* long-held mappings (vdmac_orphan) */
	struct vdmac_orphan *unbind_leak;
	void *stream;			/* the background traffic client */
	struct vdmac_chan chans[];
};

/* Serializes scenario runs, the benchmark, bind and unbind. */
extern struct mutex vdmac_mutex;
/* The bound device, NULL while unbound; read under vdmac_mutex. */
extern struct vdmac_dev *vdmac_cur;
extern struct dentry *vdmac_debugfs;
extern unsigned int vdmac_timeout_ms;
/* debugfs inject_errors: the next N transfers on any channel fail */
extern atomic_t vdmac_inject_errors;

/* provider, for the clients */
bool vdmac_filter(struct dma_chan *chan, void *param);
struct vdmac_chan *vdmac_to_chan(struct dma_chan *chan);
void vdmac_chan_fail_next(struct dma_chan *chan, unsigned int n);
void vdmac_chan_set_delay(struct dma_chan *chan, unsigned int us);
u8 vdmac_adc_byte(u64 pos);
void vdmac_chan_sink(struct dma_chan *chan, u32 *crc, u64 *bytes);
u64 vdmac_chan_adc_pos(struct dma_chan *chan);

/* clients */
int vdmac_clients_init(void);
void vdmac_clients_unbind(struct vdmac_dev *vd);
void vdmac_reclaim_orphans(struct vdmac_dev *vd);
/* at unload: the scenarios' own device below an "external port" goes */
void scn_isolation_exit(void);
void scn_masks_exit(void);

/* benchmark */
int vdmac_bench_init(void);

/* for vdmac_leak.ko */
struct device *vdmac_get_device(void);
void vdmac_adopt_mapping(struct device *dev, struct page *page,
			 dma_addr_t addr, size_t size,
			 enum dma_data_direction dir);
void vdmac_adopt_channel(struct dma_chan *chan);
/* dma-buf (scn_dmabuf.c): a buffer vdmac exports; one left behind */
struct dma_buf *vdmac_dmabuf_export(struct device *dev, size_t size);
void vdmac_adopt_dmabuf(struct dma_buf *buf);
void vdmac_publish_truth(const char *scenario, const char *lines);

#endif /* _VDMAC_H */
