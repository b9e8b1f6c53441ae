# bpf.mk - the CO-RE BPF object and its libbpf skeleton, which the live
# source (cli/source/live*.c) embeds, the probe step's symbol lookup too;
# and `make demo`.
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Wno-unused-function \
	-Wno-compare-distinct-pointer-types -Ibpf -Icli
BPF_OBJ := $(BUILD)/bpf/dmascope.bpf.o
BPF_SKEL := $(BUILD)/gen/dmascope.skel.h

KSYMS_OBJ := $(BUILD)/bpf/ksyms.bpf.o
KSYMS_SKEL := $(BUILD)/gen/ksyms.skel.h

GEN_HEADERS += $(BPF_SKEL) $(KSYMS_SKEL)

# A BPF object from its first prerequisite, and a skeleton named $(1) of it
# (also the bench's floor program, tests/bench/bench.mk).
bpf_object = mkdir -p $(@D) && $(CLANG) $(BPF_CFLAGS) -c $< -o $@.tmp && \
	$(BPFTOOL) gen object $@ $@.tmp && rm -f $@.tmp
bpf_skeleton = mkdir -p $(@D) && \
	$(BPFTOOL) gen skeleton $< name $(1) > $@.tmp && mv $@.tmp $@

$(BPF_OBJ): bpf/dmascope.bpf.c $(wildcard bpf/*.bpf.h) bpf/dmascope_bpf.h bpf/vmlinux.h \
		cli/event.h cli/event_count.h
	$(call msg,BPF,$@)
	$(Q)$(bpf_object)

$(BPF_SKEL): $(BPF_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(call bpf_skeleton,dmascope_bpf)

# the probe step's symbol lookup (cli/source/live_kaddr.c)
$(KSYMS_OBJ): bpf/ksyms.bpf.c bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(bpf_object)

$(KSYMS_SKEL): $(KSYMS_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(call bpf_skeleton,ksyms_bpf)

DEMO_DEPS += demo-run
.PHONY: demo-run
demo-run: $(BUILD)/dmatrace kmod $(BUILD)/vm/bin/rawpkt
	$(Q)BUILD=$(BUILD) scripts/demo.sh

# make bench, VM part: tracing overhead on vdmac's benchmark in one boot.
BENCH_TARGETS += bench-vm
.PHONY: bench-vm
bench-vm: $(BUILD)/dmatrace $(BUILD)/dmascope-floor kmod
	$(Q)BUILD=$(BUILD) VM_BINS="$(BUILD)/dmatrace $(BUILD)/dmascope-floor" VDMAC_KO="$(BUILD)/kmod/vdmac.ko" \
		tests/vm/bench.sh
