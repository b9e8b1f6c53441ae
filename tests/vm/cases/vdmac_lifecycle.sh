# vdmac_lifecycle.sh - vdmac.ko's life in the VM: unbind with a planted
# leak and rebind, vdmac_leak.ko leaving a mapping and a channel behind at
# unload, bad control input refused with a dmesg line, error injection, the
# map+unmap benchmark, the tracepoints' fields in tracefs, unload with
# transfers in flight, and 20 load/unload cycles -- all with no kernel
# WARNING or BUG.
# vm-needs: vdmac
# vm-timeout: 300
. /etc/vm-lib.sh

D=/sys/kernel/debug/vdmac
DRV=/sys/bus/platform/drivers/vdmac
T=/sys/kernel/tracing
field() { sed -n "s/^$1=//p" $D/result; }
run() {
	echo "$1" >$D/run 2>/dev/null
	rc=$?
}
# dmesg_since MARK: the kernel log after the line holding MARK
mark() { echo "vdmac-case: $1" >/dev/kmsg; }
dmesg_since() { dmesg | sed -n "/vdmac-case: $1/,\$p"; }

# --- bad module parameters: refused at load with a line saying why
mark params
for p in "channels=0:channels=0: must be 1-16" "channels=17:channels=17: must be 1-16" \
	"dma_bits=12:dma_bits=12: must be 24-64" "node=7:node=7: not an online NUMA node"; do
	arg=${p%%:*} msg=${p#*:}
	if insmod "$VDMAC_KO" "$arg" 2>/dev/null; then
		not_ok "insmod vdmac.ko $arg refused"
		rmmod vdmac
	elif dmesg_since params | grep -q "vdmac: $msg"; then
		ok "insmod vdmac.ko $arg refused: $msg"
	else
		not_ok "insmod vdmac.ko $arg: no dmesg line '$msg'"
	fi
done

if ! insmod "$VDMAC_KO"; then
	not_ok "insmod vdmac.ko"
	vm_done
fi
ok "insmod vdmac.ko"

# --- tracepoints: names and fields others read
echo 1 >$T/events/vdmac/enable
echo >$T/trace
run memcpy
echo 0 >$T/events/vdmac/enable
for ev in vdmac_chan_alloc vdmac_desc_prep vdmac_desc_seg vdmac_submit vdmac_issue_pending \
	vdmac_xfer_start vdmac_complete vdmac_cpu_access vdmac_terminate vdmac_chan_free; do
	check "trace: $ev from vdmac.0" grep -q "$ev: dev=vdmac.0 " $T/trace
done
check "trace: desc_prep fields" grep -Eq 'vdmac_desc_prep: dev=vdmac.0 chan=[0-9]+ desc=[0-9]+ dir=0 src=0x[0-9a-f]+ dst=0x[0-9a-f]+ len=65536 nsegs=1' $T/trace
check "trace: complete fields" grep -Eq 'vdmac_complete: dev=vdmac.0 chan=[0-9]+ desc=[0-9]+ cookie=[0-9]+ result=0 residue=0' $T/trace
check "trace: cpu_access fields" grep -Eq 'vdmac_cpu_access: dev=vdmac.0 addr=0x[0-9a-f]+ size=65536 write=0' $T/trace
check "format file names the fields" sh -c "grep -q 'field:u64 addr' $T/events/vdmac/vdmac_cpu_access/format && grep -q 'field:__data_loc char\[\] dev' $T/events/vdmac/vdmac_cpu_access/format"
echo "# $(grep -c vdmac_ $T/trace) vdmac events for one memcpy run"

# --- bad control input: -EINVAL and a line in dmesg, never a crash
mark bad-input
bad() {
	what=$1 file=$2 input=$3 msg=$4
	if printf '%s' "$input" >"$file" 2>/dev/null; then
		not_ok "bad input refused: $what"
	elif dmesg_since bad-input | grep -q "$msg"; then
		ok "bad input refused with a dmesg line: $what"
	else
		not_ok "bad input: $what: no dmesg line matching '$msg'"
	fi
}
bad "unknown scenario" $D/run "no-such-thing" "unknown scenario 'no-such-thing'"
bad "empty scenario" $D/run "
" "run: unknown scenario ''"
bad "overlong scenario" $D/run "$(printf '%0100d' 0)" "write one scenario name"
bad "module-planted scenario" $D/run "channel-leak" "planted by a module"
bad "bench key" $D/bench "threads=1 colour=blue" "unknown key 'colour'"
bad "bench value" $D/bench "threads=0" "threads 1-"
bad "bench dir" $D/bench "dir=sideways" "bad value for dir"
bad "bench token" $D/bench "fast" "'fast' is not key=value"
bad "inject count" $D/inject_errors "many" "inject_errors: write a count"
check "still working after bad input" sh -c "echo memcpy >$D/run"

# --- error injection
echo 1 >$D/inject_errors
run memcpy
if [ "$rc" != 0 ] && [ "$(field status)" = fail ] && [ "$(cat $D/inject_errors)" = 0 ]; then
	ok "inject_errors=1: the next transfer failed and the client saw it"
else
	not_ok "inject_errors=1: rc=$rc $(tr '\n' ' ' <$D/result)"
fi
run memcpy
check "after the injected error, transfers work again" test "$rc" = 0 -a "$(field status)" = pass

# --- benchmark
for cfg in "threads=1 size=4096 dir=to iterations=20000" "threads=2 size=65536 dir=bidi iterations=2000"; do
	if echo "$cfg" >$D/bench && out=$(cat $D/bench) &&
		echo "$out" | grep -Eq "ns_per_pair=[1-9][0-9]*"; then
		ok "bench $cfg: $out"
	else
		not_ok "bench $cfg: $(cat $D/bench)"
	fi
done

# --- unbind with a mapping the driver leaks, then bind again
run leak-at-unbind
check "leak-at-unbind: armed, ground truth published" grep -q '^finding=leak-at-unbind dev=vdmac.0 addr=0x[0-9a-f]* size=4096 dir=to-device when=unbind$' $D/ground_truth
run leak-at-unbind
check "leak-at-unbind: a second arm is refused" test "$rc" != 0
mark unbind
check "unbind vdmac.0 through sysfs" sh -c "echo vdmac.0 >$DRV/unbind"
check "unbind: the driver left the mapping" sh -c "dmesg | grep -q 'still mapped (leak-at-unbind scenario)'"
check "unbound: no dmaengine channels" test "$(ls -d /sys/class/dma/dma*chan* 2>/dev/null | wc -l)" = 0
check "unbound: channels says so" grep -q '^# no vdmac device is bound' $D/channels
run memcpy
check "unbound: run fails with a dmesg line" sh -c "test $rc != 0 && dmesg | grep -q 'run memcpy: no vdmac device is bound'"
check "bind vdmac.0 again" sh -c "echo vdmac.0 >$DRV/bind"
run rx-ring
check "rebound: rx-ring passes" test "$rc" = 0 -a "$(field status)" = pass

# --- a client module unloaded holding a mapping and a channel
leak=""
for f in /extra/vdmac_leak.ko "$(dirname "$VDMAC_KO")/vdmac_leak.ko"; do
	[ -r "$f" ] && leak=$f && break
done
if [ -z "$leak" ]; then
	skip "vdmac_leak.ko is not in the guest"
else
	if insmod "$leak"; then
		ok "insmod vdmac_leak.ko"
		check "vdmac_leak: leak-at-module-unload published" grep -Eq '^finding=leak-at-module-unload dev=vdmac.0 addr=0x[0-9a-f]+ size=4096 dir=to-device module=vdmac_leak$' $D/ground_truth
		check "vdmac_leak: channel-leak published" grep -Eq '^finding=channel-leak dev=vdmac.0 chan=dma[0-9]+chan[0-9]+ module=vdmac_leak$' $D/ground_truth
		check "rmmod vdmac_leak (it releases nothing)" rmmod vdmac_leak
		check "the leaked channel pins vdmac" sh -c "! rmmod vdmac 2>/dev/null"
		run reclaim
		check "reclaim releases what vdmac_leak left" sh -c "test $rc = 0 && dmesg | grep -q 'reclaiming a channel left behind' && dmesg | grep -q 'reclaiming a mapping left behind'"
	else
		not_ok "insmod vdmac_leak.ko"
	fi
fi

# --- stream: checked traffic, then unload with transfers in flight
run stream-start
check "stream-start" test "$rc" = 0
sleep 1
check "channels: the stream holds one channel and has moved bytes" \
	test "$(grep -c 'in_use=1 ' $D/channels)" = 1 -a \
	-n "$(grep 'in_use=1 ' $D/channels | grep -v 'bytes_moved=0$')"
run stream-stop
if [ "$rc" = 0 ] && [ "$(field status)" = pass ] && [ "$(field bytes)" -gt 0 ]; then
	ok "stream: $(field checks) copies checked, $(field bytes) bytes"
else
	not_ok "stream-stop: rc=$rc $(tr '\n' ' ' <$D/result)"
fi
run stream-start
sleep 1
echo 1 >$T/events/vdmac/vdmac_xfer_start/enable
echo >$T/trace
sleep 0.2
inflight=$(grep -c vdmac_xfer_start $T/trace)
check "unload while the stream is running ($inflight transfers started in the last 0.2 s)" \
	sh -c "test $inflight -gt 0 && rmmod vdmac"
echo 0 >$T/events/vdmac/vdmac_xfer_start/enable

# --- 20 load/unload cycles, each with traffic in flight at unload
fails=0
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	bits=64
	[ $((i % 2)) = 0 ] && bits=32
	if ! insmod "$VDMAC_KO" channels=$((i % 4 + 1)) dma_bits=$bits node=$((i % 2)); then
		fails=$((fails + 1))
		continue
	fi
	echo memcpy >$D/run || fails=$((fails + 1))
	echo stream-start >$D/run || fails=$((fails + 1))
	rmmod vdmac || fails=$((fails + 1))
done
check "20 load/unload cycles (1-4 channels, 32/64-bit masks, node 0/1) with transfers in flight ($fails failures)" test $fails = 0
check "vdmac is gone" sh -c "! grep -q '^vdmac ' /proc/modules"
vm_done
