#!/bin/bash
# bench-ftrace.sh - `make bench`, the tracefs source's part: in one boot,
# vdmac's map+unmap benchmark untraced, under the BPF source and under the
# tracefs source (ns per pair, events per second, events lost).  The default
# kernel is the test VM's (6.1: kprobe events); VM_KERNEL=SUITE with
# VDMAC_KO built for it (the vm-kernels tier's build/kmod-RELEASE) measures
# a kernel with dma:* tracepoints.  Figures go to stdout and
# $BUILD/bench/vm-bench-ftrace.txt.
set -u -o pipefail
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$BUILD/bench"
fns=$BUILD/bench/bench-ftrace-fns.sh
{
	echo "D=/sys/kernel/debug/vdmac"
	echo "ITER=${BENCH_ITER:-200000}"
	echo "RUNS=${BENCH_RUNS:-3}"
	# the benchmark's helpers: bench-guest.sh's
	sed -n '/^one() {/,/^}/p; /^median()/p; /^runs() {/,/^}/p' "$here/bench-guest.sh"
} >"$fns"
log=$BUILD/bench/vm-bench-ftrace.log
out=$BUILD/bench/vm-bench-ftrace.txt
FILES="$here/bench-ftrace-guest.sh $fns" \
	CMD="cp /extra/bench-ftrace-fns.sh /tmp/bench-fns.sh && . /extra/bench-ftrace-guest.sh" \
	VM_TIMEOUT=${VM_TIMEOUT:-1800} "$here/vm.sh" run | tee "$log"
grep '^bench-ftrace: ' "$log" | sed 's/^bench-ftrace: //' >"$out"
val() { tr ' ' '\n' <"$out" | sed -n "s/^$1=//p" | head -n 1; }
u=$(val untraced_ns)
echo
echo "tracefs source against BPF (QEMU TCG, $(val kernel), vdmac map+unmap of 4 KiB, median of ${BENCH_RUNS:-3} x ${BENCH_ITER:-200000}, no stacks unless said):"
if [ -z "$u" ] || [ "$u" -le 0 ]; then
	echo "  no figures: see $log"
	exit 1
fi
printf '  %-22s %8s ns per pair\n' untraced "$u"
for m in bpf ftrace ftrace-stacks; do
	line=$(grep "^${m}_ns=" "$out")
	t=$(val "${m}_ns")
	[ -n "$t" ] || { echo "  $m: no figure (see $log)"; continue; }
	set -- $line
	printf '  %-22s %8s ns per pair  ratio %s  %s events/s  %s %s\n' "$m" "$t" \
		"$(awk -v a="$t" -v b="$u" 'BEGIN { printf "%.2f", a / b }')" \
		"$(val "${m}_events_per_s")" "$2" "$3"
done
echo "figures: $out"
