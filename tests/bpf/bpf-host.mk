# bpf-host.mk - tier 2: the BPF object loads and attaches on the host
# kernel, and record/check behave (tests/bpf/host.sh); skipped with the
# reason where BPF is not permitted.
TEST_TIERS += bpf-host

.PHONY: tier-bpf-host
tier-bpf-host: $(BUILD)/dmatrace
	$(Q)tests/lib/run-tier.sh bpf-host tests/bpf/host.sh $(BUILD)/dmatrace
