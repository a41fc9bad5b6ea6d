#!/bin/bash
# store_sqlite.sh RINGBENCH SOURCE_DIR: `ringbench store` on a SQLite store,
# end to end.  A results folder made here (two machines' nightly histories
# with re-runs and steps, a baseline with its startup baseline and
# acknowledgements, a single run) is imported, imported again (every run
# named as already there), exported, and the export is the same files as
# JSON values; imported into a new store and exported again, the same.
# Each number is kept once (in figures, not in the entries' text too), and
# the store is at most a fifth bigger than the files it holds (a small
# store's pages of each table; 400 nights' is smaller); a store whose figures
# do not fit their entries is named run by run, nothing exported.  A
# bad file is named and the rest imported (exit 2).  A store of a newer
# schema, a file that is no database, a damaged one and another program's
# database are refused, each naming the store.  Two importers and a reader
# at once lose nothing, duplicate nothing, and the reader never fails.
# ringbench links neither libsqlite3 nor libpq.  Everything in a
# temporary folder.
set -u
RB=$1
SRC=$2
TESTS=$SRC/harness/tests
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export RINGBENCH_RESULTS=$T/unused RINGBENCH_STORE=
fails=0

fail() {
	echo "store_sqlite: FAIL: $*"
	fails=$((fails + 1))
}

# expect CODE PATTERN -- command...: exit code and a line matching PATTERN.
expect() {
	local want=$1 pattern=$2
	shift 3
	"$@" >"$T/out" 2>&1
	local got=$?
	[ "$got" = "$want" ] || fail "$* exited $got, not $want: $(tail -5 "$T/out")"
	grep -Eq -- "$pattern" "$T/out" || fail "$*: no line matching '$pattern' in: $(tail -5 "$T/out")"
}

# count DB SQL: one number from the store, read with Python's sqlite3.
count() {
	python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$@"
}

# ringbench starts without either library: both are loaded with dlopen.
if readelf -d "$RB" | grep -E 'NEEDED.*(sqlite|libpq)'; then
	fail "ringbench links libsqlite3 or libpq"
fi

# The results folder: machine a's 12 nights (every 4th with a re-run, and
# steps), machine b's 5, a baseline with its startup baseline and
# acknowledgements, and a single run.
R=$T/results
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$R/history" 12 \
	--machine mach-a --reruns 4 --steps || fail "store_nights.py"
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$R/history" 5 \
	--machine mach-b --first 100 || fail "store_nights.py"
mkdir -p "$R/baselines" "$T/single"
python3 - "$TESTS/data/store_night.json" "$R/baselines" "$T/single" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["context"]["machine_id"] = "mach-a"
json.dump(doc, open(sys.argv[2] + "/mach-a.json", "w"))
startup = {"context": dict(doc["context"], scenario="startup"),
           "benchmarks": [{"name": "startup/transport:none/cpus:0,1",
                           "run_name": "startup/transport:none/cpus:0,1", "run_type": "iteration",
                           "repetitions": 2, "repetition_index": i, "iterations": 1,
                           "real_time": 3120954.0 + i, "time_unit": "ns"} for i in range(2)]}
json.dump(startup, open(sys.argv[2] + "/mach-a.startup.json", "w"))
acks = {"acknowledgements": [{"case": doc["benchmarks"][0]["run_name"],
                              "figure": "items_per_second", "reason": "a trade",
                              "change": -0.12, "acknowledged": "2026-01-01T00:00:00Z",
                              "revision": "abc1234"}]}
json.dump(acks, open(sys.argv[2] + "/mach-a.acks.json", "w"))
ctx = {k: v for k, v in doc["context"].items() if k not in ("cpu_model", "cores", "smt", "virtualization")}
single = dict(doc, context=dict(ctx, machine_id="mach-c", date="2026-02-02T00:00:00+0000"))
json.dump(single, open(sys.argv[3] + "/one-run.json", "w"))
EOF
nights=$(find "$R/history" -name '*.json' ! -name steps.json | wc -l)
S=$T/store/a/ringbench.db

# Import; the store's folder is made.  Then again: nothing new.
expect 0 "imported $((nights + 2)) runs, 2 steps, 1 acknowledgement; 0 already there" -- \
	"$RB" store import --store "$S" "$R"
# Each number once, in figures, not in the entries' text too; the store at
# most a fifth bigger than the files it holds (a small store's pages of
# each table).
python3 - "$S" "$R" <<'EOF' || fail "the store keeps numbers twice, or is too big"
import glob, json, math, os, sqlite3, sys
store, results = sys.argv[1], sys.argv[2]
def figure(v):
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and not (isinstance(v, float) and v == 0 and math.copysign(1, v) < 0))
files = [f for f in glob.glob(results + "/*/**/*.json", recursive=True)]
runs = [f for f in files if not f.endswith(("steps.json", ".acks.json"))]
want = sum(1 for f in runs for e in json.load(open(f))["benchmarks"] for v in e.values()
           if figure(v))
c = sqlite3.connect(store)
got = c.execute("SELECT count(*) FROM figures").fetchone()[0]
twice = sum(1 for (d,) in c.execute("SELECT doc FROM entries")
            for v in json.loads(d).values() if figure(v))
c.close()
size = sum(os.path.getsize(store + x) for x in ("", "-wal") if os.path.exists(store + x))
json_size = sum(os.path.getsize(f) for f in files)
print("store_sqlite: %d figures (the files: %d), %d also in the entries' text; "
      "the store %d bytes, its files %d" % (got, want, twice, size, json_size))
sys.exit(got != want or twice or size > 1.2 * json_size)
EOF
expect 0 "imported 1 run, 0 steps" -- "$RB" store import --store "$S" "$T/single/one-run.json"
expect 0 "imported 0 runs, 0 steps, 0 acknowledgements; $((nights + 4)) already there" -- \
	"$RB" store import --store "$S" "$R" "$T/single/one-run.json"
grep -q "already in the store: .*mach-a/20250101T020000.000Z-" "$T/out" ||
	fail "the duplicates are not named: $(head -3 "$T/out")"
expect 0 "^mach-a +night +12 +2025-01-12T02:00:00.000Z" -- "$RB" store info --store "$S"
grep -Eq "^ +baseline +1 " "$T/out" || fail "info: $(cat "$T/out")"
grep -Eq "^mach-b +night +5 " "$T/out" || fail "info: $(cat "$T/out")"
grep -Eq "^backend: SQLite, schema 1" "$T/out" || fail "info: $(cat "$T/out")"
[ "$(count "$S" 'SELECT count(*) FROM runs')" = $((nights + 3)) ] || fail "runs in the store"

# Export: the same files; imported into a new store and exported, again.
expect 0 "exported $((nights + 3)) runs of 3 machines into $T/out1" -- \
	"$RB" store export --store "$S" --out "$T/out1"
mkdir -p "$T/expect/runs"
cp -r "$R/history" "$R/baselines" "$T/expect/"
cp "$T/single/one-run.json" "$T/expect/runs/"
python3 "$TESTS/store_compare.py" "$T/expect" "$T/out1" || fail "export differs from the import"
expect 0 "imported $((nights + 3)) runs" -- "$RB" store import --store "$T/s2.db" "$T/out1" \
	"$T/out1/runs/one-run.json"
expect 0 "exported" -- "$RB" store export --store "$T/s2.db" --out "$T/out2"
python3 "$TESTS/store_compare.py" "$T/out1" "$T/out2" || fail "a second round trip differs"

# A baseline that grew (baseline --add): imported again, it replaces the
# stored one.
python3 - "$R/baselines/mach-a.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["benchmarks"] += doc["benchmarks"][:10]
json.dump(doc, open(sys.argv[1], "w"))
EOF
expect 0 "imported 0 runs, replaced 1 baseline" -- "$RB" store import --store "$S" "$R/baselines"
expect 0 "exported" -- "$RB" store export --store "$S" --out "$T/out3"
python3 "$TESTS/store_compare.py" "$R" "$T/out3" baselines/mach-a.json ||
	fail "the grown baseline is not the one stored"

# A bad file is named; the rest is still imported.
mkdir -p "$T/bad/mach-d"
cp "$R/history/mach-b/"*.json "$T/bad/mach-d/"
first=$(ls "$T/bad/mach-d" | head -1)
echo '{"context": {' >"$T/bad/mach-d/$first"
expect 2 "store import: $T/bad/mach-d/$first: not JSON" -- \
	"$RB" store import --store "$T/s3.db" "$T/bad/mach-d"
grep -q "imported 4 runs.*1 file failed" "$T/out" || fail "the rest of a bad folder: $(cat "$T/out")"
# Names never cut short: a path too long to take, and a baseline whose name
# (after its ~) is longer than a name may be, each said, nothing stored.
long=$(printf 'a%.0s' $(seq 1 1100))
expect 2 "store import: $T/a+\\.\\.\\.: the path is too long \\(1023 characters at most\\)" -- \
	"$RB" store import --store "$T/s3.db" "$T/$long.json"
mkdir -p "$T/longname"
n230=$(printf 'n%.0s' $(seq 1 230))
echo '{}' >"$T/longname/mach-e~$n230.json"
expect 2 "longname/mach-e~n+\\.json: its name is no <machine-id>\\[~<name>\\]\\.json \\(a name of 199 characters at most\\)" -- \
	"$RB" store import --store "$T/s3.db" "$T/longname"

# A store whose figures do not fit their entries' keys (damaged): each run
# is named, none is written wrong.
cp "$S" "$T/figures.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE figures SET key_position = key_position + 1000 WHERE position = 0"); c.commit()' "$T/figures.db"
expect 2 "run [0-9]+: its stored JSON does not read back \(an entry's figures do not fit its keys\)" -- \
	"$RB" store export --store "$T/figures.db" --out "$T/out-damaged"
[ -z "$(find "$T/out-damaged" -name '*.json' ! -name '*.acks.json' ! -name steps.json 2>/dev/null)" ] ||
	fail "runs of a damaged store were exported"

# Nights imported by --kind from files named results.json: each named as
# check names it (<time>-<revision> of its context), not after the file,
# so that they export as two nights.  Two single runs of one name, of two
# machines: both exported (the second with -2, said so).
mkdir -p "$T/k1" "$T/k2" "$T/k3" "$T/k4"
python3 - "$TESTS/data/store_night.json" "$T" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for k, date in ((1, "2026-04-01T02:00:00+0000"), (2, "2026-04-02T02:30:00.250+0200")):
    d = dict(doc, context=dict(doc["context"], machine_id="mach-k", date=date))
    json.dump(d, open("%s/k%d/results.json" % (sys.argv[2], k), "w"))
for k, m in ((3, "mach-k"), (4, "mach-l")):
    d = dict(doc, context=dict(doc["context"], machine_id=m, date="2026-04-0%dT00:00:00Z" % k))
    json.dump(d, open("%s/k%d/same.json" % (sys.argv[2], k), "w"))
EOF
K=$T/kinds.db
expect 0 "imported 2 runs" -- "$RB" store import --store "$K" --kind night "$T/k1/results.json" "$T/k2/results.json"
expect 0 "imported 2 runs" -- "$RB" store import --store "$K" "$T/k3/same.json" "$T/k4/same.json"
expect 0 "exported 4 runs" -- "$RB" store export --store "$K" --out "$T/out-k"
# (the machine is the one the context's hardware fields name)
got=$(cd "$T/out-k/history" 2>/dev/null && ls */*.json | sed 's|.*/||' | tr '\n' ' ')
[ "$got" = "20260401T020000.000Z-acaf85c.json 20260402T003000.250Z-acaf85c.json " ] ||
	fail "nights imported by --kind night: exported as '$got'"
grep -q "run same of .*: .*/runs/same.json is another run's, written as .*/runs/same-2.json" "$T/out" ||
	fail "two runs of one name: no word of the second: $(cat "$T/out")"
[ -f "$T/out-k/runs/same.json" ] && [ -f "$T/out-k/runs/same-2.json" ] ||
	fail "two runs of one name: not both exported: $(ls "$T/out-k/runs")"

# A folder of <machine>/ folders of runs, whatever its name, is a history
# folder; a folder of nothing ringbench knows is said so (exit 2).
mkdir -p "$T/nights-any/mach-n" "$T/empty-dir/sub"
cp "$T/k1/results.json" "$T/nights-any/mach-n/20260401T020000.000Z-acaf85c.json"
expect 0 "imported 1 run" -- "$RB" store import --store "$T/any.db" "$T/nights-any"
expect 2 "store import: $T/empty-dir: nothing here ringbench knows" -- \
	"$RB" store import --store "$T/any.db" "$T/empty-dir"

# A newer schema, refused naming both versions.
cp "$S" "$T/newer.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("UPDATE ringbench_schema SET version = 3"); c.commit()' "$T/newer.db"
expect 2 "store $T/newer.db has schema 3; this ringbench knows schema 1 at most" -- \
	"$RB" store info --store "$T/newer.db"

# A tampered schema version: below 1, past 32 bits (not cut to 1 or to a
# negative), not a number, or two rows: refused, one line naming the store.
for v in -1 0 2147483648 4294967297 "'x'" two; do
	cp "$S" "$T/version.db"
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
if sys.argv[2] == "two":
    c.execute("INSERT INTO ringbench_schema (version) VALUES (1)")
else:
    c.execute("UPDATE ringbench_schema SET version = " + sys.argv[2])
c.commit()' "$T/version.db" "$v"
	case $v in
	two) want="store $T/version.db: damaged: its table ringbench_schema has 2 rows, not one version" ;;
	2147483648 | 4294967297) want="store $T/version.db has schema $v; this ringbench knows schema 1 at most" ;;
	*) want="store $T/version.db: damaged: its schema version '${v//\'/}' is no version" ;;
	esac
	expect 2 "$want" -- "$RB" store info --store "$T/version.db"
	[ "$(wc -l <"$T/out")" = 1 ] || fail "version $v: not one line: $(cat "$T/out")"
done

# A NULL entry text, and an integer figure that is no integer: a damaged
# store, the run named, nothing exported.
for damage in "UPDATE entries SET doc = NULL WHERE position = 0" \
	"UPDATE figures SET int_value = 'x12' WHERE int_value IS NOT NULL AND position = 0"; do
	cp "$S" "$T/cells.db"
	# entries.doc is NOT NULL: the table's definition is loosened first.
	python3 -c 'import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA writable_schema = ON")
c.execute("UPDATE sqlite_master SET sql = replace(sql, \"doc TEXT NOT NULL\", \"doc TEXT\") WHERE name = \"entries\"")
c.commit()
c.close()
c = sqlite3.connect(sys.argv[1])
c.execute(sys.argv[2])
c.commit()' "$T/cells.db" "$damage" || fail "$damage: not made"
	rm -rf "$T/out-cells"
	expect 2 "run [0-9]+: its stored JSON does not read back" -- \
		"$RB" store export --store "$T/cells.db" --out "$T/out-cells"
	[ -z "$(find "$T/out-cells" -name '*.json' ! -name '*.acks.json' ! -name steps.json 2>/dev/null)" ] ||
		fail "$damage: runs of a damaged store were exported"
done

# A file that is no database; a store whose pages are damaged; another
# program's database.
head -c 8192 /dev/urandom >"$T/junk.db"
expect 2 "store $T/junk.db: not a SQLite database, or a damaged one" -- \
	"$RB" store info --store "$T/junk.db"
cp "$S" "$T/damaged.db"
size=$(stat -c %s "$T/damaged.db")
dd if=/dev/urandom of="$T/damaged.db" bs=4096 seek=1 count=$((size / 4096 - 1)) conv=notrunc 2>/dev/null
expect 2 "store $T/damaged.db: .*(malformed|not a database)" -- "$RB" store info --store "$T/damaged.db"
python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE accounts (id INTEGER)"); c.commit()' "$T/other.db"
expect 2 "store $T/other.db: a database of something else" -- "$RB" store info --store "$T/other.db"
[ "$(count "$T/other.db" "SELECT count(*) FROM sqlite_master WHERE name = 'runs'")" = 0 ] ||
	fail "tables were added to another program's database"
[ "$(count "$T/other.db" "PRAGMA journal_mode")" = delete ] ||
	fail "another program's database was switched to $(count "$T/other.db" "PRAGMA journal_mode") mode"

# Eight importers at once, one night each, into a store that does not
# exist yet, a few rounds: every run stored, every import exit 0 (WAL
# mode set under the busy timeout, not "database is locked").
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$T/eight" 8 --machine mach-8 ||
	fail "store_nights.py"
for round in 1 2 3 4; do
	F=$T/fresh$round.db
	pids=()
	k=0
	for f in "$T/eight/mach-8"/*.json; do
		"$RB" store import --store "$F" --kind night "$f" >"$T/e$k.out" 2>&1 &
		pids+=($!)
		k=$((k + 1))
	done
	for k in "${!pids[@]}"; do
		wait "${pids[$k]}" || fail "round $round, importer $k: $(cat "$T/e$k.out")"
	done
	[ "$(count "$F" 'SELECT count(*) FROM runs')" = 8 ] ||
		fail "round $round: $(count "$F" 'SELECT count(*) FROM runs') runs, not 8"
done

# Two importers at once, of overlapping nights, and a reader beside them:
# every night once, and the reader never fails (WAL, the busy timeout).
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$T/many" 40 --machine mach-e ||
	fail "store_nights.py"
mkdir -p "$T/w1/mach-e" "$T/w2/mach-e"
ls "$T/many/mach-e" | head -28 | while read -r f; do cp "$T/many/mach-e/$f" "$T/w1/mach-e/"; done
ls "$T/many/mach-e" | tail -28 | while read -r f; do cp "$T/many/mach-e/$f" "$T/w2/mach-e/"; done
C=$T/concurrent.db
"$RB" store info --store "$C" >/dev/null || fail "a new store"
"$RB" store import --store "$C" "$T/w1/mach-e" >"$T/w1.out" 2>&1 &
p1=$!
"$RB" store import --store "$C" "$T/w2/mach-e" >"$T/w2.out" 2>&1 &
p2=$!
reads=0
while kill -0 $p1 2>/dev/null || kill -0 $p2 2>/dev/null; do
	"$RB" store info --store "$C" >"$T/r.out" 2>&1 || fail "a read while writing: $(cat "$T/r.out")"
	reads=$((reads + 1))
done
wait $p1 || fail "writer 1: $(cat "$T/w1.out")"
wait $p2 || fail "writer 2: $(cat "$T/w2.out")"
[ "$(count "$C" 'SELECT count(*) FROM runs')" = 40 ] ||
	fail "two writers: $(count "$C" 'SELECT count(*) FROM runs') runs, not 40"
[ "$(count "$C" 'SELECT count(*) FROM entries')" = $((40 * 60)) ] ||
	fail "two writers: $(count "$C" 'SELECT count(*) FROM entries') entries, not 2400"
echo "store_sqlite: two writers, $reads reads beside them"

# Reading every run back leaks nothing (the figure names read with the
# runs are freed with the store), under valgrind where it is installed.
if ldd "$RB" 2>/dev/null | grep -q 'libasan\|libtsan'; then
	echo "store_sqlite: the leak check skipped: a sanitizer build (its own leak check runs)"
elif command -v valgrind >/dev/null; then
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 \
		"$RB" store export --store "$C" --out "$T/out-leak" >"$T/vg.out" 2>&1 ||
		fail "store export under valgrind: $(tail -20 "$T/vg.out")"
else
	echo "store_sqlite: the leak check skipped: no valgrind"
fi

# Usage.
expect 2 "store: name what to do" -- "$RB" store
expect 2 "store import: name a DIR or FILE" -- "$RB" store import --store "$S"
expect 2 "store import: --kind 'nightly'" -- "$RB" store import --kind nightly "$R"
expect 2 "store info: --out is for export" -- "$RB" store info --out x
expect 0 "usage: ringbench store import" -- "$RB" store --help

[ $fails = 0 ] && echo "store_sqlite: ok"
exit $((fails > 0))
