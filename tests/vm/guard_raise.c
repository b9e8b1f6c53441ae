// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * guard_raise.c - raises a catcher slot's count in the running tracer's
 * guard_running map on every CPU, as if each call of that slot's hook came
 * from an interrupt taken inside its first program: the catcher then does
 * the work too (by its tail call), for every call.  The guest case
 * trace_catchers uses it to show the catchers at work, which real nesting
 * does only now and then.
 *
 * usage: guard_raise SLOT (map, unmap, map_sg, unmap_sg, sync_cpu,
 *        sync_device, sync_sg_cpu, sync_sg_device, pool_alloc, pool_free)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../../bpf/dmascope_bpf.h"

static const char *const slots[DMAS_GUARD_NR] = {
	[DMAS_GUARD_MAP] = "map",
	[DMAS_GUARD_UNMAP] = "unmap",
	[DMAS_GUARD_MAP_SG] = "map_sg",
	[DMAS_GUARD_UNMAP_SG] = "unmap_sg",
	[DMAS_GUARD_SYNC_CPU] = "sync_cpu",
	[DMAS_GUARD_SYNC_DEVICE] = "sync_device",
	[DMAS_GUARD_SYNC_SG_CPU] = "sync_sg_cpu",
	[DMAS_GUARD_SYNC_SG_DEVICE] = "sync_sg_device",
	[DMAS_GUARD_POOL_ALLOC] = "pool_alloc",
	[DMAS_GUARD_POOL_FREE] = "pool_free",
};

/* The loaded map called name; -1 if there is none. */
static int map_by_name(const char *name, struct bpf_map_info *info)
{
	__u32 id = 0;

	while (!bpf_map_get_next_id(id, &id)) {
		__u32 len = sizeof(*info);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		memset(info, 0, sizeof(*info));
		if (!bpf_obj_get_info_by_fd(fd, info, &len) &&
		    !strcmp(info->name, name))
			return fd;
		close(fd);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct bpf_map_info info;
	int ncpus = libbpf_num_possible_cpus();
	unsigned char *vals;
	__u32 key = 0;
	size_t stride;
	int slot = 0, fd;

	while (argc == 2 && slot < DMAS_GUARD_NR &&
	       strcmp(argv[1], slots[slot]))
		slot++;
	if (argc != 2 || slot == DMAS_GUARD_NR) {
		fprintf(stderr, "usage: guard_raise SLOT (map, unmap, ...)\n");
		return 2;
	}
	fd = map_by_name("guard_running", &info);
	if (fd < 0) {
		fprintf(stderr, "guard_raise: no guard_running map loaded\n");
		return 1;
	}
	if (ncpus <= 0 || info.value_size != DMAS_GUARD_NR) {
		fprintf(stderr, "guard_raise: %u slots, not %d\n",
			info.value_size, DMAS_GUARD_NR);
		return 1;
	}
	/* per-CPU values are rounded up to 8 bytes each */
	stride = (info.value_size + 7) & ~7u;
	vals = calloc((size_t)ncpus, stride);
	if (!vals || bpf_map_lookup_elem(fd, &key, vals)) {
		fprintf(stderr, "guard_raise: read: %s\n", strerror(errno));
		return 1;
	}
	for (int cpu = 0; cpu < ncpus; cpu++)
		vals[(size_t)cpu * stride + (size_t)slot] = 1;
	if (bpf_map_update_elem(fd, &key, vals, BPF_ANY)) {
		fprintf(stderr, "guard_raise: write: %s\n", strerror(errno));
		return 1;
	}
	printf("guard_raise: slot %s raised on %d CPUs\n", argv[1], ncpus);
	return 0;
}
