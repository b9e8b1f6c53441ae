# notok.sh - runner self-test: a "not ok" line fails the case; the non-zero
# exit that follows it is noted, not counted twice.
# vm-expect: 1 passed, 1 failed, 0 skipped
# vm-expect-text: the case exited 3
echo "ok - this one passes"
echo "not ok - this one fails"
exit 3
