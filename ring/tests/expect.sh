#!/bin/sh
# expect.sh CODE PATTERN CMD...: run CMD, pass only if it exits with CODE and
# its output (stdout and stderr) matches the extended regex PATTERN.
want=$1 pattern=$2
shift 2
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
	echo "expect.sh: exit code $got, expected $want" >&2
	exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
	echo "expect.sh: output does not match /$pattern/" >&2
	exit 1
fi
exit 0
