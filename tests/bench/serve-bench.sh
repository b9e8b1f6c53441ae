#!/bin/bash
# serve-bench.sh BUILD - the metrics endpoint's benchmarks: scrape latency,
# exposition size and the endpoint's CPU per scrape with 1,000 devices'
# series, and the events per second dmatrace serve analyses with no
# scraper, one scrape a second, and ten a second.  Prints a table for the
# README.  Recordings come from dmatgen --synthetic; everything on
# 127.0.0.1.
#
# Environment: BENCH_EVENTS (default 4000000), BENCH_DEVICES (default
# 1000), BENCH_SCRAPES (default 30), BENCH_DIR (scratch; default a
# temporary directory).
set -eu -o pipefail
BUILD=${1:-build}
DMATRACE=$BUILD/dmatrace
DMATGEN=$BUILD/dmatgen
EVENTS=${BENCH_EVENTS:-4000000}
DEVICES=${BENCH_DEVICES:-1000}
SCRAPES=${BENCH_SCRAPES:-30}
command -v curl >/dev/null || { echo "bench: curl is missing (scripts/install-deps.sh test)" >&2; exit 2; }
dir=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/dmascope-sbench.XXXXXX")}
mkdir -p "$dir"
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -f "$dir"/*.dmat "$dir"/*.err "$dir"/*.txt
	[ -n "${BENCH_DIR:-}" ] || rmdir "$dir"
}
trap cleanup EXIT
now() { date +%s.%N; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; } # utime + stime

# start ARGS...: dmatrace serve on a port of its choosing; sets pid, addr
start() {
	"$DMATRACE" serve --listen 127.0.0.1:0 "$@" 2>"$dir/s.err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q 'serving http://' "$dir/s.err" && break
		sleep 0.05
	done
	addr=$(sed -n 's|.*serving http://\(.*\)/metrics|\1|p' "$dir/s.err")
	[ -n "$addr" ] || { echo "bench: serve did not start: $(cat "$dir/s.err")" >&2; exit 2; }
}
stop() {
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=
}
wait_end() {
	until grep -q 'end of' "$dir/s.err"; do sleep 0.01; done
}

"$DMATGEN" -o "$dir/many.dmat" --synthetic 200000 --devices "$DEVICES" >/dev/null 2>&1
"$DMATGEN" -o "$dir/big.dmat" --synthetic "$EVENTS" --devices 16 >/dev/null 2>&1

# ---- scrapes with DEVICES devices' series ----
start --replay "$dir/many.dmat" --speed 0 --max-devices "$DEVICES"
wait_end
curl -s "http://$addr/metrics" >"$dir/m.txt"
series=$(grep -vc '^#' "$dir/m.txt")
bytes=$(wc -c <"$dir/m.txt")
gzbytes=$(curl -s -H 'Accept-Encoding: gzip' "http://$addr/metrics" | wc -c)
t0=$(ticks "$pid")
for i in $(seq "$SCRAPES"); do
	sleep 0.15 # past the 100 ms cache: every scrape renders
	curl -s -o /dev/null -w '%{time_total}\n' "http://$addr/metrics"
done | sort -n >"$dir/lat.txt"
t1=$(ticks "$pid")
for i in $(seq "$SCRAPES"); do
	sleep 0.15
	curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{time_total}\n' "http://$addr/metrics"
done | sort -n >"$dir/latgz.txt"
stop
hz=$(getconf CLK_TCK)
pct() { awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p); if (i < 1) i = 1; printf "%.1f", a[i] * 1000 }' "$1"; }
cpu_ms=$(awk -v a="$t0" -v b="$t1" -v n="$SCRAPES" -v hz="$hz" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')

# ---- the analysis rate with and without scrapers ----
# rate INTERVAL: a replay at full speed, scraped every INTERVAL s (0:
# never): events per second of wall time, and per CPU-second of the main
# thread, which feeds the engine (steady on a busy machine)
rate() {
	local t0 t1 sp= cpu
	start --replay "$dir/big.dmat" --speed 0
	t0=$(now)
	if [ "$1" != 0 ]; then
		(while :; do curl -s -o /dev/null "http://$addr/metrics"; sleep "$1"; done) &
		sp=$!
	fi
	wait_end
	t1=$(now)
	cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/task/$pid/stat")
	[ -z "$sp" ] || kill "$sp"
	stop
	awk -v n="$EVENTS" -v a="$t0" -v b="$t1" -v c="$cpu" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.2f M/s wall, %.1f M per CPU-second", n / (b - a) / 1e6, n / (c / hz) / 1e6 }'
}
r0=$(rate 0)
# (replay exits 1: the synthetic mix has findings)
rr=$({ /usr/bin/time -f '%e %U %S' "$DMATRACE" replay -q --no-stats "$dir/big.dmat" || true; } 2>&1 >/dev/null | tail -n 1 |
	awk -v n="$EVENTS" '{ printf "%.2f M/s wall, %.1f M per CPU-second", n / $1 / 1e6, n / ($2 + $3) / 1e6 }')
r1=$(rate 1)
r10=$(rate 0.1)

cat <<EOF
| figure | value |
|---|---|
| series with $DEVICES devices (own series each) | $series, $((bytes / 1024)) KiB of text, $((gzbytes / 1024)) KiB gzipped |
| scrape latency, median / p90 / max ($SCRAPES scrapes, each rendered) | $(pct "$dir/lat.txt" 0.5) / $(pct "$dir/lat.txt" 0.9) / $(pct "$dir/lat.txt" 1) ms |
| the same, gzip | $(pct "$dir/latgz.txt" 0.5) / $(pct "$dir/latgz.txt" 0.9) / $(pct "$dir/latgz.txt" 1) ms |
| endpoint CPU per scrape (update + render + send) | $cpu_ms ms |
| serve's analysis rate, $EVENTS events, no scraper | $r0 |
| the same, one scrape a second | $r1 |
| the same, ten scrapes a second | $r10 |
| \`dmatrace replay\` of the same recording, for scale | $rr |
EOF
