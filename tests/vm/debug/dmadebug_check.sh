# dmadebug_check.sh - the vm-debug tier's case, on the kernel built with
# CONFIG_DMA_API_DEBUG (tests/vm/debug-kernel.sh): every vdmac scenario
# under `dmatrace check --dmesg`, which turns dma-debug's all_errors on for
# the run and merges its reports into the findings.  JSON reports, the
# text reports' dma-debug sections and the ground truth go to $OUT/dd/;
# dmadebug_check.host compares them with the truth and builds the table of
# which tool finds which planted bug.
# vm-needs: dmatrace vdmac
# vm-timeout: 1500
# vm-allow-warning: kernel/dma/debug\.c
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
A=/sys/kernel/debug/dma-api
T=$OUT/dd
mkdir -p "$T"

check "this kernel has dma-debug ($A)" test -r $A/error_count -a -w $A/all_errors
check "dma-debug is enabled" test "$(cat $A/disabled 2>/dev/null)" = N
all_errors=$(cat $A/all_errors)
check "all_errors is 0 before the runs (the kernel's default)" test "$all_errors" = 0

if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"
LEAK_KO=$(dirname "$VDMAC_KO")/vdmac_leak.ko

# trace NAME OPTS CMD: dmatrace check --dmesg with OPTS while sh -c CMD runs,
# a JSON report and the text report's dma-debug section; the ground truth
# published during the run is kept.
trace() {
	_n=$1 _o=$2
	shift 2
	echo "$_o" >"$T/$_n.opts"
	# shellcheck disable=SC2086
	dmatrace check --dmesg --format json -o "$T/$_n.json" $_o -- sh -c "$*" \
		2>"$T/$_n.err"
	echo $? >"$T/$_n.rc"
	cp $D/ground_truth "$T/$_n.truth"
	_rc=$(cat "$T/$_n.rc")
	if [ "$_rc" = 2 ]; then
		not_ok "$_n: dmatrace check --dmesg failed: $(tail -n 3 "$T/$_n.err")"
	else
		ok "$_n: dmatrace check --dmesg exit $_rc"
	fi
	if [ "$(cat $A/all_errors)" != "$all_errors" ]; then
		not_ok "$_n: all_errors is $(cat $A/all_errors) after the run, was $all_errors"
	fi
}

for s in $(awk '$2 == "good" || $2 == "buggy" { print $1 }' $D/scenarios); do
	case $s in
	stream-* | leak-at-unbind) continue ;;
	long-held)
		trace "$s" "--leak-age 1s --leaks-at-exit" "echo $s >$D/run; sleep 2"
		echo release >$D/run
		;;
	*) trace "$s" "" "echo $s >$D/run" ;;
	esac
done

# The unbind: dma-debug's only leak check (pending allocations at unbind).
trace leak-at-unbind "" "echo leak-at-unbind >$D/run && echo vdmac.0 >/sys/bus/platform/drivers/vdmac/unbind"
check "vdmac.0 binds again" sh -c "echo vdmac.0 >/sys/bus/platform/drivers/vdmac/bind"
if [ -r "$LEAK_KO" ]; then
	trace leak-at-module-unload "" "taskset -c 1 insmod $LEAK_KO what=mapping && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
	trace channel-leak "" "taskset -c 1 insmod $LEAK_KO what=channel && sleep 1 && rmmod vdmac_leak"
	echo reclaim >$D/run
fi

# The text report says what dma-debug printed and what its debugfs held.
dmatrace check --dmesg -o "$T/text-unmap-size-mismatch.txt" -- \
	sh -c "echo unmap-size-mismatch >$D/run" 2>"$T/text.err"
check "text report: dma-debug's section with error_count" \
	grep -q 'CONFIG_DMA_API_DEBUG reports while CMD ran: [1-9].*error_count [0-9]* -> [0-9]*' "$T/text-unmap-size-mismatch.txt"
check "text report: the size mismatch parsed (device, class, address)" \
	grep -q '\[free-size\] vdmac vdmac.0 addr=0x[0-9a-f]* size=[0-9]*' "$T/text-unmap-size-mismatch.txt"
check "text report: the finding is marked as seen by both" \
	grep -q 'CONFIG_DMA_API_DEBUG reported it too' "$T/text-unmap-size-mismatch.txt"
check "text report: dma-debug's dump read" grep -q "dma-debug's dump: [0-9]* mappings outstanding" "$T/text-unmap-size-mismatch.txt"
check "all_errors restored to $all_errors" test "$(cat $A/all_errors)" = "$all_errors"
check "rmmod vdmac" rmmod vdmac
vm_done
