#!/bin/bash
# plot_report.sh RINGBENCH TESTS_DIR: `ringbench plot`, `report` and
# `startup` end to end on fixture results with known figures
# (plot_fixture.py): gnuplot's images have their formats' signatures and
# parse, the data files carry the fixture's figures in the right columns,
# the report page parses and every image and file it names is there, and
# every error path says why and exits 2 for the charts it could not draw
# while drawing the others.  No timing is asserted.
set -u
RB=$1
DIR=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The results store is $T/results/ringbench.db, which plot and report only
# read: it is not there (no baseline, no history) until startup saves a
# baseline in it, unless a command names another with $RINGBENCH_STORE.
unset RINGBENCH_STORE RINGBENCH_HISTORY
export RINGBENCH_BASELINES=$T/baselines RINGBENCH_RESULTS=$T/results
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
fail() {
	echo "plot_report: FAIL: $*"
	fails=$((fails + 1))
}
if ! command -v gnuplot >/dev/null; then
	echo "plot_report: gnuplot is not installed: the charts and the page are not tested"
	charts=false
else
	charts=true
fi

fixture() { "$PY" "$DIR/plot_fixture.py" "$@" || fail "plot_fixture.py $*"; }
# The base: a baseline of six runs, as check judges against.
fixture "$T/base.json" --revision bbbb111 --runs 6
fixture "$T/cur.json" --slow 0.7 --slow-pingpong 1.5 --revision cccc222 --date 2026-11-23T00:00:00+0000
# A history of three nights: two like the base, then the current run,
# imported into a store of its own ($H).
mkdir -p "$T/history"
fixture "$T/history/20261121T000000.000Z-bbbb111.json" --revision bbbb111 --date 2026-11-21T00:00:00+0000
fixture "$T/history/20261122T000000.000Z-bbbb111.json" --revision bbbb111 --date 2026-11-22T00:00:00+0000
cp "$T/cur.json" "$T/history/20261123T000000.000Z-cccc222.json"
H=$T/history.db
"$RB" store import "$T/history" --store "$H" >"$T/out" 2>&1 || fail "importing the history: $(cat "$T/out")"

if $charts; then
# --- every chart drawn
RINGBENCH_STORE=$H "$RB" plot "$T/cur.json" --baseline "$T/base.json" --out "$T/p" >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "plot: exit $rc: $(cat "$T/out")"
grep -q "5 of 5 charts drawn in $T/p (bare line 61 ns)" "$T/out" || fail "plot's summary: $(cat "$T/out")"
"$PY" - "$T/p" <<'PY' || fail "the charts or their data"
import math, os, sys, xml.dom.minidom
d = sys.argv[1]
bad = []
for c in ("throughput", "latency", "change", "trend", "cpu"):
    png = open(os.path.join(d, c + ".png"), "rb").read()
    if not png.startswith(b"\x89PNG\r\n\x1a\n") or len(png) < 5000:
        bad.append(c + ".png: not a PNG of a chart (%d bytes)" % len(png))
    svg = xml.dom.minidom.parse(os.path.join(d, c + ".svg")).documentElement
    if svg.tagName != "svg" or len(svg.getElementsByTagName("path")) < 10:
        bad.append(c + ".svg: not an SVG of a chart")
    if os.path.exists(os.path.join(d, c + ".png.tmp")):
        bad.append(c + ": a temporary image left behind")

def blocks(name):
    """The data file's blocks (two blank lines apart): rows of fields."""
    out, cur = [], []
    import shlex
    for line in open(os.path.join(d, "data", name)).read().split("\n\n\n"):
        rows = [shlex.split(l) for l in line.splitlines() if l and not l.startswith("#")]
        if rows:
            out.append(rows)
    return out

def near(a, b):
    return abs(float(a) - b) <= 1e-4 * abs(b)

# 1: one block per line (spin, futex, floor, pipe, in the looks' order):
# size, msgs/s, bytes/s; the spin stream at 64 B is the fixture's 0.7 x 20 M.
t = blocks("throughput.dat")
if len(t) != 4:
    bad.append("throughput.dat: %d blocks, not 4" % len(t))
else:
    spin = t[0]
    if [r[0] for r in spin] != ["64", "1024", "4096"]:
        bad.append("throughput.dat: spin sizes %s" % [r[0] for r in spin])
    if not (near(spin[0][1], 14e6) and near(spin[0][2], 14e6 * 64) and near(spin[2][1], 2e6)):
        bad.append("throughput.dat: spin figures %s" % spin)
    if not near(t[2][1][1], 9e6):
        bad.append("throughput.dat: floor 1 KiB %s" % t[2][1])
vars_ = open(os.path.join(d, "data", "throughput.vars.gp")).read()
for want in ("s_title[1] = 'ring, spin'", "s_title[3] = 'floor'", '"1 KiB" 1024'):
    if want not in vars_:
        bad.append("throughput.vars.gp lacks %s" % want)

# 2: ping-pong blocks then fixed-rate blocks: percentile, 1/(1-p), ns.
l = blocks("latency.dat")
if len(l) != 6:
    bad.append("latency.dat: %d blocks, not 6" % len(l))
else:
    spin = l[0]
    ps = [float(r[0]) for r in spin]
    if ps != [50, 75, 90, 95, 99, 99.9, 99.99]:
        bad.append("latency.dat: percentiles %s" % ps)
    if any(not near(r[1], 100 / (100 - float(r[0]))) for r in spin):
        bad.append("latency.dat: the 1/(1-p) column %s" % spin)
    want = [300 * m for m in (1, 1.1, 1.3, 1.5, 2, 4, 8)]  # 200 ns, 1.5 x slower
    if any(not near(r[2], w) for r, w in zip(spin, want)):
        bad.append("latency.dat: spin round trips %s" % [r[2] for r in spin])
    if not near(l[3][0][2], 120):
        bad.append("latency.dat: the first fixed-rate block %s" % l[3][0])

# 3: one row per case: row label change lo hi worse better status, turned
# so that right is better.  The slowed stream (a rate, 30% lower) and the
# slowed ping-pong (a time, 50% higher: -50 once turned) are regressions;
# a rate's worse threshold is -t/(1+t), a time's -t (the verdict's is on
# the log of the ratio).
ch = blocks("change.dat")[0]
rows = {r[1]: r for r in ch}
def row_ok(r, lo, hi):
    x, a, b, w, g = (float(v) for v in r[2:7])
    return lo < x < hi and a <= x <= b and w < 0 < g
r = rows.get("stream spin 64 B, msgs/s")
if not r or r[7] != "1" or not row_ok(r, -31, -29):
    bad.append("change.dat: the slowed stream: %s" % r)
else:
    t = float(r[6]) / 100
    if abs(float(r[5]) + 100 * t / (1 + t)) > 0.01:
        bad.append("change.dat: a rate's worse threshold is not -t/(1+t): %s" % r)
for fig in ("p50", "p99"):
    r = rows.get("pingpong spin 64 B, %s ns" % fig)
    if not r or r[7] != "1" or not row_ok(r, -51, -49):
        bad.append("change.dat: the slowed ping-pong %s: %s" % (fig, r))
    else:
        g = float(r[6]) / 100  # t/(1+t): t = g/(1-g)
        if abs(float(r[5]) + 100 * g / (1 - g)) > 0.01:
            bad.append("change.dat: a time's worse threshold is not -t: %s" % r)
if any(x[7] != "0" for k, x in rows.items() if not k.startswith(("stream spin 64 B", "pingpong spin"))):
    bad.append("change.dat: a case that did not change is marked: %s" % ch)
if len(ch) != 17:
    bad.append("change.dat: %d rows, not 17 (16 cases' headline figure, the ping-pong's p99)" % len(ch))

# 4: the trend's first panel: the spin stream's three nights.
tr = blocks("trend.dat")[0]
if [r[0] for r in tr] != ["1", "2", "3"] or not near(tr[2][1], 14):
    bad.append("trend.dat: %s" % tr)

# 5: label, producer and consumer at the low rate, at the high rate.
cpu = {r[0]: r for r in blocks("cpu.dat")[0]}
s = cpu.get("ring, spin")
if not s or [float(x) for x in s[1:]] != [10000, 10000, 50, 50]:
    bad.append("cpu.dat: spin %s" % s)
f = cpu.get("ring, futex")
if not f or [float(x) for x in f[1:]] != [10000, 2500, 60, 60]:
    bad.append("cpu.dat: futex %s" % f)
if cpu.get("pipe", [0, 0])[1] != "NaN":
    bad.append("cpu.dat: pipe has no fixed-rate case, so no low-rate bar: %s" % cpu.get("pipe"))
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

# --- a run in two machine states is drawn in the one most repetitions saw
fixture "$T/two.json" --two-states
fixture "$T/two6.json" --two-states --runs 6
"$RB" plot "$T/two.json" --no-history --baseline "$T/two6.json" --out "$T/two" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "4 of 5 charts drawn (1 left out) in $T/two (bare line 61 ns)" "$T/out" ||
	fail "two states: $(cat "$T/out")"
grep -q "trend      left out: " "$T/out" || fail "two states: the trend is not said to be left out"
grep -q "repetitions in other states left out" "$T/two/throughput.svg" ||
	fail "two states: the title does not say repetitions were left out"
"$PY" - "$T/two/data/throughput.dat" <<'PY' || fail "two states: the figures"
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
v = float(rows[0][1])  # spin, 64 B: 20 M in the fast state, a third of it in the slow one
sys.exit(0 if 19.8e6 <= v <= 20.2e6 else print("spin 64 B:", v) or 1)
PY

# --- the steps of the history on the trend: four nights, then four 30% slower
mkdir -p "$T/history8"
for n in 1 2 3 4; do
	fixture "$T/history8/2026111${n}T000000.000Z-bbbb111.json" --revision bbbb111 --date 2026-11-1${n}T00:00:00+0000
	fixture "$T/history8/2026112${n}T000000.000Z-cccc222.json" --slow 0.7 --slow-pingpong 1.5 \
		--revision cccc222 --date 2026-11-2${n}T00:00:00+0000 --kernel 6.1
done
H8=$T/history8.db
"$RB" store import "$T/history8" --store "$H8" >"$T/out" 2>&1 || fail "importing eight nights: $(cat "$T/out")"
# The kernel changed with the step: the history says so beside it.
"$RB" history --store "$H8" --machine "$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["context"]["machine_id"])' "$T/cur.json")" \
	--case 'stream/wait:spin/size:64/' >"$T/out" 2>&1 ||
	fail "history of eight nights: $(cat "$T/out")"
grep -q "regression.*the kernel changed here too: 6.0 -> 6.1" "$T/out" ||
	fail "the step is not said to coincide with the kernel's change: $(cat "$T/out")"
# --store names the store, over $RINGBENCH_STORE (here one that cannot be).
RINGBENCH_STORE=/proc/none/x.db "$RB" plot "$T/cur.json" --baseline "$T/base.json" --store "$H8" \
	--out "$T/h8" >"$T/out" 2>&1
[ $? = 0 ] || fail "eight nights: $(cat "$T/out")"
# One step on the stream's panel (1) and one on the ping-pong p50's (3),
# each panel drawing only its own rows of the steps file.
grep -q '^1 4.50 14 "-30.0% at cccc222' "$T/h8/data/trend-steps.dat" &&
	grep -q '^3 4.50 300 "+50.0% at cccc222' "$T/h8/data/trend-steps.dat" ||
	fail "the steps are not on their panels: $(cat "$T/h8/data/trend-steps.dat")"
[ "$(grep -c '^[0-9]' "$T/h8/data/trend-steps.dat")" = 2 ] ||
	fail "steps of other panels or cases: $(cat "$T/h8/data/trend-steps.dat")"
for want in "p1_step0 = 0" "p1_nsteps = 1" "p2_nsteps = 0" "p3_step0 = 1" "p3_nsteps = 1" "p4_nsteps = 0"; do
	grep -qx "$want" "$T/h8/data/trend.vars.gp" || fail "trend.vars.gp lacks $want"
done

# --- nothing from a results file is run by gnuplot, or rendered by a browser:
# a transport, machine, revision and build type made of shell commands,
# quotes, HTML and Markdown links, judged against itself so that every name
# reaches the verdict tables too
fixture "$T/evil.json" --hostile
fixture "$T/evil6.json" --hostile --runs 6
(cd "$T" && "$RB" plot "$T/evil.json" --baseline "$T/evil6.json" --no-history --out "$T/ev" >"$T/out" 2>&1)
[ $? = 0 ] && grep -q "4 of 5 charts drawn (1 left out)" "$T/out" ||
	fail "hostile names: not every chart drawn: $(cat "$T/out")"
(cd "$T" && "$RB" report "$T/evil.json" --baseline "$T/evil6.json" --no-history --out "$T/evr" >"$T/out" 2>&1)
[ $? = 0 ] && [ -s "$T/evr/index.html" ] && [ -s "$T/evr/report.md" ] || fail "hostile names: no report: $(cat "$T/out")"
grep -q "evil" "$T/evr/report.md" || fail "hostile names: the evil case is not in report.md, so it proves nothing"
ls "$T" | grep -q pwned && fail "a name in a results file ran a command: $(ls "$T")"
grep -q "<script>" "$T/evr/index.html" && fail "index.html carries markup from a results file"
grep -q "<script>\|\](http" "$T/evr/report.md" && fail "report.md carries markup or a link from a results file"
grep -q 'git checkout REVISION ' "$T/evr/index.html" || fail "a revision that is not one reached the reproduce lines"

# --- error paths: exit 2, the reason named, the other charts drawn
expect_chart() { # OUTDIR CHART: drawn (PNG and SVG there)
	[ -s "$1/$2.png" ] && [ -s "$1/$2.svg" ] || fail "$2 should have been drawn in $1"
}
expect_none() { # OUTDIR CHART: no image
	[ ! -e "$1/$2.png" ] && [ ! -e "$1/$2.svg" ] || fail "$2 should not have an image in $1"
}
# no gnuplot
RINGBENCH_STORE=$H "$RB" plot "$T/cur.json" --baseline "$T/base.json" --out "$T/ng" \
	--gnuplot "$T/no-such-gnuplot" >"$T/out" 2>&1
[ $? = 2 ] || fail "no gnuplot: exit not 2"
[ "$(grep -c "cannot run '$T/no-such-gnuplot' (install gnuplot-nox" "$T/out")" = 5 ] ||
	fail "no gnuplot: not one message per chart: $(cat "$T/out")"
for c in throughput latency change trend cpu; do expect_none "$T/ng" $c; done
# an empty results file, a file that is not JSON, no file
echo '{"context": {}, "benchmarks": []}' >"$T/empty.json"
"$RB" plot "$T/empty.json" --out "$T/e" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "no benchmark cases in it: nothing to draw" "$T/out" || fail "empty: $(cat "$T/out")"
[ ! -e "$T/e" ] || fail "empty results: an output folder was made"
echo 'not json' >"$T/bad.json"
"$RB" plot "$T/bad.json" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "bad.json" "$T/out" || fail "not JSON: $(cat "$T/out")"
"$RB" plot >"$T/out" 2>&1
[ $? = 2 ] && grep -q "no results file given" "$T/out" || fail "no file: $(cat "$T/out")"
"$RB" plot "$T/cur.json" --baseline "$T/base.json" --ab "$T/base.json" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "not both" "$T/out" || fail "--baseline and --ab: $(cat "$T/out")"
# results with ping-pong cases only: no throughput or CPU chart, the
# latency chart drawn; no base (none stored for this machine); no history.
# What the inputs do not allow is named, one line each, and is no failure.
fixture "$T/pp.json" --only pingpong
"$RB" plot "$T/pp.json" --no-history --out "$T/pp" >"$T/out" 2>"$T/err"
[ $? = 0 ] || fail "ping-pong only: exit not 0: $(cat "$T/out" "$T/err")"
[ -s "$T/err" ] && fail "ping-pong only: a chart the inputs do not allow is said as an error: $(cat "$T/err")"
grep -q "^throughput not drawn, it needs stream cases: the results have no stream cases" "$T/out" || fail "pp: throughput: $(cat "$T/out")"
grep -q "^cpu        not drawn, it needs stream and fixed-rate latency cases: the CPU chart needs stream cases" "$T/out" || fail "pp: cpu: $(cat "$T/out")"
grep -q "^change     not drawn, it needs a base: no results store at $T/results/ringbench.db yet$" "$T/out" || fail "pp: change: $(cat "$T/out")"
grep -q "^trend      left out: no history: left out (--no-history)" "$T/out" || fail "pp: trend: $(cat "$T/out")"
grep -q "1 of 5 charts drawn (1 left out, 3 lacking their inputs)" "$T/out" || fail "pp: summary: $(cat "$T/out")"
expect_chart "$T/pp" latency
for c in throughput change trend cpu; do expect_none "$T/pp" $c; done
# A fresh run of a machine with no baseline and no history, on a machine
# with no results store yet: the charts its results allow are drawn, the
# change and the trend named with what they need, the command passes, and
# no store is made (plot only reads one).
sed 's/"cpu_model": "Fixture"/"cpu_model": "Fresh"/' "$T/cur.json" >"$T/fresh.json"
"$RB" plot "$T/fresh.json" --out "$T/fr" >"$T/out" 2>"$T/err"
[ $? = 0 ] || fail "a fresh run: exit not 0: $(cat "$T/out" "$T/err")"
grep -q "^change     not drawn, it needs a base: no results store at $T/results/ringbench.db yet$" "$T/out" &&
	grep -q "^trend      not drawn, it needs a history: no history: no results store at $T/results/ringbench.db yet$" "$T/out" &&
	grep -q "3 of 5 charts drawn (2 lacking their inputs) in $T/fr" "$T/out" ||
	fail "a fresh run: the charts not drawn are not named: $(cat "$T/out" "$T/err")"
for c in throughput latency cpu; do expect_chart "$T/fr" $c; done
for c in change trend; do expect_none "$T/fr" $c; done
[ -e "$T/results" ] && fail "plot made a results store: $(ls -R "$T/results")"
# ... and report neither
"$RB" report "$T/fresh.json" --out "$T/fr-report" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "no results store at $T/results/ringbench.db yet" "$T/fr-report/index.html" ||
	fail "a fresh run's report: $(cat "$T/out")"
[ -e "$T/results" ] && fail "report made a results store: $(ls -R "$T/results")"
# ... but a chart asked for by name that cannot be drawn fails: the change
# without a base (none stored in a store that is there), the trend without
# a history (in a store that is there, or none yet)
RINGBENCH_STORE=$H "$RB" plot "$T/fresh.json" --chart change --out "$T/fr" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "change chart not drawn: no base to compare with" "$T/out" &&
	grep -q "0 of 1 charts asked for drawn" "$T/out" || fail "--chart change without a base: $(cat "$T/out")"
RINGBENCH_STORE=$H "$RB" plot "$T/fresh.json" --chart trend --out "$T/fr" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "trend chart not drawn: no history: $H (machine fresh-2c-vm) has no runs of this machine" "$T/out" &&
	grep -q "0 of 1 charts asked for drawn" "$T/out" || fail "--chart trend without a history: $(cat "$T/out")"
"$RB" plot "$T/fresh.json" --chart trend --out "$T/fr" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "trend chart not drawn: no history: no results store at $T/results/ringbench.db yet" "$T/out" ||
	fail "--chart trend without a store: $(cat "$T/out")"
expect_none "$T/fr" trend
# A store named with --store must be usable, as a named base must: one
# that is not there (and is not made), one that is no store
"$RB" plot "$T/cur.json" --store "$T/typo.db" --out "$T/ty" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "ringbench: plot: trend chart not drawn: no history: no results store at $T/typo.db$" "$T/out" &&
	grep -q "ringbench: plot: change chart not drawn: no results store at $T/typo.db$" "$T/out" ||
	fail "a --store that is not there: $(cat "$T/out")"
[ -e "$T/typo.db" ] && fail "a --store that is not there was made"
expect_chart "$T/ty" throughput
"$RB" plot "$T/cur.json" --store "$T/bad.json" --out "$T/ty" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "trend chart not drawn: no history: store $T/bad.json: not a SQLite database" "$T/out" ||
	fail "a --store that is no store: $(cat "$T/out")"
# (the charts that do not need it do not fail for it)
"$RB" plot "$T/cur.json" --store "$T/typo.db" --baseline "$T/base.json" --no-history --out "$T/ty" >"$T/out" 2>&1
[ $? = 0 ] || fail "a --store that is not there, not needed: $(cat "$T/out")"
# --chart names no empty chart
for names in "cpu --chart=" "cpu,,latency" "cpu,"; do
	"$RB" plot "$T/fresh.json" --chart $names --out "$T/fr" >"$T/out" 2>&1
	[ $? = 2 ] && grep -q "an empty chart name" "$T/out" || fail "--chart $names: $(cat "$T/out")"
done
"$RB" plot "$T/fresh.json" --chart cpu --chart '' --out "$T/fr" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "plot: --chart '': an empty chart name" "$T/out" || fail "--chart '': $(cat "$T/out")"
# --chart draws only what it names, and leaves the other images alone
"$RB" plot "$T/fresh.json" --chart cpu,throughput --out "$T/fr" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "2 of 2 charts asked for drawn in $T/fr" "$T/out" && ! grep -q "^latency" "$T/out" ||
	fail "--chart cpu,throughput: $(cat "$T/out")"
expect_chart "$T/fr" latency
"$RB" plot "$T/fresh.json" --chart speed >"$T/out" 2>&1
[ $? = 2 ] && grep -q "unknown chart 'speed'" "$T/out" || fail "--chart speed: $(cat "$T/out")"
# the same folder again: an old chart does not survive a run that cannot draw it
"$RB" plot "$T/cur.json" --baseline "$T/base.json" --no-history --out "$T/pp" >/dev/null 2>&1
expect_chart "$T/pp" throughput
"$RB" plot "$T/pp.json" --no-history --out "$T/pp" >/dev/null 2>&1
expect_none "$T/pp" throughput
# a base of another machine: the change chart says so
# (the identity is the hardware: another CPU model)
sed 's/"cpu_model": "Fixture"/"cpu_model": "Other"/' "$T/base.json" >"$T/other.json"
"$RB" plot "$T/cur.json" --baseline "$T/other.json" --no-history --out "$T/o" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "change chart not drawn: .*other-2c-vm" "$T/out" || fail "other machine: $(cat "$T/out")"
expect_chart "$T/o" throughput
# a broken chart script: gnuplot's failure named, no image, the others drawn
mkdir -p "$T/gp"
cp "$DIR/../../plots/"*.gp "$T/gp/"
echo 'plot no_such_variable' >>"$T/gp/cpu.gp"
RINGBENCH_PLOTS=$T/gp RINGBENCH_STORE=$H "$RB" plot "$T/cur.json" --baseline "$T/base.json" \
	--out "$T/g" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "cpu chart not drawn: gnuplot failed on $T/gp/cpu.gp" "$T/out" ||
	fail "broken script: $(cat "$T/out")"
expect_none "$T/g" cpu
expect_chart "$T/g" trend

# --- the report page
cat >"$T/startup.json" <<'EOF'
{"context": {"machine_id": "fixture-2c-vm", "library_build_type": "release",
  "git_revision": "cccc222", "date": "2026-11-23T00:00:00+0000", "scenario": "startup"},
 "benchmarks": [
  {"name": "startup/transport:none/cpus:0,1", "run_type": "iteration", "repetition_index": 0, "real_time": 1500000, "time_unit": "ns", "iterations": 1},
  {"name": "startup/transport:none/cpus:0,1", "run_type": "iteration", "repetition_index": 1, "real_time": 1700000, "time_unit": "ns", "iterations": 1},
  {"name": "startup/wait:eventfd/cpus:0,1", "run_type": "iteration", "repetition_index": 0, "real_time": 2000000, "time_unit": "ns", "iterations": 1},
  {"name": "startup/wait:eventfd/cpus:0,1", "run_type": "iteration", "repetition_index": 1, "real_time": 2200000, "time_unit": "ns", "iterations": 1}]}
EOF
RINGBENCH_STORE=/proc/none/x.db "$RB" report "$T/cur.json" --baseline "$T/base.json" \
	--startup "$T/startup.json" --store "$H" --out "$T/r" >"$T/out" 2>&1
rc=$?
[ $rc = 0 ] || fail "report: exit $rc: $(cat "$T/out")"
grep -q "report: $T/r/index.html (5 of 5 charts)" "$T/out" || fail "report's paths: $(cat "$T/out")"
"$PY" - "$T/r" <<'PY' || fail "the report page"
import base64, html.parser, os, sys, xml.dom.minidom
d = sys.argv[1]
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.ids, self.text, self.stack = [], [], set(), [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img": self.imgs.append(a.get("src", ""))
        if tag == "a" and "href" in a: self.links.append(a["href"])
        if "id" in a: self.ids.add(a["id"])
    def handle_data(self, data):
        self.text.append(data)
p = Page()
p.feed(open(os.path.join(d, "index.html"), encoding="utf-8").read())
p.close()
bad = []
if len(p.imgs) != 5:
    bad.append("%d images, not 5" % len(p.imgs))
for src in p.imgs:
    if not src.startswith("data:image/svg+xml;base64,"):
        bad.append("an image that is not embedded: %s" % src[:80])
        continue
    svg = xml.dom.minidom.parseString(base64.b64decode(src.split(",", 1)[1]))
    if svg.documentElement.tagName != "svg":
        bad.append("an embedded image that is not an SVG")
for href in p.links:
    if href.startswith("#"):
        if href[1:] not in p.ids:
            bad.append("a link to a missing section: " + href)
    elif not os.path.exists(os.path.join(d, href)):
        bad.append("a link to a missing file: " + href)
for c in ("throughput", "latency", "change", "trend", "cpu"):
    if "chart-" + c not in p.ids:
        bad.append("no figure for " + c)
text = " ".join(p.text)
for want in ("REGRESSION", "stream/wait:spin/size:64/capacity:1048576/cpus:0,1",
             "startup/wait:eventfd/cpus:0,1", "1.600 ms", "+0.500 ms", "Machine check",
             "git checkout cccc222", "How to reproduce"):
    if want not in text:
        bad.append("the page does not say " + want)
md = open(os.path.join(d, "report.md")).read()
for want in ("## ringbench report: <code>fixture</code> on <code>fixture-2c-vm</code>, revision <code>cccc222</code>",
             "REGRESSION", "[throughput.png](throughput.png)",
             "| <code>startup/wait:eventfd/cpus:0,1</code> | 2 | 2.100 ms | +0.500 ms |"):
    if want not in md:
        bad.append("report.md does not say " + want)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
# A report whose charts cannot all be drawn is still written, and says why.
"$RB" report "$T/pp.json" --no-history --out "$T/r2" >"$T/out" 2>&1
[ $? = 2 ] || fail "report of ping-pong only: exit not 2"
grep -q "Not drawn: the results have no stream cases" "$T/r2/index.html" || fail "report: a missing chart is not explained"
grep -q "Left out: no history: left out (--no-history)" "$T/r2/index.html" || fail "report: the trend is not said to be left out"
grep -q "No startup times given" "$T/r2/index.html" || fail "report: no startup section"
# An interleaved check leaves its baseline build's run beside the results:
# the change is judged in pairs against it, as check judged it, unless a
# base is named.
fixture "$T/c2.json" --slow 0.7 --slow-pingpong 1.5 --revision cccc222 --date 2026-11-23T00:00:00+0000 --ab B
fixture "$T/c2.json.baseline-build.json" --revision bbbb111 --ab A
"$RB" report "$T/c2.json" --no-history --out "$T/r3" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "ringbench ab: REGRESSION" "$T/r3/report.md" &&
	grep -q "c2.json.baseline-build.json" "$T/r3/report.md" ||
	fail "report: the baseline build's run beside the results was not the base: $(cat "$T/out")"
"$RB" report "$T/c2.json" --baseline "$T/base.json" --no-history --out "$T/r4" >"$T/out" 2>&1
grep -q "ringbench ab: " "$T/r4/report.md" && fail "report: --baseline did not win over the file beside"
# ... and only the other side of this run's own session: another session's is not used
fixture "$T/c2.json.baseline-build.json" --revision bbbb111 --ab A --seed 7
"$RB" report "$T/c2.json" --no-history --out "$T/r6" >"$T/out" 2>&1
grep -q "baseline-build.json is not used: it is not the other side of this run's session" "$T/out" &&
	! grep -q "ringbench ab: " "$T/r6/report.md" ||
	fail "report: another session's baseline build was paired with this run: $(cat "$T/out")"
# A against B, judged in pairs
"$RB" report "$T/cur.json" --ab "$T/base.json" --no-history --out "$T/r5" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "ringbench ab: REGRESSION" "$T/r5/report.md" && grep -q "| case | figure | A | B |" "$T/r5/report.md" ||
	fail "report --ab: $(cat "$T/out")"
fi # charts

# --- startup: a real (tiny) hyperfine run, its results read back as any
# results file, and its errors
if command -v hyperfine >/dev/null; then
	"$RB" startup --runs 10 --warmup 0 --no-baseline --out "$T/su.json" --export-json "$T/hf.json" \
		>"$T/out" 2>&1
	rc=$?
	[ $rc = 0 ] || fail "startup: exit $rc: $(tail -5 "$T/out")"
	"$PY" - "$T/su.json" "$T/hf.json" <<'PY' || fail "startup's files"
import json, sys
r = json.load(open(sys.argv[1])); h = json.load(open(sys.argv[2]))
names = sorted({b["name"] for b in r["benchmarks"]})
want = sorted(["startup/transport:none/cpus:0,1"] + ["startup/wait:%s/cpus:0,1" % w for w in ("spin", "futex", "eventfd", "hybrid")])
bad = []
if names != want: bad.append("cases %s" % names)
if len(r["benchmarks"]) != 50: bad.append("%d entries, not 5 x 10 runs" % len(r["benchmarks"]))
if any(b["real_time"] <= 0 or b["time_unit"] != "ns" for b in r["benchmarks"]): bad.append("times")
if len(h["results"]) != 5 or any(len(x["times"]) != 10 for x in h["results"]): bad.append("hyperfine's JSON")
if r["context"].get("clock") != "hyperfine": bad.append("context")
print("\n".join(bad)); sys.exit(1 if bad else 0)
PY
	grep -q "startup/wait:eventfd/cpus:0,1 .* ms .* ms .* ms .*+\?-\?[0-9.]* ms" "$T/out" || fail "startup's table: $(cat "$T/out")"
	"$RB" compare --within-run "$T/su.json" "$T/su.json" >"$T/out" 2>&1
	[ $? = 0 ] && grep -q "ringbench compare: pass: 0 regressions, 0 improvements, 5 unchanged" "$T/out" || fail "compare of a startup file with itself: $(tail -3 "$T/out")"
	# the first run saves the machine's startup baseline, the next is judged against it
	"$RB" startup --runs 3 --warmup 0 --wait spin --out "$T/su1.json" >"$T/out" 2>&1
	grep -q "saved as its baseline, $T/results/ringbench.db (startup baseline of " "$T/out" &&
		"$PY" -c 'import sqlite3, sys; sys.exit(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM runs WHERE kind = ?", ("startup",)).fetchone()[0] != 1)' \
			"$T/results/ringbench.db" ||
		fail "startup: no baseline saved in the store: $(cat "$T/out")"
	"$RB" startup --runs 3 --warmup 0 --wait spin --out "$T/su2.json" --markdown "$T/su.md" \
		--baseline-build "$RB" >"$T/out" 2>&1
	grep -q "ringbench startup: " "$T/out" && [ -s "$T/su.md" ] || fail "startup: not judged: $(cat "$T/out")"
	grep -q "^method: interleaved" "$T/out" && [ -s "$T/su2.json.baseline-build.json" ] ||
		fail "startup: not interleaved with the baseline build: $(cat "$T/out")"
else
	echo "plot_report: hyperfine not installed: the real startup run skipped"
fi
# A hyperfine that reports the times it is told: the startup verdict on
# known figures (a 2 ms start against 4 ms is a regression), and the sweep
# of what a killed run left in /dev/shm.
cat >"$T/hf-fake" <<FAKE
#!$PY
import json, os, sys
a = sys.argv[1:]
out = a[a.index("--export-json") + 1]
names = [a[i + 1] for i, x in enumerate(a) if x == "-n"]
runs = int(a[a.index("--runs") + 1])
slow = float(os.environ.get("FAKE_SLOW", "1"))
# this build's spin start (not the baseline build's, "baseline: spin")
# slowed; the baseline build's runs in another order, so that pairs differ
def t(n, k):
    j = (3 * k + 1) % runs if n.startswith("baseline: ") and runs > 3 else k
    return 0.002 * (slow if n == "spin" else 1) * (1 + 0.001 * j)
res = [{"command": n, "times": [t(n, k) for k in range(runs)]} for n in names]
json.dump({"results": res}, open(out, "w"))
FAKE
chmod +x "$T/hf-fake"
export RINGBENCH_STORE=$T/fake.db
: >/dev/shm/ringbench.4194303.startup
"$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f1.json" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "saved as its baseline" "$T/out" || fail "fake startup 1: $(cat "$T/out")"
[ -e /dev/shm/ringbench.4194303.startup ] && { rm -f /dev/shm/ringbench.4194303.startup; fail "startup did not sweep a dead run's object"; }
# Judged beside the baseline's build (here ringbench itself), in rounds
# of hyperfine, each run paired with the other build's beside it.
FAKE_SLOW=1 "$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f2.json" \
	--baseline-build "$RB" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "ringbench startup: pass" "$T/out" && grep -q "^method: interleaved" "$T/out" ||
	fail "fake startup 2: $(cat "$T/out")"
FAKE_SLOW=2 "$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f3.json" --markdown "$T/f3.md" \
	--baseline-build "$RB" >"$T/out" 2>&1
[ $? = 1 ] && grep -q "ringbench startup: REGRESSION" "$T/out" && grep -q "REGRESSION" "$T/f3.md" ||
	fail "a startup twice as slow is not a regression: $(cat "$T/out")"
grep -q "startup/wait:spin/cpus:0,1 .* 4.0[0-9][0-9] ms .*+2.0[0-9][0-9] ms" "$T/out" ||
	fail "the startup table: $(cat "$T/out")"
"$PY" - "$T/f3.json.baseline-build.json" "$T/f3.json" <<'PY' || fail "the two builds' startup files"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ra = sorted(e["repetition_index"] for e in a["benchmarks"] if "spin" in e["name"])
rb = sorted(e["repetition_index"] for e in b["benchmarks"] if "spin" in e["name"])
assert ra == rb == list(range(40)), (ra, rb)  # 8 rounds of 5, paired one to one
assert a["context"]["ab_build"] == "A" and b["context"]["ab_build"] == "B"
PY
# 15% slower is within the 20% floor
FAKE_SLOW=1.15 "$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f4.json" \
	--baseline-build "$RB" >"$T/out" 2>&1
[ $? = 0 ] || fail "a startup 15% slower failed: $(cat "$T/out")"
# The stored baseline is one run: no verdict, however slow
FAKE_SLOW=2 "$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f5.json" --method stored \
	>"$T/out" 2>&1
[ $? = 2 ] && grep -q "one run per side" "$T/out" ||
	fail "a stored startup baseline of one run gave a verdict: $(cat "$T/out")"
"$RB" startup --hyperfine "$T/hf-fake" --wait spin --out "$T/f6.json" --baseline-build "$T/none" \
	>"$T/out" 2>&1
[ $? = 2 ] && grep -q "not an executable file" "$T/out" || fail "a missing --baseline-build: $(cat "$T/out")"
printf '#!/bin/sh\nexit 1\n' >"$T/hf-fails"
chmod +x "$T/hf-fails"
# (Beside ringbench itself, as above: the store's baseline is this
# revision's, and without --baseline-build a clean tree's would be built
# first, for nothing: the build of a baseline's revision is
# harness.ci_scripts' and harness.check_methods'.)
"$RB" startup --hyperfine "$T/hf-fails" --out "$T/x.json" --baseline-build "$RB" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "hyperfine failed" "$T/out" || fail "a failing hyperfine: $(cat "$T/out")"
[ -e "$T/x.json" ] || [ -e "$T/x.json.hyperfine.json" ] && fail "a failed startup left files behind"
"$RB" startup --hyperfine "$T/none" --baseline-build "$RB" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "install hyperfine" "$T/out" || fail "no hyperfine: $(cat "$T/out")"
"$RB" startup --wait spin,nope >"$T/out" 2>&1
[ $? = 2 ] && grep -q "unknown strategy 'nope'" "$T/out" || fail "a bad --wait: $(cat "$T/out")"
"$RB" startup --runs 1 >"$T/out" 2>&1
[ $? = 2 ] || fail "--runs 1 accepted"
for w in spin futex eventfd hybrid none; do
	"$RB" __startup $w || fail "__startup $w: exit $?"
done
"$RB" __startup nope >/dev/null 2>&1
[ $? = 2 ] || fail "__startup nope: exit not 2"
ls /dev/shm | grep -q '^ringbench\.[0-9]*\.startup$' && fail "startup left an object in /dev/shm"

[ $fails = 0 ] && echo "plot_report: ok"
[ $fails = 0 ]
