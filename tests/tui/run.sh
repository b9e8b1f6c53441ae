#!/bin/bash
# run.sh BUILD [--example FILE] - tier tui: dmatop on recordings made by
# dmatgen (--example: capture the README's example screen instead).  The screen
# tests run dmatop in a detached tmux terminal (private server), type keys
# and assert on capture-pane; the batch tests check text and JSON frames
# against the numbers the scenarios imply.  Ends with "N passed, N failed".
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $build in /*) ;; *) build=$root/$build ;; esac
top=$build/dmatop
gen=$build/dmatgen
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dmatop-tui.XXXXXX")
sock=dmatop-tui-$$-0
sess=t
passed=0 failed=0 skipped=0

ok() {
	echo "ok   $1"
	passed=$((passed + 1))
}

bad() {
	echo "FAIL $1"
	shift
	for l in "$@"; do echo "     $l"; done
	failed=$((failed + 1))
}

# check NAME CMD...: pass when CMD succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name" "command: $*"; fi
}

cleanup() {
	tmux -L "$sock" kill-server 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT

if [ ! -x "$top" ] || [ ! -x "$gen" ]; then
	echo "SKIP: $top or $gen not built"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

# ---- recordings ----

# Five seconds, four devices.  Every second (events 100 ms after it starts):
# nvme (node 1, local memory) 10 map+sync_for_cpu+unmap; e1000e (node 0,
# memory on node 1) 38 map+unmap and 2 maps left outstanding; vdmac 5
# transfers on one channel.  Planted: an unmap with the wrong size on nvme at
# 2.5 s, a failed transfer at 3.1 s, a descriptor never issued at 4.1 s.
gen_devices() {
	local s k c base
	cat <<'EOF'
session kernel=6.1.0-test host=testbox start=1000000000 traced_from_boot=1 hooks="fexit:dma_map_page_attrs,fentry:dma_unmap_page_attrs"
memrange 0x0-0x40000000 node=0
memrange 0x40000000-0x80000000 node=1
device 1 name=0000:10:00.0 driver=nvme bus=pci node=1
device 2 name=0000:11:00.0 driver=e1000e bus=pci node=0
device 3 name=vdmac.0 driver=vdmac bus=platform node=0
device 4 name=0000:00:1f.2 driver=ahci bus=pci node=0
stack 1 "dma_map_page_attrs+0x0/0x200" "nvme_map_data+0x1c/0x80 [nvme]" "nvme_queue_rq+0x90/0x200 [nvme]"
stack 2 "dma_unmap_page_attrs+0x0/0x100" "nvme_unmap_data+0x30/0x90 [nvme]"
step 1000
EOF
	for s in 0 1 2 3 4; do
		base=$((1000000000 + s * 1000000000 + 100000000))
		echo "at $base"
		if [ $s = 0 ]; then
			echo "alloc_coherent dev=4 addr=0x9000000 size=65536 phys=0x9000000 va=0xffff888009000000"
			echo "chan_request dev=3 chan=0xc0 count=0 client=1"
		fi
		echo "repeat 10 {"
		echo "map dev=1 addr=0x1000 size=4096 dir=from phys=0x45000000 stack=1"
		echo "sync_for_cpu dev=1 addr=0x1000 size=4096 dir=from"
		echo "unmap dev=1 addr=0x1000 size=4096 dir=from stack=2"
		echo "}"
		echo "repeat 38 {"
		echo "map dev=2 addr=0x2000 size=1500 dir=to phys=0x50000000"
		echo "unmap dev=2 addr=0x2000 size=1500 dir=to"
		echo "}"
		for k in 0 1; do
			printf 'map dev=2 addr=%#x size=1500 dir=to phys=0x50001000\n' \
				$((0x100000 + s * 0x10000 + k * 0x1000))
		done
		for k in 1 2 3 4 5; do
			c=$((s * 10 + k))
			echo "desc_prep dev=3 chan=0xc0 cookie=$c size=8192 phys=0x9100000 dir=to"
			echo "desc_submit dev=3 chan=0xc0 cookie=$c"
			echo "issue_pending dev=3 chan=0xc0"
			echo "xfer_complete dev=3 chan=0xc0 cookie=$c"
		done
		if [ $s = 2 ]; then
			echo "at $((base + 400000000))"
			echo "map dev=1 addr=0x7000 size=4096 dir=from phys=0x45001000 stack=1"
			echo "unmap dev=1 addr=0x7000 size=2048 dir=from stack=2"
		fi
		if [ $s = 4 ]; then
			echo "desc_prep dev=3 chan=0xc0 cookie=77 size=512 dir=to"
			echo "desc_submit dev=3 chan=0xc0 cookie=77"
		fi
		if [ $s = 3 ]; then
			echo "desc_prep dev=3 chan=0xc0 cookie=99 size=4096 dir=to"
			echo "desc_submit dev=3 chan=0xc0 cookie=99"
			echo "issue_pending dev=3 chan=0xc0"
			echo "xfer_error dev=3 chan=0xc0 cookie=99 result=1"
		fi
	done
	echo "end 6000000000"
}

# A minute of one nvme map+unmap per second: for pause and seek.
gen_long() {
	cat <<'EOF'
session kernel=6.1.0-test host=testbox start=1000000000
device 1 name=0000:10:00.0 driver=nvme bus=pci node=0
at 1000000000
repeat 60 {
at +500000000
map dev=1 addr=0x1000 size=4096 dir=to phys=0x1000
unmap dev=1 addr=0x1000 size=4096 dir=to
at +499998000
}
EOF
}

# Seven events lost between a map and its unmap.
gen_lossy() {
	cat <<'EOF'
session kernel=6.1.0-test host=testbox start=1000000000
device 1 name=0000:10:00.0 driver=nvme bus=pci node=0
at 1100000000
map dev=1 addr=0x1000 size=4096 dir=to phys=0x1000
lost 7
unmap dev=1 addr=0x1000 size=4096 dir=to
EOF
}

# Sixty devices, dev-N mapping N times: more rows than the screen has.
gen_many() {
	local n
	echo "session kernel=6.1.0-test host=testbox start=1000000000"
	for n in $(seq 1 60); do
		echo "device $n name=$(printf 'dev-%02d' "$n") driver=many bus=platform node=0"
	done
	echo "at 1100000000"
	for n in $(seq 1 60); do
		echo "repeat $n {"
		echo "map dev=$n addr=0x1000 size=4096 dir=to phys=0x1000"
		echo "unmap dev=$n addr=0x1000 size=4096 dir=to"
		echo "}"
	done
}

gen_devices >"$tmp/devices.scn"
gen_many >"$tmp/many.scn"
gen_long >"$tmp/long.scn"
gen_lossy >"$tmp/lossy.scn"
{
	gen_devices | grep -v '^end '
	echo unfinished
} >"$tmp/truncated.scn"
for r in devices long truncated lossy many; do
	if ! "$gen" -o "$tmp/$r.dmat" "$tmp/$r.scn" >"$tmp/gen.log" 2>&1; then
		cat "$tmp/gen.log"
		echo "SKIP: dmatgen could not write the $r recording"
		echo "0 passed, 0 failed, 1 skipped"
		exit 0
	fi
done
dev=$tmp/devices.dmat

# ---- the README's example screen: run.sh BUILD --example FILE ----

if [ "${2:-}" = --example ]; then
	T() { tmux -L "$sock" -f /dev/null "$@"; }
	T new-session -d -s ex -x 156 -y 24 -c "$tmp" \
		"env -i PATH=/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 $top --replay devices.dmat -d 1"
	# a frame taken at 4 s shows the rates of the fourth second
	sleep 4.6
	T capture-pane -p -t ex | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}' >"${3:?--example FILE}"
	T kill-server
	echo "wrote $3"
	exit 0
fi

# ---- command line ----

out=$("$top" --help 2>&1)
rc=$?
if [ $rc = 0 ] && echo "$out" | grep -q '^examples:' &&
	echo "$out" | tail -n 1 | grep -q '^  dmatop'; then
	ok "--help exits 0 and ends with examples"
else
	bad "--help exits 0 and ends with examples" "rc=$rc" "$(echo "$out" | tail -n 3)"
fi

"$top" --no-such-option >/dev/null 2>&1
check "unknown option exits 2" test $? = 2

err=$("$top" -b --replay "$tmp/missing.dmat" 2>&1 >/dev/null)
rc=$?
if [ $rc = 2 ] && echo "$err" | grep -q "missing.dmat"; then
	ok "missing recording: exit 2 naming the file"
else
	bad "missing recording: exit 2 naming the file" "rc=$rc" "$err"
fi

echo "not a recording" >"$tmp/garbage.dmat"
err=$("$top" -b --replay "$tmp/garbage.dmat" 2>&1 >/dev/null)
rc=$?
if [ $rc = 2 ] && [ -n "$err" ]; then
	ok "garbage file: exit 2 with a message"
else
	bad "garbage file: exit 2 with a message" "rc=$rc" "$err"
fi

"$top" --replay "$dev" </dev/null >/dev/null 2>"$tmp/notty.err"
rc=$?
if [ $rc = 2 ] && grep -q "not a terminal" "$tmp/notty.err"; then
	ok "screen mode without a terminal: exit 2, suggests -b"
else
	bad "screen mode without a terminal: exit 2, suggests -b" "rc=$rc" "$(cat "$tmp/notty.err")"
fi

# every number option refuses NaN, infinities, negatives, overflow and
# junk, naming the option, at once (never a hang or a jump to the end)
for opt in -d --speed -n --leak-age --ringbuf-kb; do
	for v in nan inf -1 1e999 99999999999999999999999 0x10 ' 1' 2junk; do
		timeout 5 "$top" -b -n 1 "$opt" "$v" --replay "$dev" >"$tmp/num.out" 2>"$tmp/num.err"
		rc=$?
		if [ $rc = 2 ] && grep -q -- "^dmatop: ${opt}: '$v'" "$tmp/num.err" && [ ! -s "$tmp/num.out" ]; then
			ok "$opt '$v': exit 2 naming the option"
		else
			bad "$opt '$v': exit 2 naming the option" "rc=$rc" "$(head -n 2 "$tmp/num.err")"
		fi
	done
done
"$top" -b -n 1 -d 0 --replay "$dev" >/dev/null 2>"$tmp/num.err"
check "-d 0 is refused" test $? = 2
"$top" -b -n 1 --speed 0 --replay "$dev" >/dev/null 2>"$tmp/num.err"
check "--speed 0 is refused" test $? = 2
"$top" -b -n 1 --ringbuf-kb 1048577 --replay "$dev" >/dev/null 2>"$tmp/num.err"
check "--ringbuf-kb above 1 GiB is refused, not clamped" grep -q "1048576" "$tmp/num.err"
"$top" -b -n 1 -f "$(printf 'x%.0s' $(seq 64))" --replay "$dev" >/dev/null 2>"$tmp/num.err"
check "-f longer than a device name is refused, not cut" grep -q "^dmatop: -f: .* longer than 63" "$tmp/num.err"
"$top" -b --json -n 1 -d 500ms --replay "$dev" >"$tmp/num.out" 2>&1
check "-d takes a duration like dmatrace (500ms)" test "$(jq -r .time "$tmp/num.out")" = 0.5
"$top" -b --json -d 5s --leak-age 2500ms --replay "$dev" >"$tmp/num.out" 2>&1
check "--leak-age takes a duration like dmatrace (2500ms)" \
	grep -q '"id":"leak-suspected"' "$tmp/num.out"
"$top" -b --json -d 5s --leak-age 0 --replay "$dev" >"$tmp/num.out" 2>&1
if [ $? = 0 ] && ! grep -q 'leak-suspected' "$tmp/num.out"; then
	ok "--leak-age 0: off, as in dmatrace"
else
	bad "--leak-age 0: off, as in dmatrace" "$(head -c 200 "$tmp/num.out")"
fi

# live mode: works, or fails with a clear message; never a crash
timeout 30 "$top" -b -n 1 -d 0.2 >"$tmp/live.out" 2>"$tmp/live.err"
rc=$?
if { [ $rc = 0 ] && grep -q '^dmatop - live' "$tmp/live.out"; } ||
	{ [ $rc = 2 ] && grep -q '^dmatop: ' "$tmp/live.err"; }; then
	ok "live mode: a frame or a clear error (exit $rc)"
else
	bad "live mode: a frame or a clear error" "rc=$rc" "$(head -n 3 "$tmp/live.err")"
fi

# live mode without privileges: a clear error, exit 2 (batch and screen)
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	nobody="setpriv --reuid 65534 --regid 65534 --clear-groups"
	$nobody "$top" -b -n 1 >/dev/null 2>"$tmp/nopriv.err"
	rc=$?
	if [ $rc = 2 ] && grep -q '^dmatop: cannot trace this kernel: ' "$tmp/nopriv.err"; then
		ok "live batch without privileges: exit 2, says why"
	else
		bad "live batch without privileges: exit 2, says why" "rc=$rc" "$(cat "$tmp/nopriv.err")"
	fi
	if grep -q "setcap cap_bpf,cap_perfmon,cap_syslog+ep $top)" "$tmp/nopriv.err" &&
		! grep -q dmatrace "$tmp/nopriv.err"; then
		ok "live without privileges: the fix names dmatop's own path, not dmatrace"
	else
		bad "live without privileges: the fix names dmatop's own path" "$(cat "$tmp/nopriv.err")"
	fi
else
	echo "skipping the unprivileged live test: needs root and setpriv"
	skipped=$((skipped + 1))
fi

# ---- batch text ----

"$top" -b -d 1 --replay "$dev" >"$tmp/batch.txt" 2>"$tmp/batch.err"
rc=$?
frames=$(grep -c '^dmatop - replay' "$tmp/batch.txt")
check "batch replay: exit 0, one frame per recorded second (5)" \
	test "$rc:$frames" = "0:5"

"$top" -b -n 2 -d 1 --replay "$dev" >"$tmp/batch2.txt" 2>&1
check "batch -n 2 prints two frames" \
	test "$(grep -c '^dmatop - replay' "$tmp/batch2.txt")" = 2

# frame 1: e1000e maps 40/s, unmaps 38/s, 2 outstanding (2.9K rising)
row=$(awk '/^dmatop - /{n++} n==1 && /e1000e/' "$tmp/batch.txt" | head -n 1)
# shellcheck disable=SC2086
set -- $row
if [ "${4:-}" = 40.0 ] && [ "${5:-}" = 38.0 ] && [ "${10:-}" = 2 ]; then
	ok "batch text row: e1000e 40 maps/s, 38 unmaps/s, 2 outstanding"
else
	bad "batch text row: e1000e 40 maps/s, 38 unmaps/s, 2 outstanding" "$row"
fi
first=$(awk '/^dmatop - /{n++} n==1 && /^0000:|^vdmac/ {print $2; exit}' "$tmp/batch.txt")
check "batch text sorts by maps/s by default (e1000e first)" test "$first" = e1000e
check "batch text header: kernel, host, hooks, no loss" \
	grep -q '^Kernel: 6.1.0-test on testbox   Hooks: fexit:dma_map' "$tmp/batch.txt"
check "batch text shows the planted finding" \
	grep -q 'unmap-size-mismatch' "$tmp/batch.txt"

"$top" -b -d 1 --replay "$tmp/truncated.dmat" >"$tmp/trunc.txt" 2>"$tmp/trunc.err"
rc=$?
if [ $rc = 0 ] && grep -qi 'warning' "$tmp/trunc.err" &&
	[ "$(grep -c '^dmatop - replay' "$tmp/trunc.txt")" -ge 4 ]; then
	ok "truncated recording: frames of what was read, a warning, exit 0"
else
	bad "truncated recording: frames of what was read, a warning, exit 0" \
		"rc=$rc" "$(cat "$tmp/trunc.err")"
fi

# names from a crafted recording: escape sequences, a C1 byte, invalid
# UTF-8; none may reach the terminal raw, and the columns stay in line
{
	printf 'session kernel="6.1\033[2J" host="h\033]0;pwned\007" start=1000000000\n'
	printf 'device 1 name="ev\033]0;title\007il" driver="d\233rv" bus=pci node=0\n'
	printf 'device 2 name="plain" driver="\377\376x" bus=pci node=0\n'
	printf 'at 1100000000\n'
	printf 'map dev=1 addr=0x1000 size=4096 dir=to phys=0x1000\n'
	printf 'unmap dev=1 addr=0x1000 size=2048 dir=to\n'
	printf 'map dev=2 addr=0x1000 size=4096 dir=to phys=0x1000\n'
} >"$tmp/hostile.scn"
"$gen" -o "$tmp/hostile.dmat" "$tmp/hostile.scn" >/dev/null 2>&1
"$top" -b --replay "$tmp/hostile.dmat" >"$tmp/hostile.txt" 2>&1
if [ $? = 0 ] && ! LC_ALL=C grep -q $'[\e\x9b\a]' "$tmp/hostile.txt" &&
	grep -qF 'ev\x1b]0;title\x07il' "$tmp/hostile.txt"; then
	ok "batch text: names with escape sequences are shown escaped"
else
	bad "batch text: names with escape sequences are shown escaped" "$(cat -v "$tmp/hostile.txt" | head -n 12)"
fi
"$top" -b --json --replay "$tmp/hostile.dmat" >"$tmp/hostile.json" 2>&1
if iconv -f UTF-8 -t UTF-8 "$tmp/hostile.json" >/dev/null 2>&1 && jq -e . "$tmp/hostile.json" >/dev/null 2>&1; then
	ok "batch json: valid UTF-8 and JSON whatever the names hold"
else
	bad "batch json: valid UTF-8 and JSON whatever the names hold" "$(head -c 300 "$tmp/hostile.json" | cat -v)"
fi

# a full disk or a closed stdout is an error, as for dmatrace
for how in full closed; do
	for fmt in text json; do
		j=
		[ $fmt = json ] && j=--json
		if [ $how = full ]; then
			timeout 10 "$top" -b $j --replay "$dev" >/dev/full 2>"$tmp/full.err"
		else
			timeout 10 "$top" -b $j --replay "$dev" >&- 2>"$tmp/full.err"
		fi
		rc=$?
		if [ $rc = 2 ] && grep -q '^dmatop: writing standard output failed: ' "$tmp/full.err"; then
			ok "batch $fmt, stdout $how: exit 2 with the reason ($(cut -d: -f3- "$tmp/full.err" | head -n 1))"
		else
			bad "batch $fmt, stdout $how: exit 2 with the reason" "rc=$rc" "$(cat "$tmp/full.err")"
		fi
	done
done

# rates need time: 600 ns of recording give no rate, not "10000k/s"
printf 'device 1 name=d driver=x bus=pci node=0\nat 1000\nrepeat 3 {\nmap dev=1 addr=0x1000 size=4096 dir=to\nunmap dev=1 addr=0x1000 size=4096 dir=to\n}\n' >"$tmp/short.scn"
"$gen" -o "$tmp/short.dmat" "$tmp/short.scn" >/dev/null 2>&1
"$top" -b --json --replay "$tmp/short.dmat" >"$tmp/short.json" 2>&1
check "600 ns recording: no rate (null), the totals still there" \
	test "$(jq -c '[.events_per_s, .devices[0].maps_per_s, .events]' "$tmp/short.json")" = "[null,null,6]"
"$top" -b --replay "$tmp/short.dmat" >"$tmp/short.txt" 2>&1
check "600 ns recording: text shows -/s" grep -q '^Events: 6 total, -/s' "$tmp/short.txt"
# ten million maps a second read as such (10.0M), not 10000k
printf 'device 1 name=d driver=x bus=pci node=0\nat 1000000\nstep 50\nrepeat 100000 {\nmap dev=1 addr=0x1000 size=64 dir=to\nunmap dev=1 addr=0x1000 size=64 dir=to\n}\n' >"$tmp/fast.scn"
"$gen" -o "$tmp/fast.dmat" "$tmp/fast.scn" >/dev/null 2>&1
"$top" -b -n 1 -d 10ms --replay "$tmp/fast.dmat" >"$tmp/fast.txt" 2>&1
check "10 M maps/s shows as 10.0M" grep -qE '^d +x +0 +10\.0M +10\.0M ' "$tmp/fast.txt"

# span NAME SCENARIO JQ WANT DESC: a batch JSON replay of SCENARIO ends
# within 10 s (exit 0), and its frames' JQ values, one line each, are WANT
span() {
	printf "$2" >"$tmp/$1.scn"
	"$gen" -o "$tmp/$1.dmat" "$tmp/$1.scn" >/dev/null 2>&1
	timeout 10 "$top" -b --json --replay "$tmp/$1.dmat" >"$tmp/$1.json" 2>&1
	local rc=$? got
	got=$(jq -r -c "$3" "$tmp/$1.json" 2>/dev/null | tr '\n' ' ')
	if [ $rc = 0 ] && [ "$got" = "$4 " ]; then
		ok "$5"
	else
		bad "$5" "rc=$rc" "$(printf '%s' "$got" | head -c 200)"
	fi
}
# a time jump of centuries: idle frames are skipped, said, and counted;
# a short pause (5 s) still shows a frame per second
span span 'device 1 name=d driver=x bus=pci node=0\nat 1000\nmap dev=1 addr=0x1000 size=64 dir=to\nat 4611686018427387904\nunmap dev=1 addr=0x1000 size=64 dir=to\n' \
	'[.skipped_frames, .devices[0].outstanding]' '[null,1] [4611686017,0]' \
	"batch replay over a 146-year gap: two frames, the idle ones skipped and counted"
timeout 10 "$top" -b --replay "$tmp/span.dmat" >"$tmp/span.txt" 2>&1
check "batch text says how many idle frames it skipped" grep -q '^(4611686017 frames with no events skipped before this one)' "$tmp/span.txt"
# times at the top of the clock (2^64 - 616 ns): the playhead stops there,
# never wraps round to the start (which replayed the recording for ever);
# jq reads numbers as doubles, so the times are checked as text
span top-clock 'device 1 name=d driver=x bus=pci node=0\nat 1000\nmap dev=1 addr=0x1000 size=64 dir=to\nat 18446744073709551000\nunmap dev=1 addr=0x1000 size=64 dir=to\n' \
	'input_line_number' '1 2' \
	"batch replay up to 2^64 ns: two frames"
check "batch replay up to 2^64 ns: the last frame at the last event's time, not wrapped" \
	test "$(grep -o '"ts":[0-9]*' "$tmp/top-clock.json" | head -n 3 | tr '\n' ' ')" = '"ts":1000001000 "ts":18446744073709551000 '
# a recording without events whose trailer ends 146 years on (the fuzzer
# found one): its end is skipped to like an event, not stepped to
span empty-span 'device 1 name=d driver=x bus=pci node=0\nend 4611686018427387904\n' \
	'[.skipped_frames, .events]' '[null,0] [4611686017,0]' \
	"batch replay of no events ending 146 years on: two frames, the idle ones skipped"
printf 'device 1 name=d driver=x bus=pci node=0\nat 100000000\nmap dev=1 addr=0x1000 size=64 dir=to\nat 5100000000\nunmap dev=1 addr=0x1000 size=64 dir=to\n' >"$tmp/pause.scn"
"$gen" -o "$tmp/pause.dmat" "$tmp/pause.scn" >/dev/null 2>&1
"$top" -b --json --replay "$tmp/pause.dmat" >"$tmp/pause.json" 2>&1
check "a 5 s pause: a frame for each second, none skipped" \
	test "$(jq -s -c '[length, (map(.skipped_frames) | unique)]' "$tmp/pause.json")" = "[5,[null]]"

# ---- batch JSON ----

"$top" -b --json -d 1 --replay "$dev" >"$tmp/frames.json" 2>"$tmp/json.err"
rc=$?
lines=$(wc -l <"$tmp/frames.json")
if [ $rc = 0 ] && [ "$lines" = 5 ] && jq -e . "$tmp/frames.json" >/dev/null 2>&1; then
	ok "json: five frames, one valid object per line"
else
	bad "json: five frames, one valid object per line" "rc=$rc lines=$lines" "$(head -c 300 "$tmp/frames.json")"
fi

# jqf FRAME FILTER: FILTER applied to frame FRAME (1-based)
jqf() {
	sed -n "${1}p" "$tmp/frames.json" | jq -c "$2" 2>/dev/null
}
dev_of() { # dev_of FRAME NAME FIELD
	jqf "$1" ".devices[] | select(.driver == \"$2\") | .$3"
}

# events per frame as the scenario writes them: 130 128 130 132 130
want="130 258 388 520 650"
got=$(for i in 1 2 3 4 5; do jqf $i .events; done | xargs)
check "json: cumulative events per frame match the scenario ($want)" test "$got" = "$want"
got=$(for i in 1 2 3 4 5; do jqf $i .events_per_s; done | xargs)
check "json: events/s per frame (130 128 130 132 130): $got" \
	test "$got" = "130 128 130 132 130"
got=$(for i in 1 2 3 4 5; do dev_of $i nvme maps_per_s; done | xargs)
check "json: nvme maps/s 10 10 11 10 10 (planted map at 2.5 s): $got" \
	test "$got" = "10 10 11 10 10"
got=$(for i in 1 2 3 4 5; do dev_of $i nvme syncs_per_s; done | xargs)
check "json: nvme syncs/s 10 each second: $got" test "$got" = "10 10 10 10 10"
got=$(for i in 1 2 3 4 5; do dev_of $i e1000e outstanding; done | xargs)
check "json: e1000e outstanding grows by 2 a second: $got" test "$got" = "2 4 6 8 10"
got=$(for i in 1 2 3 4 5; do dev_of $i e1000e outstanding_bytes; done | xargs)
check "json: e1000e outstanding bytes 3000 per second: $got" \
	test "$got" = "3000 6000 9000 12000 15000"
got=$(dev_of 3 e1000e outstanding_trend)
check "json: e1000e outstanding trend rising" test "$got" = 1
got=$(dev_of 2 e1000e to_device_bytes_per_s)
check "json: e1000e 60000 B/s to the device: $got" test "$got" = 60000
got=$(dev_of 3 nvme from_device_bytes_per_s)
check "json: nvme 45056 B/s from the device in the planted second: $got" \
	test "$got" = 45056
got="$(dev_of 1 e1000e remote_pct) $(dev_of 1 nvme remote_pct)"
check "json: remote share e1000e 100%, nvme 0%: $got" test "$got" = "100 0"
got=$(dev_of 5 ahci coherent_bytes)
check "json: ahci holds 64 KiB coherent: $got" test "$got" = 65536
got=$(for i in 1 2 3 4 5; do jqf $i '[.recent_findings[] | select(.id == "unmap-size-mismatch")] | length'; done | xargs)
check "json: unmap-size-mismatch appears in frame 3, not before: $got" \
	test "$got" = "0 0 1 1 1"
got=$(jqf 3 '.recent_findings[] | select(.id == "unmap-size-mismatch") | .device')
check "json: the finding names the nvme device" test "$got" = '"0000:10:00.0"'
got=$(for i in 1 2 3 4 5; do jqf $i '.channels[0].completions_per_s'; done | xargs)
check "json: vdmac channel 5 completions/s: $got" test "$got" = "5 5 5 5 5"
got=$(for i in 3 4; do jqf $i '.channels[0].errors'; done | xargs)
check "json: vdmac channel error counted from frame 4: $got" test "$got" = "0 1"
got=$(for i in 4 5; do jqf $i '.channels[0].pending'; done | xargs)
check "json: the unissued descriptor shows as pending in frame 5: $got" test "$got" = "0 1"
# latency per channel (submit->complete) and the budget's count
"$gen" -o "$tmp/lat.dmat" "$root/tests/cli/scenarios/latency.scn"
"$top" -b --json -n 1 --latency-budget 1ms --replay "$tmp/lat.dmat" >"$tmp/lat.json" 2>&1
got=$(jq -c '[.channels[] | [.latency_p50_ns, .latency_p99_ns, .latency_max_ns, .over_budget]]' "$tmp/lat.json" 2>/dev/null)
check "json: channel latency p50/p99/max and over budget: $got" \
	test "$got" = '[[114687,3010000,3010000,2],[40000,40000,40000,0]]'
"$top" -b -n 1 --latency-budget 1ms --replay "$tmp/lat.dmat" >"$tmp/lat.txt" 2>&1
got=$(awk '$1 == "vdmac.0" && $2 == 0 {print $12, $13, $14, $15}' "$tmp/lat.txt")
check "text: channel row's P50 P99 MAX OVER: $got" test "$got" = "115us 3.0ms 3.0ms 2"
"$top" -b -n 1 --latency-budget 2x --replay "$tmp/lat.dmat" >"$tmp/lat.err" 2>&1
check "--latency-budget 2x refused with a reason" \
	grep -q "latency-budget: '2x' is not a duration" "$tmp/lat.err"
# --cma-budget: the slow CMA allocations (cma.scn: vdmac.0's 4 and 6 ms,
# the GPU's) are cma-alloc-slow, one per device; none without the budget
"$gen" -o "$tmp/cma.dmat" "$root/tests/cli/scenarios/cma.scn"
got=$("$top" -b --json -n 1 --cma-budget 3ms --replay "$tmp/cma.dmat" 2>&1 |
	jq -c '[.recent_findings[] | "\(.id) \(.device)"] | sort' 2>&1)
check "json: --cma-budget 3ms: $got" \
	test "$got" = '["cma-alloc-failed vdmac.0","cma-alloc-slow 0000:00:02.0","cma-alloc-slow vdmac.0"]'
got=$("$top" -b --json -n 1 --replay "$tmp/cma.dmat" 2>&1 |
	jq -c '[.recent_findings[] | .id] | sort' 2>&1)
check "json: no --cma-budget, no cma-alloc-slow: $got" test "$got" = '["cma-alloc-failed"]'
"$top" -b -n 1 --cma-budget 3x --replay "$tmp/cma.dmat" >"$tmp/cma.err" 2>&1
check "--cma-budget 3x refused with a reason" \
	grep -q "cma-budget: '3x' is not a duration" "$tmp/cma.err"
got=$(jqf 1 '[.devices[].device] | join(",")')
check "json: default sort maps/s: $got" \
	test "$got" = '"0000:11:00.0,0000:10:00.0,0000:00:1f.2,vdmac.0"'
"$top" -b --json -n 1 -o device -f 0000 --replay "$dev" >"$tmp/f.json" 2>&1
got=$(jq -c '[.devices[].driver] | join(",")' "$tmp/f.json" 2>/dev/null)
check "json: --sort device --filter 0000: $got" test "$got" = '"ahci,nvme,e1000e"'
got=$(jqf 1 .lost)
check "json: no lost events" test "$got" = 0

got=$("$top" -b --json -d 1 --replay "$tmp/lossy.dmat" 2>/dev/null | jq -c '[.lost, .events]')
check "json: lost events counted (7 lost, 3 events): $got" test "$got" = "[7,3]"
"$top" -b -d 1 --replay "$tmp/lossy.dmat" >"$tmp/lossy.txt" 2>&1
check "batch text shows the loss" grep -q '   Lost: 7   ' "$tmp/lossy.txt"

# the same engine as dmatrace replay: the same findings at the end
same_findings() { # same_findings RECORDING
	local a b
	a=$("$build/dmatrace" replay --json "$1" 2>/dev/null |
		jq -c '[.findings[] | "\(.id) \(.device) \(.addr) \(.size)"] | sort')
	b=$("$top" -b --json -d 1000 --replay "$1" 2>/dev/null | tail -n 1 |
		jq -c '[.recent_findings[] | "\(.id) \(.device) \(.addr) \(.size)"] | sort')
	[ -n "$a" ] && [ "$a" != "[]" ] && [ "$a" = "$b" ] && return 0
	echo "dmatrace: $a" >&2
	echo "dmatop:   $b" >&2
	return 1
}
if [ -x "$build/dmatrace" ]; then
	check "json: the findings equal dmatrace replay's (scenario)" same_findings "$dev"
	"$gen" -o "$tmp/synth.dmat" --synthetic 200000 --seed 7 >/dev/null 2>&1
	check "json: the findings equal dmatrace replay's (synthetic)" same_findings "$tmp/synth.dmat"
else
	echo "skipping the dmatrace comparison: $build/dmatrace not built"
	skipped=$((skipped + 1))
fi

# ---- the screen, in tmux ----

if ! command -v tmux >/dev/null; then
	echo "skipping the screen tests: tmux is not installed"
	skipped=$((skipped + 1))
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
	exit
fi

T() { tmux -L "$sock" -f /dev/null "$@"; }
cap() { T capture-pane -p -t "$sess" 2>/dev/null; }
keys() { T send-keys -t "$sess" "$@"; }

# wait_for PATTERN [SECONDS]: until the screen shows PATTERN (grep -E)
wait_for() {
	local i n=$((${2:-5} * 10))
	for ((i = 0; i < n; i++)); do
		cap | grep -qE -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# wait_gone PATTERN [SECONDS]: until PATTERN is off the screen
wait_gone() {
	local i n=$((${2:-5} * 10))
	for ((i = 0; i < n; i++)); do
		cap | grep -qE -- "$1" || return 0
		sleep 0.1
	done
	return 1
}

# line_of PATTERN: first screen line number showing PATTERN
line_of() { cap | grep -nE -- "$1" | head -n 1 | cut -d: -f1; }

alt_on() { T display -p -t "$sess" '#{alternate_on}' 2>/dev/null; }

# start_top ARGS: dmatop in a fresh 120x40 terminal, from a shell that
# prints its exit status afterwards
nsess=0
start_top() {
	# a server of its own per run: nothing carries over between runs
	T kill-server 2>/dev/null
	nsess=$((nsess + 1))
	sock=dmatop-tui-$$-$nsess
	sess=t
	T new-session -d -s "$sess" -x 120 -y 40 \
		"env -i PATH=/usr/bin:/bin TERM=tmux-256color LANG=C.UTF-8 HOME=$tmp HISTFILE=/dev/null bash --norc --noprofile"
	T set -g window-size manual 2>/dev/null
	keys "PS1='$ '; clear" Enter
	keys "$top $*; echo EXIT=\$?" Enter
	wait_for '^dmatop - ' 10
}

# start_top_cmd "CMD" ARGS: the same with a command line of one's own
start_top_cmd() {
	local top=$1
	shift
	start_top "$@"
}

top_pid() {
	local sh
	sh=$(T display -p -t "$sess" '#{pane_pid}')
	[ -n "$sh" ] && pgrep -P "$sh" -x dmatop | head -n 1
}

# header time in seconds as printed ("t=12.345s")
header_t() { cap | sed -nE '1s/.* t=([0-9]+\.[0-9]+)s.*/\1/p'; }

if start_top --replay "$dev" --speed 1000 -d 0.2; then
	ok "screen: dmatop starts in tmux"
else
	bad "screen: dmatop starts in tmux" "$(cap | head -n 5)"
fi
check "screen: alternate screen in use while running" test "$(alt_on)" = 1
check "screen: replay reaches the end of the recording" wait_for 'end of recording'
cap >"$tmp/screen-end.txt"
if T capture-pane -e -p -t "$sess" | sed -n 2p | grep -q $'\e\\[[0-9;]*mLost: 0'; then
	bad "screen: no highlight on Lost: 0"
else
	ok "screen: no highlight on Lost: 0"
fi
# the last frame's rates: the whole five seconds, the first frame being at 0
check "screen: e1000e 40 maps/s and 38 unmaps/s over the recording" \
	grep -qE '^0000:11:00.0 +e1000e +0 +40.0 +38.0 ' "$tmp/screen-end.txt"
check "screen: nvme 10.2 maps/s over the recording (51 in 5 s)" \
	grep -qE '^0000:10:00.0 +nvme +1 +10.2 +10.2 +10.0 ' "$tmp/screen-end.txt"
for d in 'nvme' 'e1000e' 'vdmac' 'ahci'; do
	check "screen: device row for $d" grep -qE "^[^ ]+ +$d " "$tmp/screen-end.txt"
done
header_ok() {
	grep -q '^Kernel: 6.1.0-test on testbox   Hooks: fexit:dma_map_page_attrs' "$1" &&
		grep -q 'Lost: 0' "$1"
}
check "screen: header shows kernel, lost count, hooks" header_ok "$tmp/screen-end.txt"
check "screen: findings pane shows the planted finding" \
	grep -q 'unmap-size-mismatch' "$tmp/screen-end.txt"
a=$(line_of '^0000:11:00.0 +e1000e') b=$(line_of '^0000:10:00.0 +nvme')
check "screen: sorted by maps/s, e1000e above nvme ($a < $b)" test "${a:-99}" -lt "${b:-0}"

keys N
wait_for 'sort: DEVICE'
a=$(line_of '^0000:11:00.0 +e1000e') b=$(line_of '^0000:10:00.0 +nvme')
check "screen: N sorts by device name, nvme now above e1000e ($b < $a)" \
	test "${b:-99}" -lt "${a:-0}"
keys '>'
check "screen: > moves the sort to the next column" wait_for 'sort: DRIVER'
keys I
wait_for 'sort: DRIVER \(inverted\)'
a=$(line_of '^vdmac.0 ') b=$(line_of '^0000:00:1f.2 +ahci')
check "screen: I inverts the order, vdmac above ahci ($a < $b)" \
	test "${a:-99}" -lt "${b:-0}"

keys /
wait_for 'Filter by device or driver'
keys nvme Enter
wait_for 'filter: nvme'
if wait_gone 'e1000e' && cap | grep -qE '^0000:10:00.0 +nvme'; then
	ok "screen: / filter hides other devices, keeps nvme"
else
	bad "screen: / filter hides other devices, keeps nvme" "$(cap | head -n 12)"
fi

keys 2
check "screen: 2 switches to the findings view" wait_for 'Enter/s Stack'
check "screen: findings view lists the planted finding" \
	wait_for 'unmap-size-mismatch +0000:10:00.0'
keys Enter
if wait_for 'Finding details and stacks' &&
	cap | grep -q 'nvme_map_data+0x1c/0x80 \[nvme\]'; then
	ok "screen: Enter shows the finding's stack"
else
	bad "screen: Enter shows the finding's stack" "$(cap | head -n 15)"
fi
keys x
check "screen: a key leaves the stack screen" wait_gone 'Finding details'

keys f C-u Enter
check "screen: an empty filter shows every device again" wait_gone 'filter: nvme'
keys 3
check "screen: 3 switches to the dmaengine view" wait_for 'INFLIGHT +SUBMITTED'
check "screen: dmaengine view lists the vdmac channel" \
	wait_for '^vdmac.0 +0 0000:10:00.0 +held +1 '
check "screen: dmaengine view lists the descriptor never issued" \
	wait_for '0x4d +512 .* no: issue_pending not called yet'
keys Tab
check "screen: Tab cycles back to the devices view" wait_for 'MAPS/s +UNMAP/s'
# sorted by driver, inverted: vdmac.0 is the first row
keys Home Enter
if wait_for 'filter: vdmac.0' && wait_for 'xfer-error +vdmac.0' &&
	wait_gone 'unmap-size-mismatch'; then
	ok "screen: Enter on a device shows its findings only"
else
	bad "screen: Enter on a device shows its findings only" "$(cap | head -n 12)"
fi
keys f C-u Enter 1
wait_gone 'filter: vdmac.0'
# newest first: desc-never-issued (5.0 s), then xfer-error (3.1 s)
keys 2 Home Down Enter
check "screen: Down then Enter opens the second newest finding" \
	wait_for '^xfer-error \(error\) at t=3.100s'
keys x 1

keys h
check "screen: h shows help with the key table" wait_for 'dmatop help'
check "screen: help lists sort keys" wait_for 'sort by maps/s'
keys Space
check "screen: a key closes help" wait_gone 'dmatop help'

before=$(cap | grep -o 'Delay([^)]*)' | head -n 1)
keys d
wait_for 'Change delay'
keys nan Enter
check "screen: d refuses nan" wait_for 'delay must be a delay from 0.01 to 3600'
keys d
before=${before#Delay(}
check "screen: the delay stays as it was (${before%s)})" \
	wait_for "Change delay from ${before%s)} to"
keys 0.5 Enter
check "screen: d changes the refresh interval" wait_for 'Delay\(0.5s\)'

T resize-window -t "$sess" -x 80 -y 24
sleep 0.5
cap >"$tmp/small.txt"
n=$(wc -l <"$tmp/small.txt")
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$tmp/small.txt")
if [ "$n" = 24 ] && [ "$w" -le 80 ] && tail -n 1 "$tmp/small.txt" | grep -q '^F1/h Help' &&
	grep -qE '^0000:10:00.0 +nvme' "$tmp/small.txt"; then
	ok "screen: resize to 80x24 re-lays out (status on the last line)"
else
	bad "screen: resize to 80x24 re-lays out" "lines=$n width=$w" "$(tail -n 2 "$tmp/small.txt")"
fi
T resize-window -t "$sess" -x 150 -y 45
sleep 0.5
cap >"$tmp/big.txt"
if [ "$(wc -l <"$tmp/big.txt")" = 45 ] && tail -n 1 "$tmp/big.txt" | grep -q '^F1/h Help'; then
	ok "screen: resize to 150x45 re-lays out"
else
	bad "screen: resize to 150x45 re-lays out" "$(tail -n 2 "$tmp/big.txt")"
fi
T resize-window -t "$sess" -x 120 -y 40
sleep 0.3

keys q
if wait_for '^EXIT=0' && [ "$(alt_on)" = 0 ]; then
	ok "screen: q quits with status 0 and restores the terminal"
else
	bad "screen: q quits with status 0 and restores the terminal" "$(cap | tail -n 3)"
fi

# pause and seek on a minute-long recording at recorded speed
start_top --replay "$tmp/long.dmat" -d 0.2
sleep 0.5
keys p
wait_for '\[paused\]'
t1=$(header_t)
sleep 1.2
t2=$(header_t)
check "screen: p pauses the replay clock ($t1 = $t2)" test -n "$t1" -a "$t1" = "$t2"
keys ']'
sleep 0.5
t3=$(header_t)
check "screen: ] seeks 10 s forward ($t1 -> $t3)" \
	awk -v a="$t1" -v b="$t3" 'BEGIN { exit !(b - a > 9.999 && b - a < 10.001) }'
keys '[' '['
wait_for 't=0\.000s'
check "screen: [ seeks back to the start (re-read)" test "$(header_t)" = 0.000
keys ']' ']' ']'
wait_for 't=30\.000s'
check "screen: three ] land at 30 s" test "$(header_t)" = 30.000
sleep 0.5
n=$(cap | grep -E '^0000:10:00.0 +nvme' | head -n 1)
check "screen: after seeking, nvme has seen its maps" test -n "$n"
keys +
check "screen: + doubles the replay speed" wait_for 'speed 2x'
keys p
sleep 1
t4=$(header_t)
check "screen: p resumes the replay ($t4 > 30)" \
	awk -v a="$t4" 'BEGIN { exit !(a > 30.5) }'
keys C-c
if wait_for '^EXIT=0' && [ "$(alt_on)" = 0 ]; then
	ok "screen: Ctrl-C ends dmatop and restores the terminal"
else
	bad "screen: Ctrl-C ends dmatop and restores the terminal" "$(cap | tail -n 3)"
fi

# live screen without privileges: up at once, then the error after endwin
if [ -n "${nobody:-}" ]; then
	start_top_cmd "$nobody $top" -d 0.5
	if wait_for '^EXIT=2' 30 && cap | grep -q '^dmatop: cannot trace this kernel' &&
		[ "$(alt_on)" = 0 ]; then
		ok "live screen without privileges: terminal restored, exit 2, says why"
	else
		bad "live screen without privileges: terminal restored, exit 2, says why" "$(cap | tail -n 4)"
	fi
fi

# more devices than rows: End, Home, PgDn move and scroll; F-keys work
start_top --replay "$tmp/many.dmat" --speed 100 -o device
wait_for 'end of recording'
check "screen: many devices, by name (dev-01 on top)" wait_for '^dev-01 '
keys End
if wait_for '^dev-60 ' && wait_gone '^dev-01 '; then
	ok "screen: End scrolls to the last device"
else
	bad "screen: End scrolls to the last device" "$(cap | sed -n 7,12p)"
fi
keys Home
check "screen: Home scrolls back to the first" wait_for '^dev-01 '
keys NPage
check "screen: PgDn scrolls a page" wait_gone '^dev-01 '
keys F6
check "screen: F6 moves the sort column" wait_for 'sort: DRIVER'
keys F1
check "screen: F1 shows help" wait_for 'dmatop help'
keys x F10
if wait_for '^EXIT=0' && [ "$(alt_on)" = 0 ]; then
	ok "screen: F10 quits"
else
	bad "screen: F10 quits" "$(cap | tail -n 3)"
fi

# crafted names on the screen: the title is never set, the rows stay in line
start_top --replay "$tmp/hostile.dmat" --speed 100
wait_for 'end of recording'
# the column where MAPS/s ends, in the header and in both rows
ends=$(cap | awk '/^DEVICE /{print index($0, "MAPS/s") + 5} /(d\\x9brv|^plain ).* 10\.0 /{print index($0, "10.0") + 3}' | sort -u | wc -l)
if [ "$(T display-message -p -t "$sess" '#{pane_title}')" != title ] &&
	! T capture-pane -p -t "$sess" | LC_ALL=C grep -q $'[\e\x9b\a]' &&
	cap | grep -qF 'd\x9brv' && [ "$ends" = 1 ]; then
	ok "screen: crafted names are escaped and keep their columns"
else
	bad "screen: crafted names are escaped and keep their columns" "$(cap | sed -n 7,10p | cat -v)"
fi
keys q
wait_for '^EXIT=0'

# lost events stand out on the screen (an SGR right before them)
esc=$'\e'
start_top --replay "$tmp/lossy.dmat" --speed 100
wait_for 'end of recording'
if T capture-pane -e -p -t "$sess" | grep -q "${esc}\[[0-9;]*mLost: 7"; then
	ok "screen: lost events are highlighted"
else
	bad "screen: lost events are highlighted" "$(T capture-pane -e -p -t "$sess" | sed -n 2p | cat -v)"
fi
keys q
wait_for '^EXIT=0'

# a crash restores the terminal before dying
start_top --replay "$dev" --speed 1000
pid=$(top_pid)
if [ -n "$pid" ]; then
	kill -SEGV "$pid"
	if wait_for '^EXIT=139' && [ "$(alt_on)" = 0 ]; then
		ok "screen: SIGSEGV restores the terminal, then dies of the signal"
	else
		bad "screen: SIGSEGV restores the terminal" "$(cap | tail -n 3)"
	fi
else
	bad "screen: SIGSEGV restores the terminal" "no dmatop process found"
fi
start_top --replay "$dev" --speed 1000
pid=$(top_pid)
[ -n "$pid" ] && kill -TERM "$pid"
if wait_for '^EXIT=0' && [ "$(alt_on)" = 0 ]; then
	ok "screen: SIGTERM ends dmatop cleanly"
else
	bad "screen: SIGTERM ends dmatop cleanly" "$(cap | tail -n 3)"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
