# tui.mk - tier tui: dmatop in a real terminal (tmux) on recordings made by
# dmatgen, driven with keys and checked on the captured screen; batch text
# and JSON output checked against the numbers the scenarios imply.
TEST_TIERS += tui

.PHONY: tier-tui
tier-tui: $(BUILD)/dmatop $(BUILD)/dmatgen $(BUILD)/dmatrace
	$(Q)tests/lib/run-tier.sh tui tests/tui/run.sh $(BUILD)
