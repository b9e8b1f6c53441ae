#!/bin/bash
# run.sh BUILD - tier "dashboards": dmatrace serve replays a recording
# (tests/dashboards/fleet.scn) while a real Prometheus, started here on
# loopback, scrapes it; every panel query of dashboards/dmascope.json must
# return series, the alert rules must evaluate cleanly (and the ones the
# recording calls for must fire), promtool checks the exposition, the rules
# and their unit tests, the dashboard JSON is checked for what Grafana's
# import needs, abusive clients (abuse.sh) must be cut off while the replay
# keeps its pace and loses nothing, and series stay bounded and monotonic
# (cardinality.sh).  Ends with "N passed, N failed".
set -u -o pipefail
BUILD=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
DMATRACE=${DMATRACE:-$BUILD/dmatrace}
DMATGEN=$BUILD/dmatgen
D=$root/dashboards
SPEED=8 # fleet.scn is 40 s of events: 5 s of replay

for t in prometheus promtool curl jq; do
	if ! command -v $t >/dev/null; then
		echo "SKIP: $t is not installed (scripts/install-deps.sh test installs it)"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
for b in "$DMATRACE" "$DMATGEN"; do
	if [ ! -x "$b" ]; then
		echo "FAIL: $b is missing (make BUILD=$BUILD $b)"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

T=$(mktemp -d "${TMPDIR:-/tmp}/dmascope-dash.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "ok   $*"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL $*"
}
check() { # DESC CMD...: ok when CMD succeeds
	local d=$1
	shift
	if "$@"; then ok "$d"; else bad "$d"; fi
}
now() { date +%s.%N; }
# wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds
wait_for() {
	local end
	end=$(awk -v n="$(now)" -v s="$1" 'BEGIN { printf "%.3f", n + s }')
	shift
	until "$@"; do
		awk -v n="$(now)" -v e="$end" 'BEGIN { exit !(n >= e) }' && return 1
		sleep 0.1
	done
}
# A port nothing listens on (127.0.0.1 only).
free_port() {
	local p i
	for i in $(seq 50); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo $p
			return 0
		fi
	done
	return 1
}
# serve NAME ADDR:PORT ARGS...: dmatrace serve (port 0: one of its
# choosing); sets $addr and $serve_pid
serve() {
	local name=$1 listen=$2
	shift 2
	timeout -s KILL 120 "$DMATRACE" serve --listen "$listen" "$@" \
		2>"$T/$name.err" &
	pids+=($!)
	serve_pid=$!
	if ! wait_for 10 grep -q 'serving http://' "$T/$name.err"; then
		bad "$name: dmatrace serve did not start: $(head -3 "$T/$name.err")"
		return 1
	fi
	addr=$(sed -n 's|.*serving http://\(.*\)/metrics|\1|p' "$T/$name.err")
}
# q EXPR: instant query; prints the API's JSON answer
q() {
	curl -s --max-time 5 --get --data-urlencode "query=$1" \
		"http://127.0.0.1:$pport/api/v1/query"
}

# ---- the recording and what a replay of it finds ----
if ! "$DMATGEN" -o "$T/fleet.dmat" "$here/fleet.scn" 2>"$T/gen.err"; then
	bad "dmatgen fleet.scn: $(cat "$T/gen.err")"
	echo "$pass passed, $fail failed"
	exit 1
fi
"$DMATRACE" replay --json "$T/fleet.dmat" >"$T/want.json"
want_events=$(jq .events "$T/want.json")
summary() { jq -c '[.events, .lost_events, .summary, [.findings[] | [.id, .device, .repeats]]]' "$1"; }

# ---- Prometheus scraping a replay ----
# Prometheus first: it takes seconds to start and to scrape for the first
# time, which the static checks fill; its scrapes then cover the whole replay.
for try in 1 2 3; do
	sport=$(free_port) && pport=$(free_port) || break
	[ "$sport" != "$pport" ] || continue
	cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $D/alerts.yml
scrape_configs:
  - job_name: dmascope
    static_configs:
      - targets: ["127.0.0.1:$sport"]
EOF
	timeout -s KILL 120 prometheus --config.file="$T/prom.yml" \
		--storage.tsdb.path="$T/tsdb" \
		--web.listen-address="127.0.0.1:$pport" --log.level=warn \
		>"$T/prom.log" 2>&1 &
	prom_pid=$!
	pids+=($prom_pid)
	wait_for 20 curl -sf -o /dev/null "http://127.0.0.1:$pport/-/ready" && break
	kill $prom_pid 2>/dev/null
	wait $prom_pid 2>/dev/null
	pport=
done
if [ -z "${pport:-}" ]; then
	bad "Prometheus did not start on 127.0.0.1: $(tail -3 "$T/prom.log")"
	echo "$pass passed, $fail failed"
	exit 1
fi
# ---- the static checks ----
check "promtool check rules dashboards/alerts.yml" \
	promtool check rules "$D/alerts.yml" >"$T/rules.out" 2>&1
if promtool test rules "$D/alerts_test.yml" >"$T/rtest.out" 2>&1; then
	ok "promtool test rules dashboards/alerts_test.yml"
else
	bad "promtool test rules dashboards/alerts_test.yml"
	sed 's/^/     | /' "$T/rtest.out" | head -30
fi
check "promtool check config dashboards/prometheus.yml" \
	promtool check config "$D/prometheus.yml" >"$T/config.out" 2>&1
. "$here/dashboard-json.sh"
check_dashboard_json "$D/dmascope.json"

# ---- options: bad ones refused before any tracing starts, exit 2 ----
opt_err() { # DESC WANT-TEXT ARGS...: exit 2 and WANT-TEXT on stderr
	local d=$1 want=$2 rc
	shift 2
	timeout 10 "$DMATRACE" serve "$@" >/dev/null 2>"$T/opt.err"
	rc=$?
	if [ $rc = 2 ] && grep -qF -- "$want" "$T/opt.err"; then ok "options: $d"; else
		bad "options: $d: exit $rc, $(head -2 "$T/opt.err")"
	fi
}
opt_err "--listen without a port" "want ADDR:PORT" --listen 127.0.0.1 --replay /nonexistent
opt_err "--listen with a name (never resolved)" "names are not resolved" --listen localhost:9747 --replay /nonexistent
opt_err "--listen port out of range" "bad port" --listen 127.0.0.1:65536 --replay /nonexistent
opt_err "--speed negative" "--speed" --speed -1 --replay "$T/fleet.dmat"
opt_err "--max-connections 0" "max-connections" --max-connections 0 --replay "$T/fleet.dmat"
opt_err "--device-ttl not a duration" "device-ttl" --device-ttl soon --replay "$T/fleet.dmat"
opt_err "a recording that is not there" "/nonexistent" --replay /nonexistent --listen 127.0.0.1:0
opt_err "--listen none without --textfile" "nowhere to export" --listen none --replay "$T/fleet.dmat"
opt_err "a port in use (Prometheus')" "cannot listen on 127.0.0.1:$pport" \
	--listen "127.0.0.1:$pport" --replay "$T/fleet.dmat" --speed 0
# IPv6 loopback, where the host has it
if serve v6 "[::1]:0" --replay "$T/fleet.dmat" --speed 0 2>/dev/null; then
	# until the session is read the endpoint answers 503 (a loaded machine
	# can take over a second): poll as a scraper would
	check "serves on [::1] too ($addr)" \
		wait_for 10 eval 'curl -s --max-time 5 "http://$addr/metrics" | grep -q "^dmascope_events_total "'
	kill -TERM "$serve_pid"
	wait "$serve_pid" 2>/dev/null
fi

# ---- make install: the unit, hardened, and the fleet-view files ----
if make --no-print-directory -C "$root" BUILD="$(cd "$BUILD" && pwd)" \
	PREFIX="$T/prefix" install >"$T/install.log" 2>&1; then
	unit=$T/prefix/lib/systemd/system/dmascope-serve.service
	check "make install: the unit runs the installed dmatrace serve" \
		grep -qx "ExecStart=$T/prefix/sbin/dmatrace serve \$DMATRACE_SERVE_OPTS" "$unit"
	for d in "CapabilityBoundingSet=CAP_BPF CAP_PERFMON" ProtectSystem=strict \
		NoNewPrivileges=yes "SystemCallFilter=@system-service bpf"; do
		check "make install: the unit has $d" grep -q "^$d" "$unit"
	done
	check "make install: share/dmascope/dashboards has the dashboard and rules" \
		test -f "$T/prefix/share/dmascope/dashboards/dmascope.json" -a \
		-f "$T/prefix/share/dmascope/dashboards/alerts.yml"
	if command -v systemd-analyze >/dev/null; then
		if systemd-analyze verify "$unit" >"$T/verify.out" 2>&1; then
			ok "systemd-analyze verify: the unit is clean"
		else
			bad "systemd-analyze verify: $(head -3 "$T/verify.out")"
		fi
	fi
else
	bad "make install PREFIX=...: $(tail -3 "$T/install.log")"
fi

# its first scrape (of nothing yet) comes after service discovery's first
# update, seconds after it is ready: start the replay once it has come
first_scrape() { [ "$(q 'up{job="dmascope"}' | jq '.data.result | length')" = 1 ]; }
if ! wait_for 20 first_scrape; then
	bad "Prometheus did not scrape within 20 s: $(tail -3 "$T/prom.log")"
fi
serve main "127.0.0.1:$sport" --replay "$T/fleet.dmat" --speed $SPEED \
	-w "$T/copy.dmat" || {
	echo "$pass passed, $fail failed"
	exit 1
}
main_pid=$serve_pid
ok "Prometheus ready on 127.0.0.1:$pport, scraping $addr"

events_scraped() {
	[ "$(q 'dmascope_events_total' | jq -r '.data.result[0].value[1] // 0')" = "$want_events" ]
}
if wait_for $((40 / SPEED + 15)) events_scraped; then
	ok "Prometheus scraped the whole replay ($want_events events)"
else
	bad "Prometheus has dmascope_events_total $(q dmascope_events_total | jq -c .data.result), want $want_events"
fi
# one more scrape after the end: rates over [1m] span the whole replay
sleep 1.5
check "up{job=\"dmascope\"} is 1" \
	test "$(q 'up{job="dmascope"}' | jq -r '.data.result[0].value[1]')" = 1

# every panel's queries, with Grafana's variables as "All" would set them
while IFS=$'\t' read -r id title expr; do
	e=${expr//\$__rate_interval/1m}
	e=${e//\$instance/.*}
	e=${e//\$device/.*}
	r=$(q "$e")
	n=$(echo "$r" | jq -r 'if .status == "success" then (.data.result | length) else -1 end' 2>/dev/null)
	if [ "${n:--1}" -gt 0 ] 2>/dev/null; then
		ok "panel $id \"$title\": $n series"
	else
		bad "panel $id \"$title\": $(echo "$r" | head -c 300) for: $e"
	fi
done < <(jq -r '.panels[] | select(.targets) | .id as $id | .title as $t |
	.targets[] | [$id, $t, .expr] | @tsv' "$D/dmascope.json")

# the variables' queries
check "variable instance: label_values(dmascope_build_info, instance) has $addr" \
	test "$(curl -s --get --data-urlencode 'match[]=dmascope_build_info' \
		"http://127.0.0.1:$pport/api/v1/label/instance/values" | jq -r '.data[0]')" = "$addr"
check "variable device: the recording's 4 devices" \
	test "$(curl -s --get --data-urlencode 'match[]=dmascope_device_info' \
		"http://127.0.0.1:$pport/api/v1/label/device/values" | jq -c '.data')" = \
	'["0000:10:00.0","0000:11:00.0","vdmac-client.0","vdmac.0"]'

# values the recording decides
val() { q "$1" | jq -r '.data.result[0].value[1] // "none"'; }
between() { awk -v v="$2" -v lo="$3" -v hi="$4" 'BEGIN { exit !(v ~ /^[0-9.e+-]+$/ && v + 0 >= lo && v + 0 <= hi) }' &&
	ok "$1: $2" || bad "$1: $2, want $3..$4"; }
between "nvme remote-node share (4 of 5 buffers remote)" \
	"$(val 'sum(rate(dmascope_remote_node_bytes_total{device="0000:10:00.0"}[1m])) / (sum(rate(dmascope_remote_node_bytes_total{device="0000:10:00.0"}[1m])) + sum(rate(dmascope_local_node_bytes_total{device="0000:10:00.0"}[1m])))')" 0.79 0.81
between "dmaengine p99 latency (half the transfers take 3 ms)" \
	"$(val 'histogram_quantile(0.99, sum by (le) (rate(dmascope_dmaengine_transfer_latency_seconds_bucket[1m])))')" 0.0025 0.005
between "dmaengine p25 latency (half take 0.2 ms)" \
	"$(val 'histogram_quantile(0.25, sum by (le) (rate(dmascope_dmaengine_transfer_latency_seconds_bucket[1m])))')" 0.0001 0.00025
between "nvme outstanding mappings (one kept per second for 40 s)" \
	"$(val 'dmascope_outstanding_mappings{device="0000:10:00.0"}')" 40 40
between "e1000e unmap-not-mapped findings" \
	"$(val 'dmascope_findings_total{device="0000:11:00.0",id="unmap-not-mapped"}')" 40 40
between "lost events" "$(val 'dmascope_lost_events_total')" 43 43
between "lost events: the ring full" "$(val 'dmascope_lost_events_by_reason_total{reason="ring"}')" 40 40
between "lost events: calls the kernel ran no program for" \
	"$(val 'dmascope_lost_events_by_reason_total{reason="recursion"}')" 3 3
between "lost events: kretprobe misses" "$(val 'dmascope_lost_events_by_reason_total{reason="kretprobe"}')" 0 0
between "nvme dma_pool bytes (one 512-byte block)" "$(val 'dmascope_pool_bytes{device="0000:10:00.0"}')" 512 512
between "e1000e coherent bytes (one 64 KiB ring)" "$(val 'dmascope_coherent_bytes{device="0000:11:00.0"}')" 65536 65536
check "hooks: 5 functions from the session's list (its \"...\" skipped)" \
	test "$(q 'dmascope_hook_info' | jq -c '[.data.result[].metric | [.family, .op]] | sort')" = \
	'[["fentry","dma_free_attrs"],["fexit","dma_alloc_attrs"],["fexit","dma_request_chan"],["tp_btf","dma_map_phys"],["tp_btf","dma_unmap_phys"]]'

# the rules, evaluated live: no errors, and the alerts this recording calls for
rules=$(curl -s "http://127.0.0.1:$pport/api/v1/rules")
check "every alert rule evaluates without error" \
	test "$(echo "$rules" | jq '[.data.groups[].rules[] | select(.health != "ok")] | length')" = 0
alerts=$(curl -s "http://127.0.0.1:$pport/api/v1/alerts" | jq -c '[.data.alerts[] | [.labels.alertname, .labels.id // "", .state]] | unique')
check "DmascopeNewFindings fires for unmap-not-mapped: $alerts" \
	grep -q '"DmascopeNewFindings","unmap-not-mapped","firing"' <<<"$alerts"
check "DmascopeLostEvents fires" grep -q '"DmascopeLostEvents","","firing"' <<<"$alerts"
check "no alert for the info finding swiotlb-bounce" \
	eval '! grep -q swiotlb-bounce <<<"$alerts"'

# the exposition itself
curl -s --max-time 5 "http://$addr/metrics" >"$T/metrics.txt"
if promtool check metrics <"$T/metrics.txt" >"$T/cm.out" 2>&1 && [ ! -s "$T/cm.out" ]; then
	ok "promtool check metrics: no problems"
else
	bad "promtool check metrics: $(head -5 "$T/cm.out")"
fi
check "no address, pid or stack in any label" \
	eval '! grep -E "(addr|pid|stack|cookie|0x[0-9a-f]{6,})" "$T/metrics.txt" | grep -v "^#" | grep -q .'
kill -TERM "$main_pid"
wait "$main_pid" 2>/dev/null
"$DMATRACE" replay --json "$T/copy.dmat" >"$T/copy.json"
check "the recording serve wrote (-w) analyses like the original" \
	test "$(summary "$T/copy.json")" = "$(summary "$T/want.json")"

. "$here/abuse.sh"
abuse_tests
. "$here/cardinality.sh"
cardinality_tests
odd_names_tests
isolation_tests
. "$here/live.sh"
live_tests

# ---- --textfile: node_exporter's collector reads whole files only ----
mkdir -p "$T/textfile"
timeout -s KILL 30 "$DMATRACE" serve --listen none --textfile "$T/textfile" \
	--textfile-interval 1 --replay "$T/fleet.dmat" --speed 20 2>"$T/tf.err" &
tf_pid=$!
pids+=($tf_pid)
tf_changes=0
tf_prev=
tf_bad=0
for i in $(seq 30); do # 3 s: a write a second, the replay 2 s long
	if [ -f "$T/textfile/dmascope.prom" ]; then
		cur=$(grep '^dmascope_events_total ' "$T/textfile/dmascope.prom")
		grep -q '^dmascope_build_info' "$T/textfile/dmascope.prom" || tf_bad=$((tf_bad + 1))
		[ "$cur" != "$tf_prev" ] && tf_changes=$((tf_changes + 1))
		tf_prev=$cur
	fi
	sleep 0.1
done
kill -TERM $tf_pid
wait $tf_pid 2>/dev/null
check "textfile: rewritten as the replay went on ($tf_changes versions seen)" test $tf_changes -ge 2
check "textfile: never seen half-written" test $tf_bad = 0
check "textfile: the final state written at exit" \
	grep -qx "dmascope_events_total $want_events" "$T/textfile/dmascope.prom"
check "textfile: no temporary file left behind" \
	test "$(ls -A "$T/textfile")" = dmascope.prom
if promtool check metrics <"$T/textfile/dmascope.prom" >"$T/tfcm.out" 2>&1 && [ ! -s "$T/tfcm.out" ]; then
	ok "textfile: promtool check metrics"
else
	bad "textfile: promtool check metrics: $(head -3 "$T/tfcm.out")"
fi
check "textfile: no HTTP metrics without HTTP" eval '! grep -q dmascope_http_ "$T/textfile/dmascope.prom"'
check "serve --listen none without --textfile is refused" \
	eval '"$DMATRACE" serve --listen none --replay "$T/fleet.dmat" 2>/dev/null; test $? = 2'

# ---- per-channel latency: quantiles by phase, transfers over the budget ----
mkdir -p "$T/lat"
if "$DMATGEN" -o "$T/lat.dmat" "$here/../cli/scenarios/latency.scn" 2>"$T/lat.gen.err"; then
	timeout -s KILL 30 "$DMATRACE" serve --listen none --textfile "$T/lat" \
		--replay "$T/lat.dmat" --speed 0 --duration 2 --latency-budget 1ms 2>"$T/lat.err"
	lat="$T/lat/dmascope.prom"
	l='device="vdmac.0",driver="vdmac",numa_node="0",channel="0"'
	check "latency: channel 0 submit_to_complete p99 3.01 ms" \
		grep -qx "dmascope_dmaengine_channel_latency_seconds{$l,phase=\"submit_to_complete\",quantile=\"0.99\"} 0.003010000" "$lat"
	check "latency: channel 0 submit_to_start counted 22 transfers" \
		grep -qx "dmascope_dmaengine_channel_latency_seconds_count{$l,phase=\"submit_to_start\"} 22" "$lat"
	check "latency: channel 1 has no start phase (no xfer_start)" \
		eval '! grep -q "channel=\"1\",phase=\"submit_to_start\"" "$lat"'
	check "latency: 2 transfers over the budget on channel 0" \
		grep -qx "dmascope_dmaengine_channel_over_budget_total{$l} 2" "$lat"
	check "latency: every channel has series of its own" \
		grep -qx "dmascope_dmaengine_channels_not_exported 0" "$lat"
	if promtool check metrics <"$lat" >"$T/latcm.out" 2>&1 && [ ! -s "$T/latcm.out" ]; then
		ok "latency: promtool check metrics"
	else
		bad "latency: promtool check metrics: $(head -3 "$T/latcm.out")"
	fi
else
	bad "dmatgen latency.scn: $(cat "$T/lat.gen.err")"
fi

echo "$pass passed, $fail failed"
