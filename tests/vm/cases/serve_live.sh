# serve_live.sh - dmatrace serve on live tracing in the VM: vdmac's traffic
# between two scrapes of /metrics must move its counters (maps, bytes,
# dmaengine transfers and their latency histogram), the hooks in use must
# be listed, and SIGTERM must end it cleanly with the final textfile
# written.  Scrapes go to $OUT/serve/, where serve_live.host runs promtool
# on them and checks that no counter went back.
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
O=$OUT/serve
mkdir -p "$O/textfile"
# (busybox wget -T crashes: timeout(1) bounds it instead)
scrape() { timeout 10 wget -q -O "$1" http://127.0.0.1:9747/metrics; }
# value FILE PREFIX: the sum of the samples whose line starts with PREFIX
value() { awk -v p="$2" 'index($0, p) == 1 { v += $NF } END { printf "%d", v }' "$1"; }

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"

dmatrace serve --listen 127.0.0.1:9747 --textfile "$O/textfile" \
	--textfile-interval 1 2>"$O/serve.err" &
pid=$!
if ! wait_for 90 grep -q 'serving http://' "$O/serve.err"; then
	not_ok "dmatrace serve did not start in 90 s: $(head -n 3 "$O/serve.err")"
	kill "$pid"
	vm_done
fi
ok "dmatrace serve is tracing: $(head -n 1 "$O/serve.err")"

echo memcpy >$D/run
check "memcpy before the first scrape" grep -q '^status=pass' $D/result
sleep 1
check "first scrape" scrape "$O/scrape1.txt"
for i in 1 2 3 4 5; do echo memcpy >$D/run; done
check "five more memcpy runs" grep -q '^status=pass' $D/result
sleep 1
check "second scrape" scrape "$O/scrape2.txt"

dev='device="vdmac.0",driver="vdmac",numa_node="1"'
# each memcpy run maps a 64 KiB source and destination and copies once
# (maps and bytes summed over directions); events only have to move
while read -r want s; do
	a=$(value "$O/scrape1.txt" "$s")
	b=$(value "$O/scrape2.txt" "$s")
	if [ "$want" = moved ]; then
		check "moved between scrapes: $s $a -> $b" test "$b" -gt "$a" -a "$a" -gt 0
	else
		check "five runs between scrapes: $s $a -> $b (+$want)" \
			test "$((b - a))" = "$want" -a "$a" -gt 0
	fi
done <<LIST
10 dmascope_maps_total{$dev,
655360 dmascope_mapped_bytes_total{$dev,
10 dmascope_unmaps_total{$dev}
5 dmascope_dmaengine_transfers_completed_total{$dev}
5 dmascope_dmaengine_transfer_latency_seconds_count{$dev}
moved dmascope_events_total
LIST
check "hooks in use are listed" grep -q '^dmascope_hook_info{op="dma_map_page_attrs",family="f' "$O/scrape2.txt"
check "vdmac's own tracepoints are among them" \
	grep -q '^dmascope_hook_info{op="vdmac_submit",family="raw_tp"} 1' "$O/scrape2.txt"
check "session_info says live tracing" grep -q '^dmascope_session_info{kernel=".*",source="live"} 1' "$O/scrape2.txt"
check "vdmac.0 has its device_info, bus platform" \
	grep -q "^dmascope_device_info{$dev,bus=\"platform\"" "$O/scrape2.txt"

kill -TERM "$pid"
wait "$pid"
rc=$?
check "SIGTERM ends dmatrace serve with status 0 (got $rc)" test "$rc" = 0
check "the final textfile is written" grep -q '^dmascope_events_total ' "$O/textfile/dmascope.prom"
check "rmmod vdmac" rmmod vdmac
vm_done
