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

# numa_facts FILE: this guest's NUMA layout as sysfs says it, for the host
# to judge NUMA findings by (tests/lib/truth.sh truth_numa_true): "mem
# BLOCK NODE BLOCK_SIZE" per memory block, "cpu CPU NODE" per CPU.
numa_facts() {
	_bs=$(cat /sys/devices/system/memory/block_size_bytes)
	for _n in /sys/devices/system/node/node[0-9]*; do
		_node=$(basename "$_n" | tr -dc 0-9)
		for _m in "$_n"/memory[0-9]*; do
			[ -e "$_m" ] && echo "mem $(basename "$_m" | tr -dc 0-9) $_node $_bs"
		done
		for _c in "$_n"/cpu[0-9]*; do
			[ -e "$_c" ] && echo "cpu $(basename "$_c" | tr -dc 0-9) $_node"
		done
	done >"$1"
}

# vm_done: exit with the number of failed checks (0 when all passed).
vm_done() { exit "$vm_failed"; }

# ---- dmatrace check on vdmac scenarios against their ground truth ----
# (trace_vdmac.sh, trace_vdmac_all.sh, trace_dmabuf.sh: $D is vdmac's
# debugfs folder, $T the case's output folder; *.host compares each NAME's
# files there)

# vdmac_trace_setup [DIR [PARAM...]]: such a case's start: vdmac.ko with
# PARAMs (default: its device on node 1 and 4 channels; the case ends if
# it does not load), $D, $T ($OUT/DIR, default trace; made) and $LEAK_KO
# (vdmac_leak.ko beside vdmac.ko)
vdmac_trace_setup() {
	D=/sys/kernel/debug/vdmac
	T=$OUT/${1:-trace}
	[ $# -gt 0 ] && shift
	_p=${*:-node=1 channels=4}
	mkdir -p "$T"
	# shellcheck disable=SC2086
	if ! insmod "$VDMAC_KO" $_p; then
		not_ok "insmod vdmac.ko $_p"
		vm_done
	fi
	ok "insmod vdmac.ko $_p"
	LEAK_KO=$(dirname "$VDMAC_KO")/vdmac_leak.ko
}

# applying NAME OPTS: how many truth lines apply to a run with OPTS (as
# trace_vdmac.host decides: requires= only with its option, when=unbind
# only where the scenario unbinds, needs=seen-syncs not on a device whose
# syncs the kernel elided)
applying() {
	_c=0
	_el=" $(sed -n 's/^syncs=elided dev=\([^ ]*\).*/\1/p' "$T/$1.truth" | tr '\n' ' ') "
	while IFS= read -r _l; do
		case $_l in finding=*) ;; *) continue ;; esac
		case $_l in
		*needs=seen-syncs*)
			_d=${_l#* dev=}
			case $_el in *" ${_d%% *} "*) continue ;; esac
			;;
		esac
		case $_l in
		*requires=--leak-age*) case $2 in *--leak-age*) ;; *) continue ;; esac ;;
		*requires=--leaks-at-exit*) case $2 in *--leaks-at-exit*) ;; *) continue ;; esac ;;
		*requires=--latency-budget*) case $2 in *--latency-budget*) ;; *) continue ;; esac ;;
		*requires=trace-before-bind*) continue ;;
		esac
		case $_l in *when=unbind*) [ "$1" = leak-at-unbind ] || continue ;; esac
		_c=$((_c + 1))
	done <"$T/$1.truth"
	echo $_c
}

# trace NAME OPTS CMD: dmatrace check with OPTS (and $LIVE_EXTRA, which a
# replay does not take) while sh -c CMD runs; the ground truth published
# during the run is kept (or, with TRUTH_FROM=FILE, that file: the truths
# CMD gathered from several vdmac runs).
trace() {
	_n=$1 _o=$2
	shift 2
	echo "$_o" >"$T/$_n.opts"
	: >"$T/$_n.truth"
	# --fail-on info: the exit status is compared with every truth line,
	# warnings and hints included (check's own default fails on errors only)
	# shellcheck disable=SC2086
	dmatrace check -v --format json --fail-on info -o "$T/$_n.json" -w "$T/$_n.dmat" $_o ${LIVE_EXTRA:-} -- sh -c "$*" \
		2>"$T/$_n.err"
	echo $? >"$T/$_n.rc"
	cp "${TRUTH_FROM:-$D/ground_truth}" "$T/$_n.truth"
	cp $D/result "$T/$_n.result" 2>/dev/null
	_rc=$(cat "$T/$_n.rc")
	_want=0
	[ "$(applying "$_n" "$_o")" -gt 0 ] && _want=1
	if [ "$_rc" = 2 ]; then
		not_ok "$_n: dmatrace check failed: $(tail -n 3 "$T/$_n.err")"
	elif [ "$_rc" = "$_want" ]; then
		ok "$_n: dmatrace check exit $_rc ($(applying "$_n" "$_o") truth lines apply)"
	else
		not_ok "$_n: dmatrace check exit $_rc, want $_want; truth: $(cat "$T/$_n.truth")"
	fi
	if grep -q ' 0 lost' "$T/$_n.err"; then
		ok "$_n: no events lost"
	else
		not_ok "$_n: events lost: $(tail -n 1 "$T/$_n.err")"
	fi
	stack_keys_ok "$_n" "$T/$_n.err"
}

# stack_keys_ok NAME ERRFILE: after a `dmatrace -v` run that took stacks,
# the tracepoint programs' stack keys from learned frame layouts
# (bpf/stacks.bpf.h) were never contradicted by an unwind (one would have
# lent another call site's stack), and every fentry/fexit trampoline frame
# gave its call site (bpf/frames.bpf.h: called or, on 7.x, jumped to);
# nothing said when the run took none.
stack_keys_ok() {
	_c=$(sed -n 's/.* \([0-9]*\) trampoline frames not understood, [0-9]* tracepoint short unwinds (\([0-9]*\) frame layouts learned, \([0-9]*\) contradicted).*/\1 \2 \3/p' "$2")
	[ -n "$_c" ] || return 0
	set -- "$1" $_c
	if [ "$4" = 0 ]; then
		ok "$1: stack keys: $3 frame layouts learned, none contradicted"
	else
		not_ok "$1: stack keys: $4 of the learned frame layouts' keys contradicted by an unwind"
	fi
	if [ "$2" = 0 ]; then
		ok "$1: stack keys: every trampoline frame gave its call site"
	else
		not_ok "$1: stack keys: $2 trampoline frames not understood"
	fi
}
