# silent.sh - runner self-test: a case that reports nothing fails.
# vm-expect: 0 passed, 1 failed, 0 skipped
# vm-expect-text: reported nothing
true
