# trace_irq_nesting.sh - hooked calls made from an interrupt taken while the
# same hook's program runs on that CPU: the kernel skips the nested run (a
# program never runs twice at once on one CPU) and counts it in the
# program's recursion_misses; the DMA API hooks' catchers trace such calls
# (the syncs here), so that only the rest are lost.  vdmac's stream
# completes in hardirq, where its callback syncs, touches and re-submits its
# buffer, while two loops run the memcpy scenario (syncs, descriptors, CPU
# accesses) in process context: all good clients.  What must hold whatever
# the interleaving: no certain finding; a finding at all only after a
# counted loss, marked uncertain; the report's skipped calls equal the -v
# lines that name their hooks; nothing lost in the ring.  How many runs were
# skipped is printed (it varies with the timing).  The same under the
# tracefs source, whose kprobes miss hits the same way (kprobe_profile).
# The guest records and replays; the JSON reports and the -v lines are
# checked by trace_irq_nesting.host.
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh

vdmac_trace_setup nesting
# nested SOURCE: the workload recorded by that source to $T/SOURCE.dmat,
# replayed to $T/SOURCE.json
nested() {
	dmatrace record -v --source "$1" -o "$T/$1.dmat" -- sh -c "
		echo stream-start >$D/run
		for c in 1 2; do
			(i=0; while [ \$i -lt 150 ]; do echo memcpy >$D/run; i=\$((i + 1)); done) &
		done
		wait
		echo stream-stop >$D/run
		cp $D/result $T/$1.stream" 2>"$T/$1.err"
	check "$1: dmatrace record exit 0" test $? = 0
	check "$1: the stream's copies checked" grep -qx 'status=pass' "$T/$1.stream"
	# exit 1: findings (map-churn hints at the least); the host reads them
	dmatrace replay --format json -o "$T/$1.json" "$T/$1.dmat" 2>"$T/$1.replay.err"
	rc=$?
	check "$1: dmatrace replay exit 0 or 1 (exit $rc; $(head -n 1 "$T/$1.replay.err"))" test "$rc" -le 1
}
# BPF: skipped programs (recursion_misses); tracefs: kprobe events on
# 6.1 (kprobe_profile's nmissed), the dma:* events on newer kernels
nested bpf
nested ftrace
check "rmmod vdmac" rmmod vdmac
vm_done
