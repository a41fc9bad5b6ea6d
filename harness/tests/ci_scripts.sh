#!/usr/bin/env bash
# ci_scripts.sh SOURCE_DIR DATA_DIR: the CI recipes end to end, on the ci
# scenario (a few seconds of measuring).
#   - every YAML recipe parses, and every script it runs exists and is
#     executable; the nightly recipes keep the results store
#     ($RINGBENCH_STORE), never a history folder;
#   - ci/nightly.sh twice into a fresh results store (a SQLite file): the
#     first run becomes the baseline (exit 0), the second is judged (0 or
#     1: a verdict is a measurement, not asserted; 2 only when the
#     machine's state changed between the two, or the stored baseline has
#     too few runs); both leave their artifacts (the startup times and the
#     report page among them), the store holds two nights and `ringbench
#     history` shows them;
#   - real checks on a history (imported into a store) in which the
#     64-byte stream was six times as fast: never reported on the first
#     night (a run is the unit: one night alone cannot confirm a step),
#     reported with exit 1 on the night that confirms it, in the Markdown
#     and in the store's steps, and not again on the night after (when two
#     of five nights share a machine state with the history; said when none
#     do);
#   - ci/pre-merge.sh HEAD~0 against HEAD: one commit, made once and run
#     as both sides, interleaved: the build of HEAD that night 2 kept when
#     the tree is clean (ab takes kept builds as check does), else built
#     once and kept; exit 0 or 1, the artifacts there, and the exit code
#     the one verdict.json gives and exit-status (for the comment step)
#     holds.
# Nothing is written into SOURCE_DIR: the recipes build Release in
# $RINGBENCH_RELEASE_DIR, by default ci-release/ in the folder ctest runs
# this test in (the build tree, kept from one run to the next), or a
# temporary folder when not run by ctest; every output, store and kept
# build goes to a temporary folder.  The recipes install no
# optional package (RINGBENCH_OPTIONAL=skip): test.sh's setup did that.
# Skipped (exit 77) without hyperfine or gnuplot: the nightly recipe runs
# ringbench startup, and the report's charts are checked.
set -u
src=$1 data=$2
if [ "$(nproc)" -lt 2 ]; then
	echo "ci_scripts.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
for prog in hyperfine gnuplot; do
	command -v $prog >/dev/null ||
		{ echo "ci_scripts.sh: skipped, $prog is not installed (the nightly recipe needs it)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "ci_scripts.sh: $*" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if [ -z "${RINGBENCH_RELEASE_DIR:-}" ]; then
	if [ -f CTestTestfile.cmake ]; then
		RINGBENCH_RELEASE_DIR=$PWD/ci-release
	else
		RINGBENCH_RELEASE_DIR=$tmp/build-release
	fi
fi
case $RINGBENCH_RELEASE_DIR in
/*) ;;
*) RINGBENCH_RELEASE_DIR=$PWD/$RINGBENCH_RELEASE_DIR ;;
esac
export RINGBENCH_RELEASE_DIR RINGBENCH_OPTIONAL=skip
echo "ci_scripts.sh: the recipes build in $RINGBENCH_RELEASE_DIR"

# --- the recipes (parsed with python3-yaml; without it, only searched for
# the scripts they run)
"$py" - "$src" <<'PY' || fail "the CI recipes"
import os, re, sys
try:
    import yaml
except ImportError:
    yaml = None
    print("ci_scripts.sh: python3-yaml is not installed: the recipes are not parsed, only searched")
src = sys.argv[1]
recipes = ["ci/github/nightly.yml", "ci/github/pre-merge.yml", "ci/github/fleet.yml", "ci/gitlab-ci.yml"]
if os.path.exists(os.path.join(src, "ci/github/fleet.yml")):
    recipes.append("ci/github/fleet.yml")
# The nightly recipes keep the results store, not the folders of before it.
for r in ("ci/github/nightly.yml", "ci/gitlab-ci.yml"):
    text = open(os.path.join(src, r)).read()
    assert "RINGBENCH_STORE" in text, r + ": keeps no results store (RINGBENCH_STORE)"
    assert "RINGBENCH_HISTORY" not in text, r + ": names RINGBENCH_HISTORY, which ringbench refuses"
for r in recipes:
    if yaml is None:
        scripts = re.findall(r"((?:ci|scripts)/[\w./-]+\.sh)", open(os.path.join(src, r)).read())
        assert scripts, r + ": runs no ci/ script"
        for s in scripts:
            p = os.path.join(src, s)
            assert os.path.isfile(p) and os.access(p, os.X_OK), r + ": runs " + s + ", which is missing or not executable"
        print(r, "names", sorted(set(scripts)))
        continue
    doc = yaml.safe_load(open(os.path.join(src, r)))
    assert isinstance(doc, dict), r + ": not a mapping"
    cmds = []
    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("run", "script", "before_script", "after_script"):
                    cmds.extend(v if isinstance(v, list) else [v])
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(doc)
    scripts = [m for c in cmds for m in re.findall(r"((?:ci|scripts)/[\w./-]+\.sh)", str(c))]
    assert scripts, r + ": runs no ci/ script"
    for s in scripts:
        p = os.path.join(src, s)
        assert os.path.isfile(p) and os.access(p, os.X_OK), r + ": runs " + s + ", which is missing or not executable"
    print(r, "calls", sorted(set(scripts)))
PY
[ -x "$src/scripts/pre-push" ] || fail "scripts/pre-push is not executable"

# runs STORE KIND: the runs of a kind in a store (read with Python's own
# sqlite3, not ringbench); steps STORE: the steps reported.
runs() {
	"$py" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM runs WHERE kind = ?", (sys.argv[2],)).fetchone()[0])' "$@"
}
steps() {
	"$py" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM steps WHERE first_after <> \x27\x27").fetchone()[0])' "$@"
}

# --- nightly, twice
# (A clean tree: the revision the Release build names is a commit, which
# check and ab can build, and keep.)
clean=0
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1 &&
	! git -C "$src" describe --always --dirty | grep -q -- '-dirty$'; then
	clean=1
fi
unset RINGBENCH_HISTORY
export RINGBENCH_STORE=$tmp/store.db RINGBENCH_BASELINES=$tmp/baselines
export RINGBENCH_BUILDS=$tmp/builds RINGBENCH_RESULTS=$tmp/results
for night in 1 2; do
	out=$tmp/nightly$night
	RINGBENCH_OUT=$out "$src/ci/nightly.sh" "$data/ci.ini" >"$tmp/log" 2>&1
	rc=$?
	echo "ci/nightly.sh night $night: exit $rc"
	if [ $night = 1 ]; then
		[ $rc = 0 ] || { cat "$tmp/log"; fail "night 1 (no baseline yet): exit $rc"; }
		grep -q "no baseline for this machine" "$tmp/log" || fail "night 1 did not save a baseline"
		[ "$(runs "$tmp/store.db" baseline)" = 1 ] || fail "no baseline in the store $tmp/store.db"
	else
		# 2 only when the machine's state changed between the nights (the
		# verdict refuses to compare across states); anything else fails.
		case $rc in
		0 | 1) ;;
		2) grep -qE "the machine changed between the two runs|one run per side|in the machine state of the current run" "$tmp/log" ||
			{ cat "$tmp/log"; fail "night 2: exit 2"; } ;;
		*) cat "$tmp/log"; fail "night 2: exit $rc" ;;
		esac
		# A clean tree's revision can be built: night 2 is judged beside
		# that build, which night 1's baseline recorded, and it is kept.
		if [ "$clean" = 1 ]; then
			grep -q "^method: interleaved" "$tmp/log" && ls "$RINGBENCH_BUILDS"/*/ringbench >/dev/null ||
				{ cat "$tmp/log"; fail "night 2 was not interleaved with the baseline's build"; }
		fi
		for f in summary.md junit.xml verdict.json startup.json report/index.html \
			report/report.md; do
			[ -s "$out/$f" ] || fail "night 2 left no $f"
		done
		grep -A2 'id="chart-throughput"' "$out/report/index.html" |
			grep -q 'src="data:image/svg+xml;base64,' ||
			fail "night 2's report has no throughput chart"
		grep -q "Steps in the history (2 nights, " "$out/summary.md" ||
			fail "night 2's summary has no history section"
		"$py" -c 'import sys, xml.dom.minidom as m; m.parse(sys.argv[1])' "$out/junit.xml" ||
			fail "junit.xml does not parse"
	fi
	[ -s "$out/results.json" ] || fail "night $night left no results.json"
	grep -q "ring.*spin\|wait:spin" "$out/history.txt" || fail "night $night: history.txt has no trend"
done
[ "$(runs "$tmp/store.db" night)" = 2 ] ||
	fail "the store should hold two nights, not $(runs "$tmp/store.db" night)"
[ -e "$tmp/results/history" ] && fail "a history folder was made beside the store"
"$RINGBENCH_RELEASE_DIR/harness/ringbench" history --case 'wait:spin' >"$tmp/hist" ||
	fail "ringbench history: exit $?"
grep -q "^history $tmp/store.db (machine .*): 2 nights" "$tmp/hist" || { cat "$tmp/hist"; fail "ringbench history"; }
[ "$(grep -cE '^  [0-9]{8}T[0-9]{6}\.[0-9]{3}Z-' "$tmp/hist")" -ge 2 ] || { cat "$tmp/hist"; fail "no rows"; }
# The fleet recipe's last job: the dashboard of the store the nights wrote.
"$src/ci/dashboard.sh" "$tmp/site" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "ci/dashboard.sh: exit $?"; }
grep -q "the dashboard is $tmp/site/index.html" "$tmp/log" && [ -s "$tmp/site/index.html" ] ||
	{ cat "$tmp/log"; fail "ci/dashboard.sh drew no index.html"; }

# --- a step on the night that confirms it, and not again on the next: a
# history of fifteen nights in which the 64-byte stream ran six times as
# fast as it runs now (copies of a real run, in the machine states that run
# saw), then real checks night by night, until a second night in one of
# those states confirms the step (five at most).  A step reported on the
# first night, or reported twice, fails.  A VM's host can move its two CPUs
# between states (docs/verdicts.md) from one run to the next, so five
# nights may share no state with the copies: then this says so, and the
# rule is left to test_history.c, which tests it on made-up nights.
rb=$RINGBENCH_RELEASE_DIR/harness/ringbench
# A store of its own: the seeding check saves its baseline there (and
# keeps its run out of the history), then the copies are imported.
export RINGBENCH_STORE=$tmp/h2.db
"$rb" check "$data/ci.ini" --no-history --out "$tmp/real.json" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; fail "the seeding check failed"; }
mkdir -p "$tmp/h2"
"$py" - "$tmp/real.json" "$tmp/h2" <<'PY' || fail "making the history"
import json, sys
real, out = sys.argv[1], sys.argv[2]
for k in range(15):
    d = json.load(open(real))
    d["context"]["git_revision"] = "fast0"
    # a night of its own: a run's identity holds its time
    d["context"]["date"] = "2020-01-01T00:00:%02d+0000" % k
    for b in d["benchmarks"]:
        if b["name"].startswith("stream/") and "items_per_second" in b:
            # six times what it runs now: more than the states differ by,
            # so that in whichever state, the copies are faster than tonight
            f = 6 * (1 + 0.004 * (k % 3))
            b["items_per_second"] *= f
            b["bytes_per_second"] = b.get("bytes_per_second", 0) * f
    json.dump(d, open("%s/20200101T0000%02d.000Z-fast0.json" % (out, k), "w"))
PY
"$rb" store import "$tmp/h2" >"$tmp/log" 2>&1 || { cat "$tmp/log"; fail "importing the history"; }
[ "$(runs "$tmp/h2.db" night)" = 15 ] || fail "the store holds $(runs "$tmp/h2.db" night) of the 15 nights"
found=0
for night in 1 2 3 4 5; do
	# a night a second after the last at least: a run's identity holds its
	# time to the second
	sleep 1.1
	"$rb" check "$data/ci.ini" --markdown "$tmp/md" --out "$tmp/step$night.json" >"$tmp/log" 2>&1
	rc=$?
	echo "check with a step, night $night: exit $rc"
	if grep -q "^  REGRESSION stream/wait:spin/size:64/.*between fast0" "$tmp/log"; then
		[ $night != 1 ] || { cat "$tmp/log"; fail "a step confirmed by one night alone"; }
		[ $rc = 1 ] || { cat "$tmp/log"; fail "a step reported with exit $rc"; }
		grep -q '^- \*\*REGRESSION\*\* <code>stream/wait:spin/size:64/' "$tmp/md" ||
			{ cat "$tmp/md"; fail "the step is not in the Markdown"; }
		found=$night
		break
	fi
done
if [ $found = 0 ]; then
	echo "ci_scripts.sh: no two of five nights shared a machine state with the copies: the step's confirmation is not tested end to end this time"
else
	[ "$(steps "$tmp/h2.db")" -ge 1 ] || fail "the store's steps do not record the step"
	sleep 1.1
	"$rb" check "$data/ci.ini" --out "$tmp/after.json" >"$tmp/log" 2>&1
	echo "check the night after: exit $?"
	if grep -q "^  REGRESSION stream/wait:spin/size:64/.*between fast0" "$tmp/log"; then
		cat "$tmp/log"
		fail "the same step reported again the next night"
	fi
fi

# --- pre-merge
unset RINGBENCH_STORE
out=$tmp/pre-merge
RINGBENCH_OUT=$out RINGBENCH_SCENARIO=$data/ci.ini RINGBENCH_REPETITIONS=20 \
	"$src/ci/pre-merge.sh" HEAD >"$tmp/log" 2>&1
rc=$?
echo "ci/pre-merge.sh HEAD: exit $rc"
case $rc in
0 | 1) ;;
2) grep -q "NO VERDICT" "$tmp/log" || { cat "$tmp/log"; fail "pre-merge: exit 2"; } ;;
*) cat "$tmp/log"; fail "pre-merge: exit $rc" ;;
esac
# HEAD against HEAD is one commit: made once, run as both sides; and ab
# keeps a commit's build as check does: HEAD is the build night 2 kept
# when it made one (a clean tree: night 1's baseline is HEAD's), else
# built here, once, and kept.
grep -q "A and B are one commit: built once" "$tmp/log" || fail "pre-merge: HEAD built twice"
built=$(grep -c "building HEAD" "$tmp/log")
taken=$(grep -c "^ringbench ab: HEAD (.*): the build kept in $RINGBENCH_BUILDS/" "$tmp/log")
if [ "$clean" = 1 ]; then
	[ "$built" = 0 ] && [ "$taken" = 1 ] ||
		{ cat "$tmp/log"; fail "pre-merge: HEAD not taken from the build night 2 kept (built $built times, taken $taken)"; }
else
	[ "$built" = 1 ] && [ "$taken" = 0 ] ||
		{ cat "$tmp/log"; fail "pre-merge: not one build of HEAD (built $built times, taken $taken)"; }
	grep -q "^ringbench ab: kept the build of HEAD (.*) in $RINGBENCH_BUILDS/" "$tmp/log" ||
		{ cat "$tmp/log"; fail "pre-merge: the build of HEAD was not kept"; }
fi
for f in ab-A.json ab-B.json summary.md junit.xml verdict.json report/index.html; do
	[ -s "$out/$f" ] || { ls -l "$out"; fail "pre-merge left no $f"; }
done
status=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["status"])' "$out/verdict.json")
[ "$status" = "$rc" ] || fail "pre-merge exit $rc but verdict.json says $status"
# The status the pull request's comment step posts is the script's own.
[ "$(cat "$out/exit-status" 2>/dev/null)" = "$rc" ] ||
	fail "pre-merge exit $rc but exit-status says '$(cat "$out/exit-status" 2>/dev/null)'"
echo "ci_scripts.sh: ok"
