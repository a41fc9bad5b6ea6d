#!/usr/bin/env bash
# test.sh: the README's test command.  Installs what is missing, builds, and
# runs the whole suite three times: the warning-free build, under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the in-process threaded
# tests under ThreadSanitizer (which cannot see across processes).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
setup_packages

passed=0 failed=0
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
	rm -f "$log"
	if [ -z "$line" ]; then
		echo "test.sh: $title: ctest gave no summary" >&2
		failed=$((failed + 1))
		return
	fi
	local f t
	f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
	t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
	passed=$((passed + t - f))
	failed=$((failed + f))
}

run_suite "build with -Werror" build -- -DRINGBENCH_WERROR=ON
run_suite "AddressSanitizer + UndefinedBehaviorSanitizer" build-asan -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=address,undefined
run_suite "ThreadSanitizer (threaded tests)" build-tsan -L threads -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=thread

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

left=$(ls /dev/shm | grep -E '^(rt\.|ringstress\.|ringbench\.)' || true)
if [ -n "$left" ]; then
	echo "test.sh: objects left in /dev/shm: $left" >&2
	failed=$((failed + 1))
fi
echo "test.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
