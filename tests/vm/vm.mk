# vm.mk - tier 3: the VM test bed (tests/vm/vm.sh).  Boots Debian's kernel
# under QEMU once per case in tests/vm/cases/, with our static programs,
# vdmac.ko and the driver modules the case names.  Also `make vm-shell` and
# `make vm-run` (a user's own driver in the same VM).

# vdmac.ko: kmod.mk may name it in VDMAC_KO; otherwise its usual place when
# this tree has a kmod/ part.
VM_VDMAC_KO = $(or $(VDMAC_KO),$(if $(wildcard kmod/kmod.mk),$(BUILD)/kmod/vdmac.ko))
# Every module kmod.mk builds goes in beside it (vdmac_leak.ko ...).
VM_KOS = $(filter-out $(VM_VDMAC_KO),$(KMODS))
VM_BPF_HELPERS := $(BUILD)/vm/bin/tramp_fill $(BUILD)/vm/bin/guard_raise
VM_HELPERS := $(BUILD)/vm/bin/rawpkt $(VM_BPF_HELPERS)
VM_BINS = $(PROGRAMS) $(VM_HELPERS)
VM_CASES ?=
VM_ENV = BUILD=$(BUILD) VM_BINS="$(VM_BINS)" VDMAC_KO="$(VM_VDMAC_KO)" \
	VM_KOS="$(VM_KOS)"

$(BUILD)/vm/bin/%: tests/vm/%.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -static -o $@ $<

# these load BPF programs or read BPF maps: libbpf's static archive, as
# dmatrace's
$(VM_BPF_HELPERS): $(BUILD)/vm/bin/%: tests/vm/%.c
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -O2 $(WARN) -static -o $@ $< -lbpf -lelf -lz -lzstd

# What the guest gets is built first, but a part that does not build does
# not stop the tier: the cases that need it fail and say so.
.PHONY: vm-deps tier-vm tier-vm-runner vm-shell vm-run
vm-deps: $(VM_HELPERS)
	$(Q)$(MAKE) --no-print-directory -k $(PROGRAMS) $(VM_VDMAC_KO) $(VM_KOS) || \
		echo "vm: some programs or vdmac.ko did not build; cases needing them will fail"

TEST_TIERS += vm-runner vm

# The runner's own tests first: a runner that cannot fail proves nothing.
tier-vm-runner: $(VM_HELPERS)
	$(Q)$(VM_ENV) tests/lib/run-tier.sh vm-runner tests/vm/vm.sh selftest

tier-vm: vm-deps
	$(Q)$(VM_ENV) tests/lib/run-tier.sh vm tests/vm/vm.sh tier $(VM_CASES)

# Tier 5: the other Debian suites' kernels (tests/vm/kernels-tier.sh),
# fetched into $(DMASCOPE_CACHE) (outside the clone) with the project's
# own apt configuration; vdmac built against each suite's headers.
# VM_KERNEL_SUITES="bookworm-backports" or VM_KERNEL_CASES="trace_drivers"
# narrow it.  In `make test`: a suite whose kernel cannot be fetched (no
# network, no apt) is skipped with the reason, the tier when none can be.
DMASCOPE_CACHE ?= /var/cache/dmascope
TEST_TIERS += vm-kernels
.PHONY: tier-vm-kernels
tier-vm-kernels: vm-deps
	$(Q)$(VM_ENV) DMASCOPE_CACHE=$(DMASCOPE_CACHE) \
		$(if $(VM_KERNEL_SUITES),VM_KERNEL_SUITES="$(VM_KERNEL_SUITES)") \
		$(if $(VM_KERNEL_CASES),VM_KERNEL_CASES="$(VM_KERNEL_CASES)") \
		tests/lib/run-tier.sh vm-kernels tests/vm/kernels-tier.sh

# Tier 6: the kernel with CONFIG_DMA_API_DEBUG, built from Debian's
# linux-source with tests/vm/debug-kernel.config (tests/vm/debug-kernel.sh)
# and cached under $(DMASCOPE_CACHE)/kernels/dbg-KEY; every vdmac scenario
# under `dmatrace check --dmesg` there (tests/vm/debug-tier.sh).
# VM_DEBUG_CASES="tests/vm/debug/NAME.sh" narrows it.
.PHONY: debug-kernel tier-vm-debug
debug-kernel:
	$(Q)DMASCOPE_CACHE=$(DMASCOPE_CACHE) tests/vm/debug-kernel.sh build

# In `make test`: skipped with the reason where the kernel cannot be built
# (a package, the cache or disk space missing); a cold build is long (README).
TEST_TIERS += vm-debug
tier-vm-debug: vm-deps
	$(Q)$(VM_ENV) DMASCOPE_CACHE=$(DMASCOPE_CACHE) \
		$(if $(VM_DEBUG_CASES),VM_DEBUG_CASES="$(VM_DEBUG_CASES)") \
		tests/lib/run-tier.sh vm-debug tests/vm/debug-tier.sh

# The same kernel, vdmac's map+unmap benchmark with dma-debug off and on,
# dmascope off and on (two boots).  Not in `make bench` until the kernel has
# been built and booted here once.
# make bench, the tracefs source's part: it against BPF on vdmac's
# benchmark in one boot (tests/vm/bench-ftrace.sh).
BENCH_TARGETS += bench-vm-ftrace
.PHONY: bench-vm-ftrace
bench-vm-ftrace: $(BUILD)/dmatrace kmod
	$(Q)BUILD=$(BUILD) VM_BINS="$(BUILD)/dmatrace" \
		VDMAC_KO="$${VDMAC_KO:-$(BUILD)/kmod/vdmac.ko}" tests/vm/bench-ftrace.sh

.PHONY: bench-vm-debug
bench-vm-debug: vm-deps
	$(Q)$(VM_ENV) DMASCOPE_CACHE=$(DMASCOPE_CACHE) tests/vm/bench-debug.sh

vm-shell: vm-deps
	$(Q)$(VM_ENV) tests/vm/vm.sh shell

# make vm-run MODULES="path/to/my.ko nvme" FILES="..." CMD="insmod /extra/my.ko && ..."
# CMD goes to the guest as typed: make would expand a "$" in the value it
# exports, so it is passed by hand, quoted for the shell.
vm_shq = '$(subst ','\'',$(value $(1)))'
vm-run: vm-deps
	$(Q)CMD=$(call vm_shq,CMD) CHECK_ARGS=$(call vm_shq,CHECK_ARGS) \
		$(VM_ENV) tests/vm/vm.sh run
