# tracecmd_import.sh - vdmac scenarios recorded by Debian's trace-cmd in the
# guest (the events this kernel has: dma:* where present, vdmac, swiotlb)
# while the BPF tracer watches the same activity; tracecmd_import.host
# replays each trace.dat on the host and compares its findings with the
# ground truth and with the BPF report.
# vm-needs: dmatrace vdmac
# vm-host-bins: trace-cmd
# vm-timeout: 900
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
T=$OUT/tracecmd
mkdir -p "$T"

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"

# the event systems this kernel has: trace-cmd refuses one it lacks
events=""
for sys in dma vdmac swiotlb; do
	[ -d /sys/kernel/tracing/events/$sys ] && events="$events -e $sys"
done
echo "$events" >"$T/events"
ok "trace-cmd record$events"

# stuck_dump FILE: every task, what it waits on and its kernel stack.  A
# scenario's run hung once for the case's whole 900 s with nothing said
# (no task in D state: the hung-task detector was quiet); should one hang
# again, the watchdog below leaves this behind for the next reader.
stuck_dump() {
	{
		ps
		for p in /proc/[0-9]*; do
			echo "== ${p#/proc/} $(cat "$p/comm" 2>/dev/null) wchan=$(cat "$p/wchan" 2>/dev/null)"
			cat "$p/stack" 2>/dev/null
		done
	} >"$1" 2>&1
}

for s in memcpy storage-sg desc-never-issued xfer-timeout xfer-error terminate-in-flight \
	unmap-size-mismatch double-unmap missing-sync-for-cpu; do
	# trace-cmd now and then writes a recording without a single event
	# (its own report shows none either): that run is recorded again, once
	for try in 1 2; do
		: >"$T/$s.truth"
		# the watchdog's output to /dev/null: a sleep left behind must not keep
		# the case's output open (the case waited for it)
		(sleep 240 && stuck_dump "$T/$s.stuck") >/dev/null 2>&1 </dev/null &
		wd=$!
		# shellcheck disable=SC2086
		dmatrace check -v --format json -o "$T/$s.bpf.json" -- \
			trace-cmd record -q -d $events -o "/tmp/$s.dat" -- sh -c "echo $s >$D/run" \
			>"$T/$s.out" 2>"$T/$s.err"
		echo $? >"$T/$s.rc"
		kill $wd 2>/dev/null
		trace-cmd report "/tmp/$s.dat" 2>/dev/null | grep -q 'vdmac_\|dma_' && break
		echo "# $s: trace-cmd's recording $try held no event"
	done
	cp $D/ground_truth "$T/$s.truth"
	if [ -s "/tmp/$s.dat" ] && cp "/tmp/$s.dat" "$T/$s.dat"; then
		ok "$s: trace-cmd wrote $(wc -c <"/tmp/$s.dat") bytes"
	else
		not_ok "$s: no trace.dat: $(tail -n 3 "$T/$s.err")"
	fi
	rm -f "/tmp/$s.dat"
done
# The cli tier's fixture (tests/cli/data/): three scenarios in one small
# recording, kallsyms hidden from trace-cmd (it would add 900 KB)
: >/tmp/nosyms
if mount --bind /tmp/nosyms /proc/kallsyms; then
	# shellcheck disable=SC2086
	trace-cmd record -q -d $events -o /tmp/fixture.dat -- \
		sh -c "echo desc-never-issued >$D/run; echo xfer-error >$D/run; echo unmap-size-mismatch >$D/run" >/dev/null 2>"$T/fixture.err"
	umount /proc/kallsyms
	cp /tmp/fixture.dat "$T/fixture.dat" && ok "fixture: $(wc -c <"$T/fixture.dat") bytes"
else
	skip "fixture: cannot hide /proc/kallsyms"
fi
check "rmmod vdmac" rmmod vdmac
vm_done
