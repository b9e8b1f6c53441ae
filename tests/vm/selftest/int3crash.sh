# int3crash.sh - runner self-test: an int3 Oops while the case runs (the
# emulator's, measured once on 6.12 in a code patch) is said and the case
# booted once more; crashing again, the case fails with the log shown.
# vm-expect: 0 passed, 2 failed, 0 skipped
# vm-expect-text: the kernel crashed at a code patch \(int3\) while the case ran .*Oops: int3.*booted again
echo "<0>Oops: int3: 0000 [#1] (runner self-test)" >/dev/kmsg
echo c >/proc/sysrq-trigger
ok "never reached"
