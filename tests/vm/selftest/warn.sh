# warn.sh - runner self-test: a kernel WARNING fails a case that passed.
# vm-expect: 1 passed, 1 failed, 0 skipped
# vm-expect-text: WARNING: CPU: 0 PID: 1 at drivers/selftest/fake.c
echo "<4>------------[ cut here ]------------" >/dev/kmsg
echo "<4>WARNING: CPU: 0 PID: 1 at drivers/selftest/fake.c:10 fake_probe+0x10/0x20" >/dev/kmsg
echo "<4>---[ end trace 0000000000000000 ]---" >/dev/kmsg
echo "ok - the script itself passed"
