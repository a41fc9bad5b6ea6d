#!/usr/bin/env bash
# check_store.sh RINGBENCH DATA_DIR: check, history, baseline and ack keep
# and read the results store, a real SQLite file in a temporary folder, on
# the ci scenario (tiny real runs; no verdict or timing is asserted):
#   - a fresh store judges as an empty history did: the first check saves
#     the baseline (exit 0), one night, no step; both are in
#     $RINGBENCH_RESULTS/ringbench.db by default, and no JSON folder is
#     made; the second check reads the baseline and the history from it;
#   - --store and $RINGBENCH_STORE name another store, and only it is
#     written;
#   - a store that cannot be written (its runs refused by a trigger, so
#     that it fails as a read-only or full one would, root or not): the
#     verdict is still printed, the run kept in its --out file, the import
#     command printed, exit 2; that command then brings the run in.  The
#     same for the first check's baseline (baseline save);
#   - history --machines: a second machine's nights (copies of a real run,
#     their context's CPU changed so that their machine id differs, their
#     figures ten times as high and their machine state five times as
#     slow), side by side with this machine's, each in its own states;
#   - the folders of before the store: --history DIR, $RINGBENCH_HISTORY
#     and history --dir refused with the import command; a history folder
#     not yet imported named by history and by check; a baseline committed
#     in the baselines' folder taken into the store once;
#   - two nights of one name on two days, each with its re-run of that
#     name (imported as `store import FILE --kind night|rerun` does): two
#     nights of two runs each, no run read twice (the run lists once wrote
#     past their end), and `report --startup` on a results folder with no
#     store makes none;
#   - a PostgreSQL store (a real server started here in a temporary folder,
#     on a Unix socket only, as an unprivileged user: postgres when run as
#     root) whose server is stopped while check measures: the verdict
#     printed, the run kept as JSON, the import command said, quoted for
#     the shell (the URI holds an &) and with no password in it, exit 2;
#     the server started again, that command, pasted into a shell, brings
#     the run in.  A check whose connection the server ends while it
#     measures (pg_terminate_backend) connects again and its night lands.
#     Left out, and said, without PostgreSQL's server programs.
set -u
rb=$1 data=$2
if [ "$(nproc)" -lt 2 ]; then
	echo "check_store.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
tmp=$(mktemp -d)
pg_up=0
AS=()
PGBIN=${RINGBENCH_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
cleanup() {
	[ $pg_up = 1 ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
py=/usr/bin/python3
[ -x "$py" ] || py=python3
unset RINGBENCH_STORE RINGBENCH_HISTORY RINGBENCH_BASELINES
export RINGBENCH_RESULTS=$tmp/results RINGBENCH_BUILDS=$tmp/builds
scen=$data/ci.ini
common=(--method stored --repetitions 5)
fails=0
fail() {
	echo "check_store.sh: FAIL: $*"
	fails=$((fails + 1))
}

# A run's identity holds its time to the second: two checks of one
# revision into one store are taken a second apart, as nights are.
nap() { sleep 1.1; }

# expect CODE PATTERN CMD...: the exit code and a line of the output.
expect() {
	local want=$1 pat=$2
	shift 2
	"$@" >"$tmp/log" 2>&1
	local got=$?
	if [ "$got" != "$want" ] || ! grep -qE -- "$pat" "$tmp/log"; then
		fail "$* : exit $got (wanted $want), pattern '$pat': $(tail -5 "$tmp/log")"
		return 1
	fi
}

# runs STORE MACHINE KIND: how many runs of a kind the store holds for a
# machine (read with Python's own sqlite3, not ringbench).
runs() {
	"$py" - "$@" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM runs JOIN machines ON machines.id = runs.machine_id "
                "WHERE machines.name = ? AND kind = ?", sys.argv[2:4]).fetchone()[0])
PY
}

# refuse STORE on|off: the store's runs refused by a trigger (a store
# that cannot be written), or taken again.
refuse() {
	"$py" - "$@" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if sys.argv[2] == "on":
    c.execute("CREATE TRIGGER refuse_runs BEFORE INSERT ON runs "
              "BEGIN SELECT RAISE(ABORT, 'the test refuses every run'); END")
else:
    c.execute("DROP TRIGGER refuse_runs")
c.commit()
PY
}

ID=$("$rb" baseline show | sed -n 's/^no baseline for this machine (\([^)]*\)).*/\1/p')
[ -n "$ID" ] || { echo "check_store.sh: baseline show names no machine"; exit 1; }
db=$tmp/results/ringbench.db

# --- a fresh store, by default in the results folder
expect 0 "^ringbench check: no baseline for this machine \($ID\) yet" \
	"$rb" check "$scen" "${common[@]}" --out "$tmp/n1.json"
grep -qF "history ($db (machine $ID)): 1 night, " "$tmp/log" && grep -q ", 0 new steps$" "$tmp/log" ||
	fail "the first night's history: $(grep history "$tmp/log")"
grep -qF "saved the baseline for $ID in the store $db" "$tmp/log" || fail "no word of the baseline saved"
[ -f "$db" ] || fail "no store at $db"
[ "$(runs "$db" "$ID" night)/$(runs "$db" "$ID" baseline)" = 1/1 ] ||
	fail "the store holds $(runs "$db" "$ID" night) nights and $(runs "$db" "$ID" baseline) baselines, not 1 and 1"
[ -e "$tmp/results/history" ] && fail "a history folder was made: $(ls -R "$tmp/results/history")"
[ -e "$tmp/results/baselines" ] && fail "a baselines folder was made"
expect 0 "^  kept in: +$db \(baseline of $ID\)" "$rb" baseline show
# The second check reads both back.
nap
"$rb" check "$scen" "${common[@]}" --out "$tmp/n2.json" >"$tmp/log" 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 2 ] || fail "the second check: exit $rc: $(tail -5 "$tmp/log")"
grep -qF "against $db (baseline of $ID)" "$tmp/log" || fail "the second check did not read the stored baseline"
grep -qF "history ($db (machine $ID)): 2 nights, " "$tmp/log" || fail "the second check: $(grep history "$tmp/log")"
expect 0 "^history $db \(machine $ID\): 2 nights" "$rb" history

# --- --store and $RINGBENCH_STORE: another store, and only it
expect 0 "saved the baseline for $ID in the store $tmp/other.db" \
	"$rb" check "$scen" "${common[@]}" --store "$tmp/other.db" --out "$tmp/o1.json"
[ "$(runs "$tmp/other.db" "$ID" night)" = 1 ] || fail "--store: no night in $tmp/other.db"
[ "$(runs "$db" "$ID" night)" = 2 ] || fail "--store wrote into the default store too"
nap
RINGBENCH_STORE=$tmp/other.db "$rb" check "$scen" "${common[@]}" --out "$tmp/o2.json" >"$tmp/log" 2>&1
[ "$(runs "$tmp/other.db" "$ID" night)/$(runs "$db" "$ID" night)" = 2/2 ] ||
	fail "\$RINGBENCH_STORE: the nights went elsewhere"
expect 0 "^history $tmp/other.db \(machine $ID\): 2 nights" "$rb" history --store "$tmp/other.db"

# --- a store that cannot be written: the verdict, the run kept, the import.
# Judged in pairs against this build itself, at a threshold no machine
# state crosses, the verdict is a pass (taken again, up to three times,
# where the machine's state kept it from one): exit 2 is then the store's.
refuse "$db" on
for try in 1 2 3; do
	nap
	"$rb" check "$scen" --baseline "$tmp/n1.json" --baseline-build "$rb" --threshold 300% \
		--out "$tmp/n3.json" >"$tmp/log" 2>&1
	rc=$?
	grep -q "^ringbench check: pass" "$tmp/log" && break
done
[ $rc = 2 ] || fail "an unwritable store: exit $rc, not 2"
grep -q "^ringbench check: pass" "$tmp/log" ||
	echo "check_store.sh: no pass in three tries (the machine's state moved): exit 2 may be the verdict's"
grep -q "^ringbench check: tonight's run is not kept in the history: .*the test refuses every run" "$tmp/log" ||
	fail "no word of the store's error: $(tail -5 "$tmp/log")"
grep -qE "^ringbench check: (pass|NO VERDICT|REGRESSION)" "$tmp/log" || fail "no verdict printed before exit 2"
grep -qF "history ($db (machine $ID)): 3 nights, " "$tmp/log" || fail "tonight's run was not judged with the history"
want="bring it in with \`ringbench store import $tmp/n3.json --kind night\`"
grep -qF "it is kept in $tmp/n3.json; $want" "$tmp/log" || fail "no import command: $(tail -3 "$tmp/log")"
[ -s "$tmp/n3.json" ] || fail "the run was not kept in its file"
[ "$(runs "$db" "$ID" night)" = 2 ] || fail "a refused run is in the store"
refuse "$db" off
expect 0 "imported 1 run" "$rb" store import "$tmp/n3.json" --kind night
expect 0 "^history $db \(machine $ID\): 3 nights" "$rb" history
# ... and the first check's baseline: saved later with the command said.
"$rb" store info --store "$tmp/ro.db" >/dev/null 2>&1
refuse "$tmp/ro.db" on
"$rb" check "$scen" "${common[@]}" --no-history --store "$tmp/ro.db" --out "$tmp/r1.json" >"$tmp/log" 2>&1
rc=$?
[ $rc = 2 ] || fail "an unwritable store, no baseline yet: exit $rc, not 2"
grep -qF "\`ringbench baseline save $tmp/r1.json --store $tmp/ro.db\` makes it the baseline" "$tmp/log" ||
	fail "no baseline save command: $(tail -3 "$tmp/log")"
refuse "$tmp/ro.db" off
expect 0 "saved the baseline for $ID in the store $tmp/ro.db" \
	"$rb" baseline save "$tmp/r1.json" --store "$tmp/ro.db"

# --- history --machines: a second machine beside this one
"$py" - "$tmp/n1.json" "$tmp/n2.json" "$tmp" <<'PY' || fail "making the second machine's runs"
import json, sys
for k, src in enumerate(sys.argv[1:3]):
    d = json.load(open(src))
    c = d["context"]
    c["cpu_model"] = "Made-up CPU 9000"
    c["cpus"] = 64
    c.pop("machine_id", None)
    c["date"] = "2026-01-0%dT02:00:00+0000" % (k + 1)
    c["git_revision"] = "fake%d" % k
    # One state a night: the run it is made from may have crossed states
    # on this VM, and a night with too few repetitions in any one state
    # has no point in that case's history, which is right for a real
    # night but not what this check is about.  Its probes are five times
    # that run's median probe.
    probes = sorted(b[f] for b in d["benchmarks"]
                    for f in ("state_before_ns", "state_after_ns") if f in b)
    probe = 5 * probes[len(probes) // 2]
    for b in d["benchmarks"]:
        for f in ("items_per_second", "bytes_per_second"):
            if f in b:
                b[f] *= 10
        for f in ("state_before_ns", "state_after_ns"):
            if f in b:
                b[f] = probe
    json.dump(d, open("%s/m2-%d.json" % (sys.argv[3], k), "w"))
PY
expect 0 "imported 2 runs" "$rb" store import "$tmp/m2-0.json" "$tmp/m2-1.json" --kind night
"$rb" history --machines 'stream/' --last 400 >"$tmp/machines" 2>&1 ||
	fail "history --machines: exit $?: $(cat "$tmp/machines")"
"$py" - "$tmp/machines" "$ID" "$tmp/n1.json" "$tmp/n2.json" <<'PY' || fail "history --machines: $(cat "$tmp/machines")"
import json, re, sys
text = open(sys.argv[1]).read()
me = sys.argv[2]
src = [[b for b in json.load(open(p))["benchmarks"] if b["name"].startswith("stream/")]
       for p in sys.argv[3:5]]
assert text.startswith("history of 2 machines in "), text.splitlines()[0]
lines = text.splitlines()
k = [i for i, l in enumerate(lines) if l.startswith("stream/")]
assert len(k) == 1, "one stream case, and only it: %s" % [l for l in lines if "/" in l[:9]]
head = lines[k[0] + 1].split()
state = lines[k[0] + 2].split()
assert head[0] == "machine" and state[0] == "state", (head, state)
machines = head[1:]
assert me in machines and len(set(machines)) == 2, machines
other = [m for m in machines if m != me][0]
# each column one machine and one of its states; the states read "lo-hi ns"
states = re.findall(r"(\d+)-(\d+) ns", lines[k[0] + 2])
assert len(states) == len(machines), (states, machines)
col = {}
for i, m in enumerate(machines):
    col.setdefault(m, []).append((float(states[i][0]), float(states[i][1]), i))
# the second machine's probes are five times those of the runs it was
# made from: its states are found in them alone, never with this
# machine's (which would widen them to this machine's probes)
probes = [5 * b[f] for p in sys.argv[3:5] for b in json.load(open(p))["benchmarks"]
          for f in ("state_before_ns", "state_after_ns") if f in b]
assert all(min(probes) - 1 <= l and h <= max(probes) + 1 for l, h, i in col[other]), (col, probes)
# the cells by the columns' places (right-aligned under their headers)
ends = [12] + [m.end() for m in re.finditer(r"\S+", lines[k[0] + 1])][1:]
def cells(l):
    return [l[:ends[0]].strip()] + [l[ends[i - 1]:ends[i]].strip() for i in range(1, len(ends))]
rows = [cells(l) for l in lines[k[0] + 3:] if re.match(r"  \d{4}-\d{2}-\d{2}", l)]
assert rows, "no rows"
for r in rows:
    for i, m in enumerate(machines):
        other_day = r[0].startswith("2026-01-")
        assert not r[i + 1] or (m == other) == other_day, ("a night in another machine's column", r)
rows = [[c for c in r if c] for r in rows]
def val(s):
    m = re.match(r"([0-9.]+)([KMG]?)", s)
    return float(m.group(1)) * {"": 1, "K": 1e3, "M": 1e6, "G": 1e9}[m.group(2)]
days = {r[0]: r for r in rows}
# the second machine's two nights on their own days, in its columns only
for day in ("2026-01-01", "2026-01-02"):
    assert day in days, (day, sorted(days))
    r = days[day][1:]
    assert len(r) == 1, "%s: only the other machine's column has a value: %s" % (day, r)
# ... ten times the run it was made from: its own figures, in its column
for k, d in enumerate(("2026-01-01", "2026-01-02")):
    v = val(days[d][1]) / 10
    reps = [b["items_per_second"] for b in src[k]]
    assert 0.99 * min(reps) <= v <= 1.01 * max(reps), (d, v, reps)
mine = [r for r in rows if not r[0].startswith("2026-01-")]
assert mine and all(len(r) >= 2 for r in mine), mine
assert re.search(r"^%s: 2 nights " % re.escape(other), text, re.M), "no line of the other machine"
PY
expect 0 "^no case matches 'nothing-like-it'" "$rb" history --machines 'nothing-like-it'
expect 2 "--machines shows every machine: not with --machine" "$rb" history --machines --machine x
expect 2 "unexpected argument 'stream' \(CASE patterns go with --machines\)" "$rb" history stream
# Another machine's history alone: --machine.
other=$(sed -n 's/^\(.*\): 2 nights .*/\1/p' "$tmp/machines" | grep -vxF "$ID")
[ -n "$other" ] || fail "history --machines names no second machine"
expect 0 "^history $db \(machine $other\): 2 nights \(.*\), 2 runs" "$rb" history --machine "$other"

# --- two nights of one name, each with its re-run of that name
"$py" - "$tmp/n1.json" "$tmp/same" <<'PY' || fail "making the nights of one name"
import json, os, sys
d = json.load(open(sys.argv[1]))
for k in range(2):
    os.makedirs("%s/n%d" % (sys.argv[2], k))
    for f, minute in (("results.json", 0), ("results.rerun.json", 10)):
        d["context"]["date"] = "2026-03-0%dT02:%02d:00+0000" % (k + 1, minute)
        d["context"]["git_revision"] = "same%d" % k
        json.dump(d, open("%s/n%d/%s" % (sys.argv[2], k, f), "w"))
PY
for k in 0 1; do
	expect 0 "imported 1 run" "$rb" store import --store "$tmp/same.db" "$tmp/same/n$k/results.json" --kind night
	expect 0 "imported 1 run" "$rb" store import --store "$tmp/same.db" "$tmp/same/n$k/results.rerun.json" \
		--kind rerun
done
expect 0 "^history $tmp/same.db \(machine $ID\): 2 nights \(20260301T020000\.000Z-same0 \.\. 20260302T020000\.000Z-same1\), 4 runs" \
	"$rb" history --store "$tmp/same.db" --machine "$ID"
# each night's own revision on its row: the nights were not merged
grep -qE "^  20260301T020000\.000Z-same0 +same0 " "$tmp/log" &&
	grep -qE "^  20260302T020000\.000Z-same1 +same1 " "$tmp/log" ||
	fail "two nights of one name: $(head -8 "$tmp/log")"

# --- report --startup reads the store, and makes none where there is none
cat >"$tmp/startup.json" <<'EOF'
{"context": {"machine_id": "fixture-2c-vm", "library_build_type": "release",
  "git_revision": "cccc222", "date": "2026-11-23T00:00:00+0000", "scenario": "startup"},
 "benchmarks": [
  {"name": "startup/transport:none/cpus:0,1", "run_type": "iteration", "repetition_index": 0, "real_time": 1500000, "time_unit": "ns", "iterations": 1},
  {"name": "startup/transport:none/cpus:0,1", "run_type": "iteration", "repetition_index": 1, "real_time": 1700000, "time_unit": "ns", "iterations": 1}]}
EOF
RINGBENCH_RESULTS=$tmp/nostore "$rb" report "$tmp/n2.json" --baseline "$tmp/n1.json" --no-history \
	--startup "$tmp/startup.json" --out "$tmp/nostore-report" >"$tmp/log" 2>&1
# (exit 2: the ci scenario's runs hold too few cases for every chart)
[ -s "$tmp/nostore-report/index.html" ] || fail "report --startup: no page: $(tail -3 "$tmp/log")"
[ -e "$tmp/nostore/ringbench.db" ] && fail "report --startup made a store: $tmp/nostore/ringbench.db"

# --- the folders of before the store
expect 2 "ringbench store import $tmp/h" "$rb" check "$scen" --history "$tmp/h"
expect 2 "RINGBENCH_HISTORY .*ringbench store import $tmp/h" env RINGBENCH_HISTORY="$tmp/h" "$rb" check "$scen"
expect 2 "ringbench store import $tmp/h" env RINGBENCH_HISTORY="$tmp/h" "$rb" history
expect 2 "--dir $tmp/h: .*ringbench store import $tmp/h" "$rb" history --dir "$tmp/h"
# A history folder not yet imported, beside an empty store: named, with
# the command that brings it in; once imported, its night is there.
export RINGBENCH_RESULTS=$tmp/old
mkdir -p "$tmp/old/history/$ID"
cp "$tmp/n1.json" "$tmp/old/history/$ID/20260101T000000.000Z-old1.json"
expect 2 "holds 1 run from before the store: \`ringbench store import $tmp/old/history/$ID\`" "$rb" history
"$rb" check "$scen" "${common[@]}" --out "$tmp/old1.json" >"$tmp/log" 2>&1
grep -qF "the history in the store $tmp/old/ringbench.db starts tonight, but $tmp/old/history/$ID holds 1 run from before the store: bring them in with \`ringbench store import $tmp/old/history/$ID\`" "$tmp/log" ||
	fail "check does not name the history not imported: $(grep -i history "$tmp/log")"
expect 0 "imported 1 run" "$rb" store import "$tmp/old/history/$ID"
expect 0 "^history $tmp/old/ringbench.db \(machine $ID\): 2 nights \(20260101T000000.000Z-old1 " "$rb" history
# A baseline committed in the baselines' folder: taken into the store the
# first time, then read from there.
export RINGBENCH_RESULTS=$tmp/seeded
mkdir -p "$tmp/seeded/baselines"
cp "$tmp/n1.json" "$tmp/seeded/baselines/$ID.json"
expect 0 "^  kept in: +$tmp/seeded/ringbench.db \(baseline of $ID\)" "$rb" baseline show
grep -qF "the baseline of $ID is taken into the store $tmp/seeded/ringbench.db from $tmp/seeded/baselines/$ID.json" "$tmp/log" ||
	fail "no word of the committed baseline taken in: $(head -3 "$tmp/log")"
[ "$(runs "$tmp/seeded/ringbench.db" "$ID" baseline)" = 1 ] || fail "the committed baseline is not in the store"
rm "$tmp/seeded/baselines/$ID.json"
expect 0 "^  runs: +1" "$rb" baseline show
grep -q "taken into the store" "$tmp/log" && fail "the committed baseline was taken in twice"

# --- PostgreSQL: the server goes away while check measures
pg_ctl() { "${AS[@]}" "$PGBIN/pg_ctl" -D "$tmp/pg/data" "$@"; }
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || [ ! -x "$PGBIN/createdb" ]; then
	echo "check_store.sh: no PostgreSQL server programs (install postgresql): the server that goes away is not tested"
elif [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
	echo "check_store.sh: run as root with no postgres account to run the server as: the server that goes away is not tested"
else
	[ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
	chmod 755 "$tmp"
	mkdir -p "$tmp/pg/sock"
	[ ${#AS[@]} = 0 ] || chown -R postgres "$tmp/pg"
	sock=$tmp/pg/sock
	start_pg() {
		pg_ctl -o "-c listen_addresses='' -c unix_socket_directories=$sock" -w -l "$tmp/pg/log" \
			start >/dev/null 2>&1 && pg_up=1
	}
	if "${AS[@]}" "$PGBIN/initdb" -D "$tmp/pg/data" -U ringbench --auth=trust -E UTF8 --no-sync \
		>"$tmp/pg/initdb.log" 2>&1 && start_pg &&
		"$PGBIN/createdb" -h "$sock" -U ringbench rb >/dev/null 2>&1; then
		uri="postgresql://ringbench@/rb?host=$sock"
		# The same store, by a URI with a password (the server trusts
		# anyone: it is not checked) and an &: the commands said quote
		# it, and leave the password out.
		puri="postgresql://ringbench:s3cret@/rb?host=$sock&application_name=rbcheck"
		shown="postgresql://ringbench@/rb?host=$sock&application_name=rbcheck"
		export RINGBENCH_RESULTS=$tmp/pgresults
		expect 0 "saved the baseline for $ID in the store postgresql://" \
			"$rb" check "$scen" "${common[@]}" --store "$uri" --out "$tmp/pg1.json"
		nap
		# Long enough to stop the server in: the run's second round is
		# under way when it stops.
		("$rb" check "$scen" --method stored --repetitions 60 --store "$puri" --out "$tmp/pg2.json" \
			>"$tmp/pglog" 2>&1
		echo $? >"$tmp/pgrc") &
		for i in $(seq 300); do
			grep -q "check round 2 of" "$tmp/pglog" 2>/dev/null && break
			sleep 0.1
		done
		pg_ctl -m immediate -w stop >/dev/null 2>&1 && pg_up=0
		wait
		rc=$(cat "$tmp/pgrc")
		[ "$rc" = 2 ] || fail "a server gone mid-run: exit $rc, not 2: $(tail -5 "$tmp/pglog")"
		grep -q "^ringbench check: tonight's run is not kept in the history: " "$tmp/pglog" ||
			fail "a server gone mid-run: no word of the store's error: $(tail -5 "$tmp/pglog")"
		grep -qE "^ringbench check: (pass|NO VERDICT|REGRESSION)" "$tmp/pglog" ||
			fail "a server gone mid-run: no verdict printed: $(tail -8 "$tmp/pglog")"
		cmd=$(sed -n 's/.*bring it in with `\(ringbench store import [^`]*\)` once.*/\1/p' "$tmp/pglog")
		[ "$cmd" = "ringbench store import $tmp/pg2.json --kind night --store '$shown'" ] ||
			fail "a server gone mid-run: the import command is '$cmd'"
		grep -q s3cret "$tmp/pglog" && fail "a server gone mid-run: the password is shown: $(grep s3cret "$tmp/pglog")"
		[ -s "$tmp/pg2.json" ] || fail "a server gone mid-run: the run was not kept"
		start_pg || fail "the server does not start again: $(tail -3 "$tmp/pg/log")"
		# pasted into a shell, as it is
		expect 0 "imported 1 run" eval "\"\$rb\" ${cmd#ringbench }"
		expect 0 "^history postgresql://ringbench@/rb\?host=$sock \(machine $ID\): 2 nights" \
			"$rb" history --store "$uri"
		# The server ends the check's connection while it measures: the
		# check connects again, and the night lands in the store.
		nap
		("$rb" check "$scen" --method stored --repetitions 60 --store "$puri" --out "$tmp/pg3.json" \
			>"$tmp/pglog" 2>&1
		echo $? >"$tmp/pgrc") &
		for i in $(seq 300); do
			grep -q "check round 2 of" "$tmp/pglog" 2>/dev/null && break
			sleep 0.1
		done
		ended=$("$PGBIN/psql" -h "$sock" -U ringbench -d rb -Atc \
			"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'rbcheck'" 2>&1)
		wait
		rc=$(cat "$tmp/pgrc")
		[ "$ended" = 1 ] || fail "a connection ended mid-run: pg_terminate_backend ended '$ended' connections"
		case $rc in 0 | 1 | 2) ;; *) fail "a connection ended mid-run: exit $rc: $(tail -5 "$tmp/pglog")" ;; esac
		grep -q "^ringbench check: the store $shown did not take tonight's run (.*): connecting to it again" "$tmp/pglog" ||
			fail "a connection ended mid-run: no word of connecting again: $(tail -5 "$tmp/pglog")"
		grep -q "not kept in the history" "$tmp/pglog" && fail "a connection ended mid-run: the night was lost: $(tail -5 "$tmp/pglog")"
		expect 0 "^history postgresql://ringbench@/rb\?host=$sock \(machine $ID\): 3 nights" \
			"$rb" history --store "$uri"
	else
		fail "the PostgreSQL server did not start: $(tail -3 "$tmp/pg/initdb.log" "$tmp/pg/log" 2>/dev/null)"
	fi
fi

if [ $fails -ne 0 ]; then
	echo "check_store.sh: $fails failures"
	exit 1
fi
echo "check_store.sh: ok"
