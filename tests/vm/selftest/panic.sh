# panic.sh - runner self-test: a kernel crash ends the VM at once and fails
# the case, with the log shown.
# vm-expect: 0 passed, 2 failed, 0 skipped
# vm-expect-text: sysrq triggered crash
echo c >/proc/sysrq-trigger
sleep 100
