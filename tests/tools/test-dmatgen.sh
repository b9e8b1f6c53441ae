#!/bin/bash
# test-dmatgen.sh DMATGEN [DMATRACE] - tier `dmatgen`: scenarios compile
# to the recordings they describe (checked through --dump, which must
# compile back to the identical file), bad scenarios fail with their line
# number and leave no file, --synthetic is reproducible, leaves N mappings
# mapped and, given DMATRACE, is correct DMA API use: replay reports no
# error.
set -u
gen=$1
trace=${2:-}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ $# -gt 1 ] && echo "     $2"; }

# compile, dump, compile the dump: byte-identical
roundtrip() {
	local name=$1 src=$2 z=${3:-}
	if ! $gen $z -o "$tmp/a.dmat" "$src" 2>"$tmp/err"; then
		bad "roundtrip $name" "$(cat "$tmp/err")"
		return
	fi
	$gen --dump "$tmp/a.dmat" >"$tmp/a.scn" 2>/dev/null
	if $gen $z -o "$tmp/b.dmat" "$tmp/a.scn" 2>"$tmp/err" &&
		cmp -s "$tmp/a.dmat" "$tmp/b.dmat"; then
		ok "roundtrip $name $z"
	else
		bad "roundtrip $name $z" "$(cat "$tmp/err"; cmp "$tmp/a.dmat" "$tmp/b.dmat")"
	fi
}

for s in "$here"/../fuzz/seeds/*.scn "$here"/../cli/scenarios/iova.scn \
	"$here"/../cli/scenarios/newer-kernel.scn; do
	roundtrip "$(basename "$s")" "$s"
	roundtrip "$(basename "$s")" "$s" --compress
done

# what a scenario says is what the recording holds
cat >"$tmp/t.scn" <<'SCN'
session kernel=6.1.0-test host="my box" traced_from_boot=1   # comment
device 1 name=0000:10:00.0 driver=nvme bus=pci node=1 flags=iommu,bound_before
stack 7 "dma_map_page_attrs+0x0/0x200" "say \"hi\" [x]"
at 1000
step 10
repeat 3 {
  repeat 2 {
    map dev=1 addr=0x1000 size=4096 dir=from phys=0x45000000 stack=7
    at +100
  }
  unmap dev=1 addr=0x1000 size=4096 dir=from
}
map_sg dev=1 sgl=0xff nents=4 mapped=2 dir=to
cpu_access dev=1 addr=0x1000 size=8 flags=write,atomic
lost 12
driver_unbind dev=1 name=nvme
end 999999
SCN
if $gen -o "$tmp/t.dmat" "$tmp/t.scn" && $gen --dump "$tmp/t.dmat" >"$tmp/t.out"; then
	want=(
		'session kernel="6.1.0-test" host="my box" page_size=4096 clock="monotonic" start=0 realtime=1764000000000000000 hooks="" traced_from_boot=1'
		'device 1 name="0000:10:00.0" driver="nvme" bus="pci" node=1 flags=0x3 mask=0'
		'stack 7 "dma_map_page_attrs+0x0/0x200" "say \"hi\" [x]"'
		'map ts=1000 dev=1 stack=7 dir=from addr=0x1000 size=4096 phys=0x45000000'
		'map ts=1110 dev=1 stack=7 dir=from addr=0x1000 size=4096 phys=0x45000000'
		'unmap ts=1220 dev=1 dir=from addr=0x1000 size=4096'
		'unmap ts=1680 dev=1 dir=from addr=0x1000 size=4096'
		'map_sg ts=1690 dev=1 dir=to size=0 aux=0xff count=131076'
		'cpu_access ts=1700 dev=1 addr=0x1000 size=8 flags=0x5'
		'lost ts=1710 count=12'
		'driver_unbind ts=1720 dev=1 name="nvme"'
		'end 999999'
	)
	missing=""
	for w in "${want[@]}"; do
		w=${w/ size=0 / }
		grep -qxF -- "$w" "$tmp/t.out" || missing="$missing
     missing: $w"
	done
	n=$(grep -c '^map ' "$tmp/t.out")
	[ "$n" = 6 ] || missing="$missing
     $n maps, want 6 (repeat 3 x repeat 2)"
	if [ -z "$missing" ]; then ok "scenario fields"; else bad "scenario fields" "$missing"; fi
else
	bad "scenario fields" "did not compile"
fi

# repeat counters in numbers: i innermost, j outer
printf 'repeat 2 {\n repeat 3 {\n  map dev=1+j addr=0x10000+i*0x1000+j*0x100000 size=4096-i\n }\n}\n' >"$tmp/x.scn"
if $gen -o "$tmp/x.dmat" "$tmp/x.scn" 2>"$tmp/x.err" && $gen --dump "$tmp/x.dmat" >"$tmp/x.out" &&
	grep -qx 'map ts=200 dev=1 addr=0x12000 size=4094' "$tmp/x.out" &&
	grep -qx 'map ts=300 dev=2 addr=0x110000 size=4096' "$tmp/x.out" &&
	[ "$(grep -c '^map ' "$tmp/x.out")" = 6 ]; then
	ok "repeat counters"
else
	bad "repeat counters" "$(cat "$tmp/x.err" "$tmp/x.out" 2>/dev/null)"
fi

# stdin, and an unfinished recording reads as truncated
if printf 'map dev=1 addr=0x1 size=1\nunfinished\n' | $gen -o "$tmp/u.dmat" - &&
	! $gen --dump "$tmp/u.dmat" >"$tmp/u.out" 2>"$tmp/u.err" &&
	grep -q 'truncated after 1 events' "$tmp/u.err" && grep -qx unfinished "$tmp/u.out"; then
	ok "stdin and unfinished"
else
	bad "stdin and unfinished" "$(cat "$tmp/u.err" 2>/dev/null)"
fi

# bad input: exit 2, FILE:LINE in the message, no output left behind
errcase() {
	local want=$1 text=$2
	rm -f "$tmp/e.dmat"
	printf '%b' "$text" >"$tmp/e.scn"
	$gen -o "$tmp/e.dmat" "$tmp/e.scn" 2>"$tmp/e.err"
	local rc=$?
	if [ $rc = 2 ] && grep -qF -- "$want" "$tmp/e.err" && [ ! -e "$tmp/e.dmat" ]; then
		ok "error: $want"
	else
		bad "error: $want" "exit $rc: $(cat "$tmp/e.err")"
	fi
}
errcase "e.scn:2: unknown statement 'mapp'" 'device 1 name=x\nmapp dev=1\n'
errcase "e.scn:1: map: unknown field 'adr'" 'map adr=0x1000\n'
errcase "e.scn:3: size: '4k' is not a number" '# c\n\nmap size=4k\n'
errcase "e.scn:2: session must come before" 'map dev=1\nsession host=x\n'
errcase "e.scn:1: dir: 'sideways' is not a number" 'map dir=sideways\n'
errcase "e.scn:1: unterminated quote" 'stack 1 "abc\n'
errcase "e.scn:1: 'repeat {' without a closing '}'" 'repeat 2 {\nmap dev=1\n'
errcase "e.scn:1: '}' without repeat" '}\n'
errcase "e.scn:1: memrange: end must be above start" 'memrange 0x2000-0x1000 node=0\n'
errcase "e.scn:1: device ids start at 1" 'device 0 name=x\n'
errcase "e.scn:1: name: longer than 40" 'driver_unbind dev=1 name=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n'
errcase "e.scn:2: 'map': expected key=value" 'at 5\nunmap map\n'
errcase "e.scn:1: session: unknown key 'kernal'" 'session kernal=6.1\n'
errcase "e.scn:1: addr: 'i' used outside a repeat" 'map addr=0x1000+i\n'
errcase "e.scn:2: addr: 'j' used outside a nested repeat" 'repeat 2 {\nmap addr=j\n}\n'
errcase "e.scn:1: repeat 0 is not useful" 'repeat 0 {\n}\n'
errcase "e.scn:1: device: iommu=dma is none of none, DMA" 'device 1 name=x iommu=dma\n'
errcase "e.scn:1: device: port=external is none of fixed" 'device 1 name=x port=external\n'

# --synthetic: reproducible, the asked-for size, N mappings left mapped
if $gen -o "$tmp/s1.dmat" --synthetic 20000 --outstanding 37 --devices 3 2>/dev/null &&
	$gen -o "$tmp/s2.dmat" --synthetic 20000 --outstanding 37 --devices 3 2>/dev/null &&
	$gen -o "$tmp/s3.dmat" --synthetic 20000 --outstanding 37 --devices 3 --seed 5 2>/dev/null &&
	cmp -s "$tmp/s1.dmat" "$tmp/s2.dmat" && ! cmp -s "$tmp/s1.dmat" "$tmp/s3.dmat"; then
	ok "synthetic reproducible"
else
	bad "synthetic reproducible"
fi
$gen --dump "$tmp/s1.dmat" >"$tmp/s1.scn"
ev=$(grep -cE '^[a-z_]+ ts=' "$tmp/s1.scn")
maps=$(grep -c '^map ' "$tmp/s1.scn")
unmaps=$(grep -c '^unmap ' "$tmp/s1.scn")
sg=$(grep -c '^map_sg ' "$tmp/s1.scn")
unsg=$(grep -c '^unmap_sg ' "$tmp/s1.scn")
coh=$(grep -c '^alloc_coherent ' "$tmp/s1.scn")
uncoh=$(grep -c '^free_coherent ' "$tmp/s1.scn")
devs=$(grep -c '^device ' "$tmp/s1.scn")
if [ $((ev - 20000)) -ge 0 ] && [ $((ev - 20000)) -le 2 ] && [ $((maps - unmaps)) = 37 ] &&
	[ "$sg" = "$unsg" ] && [ "$sg" -gt 1000 ] && [ "$coh" = "$uncoh" ] && [ "$coh" -gt 100 ] &&
	[ "$devs" = 3 ]; then
	ok "synthetic mix"
else
	bad "synthetic mix" "events $ev maps $maps unmaps $unmaps sg $sg/$unsg coherent $coh/$uncoh devices $devs"
fi
roundtrip synthetic "$tmp/s1.scn"

# the synthetic mix is correct use of the DMA API: replay finds no error
# (remote-node buffers are on purpose: warnings are fine)
if [ -n "$trace" ] && [ -x "$trace" ]; then
	"$trace" replay -q --severity error "$tmp/s1.dmat" >"$tmp/r.out" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		ok "synthetic replays without errors"
	else
		bad "synthetic replays without errors" "exit $rc: $(head -5 "$tmp/r.out")"
	fi
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
