#!/bin/bash
# gbench_cli.sh RINGBENCH RING_GBENCH CI_SCENARIO: Google Benchmark's output
# read by ringbench: ring_gbench's JSON judged by `ringbench compare`, and
# `ringbench gbench` running a tiny scenario's cross-process cases through
# Google Benchmark with its filter, repetitions and JSON reporter.  No
# timing is asserted.
set -u
RB=$1 GB=$2 SCEN=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
fail() {
	echo "gbench_cli: FAIL: $*"
	fails=$((fails + 1))
}
# ring_gbench's own JSON, six repetitions of two cases, judged against itself
"$GB" --benchmark_filter='ring/(publish|consume)/size:64$' --benchmark_repetitions=6 \
	--benchmark_min_time=0.002 --benchmark_format=json >"$T/gb.json" 2>"$T/err" ||
	fail "ring_gbench: exit $?: $(cat "$T/err")"
# (one process's repetitions: --within-run takes them as independent draws)
"$RB" compare --within-run "$T/gb.json" "$T/gb.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "ringbench compare: pass: 0 regressions, 0 improvements, 4 unchanged" "$T/out" ||
	fail "compare of ring_gbench's JSON: $(cat "$T/out")"
# ringbench gbench: the scenario's cases as benchmarks, filtered, repeated,
# JSON out; the console table on stdout as well
"$RB" gbench "$SCEN" --benchmark_filter=spin --benchmark_repetitions=3 \
	--benchmark_out="$T/rb.json" --benchmark_out_format=json >"$T/out" 2>&1
[ $? = 0 ] || fail "ringbench gbench: $(tail -5 "$T/out")"
grep -q "^stream/wait:spin/size:64/capacity:65536/cpus:0,1/iterations:1/manual_time_median " "$T/out" ||
	fail "ringbench gbench: no console table: $(tail -5 "$T/out")"
"$PY" - "$T/rb.json" <<'PY' || fail "ringbench gbench's JSON"
import json, sys
d = json.load(open(sys.argv[1]))
runs = [b for b in d["benchmarks"] if b.get("run_type") == "iteration"]
names = {b["run_name"] for b in runs}
bad = []
if names != {"stream/wait:spin/size:64/capacity:65536/cpus:0,1/iterations:1/manual_time"}:
    bad.append("cases %s (the filter keeps the spin stream only)" % names)
if len(runs) != 3:
    bad.append("%d repetitions, not 3" % len(runs))
for b in runs:
    for k in ("items_per_second", "producer_cpu_ns_per_msg", "consumer_cpu_ns_per_msg", "syscalls_per_msg"):
        if not isinstance(b.get(k), (int, float)) or b[k] < 0:
            bad.append("%s: %s" % (k, b.get(k)))
    if b.get("time_unit") != "ns" or not b.get("real_time", 0) > 0:
        bad.append("manual time %s" % b.get("real_time"))
if d["context"].get("ringbench_scenario") != "ci":
    bad.append("context %s" % d["context"])
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
# Three repetitions are too few for a verdict, but the file is read: its
# -nan statistics included (the cv of syscalls_per_msg, always 0 here).
"$RB" compare --within-run "$T/rb.json" "$T/rb.json" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "ringbench compare: NO VERDICT: .* 2 with too few repetitions" "$T/out" ||
	fail "compare of ringbench gbench's JSON: $(cat "$T/out")"
grep -q "nan" "$T/rb.json" || echo "gbench_cli: (this run's JSON had no bare nan)"
# Every bare word Google Benchmark writes for a statistic it cannot
# compute is read as null, outside strings only.
cat >"$T/nan.json" <<'JSON'
{"context": {"note": "a string with nan, -nan, Infinity and \"inf\" in it"},
 "benchmarks": [
  {"name": "x", "run_name": "x", "run_type": "iteration", "repetition_index": 0, "real_time": 10, "time_unit": "ns", "iterations": 1, "c": -nan},
  {"name": "x", "run_name": "x", "run_type": "iteration", "repetition_index": 1, "real_time": 11, "time_unit": "ns", "iterations": 1, "c": NaN},
  {"name": "x", "run_name": "x", "run_type": "iteration", "repetition_index": 2, "real_time": 12, "time_unit": "ns", "iterations": 1, "c": Infinity},
  {"name": "x", "run_name": "x", "run_type": "iteration", "repetition_index": 3, "real_time": 11, "time_unit": "ns", "iterations": 1, "c": -Infinity},
  {"name": "x", "run_name": "x", "run_type": "iteration", "repetition_index": 4, "real_time": 10, "time_unit": "ns", "iterations": 1, "c": inf},
  {"name": "x_cv", "run_name": "x", "run_type": "aggregate", "aggregate_name": "cv", "real_time": -nan, "time_unit": "ns", "iterations": 5}]}
JSON
"$RB" compare --within-run "$T/nan.json" "$T/nan.json" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "NO VERDICT: .* 1 with too few repetitions" "$T/out" ||
	fail "Google Benchmark's bare nan and Infinity: $(cat "$T/out")"
"$RB" gbench "$SCEN" --benchmark_filter=no-such-case >"$T/out" 2>&1
[ $? = 2 ] || fail "a filter matching nothing: not exit 2"
"$RB" gbench --bogus >"$T/out" 2>&1
[ $? = 2 ] && grep -q "unknown option '--bogus'" "$T/out" || fail "an unknown option: $(cat "$T/out")"
"$RB" gbench "$SCEN" --benchmark_no_such=1 >"$T/out" 2>&1
[ $? = 2 ] || fail "an unknown --benchmark_ option: not exit 2"
[ $fails = 0 ] && echo "gbench_cli: ok"
[ $fails = 0 ]
