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
CFLAGS += $(WARN) -std=gnu11 -D_GNU_SOURCE -MMD -MP -Icli -I$(BUILD)/gen
# Binaries are static: the same files run on the host and in the VM's
# busybox initramfs.
LDLIBS := -lbpf -lelf -lz -lzstd -ljson-c -lncursesw -ltinfo -lm -lpthread
LDFLAGS ?= -static

# Sanitizer builds (unit tests under ASan+UBSan, fuzzing) use clang.
SAN_CC := $(CLANG)
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
SAN_LDLIBS := -lbpf -lelf -lz -lzstd -ljson-c -lncursesw -ltinfo -lm -lpthread

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
GEN_HEADERS :=		# generated headers objects may need (BPF skeleton)

PARTS := cli/engine/engine.mk cli/format/format.mk cli/source/source.mk \
	cli/frontend/frontend.mk bpf/bpf.mk kmod/kmod.mk \
	tests/unit/unit.mk tests/fuzz/fuzz.mk tests/bench/bench.mk \
	tests/tools/tools.mk tests/cli/cli.mk tests/bpf/bpf-host.mk \
	tests/vm/vm.mk tests/tui/tui.mk dashboards/dashboards.mk
include $(wildcard $(PARTS))

LIB_SRCS += cli/event_names.c
LIB_OBJS = $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_SAN_OBJS = $(LIB_SRCS:%.c=$(BUILD)/san/%.o)

.PHONY: all deps test bench demo install clean fuzz check-style
.DEFAULT_GOAL := all

all: $(PROGRAMS)

deps:
	$(Q)scripts/install-deps.sh all

$(BUILD)/obj/%.o: %.c | $(GEN_HEADERS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

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

# make test: every tier in turn, then one summary line for CI.
test: deps
	$(Q)rm -rf $(BUILD)/test-results
	$(Q)for t in $(TEST_TIERS); do $(MAKE) --no-print-directory tier-$$t || \
		echo "tier $$t: make failed"; done; \
	tests/lib/summary.sh

bench: deps $(BENCH_TARGETS)

demo: deps $(DEMO_DEPS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/

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
