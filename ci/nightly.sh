#!/usr/bin/env bash
# ci/nightly.sh [SCENARIO]: the nightly job.  Installs what is missing,
# builds Release, runs `ringbench check SCENARIO` (nightly by default)
# against this machine's baseline, adds the run to the history and reports
# the steps it completes, and leaves the artifacts in one folder
# ($RINGBENCH_OUT, default ci-out/nightly): results.json (every
# repetition), summary.md (the verdict, the history's steps included),
# junit.xml, verdict.json, history.txt (each case's trend), startup.json and
# startup.md (whole-process startup times by hyperfine, judged against the
# machine's startup baseline), and report/ (`ringbench report`: index.html
# with the charts embedded, report.md for the job summary, the charts as PNG
# and SVG with their data).
#
# The history, the baselines and their acknowledgements are kept in the
# results store, $RINGBENCH_STORE: a SQLite file (default
# results/ringbench.db in this tree: point it at a file that outlives the
# job's workspace), or a fleet's PostgreSQL server (postgresql://...,
# docs/ci.md).  A run the store cannot take stays in results.json, and the
# check says how to import it (exit 2).  $RINGBENCH_BUILDS holds the builds
# of the baseline's revision that check runs beside tonight's and keeps
# (default results/builds/); $RINGBENCH_REPETITIONS overrides the
# repetitions; $RINGBENCH_RELEASE_DIR is the Release build folder (default
# build-release/ in this tree).
#
# Exits with ringbench's code: 0 pass, 1 regression (against the baseline,
# or a step in the history), 2 environment, 3 visibility failure.  Run it on
# a runner whose CPUs nobody else uses.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_packages
release=${RINGBENCH_RELEASE_DIR:-build-release}
build "$release" -DCMAKE_BUILD_TYPE=Release
rb=$release/harness/ringbench
out=${RINGBENCH_OUT:-ci-out/nightly}
mkdir -p "$out"
args=()
[ -n "${RINGBENCH_REPETITIONS:-}" ] && args+=(--repetitions "$RINGBENCH_REPETITIONS")
status=0
"$rb" check "${1:-nightly}" "${args[@]}" --out "$out/results.json" \
	--markdown "$out/summary.md" --junit "$out/junit.xml" --json "$out/verdict.json" \
	|| status=$?
"$rb" history --last 30 >"$out/history.txt" 2>&1 || true
startup=0
"$rb" startup --out "$out/startup.json" --markdown "$out/startup.md" || startup=$?
[ "$status" -eq 0 ] && status=$startup
if [ -f "$out/results.json" ]; then
	args=()
	[ -f "$out/startup.json" ] && args+=(--startup "$out/startup.json")
	"$rb" report "$out/results.json" "${args[@]}" --out "$out/report" ||
		echo "ci/nightly.sh: the report is incomplete (see above)" >&2
fi
echo "ci/nightly.sh: exit $status; artifacts in $out:"
ls -l "$out"
exit "$status"
