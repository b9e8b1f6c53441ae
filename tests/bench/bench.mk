# bench.mk - `make bench`: replay throughput on one CPU, memory per
# outstanding mapping, file bytes per event (tests/bench/replay-bench.sh).
BENCH_TARGETS += bench-replay

.PHONY: bench-replay
bench-replay: $(BUILD)/dmatrace $(BUILD)/dmatgen
	$(Q)tests/bench/replay-bench.sh $(BUILD)
