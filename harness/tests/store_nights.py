#!/usr/bin/env python3
"""store_nights.py SOURCE OUT NIGHTS [--machine ID] [--first N] [--reruns K] [--steps]

A nightly history made from one real results file, for the store's tests
and for measuring an import: NIGHTS nights of machine ID (default: the
source's machine_id) in OUT/<ID>/, named as `ringbench check` names them
(<time>-<revision>.json), one a day from 2025-01-01 plus N days (--first),
each at its own revision, with its own run id and its figures moved a
little (a seeded random walk, so every night differs).  A source that holds
several runs (a baseline) gives its first run only, as one night holds.
--reruns K: every Kth night also has a re-run (<stem>.rerun.json, the
night's first two cases); --steps: a steps.json with two reported steps.
"""
import argparse
import copy
import datetime
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("source")
    ap.add_argument("out")
    ap.add_argument("nights", type=int)
    ap.add_argument("--machine")
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--reruns", type=int, default=0)
    ap.add_argument("--steps", action="store_true")
    a = ap.parse_args()

    src = json.load(open(a.source))
    ctx = src.get("context", {})
    entries = src["benchmarks"]
    runs = [e.get("run_id") for e in entries if e.get("run_id")]
    if runs:
        entries = [e for e in entries if e.get("run_id") == runs[0]]
    machine = a.machine or ctx.get("machine_id") or "made-up-machine"
    folder = os.path.join(a.out, machine)
    os.makedirs(folder, exist_ok=True)
    start = datetime.datetime(2025, 1, 1, 2, 0, 0, tzinfo=datetime.timezone.utc)
    rnd = random.Random(a.first * 7919 + len(machine))
    level = 1.0
    stems = []
    for k in range(a.first, a.first + a.nights):
        when = start + datetime.timedelta(days=k)
        rev = "r%06x" % (k * 2654435761 % (1 << 24))
        stem = when.strftime("%Y%m%dT%H%M%S.000Z") + "-" + rev
        c = copy.deepcopy(ctx)
        c.pop("filled_in", None)
        if a.machine:
            # The id a context names comes from its hardware fields first
            # (machine_id_from_context): without them, machine_id is it.
            for key in ("cpu_model", "cores", "smt", "virtualization"):
                c.pop(key, None)
        c.update(date=when.strftime("%Y-%m-%dT%H:%M:%S+0000"), git_revision=rev,
                 machine_id=machine, run_id="%s-night-%d" % (machine, k))
        level *= rnd.lognormvariate(0, 0.002)
        night = []
        for e in entries:
            e = copy.deepcopy(e)
            e["run_id"] = c["run_id"]
            for key in ("items_per_second", "bytes_per_second"):
                if isinstance(e.get(key), float):
                    e[key] *= level * rnd.lognormvariate(0, 0.01)
            night.append(e)
        doc = {"context": c, "benchmarks": night}
        with open(os.path.join(folder, stem + ".json"), "w") as f:
            json.dump(doc, f, indent=1)
        if a.reruns and k % a.reruns == 0:
            names = []
            for e in night:
                if e.get("run_name") not in names:
                    names.append(e.get("run_name"))
            r = copy.deepcopy(doc)
            r["context"]["date"] = (when + datetime.timedelta(minutes=20)).strftime(
                "%Y-%m-%dT%H:%M:%S+0000")
            r["benchmarks"] = [e for e in night if e.get("run_name") in names[:2]]
            with open(os.path.join(folder, stem + ".rerun.json"), "w") as f:
                json.dump(r, f, indent=1)
        stems.append((stem, rev))
    if a.steps and len(stems) > 3:
        case = entries[0].get("run_name", "case")
        reported = [{"case": case, "figure": fig, "state_lo_ns": 60.0, "state_hi_ns": 70.5,
                     "night": stems[-1][0], "first_after": stems[2][0],
                     "revision_before": stems[1][1], "revision_after": stems[2][1],
                     "change": change, "confidence": 0.999}
                    for fig, change in (("items_per_second", -0.125), ("p50_ns", 0.2))]
        with open(os.path.join(folder, "steps.json"), "w") as f:
            json.dump({"reported": reported}, f, indent=2)


if __name__ == "__main__":
    main()
