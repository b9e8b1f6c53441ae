# trace_irq_nesting.sh - hooked calls made from an interrupt taken while
# the same hook's program runs on that CPU: the kernel skips the nested
# run (a program never runs twice at once on one CPU) and counts it in the
# program's recursion_misses.  vdmac's stream completes in hardirq, where
# its callback syncs, touches and re-submits its buffer, while two loops
# run the memcpy scenario (syncs, descriptors, CPU accesses) in process
# context: all good clients.  What must hold whatever the interleaving:
# no certain finding; a finding at all only after a counted loss, marked
# uncertain; the report's skipped calls equal the -v lines that name their
# hooks; nothing lost in the ring.  How many runs were skipped is printed
# (it varies with the timing).  The guest records and replays; the JSON
# report and the -v lines are checked by trace_irq_nesting.host.
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh

vdmac_trace_setup nesting
dmatrace record -v -o "$T/r.dmat" -- sh -c "
	echo stream-start >$D/run
	for c in 1 2; do
		(i=0; while [ \$i -lt 150 ]; do echo memcpy >$D/run; i=\$((i + 1)); done) &
	done
	wait
	echo stream-stop >$D/run
	cp $D/result $T/stream.result" 2>"$T/r.err"
check "dmatrace record exit 0" test $? = 0
check "the stream's copies checked" grep -qx 'status=pass' "$T/stream.result"
# exit 1: findings (map-churn hints at the least); the host reads them
dmatrace replay --format json -o "$T/r.json" "$T/r.dmat" 2>"$T/replay.err"
rc=$?
check "dmatrace replay exit 0 or 1 (exit $rc; $(head -n 1 "$T/replay.err"))" test "$rc" -le 1
check "rmmod vdmac" rmmod vdmac
vm_done
