#!/usr/bin/env bash
# peers_libs.sh RINGBENCH PEER: the rte_ring or the boost_spsc peer end to
# end (ck_ring and iceoryx are peers.sh's).
#   - stream, pingpong and latency beside the ring, every message checked
#     by the worker, a row each and a /PEER column, nothing skipped, and
#     nothing on the output that ringbench did not write (DPDK's libraries,
#     which the harness loads for rte_ring, print nothing);
#   - ringbench links neither DPDK nor C++'s runtime: its start is what
#     `ringbench startup` times;
#   - boost_spsc: a message that is not a slot size goes in the next slot;
#     a capacity it was not built for, and a message over its largest
#     slot, are skipped with their reasons and the rest of the run goes on;
#     only such cases is nothing to run (exit 2).
set -u
rb=$1 peer=$2
if [ "$(nproc)" -lt 2 ]; then
	echo "peers_libs.sh: skipped, runs pin to CPUs 0 and 1"
	exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "peers_libs.sh: $peer: $*" >&2; exit 1; }
quick=(--messages 3000 --repetitions 1 --warmup 0)

# DPDK logs as "TYPE: text" (EAL, RING, TELEMETRY, USER1...); libnuma as
# "libnuma: ...".
dpdk_said() { grep -E '^[A-Z][A-Z0-9_]*: |libnuma|EAL' "$1"; }

if readelf -d "$rb" | grep -E '\(NEEDED\).*\[(librte_|libstdc\+\+)'; then
	fail "ringbench links the library above: every process start pays for it"
fi

for mode in stream pingpong; do
	"$rb" $mode --transport ring,"$peer" --wait spin "${quick[@]}" >"$tmp/$mode.out" 2>&1 ||
		{ cat "$tmp/$mode.out"; fail "$mode beside the ring failed"; }
	grep -q "skipping" "$tmp/$mode.out" && { cat "$tmp/$mode.out"; fail "$mode: skipped"; }
	grep -q "^$mode/transport:$peer/size:64/" "$tmp/$mode.out" || fail "$mode: no $peer row"
	grep "^case " "$tmp/$mode.out" | grep -q " /$peer" || fail "$mode: no /$peer column"
	dpdk_said "$tmp/$mode.out" && fail "$mode: a library wrote on the output"
done
"$rb" latency --transport "$peer" --rate 100K --duration 0.02 --repetitions 1 --warmup 0 \
	>"$tmp/latency.out" 2>&1 || { cat "$tmp/latency.out"; fail "latency failed"; }
grep -q "^latency/transport:$peer/size:64/rate:100000/" "$tmp/latency.out" ||
	{ cat "$tmp/latency.out"; fail "latency: no row"; }

# Larger messages, and for boost_spsc sizes between its slots (100 bytes
# in a 256-byte slot, 5000 in a 16K one).
sizes=4K,64K
[ "$peer" = boost_spsc ] && sizes=100,4K,5000,64K
"$rb" stream --transport "$peer" --size $sizes "${quick[@]}" >"$tmp/big.out" 2>&1 ||
	{ cat "$tmp/big.out"; fail "sizes $sizes failed"; }
for s in ${sizes//,/ }; do
	s=${s/K/*1024}
	grep -q "^stream/transport:$peer/size:$((s))/" "$tmp/big.out" ||
		{ cat "$tmp/big.out"; fail "no row for $((s))-byte messages"; }
done
dpdk_said "$tmp/big.out" && fail "sizes: a library wrote on the output"

[ "$peer" = boost_spsc ] || { echo "peers_libs.sh: $peer: ok"; exit 0; }

# A capacity it has no queue for: skipped with the reason, the ring runs.
"$rb" stream --transport ring,boost_spsc --capacity 4K "${quick[@]}" >"$tmp/cap.out" 2>&1 ||
	{ cat "$tmp/cap.out"; fail "capacity 4K: the run failed"; }
grep -q "^ringbench: skipping boost_spsc: no queue built for a 4096-byte capacity (its capacities are fixed at compile time: 64K, 1M and 16M)$" \
	"$tmp/cap.out" || { cat "$tmp/cap.out"; fail "capacity 4K: no skip line"; }
[ "$(grep -c "skipping boost_spsc" "$tmp/cap.out")" -eq 1 ] || fail "capacity 4K: said more than once"
grep -q "^stream/wait:spin/size:64/capacity:4096/" "$tmp/cap.out" || fail "capacity 4K: the ring did not run"
grep -q "^stream/transport:boost_spsc" "$tmp/cap.out" && fail "capacity 4K: boost_spsc ran"
# Only such cases: nothing to run is an error.
"$rb" stream --transport boost_spsc --capacity 64M "${quick[@]}" >"$tmp/only.out" 2>&1
[ $? -eq 2 ] || { cat "$tmp/only.out"; fail "only an unsupported capacity: not exit 2"; }
grep -q "no queue built for a 67108864-byte capacity" "$tmp/only.out" ||
	{ cat "$tmp/only.out"; fail "capacity 64M: no reason"; }

# Past its largest slot: that case is skipped, said once, the rest runs.
"$rb" stream --transport ring,boost_spsc --size 64,128K --capacity 1M "${quick[@]}" \
	>"$tmp/huge.out" 2>&1 || { cat "$tmp/huge.out"; fail "64 and 128K failed"; }
grep -q "^ringbench: skipping boost_spsc for messages over 65536 bytes$" "$tmp/huge.out" &&
	grep -q "^stream/transport:boost_spsc/size:64/" "$tmp/huge.out" &&
	grep -q "^stream/wait:spin/size:131072/" "$tmp/huge.out" &&
	! grep -q "^stream/transport:boost_spsc/size:131072/" "$tmp/huge.out" ||
	{ cat "$tmp/huge.out"; fail "a 128K message: not skipped by name"; }
echo "peers_libs.sh: $peer: ok"
