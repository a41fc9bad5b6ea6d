#!/usr/bin/env bash
# bisect.sh RINGBENCH SOURCE_DIR: `ringbench bisect --instructions` on a
# repository with a known slowdown planted in one of 16 commits, and the
# differential profile of the commit it names.
#
# The fixture is a clone of SOURCE_DIR's committed HEAD with 16 commits on
# top: each writes a line to a file no build reads, except
#   - commit 11, which plants one instruction, `__asm__ volatile("nop");`,
#     first in ring_publish() (ring/include/ring.h, inlined into every
#     publish): a publish of some 86 instructions gains 1.2%, past the 1% a
#     count needs to change;
#   - commit 13, which breaks the build (a line that is not C in ring.h),
#     and commit 14, which mends it.
# Then:
#   - bisect c0 c16 --instructions names commit 11 exactly, after trying
#     commits 8, 12, 10 and 11 (the search halves the range: the broken
#     commit is never built), and its log says so;
#   - `ringbench ab c10 KEPT-C11 --instructions` on the two kept builds
#     (c10's taken by its revision, as bisect takes it; c11's by path): publish
#     gains one instruction per operation, and the profile names
#     gb_op_publish, the nop's file, line and text, and ring_publish as the
#     function it lies in, and no line that merely moved down with it; the
#     profile is kept in B's results (--out) and shown by `ringbench report
#     B.json --ab A.json`;
#   - a second bisect over the same commits builds nothing (the kept
#     builds) and names commit 11 again;
#   - bisect c10 c16 steps on the broken commit 13 first: no culprit is
#     named (exit 1), and commits 11 to 16 are said to remain;
#   - bisect c8 c10, ends that do not differ: exit 1, nothing to look for,
#     and the log in $RINGBENCH_RESULTS/runs by default;
#   - bisect c10 c11 on time, one case of a tiny scenario: it ends, and its
#     log holds the ends judged in pairs (no verdict is asserted);
#   - bad input: BAD before GOOD, an unknown revision, a bad regex, a case
#     or a count that matches nothing: exit 2 with the reason.
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
		L=$(grep -n '^static inline void ring_publish(struct ring \*r)$' ring/include/ring.h |
			cut -d: -f1)
		[ -n "$L" ] && [ "$(sed -n "$((L + 1))p" ring/include/ring.h)" = "{" ] ||
			fail "ring_publish's definition not found in ring.h"
		sed -i "$((L + 1))a\\	__asm__ volatile(\"nop\");" ring/include/ring.h
		NOP=$((L + 2))
		[ "$(sed -n "${NOP}p" ring/include/ring.h)" = '	__asm__ volatile("nop");' ] ||
			fail "the nop did not go in at ring.h:$NOP"
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
assert rows and any(r["verdict"] == "REGRESSION" for r in rows), rows
# Builds of one code count exactly the same, whatever was built before
# them in the reused folder (commit 8 after 16, 10 after 12).
for s in log["steps"]:
    if s["verdict"] == "good":
        assert all(r["change"] == 0 for r in s["rows"]), s
# One instruction in some 86: a relative change, not the difference.
assert all(0 < r["change"] < 0.05 for r in rows if r["verdict"] == "REGRESSION"), rows
print("bisect.sh: the log names commit 11 after", len(steps), "rounds")
EOF

# The culprit's profile, from the two kept builds: one instruction, named.
# A by its revision, which ab takes from the kept builds as bisect does
# (with its ring_gbench), building nothing; B by its binary's path.
kept() { echo "$RINGBENCH_BUILDS/$(hash "$1")-Release/ringbench"; }
"$rb" ab c10 "$(kept c11)" --instructions --out "$tmp/ab" >"$tmp/ab.out" 2>"$tmp/ab.err"
rc=$?
[ $rc = 1 ] || fail "profile: ab exit $rc, not 1 (a regression): $(tail -5 "$tmp/ab.err")"
grep -q "^ringbench ab: c10 ($(git rev-parse --short c10)): the build kept in $RINGBENCH_BUILDS/$(hash c10)-Release$" "$tmp/ab.err" ||
	fail "profile: ab did not take c10's kept build: $(cat "$tmp/ab.err")"
grep -q "building" "$tmp/ab.err" && fail "profile: ab built something: $(cat "$tmp/ab.err")"
sed -n '/^publish\/size:64:/,/^$/p' "$tmp/ab.out" >"$tmp/pub"
grep -q '^publish/size:64: +1.00 instructions per operation' "$tmp/pub" ||
	fail "profile: no +1.00 for publish/size:64: $(cat "$tmp/ab.out")"
grep -Eq '^  gb_op_publish +[0-9.]+ +[0-9.]+ +\+1\.00$' "$tmp/pub" ||
	fail "profile: gb_op_publish +1.00 not named: $(cat "$tmp/pub")"
grep -F "ring/include/ring.h:$NOP (ring_publish)" "$tmp/pub" |
	grep -Fq '+1.00   `__asm__ volatile("nop");`' ||
	fail "profile: the nop's line ring.h:$NOP (ring_publish), +1.00, its text: $(cat "$tmp/pub")"
# The lines below the nop moved down a line and run as often: none is shown.
[ "$(grep -c 'ring/include/ring.h:' "$tmp/pub")" = 1 ] ||
	fail "profile: lines that only moved are shown: $(cat "$tmp/pub")"
grep -q '^send_recv/size:64: +1.00' "$tmp/ab.out" || fail "profile: send_recv (which publishes) not profiled"
grep -q '^consume/' "$tmp/ab.out" && fail "profile: consume, which does not publish, is profiled"
python3 - "$tmp/ab-B.json" "$NOP" <<'EOF' || fail "profile: not kept in B's results"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
op = [o for o in p["operations"] if o["operation"] == "publish/size:64"][0]
lines = [l for f in op["functions"] if f["function"] == "gb_op_publish" for l in f["lines"]]
ok = any(l["file"] == "ring/include/ring.h" and l["line_b"] == int(sys.argv[2]) and
         l["source_function"] == "ring_publish" and abs(l["change"] - 1) < 1e-9 for l in lines)
sys.exit(0 if ok else 1)
EOF
"$rb" report "$tmp/ab-B.json" --ab "$tmp/ab-A.json" --no-history --out "$tmp/report" >"$tmp/rout" 2>&1
grep -q 'ring_publish' "$tmp/report/index.html" 2>/dev/null &&
	grep -Fq '__asm__ volatile(&quot;nop&quot;);' "$tmp/report/index.html" ||
	fail "profile: the report page has none: $(tail -3 "$tmp/rout")"
# Markdown's code escapes the underscore.
grep -q '^### Where the instructions moved' "$tmp/report/report.md" 2>/dev/null &&
	grep -q 'ring&#95;publish' "$tmp/report/report.md" || fail "profile: report.md has none"

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

# Ends that do not differ; the log where it goes by default.
run same 1 c8 c10 --instructions --case publish
grep -q "does not differ" "$tmp/same.out" || fail "same: the ends are not said to be alike"
ls "$RINGBENCH_RESULTS"/runs/bisect-*.json >/dev/null 2>&1 ||
	fail "same: no log in \$RINGBENCH_RESULTS/runs"

# On time, the one case of a tiny scenario: a nop does not show in time,
# and a verdict is a measurement, so only the run's shape is checked: it
# ends (0, 1, or 2 for ends with no verdict), and its log holds the ends
# judged in interleaved pairs.
if [ "$(nproc)" -ge 2 ]; then
	"$rb" bisect c10 c11 harness/tests/data/ci.ini --case '^stream/' --repetitions 8 \
		--log "$tmp/time.json" >"$tmp/time.out" 2>"$tmp/time.err"
	rc=$?
	case $rc in
	0 | 1) ;;
	2) grep -q "the ends have no verdict" "$tmp/time.out" ||
		{ cat "$tmp/time.out" "$tmp/time.err"; fail "time: exit 2"; } ;;
	*) cat "$tmp/time.out" "$tmp/time.err"; fail "time: exit $rc" ;;
	esac
	python3 - "$tmp/time.json" <<'EOF' || fail "time: the log is wrong"
import json, sys
log = json.load(open(sys.argv[1]))
assert log["mode"] == "time" and log["rounds"] == 1, log
rows = log["steps"][0]["rows"]
assert rows and all(r["case"].startswith("stream/") for r in rows), rows
assert all(r["verdict"] for r in rows), rows
EOF
fi

# Bad input.
run backwards 2 c16 c0 --instructions
grep -q "not an ancestor" "$tmp/backwards.err" || fail "backwards: no reason given"
run unknown 2 c0 no-such-revision --instructions
grep -q "no-such-revision" "$tmp/unknown.err" || fail "unknown: the revision is not named"
run regex 2 c0 c16 --instructions --case '('
grep -q "\-\-case" "$tmp/regex.err" || fail "regex: the option is not named"
run nocount 2 c0 c16 --instructions --case 'no-such-count'
grep -q "no instruction count matches" "$tmp/nocount.err" || fail "nocount: no reason given"
run nocase 2 c0 c16 --case 'no-such-case' quick
grep -q "no case of quick matches" "$tmp/nocase.err" || fail "nocase: no reason given"
[ "$(git worktree list | wc -l)" = 1 ] || fail "a worktree was left behind"
echo "bisect.sh: ok"
