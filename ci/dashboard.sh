#!/usr/bin/env bash
# ci/dashboard.sh [DIR]: the fleet's dashboard job.  Installs what is
# missing, builds ringbench, and draws `ringbench dashboard` from the store
# ($RINGBENCH_STORE: the fleet's PostgreSQL URI; without it, this tree's
# results/ringbench.db) into DIR (default ci-out/dashboard): a static site,
# index.html first, that needs no server and loads nothing from the network.
# Times nothing, so any runner will do.
#
# Exits with ringbench's code: 0 drawn, 2 an environment error (no store,
# an empty one, a server that cannot be reached).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
setup_packages
release=${RINGBENCH_RELEASE_DIR:-build-release}
build "$release" -DCMAKE_BUILD_TYPE=Release
out=${1:-ci-out/dashboard}
"$release/harness/ringbench" dashboard --out "$out"
echo "ci/dashboard.sh: the dashboard is $out/index.html"
