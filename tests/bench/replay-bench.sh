#!/bin/bash
# replay-bench.sh BUILD - the replay benchmarks: events per second that
# `dmatrace replay` analyses on one CPU, memory per outstanding mapping
# tracked, and file bytes per event with and without compression.  Prints
# a table for the README, with the targets (REPLAY_TARGET_MEPS events/s on
# one CPU, at most MAP_TARGET_BYTES per outstanding mapping) and each
# figure's ratio to its target.  Recordings come from dmatgen --synthetic.
#
# Environment: BENCH_EVENTS (default 10000000), BENCH_OUTSTANDING (default
# 1000000), BENCH_RUNS (default 3: the best and the median are reported;
# on a shared machine the best is the one that saw the CPU to itself),
# BENCH_CPU (default 0), BENCH_DIR (scratch; default a temporary directory).
set -eu -o pipefail
BUILD=${1:-build}
DMATRACE=$BUILD/dmatrace
DMATGEN=$BUILD/dmatgen
EVENTS=${BENCH_EVENTS:-10000000}
OUTSTANDING=${BENCH_OUTSTANDING:-1000000}
RUNS=${BENCH_RUNS:-3}
CPU=${BENCH_CPU:-0}
REPLAY_TARGET_MEPS=25 # M events/s, one CPU, the synthetic 10 M-event recording
MAP_TARGET_BYTES=64   # userspace bytes per outstanding mapping

for tool in /usr/bin/time taskset; do
	command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install time util-linux)" >&2; exit 2; }
done
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dmascope-bench.XXXXXX")}
mkdir -p "$dir"
trap 'rm -f "$dir"/*.dmat "$dir"/r.time "$dir"/r.err; [ -n "${BENCH_DIR:-}" ] || rmdir "$dir"' EXIT

gen() { # gen FILE ARGS...: prints the number of events written
	local f=$1
	shift
	"$DMATGEN" -o "$f" "$@" 2>&1 >/dev/null | sed -nE 's/^dmatgen: ([0-9]+) events.*/\1/p'
}

# run_replay FILE: one pinned replay; prints "wall user sys maxrss_kib"
run_replay() {
	taskset -c "$CPU" /usr/bin/time -f '%e %U %S %M' -o "$dir/r.time" \
		"$DMATRACE" replay -q --no-stats "$1" >/dev/null 2>"$dir/r.err" || {
		local rc=$?
		# exit 1 only means findings were reported
		[ "$rc" = 1 ] || { echo "bench: replay failed ($rc): $(cat "$dir/r.err")" >&2; exit 2; }
	}
	# time(1) puts "Command exited with non-zero status" first
	tail -n 1 "$dir/r.time"
}

# median_replay FILE: BENCH_RUNS runs; prints "wall cpu maxrss" of the
# median wall, then the best wall and the best CPU time
median_replay() {
	local i
	for i in $(seq "$RUNS"); do
		run_replay "$1"
	done | awk '{ print $1, $2 + $3, $4 }' | sort -n |
		awk -v n="$RUNS" '{ a[NR] = $0; split($0, f, " ")
			if (NR == 1 || f[2] < bc) bc = f[2] }
			END { split(a[1], b, " ")
				print a[int((n + 1) / 2)], b[1], bc }'
}

echo "generating $EVENTS synthetic events ..."
n=$(gen "$dir/big.dmat" --synthetic "$EVENTS")
nz=$(gen "$dir/big-z.dmat" --synthetic "$EVENTS" --compress)
bytes=$(stat -c %s "$dir/big.dmat")
zbytes=$(stat -c %s "$dir/big-z.dmat")

echo "replaying on CPU $CPU, $RUNS runs each ..."
read -r wall cpu rss bwall bcpu < <(median_replay "$dir/big.dmat")
read -r zwall zcpu zrss _ _ < <(median_replay "$dir/big-z.dmat")
rm -f "$dir/big.dmat" "$dir/big-z.dmat"

echo "memory with $OUTSTANDING outstanding mappings ..."
# The same number of events both times; only what stays mapped differs.
mevents=$((OUTSTANDING + OUTSTANDING / 10))
gen "$dir/base.dmat" --synthetic "$mevents" --outstanding 100 >/dev/null
gen "$dir/held.dmat" --synthetic "$mevents" --outstanding "$OUTSTANDING" >/dev/null
read -r _ _ base_rss < <(RUNS=1 median_replay "$dir/base.dmat")
read -r _ _ held_rss < <(RUNS=1 median_replay "$dir/held.dmat")
# the engine's own count of its heap (replay -v), for the same two runs
heap() {
	"$DMATRACE" replay -v -q --no-stats "$1" 2>&1 >/dev/null |
		sed -nE 's/.*engine holds ([0-9]+) bytes.*/\1/p' || true
}
base_heap=$(heap "$dir/base.dmat")
held_heap=$(heap "$dir/held.dmat")

awk -v n="$n" -v nz="$nz" -v wall="$wall" -v cpu="$cpu" -v rss="$rss" \
	-v zwall="$zwall" -v zcpu="$zcpu" -v bytes="$bytes" -v zbytes="$zbytes" \
	-v base="$base_rss" -v held="$held_rss" -v out="$OUTSTANDING" -v c="$CPU" \
	-v bheap="${base_heap:-0}" -v hheap="${held_heap:-0}" \
	-v bwall="$bwall" -v bcpu="$bcpu" -v runs="$RUNS" \
	-v tmeps="$REPLAY_TARGET_MEPS" -v tbytes="$MAP_TARGET_BYTES" '
function rate(ev, s) { return s > 0 ? sprintf("%.2f M/s", ev / s / 1e6) : "n/a" }
# against a rate to reach: above 1 is met
function vs_rate(ev, s) {
	return s > 0 ? sprintf("%.2f M/s (%.2f x the %d M/s target)", ev / s / 1e6,
		ev / s / 1e6 / tmeps, tmeps) : "n/a"
}
# against a bound to stay under: 1 or below is met
function vs_bytes(b) {
	return sprintf("%.0f B (%.2f x the %d B bound)", b, b / tbytes, tbytes)
}
BEGIN {
	printf "\n%-56s %s\n", "dmatrace replay benchmark", "value"
	printf "%-56s %s\n", "recording (dmatgen --synthetic)", sprintf("%d events", n)
	printf "%-56s %s\n", "replay events/s, best wall of " runs ", 1 CPU (taskset -c " c ")", vs_rate(n, bwall)
	printf "%-56s %s\n", "replay events/s, best CPU time (user+sys)", vs_rate(n, bcpu)
	printf "%-56s %s\n", "replay events/s, median wall / its CPU time",
		rate(n, wall) " / " rate(n, cpu)
	printf "%-56s %s\n", "replay events/s, zstd recording, wall", rate(nz, zwall)
	printf "%-56s %s\n", "replay events/s, zstd recording, CPU time", rate(nz, zcpu)
	printf "%-56s %s\n", "replay wall time / max RSS", sprintf("%.2f s / %.1f MiB", wall, rss / 1024)
	printf "%-56s %s\n", "bytes per outstanding mapping (RSS delta / " out ")",
		vs_bytes((held - base) * 1024 / out)
	printf "%-56s %s\n", "  max RSS: " out " outstanding / baseline",
		sprintf("%.1f MiB / %.1f MiB", held / 1024, base / 1024)
	printf "%-56s %s\n", "engine heap per outstanding mapping (replay -v)",
		vs_bytes((hheap - bheap) / out)
	printf "%-56s %s\n", "file bytes per event, uncompressed", sprintf("%.1f", bytes / n)
	printf "%-56s %s\n", "file bytes per event, zstd", sprintf("%.1f", zbytes / nz)
}'
