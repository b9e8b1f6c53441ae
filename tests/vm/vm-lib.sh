# vm-lib.sh - helpers for guest case scripts (busybox sh), installed as
# /etc/vm-lib.sh in the VM: `. /etc/vm-lib.sh`.  They print the line
# protocol the runner counts: "ok - TEXT", "not ok - TEXT", "skip - TEXT".

vm_failed=0

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	vm_failed=$((vm_failed + 1))
}
skip() { echo "skip - $*"; }

# check TEXT CMD...: run CMD, report TEXT as ok or not ok (with CMD's output
# shown only when it fails).
check() {
	_text=$1
	shift
	if _out=$("$@" 2>&1); then
		ok "$_text"
	else
		not_ok "$_text"
		[ -n "$_out" ] && echo "$_out" | sed 's/^/#   /'
	fi
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds; fails when
# the time is up.
wait_for() {
	_n=$(($1 * 5))
	shift
	while [ "$_n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
		_n=$((_n - 1))
	done
	return 1
}

# pci_dev_of_driver DRIVER: the PCI addresses bound to DRIVER, one a line.
pci_dev_of_driver() {
	for _d in /sys/bus/pci/drivers/"$1"/0000:*; do
		[ -e "$_d" ] && basename "$_d"
	done
}

# vm_done: exit with the number of failed checks (0 when all passed).
vm_done() { exit "$vm_failed"; }
