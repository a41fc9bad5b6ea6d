#!/usr/bin/env bash
# bisect.sh RINGBENCH SOURCE_DIR: `ringbench bisect --instructions` on a
# repository with a known slowdown planted in one of 16 commits.
#
# The fixture is a clone of SOURCE_DIR's committed HEAD with 16 commits on
# top: each writes a line to a file no build reads, except
#   - commit 11, which plants a loop of 40 volatile iterations at the top of
#     ring_publish() (ring/include/ring.h, inlined into every publish);
#   - commit 13, which breaks the build (a line that is not C in ring.h),
#     and commit 14, which mends it.
# Then:
#   - bisect c0 c16 --instructions names commit 11 exactly, after trying
#     commits 8, 12, 10 and 11 (the search halves the range: the broken
#     commit is never built), and its log says so;
#   - a second bisect over the same commits builds nothing (the kept
#     builds) and names commit 11 again;
#   - bisect c10 c16 steps on the broken commit 13 first: no culprit is
#     named (exit 1), and commits 11 to 16 are said to remain;
#   - bisect c8 c10, ends that do not differ: exit 1, nothing to look for;
#   - bad input: BAD before GOOD, an unknown revision, a bad regex, a case
#     that matches nothing: exit 2 with the reason.
# Everything happens in a temporary folder (RINGBENCH_BUILDS and
# RINGBENCH_RESULTS point there).  Skipped (77) without valgrind or Google
# Benchmark (no ring_gbench in the fixture's build), or without git.
set -u
rb=$1 src=$2
for prog in git valgrind cmake; do
	command -v $prog >/dev/null || { echo "bisect.sh: skipped, no $prog"; exit 77; }
done
pkg-config --exists benchmark 2>/dev/null ||
	{ echo "bisect.sh: skipped, no Google Benchmark (libbenchmark-dev): no ring_gbench"; exit 77; }
tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
export RINGBENCH_BUILDS=$tmp/builds RINGBENCH_RESULTS=$tmp/results CCACHE_DIR=$tmp/ccache
fail() { echo "bisect.sh: FAIL: $*"; exit 1; }

repo=$tmp/repo
git clone --quiet --no-hardlinks "$(git -C "$src" rev-parse --show-toplevel)" "$repo" ||
	fail "cannot clone $src"
cd "$repo" || exit 1
g() { git -c user.name=bisect-test -c user.email=bisect@test -c commit.gpgsign=false "$@"; }
g tag c0
for k in $(seq 1 16); do
	echo "step $k" >>bisect-fixture.txt
	case $k in
	11)
		sed -i '/^static inline void ring_publish(struct ring \*r)$/{n;a\
	for (volatile int planted = 0; planted < 40; planted++) {}
}' ring/include/ring.h
		grep -q 'planted < 40' ring/include/ring.h || fail "the plant did not apply to ring.h"
		;;
	13) echo 'this is not C;' >>ring/include/ring.h ;;
	14) sed -i '/^this is not C;$/d' ring/include/ring.h ;;
	esac
	g add -A && g commit --quiet -m "fixture commit $k" || fail "commit $k"
	g tag "c$k"
done
hash() { git rev-parse "$1"; }

run() { # run NAME EXPECTED_EXIT ARGS...: the bisect's output in $tmp/NAME.out
	local name=$1 want=$2
	shift 2
	"$rb" bisect "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	local got=$?
	if [ "$got" != "$want" ]; then
		cat "$tmp/$name.out" "$tmp/$name.err"
		fail "$name: bisect $* exited $got, not $want"
	fi
}

# The culprit, named exactly, and the steps that found it.
run first 0 c0 c16 --instructions --case 'publish' --log "$tmp/first.json"
cat "$tmp/first.out"
grep -qx "the first commit where it moved: $(hash c11) fixture commit 11" "$tmp/first.out" ||
	fail "first: commit 11 is not named the culprit"
python3 - "$tmp/first.json" "$(hash c11)" <<'EOF' || fail "first: the log is wrong"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["culprit"]["commit"] == sys.argv[2], log.get("culprit")
steps = [(s["subject"], s["verdict"]) for s in log["steps"]]
want = [("fixture commit 16", "bad"), ("fixture commit 8", "good"),
        ("fixture commit 12", "bad"), ("fixture commit 10", "good"),
        ("fixture commit 11", "bad")]
assert steps == want, steps
assert log["rounds"] == 5, log["rounds"]
assert len(log["commits"]) == 16
rows = log["steps"][-1]["rows"]
assert rows and all(r["verdict"] == "REGRESSION" for r in rows), rows
print("bisect.sh: the log names commit 11 after", len(steps), "rounds")
EOF

# The kept builds: nothing built the second time.
run again 0 c0 c16 --instructions --case 'publish/size:64' --log "$tmp/again.json"
grep -q "the first commit where it moved: $(hash c11)" "$tmp/again.out" ||
	fail "again: commit 11 is not named"
grep -q "building" "$tmp/again.err" && fail "again: something was built again"

# A step with no verdict (the broken commit): the range, never a culprit.
run broken 1 c10 c16 --instructions --case publish --log "$tmp/broken.json"
grep -q "no culprit named" "$tmp/broken.out" || fail "broken: no 'no culprit named'"
grep -q "the culprit\|first commit where it moved:" "$tmp/broken.out" &&
	fail "broken: a culprit was named"
for k in 11 12 13 14 15 16; do
	grep -q "^  $(git rev-parse --short=12 "c$k") fixture commit $k$" "$tmp/broken.out" ||
		fail "broken: commit $k is not among those that remain"
done
grep -q "fixture commit 10$" <(sed -n '/remain\|these/,$p' "$tmp/broken.out" | grep '^  ') &&
	fail "broken: GOOD itself is said to remain"

# Ends that do not differ.
run same 1 c8 c10 --instructions --case publish --log "$tmp/same.json"
grep -q "does not differ" "$tmp/same.out" || fail "same: the ends are not said to be alike"

# Bad input.
run backwards 2 c16 c0 --instructions
grep -q "not an ancestor" "$tmp/backwards.err" || fail "backwards: no reason given"
run unknown 2 c0 no-such-revision --instructions
grep -q "no-such-revision" "$tmp/unknown.err" || fail "unknown: the revision is not named"
run regex 2 c0 c16 --instructions --case '('
grep -q "\-\-case" "$tmp/regex.err" || fail "regex: the option is not named"
run nocase 2 c0 c16 --case 'no-such-case' quick
grep -q "no case of quick matches" "$tmp/nocase.err" || fail "nocase: no reason given"
[ "$(git worktree list | wc -l)" = 1 ] || fail "a worktree was left behind"
echo "bisect.sh: ok"
