# fresh.mk - tier 6: the README's commands as a new user's first commands, in
# a minimal Debian root (tests/fresh/fresh.sh; its bare root and package
# downloads are cached in $(DMASCOPE_CACHE), outside the clone).
DMASCOPE_CACHE ?= /var/cache/dmascope
export DMASCOPE_CACHE

TEST_TIERS += fresh
.PHONY: tier-fresh fresh-shell
tier-fresh:
	$(Q)tests/lib/run-tier.sh fresh tests/fresh/fresh.sh tier

# A shell in a new fresh root with the checkout in /root/dmascope.
fresh-shell:
	$(Q)tests/fresh/fresh.sh shell
