#!/bin/bash
# bench-debug.sh - `make bench-vm-debug`: on the CONFIG_DMA_API_DEBUG kernel
# (debug-kernel.sh), vdmac's map+unmap benchmark with dma-debug off
# (dma_debug=off), dma-debug on, dmascope on (dmatrace record) and both;
# one boot with dma-debug off, one with it on.  ns per pair and ratios to
# stdout and $BUILD/bench/vm-debug-bench.txt.
set -u -o pipefail
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$BUILD/bench"
log=$BUILD/bench/vm-debug-bench.log
out=$BUILD/bench/vm-debug-bench.txt
# bench-guest.sh's helpers, as tests/vm/bench.sh extracts them
mkdir -p "$BUILD/bench/debug"
fns=$BUILD/bench/debug/bench-fns.sh
{
	echo "D=/sys/kernel/debug/vdmac"
	echo "ITER=${BENCH_ITER:-200000}"
	echo "RUNS=${BENCH_RUNS:-3}"
	sed -n '/^one() {/,/^}/p; /^median()/p; /^runs() {/,/^}/p' "$here/bench-guest.sh"
} >"$fns"
kinfo=$("$here/debug-kernel.sh" kmod) || exit 1
export VDMAC_KO VM_KERNEL=debug VM_TIMEOUT=${VM_TIMEOUT:-900}
VDMAC_KO=$(echo "$kinfo" | sed -n 's/^vdmac //p')
: >"$log"
for cmdline in dma_debug=off ""; do
	FILES="$here/bench-debug-guest.sh $fns" \
		CMD=". /extra/bench-debug-guest.sh" \
		VM_CMDLINE="$cmdline" "$here/vm.sh" run >>"$log" 2>&1
done
grep '^bench: ' "$log" | sed 's/^bench: //' >"$out"
val() { tr ' ' '\n' <"$out" | sed -n "s/^$1=//p" | head -n 1; }
off=$(val dma_debug_off_untraced_ns)
on=$(val dma_debug_on_untraced_ns)
scope=$(val dma_debug_off_traced_ns)
both=$(val dma_debug_on_traced_ns)
ratio() { awk -v a="$1" -v b="$off" 'BEGIN { printf "%.2f", a / b }'; }
echo "dma-debug beside dmascope (QEMU TCG, the vm-debug kernel, vdmac map+unmap of 4 KiB, median of ${BENCH_RUNS:-3} x ${BENCH_ITER:-200000}):"
if [ -z "$off" ] || [ -z "$on" ] || [ -z "$scope" ] || [ -z "$both" ]; then
	echo "  no figures: see $log"
	exit 1
fi
echo "  dma-debug off, untraced   ${off} ns per pair"
echo "  dma-debug on              ${on} ns  ratio $(ratio "$on")"
echo "  dmascope on (record)      ${scope} ns  ratio $(ratio "$scope")"
echo "  both                      ${both} ns  ratio $(ratio "$both")"
grep -o 'dma_debug_[a-z]*_traced_ns=[0-9]* events=[0-9]* lost=[0-9]*' "$out" | sed 's/_ns=[0-9]*//; s/^/  recorded /'
echo "figures: $out"
