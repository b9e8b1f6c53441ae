# devices.sh - boot sanity of the test VM: the IOMMU is on (or off when
# asked), the NVMe disk is written and read back with O_DIRECT, both e1000e
# NICs pass frames to each other through QEMU's hub, every device reports
# the NUMA node the runner gave it, and swiotlb bounces exactly when it
# should (swiotlb=force without the IOMMU); a replay of NVMe I/O recorded
# by dmatrace shows the device's IOMMU group and domain type as sysfs does
# (no group with intel_iommu=off).
# vm-modules: nvme e1000e
# vm-needs: dmatrace
# vm-timeout: 300
# vm-variants: swiotlb=force | intel_iommu=off | intel_iommu=off swiotlb=force
. /etc/vm-lib.sh

# The last intel_iommu= argument wins, as in the kernel's own parsing.
iommu=on
for a in $(cat /proc/cmdline); do
	case $a in
	intel_iommu=off) iommu=off ;;
	intel_iommu=on) iommu=on ;;
	esac
done

# --- NUMA: two nodes, cpu0 on node 0 and cpu1 on node 1.
check "two NUMA nodes" test -d /sys/devices/system/node/node0 -a \
	-d /sys/devices/system/node/node1
check "cpu0 on node 0, cpu1 on node 1" test -e /sys/devices/system/node/node0/cpu0 \
	-a -e /sys/devices/system/node/node1/cpu1

# --- IOMMU
ngroups=$(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)
if [ "$iommu" = on ]; then
	check "IOMMU on: $ngroups iommu groups" test "$ngroups" -gt 0
else
	check "IOMMU off: no iommu groups" test "$ngroups" = 0
fi

# devinfo PCIADDR: "node N group G type T" of a PCI device.
devinfo() {
	_d=/sys/bus/pci/devices/$1
	_g=-
	_t=-
	if [ -e "$_d/iommu_group" ]; then
		_g=$(basename "$(readlink "$_d/iommu_group")")
		_t=$(cat "$_d/iommu_group/type" 2>/dev/null)
	fi
	echo "node $(cat "$_d/numa_node") group $_g type $_t"
}

# expect_dev WHAT PCIADDR NODE: the device is on NODE and, with the IOMMU
# on, in a group whose DMA is translated (not identity-mapped).
expect_dev() {
	_info=$(devinfo "$2")
	echo "# $1 $2: $_info"
	check "$1 $2 reports NUMA node $3" test "$(cat /sys/bus/pci/devices/$2/numa_node)" = "$3"
	if [ "$iommu" = on ]; then
		case $_info in
		*"type DMA"*) ok "$1 $2 is behind the IOMMU (${_info#*group })" ;;
		*) not_ok "$1 $2 is behind the IOMMU with translation: $_info" ;;
		esac
	else
		check "$1 $2 has no iommu group" test ! -e "/sys/bus/pci/devices/$2/iommu_group"
	fi
}

# --- swiotlb=force: the bounce buffer pool exists.  Whether the devices'
# DMA really bounces is counted below with the swiotlb_bounced tracepoint:
# with the IOMMU on, trusted PCI devices are translated, never bounced.
force=0
case " $(cat /proc/cmdline) " in
*" swiotlb=force "*)
	force=1
	n=$(cat /sys/kernel/debug/swiotlb/io_tlb_nslabs 2>/dev/null || echo 0)
	check "swiotlb=force: bounce pool of $n slabs" test "$n" -gt 0
	;;
esac
T=/sys/kernel/tracing
bounce_trace=0
if [ -e $T/events/swiotlb/swiotlb_bounced/enable ]; then
	echo 8192 >$T/buffer_size_kb
	echo 1 >$T/events/swiotlb/swiotlb_bounced/enable && bounce_trace=1
fi

# bounces PCIADDR: swiotlb_bounced events of one device so far.
bounces() { grep -c "dev_name: $1 " $T/trace; }

# expect_bounces WHAT PCIADDR
expect_bounces() {
	[ "$bounce_trace" = 1 ] || {
		skip "$1 $2 swiotlb bounces: no swiotlb_bounced tracepoint"
		return
	}
	_b=$(bounces "$2")
	if [ "$force" = 1 ] && [ "$iommu" = off ]; then
		check "$1 $2: its mappings bounce through swiotlb ($_b bounces)" test "$_b" -gt 0
	else
		check "$1 $2: no swiotlb bounces ($_b)" test "$_b" = 0
	fi
}

# expect_isolation PCIADDR: NVMe reads recorded by dmatrace; the replay's
# device line names the IOMMU group and its type as sysfs shows them.
expect_isolation() {
	_d=/sys/bus/pci/devices/$1
	if [ -e "$_d/iommu_group" ]; then
		_want="iommu group $(basename "$(readlink "$_d/iommu_group")") $(cat "$_d/iommu_group/type") (translated)"
	else
		_want="no iommu group (untranslated)"
	fi
	if ! dmatrace record -o /tmp/iso.dmat -- \
		dd if=/dev/nvme0n1 of=/dev/null bs=4k count=16 iflag=direct 2>/tmp/iso.err; then
		not_ok "nvme I/O recorded: $(tail -n 2 /tmp/iso.err)"
		return
	fi
	dmatrace replay /tmp/iso.dmat >/tmp/iso.txt 2>&1
	_line=$(grep "^$1  driver nvme" /tmp/iso.txt)
	echo "# replay: $_line"
	case $_line in
	*", $_want"*) ok "nvme $1: the replay shows '$_want' as sysfs does" ;;
	*) not_ok "nvme $1: want '$_want' in the replay's device line" ;;
	esac
}

# --- NVMe: O_DIRECT write and read back through the device's DMA.
if modprobe nvme && wait_for 20 test -b /dev/nvme0n1; then
	ok "nvme bound, /dev/nvme0n1 present"
	nvme=$(basename "$(readlink /sys/class/nvme/nvme0/device)")
	expect_dev nvme "$nvme" 1
	dd if=/dev/urandom of=/tmp/pattern bs=64k count=64 2>/dev/null
	# Page-size and odd-sized (but sector-aligned) requests.
	if dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k seek=16 oflag=direct conv=fsync 2>/tmp/dd.err &&
		dd if=/tmp/pattern of=/dev/nvme0n1 bs=3584 count=7 seek=5 oflag=direct 2>>/tmp/dd.err; then
		ok "nvme O_DIRECT write"
	else
		not_ok "nvme O_DIRECT write: $(cat /tmp/dd.err)"
	fi
	echo 3 >/proc/sys/vm/drop_caches
	if dd if=/dev/nvme0n1 of=/tmp/back bs=64k skip=16 count=64 iflag=direct 2>/tmp/dd.err &&
		dd if=/dev/nvme0n1 of=/tmp/back2 bs=3584 skip=5 count=7 iflag=direct 2>>/tmp/dd.err; then
		ok "nvme O_DIRECT read"
	else
		not_ok "nvme O_DIRECT read: $(cat /tmp/dd.err)"
	fi
	check "nvme data read back equals data written (4 MiB)" cmp /tmp/pattern /tmp/back
	dd if=/tmp/pattern of=/tmp/pattern2 bs=3584 count=7 2>/dev/null
	check "nvme data read back equals data written (7 x 3.5 KiB)" cmp /tmp/pattern2 /tmp/back2
	expect_bounces nvme "$nvme"
	expect_isolation "$nvme"
else
	not_ok "nvme bound, /dev/nvme0n1 present"
fi

# --- e1000e: both NICs up, frames both ways through the hub.
if modprobe e1000e; then
	n0="" n1=""
	for i in /sys/class/net/*; do
		[ -e "$i/device" ] || continue
		dev=$(basename "$(readlink "$i/device")")
		drv=$(basename "$(readlink "$i/device/driver")")
		[ "$drv" = e1000e ] || continue
		case $(cat "$i/device/numa_node") in
		0) n0=$(basename "$i") n0dev=$dev ;;
		1) n1=$(basename "$i") n1dev=$dev ;;
		esac
	done
	if [ -n "$n0" ] && [ -n "$n1" ]; then
		ok "e1000e NICs: $n0 on node 0, $n1 on node 1"
		expect_dev e1000e "$n1dev" 1
		expect_dev e1000e "$n0dev" 0
		ip link set "$n0" up
		ip link set "$n1" up
		if wait_for 20 grep -qx 1 "/sys/class/net/$n0/carrier" &&
			wait_for 20 grep -qx 1 "/sys/class/net/$n1/carrier"; then
			ok "e1000e links up"
			check "frames $n1 -> $n0 (node 1 -> node 0)" rawpkt "$n1" "$n0" 300
			check "frames $n0 -> $n1 (node 0 -> node 1)" rawpkt "$n0" "$n1" 300
			# The helper must notice frames that never arrive.
			if rawpkt "$n0" lo 3 1 >/dev/null 2>&1; then
				not_ok "rawpkt fails when the receiver gets nothing"
			else
				ok "rawpkt fails when the receiver gets nothing"
			fi
			expect_bounces e1000e "$n1dev"
			expect_bounces e1000e "$n0dev"
		else
			not_ok "e1000e links up"
		fi
		ip link set "$n0" down
		ip link set "$n1" down
	else
		not_ok "e1000e NICs on node 0 and node 1 (found '$n0' '$n1')"
	fi
else
	not_ok "modprobe e1000e"
fi

# Drivers unbind cleanly (their teardown paths run under the same log check).
check "rmmod e1000e nvme" rmmod e1000e nvme
vm_done
