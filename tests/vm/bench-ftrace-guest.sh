# bench-ftrace-guest.sh - runs in the VM for tests/vm/bench-ftrace.sh: in one
# boot, vdmac's map+unmap benchmark untraced, under the BPF source and under
# the tracefs source (without stacks, then with the stacktrace trigger); the
# events recorded and lost.  Prints "bench-ftrace: key=value" lines.
D=/sys/kernel/debug/vdmac
. /tmp/bench-fns.sh
insmod "$VDMAC_KO" node=0 channels=1 || { echo "bench-ftrace: error=insmod"; exit 1; }
echo "bench-ftrace: kernel=$(uname -r) untraced_ns=$(runs | median)"

for mode in bpf ftrace ftrace-stacks; do
	case $mode in
	bpf) opt="--source bpf --no-stacks" ;;
	ftrace) opt="--source ftrace --no-stacks" ;;
	ftrace-stacks) opt="--source ftrace" ;;
	esac
	# one recording around all runs: setting up is not counted
	dmatrace record -v $opt -o /tmp/b-$mode.dmat -- sh -c \
		". /tmp/bench-fns.sh; runs >/tmp/t-$mode.txt" 2>/tmp/rec-$mode.err
	t=$(median </tmp/t-$mode.txt)
	ev=$(sed -n 's/.*: \([0-9]*\) events.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec-$mode.err | tail -n 1)
	hooks=$(sed -n 's/.*hooks: //p' /tmp/rec-$mode.err | tail -n 1 | cut -d " " -f 1)
	echo "bench-ftrace: ${mode}_ns=$t events=$ev lost=$lost hooks=$hooks"
	# two events per pair, while the benchmark ran
	if [ -n "$t" ] && [ "$t" -gt 0 ]; then
		echo "bench-ftrace: ${mode}_events_per_s=$((2000000000 / t))"
	fi
	cp /tmp/rec-$mode.err "$OUT/rec-$mode.err" 2>/dev/null
	rm -f /tmp/b-$mode.dmat # RAM: the guest has 1 GiB
done
rmmod vdmac
