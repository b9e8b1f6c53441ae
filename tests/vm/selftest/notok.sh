# notok.sh - runner self-test: a "not ok" line and a non-zero exit both fail.
# vm-expect: 1 passed, 2 failed, 0 skipped
# vm-expect-text: the case exited 3
echo "ok - this one passes"
echo "not ok - this one fails"
exit 3
