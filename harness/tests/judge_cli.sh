#!/bin/bash
# judge_cli.sh RINGBENCH DATA_DIR: compare and baseline from the command line,
# on files made up here with known answers: exit codes, one-line errors for
# bad files, and the CI outputs read back by real parsers (Python's XML and
# JSON).  No timing is measured or asserted.
set -u
RB=$1
DATA=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset RINGBENCH_STORE RINGBENCH_HISTORY
export RINGBENCH_BASELINES=$T/baselines RINGBENCH_RESULTS=$T/results
fails=0

fail() {
	echo "judge_cli: FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE PATTERN -- command...: exit code and a line matching PATTERN.
expect() {
	local want=$1 pattern=$2
	shift 3
	"$@" >"$T/out" 2>&1
	local got=$?
	[ "$got" = "$want" ] || fail "$* exited $got, not $want: $(tail -3 "$T/out")"
	grep -Eq -- "$pattern" "$T/out" || fail "$*: no line matching '$pattern' in: $(tail -5 "$T/out")"
}

# gen FILE MACHINE SHIFT [options]: a results file of two cases, 10
# repetitions each, in one machine state; SHIFT scales the stream's rate.
# Options: runs=N (N runs, each at a level of its own, 10% apart typically,
# its repetitions 1% around it), ab=A|B (a side of one interleaved run).
gen() {
	python3 - "$@" <<'EOF'
import json, random, sys
path, machine, shift = sys.argv[1], sys.argv[2], float(sys.argv[3])
opts = sys.argv[4:]
random.seed(sum(map(ord, machine + path.rsplit("/", 1)[-1])) + int(shift * 1000))
runs = int(([o[5:] for o in opts if o.startswith("runs=")] or ["0"])[0])
ab = ([o[3:] for o in opts if o.startswith("ab=")] or [None])[0]
b = []
def rep(name, mode, i, rate, sys_per_msg=0.0, run=None):
    e = {"name": name, "run_name": name, "run_type": "iteration", "mode": mode,
         "iterations": 1000, "real_time": 1e9 / rate, "cpu_time": 2e9 / rate, "time_unit": "ns",
         "items_per_second": rate, "producer_cpu_ns_per_msg": 1e9 / rate,
         "consumer_cpu_ns_per_msg": 1e9 / rate, "syscalls_per_msg": sys_per_msg,
         "repetition_index": i, "state_before_ns": 62.0, "state_after_ns": 63.0}
    if run is not None:
        e["run_id"] = run
    if mode != "stream":
        e["p50_ns"] = 1e9 / rate
        e["p99_ns"] = 1.4e9 / rate
    return e
for k in range(max(runs, 1)):
    run = "%s-run%d" % (path.rsplit("/", 1)[-1], k) if runs else None
    lv = random.lognormvariate(0, 0.1) if runs else 1.0
    for i in range(10):
        b.append(rep("stream/wait:spin/size:64", "stream", i,
                     3e7 * shift * lv * random.lognormvariate(0, 0.01), run=run))
        if "no-pingpong" not in opts:
            b.append(rep("pingpong/wait:spin/size:64", "pingpong", i,
                         6e6 * lv * random.lognormvariate(0, 0.01),
                         0.6 if "syscalls" in opts else 0.0, run=run))
if "failure" in opts:
    b.append({"name": "stream/broken", "run_type": "iteration", "mode": "stream",
              "error_occurred": True, "error_message": "consumer: message 7: wrong checksum"})
doc = {"context": {"machine_id": machine, "library_build_type": "release",
                   "git_revision": "abc1234", "date": "2026-11-25T00:00:00+0000"},
       "benchmarks": b}
if ab:
    doc["context"]["ab_build"] = ab
    doc["context"]["shuffle_seed"] = 4242
json.dump(doc, open(path, "w"))
EOF
}

M=test-machine
gen "$T/base.json" $M 1.0
gen "$T/same.json" $M 1.0
gen "$T/slow.json" $M 0.8
gen "$T/fast.json" $M 1.25
gen "$T/syscalls.json" $M 1.0 syscalls
gen "$T/failure.json" $M 1.0 failure
gen "$T/other.json" other-machine 1.0
gen "$T/fewer.json" $M 1.0 no-pingpong

# One run per side: the differences shown, no verdict (exit 2), whatever
# they are; counts are still judged as counts.
expect 2 "one run per side .the base needs at least 5.: .*no verdict" -- \
	"$RB" compare "$T/base.json" "$T/slow.json"
expect 2 "msgs/s .* -(19|20)\.[0-9]%.*differs .one run each." -- \
	"$RB" compare "$T/base.json" "$T/slow.json"
expect 2 "^method: one run per side" -- "$RB" compare "$T/base.json" "$T/same.json"
expect 2 "syscalls/msg .*REGRESSION" -- "$RB" compare "$T/base.json" "$T/syscalls.json"

# Several runs: the run is the unit.  Six runs against one, the stream
# halved: a regression; the same build: a pass; four runs: too few.
gen "$T/runs6.json" $M 1.0 runs=6
gen "$T/runs4.json" $M 1.0 runs=4
gen "$T/now_same.json" $M 1.0 runs=1
gen "$T/now_half.json" $M 0.5 runs=1
expect 0 "^method: the run as the unit: 1 run against the spread of the base's 6 runs" -- \
	"$RB" compare "$T/runs6.json" "$T/now_same.json"
grep -qE "^this base can call a change by a factor of [0-9.]+ or more in half of its [0-9]+ figures" "$T/out" ||
	fail "compare of runs does not say what it can call"
expect 1 "msgs/s .*REGRESSION" -- "$RB" compare "$T/runs6.json" "$T/now_half.json"
expect 2 "the base has 4 runs .* too few to tell a change from run-to-run variance" -- \
	"$RB" compare "$T/runs4.json" "$T/now_half.json"
"$RB" compare "$T/runs6.json" "$T/now_half.json" --json "$T/runs.json" >/dev/null 2>&1
python3 - "$T/runs.json" <<'EOF' || fail "the run-level JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["method"] == "runs" and j["runs_base"] == 6 and j["runs_current"] == 1, j["method"]
r = [r for r in j["rows"] if r["figure"] == "items_per_second" and r["case"].startswith("stream")][0]
assert r["regression"] and r["n_base"] == 6 and r["n_current"] == 1, r
assert -1 < r["can_call"] < -0.05, r["can_call"]
EOF
# The two sides of one interleaved run (ab --out): judged pair by pair.
gen "$T/abA.json" $M 1.0 ab=A
gen "$T/abB.json" $M 0.8 ab=B
expect 1 "^method: interleaved" -- "$RB" compare "$T/abA.json" "$T/abB.json"

# Repetitions as independent draws (--within-run): the rank tests' verdicts.
expect 0 "pass: 0 regressions" -- "$RB" compare --within-run "$T/base.json" "$T/same.json"
expect 1 "msgs/s .* -(19|20)\.[0-9]%.*REGRESSION" -- "$RB" compare --within-run "$T/base.json" "$T/slow.json"
expect 0 "improvement" -- "$RB" compare --within-run "$T/base.json" "$T/fast.json"
expect 1 "syscalls/msg .*REGRESSION" -- "$RB" compare --within-run "$T/base.json" "$T/syscalls.json"
expect 2 "--within-run applies to compare only" -- "$RB" check --within-run
expect 3 "VISIBILITY FAILURE stream/broken: consumer: message 7: wrong checksum" -- \
	"$RB" compare "$T/base.json" "$T/failure.json"
expect 2 "measured on test-machine, .* on other-machine.*--force" -- \
	"$RB" compare "$T/base.json" "$T/other.json"
expect 0 "different machines" -- "$RB" compare --within-run --force "$T/base.json" "$T/other.json"
expect 0 "only in base: pingpong/wait:spin/size:64" -- "$RB" compare --within-run "$T/base.json" "$T/fewer.json"
expect 0 "pass" -- "$RB" compare --within-run --threshold 30% "$T/base.json" "$T/slow.json"
expect 2 "--threshold 'x'" -- "$RB" compare --threshold x "$T/base.json" "$T/slow.json"
expect 2 "--alpha '2'" -- "$RB" compare --alpha 2 "$T/base.json" "$T/slow.json"
expect 2 "name two results files" -- "$RB" compare "$T/base.json"
expect 2 "--baseline, --out, --repetitions and --cpus apply to check and ab only" -- "$RB" compare --baseline x a b

# The same files, the same verdict, to the byte (seeded tests and bootstraps).
"$RB" compare "$T/base.json" "$T/slow.json" --json "$T/v1.json" >/dev/null 2>&1
"$RB" compare "$T/base.json" "$T/slow.json" --json "$T/v2.json" >/dev/null 2>&1
cmp -s "$T/v1.json" "$T/v2.json" || fail "two comparisons of the same files differ"

# A case name that would break a Markdown table or a JUnit file is escaped.
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
for f in ("base", "slow"):
    d = json.load(open(f"{t}/{f}.json"))
    for e in d["benchmarks"]:
        e["name"] = e["run_name"] = e["name"].replace("stream/", "stream/|`<x>&\n")
    json.dump(d, open(f"{t}/{f}_odd.json", "w"))
EOF
"$RB" compare --within-run "$T/base_odd.json" "$T/slow_odd.json" --markdown "$T/odd.md" --junit "$T/odd.xml" \
	>/dev/null 2>&1
python3 - "$T" <<'EOF' || fail "an odd case name broke the Markdown or the JUnit"
import sys, xml.etree.ElementTree as ET
t = sys.argv[1]
names = [c.get("name") for c in ET.parse(t + "/odd.xml").getroot().iter("testcase")]
assert any("|`<x>&" in n for n in names), names
md = open(t + "/odd.md").read()
rows = [l for l in md.splitlines() if l.startswith("| <code>stream")]
assert rows and all(l.count(" | ") == 7 for l in rows), rows[:2]
assert "&#124;&#96;&lt;x&gt;&amp;" in md
EOF

# Bad files: one line, exit 2, never a crash.
head -c 300 "$T/base.json" >"$T/truncated.json"
echo '{"context": {}, "runs": []}' >"$T/schema.json"
sed 's/"items_per_second": [0-9.e+]*/"items_per_second": NaN/' "$T/base.json" >"$T/nan.json"
sed 's/"items_per_second": [0-9.e+]*/"items_per_second": 1e999/' "$T/base.json" >"$T/inf.json"
python3 -c "
import json; d = json.load(open('$T/base.json'))
del d['benchmarks'][0]['producer_cpu_ns_per_msg']; json.dump(d, open('$T/missing.json', 'w'))"
expect 2 "truncated.json:1: not valid JSON" -- "$RB" compare "$T/base.json" "$T/truncated.json"
expect 2 "schema.json: not a results file .no 'benchmarks' array" -- \
	"$RB" compare "$T/schema.json" "$T/base.json"
expect 2 "nan.json: stream/wait:spin/size:64: items_per_second is not a number" -- "$RB" compare "$T/base.json" "$T/nan.json"
expect 2 "inf.json:1: not valid JSON: real number overflow" -- "$RB" compare "$T/base.json" "$T/inf.json"
expect 2 "missing.json: stream/wait:spin/size:64: missing field producer_cpu_ns_per_msg" -- \
	"$RB" compare "$T/base.json" "$T/missing.json"
expect 2 "nowhere.json: No such file or directory" -- "$RB" compare "$T/base.json" "$T/nowhere.json"
[ "$(wc -l <"$T/out")" -le 2 ] || fail "a bad file takes more than a line or two: $(cat "$T/out")"

# Files Google Benchmark itself wrote.
expect 2 "one run per side" -- "$RB" compare "$DATA/gbench_repetitions.json" \
	"$DATA/gbench_repetitions.json"
expect 0 "pass" -- "$RB" compare --within-run "$DATA/gbench_repetitions.json" \
	"$DATA/gbench_repetitions.json"
expect 0 "BM_memcpy/64" -- "$RB" compare --within-run --all "$DATA/gbench_repetitions.json" \
	"$DATA/gbench_repetitions.json"
expect 2 "no figure could be judged: too few repetitions" -- "$RB" compare --within-run \
	"$DATA/gbench_single.json" "$DATA/gbench_repetitions.json"

# The CI outputs, read back by parsers.
"$RB" compare --within-run "$T/base.json" "$T/slow.json" --junit "$T/j.xml" --json "$T/j.json" \
	--markdown "$T/j.md" >/dev/null 2>&1
[ $? = 1 ] || fail "compare with outputs: not exit 1"
python3 - "$T" <<'EOF' || fail "the outputs do not read back"
import json, sys, xml.etree.ElementTree as ET
t = sys.argv[1]
root = ET.parse(t + "/j.xml").getroot()
assert root.tag == "testsuites", root.tag
cases = root.findall("./testsuite/testcase")
assert len(cases) == 2, len(cases)
failed = [c.get("name") for c in cases if c.find("failure") is not None]
assert failed == ["stream/wait:spin/size:64"], failed
assert root.get("failures") == "1" and root.find("testsuite").get("tests") == "2"
assert "msgs/s" in cases[0].find("failure").get("message") or "msgs/s" in cases[1].find("failure").get("message")
j = json.load(open(t + "/j.json"))
assert j["status"] == 1 and j["regressions"] >= 1, j["status"]
rows = [r for r in j["rows"] if r["regression"]]
assert rows and rows[0]["case"] == "stream/wait:spin/size:64" and rows[0]["figure"] == "items_per_second"
assert rows[0]["ci_high"] < -0.05 and abs(rows[0]["change"] + 0.2) < 0.02, rows[0]
for r in j["rows"]:
    for k in ("base", "current", "change", "p", "threshold", "n_base", "n_current", "verdict"):
        assert k in r, k
md = open(t + "/j.md").read()
assert md.startswith("### ringbench compare: REGRESSION") and "| <code>stream/wait:spin/size:64</code> |" in md
EOF
"$RB" compare "$T/base.json" "$T/failure.json" --junit "$T/f.xml" >/dev/null 2>&1
python3 - "$T/f.xml" <<'EOF' || fail "a visibility failure is not a JUnit failure"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
f = [c for c in root.iter("testcase") if c.find("failure") is not None]
assert len(f) == 1 and f[0].get("name") == "stream/broken", [c.get("name") for c in f]
assert f[0].find("failure").get("type") == "visibility"
EOF
expect 2 "cannot write /nonexistent/j.xml" -- "$RB" compare "$T/base.json" "$T/same.json" \
	--junit /nonexistent/j.xml

# Baselines: per machine, in the results store ($RINGBENCH_RESULTS/ringbench.db
# by default), refused for another machine or a failure.
ID=$("$RB" baseline show | sed -n 's/^no baseline for this machine (\(.*\)).*/\1/p')
[ -n "$ID" ] || fail "baseline show does not name this machine"
gen "$T/mine.json" "$ID" 1.0
gen "$T/mine_failed.json" "$ID" 1.0 failure
expect 2 "measured on other-machine, this is $ID" -- "$RB" baseline save "$T/other.json"
expect 2 "visibility or integrity failures: not a baseline" -- \
	"$RB" baseline save "$T/mine_failed.json"
expect 2 "not valid JSON" -- "$RB" baseline save "$T/truncated.json"
expect 0 "^no baseline for this machine \($ID\) in the store $RINGBENCH_RESULTS/ringbench.db" -- \
	"$RB" baseline show
expect 0 "saved the baseline for $ID in the store $RINGBENCH_RESULTS/ringbench.db" -- \
	"$RB" baseline save "$T/mine.json"
[ -e "$RINGBENCH_BASELINES" ] && fail "the baseline went into a folder, not the store"
expect 0 "kept in: +$RINGBENCH_RESULTS/ringbench.db \(baseline of $ID\)" -- "$RB" baseline show
# --baseline FILE: a JSON file, written atomically.
expect 0 "saved the baseline for $ID as $T/files/b.json" -- \
	"$RB" baseline save "$T/mine.json" --baseline "$T/files/b.json"
ls "$T/files" | grep -vxq b.json && fail "a temporary file was left beside the baseline file"
expect 2 "--baseline FILE or --store WHERE, not both" -- \
	"$RB" baseline show --baseline "$T/files/b.json" --store "$T/x.db"
expect 0 "cases: +2 .20 repetitions" -- "$RB" baseline show
expect 0 "runs: +1 .a verdict from stored runs needs 5" -- "$RB" baseline show
# baseline add: runs of the baseline's revision, each marked as a run.
gen "$T/mine2.json" "$ID" 1.0
expect 0 "added 20 repetitions .* which holds 2 runs now" -- "$RB" baseline add "$T/mine2.json"
sed 's/abc1234/def5678/' "$T/mine2.json" >"$T/mine_other_rev.json"
expect 2 "measured at def5678, the baseline at abc1234" -- "$RB" baseline add "$T/mine_other_rev.json"
expect 0 "which holds 3 runs now" -- "$RB" baseline add "$T/mine_other_rev.json" --force
expect 0 "runs: +3 " -- "$RB" baseline show
expect 0 "revision: +abc1234" -- "$RB" baseline show
expect 2 "'add', 'save' or 'show'" -- "$RB" baseline drop
expect 2 "name a results file" -- "$RB" baseline save

# The suite score: a line per machine state just above the summary, the
# first thing after the Markdown's title, an array in the JSON.  The stream
# 20% slower in rate (1.25) and the ping-pong unchanged: sqrt(1.25) = 1.118.
score='^suite score, state [0-9]+-[0-9]+ ns: 1\.1[12][0-9] \(1[12]\.[0-9]% slower\)'
expect 1 "$score, 95% interval 1\.[0-9]{3} to 1\.[0-9]{3}, over 2 cases\$" -- \
	"$RB" compare --within-run "$T/base.json" "$T/slow.json"
tail -2 "$T/out" | head -1 | grep -Eq "^suite score, " || fail "the suite score is not above the summary"
expect 2 "$score, interval none: one run per side, over 2 cases\$" -- \
	"$RB" compare "$T/base.json" "$T/slow.json"
expect 1 "^suite score, state [0-9]+-[0-9]+ ns: [0-9.]+ \([0-9.]+% slower\), 95% interval" -- \
	"$RB" compare "$T/runs6.json" "$T/now_half.json"
expect 1 "^suite score, state [0-9]+-[0-9]+ ns: [0-9.]+ \([0-9.]+% slower\), 95% interval" -- \
	"$RB" compare "$T/abA.json" "$T/abB.json"
expect 0 "^suite score, no state recorded: 1\.000 \(no change\), 95% interval" -- \
	"$RB" compare --within-run "$DATA/gbench_repetitions.json" "$DATA/gbench_repetitions.json"
"$RB" compare --within-run "$T/base.json" "$T/slow.json" --json "$T/s.json" --markdown "$T/s.md" \
	>/dev/null 2>&1
python3 - "$T" <<'EOF' || fail "the Markdown does not lead with the suite score, or the JSON lacks it"
import json, sys
t = sys.argv[1]
lines = [l for l in open(t + "/s.md").read().splitlines() if l.strip()]
assert lines[0].startswith("### ringbench compare: REGRESSION"), lines[0]
assert lines[1].startswith("- suite score, state ") and "% slower), 95% interval" in lines[1], lines[1]
s = json.load(open(t + "/s.json"))["suite_score"]
assert len(s) == 1 and s[0]["cases"] == 2 and not s[0]["exact"], s
assert abs(s[0]["ratio"] - 1.25 ** 0.5) < 0.01 and s[0]["ci_low"] < s[0]["ratio"] < s[0]["ci_high"], s
assert s[0]["state"].startswith("state ") and s[0]["level"] == 0.95, s
EOF

if [ $fails -ne 0 ]; then
	echo "judge_cli: $fails failures"
	exit 1
fi
echo "judge_cli: ok"
