#!/bin/sh
# expect.sh CODE PATTERN CMD...
# expect.sh CODE PATTERN... -- CMD...
# Run CMD, pass only if it exits with CODE and its output (stdout and
# stderr) matches every extended regex PATTERN (each on some line).
want=$1
shift
# A cross-process test pinned to two CPUs cannot run on fewer: skip (77).
if [ "${NEED_CPUS:-0}" -gt "$(nproc)" ]; then
	echo "expect.sh: skipped, this test needs $NEED_CPUS CPUs"
	exit 77
fi
patterns=$(mktemp)
trap 'rm -f "$patterns"' EXIT
case " $* " in
*" -- "*)
	while [ "$1" != -- ]; do printf '%s\n' "$1" >>"$patterns"; shift; done
	shift
	;;
*)
	printf '%s\n' "$1" >>"$patterns"
	shift
	;;
esac
out=$("$@" 2>&1)
got=$?
printf '%s\n' "$out"
if [ "$got" -ne "$want" ]; then
	echo "expect.sh: exit code $got, expected $want" >&2
	exit 1
fi
while IFS= read -r pattern; do
	if ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		echo "expect.sh: output does not match /$pattern/" >&2
		exit 1
	fi
done <"$patterns"
exit 0
