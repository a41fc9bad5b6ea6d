#!/usr/bin/env bash
# layers.sh: every include names the room it takes from, and no room
# includes a room above it.  Usage: layers.sh [--self-test] SOURCE_ROOT
# Exit 0 if the tree keeps the rule, 1 with each offending line otherwise.
# --self-test first checks that small trees breaking the rule each fail.
set -euo pipefail
if [ "${1:-}" = --self-test ]; then
	shift
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	fails() { # fails WHAT FILE LINE: a tree whose FILE holds LINE must fail
		rm -rf "$t/tree"
		mkdir -p "$t/tree/harness/src/"{cli,report,judge,diagnose,store,measure} "$t/tree/ring/src" \
			"$t/tree/ring/include" "$t/tree/common"
		mkdir -p "$(dirname "$t/tree/$2")"
		printf '%s\n' "$3" >"$t/tree/$2"
		if "$0" "$t/tree" 2>"$t/err"; then
			echo "layers: self-test: $1 passed" >&2
			exit 1
		fi
		grep -q "$(dirname "$2")" "$t/err" || { echo "layers: self-test: $1 not named" >&2; cat "$t/err" >&2; exit 1; }
	}
	fails "measure including judge" harness/src/measure/a.c '#include "judge/verdict.h"'
	fails "report including cli" harness/src/report/a.h '#include "cli/cli.h"'
	fails "judge including its peer" harness/src/judge/a.c '#include "diagnose/system.h"'
	fails "an unqualified include" harness/src/cli/a.c '#include "verdict.h"'
	fails "a room nobody ordered" harness/src/extra/a.c '#include "measure/bench.h"'
	fails "the ring including the harness" ring/src/a.c '#include "measure/bench.h"'
	fails "common including the ring" common/a.h '#include "ring.h"'
	fails "an include in angle brackets" harness/src/measure/a.c '#include <judge/verdict.h>'
	fails "a file deeper in a room" harness/src/measure/deep/a.c '#include "cli/cli.h"'
	echo "layers: self-test: each broken tree fails"
fi
root=$1

# The rooms, top to bottom.  A room may include its own headers and those of
# any room below it; rooms on one line are peers and include neither each
# other nor anything above.  The ring's public header and the common
# headers are libraries of their own, included by their names.
LAYERS=(
	"cli"
	"report"
	"judge diagnose"
	"store"
	"measure"
	"ring"
	"common"
)

declare -A level
for i in "${!LAYERS[@]}"; do
	for r in ${LAYERS[$i]}; do level[$r]=$((${#LAYERS[@]} - i)); done
done
# Headers of the two libraries below the harness, by file name.
room_of_bare() {
	case $1 in
	ring.h) echo ring ;;
	sys.h | payload.h) echo common ;;
	*) echo "" ;;
	esac
}

bad=0
offend() {
	echo "$1:$2: $3" >&2
	bad=1
}

include_re='^[[:space:]]*#[[:space:]]*include[[:space:]]*["<]([^">]+)[">]'

# check_file FILE ROOM: every include of FILE against ROOM's level.
check_file() {
	local file=$1 room=$2 n line inc to
	n=0
	while IFS= read -r line; do
		n=$((n + 1))
		# Both spellings: src/ is on the include path, so <judge/x.h>
		# reaches a room as "judge/x.h" does.
		[[ $line =~ $include_re ]] || continue
		inc=${BASH_REMATCH[1]}
		# A system header: no room of ours (none is named like one).
		[[ $line == *'<'* ]] && [ -z "${level[${inc%%/*}]:-}" ] && continue
		if [[ $inc == */* ]]; then
			to=${inc%%/*}
			if [ -z "${level[$to]:-}" ]; then
				offend "$file" $n "\"$inc\": $to is not a room"
				continue
			fi
		else
			to=$(room_of_bare "$inc")
			if [ -z "$to" ]; then
				# A library's own private headers stay beside it.
				[ -e "$(dirname "$file")/$inc" ] && [ "$room" = ring ] && continue
				offend "$file" $n "\"$inc\" does not name its room (\"ROOM/$inc\")"
				continue
			fi
		fi
		[ "$to" = "$room" ] && continue
		if [ "${level[$to]}" -ge "${level[$room]}" ]; then
			offend "$file" $n "$room includes \"$inc\" from $to, which is not below it"
		fi
	done <"$file"
}

shopt -s nullglob
for dir in "$root"/harness/src/*/; do
	room=$(basename "$dir")
	if [ -z "${level[$room]:-}" ]; then
		offend "$dir" 0 "a room the layer order does not name: add it to LAYERS"
		continue
	fi
	while IFS= read -r -d '' f; do check_file "$f" "$room"; done < <(find "$dir" -name '*.[ch]' -print0)
done
for f in "$root"/ring/include/*.h "$root"/ring/src/*.[ch]; do check_file "$f" ring; done
for f in "$root"/common/*.h; do check_file "$f" common; done

if [ $bad -ne 0 ]; then
	echo "layers: the order, top to bottom: ${LAYERS[*]}" >&2
	exit 1
fi
echo "layers: every include names its room, none reaches upward"
