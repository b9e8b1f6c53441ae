# warn-allowed.sh - runner self-test: a WARNING the case expects (here a
# dma-debug style report) does not fail it; a BUG after it still would.
# vm-allow-warning: kernel/dma/debug\.c
# vm-expect: 1 passed, 0 failed, 0 skipped
echo "<4>------------[ cut here ]------------" >/dev/kmsg
echo "<4>DMA-API: selftest 0000:00:00.0: device driver tries to free DMA memory it has not allocated" >/dev/kmsg
echo "<4>WARNING: CPU: 1 PID: 1 at kernel/dma/debug.c:1001 check_unmap+0x10/0x20" >/dev/kmsg
echo "<4>Call Trace:" >/dev/kmsg
echo "<4> <TASK>" >/dev/kmsg
echo "<4>---[ end trace 0000000000000000 ]---" >/dev/kmsg
echo "ok - the script itself passed"
