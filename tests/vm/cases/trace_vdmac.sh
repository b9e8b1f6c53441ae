# trace_vdmac.sh - dmatrace check on every vdmac scenario: each runs under
# live BPF tracing, its JSON report, recording and ground truth go to
# $OUT/trace/ where trace_vdmac.host compares findings with the truth
# (exactly: every planted bug, nothing else) and with a replay of the
# recording on the host.  Here: the exit status matches (0 clean, 1
# findings), the tracer never fails, and nothing is lost.
# vm-needs: dmatrace vdmac
# vm-timeout: 1200
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
T=$OUT/trace
mkdir -p "$T"

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"
LEAK_KO=$(dirname "$VDMAC_KO")/vdmac_leak.ko

# applying NAME OPTS: how many truth lines apply to a run with OPTS (as
# trace_vdmac.host decides: requires= only with its option, when=unbind
# only where the scenario unbinds, needs=seen-syncs not on a device whose
# syncs the kernel elided)
applying() {
	_c=0
	_el=" $(sed -n 's/^syncs=elided dev=\([^ ]*\).*/\1/p' "$T/$1.truth" | tr '\n' ' ') "
	while IFS= read -r _l; do
		case $_l in finding=*) ;; *) continue ;; esac
		case $_l in
		*needs=seen-syncs*)
			_d=${_l#* dev=}
			case $_el in *" ${_d%% *} "*) continue ;; esac
			;;
		esac
		case $_l in
		*requires=--leak-age*) case $2 in *--leak-age*) ;; *) continue ;; esac ;;
		*requires=--leaks-at-exit*) case $2 in *--leaks-at-exit*) ;; *) continue ;; esac ;;
		*requires=--latency-budget*) case $2 in *--latency-budget*) ;; *) continue ;; esac ;;
		*requires=trace-before-bind*) continue ;;
		esac
		case $_l in *when=unbind*) [ "$1" = leak-at-unbind ] || continue ;; esac
		_c=$((_c + 1))
	done <"$T/$1.truth"
	echo $_c
}

# trace NAME OPTS CMD: dmatrace check with OPTS (and $LIVE_EXTRA, which a
# replay does not take) while sh -c CMD runs; the ground truth published
# during the run is kept.
trace() {
	_n=$1 _o=$2
	shift 2
	echo "$_o" >"$T/$_n.opts"
	: >"$T/$_n.truth"
	# --fail-on info: the exit status is compared with every truth line,
	# warnings and hints included (check's own default fails on errors only)
	# shellcheck disable=SC2086
	dmatrace check --format json --fail-on info -o "$T/$_n.json" -w "$T/$_n.dmat" $_o ${LIVE_EXTRA:-} -- sh -c "$*" \
		2>"$T/$_n.err"
	echo $? >"$T/$_n.rc"
	cp $D/ground_truth "$T/$_n.truth"
	cp $D/result "$T/$_n.result" 2>/dev/null
	_rc=$(cat "$T/$_n.rc")
	_want=0
	[ "$(applying "$_n" "$_o")" -gt 0 ] && _want=1
	if [ "$_rc" = 2 ]; then
		not_ok "$_n: dmatrace check failed: $(tail -n 3 "$T/$_n.err")"
	elif [ "$_rc" = "$_want" ]; then
		ok "$_n: dmatrace check exit $_rc ($(applying "$_n" "$_o") truth lines apply)"
	else
		not_ok "$_n: dmatrace check exit $_rc, want $_want; truth: $(cat "$T/$_n.truth")"
	fi
	if grep -q ' 0 lost' "$T/$_n.err"; then
		ok "$_n: no events lost"
	else
		not_ok "$_n: events lost: $(tail -n 1 "$T/$_n.err")"
	fi
}

for s in $(awk '$2 == "good" || $2 == "buggy" { print $1 }' $D/scenarios); do
	case $s in
	# background traffic, and the ones needing an unbind, run below
	stream-* | leak-at-unbind) continue ;;
	long-held)
		trace "$s" "--leak-age 1s --leaks-at-exit" "echo $s >$D/run; sleep 2"
		echo release >$D/run
		;;
	xfer-over-budget)
		# the budget its truth line names
		trace "$s" "--latency-budget 100ms" "echo $s >$D/run"
		check "$s: the truth names the budget passed" \
			grep -q 'finding=xfer-over-budget .*budget=100ms' "$T/$s.truth"
		;;
	*) trace "$s" "" "echo $s >$D/run" ;;
	esac
done

# The kprobe/kretprobe fallback (kernels without fentry) finds the same.
LIVE_EXTRA=--kprobes
for s in storage-sg pool-leak missing-sync-for-cpu unmap-size-mismatch; do
	trace "kprobes-$s" "" "echo $s >$D/run"
done
LIVE_EXTRA=
check "kprobes: the hooks were kprobes" grep -q 'kprobe' "$T/kprobes-storage-sg.json"

# Unbind under tracing: the leak appears when remove() has finished.
trace leak-at-unbind "" "echo leak-at-unbind >$D/run && echo vdmac.0 >/sys/bus/platform/drivers/vdmac/unbind"
check "vdmac.0 binds again" sh -c "echo vdmac.0 >/sys/bus/platform/drivers/vdmac/bind"

# Modules unloaded holding a mapping or a channel.
if [ -r "$LEAK_KO" ]; then
	# on the device's node, as vdmac's own clients do: no NUMA findings
	trace leak-at-module-unload "" "taskset -c 1 insmod $LEAK_KO what=mapping && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
	trace channel-leak "" "taskset -c 1 insmod $LEAK_KO what=channel && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
else
	skip "vdmac_leak.ko is not in the guest: module-unload scenarios"
fi

# A ring buffer far too small for the benchmark: the loss is reported.
if [ -w $D/bench ]; then
	dmatrace check --format json --ringbuf-kb 4 --no-stacks -o "$T/tiny-ring.json" \
		-w "$T/tiny-ring.dmat" -- sh -c "echo 'iterations=20000' >$D/bench" 2>"$T/tiny-ring.err"
	echo $? >"$T/tiny-ring.rc"
	lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' "$T/tiny-ring.err" | tail -n 1)
	check "tiny ring buffer: events lost and reported (${lost:-?})" test "${lost:-0}" -gt 0
	check "tiny ring buffer: dmatrace check did not fail (exit $(cat "$T/tiny-ring.rc"))" \
		test "$(cat "$T/tiny-ring.rc")" != 2
fi
check "rmmod vdmac" rmmod vdmac
vm_done
