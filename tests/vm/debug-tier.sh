#!/bin/bash
# debug-tier.sh - the vm-debug tier: builds (or takes from the cache) the
# kernel with CONFIG_DMA_API_DEBUG (debug-kernel.sh), builds vdmac against
# it, and runs every vdmac scenario under `dmatrace check --dmesg` in the VM
# on that kernel (tests/vm/debug/).  Prints the VM tier's lines, the table
# of which tool finds which planted bug (also left in
# $BUILD/vm-debug-table.md) and one "N passed, N failed" total.
# Environment: BUILD, VM_BINS (as vm.sh), DMASCOPE_CACHE, VM_DEBUG_CASES
# (default: every tests/vm/debug/*.sh).  Skipped with the reason where the
# machine cannot build the kernel (debug-kernel.sh exit 3); a build that
# breaks is a failure.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
start=$SECONDS
mkdir -p "$BUILD/vm"

kstart=$SECONDS
if info=$("$here/debug-kernel.sh" path 2>/dev/null); then
	echo "# debug kernel: cached, $(echo "$info" | sed -n 's/^dir //p')"
else
	info=$("$here/debug-kernel.sh" build 2>"$BUILD/vm/debug-kernel.err")
	krc=$?
	cat "$BUILD/vm/debug-kernel.err"
	case $krc in
	0) echo "# debug kernel: built in $((SECONDS - kstart)) s" ;;
	3)
		# a machine without the build's packages, cache or disk space
		echo "SKIP: $(sed -n 's/^debug-kernel: cannot build here: //p' "$BUILD/vm/debug-kernel.err" | tail -n 1)"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
		;;
	*)
		echo "not ok - debug kernel: the build failed (see above)"
		echo "0 passed, 1 failed"
		exit 1
		;;
	esac
fi
rel=$(echo "$info" | sed -n 's/^release //p')
echo "# debug kernel: $rel"

if kinfo=$("$here/debug-kernel.sh" kmod 2>&1); then
	export VDMAC_KO VM_KOS
	VDMAC_KO=$(echo "$kinfo" | sed -n 's/^vdmac //p')
	VM_KOS=$(echo "$kinfo" | sed -n 's/^vdmac_leak //p')
	echo "# vdmac built against it: $VDMAC_KO"
else
	# the cases that need it fail and say it did not build
	echo "$kinfo" | sed 's/^/# /'
	export VDMAC_KO=$BUILD/kmod-$rel/vdmac.ko VM_KOS=""
fi

cases=${VM_DEBUG_CASES:-$(ls "$here"/debug/*.sh)}
rlog=$BUILD/vm/vm-debug.log
# shellcheck disable=SC2086
VM_KERNEL=debug "$here/vm.sh" tier $cases 2>&1 | tee "$rlog"
rc=${PIPESTATUS[0]}
table=$(ls -t "$BUILD"/vm/out/dmadebug_check*/table.md 2>/dev/null | head -n 1)
if [ -n "$table" ]; then
	cp "$table" "$BUILD/vm-debug-table.md"
	echo "# table: $BUILD/vm-debug-table.md"
fi
echo "# vm-debug: $((SECONDS - start)) s"
exit "$rc"
