/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * frames.bpf.h - reading a fentry/fexit trampoline's frame: the DMA API
 * call site in the driver without an unwind.  The frame's layout and the
 * distance of a return address from its function are arch details, in
 * compat.bpf.h.  Part of dmascope.bpf.c.
 */
#ifndef DMASCOPE_FRAMES_BPF_H
#define DMASCOPE_FRAMES_BPF_H

#include "../cli/event.h"
#include "compat.bpf.h"

/*
 * The DMA API call site seen by a fentry/fexit program, from its
 * trampoline's frame, with one probe read and no unwind.  Above the
 * arguments the trampoline keeps for us (ctx) lie, in this order, the
 * return value (fexit), the saved frame pointer, the return address into
 * the traced function (DMAS_TRAMP_RET_MAX at most past its address, which
 * bpf_get_func_ip gives) and the return address into the function's
 * caller: that last one is the call site.  A trampoline that calls the
 * function is jumped to, not called, in the kernel's "jmp" mode, where
 * BPF_TRAMP_F_SKIP_FRAME is not set (the series "bpf,x86: adjust the
 * "jmp" mode for bpf trampoline", late 2025: in 7.3, not 6.12): no
 * return address into the function; the call site lies right above the
 * return value and the saved frame pointer, the arguments' count
 * (bpf_get_func_arg_cnt) plus two words past ctx, and is taken only where
 * the call instruction before it calls the traced function.  0 when
 * neither layout is found, so another one is never misread (the short
 * unwind keys the cache then).
 */
#define TRAMP_SCAN_WORDS 12

static __always_inline __u64 tramp_call_site(void *ctx, struct dmas_event *e)
{
	volatile __u64 *slot = (volatile __u64 *)&e->addr;
	__u64 w[TRAMP_SCAN_WORDS], ip = bpf_get_func_ip(ctx), c, site = 0;

	c = launder(slot, ctx);
	*slot = 0;
	if (!ip || bpf_probe_read_kernel(w, sizeof(w), (void *)c))
		return 0;
	for (int i = 1; i < TRAMP_SCAN_WORDS - 1; i++) {
		if (w[i] > ip && w[i] - ip <= DMAS_TRAMP_RET_MAX) {
			site = w[i + 1];
			break;
		}
	}
	/* the helper came in 5.17, "jmp" mode long after */
	if (!site && bpf_core_enum_value_exists(enum bpf_func_id,
						BPF_FUNC_get_func_arg_cnt)) {
		__u64 jmp = bpf_get_func_arg_cnt(ctx) + 2;

		barrier_var(jmp);
		if (jmp < TRAMP_SCAN_WORDS && dmas_returns_from(w[jmp], ip))
			site = w[jmp];
	}
	/* a kernel text address or nothing */
	return kernel_half_addr(site) ? site : 0;
}

#endif /* DMASCOPE_FRAMES_BPF_H */
