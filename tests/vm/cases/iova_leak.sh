# iova_leak.sh - a leak through the IOVA API (6.16+): kmod/edu_dma.ko links
# a page into an IOVA range of QEMU's edu device (real DMA through the
# IOMMU writes into it) and never destroys the range; the driver is
# unloaded under `dmatrace check`, which must report the range as
# leak-at-unbind.  iova_leak.host compares the findings with the driver's
# ground truth both ways, live and in a host replay.  A kernel without the
# IOVA API is a skip line saying so.
# vm-devices: edu
# vm-needs: dmatrace
# vm-timeout: 240
. /etc/vm-lib.sh
D=/sys/kernel/debug/edu_dma
T=$OUT/trace
mkdir -p "$T"

if ! grep -qw dma_iova_try_alloc /proc/kallsyms; then
	echo "skip - $(uname -r) has no IOVA API (dma_iova_try_alloc, 6.16+)"
	vm_done
fi
cat >/tmp/work.sh <<'WORK'
set -e
D=/sys/kernel/debug/edu_dma
modprobe edu_dma
echo iova-leak >$D/run
cat $D/result >"$1/iova.results"
cat $D/ground_truth >"$1/iova.truth"
# loaded long enough for kallsyms (read after tracing starts, modules last)
# to list its symbols: the finding's frames then name edu_iova_leak, not
# only the module (unloaded at once, on 7.3 they did not)
sleep 3
rmmod edu_dma
WORK

dmatrace check -v --format json -o "$T/iova.json" -w "$T/iova.dmat" -- sh /tmp/work.sh "$T" \
	2>"$T/iova.err"
rc=$?
tail -n 2 "$T/iova.err" | sed 's/^/# /'
grep 'hook iova_' "$T/iova.err" | sed 's/^/# /'
check "the driver linked a page into an IOVA range the device wrote to" grep -q '^case=iova-leak ok=1 ' "$T/iova.results"
check "dmatrace check found what was planted (exit $rc)" test "$rc" = 1
vm_done
