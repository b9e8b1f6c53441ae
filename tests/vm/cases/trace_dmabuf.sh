# trace_dmabuf.sh - vdmac's dma-buf and fence scenarios under live BPF
# tracing, the default hooks and --kprobes: its exporter and importer
# (dmabuf-good, dmabuf-map-leak), its fences (fence-never-signalled) and
# a dma-buf vdmac_leak.ko exports and leaks at its unload (dmabuf-leak).
# trace_dmabuf.host compares each report with its ground truth both ways
# and with a host replay, and checks that the hooks on the dma-buf
# functions and dma_fence tracepoints attached and that the reports list
# none of the dma-buf kinds as unwatched.
# vm-needs: dmatrace vdmac
# vm-timeout: 900
. /etc/vm-lib.sh

vdmac_trace_setup

for s in dmabuf-good dmabuf-map-leak fence-never-signalled; do
	trace "$s" "" "echo $s >$D/run"
	LIVE_EXTRA=--kprobes
	trace "kprobes-$s" "" "echo $s >$D/run"
	LIVE_EXTRA=
done
grep 'hook dmabuf_\|hook fence_' "$T/dmabuf-good.err" | sed 's/^/# /'

if [ -r "$LEAK_KO" ]; then
	# vdmac_leak stays loaded 5 s: its frames are named from /proc/modules
	# only while it is loaded (README "Known gap"); on 7.3 at load 7 the
	# --kprobes run's reader lagged more than 3 s once and left them bare
	trace dmabuf-leak "" "taskset -c 1 insmod $LEAK_KO what=dmabuf && sleep 5 && rmmod vdmac_leak"
	echo reclaim >$D/run
	LIVE_EXTRA=--kprobes
	trace kprobes-dmabuf-leak "" "taskset -c 1 insmod $LEAK_KO what=dmabuf && sleep 5 && rmmod vdmac_leak"
	LIVE_EXTRA=
	echo reclaim >$D/run
else
	skip "vdmac_leak.ko is not in the guest: dmabuf-leak"
fi
check "rmmod vdmac (every dma-buf released)" rmmod vdmac
vm_done
