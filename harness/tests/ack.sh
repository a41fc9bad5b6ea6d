#!/bin/bash
# ack.sh RINGBENCH SOURCE_DIR: acknowledged regressions end to end, on
# results files made up here with a known regression (the stream's rate
# 20% down), judged by `check --results` (nothing is measured): check
# fails; passes once the regression is acknowledged, saying so with the
# reason; fails again when the acknowledgement expires (a past date, a
# revision the checked build contains) or the figure moves further than
# the threshold beyond the change accepted; `ack --list`, `--remove`, the
# report page; a run judged in pairs against its baseline build's side; a
# results file whose machine id would lead a path out of its folder; the
# usage errors; the machine's own baseline and acknowledgements in a
# temporary results store (SQLite), and another machine's there (--machine).
# Everything goes into a temporary folder.
set -u
RB=$1
SRC=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset RINGBENCH_STORE RINGBENCH_HISTORY
export RINGBENCH_BASELINES=$T/baselines RINGBENCH_RESULTS=$T/results
DB=$T/results/ringbench.db
fails=0

fail() {
	echo "ack: FAIL: $*"
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

# gen FILE MACHINE SHIFT RUNS REVISION: a results file of two cases, 10
# repetitions a run, runs 1% apart, in one machine state; SHIFT scales the
# stream's rate (and its time), nothing else.
gen() {
	python3 - "$@" <<'EOF'
import json, random, sys
path, machine, shift, runs, rev = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
name = path.rsplit("/", 1)[-1]
random.seed(sum(map(ord, name)) + runs)
b = []
def rep(case, mode, i, rate, run):
    e = {"name": case, "run_name": case, "run_type": "iteration", "mode": mode,
         "iterations": 1000, "real_time": 1e9 / rate, "cpu_time": 100.0, "time_unit": "ns",
         "items_per_second": rate, "producer_cpu_ns_per_msg": 50.0,
         "consumer_cpu_ns_per_msg": 50.0, "syscalls_per_msg": 0.0, "repetition_index": i,
         "state_before_ns": 62.0, "state_after_ns": 63.0, "run_id": run}
    if mode != "stream":
        e["p50_ns"] = 1e9 / rate
        e["p99_ns"] = 1.4e9 / rate
    return e
for k in range(runs):
    run = "%s-run%d" % (name, k)
    lv = random.lognormvariate(0, 0.01)
    for i in range(10):
        b.append(rep("stream/wait:spin/size:64", "stream", i,
                     3e7 * shift * lv * random.lognormvariate(0, 0.005), run))
        b.append(rep("pingpong/wait:spin/size:64", "pingpong", i,
                     6e6 * lv * random.lognormvariate(0, 0.005), run))
doc = {"context": {"machine_id": machine, "library_build_type": "release",
                   "git_revision": rev, "date": "2026-11-25T00:00:00+0000"},
       "benchmarks": b}
json.dump(doc, open(path, "w"))
EOF
}

# side FILE AB SEED: mark FILE as one side (A the baseline's build, B the
# checked one) of an interleaved session with that shuffle seed.
side() {
	python3 - "$@" <<'EOF'
import json, sys
path, ab, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(path))
doc["context"].update(ab_build=ab, shuffle_seed=seed)
json.dump(doc, open(path, "w"))
EOF
}

S='stream/wait:spin/size:64'
P='pingpong/wait:spin/size:64'
M=test-machine
B=$T/base.json
# A revision of the source tree for --until REV, where it is a git tree
# with history; else the revision parts are skipped.
HEAD=$(git -C "$SRC" rev-parse --verify -q HEAD 2>/dev/null)
PARENT=$(git -C "$SRC" rev-parse --verify -q 'HEAD~1' 2>/dev/null)
REV=${HEAD:-abc1234}
gen "$B" $M 1.0 6 "$REV"
gen "$T/now.json" $M 0.8 1 "$REV"
gen "$T/worse.json" $M 0.6 1 "$REV"
judge() { "$RB" check --results "$1" --baseline "$B" "${@:2}"; }

# Unacknowledged: a regression, and its verdict kept for ack.
expect 1 "^  msgs/s .* REGRESSION" -- judge "$T/now.json"
[ -f "$T/base.last-verdict.json" ] || fail "check kept no verdict beside --baseline"
[ -e "$T/base.acks.json" ] && fail "check made an acknowledgements file"

# Usage errors: exit 2, one clear line, nothing written.
A=("$RB" ack --baseline "$B")
expect 2 "unknown figure 'rate': one of 'msgs/s' \(items_per_second\)" -- "${A[@]}" "$S" rate --reason r
expect 2 "--reason TEXT is required" -- "${A[@]}" "$S" msgs/s
expect 2 "--reason TEXT is required" -- "${A[@]}" "$S" msgs/s --reason ''
expect 2 "--until '2026-13-01' is not a date YYYY-MM-DD" -- "${A[@]}" "$S" msgs/s --reason r --until 2026-13-01
expect 2 "--until 'no-such-rev-xyz': neither a date" -- "${A[@]}" "$S" msgs/s --reason r --until no-such-rev-xyz
expect 2 "no case 'stream/wait:spin/size:6' .* the closest: '$S'" -- "${A[@]}" stream/wait:spin/size:6 msgs/s --reason r
expect 2 "$P msgs/s is no regression in the last verdict" -- "${A[@]}" "$P" msgs/s --reason r
expect 2 "--change '\+5%' is no regression: msgs/s is better higher" -- "${A[@]}" "$S" msgs/s --reason r --change +5%
expect 2 "name a CASE and a FIGURE" -- "${A[@]}" "$S" --reason r
expect 2 "no acknowledgement of $S msgs/s" -- "${A[@]}" --remove "$S" msgs/s
expect 2 "--verdict $T/none.json: no verdict can be read" -- "${A[@]}" "$S" msgs/s --reason r --verdict "$T/none.json"
expect 2 "--change 'x': a signed percentage" -- "${A[@]}" "$S" msgs/s --reason r --change x
# A tag of digits and dashes is a revision, not a malformed date.
expect 2 "--until '2024-01': neither a date YYYY-MM-DD nor a revision" -- \
	"${A[@]}" "$S" msgs/s --reason r --until 2024-01
# A verdict's change of -100% or less would accept a regression of any size.
printf '{"current": {"git_revision": "abc1234"}, "rows": [{"case": "%s", "figure": "items_per_second", "verdict": "REGRESSION", "change": -1.2}]}' \
	"$S" >"$T/all.json"
expect 2 "gives $S msgs/s a change of -120.0% .*not one that can be accepted" -- \
	"${A[@]}" "$S" msgs/s --reason r --verdict "$T/all.json"
[ -e "$T/base.acks.json" ] && fail "a refused ack wrote the acknowledgements file"

# Acknowledged: the change taken from the last verdict; check passes and
# says why; the list and the report page show it.
expect 0 "acknowledged $S msgs/s: accepted -[0-9.]+%, until no end: bigger records" -- \
	"${A[@]}" "$S" items_per_second --reason "bigger records"
[ -f "$T/base.acks.json" ] || fail "ack kept nothing beside --baseline"
expect 0 "^  msgs/s .* acknowledged .*accepted -[0-9.]+%: bigger records" -- judge "$T/now.json"
grep -q "ringbench check: pass" "$T/out" || fail "an acknowledged check is no pass: $(tail -3 "$T/out")"
grep -q "1 regression accepted" "$T/out" || fail "check does not say what it acknowledged"
expect 0 "reason: bigger records" -- "$RB" ack --list --baseline "$B"
grep -q "^$S" "$T/out" || fail "ack --list does not name the case"
# One more, of a figure that is no regression in this run: the page shows
# it unused, and not in red.
expect 0 "acknowledged $P msgs/s" -- "${A[@]}" "$P" msgs/s --reason "spare" --change -10%
expect 0 "report: " -- sh -c '"$0" report "$1" --baseline "$2" --no-history --out "$3"; [ $? -le 2 ]' \
	"$RB" "$T/now.json" "$B" "$T/page"
for f in "$T/page/index.html" "$T/page/report.md"; do
	grep -q "Acknowledged regressions" "$f" || fail "$f has no acknowledgements section"
	grep -q "bigger records" "$f" || fail "$f does not give the reason"
	grep -q "acknowledged" "$f" || fail "$f does not call the row acknowledged"
done
grep -q 'class="verdict s0"' "$T/page/index.html" || fail "the page's verdict is no pass"
grep -q "<tr class=\"same\"><td><code>$P</code>.*not a regression in this run" "$T/page/index.html" ||
	fail "the page's row of an unused acknowledgement is not plain (or says otherwise)"
expect 0 "removed the acknowledgement" -- "${A[@]}" --remove "$P" msgs/s

# The figure moved again: 40% down against the 20% accepted fails.
expect 1 "REGRESSION .*moved beyond the -[0-9.]+% acknowledged .*bigger records" -- judge "$T/worse.json"

# Expired by date: the day has come.
expect 0 "acknowledged again .* until 2020-01-01" -- "${A[@]}" "$S" msgs/s --reason "bigger records" --until 2020-01-01
grep -q "is past" "$T/out" || fail "ack does not warn of a date past"
expect 1 "REGRESSION .*acknowledgement expired on 2020-01-01: bigger records" -- judge "$T/now.json"
expect 0 "until 2999-01-01" -- "${A[@]}" "$S" msgs/s --reason "bigger records" --until 2999-01-01
expect 0 "acknowledged .*until 2999-01-01: bigger records" -- judge "$T/now.json"

# Expired by revision: the checked build contains it; not yet where it
# does not.
if [ -n "$HEAD" ] && [ -n "$PARENT" ]; then
	expect 0 "until HEAD" -- "${A[@]}" "$S" msgs/s --reason "bigger records" --until HEAD
	expect 1 "REGRESSION .*acknowledgement expired on HEAD .*contains it" -- judge "$T/now.json"
	gen "$T/older.json" $M 0.8 1 "$PARENT"
	expect 0 "acknowledged .*until HEAD" -- judge "$T/older.json"
	# A revision git does not know: taken as expired, and said.
	gen "$T/unknown.json" $M 0.8 1 "0badc0de"
	expect 1 "REGRESSION .*taken as expired: git does not know the checked revision 0badc0de" -- \
		judge "$T/unknown.json"
else
	echo "ack: no git history in $SRC: --until REV left untested"
fi

# By hand, then removed: check fails again.
expect 0 "accepted -25.0% \(given by hand\)" -- "${A[@]}" "$S" msgs/s --reason "bigger records" --change -25%
expect 0 "removed the acknowledgement" -- "${A[@]}" --remove "$S" "msgs/s"
expect 1 "^  msgs/s .* REGRESSION" -- judge "$T/now.json"
expect 0 "no acknowledged regressions" -- "$RB" ack --list --baseline "$B"

# In pairs: FILE judged against FILE.baseline-build.json, its other side
# (check --out keeps both), at pairs' 3% floor; acknowledged the same way.
gen "$T/pair.json" $M 0.8 1 "$REV"
gen "$T/pair.json.baseline-build.json" $M 1.0 1 "$REV"
side "$T/pair.json" B 42
side "$T/pair.json.baseline-build.json" A 42
expect 1 "^  msgs/s .* REGRESSION \(threshold 3.0%\)" -- judge "$T/pair.json"
grep -q "^method: interleaved" "$T/out" || fail "check --results in pairs was not judged in pairs"
expect 0 "acknowledged $S msgs/s: accepted -[0-9.]+%" -- "${A[@]}" "$S" msgs/s --reason "pairs"
expect 0 "^  msgs/s .* acknowledged .*pairs" -- judge "$T/pair.json"
grep -q "^method: interleaved" "$T/out" || fail "the acknowledged pairs were not judged in pairs"
expect 0 "removed the acknowledgement" -- "${A[@]}" --remove "$S" msgs/s
gen "$T/even.json" $M 1.0 1 "$REV"
cp "$T/pair.json.baseline-build.json" "$T/even.json.baseline-build.json"
side "$T/even.json" B 42
expect 0 "ringbench check: pass" -- judge "$T/even.json"
grep -q "^method: interleaved" "$T/out" || fail "an even pair was not judged in pairs"
# A file beside that is not the other side (another session): said, and
# the stored runs judge instead.
side "$T/pair.json.baseline-build.json" A 7
expect 1 "pair.json.baseline-build.json is not used: it is not the other side .*seed 7/42" -- \
	judge "$T/pair.json"
grep -q "^method: the run as the unit" "$T/out" || fail "no fallback to the stored runs"

# A machine id that would lead a path out of its folder is refused where
# results are read, by every command, and nothing is written by it.
gen "$T/trav.json" "../evil/x" 0.8 1 "$REV"
expect 2 "machine id '../evil/x' is no file name" -- "$RB" check --results "$T/trav.json" --force
expect 2 "machine id '../evil/x' is no file name" -- "$RB" compare "$B" "$T/trav.json"
gen "$T/dot.json" ".x" 0.8 1 "$REV"
expect 2 "machine id '.x' is no file name" -- "$RB" compare "$T/dot.json" "$B"
if [ -e "$T/evil" ] || [ -e "$RINGBENCH_RESULTS/evil" ]; then
	fail "a machine id led a path out of its folder"
fi

# This machine's baseline, with no --baseline: in the store, and the
# verdict in the runs' folder, by the machine's id.
ID=$("$RB" baseline show | sed -n 's/^no baseline for this machine (\([^)]*\)).*/\1/p')
if [ -n "$ID" ]; then
	gen "$T/mine-base.json" "$ID" 1.0 6 "$REV"
	expect 0 "saved the baseline for $ID in the store $DB" -- "$RB" baseline save "$T/mine-base.json"
	gen "$T/mine.json" "$ID" 0.8 1 "$REV"
	expect 1 "REGRESSION" -- "$RB" check --results "$T/mine.json"
	[ -f "$RINGBENCH_RESULTS/runs/$ID.last-verdict.json" ] || fail "no last verdict among the runs"
	expect 0 "kept in $DB \(acknowledgements of $ID\)\$" -- "$RB" ack "$S" msgs/s --reason "bigger records"
	expect 0 "^  msgs/s .* acknowledged .*bigger records" -- "$RB" check --results "$T/mine.json"
	grep -qF "acknowledged ($DB (acknowledgements of $ID)): 1 regression accepted" "$T/out" ||
		fail "check does not name the store's acknowledgements: $(tail -3 "$T/out")"
	[ -e "$RINGBENCH_BASELINES" ] && fail "an acknowledgement went into the baselines' folder"
	expect 0 "reason: bigger records" -- "$RB" ack --list
	# Another store holds none of them.
	expect 0 "no acknowledged regressions \($T/other.db \(acknowledgements of $ID\)\)" -- \
		"$RB" ack --list --store "$T/other.db"
else
	fail "baseline show names no machine id"
fi

# Instruction counts (check --instructions' results): judged as counts,
# against the machine's stored counts (another machine's, test-machine,
# brought into the store by import); acknowledged the same way, on that
# machine's baseline (--machine).
ginstr() {
	python3 - "$@" <<'EOF'
import json, sys
path, machine, per = sys.argv[1], sys.argv[2], float(sys.argv[3])
name = "instructions/try_push/size:64"
b = [{"name": name, "run_name": name, "run_type": "iteration", "repetitions": 1,
      "repetition_index": 0, "threads": 1, "iterations": 100000,
      "instructions_per_op": per, "instructions_total": per * 1e5, "op": "try_push"}]
json.dump({"context": {"machine_id": machine, "library_build_type": "release",
                       "git_revision": "abc1234", "date": "2026-11-25T00:00:00+0000"},
           "benchmarks": b}, open(path, "w"))
EOF
}
ginstr "$T/counts.json" $M 100
expect 0 "imported 1 run" -- "$RB" store import "$T/counts.json" --kind instructions
ginstr "$T/instr.json" $M 103
expect 1 "instr/op .* REGRESSION" -- "$RB" check --results "$T/instr.json"
[ -f "$RINGBENCH_RESULTS/runs/$M.instructions.last-verdict.json" ] ||
	fail "no last verdict of the instruction counts"
expect 0 "accepted \+3.0%" -- "$RB" ack "instructions/try_push/size:64" instr/op --reason "a fence" \
	--verdict "$RINGBENCH_RESULTS/runs/$M.instructions.last-verdict.json" --machine $M
grep -qF "kept in $DB (acknowledgements of $M)" "$T/out" || fail "--machine: not kept with $M's baseline"
expect 0 "instr/op .* acknowledged .*a fence" -- "$RB" check --results "$T/instr.json"
expect 2 "--baseline FILE keeps them beside FILE: not with --machine or --store" -- \
	"$RB" ack --list --machine $M --baseline "$B"

# check --results refuses what would make or keep a run.
expect 2 "check --results judges a file measured before" -- "$RB" check --results "$T/now.json" quick
expect 2 "no baseline to judge" -- "$RB" check --results "$T/now.json" --baseline "$T/none.json"

[ "$fails" = 0 ] && echo "ack: ok" || echo "ack: $fails failures"
[ "$fails" = 0 ]
