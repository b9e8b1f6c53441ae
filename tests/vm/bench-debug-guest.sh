# bench-debug-guest.sh - runs in the VM for tests/vm/bench-debug.sh, on the
# CONFIG_DMA_API_DEBUG kernel: vdmac's map+unmap benchmark without tracing
# and under `dmatrace record`, in a boot where dma-debug is on or off
# (dma_debug=off).  Prints "bench: key=value" lines.  Sourced with "fns"
# as $1 it only defines the helpers (for the traced run's shell).
D=/sys/kernel/debug/vdmac
ITER=${BENCH_ITER:-200000}
RUNS=${BENCH_RUNS:-3}

# one: the benchmark once on cpu 0; prints ns_per_pair
one() {
	echo "threads=1 size=4096 dir=to iterations=$ITER" >$D/bench || return 1
	sed -n 's/.*ns_per_pair=\([0-9]*\).*/\1/p' $D/bench
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
runs() {
	i=0
	while [ $i -lt "$RUNS" ]; do
		one
		i=$((i + 1))
	done
}
[ "${1:-}" = fns ] && return 0

if [ -d /sys/kernel/debug/dma-api ] && [ "$(cat /sys/kernel/debug/dma-api/disabled)" = N ]; then
	dd=on
else
	dd=off
fi
insmod "$VDMAC_KO" node=0 channels=1 || { echo "bench: error=insmod"; exit 1; }
echo "bench: dma_debug_${dd}_untraced_ns=$(runs | median)"
dmatrace record -o /tmp/b.dmat -- sh -c ". /extra/bench-debug-guest.sh fns; runs >/tmp/t.txt" \
	2>/tmp/rec.err
ev=$(sed -n 's/.*: \([0-9]*\) events.*/\1/p' /tmp/rec.err | tail -n 1)
lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec.err | tail -n 1)
echo "bench: dma_debug_${dd}_traced_ns=$(median </tmp/t.txt) events=$ev lost=$lost"
rm -f /tmp/b.dmat
rmmod vdmac
