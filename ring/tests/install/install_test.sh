#!/bin/sh
# install_test.sh MODE BUILD_DIR SOURCE_DIR
# Install BUILD_DIR into a temporary prefix with `cmake --install`, then use
# it the way a project outside this tree would, in one of four ways:
#   pkgconfig         cc $(pkg-config --cflags --libs ring), against libring.so
#   pkgconfig-static  cc -static $(pkg-config --static --cflags --libs ring)
#   cmake             find_package(ring) in consumer/, ring::ring and
#                     ring::ring_static
#   symbols           libring.so exports exactly the functions the installed
#                     ring.h declares (not inline), and libring.a defines no
#                     global name outside ring_
# SOURCE_DIR is this folder.  CC and CMAKE name the tools (default cc and
# cmake); SANITIZE, the build's RINGBENCH_SANITIZE: a sanitized build
# installs a sanitized libring, whose users link the sanitizers' runtime.
# Exit 0 pass, 1 fail, 77 skip (a tool this mode needs is missing).
# The temporary prefix and builds are removed on the way out.
mode=$1
build=$2
src=$3
cc=${CC:-cc}
cmake=${CMAKE:-cmake}
san=${SANITIZE:+-fsanitize=$SANITIZE}

fail() {
	echo "install_test $mode: $*" >&2
	exit 1
}
skip() {
	echo "install_test $mode: skipped, $*"
	exit 77
}
need() {
	command -v "$1" >/dev/null 2>&1 || skip "no $1"
}

if [ -z "$src" ] || [ ! -d "$build" ]; then
	fail "usage: install_test.sh MODE BUILD_DIR SOURCE_DIR"
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ring-install.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log" >&2; fail "cmake --install failed"; }
# lib, lib64 or lib/<multiarch>: wherever GNUInstallDirs put ring.pc.
pc=$(find "$prefix" -name ring.pc -path '*/pkgconfig/*')
[ -n "$pc" ] || fail "no ring.pc under $prefix"
pcdir=$(dirname "$pc")
libdir=$(dirname "$pcdir")
for f in "$prefix/include/ring.h" "$libdir/libring.a" "$libdir/libring.so"; do
	[ -f "$f" ] || fail "no $f"
done

# needed FILE LIB: whether FILE's dynamic section names LIB.
needed() {
	readelf -d "$1" | grep -q "(NEEDED).*\[$2\]"
}
# The name a program linked to libring.so loads.
soname() {
	readelf -d "$libdir/libring.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p'
}

# run NAME PROGRAM: run it, and show what it said if it failed.
run() {
	out=$("$2" 2>&1)
	rc=$?
	[ $rc -eq 0 ] || { printf '%s\n' "$out" >&2; fail "$1 exited $rc"; }
	printf '%s ran: %s\n' "$1" "$out"
}

case $mode in
pkgconfig)
	need pkg-config
	need readelf
	flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --cflags --libs ring) ||
		fail "pkg-config --cflags --libs ring"
	# shellcheck disable=SC2086 # the flags are words
	"$cc" $san -std=c11 -Wall -Wextra -Werror -o "$tmp/ring_example" \
		"$src/consumer/ring_example.c" $flags || fail "cc ... $flags"
	soname=$(soname)
	needed "$tmp/ring_example" "$soname" || fail "ring_example does not load libring.so ($soname)"
	export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	run ring_example "$tmp/ring_example"
	;;
pkgconfig-static)
	need pkg-config
	need readelf
	[ -z "$san" ] || skip "the sanitizers' runtime does not link -static"
	# Whether this system can link statically at all: libc.a, liburing.a.
	printf 'int main(void) { return 0; }\n' >"$tmp/empty.c"
	"$cc" -static -o "$tmp/empty" "$tmp/empty.c" 2>/dev/null || skip "no static libc"
	# shellcheck disable=SC2046 # the flags are words
	"$cc" -static -o "$tmp/empty" "$tmp/empty.c" $(pkg-config --static --libs liburing) \
		2>/dev/null || skip "no static liburing"
	flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --static --cflags --libs ring) ||
		fail "pkg-config --static --cflags --libs ring"
	# shellcheck disable=SC2086
	"$cc" -static -std=c11 -Wall -Wextra -Werror -o "$tmp/ring_example" \
		"$src/consumer/ring_example.c" $flags || fail "cc -static ... $flags"
	if readelf -d "$tmp/ring_example" | grep -q NEEDED; then
		fail "ring_example is not static"
	fi
	run ring_example-static "$tmp/ring_example"
	;;
cmake)
	need readelf
	"$cmake" -S "$src/consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$prefix" \
		-DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$san" -DCMAKE_EXE_LINKER_FLAGS="$san" \
		-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
		-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF >"$tmp/configure.log" 2>&1 ||
		{ cat "$tmp/configure.log" >&2; fail "configure of consumer/ failed"; }
	# The package found must be the one just installed.
	found=$(sed -n 's/^ring_DIR:PATH=//p' "$tmp/build/CMakeCache.txt")
	case $found in
	"$prefix"/*) ;;
	*) fail "find_package(ring) found $found, not the package under $prefix" ;;
	esac
	"$cmake" --build "$tmp/build" >"$tmp/build.log" 2>&1 ||
		{ cat "$tmp/build.log" >&2; fail "build of consumer/ failed"; }
	soname=$(soname)
	needed "$tmp/build/ring_example" "$soname" || fail "ring::ring does not load libring.so ($soname)"
	if needed "$tmp/build/ring_example_static" "libring[.]so.*"; then
		fail "ring::ring_static loads libring.so"
	fi
	# No LD_LIBRARY_PATH: the imported target's location gives the rpath.
	run ring_example "$tmp/build/ring_example"
	run ring_example_static "$tmp/build/ring_example_static"
	;;
symbols)
	need nm
	nm -D --defined-only "$libdir/libring.so" | awk '{ print $NF }' | sort >"$tmp/exported"
	[ -s "$tmp/exported" ] || fail "libring.so exports nothing"
	if grep -v '^ring_' "$tmp/exported" >"$tmp/foreign"; then
		fail "libring.so exports names outside ring_: $(tr '\n' ' ' <"$tmp/foreign")"
	fi
	# Every function ring.h declares and does not define inline: one that
	# lacks RING_API is built hidden, and missing here.
	sed -n '/^static/d; /^#/d; s/^[A-Za-z_].*[ *]\(ring_[a-z_]*\)(.*/\1/p' \
		"$prefix/include/ring.h" | sort >"$tmp/declared"
	[ -s "$tmp/declared" ] || fail "ring.h declares no function"
	if ! cmp -s "$tmp/declared" "$tmp/exported"; then
		diff "$tmp/declared" "$tmp/exported" >&2
		fail "libring.so exports other than the functions ring.h declares (< declared, > exported)"
	fi
	# Hidden or not, every global of the archive shares the name space of
	# the program it is linked into.
	nm -g --defined-only "$libdir/libring.a" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/global"
	if grep -v '^ring_' "$tmp/global" >"$tmp/foreign"; then
		fail "libring.a defines names outside ring_: $(tr '\n' ' ' <"$tmp/foreign")"
	fi
	echo "install_test symbols: $(wc -l <"$tmp/exported") exported, each declared in ring.h"
	;;
ringbench)
	# The installed ringbench: its version, the scenarios and plot scripts
	# it finds under share/ringbench (the source tree is out of reach: it
	# runs from another folder, with no overriding variable), and results
	# kept in the folder it is run from.
	rb=$prefix/bin/ringbench
	[ -x "$rb" ] || fail "no $rb"
	for f in "$prefix/share/ringbench/scenarios/quick.ini" "$prefix/share/ringbench/plots/common.gp"; do
		[ -f "$f" ] || fail "no $f"
	done
	mkdir "$tmp/work"
	cd "$tmp/work" || fail "cd"
	unset RINGBENCH_SCENARIOS RINGBENCH_PLOTS RINGBENCH_RESULTS RINGBENCH_BASELINES
	"$rb" --version >"$tmp/version" 2>&1 || { cat "$tmp/version" >&2; fail "ringbench --version"; }
	grep -q "^ringbench [0-9]" "$tmp/version" || { cat "$tmp/version" >&2; fail "--version"; }
	"$rb" run quick --list >"$tmp/list" 2>&1 || { cat "$tmp/list" >&2; fail "ringbench run quick --list"; }
	grep -q "^stream/" "$tmp/list" || { cat "$tmp/list" >&2; fail "run quick --list listed no stream case"; }
	"$rb" baseline show >"$tmp/show" 2>&1 || { cat "$tmp/show" >&2; fail "ringbench baseline show"; }
	# The machine's baseline lives in the results store under the folder
	# it runs from (./results/ringbench.db), or a committed file there.
	grep -q "$tmp/work/results/\|[^/]results/\(baselines\|ringbench\.db\)\| \./results/\(baselines\|ringbench\.db\)" "$tmp/show" ||
		{ cat "$tmp/show" >&2; fail "baseline show names no baseline in the folder it runs from"; }
	# A short run by the installed binary (its own workers), drawn with the
	# installed chart scripts where gnuplot is there to draw.
	"$rb" pingpong --transport ring --wait spin --messages 2K --repetitions 2 --warmup 0 \
		--out "$tmp/pp.json" >"$tmp/pp.log" 2>&1 || { cat "$tmp/pp.log" >&2; fail "ringbench pingpong"; }
	# Its charts go, by default, under the folder it runs from.
	if command -v gnuplot >/dev/null 2>&1; then
		"$rb" plot "$tmp/pp.json" --no-history >"$tmp/plot.log" 2>&1
		[ -s plots/out/latency.svg ] || [ -s plots/out/latency.png ] ||
			{ cat "$tmp/plot.log" >&2; fail "the installed ringbench drew no latency chart in ./plots/out"; }
	fi
	# The Google Benchmark programs, where this build has them, installed
	# where ringbench looks for them.
	if [ -x "$build/harness/gbench/ringbench-gbench" ]; then
		"$rb" gbench --help >"$tmp/gb.log" 2>&1 || { cat "$tmp/gb.log" >&2; fail "ringbench gbench --help"; }
		[ -x "$prefix/libexec/ringbench/ring_gbench" ] || fail "no libexec/ringbench/ring_gbench"
	fi
	# A copy of the binary away from share/ringbench reads nothing of the
	# source tree it was built from: it says where it looked.
	mkdir -p "$tmp/copy/bin"
	cp "$rb" "$tmp/copy/bin/"
	if "$tmp/copy/bin/ringbench" run quick --list >"$tmp/copy.log" 2>&1; then
		cat "$tmp/copy.log" >&2
		fail "a copy without share/ringbench read the scenarios of $src"
	fi
	grep -q "$tmp/copy/bin/../share/ringbench/scenarios/quick.ini" "$tmp/copy.log" ||
		{ cat "$tmp/copy.log" >&2; fail "the copy did not say where it looked"; }
	echo "install_test ringbench: the installed ringbench reads share/ringbench, keeps results in ."
	;;
*)
	fail "unknown mode"
	;;
esac
