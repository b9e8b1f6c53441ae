# trace_drivers.sh - real drivers under `dmatrace check`: nvme and e1000e
# are loaded, used (NVMe O_DIRECT writes and reads, frames both ways
# between the NICs, from node 1's CPU) and unloaded while traced, IOMMU on.
# A correct driver gives zero findings of any area: the few buffers the
# kernel still places on the other node are statistics, not findings (a
# numa-* finding needs systematic remote placement per call site; one that
# appears anyway is checked against the recorded physical address and the
# memory map); trace_drivers.host also checks that
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
set -ex
T=$1
# irq_to_node PCIADDR: the device's interrupts go to a CPU of its node
irq_to_node() {
	_node=$(cat "/sys/bus/pci/devices/$1/numa_node")
	for _i in /sys/bus/pci/devices/$1/msi_irqs/*; do
		[ -e "$_i" ] && { echo $((1 << _node)) >"/proc/irq/$(basename "$_i")/smp_affinity"; } 2>/dev/null || :
	done
	return 0
}
node_of_if() { cat "/sys/class/net/$1/device/numa_node"; }

# nvme on node 1: probe, I/O and interrupts on cpu 1.  From 6.16 on, where
# the O_DIRECT I/O goes through the IOVA API, the disk's partition scan
# after probe (page-cache reads from whatever CPU its unbound worker runs
# on) is the only I/O left at nvme's dma_map call site: the kernel's
# unbound work is pinned to nvme's node too.  Not before: on 6.1 that pin
# made the later e1000e frames' skbs come from node 0 in 2 of 4 runs (slab
# placement, the finding true by the physical addresses; not understood).
wq=/sys/devices/virtual/workqueue/cpumask
wq_all=""
if [ "$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')" -ge 6016 ]; then
	wq_all=$(cat $wq 2>/dev/null || :)
	[ -z "$wq_all" ] || echo 2 >$wq || :
fi
taskset -c 1 modprobe nvme
n=0
while [ ! -b /dev/nvme0n1 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
irq_to_node "$(basename "$(readlink /sys/class/nvme/nvme0/device)")"
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16
taskset -c 1 dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k oflag=direct conv=fsync
taskset -c 1 dd if=/dev/nvme0n1 of=/tmp/back bs=64k count=16 iflag=direct
cmp /tmp/pattern /tmp/back
[ -z "$wq_all" ] || echo "$wq_all" >$wq || :
# e1000e: one NIC per node; each one's rings filled, frames sent and
# interrupts taken on its own node's CPU
modprobe e1000e
nics=""
for i in /sys/class/net/*; do
	[ "$(basename "$(readlink "$i/device/driver" 2>/dev/null)")" = e1000e ] || continue
	nics="$nics $(basename "$i")"
	irq_to_node "$(basename "$(readlink "$i/device")")"
done
set -- $nics
taskset -c "$(node_of_if "$1")" ip link set "$1" up
taskset -c "$(node_of_if "$2")" ip link set "$2" up
n=0
while ! { grep -qx 1 "/sys/class/net/$1/carrier" && grep -qx 1 "/sys/class/net/$2/carrier"; } &&
	[ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
taskset -c "$(node_of_if "$1")" rawpkt "$1" "$2" 200
taskset -c "$(node_of_if "$2")" rawpkt "$2" "$1" 200
for d in /sys/bus/pci/drivers/nvme/0000:* /sys/bus/pci/drivers/e1000e/0000:*; do
	[ -e "$d" ] || continue
	echo "$(basename "$d") $(basename "$(dirname "$d")") $(cat "$d/numa_node") $([ -e "$d/iommu_group" ] && echo iommu || echo -)"
done >"$T/drivers.facts"
taskset -c "$(node_of_if "$1")" ip link set "$1" down
taskset -c "$(node_of_if "$2")" ip link set "$2" down
rmmod e1000e nvme
WORK

dmatrace check -v --format json -o "$T/drivers.json" -w "$T/drivers.dmat" -- sh /tmp/work.sh "$T" \
	2>"$T/drivers.err"
rc=$?
echo $rc >"$T/drivers.rc"
echo "drivers" >"$T/drivers.name"
grep -e '^dmatrace check: ' -e '^dmatrace: stacks: ' "$T/drivers.err" | sed 's/^/# /'
check "nvme and e1000e workload ran to the end under tracing" grep -q 'sh exited with status 0' "$T/drivers.err"
# findings (exit 1) are listed and judged on the host
check "dmatrace check ran (exit $rc; findings are judged on the host)" test "$rc" != 2
# the memory map, for the host to judge each NUMA finding
numa_facts "$T/drivers.numa"
check "dmatrace check: nothing lost" grep -q ' 0 lost' "$T/drivers.err"
stack_keys_ok drivers "$T/drivers.err"
# What the NVMe workload moved, each way, for the host to account for, and
# whether the kernel has the IOVA API (6.16+; nvme-pci maps its I/O with it
# under an IOMMU, no dma:* event: its functions are hooked).
echo "to-device $((64 * 1024 * 16)) from-device $((64 * 1024 * 16))" >"$T/drivers.nvme-io"
uname -r >"$T/drivers.kernel"
grep -qw dma_iova_link /proc/kallsyms && echo "iova-api" >>"$T/drivers.kernel"
check "facts about 3 devices collected" test "$(wc -l <"$T/drivers.facts")" = 3
vm_done
