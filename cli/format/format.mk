# format.mk - .dmat reader and writer, trace.dat import.
LIB_SRCS += $(wildcard cli/format/*.c)

# Tier format-portable: the .dmat tests again with the byte-by-byte
# encoding big-endian hosts use (DMAT_PORTABLE), so that path stays right
# on the little-endian machines we test on.
FMT_PORT_SRCS := $(wildcard cli/format/dmat_*.c) cli/source/file.c \
	cli/source/tracecmd.c cli/source/tracedata.c cli/source/tpdecode.c \
	cli/source/perfdata.c \
	$(wildcard tests/unit/test_format_*.c) tests/lib/testlib.c
FMT_PORT_OBJS := $(FMT_PORT_SRCS:%.c=$(BUILD)/portable/%.o)

$(BUILD)/portable/%.o: %.c
	$(call msg,CC-PORT,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -DDMAT_PORTABLE -Itests/lib -Itests/unit -c $< -o $@

$(BUILD)/format-portable-tests: $(FMT_PORT_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CC) -o $@ $^ $(LDLIBS)

TEST_TIERS += format-portable
.PHONY: tier-format-portable
tier-format-portable: $(BUILD)/format-portable-tests
	$(Q)tests/lib/run-tier.sh format-portable $(BUILD)/format-portable-tests format
