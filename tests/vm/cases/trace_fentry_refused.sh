# trace_fentry_refused.sh - the fentry test's link, made while the
# programs load, is refused after fentry hooks were chosen: another program
# (tramp_fill) holds every link dma_set_mask's trampoline can take.
# dmatrace must choose its hooks again without fentry (kprobes), say why
# under -v, and still see what vdmac does: a planted bug
# (unmap-size-mismatch) and a good client (memcpy).
# trace_fentry_refused.host checks the -v lines and the hook families, then
# compares each report with its ground truth both ways (trace_vdmac.host).
# vm-needs: dmatrace vdmac
# vm-timeout: 400
. /etc/vm-lib.sh

vdmac_trace_setup
tramp_fill dma_set_mask >"$T/fill.out" 2>&1 &
fill=$!
if wait_for 60 grep -q ' holds ' "$T/fill.out"; then
	ok "$(cat "$T/fill.out")"
else
	not_ok "tramp_fill did not fill dma_set_mask's trampoline: $(cat "$T/fill.out")"
	kill $fill
	vm_done
fi
for s in unmap-size-mismatch memcpy; do
	LIVE_EXTRA=-v trace "$s" "" "echo $s >$D/run"
done
kill $fill
wait $fill 2>/dev/null
check "rmmod vdmac" rmmod vdmac
vm_done
