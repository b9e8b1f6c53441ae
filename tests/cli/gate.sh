# gate.sh - part of the cli tier, sourced by run.sh (its helpers, $T,
# $DMATRACE, $DMATGEN, $SCN): the CI formats and the gate on replay.
# JUnit is validated with xmllint against schemas/junit.xsd, SARIF against
# the OASIS 2.1.0 schema with python3-jsonschema, KTAP parsed back by
# ktap.py; the failing ids of each must equal the JSON report's.  Then the
# baseline round trip (write, rerun clean, plant a new bug: only it fails,
# a fixed one is listed), fingerprints that survive rebuilt offsets, and
# suppressions (a reason is required; used ones are counted).

echo "# CI formats and the gate"
SCHEMAS=$here/schemas
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema' 2>/dev/null; then PY=$p && break; fi
done

# junit_ok DESC FILE: valid against the committed schema
junit_ok() {
	if xmllint --noout --schema "$SCHEMAS/junit.xsd" "$2" 2>"$T/xmllint.err"; then ok "$1: JUnit valid"; else
		bad "$1: JUnit not valid: $(head -n 3 "$T/xmllint.err")"; fi
}
# sarif_ok DESC FILE: valid against the SARIF 2.1.0 schema
sarif_ok() {
	if [ -z "$PY" ]; then
		bad "$1: python3-jsonschema is not installed (scripts/install-deps.sh test)"
		return
	fi
	if "$PY" - "$SCHEMAS/sarif-schema-2.1.0.json" "$2" >"$T/sarif.err" 2>&1 <<'PYEOF'; then ok "$1: SARIF valid"; else
import json, sys, jsonschema
schema = json.load(open(sys.argv[1]))
doc = json.load(open(sys.argv[2]))
errs = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
for e in errs[:5]:
    print("/".join(map(str, e.absolute_path)), e.message[:160])
sys.exit(1 if errs else 0)
PYEOF
		bad "$1: SARIF not valid: $(head -n 3 "$T/sarif.err")"
	fi
}
# The failing ids of each format, sorted, one line.
junit_fail_ids() { xmllint --xpath '//testcase[failure]/@name' "$1" 2>/dev/null | sed 's/ *name="\([^"]*\)"/\1\n/g' | sed '/^$/d' | sort -u | tr '\n' ' '; }
sarif_ids() { jq -r ".runs[0].results[] | select($2) | .ruleId" "$1" | sort | tr '\n' ' '; }
ktap_fail_ids() { "$here/ktap.py" "$1" | awk '$2 == "fail" {print $3}' | sort | tr '\n' ' '; }

if ! command -v xmllint >/dev/null; then
	bad "xmllint is not installed (libxml2-utils; scripts/install-deps.sh test)"
fi

# Every format at once, from one run: each names the same findings.
for s in misuse leak ownership mixup numa dmaengine clean; do
	replay ci --format text --format json="$T/ci.json" --format junit="$T/ci.xml" \
		--format sarif="$T/ci.sarif" --format ktap="$T/ci.ktap" "$T/$s.dmat"
	want=$(json_ids "$T/ci.json")
	want_rc=0
	[ -n "$want" ] && want_rc=1
	expect "$s: several formats, exit status" "$rc" "$want_rc"
	contains "$s: the text report still goes to stdout" "$T/ci.out" "dmatrace replay: $T/$s.dmat"
	junit_ok "$s" "$T/ci.xml"
	expect "$s: JUnit failing cases are the findings' ids" "$(junit_fail_ids "$T/ci.xml")" "$want"
	expect "$s: JUnit has a case per finding kind" \
		"$(xmllint --xpath 'count(//testcase)' "$T/ci.xml")" "$(grep -c '^FINDING(' "$here/../../cli/engine/findings.def")"
	sarif_ok "$s" "$T/ci.sarif"
	expect "$s: SARIF results are the findings" "$(sarif_ids "$T/ci.sarif" true)" "$want"
	expect "$s: SARIF rules are findings.def's" \
		"$(jq -r '.runs[0].tool.driver.rules[].id' "$T/ci.sarif" | tr '\n' ' ')" \
		"$(sed -n 's/^FINDING([A-Z_0-9]*, "\([^"]*\)".*/\1/p' "$here/../../cli/engine/findings.def" | tr '\n' ' ')"
	expect "$s: every SARIF result has a location with an artifact" \
		"$(jq '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri | length > 0)] | length' "$T/ci.sarif")" \
		"$(jq '.runs[0].results | length' "$T/ci.sarif")"
	if "$here/ktap.py" "$T/ci.ktap" >"$T/ktap.parsed" 2>"$T/ktap.err"; then ok "$s: KTAP parses"; else
		bad "$s: KTAP does not parse: $(cat "$T/ktap.err")"; fi
	expect "$s: KTAP failing tests are the findings' ids" "$(ktap_fail_ids "$T/ci.ktap")" "$want"
done

# Details of one report: stacks, locations, code flow, fingerprints.
replay ci --format sarif="$T/m.sarif" --format junit="$T/m.xml" "$T/misuse.dmat"
expect "SARIF: unmap-size-mismatch located in nvme's first frame" \
	"$(jq -r '.runs[0].results[] | select(.ruleId == "unmap-size-mismatch") | .locations[0] | [.physicalLocation.artifactLocation.uri, .logicalLocations[0].name] | join(" ")' "$T/m.sarif")" \
	"nvme.ko nvme_map_data"
expect "SARIF: creating and revealing stacks" \
	"$(jq -r '.runs[0].results[] | select(.ruleId == "unmap-size-mismatch") | [.stacks[] | .message.text + ":" + (.frames | length | tostring)] | join(" ")' "$T/m.sarif")" \
	"map:2 unmap:2"
expect "SARIF: the mapping's life, map then unmap" \
	"$(jq -r '.runs[0].results[] | select(.ruleId == "unmap-size-mismatch") | [.codeFlows[0].threadFlows[0].locations[].location.logicalLocations[0].name] | join(" ")' "$T/m.sarif")" \
	"nvme_map_data nvme_unmap_data"
expect "SARIF: error findings are level error" \
	"$(jq -r '[.runs[0].results[].level] | unique | join(" ")' "$T/m.sarif")" "error"
contains "JUnit failure carries the stack" "$T/m.xml" "nvme_unmap_data+0x44/0x1a0 [nvme]"
contains "JUnit failure carries the fix" "$T/m.xml" "fix: pass the size used at map time"

# The schemas and the parser reject what is wrong (they are not permissive).
jq '.runs[0].results[0].level = "fatal"' "$T/m.sarif" >"$T/bad.sarif"
if [ -n "$PY" ] && ! "$PY" -c '
import json, sys, jsonschema
jsonschema.Draft4Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))' \
	"$SCHEMAS/sarif-schema-2.1.0.json" "$T/bad.sarif" 2>/dev/null; then
	ok "SARIF schema refuses a result level 'fatal'"
else bad "SARIF schema accepted a result level 'fatal'"; fi
sed 's/<failure /<failure bogus="1" /' "$T/m.xml" >"$T/bad.xml"
if ! xmllint --noout --schema "$SCHEMAS/junit.xsd" "$T/bad.xml" 2>/dev/null; then
	ok "JUnit schema refuses an unknown attribute"
else bad "JUnit schema accepted an unknown attribute"; fi
sed -E '0,/tests="[0-9]+"/s//tests="many"/' "$T/m.xml" >"$T/bad.xml"
if ! xmllint --noout --schema "$SCHEMAS/junit.xsd" "$T/bad.xml" 2>/dev/null; then
	ok "JUnit schema refuses a count that is not a number"
else bad "JUnit schema accepted tests=\"many\""; fi
"$DMATRACE" replay --format ktap "$T/misuse.dmat" | sed '/^ok 3 /d' >"$T/bad.ktap"
if ! "$here/ktap.py" "$T/bad.ktap" 2>/dev/null >/dev/null; then ok "KTAP parser refuses a missing test"; else
	bad "KTAP parser accepted a missing test"; fi

# KTAP alone: kselftest's exit codes; kinds the hooks could not see SKIP.
"$DMATRACE" replay --format ktap "$T/misuse.dmat" >"$T/k.out" 2>"$T/k.err"
expect "KTAP on stdout, findings: exit 1 (KSFT_FAIL)" "$?" 1
"$DMATRACE" replay --format ktap "$T/clean.dmat" >"$T/k.out" 2>"$T/k.err"
expect "KTAP on stdout, clean: exit 0 (KSFT_PASS)" "$?" 0
"$DMATRACE" replay --format ktap "$T/nosuch.dmat" >"$T/k.out" 2>"$T/k.err"
expect "KTAP on stdout, own error: exit 1 (kselftest has no 2 for it)" "$?" 1
sed 's/^session \(.*\)/session \1 hooks="tp_btf:dma_map_phys dma_unmap_phys;fentry:dma_pool_destroy"/' \
	"$SCN/misuse.scn" >"$T/hooks.scn"
"$DMATGEN" -o "$T/hooks.dmat" "$T/hooks.scn" 2>"$T/gen.err" || bad "dmatgen hooks.scn: $(cat "$T/gen.err")"
replay k --format ktap --format junit="$T/k.xml" "$T/hooks.dmat"
"$here/ktap.py" "$T/k.out" >"$T/k.parsed" 2>&1
contains "KTAP: unhooked sync kinds SKIP with the reason" "$T/k.parsed" \
	"7 skip missing-sync-for-cpu not traced: none of dma_sync_single_for_cpu dma_sync_sg_for_cpu was hooked"
contains "KTAP: a hooked kind runs" "$T/k.parsed" "3 ok pool-leak"
contains "KTAP: a kind that fired is not skipped" "$T/k.parsed" "12 fail unmap-size-mismatch"
junit_ok "skipped kinds" "$T/k.xml"
# The text and JSON reports name the kinds the hooks could not see, too.
replay t "$T/hooks.dmat"
contains "text report: an unhooked kind is named with the reason" "$T/t.out" \
	"  unwatched missing-sync-for-cpu: not traced: none of dma_sync_single_for_cpu dma_sync_sg_for_cpu was hooked"
contains "text report: dma-buf unwatched without its hooks" "$T/t.out" \
	"  unwatched dmabuf-leak: not traced: none of dma_buf_export was hooked"
replay j --json "$T/hooks.dmat"
expect "JSON: the same kinds unwatched as the text" "$(jq '.session.unwatched | length' "$T/j.out")" \
	"$(grep -c '^  unwatched ' "$T/t.out")"
expect "JSON: a hooked kind (pool-leak) is not unwatched" \
	"$(jq '[.session.unwatched[].id] | index("pool-leak")' "$T/j.out")" null
# replay_hooks HOOKS: misuse.scn as a session whose hook list is HOOKS,
# replayed into $T/t.out
replay_hooks() {
	sed "s/^session \(.*\)/session \1 hooks=\"$1\"/" "$SCN/misuse.scn" >"$T/h2.scn"
	"$DMATGEN" -o "$T/h2.dmat" "$T/h2.scn" 2>"$T/gen.err" || bad "dmatgen h2.scn: $(cat "$T/gen.err")"
	replay t "$T/h2.dmat"
}
# The tracefs source names event systems: all of the DMA API but the IOVA
# API (no event covers it), fences where dma_fence was enabled, CMA where
# cma was, dma-buf never.  An import counts formats only.
# The live BPF source names the dma-buf functions, dma_fence tracepoints
# and IOVA functions it hooked: those kinds are watched exactly when it did
# (its lists here name only those, so only those kinds are compared:
# "dma-buf|", "iova|").
for h in "|ftrace:dma,swiotlb,iommu,dma_fence,stacks|iova-misuse: dmabuf-leak: dmabuf-map-leak: cma-alloc-failed: cma-alloc-slow: " \
	"|ftrace:dma,swiotlb,iommu,dma_fence,cma,stacks|iova-misuse: dmabuf-leak: dmabuf-map-leak: " \
	"|ftrace-kprobe:dmascope_1,swiotlb,stacks|iova-misuse: dmabuf-leak: dmabuf-map-leak: fence-never-signalled: cma-alloc-failed: cma-alloc-slow: " \
	"|trace-cmd:12 events|" \
	"dma-buf|fexit:dma_buf_export dma_buf_map_attachment;raw_tp:dma_fence_init dma_fence_signaled|" \
	"dma-buf|kretprobe:dma_buf_export dma_buf_map_attachment_unlocked;raw_tp:map|fence-never-signalled: " \
	"dma-buf|fentry:dma_pool_destroy;raw_tp:dma_fence_init dma_fence_signaled|dmabuf-leak: dmabuf-map-leak: " \
	"iova|tp_btf:dma_map_phys dma_unmap_phys;fexit:dma_iova_try_alloc dma_iova_link|" \
	"iova|kretprobe:dma_iova_try_alloc|" \
	"iova|tp_btf:dma_map_phys dma_unmap_phys;fentry:dma_pool_destroy|iova-misuse: "; do
	only=${h%%|*} h=${h#*|}
	replay_hooks "${h%%|*}"
	kinds='[^ ]*'
	[ "$only" = dma-buf ] && kinds='\(dmabuf\|fence\)[^ ]*'
	[ "$only" = iova ] && kinds='iova[^ ]*'
	expect "unwatched ${only:+$only }kinds for hooks ${h%%|*}" \
		"$(sed -n "s/^  unwatched \($kinds\) .*/\1/p" "$T/t.out" | tr '\n' ' ')" "${h#*|}"
done
contains "unwatched iova-misuse: says why, and what else goes unseen" "$T/t.out" \
	"  unwatched iova-misuse: not traced: none of dma_iova_try_alloc dma_iova_link was hooked (the IOVA API of 6.16+, nvme's under an IOMMU: its ranges' leaks go unseen too; a kernel before 6.16 has none)"
replay_hooks "ftrace:dma,swiotlb,iommu,dma_fence,cma,stacks"
contains "unwatched iova-misuse under the tracefs source: says why" "$T/t.out" \
	"  unwatched iova-misuse: not traced: the tracefs source read none of dma_iova_try_alloc dma_iova_link (the IOVA API of 6.16+"
expect "JUnit: the same kinds skipped" \
	"$(xmllint --xpath 'count(//testcase[skipped])' "$T/k.xml")" "$(grep -c ' skip ' "$T/k.parsed")"

# --fail-on: replay's default is --severity's level (every finding shown fails)
replay f "$T/numa.dmat"
expect "numa-remote-buffer (warning) fails replay by default" "$rc" 1
replay f --fail-on error "$T/numa.dmat"
expect "--fail-on error: a warning does not fail" "$rc" 0
contains "--fail-on error: the warning is still reported" "$T/f.out" "numa-remote-buffer"
contains "--fail-on error: the gate says why" "$T/f.err" "0 failing (new, at or above error), 1 new below it"
replay f --fail-on error --format junit="$T/f.xml" --format sarif="$T/f.sarif" "$T/numa.dmat"
expect "--fail-on error: no JUnit failure for the warning" "$(xmllint --xpath 'count(//failure)' "$T/f.xml")" 0
contains "--fail-on error: the warning is in JUnit's system-out" "$T/f.xml" "warning numa-remote-buffer"
expect "--fail-on error: SARIF says it does not fail the gate" \
	"$(jq -r '.runs[0].results[0].properties.failsGate' "$T/f.sarif")" false
replay f --fail-on warn "$T/numa.dmat"
expect "--fail-on warn fails on the warning" "$rc" 1
replay f --fail-on fatal "$T/numa.dmat"
expect "--fail-on fatal: error" "$rc" 2
contains "--fail-on fatal: says what it takes" "$T/f.err" "'fatal' is not info, warning or error"
replay f --format xml "$T/numa.dmat"
expect "--format xml: error" "$rc" 2
contains "--format xml: names the formats" "$T/f.err" "'xml' is not text, json, junit, sarif or ktap"
replay f --format json --format junit "$T/numa.dmat"
expect "two formats for stdout: error" "$rc" 2
contains "two formats for stdout: says to give one a file" "$T/f.err" "--format junit=FILE"
replay f --json --format sarif "$T/numa.dmat"
expect "--json with --format sarif: error" "$rc" 2
replay f --format junit="$T/same" --format sarif="$T/same" "$T/numa.dmat"
expect "two formats to one file: error" "$rc" 2

# Baseline round trip.
replay b0 --write-baseline "$T/base.txt" "$T/misuse.dmat"
expect "--write-baseline: the run itself still fails" "$rc" 1
expect "--write-baseline: one line per finding" "$(grep -vc '^#' "$T/base.txt")" 2
replay b1 --baseline "$T/base.txt" --format sarif="$T/b1.sarif" "$T/misuse.dmat"
expect "rerun against its baseline: clean (exit 0)" "$rc" 0
contains "rerun: both findings known" "$T/b1.err" "2 known"
expect "rerun: SARIF baselineState unchanged" \
	"$(jq -r '[.runs[0].results[].baselineState] | unique | join(" ")' "$T/b1.sarif")" "unchanged"
# plant a new bug: the same recording plus a double unmap elsewhere
{
	cat "$SCN/misuse.scn"
	echo 'stack 7 "dma_unmap_page_attrs+0x0/0x120" "nvme_complete_rq+0x20/0x90 [nvme]"'
	echo "map dev=1 addr=0x20000 size=4096 dir=to phys=0x46000000 stack=1"
	echo "unmap dev=1 addr=0x20000 size=4096 dir=to stack=7"
	echo "unmap dev=1 addr=0x20000 size=4096 dir=to stack=7"
} >"$T/planted.scn"
"$DMATGEN" -o "$T/planted.dmat" "$T/planted.scn" 2>"$T/gen.err" || bad "dmatgen planted.scn: $(cat "$T/gen.err")"
replay b2 --baseline "$T/base.txt" --format sarif="$T/b2.sarif" --format junit="$T/b2.xml" \
	--format ktap="$T/b2.ktap" --json "$T/planted.dmat"
expect "planted bug against the baseline: fails (exit 1)" "$rc" 1
expect "planted bug: the report has all three" "$(json_ids "$T/b2.out")" \
	"double-unmap unmap-not-mapped unmap-size-mismatch "
expect "planted bug: only it is new in SARIF" "$(sarif_ids "$T/b2.sarif" '.baselineState == "new"')" "double-unmap "
expect "planted bug: the rest unchanged" "$(sarif_ids "$T/b2.sarif" '.baselineState == "unchanged"')" \
	"unmap-not-mapped unmap-size-mismatch "
expect "planted bug: only it fails in JUnit" "$(junit_fail_ids "$T/b2.xml")" "double-unmap "
expect "planted bug: only it fails in KTAP" "$(ktap_fail_ids "$T/b2.ktap")" "double-unmap "
expect "planted bug: JSON marks the states" \
	"$(jq -r '[.findings[] | .id + "=" + .baseline_state] | sort | join(" ")' "$T/b2.out")" \
	"double-unmap=new unmap-not-mapped=unchanged unmap-size-mismatch=unchanged"
sarif_ok "baseline states" "$T/b2.sarif"
# a fixed one: the misuse without its unmap of a never-mapped address
grep -v 'addr=0x9000' "$SCN/misuse.scn" >"$T/fixed.scn"
"$DMATGEN" -o "$T/fixed.dmat" "$T/fixed.scn" 2>"$T/gen.err" || bad "dmatgen fixed.scn: $(cat "$T/gen.err")"
replay b3 --baseline "$T/base.txt" --format sarif="$T/b3.sarif" "$T/fixed.dmat"
expect "one bug fixed: clean (exit 0)" "$rc" 0
contains "one bug fixed: listed as fixed" "$T/b3.err" "fixed: $(grep unmap-not-mapped "$T/base.txt")"
expect "one bug fixed: SARIF absent result" "$(sarif_ids "$T/b3.sarif" '.baselineState == "absent"')" "unmap-not-mapped "
sarif_ok "absent result" "$T/b3.sarif"
# a rebuilt module: other offsets, addresses and device name, same bugs
sed -e 's/+0x1c\/0x80/+0x2c\/0x98/; s/+0x44\/0x1a0/+0x48\/0x1b0/; s/0000:10:00.0/0000:3b:00.0/' \
	-e 's/addr=0x1000/addr=0x7000/g; s/addr=0x9000/addr=0xa000/' "$SCN/misuse.scn" >"$T/rebuilt.scn"
"$DMATGEN" -o "$T/rebuilt.dmat" "$T/rebuilt.scn" 2>"$T/gen.err" || bad "dmatgen rebuilt.scn: $(cat "$T/gen.err")"
replay b4 --baseline "$T/base.txt" "$T/rebuilt.dmat"
expect "rebuilt module (new offsets, addresses, device): baseline holds (exit 0)" "$rc" 0
# another function is another finding
sed 's/nvme_map_data/nvme_setup_prps/' "$SCN/misuse.scn" >"$T/moved.scn"
"$DMATGEN" -o "$T/moved.dmat" "$T/moved.scn" 2>"$T/gen.err" || bad "dmatgen moved.scn: $(cat "$T/gen.err")"
replay b5 --baseline "$T/base.txt" --json "$T/moved.dmat"
expect "a bug moved to another function is new" \
	"$(jq -r '[.findings[] | select(.baseline_state == "new") | .id] | join(" ")' "$T/b5.out")" "unmap-size-mismatch"
printf '# comment\nnot-a-fingerprint unmap-not-mapped\n' >"$T/badbase.txt"
replay b6 --baseline "$T/badbase.txt" "$T/misuse.dmat"
expect "a damaged baseline: error" "$rc" 2
contains "a damaged baseline: file and line" "$T/b6.err" "$T/badbase.txt:2:"
replay b6 --baseline "$T/nosuch.txt" "$T/misuse.dmat"
expect "a missing baseline: error" "$rc" 2

# Suppressions.
printf 'unmap-not-mapped:nvme:nvme_unmap_*\n' >"$T/s0.txt"
replay s0 --suppress "$T/s0.txt" "$T/misuse.dmat"
expect "a suppression without a reason: error" "$rc" 2
contains "a suppression without a reason: file and line" "$T/s0.err" "$T/s0.txt:1: a suppression needs its reason"
printf '# known\n\nunmap-not-mapped:nvme:nvme_unmap_* #   \n' >"$T/s0.txt"
replay s0 --suppress "$T/s0.txt" "$T/misuse.dmat"
expect "an empty reason: error at its line" "$(grep -c "$T/s0.txt:3: a suppression needs its reason" "$T/s0.err")" 1
printf 'no-such-kind:*:* # x\n' >"$T/s0.txt"
replay s0 --suppress "$T/s0.txt" "$T/misuse.dmat"
contains "an unknown finding id: error" "$T/s0.err" "$T/s0.txt:1: 'no-such-kind' names no finding kind"
printf 'unmap-not-mapped:nvme # x\n' >"$T/s0.txt"
replay s0 --suppress "$T/s0.txt" "$T/misuse.dmat"
contains "two fields: error" "$T/s0.err" "$T/s0.txt:1: want three fields"
printf 'unmap-not-mapped:nvme:nvme_unmap_* # the ring is torn down twice on purpose\n' >"$T/s1.txt"
replay s1 --suppress "$T/s1.txt" --format sarif="$T/s1.sarif" "$T/misuse.dmat"
expect "one of two suppressed: still fails" "$rc" 1
contains "suppressions used: 1" "$T/s1.err" "suppressions used: 1"
expect "SARIF keeps the suppressed one with its justification" \
	"$(jq -r '.runs[0].results[] | select(.suppressions) | .ruleId + ": " + .suppressions[0].justification' "$T/s1.sarif")" \
	"unmap-not-mapped: the ring is torn down twice on purpose"
sarif_ok "suppressions" "$T/s1.sarif"
printf 'unmap-*:0000:10:*:* # both known\nmap-error:*:* # unused\n' >"$T/s2.txt"
replay s2 --suppress "$T/s2.txt" --format junit="$T/s2.xml" "$T/misuse.dmat"
expect "a device glob with colons suppresses both: clean" "$rc" 0
contains "suppressions used: 2" "$T/s2.err" "suppressions used: 2"
contains "an unused rule is named" "$T/s2.err" "map-error:*:*: 0 (unused)"
expect "suppressed findings are no JUnit failures" "$(xmllint --xpath 'count(//failure)' "$T/s2.xml")" 0
printf 'unmap-size-mismatch:e1000e:* # another driver\n' >"$T/s3.txt"
replay s3 --suppress "$T/s3.txt" -q "$T/misuse.dmat"
expect "a rule for another driver suppresses nothing" "$(text_ids "$T/s3.out")" "unmap-not-mapped unmap-size-mismatch "
expect "a rule for another driver: still fails" "$rc" 1
