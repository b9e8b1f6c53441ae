#!/bin/bash
# debian-kernel.sh - fetches Debian kernels of other suites (bookworm-backports,
# trixie-backports, ...) through an apt configuration of the project's own:
# its own sources list, lists, archives and state under $DMASCOPE_CACHE, the
# package host read from this machine's apt, the system's sources untouched.
# Images and headers are unpacked, never installed.  See `debian-kernel.sh help`.
set -u -o pipefail

usage() {
	cat <<'USAGE'
usage: tests/vm/debian-kernel.sh COMMAND SUITE
  release SUITE    the kernel release linux-image-amd64 of SUITE depends on
  image SUITE      fetch and unpack that kernel and its modules (decompressed,
                   with modules.dep); print "release R", "root DIR",
                   "modules DIR", "image FILE"
  headers SUITE    fetch and unpack its headers and kbuild; print "kdir DIR"
  apt SUITE CMD... run apt-get or apt-cache CMD with the suite's configuration
  kbuild-root SUITE  a root of SUITE's own Debian release (mmdebstrap, cached)
                   with its headers, kbuild and compiler installed, for a
                   kernel whose kbuild cannot run on this machine; print
                   "root DIR", "kdir DIR" (inside the root)
  kbuild SUITE DIR build the external modules in DIR (it holds their Kbuild)
                   in that root, as `make -C KDIR M=DIR modules`
Environment:
  DMASCOPE_CACHE   cache outside the clone (default /var/cache/dmascope);
                   this script uses $DMASCOPE_CACHE/kernels
  DMASCOPE_APT_MAX_AGE  seconds before the suite's lists are refreshed
                   (default 86400)
USAGE
}

CACHE=${DMASCOPE_CACHE:-/var/cache/dmascope}/kernels
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

die() {
	echo "debian-kernel: $*" >&2
	exit 2
}

# archive_uri: the Debian archive this machine's apt uses for its own
# release (not its security archive), as apt itself reports it.
archive_uri() {
	local codename
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	apt-get indextargets --format '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(ORIGIN)' 2>/dev/null |
		awk -v s="$codename" '$1 == "deb" && $4 == "Debian" && $3 == s { print $2; exit }'
}

# apt_setup SUITE: APT_CONFIG for SUITE, lists fetched when missing or old.
apt_setup() {
	local suite=$1 d uri age now
	case $suite in
	*[!a-z0-9-]* | "") die "suite '$suite': expected a Debian suite name such as bookworm-backports" ;;
	esac
	d=$CACHE/apt/$suite
	mkdir -p "$d/etc/sources.list.d" "$d/etc/preferences.d" "$d/state/lists/partial" \
		"$d/cache/archives/partial" || die "cannot create $d"
	[ -e "$d/state/status" ] || : >"$d/state/status"
	[ -r "$KEYRING" ] || die "no $KEYRING (apt-get install debian-archive-keyring)"
	cat >"$d/apt.conf" <<CONF
Dir::Etc::SourceList "$d/etc/sources.list";
Dir::Etc::SourceParts "$d/etc/sources.list.d";
Dir::Etc::Preferences "$d/etc/preferences";
Dir::Etc::PreferencesParts "$d/etc/preferences.d";
Dir::State "$d/state";
Dir::State::status "$d/state/status";
Dir::Cache "$d/cache";
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
	now=$(date +%s)
	age=$((now - $(stat -c %Y "$d/state/lists/.updated" 2>/dev/null || echo 0)))
	if [ "$age" -lt "${DMASCOPE_APT_MAX_AGE:-86400}" ]; then
		export APT_CONFIG=$d/apt.conf
		return 0
	fi
	# Read with the system's configuration, before ours is in force.
	uri=$(archive_uri)
	export APT_CONFIG=$d/apt.conf
	[ -n "$uri" ] || die "apt has no Debian archive for this machine's release (apt-get update?)"
	echo "deb [signed-by=$KEYRING] $uri $suite main" >"$d/etc/sources.list"
	echo "debian-kernel: apt-get update for $suite" >&2
	if apt-get -q update >"$d/update.log" 2>&1 && ! grep -q '^[WE]:' "$d/update.log"; then
		touch "$d/state/lists/.updated"
	elif [ -e "$d/state/lists/.updated" ]; then
		echo "debian-kernel: update of $suite failed, using the lists of $(date -ud "@$(stat -c %Y "$d/state/lists/.updated")"): $(grep '^[WE]:' "$d/update.log" | head -n 2)" >&2
	else
		die "apt-get update for $suite failed: $(grep '^[WE]:' "$d/update.log" | head -n 3)"
	fi
}

# release SUITE: e.g. 6.12.95+deb12-amd64, what the suite's metapackage
# depends on today.
release() {
	local dep
	dep=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
	[ -n "$dep" ] || die "$1 has no linux-image-amd64 depending on a kernel"
	echo "$dep"
}

# real_deps PKG PATTERN...: PKG's dependencies (not virtual) whose names
# match one of the shell patterns.
real_deps() {
	local pkg=$1 dep pat
	shift
	for dep in $(apt-cache depends "$pkg" 2>/dev/null |
		sed -n 's/^ *|\{0,1\}Depends: \([^<> ]*\)$/\1/p'); do
		for pat in "$@"; do
			# shellcheck disable=SC2254 # the patterns are patterns
			case $dep in $pat) echo "$dep" && break ;; esac
		done
	done
}

# fetch DIR PKG...: download and unpack into DIR/root; DIR/.complete last.
fetch() {
	local dir=$1 tmp=$1.tmp p
	shift
	rm -rf "$tmp"
	mkdir -p "$tmp/debs" || die "cannot create $tmp"
	echo "debian-kernel: fetching $* into $dir" >&2
	(cd "$tmp/debs" && apt-get download -q "$@" >../download.log 2>&1) ||
		die "apt-get download $* failed: $(tail -n 3 "$tmp/download.log")"
	for p in "$tmp"/debs/*.deb; do
		dpkg-deb -x "$p" "$tmp/root" || die "dpkg-deb -x $p failed"
	done
	rm -rf "$tmp/debs"
	echo "$tmp"
}

cmd_image() {
	local suite=$1 rel dir tmp mods img
	rel=$(release "$suite") || exit
	dir=$CACHE/$rel/image
	if [ ! -e "$dir/.complete" ]; then
		# 6.12: one package with boot/ and lib/modules/; 7.x: linux-image-R
		# is empty and depends on linux-binary-R and linux-modules-R.
		local deps
		mapfile -t deps < <(real_deps "linux-image-$rel" "linux-binary-$rel" "linux-modules-$rel")
		tmp=$(fetch "$dir" "linux-image-$rel" "${deps[@]}") || exit
		# usr-merged packages: depmod -b and modprobe -d want ROOT/lib/modules.
		[ -e "$tmp/root/lib" ] || ln -s usr/lib "$tmp/root/lib"
		[ -d "$tmp/root/lib/modules/$rel" ] || die "linux-image-$rel has no lib/modules/$rel"
		# busybox insmod loads plain .ko files only.
		find "$tmp/root/lib/modules/$rel/" -name '*.ko.xz' -exec xz -d {} + ||
			die "cannot decompress the modules"
		depmod -b "$tmp/root" "$rel" || die "depmod failed"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.complete"
	fi
	mods=$dir/root/lib/modules/$rel
	img=$dir/root/boot/vmlinuz-$rel
	[ -e "$img" ] || img=$mods/vmlinuz
	[ -e "$img" ] || die "no vmlinuz in linux-image-$rel"
	printf 'release %s\nroot %s\nmodules %s\nimage %s\n' "$rel" "$dir/root" "$mods" "$img"
}

cmd_headers() {
	local suite=$1 rel dir tmp kdir f
	rel=$(release "$suite") || exit
	dir=$CACHE/$rel/headers
	kdir=$dir/root/usr/src/linux-headers-$rel
	if [ ! -e "$dir/.complete" ]; then
		local deps
		mapfile -t deps < <(real_deps "linux-headers-$rel" 'linux-headers-*-common' 'linux-kbuild-*')
		tmp=$(fetch "$dir" "linux-headers-$rel" "${deps[@]}") || exit
		# The headers' makefiles and links name /usr/src and /usr/lib of an
		# installed system: point them into this root.
		grep -rlZ --include=Makefile -e /usr/src/ -e /usr/lib/linux-kbuild "$tmp/root/usr/src" |
			xargs -0 -r sed -i -e "s,/usr/src/,$dir/root/usr/src/,g" \
				-e "s,/usr/lib/linux-kbuild,$dir/root/usr/lib/linux-kbuild,g"
		while IFS= read -r -d '' f; do
			case $(readlink "$f") in
			/*) ln -sfn "$dir/root$(readlink "$f")" "$f" ;;
			esac
		done < <(find "$tmp/root/usr/src" -maxdepth 2 -type l -print0)
		rm -rf "$dir"
		mv "$tmp" "$dir"
		touch "$dir/.complete"
	fi
	[ -e "$kdir/Makefile" ] || die "linux-headers-$rel has no $kdir/Makefile"
	printf 'kdir %s\n' "$kdir"
}

# kbuild_root SUITE: a root of the release SUITE is built on (trixie for
# trixie-backports) with the suite's linux-headers-REL installed, so its
# kbuild runs with the compiler and C library it was made for (7.3's config
# names gcc-14, its objtool needs glibc 2.38).  Packages come from the
# archive this machine's apt uses; the root is cached per release.
cmd_kbuild_root() {
	local suite=$1 base rel dir tmp uri start pkgs
	rel=$(release "$suite") || exit
	base=${suite%%-*}
	dir=$CACHE/$rel/kbuild-root
	# gcc-N-for-host brings no assembler or linker: binutils
	pkgs="make,binutils,linux-headers-$rel"
	# a root made with another package list is made again
	if [ "$(cat "$dir/.complete" 2>/dev/null)" != "$pkgs" ]; then
		command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (make deps installs it)"
		[ "$(id -u)" = 0 ] || die "building the $base root needs root (mmdebstrap --mode=root)"
		uri=$(unset APT_CONFIG && archive_uri)
		[ -n "$uri" ] || die "apt has no Debian archive for this machine's release"
		tmp=$dir.tmp
		rm -rf "$tmp"
		start=$(date +%s)
		echo "debian-kernel: building a $base root with linux-headers-$rel into $dir" >&2
		# The suite's own packages win over the base release's (backports
		# are not picked by default).
		mmdebstrap --quiet --mode=root --variant=minbase \
			--include="$pkgs" \
			--setup-hook="printf 'Package: *\nPin: release n=$suite\nPin-Priority: 600\n' >\"\$1/etc/apt/preferences.d/kbuild\"" \
			"$base" "$tmp" "deb [signed-by=$KEYRING] $uri $base main" \
			"deb [signed-by=$KEYRING] $uri $suite main" >"$CACHE/$rel/kbuild-root.log" 2>&1 ||
			die "mmdebstrap of $base failed: $(grep -E '^(E|W):|error' "$CACHE/$rel/kbuild-root.log" | head -n 3)"
		rm -rf "$dir"
		mv "$tmp" "$dir"
		echo "$pkgs" >"$dir/.complete"
		echo "debian-kernel: $base root built in $(($(date +%s) - start)) s" >&2
	fi
	[ -e "$dir/usr/src/linux-headers-$rel/Makefile" ] || die "$dir has no linux-headers-$rel"
	printf 'root %s\nkdir %s\n' "$dir" "/usr/src/linux-headers-$rel"
}

# kbuild SUITE DIR: Kbuild in the suite's root, DIR bind-mounted at /build
# in a mount namespace of its own (nothing stays mounted after it).
cmd_kbuild() {
	local suite=$1 mdir=$2 info root kdir
	[ -e "$mdir/Kbuild" ] || die "kbuild: $mdir has no Kbuild"
	info=$(cmd_kbuild_root "$suite") || exit
	root=$(echo "$info" | sed -n 's/^root //p')
	kdir=$(echo "$info" | sed -n 's/^kdir //p')
	mkdir -p "$root/build" || die "cannot create $root/build"
	unshare --mount --propagation private sh -c '
		mount --bind "$1" "$2/build" && mount -t proc proc "$2/proc" &&
		mount --rbind /dev "$2/dev" &&
		exec chroot "$2" make -C "$3" M=/build modules' kbuild "$(cd "$mdir" && pwd)" "$root" "$kdir"
}

main() {
	local cmd=${1:-help}
	[ $# -gt 0 ] && shift
	case $cmd in
	help | -h | --help)
		usage
		return
		;;
	release | image | headers | apt | kbuild-root | kbuild) ;;
	*)
		usage >&2
		exit 2
		;;
	esac
	[ $# -ge 1 ] || die "$cmd: which suite?"
	apt_setup "$1"
	case $cmd in
	release) release "$1" ;;
	image) cmd_image "$1" ;;
	headers) cmd_headers "$1" ;;
	kbuild-root) cmd_kbuild_root "$1" ;;
	kbuild)
		[ $# -ge 2 ] || die "kbuild: which directory?"
		cmd_kbuild "$1" "$2"
		;;
	apt)
		shift
		[ $# -ge 1 ] || die "apt: which command (apt-get or apt-cache)?"
		case $1 in apt-get | apt-cache) ;; *) die "apt: only apt-get and apt-cache" ;; esac
		"$@"
		;;
	esac
}

main "$@"; exit
