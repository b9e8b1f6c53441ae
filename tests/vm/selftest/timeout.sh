# timeout.sh - runner self-test: a case that outlives its time limit fails.
# vm-timeout: 20
# vm-expect: 0 passed, 1 failed, 0 skipped
# vm-expect-text: timed out after 20s
sleep 1000
