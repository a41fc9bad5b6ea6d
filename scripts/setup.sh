# setup.sh: sourced by bench.sh, test.sh and ci/*.sh (under set -euo
# pipefail).  setup_packages installs the Debian packages ringbench uses
# when they are missing (as root, with apt-get), or says exactly what to
# install; build DIR [cmake args...] then configures and builds.
#
# Required: without these the build stops.  build-essential, cmake, git and
# pkg-config: the build; liburing-dev: libring's eventfd wakes;
# libjansson-dev and libinih-dev: results and scenarios; python3: the tests
# read the JUnit and JSON outputs back with it.  A required package missing
# and no root: setup_packages prints the apt-get line and returns 2.
#
# Optional: CMake and the tests carry on without them, with less built and
# tested (RINGBENCH_OPTIONAL_WHAT below says what each one switches off).
# As root they are installed too, each one that the archive has; one that
# cannot be installed is named with what it switches off, and the rest
# goes on.  They are: clang-format (test.sh's style check); clang and
# libclang-rt-14-dev (libFuzzer: the hostile-peer fuzz target); python3-yaml
# (the test that parses the CI recipes); libbenchmark-dev (Google Benchmark:
# the shim, ring_gbench, ringbench gbench, the instruction counts);
# valgrind (check/ab --instructions); hyperfine (ringbench startup);
# gnuplot-nox (ringbench plot and report); libck-dev, libdpdk-dev,
# libboost-dev, libiceoryx-binding-c-dev and iceoryx (RouDi): the ck_ring,
# rte_ring, boost_spsc and iceoryx peers (scenarios/peers.ini).
#
# Environment:
#   RINGBENCH_OPTIONAL=skip   install no optional package at all (those
#                             present are used; those absent are named,
#                             and their tests are skipped or not built).
#                             Default: install them.
#
# Off Debian (no dpkg-query or apt-get), setup_packages prints the Debian
# names of what is needed and what each provides, and goes on to the build
# if cmake and a C compiler are there.
RINGBENCH_PACKAGES=(build-essential cmake git pkg-config liburing-dev libjansson-dev libinih-dev
	libsqlite3-dev libpq-dev python3)
RINGBENCH_OPTIONAL_PACKAGES=(clang-format clang libclang-rt-14-dev python3-yaml libbenchmark-dev
	valgrind hyperfine gnuplot-nox libck-dev libdpdk-dev libboost-dev libiceoryx-binding-c-dev
	iceoryx ccache postgresql chromium)

# What each package provides; for an optional one, what its absence turns off.
declare -gA RINGBENCH_PACKAGE_WHAT=(
	[build-essential]="the C and C++ compilers, make"
	[cmake]="the build"
	[git]="the revision in results, ab and pre-merge's worktrees"
	[pkg-config]="finding the libraries below"
	[liburing-dev]="libring's eventfd wakes"
	[libjansson-dev]="results files (JSON)"
	[libinih-dev]="scenario files (INI)"
	[libsqlite3-dev]="the results store (SQLite, the default)"
	[libpq-dev]="the results store on a PostgreSQL server (--store postgresql://...)"
	[python3]="the tests read the JUnit and JSON outputs back with it"
)
declare -gA RINGBENCH_OPTIONAL_WHAT=(
	[clang-format]="test.sh's format check is skipped"
	[clang]="test.sh's libFuzzer run (ring.fuzz.libfuzzer) is skipped"
	[libclang-rt-14-dev]="test.sh's libFuzzer run (ring.fuzz.libfuzzer) is skipped"
	[python3-yaml]="harness.ci_scripts does not parse the CI recipes"
	[libbenchmark-dev]="ring_gbench, ringbench gbench and check/ab --instructions are not built, nor the gbench.* tests"
	[valgrind]="check/ab --instructions and the gbench.instructions test are skipped"
	[hyperfine]="ringbench startup asks for it and exits 2 (bench.sh, ci/nightly.sh); harness.ci_scripts is skipped and harness.plot_report makes no real startup run"
	[gnuplot-nox]="ringbench plot and report draw no charts; harness.ci_scripts is skipped and harness.plot_report checks no charts"
	[libck-dev]="the ck_ring peer is skipped; harness.peers and the harness.fault.*.ck_ring tests are not built"
	[libdpdk-dev]="the rte_ring peer is skipped; harness.peers.rte_ring is skipped and the harness.fault.*.rte_ring tests are not built"
	[libboost-dev]="the boost_spsc peer is skipped; harness.peers.boost_spsc is skipped and the harness.fault.*.boost_spsc tests are not built"
	[libiceoryx-binding-c-dev]="the iceoryx peer is skipped; harness.peers is not built"
	[iceoryx]="no iox-roudi: the iceoryx peer is skipped at run time, and harness.peers with it"
	[postgresql]="the tests of the PostgreSQL store (harness.store.postgresql.*) are skipped"
	[chromium]="the tests that open the report and dashboard pages in a headless browser are skipped"
	[ccache]="bisect, ab and check compile every file of each revision they build (slower; the same builds)"
)

# The packages of LIST (names) that dpkg does not have installed.
_rb_missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep "install ok installed" >/dev/null ||
			echo "$p"
	done
}

# Whether apt knows a version of PACKAGE to install.
# grep reads all of its input (no -q): under pipefail, a writer cut off by
# an early exit would fail the pipe.
_rb_installable() {
	apt-cache policy "$1" 2>/dev/null | grep -E '^  Candidate: [^(]' >/dev/null
}

_rb_apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >&2
}

_rb_off_debian() {
	local p
	echo "ringbench: no dpkg-query or apt-get here: install the equivalents of these Debian packages." >&2
	echo "ringbench: required:" >&2
	for p in "${RINGBENCH_PACKAGES[@]}"; do
		printf 'ringbench:   %-26s %s\n' "$p" "${RINGBENCH_PACKAGE_WHAT[$p]}" >&2
	done
	echo "ringbench: optional (without it):" >&2
	for p in "${RINGBENCH_OPTIONAL_PACKAGES[@]}"; do
		printf 'ringbench:   %-26s %s\n' "$p" "${RINGBENCH_OPTIONAL_WHAT[$p]}" >&2
	done
	if command -v cmake >/dev/null && { command -v cc || command -v gcc || command -v clang; } >/dev/null; then
		echo "ringbench: cmake and a C compiler are here: building (CMake says below what it did not find)" >&2
		return 0
	fi
	echo "ringbench: cmake or a C compiler is missing: nothing can be built" >&2
	return 2
}

setup_packages() {
	if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
		_rb_off_debian
		return
	fi
	local missing=() optional=() p
	mapfile -t missing < <(_rb_missing "${RINGBENCH_PACKAGES[@]}")
	mapfile -t optional < <(_rb_missing "${RINGBENCH_OPTIONAL_PACKAGES[@]}")
	local skip=false
	case ${RINGBENCH_OPTIONAL:-install} in
	skip) skip=true ;;
	install) ;;
	*) echo "ringbench: RINGBENCH_OPTIONAL is 'skip' or 'install', not '$RINGBENCH_OPTIONAL'" >&2
		return 2 ;;
	esac
	if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
		echo "ringbench: missing Debian packages: ${missing[*]}" >&2
		echo "ringbench: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
		[ ${#optional[@]} -gt 0 ] && ! $skip &&
			echo "ringbench: and, optional: sudo apt-get install -y ${optional[*]}" >&2
		return 2
	fi
	local want=("${missing[@]}")
	if ! $skip && [ "$(id -u)" -eq 0 ]; then
		want+=("${optional[@]}")
	fi
	if [ ${#want[@]} -gt 0 ]; then
		echo "ringbench: installing ${want[*]}" >&2
		apt-get update -qq >&2 || echo "ringbench: apt-get update failed: trying with the lists there are" >&2
		if [ ${#missing[@]} -gt 0 ]; then
			_rb_apt_install "${missing[@]}" || {
				echo "ringbench: could not install the required packages: ${missing[*]}" >&2
				return 2
			}
		fi
		if [ ${#want[@]} -gt ${#missing[@]} ]; then
			# All at once; if that fails, one by one, so that one the
			# archive lacks (or that apt cannot install) costs only itself.
			local try=()
			for p in "${optional[@]}"; do
				if _rb_installable "$p"; then
					try+=("$p")
				else
					echo "ringbench: $p: not in this machine's package archive" >&2
				fi
			done
			if [ ${#try[@]} -gt 0 ] && ! _rb_apt_install "${try[@]}"; then
				for p in "${try[@]}"; do
					_rb_apt_install "$p" || echo "ringbench: $p: apt-get could not install it" >&2
				done
			fi
		fi
		mapfile -t optional < <(_rb_missing "${RINGBENCH_OPTIONAL_PACKAGES[@]}")
	fi
	for p in "${optional[@]}"; do
		echo "ringbench: optional $p: not installed — ${RINGBENCH_OPTIONAL_WHAT[$p]}" >&2
	done
	if [ ${#optional[@]} -gt 0 ]; then
		if $skip; then
			echo "ringbench: (RINGBENCH_OPTIONAL=skip: no optional package installed)" >&2
		elif [ "$(id -u)" -ne 0 ]; then
			echo "ringbench: to have them: sudo apt-get install -y ${optional[*]}" >&2
		fi
	fi
	return 0
}

# CMake's word on what it did not find (harness/CMakeLists.txt and
# harness/gbench/CMakeLists.txt), said once per script however many builds.
declare -gA _RB_SAID=()
build() {
	local dir=$1 out line
	shift
	out=$(cmake -S . -B "$dir" "$@") || { printf '%s\n' "$out"; return 1; }
	while IFS= read -r line; do
		[ -n "${_RB_SAID[$line]:-}" ] && continue
		_RB_SAID[$line]=1
		echo "ringbench: cmake: ${line#-- }" >&2
	done < <(grep -E '^-- [^ ].*(not found|not built|will be skipped|will ask)' <<<"$out" || true)
	# RINGBENCH_TARGETS: only these targets (a suite that runs a few tests).
	# shellcheck disable=SC2086
	cmake --build "$dir" -j "$(nproc)" ${RINGBENCH_TARGETS:+--target $RINGBENCH_TARGETS} >/dev/null
}
