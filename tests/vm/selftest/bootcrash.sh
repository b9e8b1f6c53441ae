# bootcrash.sh - runner self-test: a kernel that crashes before /init (no
# init it can run) ran nothing of the case's: the runner says so and boots
# once more; crashing again, the case fails with the log shown.
# vm-cmdline: rdinit=/no-such-init init=/no-such-init
# vm-expect: 0 passed, 2 failed, 0 skipped
# vm-expect-text: the kernel crashed before /init .*Kernel panic.*booted again
ok "never reached"
