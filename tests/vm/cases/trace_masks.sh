# trace_masks.sh - DMA masks and swiotlb bouncing under live tracing, booted
# with swiotlb=force: vdmac's mask scenarios (a 32-bit client, a mask
# narrowed with a page mapped, a driver that never sets its mask) each run
# under dmatrace check; reports, recordings and ground truth go to
# $OUT/masks/, where trace_masks.host compares the findings with the truth
# both ways and the bytes swiotlb copied per device with the bytes the
# 32-bit client moved.
# vm-needs: dmatrace vdmac
# vm-cmdline: swiotlb=force
# vm-timeout: 900
. /etc/vm-lib.sh

vdmac_trace_setup masks channels=1

for s in mask-32bit mask-changed-while-mapped mask-never-set; do
	: >"$T/$s.truth"
	dmatrace check --format json --fail-on info -o "$T/$s.json" -w "$T/$s.dmat" \
		-- sh -c "echo $s >$D/run" 2>"$T/$s.err"
	rc=$?
	cp $D/ground_truth "$T/$s.truth"
	cp $D/result "$T/$s.result"
	if [ "$rc" = 1 ]; then
		ok "$s: dmatrace check exit 1 (findings)"
	else
		not_ok "$s: dmatrace check exit $rc, want 1: $(tail -n 3 "$T/$s.err")"
	fi
	check "$s: the scenario passed" grep -qx 'status=pass' "$T/$s.result"
	check "$s: no events lost" grep -q ' 0 lost' "$T/$s.err"
done
check "the hooks include dma_set_mask" grep -q 'dma_set_mask' "$T/mask-32bit.json"
dmatrace replay "$T/mask-32bit.dmat" >"$T/mask-32bit.txt" 2>&1
check "text report: vdmac-m32's bounces say why (swiotlb=force)" \
	grep -q 'why: swiotlb=force' "$T/mask-32bit.txt"
check "rmmod vdmac" rmmod vdmac
vm_done
