# trace_cma.sh - contiguous memory (CMA) under live tracing, booted with
# cma=64M: vdmac's CMA scenarios (4 MiB from CMA, 128 MiB that CMA cannot
# give) each run under dmatrace check; reports, recordings and ground
# truth go to $OUT/cma/, where trace_cma.host compares the findings with
# the truth both ways and vdmac.0's CMA bytes with what the scenario
# allocated.  On a kernel without CONFIG_CMA (Debian's 6.1 and 6.12) the
# scenarios refuse, saying why, and the report says CMA was not watched.
# vm-needs: dmatrace vdmac
# vm-cmdline: cma=64M
# vm-timeout: 900
. /etc/vm-lib.sh

vdmac_trace_setup cma channels=1
cma=$(sed -n 's/^CmaTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
echo "# CmaTotal ${cma:-none} kB"

for s in cma-alloc cma-alloc-failed; do
	dmatrace check --format json --fail-on info -o "$T/$s.json" -w "$T/$s.dmat" \
		-- sh -c "echo $s >$D/run" 2>"$T/$s.err"
	rc=$?
	cp $D/ground_truth "$T/$s.truth"
	cp $D/result "$T/$s.result"
	check "$s: no events lost" grep -q ' 0 lost' "$T/$s.err"
	if [ "${cma:-0}" -gt 0 ]; then
		want=0
		[ $s = cma-alloc-failed ] && want=1
		check "$s: the scenario passed" grep -qx 'status=pass' "$T/$s.result"
		check "$s: dmatrace check exit $want" test "$rc" = $want
	else
		check "$s: refused without a CMA area, saying why" \
			grep -Eq "^refused=$s reason=(no-dma-cma|no-cma-area)$" "$T/$s.truth"
		if grep -q "^refused=$s reason=no-dma-cma" "$T/$s.truth"; then
			check "$s: the report says CMA was not watched (kernel without CONFIG_CMA)" \
				grep -q 'cma_alloc_finish was hooked (the cma:\* tracepoints; a kernel without CONFIG_CMA has none)' "$T/$s.json"
		fi
	fi
done
if [ "${cma:-0}" -gt 0 ]; then
	check "the hooks include the cma tracepoints" grep -q 'cma_alloc_finish' "$T/cma-alloc.json"
	dmatrace replay "$T/cma-alloc.dmat" >"$T/cma-alloc.txt" 2>&1
	check "text report: vdmac.0's CMA line" grep -q '^  cma         1 allocations (4.0 MiB), 0 failed; holds 0 B, peak 4.0 MiB' "$T/cma-alloc.txt"
else
	skip "CMA bytes per device: no CMA area on this kernel (CONFIG_CMA and cma= needed)"
fi
check "rmmod vdmac" rmmod vdmac
vm_done
