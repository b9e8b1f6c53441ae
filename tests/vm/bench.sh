#!/bin/bash
# bench.sh - `make bench`, VM part: in one boot, vdmac's map+unmap benchmark
# untraced and traced (ns per pair and the ratio), events per second
# recorded with zero loss, and the time from command start to tracing
# active.  Figures go to stdout and $BUILD/bench/vm-bench.txt.
set -u -o pipefail
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$BUILD/bench"
# the benchmark's helpers, sourced by the traced runs too
fns=$BUILD/bench/bench-fns.sh
sed -n '/^one() {/,/^}/p; /^median()/p; /^runs() {/,/^}/p' "$here/bench-guest.sh" >"$fns"
{
	echo "D=/sys/kernel/debug/vdmac"
	echo "ITER=${BENCH_ITER:-200000}"
	echo "RUNS=${BENCH_RUNS:-3}"
	cat "$fns"
} >"$fns.tmp" && mv "$fns.tmp" "$fns"
out=$BUILD/bench/vm-bench.txt
FILES="$here/bench-guest.sh $fns" \
	CMD="cp /extra/bench-fns.sh /tmp/ && . /extra/bench-guest.sh" \
	VM_TIMEOUT=${VM_TIMEOUT:-900} "$here/vm.sh" run | tee "$BUILD/bench/vm-bench.log"
grep '^bench: ' "$BUILD/bench/vm-bench.log" | sed 's/^bench: //' >"$out"
val() { tr ' ' '\n' <"$out" | sed -n "s/^$1=//p" | head -n 1; }
u=$(val untraced_ns)
ts=$(val traced_stacks_ns)
tn=$(val traced_no-stacks_ns)
tk=$(val traced_stacks-kernel_ns)
tnk=$(val traced_no-stacks-kernel_ns)
ta=$(val traced_all-stacks_ns)
echo
echo "VM benchmark (QEMU TCG, Debian 6.1 guest, vdmac map+unmap of 4 KiB, median of ${BENCH_RUNS:-3} x ${BENCH_ITER:-200000}):"
if [ -n "$u" ] && [ "$u" -gt 0 ]; then
	echo "  untraced                 ${u} ns per map+unmap"
	[ -n "$ta" ] && echo "  traced (--all-stacks)    ${ta} ns  ratio $(awk -v a="$ta" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
	[ -n "$ts" ] && echo "  traced (default stacks)  ${ts} ns  ratio $(awk -v a="$ts" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
	[ -n "$tn" ] && echo "  traced (--no-stacks)     ${tn} ns  ratio $(awk -v a="$tn" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
	echo "  kernel side alone (reader stopped, 128 MiB ring):"
	[ -n "$tk" ] && echo "  traced (default stacks)  ${tk} ns  ratio $(awk -v a="$tk" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
	[ -n "$tnk" ] && echo "  traced (--no-stacks)     ${tnk} ns  ratio $(awk -v a="$tnk" -v b="$u" 'BEGIN { printf "%.2f", a / b }')"
else
	echo "  no figures: see $BUILD/bench/vm-bench.log"
	exit 1
fi
grep -o 'traced_[a-z0-9-]*_events_per_s=[0-9]*' "$out" | sed 's/^/  /'
grep -o 'traced_[a-z0-9-]*_ns=[0-9]* events=[0-9]* lost=[0-9]*' "$out" | sed 's/_ns=[0-9]*//; s/^/  recorded /'
grep -o 'traced_[a-z0-9-]*_ns=.*full_unwinds=[0-9]*' "$out" | sed 's/_ns=[0-9]* .*full_unwinds=/: full stack unwinds /; s/^/  /'
echo "  tracing active $(val attach_ms) ms after dmatrace started"
echo "figures: $out"
