# dmatop_live.sh - dmatop's batch output on live tracing in the VM: while
# `dmatop -b --json` runs, vdmac's stream client copies through a channel
# and a buggy scenario plants a missing sync_for_device.  Frames, ground
# truth and the stream's own count go to $OUT/dmatop/, where
# dmatop_live.host checks the numbers.  Here: dmatop starts tracing, exits
# 0, and its plain-text frames show the device.
# vm-needs: dmatop vdmac
# vm-timeout: 300
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
O=$OUT/dmatop
mkdir -p "$O"

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"

# JSON frames, one a second; the first one means tracing is on
dmatop -b --json -d 1 -n 8 >"$O/frames.json" 2>"$O/json.err" &
pid=$!
if ! wait_for 90 test -s "$O/frames.json"; then
	not_ok "dmatop -b --json printed no frame in 90 s: $(head -n 3 "$O/json.err")"
	kill "$pid"
	vm_done
fi
ok "dmatop -b --json is tracing"
echo stream-start >$D/run
check "stream-start" grep -q '^status=pass' $D/result
sleep 2
echo missing-sync-for-device >$D/run
cp $D/ground_truth "$O/missing-sync.truth"
sleep 1
echo stream-stop >$D/run
cp $D/result "$O/stream.result"
check "stream-stop: copies checked" grep -q '^status=pass' "$O/stream.result"
wait "$pid"
rc=$?
echo "$rc" >"$O/json.rc"
check "dmatop -b --json exits 0 (exit $rc; $(head -n 1 "$O/json.err"))" test "$rc" = 0

# plain text: the device row appears once vdmac maps something
dmatop -b -d 1 -n 3 >"$O/frames.txt" 2>"$O/text.err" &
pid=$!
wait_for 90 grep -q '^dmatop - live' "$O/frames.txt"
echo memcpy >$D/run
wait "$pid"
rc=$?
check "dmatop -b exits 0 (exit $rc)" test "$rc" = 0
check "dmatop -b: three text frames" test "$(grep -c '^dmatop - live' "$O/frames.txt")" = 3
check "dmatop -b: vdmac.0 row with its driver and node 1" \
	grep -qE '^vdmac\.0 +vdmac +1 ' "$O/frames.txt"
check "rmmod vdmac" rmmod vdmac
vm_done
