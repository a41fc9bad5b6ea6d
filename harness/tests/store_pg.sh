#!/bin/bash
# store_pg.sh RINGBENCH STORE_API SOURCE_DIR: the results store on a real
# PostgreSQL server, started here in a temporary folder (initdb, pg_ctl) on
# a Unix socket only, as an unprivileged user (the postgres account when
# run as root), and stopped and removed at the end whatever happens.
# Skipped (77) without the server's programs.  On it:
#   - store_api: every round trip of the API (store_api.c);
#   - import, import again (all already there), export: the same files;
#   - 8 writers importing overlapping sets of nights into a new store at
#     once: every night once, every entry and figure once;
#   - a writer killed (SIGKILL) while pg_stat_activity shows it inside its
#     transaction, writing a big run's figures: nothing of that run is left,
#     and the run imports afterwards;
#   - 8 baseline saves of one machine at once, and 8 imports of its
#     acknowledgements: one baseline, one set;
#   - a wrong password: refused, one line with the server's reason, the
#     password shown nowhere;
#   - the server stopped between two commands: one line, libpq's reason.
set -u
RB=$1
API=$2
SRC=$3
shift 3 # the rest: more results files for store_api
TESTS=$SRC/harness/tests
PGBIN=${RINGBENCH_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
if [ ! -x "$PGBIN/initdb" ] || [ ! -x "$PGBIN/pg_ctl" ] || [ ! -x "$PGBIN/psql" ]; then
	echo "store_pg: skipped, no PostgreSQL server programs (initdb, pg_ctl, psql): install postgresql"
	exit 77
fi
# The server refuses to run as root: as root, it runs as postgres.
AS=()
if [ "$(id -u)" = 0 ]; then
	if ! id postgres >/dev/null 2>&1; then
		echo "store_pg: skipped, running as root and there is no postgres account to run the server as"
		exit 77
	fi
	AS=(runuser -u postgres --)
fi

T=$(mktemp -d)
chmod 755 "$T"
DATA=$T/pg/data
SOCK=$T/pg/sock
mkdir -p "$SOCK"
[ ${#AS[@]} = 0 ] || chown -R postgres "$T/pg"
server_up=0
cleanup() {
	if [ $server_up = 1 ]; then
		"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1
	fi
	jobs -p | xargs -r kill -9 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
fails=0

fail() {
	echo "store_pg: FAIL: $*"
	fails=$((fails + 1))
}

expect() {
	local want=$1 pattern=$2
	shift 3
	"$@" >"$T/out" 2>&1
	local got=$?
	[ "$got" = "$want" ] || fail "$* exited $got, not $want: $(tail -5 "$T/out")"
	grep -Eq -- "$pattern" "$T/out" || fail "$*: no line matching '$pattern' in: $(tail -5 "$T/out")"
}

sql() { # sql DB STATEMENT: one value
	"$PGBIN/psql" -X -q -t -A -h "$SOCK" -U ringbench -d "$1" -c "$2"
}

uri() { # uri DB [USER[:PASSWORD]] [PARAMS]
	echo "postgresql://${2:-ringbench}@/$1?host=$SOCK${3:+&$3}"
}

"${AS[@]}" "$PGBIN/initdb" -D "$DATA" -U ringbench --auth=trust -E UTF8 --no-sync \
	>"$T/initdb.log" 2>&1 || {
	fail "initdb: $(tail -5 "$T/initdb.log")"
	exit 1
}
# One role signs in with a password (for the wrong-password check); the
# test's own role by trust, on the socket only.
sed -i '1i local all pwuser scram-sha-256' "$DATA/pg_hba.conf"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -l "$T/pg/log" -w -t 60 -o "-c listen_addresses='' \
	-c unix_socket_directories='$SOCK' -c fsync=off -c max_connections=40" start \
	>"$T/start.log" 2>&1 || {
	fail "pg_ctl start: $(cat "$T/start.log") $(tail -5 "$T/pg/log" 2>/dev/null)"
	exit 1
}
server_up=1
for db in api rt many kill; do
	sql postgres "CREATE DATABASE $db" >/dev/null || fail "CREATE DATABASE $db"
done

# The API's round trips (the URI's password is shown nowhere).
"$API" "$(uri api ringbench:secret)" "$TESTS/data/store_night.json" \
	"$TESTS/data/gbench_repetitions.json" "$TESTS/data/gbench_single.json" "$@" ||
	fail "store_api"

# Import, import again, export: the same files.
R=$T/results
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$R/history" 6 \
	--machine mach-a --reruns 3 --steps || fail "store_nights.py"
mkdir -p "$R/baselines"
cp "$TESTS/data/store_night.json" "$R/baselines/mach-a.json"
cat >"$R/baselines/mach-a.acks.json" <<'EOF'
{"acknowledgements": [{"case": "stream/transport:unix/size:64/cpus:0,1",
  "figure": "items_per_second", "reason": "a trade", "change": -0.12,
  "acknowledged": "2026-01-01T00:00:00Z", "revision": "abc1234"}]}
EOF
RT=$(uri rt ringbench:secret)
expect 0 "imported 9 runs, 2 steps, 1 acknowledgement; 0 already there" -- \
	"$RB" store import --store "$RT" "$R"
expect 0 "imported 0 runs, 0 steps, 0 acknowledgements; 10 already there" -- \
	"$RB" store import --store "$RT" "$R"
expect 0 "^backend: PostgreSQL, schema 1" -- "$RB" store info --store "$RT"
grep -q secret "$T/out" && fail "info shows the password: $(cat "$T/out")"
expect 0 "exported 9 runs of 1 machine" -- "$RB" store export --store "$RT" --out "$T/out1"
python3 "$TESTS/store_compare.py" "$R" "$T/out1" || fail "export differs from the import"

# Eight writers at once, into a store none of them has made yet: night k
# is in the sets of three writers.
python3 "$TESTS/store_nights.py" "$TESTS/data/store_night.json" "$T/all" 48 --machine mach-w ||
	fail "store_nights.py"
mapfile -t nights < <(ls "$T/all/mach-w")
for w in 0 1 2 3 4 5 6 7; do
	mkdir -p "$T/w$w/mach-w"
	for k in $(seq $((w * 6)) $((w * 6 + 17))); do
		cp "$T/all/mach-w/${nights[$((k % 48))]}" "$T/w$w/mach-w/"
	done
done
MANY=$(uri many)
pids=()
for w in 0 1 2 3 4 5 6 7; do
	"$RB" store import --store "$MANY" "$T/w$w/mach-w" >"$T/w$w.out" 2>&1 &
	pids+=($!)
done
for w in 0 1 2 3 4 5 6 7; do
	wait "${pids[$w]}" || fail "writer $w: $(cat "$T/w$w.out")"
done
figures=$(python3 -c '
import json, os, sys
d = sys.argv[1]
print(sum(1 for f in os.listdir(d) for e in json.load(open(os.path.join(d, f)))["benchmarks"]
          for v in e.values() if isinstance(v, (int, float)) and not isinstance(v, bool)))' "$T/all/mach-w")
[ "$(sql many 'SELECT count(*) FROM runs')" = 48 ] ||
	fail "8 writers: $(sql many 'SELECT count(*) FROM runs') runs, not 48"
[ "$(sql many 'SELECT count(*) FROM entries')" = $((48 * 60)) ] ||
	fail "8 writers: $(sql many 'SELECT count(*) FROM entries') entries, not $((48 * 60))"
[ "$(sql many 'SELECT count(*) FROM figures')" = "$figures" ] ||
	fail "8 writers: $(sql many 'SELECT count(*) FROM figures') figures, not $figures"
[ "$(sql many 'SELECT count(*) FROM cases')" = 6 ] || fail "8 writers: cases"
[ "$(sql many 'SELECT count(*) FROM machines')" = 1 ] || fail "8 writers: machines"
imported=$(cat "$T"/w?.out | sed -n "s/.*imported \([0-9]*\) runs*[,;].*/\1/p" | awk '{ s += $1 } END { print s }')
[ "$imported" = 48 ] || fail "8 writers say they imported $imported runs, not 48"
expect 0 "exported 48 runs" -- "$RB" store export --store "$MANY" --out "$T/out8"
python3 "$TESTS/store_compare.py" "$T/all" "$T/out8/history" || fail "8 writers: the runs differ"

# A writer killed inside its transaction, writing a big run's figures.
python3 - "$TESTS/data/store_night.json" "$T/big.json" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["context"].update(machine_id="mach-k", date="2026-03-03T00:00:00+0000")
for k in ("cpu_model", "cores", "smt", "virtualization"):
    doc["context"].pop(k, None)
doc["benchmarks"] = doc["benchmarks"] * 100
json.dump(doc, open(sys.argv[2], "w"))
EOF
KILL=$(uri kill "" application_name=rb-killed)
"$RB" store info --store "$(uri kill)" >/dev/null 2>&1 # makes the tables
before=$(sql kill 'SELECT count(*) FROM figures')
"$RB" store import --store "$KILL" "$T/big.json" >"$T/kill.out" 2>&1 &
victim=$!
caught=0
for _ in $(seq 1 600); do
	n=$(sql kill "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rb-killed' \
		AND xact_start IS NOT NULL AND query LIKE 'INSERT INTO figures%'")
	if [ "$n" = 1 ]; then
		kill -9 $victim
		caught=1
		break
	fi
	kill -0 $victim 2>/dev/null || break
	sleep 0.02
done
wait $victim 2>/dev/null
[ $caught = 1 ] || fail "the writer was never seen inside its transaction: $(cat "$T/kill.out")"
for _ in $(seq 1 100); do
	[ "$(sql kill "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rb-killed'")" = 0 ] && break
	sleep 0.05
done
[ "$(sql kill "SELECT count(*) FROM runs r JOIN machines m ON m.id = r.machine_id WHERE m.name = 'mach-k'")" = 0 ] ||
	fail "the killed writer's run is in the store"
[ "$(sql kill 'SELECT count(*) FROM figures')" = "$before" ] ||
	fail "the killed writer left figures: $(sql kill 'SELECT count(*) FROM figures'), not $before"
[ "$(sql kill 'SELECT count(*) FROM entries e LEFT JOIN runs r ON r.id = e.run_id WHERE r.id IS NULL')" = 0 ] ||
	fail "entries without their run"
expect 0 "imported 1 run" -- "$RB" store import --store "$(uri kill)" "$T/big.json"

# Eight baselines of this machine saved at once (--force: files of
# another machine, of eight dates), and eight importers of one machine's
# acknowledgements: one baseline, one set of acknowledgements (each
# replace holds its machine's row; under READ COMMITTED two DELETE then
# INSERT would both stand).
sql postgres "CREATE DATABASE repl" >/dev/null || fail "CREATE DATABASE repl"
REPL=$(uri repl)
python3 - "$TESTS/data/store_night.json" "$T/repl" <<'EOF'
import json, os, sys
doc = json.load(open(sys.argv[1]))
out = sys.argv[2]
for k in range(8):
    os.makedirs("%s/ak%d" % (out, k))
    d = dict(doc, context=dict(doc["context"], date="2026-03-0%dT02:00:00+00:00" % (k + 1)))
    json.dump(d, open("%s/d%d.json" % (out, k), "w"))
    acks = {"acknowledgements": [
        {"case": "stream/transport:unix/size:%d/cpus:0,1" % size,
         "figure": "items_per_second", "reason": "trade %d" % k, "change": -0.12,
         "acknowledged": "2026-01-01T00:00:00Z", "revision": "abc1234"}
        for size in (64, 256)]}
    json.dump(acks, open("%s/ak%d/mach-r.acks.json" % (out, k), "w"))
EOF
"$RB" store info --store "$REPL" >/dev/null || fail "store info $REPL"
pids=()
for k in 0 1 2 3 4 5 6 7; do
	"$RB" baseline save "$T/repl/d$k.json" --force --store "$REPL" >"$T/bs$k.out" 2>&1 &
	pids+=($!)
done
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || fail "baseline save $k: $(tail -3 "$T/bs$k.out")"
done
got=$(sql repl "SELECT count(*) FROM runs WHERE kind = 'baseline'")
[ "$got" = 1 ] || fail "8 baseline saves at once: $got baselines, not 1"
pids=()
for k in 0 1 2 3 4 5 6 7; do
	"$RB" store import --store "$REPL" "$T/repl/ak$k/mach-r.acks.json" >"$T/ak$k.out" 2>&1 &
	pids+=($!)
done
for k in "${!pids[@]}"; do
	wait "${pids[$k]}" || fail "acknowledgements import $k: $(tail -3 "$T/ak$k.out")"
done
got=$(sql repl "SELECT count(*) FROM acks")
[ "$got" = 2 ] || fail "8 acknowledgement imports at once: $got rows, not 2"
got=$(sql repl "SELECT count(DISTINCT reason) FROM acks")
[ "$got" = 1 ] || fail "8 acknowledgement imports at once: $got sets mixed"

# A wrong password: one line, the server's reason, no password.
sql postgres "CREATE ROLE pwuser LOGIN PASSWORD 'right-one'" >/dev/null
sql postgres "CREATE DATABASE pw OWNER pwuser" >/dev/null
expect 2 "store postgresql://pwuser@/pw\?host=.*: cannot connect: .*password authentication failed for user \"pwuser\"" -- \
	"$RB" store info --store "$(uri pw pwuser:wrong-one)"
[ "$(wc -l <"$T/out")" = 1 ] || fail "wrong password: not one line: $(cat "$T/out")"
grep -q wrong-one "$T/out" && fail "the password is shown: $(cat "$T/out")"
expect 0 "backend: PostgreSQL" -- "$RB" store info --store "$(uri pw pwuser:right-one)"

# The server stopped between two commands.
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || fail "pg_ctl stop"
server_up=0
expect 2 "store postgresql://ringbench@/rt\?host=.*: cannot connect: connection to server on socket .* failed: No such file or directory" -- \
	"$RB" store info --store "$RT"
[ "$(wc -l <"$T/out")" = 1 ] || fail "server gone: not one line: $(cat "$T/out")"

[ $fails = 0 ] && echo "store_pg: ok"
exit $((fails > 0))
