#!/bin/sh
# run-fuzz.sh WORKDIR SECONDS:FUZZER[:SEEDS]... - run libFuzzer targets,
# each for a bounded time on its seeds plus what earlier runs found (kept
# in WORKDIR/NAME/corpus), and report "N passed, N failed" for
# run-tier.sh: a target passes when it ends without a crash, leak, timeout
# or sanitizer report.  Exits 1 when one failed, with the input that did it.
set -u
work=$1
shift
dict=$(dirname "$0")/dmat.dict
pass=0 fail=0
for spec in "$@"; do
	secs=${spec%%:*}
	rest=${spec#*:}
	fuzzer=${rest%%:*}
	seeds=
	[ "$rest" != "$fuzzer" ] && seeds=${rest#*:}
	name=$(basename "$fuzzer")
	dir=$work/$name
	if [ ! -x "$fuzzer" ]; then
		echo "SKIP: $fuzzer was not built (clang with libFuzzer: libclang-rt-14-dev)"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
	mkdir -p "$dir/corpus" "$dir/artifacts"
	rm -f "$dir/artifacts"/*
	log=$dir/fuzz.log
	"$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-dict="$dict" -artifact_prefix="$dir/artifacts/" -print_final_stats=1 \
		"$dir/corpus" $seeds >"$log" 2>&1
	rc=$?
	runs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
	cov=$(grep -E '^#[0-9]+.*cov:' "$log" | tail -n 1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
	n=$(ls "$dir/corpus" | wc -l)
	if [ "$rc" = 0 ] && [ -z "$(ls "$dir/artifacts")" ]; then
		echo "ok   $name: ${runs:-?} inputs in ${secs}s, coverage ${cov:-?} edges, corpus $n"
		pass=$((pass + 1))
	else
		grep -E -A40 'ERROR|runtime error|deadly signal|Test unit written' "$log" | head -80
		echo "FAIL $name (exit $rc): inputs in $dir/artifacts, log $log"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
