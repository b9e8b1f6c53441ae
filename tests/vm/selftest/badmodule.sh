# badmodule.sh - runner self-test: a module the kernel does not have fails
# the case, with modprobe's word for it, without booting.
# vm-modules: no_such_module_dmascope
# vm-expect: 0 passed, 1 failed, 0 skipped
# vm-expect-text: no_such_module_dmascope
echo "ok - should not have run"
