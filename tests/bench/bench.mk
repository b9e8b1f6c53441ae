# bench.mk - `make bench`: replay throughput on one CPU, memory per
# outstanding mapping, file bytes per event (tests/bench/replay-bench.sh).
BENCH_TARGETS += bench-replay

.PHONY: bench-replay
bench-replay: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/bench/replay-bench.sh $(BUILD)

# The metrics endpoint: scrape latency with 1,000 devices' series, its CPU
# per scrape, analysis rate with and without scrapers.
BENCH_TARGETS += bench-serve
.PHONY: bench-serve
bench-serve: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/bench/serve-bench.sh $(BUILD)

# Imports: trace-cmd's trace.dat and perf's perf.data, events per CPU-second
# (tests/bench/import-bench.sh on the cli tier's fixtures, grown).
BENCH_TARGETS += bench-import
.PHONY: bench-import
bench-import: $(BUILD)/dmatrace
	$(Q)tests/bench/import-bench.sh $(BUILD)

# The bare floor program (floor.bpf.c and its loader floor.c): the reference
# of the VM benchmark's tracing cost (tests/vm/bench.sh).
FLOOR_OBJ := $(BUILD)/bench/floor.bpf.o
FLOOR_SKEL := $(BUILD)/gen/floor.skel.h

$(FLOOR_OBJ): tests/bench/floor.bpf.c bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(bpf_object)

$(FLOOR_SKEL): $(FLOOR_OBJ)
	$(call msg,SKEL,$@)
	$(Q)$(call bpf_skeleton,floor_bpf)

$(BUILD)/dmascope-floor: tests/bench/floor.c $(FLOOR_SKEL)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< -lbpf -lelf -lz -lzstd -lpthread
