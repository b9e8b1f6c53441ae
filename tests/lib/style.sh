#!/bin/bash
# style.sh CHECKPATCH - the style tier: clang-format (userspace, .clang-format)
# and checkpatch.pl --no-tree (kmod/), one result line per file.
set -u
checkpatch=${1:-}
pass=0 fail=0
# sources PATTERN...: the tree's files matching a pattern (git's list in a
# clone; every file in an unpacked tree that is not one)
sources() {
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git ls-files "$@"
	else
		local p
		for p in "$@"; do find . -path "./$p" -not -path './build*' | sed 's|^\./||'; done | sort -u
	fi
}
nfiles=$(sources '*.c' '*.h' | wc -l)
if [ "$nfiles" -lt 10 ]; then
	echo "not ok - only $nfiles source files found: not the project's tree?"
	fail=$((fail + 1))
fi
for f in $(sources '*.c' '*.h' | grep -v -e '^kmod/' -e '^bpf/vmlinux.h'); do
	if out=$(clang-format --dry-run --Werror "$f" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "not ok - clang-format $f"
		echo "$out" | head -n 20
	fi
done
if [ -z "$checkpatch" ]; then
	echo "not ok - no checkpatch.pl (install linux-source-6.1)"
	fail=$((fail + 1))
else
	for f in $(sources 'kmod/*.c' 'kmod/*.h'); do
		# vdmac_compat.h is the one place kmod/ may test kernel versions
		extra=()
		[ "$f" = kmod/vdmac_compat.h ] && extra=(--ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON)
		if out=$("$checkpatch" --no-tree --terse --show-types "${extra[@]}" --file "$f" 2>&1); then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
			echo "not ok - checkpatch $f"
			echo "$out" | head -n 20
		fi
	done
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
