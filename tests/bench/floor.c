// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * floor.c - loader of the bare floor program (floor.bpf.c) for `make bench`:
 * attach, drain the ring from a polling reader thread while CMD runs, then
 * print the records read, the records lost and the time to tracing active.
 * Usage: dmascope-floor [-r RING_KB] -- CMD...
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "floor.skel.h"

static atomic_int stop;
static unsigned long long records;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int on_rec(void *ctx, void *data, size_t len)
{
	records++;
	return 0;
}

/* Polls: the programs never wake the reader, as dmatrace's rarely do. */
static void *reader(void *arg)
{
	struct ring_buffer *rb = arg;
	const struct timespec nap = {0, 200 * 1000};

	while (!atomic_load(&stop))
		if (ring_buffer__consume(rb) <= 0)
			nanosleep(&nap, NULL);
	ring_buffer__consume(rb);
	return NULL;
}

int main(int argc, char **argv)
{
	double t0 = now_s(), t_active;
	unsigned long ring_kb = 16384;
	struct ring_buffer *rb = NULL;
	struct floor_bpf *skel;
	pthread_t thr;
	int opt, status = 0, rc = 1;
	pid_t pid;

	while ((opt = getopt(argc, argv, "r:")) != -1) {
		char *end;

		if (opt != 'r')
			goto usage;
		ring_kb = strtoul(optarg, &end, 10);
		if (*end || ring_kb < 4 || ring_kb > (1ul << 20))
			goto usage;
	}
	if (optind >= argc)
		goto usage;
	skel = floor_bpf__open();
	if (!skel) {
		fprintf(stderr, "floor: opening the BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	bpf_map__set_max_entries(skel->maps.ring, ring_kb * 1024);
	if (floor_bpf__load(skel) || floor_bpf__attach(skel)) {
		fprintf(stderr,
			"floor: load or attach failed (%s): needs root, BTF and dma_map_page_attrs (kernels before 6.18)\n",
			strerror(errno));
		goto out;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.ring), on_rec, NULL, NULL);
	if (!rb || pthread_create(&thr, NULL, reader, rb)) {
		fprintf(stderr, "floor: reader: %s\n", strerror(errno));
		goto out;
	}
	t_active = now_s();
	pid = fork();
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &status, 0);
	atomic_store(&stop, 1);
	pthread_join(thr, NULL);
	fprintf(stderr,
		"floor: %llu records, %llu lost (tracing active after %.1f ms)\n",
		records, (unsigned long long)skel->bss->lost,
		(t_active - t0) * 1e3);
	rc = pid > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1;
out:
	ring_buffer__free(rb);
	floor_bpf__destroy(skel);
	return rc;
usage:
	fprintf(stderr, "usage: dmascope-floor [-r RING_KB] -- CMD...\n");
	return 2;
}
