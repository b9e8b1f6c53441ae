# bench-guest.sh - runs in the VM for tests/vm/bench.sh: vdmac's map+unmap
# benchmark untraced, traced with stacks and without, in one boot; the
# events recorded per second with zero loss; the time from command start to
# tracing active.  Prints "bench: key=value" lines.
D=/sys/kernel/debug/vdmac
ITER=${BENCH_ITER:-200000}
RUNS=${BENCH_RUNS:-3}
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
echo "bench: untraced_ns=$u"

# traced: one recording around all runs, so attach cost is not counted
# *-kernel: the reader is stopped (SIGSTOP) while the benchmark runs and a
# 128 MiB ring holds every record: the kernel side's cost alone, without
# the reader competing for the host's CPUs (under TCG each vCPU is a host
# thread) or dropped records making the programs' work cheaper.
for mode in all-stacks stacks no-stacks stacks-kernel no-stacks-kernel; do
	opt=""
	stop=""
	case $mode in
	no-stacks*) opt=--no-stacks ;;
	all-stacks) opt=--all-stacks ;;
	esac
	case $mode in
	*-kernel)
		opt="$opt --ringbuf-kb 131072"
		stop="kill -STOP \$PPID;"
		;;
	esac
	# the default ring: zero loss at this rate is part of the figure
	dmatrace record -v $opt -o /tmp/b-$mode.dmat -- sh -c "
		. /tmp/bench-fns.sh; $stop runs >/tmp/t-$mode.txt;
		kill -CONT \$PPID" 2>/tmp/rec-$mode.err
	t=$(median </tmp/t-$mode.txt)
	ev=$(sed -n 's/.*: \([0-9]*\) events.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	act=$(sed -n 's/.*tracing active after \([0-9.]*\) ms.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	unw=$(sed -n 's/.*stacks: \([0-9]*\) full unwinds.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	echo "bench: traced_${mode}_ns=$t events=$ev lost=$lost attach_ms=$act${unw:+ full_unwinds=$unw}"
	# events per second while the benchmark ran: 2 events per pair
	if [ -n "$t" ] && [ "$t" -gt 0 ]; then
		echo "bench: traced_${mode}_events_per_s=$((1000000000 / t * 2))"
	fi
	cp /tmp/rec-$mode.err "$OUT/rec-$mode.err" 2>/dev/null
	rm -f /tmp/b-$mode.dmat # RAM: the guest has 1 GiB
done

# time from command start to tracing active, as a user sees it
dmatrace record -o /tmp/x.dmat -- true 2>/tmp/rec-true.err
echo "bench: attach_ms=$(sed -n 's/.*tracing active after \([0-9.]*\) ms.*/\1/p' /tmp/rec-true.err)"
rmmod vdmac
