# trace_vdmac.sh - dmatrace check on every vdmac scenario: each runs under
# live BPF tracing, its JSON report, recording and ground truth go to
# $OUT/trace/ where trace_vdmac.host compares findings with the truth
# (exactly: every planted bug, nothing else) and with a replay of the
# recording on the host.  Here: the exit status matches (0 clean, 1
# findings), the tracer never fails, and nothing is lost.
# vm-needs: dmatrace vdmac
# vm-timeout: 1200
. /etc/vm-lib.sh

vdmac_trace_setup

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

# The kprobe/kretprobe fallback (kernels without fentry) finds the same,
# the NUMA rule's call site (a kretprobe's stack starts in the driver) and
# a module's leaks included.
LIVE_EXTRA=--kprobes
for s in storage-sg pool-leak missing-sync-for-cpu unmap-size-mismatch numa-remote-buffer \
	dmabuf-good dmabuf-map-leak fence-never-signalled; do
	trace "kprobes-$s" "" "echo $s >$D/run"
done
if [ -r "$LEAK_KO" ]; then
	trace kprobes-module-unload "" "taskset -c 1 insmod $LEAK_KO what=both && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
	trace kprobes-dmabuf-leak "" "taskset -c 1 insmod $LEAK_KO what=dmabuf && sleep 3 && rmmod vdmac_leak"
	echo reclaim >$D/run
fi
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
	# gone before the reader names the mapping's stack (it polls every
	# 100 ms): the module's range comes with its load, in the ring
	trace leak-at-quick-module-unload "" "taskset -c 1 insmod $LEAK_KO what=mapping && rmmod vdmac_leak"
	echo reclaim >$D/run
	trace channel-leak "" "taskset -c 1 insmod $LEAK_KO what=channel && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
	# a dma-buf exported through vdmac by vdmac_leak's code, never released
	trace dmabuf-leak "" "taskset -c 1 insmod $LEAK_KO what=dmabuf && sleep 3 && rmmod vdmac_leak"
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
# The reader stopped while the benchmark fills the ring, then draining it
# alone (its steps inside one long read of the ring): every event it took
# reaches the recording, none lost.
if [ -w $D/bench ]; then
	dmatrace record -v --no-stacks --ringbuf-kb 16384 -o "$T/drain.dmat" -- sh -c "
		kill -STOP \$PPID; echo 'iterations=20000' >$D/bench; kill -CONT \$PPID" 2>"$T/drain.err"
	took=$(sed -n 's/^dmatrace: reader: \([0-9]*\) events.*/\1/p' "$T/drain.err")
	kept=$(sed -n 's/.*drain.dmat: \([0-9]*\) events.* \([0-9]*\) lost.*/\1 \2/p' "$T/drain.err")
	check "drain: the reader took the benchmark's 40,000 events or more (${took:-?})" \
		test "${took:-0}" -ge 40000
	check "drain: all of them recorded, none lost (${kept:-?})" test "$kept" = "$took 0"
	rm -f "$T/drain.dmat"
fi
check "rmmod vdmac" rmmod vdmac

# vdmac loaded under tracing: its tracepoints' programs load once tracing is
# active and attach when the module comes (-v says each); a transfer then
# run is seen through them, and the truth compared both ways as above.
late=$T/late-xfer-over-budget.err
trace late-xfer-over-budget "--latency-budget 100ms -v" \
	"taskset -c 1 insmod $VDMAC_KO node=1 channels=4 &&
	i=0; while [ \$i -lt 300 ] && ! grep -q 'hook vdmac_complete attached (vdmac loaded)' $late; do sleep 0.1; i=\$((i + 1)); done;
	echo xfer-over-budget >$D/run"
check "late: vdmac's 8 programs loaded once tracing was active" \
	grep -q 'hooks of modules not loaded at start: 8 programs loaded in' "$late"
check "late: its hooks attached when it loaded" \
	test "$(grep -c 'attached (vdmac loaded)' "$late")" = 8
check "rmmod vdmac (loaded under tracing)" rmmod vdmac
vm_done
