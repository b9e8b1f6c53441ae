# iommu_fault.sh - real DMA through the IOMMU with QEMU's edu device and
# kmod/edu_dma.ko: a page copied to the device and back (the bytes must
# match), then the driver's bug, the device writing to an IOVA already
# unmapped.  With strict IOMMU invalidation the Intel IOMMU refuses the
# write and reports the fault to the kernel log only (it fires no
# iommu:io_page_fault), which dmatrace reads: under `dmatrace check` the
# fault must become an iommu-fault finding tied to the released mapping,
# with its creating and (--all-stacks) releasing stacks.  iommu_fault.host compares the
# findings with the driver's ground truth both ways.
# vm-devices: edu
# vm-cmdline: iommu.strict=1
# vm-needs: dmatrace
# vm-timeout: 240
. /etc/vm-lib.sh
D=/sys/kernel/debug/edu_dma
T=$OUT/trace
mkdir -p "$T"

cat >/tmp/work.sh <<'WORK'
set -e
D=/sys/kernel/debug/edu_dma
modprobe edu_dma
echo copy >$D/run
cat $D/result >"$1/edu.results"
echo use-after-unmap >$D/run
cat $D/result >>"$1/edu.results"
cat $D/ground_truth >"$1/fault.truth"
WORK

dmatrace check -v --all-stacks --format json -o "$T/fault.json" -w "$T/fault.dmat" -- sh /tmp/work.sh "$T" \
	2>"$T/fault.err"
rc=$?
tail -n 3 "$T/fault.err" | sed 's/^/# /'
check "the driver bound to the edu device" test -e /sys/bus/pci/drivers/edu_dma/0000:00:03.0 -o -n "$(ls /sys/bus/pci/drivers/edu_dma/ 2>/dev/null | grep 0000:)"
check "a page went to the device and back through the IOMMU intact" grep -q '^case=copy ok=1 ' "$T/edu.results"
check "the IOMMU kept the write to the unmapped IOVA out" grep -q 'the IOMMU kept the write out' "$T/edu.results"
check "the kernel logged the DMA remapping fault" sh -c 'dmesg | grep -q "DMAR: \[DMA Write NO_PASID\] Request device"'
check "dmatrace check read the kernel log for faults" grep -q 'IOMMU faults: iommu:io_page_fault and the kernel log' "$T/fault.err"
check "dmatrace check found what was planted (exit $rc)" test "$rc" = 1
rmmod edu_dma
vm_done
