#!/bin/bash
# run-tier.sh NAME CMD... - run one test tier, keep its log, and record its
# "N passed, N failed[, N skipped]" line for tests/lib/summary.sh.  A tier
# that exits non-zero without reporting a failure counts one failure more; a
# tier that reports nothing at all counts as one failure.  A skipped tier
# prints "SKIP: reason" and "0 passed, 0 failed, 1 skipped".
set -u -o pipefail
name=$1
shift
out=${TEST_RESULTS:-build/test-results}
mkdir -p "$out"
log="$out/$name.log"
echo "=== tier $name: $*"
start=$(date +%s)
"$@" 2>&1 | tee "$log"
rc=$?
secs=$(($(date +%s) - start))
line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
p=0 f=0 s=0
if [ -n "$line" ]; then
	p=$(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	case "$line" in *skipped*) s=$(echo "$line" | sed -E 's/.* ([0-9]+) skipped.*/\1/') ;; esac
fi
if [ -z "$line" ]; then
	echo "run-tier: $name reported no result line (exit $rc)"
	f=$((f + 1))
elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
	echo "run-tier: $name exited $rc without reporting a failure"
	f=$((f + 1))
fi
reason=$(grep -m1 '^SKIP: ' "$log" | cut -c7- || true)
printf '%s %s %s %s %s %s\n' "$name" "$p" "$f" "$s" "$secs" "${reason:--}" >"$out/$name.result"
echo "=== tier $name: $p passed, $f failed, $s skipped (${secs}s)"
exit 0
