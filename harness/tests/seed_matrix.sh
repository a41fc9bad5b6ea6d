#!/usr/bin/env bash
# seed_matrix.sh CELL RINGBENCH SHIM_DIR DATA_DIR: the seed's failure (a
# reader that never sees a writer's writes) placed where it can sit, and
# named wherever it surfaces.  Each cell runs `stream --wait futex` (a
# strategy that sleeps), `run` (a spin pingpong scenario: two rings) and
# `doctor --wait spin`, each with a stall of 500 ms (a worker that never
# reaches the start barrier is given up on in 1.5 s, not the default 6),
# under a test-only LD_PRELOAD shim given to the whole run (shims/), and
# checks the exit code, the words the user sees, and that nothing is left
# in /dev/shm.
#   private:WHO:WHAT  WHO in creator (the harness), producer, consumer, all;
#                     WHAT in ring, control: that process maps that object
#                     private (fault_private.c).  Exit 3, the diagnosis
#                     naming the process and the object.
#   copy:WHO:WHAT     that process maps an anonymous copy instead of the
#                     object (fault_private.c, FAULT_PRIVATE_HOW=anon):
#                     /proc names no mapping at all; the harness's read-back
#                     (creator) or the worker's missing mapping (producer)
#                     gives exit 3.
#   recreate:WHEN     WHEN in before, during, after: a ring's name removed
#                     and created again relative to the workers' attach
#                     (fault_recreate.c).  before and during: exit 3, "two
#                     different objects"; after: both map the object the
#                     harness made, and the run passes (exit 0).
#   recreate:refuse   the consumer's open refused (EACCES): not the seed's
#                     failure, so exit 2 and no visibility failure.
set -u
cell=$1 rb=$2 shims=$3 data=$4
if [ "$(nproc)" -lt 2 ]; then
	echo "seed_matrix.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
log=$(mktemp)
# Names of our own, so that a leftover is ours and no other test's.
export RINGBENCH_NAME=/rbseed.$$
trap 'rm -f "$log"' EXIT
fail() { echo "seed_matrix.sh $cell ($how): $*" >&2; cat "$log" >&2; exit 1; }
IFS=: read -r kind a b <<<"$cell"

# The process a diagnosis names: the harness for the creator (and for
# all, where the harness's own writes are the first to go astray); the
# pingpong calls the producer the client and the consumer the server.
who_re() { # who_re MODE
	case $a in
	creator | all) echo harness ;;
	producer) [ "$1" = pingpong ] && echo client || echo producer ;;
	consumer) [ "$1" = pingpong ] && echo server || echo consumer ;;
	esac
}

check() { # check MODE EXIT_CODE: the last command's output in $log
	local mode=$1 want=$2 who what
	[ "$got" -eq "$want" ] || fail "exit code $got, expected $want"
	if [ "$kind" = private ]; then
		who=$(who_re "$mode")
		what="the control block"
		[ "$b" = ring ] && what="the ring"
		grep -Eq "diagnosis: ($who maps $what[a-z ]* PRIVATE|.*, and $who maps $what[a-z ]* PRIVATE)" "$log" ||
			fail "no diagnosis naming '$who' and '$what' PRIVATE"
		grep -Eq "$who \(pid [0-9]+\) maps [^ ]+( \(deleted\))? dev [0-9a-f:]+ inode [0-9]+ PRIVATE \($what" "$log" ||
			fail "no evidence line: $who maps $what PRIVATE"
	elif [ "$kind" = copy ]; then
		who=$(who_re "$mode")
		what="the control block"
		[ "$b" = ring ] && what="the ring"
		if [ "$who" = harness ]; then
			grep -Eq "diagnosis: the harness's mapping of $what[a-z ]* is not the object's pages" "$log" ||
				fail "no diagnosis of the harness's copy of $what"
		else
			grep -Eq "diagnosis: the $who said it is ready but does not map $what[a-z ]* at all" "$log" ||
				fail "no diagnosis of the $who's copy of $what"
		fi
	elif [ "$want" -eq 3 ]; then
		grep -Eq "diagnosis: two different objects" "$log" ||
			fail "no diagnosis of two different objects"
	fi
	grep -q "an environment problem" "$log" && [ "$want" -eq 3 ] &&
		fail "called an environment problem"
	grep -Eq "VISIBILITY FAILURE|visibility failure" "$log" && [ "$want" -ne 3 ] &&
		fail "called a visibility failure"
	left=$(ls /dev/shm | grep -F "${RINGBENCH_NAME#/}." || true)
	[ -z "$left" ] || fail "left in /dev/shm: $left"
	return 0
}

case $kind in
private | copy)
	export LD_PRELOAD=$shims/libfault_private.so FAULT_PRIVATE_WHO=$a FAULT_PRIVATE_WHAT=$b
	[ "$kind" = copy ] && export FAULT_PRIVATE_HOW=anon
	want=3
	;;
recreate)
	export LD_PRELOAD=$shims/libfault_recreate.so FAULT_RECREATE=$a
	want=3
	[ "$a" = after ] && want=0
	[ "$a" = refuse ] && want=2
	;;
*)
	echo "seed_matrix.sh: unknown cell $cell" >&2
	exit 1
	;;
esac

how=stream
"$rb" stream --wait futex --messages 200K --repetitions 1 --warmup 0 --stall-ms 500 >"$log" 2>&1
got=$?
check stream $want
how=run
"$rb" run "$data/seed.ini" --stall-ms 500 >"$log" 2>&1
got=$?
check pingpong $want
how=doctor
"$rb" doctor --wait spin --stall-ms 500 >"$log" 2>&1
got=$?
check stream $want
if [ "$want" -eq 2 ]; then
	grep -q "cannot attach: attach: ring [^ ]*: shm_open: Permission denied\|consumer: cannot attach" "$log" ||
		fail "doctor did not relay the consumer's refusal"
elif [ "$want" -eq 3 ]; then
	grep -q "FAIL  spin: a message crosses between two processes" "$log" ||
		fail "doctor did not fail the step"
	grep -q "a visibility failure (exit 3)" "$log" || fail "doctor's last line"
else
	grep -q "PASS  spin: a message crosses between two processes" "$log" ||
		fail "doctor did not pass the step"
fi
echo "seed_matrix.sh $cell: ok (stream, run, doctor)"
