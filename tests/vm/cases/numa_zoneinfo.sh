# numa_zoneinfo.sh - NUMA placement on a kernel without memory blocks in
# sysfs (built without CONFIG_MEMORY_HOTPLUG): /sys/devices/system/memory
# is hidden under an empty tmpfs, and vdmac's numa-remote-buffer scenario
# runs under `dmatrace check --fail-on warning` (the finding is a warning).
# The memory map then comes from
# /proc/zoneinfo's node spans (said under -v) and the planted remote buffer
# is found.  With zoneinfo hidden too, nothing can place a buffer: the
# report must say that placement was not judged.  The host side
# (numa_zoneinfo.host) compares the findings with the ground truth.
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh
D=/sys/kernel/debug/vdmac
T=$OUT/trace
mkdir -p "$T"
if ! insmod "$VDMAC_KO" node=1 channels=2; then
	not_ok "insmod vdmac.ko node=1 channels=2"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=2"
check "memory blocks hidden" mount -t tmpfs none /sys/devices/system/memory

# run NAME: the scenario under dmatrace check -v, report and truth kept
run() {
	: >"$T/$1.truth"
	dmatrace check -v --fail-on warning --format json -o "$T/$1.json" -w "$T/$1.dmat" -- \
		sh -c "echo numa-remote-buffer >$D/run" 2>"$T/$1.err"
	echo $? >"$T/$1.rc"
	cp $D/ground_truth "$T/$1.truth"
}

run zoneinfo
check "the memory map came from /proc/zoneinfo" grep -q 'NUMA memory map from /proc/zoneinfo' "$T/zoneinfo.err"
check "dmatrace check found the remote buffer (exit 1)" test "$(cat "$T/zoneinfo.rc")" = 1

check "zoneinfo hidden too" mount --bind /dev/null /proc/zoneinfo
run unjudged
check "dmatrace check ran without a memory map (exit 0)" test "$(cat "$T/unjudged.rc")" = 0
umount /proc/zoneinfo
umount /sys/devices/system/memory
rmmod vdmac
vm_done
