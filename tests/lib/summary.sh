#!/bin/bash
# summary.sh - sum every tier's result into the line CI reads.  Exits 1 when
# any tier failed.
set -u
out=${TEST_RESULTS:-build/test-results}
tp=0 tf=0 ts=0
echo
echo "tier                 passed failed skipped  time  note"
for r in "$out"/*.result; do
	[ -e "$r" ] || continue
	read -r name p f s secs reason <"$r"
	printf '%-20s %6d %6d %7d %5ss  %s\n' "$name" "$p" "$f" "$s" "$secs" \
		"$([ "$reason" = - ] || echo "skipped: $reason")"
	tp=$((tp + p)) tf=$((tf + f)) ts=$((ts + s))
done
echo "$tp passed, $tf failed, $ts skipped"
[ "$tf" = 0 ]
