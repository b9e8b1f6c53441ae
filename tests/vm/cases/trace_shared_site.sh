# trace_shared_site.sh - one DMA API call site inside the kernel serving
# two drivers: nvme's PRP pool and vdmac's pool both allocate their pages
# through dma_pool_alloc's own dma_alloc_attrs.  Under `dmatrace check`
# nvme does I/O, vdmac's pool-leak scenario runs, then nvme is unloaded:
# the report must hold exactly the scenario's ground truth, no
# leak-at-module-unload of vdmac's page blamed on nvme (a stack lent from
# one driver to the other by stack reuse would make one).  Compared on the
# host by trace_shared_site.host.
# vm-modules: nvme
# vm-needs: dmatrace vdmac
# vm-timeout: 300
. /etc/vm-lib.sh
D=/sys/kernel/debug/vdmac
T=$OUT/trace
mkdir -p "$T"
if ! insmod "$VDMAC_KO" node=1 channels=2; then
	not_ok "insmod vdmac.ko node=1 channels=2"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=2"

cat >/tmp/work.sh <<'WORK'
set -ex
D=/sys/kernel/debug/vdmac
taskset -c 1 modprobe nvme
n=0
while [ ! -b /dev/nvme0n1 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16
for i in 1 2 3; do
	taskset -c 1 dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k oflag=direct conv=fsync
	echo pool-leak >$D/run
	cat $D/ground_truth >>"$1"
done
rmmod nvme
WORK

: >"$T/shared.truth"
dmatrace check --format json -o "$T/shared.json" -w "$T/shared.dmat" -- sh /tmp/work.sh "$T/shared.truth" \
	2>"$T/shared.err"
rc=$?
echo $rc >"$T/shared.rc"
tail -n 2 "$T/shared.err" | sed 's/^/# /'
check "nvme I/O, vdmac pool-leak and nvme's unload ran under tracing" grep -q 'sh exited with status 0' "$T/shared.err"
check "dmatrace check found what was planted (exit $rc)" test "$rc" = 1
rmmod vdmac
vm_done
