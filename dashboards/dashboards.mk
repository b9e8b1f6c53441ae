# dashboards.mk - the fleet view: Grafana dashboard, Prometheus alert rules
# and their tests, the endpoint's systemd unit (installed by make install),
# and tier "dashboards": a real Prometheus on loopback scrapes dmatrace
# serve replaying a recording (tests/dashboards/run.sh).
TEST_TIERS += dashboards
.PHONY: tier-dashboards install-dashboards
tier-dashboards: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/lib/run-tier.sh dashboards tests/dashboards/run.sh $(BUILD)
