#!/usr/bin/env bash
# ci/pre-merge.sh [BASE]: the pre-merge job.  Installs what is missing,
# builds, and runs `ringbench ab BASE HEAD quick`: both revisions built
# Release in temporary worktrees (each kept in $RINGBENCH_BUILDS, default
# results/builds/, and taken from there next time), run interleaved,
# judged on pairs.  BASE defaults to the merge base of HEAD with main
# (origin/main if there is one).  Artifacts in $RINGBENCH_OUT (default ci-out/pre-merge): ab-A.json
# and ab-B.json (every repetition), summary.md (a pull-request comment),
# junit.xml, verdict.json, report/ (`ringbench report` of B against A:
# index.html with the charts embedded, report.md), exit-status (this
# script's exit code, for ci/post-verdict.sh in a later step).  $RINGBENCH_SCENARIO and $RINGBENCH_REPETITIONS
# override the scenario (quick) and the repetitions, $RINGBENCH_RELEASE_DIR
# the folder this tree is built in (default build-release/ in this tree).
# Exits with ringbench's code.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${RINGBENCH_OUT:-ci-out/pre-merge}
mkdir -p "$out"
# Written on every exit, an early one (a failed build) included, so that
# the step that posts the verdict never reads an older run's status.
trap 'echo $? >"$out/exit-status"' EXIT
source scripts/setup.sh
setup_packages
release=${RINGBENCH_RELEASE_DIR:-build-release}
build "$release" -DCMAKE_BUILD_TYPE=Release
base=${1:-}
if [ -z "$base" ]; then
	for main in origin/main main; do
		if base=$(git merge-base HEAD "$main" 2>/dev/null); then
			break
		fi
	done
fi
[ -n "$base" ] || { echo "ci/pre-merge.sh: no BASE given and no main to merge with" >&2; exit 2; }
args=()
[ -n "${RINGBENCH_REPETITIONS:-}" ] && args+=(--repetitions "$RINGBENCH_REPETITIONS")
status=0
"$release"/harness/ringbench ab "$base" HEAD "${RINGBENCH_SCENARIO:-quick}" "${args[@]}" --out "$out/ab" \
	--markdown "$out/summary.md" --junit "$out/junit.xml" --json "$out/verdict.json" \
	|| status=$?
# The page: B judged against A in pairs, as ab did (the charts of one run).
if [ -f "$out/ab-B.json" ] && [ -f "$out/ab-A.json" ]; then
	"$release"/harness/ringbench report "$out/ab-B.json" --ab "$out/ab-A.json" --no-history \
		--out "$out/report" || echo "ci/pre-merge.sh: the report is incomplete (see above)" >&2
fi
echo "ci/pre-merge.sh: $base against HEAD: exit $status; artifacts in $out:"
ls -l "$out"
exit "$status"
