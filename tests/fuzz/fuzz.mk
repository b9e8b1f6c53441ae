# fuzz.mk - libFuzzer on the .dmat reader (untrusted files) and on a
# write/read round trip (the writer).  Tier `fuzz` runs them for
# FUZZ_TIER_SECONDS (60, two thirds to the reader) in `make test`; `make
# fuzz` for FUZZ_SECONDS (600) the same way.  The reader's seed corpus is
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

$(BUILD)/fuzz/obj/%.o: %.c
	$(call msg,CC-FUZZ,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -std=gnu11 \
		-D_GNU_SOURCE -MMD -MP -Icli -c $< -o $@

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
	$(BUILD)/fuzz/seeds/.stamp

fuzz_specs = $$(($(1) * 2 / 3)):$(BUILD)/fuzz_dmat_reader:$(BUILD)/fuzz/seeds \
	$$(($(1) - $(1) * 2 / 3)):$(BUILD)/fuzz_dmat_roundtrip

tier-fuzz: fuzz-build
	$(Q)tests/lib/run-tier.sh fuzz tests/fuzz/run-fuzz.sh $(BUILD)/fuzz \
		$(call fuzz_specs,$(FUZZ_TIER_SECONDS))

# make fuzz: fails (exit status) on a crash, with the input that caused it
fuzz: fuzz-build
	$(Q)tests/fuzz/run-fuzz.sh $(BUILD)/fuzz $(call fuzz_specs,$(FUZZ_SECONDS))
