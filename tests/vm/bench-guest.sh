# bench-guest.sh - runs in the VM for tests/vm/bench.sh: vdmac's map+unmap
# benchmark untraced, under the bare floor program, traced with stacks and
# without and with each hot-path part switched off, in one boot; the
# events recorded per second with zero loss; the time from command start to
# tracing active.  Prints "bench: key=value" lines.
D=/sys/kernel/debug/vdmac
ITER=${BENCH_ITER:-200000}
RUNS=${BENCH_RUNS:-3}
# the host's ITER, RUNS and MODES (bench.sh writes them there)
[ -r /tmp/bench-fns.sh ] && . /tmp/bench-fns.sh
insmod "$VDMAC_KO" node=0 channels=1 || { echo "bench: error=insmod"; exit 1; }

# one NAME: the benchmark once on cpu 0; prints ns_per_pair
one() {
	echo "threads=1 size=4096 dir=to iterations=$ITER" >$D/bench || return 1
	sed -n 's/.*ns_per_pair=\([0-9]*\).*/\1/p' $D/bench
}

# median of RUNS values read from stdin
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

runs() {
	i=0
	while [ $i -lt "$RUNS" ]; do
		one
		i=$((i + 1))
	done
}

u=$(runs | median)
echo "bench: untraced_ns=$u kernel=$(uname -r)"

# the bare floor program: fexit on map, fentry on unmap, one 64-byte record
# each with a timestamp, a polling reader thread (tests/bench/floor.c)
dmascope-floor -- sh -c ". /tmp/bench-fns.sh; runs >/tmp/t-floor.txt" \
	2>/tmp/rec-floor.err
t=$(median </tmp/t-floor.txt)
ev=$(sed -n 's/^floor: \([0-9]*\) records.*/\1/p' /tmp/rec-floor.err)
lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec-floor.err)
act=$(sed -n 's/.*tracing active after \([0-9.]*\) ms.*/\1/p' /tmp/rec-floor.err)
echo "bench: floor_ns=$t events=$ev lost=$lost attach_ms=$act"

# traced: one recording around all runs, so attach cost is not counted
# *-kernel: the reader is stopped (SIGSTOP) while the benchmark runs and a
# 128 MiB ring holds every record: the kernel side's cost alone, without
# the reader competing for the host's CPUs (under TCG each vCPU is a host
# thread) or dropped records making the programs' work cheaper.
# off-PART: stacks-kernel with one part of the hot path switched off
# (DMASCOPE_BENCH_OFF, rodata the verifier folds away); off-all: all of them.
all_parts=stack,device,clock,filters,counters,wakeup,phys
# kprobes, kprobes-kernel: the same with --kprobes, the other hook path
# (against fentry/fexit on 6.1, the dma:* tracepoints from 6.12 on)
# floor: the bare floor program (above).
# session MODE: RUNS runs traced in MODE; their times in /tmp/t-MODE.txt,
# record's messages in /tmp/rec-MODE.err
session() {
	if [ "$1" = floor ]; then
		dmascope-floor -- sh -c ". /tmp/bench-fns.sh; runs >/tmp/t-floor.txt" \
			2>/tmp/rec-floor.err
		return
	fi
	opt=""
	stop=""
	off=""
	case $1 in
	no-stacks*) opt=--no-stacks ;;
	kprobes*) opt=--kprobes ;;
	all-stacks) opt=--all-stacks ;;
	off-all) off=$all_parts ;;
	off-*) off=${1#off-} ;;
	esac
	case $1 in
	*-kernel | off-*)
		opt="$opt --ringbuf-kb 131072"
		stop="kill -STOP \$PPID;"
		;;
	esac
	# the default ring: zero loss at this rate is part of the figure
	# --source bpf: a BPF load that fails is an error here, not the
	# tracefs source measured under this mode's name
	DMASCOPE_BENCH_OFF=$off dmatrace record -v --source bpf $opt -o /tmp/b-$1.dmat -- sh -c "
		. /tmp/bench-fns.sh; $stop runs >/tmp/t-$1.txt;
		kill -CONT \$PPID" 2>/tmp/rec-$1.err
	rm -f /tmp/b-$1.dmat # RAM: the guest has 1 GiB
}

for mode in ${MODES:-all-stacks stacks no-stacks stacks-kernel no-stacks-kernel \
	kprobes kprobes-kernel off-stack off-device off-clock off-filters \
	off-counters off-wakeup off-phys off-all}; do
	session "$mode"
	t=$(median </tmp/t-$mode.txt)
	ev=$(sed -n 's/.*: \([0-9]*\) events.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	act=$(sed -n 's/.*tracing active after \([0-9.]*\) ms.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	unw=$(sed -n 's/.*stacks: \([0-9]*\) full unwinds.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	echo "bench: traced_${mode}_ns=$t events=$ev lost=$lost attach_ms=$act${unw:+ full_unwinds=$unw}"
	# the reader's own account (-v): M events per second of its thread's
	# CPU and of its busy wall time; in the *-kernel modes it drains the
	# ring the benchmark filled while it was stopped, alone
	sed -n "s/.*reader: \([0-9]*\) events, [0-9.]* ms of its CPU (\([0-9.]*\) M events per CPU-second), busy [0-9.]* ms (\([0-9.]*\) M events\/s).*/bench: traced_${mode}_reader_events=\1 traced_${mode}_reader_cpu_meps=\2 traced_${mode}_reader_busy_meps=\3/p" \
		/tmp/rec-$mode.err | tail -n 1
	# events per second while the benchmark ran: 2 events per pair
	if [ -n "$t" ] && [ "$t" -gt 0 ]; then
		echo "bench: traced_${mode}_events_per_s=$((1000000000 / t * 2))"
	fi
	cp /tmp/rec-$mode.err "$OUT/rec-$mode.err" 2>/dev/null
done

# The same modes side by side: PAIR_MODES, each a session of RUNS runs, in
# turn, PAIRS rounds (default 3); each mode's figure is the median over the
# rounds of its time over the floor's in the same round.  Measured once
# each, one after another, the figures drift with the boot: the floor took
# 3,412 ns in a boot's first round and 2,428 in its fourth, and the
# default tracing 4,514 and 3,465, their ratio 1.32-1.43 meanwhile.
PAIR_MODES=${PAIR_MODES:-floor stacks}
rm -f /tmp/pair-*.txt
p=0
while [ $p -lt "${PAIRS:-3}" ]; do
	for mode in $PAIR_MODES; do
		session "$mode"
		median </tmp/t-$mode.txt >/tmp/pair-$mode-now.txt
		cat /tmp/pair-$mode-now.txt >>/tmp/pair-$mode.txt
	done
	for mode in $PAIR_MODES; do
		awk -v a="$(cat /tmp/pair-$mode-now.txt)" -v b="$(cat /tmp/pair-floor-now.txt 2>/dev/null)" \
			'BEGIN { if (b > 0) printf "%.3f\n", a / b }' >>/tmp/pair-$mode-ratio.txt
	done
	p=$((p + 1))
done
for mode in $PAIR_MODES; do
	[ -s /tmp/pair-$mode-ratio.txt ] || continue
	echo "bench: paired_${mode}_ratio=$(median </tmp/pair-$mode-ratio.txt) paired_${mode}_ratios=$(tr '\n' , </tmp/pair-$mode-ratio.txt | sed 's/,$//') paired_${mode}_ns=$(tr '\n' , </tmp/pair-$mode.txt | sed 's/,$//')"
done

# time from command start to tracing active, as a user sees it, with the
# programs loaded by one loader (DMASCOPE_BENCH_LOADERS=1) and by the
# default (two side by side where there are enough), alternating, median
# of RUNS; -v says where it goes (probe, maps, load and attach)
i=0
while [ $i -lt "$RUNS" ]; do
	for l in 1 default; do
		if [ $l = 1 ]; then
			DMASCOPE_BENCH_LOADERS=1 dmatrace record -v --source bpf -o /tmp/x.dmat -- true 2>/tmp/rec-true.err
		else
			dmatrace record -v --source bpf -o /tmp/x.dmat -- true 2>/tmp/rec-true.err
		fi
		sed -n 's/.*tracing active after \([0-9.]*\) ms.*/\1/p' /tmp/rec-true.err | tail -n 1 >>/tmp/active-$l.txt
	done
	i=$((i + 1))
done
echo "bench: active_ms=$(median </tmp/active-default.txt) active_one_loader_ms=$(median </tmp/active-1.txt) loaders=$(grep -c '^dmatrace: loader' /tmp/rec-true.err) active_runs=$(paste -d/ /tmp/active-default.txt /tmp/active-1.txt | tr '\n' ' ' | sed 's/ $//; s/ /,/g')"
sed -n 's/^dmatrace: probe \([0-9.]*\) ms, maps \([0-9.]*\) ms, load and attach \([0-9.]*\) ms.*/bench: probe_ms=\1 maps_ms=\2 load_ms=\3/p' /tmp/rec-true.err
cp /tmp/rec-true.err "$OUT/rec-true.err" 2>/dev/null
rmmod vdmac
