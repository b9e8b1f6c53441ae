# trace_vdmac_all.sh - every vdmac scenario under one `dmatrace check` per
# hook family (BPF loaded twice, not once per scenario as in trace_vdmac):
# the default hooks, then the kprobe/kretprobe fallback.  The truths of all
# runs are gathered into one file, so trace_vdmac.host compares the one
# report with all of them, both ways; the scenarios that need options of
# their own (long-held) or an unbind, the NUMA ones (below) and the module
# unloads run alone.
# The vm-kernels tier's case (kernels-tier.sh; not in cases/, so the vm
# tier, where trace_vdmac runs, does not run it): the same coverage as
# trace_vdmac in a fraction of its time.
# vm-needs: dmatrace vdmac
# vm-timeout: 1500
. /etc/vm-lib.sh

vdmac_trace_setup

list="" alone=""
for s in $(awk '$2 == "good" || $2 == "buggy" { print $1 }' $D/scenarios); do
	case $s in
	stream-* | leak-at-unbind | long-held) ;;
	# alone: under fentry/fexit the stack-reuse key is the call site
	# alone (bpf/stacks.bpf.h), so after other scenarios' mappings
	# through vdmac's shared helper the NUMA rule's three-frame call
	# site can be another event's
	numa-*) alone="$alone $s" ;;
	*) list="$list $s" ;;
	esac
done
echo "# one pass over:$list"

# all NAME: every scenario of $list under one check, truths gathered
all() {
	: >"$T/$1.parts"
	TRUTH_FROM=$T/$1.parts
	trace "$1" "" \
		"for s in $list; do echo \$s >$D/run; cat $D/ground_truth >>$T/$1.parts; done"
	TRUTH_FROM=
}
all all
# the DMA API hooks are tracepoints on these kernels: their stack keys come
# from learned frame layouts (bpf/stacks.bpf.h), not an unwind per map
check "all: the tracepoint programs learned their frame layouts" \
	grep -q 'tracepoint short unwinds ([1-9][0-9]* frame layouts learned' "$T/all.err"
LIVE_EXTRA=--kprobes
all kprobes-all
LIVE_EXTRA=

for s in $alone; do
	trace "$s" "" "echo $s >$D/run"
	LIVE_EXTRA=--kprobes
	trace "kprobes-$s" "" "echo $s >$D/run"
	LIVE_EXTRA=
done
trace long-held "--leak-age 1s --leaks-at-exit" "echo long-held >$D/run; sleep 2"
echo release >$D/run
if [ -r "$LEAK_KO" ]; then
	# vdmac_leak stays loaded 3 s: the live source names a module's frames
	# from /proc/modules only while it is loaded, and the guest's reader can
	# lag the map by more than a second (7.3 once missed the leak with 1 s;
	# README "Kernels": the unload event should carry the module's range)
	trace leak-at-module-unload "" "taskset -c 1 insmod $LEAK_KO what=both && sleep 3 && rmmod vdmac_leak"
	echo reclaim >$D/run
	trace dmabuf-leak "" "taskset -c 1 insmod $LEAK_KO what=dmabuf && sleep 3 && rmmod vdmac_leak"
	echo reclaim >$D/run
	LIVE_EXTRA=--kprobes
	trace kprobes-module-unload "" \
		"taskset -c 1 insmod $LEAK_KO what=both && sleep 3 && rmmod vdmac_leak"
	LIVE_EXTRA=
	echo reclaim >$D/run
else
	skip "vdmac_leak.ko is not in the guest: module-unload scenarios"
fi
trace leak-at-unbind "" "echo leak-at-unbind >$D/run && echo vdmac.0 >/sys/bus/platform/drivers/vdmac/unbind"
check "vdmac.0 binds again" sh -c "echo vdmac.0 >/sys/bus/platform/drivers/vdmac/bind"
rm -f "$T"/*.parts
vm_done
