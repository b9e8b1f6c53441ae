# ftrace_source.sh - the live tracefs source (--source ftrace): vdmac
# scenarios under dmatrace check through tracefs (on 6.1: kprobe events on
# the DMA API and vdmac's tracepoints); reports, recordings and ground truth
# go to $OUT/ftrace/, where ftrace_source.host compares findings with the
# truth both ways and with a replay of each recording.  Then nothing of
# ours may be left in tracefs: after each run, after Ctrl-C (SIGINT) and
# SIGTERM, and after a SIGKILL once the next run has started.
# vm-needs: dmatrace vdmac
# vm-timeout: 1500
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
TR=/sys/kernel/tracing
T=$OUT/ftrace
mkdir -p "$T"

[ -d $TR/instances ] || mount -t tracefs nodev $TR 2>/dev/null
# QEMU's multi-threaded TCG can run a stale copy of kernel code being
# patched: once on 6.12, removing a session's instance unregistered the
# sched_switch probe of comm recording, and the static call's int3 in
# __schedule oopsed on the other vCPU.  One top-level event enabled for the
# whole case keeps that probe registered, so no session's start or end
# patches __schedule.  (Not a dmatrace path: the kernel's own text_poke.)
echo 1 >$TR/events/sched/sched_kthread_stop/enable 2>/dev/null || :

# leftovers: our instances and kprobe events, one a line
leftovers() {
	ls $TR/instances 2>/dev/null | grep '^dmascope-'
	grep 'dmascope_' $TR/kprobe_events 2>/dev/null
}

nothing_left() {
	_l=$(leftovers)
	if [ -z "$_l" ]; then
		ok "$1: nothing left in tracefs"
	else
		not_ok "$1: left in tracefs: $(echo "$_l" | head -n 3 | tr '\n' ' ')"
	fi
}

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"
if [ -d $TR/events/dma ]; then
	echo dma >"$T/events"
else
	echo kprobes >"$T/events"
fi

for s in memcpy storage-sg missing-sync-for-cpu missing-sync-for-device \
	double-unmap unmap-size-mismatch unmap-dir-mismatch sync-dir-mismatch \
	sync-out-of-range desc-never-issued xfer-error terminate-in-flight; do
	: >"$T/$s.truth"
	dmatrace check --source ftrace -v --format json --fail-on info \
		-o "$T/$s.json" -w "$T/$s.dmat" -- sh -c "echo $s >$D/run" \
		2>"$T/$s.err"
	echo $? >"$T/$s.rc"
	cp $D/ground_truth "$T/$s.truth"
	if [ "$(cat "$T/$s.rc")" = 2 ]; then
		not_ok "$s: dmatrace check --source ftrace failed: $(tail -n 3 "$T/$s.err")"
	else
		ok "$s: dmatrace check --source ftrace exit $(cat "$T/$s.rc")"
	fi
	if grep -q ' 0 lost' "$T/$s.err"; then
		ok "$s: no events lost"
	else
		not_ok "$s: events lost or not counted: $(tail -n 1 "$T/$s.err")"
	fi
	nothing_left "$s"
done

# a session ended by a signal: removed at exit, the recording written
for sig in INT TERM; do
	dmatrace record --source ftrace -o /tmp/sig.dmat 2>"$T/sig$sig.err" &
	pid=$!
	if wait_for 60 sh -c "ls $TR/instances | grep -q dmascope-$pid"; then
		ok "SIG$sig: the instance dmascope-$pid is there while recording"
	else
		not_ok "SIG$sig: no instance dmascope-$pid: $(cat "$T/sig$sig.err")"
	fi
	echo memcpy >$D/run
	kill -$sig $pid
	wait $pid
	rc=$?
	if [ "$rc" = 0 ] && [ -s /tmp/sig.dmat ]; then
		ok "SIG$sig: record exit 0, recording written"
	else
		not_ok "SIG$sig: record exit $rc: $(tail -n 2 "$T/sig$sig.err")"
	fi
	nothing_left "SIG$sig"
	rm -f /tmp/sig.dmat
done

# SIGKILL: the instance stays behind until the next run removes it
dmatrace record --source ftrace -o /tmp/kill.dmat 2>"$T/kill.err" &
pid=$!
wait_for 60 sh -c "ls $TR/instances | grep -q dmascope-$pid"
kill -KILL $pid
wait $pid
if [ -n "$(leftovers)" ]; then
	ok "SIGKILL: the killed run's instance and probes stay behind"
else
	not_ok "SIGKILL: nothing stayed behind (was the run set up at all?)"
fi
dmatrace record --source ftrace --duration 1 -v -o /tmp/kill2.dmat 2>"$T/kill2.err"
if grep -q 'removed .* a killed session left' "$T/kill2.err"; then
	ok "SIGKILL: the next run says it removed what the killed one left"
else
	not_ok "SIGKILL: the next run did not clean up: $(tail -n 2 "$T/kill2.err")"
fi
nothing_left "SIGKILL then a new run"
rm -f /tmp/kill.dmat /tmp/kill2.dmat

check "rmmod vdmac" rmmod vdmac
vm_done
