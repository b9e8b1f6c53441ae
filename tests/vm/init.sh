#!/bin/sh
# init.sh - /init of dmascope's test VM: mounts the kernel filesystems and the
# results share, runs one guest script (or a shell), reports its exit status
# on the console and in $OUT, and powers off.  Settings come from /etc/vm.conf,
# written by tests/vm/vm.sh.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TERM=${TERM:-linux}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
# Without a /dev/console node in the archive the kernel could not give us a
# console; devtmpfs has one now.
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null

. /etc/vm.conf

# The archive's modules live under the version they were staged for; a
# KERNEL= image may report another one.
kver=$(uname -r)
[ -e "/lib/modules/$kver" ] || ln -s "$VM_KVER" "/lib/modules/$kver"

hostname dmascope-vm
ip link set lo up

# Files written to $OUT come back to the host through a virtio 9p share.
# virtio devices here do not use the DMA API, so the share adds no DMA
# traffic to what cases observe.  A kernel of one's own may have the 9p
# modules built in.
OUT=/out
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe "$m" 2>/dev/null
done
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none \
	dmascope_out /out; then
	echo "vm-init: results share not mounted: files in \$OUT stay in the guest"
	OUT=/tmp/out
	mkdir -p "$OUT"
fi
export OUT VDMAC_KO VM_NAME
for m in $VM_PRELOAD; do
	modprobe "$m" || echo "vm-init: modprobe $m failed"
done
read -r up _ </proc/uptime
echo "@@vm-start $VM_NAME $up"

cd /root || true
case $VM_MODE in
shell)
	echo "dmascope VM shell: \$OUT=$OUT; 'poweroff -f' or exit to leave"
	echo "modules to modprobe: $VM_MODULES"
	[ -n "$VDMAC_KO" ] && echo "vdmac: insmod $VDMAC_KO"
	setsid cttyhack sh -l
	rc=$?
	;;
*)
	# The exit status cannot come through the pipe: keep it in a file.
	{
		sh /etc/vm-case.sh </dev/null
		echo $? >/tmp/vm-rc
	} 2>&1 | tee "$OUT/vm-output.log"
	rc=$(cat /tmp/vm-rc 2>/dev/null || echo 255)
	;;
esac

dmesg >"$OUT/vm-dmesg.log"
echo "$rc" >"$OUT/vm-status"
read -r up _ </proc/uptime
echo "@@vm-exit $rc $up"
sync
umount /out 2>/dev/null
poweroff -f
