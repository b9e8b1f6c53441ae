# fuzz.mk - libFuzzer on the .dmat reader (untrusted files), on a
# write/read round trip (the writer), and on the frontends a recording from
# elsewhere meets (every exporter, replay's reports, dmatop's batch mode,
# each under a time and memory bound: fuzz_frontends.c).  Tier `fuzz` runs
# them for FUZZ_TIER_SECONDS (60: half to the reader, a third to the
# frontends) in `make test`; `make fuzz` for FUZZ_SECONDS (600) the same way.  The reader's seed corpus is
# made at build time by dmatgen from tests/fuzz/seeds/*.scn (plain,
# compressed, cut short); what the fuzzers find is kept in
# $(BUILD)/fuzz/NAME/corpus for the next run.
FUZZ_SECONDS ?= 600
FUZZ_TIER_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_LIB_SRCS := cli/format/dmat_read.c cli/format/dmat_write.c \
	cli/format/dmat_codec.c
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(BUILD)/fuzz/obj/%.o)
FUZZ_SEEDS := $(wildcard tests/fuzz/seeds/*.scn)

$(BUILD)/fuzz/obj/%.o: %.c | $(GEN_HEADERS)
	$(call msg,CC-FUZZ,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -std=gnu11 \
		-D_GNU_SOURCE -MMD -MP -Icli -I$(BUILD)/gen $(TRACEFS_CFLAGS) -c $< -o $@

# The frontend target: the whole library, dmatrace's commands and dmatop,
# whose main is renamed so the target can run it like a command line.
# (cli/event_names.c joins LIB_SRCS only after the fragments are read)
FUZZ_FRONTEND_SRCS := $(LIB_SRCS) cli/event_names.c \
	$(filter-out cli/frontend/dmatrace/main.c cli/frontend/dmatop/main.c, \
		$(DMATRACE_SRCS) $(DMATOP_SRCS))
$(BUILD)/fuzz/obj/dmatop-main.o: cli/frontend/dmatop/main.c | $(GEN_HEADERS)
	$(call msg,CC-FUZZ,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -std=gnu11 \
		-D_GNU_SOURCE -Dmain=dmatop_main -MMD -MP -Icli -I$(BUILD)/gen \
		-c $< -o $@

$(BUILD)/fuzz_frontends: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_frontends.o \
	$(FUZZ_FRONTEND_SRCS:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/dmatop-main.o
	$(call msg,LD,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ $(DMATRACE_LDLIBS) $(SAN_LDLIBS)

# kept: make would delete them as intermediates of the pattern rule below
.PRECIOUS: $(BUILD)/fuzz/obj/%.o

$(BUILD)/fuzz_dmat_%: $(BUILD)/fuzz/obj/tests/fuzz/fuzz_dmat_%.o $(FUZZ_LIB_OBJS)
	$(call msg,LD,$@)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $^ -lzstd -lpthread

$(BUILD)/fuzz/seeds/.stamp: $(BUILD)/dmatgen $(FUZZ_SEEDS)
	$(call msg,SEEDS,$(@D))
	$(Q)rm -rf $(@D) && mkdir -p $(@D)
	$(Q)for s in $(FUZZ_SEEDS); do \
		n=$$(basename $$s .scn); \
		$(BUILD)/dmatgen -o $(@D)/$$n.dmat $$s && \
		$(BUILD)/dmatgen --compress -o $(@D)/$$n.zst.dmat $$s && \
		head -c 300 $(@D)/$$n.dmat >$(@D)/$$n.cut.dmat || exit 1; \
	done
	$(Q)$(BUILD)/dmatgen -o $(@D)/synthetic.dmat --synthetic 200 \
		--outstanding 5 --devices 3
	$(Q)$(BUILD)/dmatgen --compress -o $(@D)/synthetic.zst.dmat \
		--synthetic 200 --outstanding 5 --devices 3
	$(Q)touch $@

TEST_TIERS += fuzz
.PHONY: tier-fuzz fuzz-build
fuzz-build: $(BUILD)/fuzz_dmat_reader $(BUILD)/fuzz_dmat_roundtrip \
	$(BUILD)/fuzz_frontends $(BUILD)/fuzz/seeds/.stamp

fuzz_specs = $$(($(1) / 2)):$(BUILD)/fuzz_dmat_reader:$(BUILD)/fuzz/seeds \
	$$(($(1) / 6)):$(BUILD)/fuzz_dmat_roundtrip \
	$$(($(1) - $(1) / 2 - $(1) / 6)):$(BUILD)/fuzz_frontends:$(BUILD)/fuzz/seeds

tier-fuzz: fuzz-build
	$(Q)tests/lib/run-tier.sh fuzz tests/fuzz/run-fuzz.sh $(BUILD)/fuzz \
		$(call fuzz_specs,$(FUZZ_TIER_SECONDS))

# make fuzz: fails (exit status) on a crash, with the input that caused it
fuzz: fuzz-build
	$(Q)tests/fuzz/run-fuzz.sh $(BUILD)/fuzz $(call fuzz_specs,$(FUZZ_SECONDS))
