# vdmac_scenarios.sh - vdmac.ko in the VM: every scenario runs, good ones
# move the right bytes and publish no findings, each buggy one publishes
# exactly its findings.def id with device, address and size (or refuses
# where the misuse would be unsafe on this boot); under swiotlb=force the
# missing-sync scenarios really read stale data.  Ground truth and results
# of every run are copied to $OUT/vdmac/.
# vm-needs: vdmac
# vm-timeout: 300
# vm-variants: swiotlb=force
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
force=0
case " $(cat /proc/cmdline) " in *" swiotlb=force "*) force=1 ;; esac
mkdir -p "$OUT/vdmac"

# The device on node 1, so numa-remote-* have node 0 as the other node.
if ! insmod "$VDMAC_KO" node=1 channels=4; then
	not_ok "insmod vdmac.ko node=1 channels=4"
	vm_done
fi
ok "insmod vdmac.ko node=1 channels=4"
# Platform devices have no numa_node attribute: the driver says it.
check "vdmac.0 is on NUMA node 1" sh -c 'dmesg | grep -q "vdmac vdmac.0: 4 channels, node 1,"'
check "vdmac.0 registered 4 dmaengine channels" \
	test "$(ls -d /sys/class/dma/dma*chan* 2>/dev/null | wc -l)" = 4
check "debugfs files present" test -w $D/run -a -r $D/scenarios -a \
	-r $D/ground_truth -a -r $D/result -a -w $D/bench
check "tracepoints in tracefs" test -d /sys/kernel/tracing/events/vdmac/vdmac_desc_prep \
	-a -d /sys/kernel/tracing/events/vdmac/vdmac_cpu_access

# field NAME: a key's value in the last result
field() { sed -n "s/^$1=//p" $D/result; }

# run NAME: runs a scenario, keeps its truth and result; status in $rc.
run() {
	echo "$1" >$D/run 2>/dev/null
	rc=$?
	cp $D/ground_truth "$OUT/vdmac/$1.truth"
	cp $D/result "$OUT/vdmac/$1.result"
}

# findings: the ids in the last ground truth, bounce line aside
findings() { sed -n 's/^finding=\([^ ]*\).*/\1/p' $D/ground_truth | grep -v '^swiotlb-bounce$'; }

# bounce_ok: vdmac.0's swiotlb-bounce line is there exactly when its
# mappings bounced
bounce_ok() {
	n=$(grep -c '^finding=swiotlb-bounce dev=vdmac.0 ' $D/ground_truth)
	if [ "$(field bounced)" -gt 0 ]; then [ "$n" = 1 ]; else [ "$n" = 0 ]; fi
}

for s in memcpy memcpy-poll rx-ring storage-sg coherent-ring; do
	run $s
	if [ "$rc" = 0 ] && [ "$(field status)" = pass ] && [ "$(field failures)" = 0 ] &&
		[ "$(field bytes)" -gt 0 ] && [ -z "$(findings)" ] && bounce_ok; then
		ok "good $s: $(field bytes) bytes moved and checked, no findings"
	else
		not_ok "good $s: rc=$rc $(tr '\n' ' ' <$D/result) truth: $(cat $D/ground_truth)"
	fi
done
if [ "$force" = 1 ]; then
	check "swiotlb=force: the good runs bounced and say so" grep -q '^finding=swiotlb-bounce dev=vdmac.0 count=' "$OUT/vdmac/memcpy.truth"
fi

# buggy NAME IDS...: the run passes its data checks and publishes exactly
# these ids, each line naming vdmac.0 (or a device vdmac registered).
buggy() {
	name=$1
	shift
	run "$name"
	want=$(echo "$@" | tr ' ' '\n' | sort)
	got=$(findings | sort)
	if [ "$rc" = 0 ] && [ "$(field status)" = pass ] && [ "$got" = "$want" ] &&
		! grep '^finding=' $D/ground_truth | grep -qv ' dev=vdmac' && bounce_ok; then
		ok "buggy $name: ground truth $(echo $want)"
	else
		not_ok "buggy $name: rc=$rc want '$(echo $want)' got '$(echo $got)'; $(tr '\n' ' ' <$D/result)"
		sed 's/^/#   /' $D/ground_truth
	fi
}

# refused NAME: -EINVAL, a dmesg line and a refused= line, nothing planted
refused() {
	run "$1"
	if [ "$rc" != 0 ] && [ "$(field status)" = refused ] && [ -z "$(findings)" ] &&
		grep -q "^refused=$1 reason=" $D/ground_truth &&
		dmesg | grep -q "scenario $1 refused"; then
		ok "unsafe here, refused: $1 ($(sed -n 's/.*reason=//p' $D/ground_truth))"
	else
		not_ok "refused $1: rc=$rc $(tr '\n' ' ' <$D/result) $(cat $D/ground_truth)"
	fi
}

buggy pool-leak pool-leak
check "pool-leak: the kept pool page is folded into the finding" grep -q 'folds=1' $D/ground_truth
buggy long-held leak-suspected leak-at-exit
check "long-held: both lines are conditional" test "$(grep -c requires= $D/ground_truth)" = 2
run release
check "release: held mapping released" test "$rc" = 0
buggy missing-sync-for-cpu missing-sync-for-cpu
stale_cpu=$(field stale_reads)
buggy missing-sync-for-device missing-sync-for-device
stale_dev=$(field stale_reads)
buggy cpu-access-device-owned cpu-access-device-owned
buggy redundant-sync redundant-sync
buggy map-churn map-churn
# dmascope calls 256 maps of one buffer within a second churn
ms=$(field detail | sed -n 's/^elapsed_ms=//p')
check "map-churn: 1000 maps in ${ms} ms, fast enough to count as churn" test "${ms:-99999}" -lt 3900
buggy unmap-size-mismatch unmap-size-mismatch
buggy unmap-dir-mismatch unmap-dir-mismatch
buggy unmap-not-mapped unmap-not-mapped
buggy sync-not-mapped sync-not-mapped
buggy sync-dir-mismatch sync-dir-mismatch
buggy late-device unmap-not-mapped sync-not-mapped
check "late-device: findings on the device it registered, not conditional" sh -c \
	"! grep -q requires= $D/ground_truth && test \"\$(grep -c ' dev=vdmac-late ' $D/ground_truth)\" = 2"
buggy sync-sg-nents-mismatch sync-sg-nents-mismatch
# 6.18+ maps a resource through dma_map_phys(DMA_ATTR_MMIO), which a forced
# swiotlb cannot bounce: the kernel refuses the map, and the scenario says so
if [ "$force" = 1 ] && [ "$(uname -r | awk -F. '{ print $1 * 1000 + $2 }')" -ge 6018 ]; then
	refused unmap-type-mismatch
else
	buggy unmap-type-mismatch unmap-type-mismatch
	check "unmap-type-mismatch: the right unmap that follows is folded in" grep -q 'folds=1' $D/ground_truth
fi
buggy cacheline-overlap cacheline-overlap
buggy map-kernel-image map-kernel-image
buggy map-stack map-stack
buggy coherent-via-streaming-api coherent-via-streaming-api
check "coherent-via-streaming-api: the correct free that follows is folded in" grep -q 'folds=1' $D/ground_truth
buggy free-not-allocated free-not-allocated
check "unknown-handle findings need tracing from before the bind" \
	test "$(cat "$OUT"/vdmac/unmap-not-mapped.truth "$OUT"/vdmac/sync-not-mapped.truth \
	"$OUT"/vdmac/free-not-allocated.truth | grep -c 'requires=trace-before-bind')" = 3
buggy numa-remote-buffer numa-remote-buffer
check "numa-remote-buffer: buffer on node 0, device on node 1" grep -Eq "phys=0x[0-9a-f]+ node=0 dev_node=1" $D/ground_truth
buggy numa-remote-cpu numa-remote-cpu
check "numa-remote-cpu: mapped from cpu 0 (node 0)" grep -q 'cpu=0 cpu_node=0 dev_node=1' $D/ground_truth
buggy desc-never-issued desc-never-issued
buggy xfer-timeout xfer-timeout
check "xfer-timeout: the late transfer still delivered the samples" test "$(field bytes)" = 4096
buggy xfer-error xfer-error
buggy xfer-over-budget xfer-over-budget
check "xfer-over-budget: the late transfer still delivered the samples" test "$(field bytes)" = 4096
buggy terminate-in-flight terminate-in-flight
buggy xfer-bus-error xfer-error
check "xfer-bus-error: write failure, with a dmesg line" sh -c \
	"grep -q ' result=2\$' $D/ground_truth && dmesg | grep -q 'write to non-RAM bus address'"

# vdmac-ext: a removable device without an IOMMU group (and, forced,
# bouncing): as sysfs shows it to the tracer
if [ "$force" = 1 ]; then
	buggy external-dma-untranslated external-dma-untranslated external-dma-bounced
	buggy external-dma-bounced external-dma-untranslated external-dma-bounced
	check "external-dma-bounced: vdmac-ext's bounce line" grep -q '^finding=swiotlb-bounce dev=vdmac-ext ' $D/ground_truth
else
	buggy external-dma-untranslated external-dma-untranslated
	refused external-dma-bounced
fi
# DMA masks: vdmac-m32 (no driver) and vdmac-nomask (a driver that never
# sets its mask)
buggy mask-changed-while-mapped mask-changed-while-mapped
buggy mask-never-set mask-never-set
check "mask-never-set: on the device vdmac registered, with its address" \
	grep -Eq '^finding=mask-never-set dev=vdmac-nomask addr=0x[0-9a-f]+ size=4096$' $D/ground_truth
if [ "$force" = 1 ]; then
	buggy mask-32bit
	check "mask-32bit: 16 pages bounced, 8 copied back" grep -qx \
		'bounce_bytes dev=vdmac-m32 to_device=65536 from_device=32768 forced=1' $D/ground_truth
else
	refused mask-32bit
fi
# dma-buf: vdmac exports and imports (its own device); fences it signals
run dmabuf-good
if [ "$rc" = 0 ] && [ "$(field status)" = pass ] && [ "$(field failures)" = 0 ] &&
	[ "$(field bytes)" -gt 0 ] && [ -z "$(findings)" ] && bounce_ok; then
	ok "good dmabuf-good: exported, attached, mapped $(field bytes) bytes, all undone; no findings"
else
	not_ok "good dmabuf-good: rc=$rc $(tr '\n' ' ' <$D/result) truth: $(cat $D/ground_truth)"
fi
buggy dmabuf-map-leak dmabuf-map-leak
# a fence has no device: its line says dev=none and names the fence
run fence-never-signalled
check "buggy fence-never-signalled: ground truth fence-never-signalled, no device, the fence's address" \
	test "$rc" = 0 -a "$(field status)" = pass -a "$(findings)" = fence-never-signalled -a \
	"$(grep -cE '^finding=fence-never-signalled dev=none addr=0x[0-9a-f]+$' $D/ground_truth)" = 1

# contiguous memory: only a kernel with CONFIG_DMA_CMA booted with cma=
# has an area (Debian's 7.x; its 6.1 and 6.12 are built without CMA)
if grep -Eq '^CmaTotal: +[1-9]' /proc/meminfo; then
	run cma-alloc
	if [ "$rc" = 0 ] && [ "$(field status)" = pass ] && [ -z "$(findings)" ] &&
		grep -qx 'cma dev=vdmac.0 bytes=4194304' $D/ground_truth; then
		ok "good cma-alloc: 4 MiB from CMA, no findings"
	else
		not_ok "good cma-alloc: rc=$rc $(tr '\n' ' ' <$D/result) truth: $(cat $D/ground_truth)"
	fi
	buggy cma-alloc-failed cma-alloc-failed
else
	refused cma-alloc
	refused cma-alloc-failed
fi

check "vdmac-ext: removable in sysfs, no iommu group" sh -c \
	'test "$(cat /sys/bus/platform/devices/vdmac-ext/removable)" = removable && test ! -e /sys/bus/platform/devices/vdmac-ext/iommu_group'

if [ "$force" = 1 ]; then
	refused double-unmap
	refused sync-out-of-range
	refused streaming-via-coherent-api
	buggy map-error map-error
	run swiotlb-bounce
	check "swiotlb-bounce: ground truth is the bounce line alone" \
		test "$rc" = 0 -a "$(grep -c . $D/ground_truth)" = 1 -a \
		"$(cat $D/ground_truth)" = "finding=swiotlb-bounce dev=vdmac.0 count=1"
	check "missing-sync-for-cpu read stale data under swiotlb=force" test "$stale_cpu" = 1
	check "missing-sync-for-device sent stale data under swiotlb=force" test "$stale_dev" = 1
else
	buggy double-unmap double-unmap
	buggy sync-out-of-range sync-out-of-range
	buggy streaming-via-coherent-api streaming-via-coherent-api
	refused map-error
	refused swiotlb-bounce
	check "dma-direct is coherent here: missing-sync-for-cpu read fresh data" test "$stale_cpu" = 0
	check "dma-direct is coherent here: missing-sync-for-device sent fresh data" test "$stale_dev" = 0
fi

# Every scenario the module lists was exercised above (module ones aside).
missing=""
for s in $(cut -f1 $D/scenarios); do
	case $s in stream-* | release | reclaim | leak-at-unbind | leak-at-module-unload | channel-leak | dmabuf-leak) continue ;; esac
	[ -e "$OUT/vdmac/$s.result" ] || missing="$missing $s"
done
check "every listed scenario was run${missing:+ (missing:$missing)}" test -z "$missing"

# Ground truth is machine readable: key=value tokens, hex addresses,
# decimal sizes, dir names.
bad=$(cat "$OUT"/vdmac/*.truth | grep '^finding=' | tr ' ' '\n' | grep -Ev \
	'^(finding|dev|chan|pool|module|requires|needs|when|kind|access|reason|what|budget)=[a-z0-9.-]+$|^(addr|phys|sync_addr)=0x[0-9a-f]+$|^(size|unmap_size|sync_size|count|cookie|node|dev_node|cpu|cpu_node|in_flight|result|stalled_ms|folds|nents|sync_nents)=[0-9]+$|^(dir|unmap_dir|sync_dir)=(to-device|from-device|bidirectional)$')
check "ground truth lines are well formed${bad:+: $bad}" test -z "$bad"

check "rmmod vdmac" rmmod vdmac
vm_done
