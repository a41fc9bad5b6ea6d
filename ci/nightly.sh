#!/usr/bin/env bash
# ci/nightly.sh [SCENARIO]: the nightly job.  Installs what is missing,
# builds Release, runs `ringbench check SCENARIO` (nightly by default)
# against this machine's baseline, and leaves the artifacts in one folder
# ($RINGBENCH_OUT, default ci-out/nightly): results.json (every
# repetition), summary.md (for the job summary), junit.xml, verdict.json.
# Exits with ringbench's code: 0 pass, 1 regression, 2 environment, 3
# visibility failure.  Run it on a runner whose CPUs nobody else uses.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_packages
build build-release -DCMAKE_BUILD_TYPE=Release
out=${RINGBENCH_OUT:-ci-out/nightly}
mkdir -p "$out"
status=0
build-release/harness/ringbench check "${1:-nightly}" --out "$out/results.json" \
	--markdown "$out/summary.md" --junit "$out/junit.xml" --json "$out/verdict.json" \
	|| status=$?
echo "ci/nightly.sh: exit $status; artifacts in $out:"
ls -l "$out"
exit "$status"
