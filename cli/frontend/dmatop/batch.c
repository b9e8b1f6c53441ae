/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * batch.c - -b: frames as plain text (like top -b) or, with --json, one
 * JSON object per line.  Replay frames step through recorded time by the
 * delay as fast as the file reads; live frames come every delay seconds.
 */
#include <errno.h>
#include <json-c/json.h>
#include <string.h>
#include <time.h>

#include "dmatop.h"
#include "frontend/textsafe.h"

#define BATCH_FINDINGS 10

struct file_out {
	struct out o;
	FILE *f;
};

static void fput(struct out *o, const char *s, bool hl)
{
	fputs(s, ((struct file_out *)o)->f);
}

static void fnewline(struct out *o)
{
	fputc('\n', ((struct file_out *)o)->f);
}

static void print_text(const struct top *t, const struct frame *fr, FILE *out)
{
	struct file_out fo = {{fput, fnewline, NULL}, out};
	char line[512];
	size_t i;

	if (fr->skipped)
		fprintf(out,
			"(%llu frames with no events skipped before this one)\n\n",
			(unsigned long long)fr->skipped);
	header_render(fr, &fo.o, t->source_desc);
	fputc('\n', out);
	dev_format_line(NULL, fr, t->fo.sort_col, line, sizeof(line));
	fprintf(out, "%s\n", line);
	for (i = 0; i < fr->nr_vis; i++) {
		dev_format_line(&fr->devs[fr->vis[i]], fr, t->fo.sort_col, line,
				sizeof(line));
		fprintf(out, "%s\n", line);
	}
	if (fr->nr_vis_finds) {
		fprintf(out, "\nFindings (newest first, %zu of %llu):\n",
			fr->nr_vis_finds < BATCH_FINDINGS ? fr->nr_vis_finds
							  : BATCH_FINDINGS,
			(unsigned long long)fr->nr_findings);
		for (i = 0; i < fr->nr_vis_finds && i < BATCH_FINDINGS; i++) {
			finding_line(&fr->finds[fr->vis_finds[i]], fr, line,
				     sizeof(line));
			fprintf(out, "%s\n", line);
		}
	}
	if (fr->nr_chans) {
		fprintf(out, "\n%s\n", chan_header_line());
		for (i = 0; i < fr->nr_chans; i++) {
			chan_format_line(&fr->chans[i], fr, line, sizeof(line));
			fprintf(out, "%s\n", line);
		}
	}
	fputc('\n', out);
}

static json_object *jrate(const struct frame *fr, double v)
{
	return fr->rates_valid ? json_object_new_double(v) : NULL;
}

#define JADD(o, k, v) json_object_object_add(o, k, v)
/* unsigned: a crafted recording's times and sizes reach 2^64 - 1 */
#define JU64(v) json_object_new_uint64((uint64_t)(v))

static json_object *jsev(const uint64_t by_sev[3])
{
	json_object *o = json_object_new_object();

	JADD(o, "error", JU64(by_sev[DMAS_SEV_ERROR]));
	JADD(o, "warning", JU64(by_sev[DMAS_SEV_WARNING]));
	JADD(o, "info", JU64(by_sev[DMAS_SEV_INFO]));
	return o;
}

static json_object *jhex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return json_object_new_string(buf);
}

static json_object *jdevice(const struct frame *fr, const struct devrow *r)
{
	json_object *o = json_object_new_object();

	JADD(o, "id", JU64(r->id));
	JADD(o, "device", dmas_json_string(r->name));
	JADD(o, "driver", dmas_json_string(r->driver));
	JADD(o, "node", json_object_new_int(r->node));
	JADD(o, "iommu_group",
	     r->iommu_domain >= DMAS_IOMMU_DMA ? JU64(r->iommu_group) : NULL);
	JADD(o, "iommu_domain",
	     r->iommu_domain != DMAS_IOMMU_UNKNOWN
		     ? json_object_new_string(
			       dmas_iommu_domain_name(r->iommu_domain))
		     : NULL);
	JADD(o, "port",
	     r->port != DMAS_PORT_UNKNOWN
		     ? json_object_new_string(dmas_port_name(r->port))
		     : NULL);
	JADD(o, "maps", JU64(r->maps));
	JADD(o, "unmaps", JU64(r->unmaps));
	JADD(o, "syncs", JU64(r->syncs));
	JADD(o, "maps_per_s", jrate(fr, r->maps_s));
	JADD(o, "unmaps_per_s", jrate(fr, r->unmaps_s));
	JADD(o, "syncs_per_s", jrate(fr, r->syncs_s));
	JADD(o, "to_device_bytes_per_s",
	     jrate(fr, r->bytes_s[DMAS_DIR_TO_DEVICE]));
	JADD(o, "from_device_bytes_per_s",
	     jrate(fr, r->bytes_s[DMAS_DIR_FROM_DEVICE]));
	JADD(o, "bidirectional_bytes_per_s",
	     jrate(fr, r->bytes_s[DMAS_DIR_BIDIRECTIONAL]));
	JADD(o, "mapped_bytes",
	     JU64(r->map_bytes[0] + r->map_bytes[1] + r->map_bytes[2] +
		  r->map_bytes[3]));
	JADD(o, "outstanding", JU64(r->outstanding));
	JADD(o, "outstanding_bytes", JU64(r->outstanding_bytes));
	JADD(o, "outstanding_peak", JU64(r->outstanding_peak));
	JADD(o, "outstanding_trend", json_object_new_int(r->trend));
	JADD(o, "coherent_bytes", JU64(r->coherent_bytes));
	JADD(o, "pool_blocks", JU64(r->pool_blocks));
	JADD(o, "dmabuf_exported_bytes", JU64(r->dmabuf_bytes));
	JADD(o, "dmabuf_mapped", JU64(r->dmabuf_mapped));
	JADD(o, "cma_bytes", JU64(r->cma_bytes));
	JADD(o, "cma_peak", JU64(r->cma_peak));
	JADD(o, "cma_failures", JU64(r->cma_failures));
	JADD(o, "map_errors", JU64(r->map_errors));
	JADD(o, "bounced", JU64(r->bounced));
	JADD(o, "bounce_bytes", JU64(r->bounce_bytes));
	JADD(o, "swiotlb_forced", json_object_new_boolean(r->swiotlb_forced));
	JADD(o, "dma_mask", r->dma_mask ? jhex(r->dma_mask) : NULL);
	JADD(o, "coherent_mask",
	     r->coherent_mask ? jhex(r->coherent_mask) : NULL);
	JADD(o, "remote_pct",
	     r->remote_pct < 0 ? NULL : json_object_new_double(r->remote_pct));
	JADD(o, "findings", jsev(r->findings));
	return o;
}

static json_object *jfinding(const struct frame *fr, const struct findrow *r)
{
	json_object *o = json_object_new_object();
	const struct dmas_finding *f = &r->f;
	char addr[24];

	JADD(o, "seq", JU64(f->seq));
	JADD(o, "id", dmas_json_string(dmas_finding_table[f->kind].id));
	JADD(o, "severity", dmas_json_string(dmas_severity_name(f->severity)));
	JADD(o, "device", dmas_json_string(r->dev_name));
	JADD(o, "driver", dmas_json_string(r->driver));
	JADD(o, "time",
	     json_object_new_double(
		     f->ts > fr->origin ? (double)(f->ts - fr->origin) / NSEC
					: 0));
	/* as dmatrace's reports write it */
	snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)f->addr);
	JADD(o, "addr", dmas_json_string(addr));
	JADD(o, "size", JU64(f->size));
	JADD(o, "dir", dmas_json_string(dir_name(f->dir)));
	JADD(o, "uncertain", json_object_new_boolean(f->uncertain));
	JADD(o, "repeats", JU64(f->repeats));
	JADD(o, "consequences", JU64(f->consequences));
	JADD(o, "consequence", dmas_json_string(f->consequence));
	JADD(o, "detail", dmas_json_string(f->detail));
	return o;
}

static json_object *jchan(const struct frame *fr, const struct chanrow *c)
{
	json_object *o = json_object_new_object();

	JADD(o, "provider", dmas_json_string(c->provider_name));
	JADD(o, "index", JU64(c->index));
	JADD(o, "client", dmas_json_string(c->client_name));
	JADD(o, "held", json_object_new_boolean(c->held));
	JADD(o, "pending", JU64(c->pending));
	JADD(o, "inflight", JU64(c->inflight));
	JADD(o, "issued", JU64(c->issued));
	JADD(o, "submitted", JU64(c->submitted));
	JADD(o, "completed", JU64(c->completed));
	JADD(o, "errors", JU64(c->errors));
	JADD(o, "terminated", JU64(c->terminated));
	JADD(o, "completions_per_s", jrate(fr, c->completions_s));
	JADD(o, "completed_bytes_per_s", jrate(fr, c->mbs));
	/* submit->complete, whole run; null before a transfer completed */
	JADD(o, "latency_p50_ns", c->lat.count ? JU64(c->lat.p50_ns) : NULL);
	JADD(o, "latency_p99_ns", c->lat.count ? JU64(c->lat.p99_ns) : NULL);
	JADD(o, "latency_max_ns", c->lat.count ? JU64(c->lat.max_ns) : NULL);
	JADD(o, "over_budget", JU64(c->over_budget));
	return o;
}

static void print_json(const struct top *t, const struct frame *fr, FILE *out)
{
	json_object *o = json_object_new_object(), *a;
	const struct dmas_session *s = &fr->session;
	size_t i;

	JADD(o, "time", json_object_new_double((double)fr->rel_ns / NSEC));
	JADD(o, "ts", JU64(fr->now_ts));
	JADD(o, "interval",
	     fr->rates_valid ? json_object_new_double(fr->dt) : NULL);
	JADD(o, "source", dmas_json_string(t->source_desc));
	if (fr->skipped)
		JADD(o, "skipped_frames", JU64(fr->skipped));
	JADD(o, "kernel", dmas_json_string(s->kernel_release));
	JADD(o, "host", dmas_json_string(s->hostname));
	JADD(o, "hooks", dmas_json_string(s->hooks));
	JADD(o, "events", JU64(fr->events));
	JADD(o, "events_per_s", jrate(fr, fr->events_s));
	JADD(o, "lost", JU64(fr->lost));
	if (fr->live) {
		JADD(o, "stack_errors", JU64(fr->stack_errors));
		JADD(o, "hooks_attached", JU64(fr->nr_hooks));
		JADD(o, "kernel_counters",
		     json_object_new_boolean(fr->kernel_counters));
	}
	JADD(o, "mapped_bytes", JU64(fr->mapped_bytes));
	JADD(o, "mapped_bytes_per_s", jrate(fr, fr->mapped_bytes_s));
	JADD(o, "outstanding", JU64(fr->outstanding));
	JADD(o, "outstanding_bytes", JU64(fr->outstanding_bytes));
	JADD(o, "coherent_bytes", JU64(fr->coherent_bytes));
	a = jsev(fr->findings_by_sev);
	JADD(a, "total", JU64(fr->nr_findings));
	JADD(o, "findings", a);
	a = json_object_new_array();
	for (i = 0; i < fr->nr_vis; i++)
		json_object_array_add(a, jdevice(fr, &fr->devs[fr->vis[i]]));
	JADD(o, "devices", a);
	a = json_object_new_array();
	for (i = 0; i < fr->nr_vis_finds && i < BATCH_FINDINGS; i++)
		json_object_array_add(
			a, jfinding(fr, &fr->finds[fr->vis_finds[i]]));
	JADD(o, "recent_findings", a);
	a = json_object_new_array();
	for (i = 0; i < fr->nr_chans; i++)
		json_object_array_add(a, jchan(fr, &fr->chans[i]));
	JADD(o, "channels", a);
	if (fr->status[0])
		JADD(o, "status", dmas_json_string(fr->status));
	fprintf(out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

/*
 * Replay: more than this many frames in a row with nothing to show are
 * skipped (a recording may be idle for hours, or hold a time jump of
 * centuries): one frame per step through them would never end.
 */
#define IDLE_FRAMES_MAX 10

/* Frames skipped before the next event (0 when it is near). */
static uint64_t skip_idle(struct top *t, uint64_t step)
{
	struct feed *f = t->feed;
	uint64_t rel, target = 0, k = 0;

	pthread_mutex_lock(&f->lock);
	/*
	 * What comes next: the event held beyond the playhead, or, once the
	 * source is done, the recording's end (a trailer may end it long
	 * after its last event, or a recording without events long after
	 * its start).
	 */
	if (f->blocked && f->have_origin)
		target = f->next_ts;
	else if (f->done)
		target = f->last_ts;
	if (target > f->origin) {
		rel = target - f->origin;
		if (rel > f->playhead &&
		    (rel - f->playhead - 1) / step > IDLE_FRAMES_MAX) {
			k = (rel - f->playhead - 1) / step;
			f->playhead += k * step;
			/* nothing changed meanwhile: rates count from here */
			t->prev.now_ts = f->origin + f->playhead;
		}
	}
	pthread_mutex_unlock(&f->lock);
	return k;
}

static void nap(double secs)
{
	struct timespec ts = {(time_t)secs,
			      (long)((secs - (time_t)secs) * 1e9)};

	/* Ctrl-C cuts the sleep short: term_quit is then set */
	nanosleep(&ts, NULL);
}

int batch_run(struct top *t, int count, bool json)
{
	struct feed *f = t->feed;
	uint64_t step = (uint64_t)(t->delay * NSEC), now_ts;
	bool done = false;
	int i, rc = DMATOP_EXIT_OK, write_err = 0;

	memset(&t->prev, 0, sizeof(t->prev));
	if (t->replay) {
		/* rates of the first frame count from the recording's start */
		feed_wait_caught_up(f);
		pthread_mutex_lock(&f->lock);
		t->prev.generation = f->generation;
		t->prev.now_ts = f->have_origin ? f->origin : 0;
		pthread_mutex_unlock(&f->lock);
	} else {
		frame_take(f, NULL, &t->prev, feed_now_ts(), false);
	}

	for (i = 0; (count <= 0 || i < count) && !done && !term_quit; i++) {
		uint64_t skipped = 0;

		if (t->replay) {
			char err[256];

			/* the first frame shows where the recording starts */
			if (i)
				skipped = skip_idle(t, step);
			if (feed_seek(f, feed_ahead(f, f->playhead, step), err,
				      sizeof(err)))
				break;
			feed_wait_caught_up(f);
			pthread_mutex_lock(&f->lock);
			now_ts = f->origin + f->playhead;
			done = f->done && (f->last_ts <= now_ts || f->rc < 0);
			/* the last frame ends where the recording does */
			if (f->done && f->have_origin && f->last_ts < now_ts &&
			    f->last_ts > t->prev.now_ts)
				now_ts = f->last_ts;
			pthread_mutex_unlock(&f->lock);
		} else {
			nap(t->delay);
			if (term_quit)
				break;
			now_ts = feed_now_ts();
			pthread_mutex_lock(&f->lock);
			done = f->done;
			pthread_mutex_unlock(&f->lock);
		}
		frame_take(f, &t->prev, &t->frame, now_ts, true);
		t->frame.replay = t->replay;
		t->frame.speed = t->speed;
		t->frame.at_end = done && t->replay;
		frame_apply(&t->frame, &t->fo);
		t->frame.skipped = skipped;
		if (json)
			print_json(t, &t->frame, stdout);
		else
			print_text(t, &t->frame, stdout);
		frame_free(&t->prev);
		t->prev = t->frame;
		memset(&t->frame, 0, sizeof(t->frame));
		/*
		 * A full disk or a closed stdout ends the run with an error,
		 * as for dmatrace: a script must not take a cut output for a
		 * whole one.
		 */
		errno = 0;
		if (fflush(stdout) || ferror(stdout)) {
			write_err = errno ? errno : EIO;
			break;
		}
	}
	frame_free(&t->prev);
	if (write_err) {
		fprintf(stderr, "dmatop: writing standard output failed: %s\n",
			strerror(write_err));
		return DMATOP_EXIT_ERROR;
	}

	pthread_mutex_lock(&f->lock);
	if (f->done && f->rc < 0) {
		fprintf(stderr, "dmatop: %s\n",
			f->err[0] ? f->err : "the event source failed");
		rc = DMATOP_EXIT_ERROR;
	} else if (f->done && f->rc > 0) {
		fprintf(stderr, "dmatop: warning: %s\n",
			f->err[0] ? f->err : "the recording ended early");
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}
