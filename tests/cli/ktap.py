#!/usr/bin/python3
# ktap.py FILE - parse a KTAP/TAP 13 report as kselftest writes it and print
# one line per test, "NUMBER STATUS NAME [REASON]" (STATUS ok, fail or skip),
# then "totals pass=P fail=F skip=S".  Exits 1 with the reason on stderr when
# the report is not well formed: a missing version line or plan, results out
# of order, a count other than the plan's, a totals line that disagrees.
import re
import sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
if lines and lines[-1] == "":
    lines.pop()


def die(n, why):
    print(f"{sys.argv[1]}:{n}: {why}", file=sys.stderr)
    sys.exit(1)


if not lines or lines[0] not in ("TAP version 13", "KTAP version 1"):
    die(1, "no 'TAP version 13' / 'KTAP version 1' line")
plan = None
results = []
totals = None
result_re = re.compile(r"^(ok|not ok) (\d+) ([^#]*?)(?: # (SKIP|TODO)(?: (.*))?)?$")
for n, line in enumerate(lines[1:], start=2):
    if line.startswith("#"):
        m = re.match(r"^# Totals: pass:(\d+) fail:(\d+) xfail:(\d+) xpass:(\d+) skip:(\d+) error:(\d+)$", line)
        if m:
            totals = tuple(int(x) for x in m.groups())
        continue
    m = re.match(r"^1\.\.(\d+)$", line)
    if m:
        if plan is not None:
            die(n, "a second plan")
        plan = int(m.group(1))
        continue
    m = result_re.match(line)
    if not m:
        die(n, f"neither a result, a plan nor a diagnostic: {line!r}")
    if int(m.group(2)) != len(results) + 1:
        die(n, f"test {m.group(2)} where {len(results) + 1} was due")
    if m.group(4) == "SKIP":
        status = "skip"
    else:
        status = "ok" if m.group(1) == "ok" else "fail"
    results.append((int(m.group(2)), status, m.group(3).strip(), m.group(5) or ""))
if plan is None:
    die(len(lines), "no plan (1..N)")
if plan != len(results):
    die(len(lines), f"plan says {plan} tests, {len(results)} results")
count = {s: sum(1 for r in results if r[1] == s) for s in ("ok", "fail", "skip")}
if totals is not None and (totals[0], totals[1], totals[4]) != (count["ok"], count["fail"], count["skip"]):
    die(len(lines), f"totals line {totals} disagrees with the results {count}")
for num, status, name, reason in results:
    print(f"{num} {status} {name}{' ' + reason if reason else ''}")
print(f"totals pass={count['ok']} fail={count['fail']} skip={count['skip']}")
