// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ksyms.bpf.c - a kernel symbol's address, asked of the kernel itself
 * (bpf_kallsyms_lookup_name, 5.16+), for the live source's probe step: the
 * few names it needs, one run each, instead of reading and parsing all of
 * /proc/kallsyms before tracing starts.  User space writes the name
 * (NUL-padded, its last byte NUL) and runs the program; addr and err are
 * the answer.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define KSYM_NAME_LEN 128

char ksym_name[KSYM_NAME_LEN];
__u64 ksym_addr;
long ksym_err;

SEC("syscall")
int ksym_lookup(void *ctx)
{
	ksym_err = bpf_kallsyms_lookup_name(ksym_name, sizeof(ksym_name), 0,
					    &ksym_addr);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
