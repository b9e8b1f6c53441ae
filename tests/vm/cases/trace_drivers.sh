# trace_drivers.sh - real drivers under `dmatrace check`: nvme and e1000e
# are loaded, used (NVMe O_DIRECT writes and reads, frames both ways
# between the NICs, from node 1's CPU) and unloaded while traced, IOMMU on.
# A correct driver gives zero findings; trace_drivers.host also checks that
# the report names each device with its driver and NUMA node as sysfs does,
# and that a host replay of the recording agrees.
# vm-modules: nvme e1000e
# vm-needs: dmatrace rawpkt
# vm-timeout: 400
. /etc/vm-lib.sh

T=$OUT/trace
mkdir -p "$T"

# The workload, run by dmatrace check.  Facts about each device (as sysfs
# sees them while bound) go to drivers.facts for the host side.
cat >/tmp/work.sh <<'WORK'
set -e
T=$1
modprobe nvme
n=0
while [ ! -b /dev/nvme0n1 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
taskset -c 1 dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k oflag=direct conv=fsync 2>/dev/null
taskset -c 1 dd if=/dev/nvme0n1 of=/tmp/back bs=64k count=16 iflag=direct 2>/dev/null
cmp /tmp/pattern /tmp/back
modprobe e1000e
nics=""
for i in /sys/class/net/*; do
	[ "$(basename "$(readlink "$i/device/driver" 2>/dev/null)")" = e1000e ] &&
		nics="$nics $(basename "$i")"
done
set -- $nics
ip link set "$1" up
ip link set "$2" up
n=0
while ! { grep -qx 1 "/sys/class/net/$1/carrier" && grep -qx 1 "/sys/class/net/$2/carrier"; } &&
	[ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
taskset -c 1 rawpkt "$1" "$2" 200
taskset -c 1 rawpkt "$2" "$1" 200
for d in /sys/bus/pci/drivers/nvme/0000:* /sys/bus/pci/drivers/e1000e/0000:*; do
	[ -e "$d" ] || continue
	echo "$(basename "$d") $(basename "$(dirname "$d")") $(cat "$d/numa_node") $([ -e "$d/iommu_group" ] && echo iommu || echo -)"
done >"$T/drivers.facts"
ip link set "$1" down
ip link set "$2" down
rmmod e1000e nvme
WORK

dmatrace check --format json -o "$T/drivers.json" -w "$T/drivers.dmat" -- sh /tmp/work.sh "$T" \
	2>"$T/drivers.err"
rc=$?
echo $rc >"$T/drivers.rc"
echo "drivers" >"$T/drivers.name"
tail -n 2 "$T/drivers.err" | sed 's/^/# /'
check "nvme and e1000e workload ran to the end under tracing" grep -q 'sh exited with status 0' "$T/drivers.err"
check "dmatrace check: no findings (exit $rc)" test "$rc" = 0
check "dmatrace check: nothing lost" grep -q ' 0 lost' "$T/drivers.err"
check "facts about 3 devices collected" test "$(wc -l <"$T/drivers.facts")" = 3
vm_done
