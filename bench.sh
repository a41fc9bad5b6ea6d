#!/usr/bin/env bash
# bench.sh: the README's benchmark command.  Installs what is missing, builds
# an optimised tree and runs the main job: `ringbench check` on the `quick`
# scenario, the ring beside its reference transports, judged against this
# machine's baseline in the results store (results/ringbench.db, SQLite:
# nothing to set up; a committed results/baselines/<machine-id>.json is
# taken into it the first time, else the first run saves the baseline),
# interleaved with a build of the baseline's revision (built once, kept in
# results/builds/); then `ringbench startup` (whole processes timed by
# hyperfine, against the machine's startup baseline in the same store);
# and ends by writing
# the report page (`ringbench report`: verdict, charts, startup, history,
# machine check) and printing its path.  The run's results are kept under
# results/runs/, a Markdown summary, JUnit and the report beside them.  Run
# it alone: it pins to CPUs 0 and 1 and needs both.
#   ./bench.sh                 the quick scenario
#   ./bench.sh nightly         any other scenario (a name or a path)
# What is missing is installed first (scripts/setup.sh), the optional
# packages too unless RINGBENCH_OPTIONAL=skip: without hyperfine the startup
# step exits 2, without gnuplot the report has no charts.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages
build build-release -DCMAKE_BUILD_TYPE=Release
mkdir -p results/runs
stem="results/runs/$(date -u +%Y%m%dT%H%M%SZ)-${1:-quick}"
rb=build-release/harness/ringbench
status=0
"$rb" check "${1:-quick}" --out "$stem.json" --markdown "$stem.md" --junit "$stem.xml" ||
	status=$?
[ -f "$stem.json" ] && echo "bench.sh: results in $stem.json"
[ -f "$stem.md" ] && echo "bench.sh: verdict in $stem.md and $stem.xml"
# A startup regression fails the run too, unless the check already did.
startup=0
"$rb" startup --out "$stem.startup.json" --markdown "$stem.startup.md" || startup=$?
[ "$status" -eq 0 ] && status=$startup
if [ -f "$stem.json" ]; then
	args=()
	[ -f "$stem.startup.json" ] && args+=(--startup "$stem.startup.json")
	"$rb" report "$stem.json" "${args[@]}" --out "$stem-report" >/dev/null ||
		echo "bench.sh: the report is incomplete (see above)" >&2
	[ -f "$stem-report/index.html" ] && echo "bench.sh: report in $stem-report/index.html"
fi
exit "$status"
