#!/bin/sh
# install-deps.sh - install the Debian packages dmascope needs (build, test,
# demo).  Idempotent and quick when everything is present.  Usage:
#   scripts/install-deps.sh [build|test|deb|all]
set -eu
want=${1:-all}

build_pkgs="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	libzstd-dev libjson-c-dev libncurses-dev libclang-rt-14-dev libevent-dev
	libtraceevent-dev libtracefs-dev"
test_pkgs="qemu-system-x86 busybox-static linux-headers-amd64 kmod cpio dwarves tmux
	zstd jq time linux-source-6.1 clang-format git mmdebstrap groff-base procps
	libxml2-utils python3-jsonschema
	prometheus curl protobuf-compiler trace-cmd linux-perf python3 flex bison libssl-dev bc"
# make deb: Debian's packaging tools (the build packages come too).
deb_pkgs="build-essential dpkg-dev debhelper lintian"

case "$want" in
build) pkgs=$build_pkgs ;;
test | all) pkgs="$build_pkgs $test_pkgs" ;;
deb) pkgs="$build_pkgs $deb_pkgs" ;;
*) echo "usage: $0 [build|test|deb|all]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root, or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt (unattended upgrades, a second make) rather than fail.
lock="-o DPkg::Lock::Timeout=600"
apt-get $lock update -qq
apt-get $lock install -y -qq --no-install-recommends $missing >/dev/null
echo "install-deps: installed$missing"
