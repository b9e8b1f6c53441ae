# needs.sh - runner self-test: a case needing what this tree does not build
# is skipped without booting.
# vm-needs: no-such-program
# vm-expect: 0 passed, 0 failed, 1 skipped
echo "not ok - should not have run"
