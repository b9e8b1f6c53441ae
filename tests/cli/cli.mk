# cli.mk - tier "cli": dmatrace replay/report and export end to end, on
# recordings that dmatgen compiles from tests/cli/scenarios/*.scn; tier
# "cli-asan": the same with dmatrace built under ASan+UBSan.
TEST_TIERS += cli cli-asan docs

$(BUILD)/dmatrace-san: $(DMATRACE_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/libdmascope-san.a
	$(call msg,LD,$@)
	$(Q)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ $(DMATRACE_LDLIBS) $(SAN_LDLIBS)

.PHONY: tier-cli tier-cli-asan
tier-cli: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/lib/run-tier.sh cli tests/cli/run.sh $(BUILD)

# Memory-growth checks are skipped here: ASan's quarantine holds freed memory.
tier-cli-asan: $(BUILD)/dmatrace-san $(BUILD)/dmatgen
	$(Q)DMATRACE=$(BUILD)/dmatrace-san DMATRACE_SANITIZED=1 \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lib/lsan.supp \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/lib/run-tier.sh cli-asan tests/cli/run.sh $(BUILD)

# tier "docs": man pages and bash completion say what --help says, both ways;
# the pages render without groff warnings.
.PHONY: tier-docs
tier-docs: $(BUILD)/dmatrace $(BUILD)/dmatop
	$(Q)tests/lib/run-tier.sh docs tests/cli/docs-sync.sh $(BUILD)
