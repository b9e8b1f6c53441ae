#!/bin/bash
# bench.sh - `make bench`, VM part: in one boot, vdmac's map+unmap benchmark
# untraced, under the bare floor program (tests/bench/floor.bpf.c) and traced
# in each mode and with each hot-path part off (ns per pair, ratios to
# untraced and to the floor), events per second
# recorded with zero loss, and the time from command start to tracing
# active.  Figures go to stdout and $BUILD/bench/vm-bench[-SUITE].txt.
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
	echo "MODES=\"${BENCH_MODES:-}\""
	echo "PAIRS=${BENCH_PAIRS:-3}"
	echo "PAIR_MODES=\"${BENCH_PAIR_MODES:-floor stacks}\""
	cat "$fns"
} >"$fns.tmp" && mv "$fns.tmp" "$fns"
# VM_KERNEL=SUITE (and that kernel's VDMAC_KO): another suite's kernel,
# figures in vm-bench-SUITE.txt; BENCH_MODES narrows the traced modes
out=$BUILD/bench/vm-bench${VM_KERNEL:+-$VM_KERNEL}.txt
FILES="$here/bench-guest.sh $fns" \
	CMD="cp /extra/bench-fns.sh /tmp/ && . /extra/bench-guest.sh" \
	VM_TIMEOUT=${VM_TIMEOUT:-900} "$here/vm.sh" run | tee "${out%.txt}.log"
grep '^bench: ' "${out%.txt}.log" | sed 's/^bench: //' >"$out"
val() { tr ' ' '\n' <"$out" | sed -n "s/^$1=//p" | head -n 1; }
u=$(val untraced_ns)
f=$(val floor_ns)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
# row LABEL NS [REST]: ns per pair, ratio to untraced, ratio to the floor
row() {
	[ -n "$2" ] || return 0
	printf '  %-34s %7s ns  %6sx untraced  %5sx floor  %s\n' "$1" "$2" \
		"$(ratio "$2" "$u")" "$(ratio "$2" "${f:-0}")" "${3:-}"
}
lost_of() { grep -o "^$1_ns=[0-9]* events=[0-9]* lost=[0-9]*" "$out" | sed 's/.* events=/events=/'; }
echo
kern=$(grep -o '^untraced_ns=[0-9]* kernel=[^ ]*' "$out" | sed 's/.*kernel=//')
case ${VM_ACCEL:-tcg} in kvm) accel=KVM ;; *) accel=TCG ;; esac
echo "VM benchmark (QEMU $accel, kernel ${kern:-?}, vdmac map+unmap of 4 KiB, median of ${BENCH_RUNS:-3} x ${BENCH_ITER:-200000}):"
if [ -z "$u" ] || [ "$u" -le 0 ]; then
	echo "  no figures: see ${out%.txt}.log"
	exit 1
fi
row untraced "$u"
row "floor (bare fexit+fentry, ring)" "$f" "$(grep -o '^floor_ns=.*' "$out" | sed 's/^floor_ns=[0-9]* //')"
row "dmatrace record (default stacks)" "$(val traced_stacks_ns)" "$(lost_of traced_stacks)"
row "  --no-stacks" "$(val traced_no-stacks_ns)" "$(lost_of traced_no-stacks)"
row "  --all-stacks" "$(val traced_all-stacks_ns)" "$(lost_of traced_all-stacks)"
row "  --kprobes" "$(val traced_kprobes_ns)" "$(lost_of traced_kprobes)"
echo "  kernel side alone (reader stopped, 128 MiB ring):"
row "  default stacks" "$(val traced_stacks-kernel_ns)" "$(lost_of traced_stacks-kernel)"
row "  --no-stacks" "$(val traced_no-stacks-kernel_ns)" "$(lost_of traced_no-stacks-kernel)"
row "  --kprobes" "$(val traced_kprobes-kernel_ns)" "$(lost_of traced_kprobes-kernel)"
echo "  kernel side, default stacks, with one part of the hot path off (DMASCOPE_BENCH_OFF):"
for p in stack device clock filters counters wakeup phys all; do
	row "  off: $p" "$(val "traced_off-${p}_ns")" "$(lost_of "traced_off-$p")"
done
if grep -q '^paired_' "$out"; then
	echo "  side by side, ${BENCH_PAIRS:-3} rounds of each mode in turn (median over the rounds of time / the same round's floor; each round's ratio; ns):"
	grep -o '^paired_[a-z0-9-]*_ratio=.*' "$out" | while read -r l; do
		m=${l#paired_}
		m=${m%%_ratio=*}
		printf '  %-34s %6sx floor  (%s; %s ns)\n' "$m" "$(val "paired_${m}_ratio")" \
			"$(val "paired_${m}_ratios")" "$(val "paired_${m}_ns")"
	done
fi
grep -o 'traced_[a-z0-9-]*_events_per_s=[0-9]*' "$out" | sed 's/^/  /'
if grep -q '_reader_cpu_meps=' "$out"; then
	echo "  the reader (dmatrace -v): M events per CPU-second of its thread / per second while busy; kernel-side modes: the ring filled while it was stopped, drained alone (its busy time then includes waiting for kallsyms, which the stop held up too):"
	grep -o 'traced_[a-z0-9-]*_reader_events=[0-9]*' "$out" | while read -r l; do
		m=${l#traced_}
		m=${m%%_reader_events=*}
		c=$(val "traced_${m}_reader_cpu_meps")
		# alone (a drain), its CPU rate is what it can sustain; live, it
		# reads what the benchmark offers
		t=""
		case $m in *-kernel) t="; $(ratio "$c" 1)x the 1 M/s target" ;; esac
		printf '  %-34s %5s / %5s M events/s  (%s events%s)\n' "$m" "$c" \
			"$(val "traced_${m}_reader_busy_meps")" "${l##*=}" "$t"
	done
fi
grep -o 'traced_[a-z0-9-]*_ns=.*full_unwinds=[0-9]*' "$out" | sed 's/_ns=[0-9]* .*full_unwinds=/: full stack unwinds /; s/^/  /'
fa=$(grep -o '^floor_ns=.*' "$out" | sed -n 's/.*attach_ms=//p')
echo "  tracing active $(val active_ms) ms after dmatrace started, median of ${BENCH_RUNS:-3} ($(val loaders) loaders; the last run: $(val probe_ms) ms probe, $(val maps_ms) ms maps, $(val load_ms) ms load and attach); with one loader $(val active_one_loader_ms) ms ($(ratio "$(val active_ms)" "$(val active_one_loader_ms)")x; each run, default/one: $(val active_runs)); the floor program's loader: ${fa:-?} ms"
echo "figures: $out"
