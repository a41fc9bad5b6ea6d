#!/usr/bin/env bash
# lifecycle.sh WHAT RINGBENCH [SHIM]: what happens around a run.
#   kill   - a worker killed mid-run: exit 3, the death named, nothing left
#            in /dev/shm
#   sigint - the harness interrupted: exit 2, workers gone, nothing left
#   stall  - the consumer's mapping made private by the LD_PRELOAD shim: the
#            watchdog ends the run with exit 3 and a diagnosis that says
#            private, nothing left behind
set -u
what=$1 rb=$2 shim=${3:-}
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

case $what in
kill | sigint)
	"$rb" stream --duration 60 --repetitions 1 --warmup 0 --verbose --name "$name" \
		>"$log" 2>&1 &
	rbpid=$!
	consumer=$(wait_for_pid consumer) || fail "no consumer pid printed"
	producer=$(wait_for_pid producer) || fail "no producer pid printed"
	sleep 0.3
	if [ "$what" = kill ]; then
		kill -KILL "$consumer"
		want=3 pattern="consumer \(pid $consumer\) died: signal 9"
	else
		kill -INT "$rbpid"
		want=2 pattern="interrupted"
	fi
	# The harness must end by itself, well before the 60 s run would.
	for _ in $(seq 1 200); do kill -0 "$rbpid" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$rbpid" 2>/dev/null && { kill -KILL "$rbpid"; fail "ringbench still running 10 s later"; }
	wait "$rbpid"
	got=$?
	for p in "$producer" "$consumer"; do
		kill -0 "$p" 2>/dev/null && fail "worker $p outlived the harness"
	done
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
	want=3 pattern="consumer \(pid [0-9]+\) maps /dev/shm$name\.[0-9]+ dev [0-9a-f:]+ inode [0-9]+ PRIVATE"
	grep -q "diagnosis: a private (copy-on-write) mapping" "$log" || fail "no private diagnosis"
	grep -Eq "producer \(pid [0-9]+\) maps .* shared \(rw-s\)" "$log" || fail "producer not shown shared"
	;;
*)
	fail "unknown test"
	;;
esac
[ "$got" -eq "$want" ] || fail "exit code $got, expected $want"
grep -Eq "$pattern" "$log" || fail "output does not match /$pattern/"
left=$(leftovers)
[ -z "$left" ] || fail "left in /dev/shm: $left"
cat "$log"
echo "lifecycle.sh $what: ok"
