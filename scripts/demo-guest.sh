# demo-guest.sh - what `make demo` runs inside the VM: a real driver
# workload (NVMe O_DIRECT I/O, frames between the e1000e NICs, from node 1's
# CPU; then O_DIRECT reads from node 0's CPU, an unpinned application whose
# remote buffers show as information) and vdmac scenarios, good and buggy,
# recorded by `dmatrace record`; then `dmatrace replay` of it, and
# `dmatrace check` as a CI gate would run.
# The scenarios' ground truth, and what the unpinned run must show, go to
# /out/demo.truth beside the recording.
D=/sys/kernel/debug/vdmac
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

insmod "$VDMAC_KO" node=1 channels=4 || exit 1
cat >/tmp/workload.sh <<'WORK'
D=/sys/kernel/debug/vdmac
taskset -c 1 modprobe nvme
n=0
while [ ! -b /dev/nvme0n1 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
dd if=/dev/urandom of=/tmp/pattern bs=64k count=32 2>/dev/null
echo "workload: nvme O_DIRECT write and read of 2 MiB on node 1's CPU"
taskset -c 1 dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k oflag=direct conv=fsync 2>/dev/null
taskset -c 1 dd if=/dev/nvme0n1 of=/tmp/back bs=64k count=32 iflag=direct 2>/dev/null
cmp /tmp/pattern /tmp/back && echo "workload: data read back intact"
# what an unpinned application looks like: its own buffers on node 0, the
# NVMe on node 1 (reported as information, placed by user space)
echo "workload: nvme O_DIRECT read of 8 MiB from node 0's CPU (not pinned to the device's node)"
taskset -c 0 dd if=/dev/nvme0n1 of=/dev/null bs=64k count=128 iflag=direct 2>/dev/null
# what that run must show: both information findings on the NVMe (ground
# truth beside the vdmac scenarios', compared by the fresh tier)
nvme_pci=$(basename "$(readlink -f /sys/class/nvme/nvme0/device)")
echo "finding=numa-remote-io-buffer dev=$nvme_pci" >>/out/demo.truth
echo "finding=numa-remote-cpu dev=$nvme_pci" >>/out/demo.truth
modprobe e1000e
set -- $(for i in /sys/class/net/*; do
	[ "$(basename "$(readlink "$i/device/driver" 2>/dev/null)")" = e1000e ] && basename "$i"
done)
# each NIC's rings, frames and interrupts on a CPU of its own node
node_of() { cat "/sys/class/net/$1/device/numa_node"; }
for i in "$1" "$2"; do
	for q in /sys/class/net/$i/device/msi_irqs/*; do
		[ -e "$q" ] && { echo $((1 << $(node_of "$i"))) >"/proc/irq/$(basename "$q")/smp_affinity"; } 2>/dev/null
	done
	taskset -c "$(node_of "$i")" ip link set "$i" up
done
n=0
while ! grep -qx 1 "/sys/class/net/$2/carrier" && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
echo "workload: 500 frames $1 -> $2 and back"
taskset -c "$(node_of "$1")" rawpkt "$1" "$2" 500 && taskset -c "$(node_of "$2")" rawpkt "$2" "$1" 500
for s in memcpy rx-ring storage-sg missing-sync-for-cpu double-unmap pool-leak desc-never-issued; do
	echo "workload: vdmac scenario $s"
	echo $s >$D/run
	cat $D/ground_truth >>/out/demo.truth
done
ip link set "$1" down
ip link set "$2" down
rmmod e1000e nvme
WORK

say "dmatrace record -o /out/demo.dmat -- sh workload.sh"
dmatrace record -o /out/demo.dmat -- sh /tmp/workload.sh
# the guest's NUMA layout by sysfs, beside the truth: the fresh tier judges
# any other placement finding on nvme and e1000e by it (the kernel places
# their buffers, and now and then on the other node)
. /etc/vm-lib.sh
numa_facts /out/demo.numa
say "dmatrace replay /out/demo.dmat"
dmatrace replay /out/demo.dmat
say "dmatrace check -- sh -c 'echo unmap-size-mismatch > $D/run'   (a CI gate)"
dmatrace check -q --no-stacks -- sh -c "echo unmap-size-mismatch >$D/run"
echo "dmatrace check exit status: $? (0 clean, 1 findings, 2 error)"
rmmod vdmac
exit 0
