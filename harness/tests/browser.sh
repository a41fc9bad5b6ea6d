#!/bin/bash
# browser.sh RINGBENCH TESTS_DIR DASHBOARD_STORE: the report page and the
# dashboard opened in headless Chromium (browser.py, over the DevTools
# protocol): every chart loaded, no network request, no console error, on
# every page of the dashboard, one machine's names hostile (markup and
# scripts that must show as text, commands that must not run).  First the
# checker is shown to fail on a page with a chart deleted, one that names
# a network URL, and one that logs a console error; and, stopped by
# SIGTERM mid-crawl, to leave no browser and no profile behind.  Skipped
# (77) without chromium or gnuplot.
set -u
RB=$1
DIR=$2
PUT=$3
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null &&
	[ -z "${CHROMIUM:-}" ]; then
	echo "browser: chromium is not installed (Debian's chromium): the pages are not opened"
	exit 77
fi
if ! command -v gnuplot >/dev/null; then
	echo "browser: gnuplot is not installed: the pages have no charts to open"
	exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset RINGBENCH_STORE RINGBENCH_HISTORY
export RINGBENCH_RESULTS=$T/results RINGBENCH_BASELINES=$T/baselines
fails=0
fail() {
	echo "browser: FAIL: $*"
	fails=$((fails + 1))
}
fixture() { "$PY" "$DIR/plot_fixture.py" "$@" || fail "plot_fixture.py $*"; }
# The browser's profile and temporary files go into $T/tmp, not /tmp.
mkdir "$T/tmp"
open_pages() { TMPDIR=$T/tmp "$PY" "$DIR/browser.py" "$@"; }

# The report of a run judged against a baseline (its charts embedded).
fixture "$T/base.json" --revision bbbb111 --runs 6
fixture "$T/cur.json" --slow 0.7 --revision cccc222
"$RB" report "$T/cur.json" --baseline "$T/base.json" --no-history --out "$T/report" >"$T/out" 2>&1 ||
	fail "report: $(cat "$T/out")"

# The dashboard of three machines' nights (the second's context names
# another CPU, so its runs are another machine's; the third's names, and
# one of its cases', are hostile: dashboard_fixture.py).
mkdir -p "$T/one" "$T/two" "$T/evil"
for n in 1 2 3; do
	stem=2026112${n}T000000.000Z-bbbb111
	fixture "$T/one/$stem.json" --revision bbbb111 --date 2026-11-2${n}T00:00:00+0000
	sed 's/"cpu_model": "Fixture"/"cpu_model": "Other"/' "$T/one/$stem.json" >"$T/two/$stem.json"
	id=$("$PY" "$DIR/dashboard_fixture.py" hostile "$T/one/$stem.json" "$T/evil/$stem.json" "$T/evil-steps.json") ||
		fail "dashboard_fixture.py hostile"
done
"$PUT" "$T/store.db" put night "$T"/one/*.json "$T"/two/*.json "$T"/evil/*.json >"$T/out" 2>&1 &&
	"$PUT" "$T/store.db" put baseline "$T/base.json" >>"$T/out" 2>&1 &&
	"$PUT" "$T/store.db" steps "$id" "$T/evil-steps.json" >>"$T/out" 2>&1 ||
	fail "the store: $(cat "$T/out")"
# (run from $T/evil: a command a name ran would leave PWNED-* there)
(cd "$T/evil" && "$RB" dashboard --store "$T/store.db" --out "$T/site") >"$T/out" 2>&1 ||
	fail "dashboard: $(cat "$T/out")"

# --- the checker fails where it must: a chart deleted (from the report and
# from the dashboard), a network URL, a console error, each on a copy of
# its own, all opened by one browser; each page's failure is named
cp -r "$T/report" "$T/r1"
sed -i '0,/<img /s//<img src="chart-that-is-not-there.svg" /' "$T/r1/index.html"
cp -r "$T/site" "$T/s1"
rm "$T/s1/charts/case-002.svg"
cp -r "$T/site" "$T/s2"
sed -i 's|</h1>|</h1><img src="http://ringbench.invalid/x.png">|' "$T/s2/case-003.html"
cp -r "$T/site" "$T/s3"
sed -i 's|</h1>|</h1><script>console.error("broken page")</script>|' "$T/s3/index.html"
open_pages "$T/r1/index.html" "$T/s1/case-002.html" "$T/s2/case-003.html" "$T/s3/index.html" \
	>"$T/out" 2>&1
[ $? = 1 ] || fail "broken pages passed: $(cat "$T/out")"
grep -q "r1/index.html: image not loaded: chart-that-is-not-there.svg" "$T/out" ||
	fail "a report whose chart is missing passed: $(cat "$T/out")"
grep -q "s1/case-002.html: image not loaded: charts/case-002.svg" "$T/out" ||
	fail "a dashboard with a chart deleted passed: $(cat "$T/out")"
grep -q "s2/case-003.html: network request: http://ringbench.invalid/x.png" "$T/out" &&
	grep -q "s2/case-003.html: names a network URL: http://ringbench.invalid/x.png" "$T/out" ||
	fail "a page that reaches the network passed: $(cat "$T/out")"
grep -q "s3/index.html: console error: broken page" "$T/out" ||
	fail "a page with a console error passed: $(cat "$T/out")"

# --- stopped mid-crawl (as ctest's timeout or a Ctrl-C stops it): the
# browser stopped, its profile removed
TMPDIR=$T/tmp "$PY" "$DIR/browser.py" --crawl "$T/site/index.html" >"$T/killed" 2>&1 &
pid=$! # python's own (open_pages would run it in a subshell)
for i in $(seq 100); do # its profile written: the browser is up
	[ -n "$(ls -A "$T"/tmp/ringbench-browser.*/ 2>/dev/null)" ] && break
	sleep 0.1
done
sleep 1
kill -TERM $pid
wait $pid
rc=$?
[ $rc = 143 ] && grep -q "browser: stopped by signal 15" "$T/killed" ||
	fail "stopped mid-crawl: exit $rc: $(cat "$T/killed")"
[ -z "$(ls -A "$T/tmp")" ] || fail "stopped mid-crawl, it left $(ls -A "$T/tmp")"
left=$(pgrep -f -- "--user-data-dir=$T/tmp/" || true)
if [ -n "$left" ]; then
	fail "stopped mid-crawl, it left its browser running: $left"
	kill $left 2>/dev/null # these, by their ids: the ones this test started
fi

# --- the pages as written
# (the report's four charts, the trend left out; the dashboard's index,
# its three machines' pages and seventeen cases' pages, a trend each; the
# hostile names shown as text, no script run: none would pass)
open_pages --crawl "$T/report/index.html" "$T/site/index.html" >"$T/out" 2>&1
[ $? = 0 ] && grep -q "browser: 22 pages, 21 charts, all loaded" "$T/out" ||
	fail "the report page and the dashboard: $(cat "$T/out")"
[ -z "$(find "$T" -name 'PWNED-*')" ] || fail "a name in the store ran a command: $(find "$T" -name 'PWNED-*')"
[ -z "$(ls -A "$T/tmp")" ] || fail "the browser left $(ls -A "$T/tmp")"

[ $fails = 0 ] && echo "browser: ok"
[ $fails = 0 ]
