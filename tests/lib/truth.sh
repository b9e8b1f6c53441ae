# truth.sh - ground truth against findings, for the scripts that compare a
# vdmac run's report with what its scenarios planted (sourced, bash).
# Truth lines are vdmac's: "finding=ID dev=DEV [addr=0x.. size=N ...]
# [requires=OPTION] [when=unbind] [needs=seen-syncs]" and "syncs=elided
# dev=DEV" (kmod/vdmac_harness.c).

# truth_elided FILE.truth: the devices whose syncs the kernel elided in the
# run (6.10+), one per line
truth_elided() {
	sed -n 's/^syncs=elided dev=\([^ ]*\).*/\1/p' "$1"
}

# truth_unwatched FILE.truth: the finding lines no tracer can see in the
# run: needs=seen-syncs on a device whose syncs were elided
truth_unwatched() {
	local line dev elided
	elided=" $(truth_elided "$1" | tr '\n' ' ') "
	while IFS= read -r line; do
		case $line in finding=*needs=seen-syncs*) ;; *) continue ;; esac
		dev=$(echo "$line" | sed -n 's/.* dev=\([^ ]*\).*/\1/p')
		case $elided in *" $dev "*) echo "$line" ;; esac
	done <"$1"
}

# truth_sync_checks FILE.json FILE.truth DEV...: each DEV the report lists
# says its sync checks were impossible exactly when the truth says the
# kernel elided its syncs; prints "#   " lines for those that do not
truth_sync_checks() {
	local json=$1 truth=$2 dev got want elided bad=0
	shift 2
	elided=" $(truth_elided "$truth" | tr '\n' ' ') "
	for dev in "$@"; do
		got=$(jq -r --arg d "$dev" '.devices[] | select(.name == $d) | .sync_checks' "$json")
		[ -n "$got" ] || continue
		want=true
		case $elided in *" $dev "*) want=false ;; esac
		if [ "$got" != "$want" ]; then
			echo "#   $dev: sync_checks $got, want $want (the kernel $([ $want = false ] && echo elided || echo made) its syncs)"
			bad=1
		fi
	done
	return $bad
}

# truth_findings FILE.json: "id dev addr size consequences" per finding,
# sorted (consequences: the follow-on findings folded into it); dev "none"
# for a finding of no device (a dma-buf's export, a fence)
truth_findings() {
	jq -r '.findings[] | "\(.id) \(.device // "none") \(.addr) \(.size) \(.consequences // 0)"' "$1" | sort
}

# truth_expected TRUTH OPTS UNBIND: the truth lines that apply to a run with
# OPTS (requires= only with its option; when=unbind only when UNBIND is 1;
# not those truth_unwatched names, which the report must instead say it
# could not check), as "id dev addr size folds" (addr/size/folds "-" when
# the truth does not name them).  A requires=trace-before-bind line (an
# unmap, sync or free of an address the device never had) is "?ids dev
# addr size folds": tolerated, not required.  Tracing that started after
# the bind cannot tell such an address from one mapped before it, so the
# finding is not required; but where the same session saw that address
# mapped and unmapped earlier (a page another scenario used), the engine
# knows better and reports it: as the line's own id, or, for an unmap, as
# double-unmap (it saw the earlier unmap).  Only that device, address and
# size are tolerated.
truth_expected() {
	local truth=$1 opts=$2 unbind=$3 line id dev addr size folds unwatched
	unwatched=$(truth_unwatched "$truth")
	while IFS= read -r line; do
		case $line in finding=*) ;; *) continue ;; esac
		[ -n "$unwatched" ] && printf '%s\n' "$unwatched" | grep -qxF -- "$line" && continue
		case $line in
		*requires=--leak-age*) case $opts in *--leak-age*) ;; *) continue ;; esac ;;
		*requires=--leaks-at-exit*) case $opts in *--leaks-at-exit*) ;; *) continue ;; esac ;;
		*requires=--latency-budget*) case $opts in *--latency-budget*) ;; *) continue ;; esac ;;
		esac
		case $line in *when=unbind*) [ "$unbind" = 1 ] || continue ;; esac
		id=$(echo "$line" | sed -n 's/^finding=\([^ ]*\).*/\1/p')
		case $line in
		*requires=trace-before-bind*)
			case $id in unmap-not-mapped) id="?$id|double-unmap" ;; *) id="?$id" ;; esac
			;;
		esac
		dev=$(echo "$line" | sed -n 's/.* dev=\([^ ]*\).*/\1/p')
		addr=$(echo "$line" | sed -n 's/.* addr=\(0x[0-9a-f]*\).*/\1/p')
		size=$(echo "$line" | sed -n 's/.* size=\([0-9]*\).*/\1/p')
		folds=$(echo "$line" | sed -n 's/.* folds=\([0-9]*\).*/\1/p')
		echo "$id $dev ${addr:--} ${size:--} ${folds:--}"
	done <"$truth"
}

# truth_same EXPECTED FOUND: the two lists ("id dev addr size folds") match
# one to one, "-" in EXPECTED matching anything; prints "#   missed:" and
# "#   not in the truth:" lines otherwise
truth_same() {
	local exp=$1 rest=$2 e g matched eid edev eaddr esize efolds optional
	# the required lines first, then the tolerated ("?") ones take what is left
	exp=$(printf '%s\n' "$exp" | grep -v '^?'; printf '%s\n' "$exp" | grep '^?')
	while IFS= read -r e; do
		[ -n "$e" ] || continue
		matched=""
		optional=""
		case $e in "?"*) optional=1 e=${e#?} ;; esac
		while IFS= read -r g; do
			[ -n "$g" ] || continue
			set -- $e
			eid=$1 edev=$2 eaddr=$3 esize=$4 efolds=$5
			set -- $g
			# finding addresses are printed 0x-prefixed hex; normalize
			if [[ "|$eid|" == *"|$1|"* ]] && [ "$edev" = "$2" ] &&
				{ [ "$eaddr" = - ] || { [ "$3" != null ] && [ $((eaddr)) = $(($3)) ]; }; } &&
				{ [ "$esize" = - ] || [ "$esize" = "$4" ]; } &&
				{ [ "$efolds" = - ] || [ "$efolds" = "$5" ]; }; then
				matched=$g
				break
			fi
		done <<<"$rest"
		if [ -z "$matched" ]; then
			[ -n "$optional" ] && continue
			echo "#   missed: $e"
			return 1
		fi
		rest=$(printf '%s\n' "$rest" | awk -v m="$matched" '!done && $0 == m { done = 1; next } { print }')
	done <<<"$exp"
	rest=$(printf '%s\n' "$rest" | grep -v '^$')
	if [ -n "$rest" ]; then
		echo "$rest" | sed 's/^/#   not in the truth: /'
		return 1
	fi
	return 0
}

# truth_numa_true ID DEV ADDR DEVNODE CSV FACTS: a NUMA finding is true by
# the recording and by the guest's own sysfs (FACTS, from numa_facts in
# tests/vm/vm-lib.sh), not by the engine: CSV (`dmatrace export --format
# csv` of the recording) has a streaming mapping of DEV at ADDR whose
# physical memory (numa-remote-buffer, numa-remote-io-buffer) or whose
# mapping CPU (numa-remote-cpu) is on another node than DEVNODE
truth_numa_true() {
	awk -F, -v id="$1" -v dev="$2" -v addr="$3" -v devnode="$4" -v FACTS="$6" '
		function hex(s,   i, c, v) {
			v = 0; s = tolower(s); sub(/^0x/, "", s)
			for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
			return v
		}
		BEGIN {
			while ((getline l < FACTS) > 0) {
				split(l, f, " ")
				if (f[1] == "mem") { blk[f[2]] = f[3]; bs = hex(f[4]) }
				else if (f[1] == "cpu") cpu[f[2]] = f[3]
			}
		}
		($2 == "map" || $2 == "map_sg") && $4 == dev && hex($8) == hex(addr) {
			if (id == "numa-remote-cpu") {
				if (($6 in cpu) && cpu[$6] != devnode) found = 1
			} else if (bs > 0) {
				b = int(hex($11) / bs)
				if ((b in blk) && blk[b] != devnode) found = 1
			}
		}
		END { exit found ? 0 : 1 }' "$5"
}

# truth_numa_tolerated JSON CSV FACTS DRIVER...: the information findings
# about placement a correct driver's run can still show, as tolerated
# truth lines ("?id dev addr size folds"): `numa-remote-io-buffer` and
# `numa-remote-cpu` on a device of one of the DRIVERs (real drivers, whose
# buffers the kernel places: slab, page cache, an O_DIRECT buffer that is
# one run of pages or several, a call site of its own each), each only
# where truth_numa_true confirms it; and a "#   tolerated" or "#   not
# confirmed" line for each.
truth_numa_tolerated() {
	local json=$1 csv=$2 facts=$3 id dev addr size folds drv devnode
	shift 3
	while read -r id dev addr size folds; do
		drv=$(jq -r --arg n "$dev" '[.devices[] | select(.name == $n) | .driver][0] // ""' "$json")
		case " $* " in *" $drv "*) ;; *) continue ;; esac
		devnode=$(jq -r --arg n "$dev" '[.devices[] | select(.name == $n) | .numa_node][0] // -1' "$json")
		if truth_numa_true "$id" "$dev" "$addr" "$devnode" "$csv" "$facts"; then
			echo "?$id $dev $addr $size $folds"
			echo "#   tolerated ($drv, confirmed by the recording): $id $dev $addr $size"
		else
			echo "#   not confirmed by the recording: $id $dev $addr $size"
		fi
	done < <(jq -r '.findings[] | select(.id == "numa-remote-io-buffer" or .id == "numa-remote-cpu") |
		"\(.id) \(.device // "none") \(.addr) \(.size) \(.consequences // 0)"' "$json")
}
