#!/usr/bin/env bash
# bench.sh: the README's benchmark command.  Installs what is missing, builds
# an optimised tree and runs the main job: `ringbench check` on the `quick`
# scenario, the ring beside its reference transports, judged against this
# machine's baseline (results/baselines/<machine-id>.json; the first run
# saves it).  The run's results are kept under results/runs/, a Markdown
# summary and JUnit beside them.  Run it alone: it pins to CPUs 0 and 1 and
# needs both.
#   ./bench.sh                 the quick scenario
#   ./bench.sh nightly         any other scenario (a name or a path)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages
build build-release -DCMAKE_BUILD_TYPE=Release
mkdir -p results/runs
stem="results/runs/$(date -u +%Y%m%dT%H%M%SZ)-${1:-quick}"
status=0
build-release/harness/ringbench check "${1:-quick}" --out "$stem.json" \
	--markdown "$stem.md" --junit "$stem.xml" || status=$?
[ -f "$stem.json" ] && echo "bench.sh: results in $stem.json"
[ -f "$stem.md" ] && echo "bench.sh: verdict in $stem.md and $stem.xml"
exit "$status"
