#!/usr/bin/env python3
"""formats_check.py: ringbench's --bmf, --github-benchmark and --csv files
checked against each format's published rules, and against the results (and
the verdict) they were made from.

    formats_check.py --results R.json [--verdict V.json] [--bmf FILE]
                     [--github PREFIX] [--csv FILE]
    formats_check.py --self-test

The rules checked, from each format's own definition:
- Bencher Metric Format (bencher.dev, "Bencher Metric Format" and its JSON
  schema; Bencher's bencher_valid crate): one JSON object; each key a
  benchmark name (1 to 1024 bytes, not ending in a -bencher-ignore suffix);
  each value an object of measures keyed by slug (lower case letters and
  digits in words joined by single hyphens, at most 64); each measure an
  object with "value" (a number) and, optionally, "lower_value" and
  "upper_value" (numbers); nothing else.
- github-action-benchmark's custom tools (its extract.ts BenchmarkResult):
  a JSON array of objects with "name" (string), "unit" (string), "value"
  (number), and optionally "range" and "extra" (strings); names unique (the
  action compares by name); one direction per file.
- CSV (RFC 4180): records end in CRLF; a field holding a comma, a quote or
  a line break is quoted and its quotes doubled; the header ringbench
  documents (docs/formats.md); read with Python's csv module.
And ringbench's own promises (docs/formats.md): every figure of every case
is there, once, under its name, unit and direction; numbers are finite;
values and bounds are those of the results (and the verdict).
Exit 0 when every file passes, 1 with each problem on a line.
"""

import copy
import csv
import io
import json
import math
import os
import re
import statistics
import sys
import tempfile

# key, label (as the tables name it), Bencher measure slug, unit, direction
FIGURES = [
    ("items_per_second", "msgs/s", "throughput", "msgs/s", "bigger"),
    ("bytes_per_second", "bytes/s", "throughput-bytes", "bytes/s", "bigger"),
    ("real_time", "time ns", "latency", "ns", "smaller"),
    ("p50_ns", "p50 ns", "latency-p50", "ns", "smaller"),
    ("p75_ns", "p75 ns", "latency-p75", "ns", "smaller"),
    ("p90_ns", "p90 ns", "latency-p90", "ns", "smaller"),
    ("p95_ns", "p95 ns", "latency-p95", "ns", "smaller"),
    ("p99_ns", "p99 ns", "latency-p99", "ns", "smaller"),
    ("p999_ns", "p99.9 ns", "latency-p99-9", "ns", "smaller"),
    ("p9999_ns", "p99.99 ns", "latency-p99-99", "ns", "smaller"),
    ("max_ns", "max ns", "latency-max", "ns", "smaller"),
    ("producer_cpu_ns_per_msg", "prod CPU ns", "cpu-producer", "ns/msg", "smaller"),
    ("consumer_cpu_ns_per_msg", "cons CPU ns", "cpu-consumer", "ns/msg", "smaller"),
    ("cpu_time", "CPU ns", "cpu-time", "ns", "smaller"),
    ("syscalls_per_msg", "syscalls/msg", "syscalls", "syscalls/msg", "smaller"),
    ("instructions_per_op", "instr/op", "instructions", "instructions/op", "smaller"),
]
BY_KEY = {f[0]: f for f in FIGURES}
# A figure by the name the files give it: a Google Benchmark file's rate is
# items, not messages, and named so.
BY_LABEL = dict({f[1]: f for f in FIGURES}, **{"items/s": BY_KEY["items_per_second"]})
# The verdicts docs/verdicts.md calls verdicts: a test reached.  The others
# ("too few repetitions", "no common state", "differs (one run each)") are
# none, and a verdict on one run a side (method "one-run-each") none at all:
# docs/formats.md gives them no bounds, whatever interval the row carries.
JUDGED = {"same", "small change", "REGRESSION", "improvement", "acknowledged"}
CSV_HEADER = ["case", "figure", "field", "measure", "unit", "better", "value", "lower",
              "upper", "bounds", "n", "base", "change", "change_low", "change_high",
              "verdict"]
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
IGNORED = ("_bencher_ignore", "BencherIgnore", "-bencher-ignore")
TIME_UNITS = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}


def is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def close(a, b):
    return is_number(a) and is_number(b) and abs(a - b) <= 1e-8 * max(1.0, abs(b))


def refuse_constant(name):
    raise ValueError("%s is not JSON" % name)


def no_duplicates(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("key %r twice in one object" % k)
        seen[k] = v
    return seen


def load_json(path):
    """Strict JSON: no NaN or Infinity, no key twice in an object."""
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=refuse_constant, object_pairs_hook=no_duplicates)


def expected(results, verdict):
    """{(case, key): {value, lower, upper, n, base, change, ...}} as
    docs/formats.md promises them, from the results and the verdict."""
    cases = {}
    for e in results["benchmarks"]:
        if e.get("run_type") == "aggregate" or e.get("error_occurred"):
            continue
        cases.setdefault(e.get("run_name") or e["name"], []).append(e)
    rows = {}
    for r in (verdict or {}).get("rows", []):
        rows[(r["case"], r["figure"])] = r
    one_run_each = (verdict or {}).get("method") == "one-run-each"
    out = {}
    for name, reps in cases.items():
        mode = reps[0].get("mode")
        for key, label, slug, unit, better in FIGURES:
            # ringbench's real_time and cpu_time repeat the rate and the
            # two sides' CPU; a latency run's rates are the ones it was told.
            if mode is not None and key in ("real_time", "cpu_time"):
                continue
            if mode is None and key == "real_time" and all(
                    is_number(r.get("items_per_second")) for r in reps):
                continue
            if mode == "latency" and better == "bigger":
                continue
            scale = TIME_UNITS.get(reps[0].get("time_unit", "ns"), 1) \
                if key in ("real_time", "cpu_time") else 1
            vals = [r[key] * scale for r in reps if is_number(r.get(key))]
            if not vals:
                continue
            theirs = key == "items_per_second" and mode is None
            x = {"value": statistics.median(vals), "lower": None, "upper": None,
                 "bounds": "", "n": len(vals), "base": None, "change": None,
                 "change_low": None, "change_high": None, "verdict": "",
                 "unit": "items/s" if theirs else unit,
                 "label": "items/s" if theirs else label}
            r = rows.get((name, key))
            if verdict is None and len(vals) >= 2:
                x.update(lower=min(vals), upper=max(vals), bounds="repetitions")
            elif r is not None:
                x["verdict"] = r["verdict"]
                x["base"] = r["base"]
                if r["current"] is not None:
                    x["value"], x["n"] = r["current"], r["n_current"]
                if r["kind"] == "count":
                    x["change"] = x["value"] / r["base"] - 1 if r["base"] else None
                else:
                    x["change"] = r["change"]
                    if r["verdict"] in JUDGED and not one_run_each and \
                            None not in (r["ci_low"], r["ci_high"], r["change"]) and \
                            r["change"] > -1:
                        x.update(change_low=r["ci_low"], change_high=r["ci_high"],
                                 bounds="interval",
                                 lower=x["value"] * (1 + r["ci_low"]) / (1 + r["change"]),
                                 upper=x["value"] * (1 + r["ci_high"]) / (1 + r["change"]))
            out[(name, key)] = x
    return out


def ordered(lower, value, upper, rel=1e-9):
    """lower <= value <= upper, to rel of the value: what bounds mean,
    whatever formula made them."""
    slack = rel * max(abs(lower), abs(value), abs(upper), 1e-300)
    return lower - slack <= value <= upper + slack


RANGE = re.compile(r"^(interval|repetitions) (\S+) to (\S+)$")


def check_bmf(path, want, problems):
    def bad(msg):
        problems.append("%s: %s" % (path, msg))
    try:
        doc = load_json(path)
    except (OSError, ValueError) as e:
        return bad("not strict JSON: %s" % e)
    if not isinstance(doc, dict):
        return bad("the top level is not an object")
    by_slug = {f[2]: f for f in FIGURES}
    seen = set()
    for bench, measures in doc.items():
        if not bench or len(bench.encode("utf-8")) > 1024:
            bad("benchmark name %r: 1 to 1024 bytes" % bench)
        if bench.endswith(IGNORED):
            bad("benchmark name %r ends in a suffix Bencher ignores" % bench)
        if not isinstance(measures, dict) or not measures:
            bad("%s: not an object of measures" % bench)
            continue
        for slug, metric in measures.items():
            where = "%s: %s" % (bench, slug)
            if not SLUG.match(slug) or len(slug) > 64:
                bad("%s: the measure is not a Bencher slug" % where)
            if not isinstance(metric, dict):
                bad("%s: not an object" % where)
                continue
            extra = set(metric) - {"value", "lower_value", "upper_value"}
            if extra:
                bad("%s: fields Bencher does not define: %s" % (where, sorted(extra)))
            if "value" not in metric:
                bad("%s: no value (required)" % where)
            for k in ("value", "lower_value", "upper_value"):
                if k in metric and not (is_number(metric[k]) and math.isfinite(metric[k])):
                    bad("%s: %s is not a finite number" % (where, k))
            if ("lower_value" in metric) != ("upper_value" in metric):
                bad("%s: one bound without the other" % where)
            elif "lower_value" in metric and all(is_number(metric.get(k)) for k in (
                    "lower_value", "value", "upper_value")) and not ordered(
                    metric["lower_value"], metric["value"], metric["upper_value"]):
                bad("%s: value %r is not between its bounds %r and %r" % (
                    where, metric["value"], metric["lower_value"], metric["upper_value"]))
            fig = by_slug.get(slug)
            if fig is None:
                bad("%s: no figure of ringbench's has this measure" % where)
                continue
            seen.add((bench, fig[0]))
            x = want.get((bench, fig[0]))
            if x is None:
                bad("%s: no such figure in the results" % where)
                continue
            if not close(metric.get("value"), x["value"]):
                bad("%s: value %r, the results say %r" % (where, metric.get("value"),
                                                           x["value"]))
            if x["bounds"]:
                if not (close(metric.get("lower_value"), x["lower"]) and
                        close(metric.get("upper_value"), x["upper"])):
                    bad("%s: bounds %r to %r, expected %r to %r" % (
                        where, metric.get("lower_value"), metric.get("upper_value"),
                        x["lower"], x["upper"]))
            elif "lower_value" in metric or "upper_value" in metric:
                bad("%s: bounds where there are none" % where)
    for case, key in sorted(set(want) - seen):
        bad("%s: %s is missing" % (case, key))


def check_github(prefix, want, problems):
    seen = set()
    for better in ("bigger", "smaller"):
        path = "%s-%s.json" % (prefix, better)

        def bad(msg):
            problems.append("%s: %s" % (path, msg))
        # The action stops at an empty array ("No benchmark result was
        # found"): a direction without figures has no file.
        due = any(BY_KEY[k][4] == better for _, k in want)
        if not due:
            if os.path.lexists(path):
                bad("no figure goes this way, yet the file is there (the action refuses "
                    "an empty array, and an earlier run's would pass for this one's)")
            continue
        try:
            doc = load_json(path)
        except (OSError, ValueError) as e:
            bad("not strict JSON: %s" % e)
            continue
        if not isinstance(doc, list):
            bad("not an array (the custom tools read an array of results)")
            continue
        if not doc:
            bad("an empty array: the action stops at it (No benchmark result was found)")
        names = set()
        for i, o in enumerate(doc):
            where = "[%d]" % i
            if not isinstance(o, dict):
                bad("%s: not an object" % where)
                continue
            extra = set(o) - {"name", "unit", "value", "range", "extra"}
            if extra:
                bad("%s: fields the action does not read: %s" % (where, sorted(extra)))
            for k in ("name", "unit"):
                if not isinstance(o.get(k), str) or not o.get(k):
                    bad("%s: %s is not a non-empty string (required)" % (where, k))
            if not (is_number(o.get("value")) and math.isfinite(o["value"])):
                bad("%s: value is not a finite number (required)" % where)
            for k in ("range", "extra"):
                if k in o and not isinstance(o[k], str):
                    bad("%s: %s is not a string" % (where, k))
            name = o.get("name")
            if not isinstance(name, str):
                continue
            if name in names:
                bad("%s: %r twice: the action compares results by name" % (where, name))
            names.add(name)
            case, _, label = name.rpartition(" - ")
            fig = BY_LABEL.get(label)
            if fig is None:
                bad("%s: %r names no figure" % (where, name))
                continue
            if fig[4] != better:
                bad("%s: %s is %s-is-better, in the %s file" % (where, label, fig[4], better))
            seen.add((case, fig[0]))
            x = want.get((case, fig[0]))
            if x is None:
                bad("%s: %r: no such figure in the results" % (where, name))
                continue
            if o.get("unit") != x["unit"] or label != x["label"]:
                bad("%s: %r in %r, not %r in %r" % (where, label, o.get("unit"), x["label"],
                                                     x["unit"]))
            if not close(o.get("value"), x["value"]):
                bad("%s: value %r, the results say %r" % (where, o.get("value"), x["value"]))
            if bool(x["bounds"]) != ("range" in o):
                bad("%s: a range where there are no bounds, or none where there are" % where)
            elif "range" in o and isinstance(o["range"], str):
                m = RANGE.match(o["range"])
                try:
                    lo, hi = (float(m.group(2)), float(m.group(3))) if m else (None, None)
                except ValueError:
                    lo = hi = None
                if lo is None or m.group(1) != x["bounds"]:
                    bad("%s: range %r is not '%s LOWER to UPPER'" % (where, o["range"],
                                                                     x["bounds"]))
                elif is_number(o.get("value")) and not ordered(lo, o["value"], hi, 1e-5):
                    # six digits: the range's numbers are rounded
                    bad("%s: value %r is not within its range %r" % (where, o["value"],
                                                                     o["range"]))
                elif not (close6(lo, x["lower"]) and close6(hi, x["upper"])):
                    bad("%s: range %r, expected %.6g to %.6g" % (where, o["range"], x["lower"],
                                                                 x["upper"]))
    for case, key in sorted(set(want) - seen):
        problems.append("%s: %s: %s is missing" % (prefix, case, key))


def close6(a, b):
    """a is b to the six digits a range or a tooltip keeps."""
    return abs(a - b) <= 1e-5 * max(abs(b), 1e-300)


def crlf_records(raw):
    """RFC 4180: every line break outside a quoted field is CRLF and ends a
    record; inside quotes a field may hold CR or LF alone.  True when so."""
    quoted = False
    i = 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b'"':
            quoted = not quoted  # a doubled quote toggles twice
        elif not quoted and c == b"\r":
            if raw[i + 1:i + 2] != b"\n":
                return False
            i += 1
        elif not quoted and c == b"\n":
            return False
        i += 1
    return not quoted and raw.endswith(b"\r\n")


def number_or_none(s):
    if s == "":
        return None
    v = float(s)
    if not math.isfinite(v):
        raise ValueError("%r is not finite" % s)
    return v


def check_csv(path, want, problems):
    def bad(msg):
        problems.append("%s: %s" % (path, msg))
    try:
        raw = open(path, "rb").read()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        return bad(str(e))
    if not crlf_records(raw):
        bad("a record that does not end in CRLF (RFC 4180)")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as e:
        return bad("not CSV: %s" % e)
    if not records or records[0] != CSV_HEADER:
        return bad("the header is not %s" % ",".join(CSV_HEADER))
    seen = set()
    for i, rec in enumerate(records[1:], 2):
        where = "record %d" % i
        if len(rec) != len(CSV_HEADER):
            bad("%s: %d fields, not %d" % (where, len(rec), len(CSV_HEADER)))
            continue
        r = dict(zip(CSV_HEADER, rec))
        try:
            nums = {k: number_or_none(r[k]) for k in ("value", "lower", "upper", "base",
                                                      "change", "change_low",
                                                      "change_high")}
            n = int(r["n"])
        except ValueError as e:
            bad("%s: %s" % (where, e))
            continue
        fig = BY_KEY.get(r["field"])
        if fig is None:
            bad("%s: field %r is no figure" % (where, r["field"]))
            continue
        if (r["measure"], r["better"]) != (fig[2], fig[4]) or BY_LABEL.get(r["figure"]) != fig:
            bad("%s: %s named %r, %r, %r" % (where, r["field"], r["figure"], r["measure"],
                                             r["better"]))
        key = (r["case"], r["field"])
        if key in seen:
            bad("%s: %s %s twice" % (where, *key))
        seen.add(key)
        x = want.get(key)
        if x is None:
            bad("%s: %s %s: no such figure in the results" % (where, *key))
            continue
        if r["unit"] != x["unit"] or n != x["n"] or r["bounds"] != x["bounds"] or \
                r["verdict"] != x["verdict"] or r["figure"] != x["label"]:
            bad("%s: %s %s: figure, unit, n, bounds or verdict %r, expected %r" % (
                where, *key, [r["figure"], r["unit"], n, r["bounds"], r["verdict"]],
                [x["label"], x["unit"], x["n"], x["bounds"], x["verdict"]]))
        if (nums["lower"] is None) != (nums["upper"] is None):
            bad("%s: %s %s: one bound without the other" % (where, *key))
        elif nums["lower"] is not None and nums["value"] is not None and \
                not ordered(nums["lower"], nums["value"], nums["upper"]):
            bad("%s: %s %s: value %r is not between its bounds %r and %r" % (
                where, *key, nums["value"], nums["lower"], nums["upper"]))
        for k, xk in (("value", "value"), ("lower", "lower"), ("upper", "upper"),
                      ("base", "base"), ("change", "change"),
                      ("change_low", "change_low"), ("change_high", "change_high")):
            if (nums[k] is None) != (x[xk] is None) or \
                    (nums[k] is not None and not close(nums[k], x[xk])):
                bad("%s: %s %s: %s %r, expected %r" % (where, *key, k, nums[k], x[xk]))
    for case, key in sorted(set(want) - seen):
        bad("%s: %s is missing" % (case, key))


def check(results_path, verdict_path, bmf, github, csv_path):
    problems = []
    results = load_json(results_path)
    verdict = load_json(verdict_path) if verdict_path else None
    want = expected(results, verdict)
    if not want:
        problems.append("%s: no figure to check" % results_path)
    if bmf:
        check_bmf(bmf, want, problems)
    if github:
        check_github(github, want, problems)
    if csv_path:
        check_csv(csv_path, want, problems)
    return problems


# ---- the checker's own test: good files pass, each broken one fails ----

def write_reference(d, results, verdict):
    """Files made the way docs/formats.md says, from the checker's own
    expectations: what the self-test breaks one way at a time."""
    want = expected(results, verdict)
    bmf, gab = {}, {"bigger": [], "smaller": []}
    rows = [CSV_HEADER]
    fmt = lambda v: "" if v is None else "%.10g" % v
    for (case, key), x in want.items():
        f = BY_KEY[key]
        m = {"value": x["value"]}
        if x["bounds"]:
            m.update(lower_value=x["lower"], upper_value=x["upper"])
        bmf.setdefault(case, {})[f[2]] = m
        o = {"name": "%s - %s" % (case, x["label"]), "unit": x["unit"], "value": x["value"],
             "extra": "made by the self-test"}
        if x["bounds"]:
            o["range"] = "%s %g to %g" % (x["bounds"], x["lower"], x["upper"])
        gab[f[4]].append(o)
        rows.append([case, x["label"], key, f[2], x["unit"], f[4], fmt(x["value"]), fmt(x["lower"]),
                     fmt(x["upper"]), x["bounds"], str(x["n"]), fmt(x["base"]),
                     fmt(x["change"]), fmt(x["change_low"]), fmt(x["change_high"]),
                     x["verdict"]])
    paths = {"results": os.path.join(d, "r.json"), "bmf": os.path.join(d, "r.bmf.json"),
             "github": os.path.join(d, "r-gab"), "csv": os.path.join(d, "r.csv"),
             "verdict": os.path.join(d, "v.json") if verdict else None}
    json.dump(results, open(paths["results"], "w"))
    if verdict:
        json.dump(verdict, open(paths["verdict"], "w"))
    json.dump(bmf, open(paths["bmf"], "w"))
    for k, v in gab.items():
        gpath = "%s-%s.json" % (paths["github"], k)
        if v:
            json.dump(v, open(gpath, "w"))
        elif os.path.exists(gpath):
            os.unlink(gpath)
    with open(paths["csv"], "w", newline="") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return paths


def self_test():
    def rep(name, mode, i):
        e = {"name": name, "run_name": name, "run_type": "iteration", "mode": mode,
             "items_per_second": 1e6 * (i + 1), "bytes_per_second": 64e6 * (i + 1),
             "real_time": 1e3 / (i + 1), "cpu_time": 2e3 / (i + 1), "time_unit": "ns",
             "producer_cpu_ns_per_msg": 50.0 + i, "consumer_cpu_ns_per_msg": 60.0 + i,
             "syscalls_per_msg": 0.0, "repetition_index": i}
        if mode != "stream":
            for k, base in (("p50_ns", 100), ("p75_ns", 110), ("p90_ns", 120),
                            ("p95_ns", 130), ("p99_ns", 140), ("p999_ns", 150),
                            ("p9999_ns", 160), ("max_ns", 170)):
                e[k] = base + 10 * i
        return e
    pp, st = "pingpong/size:64/cpus:0,1", "stream/size:64/cpus:0,1"
    # A name a CSV must quote, a line break in it (RFC 4180 allows it
    # inside quotes), and a Google Benchmark case: its rate is items/s.
    odd, gb = 'odd "name",\nhere', "BM_push/64"
    gbench = [{"name": gb, "run_type": "iteration", "items_per_second": 3e6 + i,
               "real_time": 300.0 + i, "cpu_time": 290.0 + i, "time_unit": "ns"}
              for i in range(3)]
    results = {"context": {"machine_id": "m"},
               "benchmarks": [rep(pp, "pingpong", i) for i in range(3)] +
                             [rep(st, "stream", i) for i in range(3)] +
                             [rep(odd, "stream", i) for i in range(2)] + gbench}
    row = lambda fig, base, cur, change, lo, hi, v: {
        "case": pp, "figure": fig, "kind": "statistic", "base": base, "current": cur,
        "change": change, "ci_low": lo, "ci_high": hi, "n_current": 3, "verdict": v}
    verdict = {"method": "repetitions", "rows": [
        row("items_per_second", 1.6e6, 2e6, 0.25, 0.1, 0.4, "improvement"),
        {"case": pp, "figure": "syscalls_per_msg", "kind": "count", "base": 0.0,
         "current": 0.0, "change": 0.0, "ci_low": None, "ci_high": None, "n_current": 3,
         "verdict": "same"},
        # the current value is no base * (1 + change): a verdict's medians
        # need not be
        row("p50_ns", 100.0, 110.0, 0.05, 0.0, 0.1, "same"),
        # an interval with no verdict: no bounds
        row("p99_ns", 150.0, 160.0, 0.0667, 0.01, 0.1, "too few repetitions")]}
    failed = []
    nbroken = [0]
    with tempfile.TemporaryDirectory() as d:
        for v in (None, verdict, dict(verdict, method="one-run-each")):
            p = write_reference(d, results, v)
            problems = check(p["results"], p["verdict"], p["bmf"], p["github"], p["csv"])
            if problems:
                failed.append("good files%s refused: %s" % (
                    " with a verdict " + v["method"] if v else "", problems[:3]))
        if "\n" not in open(p["csv"], newline="").read().split("\r\n", 3)[-1]:
            failed.append("the self-test's CSV holds no line break inside a field")

        def refused(what, made_with, judged_by, change=None, only=None):
            """Files made as for one verdict (then changed), checked against
            another (or only one of them): they must fail."""
            nbroken[0] += 1
            with tempfile.TemporaryDirectory() as d2:
                q = write_reference(d2, results, made_with)
                if change:
                    change(q)
                vpath = os.path.join(d2, "judged.json")
                json.dump(judged_by, open(vpath, "w"))
                files = [q[k] if only in (None, k) else None for k in ("bmf", "github", "csv")]
                if not check(q["results"], vpath if judged_by else None, *files):
                    failed.append("not refused: " + what)
        rows = verdict["rows"]

        def p99_bounds(q):
            """Bounds on p99, whose verdict is none, as the formula would
            put them: 160 * 1.01 / 1.0667 to 160 * 1.1 / 1.0667."""
            doc = json.load(open(q["bmf"]))
            doc[pp]["latency-p99"].update(lower_value=160 * 1.01 / 1.0667,
                                          upper_value=160 * 1.1 / 1.0667)
            json.dump(doc, open(q["bmf"], "w"))
        refused("bounds on a row of too few repetitions", verdict, verdict, p99_bounds, "bmf")
        refused("bounds from a verdict of one run a side", verdict,
                dict(verdict, method="one-run-each"))

        def from_base(q):
            """p50's bounds as base * (1 + interval): 100 to 110, around
            110, where value * (1 + interval) / (1 + change) is 104.8 to
            115.2."""
            doc = json.load(open(q["bmf"]))
            doc[pp]["latency-p50"].update(lower_value=100.0, upper_value=110.0)
            json.dump(doc, open(q["bmf"], "w"))
        refused("bounds from the base, not the value", verdict, verdict, from_base)
        # Bounds made as the verdict says, but the estimate outside its
        # interval: whatever the formula, a value must lie between them.
        outside = dict(verdict, rows=[row("items_per_second", 1.6e6, 2e6, 0.25, 0.3, 0.4,
                                          "improvement")] + rows[1:])
        for only in ("bmf", "github", "csv"):
            refused("a value outside its bounds (%s)" % only, outside, outside, only=only)

        def no_rates(q):
            json.dump([], open(q["github"] + "-bigger.json", "w"))
        latency = {"context": {"machine_id": "m"},
                   "benchmarks": [rep(pp.replace("pingpong", "latency"), "latency", i)
                                  for i in range(3)]}
        saved, results = results, latency
        p = write_reference(d, results, None)
        if check(p["results"], None, p["bmf"], p["github"], p["csv"]) or \
                os.path.exists(p["github"] + "-bigger.json"):
            failed.append("good files of a latency run (no rate) refused, or an empty file")
        refused("github an empty array for a direction without figures", None, None,
                no_rates)
        refused("github an earlier run's file for a direction without figures", None, None,
                lambda q: json.dump([{"name": "x - msgs/s", "unit": "msgs/s", "value": 1}],
                                    open(q["github"] + "-bigger.json", "w")))
        refused("github a direction's file missing", None, None,
                lambda q: os.unlink(q["github"] + "-smaller.json"))
        results = saved
        p = write_reference(d, results, None)
        originals = {k: open(p[k] if k not in ("gab", "gabb") else "%s-%s.json" % (
            p["github"], "smaller" if k == "gab" else "bigger"), "rb").read()
            for k in ("bmf", "csv", "gab", "gabb")}

        def broken(what, kind, change):
            """Break one file with change(text) -> text; it must fail."""
            nbroken[0] += 1
            path = {"bmf": p["bmf"], "csv": p["csv"],
                    "gab": p["github"] + "-smaller.json",
                    "gabb": p["github"] + "-bigger.json"}[kind]
            with open(path, "wb") as f:
                f.write(change(originals[kind].decode("utf-8")).encode("utf-8"))
            if not check(p["results"], None, p["bmf"], p["github"], p["csv"]):
                failed.append("not refused: " + what)
            with open(path, "wb") as f:
                f.write(originals[kind])

        def bmf_edit(edit):
            def change(text):
                doc = json.loads(text)
                edit(doc)
                return json.dumps(doc)
            return change

        def gab_edit(edit):
            def change(text):
                doc = json.loads(text)
                edit(doc)
                return json.dumps(doc)
            return change
        broken("BMF not JSON", "bmf", lambda t: t[:-2])
        first_value = re.compile(r'"value": [0-9.e+]+')
        broken("BMF NaN", "bmf", lambda t: first_value.sub('"value": NaN', t, 1))
        broken("BMF value missing", "bmf", bmf_edit(lambda d: d[pp]["latency-p50"].pop("value")))
        broken("BMF value a string", "bmf",
               bmf_edit(lambda d: d[pp]["latency-p50"].update(value="100")))
        broken("BMF a measure by name", "bmf",
               bmf_edit(lambda d: d[pp].update({"p50 Latency": d[pp].pop("latency-p50")})))
        broken("BMF a field Bencher lacks", "bmf",
               bmf_edit(lambda d: d[pp]["latency-p50"].update(unit="ns")))
        broken("BMF a figure missing", "bmf", bmf_edit(lambda d: d[pp].pop("latency-max")))
        broken("BMF a case missing", "bmf", bmf_edit(lambda d: d.pop(st)))
        broken("BMF a wrong value", "bmf",
               bmf_edit(lambda d: d[pp]["throughput"].update(value=2.5e6)))
        broken("BMF one bound", "bmf",
               bmf_edit(lambda d: d[pp]["throughput"].pop("upper_value")))
        broken("BMF bounds swapped", "bmf", bmf_edit(lambda d: d[pp]["throughput"].update(
            lower_value=d[pp]["throughput"]["upper_value"],
            upper_value=d[pp]["throughput"]["lower_value"])))
        broken("BMF a key twice", "bmf",
               lambda t: first_value.sub(lambda m: m.group(0) + ", " + m.group(0), t, 1))
        broken("BMF an ignored name", "bmf",
               bmf_edit(lambda d: d.update({st + "-bencher-ignore": d.pop(st)})))
        broken("BMF an array", "bmf", lambda t: "[" + t + "]")
        broken("github value a bool", "gab", gab_edit(lambda a: a[0].update(value=True)))
        broken("github no unit", "gab", gab_edit(lambda a: a[0].pop("unit")))
        broken("github a name twice", "gab", gab_edit(lambda a: a.append(copy.deepcopy(a[0]))))
        broken("github a figure missing", "gab", gab_edit(lambda a: a.pop()))
        broken("github a wrong unit", "gab", gab_edit(lambda a: a[0].update(unit="us")))
        broken("github a range not a string", "gab",
               gab_edit(lambda a: a[0].update(range=[1, 2])))
        broken("github bigger in the smaller file", "gab", gab_edit(lambda a: a.append(
            {"name": pp + " - msgs/s", "unit": "msgs/s", "value": 2e6})))
        broken("github an object, not an array", "gab", lambda t: '{"a": ' + t + '}')
        broken("github a Google Benchmark rate named msgs/s", "gabb",
               lambda t: t.replace(gb + " - items/s", gb + " - msgs/s"))
        broken("github a value beyond its range", "gabb",
               gab_edit(lambda a: [o.update(range="repetitions 1 to 2") for o in a]))
        broken("github a wrong range around its value", "gabb",
               gab_edit(lambda a: [o.update(range="repetitions 1 to 9e+99") for o in a]))
        broken("CSV LF records", "csv", lambda t: t.replace("\r\n", "\n"))
        broken("CSV one LF record", "csv", lambda t: t.replace("\r\n", "\n", 2))
        broken("CSV a CR alone", "csv", lambda t: t.replace("\r\n", "\r", 1))
        broken("CSV a Google Benchmark rate named msgs/s", "csv",
               lambda t: t.replace(gb + ",items/s,", gb + ",msgs/s,"))
        broken("CSV a wrong header", "csv", lambda t: t.replace("change_low", "lo", 1))
        broken("CSV a comma unquoted", "csv", lambda t: t.replace('"%s"' % pp, pp))
        broken("CSV a quote undoubled", "csv",
               lambda t: t.replace('"%s"' % pp, '"%s"x"' % pp, 1))
        broken("CSV a record missing", "csv", lambda t: t[:t.rindex("\r\n", 0, -2) + 2])
        broken("CSV a wrong value", "csv", lambda t: t.replace(",2000000,", ",2500000,", 1))
        broken("CSV a value not finite", "csv", lambda t: t.replace(",2000000,", ",inf,", 1))
        broken("CSV a record twice", "csv",
               lambda t: t + t[t.index("\r\n") + 2:t.index("\r\n", t.index("\r\n") + 2) + 2])
    for f in failed:
        print("formats_check --self-test: FAIL: " + f)
    if not failed:
        print("formats_check --self-test: ok (good files pass, %d broken ones fail)"
              % nbroken[0])
    return 1 if failed else 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    opts = {"--results": None, "--verdict": None, "--bmf": None, "--github": None,
            "--csv": None}
    args = argv[1:]
    while args:
        if args[0] not in opts or len(args) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        opts[args[0]] = args[1]
        args = args[2:]
    if not opts["--results"]:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(opts["--results"], opts["--verdict"], opts["--bmf"], opts["--github"],
                     opts["--csv"])
    for p in problems:
        print("formats_check: " + p)
    if not problems:
        print("formats_check: ok: %s" % ", ".join(
            v for k, v in opts.items() if v and k not in ("--results", "--verdict")))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
