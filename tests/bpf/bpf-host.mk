# bpf-host.mk - tier 2: the BPF object loads and attaches on the host
# kernel, and record/check behave (tests/bpf/host.sh); skipped with the
# reason where BPF is not permitted.
TEST_TIERS += bpf-host

.PHONY: tier-bpf-host
tier-bpf-host: $(BUILD)/dmatrace
	$(Q)tests/lib/run-tier.sh bpf-host tests/bpf/host.sh $(BUILD)/dmatrace

# The live source's text parsers (kallsyms, sysfs NUMA layout): no BPF or
# root needed.
TEST_TIERS += bpf-parsers
BPF_PARSER_SRCS := tests/bpf/test_live_parsers.c tests/lib/testlib.c

$(BUILD)/bpf-parsers: $(BPF_PARSER_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/tests/bpf/%.o: CFLAGS += -Itests/lib

.PHONY: tier-bpf-parsers
tier-bpf-parsers: $(BUILD)/bpf-parsers
	$(Q)tests/lib/run-tier.sh bpf-parsers $(BUILD)/bpf-parsers
