# tools.mk - test tools that are built but not installed: dmatgen writes
# .dmat recordings from scenarios (tests, demos) or synthetic bulk (bench).
DMATGEN_SRCS := tests/tools/dmatgen.c

$(BUILD)/dmatgen: $(DMATGEN_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Tier dmatgen: scenarios compile to what they say (checked through
# --dump, which must compile back to the identical file), bad input fails
# with its line number, --synthetic is reproducible.
TEST_TIERS += dmatgen
.PHONY: tier-dmatgen
tier-dmatgen: $(BUILD)/dmatgen
	$(Q)$(MAKE) --no-print-directory $(BUILD)/dmatrace || true
	$(Q)tests/lib/run-tier.sh dmatgen tests/tools/test-dmatgen.sh $(BUILD)/dmatgen \
		$(BUILD)/dmatrace
