#!/bin/bash
# dashboard.sh RINGBENCH TESTS_DIR DASHBOARD_STORE: `ringbench dashboard`
# end to end on a real SQLite store holding two machines' histories of
# fixture results with known figures (plot_fixture.py), put there through
# the store's API (dashboard_store): the site's pages, the trends' data (a
# line per machine and machine state, never mixed), the steps marked with
# their revisions, each machine's context and latest verdict, no network
# URL in any page; the same trends from the same files brought in with
# `ringbench store import`; a machine whose every name is hostile
# (dashboard_fixture.py: nothing run, everything escaped); 125 machines
# (a line each, none left out); and the errors (no --out, an --out that is
# a file, a store that is not there and is not made, an empty store, a
# file that is no store, no gnuplot), each exit 2 with a message.  No
# timing is asserted.
set -u
RB=$1
DIR=$2
PUT=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
unset RINGBENCH_STORE RINGBENCH_HISTORY
export RINGBENCH_RESULTS=$T/results RINGBENCH_BASELINES=$T/baselines
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
fails=0
fail() {
	echo "dashboard: FAIL: $*"
	fails=$((fails + 1))
}
fixture() { "$PY" "$DIR/plot_fixture.py" "$@" || fail "plot_fixture.py $*"; }
have_gnuplot=false
command -v gnuplot >/dev/null && have_gnuplot=true

# Machine one (cpu_model Fixture: fixture-2c-vm): four nights at bbbb111,
# then three with the 64-byte spin stream 30% slower at cccc222, a baseline
# of six runs, and the step check reported in its ledger.  Machine two
# (cpu_model Other: other-2c-vm): the same seven nights, each with its
# last three repetitions in a second machine state (a bare line of 300 ns,
# a third of the throughput), and no baseline.
mkdir -p "$T/one" "$T/two"
for n in 1 2 3 4 5 6 7; do
	rev=bbbb111 slow=1
	[ $n -ge 5 ] && rev=cccc222 slow=0.7
	stem=2026112${n}T000000.000Z-$rev
	fixture "$T/one/$stem.json" --revision $rev --slow $slow --date 2026-11-2${n}T00:00:00+0000
	fixture "$T/two/$stem.json" --revision $rev --slow $slow --date 2026-11-2${n}T00:00:00+0000 --two-states
	sed -i 's/"cpu_model": "Fixture"/"cpu_model": "Other"/' "$T/two/$stem.json"
done
fixture "$T/baseline.json" --runs 6
cat >"$T/steps.json" <<'EOF'
{"reported": [{"case": "stream/wait:spin/size:64/capacity:1048576/cpus:0,1",
  "figure": "items_per_second", "state_lo_ns": 61, "state_hi_ns": 61,
  "night": "20261126T000000.000Z-cccc222", "first_after": "20261125T000000.000Z-cccc222",
  "revision_before": "bbbb111", "revision_after": "cccc222", "change": -0.3,
  "confidence": 0.999}]}
EOF
S=$T/store.db
"$PUT" "$S" put night "$T"/one/*.json "$T"/two/*.json >"$T/out" 2>&1 &&
	"$PUT" "$S" put baseline "$T/baseline.json" >>"$T/out" 2>&1 &&
	"$PUT" "$S" steps fixture-2c-vm "$T/steps.json" >>"$T/out" 2>&1 ||
	{
		echo "dashboard: the store could not be made: $(cat "$T/out")"
		exit 1
	}
grep -q "^other-2c-vm night" "$T/out" || fail "the second machine's runs are not its own: $(cat "$T/out")"

# --- errors: no --out; an --out that is a file; a store that is not
# there (none is made); a store with no nights; a file that is no store
"$RB" dashboard --store "$S" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "give --out DIR" "$T/out" || fail "no --out: $(cat "$T/out")"
echo "a file, not a folder" >"$T/afile"
"$RB" dashboard --store "$S" --out "$T/afile" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "dashboard: --out $T/afile is a file, not a folder" "$T/out" &&
	[ "$(cat "$T/afile")" = "a file, not a folder" ] || fail "an --out that is a file: $(cat "$T/out")"
"$RB" dashboard --store "$T/typo.db" --out "$T/t" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "dashboard: no results store at $T/typo.db (" "$T/out" ||
	fail "a store that is not there: $(cat "$T/out")"
[ -e "$T/typo.db" ] && fail "a store that is not there was made: $(ls -l "$T/typo.db")"
[ -e "$T/t" ] && fail "a store that is not there made the site's folder"
# (the default store, results/ringbench.db, neither: not even its folder)
"$RB" dashboard --out "$T/t" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "dashboard: no results store at $T/results/ringbench.db (" "$T/out" ||
	fail "the default store that is not there: $(cat "$T/out")"
[ -e "$T/results" ] && fail "the default store that is not there was made: $(ls -R "$T/results")"
"$RB" dashboard --help | grep -q "usage: ringbench dashboard --out DIR" || fail "--help"
"$PUT" "$T/empty.db" put baseline "$T/baseline.json" >/dev/null 2>&1
"$RB" dashboard --store "$T/empty.db" --out "$T/e" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "the store $T/empty.db holds no nightly runs: nothing to draw" "$T/out" ||
	fail "a store of baselines only: $(cat "$T/out")"
[ -e "$T/e" ] && fail "a store with nothing to draw made the site's folder"
echo "not a database" >"$T/junk.db"
"$RB" dashboard --store "$T/junk.db" --out "$T/j" >"$T/out" 2>&1
[ $? = 2 ] && grep -q "junk.db" "$T/out" || fail "a file that is no store: $(cat "$T/out")"
"$RB" dashboard --store "$S" --out "$T/n" --nights 0 >"$T/out" 2>&1
[ $? = 2 ] && grep -q "nights" "$T/out" || fail "--nights 0: $(cat "$T/out")"

# --- the site, into a folder that does not exist yet
if command -v gnuplot >/dev/null; then
	"$RB" dashboard --store "$S" --out "$T/site/deep" >"$T/out" 2>&1
	rc=$?
	[ $rc = 0 ] || fail "dashboard: exit $rc: $(cat "$T/out")"
	grep -q "^dashboard: $T/site/deep/index.html (2 machines, 16 cases, 14 nights; 16 trends drawn)" "$T/out" ||
		fail "it does not say where the index is: $(cat "$T/out")"
	"$PY" - "$T/site/deep" <<'PY' || fail "the site"
import html.parser, os, re, shlex, sys, xml.dom.minidom
d = sys.argv[1]
bad = []

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.imgs, self.text, self.urls = [], [], [], []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "data"):
            if a.get(k):
                self.urls.append(a[k])
        if tag == "a" and "href" in a: self.links.append(a["href"])
        if tag == "img": self.imgs.append(a.get("src", ""))
    def handle_data(self, data):
        self.text.append(data)

def page(name):
    p = Page()
    raw = open(os.path.join(d, name), encoding="utf-8").read()
    p.feed(raw)
    p.close()
    if re.search(r"(?i)(https?:|ftp:|//[a-z0-9.-]+\.[a-z]{2,}/)", raw):
        bad.append("%s names a network URL" % name)
    for u in p.urls:
        if not (u.startswith("#") or os.path.exists(os.path.join(d, u.split("#")[0]))):
            bad.append("%s links to a missing file: %s" % (name, u))
    return p, " ".join(" ".join(p.text).split())

idx, text = page("index.html")
cases = sorted(l for l in idx.links if l.startswith("case-"))
machines = sorted(set(l for l in idx.links if l.startswith("machine-")))
if len(cases) != 16 or machines != ["machine-01.html", "machine-02.html"]:
    bad.append("index: %d cases, machines %s" % (len(cases), machines))
for want in ("fixture-2c-vm Fixture 6.0 7", "other-2c-vm Other 6.0 7", "REGRESSION: 1 regression",
             "stream/wait:spin/size:64/capacity:1048576/cpus:0,1 2 1 drawn"):
    if want not in text:
        bad.append("index does not say: " + want)

# The 64-byte spin stream: its page, its chart, its data.
spin = next((c for c in cases if "stream/wait:spin/size:64/" in " ".join(page(c)[1].split()[:3])), None)
if not spin:
    bad.append("no page for the spin stream")
else:
    p, t = page(spin)
    stem = spin[:-5]
    if p.imgs != ["charts/%s.svg" % stem]:
        bad.append("%s: images %s" % (spin, p.imgs))
    # (the second state's probes are 300 ns give or take a few)
    for want in (r"fixture-2c-vm bare line 61 ns 7 14\.00M", r"other-2c-vm bare line 61 ns 7 1[34]\.",
                 r"other-2c-vm bare line 30\d ns 7 4\.[67]",
                 r"fixture-2c-vm msgs/s 20\.\d+M 14\.00M -30\.\d% REGRESSION",
                 r"fixture-2c-vm items_per_second bare line 61-61 ns -30\.0% bbbb111 cccc222 "
                 r"20261125T000000\.000Z-cccc222 20261126T000000\.000Z-cccc222"):
        if not re.search(want, t):
            bad.append("%s does not say: %s" % (spin, want))
    svg = xml.dom.minidom.parse(os.path.join(d, "charts", stem + ".svg")).documentElement
    if svg.tagName != "svg" or len(svg.getElementsByTagName("path")) < 5:
        bad.append("%s.svg is not a chart" % stem)
    png = open(os.path.join(d, "charts", stem + ".png"), "rb").read()
    if not png.startswith(b"\x89PNG\r\n\x1a\n"):
        bad.append("%s.png is not a PNG" % stem)
    # A block per machine and state, each titled with both, its values
    # from that state alone: one machine at 20 M then 14 M; the other at
    # 20 M then 14 M in its fast state, a third of that in its slow one.
    raw = open(os.path.join(d, "data", stem + ".dat")).read()
    blocks = [b for b in raw.split("\n\n\n") if b.strip()]
    heads = [b.splitlines()[0] for b in blocks]
    want_heads = [r"# fixture-2c-vm, bare line 61 ns, items_per_second: time value$",
                  r"# other-2c-vm, bare line 61 ns, items_per_second: time value$",
                  r"# other-2c-vm, bare line 30\d ns, items_per_second: time value$"]
    if len(heads) != 3 or not all(re.match(w, h) for w, h in zip(want_heads, heads)):
        bad.append("data blocks: %s" % heads)
    else:
        want_v = [[20] * 4 + [14] * 3, [20] * 4 + [14] * 3, [20 / 3] * 4 + [14 / 3] * 3]
        for b, w in zip(blocks, want_v):
            rows = [l.split() for l in b.splitlines() if l and not l.startswith("#")]
            v = [float(r[1]) for r in rows]
            if len(v) != 7 or any(abs(x - y) > 0.02 * y for x, y in zip(v, w)):
                bad.append("data %s: %s" % (b.splitlines()[0], v))
            if rows and rows[0][0] != "1795219200":  # 2026-11-21T00:00:00Z
                bad.append("data: the first night's time %s" % rows[0][0])
    vars_ = open(os.path.join(d, "data", stem + ".vars.gp")).read()
    for want in (r"b_title\[3\] = 'other-2c-vm, bare line 30\d ns'", r"p1_nsteps = 1\n",
                 r"panels = 1\n"):
        if not re.search(want, vars_):
            bad.append("vars lack " + want)
    steps = [shlex.split(l) for l in open(os.path.join(d, "data", stem + "-steps.dat"))
             if not l.startswith("#")]
    if steps != [["1", "1795564800", "14", "-30.0% at cccc222"]]:
        bad.append("steps: %s" % steps)

# A ping-pong case: two panels, p50 and p99.
pp = next((c for c in cases if "pingpong/wait:spin/" in page(c)[1][:60]), None)
if not pp or "panels = 2" not in open(os.path.join(d, "data", pp[:-5] + ".vars.gp")).read():
    bad.append("the ping-pong trend has not its two panels")

# The machines' pages: the context, the states, the verdict.
_, m1 = page("machine-01.html")
for want in ("cpu_model Fixture", "kernel 6.0", "git_revision cccc222", "1 state: bare line 61 ns",
             "ringbench check: REGRESSION"):
    if want not in m1:
        bad.append("machine-01 does not say: " + want)
_, m2 = page("machine-02.html")
for want in (r"cpu_model Other", r"2 states: bare line 61 ns, bare line 30\d ns",
             r"Not available: the store holds no baseline for this machine", r"None reported\."):
    if not re.search(want, m2):
        bad.append("machine-02 does not say: " + want)
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY
	# The same nights brought in as a user does, a results folder through
	# `ringbench store import`: the same trends, line for line.
	R=$T/folder
	mkdir -p "$R/history/fixture-2c-vm" "$R/history/other-2c-vm" "$R/baselines"
	cp "$T"/one/*.json "$T/steps.json" "$R/history/fixture-2c-vm/"
	cp "$T"/two/*.json "$R/history/other-2c-vm/"
	cp "$T/baseline.json" "$R/baselines/fixture-2c-vm.json"
	"$RB" store import --store "$T/imported.db" "$R" >"$T/out" 2>&1 ||
		fail "store import: $(cat "$T/out")"
	"$RB" dashboard --store "$T/imported.db" --out "$T/site2" >"$T/out" 2>&1 ||
		fail "dashboard of the imported store: $(cat "$T/out")"
	for f in "$T"/site/deep/data/*.dat; do
		cmp -s "$f" "$T/site2/data/${f##*/}" || fail "the imported store's ${f##*/} differs"
	done
	grep -q "ringbench check: REGRESSION" "$T/site2/machine-01.html" ||
		fail "the imported store's machine has no verdict"
	# No gnuplot: the pages are still written and say why; exit 2.
	"$RB" dashboard --store "$S" --out "$T/ng" --gnuplot "$T/no-such-gnuplot" >"$T/out" 2>&1
	[ $? = 2 ] && grep -q "16 trends not drawn: .*cannot run '$T/no-such-gnuplot'" "$T/out" ||
		fail "no gnuplot: $(cat "$T/out")"
	grep -q "Not drawn: cannot run" "$T/ng/case-001.html" || fail "no gnuplot: the case page does not say why"
	ls "$T/ng/charts" | grep -q . && fail "no gnuplot: an image was left: $(ls "$T/ng/charts")"
	# Drawn again over an old site, with --nights 2: two points a line
	"$RB" dashboard --store "$S" --out "$T/site/deep" --nights 2 >"$T/out" 2>&1 ||
		fail "--nights 2: $(cat "$T/out")"
	# (the spin stream: a line on one machine, two on the other)
	grep -q "(2 machines, 16 cases, 4 nights;" "$T/out" &&
		[ "$(grep -c '^17' "$T/site/deep/data/case-016.dat")" = 6 ] ||
		fail "--nights 2: $(cat "$T/out") $(cat "$T/site/deep/data/case-016.dat")"
else
	echo "dashboard: gnuplot is not installed: the trends are not tested"
	"$RB" dashboard --store "$S" --out "$T/ng" >"$T/out" 2>&1
	[ $? = 2 ] && [ -s "$T/ng/index.html" ] || fail "no gnuplot: $(cat "$T/out")"
fi

# --- 125 machines, a line each on the one case's trend: none left out
mkdir -p "$T/many"
"$PY" "$DIR/dashboard_fixture.py" many "$T/many" 125 || fail "dashboard_fixture.py many"
"$PUT" "$T/many.db" put night "$T"/many/*.json >"$T/out" 2>&1 || fail "the store of 125 machines: $(cat "$T/out")"
"$RB" dashboard --store "$T/many.db" --out "$T/ms" >"$T/out" 2>&1
rc=$?
$have_gnuplot && [ $rc != 0 ] && fail "125 machines: exit $rc: $(cat "$T/out")"
grep -q "(125 machines, 1 cases, 125 nights; " "$T/out" || fail "125 machines: $(cat "$T/out")"
[ "$(grep -c '^# model-[0-9]*-2c-vm, bare line 61 ns, items_per_second' "$T/ms/data/case-001.dat")" = 125 ] &&
	grep -qx "b_n = 125" "$T/ms/data/case-001.vars.gp" &&
	grep -qx "b_title\[125\] = 'model-124-2c-vm, bare line 61 ns'" "$T/ms/data/case-001.vars.gp" ||
	fail "125 machines: not a line each: $(grep -c '^#' "$T/ms/data/case-001.dat") blocks"
[ "$(grep -o '<tr><td><a href="machine-[0-9]*.html">' "$T/ms/case-001.html" | sort -u | wc -l)" = 125 ] ||
	fail "125 machines: the case's newest nights do not list them all"

# --- a machine whose every name is hostile (its id, CPU model, kernel,
# revisions, a case's name: markup, quotes, backticks, a gnuplot string
# that calls system(), a gnuplot macro, shell substitutions, a newline),
# beside machine one: nothing is run (no PWNED-* file appears), every
# page shows each name as text, escaped, and gnuplot draws every trend
mkdir -p "$T/evil"
for f in "$T"/one/*T000000.000Z-cccc222.json; do
	id=$("$PY" "$DIR/dashboard_fixture.py" hostile "$f" "$T/evil/${f##*/}" "$T/evil-steps.json") ||
		fail "dashboard_fixture.py hostile $f"
done
"$PUT" "$T/evil.db" put night "$T"/one/*.json "$T"/evil/*.json >"$T/out" 2>&1 &&
	"$PUT" "$T/evil.db" steps "$id" "$T/evil-steps.json" >>"$T/out" 2>&1 ||
	fail "the hostile store: $(cat "$T/out")"
(cd "$T/evil" && "$RB" dashboard --store "$T/evil.db" --out "$T/es") >"$T/out" 2>&1
rc=$?
$have_gnuplot && [ $rc != 0 ] && fail "hostile names: exit $rc: $(cat "$T/out")"
$have_gnuplot && ! grep -q "(2 machines, 17 cases, 10 nights; 17 trends drawn)" "$T/out" &&
	fail "hostile names: not every trend drawn: $(cat "$T/out")"
[ -z "$(find "$T" -name 'PWNED-*')" ] || fail "a name in the store ran a command: $(find "$T" -name 'PWNED-*')"
"$PY" - "$T/es" "$have_gnuplot" "$DIR" <<'PY' || fail "hostile names: the pages"
import glob, html.parser, os, sys
d, gp = sys.argv[1], sys.argv[2] == "true"
sys.path.insert(0, sys.argv[3])
sys.dont_write_bytecode = True  # nothing written into the source tree
from dashboard_fixture import hostile
def flat(s):
    return " ".join(s.split())
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tags = [], []
    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
    def handle_data(self, data):
        self.text.append(data)
bad, texts = [], {}
for path in sorted(glob.glob(os.path.join(d, "*.html"))):
    p = Page()
    p.feed(open(path, encoding="utf-8").read())
    p.close()
    name = os.path.basename(path)
    texts[name] = flat(" ".join(p.text))
    for tag, a in p.tags:
        if tag == "script" or a.get("class") == "pwned":
            bad.append("%s: markup from the store: <%s %s>" % (name, tag, a))
def has(page, what):
    if flat(hostile(what)) not in texts.get(page, ""):
        bad.append("%s does not show the name %s as text" % (page, hostile(what)[:2]))
# (m machine id, c CPU model, k kernel, r revision, n case, b and a the
# revisions either side of a step)
for what in "mckr":
    has("index.html", what)
mpage = next((n for n, t in texts.items() if n.startswith("machine-") and flat(hostile("m")) in t), None)
cpage = next((n for n, t in texts.items() if n.startswith("case-") and flat(hostile("n")) in t), None)
if not mpage or not cpage:
    bad.append("no page for the hostile machine (%s) or case (%s)" % (mpage, cpage))
else:
    for what in "mckrba":
        has(mpage, what)
    for what in "mrba":
        has(cpage, what)
    stem = cpage[:-5]
    steps = [l for l in open(os.path.join(d, "data", stem + "-steps.dat")) if l[:1].isdigit()]
    if len(steps) != 1 or "PWNED-a" not in steps[0]:
        bad.append("the hostile step is not on the trend: %s" % steps)
    # the names reach gnuplot (as data, or quoted), which draws them
    vars_ = open(os.path.join(d, "data", stem + ".vars.gp")).read()
    if "PWNED-m" not in vars_:
        bad.append("the hostile machine's line is not titled with its name")
    if gp and "PWNED-n" not in open(os.path.join(d, "charts", stem + ".svg")).read():
        bad.append("the trend's title is not the hostile case's name")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
PY

[ $fails = 0 ] && echo "dashboard: ok"
[ $fails = 0 ]
