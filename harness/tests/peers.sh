#!/usr/bin/env bash
# peers.sh RINGBENCH: the ck_ring and iceoryx peers end to end.
#   - each runs stream and pingpong beside the ring, every message checked,
#     and the table has a reference column for each;
#   - a peer that cannot run is skipped with its one-line reason and the
#     rest of the run goes on: no RouDi program, another RouDi holding its
#     lock (ringbench never shares one);
#   - the RouDi ringbench starts is gone after the run, with its shared
#     memory and its temporary folder, also when ringbench is killed;
#   - iceoryx's own log lines (RouDi's, the workers') never reach the
#     output: a failure names the log they went to, a success names none;
#   - the run's folder /tmp/ringbench-roudi.PID.* goes after a success, a
#     failure, SIGINT and SIGKILL, and the next run sweeps one whose owner
#     is gone, never one whose owner lives.
# Run alone (RESOURCE_LOCK roudi): RouDi 2.0 has one name per machine.
set -u
rb=$1
if [ "$(nproc)" -lt 2 ]; then
	echo "peers.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
tmp=$(mktemp -d)
# The stand-in RouDi below, and the names it holds, should a failure leave
# them (only its own processes: a pid is checked before it is killed).
stand_in_gone() {
	[ -s "$tmp/started" ] || return 0
	while read -r p; do
		tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "^sleep 600 $" && kill -9 "$p"
	done <"$tmp/started"
	rm -f /dev/shm/iceoryx_mgmt "/dev/shm/$(id -gn)" /tmp/roudi "$tmp/started"
}
# The stale folders this test makes, and the logs its failures kept (each
# named in a run's output).
made=()
iox_cleanup() {
	[ ${#made[@]} -eq 0 ] || rm -rf "${made[@]}"
	grep -ho "/tmp/ringbench-iceoryx-[A-Za-z0-9]*\.log" "$tmp"/*.out 2>/dev/null | sort -u | xargs -r rm -f
}
trap 'stand_in_gone; iox_cleanup; rm -rf "$tmp"' EXIT
fail() { echo "peers.sh: $*" >&2; exit 1; }
py=/usr/bin/python3
[ -x "$py" ] || py=python3
quick=(--messages 3000 --repetitions 1 --warmup 0)

roudi_gone() {
	# RouDi removes its shared memory when it stops; give it a moment.
	for _ in $(seq 50); do
		if [ ! -e /dev/shm/iceoryx_mgmt ] && [ ! -e "/dev/shm/$(id -gn)" ] &&
			! pgrep -x iox-roudi >/dev/null; then
			break
		fi
		sleep 0.1
	done
	[ -e /dev/shm/iceoryx_mgmt ] && fail "$1: /dev/shm/iceoryx_mgmt left behind"
	[ -e "/dev/shm/$(id -gn)" ] && fail "$1: RouDi's message segment /dev/shm/$(id -gn) left behind"
	pgrep -x iox-roudi >/dev/null && fail "$1: iox-roudi still running"
	[ -e /tmp/roudi ] && fail "$1: RouDi's socket /tmp/roudi left behind"
	# The workers' runtime sockets, /tmp/ringbench-PID: none of a process
	# that is gone.
	for f in /tmp/ringbench-[0-9]*; do
		[ -e "$f" ] || continue
		pid=${f#/tmp/ringbench-}
		pid=${pid%.lock}
		kill -0 "$pid" 2>/dev/null || fail "$1: $f left behind"
	done
	return 0
}

# iceoryx's own lines in a run's output: its logger's level after a
# timestamp ("2024-01-31 12:00:00.000 [Warning]: "), and what its POSIX
# wrappers and file lock write to std::cerr.
iox_said() {
	grep -E '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ .{0,12}\[(Verbose|Debug|Info|Warning|Error|Fatal)\]|file[ _]lock|directory ".*" does not exist|RouDi not found|posix_wrapper|:::  \[' "$1"
}
quiet() {
	if iox_said "$1" >/dev/null; then
		cat "$1"
		fail "$2: iceoryx's own log lines in the output"
	fi
}
# The run's RouDi folders: a snapshot before (dirs_before), and none new
# after (no_new_dir), given the supervisor a moment when ringbench died.
dirs_before() { ls -d /tmp/ringbench-roudi.* 2>/dev/null | sort >"$tmp/dirs.before"; }
no_new_dir() {
	for _ in $(seq 50); do
		ls -d /tmp/ringbench-roudi.* 2>/dev/null | sort | comm -13 "$tmp/dirs.before" - >"$tmp/dirs.new"
		[ -s "$tmp/dirs.new" ] || return 0
		sleep 0.1
	done
	fail "$1: $(tr '\n' ' ' <"$tmp/dirs.new")left behind"
}
# The log a failure names: it exists and holds what (iox_cleanup removes it).
kept_log() {
	local log
	log=$(grep -o "/tmp/ringbench-iceoryx-[A-Za-z0-9]*\.log" "$1" | head -1)
	[ -n "$log" ] || { cat "$1"; fail "$3: no log named"; }
	[ -f "$log" ] || { cat "$1"; fail "$3: the log named, $log, is not there"; }
	grep -q "$2" "$log" || { cat "$1" "$log"; fail "$3: the log $log has no '$2'"; }
}

pgrep -x iox-roudi >/dev/null && { echo "peers.sh: skipped, a RouDi is already running"; exit 77; }
command -v iox-roudi >/dev/null || { echo "peers.sh: skipped, no iox-roudi (Debian's iceoryx)"; exit 77; }

# Both peers, both modes, beside the ring; iceoryx's own lines stay out of
# the output, no log is named, and the run's folder goes.
for mode in stream pingpong; do
	dirs_before
	"$rb" $mode --transport ring,ck_ring,iceoryx --wait spin "${quick[@]}" >"$tmp/$mode.out" 2>&1 ||
		{ cat "$tmp/$mode.out"; fail "$mode with the peers failed"; }
	quiet "$tmp/$mode.out" "$mode"
	grep -q "ringbench-iceoryx-" "$tmp/$mode.out" && { cat "$tmp/$mode.out"; fail "$mode: a success names a log"; }
	no_new_dir "$mode"
	grep -q "skipping" "$tmp/$mode.out" && { cat "$tmp/$mode.out"; fail "$mode: a peer was skipped"; }
	for t in ck_ring iceoryx; do
		grep -q "^$mode/transport:$t/size:64/" "$tmp/$mode.out" || fail "$mode: no $t row"
		grep "^case " "$tmp/$mode.out" | grep -q " /$t" || fail "$mode: no /$t column"
	done
	roudi_gone "$mode"
done

# Larger messages, and the size RouDi's config cannot hold.
"$rb" stream --transport ck_ring,iceoryx --size 4K,64K "${quick[@]}" >"$tmp/big.out" 2>&1 ||
	{ cat "$tmp/big.out"; fail "4K and 64K messages failed"; }
# Past RouDi's config: that case is skipped, said once, and the rest runs.
"$rb" stream --transport ring,iceoryx --size 64,128K --capacity 1M "${quick[@]}" >"$tmp/huge.out" 2>&1 ||
	{ cat "$tmp/huge.out"; fail "iceoryx at 64 and 128K failed"; }
grep -q "^ringbench: skipping iceoryx for messages over 65536 bytes$" "$tmp/huge.out" &&
	grep -q "^stream/transport:iceoryx/size:64/" "$tmp/huge.out" &&
	grep -q "^stream/wait:spin/size:131072/" "$tmp/huge.out" &&
	! grep -q "^stream/transport:iceoryx/size:131072/" "$tmp/huge.out" ||
	{ cat "$tmp/huge.out"; fail "a 128K iceoryx message: not skipped by name"; }
roudi_gone "sizes"

# No RouDi program: skipped with the reason, the ring still runs.
RINGBENCH_IOX_ROUDI=/nonexistent/iox-roudi "$rb" stream --transport ring,iceoryx "${quick[@]}" \
	>"$tmp/noroudi.out" 2>&1 || { cat "$tmp/noroudi.out"; fail "no RouDi: the run failed"; }
grep -q "^ringbench: skipping iceoryx: no /nonexistent/iox-roudi (Debian's iceoryx package)$" \
	"$tmp/noroudi.out" || { cat "$tmp/noroudi.out"; fail "no RouDi: no skip line"; }
grep -q "^stream/wait:spin/size:64/" "$tmp/noroudi.out" || fail "no RouDi: the ring did not run"
grep -q "^stream/transport:iceoryx" "$tmp/noroudi.out" && fail "no RouDi: iceoryx ran"
# Only a skipped peer: nothing to run is an error.
RINGBENCH_IOX_ROUDI=/nonexistent/iox-roudi "$rb" stream --transport iceoryx "${quick[@]}" \
	>"$tmp/only.out" 2>&1
[ $? -eq 2 ] || { cat "$tmp/only.out"; fail "only a skipped peer: not exit 2"; }

# RouDi that cannot start: skipped, its log named (and kept), its folder
# gone, its words only in the log.
printf '#!/bin/sh\necho "stand-in RouDi: cannot start"\nexit 1\n' >"$tmp/failing-roudi"
chmod +x "$tmp/failing-roudi"
dirs_before
RINGBENCH_IOX_ROUDI="$tmp/failing-roudi" "$rb" stream --transport ring,iceoryx "${quick[@]}" \
	>"$tmp/failing.out" 2>&1 || { cat "$tmp/failing.out"; fail "RouDi not starting: the run failed"; }
grep -q "^ringbench: skipping iceoryx: .*failing-roudi exited: stand-in RouDi: cannot start; its log: " \
	"$tmp/failing.out" || { cat "$tmp/failing.out"; fail "RouDi not starting: no skip line naming its log"; }
kept_log "$tmp/failing.out" "stand-in RouDi: cannot start" "RouDi not starting"
no_new_dir "RouDi not starting"

# Another RouDi's lock held: skipped, not shared.
"$py" - "$rb" "$tmp/other.out" <<'EOF' || fail "another RouDi: see above"
import fcntl, os, subprocess, sys
rb, out = sys.argv[1], sys.argv[2]
existed = os.path.exists("/tmp/iox-unique-roudi.lock")
with open("/tmp/iox-unique-roudi.lock", "a") as f:
    fcntl.flock(f, fcntl.LOCK_EX)
    r = subprocess.run([rb, "stream", "--transport", "ring,iceoryx", "--messages", "3000",
                        "--repetitions", "1", "--warmup", "0"], capture_output=True, text=True)
if not existed:
    os.unlink("/tmp/iox-unique-roudi.lock")
open(out, "w").write(r.stdout + r.stderr)
want = "ringbench: skipping iceoryx: another RouDi is running on this machine"
if r.returncode != 0 or want not in r.stderr or "stream/transport:iceoryx" in r.stdout:
    sys.exit("exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
EOF

# A RouDi that will not stop: a stand-in that ignores SIGTERM, says it is
# ready, and holds RouDi's names.  --list starts no RouDi at all; a run
# does, and when it ends the supervisor kills the stand-in and removes
# what a killed RouDi leaves (its segments and socket).
cat >"$tmp/stubborn-roudi" <<EOF
#!/bin/sh
echo \$\$ >>"$tmp/started"
trap '' TERM
: >/dev/shm/iceoryx_mgmt
: >"/dev/shm/$(id -gn)"
: >/tmp/roudi
echo "RouDi is ready for clients"
exec sleep 600
EOF
chmod +x "$tmp/stubborn-roudi"
RINGBENCH_IOX_ROUDI="$tmp/stubborn-roudi" "$rb" stream --transport ring,iceoryx --list \
	>"$tmp/list.out" 2>&1 || { cat "$tmp/list.out"; fail "--list with iceoryx failed"; }
grep -q "^stream/transport:iceoryx/size:64/" "$tmp/list.out" ||
	{ cat "$tmp/list.out"; fail "--list: no iceoryx case"; }
[ -e "$tmp/started" ] && { cat "$tmp/list.out"; fail "--list started RouDi"; }
# Its workers never find a RouDi to talk to: the case fails at the start
# barrier (exit 2), and then RouDi must go.
dirs_before
RINGBENCH_IOX_ROUDI="$tmp/stubborn-roudi" timeout 60 "$rb" stream --transport iceoryx \
	--messages 1000 --repetitions 1 --warmup 0 --stall-ms 500 >"$tmp/stubborn.out" 2>&1
rc=$?
# The workers' "RouDi not found" went to the log, which the failure names.
quiet "$tmp/stubborn.out" "a failed iceoryx case"
kept_log "$tmp/stubborn.out" "RouDi not found" "a failed iceoryx case"
no_new_dir "a failed iceoryx case"
[ -e "$tmp/started" ] || { cat "$tmp/stubborn.out"; fail "the run did not start RouDi"; }
[ "$(wc -l <"$tmp/started")" -eq 1 ] || fail "RouDi started $(wc -l <"$tmp/started") times in one run"
[ $rc -eq 2 ] || { cat "$tmp/stubborn.out"; fail "a RouDi that serves nobody: exit $rc, not 2"; }
grep -q "stream/transport:iceoryx/size:64/cpus:0,1: the workers did not reach the start barrier" \
	"$tmp/stubborn.out" || { cat "$tmp/stubborn.out"; fail "the iceoryx case did not fail at the barrier"; }
kill -0 "$(cat "$tmp/started")" 2>/dev/null && fail "a RouDi that ignores SIGTERM outlived the run"
roudi_gone "a RouDi that ignores SIGTERM"
rm "$tmp/started"

# ringbench interrupted in the middle of an iceoryx run: exit 2, RouDi and
# the folder gone, no log named (an interrupt is not a failure).
dirs_before
"$rb" stream --transport iceoryx --duration 5 --repetitions 1 --warmup 0 >"$tmp/int.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	pgrep -x iox-roudi >/dev/null && break
	sleep 0.05
done
pgrep -x iox-roudi >/dev/null || { kill -9 $pid; cat "$tmp/int.out"; fail "SIGINT: no RouDi started"; }
sleep 0.5
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 2 ] || { cat "$tmp/int.out"; fail "SIGINT: exit $rc, not 2"; }
quiet "$tmp/int.out" "SIGINT"
grep -q "ringbench-iceoryx-" "$tmp/int.out" && { cat "$tmp/int.out"; fail "SIGINT: a log named"; }
no_new_dir "SIGINT"
roudi_gone "SIGINT"

# ringbench killed while its RouDi is not ready yet: the supervisor stops
# RouDi (a stand-in that never says it is ready) and removes the folder.
printf '#!/bin/sh\necho $$ >>"%s/started"\nexec sleep 600\n' "$tmp" >"$tmp/slow-roudi"
chmod +x "$tmp/slow-roudi"
dirs_before
RINGBENCH_IOX_ROUDI="$tmp/slow-roudi" "$rb" stream --transport iceoryx "${quick[@]}" >"$tmp/slow.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	[ -s "$tmp/started" ] && break
	sleep 0.05
done
[ -s "$tmp/started" ] || { kill -9 $pid; cat "$tmp/slow.out"; fail "the slow RouDi did not start"; }
kill -9 $pid
wait $pid 2>/dev/null
no_new_dir "killed before RouDi was ready"
for _ in $(seq 50); do
	kill -0 "$(cat "$tmp/started")" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$(cat "$tmp/started")" 2>/dev/null && fail "killed before RouDi was ready: RouDi outlived the run"
rm "$tmp/started"

# A stale folder, its owner gone (ringbench and its supervisor killed
# together), is swept by the next run, any run; one whose owner lives is not.
sh -c 'exit 0' &
dead=$!
wait $dead
stale=/tmp/ringbench-roudi.$dead.Stal3x live=/tmp/ringbench-roudi.$$.L1vexx
# Names ringbench never writes for that pid, and a link named as it would
# (to a folder of ours), are left alone: only its own folders go.
odd1=/tmp/ringbench-roudi.0$dead.Odd1xx odd2=/tmp/ringbench-roudi.+$dead.Odd2xx
link=/tmp/ringbench-roudi.$dead.L1nkxx
made+=("$stale" "$live" "$odd1" "$odd2" "$link")
mkdir "$stale" "$live" "$odd1" "$odd2" "$tmp/target" &&
	touch "$stale/roudi.toml" "$stale/iceoryx.log" "$live/iceoryx.log" "$odd1/iceoryx.log" \
		"$odd2/iceoryx.log" "$tmp/target/keep" && ln -s "$tmp/target" "$link" ||
	fail "cannot make the stale folders"
"$rb" stream --transport ring "${quick[@]}" >"$tmp/sweep.out" 2>&1 ||
	{ cat "$tmp/sweep.out"; fail "the run after a stale folder failed"; }
[ -e "$stale" ] && { cat "$tmp/sweep.out"; fail "a folder of a dead owner (pid $dead) was not swept"; }
grep -q "^ringbench: removed $stale, left by ringbench pid $dead$" "$tmp/sweep.out" ||
	{ cat "$tmp/sweep.out"; fail "the sweep did not say what it removed"; }
[ -e "$live/iceoryx.log" ] || fail "a folder of a live owner (pid $$) was swept"
[ -e "$odd1/iceoryx.log" ] && [ -e "$odd2/iceoryx.log" ] ||
	fail "a folder named as ringbench never names one was swept"
[ -L "$link" ] && [ -e "$tmp/target/keep" ] || fail "a link named as a stale folder was followed or removed"
rm -rf "$live" "$odd1" "$odd2" "$link"

# ringbench killed in the middle of an iceoryx run: its RouDi goes too.
dirs_before
"$rb" stream --transport iceoryx --duration 5 --repetitions 1 --warmup 0 >"$tmp/kill.out" 2>&1 &
pid=$!
for _ in $(seq 100); do
	pgrep -x iox-roudi >/dev/null && break
	sleep 0.05
done
pgrep -x iox-roudi >/dev/null || { kill -9 $pid; cat "$tmp/kill.out"; fail "no RouDi started"; }
sleep 0.5
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.5
# The workers die with the harness; RouDi gets SIGTERM and cleans up, and
# its supervisor removes the folder.
roudi_gone "after kill -9"
no_new_dir "after kill -9"
echo "peers.sh: ok"
