/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * dmatop.h - what dmatop's parts share: the feeder (source -> engine on a
 * thread, paced by a replay playhead), the frame (a copy of everything one
 * refresh shows, taken under the engine lock), the column, key and view
 * tables, and the screen parts that draw a frame.
 */
#ifndef DMATOP_H
#define DMATOP_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/engine.h"
#include "source/source.h"

#define NSEC 1000000000ull

enum { DMATOP_EXIT_OK = 0, DMATOP_EXIT_ERROR = 2 };

/* ---- feeder (feed.c) ---- */

struct feed {
	/* configuration */
	const char *path; /* replay file, NULL: live */
	bool open_in_thread; /* live: open on the reader thread */
	struct dmas_live_opts live;
	struct dmas_engine_opts eopts;

	pthread_t thread;
	bool running;
	bool lock_ready;
	pthread_mutex_t lock; /* guards everything below */
	pthread_cond_t advance; /* playhead moved, or stop */
	pthread_cond_t progress; /* feeder blocked, or done */
	struct dmas_source *src;
	struct dmas_engine *engine;
	struct dmas_session session;
	bool have_session;
	volatile sig_atomic_t stop;

	uint64_t origin; /* event clock at replay time 0 */
	bool have_origin;
	uint64_t playhead; /* replay: feed events up to origin+playhead */
	uint64_t last_ts; /* last event fed */
	uint64_t nr_fed;
	bool blocked; /* holding an event beyond the playhead */
	uint64_t next_ts; /* while blocked: the time of what is held */
	bool done; /* source ended (or failed) */
	bool opening; /* live source still loading */
	bool open_failed;
	int rc; /* of dmas_source_run */
	char err[256];
	unsigned generation; /* bumped on every restart */
};

int feed_start(struct feed *f, char *err, size_t errlen);
void feed_stop(struct feed *f);
/* Replay: move the playhead (ns since the origin); backwards restarts. */
int feed_seek(struct feed *f, uint64_t playhead, char *err, size_t errlen);
/*
 * playhead + by, stopping where the recording's time would pass the
 * largest there is (a crafted recording's times reach it): never wraps.
 */
uint64_t feed_ahead(struct feed *f, uint64_t playhead, uint64_t by);
/* Replay: wait until everything up to the playhead is fed (or the end). */
void feed_wait_caught_up(struct feed *f);
/* Live: now on the event clock. */
uint64_t feed_now_ts(void);

/* ---- a frame (frame.c) ---- */

struct devrow {
	uint32_t id;
	char name[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN];
	int32_t node;
	uint32_t iommu_group; /* isolation facts of the device record */
	uint8_t iommu_domain, port;
	/* whole run */
	uint64_t maps, unmaps, syncs, map_bytes[DMAS_NDIR];
	uint64_t outstanding, outstanding_bytes, outstanding_peak;
	uint64_t coherent_bytes, pool_blocks, map_errors, bounced;
	uint64_t bounce_bytes; /* swiotlb copies, both directions */
	uint64_t dma_mask, coherent_mask; /* 0: not known */
	bool swiotlb_forced;
	uint64_t remote_bytes, local_bytes;
	/* dma-buf: bytes the device exports now, its attachments mapped now */
	uint64_t dmabuf_bytes, dmabuf_mapped;
	/* contiguous memory (CMA) held now, its peak, failed allocations */
	uint64_t cma_bytes, cma_peak, cma_failures;
	uint64_t findings[3];
	uint64_t nr_findings;
	/* over the last refresh interval */
	double maps_s, unmaps_s, syncs_s;
	double bytes_s[DMAS_NDIR];
	int trend; /* outstanding bytes vs last frame */
	double remote_pct; /* -1: nothing mapped */
};

struct findrow {
	struct dmas_finding f;
	char dev_name[DMAS_DEV_NAME_LEN];
	char driver[DMAS_DRV_NAME_LEN];
};

struct chanrow {
	uint32_t provider;
	char provider_name[DMAS_DEV_NAME_LEN];
	char client_name[DMAS_DEV_NAME_LEN];
	uint64_t chan;
	uint32_t index;
	bool held;
	uint64_t submitted, issued, completed, errors, terminated;
	uint64_t pending, inflight, bytes, completed_bytes;
	double completions_s, mbs;
	uint64_t oldest_age_ns; /* of the oldest descriptor not done */
	/* submit->complete of the transfers done so far (whole run) */
	struct dmas_lat_summary lat;
	uint64_t over_budget; /* of them, over --latency-budget */
	struct dmas_desc_info descs[8]; /* the oldest descriptors not done */
	size_t nr_descs, nr_open;
};

#define FRAME_MAX_FINDINGS 1000

struct frame {
	uint64_t now_ts; /* event clock of this frame */
	uint64_t rel_ns; /* since the origin */
	uint64_t origin; /* event clock at time 0 */
	unsigned generation; /* the feeder's, to spot restarts */
	double dt; /* seconds since the previous frame */
	bool rates_valid;
	struct dmas_session session;
	uint64_t events, lost;
	double events_s;
	/* live only: what the BPF side reports */
	bool live, kernel_counters;
	uint64_t stack_errors;
	uint32_t nr_hooks;
	uint64_t mapped_bytes; /* whole run, streaming */
	double mapped_bytes_s;
	uint64_t outstanding, outstanding_bytes, coherent_bytes;
	uint64_t findings_by_sev[3];
	uint64_t nr_findings;
	/* every device (sorted, unfiltered) and the visible ones */
	struct devrow *devs;
	size_t nr_devs;
	size_t *vis; /* indexes into devs after the filter */
	size_t nr_vis;
	/* the newest FRAME_MAX_FINDINGS, newest first, and those the filter
	 * shows */
	struct findrow *finds;
	size_t nr_finds;
	size_t *vis_finds;
	size_t nr_vis_finds;
	struct chanrow *chans;
	size_t nr_chans;
	/* replay state */
	bool replay, paused, at_end, seeking;
	bool source_done; /* the reader had finished */
	bool no_origin; /* replay: taken before the first event */
	double speed;
	uint64_t skipped; /* batch replay: idle frames left out before it */
	char status[288]; /* one-off message for the status line */
};

struct frame_opts {
	int sort_col;
	bool sort_invert; /* against the column's natural order */
	const char *filter; /* substring of device or driver name */
};

/* Take a frame; `prev` (may be NULL) gives the rates' previous values. */
void frame_take(struct feed *f, const struct frame *prev, struct frame *out,
		uint64_t now_ts, bool rates);
void frame_apply(struct frame *fr, const struct frame_opts *o);
void frame_free(struct frame *fr);
bool frame_match(const char *filter, const char *name, const char *driver);

/* ---- columns (columns.c) ---- */

struct dev_column {
	const char *title;
	const char *key; /* --sort name and JSON field */
	int width;
	bool text; /* left aligned, sorts ascending */
	void (*fmt)(const struct devrow *r, const struct frame *fr, char *buf,
		    size_t n);
	double (*num)(const struct devrow *r);
	int (*cmp)(const struct devrow *a, const struct devrow *b);
	const char *help;
};

enum {
	COL_DEVICE,
	COL_DRIVER,
	COL_NODE,
	COL_MAPS,
	COL_UNMAPS,
	COL_SYNCS,
	COL_TO,
	COL_FROM,
	COL_BIDI,
	COL_OUTST,
	COL_OUTBYTES,
	COL_COHERENT,
	COL_REMOTE,
	COL_FINDINGS,
	COL_IOMMU,
	COL_BOUNCE,
	COL_DMABUF,
	COL_CMA,
	NR_DEV_COLUMNS
};

extern const struct dev_column dev_columns[NR_DEV_COLUMNS];
extern const int nr_dev_columns;
int dev_column_by_key(const char *key);
/* One table line: header when r is NULL; `sel` column marked in header. */
void dev_format_line(const struct devrow *r, const struct frame *fr,
		     int sort_col, char *buf, size_t n);

void fmt_bytes(uint64_t b, char *buf, size_t n);
void fmt_rate(double v, bool valid, char *buf, size_t n);
void fmt_mbs(double bytes_s, bool valid, char *buf, size_t n);
void fmt_reltime(uint64_t ns, char *buf, size_t n);
const char *dir_name(uint8_t dir);
const char *kind_name(uint8_t kind);
bool utf8_term(void);

/* ---- text used by both the screen and batch mode ---- */

/* The header lines; lost-event text goes through `hl` so it can stand out. */
struct out {
	void (*put)(struct out *o, const char *s, bool highlight);
	void (*newline)(struct out *o);
	void *ctx;
};
void header_render(const struct frame *fr, struct out *o,
		   const char *source_desc);
int header_lines(void);
void finding_line(const struct findrow *r, const struct frame *fr, char *buf,
		  size_t n);
void chan_format_line(const struct chanrow *c, const struct frame *fr,
		      char *buf, size_t n);
const char *chan_header_line(void);
/* A latency in at most 7 characters: "850ns", "12.5us", "340us", "2.1ms" */
void fmt_latency(uint64_t ns, char *buf, size_t n);

/* ---- interactive state, views and keys ---- */

enum view { VIEW_DEVICES, VIEW_FINDINGS, VIEW_DMAENGINE, NR_VIEWS };

struct top {
	struct feed *feed;
	const char *source_desc;
	bool replay;
	struct frame frame, prev;
	bool have_prev;
	struct frame_opts fo;
	char filter[64];
	enum view view;
	size_t sel[NR_VIEWS], scroll[NR_VIEWS], page[NR_VIEWS];
	uint32_t sel_dev; /* the selection follows its device */
	uint64_t sel_seq; /* and its finding */
	bool have_sel_seq;
	bool paused;
	bool opening; /* live source still loading */
	bool help; /* help screen up */
	bool stack; /* stack of the selected finding up */
	struct dmas_finding stack_finding;
	char *stack_text; /* built when the stack screen opens */
	double delay; /* seconds between refreshes */
	double speed; /* replay speed */
	uint64_t refresh_due_ms;
	uint64_t last_wall_ms;
	bool quit;
	bool redraw_now, retake;
	char status[128];
	int max_y, max_x;
};

struct key_binding {
	int keys[6]; /* 0 ends the list */
	const char *names; /* as shown in help */
	unsigned views; /* bit per enum view; 0: all */
	bool replay_only;
	void (*fn)(struct top *t, int arg);
	int arg;
	const char *help;
};

extern const struct key_binding key_table[];
extern const int nr_key_bindings;
/* Run the binding for key in the current view; false when there is none. */
bool keys_dispatch(struct top *t, int key);

struct view_desc {
	const char *name;
	void (*draw)(struct top *t, int y0, int rows);
	size_t (*nr_rows)(const struct top *t);
};
extern const struct view_desc views[NR_VIEWS];

/* screen parts (curses) */
void list_scroll(struct top *t, enum view v, size_t n, int rows);
void header_draw(struct top *t);
void devtable_draw(struct top *t, int y0, int rows);
void findpane_draw(struct top *t, int y0, int rows, bool focused);
void findings_view_draw(struct top *t, int y0, int rows);
void stack_draw(struct top *t);
void stack_open(struct top *t);
void chanview_draw(struct top *t, int y0, int rows);
void help_draw(struct top *t);
void statusline_draw(struct top *t);

/* screen.c: drawing helpers */
enum attr_kind {
	AT_NORMAL,
	AT_TITLE,
	AT_SEL,
	AT_ALERT,
	AT_SORT,
	AT_TAB,
	AT_DIM
};
int attr_of(enum attr_kind k);
/* Draw s at (y, x) clipped to the screen width; returns columns drawn. */
int draw_text(int y, int x, const char *s, int attr);
/* A full-width bar line (title rows, selection). */
void draw_bar(int y, const char *s, int attr);
void screen_draw(struct top *t);

/* term.c */
void term_install_signals(void);
int term_start(void);
void term_end(void);
extern volatile sig_atomic_t term_quit;
/* Read a line on the status row; false when cancelled (Esc). */
bool term_prompt(const char *label, char *buf, size_t n);

/* batch.c */
int batch_run(struct top *t, int count, bool json);

/* main.c: -d and the d key read a delay the same way */
#define TOP_DELAY_RANGE "a delay from 0.01 to 3600 seconds (e.g. 2, 500ms)"
int top_parse_delay(const char *s, double *secs);

/* main.c: what key actions ask of the loop */
void top_apply(struct top *t);
/* After a move: the selection follows the chosen device and finding. */
void top_remember_selection(struct top *t); /* sort/filter changed */
void top_seek(struct top *t, int64_t delta_ns);
uint64_t top_playhead(struct top *t);

#endif /* DMATOP_H */
