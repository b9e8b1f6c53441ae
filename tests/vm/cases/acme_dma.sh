# acme_dma.sh - accuracy on a driver written apart from the detectors:
# kmod/acme_dma.ko (two platform devices, a pool, sg lists, coherent
# memory, streaming mappings, a dmaengine memcpy client of vdmac) is loaded
# from node 1's CPU and unloaded under `dmatrace check`.  Its planted bugs
# print their ground truth to the kernel log; its correct paths
# (DMA_ATTR_SKIP_CPU_SYNC with manual syncs, partial syncs, one buffer
# mapped for two devices, remapping, pool blocks freed out of order, sg
# unmapped with the nents passed in) must give nothing.  acme_dma.host
# compares the findings with the truth both ways, live and replayed.
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh
T=$OUT/trace
mkdir -p "$T"
if ! insmod "$VDMAC_KO" node=1 channels=2; then
	not_ok "insmod vdmac.ko node=1 channels=2"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=2"
ACME=$(dirname "$VDMAC_KO")/acme_dma.ko

dmatrace check --format json -o "$T/acme.json" -w "$T/acme.dmat" -- \
	sh -c "taskset -c 1 insmod $ACME && rmmod acme_dma" 2>"$T/acme.err"
rc=$?
tail -n 2 "$T/acme.err" | sed 's/^/# /'
dmesg | sed -n 's/.*acme_dma: truth //p' >"$T/acme.truth"
check "acme_dma ran every path without a failure of its own" sh -c 'dmesg | grep -q "acme_dma: ready, 0 failures"'
check "acme_dma planted its bugs ($(grep -c . "$T/acme.truth") truth lines)" test "$(grep -c . "$T/acme.truth")" -ge 8
check "dmatrace check found what was planted (exit $rc)" test "$rc" = 1
rmmod vdmac
vm_done
