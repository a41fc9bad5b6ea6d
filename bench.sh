#!/usr/bin/env bash
# bench.sh: the README's benchmark command.  Installs what is missing, builds
# an optimised tree and runs the main job: the `quick` scenario, the ring
# beside its reference transports, with its results kept under results/runs/.
# Run it alone: it pins to CPUs 0 and 1 and needs both.
#   ./bench.sh                 the quick scenario
#   ./bench.sh nightly         any other scenario (a name or a path)
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages
build build-release -DCMAKE_BUILD_TYPE=Release
mkdir -p results/runs
out="results/runs/$(date -u +%Y%m%dT%H%M%SZ)-${1:-quick}.json"
status=0
build-release/harness/ringbench run "${1:-quick}" --out "$out" || status=$?
[ -f "$out" ] && echo "bench.sh: results in $out"
exit "$status"
