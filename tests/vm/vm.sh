#!/bin/bash
# vm.sh - dmascope's VM test bed: fetches Debian's kernel, builds a busybox
# initramfs, boots QEMU (TCG, 2 NUMA nodes, Intel IOMMU, NVMe and e1000e
# behind a bridge on node 1) and brings back a guest script's output, files
# and exit status.  Called by tests/vm/vm.mk; see `vm.sh help`.
set -u -o pipefail

usage() {
	cat <<'EOF'
usage: tests/vm/vm.sh COMMAND
  tier [CASE...]   run cases (names in tests/vm/cases/ or paths; default:
                   every tests/vm/cases/*.sh), print
                   ok/not ok lines and "N passed, N failed, N skipped"
  selftest         the runner's own tests (tests/vm/selftest/)
  shell            interactive busybox shell in the same VM
  run              boot once and run $CMD in the guest (files and modules
                   from $FILES and $MODULES in /extra); exit with its status
  kernel           fetch and cache the kernel, print image, version, modules
Environment:
  BUILD            build directory (default build); the VM lives in $BUILD/vm
  VM_KERNEL        a Debian suite whose kernel to boot (bookworm-backports,
                   trixie-backports: fetched by tests/vm/debian-kernel.sh
                   into $DMASCOPE_CACHE); "debug": the CONFIG_DMA_API_DEBUG
                   kernel tests/vm/debug-kernel.sh builds; empty: the
                   kernel of this machine's linux-headers-amd64 (Debian
                   12's 6.1)
  KERNEL, KMODDIR  another bzImage and its INSTALL_MOD_PATH (or modules dir)
  VM_PVH=0         boot Debian's bzImage, not its unpacked vmlinux (PVH entry)
  VM_CMDLINE       extra kernel arguments (swiotlb=force, intel_iommu=off)
  VM_TIMEOUT       seconds per boot when a case does not say (default 180)
  VM_TIMEOUT_SCALE multiply every case's time limit (slow CI hosts)
  VM_BINS          static programs to put into the guest's /bin
  VDMAC_KO         vdmac.ko to put into the guest (if it exists)
  VM_NO_VDMAC      why vdmac.ko was not built for this kernel: cases that
                   need it are skipped with that reason
  VM_KOS           more of our modules for the guest's module tree
  MODULES          run/shell: kernel module names or .ko paths to include
  FILES            run/shell: host files to copy into the guest's /extra
  CMD              run: guest shell command
  CHECK=1          run: run CMD under `dmatrace check CHECK_ARGS -- sh -c CMD`
  VM_CONSOLE=1     copy the guest console to the terminal as it runs
  VM_ACCEL         tcg (default): QEMU's software emulation, every figure in
                   the README; kvm: hardware virtualization (/dev/kvm,
                   `-cpu host`), for `make bench` figures emulation cannot
                   give (1 M events/s, the floor ratio within a few percent)
EOF
}

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
mkdir -p "$BUILD/vm"
VMDIR=$(cd "$BUILD/vm" && pwd)
VM_TIMEOUT=${VM_TIMEOUT:-180}
VM_CMDLINE=${VM_CMDLINE:-}
VM_BINS=${VM_BINS:-}
VDMAC_KO=${VDMAC_KO:-}
VM_KOS=${VM_KOS:-}
VM_CONSOLE=${VM_CONSOLE:-0}

die() {
	echo "vm: $*" >&2
	exit 2
}

# ---------------------------------------------------------------- kernel

# is_static FILE: an ELF executable with no program interpreter.
is_static() {
	readelf -l "$1" >/dev/null 2>&1 && ! readelf -l "$1" 2>/dev/null | grep -q INTERP
}

# bzimage_version BZIMAGE: the release string of a bzImage (boot protocol:
# a 16-bit pointer at 0x20e, relative to 0x200, to "6.1.0-56-amd64 (...").
bzimage_version() {
	local ptr
	[ "$(dd if="$1" bs=1 skip=514 count=4 2>/dev/null | tr -d '\0')" = HdrS ] || return 0
	ptr=$(od -An -tu2 -j 526 -N 2 "$1" | tr -d ' ')
	dd if="$1" bs=1 skip=$((ptr + 512)) count=100 2>/dev/null | tr '\0' '\n' |
		head -n 1 | cut -d' ' -f1
}

# The Debian ABI the installed (or installable) linux-headers-amd64 points
# at, e.g. 6.1.0-56: out-of-tree modules built against those headers load
# in this kernel.
kernel_abi() {
	local dep
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[^ ,]*-amd64' | head -n 1)
	[ -n "$dep" ] || dep=$(apt-cache depends linux-headers-amd64 2>/dev/null |
		grep -o 'linux-headers-[^ ,]*-amd64' | head -n 1)
	[ -n "$dep" ] || return 1
	dep=${dep#linux-headers-}
	echo "${dep%-amd64}"
}

# Sets KIMAGE (bzImage), KVER (module directory name) and KMODROOT (a root
# with lib/modules/$KVER, or empty when the kernel comes without modules).
setup_kernel() {
	if [ -n "${KERNEL:-}" ]; then
		[ -r "$KERNEL" ] || die "KERNEL=$KERNEL: no such file"
		KIMAGE=$(cd "$(dirname "$KERNEL")" && pwd)/$(basename "$KERNEL")
		KMODROOT="" KVER=""
		if [ -n "${KMODDIR:-}" ]; then
			[ -d "$KMODDIR" ] || die "KMODDIR=$KMODDIR: no such directory"
			local d
			d=$(cd "$KMODDIR" && pwd)
			if [ -d "$d/lib/modules" ]; then
				# An INSTALL_MOD_PATH: one version below it.
				KVER=$(ls "$d/lib/modules" | head -n 1)
				KMODROOT=$d
			elif [ -e "$d/modules.order" ] || [ -d "$d/kernel" ]; then
				# The version directory itself: give modprobe a root.
				KVER=$(basename "$d")
				KMODROOT=$VMDIR/kmoddir-root
				mkdir -p "$KMODROOT/lib/modules"
				ln -sfn "$d" "$KMODROOT/lib/modules/$KVER"
			else
				die "KMODDIR=$KMODDIR: neither an INSTALL_MOD_PATH nor a lib/modules/VERSION directory"
			fi
			[ -e "$KMODROOT/lib/modules/$KVER/modules.dep" ] ||
				depmod -b "$KMODROOT" "$KVER" ||
				die "depmod failed for $KMODROOT/lib/modules/$KVER"
		else
			KVER=$(bzimage_version "$KIMAGE")
		fi
		[ -n "$KVER" ] || KVER=0.0.0-vm
		return
	fi

	if [ "${VM_KERNEL:-}" = debug ]; then
		debug_kernel
		return
	fi
	if [ -n "${VM_KERNEL:-}" ]; then
		suite_kernel "$VM_KERNEL"
		return
	fi

	local abi dir tmp pkg
	abi=$(kernel_abi) || die "cannot tell which kernel linux-headers-amd64 wants (apt-get update?)"
	KVER=$abi-amd64
	dir=$VMDIR/kernel/$abi
	if [ ! -e "$dir/.complete" ]; then
		echo "vm: fetching Debian kernel $KVER into $dir" >&2
		tmp=$dir.tmp
		rm -rf "$tmp"
		mkdir -p "$tmp"
		for pkg in "linux-image-$KVER" "linux-image-$KVER-unsigned"; do
			(cd "$tmp" && apt-get download -q "$pkg" >download.log 2>&1) && break
		done
		ls "$tmp"/*.deb >/dev/null 2>&1 ||
			die "apt-get download linux-image-$KVER failed: $(tail -n 3 "$tmp/download.log")"
		dpkg-deb -x "$tmp"/*.deb "$tmp/root" || die "dpkg-deb -x failed"
		# The package ships no modules.dep.
		depmod -b "$tmp/root" "$KVER" || die "depmod failed"
		rm -f "$tmp"/*.deb
		rm -rf "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.complete"
	fi
	KIMAGE=$dir/root/boot/vmlinuz-$KVER
	KMODROOT=$dir/root
	# Booting the uncompressed kernel through its PVH entry skips the XZ
	# decompressor, which under TCG on a busy host costs 4-14 s a boot.
	if [ ! -e "$dir/vmlinux" ] && [ ! -e "$dir/vmlinux.none" ]; then
		unpack_vmlinux "$KIMAGE" "$dir/vmlinux" || touch "$dir/vmlinux.none"
	fi
	[ -e "$dir/vmlinux" ] && [ "${VM_PVH:-1}" = 1 ] && KIMAGE=$dir/vmlinux
	return 0
}

# suite_kernel SUITE: the kernel linux-image-amd64 of another Debian suite
# depends on, as debian-kernel.sh fetched it (modules decompressed, with
# modules.dep), booted through its PVH entry like Debian 12's.
suite_kernel() {
	local info dir
	info=$("$here/debian-kernel.sh" image "$1") || die "no kernel from $1 (see above)"
	KVER=$(echo "$info" | sed -n 's/^release //p')
	KMODROOT=$(echo "$info" | sed -n 's/^root //p')
	KIMAGE=$(echo "$info" | sed -n 's/^image //p')
	dir=$(dirname "$KMODROOT")
	if [ ! -e "$dir/vmlinux" ] && [ ! -e "$dir/vmlinux.none" ]; then
		unpack_vmlinux "$KIMAGE" "$dir/vmlinux" || touch "$dir/vmlinux.none"
	fi
	[ -e "$dir/vmlinux" ] && [ "${VM_PVH:-1}" = 1 ] && KIMAGE=$dir/vmlinux
	return 0
}

# debug_kernel: the kernel with CONFIG_DMA_API_DEBUG that debug-kernel.sh
# builds from Debian's linux-source (once; then from its cache), booted
# through its PVH entry.
debug_kernel() {
	local info
	info=$("$here/debug-kernel.sh" build) || die "no debug kernel (see above)"
	KVER=$(echo "$info" | sed -n 's/^release //p')
	KMODROOT=$(echo "$info" | sed -n 's/^modroot //p')
	KIMAGE=$(echo "$info" | sed -n 's/^image //p')
}

# unpack_vmlinux BZIMAGE OUT: the ELF kernel inside a bzImage, kept only if
# it has a PVH entry point (Xen ELF note 18) QEMU can start it at.
unpack_vmlinux() {
	local img=$1 out=$2 magic dec off
	for magic in 'xz \xfd7zXZ\x00' 'zstd \x28\xb5\x2f\xfd' 'gzip \x1f\x8b\x08'; do
		dec=${magic%% *}
		command -v "$dec" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic#* }" "$img" 2>/dev/null |
			cut -d: -f1 | head -n 3); do
			tail -c +$((off + 1)) "$img" | "$dec" -dc >"$out.tmp" 2>/dev/null
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ] &&
				readelf -n "$out.tmp" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'; then
				mv "$out.tmp" "$out"
				return 0
			fi
		done
	done
	rm -f "$out.tmp"
	return 1
}

# ---------------------------------------------------------------- initramfs

# stage_modules ROOT ITEM...: copy kernel modules into the staging root.  An
# item with a slash or ending in .ko is a file (copied to /extra, its
# in-tree dependencies resolved too); anything else is a module name of the
# kernel, staged with everything modules.dep says it needs.
stage_modules() {
	local root=$1 item names="" line path rel dest
	shift
	local mdir=$root/lib/modules/$KVER
	mkdir -p "$mdir" "$root/extra"
	for item in "$@"; do
		case $item in
		*/* | *.ko)
			[ -r "$item" ] || die "module $item: no such file"
			cp "$item" "$root/extra/"
			local d
			d=$(modinfo -F depends "$item" 2>/dev/null | tr ',' ' ')
			names="$names $d"
			# Loaded before the guest command, so `insmod /extra/x.ko` works.
			PRELOAD="$PRELOAD $d"
			;;
		*) names="$names $item" ;;
		esac
	done
	names=$(echo $names)
	[ -n "$names" ] || return 0
	[ -n "$KMODROOT" ] || die "modules wanted ($names) but this kernel has no modules (KMODDIR=)"
	local deps
	deps=$(modprobe -d "$KMODROOT" -S "$KVER" --show-depends -a $names 2>&1) ||
		die "cannot resolve modules '$names': $(echo "$deps" | grep -v -e '^insmod ' -e '^builtin ')"
	while read -r line; do
		case $line in
		insmod\ *)
			path=${line#insmod }
			path=${path%% *}
			rel=${path#"$KMODROOT/lib/modules/$KVER/"}
			dest=$mdir/$rel
			[ -e "$dest" ] && continue
			mkdir -p "$(dirname "$dest")"
			cp "$path" "$dest"
			;;
		esac
	done <<<"$deps"
}

# build_initramfs DIR MODE NAME CASEFILE MODULES...: staging tree in DIR,
# archive DIR.cpio.
build_initramfs() {
	local s=$1 mode=$2 name=$3 casefile=$4 a b
	shift 4
	PRELOAD=""
	rm -rf "$s"
	mkdir -p "$s"/{bin,dev,proc,sys,tmp,run,out,etc,extra,root,lib/modules}
	mkdir -p "$s"/usr
	ln -s ../bin "$s/sbin"
	ln -s ../bin "$s/usr/bin"
	ln -s ../bin "$s/usr/sbin"
	ln -s lib "$s/lib64"
	local bb
	bb=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
	is_static "$bb" ||
		die "$bb is not static (apt-get install busybox-static)"
	cp "$bb" "$s/bin/busybox"
	for a in $("$bb" --list); do
		[ -e "$s/bin/$a" ] || ln -s busybox "$s/bin/$a"
	done
	[ "$(id -u)" = 0 ] && mknod -m 600 "$s/dev/console" c 5 1
	for b in $VM_BINS; do
		[ -x "$b" ] && cp "$b" "$s/bin/"
	done
	# Host programs a case names (vm-host-bins), with the shared libraries
	# and the loader ldd lists: Debian's trace-cmd is not static.
	for b in ${HOST_BINS:-}; do
		a=$(command -v "$b") || die "vm-host-bins: $b is not installed"
		cp "$a" "$s/bin/"
		for l in $(ldd "$a" | grep -o '/[^ ]*'); do
			mkdir -p "$s$(dirname "$l")"
			cp -L "$l" "$s$l"
		done
	done
	# Our own modules (vdmac.ko and its companions) sit in the module tree's
	# extra/, so both `insmod $VDMAC_KO` and `modprobe vdmac` work.
	# Dependencies among them are left to the case (vdmac_leak.ko needs
	# vdmac.ko, which a case loads with its own parameters).
	local vdmac="" ko d ours=" "
	for ko in $VDMAC_KO $VM_KOS; do
		[ -r "$ko" ] || continue
		mkdir -p "$s/lib/modules/$KVER/extra"
		cp "$ko" "$s/lib/modules/$KVER/extra/"
		[ "$ko" = "$VDMAC_KO" ] && vdmac=/lib/modules/$KVER/extra/$(basename "$ko")
		d=$(basename "$ko" .ko)
		ours="$ours${d//-/_} "
	done
	for ko in $VDMAC_KO $VM_KOS; do
		[ -r "$ko" ] || continue
		for d in $(modinfo -F depends "$ko" 2>/dev/null | tr ',' ' '); do
			case $ours in *" ${d//-/_} "*) continue ;; esac
			set -- "$@" "$d"
			PRELOAD="$PRELOAD $d"
		done
	done
	# The results share's modules: a kernel of one's own may have them built
	# in or not at all (then results come back on the console only).
	stage_modules "$s" "$@"
	# One at a time: Debian's 7.3 has virtio_pci built in but ships no
	# modules.builtin, so modprobe cannot resolve it, while 9p is a module.
	for a in virtio_pci 9pnet_virtio 9p; do
		(stage_modules "$s" "$a") 2>/dev/null
	done
	if [ -n "$KMODROOT" ]; then
		for a in modules.order modules.builtin modules.builtin.modinfo; do
			[ -e "$KMODROOT/lib/modules/$KVER/$a" ] &&
				cp "$KMODROOT/lib/modules/$KVER/$a" "$s/lib/modules/$KVER/"
		done
		depmod -b "$s" "$KVER" || die "depmod on the initramfs failed"
	fi
	cp "$here/init.sh" "$s/init"
	chmod 755 "$s/init"
	cp "$here/vm-lib.sh" "$s/etc/vm-lib.sh"
	[ -n "$casefile" ] && cp "$casefile" "$s/etc/vm-case.sh"
	for a in ${FILES:-}; do
		[ -r "$a" ] || die "FILES: $a: no such file"
		cp -r "$a" "$s/extra/"
	done
	cat >"$s/etc/vm.conf" <<EOF
VM_MODE=$mode
VM_NAME='$name'
VM_KVER='$KVER'
VDMAC_KO='$vdmac'
VM_PRELOAD='$(echo $PRELOAD)'
VM_MODULES='$(cd "$s/lib/modules/$KVER" 2>/dev/null && find . -name '*.ko' | sed 's,.*/,,; s,\.ko$,,' | sort | tr '\n' ' ')'
EOF
	# Uncompressed by default: gzip and zstd -1 made no difference to the
	# time to /init here (11 MB archive, about 4 s either way) and cost a
	# compression step (VM_INITRD_COMPRESS=gzip or zstd to compare).
	local z=${VM_INITRD_COMPRESS:-cat}
	[ "$z" = cat ] || z="$z -1 -c"
	(cd "$s" && find . | cpio -o -H newc -R 0:0 --quiet | $z) >"$s.cpio" ||
		die "cpio failed"
	# The archive says it all (cpio -t lists it); the tree is 10+ MB.
	rm -rf "$s"
}

# ---------------------------------------------------------------- QEMU

# vm_devices: QEMU options for the extra devices a case names in its
# vm-devices header (DEVICES): edu, QEMU's DMA teaching device, on the root
# complex (no NUMA node), translated by the IOMMU.
vm_devices() {
	local d
	for d in ${DEVICES:-}; do
		case $d in
		edu) echo "-device edu,bus=pcie.0" ;;
		*) echo "vm.sh: unknown vm-devices entry '$d'" >&2 ;;
		esac
	done
}

# accel_args: QEMU's accelerator and CPU for VM_ACCEL, or the reason it
# cannot be had here on stderr.  VM_KVM_DEV: the device to check (the
# selftest's).
accel_args() {
	local dev=${VM_KVM_DEV:-/dev/kvm}
	case ${VM_ACCEL:-tcg} in
	tcg) echo "-accel tcg,thread=multi -cpu max" ;;
	kvm)
		if [ ! -e "$dev" ]; then
			echo "VM_ACCEL=kvm: no $dev here (no hardware virtualization, or the kvm module not loaded)" >&2
			return 1
		elif [ ! -c "$dev" ] || [ ! -r "$dev" ] || [ ! -w "$dev" ]; then
			echo "VM_ACCEL=kvm: $dev is not a device this user can open read-write" >&2
			return 1
		fi
		echo "-accel kvm -cpu host"
		;;
	*)
		echo "VM_ACCEL=${VM_ACCEL}: not tcg or kvm" >&2
		return 1
		;;
	esac
}

# qemu_args OUTDIR DISK: the machine every case runs on.
qemu_args() {
	# QEMU option values escape a comma by doubling it.
	local out=${1//,/,,} disk=${2//,/,,}
	# shellcheck disable=SC2054 # commas belong to QEMU options
	# shellcheck disable=SC2206 # the accelerator's words split on purpose
	QEMU_ARGS=(
		$ACCEL_ARGS
		-machine q35,kernel-irqchip=split
		-device intel-iommu,intremap=on
		-smp 2,sockets=2,cores=1,threads=1 -m 1G
		-object memory-backend-ram,id=m0,size=512M
		-numa node,nodeid=0,memdev=m0,cpus=0
		-object memory-backend-ram,id=m1,size=512M
		-numa node,nodeid=1,memdev=m1,cpus=1
		# A bridge per node, so every device has a node of its own.
		-device pxb-pcie,id=pxb0,bus_nr=32,numa_node=0,bus=pcie.0
		-device pcie-root-port,id=rp0,bus=pxb0,chassis=10
		-device pxb-pcie,id=pxb1,bus_nr=16,numa_node=1,bus=pcie.0
		-device pcie-root-port,id=rp1,bus=pxb1,chassis=1
		-device pcie-root-port,id=rp2,bus=pxb1,chassis=2
		-drive "file=$disk,if=none,format=raw,id=nvm,cache=unsafe"
		-device nvme,serial=dmascope0,drive=nvm,bus=rp1
		# Two NICs on one hub and nothing else: no packet leaves QEMU.
		-netdev hubport,id=hp1,hubid=0
		-device e1000e,netdev=hp1,bus=rp2,mac=52:54:00:d5:01:01
		-netdev hubport,id=hp0,hubid=0
		-device e1000e,netdev=hp0,bus=rp0,mac=52:54:00:d5:00:01
		$(vm_devices)
		-fsdev "local,id=outfs,path=$out,security_model=none"
		-device virtio-9p-pci,fsdev=outfs,mount_tag=dmascope_out,bus=pcie.0
		-nodefaults -no-reboot
	)
}

# Under TCG on a shared 2-core host a vCPU can be starved for seconds: the
# RCU stall and soft-lockup detectors get more room (60 s each) so that only
# a real stall, not a busy host, fails a case, and no_timer_check skips the
# boot-time timer test that then panics ("timer doesn't work through
# Interrupt-remapped IO-APIC"; seen here under load).
KERNEL_ARGS="console=ttyS0 intel_iommu=on panic=-1 oops=panic printk.time=1
	rcupdate.rcu_cpu_stall_timeout=60 watchdog_thresh=30 no_timer_check"
KERNEL_ARGS=$(echo $KERNEL_ARGS)

# boot NAME MODE CASEFILE TIMEOUT CMDLINE MODULES...: one VM run; results in
# $VMDIR/out/NAME.  Sets BOOT_RC (guest status; 124 timeout; 125 no status;
# 126 no initramfs)
# and BOOT_SECS.
boot() {
	local name=$1 mode=$2 casefile=$3 timeout=$4 cmdline=$5
	shift 5
	local out=$VMDIR/out/$name stage=$VMDIR/initramfs/$name
	rm -rf "$out"
	mkdir -p "$out" "$VMDIR/initramfs"
	# In a subshell: a module that cannot be found fails this boot only.
	local err
	if ! err=$( (build_initramfs "$stage" "$mode" "$name" "$casefile" "$@") 2>&1); then
		echo "$err" | sed 's/^/# /'
		: >"$out/vm-console.log"
		BOOT_RC=126 BOOT_SECS=0
		return
	fi
	local disk=$VMDIR/initramfs/$name.nvme.img
	rm -f "$disk"
	truncate -s 64M "$disk"
	qemu_args "$out" "$disk"
	local append="$KERNEL_ARGS $VM_CMDLINE $cmdline"
	local start=$SECONDS rc
	if [ "$mode" = shell ]; then
		qemu-system-x86_64 "${QEMU_ARGS[@]}" -nographic -serial mon:stdio \
			-kernel "$KIMAGE" -initrd "$stage.cpio" -append "$append"
		rc=$?
	else
		local tailpid=""
		: >"$out/vm-console.log"
		if [ "$VM_CONSOLE" = 1 ]; then
			tail -n +1 -f "$out/vm-console.log" &
			tailpid=$!
		fi
		timeout -k 10 "$timeout" qemu-system-x86_64 "${QEMU_ARGS[@]}" \
			-display none -monitor none \
			-serial "file:$out/vm-console.log" \
			-kernel "$KIMAGE" -initrd "$stage.cpio" -append "$append" \
			</dev/null >"$out/vm-qemu.log" 2>&1
		rc=$?
		# Let tail print the last lines first.
		[ -n "$tailpid" ] && sleep 0.5 && kill "$tailpid" 2>/dev/null
	fi
	BOOT_SECS=$((SECONDS - start))
	rm -f "$disk"
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		BOOT_RC=124
	elif [ -s "$out/vm-status" ]; then
		BOOT_RC=$(cat "$out/vm-status")
	else
		# The share may have failed: the console still has the marker.
		BOOT_RC=$(sed -n 's/.*@@vm-exit \([0-9]*\).*/\1/p' "$out/vm-console.log" | tail -n 1)
		[ -n "$BOOT_RC" ] || BOOT_RC=125
	fi
	if [ "$mode" != shell ] && [ "$rc" != 0 ] && [ "$BOOT_RC" = 125 ]; then
		echo "# qemu exited $rc:"
		sed 's/^/#   /' "$out/vm-qemu.log" | tail -n 20
	fi
}

# log_problems CONSOLE ALLOW: print the kernel's WARNING/BUG/Oops/panic/
# Call Trace blocks of the log, except WARNINGs whose context matches the
# extended regex ALLOW; exit status 1 when there were any.
log_problems() {
	# Through the environment: awk -v would eat the regex's backslashes.
	VM_ALLOW=$2 awk '
	BEGIN { allow = ENVIRON["VM_ALLOW"] }
	function flush_prev() { p2 = p1; p1 = $0 }
	# Kernel lines only (printk.time=1 stamps each): what the case itself
	# printed on the console is not the kernel talking.  A stamp may follow
	# a guest line that had no newline yet.
	{ if (match($0, /\[ *[0-9]+\.[0-9]+\] /)) $0 = substr($0, RSTART); else next }
	# A WARNING block runs from "cut here" to "end trace"; skip allowed ones,
	# but never past a crash.
	skipping && /Kernel panic|BUG:|kernel BUG at|Oops|general protection fault/ { skipping = 0 }
	skipping {
		if ($0 ~ /---\[ end trace/ || --skipping == 0) skipping = 0
		flush_prev(); next
	}
	/WARNING:|BUG:|kernel BUG at|Oops|Kernel panic|Call Trace:|UBSAN:|detected stalls|general protection fault/ {
		line = $0
		if (line ~ /WARNING:/ && allow != "") {
			nxt = ""
			if ((getline nxt) <= 0) nxt = ""
			# The look-ahead line may already close the block.
			ended = nxt ~ /---\[ end trace/
			if (line ~ allow || p1 ~ allow || p2 ~ allow || nxt ~ allow) {
				skipping = ended ? 0 : 200; p2 = line; p1 = nxt; next
			}
			problems++
			if (shown < 3) { print "#   " p2; print "#   " p1; print "#   " line; print "#   " nxt; show = ended ? 0 : 25; shown++ }
			p2 = line; p1 = nxt; next
		}
		problems++
		if (show == 0 && shown < 3) { print "#   " p2; print "#   " p1; show = 25; shown++ }
	}
	show > 0 { print "#   " $0; show--; if ($0 ~ /---\[ end trace/) show = 0 }
	{ flush_prev() }
	END { exit problems > 0 }
	' "$1"
}

# ---------------------------------------------------------------- cases

# header FILE KEY: the value of a "# KEY: value" line of a case.
header() { sed -n "s/^# *$2: *//p" "$1" | head -n 1; }

PASS=0 FAIL=0 SKIP=0 BOOTS=0 BOOT_TOTAL=0 RETRIED=0

result() {
	case $1 in
	ok) PASS=$((PASS + 1)) ;;
	"not ok") FAIL=$((FAIL + 1)) ;;
	skip) SKIP=$((SKIP + 1)) ;;
	esac
	echo "$1 - $2"
}

# count_lines LABEL FILE: relay the case's protocol lines, counting them;
# prints nothing and returns 1 if there were none.
count_lines() {
	local label=$1 file=$2 n=0 line
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"ok - "*) result ok "$label: ${line#ok - }" ;;
		"not ok - "*) result "not ok" "$label: ${line#not ok - }" ;;
		"skip - "*) result skip "$label: ${line#skip - }" ;;
		"#"*) echo "$line" ;;
		*) continue ;;
		esac
		n=$((n + 1))
	done <"$file"
	[ "$n" -gt 0 ]
}

# not_protocol FILE: the last lines of FILE that are not protocol lines
# (error messages), as comments.
not_protocol() {
	grep -v -E '^(ok|not ok|skip) - |^#' "$1" 2>/dev/null | tail -n 15 | sed 's/^/#   /'
}

# needs_met CASEFILE LABEL: "vm-needs: dmatrace vdmac ...".  Something the
# build was asked for but did not produce fails the case; something this
# tree does not build at all skips it.
needs_met() {
	local need b found
	for need in $(header "$1" vm-needs); do
		if [ "$need" = vdmac ]; then
			[ -n "$VDMAC_KO" ] && [ -r "$VDMAC_KO" ] && continue
			if [ -n "${VM_NO_VDMAC:-}" ]; then
				result skip "$2: needs vdmac.ko, not built for $KVER: $VM_NO_VDMAC"
				return 1
			fi
			if [ -n "$VDMAC_KO" ]; then
				result "not ok" "$2: needs vdmac.ko ($VDMAC_KO), which did not build"
				return 1
			fi
			result skip "$2: needs vdmac.ko, which this tree does not build"
			return 1
		fi
		found=""
		for b in $VM_BINS; do
			[ "$(basename "$b")" = "$need" ] && found=$b
		done
		[ -n "$found" ] && [ -x "$found" ] && continue
		if [ -n "$found" ]; then
			result "not ok" "$2: needs $need ($found), which did not build"
		else
			result skip "$2: needs $need, which this tree does not build"
		fi
		return 1
	done
	for need in $(header "$1" vm-host-bins); do
		command -v "$need" >/dev/null && continue
		result skip "$2: needs $need on the host (scripts/install-deps.sh test installs it)"
		return 1
	done
}

# run_case FILE [VARIANT_CMDLINE]
run_case() {
	local file=$1 variant=${2:-} base label
	base=$(basename "$file" .sh)
	label=$base
	[ -n "$variant" ] && label="${base}[$variant]"
	# Another suite's kernel: every line names it.
	[ -n "${VM_KERNEL:-}" ] && label="$KVER $label"
	local name=$base
	[ -n "$variant" ] && name="$base@$(echo $variant | tr ' ' '+')"
	# Another suite's kernel: results of its own (out/trace_drivers@6.12...).
	[ -n "${VM_KERNEL:-}" ] && name="$name@$KVER"
	name=${name//[^A-Za-z0-9_.=,+@-]/_}
	needs_met "$file" "$label" || return 0
	local timeout modules cmdline allow
	timeout=$(header "$file" vm-timeout)
	modules=$(header "$file" vm-modules)
	cmdline="$(header "$file" vm-cmdline) $variant"
	allow=$(header "$file" vm-allow-warning)
	timeout=$((${timeout:-$VM_TIMEOUT} * ${VM_TIMEOUT_SCALE:-1}))
	local out=$VMDIR/out/$name bad=0 f0=$FAIL t0 t1 crash when attempt=1
	while :; do
		DEVICES=$(header "$file" vm-devices) HOST_BINS=$(header "$file" vm-host-bins) FILES=$(header "$file" vm-files) boot "$name" case "$file" "$timeout" "$cmdline" $modules
		if [ "$BOOT_RC" != 126 ]; then
			BOOTS=$((BOOTS + 1))
			BOOT_TOTAL=$((BOOT_TOTAL + BOOT_SECS))
		fi
		# Guest uptime at /init and at the end: boot and case time apart.
		t0=$(sed -n 's/.*@@vm-start [^ ]* \([0-9.]*\).*/\1/p' "$out/vm-console.log" | head -n 1)
		# A kernel that crashed before /init ran nothing of ours (measured:
		# 7.3 under emulation, now and then an int3 Oops where the kernel
		# patches its own code at boot): said, and booted once more.  So
		# is an int3 Oops later (measured once: 6.12 under emulation, in
		# __schedule at a nop being patched while trace-cmd turned
		# tracepoints off, nothing of ours loaded): the emulator's, not
		# the case's; a second one fails the case.
		crash="" when="before /init"
		[ "$BOOT_RC" = 125 ] && [ -z "$t0" ] && [ "$attempt" = 1 ] &&
			crash=$(grep -m 1 -E 'Oops|Kernel panic|BUG:' "$out/vm-console.log")
		if [ -z "$crash" ] && [ "$BOOT_RC" = 125 ] && [ "$attempt" = 1 ]; then
			crash=$(grep -m 1 -E 'Oops: int3' "$out/vm-console.log")
			when="at a code patch (int3) while the case ran"
		fi
		[ -n "$crash" ] || break
		crash="$crash$(grep -m 1 -o ' RIP: .*' "$out/vm-console.log" | sed 's/^ /, /')"
		echo "# $label: the kernel crashed $when (${crash//[$'\r']/}): booted again, its console kept in $VMDIR/out/$name.crash.log"
		cp "$out/vm-console.log" "$VMDIR/out/$name.crash.log"
		RETRIED=$((RETRIED + 1))
		attempt=2
	done
	t1=$(sed -n 's/.*@@vm-exit [0-9]* \([0-9.]*\).*/\1/p' "$out/vm-console.log" | tail -n 1)
	local tcase="?"
	[ -n "$t0" ] && [ -n "$t1" ] && tcase=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")
	echo "# $label: ${BOOT_SECS}s wall (kernel to /init ${t0:-?}s, case ${tcase}s), output in $out"
	if [ -e "$out/vm-output.log" ]; then
		count_lines "$label" "$out/vm-output.log" || bad=1
	else
		# No share: the console has the lines (maybe mixed with the kernel's).
		count_lines "$label" "$out/vm-console.log" || bad=1
	fi
	local problems clean=1
	touch "$out/vm-console.log"
	problems=$(log_problems "$out/vm-console.log" "$allow") || clean=0
	case $BOOT_RC in
	0) [ "$bad" = 1 ] && result "not ok" "$label: the case reported nothing" ;;
	124 | 125)
		[ "$BOOT_RC" = 124 ] &&
			result "not ok" "$label: timed out after ${timeout}s" ||
			result "not ok" "$label: the VM ended without a status"
		# The kernel's report below says why; otherwise the console's end.
		if [ "$clean" = 1 ]; then
			echo "# console tail:"
			tail -n 30 "$out/vm-console.log" | sed 's/^/#   /'
		fi
		;;
	126) result "not ok" "$label: could not build the initramfs (see above)" ;;
	*)
		# A failure it reported already says enough; else show its last words.
		if [ "$FAIL" -gt "$f0" ]; then
			echo "# $label: the case exited $BOOT_RC"
		else
			result "not ok" "$label: the case exited $BOOT_RC"
			not_protocol "$out/vm-output.log"
		fi
		;;
	esac
	if [ "$clean" = 0 ]; then
		result "not ok" "$label: kernel log has a WARNING/BUG/Oops/panic/Call Trace"
		echo "$problems"
	fi
	if [ -x "${file%.sh}.host" ] && [ "$BOOT_RC" != 124 ] && [ "$BOOT_RC" != 126 ]; then
		# Our programs first in PATH: the host side replays with this build.
		PATH="$(cd "$BUILD" && pwd):$PATH" VMDIR=$VMDIR \
			"${file%.sh}.host" "$out" >"$out/vm-host.log" 2>&1
		local hrc=$? hf0=$FAIL
		count_lines "$label host" "$out/vm-host.log" ||
			[ "$hrc" != 0 ] || result "not ok" "$label host: reported nothing"
		if [ "$hrc" != 0 ]; then
			if [ "$FAIL" -gt "$hf0" ]; then
				echo "# $label host: exited $hrc"
			else
				result "not ok" "$label host: ${file%.sh}.host exited $hrc"
				not_protocol "$out/vm-host.log"
			fi
		fi
	fi
}

# can_boot: what a boot needs is here; otherwise say why, as a tier skip
# (an environment without QEMU or without the kernel is not a test failure).
can_boot() {
	local why="" err
	if ! command -v qemu-system-x86_64 >/dev/null; then
		why="qemu-system-x86_64 not installed (scripts/install-deps.sh test)"
	elif ! command -v busybox >/dev/null ||
		! is_static "$(command -v busybox)"; then
		why="no static busybox (scripts/install-deps.sh test: busybox-static)"
	elif ! err=$( (setup_kernel) 2>&1); then
		why="no guest kernel: ${err#vm: }"
	fi
	[ -z "$why" ] && return 0
	echo "SKIP: $why"
	echo "0 passed, 0 failed, 1 skipped"
	return 1
}

cmd_tier() {
	local start=$SECONDS files=() f v variants
	if [ $# -gt 0 ]; then
		for f in "$@"; do
			case $f in
			*/*) [ -e "$f" ] || die "no case $f" ;;
			*)
				f=$here/cases/${f%.sh}.sh
				[ -e "$f" ] || die "no case $f"
				;;
			esac
			files+=("$f")
		done
	else
		for f in "$here"/cases/*.sh; do
			[ -e "$f" ] && files+=("$f")
		done
	fi
	if [ ${#files[@]} = 0 ]; then
		echo "SKIP: no VM cases in tests/vm/cases"
		echo "0 passed, 0 failed, 1 skipped"
		return 0
	fi
	can_boot || return 0
	setup_kernel
	echo "# kernel $KVER: $KIMAGE"
	for f in "${files[@]}"; do
		run_case "$f"
		variants=$(header "$f" vm-variants)
		while [ -n "$variants" ]; do
			v=${variants%%|*}
			[ "$v" = "$variants" ] && variants="" || variants=${variants#*|}
			v=$(echo $v)
			[ -n "$v" ] && run_case "$f" "$v"
		done
	done
	local secs=$((SECONDS - start))
	local again=""
	[ "$RETRIED" != 0 ] && again=", $RETRIED of them again after a kernel crash before /init"
	echo "# vm tier: $BOOTS boots in ${secs}s (mean boot+run $((BOOT_TOTAL / (BOOTS > 0 ? BOOTS : 1)))s)$again"
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" = 0 ]
}

cmd_run() {
	[ -n "${CMD:-}" ] || die 'run: say what to run: CMD="insmod /extra/my.ko && ..."'
	setup_kernel
	local casefile=$VMDIR/run-cmd.sh
	if [ -n "${CHECK:-}" ] && [ "${CHECK:-}" != 0 ]; then
		# Under the CI gate: its findings decide the status.
		local q=${CMD//\'/\'\\\'\'}
		printf '%s\n' "# vm-run command under dmatrace check" \
			"dmatrace check ${CHECK_ARGS:-} -- sh -c '$q'" >"$casefile"
	else
		printf '%s\n' "# vm-run command" "$CMD" >"$casefile"
	fi
	boot run case "$casefile" "$VM_TIMEOUT" "" ${MODULES:-}
	local out=$VMDIR/out/run problems rc=$BOOT_RC
	if [ "$VM_CONSOLE" = 1 ]; then
		:
	elif [ -e "$out/vm-output.log" ]; then
		cat "$out/vm-output.log"
	else
		# No results share: the command's lines from the console.
		echo "vm-run: no results share (no 9p in this kernel?): \$OUT files stayed in the guest" >&2
		sed -n '/@@vm-start/,/@@vm-exit/p' "$out/vm-console.log" |
			grep -v -e '^\[ *[0-9]*\.[0-9]*\] ' -e '^@@vm-'
	fi
	if ! problems=$(log_problems "$out/vm-console.log" "${VM_ALLOW_WARNING:-}"); then
		echo "vm-run: the kernel log has a WARNING/BUG/Oops/panic/Call Trace:"
		echo "$problems"
		[ "$rc" = 0 ] && rc=1
	fi
	case $BOOT_RC in
	124) echo "vm-run: timed out after ${VM_TIMEOUT}s (VM_TIMEOUT=)" ;;
	125)
		echo "vm-run: the VM ended without a status; console tail:"
		tail -n 30 "$out/vm-console.log"
		;;
	esac
	echo "vm-run: exit status $BOOT_RC, ${BOOT_SECS}s; output and files in $out"
	exit "$rc"
}

cmd_shell() {
	setup_kernel
	boot shell shell "" 0 "" ${MODULES:-nvme e1000e}
	echo "vm-shell: files written to \$OUT are in $VMDIR/out/shell"
}

# The runner's own tests: the log scanner on made-up logs, then guest
# scripts in tests/vm/selftest/ whose outcome (counts, a line of output)
# each says in "vm-expect:" / "vm-expect-text:".
cmd_selftest() {
	local p=0 f=0 file expect text out got err log=$VMDIR/selftest.log
	st() {
		if [ "$1" = ok ]; then
			p=$((p + 1))
		else
			f=$((f + 1))
			shift
			set -- "not ok" "$@"
		fi
		echo "$1 - $2"
	}
	# log_selftest WANT ALLOW TEXT LINE...: WANT is clean or dirty.
	log_selftest() {
		local want=$1 allow=$2 text=$3 res=clean
		shift 3
		printf '%s\n' "$@" >"$log"
		log_problems "$log" "$allow" >/dev/null || res=dirty
		[ "$res" = "$want" ] && st ok "log scanner: $text" || st fail "log scanner: $text (got $res)"
	}
	mkdir -p "$VMDIR"
	local cut='[ 2.0] ------------[ cut here ]------------'
	local end='[ 2.0] ---[ end trace 0000000000000000 ]---'
	log_selftest clean "" "a clean boot log" "[    0.1] Linux version 6.1" \
		"[    1.2] nvme nvme0: 2/0/0 default/read/poll queues" "@@vm-exit 0"
	log_selftest dirty "" "a WARNING" "$cut" "[ 2.0] WARNING: CPU: 0 PID: 1 at x.c:1 f+0x1/0x2" "$end"
	log_selftest clean "kernel/dma/debug\\.c" "an allowed WARNING with its Call Trace" "$cut" \
		"[ 2.0] DMA-API: nvme 0000:11:00.0: device driver frees DMA memory with wrong function" \
		"[ 2.0] WARNING: CPU: 0 PID: 1 at kernel/dma/debug.c:1001 check_unmap+0x1/0x2" \
		"[ 2.0] Call Trace:" "[ 2.0]  <TASK>" "$end"
	log_selftest dirty "kernel/dma/debug\\.c" "an allowed WARNING, then another" "$cut" \
		"[ 2.0] WARNING: CPU: 0 PID: 1 at kernel/dma/debug.c:1001 check_unmap+0x1/0x2" "$end" \
		"$cut" "[ 3.0] WARNING: CPU: 1 PID: 9 at mm/slub.c:1 f+0x1/0x2" "$end"
	log_selftest dirty "kernel/dma/debug\\.c" "an allowed WARNING, then a BUG" "$cut" \
		"[ 2.0] WARNING: CPU: 0 PID: 1 at kernel/dma/debug.c:1001 check_unmap+0x1/0x2" "$end" \
		"[ 3.0] BUG: kernel NULL pointer dereference, address: 0000000000000008"
	log_selftest dirty "" "a lone Call Trace (hung task)" \
		"[ 9.0] INFO: task sh:77 blocked for more than 120 seconds." "[ 9.0] Call Trace:"
	log_selftest dirty "" "a panic" "[ 5.0] Kernel panic - not syncing: Fatal exception"
	log_selftest dirty "" "a WARNING after a guest line without newline" \
		"ok - still printing[    4.012345] WARNING: CPU: 1 PID: 9 at x.c:1 f+0x1/0x2"
	log_selftest clean "" "guest output that merely mentions BUG: and Oops" \
		"ok - no BUG: reported, no Oops" "# Call Trace: none"
	log_selftest dirty "kernel/dma/debug\\.c" "an allowed WARNING cut short by a panic" "$cut" \
		"[ 2.0] WARNING: CPU: 0 PID: 1 at kernel/dma/debug.c:1001 check_unmap+0x1/0x2" \
		"[ 2.0] Call Trace:" "[ 2.1] Kernel panic - not syncing: Fatal exception"
	log_selftest dirty "" "an Oops" "[ 5.0] Oops: 0002 [#1] PREEMPT SMP NOPTI"
	log_selftest dirty "" "a KASAN report" "[ 5.0] BUG: KASAN: use-after-free in f+0x1/0x2"

	# accel_sel WANT TEXT ACCEL DEV: the accelerator's QEMU words, or fail
	accel_sel() {
		local got
		got=$(VM_ACCEL=$3 VM_KVM_DEV=$4 accel_args 2>&1)
		# shellcheck disable=SC2254 # WANT is a pattern
		case $got in
		$1) st ok "accelerator: $2" ;;
		*) st fail "accelerator: $2 (got: $got)" ;;
		esac
	}
	accel_sel "-accel tcg,thread=multi -cpu max" "tcg, the default" "" ""
	accel_sel "-accel kvm -cpu host" "kvm where the device opens" kvm /dev/null
	accel_sel "VM_ACCEL=kvm: no $VMDIR/no-kvm here*" "kvm without the device" kvm "$VMDIR/no-kvm"
	accel_sel "VM_ACCEL=kvm: $log is not a device*" "kvm on a file that is no device" kvm "$log"
	accel_sel "VM_ACCEL=xen: not tcg or kvm" "an unknown accelerator" xen ""
	# and a command that would boot stops before it, with the reason
	got=$(VM_ACCEL=kvm VM_KVM_DEV="$VMDIR/no-kvm" "$here/vm.sh" run 2>&1)
	got="$?:$got"
	case $got in
	"2:VM_ACCEL=kvm: no $VMDIR/no-kvm here"*) st ok "accelerator: run stops without the device (exit 2)" ;;
	*) st fail "accelerator: run stops without the device (got $got)" ;;
	esac

	# VM_SELFTEST_QUICK=1: the scanner only, no boots.
	[ "${VM_SELFTEST_QUICK:-0}" = 1 ] && { echo "$p passed, $f failed"; return; }
	if ! err=$(can_boot); then
		echo "${err%%$'\n'*}"
		echo "$p passed, $f failed, 1 skipped"
		return 0
	fi
	setup_kernel
	for file in "$here"/selftest/*.sh; do
		expect=$(header "$file" vm-expect)
		text=$(header "$file" vm-expect-text)
		out=$(
			PASS=0 FAIL=0 SKIP=0
			run_case "$file"
			echo "@@counts $PASS passed, $FAIL failed, $SKIP skipped"
		)
		got=$(echo "$out" | sed -n 's/^@@counts //p')
		if [ "$got" = "$expect" ] && { [ -z "$text" ] || echo "$out" | grep -qE -- "$text"; }; then
			st ok "runner: $(basename "$file" .sh): $got"
		else
			st fail "runner: $(basename "$file" .sh): want '$expect'${text:+ and /$text/}, got '$got'"
			echo "$out" | sed 's/^/#   /'
		fi
	done

	# vm-run: a .ko given by path gets its in-tree dependencies loaded first;
	# the command's status and files come back.
	local ko
	ko=$(find "$KMODROOT/lib/modules/$KVER" -name nvme.ko | head -n 1)
	out=$(MODULES="$ko" FILES="$here/vm-lib.sh" \
		CMD='insmod /extra/nvme.ko && test -r /extra/vm-lib.sh && echo ran >$OUT/ran && exit 7' \
		"$0" run 2>&1)
	got=$?
	if [ "$got" = 7 ] && grep -qx ran "$VMDIR/out/run/ran"; then
		st ok "runner: vm-run brings back the status (7) and \$OUT files; .ko dependencies preloaded"
	else
		st fail "runner: vm-run: status $got"
		echo "$out" | sed 's/^/#   /'
	fi
	echo "$p passed, $f failed"
	[ "$f" = 0 ]
}

main() {
	local cmd=${1:-help}
	[ $# -gt 0 ] && shift
	# an accelerator that cannot be had stops every command that boots
	case $cmd in
	tier | run | selftest | shell) ACCEL_ARGS=$(accel_args) || exit 2 ;;
	esac
	case $cmd in
	tier) cmd_tier "$@" ;;
	run) cmd_run ;;
	selftest) cmd_selftest ;;
	shell) cmd_shell ;;
	kernel)
		setup_kernel
		printf 'image %s\nversion %s\nmodules %s\n' "$KIMAGE" "$KVER" "${KMODROOT:-none}"
		;;
	help | -h | --help) usage ;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

# On one line: bash reads no further, so editing this file while it runs is
# harmless.
main "$@"; exit
