#!/bin/bash
# import-bench.sh BUILD - how fast `dmatrace replay` imports recordings made
# by other tools: events per second of CPU time (user+sys, one CPU) for a
# trace-cmd trace.dat and a perf.data, beside the same engine on a .dmat.
# The inputs are the cli tier's fixtures (tests/cli/data/: vdmac scenarios
# recorded in the test VM) grown by tests/bench/import-grow.py to about
# IMPORT_EVENTS events (default 200000), so each file holds real records of
# its tool, repeated and shifted in time.
#
# Environment: IMPORT_EVENTS, BENCH_RUNS (default 3: the best CPU time is
# reported), BENCH_CPU (default 0), BENCH_DIR (scratch; default a temporary
# directory).
set -eu -o pipefail
BUILD=${1:-build}
DMATRACE=$BUILD/dmatrace
EVENTS=${IMPORT_EVENTS:-200000}
RUNS=${BENCH_RUNS:-3}
CPU=${BENCH_CPU:-0}
here=$(cd "$(dirname "$0")" && pwd)
data=$here/../cli/data

for tool in /usr/bin/time taskset python3 jq trace-cmd; do
	command -v $tool >/dev/null || { echo "bench: $tool is missing (scripts/install-deps.sh test)" >&2; exit 2; }
done
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dmascope-import.XXXXXX")}
mkdir -p "$dir"
trap 'rm -f "$dir"/small.* "$dir"/big.* "$dir"/r.time "$dir"/r.err; [ -n "${BENCH_DIR:-}" ] || rmdir "$dir"' EXIT

# cpu_of FILE: the best CPU seconds of BENCH_RUNS pinned replays
cpu_of() {
	local i
	for i in $(seq "$RUNS"); do
		taskset -c "$CPU" /usr/bin/time -f '%U %S' -o "$dir/r.time" \
			"$DMATRACE" replay -q --no-stats "$1" >/dev/null 2>"$dir/r.err" || {
			local rc=$?
			[ "$rc" = 1 ] || { echo "bench: replay of $1 failed ($rc): $(cat "$dir/r.err")" >&2; exit 2; }
		}
		tail -n 1 "$dir/r.time" | awk '{ print $1 + $2 }'
	done | sort -g | head -n 1
}

# row NAME SMALL: grow SMALL to about EVENTS events, replay it, print a row
row() {
	local name=$1 small=$2 n copies big events cpu bytes
	n=$("$DMATRACE" replay --json "$small" 2>/dev/null | jq .events) || true
	[ "${n:-0}" -gt 0 ] || { echo "bench: $small has no events" >&2; exit 2; }
	copies=$(((EVENTS + n - 1) / n))
	big=$dir/big.$name
	python3 "$here/import-grow.py" "$small" "$big" "$copies"
	events=$("$DMATRACE" replay --json "$big" 2>/dev/null | jq .events) || true
	[ "$events" = $((n * copies)) ] || { echo "bench: $big holds $events events, $((n * copies)) expected" >&2; exit 2; }
	cpu=$(cpu_of "$big")
	bytes=$(stat -c %s "$big")
	awk -v name="$name" -v e="$events" -v c="$cpu" -v b="$bytes" 'BEGIN {
		rate = (c > 0) ? sprintf("%.2f M/s", e / c / 1e6) : "(below the clock)"
		printf "| %s | %d | %.0f | %.2f | %s |\n", name, e, b / e, c, rate }'
}

trace-cmd convert -i "$data/vdmac-6.12.dat" --file-version 6 --compression none \
	-o "$dir/small.dat" >/dev/null 2>&1 || { echo "bench: trace-cmd convert failed" >&2; exit 2; }
echo "Import (replay -q --no-stats, CPU $CPU, best CPU time of $RUNS runs):"
echo
echo "| input | events | bytes/event | CPU s | events/s |"
echo "|---|---|---|---|---|"
row trace.dat "$dir/small.dat"
row perf.data "$data/vdmac-6.1.perf"
