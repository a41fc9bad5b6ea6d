#!/usr/bin/env bash
# test.sh: the README's test command.  Installs what is missing, builds, and
# runs the whole suite four times: the warning-free build; under
# AddressSanitizer + UndefinedBehaviorSanitizer; the in-process threaded
# tests under ThreadSanitizer (which cannot see across processes); and the
# hostile-peer fuzz target under libFuzzer + AddressSanitizer (clang) for a
# bounded time.  Then the house style (every C and C++ file the tree has),
# and nothing left in /dev/shm.  The summary names every test skipped.
#
# What is optional (iceoryx, valgrind, hyperfine, gnuplot, Google
# Benchmark, clang's libFuzzer, ...) is installed when it can be
# (scripts/setup.sh); whatever is absent turns its tests into skips, or
# they are not built, and setup.sh names each piece with what it switches
# off.  Environment:
#   RINGBENCH_OPTIONAL=skip    install no optional package (to see the
#                              suite on a machine without them)
#   RINGBENCH_FUZZ_SECONDS=N   how long libFuzzer runs (60)
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

# What the tests could write into the source tree (they keep their files
# in temporary folders and the build folders): every file git does not
# ignore, and results/, plots/out/ and ci-out/, which git does, each with
# its size and time, so that a file written over shows too.
tree_state() {
	git status --porcelain --untracked-files=all 2>/dev/null
	# (A folder not there yet is nothing written: find's complaint is not.)
	{ find results plots/out ci-out -type f -printf '%p %s %T@\n' 2>/dev/null || true; } | sort
}
tree_before=$(tree_state)

passed=0 failed=0 skipped=0 skipped_names=()
run_suite() { # run_suite TITLE BUILD_DIR CTEST_ARGS... -- CMAKE_ARGS...
	local title=$1 dir=$2 ctest_args=() log
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do ctest_args+=("$1"); shift; done
	shift
	echo "== $title"
	build "$dir" "$@"
	log=$(mktemp)
	# The tests labelled unit (or unit and hostile) and nothing else measure
	# nothing and pin no CPU: two at a time.  Every other test one at a
	# time: the cross-process tests pin to CPUs 0 and 1, and a measurement
	# wants both to itself.  (A suite that names its own labels, -L, runs as
	# it says, one at a time.)
	local phases=() ex='' only
	if [ ${#ctest_args[@]} -eq 0 ] || { [ ${#ctest_args[@]} -eq 2 ] && [ "${ctest_args[0]}" = -LE ]; }; then
		ex=${ctest_args[1]:-}
		only=$(unit_only "$dir") || { failed=$((failed + 1)); return; }
		ctest --test-dir "$dir" --output-on-failure -j2 -R "$only" ${ex:+-LE "^($ex)$"} |
			tee "$log.1" || true
		ctest --test-dir "$dir" --output-on-failure -j1 -E "$only" ${ex:+-LE "^($ex)$"} |
			tee "$log.2" || true
		phases=("$log.1" "$log.2")
	else
		ctest --test-dir "$dir" --output-on-failure -j1 "${ctest_args[@]}" | tee "$log.1" || true
		phases=("$log.1")
	fi
	cat "${phases[@]}" >"$log"
	local s names=()
	mapfile -t names < <(sed -nE 's/^[[:space:]]+[0-9]+ - (.*) \(Skipped\)$/\1/p' "$log")
	s=${#names[@]}
	local n
	for n in "${names[@]}"; do skipped_names+=("$title: $n"); done
	# Each phase's summary: the last such line of its log (a test's own
	# output, shown on failure, could hold one earlier).
	local lines=() p line
	for p in "${phases[@]}"; do
		line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$p" | tail -1)
		if [ -z "$line" ]; then
			echo "test.sh: $title: ctest gave no summary" >&2
			failed=$((failed + 1))
		else
			lines+=("$line")
		fi
	done
	rm -f "$log" "${phases[@]}"
	local f t
	for line in "${lines[@]}"; do
		f=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
		t=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
		passed=$((passed + t - f))
		failed=$((failed + f))
	done
	passed=$((passed - s))
	skipped=$((skipped + s))
}

# The tests whose labels are unit, or unit and hostile, and nothing else,
# as one regex of their names: the parallel phase runs them (-R), the
# serial phase every other test (-E).  An allow-list: a test given any
# other label runs one at a time.  Label ci beside unit is the one
# exception: it only keeps a unit test out of the sanitizer suite
# (harness.browser: chromium runs no sanitized code of ours), and such a
# test still runs two at a time.  Fails (said) when there are none.
unit_only() { # unit_only BUILD_DIR
	ctest --test-dir "$1" --show-only=json-v1 | python3 -c '
import json, re, sys
names = []
for t in json.load(sys.stdin)["tests"]:
    labels = [v for p in t.get("properties", []) if p["name"] == "LABELS" for v in p["value"]]
    rest = set(labels) - {"ci"} if "unit" in labels else set(labels)
    if rest and rest <= {"unit", "hostile"}:
        names.append(re.sub(r"([][.^$*+?(){}|\\])", r"\\\1", t["name"]))
if not names:
    sys.exit("test.sh: no test is labelled unit alone in " + sys.argv[1])
print("^(" + "|".join(names) + ")$")
' "$1"
}

run_suite "build with -Werror" build -- -DRINGBENCH_WERROR=ON
# Label ci is left out under the sanitizers: the CI recipes' and bisect's
# tests build Release themselves, valgrind's and chromium's (harness.browser)
# run no sanitized code of ours: once, in the plain suite, is enough.
run_suite "AddressSanitizer + UndefinedBehaviorSanitizer" build-asan -LE ci -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=address,undefined
# The suites that run a few tests build only their programs (a test given
# the label without its program here is reported "Not Run": add it).
RINGBENCH_TARGETS="test_asym test_threads test_cxx" \
	run_suite "ThreadSanitizer (threaded tests)" build-tsan -L threads -- \
	-DRINGBENCH_WERROR=ON -DRINGBENCH_SANITIZE=thread
# The hostile peer, coverage-guided: libFuzzer needs clang and its runtime
# (libclang-rt-14-dev on Debian 12).
libfuzzer_links() {
	command -v clang >/dev/null || return 1
	local t rc=0
	t=$(mktemp -d)
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\n%s\n' \
		'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }' \
		>"$t/f.c"
	clang -fsanitize=fuzzer,address,undefined "$t/f.c" -o "$t/f" >/dev/null 2>&1 || rc=1
	rm -rf "$t"
	return $rc
}
if libfuzzer_links; then
	RINGBENCH_TARGETS=fuzz_peer \
		run_suite "libFuzzer + AddressSanitizer: hostile peer, ${RINGBENCH_FUZZ_SECONDS:-60} s" \
		build-fuzz -L fuzz -- -DCMAKE_C_COMPILER=clang -DRINGBENCH_WERROR=ON \
		-DRINGBENCH_FUZZ=ON -DRINGBENCH_FUZZ_SECONDS="${RINGBENCH_FUZZ_SECONDS:-60}" \
		-DRINGBENCH_SANITIZE=address,undefined
else
	echo "== libFuzzer: skipped, clang cannot build a libFuzzer target (clang, libclang-rt-14-dev)"
	skipped=$((skipped + 1))
	skipped_names+=("libFuzzer: ring.fuzz.libfuzzer (no clang with libFuzzer)")
fi

# House style: the C and C++ code is formatted with the root .clang-format.
# Every such file git knows or would add (tracked or not, not ignored).
format_files() {
	local f
	git ls-files -z --cached --others --exclude-standard -- \
		'*.c' '*.h' '*.cc' '*.cpp' '*.cxx' '*.hh' '*.hpp' '*.hxx' |
		while IFS= read -r -d '' f; do
			if [ -f "$f" ]; then printf '%s\0' "$f"; fi
		done
}
if command -v clang-format >/dev/null; then
	echo "== clang-format"
	if format_files | xargs -0 clang-format --dry-run --Werror; then
		passed=$((passed + 1))
	else
		echo "test.sh: run clang-format -i on the files above" >&2
		failed=$((failed + 1))
	fi
else
	echo "== clang-format: not installed, format not checked"
	skipped=$((skipped + 1))
	skipped_names+=("clang-format: the format check (no clang-format)")
fi

wrote=$(comm -13 <(sort <<<"$tree_before") <(tree_state | sort))
if [ -n "$wrote" ]; then
	echo "test.sh: the tests wrote into the source tree:" $wrote >&2
	failed=$((failed + 1))
fi
left=$(comm -13 <(sort <<<"$before") <(shm_leftovers | sort))
if [ -n "$left" ]; then
	echo "test.sh: objects left in /dev/shm by the tests:" $left >&2
	failed=$((failed + 1))
fi
if [ ${#skipped_names[@]} -gt 0 ]; then
	echo "test.sh: skipped:"
	printf '  %s\n' "${skipped_names[@]}"
fi
echo "test.sh: $passed passed, $skipped skipped, $failed failed"
[ "$failed" -eq 0 ]
