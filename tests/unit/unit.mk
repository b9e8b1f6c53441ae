# unit.mk - tier 1: unit tests on the host, natively and under
# AddressSanitizer + UndefinedBehaviorSanitizer.  Every tests/unit/test_*.c
# and tests/lib/*.c goes into one runner binary.
UNIT_SRCS := $(wildcard tests/unit/test_*.c) $(wildcard tests/lib/*.c)
UNIT_CFLAGS := -Itests/lib -Itests/unit

$(BUILD)/unit-tests: $(UNIT_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libdmascope.a
	$(call msg,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests-san: $(UNIT_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/libdmascope-san.a
	$(call msg,LD,$@)
	$(Q)$(SAN_CC) $(SAN_FLAGS) -o $@ $^ $(SAN_LDLIBS)

$(BUILD)/obj/tests/%.o $(BUILD)/san/tests/%.o: CFLAGS += $(UNIT_CFLAGS)

TEST_TIERS += unit unit-asan

.PHONY: tier-unit tier-unit-asan
tier-unit: $(BUILD)/unit-tests
	$(Q)tests/lib/run-tier.sh unit $(BUILD)/unit-tests

tier-unit-asan: $(BUILD)/unit-tests-san
	$(Q)ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/lib/run-tier.sh unit-asan $(BUILD)/unit-tests-san
