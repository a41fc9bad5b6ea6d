#!/usr/bin/env bash
# test.sh: the README's test command.  Installs what is missing, builds, and
# runs the whole suite four times: the warning-free build; under
# AddressSanitizer + UndefinedBehaviorSanitizer; the in-process threaded
# tests under ThreadSanitizer (which cannot see across processes); and the
# hostile-peer fuzz target under libFuzzer + AddressSanitizer (clang) for a
# bounded time.  Then the house style, and nothing left in /dev/shm.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages

# Objects this run's tests could leave in /dev/shm carry the pid of the
# process that made them; those of processes still alive belong to someone
# else's run and are not ours to judge.
shm_leftovers() {
	local f pid
	for f in /dev/shm/*; do
		[ -e "$f" ] || continue
		f=${f#/dev/shm/}
		pid=$(sed -nE 's/^(rt\.[^.]+|ringstress|ringbench|rbt)\.([0-9]+)(\..*)?$/\2/p' <<<"$f")
		[ -n "$pid" ] || continue
		[ -d "/proc/$pid" ] && continue
		echo "$f"
	done
}
before=$(shm_leftovers)

passed=0 failed=0 skipped=0
run_suite() { # run_suite TITLE BUILD_DIR CTEST_ARGS... -- CMAKE_ARGS...
	local title=$1 dir=$2 ctest_args=() log
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ctest_args+=("$1"); shift; done
	shift
	echo "== $title"
	build "$dir" "$@"
	log=$(mktemp)
	# One test at a time: the cross-process tests pin to CPUs 0 and 1.
	ctest --test-dir "$dir" --output-on-failure -j1 "${ctest_args[@]}" | tee "$log" || true
	local line
	line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
	local s
	s=$(grep -cE '^[[:space:]]+[0-9]+ - .* \(Skipped\)$' "$log" || true)
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "test.sh: $title: ctest gave no summary" >&2
		failed=$((failed + 1))
		return
	fi
	local f t
	f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	passed=$((passed + t - f - s))
	skipped=$((skipped + s))
	failed=$((failed + f))
}

run_suite "build with -Werror" build -- -DRINGBENCH_WERROR=ON
# The CI recipes' end-to-end test builds Release itself: once is enough.
run_suite "AddressSanitizer + UndefinedBehaviorSanitizer" build-asan -LE ci -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=address,undefined
run_suite "ThreadSanitizer (threaded tests)" build-tsan -L threads -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=thread
# The hostile peer, coverage-guided: libFuzzer needs clang.
if command -v clang >/dev/null; then
	run_suite "libFuzzer + AddressSanitizer: hostile peer, ${RINGBENCH_FUZZ_SECONDS:-60} s" \
		build-fuzz -L fuzz -- -DCMAKE_C_COMPILER=clang -DRINGBENCH_WERROR=ON \
		-DRINGBENCH_FUZZ=ON -DRINGBENCH_FUZZ_SECONDS="${RINGBENCH_FUZZ_SECONDS:-60}" \
		-DRINGBENCH_SANITIZE=address,undefined
else
	echo "== libFuzzer: skipped, clang is not installed"
	skipped=$((skipped + 1))
fi

# House style: the code is formatted with the root .clang-format.
if command -v clang-format >/dev/null; then
	echo "== clang-format"
	if git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror; then
		passed=$((passed + 1))
	else
		echo "test.sh: run clang-format -i on the files above" >&2
		failed=$((failed + 1))
	fi
else
	echo "== clang-format: not installed, format not checked"
fi

left=$(comm -13 <(sort <<<"$before") <(shm_leftovers | sort))
if [ -n "$left" ]; then
	echo "test.sh: objects left in /dev/shm by the tests:" $left >&2
	failed=$((failed + 1))
fi
echo "test.sh: $passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ]
