#!/usr/bin/env bash
# lifecycle.sh WHAT RINGBENCH [SHIM]: what happens around a run.
#   kill    - a worker killed mid-run: exit 2 (killed from outside is not a
#             visibility failure), the death named, nothing left in /dev/shm
#   sigint  - the harness interrupted: exit 2, workers gone, nothing left
#   ctrl-c  - SIGINT to the whole process group, as a terminal's Ctrl-C
#             sends it: exit 2 "interrupted", never a visibility failure
#             (the workers are in a group of their own and never see it)
#   harness - the harness itself SIGKILLed mid-run: the workers end with it
#             and nothing is left in /dev/shm
#   stall   - the consumer's mapping made private by the LD_PRELOAD shim: the
#             watchdog ends the run with exit 3 and a diagnosis that says
#             private, nothing left behind
set -u
what=$1 rb=$2 shim=${3:-}
if [ "$(nproc)" -lt 2 ]; then
	echo "lifecycle.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
name=/rbt.$$.$what
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { echo "lifecycle.sh $what: $*" >&2; cat "$log" >&2; exit 1; }
leftovers() { ls /dev/shm | grep -F "${name#/}." || true; }

wait_for_pid() { # wait_for_pid ROLE: the pid ringbench printed for ROLE
	for _ in $(seq 1 200); do
		pid=$(sed -n "s/^ringbench: $1 pid \([0-9]*\)$/\1/p" "$log" | head -1)
		[ -n "$pid" ] && { echo "$pid"; return 0; }
		sleep 0.05
	done
	return 1
}

# The run is going: ringbench says so (with --verbose) after its start barrier.
wait_started() {
	for _ in $(seq 1 200); do
		grep -q "^ringbench: started " "$log" && return 0
		sleep 0.05
	done
	return 1
}

gone() { # gone PID...: true once none of them runs (up to 10 s)
	for _ in $(seq 1 200); do
		local alive=0
		for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive -eq 0 ] && return 0
		sleep 0.05
	done
	return 1
}

case $what in
kill | sigint | ctrl-c | harness)
	# ctrl-c: a session of its own, so its process group can be signalled
	# as a whole the way a terminal does.
	launch=()
	[ "$what" = ctrl-c ] && launch=(setsid)
	"${launch[@]}" "$rb" stream --duration 60 --repetitions 1 --warmup 0 --verbose \
		--name "$name" >"$log" 2>&1 &
	rbpid=$!
	consumer=$(wait_for_pid consumer) || fail "no consumer pid printed"
	producer=$(wait_for_pid producer) || fail "no producer pid printed"
	wait_started || fail "the run never started"
	case $what in
	kill)
		kill -KILL "$consumer"
		want=2 pattern="consumer \(pid $consumer\) died: signal 9 \(killed from outside"
		;;
	sigint)
		kill -INT "$rbpid"
		want=2 pattern="interrupted"
		;;
	ctrl-c)
		kill -INT -- "-$rbpid"
		want=2 pattern="interrupted"
		;;
	harness)
		kill -KILL "$rbpid"
		want=137 pattern=""
		;;
	esac
	# The harness must end by itself, well before the 60 s run would.
	gone "$rbpid" || { kill -KILL "$rbpid"; fail "ringbench still running 10 s later"; }
	wait "$rbpid"
	got=$?
	gone "$producer" "$consumer" || fail "a worker outlived the harness"
	if [ "$what" = ctrl-c ] && grep -q "VISIBILITY FAILURE" "$log"; then
		fail "Ctrl-C was reported as a visibility failure"
	fi
	;;
stall)
	[ -n "$shim" ] || fail "no shim given"
	json=$log.json
	"$rb" stream --messages 10M --repetitions 1 --warmup 0 --stall-ms 500 --name "$name" \
		--consumer-env "LD_PRELOAD=$shim" --out "$json" >"$log" 2>&1
	got=$?
	# The failure is in the results file too, the way Google Benchmark says it.
	grep -q '"error_occurred": true' "$json" || fail "results file does not record the failure"
	grep -q '"error_message": "stall: ' "$json" || fail "results file lacks the diagnosis"
	rm -f "$json"
	want=3 pattern="consumer \(pid [0-9]+\) maps /memfd:${name#/}\.[0-9]+( \(deleted\))? dev [0-9a-f:]+ inode [0-9]+ PRIVATE \(the ring\)"
	grep -q "diagnosis: consumer maps the ring PRIVATE (copy-on-write)" "$log" || fail "no private diagnosis"
	grep -Eq "producer \(pid [0-9]+\) maps .* shared \(the ring\)" "$log" || fail "producer not shown shared"
	;;
*)
	fail "unknown test"
	;;
esac
[ "$got" -eq "$want" ] || fail "exit code $got, expected $want"
[ -z "$pattern" ] || grep -Eq "$pattern" "$log" || fail "output does not match /$pattern/"
left=$(leftovers)
[ -z "$left" ] || fail "left in /dev/shm: $left"
cat "$log"
echo "lifecycle.sh $what: ok"
