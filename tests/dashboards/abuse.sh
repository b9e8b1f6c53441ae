# abuse.sh - sourced by run.sh: abuse_tests points abusive clients at a
# dmatrace serve replaying fleet.scn (loopback only, bounded: 45
# connections, about 8 s): a request trickled byte by byte, a request with
# a 1 MiB header, then a flood of idle connections past --max-connections.
# Each must be cut off while real scrapes keep being answered, the replay
# keeps its pace, and the recording it writes loses nothing.
abuse_tests() {
	local host port t0 t_end took fd i rc st fds=() trickle big got n
	serve abuse 127.0.0.1:0 --replay "$T/fleet.dmat" --speed $SPEED --max-connections 8 \
		--http-timeout 2 -w "$T/abuse.dmat" || return
	t0=$(now)
	# when the replay ends, noted as it happens
	(wait_for 20 grep -qs 'end of' "$T/abuse.err" && now >"$T/abuse.end" 2>/dev/null) &
	pids+=($!)
	host=${addr%:*}
	port=${addr##*:}
	scrape() { curl -s --max-time 2 -o "$T/abuse.scrape" -w '%{http_code}' "http://$addr/metrics"; }

	# 1. a request trickled one byte every 0.3 s: a timeout on silence
	# would never fire; the per-request deadline (2 s) must
	exec {trickle}<>/dev/tcp/$host/$port
	(for i in $(seq 20); do printf 'G' >&$trickle 2>/dev/null || exit 0; sleep 0.3; done) &
	pids+=($!)
	# 2. a 1 MiB header: refused (400) or dropped, never buffered
	exec {big}<>/dev/tcp/$host/$port
	{ printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: '; head -c 1048576 /dev/zero | tr '\0' a; printf '\r\n\r\n'; } >&$big 2>/dev/null &
	pids+=($!)
	got=$(timeout 5 head -c 12 <&$big)
	case "$got" in
	"" | "HTTP/1.1 400" | "HTTP/1.1 413" | "HTTP/1.1 431") ok "1 MiB header refused: '${got:-connection closed}'" ;;
	*) bad "1 MiB header answered '$got'" ;;
	esac
	exec {big}>&-
	check "a scrape while a request trickles in is answered" test "$(scrape)" = 200
	timeout 6 cat <&$trickle >/dev/null
	rc=$?
	took=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')
	check "the trickled request is cut off after its 2 s (closed at ${took}s)" \
		awk -v rc=$rc -v t="$took" 'BEGIN { exit !(rc == 0 && t >= 1.5 && t <= 4.5) }'
	exec {trickle}>&-

	# 3. 36 idle connections against --max-connections 8
	for i in $(seq 36); do
		exec {fd}<>/dev/tcp/$host/$port && fds+=($fd)
	done
	sleep 0.3
	n=0
	for i in 1 2 3 4 5; do
		[ "$(scrape)" = 200 ] && n=$((n + 1))
		sleep 0.2
	done
	check "5 of 5 scrapes answered during the flood (got $n)" test $n = 5
	st=$(grep -E '^dmascope_http_(rejected_connections_total|open_connections) ' "$T/abuse.scrape" | tr '\n' ' ')
	check "connections past the cap were cut: $st" \
		awk -v s="$st" 'BEGIN { split(s, a, " "); exit !(a[2] >= 28 && a[4] <= 9) }'
	# the flood's own sockets see the server close them
	rc=0
	timeout 4 cat <&${fds[0]} >/dev/null || rc=$?
	check "the oldest idle connection was closed by the server" test $rc = 0
	for fd in "${fds[@]}"; do exec {fd}>&-; done

	# the replay kept its pace: 40 s of events at 8x is 5 s
	if wait_for 10 test -s "$T/abuse.end"; then
		t_end=$(awk -v a="$t0" -v b="$(cat "$T/abuse.end")" 'BEGIN { printf "%.1f", b - a }')
		check "replay kept its pace under abuse (ended at ${t_end}s, 5 s due)" \
			awk -v t="$t_end" 'BEGIN { exit !(t <= 9) }'
	else
		bad "replay did not end: $(tail -2 "$T/abuse.err")"
	fi
	check "the endpoint still serves after the abuse" test "$(scrape)" = 200
	check "every event analysed: dmascope_events_total $want_events" \
		grep -qx "dmascope_events_total $want_events" "$T/abuse.scrape"
	kill -TERM "$serve_pid"
	wait "$serve_pid" 2>/dev/null
	"$DMATRACE" replay --json "$T/abuse.dmat" >"$T/abuse.json"
	check "the recording written under abuse analyses like the original" \
		test "$(summary "$T/abuse.json")" = "$(summary "$T/want.json")"
}
