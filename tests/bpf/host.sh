#!/bin/bash
# host.sh DMATRACE - tier bpf-host: the BPF object loads and attaches on
# the running kernel (the host's tp_btf path), `dmatrace record` makes a
# valid recording (empty: the host's dma:* tracepoints see no traffic),
# record and check stop on CMD's exit and on SIGTERM, and errors say what
# to do.  The tracefs source (--source ftrace) reads this kernel's dma:*
# formats and leaves nothing in tracefs, even after a SIGKILL.  Skips, saying why, where BPF is not permitted.
set -u
dt=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok - $*"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $*"; fail=$((fail + 1)); }
skip_tier() {
	echo "SKIP: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ -x "$dt" ] || { echo "not ok - $dt not built"; echo "0 passed, 1 failed"; exit 1; }
[ "$(id -u)" = 0 ] || skip_tier "not root: loading BPF needs root (or CAP_BPF and CAP_PERFMON)"
[ -r /sys/kernel/btf/vmlinux ] || skip_tier "the kernel has no BTF (/sys/kernel/btf/vmlinux)"

# --- load, attach, record
"$dt" record -v -o "$tmp/a.dmat" --duration 1 2>"$tmp/a.err"
rc=$?
if [ "$rc" = 2 ] && grep -qiE 'permission|locked down|memlock' "$tmp/a.err"; then
	skip_tier "BPF not permitted here: $(grep -m1 'dmatrace record:' "$tmp/a.err")"
fi
if [ "$rc" = 0 ]; then
	ok "dmatrace record loads and attaches (exit 0)"
else
	not_ok "dmatrace record exit $rc: $(tail -n 3 "$tmp/a.err")"
fi
if command -v bpftool >/dev/null &&
	bpftool btf dump file /sys/kernel/btf/vmlinux 2>/dev/null | grep -q "'btf_trace_dma_map_phys'"; then
	if grep -qE 'hook map +tp_btf +dma_map_phys' "$tmp/a.err"; then
		ok "the kernel's dma:* tracepoints are used (tp_btf dma_map_phys)"
	else
		not_ok "dma_map_phys is in BTF but was not chosen: $(grep 'hook map ' "$tmp/a.err")"
	fi
fi
n=$(grep -cE '^dmatrace: hook [a-z_]+ +(tp_btf|fentry|kprobe|raw_tp) ' "$tmp/a.err")
if [ "$n" -gt 0 ]; then
	ok "-v lists $n attached hooks with the reason for each"
else
	not_ok "-v lists no attached hook"
fi
if grep -qE '^dmatrace: hook [a-z_]+ +off .*\(.+\)' "$tmp/a.err"; then
	ok "-v says why a hook is off"
else
	not_ok "-v gives no reason for hooks that are off"
fi
grep -q 'dmatrace record: hooks: ' "$tmp/a.err" && ok "record prints a summary with the hooks" ||
	not_ok "record prints no summary"
# -v: each family of the DMA API watched, or not and why
for fam in streaming scatter-gather sync resource coherent pages pool IOVA \
	dma_need_unmap 'device coherent areas'; do
	l=$(grep -m 1 "^dmatrace: DMA API $fam  " "$tmp/a.err")
	case $l in
	*" watched" | *"watched ("*"): "?* | *"not watched: "?* | *"covered by "* | *"not needed: "*)
		ok "-v: DMA API $fam: ${l#*"$fam"}" ;;
	*) not_ok "-v says nothing clear on the DMA API's $fam family: '$l'" ;;
	esac
done
# The IOVA API (6.16+) has no tracepoints: watched through its functions,
# or not watched with the reason (fentry refused, no kprobes, not in BTF)
l=$(grep -m 1 '^dmatrace: hook iova_link ' "$tmp/a.err")
fam=$(echo "$l" | awk '{ print $4 " " $5 }')
if grep -qw dma_iova_link /proc/kallsyms; then
	case $fam:$l in
	"fentry dma_iova_link:"* | "kprobe dma_iova_link:"*) ok "IOVA API hooked: $fam" ;;
	"off "*:*"fentry not allowed"*"no kprobes"*) ok "IOVA API in this kernel, off with the reason: ${l#*off }" ;;
	*) not_ok "IOVA API in this kernel: '$l'" ;;
	esac
else
	case $fam:$l in
	"off "*:*"not in"*) ok "no IOVA API in this kernel, said so: ${l#*off }" ;;
	*) not_ok "no IOVA API in this kernel: '$l'" ;;
	esac
fi
# dma_map_resource: covered by dma:dma_map_phys only where that tracepoint
# exists (6.18+ maps resources through it); 6.12 to 6.17 have their own
l=$(grep -m 1 '^dmatrace: hook map_resource ' "$tmp/a.err")
if grep -qE 'hook map +tp_btf +dma_map_phys' "$tmp/a.err"; then
	case $l in
	*" off "*"covered by the dma:dma_map_phys tracepoint"*) ok "map_resource: covered by dma:dma_map_phys" ;;
	*) not_ok "map_resource with dma_map_phys: '$l'" ;;
	esac
elif grep -qE 'hook map +tp_btf +dma_map_page' "$tmp/a.err"; then
	case $l in
	*" tp_btf "*dma_map_resource*) ok "map_resource: its own tracepoint (6.12 to 6.17)" ;;
	*) not_ok "map_resource on 6.12 to 6.17 not hooked: '$l'" ;;
	esac
fi

"$dt" replay --json "$tmp/a.dmat" >"$tmp/a.json" 2>"$tmp/a.rerr"
rc=$?
if [ "$rc" = 0 ]; then
	ok "the recording replays (exit 0)"
else
	not_ok "replay of the recording exit $rc: $(head -n 2 "$tmp/a.rerr")"
fi
if grep -qi truncated "$tmp/a.rerr"; then
	not_ok "the recording has no trailer"
else
	ok "the recording is complete (trailer written)"
fi
if command -v jq >/dev/null && [ -s "$tmp/a.json" ]; then
	h=$(jq -r '.input.hooks // .session.hooks // .hooks // empty' "$tmp/a.json" 2>/dev/null | head -n 1)
	[ -z "$h" ] && h=$(jq -r '.. | objects | select(has("hooks")) | .hooks' "$tmp/a.json" | head -n 1)
	case $h in
	*tp_btf:* | *fentry:* | *fexit:* | *kprobe:*) ok "the recording names the hooks: ${h:0:60}..." ;;
	*) not_ok "the recording names no DMA hook: '$h'" ;;
	esac
	case $h in
	*...*) not_ok "the recording's hook list is cut: ...${h: -40}" ;;
	*) [ "dmatrace record: hooks: $h" = "$(grep '^dmatrace record: hooks: ' "$tmp/a.err")" ] &&
		ok "the recording holds the whole hook list ($(echo "$h" | wc -c) bytes), as record printed it" ||
		not_ok "the recording's hook list differs from record's summary" ;;
	esac
	k=$(jq -r '.. | objects | select(has("kernel")) | .kernel' "$tmp/a.json" | head -n 1)
	[ "$k" = "$(uname -r)" ] && ok "the recording carries the kernel release" ||
		not_ok "kernel release in the recording is '$k'"
fi

# --- record and check stop with CMD
"$dt" record -o "$tmp/b.dmat" -- sh -c 'exit 3' 2>"$tmp/b.err"
rc=$?
[ "$rc" = 0 ] && grep -q 'sh exited with status 3' "$tmp/b.err" &&
	ok "record -- CMD stops when CMD exits and reports its status" ||
	not_ok "record -- CMD: exit $rc, $(tail -n 1 "$tmp/b.err")"
"$dt" replay "$tmp/b.dmat" >/dev/null 2>&1 && ok "the CMD recording replays" ||
	not_ok "the CMD recording does not replay"

start=$(date +%s%N)
"$dt" check -- true >"$tmp/c.out" 2>"$tmp/c.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 0 ] && ok "check -- true: exit 0, no findings (${ms} ms)" ||
	not_ok "check -- true: exit $rc: $(tail -n 2 "$tmp/c.err")"
"$dt" check -- false >/dev/null 2>"$tmp/d.err"
rc=$?
[ "$rc" = 0 ] && grep -q 'exited with status 1' "$tmp/d.err" &&
	ok "check -- false: CMD's failure is reported, not a finding (exit 0)" ||
	not_ok "check -- false: exit $rc"
"$dt" check -- /nonexistent/cmd >/dev/null 2>"$tmp/e.err"
rc=$?
[ "$rc" = 2 ] && grep -q 'cannot run' "$tmp/e.err" &&
	ok "check -- missing command: exit 2, '$(head -n 1 "$tmp/e.err")'" ||
	not_ok "check -- missing command: exit $rc: $(cat "$tmp/e.err")"
"$dt" check --format json -- true >"$tmp/f.json" 2>/dev/null
if command -v jq >/dev/null; then
	jq -e '.findings | length == 0' "$tmp/f.json" >/dev/null &&
		ok "check --format json: a JSON report with no findings" ||
		not_ok "check --format json: not a JSON report"
fi

"$dt" check --format json -- sh -c 'exit 3' >"$tmp/f3.json" 2>/dev/null
"$dt" check --format json -- sh -c 'kill -9 $$' >"$tmp/f9.json" 2>/dev/null
"$dt" check -- sh -c 'exit 3' >"$tmp/f3.txt" 2>/dev/null
if command -v jq >/dev/null; then
	expect_cmd() {
		[ "$(jq -c "$2" "$3" 2>/dev/null)" = "$4" ] && ok "$1" || not_ok "$1: $(jq -c "$2" "$3" 2>&1 | head -c 200)"
	}
	expect_cmd "check --format json: CMD's exit status" '.command | [.argv, .exit_status, .signal]' "$tmp/f3.json" \
		'[["sh","-c","exit 3"],3,null]'
	expect_cmd "check --format json: the signal that killed CMD" '.command | [.exit_status, .signal, .signal_name]' \
		"$tmp/f9.json" '[null,9,"SIGKILL"]'
fi
grep -q '^  command   sh exited with status 3' "$tmp/f3.txt" && ok "check text report: CMD's exit status in the header" ||
	not_ok "check text report: no command line in the header"

"$dt" check --dmesg -- true >"$tmp/k.out" 2>/dev/null
rc=$?
[ "$rc" = 0 ] && grep -q 'CONFIG_DMA_API_DEBUG' "$tmp/k.out" &&
	ok "check --dmesg: says what dma-debug reported, or why it could not compare" ||
	not_ok "check --dmesg: exit $rc, $(tail -n 1 "$tmp/k.out")"

# --- SIGTERM finalizes the recording
"$dt" record -o "$tmp/g.dmat" 2>"$tmp/g.err" &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
rc=$?
"$dt" replay "$tmp/g.dmat" >/dev/null 2>"$tmp/g.rerr"
rrc=$?
[ "$rc" = 0 ] && [ "$rrc" = 0 ] && ! grep -qi truncated "$tmp/g.rerr" &&
	ok "SIGTERM: record exits 0 with a complete recording" ||
	not_ok "SIGTERM: record exit $rc, replay exit $rrc $(head -n 1 "$tmp/g.rerr")"

# --- signals reach CMD, and CMD does not outlive dmatrace
# gone PID: the process has ended (a zombie nobody reaps counts as ended)
gone() { ! [ -e "/proc/$1" ] || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# wait_file FILE: until FILE has content (5 s at most)
wait_file() { for _ in $(seq 50); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }
for cmd in record check; do
	for sig in INT TERM; do
		rm -f "$tmp/cmd.pid"
		if [ $cmd = record ]; then
			"$dt" record -o "$tmp/s.dmat" -- sh -c "echo \$\$ > $tmp/cmd.pid; exec sleep 60" \
				>/dev/null 2>"$tmp/s.err" &
		else
			"$dt" check -- sh -c "echo \$\$ > $tmp/cmd.pid; exec sleep 60" >/dev/null 2>"$tmp/s.err" &
		fi
		pid=$!
		wait_file "$tmp/cmd.pid"
		start=$(date +%s)
		kill -$sig $pid # dmatrace alone, not its process group
		wait $pid
		rc=$?
		secs=$(($(date +%s) - start))
		if [ "$secs" -le 5 ] && grep -q "sh killed by signal" "$tmp/s.err" && { [ $cmd = check ] || [ $rc = 0 ]; }; then
			ok "$cmd -- CMD: SIG$sig to dmatrace reaches CMD, the session ends at once (${secs}s, exit $rc)"
		else
			not_ok "$cmd -- CMD: SIG$sig to dmatrace: ${secs}s, exit $rc: $(tail -n 1 "$tmp/s.err")"
		fi
	done
done
"$dt" replay "$tmp/s.dmat" >/dev/null 2>"$tmp/s.rerr" && ! grep -qi truncated "$tmp/s.rerr" &&
	ok "record stopped by a signal to it: a complete recording" || not_ok "record stopped by a signal: $(head -n 1 "$tmp/s.rerr")"
# the whole process group of CMD gets it: a background child of CMD too
rm -f "$tmp/bg.pid"
"$dt" record -o "$tmp/s.dmat" -- sh -c "sleep 60 & echo \$! > $tmp/bg.pid; wait" >/dev/null 2>&1 &
pid=$!
wait_file "$tmp/bg.pid"
kill -TERM $pid
wait $pid
sleep 0.3
bg=$(cat "$tmp/bg.pid")
gone "$bg" && ok "SIGTERM to record reaches CMD's children (its process group)" ||
	{ not_ok "CMD's child $bg survived SIGTERM to record"; kill "$bg" 2>/dev/null; }
rm -f "$tmp/cmd.pid"
"$dt" record -o "$tmp/k.dmat" -- sh -c "echo \$\$ > $tmp/cmd.pid; exec sleep 60" >/dev/null 2>&1 &
pid=$!
wait_file "$tmp/cmd.pid"
kill -KILL $pid
wait $pid 2>/dev/null
c=$(cat "$tmp/cmd.pid")
for _ in $(seq 20); do gone "$c" && break; sleep 0.1; done
gone "$c" && ok "SIGKILL of dmatrace: CMD dies with it" ||
	{ not_ok "SIGKILL of dmatrace: CMD $c runs on as an orphan"; kill "$c" 2>/dev/null; }

# a stop that comes while tracing is still starting reaches CMD once it runs
# (before its exec the child still had our handler and took the signal)
"$dt" record -o "$tmp/early.dmat" -- sleep 30 >/dev/null 2>"$tmp/early.err" &
pid=$!
sleep 0.1
kill -INT $pid
wait $pid
grep -q 'sleep killed by signal 2' "$tmp/early.err" &&
	ok "SIGINT during start-up: CMD gets it and the session ends" ||
	not_ok "SIGINT during start-up: $(tail -n 2 "$tmp/early.err" | xargs)"

# in a real terminal: an interactive CMD reads it, Ctrl-C reaches CMD and
# ends the session, and the shell has its terminal back afterwards
if command -v tmux >/dev/null; then
	tm() { tmux -L "dmascope-host-$$" -f /dev/null "$@"; }
	tm new-session -d -s s -x 160 -y 20 "env -i PATH=/usr/bin:/bin bash --norc"
	sleep 0.5
	tm send-keys -t s "$dt record -o $tmp/tty.dmat -- sh -c 'read a; echo got \$a' 2>/dev/null; echo EXIT=\$?" Enter
	sleep 2
	tm send-keys -t s "hello" Enter
	sleep 2
	tm send-keys -t s "$dt record -o $tmp/tty2.dmat -- sleep 60 2>/dev/null; echo EXIT2=\$?" Enter
	sleep 2
	tm send-keys -t s C-c
	sleep 2
	tm send-keys -t s "echo shell-has-the-terminal" Enter
	sleep 1
	tm capture-pane -p -t s >"$tmp/tty.txt"
	tm kill-server
	grep -q '^got hello' "$tmp/tty.txt" && grep -q '^EXIT=0' "$tmp/tty.txt" &&
		ok "terminal: an interactive CMD reads the terminal under record" ||
		not_ok "terminal: interactive CMD: $(grep -v '^$' "$tmp/tty.txt" | head -n 4 | xargs)"
	grep -q '^^CEXIT2=0' "$tmp/tty.txt" && grep -q '^shell-has-the-terminal' "$tmp/tty.txt" &&
		"$dt" replay "$tmp/tty2.dmat" >/dev/null 2>&1 &&
		ok "terminal: Ctrl-C ends CMD and the session, the recording is whole, the shell gets its terminal back" ||
		not_ok "terminal: Ctrl-C: $(grep -v '^$' "$tmp/tty.txt" | tail -n 3 | xargs)"
fi

# --- the recording appears whole or not at all
"$dt" record -o "$tmp/nx.dmat" -- /nonexistent/cmd >/dev/null 2>"$tmp/nx.err"
rc=$?
[ "$rc" = 2 ] && ! ls "$tmp" | grep -q '^nx\.dmat' && grep -q 'cannot run' "$tmp/nx.err" &&
	ok "record -- missing command: exit 2 and no recording" ||
	not_ok "record -- missing command: exit $rc, files: $(ls "$tmp" | grep '^nx' | xargs)"
"$dt" check -w "$tmp/nxc.dmat" -- /nonexistent/cmd >/dev/null 2>&1
rc=$?
[ "$rc" = 2 ] && ! ls "$tmp" | grep -q '^nxc\.dmat' && ok "check -w -- missing command: exit 2 and no recording" ||
	not_ok "check -w -- missing command: exit $rc, files: $(ls "$tmp" | grep '^nxc' | xargs)"
"$dt" record -o /dev/full --duration 0.5 >/dev/null 2>"$tmp/full.err"
rc=$?
[ "$rc" = 2 ] && grep -q 'writing /dev/full failed: .*No space left on device' "$tmp/full.err" &&
	ok "record -o /dev/full: exit 2 with the reason" ||
	not_ok "record -o /dev/full: exit $rc: $(head -n 1 "$tmp/full.err")"
# the disk fills while recording: record stops by itself, says why, leaves nothing
start=$(date +%s)
# (stderr through a pipe: the size limit would stop a file there too)
(
	ulimit -f 0
	trap '' XFSZ
	exec timeout 30 "$dt" record -o "$tmp/nf.dmat"
) 2>&1 >/dev/null | cat >"$tmp/nf.err"
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - start))
[ "$rc" = 2 ] && [ "$secs" -lt 10 ] && grep -q 'writing .*nf.dmat failed: .*File too large' "$tmp/nf.err" &&
	! ls "$tmp" | grep -q '^nf\.dmat' && ok "record on a full disk: stops by itself (${secs}s), exit 2 with the reason, no file" ||
	not_ok "record on a full disk: exit $rc after ${secs}s: $(head -n 1 "$tmp/nf.err"), files: $(ls "$tmp" | grep '^nf' | xargs)"
# two recorders given the same -o: one recording wins, the other says so
"$dt" record -o "$tmp/same.dmat" --duration 2 >/dev/null 2>"$tmp/same1.err" &
p1=$!
"$dt" record -o "$tmp/same.dmat" --duration 1 >/dev/null 2>"$tmp/same2.err" &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
part=$(ls "$tmp" | grep '^same\.dmat\..*\.part$')
if [ "$r2:$r1" = 0:2 ] && grep -q 'written by another process meanwhile' "$tmp/same1.err" &&
	[ -n "$part" ] && "$dt" replay "$tmp/$part" >/dev/null 2>&1 && "$dt" replay "$tmp/same.dmat" >/dev/null 2>&1; then
	ok "two recorders, one -o: the first to finish wins, the other exits 2 and keeps its recording as $part"
else
	not_ok "two recorders, one -o: exits $r1 and $r2, kept '$part': $(tail -n 1 "$tmp/same1.err")"
fi

# --- in-kernel filters and options
"$dt" record -o "$tmp/h.dmat" --duration 0.5 --device nosuch --driver nosuch --pid 1 \
	--ringbuf-kb 64 --no-stacks 2>"$tmp/h.err"
[ $? = 0 ] && ok "filters and ring/stack options load" ||
	not_ok "filters: $(tail -n 2 "$tmp/h.err")"
"$dt" record -o "$tmp/i.dmat" --ringbuf-kb zero 2>"$tmp/i.err"
[ $? = 2 ] && ok "a bad option value: exit 2 ($(head -n 1 "$tmp/i.err"))" ||
	not_ok "a bad --ringbuf-kb was accepted"

# --- the tracefs source (--source ftrace): this kernel's formats, cleanup
tr=/sys/kernel/tracing
ours() { ls $tr/instances 2>/dev/null | grep '^dmascope-'; grep dmascope_ $tr/kprobe_events 2>/dev/null; }
if [ -d $tr/instances ]; then
	"$dt" record --source ftrace -v -o "$tmp/f.dmat" --duration 1 2>"$tmp/f.err"
	rc=$?
	[ "$rc" = 0 ] && ok "record --source ftrace: exit 0" ||
		not_ok "record --source ftrace: exit $rc: $(tail -n 2 "$tmp/f.err")"
	if [ -d $tr/events/dma ]; then
		want=$(find $tr/events/dma -mindepth 1 -maxdepth 1 -type d | wc -l)
		if grep -q "ftrace: dma:\* on ($want formats of dma read)" "$tmp/f.err"; then
			ok "record --source ftrace: all $want dma:* formats of this kernel read, the events on"
		else
			not_ok "record --source ftrace: dma:* formats: $(grep 'ftrace: dma' "$tmp/f.err")"
		fi
	fi
	h=$("$dt" replay --json "$tmp/f.dmat" 2>/dev/null | jq -r .session.hooks)
	case $h in ftrace*) ok "the recording names the ftrace source ($h)" ;;
	*) not_ok "the recording's hooks: '$h'" ;; esac
	case ,$h, in *,stacks,*) ok "stacks asked for (the default): the hooks say stacks" ;;
	*) not_ok "stacks by default: the hooks are '$h': $(grep 'no stacks' "$tmp/f.err")" ;; esac
	"$dt" record --source ftrace --no-stacks -o "$tmp/n.dmat" --duration 0.3 2>"$tmp/n.err"
	h=$("$dt" replay --json "$tmp/n.dmat" 2>/dev/null | jq -r .session.hooks)
	if case ,$h, in *,no-stacks,*) true ;; *) false ;; esac &&
		"$dt" replay "$tmp/n.dmat" 2>/dev/null | grep -q '^  stacks    not recorded'; then
		ok "--no-stacks: the hooks say no-stacks and the report says stacks were not recorded"
	else
		not_ok "--no-stacks: hooks '$h', report: $("$dt" replay "$tmp/n.dmat" 2>&1 | grep stacks)"
	fi
	[ -z "$(ours)" ] && ok "record --source ftrace: nothing left in tracefs" ||
		not_ok "record --source ftrace left: $(ours | tr '\n' ' ')"
	"$dt" record --source ftrace -o "$tmp/g.dmat" 2>/dev/null &
	pid=$!
	for _ in $(seq 100); do [ -d $tr/instances/dmascope-$pid ] && break; sleep 0.1; done
	# stacks: the stacktrace trigger on the map events, not on unmaps
	if [ -d $tr/events/dma ]; then
		ev=$tr/instances/dmascope-$pid/events/dma
		for _ in $(seq 100); do grep -q '^stacktrace' $ev/dma_map_*/trigger 2>/dev/null && break; sleep 0.1; done
		m=$(grep -l '^stacktrace' $ev/dma_map_*/trigger 2>/dev/null | wc -l)
		u=$(grep -l '^stacktrace' $ev/dma_unmap_*/trigger $ev/dma_sync_*/trigger 2>/dev/null | wc -l)
		if [ "$m" -gt 0 ] && [ "$u" = 0 ]; then
			ok "stacks: the stacktrace trigger on $m dma_map_* events, none on unmaps and syncs"
		else
			not_ok "stacks: triggers on $m map events, $u unmap/sync events"
		fi
	fi
	kill -KILL $pid
	wait $pid 2>/dev/null
	if [ -d $tr/instances/dmascope-$pid ]; then
		"$dt" record --source ftrace -v -o "$tmp/g2.dmat" --duration 0.3 2>"$tmp/g2.err"
		if grep -q 'removed .* a killed session left' "$tmp/g2.err" && [ -z "$(ours)" ]; then
			ok "SIGKILL: the next ftrace session removed the instance dmascope-$pid"
		else
			not_ok "SIGKILL: left: $(ours | tr '\n' ' ') $(tail -n 1 "$tmp/g2.err")"
		fi
	else
		not_ok "SIGKILL: no instance dmascope-$pid was made"
	fi
	"$dt" record --source nope -o "$tmp/k.dmat" 2>"$tmp/k.err"
	[ $? = 2 ] && grep -q "not auto, bpf or ftrace" "$tmp/k.err" &&
		ok "--source nope: exit 2 ($(head -n 1 "$tmp/k.err"))" ||
		not_ok "--source nope: $(cat "$tmp/k.err")"
fi

# --- not root: the error says what to do
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$dt" record -o /tmp/dmascope-nobody.dmat --duration 0.2 2>"$tmp/j.err"
	rc=$?
	if [ "$rc" = 2 ] && grep -qE 'root|CAP_BPF' "$tmp/j.err"; then
		ok "unprivileged: exit 2 with the fix ($(head -n 1 "$tmp/j.err" | cut -c1-90)...)"
	else
		not_ok "unprivileged: exit $rc: $(cat "$tmp/j.err")"
	fi
	rm -f /tmp/dmascope-nobody.dmat
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
