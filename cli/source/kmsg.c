// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kmsg.c - the kernel log's IOMMU fault lines as events (kmsg.h): records
 * are read from /dev/kmsg one per read(), "PRI,SEQ,TS,FLAGS;MESSAGE".
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source/kmsg.h"

struct dmas_kmsg {
	int fd;
};

bool dmas_dmar_parse(const char *msg, struct dmas_dmar_fault *f)
{
	unsigned int bus, slot, fn, reason;
	unsigned long long addr;
	char rw[8];
	const char *p;
	int n = 0;

	p = strstr(msg, "DMAR: [DMA ");
	if (!p)
		return false;
	/* "[DMA Write NO_PASID] " or "[DMA Read PASID 0x1] " */
	if (sscanf(p, "DMAR: [DMA %7s", rw) != 1 ||
	    (strcmp(rw, "Write") && strcmp(rw, "Read")))
		return false;
	p = strstr(p, "] Request device [");
	if (!p ||
	    sscanf(p,
		   "] Request device [%2x:%2x.%1u] fault addr 0x%llx [fault reason 0x%x]%n",
		   &bus, &slot, &fn, &addr, &reason, &n) != 5 ||
	    !n)
		return false;
	snprintf(f->device, sizeof(f->device), "0000:%02x:%02x.%u", bus & 0xff,
		 slot & 0x1f, fn & 7);
	f->addr = addr;
	f->write = !strcmp(rw, "Write");
	f->reason = reason;
	return true;
}

struct dmas_kmsg *dmas_kmsg_open(const char *path)
{
	struct dmas_kmsg *k;
	int fd = open(path ? path : "/dev/kmsg",
		      O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	/* only what the kernel logs from now on */
	lseek(fd, 0, SEEK_END);
	k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return NULL;
	}
	k->fd = fd;
	return k;
}

int dmas_kmsg_poll(struct dmas_kmsg *k,
		   void (*fault)(void *ctx, const struct dmas_dmar_fault *f),
		   void *ctx, uint64_t *missed)
{
	char rec[8192];
	int records = 0;

	for (;;) {
		ssize_t n = read(k->fd, rec, sizeof(rec) - 1);
		struct dmas_dmar_fault f;
		const char *msg;

		if (n < 0 && errno == EPIPE) {
			/*
			 * overwritten before we read it: the next one follows
			 */
			if (missed)
				(*missed)++;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? records : -1;
		if (n == 0)
			return records;
		rec[n] = '\0';
		records++;
		msg = strchr(rec, ';');
		if (msg && dmas_dmar_parse(msg + 1, &f))
			fault(ctx, &f);
	}
}

void dmas_kmsg_close(struct dmas_kmsg *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}
