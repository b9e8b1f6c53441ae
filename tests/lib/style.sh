#!/bin/bash
# style.sh CHECKPATCH - the style tier: clang-format (userspace, .clang-format)
# and checkpatch.pl --no-tree (kmod/), one result line per file.
set -u
checkpatch=${1:-}
pass=0 fail=0
for f in $(git ls-files '*.c' '*.h' | grep -v -e '^kmod/' -e '^bpf/vmlinux.h'); do
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
	for f in $(git ls-files 'kmod/*.c' 'kmod/*.h'); do
		if out=$("$checkpatch" --no-tree --terse --show-types --file "$f" 2>&1); then
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
