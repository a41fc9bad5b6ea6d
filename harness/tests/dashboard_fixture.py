#!/usr/bin/env python3
"""dashboard_fixture.py: nights for the dashboard's tests (dashboard.sh,
browser.sh), beyond what plot_fixture.py writes.

  dashboard_fixture.py hostile IN.json OUT.json STEPS.json
      IN (a night of plot_fixture.py) as a night of a machine whose every
      name is hostile: its machine id (the context has no virtualization,
      so the id is read from machine_id as it is), CPU model, kernel and
      revision, and the 64-byte spin stream's case name, are markup, quotes,
      backticks, a gnuplot string that calls system(), a gnuplot macro, a
      shell substitution, a newline and a script; each command would make a
      file PWNED-* in the folder it runs in.  STEPS.json: a step of that
      case in OUT's night, for the machine's ledger (dashboard_store STORE
      steps), its revisions hostile too.  Prints the machine id.
  dashboard_fixture.py many DIR N
      N machines' nights, one each (DIR/mNNN.json): one stream case of
      three repetitions in one machine state, each machine its own CPU
      model (machine model-NNN-2c-vm), so that the trend has N lines.
"""
import json
import os
import sys

CASE = "stream/wait:spin/size:64/capacity:1048576/cpus:0,1"


def hostile(what):
    """A name that runs a command or renders markup wherever it is not
    quoted or escaped: gnuplot's single-quoted strings end at a quote
    (then '.system(...).' is gnuplot code), its double-quoted ones run
    backticks, a shell runs $(...), a page runs <script> (an uncaught
    exception) and draws <i class=pwned>; "&amp;" shows as itself only if
    its "&" is escaped.  Under 128 bytes, the store's longest revision."""
    return ("%s<i class=pwned>&amp;\"'.system(\"touch PWNED-%s\").'`touch PWNED-%s`"
            "$(touch PWNED-%s)@x\n<script>throw 1</script>" % (what, what, what, what))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "hostile":
        src, out, steps = sys.argv[2:5]
        doc = json.load(open(src))
        ctx = doc["context"]
        del ctx["virtualization"]  # the id is then machine_id, as it is
        ctx["machine_id"] = hostile("m")
        ctx["cpu_model"] = hostile("c")
        ctx["kernel"] = hostile("k")
        ctx["git_revision"] = hostile("r")
        case = "stream/wait:" + hostile("n") + "/size:64/cpus:0,1"
        for b in doc["benchmarks"]:
            if b["name"] == CASE:
                b["name"] = b["run_name"] = case
        json.dump(doc, open(out, "w"), indent=1)
        night = os.path.basename(out)[:-len(".json")]
        step = {"case": case, "figure": "items_per_second", "state_lo_ns": 61,
                "state_hi_ns": 61, "night": night, "first_after": night,
                "revision_before": hostile("b"), "revision_after": hostile("a"), "change": -0.3,
                "confidence": 0.999}
        json.dump({"reported": [step]}, open(steps, "w"), indent=1)
        sys.stdout.write(ctx["machine_id"])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "many":
        d, n = sys.argv[2], int(sys.argv[3])
        for m in range(n):
            ctx = {"date": "2026-11-21T00:00:00+0000", "cpu_model": "Model %03d" % m, "cores": 2, "virtualization": "vm",
                   "kernel": "6.0", "git_revision": "bbbb111", "scenario": "fixture",
                   "library_build_type": "release", "num_cpus": 2}
            bench = [{"name": CASE, "run_name": CASE, "run_type": "iteration",
                      "repetitions": 3, "repetition_index": r, "iterations": 1000,
                      "real_time": 50.0, "cpu_time": 50.0, "time_unit": "ns",
                      "items_per_second": 1e6 * (m + 1) + r, "state_before_ns": 60.0,
                      "state_after_ns": 62.0} for r in range(3)]
            with open(os.path.join(d, "m%03d.json" % m), "w") as f:
                json.dump({"context": ctx, "benchmarks": bench}, f)
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
