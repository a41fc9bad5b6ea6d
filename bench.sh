#!/usr/bin/env bash
# bench.sh: the README's benchmark command.  Installs what is missing, builds
# an optimised tree and runs the main job.  Needs both CPUs to itself.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages
build build-release -DCMAKE_BUILD_TYPE=Release
stress=build-release/ring/ring_stress
echo "== stream, spin, one message per publish (messages/s and bytes/s)"
for size in 64 1024 4096; do
	"$stress" --wait spin --size "$size" --capacity 1M --messages 20M --verify seq
done
echo "== ping-pong round trip, 64-byte messages"
for wait in spin futex eventfd hybrid; do
	"$stress" --mode pingpong --wait "$wait" --size 64 --messages 100000
done
