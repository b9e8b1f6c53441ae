// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_kaddr.c - kernel symbols' addresses for the probe step, asked of
 * the kernel itself (bpf/ksyms.bpf.c: bpf_kallsyms_lookup_name from a
 * syscall program, 5.16+), one run per name.  The probe step asks about a
 * hundred names; reading and parsing all of /proc/kallsyms for them took
 * a good part of the time to tracing active in the emulated VM, and is now
 * left until tracing is active (stacks need it, nothing before).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksyms.skel.h"
#include "source/live_bpf.h"

struct live_kaddr {
	struct ksyms_bpf *skel;
	int fd;
};

uint64_t live_kaddr(struct live_kaddr *ka, const char *name)
{
	LIBBPF_OPTS(bpf_test_run_opts, run);
	struct ksyms_bpf__bss *bss = ka->skel->bss;
	size_t n = strlen(name);

	/* the last byte stays NUL: the helper checks it */
	if (n >= sizeof(bss->ksym_name))
		return 0;
	memset(bss->ksym_name, 0, sizeof(bss->ksym_name));
	memcpy(bss->ksym_name, name, n);
	bss->ksym_addr = 0;
	bss->ksym_err = -ENOENT;
	if (bpf_prog_test_run_opts(ka->fd, &run) || bss->ksym_err)
		return 0;
	return bss->ksym_addr;
}

struct live_kaddr *live_kaddr_open(char *why, size_t len)
{
	struct live_kaddr *ka = calloc(1, sizeof(*ka));

	if (!ka) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	ka->skel = ksyms_bpf__open_and_load();
	if (!ka->skel) {
		snprintf(why, len, "its program did not load: %s",
			 strerror(errno));
		free(ka);
		return NULL;
	}
	ka->fd = bpf_program__fd(ka->skel->progs.ksym_lookup);
	/* every kernel has _stext: no answer means the lookup does not work */
	if (!live_kaddr(ka, "_stext")) {
		snprintf(why, len, "it found no _stext");
		live_kaddr_close(ka);
		return NULL;
	}
	return ka;
}

void live_kaddr_close(struct live_kaddr *ka)
{
	if (!ka)
		return;
	ksyms_bpf__destroy(ka->skel);
	free(ka);
}
