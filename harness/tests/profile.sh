#!/bin/bash
# profile.sh RINGBENCH SOURCE_DIR: a one-instruction change named by its
# function and source line, end to end.
#   - two builds of this repository's HEAD (a clone), Release with debug
#     information and the source folder mapped out as ab's builds are,
#     that differ by one `__asm__ volatile("nop");` at the top of
#     ring_publish (ring/include/ring.h, inlined into gb_op_publish);
#   - `ringbench ab A B --instructions` on the two binaries: publish gains
#     one instruction per operation, the profile names gb_op_publish, the
#     nop's file, line and text, and ring_publish as the function it lies
#     in, and no line that merely moved down with it;
#   - the profile is kept in B's results (--out) and shown by `ringbench
#     report B.json --ab A.json`.
# Needs valgrind, git and cmake, and ring_gbench in this build (exit 77
# without).  Builds twice (about 20 s, then 2 s); no timing is asserted.
set -u
RB=$1 SRC=$2
command -v valgrind >/dev/null || { echo "profile: valgrind not installed: skipped"; exit 77; }
command -v git >/dev/null && command -v cmake >/dev/null ||
	{ echo "profile: git or cmake missing: skipped"; exit 77; }
[ -x "$(dirname "$RB")/gbench/ring_gbench" ] ||
	{ echo "profile: this build has no ring_gbench (libbenchmark-dev): skipped"; exit 77; }
git -C "$SRC" rev-parse HEAD >/dev/null 2>&1 ||
	{ echo "profile: $SRC is not a git checkout: skipped"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
fail() {
	echo "profile: FAIL: $*"
	fails=$((fails + 1))
}
show() { # LOG: its end, when a step fails
	tail -20 "$1"
	exit 1
}
git clone --quiet "$SRC" "$T/src" >"$T/log" 2>&1 || show "$T/log"
# As ab builds a revision (builds.c), with -g for the lines.
cmake -S "$T/src" -B "$T/build" -DCMAKE_BUILD_TYPE=Release \
	"-DCMAKE_C_FLAGS=-g -ffile-prefix-map=$T/src=." >"$T/log" 2>&1 || show "$T/log"
cmake --build "$T/build" --target ringbench ring_gbench -j2 >>"$T/log" 2>&1 || show "$T/log"
mkdir -p "$T/A/harness/gbench"
cp "$T/build/harness/ringbench" "$T/A/harness/" &&
	cp "$T/build/harness/gbench/ring_gbench" "$T/A/harness/gbench/" || exit 1
# The nop, first in ring_publish's body: B is A and one instruction.
H=$T/src/ring/include/ring.h
L=$(grep -n '^static inline void ring_publish(struct ring \*r)$' "$H" | cut -d: -f1)
[ -n "$L" ] && [ "$(sed -n "$((L + 1))p" "$H")" = "{" ] ||
	{ echo "profile: ring_publish's definition not found in ring.h"; exit 1; }
sed -i "$((L + 1))a\\	__asm__ volatile(\"nop\");" "$H"
NOP=$((L + 2))
cmake --build "$T/build" --target ringbench ring_gbench -j2 >>"$T/log" 2>&1 || show "$T/log"
B=$T/build/harness/ringbench
# ab takes A's text from the commit its --version names, in the
# repository it runs in; B's from its source tree.
(cd "$T/src" && "$RB" ab "$T/A/harness/ringbench" "$B" --instructions --out "$T/ab") >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 1 ] || fail "ab exit $rc, not 1 (a regression): $(tail -5 "$T/err")"
sed -n '/^publish\/size:64:/,/^$/p' "$T/out" >"$T/pub"
grep -q '^publish/size:64: +1.00 instructions per operation' "$T/pub" ||
	fail "no +1.00 for publish/size:64: $(cat "$T/out")"
grep -Eq '^  gb_op_publish +[0-9.]+ +[0-9.]+ +\+1\.00$' "$T/pub" || fail "gb_op_publish +1.00 not named: $(cat "$T/pub")"
grep -Fq "ring/include/ring.h:$NOP (ring_publish)" "$T/pub" ||
	fail "the nop's line ring.h:$NOP (ring_publish) not named: $(cat "$T/pub")"
grep -F "ring/include/ring.h:$NOP " "$T/pub" | grep -Fq '+1.00   `__asm__ volatile("nop");`' ||
	fail "the nop's line without +1.00 and its text: $(cat "$T/pub")"
# The lines below the nop moved down a line and run as often: none is shown.
[ "$(grep -c 'ring/include/ring.h:' "$T/pub")" = 1 ] || fail "lines that only moved are shown: $(cat "$T/pub")"
grep -q '^send_recv/size:64: +1.00' "$T/out" || fail "send_recv (which publishes too) not profiled"
grep -q '^consume/' "$T/out" && fail "consume, which does not publish, is profiled"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" - "$T/ab-B.json" "$NOP" <<'PY' || fail "the profile is not kept in B's results"
import json, sys
p = json.load(open(sys.argv[1]))["profile"]
op = [o for o in p["operations"] if o["operation"] == "publish/size:64"][0]
lines = [l for f in op["functions"] if f["function"] == "gb_op_publish" for l in f["lines"]]
ok = any(l["file"] == "ring/include/ring.h" and l["line_b"] == int(sys.argv[2]) and
         l["source_function"] == "ring_publish" and abs(l["change"] - 1) < 1e-9 for l in lines)
sys.exit(0 if ok else 1)
PY
"$RB" report "$T/ab-B.json" --ab "$T/ab-A.json" --no-history --out "$T/report" >"$T/rout" 2>&1
grep -q 'ring_publish' "$T/report/index.html" 2>/dev/null &&
	grep -Fq '__asm__ volatile(&quot;nop&quot;);' "$T/report/index.html" ||
	fail "the report page has no profile: $(tail -3 "$T/rout")"
# Markdown's code escapes the underscore.
grep -q '^### Where the instructions moved' "$T/report/report.md" 2>/dev/null &&
	grep -q 'ring&#95;publish' "$T/report/report.md" || fail "report.md has no profile"
[ $fails = 0 ] && echo "profile: ok"
[ $fails = 0 ]
