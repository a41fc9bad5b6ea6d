#!/usr/bin/env python3
"""plot_fixture.py OUT.json [--slow SCALE] [--slow-pingpong SCALE] [--two-states]
                   [--revision REV] [--only MODE] [--date D] [--hostile] [--runs N]
                   [--kernel K] [--ab A|B] [--seed N]

A small ringbench results file with known figures, for the chart and report
tests: ten repetitions of each case in one machine state (a bare line of 61
ns), every figure the median of its repetitions exactly (the repetitions
spread symmetrically around it).  --slow scales the 64-byte spin stream's
rate by SCALE (0.7: 30% slower), so a verdict against an unscaled file has
one known regression; --slow-pingpong scales the spin ping-pong's
percentiles (1.5: 50% slower).  --two-states puts the last three
repetitions of every case in a second machine state (a bare line of 300 ns)
with a third of the throughput.  --only keeps one mode's cases.  --hostile
adds a stream case whose transport and build type are markup and a shell
command, for the tests that nothing from a file is run or rendered.  --runs
N writes N runs (each marked with its run_id), each at a level of its own
within 3% of the figures, as a baseline of several runs holds; a run's
figure is still the median of its repetitions exactly.  --kernel names the
kernel release in the context (default 6.0).  --ab and --seed mark the
file as one side of an interleaved session (ab_build, shuffle_seed).
"""
import argparse
import json

REPS = 10
# each run's level, for --runs: within 3%, their mean 1
LEVELS = [1.0, 1.02, 0.98, 1.03, 0.97, 1.01, 0.99, 1.0]
# the spread of the repetitions around each figure: symmetric, median 1
SPREAD = [0.99, 1.01, 0.995, 1.005, 0.998, 1.002, 0.997, 1.003, 1.0, 1.0]

STREAMS = [  # (key, transport, size, msgs/s, producer CPU ns, consumer CPU ns)
    ("spin", "ring", 64, 20e6, 50, 50),
    ("spin", "ring", 1024, 8e6, 120, 120),
    ("spin", "ring", 4096, 2e6, 500, 500),
    ("futex", "ring", 64, 15e6, 60, 60),
    ("futex", "ring", 4096, 1.8e6, 520, 520),
    ("floor", "floor", 64, 24e6, 40, 40),
    ("floor", "floor", 1024, 9e6, 100, 100),
    ("floor", "floor", 4096, 2.4e6, 400, 400),
    ("pipe", "pipe", 64, 3e6, 330, 330),
    ("pipe", "pipe", 4096, 1e6, 1000, 1000),
]
PCT = ["p50_ns", "p75_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns", "p9999_ns", "max_ns"]
PINGPONG = [  # (key, transport, p50 ns); the other percentiles grow from it
    ("spin", "ring", 200), ("line", "line", 70), ("pipe", "pipe", 40000)]
LATENCY = [  # (key, transport, p50 ns, producer CPU ns, consumer CPU ns)
    ("spin", "ring", 120, 10000, 10000), ("futex", "ring", 9000, 10000, 2500),
    ("floor", "floor", 100, 10000, 10000)]


def name(mode, key, transport, size, extra=""):
    who = "wait:" + key if transport == "ring" else "transport:" + transport
    cap = "/capacity:1048576" if transport == "ring" else ""
    return "%s/%s/size:%d%s%s/cpus:0,1" % (mode, who, size, cap, extra)


def entry(n, mode, key, transport, size, rate, pcpu, ccpu, rep, pcts=None, extra=None,
          slow_state=False, level=1.0):
    f = SPREAD[rep] * level
    if slow_state:
        rate /= 3
    e = {"name": n, "run_name": n, "run_type": "iteration", "repetitions": REPS,
         "repetition_index": rep, "threads": 1, "iterations": 100000,
         "real_time": 1e9 / rate / f, "cpu_time": 2e9 / rate, "time_unit": "ns",
         "items_per_second": rate * f, "bytes_per_second": rate * f * size,
         "producer_cpu_ns_per_msg": pcpu / f, "consumer_cpu_ns_per_msg": ccpu / f,
         "syscalls_per_msg": 0.0, "window_seconds": 0.1, "warmup_messages": 1000,
         "mode": mode, "transport": transport, "size": size,
         "state_before_ns": 300.0 if slow_state else 60.0,
         "state_after_ns": 302.0 if slow_state else 62.0}
    if transport == "ring":
        e["wait"] = key
        e["capacity"] = 1048576
    if pcts:
        for k, v in zip(PCT, pcts):
            e[k] = int(round(v / f))
    if extra:
        e.update(extra)
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--slow", type=float, default=1.0)
    ap.add_argument("--slow-pingpong", type=float, default=1.0)
    ap.add_argument("--two-states", action="store_true")
    ap.add_argument("--hostile", action="store_true")
    ap.add_argument("--revision", default="aaaa111")
    ap.add_argument("--only", default="")
    ap.add_argument("--date", default="2026-11-20T00:00:00+0000")
    ap.add_argument("--runs", type=int, default=0)
    ap.add_argument("--kernel", default="6.0")
    ap.add_argument("--ab", default="")
    ap.add_argument("--seed", type=int, default=4242)
    a = ap.parse_args()
    ctx = {"date": a.date, "host_name": "fixture", "executable": "ringbench",
           "num_cpus": 2, "mhz_per_cpu": 2600.0, "cpu_scaling_enabled": False,
           "load_avg": [0, 0, 0], "library_build_type": "release", "caches": [],
           "machine_id": "fixture-2c-vm", "cpu_model": "Fixture", "cores": 2,
           "kernel": a.kernel, "virtualization": "vm", "cpus": "0,1",
           "git_revision": a.revision, "scenario": "fixture", "clock": "tsc",
           "clock_resolution_ns": 10.0, "clock_hz": 2.6e9}
    bench = []
    for run in range(max(a.runs, 1)):
        lv = LEVELS[run % len(LEVELS)] if a.runs else 1.0
        for rep in range(REPS):
            slow = a.two_states and rep >= 7
            if a.only in ("", "stream"):
                for key, tp, size, rate, pc, cc in STREAMS:
                    scale = a.slow if (key, size) == ("spin", 64) else 1.0
                    bench.append(entry(name("stream", key, tp, size), "stream", key, tp, size,
                                       rate * scale, pc, cc, rep, slow_state=slow, level=lv))
            if a.only in ("", "pingpong"):
                for key, tp, p50 in PINGPONG:
                    scale = a.slow_pingpong if key == "spin" else 1.0
                    pcts = [p50 * scale * m for m in (1, 1.1, 1.3, 1.5, 2, 4, 8, 20)]
                    bench.append(entry(name("pingpong", key, tp, 64), "pingpong", key, tp, 64,
                                       1e9 / p50, p50, p50, rep, pcts, slow_state=slow, level=lv))
            if a.only in ("", "latency"):
                for key, tp, p50, pc, cc in LATENCY:
                    pcts = [p50 * m for m in (1, 1.2, 1.5, 2, 5, 30, 100, 300)]
                    bench.append(entry(name("latency", key, tp, 64, "/rate:100000"), "latency",
                                       key, tp, 64, 1e5, pc, cc, rep, pcts,
                                       {"rate": 100000.0}, slow_state=slow, level=lv))
            if a.hostile:
                evil = "x`touch pwned-by-plot`'</td><script>alert(1)</script>[link](https://evil)"
                e = entry("stream/transport:evil/size:64/cpus:0,1", "stream", evil, evil, 64,
                          1e6, 100, 100, rep)
                bench.append(e)
    if a.ab:
        ctx["ab_build"] = a.ab
        ctx["shuffle_seed"] = a.seed
    if a.runs:
        for i, e in enumerate(bench):
            e["run_id"] = "fixture-run-%d" % (i // (len(bench) // a.runs))
    if a.hostile:
        # no hardware fields: the machine_id itself is the identity read
        del ctx["cpu_model"]
        ctx["library_build_type"] = "release<script>alert(2)</script>"
        ctx["git_revision"] = "$(touch pwned-by-paste)[rev](https://evil)"
        ctx["machine_id"] = "'m''x`touch pwned-by-title`[m](https:evil)"
    json.dump({"context": ctx, "benchmarks": bench}, open(a.out, "w"), indent=1)


main()
