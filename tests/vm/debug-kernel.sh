#!/bin/bash
# debug-kernel.sh - builds and caches the vm-debug tier's kernel: Debian's
# linux-source (CONFIG_DMA_API_DEBUG and only what the VM and dmascope need,
# tests/vm/debug-kernel.config on top of allnoconfig), kept outside the clone
# under $DMASCOPE_CACHE/kernels/dbg-KEY, KEY = the source package's version
# and the fragment's hash, so a second run on the machine skips the build.
# See `debug-kernel.sh help`.
set -u -o pipefail

usage() {
	cat <<'USAGE'
usage: tests/vm/debug-kernel.sh COMMAND
  key      the cache key: source package version and fragment hash
  build    build the kernel unless cached; print "release R", "image FILE"
           (an uncompressed kernel with a PVH entry), "modroot DIR" (its
           INSTALL_MOD_PATH), "kdir DIR" (for out-of-tree modules), "dir DIR"
  path     the same lines for a cached kernel; exit 1 when not built yet
  kmod     build it if needed, then vdmac.ko and vdmac_leak.ko against it
           into $BUILD/kmod-RELEASE (log beside them); print "vdmac FILE"
           and "vdmac_leak FILE"
Exit status: 0 done, 1 (path) not built yet, 2 the build failed, 3 this
machine cannot build it (a package, the cache, disk space): the reason on
stderr.
Environment:
  DMASCOPE_CACHE    cache outside the clone (default /var/cache/dmascope)
  DMASCOPE_KSRC_PKG the source package (default linux-source-6.1, which
                    scripts/install-deps.sh installs)
  DEBUG_KERNEL_JOBS parallel jobs (default: the number of CPUs)
  DEBUG_KERNEL_NICE the build's niceness (default 10: others share the CPUs)
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
FRAGMENT=$here/debug-kernel.config
CACHE=${DMASCOPE_CACHE:-/var/cache/dmascope}/kernels
PKG=${DMASCOPE_KSRC_PKG:-linux-source-6.1}

die() {
	echo "debug-kernel: $*" >&2
	exit 2
}

# cannot: this machine lacks what a build needs (exit 3; the tier skips),
# unlike a build that started and broke (die, exit 2; the tier fails).
cannot() {
	echo "debug-kernel: cannot build here: $*" >&2
	exit 3
}

# Unpacked source, objects with debug info and the kept tree.
NEED_KB=$((6 * 1024 * 1024))

# src_version: the installed source package's version, e.g. 6.1.192-3.
src_version() {
	local v
	v=$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null)
	[ -n "$v" ] || cannot "$PKG is not installed (scripts/install-deps.sh installs it)"
	echo "$v"
}

# src_tarball: the tarball the package installed.
src_tarball() {
	local t
	t=$(dpkg-query -L "$PKG" 2>/dev/null | grep -m 1 '^/usr/src/linux-source-.*\.tar\.\(xz\|bz2\|gz\)$')
	[ -n "$t" ] && [ -r "$t" ] || cannot "$PKG lists no readable /usr/src/linux-source-*.tar.*"
	echo "$t"
}

key() {
	local h v
	[ -r "$FRAGMENT" ] || die "no $FRAGMENT"
	v=$(src_version) || exit
	h=$(grep -v -e '^#' -e '^$' "$FRAGMENT" | sha256sum | cut -c1-12)
	echo "$(echo "$v" | tr -c 'A-Za-z0-9.+~\n' '_')-$h"
}

print_paths() {
	local dir=$1
	printf 'release %s\nimage %s\nmodroot %s\nkdir %s\ndir %s\n' \
		"$(cat "$dir/release")" "$dir/vmlinux" "$dir/mods" "$dir/obj" "$dir"
}

# check_config OBJ: every line of the fragment made it into the .config.
check_config() {
	local obj=$1 line sym val lost=""
	while IFS= read -r line; do
		case $line in '' | '#'*) continue ;; esac
		sym=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			grep -qx "# $sym is not set" "$obj/.config" || lost="$lost $line"
		else
			grep -qxF "$line" "$obj/.config" || lost="$lost $line"
		fi
	done <"$FRAGMENT"
	[ -z "$lost" ] || die "olddefconfig dropped:$lost (a dependency missing from $FRAGMENT?)"
}

build() {
	local k dir tmp tar jobs prio start rel
	k=$(key) || exit
	dir=$CACHE/dbg-$k
	if [ -e "$dir/.complete" ]; then
		print_paths "$dir"
		return
	fi
	mkdir -p "$CACHE" 2>/dev/null && [ -w "$CACHE" ] ||
		cannot "$CACHE is not writable (set DMASCOPE_CACHE)"
	# One build at a time per key; a second caller waits and reuses it.
	exec 9>"$CACHE/dbg-$k.lock"
	flock 9 || die "cannot lock $CACHE/dbg-$k.lock"
	if [ -e "$dir/.complete" ]; then
		print_paths "$dir"
		return
	fi
	command -v pahole >/dev/null || cannot "no pahole (BTF needs it; scripts/install-deps.sh installs dwarves)"
	command -v flex >/dev/null && command -v bison >/dev/null ||
		cannot "no flex or bison (scripts/install-deps.sh installs them)"
	local free
	free=$(df -Pk "$CACHE" | awk 'NR == 2 { print $4 }')
	[ ! -e "$dir/.unpacked" ] && [ "${free:-0}" -lt "$NEED_KB" ] &&
		cannot "$((free / 1024)) MiB free under $CACHE, a build needs about $((NEED_KB / 1024)) MiB"
	tar=$(src_tarball) || exit
	jobs=${DEBUG_KERNEL_JOBS:-$(nproc)}
	prio=${DEBUG_KERNEL_NICE:-10}
	start=$SECONDS
	# Built in place (the tree's makefiles name their directory); only
	# .complete, written last, makes it a cached kernel.  An interrupted
	# build resumes: the unpacked source is kept, make redoes what is left.
	tmp=$dir
	if [ ! -e "$tmp/.unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$tmp/src" "$tmp/obj" || die "cannot create $tmp"
		echo "debug-kernel: unpacking $tar ($PKG $(src_version)) into $tmp" >&2
		nice -n "$prio" tar -xf "$tar" -C "$tmp/src" --strip-components=1 ||
			die "cannot unpack $tar"
		touch "$tmp/.unpacked"
	else
		echo "debug-kernel: resuming the build in $tmp" >&2
	fi
	local mk=(nice -n "$prio" make -C "$tmp/src" O="$tmp/obj" ARCH=x86_64 -j"$jobs")
	"${mk[@]}" KCONFIG_ALLCONFIG="$FRAGMENT" allnoconfig >"$tmp/config.log" 2>&1 ||
		die "allnoconfig failed: $(tail -n 5 "$tmp/config.log")"
	"${mk[@]}" olddefconfig >>"$tmp/config.log" 2>&1 ||
		die "olddefconfig failed: $(tail -n 5 "$tmp/config.log")"
	check_config "$tmp/obj"
	echo "debug-kernel: building with $jobs jobs (log $tmp/build.log)" >&2
	"${mk[@]}" vmlinux modules >"$tmp/build.log" 2>&1 ||
		die "build failed (log $tmp/build.log): $(grep -m 5 -E 'error|Error' "$tmp/build.log")"
	"${mk[@]}" INSTALL_MOD_PATH="$tmp/mods" INSTALL_MOD_STRIP=1 DEPMOD=/sbin/depmod \
		modules_install >>"$tmp/build.log" 2>&1 || die "modules_install failed (log $tmp/build.log)"
	rel=$(cat "$tmp/obj/include/config/kernel.release") || die "no kernel.release"
	# The ELF kernel boots through its PVH entry; debug info is not needed
	# there (BTF is a section of its own and stays).
	objcopy --strip-debug "$tmp/obj/vmlinux" "$tmp/vmlinux" || die "objcopy failed"
	readelf -n "$tmp/vmlinux" | grep -q 'Unknown note type: (0x00000012)' ||
		die "the kernel has no PVH entry note"
	# Out-of-tree modules need the configured tree, its tools, vmlinux (for
	# their BTF) and Module.symvers, not the objects.
	find "$tmp/obj" -name '*.o' ! -path "$tmp/obj/scripts/*" -delete
	echo "$rel" >"$tmp/release"
	echo "$((SECONDS - start))" >"$tmp/build-seconds"
	touch "$dir/.complete"
	echo "debug-kernel: $rel built in $((SECONDS - start)) s" >&2
	print_paths "$dir"
}

# kmod: vdmac against the debug kernel, as kmod.mk builds it elsewhere.
kmod() {
	local info rel kdir out top
	info=$(build) || exit
	rel=$(echo "$info" | sed -n 's/^release //p')
	kdir=$(echo "$info" | sed -n 's/^kdir //p')
	top=$(cd "$here/../.." && pwd)
	out=${BUILD:-build}/kmod-$rel
	mkdir -p "$out"
	make -C "$top" --no-print-directory BUILD="${BUILD:-build}" KDIR="$kdir" \
		KMOD_OUT="$out" kmod >"$out.log" 2>&1 ||
		die "vdmac did not build against $kdir (log $out.log): $(grep -m 3 -E 'error|Error' "$out.log")"
	printf 'vdmac %s\nvdmac_leak %s\n' "$out/vdmac.ko" "$out/vdmac_leak.ko"
}

main() {
	case ${1:-help} in
	help | -h | --help) usage ;;
	key) key ;;
	build) build ;;
	kmod) kmod ;;
	path)
		local dir
		dir=$CACHE/dbg-$(key) || exit
		[ -e "$dir/.complete" ] || exit 1
		print_paths "$dir"
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
}

main "$@"; exit
