// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * live_errors.c - what the live BPF source says when tracing cannot start:
 * each message names the cause and what to do about it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "source/live_bpf.h"

/*
 * The program the capabilities must be given to: dmatrace or dmatop,
 * whichever is running (setcap wants its path).
 */
static const char *self_path(void)
{
	static char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);

	if (n <= 0)
		return program_invocation_short_name;
	path[n] = '\0';
	return path;
}

void live_err_no_btf(char *err, size_t errlen)
{
	snprintf(
		err, errlen,
		"the kernel has no BTF (/sys/kernel/btf/vmlinux): dmatrace needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
}

void live_err_ksyms_hidden(char *err, size_t errlen)
{
	snprintf(
		err, errlen,
		"not permitted: run %s as root, or give it CAP_BPF, CAP_PERFMON and CAP_SYSLOG (setcap cap_bpf,cap_perfmon,cap_syslog+ep %s); kernel addresses in /proc/kallsyms are hidden from this user",
		program_invocation_short_name, self_path());
}

/* The kernel's lockdown mode when it forbids BPF tracing, else NULL. */
static const char *lockdown_mode(void)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char lock[128] = "";

	if (f) {
		if (!fgets(lock, sizeof(lock), f))
			lock[0] = 0;
		fclose(f);
	}
	if (strstr(lock, "[confidentiality]"))
		return "confidentiality";
	if (strstr(lock, "[integrity]"))
		return "integrity";
	return NULL;
}

void live_err_load(int e, char *err, size_t errlen)
{
	const char *lock = lockdown_mode();

	if (lock) {
		snprintf(
			err, errlen,
			"the kernel is locked down (%s): BPF tracing is not allowed; boot with lockdown=none or without Secure Boot lockdown",
			lock);
		return;
	}
	if (e == EPERM || e == EACCES) {
		if (geteuid() != 0)
			snprintf(
				err, errlen,
				"permission denied loading BPF: run as root, or give %s CAP_BPF, CAP_PERFMON and CAP_SYSLOG (setcap cap_bpf,cap_perfmon,cap_syslog+ep %s)",
				program_invocation_short_name, self_path());
		else
			snprintf(
				err, errlen,
				"permission denied loading BPF as root: the memlock limit may be too low (ulimit -l unlimited) or BPF is disabled (kernel.unprivileged_bpf_disabled, a security module)");
		return;
	}
	snprintf(
		err, errlen,
		"loading the BPF programs failed: %s (run with -v -v for the verifier log)",
		strerror(e));
}

void live_err_no_hook(const char *fentry_why, char *err, size_t errlen)
{
	snprintf(
		err, errlen,
		"no supported DMA hook in this kernel: it has neither the dma:* tracepoints nor fentry or kprobes on the DMA API (%s)",
		fentry_why);
}

void live_err_none_attached(char *err, size_t errlen)
{
	snprintf(
		err, errlen,
		"no DMA API hook could be attached in this kernel (run with -v to see why for each function)");
}
