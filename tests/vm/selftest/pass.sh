# pass.sh - runner self-test: ok lines count, $OUT files come back to the
# host and the .host script sees them, the guest has what the runner put in.
# vm-files: tests/vm/vm-lib.sh
# vm-expect: 5 passed, 0 failed, 0 skipped
. /etc/vm-lib.sh
check "results share mounted on \$OUT" grep -q " $OUT 9p " /proc/mounts
check "helpers in PATH" command -v rawpkt
check "vm-files in /extra" test -s /extra/vm-lib.sh
echo "written in the guest" >"$OUT/guest-file.txt"
dd if=/dev/urandom of="$OUT/blob" bs=64k count=32 2>/dev/null
sha256sum "$OUT/blob" | cut -d' ' -f1 >"$OUT/blob.sum"
ok "files written to \$OUT"
vm_done
