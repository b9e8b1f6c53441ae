# bench-debug-guest.sh - runs in the VM for tests/vm/bench-debug.sh, on the
# CONFIG_DMA_API_DEBUG kernel: vdmac's map+unmap benchmark without tracing
# and under `dmatrace record`, in a boot where dma-debug is on or off
# (dma_debug=off).  Prints "bench: key=value" lines.  Sourced with "fns"
# as $1 it only reads the helpers (for the traced run's shell).
# one, median, runs and their settings: bench-guest.sh's, extracted by
# bench-debug.sh into bench-fns.sh
. /extra/bench-fns.sh
[ "${1:-}" = fns ] && return 0

if [ -d /sys/kernel/debug/dma-api ] && [ "$(cat /sys/kernel/debug/dma-api/disabled)" = N ]; then
	dd=on
else
	dd=off
fi
insmod "$VDMAC_KO" node=0 channels=1 || { echo "bench: error=insmod"; exit 1; }
echo "bench: dma_debug_${dd}_untraced_ns=$(runs | median)"
# --source bpf: a BPF load that fails is an error, not the tracefs source
# measured under this name
dmatrace record --source bpf -o /tmp/b.dmat -- sh -c ". /extra/bench-debug-guest.sh fns; runs >/tmp/t.txt" \
	2>/tmp/rec.err
ev=$(sed -n 's/.*: \([0-9]*\) events.*/\1/p' /tmp/rec.err | tail -n 1)
lost=$(sed -n 's/.* \([0-9]*\) lost.*/\1/p' /tmp/rec.err | tail -n 1)
echo "bench: dma_debug_${dd}_traced_ns=$(median </tmp/t.txt) events=$ev lost=$lost"
rm -f /tmp/b.dmat
rmmod vdmac
