# live.sh - sourced by run.sh: live_tests runs dmatrace serve on this
# host's live tracing for 3 s (--duration): the hooks it attached are
# listed, the session is the running kernel's, and it ends by itself with
# status 0 and its final textfile.  Where BPF is not permitted it says why
# and counts nothing.
live_tests() {
	local rc n
	mkdir -p "$T/live-tf"
	timeout -s KILL 60 "$DMATRACE" serve --listen 127.0.0.1:0 --duration 3 \
		--textfile "$T/live-tf" 2>"$T/live.err" &
	serve_pid=$!
	pids+=($serve_pid)
	if ! wait_for 30 grep -q 'serving http://' "$T/live.err"; then
		wait "$serve_pid"
		echo "# live serve not run: $(head -n 2 "$T/live.err" | tr '\n' ' ')"
		return
	fi
	addr=$(sed -n 's|.*serving http://\(.*\)/metrics|\1|p' "$T/live.err")
	# the session's kernel is known once the source is open, which may be a
	# moment after the endpoint answers on a loaded machine
	wait_for 10 eval 'curl -s --max-time 5 "http://$addr/metrics" >"$T/live.txt" &&
		grep -q "^dmascope_session_info{kernel=\"[^\"]" "$T/live.txt"'
	check "live: hooks listed ($(grep -c '^dmascope_hook_info' "$T/live.txt"))" \
		grep -qE '^dmascope_hook_info\{op="[a-z_0-9]+",family="(tp_btf|fexit|fentry|kprobe|kretprobe|raw_tp)"\} 1$' "$T/live.txt"
	check "live: session_info is this kernel, source live" \
		grep -qF "dmascope_session_info{kernel=\"$(uname -r)\",source=\"live\"} 1" "$T/live.txt"
	wait "$serve_pid"
	rc=$?
	# every hook attached, not the session's list cut at 256 bytes
	n=$(timeout 30 "$DMATRACE" record -o "$T/live.dmat" --duration 1 2>&1 |
		sed -n 's/.* \([0-9][0-9]*\) hooks .*/\1/p')
	check "live: one hook_info per hook attached ($n, as record counts them)" \
		test "$(grep -c '^dmascope_hook_info{' "$T/live.txt")" = "${n:-none}"
	check "live: --duration 3 ends it with status 0 (got $rc)" test "$rc" = 0
	check "live: final textfile written" grep -q '^dmascope_events_total ' "$T/live-tf/dmascope.prom"
}
