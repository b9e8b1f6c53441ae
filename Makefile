# Makefile - dmascope's one entry point: deps, all, test, bench, demo,
# install, fuzz, check-style, clean.  Each part of the tree adds its own
# rules in a fragment next to its code (see PARTS below); this file holds
# what they share.

PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
V ?= 0

CC := gcc
CLANG ?= clang
BPFTOOL ?= bpftool

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
CFLAGS ?= -O2 -g
# The version is the one debian/changelog names (one place for the package
# and the programs); the revision is git's, "unknown" outside a clone.
VERSION := $(shell head -n 1 debian/changelog | cut -d'(' -f2 | cut -d')' -f1)
REVISION ?= $(shell git describe --always --dirty 2>/dev/null || echo unknown)
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP -Icli -I$(BUILD)/gen
# Binaries are static: the same files run on the host and in the VM's
# busybox initramfs.
LDLIBS := -lbpf -lelf -lz -lzstd -ljson-c -lncursesw -ltinfo -lm -lpthread
LDFLAGS ?= -static
# The engine runs per event: its files (one per detector family) are
# compiled for link-time optimisation so calls between them inline like
# calls within a file (about a tenth fewer instructions per replayed
# event).  Fat objects: a link without -flto still finds ordinary code.
ENGINE_LTO ?= -flto=auto -ffat-lto-objects
LDFLAGS += $(if $(ENGINE_LTO),-flto=auto)
# ... and at -O3: with it the batch loop and the detectors' short paths
# inline further (about 5 % fewer instructions per replayed event).
ENGINE_OPT ?= -O3

# Sanitizer builds (unit tests under ASan+UBSan, fuzzing) use clang.
SAN_CC := $(CLANG)
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
SAN_LDLIBS := -lbpf -lelf -lz -lzstd -ljson-c -lncursesw -ltinfo -lm -lpthread

# Where each tier leaves its log and result (tests/lib/run-tier.sh).
TEST_RESULTS ?= $(BUILD)/test-results
export TEST_RESULTS

ifeq ($(V),0)
Q := @
msg = @printf '  %-8s %s\n' $(1) $(2);
else
Q :=
msg =
endif

# Filled in by the fragments.
LIB_SRCS :=		# cli/ code shared by every program (engine, format, sources, frontends)
PROGRAMS :=		# $(BUILD)/dmatrace ...
TEST_TIERS :=		# names; each has a target tier-NAME
BENCH_TARGETS :=
DEMO_DEPS :=
GEN_HEADERS :=		# generated headers objects may need (BPF skeleton, version)
GEN_HEADERS += $(BUILD)/gen/version.h

PARTS := cli/engine/engine.mk cli/format/format.mk cli/source/source.mk \
	cli/frontend/frontend.mk bpf/bpf.mk kmod/kmod.mk \
	tests/unit/unit.mk tests/fuzz/fuzz.mk tests/bench/bench.mk \
	tests/tools/tools.mk tests/cli/cli.mk tests/bpf/bpf-host.mk \
	tests/vm/vm.mk tests/tui/tui.mk dashboards/dashboards.mk \
	tests/fresh/fresh.mk
include $(wildcard $(PARTS))

LIB_SRCS += cli/event_names.c
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_SAN_OBJS = $(LIB_SRCS:%.c=$(BUILD)/san/%.o)

# build/gen/version.h is rewritten only when the version or revision
# changes; objects that include it depend on it through their .d files.
.PHONY: FORCE
$(BUILD)/gen/version.h: FORCE
	$(Q)mkdir -p $(@D)
	$(Q)v='#define DMAS_VERSION "$(VERSION)"\n#define DMAS_REVISION "$(REVISION)"'; \
		[ "$$(cat $@ 2>/dev/null)" = "$$(printf "$$v")" ] || printf "$$v\n" >$@

.PHONY: all deps test bench demo install clean fuzz check-style
.DEFAULT_GOAL := all

all: $(PROGRAMS)

.PHONY: print-tiers
print-tiers:
	@echo $(TEST_TIERS)

deps:
	$(Q)scripts/install-deps.sh all

$(BUILD)/obj/%.o: %.c | $(GEN_HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/cli/engine/%.o: CFLAGS += $(ENGINE_LTO) $(ENGINE_OPT)

$(BUILD)/san/%.o: %.c | $(GEN_HEADERS)
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(SAN_CC) $(SAN_FLAGS) $(filter-out -O2,$(CFLAGS)) -c $< -o $@

$(BUILD)/libdmascope.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libdmascope-san.a: $(LIB_SAN_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# deps first, then a second make: values the fragments compute from installed
# packages (the kernel headers' ABI, the linux-source tarball) are read when
# make reads the Makefile, so on a fresh machine they exist only in a make
# started after deps has installed them.
.PHONY: test-run bench-run demo-run-all
test: deps
	$(Q)$(MAKE) --no-print-directory test-run

bench: deps
	$(Q)$(MAKE) --no-print-directory bench-run

demo: deps
	$(Q)$(MAKE) --no-print-directory demo-run-all

# make test: every tier in turn (TIERS="unit cli" picks some), then one
# summary line for CI.  A tier whose make fails before it reports counts as
# one failure.
TIERS ?= $(TEST_TIERS)
test-run:
	$(Q)rm -rf $(TEST_RESULTS)
	$(Q)for t in $(TIERS); do $(MAKE) --no-print-directory tier-$$t || \
		{ echo "tier $$t: make failed"; [ -e $(TEST_RESULTS)/$$t.result ] || \
		{ mkdir -p $(TEST_RESULTS); echo "$$t 0 1 0 0 -" >$(TEST_RESULTS)/$$t.result; }; }; \
		done; \
	tests/lib/summary.sh

bench-run: $(BENCH_TARGETS)

demo-run-all: $(DEMO_DEPS)

# The programs need root (or CAP_BPF, CAP_PERFMON, CAP_SYSLOG): sbin and
# section 8, as for bpftool.
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(SBINDIR)/
	install -m 0644 man/dmatrace.8 man/dmatop.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 man/dmat.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 completion/dmatrace completion/dmatop $(DESTDIR)$(COMPLETIONDIR)/

# make deb: a Debian package built with Debian's own tools from a copy of the
# tree (dpkg-buildpackage writes next to the source), checked by lintian.
DEB_DIR := $(BUILD)/deb
.PHONY: deb deb-run
deb:
	$(Q)scripts/install-deps.sh deb
	$(Q)$(MAKE) --no-print-directory deb-run

deb-run:
	$(Q)rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/dmascope-$(VERSION)
	$(Q)tar --exclude=./$(BUILD) --exclude='./build*' --exclude=./.git -cf - . | \
		tar -C $(DEB_DIR)/dmascope-$(VERSION) -xf -
	$(Q)cd $(DEB_DIR)/dmascope-$(VERSION) && dpkg-buildpackage -us -uc -b
	$(Q)lintian --fail-on error \
		$(DEB_DIR)/dmascope_$(VERSION)_*.changes
	@echo "deb: $$(ls $(DEB_DIR)/*.deb)"

check-style:
	$(Q)git ls-files '*.c' '*.h' | grep -v -e '^kmod/' -e '^bpf/vmlinux.h' | \
		xargs clang-format --dry-run --Werror
	$(Q)$(MAKE) --no-print-directory check-kmod-style

clean:
	rm -rf $(BUILD)
	$(MAKE) -C kmod clean 2>/dev/null || true

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The style tier: one check per file, so a failure names the file.
TEST_TIERS += style
.PHONY: tier-style
tier-style: $(filter $(BUILD)/%,$(CHECKPATCH))
	$(Q)tests/lib/run-tier.sh style tests/lib/style.sh "$(CHECKPATCH)"
