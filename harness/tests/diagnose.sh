#!/usr/bin/env bash
# diagnose.sh WHAT RINGBENCH SHIM_DIR: every failure named for what it is.
# Each fault comes from an LD_PRELOAD shim given to the consumer only
# (harness/tests/shims, tests only), or from a signal; each case checks the
# exit code, the cause named in words, and that nothing is left in
# /dev/shm.
#   all-private     - every shared mapping private, the control block too:
#                     exit 3, the control block named PRIVATE (stream and doctor)
#   split           - the consumer maps a copy of the ring: exit 3, "two
#                     different objects" with the harness's dev:inode and
#                     the consumer's
#   futex-private   - futex wakes made private: doctor fails the wake step
#                     (exit 3); stream only slows (the ring's 50 ms sleep
#                     slices keep it moving), so it is not tried there
#   stop-short      - the producer stopped for less than the stall limit: passes
#   stop-long       - the producer stopped for longer: exit 2, "stopped by a
#                     signal (state T)", not a visibility failure
#   doctor          - no fault: every step passes, exit 0
set -u
what=$1 rb=$2 shims=$3
if [ "$(nproc)" -lt 2 ]; then
	echo "diagnose.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
name=/rbd.$$.${what//-/}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() { echo "diagnose.sh $what: $*" >&2; cat "$log" >&2; exit 1; }
leftovers() { ls /dev/shm | grep -F "${name#/}." || true; }
expect() { # expect CODE PATTERN...: the exit code and every pattern in the log
	local want=$1
	shift
	[ "$got" -eq "$want" ] || fail "exit code $got, expected $want"
	for p in "$@"; do
		grep -Eq -- "$p" "$log" || fail "output does not match /$p/"
	done
}

case $what in
all-private)
	"$rb" stream --messages 1M --repetitions 1 --warmup 0 --stall-ms 500 --name "$name" \
		--consumer-env "LD_PRELOAD=$shims/libfault_all_private.so" >"$log" 2>&1
	got=$?
	expect 3 "consumer: says on its pipe that it is ready; its flag never reached" \
		"consumer \(pid [0-9]+\) maps /memfd:ringbench-control.* PRIVATE \(the control block\)" \
		"diagnosis: consumer maps the control block PRIVATE \(copy-on-write\)"
	"$rb" doctor --wait spin --consumer-env "LD_PRELOAD=$shims/libfault_all_private.so" \
		>"$log" 2>&1
	got=$?
	expect 3 "FAIL  spin: a message crosses between two processes" \
		"diagnosis: consumer maps the control block PRIVATE" "visibility failure \(exit 3\)"
	;;
split)
	"$rb" stream --messages 1M --repetitions 1 --warmup 0 --stall-ms 500 --name "$name" \
		--consumer-env "LD_PRELOAD=$shims/libfault_split_object.so" >"$log" 2>&1
	got=$?
	expect 3 "diagnosis: two different objects: the harness created /memfd:${name#/}\.[0-9]+ as dev:inode [0-9a-f:]+:[0-9]+, but the consumer (maps|mapped) /memfd:${name#/}\.[0-9]+\.split\.[0-9]+ \(deleted\) dev:inode [0-9a-f:]+:[0-9]+" \
		"producer \(pid [0-9]+\) maps /memfd:${name#/}\.[0-9]+ \(deleted\) dev [0-9a-f:]+ inode [0-9]+ shared \(the ring\)"
	;;
futex-private)
	"$rb" doctor --wait futex --consumer-env "LD_PRELOAD=$shims/libfault_futex_private.so" \
		>"$log" 2>&1
	got=$?
	expect 3 "PASS  futex: a message crosses" "FAIL  futex: each wake reaches the other process" \
		"the wake does not reach the other process \(a FUTEX_PRIVATE_FLAG wake"
	;;
stop-short | stop-long)
	stall=3000 pause=0.3
	[ "$what" = stop-long ] && stall=1000 pause=3
	"$rb" stream --wait futex --duration 2 --repetitions 1 --warmup 0 --stall-ms $stall \
		--name "$name" --verbose >"$log" 2>&1 &
	rbpid=$!
	for _ in $(seq 1 200); do
		producer=$(sed -n 's/^ringbench: producer pid \([0-9]*\)$/\1/p' "$log" | head -1)
		grep -q "^ringbench: started " "$log" && [ -n "$producer" ] && break
		sleep 0.05
	done
	[ -n "$producer" ] || fail "the run never started"
	sleep 0.3
	kill -STOP "$producer"
	sleep $pause
	kill -CONT "$producer" 2>/dev/null
	wait "$rbpid"
	got=$?
	if [ "$what" = stop-short ]; then
		expect 0 "stream/wait:futex"
	else
		expect 2 "the producer is stopped by a signal \(state T\): it made no progress because it is not running" \
			"producer \(pid $producer\) is stopped by a signal \(state T\)"
		grep -q "VISIBILITY FAILURE" "$log" && fail "a stopped producer reported as a visibility failure"
	fi
	;;
doctor)
	start=$(date +%s%N)
	"$rb" doctor >"$log" 2>&1
	got=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	expect 0 "PASS  the atomics the ring uses are lock-free" \
		"PASS  spin: a message crosses between two processes" \
		"the ring: both map dev:inode [0-9a-f:]+:[0-9]+ .*shared and shared" \
		"PASS  futex: each wake reaches the other process" \
		"PASS  eventfd: each wake reaches the other process" \
		"PASS  hybrid: each wake reaches the other process" "8 of 8 steps passed"
	echo "diagnose.sh doctor: $ms ms"
	;;
*)
	fail "unknown test"
	;;
esac
left=$(leftovers)
[ -z "$left" ] || fail "left in /dev/shm: $left"
cat "$log"
echo "diagnose.sh $what: ok"
