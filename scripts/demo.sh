#!/bin/bash
# demo.sh - `make demo`: boots the test VM (Debian's 6.1 kernel under QEMU,
# two NUMA nodes, IOMMU, NVMe and e1000e) and runs a real driver workload
# and vdmac scenarios under dmatrace; prints the findings and per-device
# statistics, and leaves the recording on the host to replay.
set -u -o pipefail
BUILD=${BUILD:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
for f in "$BUILD/dmatrace" "$BUILD/kmod/vdmac.ko" "$BUILD/vm/bin/rawpkt"; do
	[ -e "$f" ] || { echo "demo: $f is missing (make demo builds it)" >&2; exit 2; }
done
echo "demo: booting the VM (software emulation: about a minute)..."
BUILD=$BUILD VM_BINS="$BUILD/dmatrace $BUILD/vm/bin/rawpkt" VDMAC_KO="$BUILD/kmod/vdmac.ko" \
	MODULES="nvme e1000e" FILES="scripts/demo-guest.sh" VM_TIMEOUT=${VM_TIMEOUT:-600} \
	CMD=". /extra/demo-guest.sh" tests/vm/vm.sh run
rc=$?
mkdir -p "$BUILD/demo"
if [ -s "$BUILD/vm/out/run/demo.dmat" ]; then
	cp "$BUILD/vm/out/run/demo.dmat" "$BUILD/demo/demo.dmat"
	cp "$BUILD/vm/out/run/demo.truth" "$BUILD/demo/demo.truth" 2>/dev/null
	cp "$BUILD/vm/out/run/demo.numa" "$BUILD/demo/demo.numa" 2>/dev/null
	echo
	echo "demo: the recording is on the host: $BUILD/demo/demo.dmat"
	echo "demo: replay it here with:  $BUILD/dmatrace replay $BUILD/demo/demo.dmat"
	echo "demo:   (or --json, --driver nvme, --leak-age 1s, ...; dmatop --replay $BUILD/demo/demo.dmat)"
else
	echo "demo: the VM left no recording (exit $rc); its console is in $BUILD/vm/out/run" >&2
	exit 1
fi
exit 0
