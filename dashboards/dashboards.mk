# dashboards.mk - the fleet view: Grafana dashboard, Prometheus alert rules
# and their tests, the endpoint's systemd unit (installed by make install),
# and tier "dashboards": a real Prometheus on loopback scrapes dmatrace
# serve replaying a recording (tests/dashboards/run.sh).
TEST_TIERS += dashboards
.PHONY: tier-dashboards install-dashboards
tier-dashboards: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/lib/run-tier.sh dashboards tests/dashboards/run.sh $(BUILD)

# make install also installs the endpoint's systemd unit (paths filled in)
# and the fleet-view files under share/dmascope/.
SYSTEMD_UNITDIR ?= $(PREFIX)/lib/systemd/system
DASHBOARD_FILES := dashboards/dmascope.json dashboards/alerts.yml \
	dashboards/alerts_test.yml dashboards/prometheus.yml \
	dashboards/README.md
install: install-dashboards
install-dashboards:
	install -d $(DESTDIR)$(SYSTEMD_UNITDIR) $(DESTDIR)$(PREFIX)/share/dmascope/dashboards
	sed -e 's|@BINDIR@|$(SBINDIR)|g' \
		-e 's|@DOCDIR@|$(PREFIX)/share/dmascope/dashboards|g' \
		dashboards/dmascope-serve.service >$(DESTDIR)$(SYSTEMD_UNITDIR)/dmascope-serve.service
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNITDIR)/dmascope-serve.service
	install -m 0644 $(DASHBOARD_FILES) $(DESTDIR)$(PREFIX)/share/dmascope/dashboards/
