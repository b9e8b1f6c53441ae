# cli.mk - tier "cli": dmatrace replay/report and export end to end, on
# recordings that dmatgen compiles from tests/cli/scenarios/*.scn.
TEST_TIERS += cli

.PHONY: tier-cli
tier-cli: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/lib/run-tier.sh cli tests/cli/run.sh $(BUILD)
