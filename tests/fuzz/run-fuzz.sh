#!/bin/sh
# run-fuzz.sh SECONDS FUZZER SEEDS WORKDIR - run a libFuzzer target for a
# bounded time on the seed corpus plus what earlier runs found (kept in
# WORKDIR/corpus), and report "1 passed, 0 failed" or the crash and
# "0 passed, 1 failed" (and exit 1) for run-tier.sh.
set -u
secs=$1 fuzzer=$2 seeds=$3 work=$4
dict=$(dirname "$0")/dmat.dict
mkdir -p "$work/corpus" "$work/artifacts"
rm -f "$work/artifacts"/*
if [ ! -x "$fuzzer" ]; then
	echo "SKIP: $fuzzer was not built (clang with libFuzzer: libclang-rt-14-dev)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
log=$work/fuzz.log
"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
	-dict="$dict" -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
	"$work/corpus" "$seeds" >"$log" 2>&1
rc=$?
runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
n=$(ls "$work/corpus" | wc -l)
if [ "$rc" = 0 ] && [ -z "$(ls "$work/artifacts")" ]; then
	echo "fuzz: ${runs:-?} inputs in ${secs}s, coverage ${cov:-?} edges, corpus $n files"
	echo "1 passed, 0 failed"
else
	grep -E -A40 'ERROR|runtime error|deadly signal|Test unit written' "$log" | head -80
	echo "fuzz: failed (exit $rc); inputs in $work/artifacts; log $log"
	echo "0 passed, 1 failed"
	exit 1
fi
