#!/bin/bash
# formats.sh RINGBENCH TESTS_DIR: --bmf, --github-benchmark and --csv from
# the commands that write them (run, stream, pingpong, latency; compare,
# check --results and ab), each file checked by formats_check.py against
# its format's published rules and against the results and the verdict it
# was made from; and the files refused before anything runs.  Tiny runs,
# for behaviour: no timing is asserted.
set -u
RB=$1
TESTS=$2
CHECK="python3 $TESTS/formats_check.py"
if [ "$(nproc)" -lt 2 ]; then
	echo "formats.sh: skipped, this test needs 2 CPUs"
	exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export RINGBENCH_BASELINES=$T/baselines RINGBENCH_RESULTS=$T/results
fails=0

fail() {
	echo "formats.sh: FAIL: $*"
	fails=$((fails + 1))
}

# expect CODES PATTERN -- command...: an exit code among CODES (a|b) and a
# line matching PATTERN.
expect() {
	local want=$1 pattern=$2
	shift 3
	"$@" >"$T/out" 2>&1
	local got=$?
	[[ "$got" =~ ^($want)$ ]] || fail "$* exited $got, not $want: $(tail -3 "$T/out")"
	grep -Eq -- "$pattern" "$T/out" || fail "$*: no line matching '$pattern' in: $(tail -5 "$T/out")"
}

# checked NAME [--verdict V]: NAME's results, BMF, github and CSV files
# pass the checker.
checked() {
	local name=$1
	shift
	$CHECK --results "$T/$name.json" "$@" --bmf "$T/$name.bmf.json" --github "$T/$name-gab" \
		--csv "$T/$name.csv" >"$T/check" 2>&1 || fail "$name: $(head -20 "$T/check")"
}

# formats NAME: the options that write NAME's three files.
formats() {
	echo --bmf "$T/$1.bmf.json" --github-benchmark "$T/$1-gab" --csv "$T/$1.csv"
}

$CHECK --self-test || fail "the checker passes a broken file"

# run: a scenario of a stream and a ping-pong, every figure of both.
expect 0 "^stream/" -- "$RB" run "$TESTS/data/ci.ini" --repetitions 3 --warmup 0 \
	--out "$T/run.json" $(formats run)
checked run
# The three other measuring commands, one mode each.
expect 0 "^stream/" -- "$RB" stream --messages 20K --repetitions 2 --warmup 0 \
	--out "$T/stream.json" $(formats stream)
checked stream
expect 0 "^pingpong/" -- "$RB" pingpong --transport ring,line --messages 2K --repetitions 3 \
	--warmup 0 --out "$T/pingpong.json" $(formats pingpong)
checked pingpong
# A latency run's rate is the one it was told: not a figure, so no
# bigger-is-better file (the action stops at an empty array); one an
# earlier run left there is removed.
echo '[{"name": "an earlier run - msgs/s", "unit": "msgs/s", "value": 1}]' >"$T/latency-gab-bigger.json"
expect 0 "latency-gab-bigger.json not written" -- "$RB" latency --rate 100K --duration 0.01 \
	--capacity 64K --repetitions 2 --warmup 0 --out "$T/latency.json" $(formats latency)
checked latency
[ -e "$T/latency-gab-bigger.json" ] && fail "latency: a bigger-is-better file: $(head -c 200 "$T/latency-gab-bigger.json")"
[ "$(grep -c 'not written' "$T/out")" = 1 ] || fail "latency: not one line on the file not written"
grep -q '"throughput"' "$T/latency.bmf.json" && fail "latency: its rate written as a figure"
grep -q '"latency-p99"' "$T/latency.bmf.json" || fail "latency: no p99"

# compare: two real runs, repetitions as draws; the verdict's JSON says
# what each value and bound must be (whatever the verdict: the machine's
# state may differ between the runs, leaving figures without interval).
expect 0 "^stream/" -- "$RB" run "$TESTS/data/ci.ini" --repetitions 5 --warmup 0 \
	--out "$T/cmp.json"
expect "0|1|2" "^ringbench compare: " -- "$RB" compare "$T/run.json" "$T/cmp.json" \
	--within-run --json "$T/cmp.verdict.json" $(formats cmp)
checked cmp --verdict "$T/cmp.verdict.json"
# check --results: check's verdict writes them too (one run in the
# baseline: no verdict, exit 2, every figure all the same).
cp "$T/run.json" "$T/base.json"
expect 2 "^ringbench check: NO VERDICT" -- "$RB" check --results "$T/cmp.json" \
	--baseline "$T/base.json" --json "$T/chk.verdict.json" $(formats chk)
cp "$T/cmp.json" "$T/chk.json"
checked chk --verdict "$T/chk.verdict.json"
# check's first night (an empty store: the run becomes the baseline, no
# verdict): the run's figures, as a plain run writes them.
expect 0 "no baseline for this machine" -- "$RB" check "$TESTS/data/ci.ini" --repetitions 10 \
	--store "$T/first.db" --out "$T/first.json" $(formats first)
checked first

# Made-up runs in one machine state: gen PATH RUNS REPETITIONS SHIFT
# writes RUNS runs (each with a run_id and its own small offset) of a
# stream whose rate is SHIFT times 30M and of a ping-pong whose name holds
# a comma, quotes and a line break (RFC 4180 keeps it in quotes).
gen() {
	python3 - "$@" <<'PY'
import json, random, sys
path, runs, reps, shift = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
random.seed(path[-12:])
b = []
for k in range(runs):
    offset = random.lognormvariate(0, 0.02) if runs > 1 else 1.0
    for i in range(reps):
        for name, mode, rate in (("stream/wait:spin/size:64/cpus:0,1", "stream", 3e7 * shift),
                                 ('pingpong/odd "name",\nhere/cpus:0,1', "pingpong", 6e6)):
            r = rate * offset * random.lognormvariate(0, 0.01)
            e = {"name": name, "run_name": name, "run_type": "iteration", "mode": mode,
                 "items_per_second": r, "bytes_per_second": 64 * r,
                 "producer_cpu_ns_per_msg": 1e9 / r, "consumer_cpu_ns_per_msg": 1.1e9 / r,
                 "syscalls_per_msg": 0.0, "repetition_index": i, "state_before_ns": 62.0,
                 "state_after_ns": 63.0}
            if runs > 1:
                e["run_id"] = "%s-%d" % (path[-12:], k)
            if mode != "stream":
                for key, f in (("p50_ns", 1.0), ("p75_ns", 1.1), ("p90_ns", 1.2),
                               ("p95_ns", 1.3), ("p99_ns", 1.4), ("p999_ns", 2),
                               ("p9999_ns", 3), ("max_ns", 9)):
                    e[key] = round(f * 1e9 / r)
            b.append(e)
json.dump({"context": {"machine_id": "test-machine", "library_build_type": "release",
                       "git_revision": "abc1234"}, "benchmarks": b}, open(path, "w"))
PY
}

# A verdict with known answers: the stream's rate 20% lower, judged
# repetition by repetition: a regression, and an interval on every timed
# figure.
gen "$T/gen-a.json" 1 10 1.0
gen "$T/gen-b.json" 1 10 0.8
expect 1 "^ringbench compare: REGRESSION" -- "$RB" compare "$T/gen-a.json" "$T/gen-b.json" \
	--within-run --json "$T/gen.verdict.json" $(formats gen)
cp "$T/gen-b.json" "$T/gen.json"
checked gen --verdict "$T/gen.verdict.json"
grep -Eq '^"stream/[^"]*",msgs/s,items_per_second,throughput,msgs/s,bigger,[0-9.e+]+,[0-9.e+]+,[0-9.e+]+,interval,10,[0-9.e+]+,-0\.(19|20|21)[0-9]*,.*,REGRESSION.$' "$T/gen.csv" ||
	fail "compare: the stream's rate not a regression of 20% with its interval: $(grep '^"stream' "$T/gen.csv" | head -1)"
grep -q '^"pingpong/odd ""name"",$' "$T/gen.csv" || fail "compare: the name with a line break not kept in quotes"

# The same files judged run by run: one run a side, no verdict ("differs
# (one run each)"), and the within-run interval its rows carry (the rate's
# -20%) bounds nothing.
expect 2 "one run per side" -- "$RB" compare "$T/gen-a.json" "$T/gen-b.json" \
	--json "$T/one.verdict.json" $(formats one)
grep -q '"method": "one-run-each"' "$T/one.verdict.json" || fail "compare: not one run a side"
grep -q '"ci_low": -0\.[12]' "$T/one.verdict.json" || fail "compare: no interval in the rows to leave out"
cp "$T/gen-b.json" "$T/one.json"
checked one --verdict "$T/one.verdict.json"
grep -q '"lower_value"' "$T/one.bmf.json" && fail "compare: bounds from one run a side"

# By stored runs: a base of 6 runs, 2 runs now (the value is the
# geometric mean of their medians), judged run by run, by compare and by
# check --results against the base as its baseline.
gen "$T/runs-a.json" 6 3 1.0
gen "$T/runs-b.json" 2 3 0.8
expect 1 "^ringbench compare: REGRESSION" -- "$RB" compare "$T/runs-a.json" "$T/runs-b.json" \
	--json "$T/runs.verdict.json" $(formats runs)
grep -q '"method": "runs"' "$T/runs.verdict.json" || fail "compare: not judged by runs"
cp "$T/runs-b.json" "$T/runs.json"
checked runs --verdict "$T/runs.verdict.json"
grep -q ',interval,2,' "$T/runs.csv" || fail "compare by runs: no interval over the 2 runs"
expect 1 "^ringbench check: REGRESSION" -- "$RB" check --results "$T/runs-b.json" \
	--baseline "$T/runs-a.json" --json "$T/stored.verdict.json" $(formats stored)
cp "$T/runs-b.json" "$T/stored.json"
checked stored --verdict "$T/stored.verdict.json"

# ab: two binaries (this one twice), interleaved, judged pair by pair.
expect "0|1|2" "^ringbench ab: " -- "$RB" ab "$RB" "$RB" "$TESTS/data/ci.ini" --repetitions 8 \
	--out "$T/ab" --json "$T/ab.verdict.json" $(formats ab)
grep -q '"method": "interleaved"' "$T/ab.verdict.json" || fail "ab: not judged in pairs"
cp "$T/ab-B.json" "$T/ab.json"
checked ab --verdict "$T/ab.verdict.json"

# Google Benchmark's own file: its rate is items/s, named so.
expect 0 "^ringbench compare: " -- "$RB" compare "$TESTS/data/gbench_repetitions.json" \
	"$TESTS/data/gbench_repetitions.json" --within-run --json "$T/gb.verdict.json" $(formats gb)
cp "$TESTS/data/gbench_repetitions.json" "$T/gb.json"
checked gb --verdict "$T/gb.verdict.json"
grep -q ' - items/s"' "$T/gb-gab-bigger.json" || fail "a Google Benchmark rate not named items/s"

# Every command that writes them says so in its --help.
for cmd in run stream compare check ab; do
	"$RB" $cmd --help >"$T/help" 2>&1
	for opt in "--bmf FILE" "--github-benchmark PREFIX" "--csv FILE"; do
		grep -q -- "$opt" "$T/help" || fail "$cmd --help does not name $opt"
	done
done

# A file that cannot be written, or that is another file the command
# writes or reads, is said before anything runs: each of these would
# measure for minutes (a 30 s stream, a long scenario's 5 repetitions)
# before it got to its files, so each must end at once (timeout: 124), and
# leave no results, no store, no file.
cat >"$T/long.ini" <<'INI'
[run]
repetitions = 5
warmup = 0
cpus = 0,1

[stream]
transport = ring
wait = spin
size = 64
capacity = 64K
duration = 30
INI
expect 2 "cannot write /nonexistent/x.json" -- timeout 20 "$RB" stream --duration 30 \
	--repetitions 1 --warmup 0 --out "$T/never.json" --bmf /nonexistent/x.json
expect 2 "cannot write /nonexistent/g" -- timeout 20 "$RB" run "$T/long.ini" \
	--github-benchmark /nonexistent/g --out "$T/never.json"
mkdir "$T/adir" "$T/g-smaller.json"
expect 2 "cannot write $T/adir: Is a directory" -- timeout 20 "$RB" run "$T/long.ini" \
	--bmf "$T/adir" --out "$T/never.json"
expect 2 "cannot write $T/g-smaller.json: Is a directory" -- timeout 20 "$RB" check \
	"$T/long.ini" --store "$T/never.db" --out "$T/never.json" --github-benchmark "$T/g"
expect 2 "cannot write /nonexistent/x.csv" -- timeout 20 "$RB" ab "$RB" "$RB" "$T/long.ini" \
	--out "$T/never" --csv /nonexistent/x.csv
expect 2 "compare: cannot write /nonexistent/x.csv" -- "$RB" compare "$T/run.json" \
	"$T/cmp.json" --csv /nonexistent/x.csv
# Two names of one file: the results, an input, another output.
expect 2 "--bmf $T/r.json and --out $T/r.json are the same file" -- timeout 20 "$RB" run \
	"$T/long.ini" --repetitions 2 --warmup 0 --out "$T/r.json" --bmf "$T/r.json"
expect 2 "--csv $T/./never.json and --out $T/never.json are the same file" -- timeout 20 \
	"$RB" stream --duration 30 --repetitions 1 --out "$T/never.json" --csv "$T/./never.json"
expect 2 "are the same file" -- timeout 20 "$RB" check "$T/long.ini" --store "$T/never.db" \
	--out "$T/never.json" --csv "$T/never.db"
expect 2 "--bmf $T/never-B.json and --out $T/never-B.json are the same file" -- timeout 20 \
	"$RB" ab "$RB" "$RB" "$T/long.ini" --out "$T/never" --bmf "$T/never-B.json"
expect 2 "--bmf $T/never.json.baseline-build.json and --out $T/never.json.baseline-build.json" \
	-- timeout 20 "$RB" check "$T/long.ini" --store "$T/never.db" --out "$T/never.json" \
	--bmf "$T/never.json.baseline-build.json"
cp "$T/cmp.json" "$T/b.json"
expect 2 "--bmf $T/b.json and input $T/b.json are the same file" -- "$RB" compare \
	"$T/run.json" "$T/b.json" --within-run --bmf "$T/b.json"
cmp -s "$T/cmp.json" "$T/b.json" || fail "compare: its input overwritten"
expect 2 "--bmf $T/v.json and --json $T/v.json are the same file" -- "$RB" compare \
	"$T/run.json" "$T/cmp.json" --json "$T/v.json" --bmf "$T/v.json"
expect 2 "--bmf $T/x and --csv $T/x are the same file" -- "$RB" compare "$T/run.json" \
	"$T/cmp.json" --bmf "$T/x" --csv "$T/x"
expect 2 "are the same file" -- "$RB" check --results "$T/cmp.json" --baseline "$T/base.json" \
	--csv "$T/base.json"
cmp -s "$T/run.json" "$T/base.json" || fail "check: its baseline overwritten"
for f in never.json never-A.json never-B.json never.db r.json v.json x; do
	[ -e "$T/$f" ] && fail "$f written by a command refused before it ran"
done

if [ "$fails" -ne 0 ]; then
	echo "formats.sh: $fails failures"
	exit 1
fi
echo "formats.sh: ok"
