# setup.sh: sourced by bench.sh and test.sh.  Installs the Debian packages
# ringbench needs when they are missing (as root, with apt-get), or says
# exactly what to install; then builds.  Usage: setup_packages; build DIR [cmake args...]

# libjansson and libinih: results and scenarios; clang-format: test.sh's style
# check; python3: the tests read the JUnit and JSON outputs back with it;
# clang and its runtime (libclang-rt-14-dev has libFuzzer): the hostile-peer
# fuzz target; python3-yaml: the test that parses the CI recipes; hyperfine:
# ringbench startup; gnuplot-nox: ringbench plot and report; libbenchmark: the
# liburing-dev: libring's eventfd wakes; Google Benchmark shim and ring_gbench; valgrind: check/ab --instructions;
# libck-dev, libiceoryx-binding-c-dev and iceoryx (RouDi): the ck_ring and
# iceoryx peers (scenarios/peers.ini).
RINGBENCH_PACKAGES=(build-essential cmake git pkg-config liburing-dev libjansson-dev libinih-dev
	clang-format clang libclang-rt-14-dev python3 python3-yaml libbenchmark-dev hyperfine gnuplot-nox valgrind
	libck-dev libiceoryx-binding-c-dev iceoryx)

setup_packages() {
	local missing=() p
	for p in "${RINGBENCH_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "ringbench: missing Debian packages: ${missing[*]}" >&2
		echo "ringbench: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
		return 2
	fi
	echo "ringbench: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

build() {
	local dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null && cmake --build "$dir" -j "$(nproc)" >/dev/null
}
