#!/bin/bash
# instructions.sh RINGBENCH: instruction counts end to end.
#   - check --instructions twice on this build: the first saves the
#     machine's counts, the second finds every count identical (callgrind
#     counts the same every run);
#   - the verdict on counts with known answers: one count 1% higher is a
#     regression (exit 1), 0.9% is not, 1% lower is an improvement;
# (Two builds of one code count the same: harness.bisect shows it on builds
# made in different orders, and counts a one-instruction change.)
# Needs valgrind (exit 77 without).  No timing is asserted.
set -u
RB=$1
command -v valgrind >/dev/null || { echo "instructions: valgrind not installed: skipped"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export RINGBENCH_BASELINES=$T/baselines RINGBENCH_RESULTS=$T/results
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
fail() {
	echo "instructions: FAIL: $*"
	fails=$((fails + 1))
}
"$RB" check --instructions --out "$T/i1.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "these are now its baseline" "$T/out" || fail "first count: $(tail -3 "$T/out")"
"$RB" check --instructions --all --out "$T/i2.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "ringbench check: pass: 0 regressions, 0 improvements, 8 unchanged" "$T/out" ||
	fail "second count: $(tail -5 "$T/out")"
"$PY" - "$T/i1.json" "$T/i2.json" <<'PY' || fail "the two counts differ"
import json, sys
a, b = (json.load(open(p))["benchmarks"] for p in sys.argv[1:3])
ta = {e["name"]: e["instructions_total"] for e in a}
tb = {e["name"]: e["instructions_total"] for e in b}
want = {"instructions/%s/size:%d" % (o, s) for o in ("publish", "consume", "send_recv", "batch16") for s in (64, 4096)}
bad = []
if set(ta) != want: bad.append("cases %s" % sorted(ta))
if ta != tb: bad.append("totals %s / %s" % (ta, tb))
if any(e["instructions_per_op"] <= 0 for e in a): bad.append("a count that is not positive")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
# Only the operations are counted, never the laps' set-up between them:
# with collection toggled on the operations, the set-up (new_lap) has no
# cost in callgrind's output; collecting everything, it has (which shows
# the check can fail).
GB=$(dirname "$RB")/gbench/ring_gbench
valgrind --tool=callgrind --callgrind-out-file="$T/cg.ops" --toggle-collect='gb_op_*' \
	"$GB" --count consume 4096 5000 >"$T/out" 2>&1 || fail "callgrind, operations: $(tail -3 "$T/out")"
valgrind --tool=callgrind --callgrind-out-file="$T/cg.all" \
	"$GB" --count consume 4096 5000 >"$T/out" 2>&1 || fail "callgrind, everything: $(tail -3 "$T/out")"
grep -q "new_lap" "$T/cg.ops" && fail "the laps' set-up is in the operations' count"
grep -q "new_lap" "$T/cg.all" || fail "new_lap not seen even when collecting everything: the check proves nothing"
"$GB" --count nope 64 10 >"$T/out" 2>&1
[ $? = 2 ] && grep -q "OP one of publish" "$T/out" || fail "--count with a bad op: $(cat "$T/out")"
# Known answers: publish at 64 B 1% (and 0.9%) higher, consume 1% lower.
scale() { # FILE OUT FACTOR NAME
	"$PY" - "$@" <<'PY'
import json, sys
src, out, f, name = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
d = json.load(open(src))
for e in d["benchmarks"]:
    if e["name"] == name:
        e["instructions_per_op"] *= f
json.dump(d, open(out, "w"))
PY
}
scale "$T/i1.json" "$T/up1.json" 1.01 instructions/publish/size:64
scale "$T/i1.json" "$T/up09.json" 1.009 instructions/publish/size:64
scale "$T/i1.json" "$T/down1.json" 0.99 instructions/consume/size:64
"$RB" compare "$T/i1.json" "$T/up1.json" >"$T/out" 2>&1
[ $? = 1 ] && grep -q "1 regression" "$T/out" && grep -q "+1.00%" "$T/out" || fail "+1%: $(cat "$T/out")"
"$RB" compare "$T/i1.json" "$T/up09.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "pass: 0 regressions" "$T/out" || fail "+0.9%: $(cat "$T/out")"
"$RB" compare "$T/i1.json" "$T/down1.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "1 improvement" "$T/out" || fail "-1%: $(cat "$T/out")"
[ $fails = 0 ] && echo "instructions: ok"
[ $fails = 0 ]
