# trace_catchers.sh - the catchers at work on every call.  A hook called
# from an interrupt taken inside its own program is skipped by the kernel;
# the hook's catcher, a second program on the same attach point, then does
# the work by a tail call into the first.  Real nesting happens only now
# and then (trace_irq_nesting), so here guard_raise raises the sync_cpu
# slot's count in the tracer's guard_running map once tracing is active:
# from then on the catcher of dma_sync_single_for_cpu sees every call as
# nested and traces it again; then the same with the map slot (the map
# hook is fexit on 6.1, a tracepoint from 6.12 on).  vdmac's memcpy scenario (a good client, five
# times over) is recorded plain and with each slot raised; trace_catchers.host compares the
# sync_for_cpu events of the two.
# vm-needs: dmatrace vdmac
# vm-cmdline: swiotlb=force
# vm-timeout: 300
. /etc/vm-lib.sh

vdmac_trace_setup catchers
# rec NAME [SLOT]: the memcpy scenario, five times, recorded to $T/NAME.dmat (-v lines
# in $T/NAME.err) and exported to $T/NAME.csv; with SLOT, that slot raised
# first (swiotlb=force: the syncs are made on every kernel, not elided)
rec() {
	dmatrace record -v -o "$T/$1.dmat" -- sh -c "
		${2:+guard_raise $2 >$T/$1.raise 2>&1 || exit 3}
		for i in 1 2 3 4 5; do echo memcpy >$D/run; done" 2>"$T/$1.err"
	check "$1: dmatrace record exit 0" test $? = 0
	dmatrace export --format csv -o "$T/$1.csv" "$T/$1.dmat"
	check "$1: dmatrace export exit 0" test $? = 0
}
rec plain
rec raised sync_cpu
check "guard_raise: $(cat "$T/raised.raise")" grep -q 'raised on' "$T/raised.raise"
# the map hook's catcher too: fexit on 6.1, the dma:* tracepoint later
rec raised-map map
check "guard_raise: $(cat "$T/raised-map.raise")" grep -q 'raised on' "$T/raised-map.raise"
# a stack map of one entry keeps one stack: record and check both say how
# many more the kernel did not capture (a finding then shows none)
for c in record check; do
	dmatrace $c --all-stacks --stack-entries 1 -o "$T/one-$c.out" -- \
		sh -c "echo memcpy >$D/run" 2>"$T/one-$c.err"
	check "$c with a one-entry stack map: $(grep 'stacks not captured' "$T/one-$c.err")" \
		grep -q "^dmatrace $c: [1-9][0-9]* stacks not captured" "$T/one-$c.err"
done
check "rmmod vdmac" rmmod vdmac
vm_done
