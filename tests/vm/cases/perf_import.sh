# perf_import.sh - vdmac scenarios recorded by Debian's perf in the guest
# (perf record -a -g of the events this kernel has: dma:* where present,
# vdmac, swiotlb) while the BPF tracer watches the same activity;
# perf_import.host replays each perf.data on the host and compares its
# findings with the ground truth and with the BPF report, as
# tracecmd_import does for trace-cmd.
# vm-needs: dmatrace vdmac
# vm-host-bins: perf
# vm-timeout: 900
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
T=$OUT/perf
mkdir -p "$T"

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"

# the event systems this kernel has: perf refuses one it lacks
events=""
for sys in dma vdmac swiotlb; do
	[ -d /sys/kernel/tracing/events/$sys ] && events="$events -e $sys:*"
done
echo "$events" >"$T/events"
ok "perf record -a -g$events"

for s in memcpy desc-never-issued xfer-timeout xfer-error terminate-in-flight \
	unmap-size-mismatch; do
	: >"$T/$s.truth"
	# shellcheck disable=SC2086
	dmatrace check --format json -o "$T/$s.bpf.json" -- \
		perf record -q -a -g $events -o "/tmp/$s.data" -- sh -c "echo $s >$D/run" \
		>"$T/$s.out" 2>"$T/$s.err"
	echo $? >"$T/$s.rc"
	cp $D/ground_truth "$T/$s.truth"
	if [ -s "/tmp/$s.data" ] && cp "/tmp/$s.data" "$T/$s.data"; then
		ok "$s: perf wrote $(wc -c <"/tmp/$s.data") bytes"
	else
		not_ok "$s: no perf.data: $(tail -n 3 "$T/$s.err")"
	fi
	rm -f "/tmp/$s.data"
done
# perf's own JSON of one of them, for the host to refuse with the reason
if perf data convert --to-json "$T/xfer-error.json" -i "$T/xfer-error.data" >/dev/null 2>"$T/json.err"; then
	ok "perf data convert --to-json: $(wc -c <"$T/xfer-error.json") bytes"
else
	skip "perf data convert --to-json: $(tail -n 1 "$T/json.err")"
fi
check "rmmod vdmac" rmmod vdmac
vm_done
