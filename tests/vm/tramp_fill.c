// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * tramp_fill.c - fills a kernel function's BPF trampoline: attaches empty
 * fentry programs to FUNCTION until the kernel refuses one more (E2BIG:
 * BPF_MAX_TRAMP_LINKS), prints how many it holds and keeps them until
 * killed.  The guest case trace_fentry_refused uses it to make the
 * tracer's fentry test link fail after its programs loaded.
 *
 * usage: tramp_fill FUNCTION
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

int main(int argc, char **argv)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct btf *btf;
	int id, n = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: tramp_fill FUNCTION\n");
		return 2;
	}
	btf = btf__load_vmlinux_btf();
	id = btf ? btf__find_by_name_kind(btf, argv[1], BTF_KIND_FUNC) : -1;
	btf__free(btf);
	if (id < 0) {
		fprintf(stderr, "tramp_fill: %s is not in the kernel's BTF\n",
			argv[1]);
		return 1;
	}
	for (;;) {
		LIBBPF_OPTS(bpf_prog_load_opts, o,
			    .expected_attach_type = BPF_TRACE_FENTRY,
			    .attach_btf_id = (__u32)id);
		int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "fill", "GPL",
				       insns, 2, &o);

		if (fd < 0) {
			fprintf(stderr, "tramp_fill: load: %s\n",
				strerror(errno));
			return 1;
		}
		if (bpf_raw_tracepoint_open(NULL, fd) < 0) {
			int e = errno;

			close(fd);
			printf("tramp_fill: %s holds %d links; one more: %s\n",
			       argv[1], n, strerror(e));
			fflush(stdout);
			if (e != E2BIG)
				return 1;
			break;
		}
		/* the link holds the program */
		close(fd);
		n++;
	}
	for (;;)
		pause();
}
