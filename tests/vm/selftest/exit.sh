# exit.sh - runner self-test: a non-zero exit with no "not ok" fails the
# case, and what the script said on stderr is shown.
# vm-expect: 1 passed, 1 failed, 0 skipped
# vm-expect-text: boom: the script broke here
echo "ok - this one passes"
echo "boom: the script broke here" >&2
exit 4
