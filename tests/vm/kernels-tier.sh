#!/bin/bash
# kernels-tier.sh - the vm-kernels tier: the real-driver case and the vdmac
# cases on the kernels of other Debian suites (Debian 12's backports kernel,
# the newest Debian ships), each fetched by debian-kernel.sh, with vdmac
# built against that suite's headers (where the headers' kbuild cannot run on
# this machine, as 7.3's on Debian 12, in a cached root of the suite's own
# release: debian-kernel.sh kbuild).  Prints the VM tier's lines (each names
# its kernel) and one "N passed, N failed, N skipped" total.
# Environment: BUILD, VM_BINS (as vm.sh), VM_KERNEL_SUITES (default
# "bookworm-backports trixie-backports"), VM_KERNEL_CASES, VM_KMOD_REQUIRED
# (suites whose kbuild must build vdmac: a failure there fails its cases;
# elsewhere they are skipped with the build's reason).
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-build}
suites=${VM_KERNEL_SUITES:-bookworm-backports trixie-backports}
# One case a line (other lists append theirs).  kernels/trace_vdmac_all,
# not trace_vdmac: every scenario against its truth in a few BPF loads,
# where trace_vdmac loads the tracer once per scenario (README,
# vm-kernels); it lives outside cases/, which the vm tier runs whole.
default_cases="
trace_drivers
iova_leak
vdmac_scenarios
vdmac_lifecycle
trace_cma
trace_irq_nesting
trace_catchers
$here/kernels/trace_vdmac_all.sh
"
# The trace.dat, perf.data and tracefs paths read the dma:* tracepoints:
# on the first suite named (by default Debian 12's backports kernel, where
# they first came); the newest kernel's formats are decoded by the same
# names (README).  VM_KERNEL_CASES replaces both lists on every suite.
tracepoint_cases="
tracecmd_import
perf_import
ftrace_source
"
required=" ${VM_KMOD_REQUIRED:-bookworm-backports} "
pass=0 fail=0 skip=0 start=$SECONDS info=""

# kbuild_unusable KDIR: why the headers' kbuild cannot run here (a compiler
# this machine lacks, tools linked against a newer glibc), or nothing.
kbuild_unusable() {
	local kdir=$1 cc f miss tools="" glibc="" why=""
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\([^ ]*\) .*/\1/p' "$kdir/.config")
	[ -n "$cc" ] && ! command -v "$cc" >/dev/null && why="its config names $cc, which this machine lacks"
	while IFS= read -r -d '' f; do
		miss=$(ldd "$f" 2>&1 | grep -o "GLIBC_[0-9.]*' not found" | sort -V | tail -n 1)
		[ -n "$miss" ] || continue
		glibc=${miss%\' not found}
		f=$(basename "$f")
		f=${f%%.real*}
		case " $tools " in *" $f "*) ;; *) tools="$tools $f" ;; esac
	done < <(find -L "$kdir/scripts" "$kdir/tools" -type f -perm -u+x -print0 2>/dev/null)
	[ -n "$tools" ] && why="${why:+$why; }its$tools need $glibc (this machine has $(ldd --version | head -n 1 | grep -o '[0-9.]*$'))"
	echo "$why"
}

# build_in_root SUITE OUT LOG: vdmac built in a root of the suite's own
# Debian release (debian-kernel.sh kbuild: mmdebstrap, cached), for headers
# whose kbuild cannot run here; the reason it failed on stdout.
build_in_root() {
	local suite=$1 out=$2 log=$3
	rm -rf "$out"
	mkdir -p "$out" || return 1
	cp "$top"/kmod/*.c "$top"/kmod/*.h "$top"/kmod/Kbuild "$out"/ || return 1
	"$here/debian-kernel.sh" kbuild "$suite" "$out" >"$log" 2>&1
	# the top Makefile includes every *.d below $(BUILD): not Kbuild's
	find "$out" -name '.*.d' -delete
	if [ -e "$out/vdmac.ko" ] && [ -e "$out/vdmac_leak.ko" ]; then
		return 0
	fi
	grep -m 1 -E 'debian-kernel: |error:|Error' "$log" || tail -n 1 "$log"
	return 1
}

# build_vdmac SUITE: sets VDMAC_KO, VM_KOS and VM_NO_VDMAC for the suite.
build_vdmac() {
	local suite=$1 info kdir rel out log why why2
	VDMAC_KO="" VM_KOS="" VM_NO_VDMAC=""
	if ! info=$("$here/debian-kernel.sh" headers "$suite" 2>&1); then
		VM_NO_VDMAC="no headers: $(echo "$info" | tail -n 1)"
		return
	fi
	kdir=$(echo "$info" | sed -n 's/^kdir //p')
	rel=$(basename "$kdir")
	rel=${rel#linux-headers-}
	out=$BUILD/kmod-$rel
	why=$(kbuild_unusable "$kdir")
	log=$BUILD/vm/kmod-$rel.log
	mkdir -p "$BUILD/vm"
	if [ -n "$why" ]; then
		# e.g. 7.3: gcc-14 and glibc 2.38 are in Debian 13's root
		echo "# $suite: its kbuild cannot run here ($why): building vdmac in a ${suite%%-*} root"
		if ! why2=$(build_in_root "$suite" "$(cd "$BUILD" && pwd)/kmod-$rel" "$log"); then
			VM_NO_VDMAC="its kbuild cannot build modules on this machine: $why; in a ${suite%%-*} root: $why2 (log $log)"
			return
		fi
		VDMAC_KO=$out/vdmac.ko VM_KOS="$out/vdmac_leak.ko $out/edu_dma.ko"
		return
	fi
	if make -C "$top" --no-print-directory BUILD="$BUILD" KDIR="$kdir" \
		KMOD_OUT="$out" kmod >"$log" 2>&1; then
		VDMAC_KO=$out/vdmac.ko VM_KOS="$out/vdmac_leak.ko $out/edu_dma.ko"
		return
	fi
	case $required in
	*" $suite "*)
		# the cases that need it fail and say it did not build
		VDMAC_KO=$out/vdmac.ko
		echo "# vdmac did not build for $rel (log $log):"
		grep -m 3 -E 'error|Error' "$log" | sed 's/^/#   /'
		return
		;;
	esac
	# e.g. 7.3: "x86_64-linux-gnu-gcc-14: not found" (its config names the
	# compiler Debian 13 built it with), objtool's "GLIBC_2.38' not found"
	why=$(grep -m 1 -E ": not found|GLIBC_[0-9.]+' not found|error:" "$log")
	[ -n "$why" ] || why=$(grep -m 1 -E 'Error' "$log")
	why="its kbuild cannot build modules on this machine: $why"
	VM_NO_VDMAC="$why (log $log)"
}

main() {
	local got=0 why=""
	for suite in $suites; do
		# no kernel (no network, no apt, no archive for the suite): the
		# suite is skipped and says why; the tier skips if none came
		if ! info=$("$here/debian-kernel.sh" image "$suite" 2>&1); then
			info=$(echo "$info" | grep -m 1 'debian-kernel: ' || echo "$info" | tail -n 1)
			echo "skip - $suite: no kernel to boot: $info"
			why="${why:+$why; }$suite: $info"
			skip=$((skip + 1))
			continue
		fi
		got=$((got + 1))
		build_vdmac "$suite"
		echo "# $suite: vdmac ${VM_NO_VDMAC:+not built: }${VM_NO_VDMAC:-$VDMAC_KO}"
		log=$BUILD/vm/kernels-$suite.log
		cases=${VM_KERNEL_CASES:-$default_cases}
		if [ -z "${VM_KERNEL_CASES:-}" ] && [ "$suite" = "${suites%% *}" ]; then
			cases="$cases $tracepoint_cases"
		fi
		VM_KERNEL=$suite VDMAC_KO="$VDMAC_KO" VM_KOS="$VM_KOS" VM_NO_VDMAC="$VM_NO_VDMAC" \
			"$here/vm.sh" tier $cases 2>&1 | tee "$log" | sed '$d'
		# Its lines as they come, its total as a comment: one total at the end.
		counts=$(tail -n 1 "$log")
		case $counts in
		*" passed, "*" failed"*)
			echo "# $suite: $counts"
			set -- $counts
			pass=$((pass + $1)) fail=$((fail + $3)) skip=$((skip + ${5:-0}))
			;;
		*)
			echo "not ok - $suite: the VM tier gave no counts: $counts"
			fail=$((fail + 1))
			;;
		esac
	done
	if [ "$got" = 0 ]; then
		echo "SKIP: no other suite's kernel could be fetched ($why)"
		echo "0 passed, 0 failed, 1 skipped"
		return 0
	fi
	echo "# vm-kernels: ${suites// /, } in $((SECONDS - start))s"
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}

# On one line: bash reads no further, so editing this file while it runs is
# harmless.
main "$@"; exit
