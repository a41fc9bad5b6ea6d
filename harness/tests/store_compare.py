#!/usr/bin/env python3
"""store_compare.py A B [PATH...]: the JSON files under folder A and folder
B are the same files (the same relative paths; or only PATHs, relative,
when given) and each pair is the same JSON value, types included (1 and
1.0 differ, as they do for jansson).  Exit 0 same, 1 with what differs."""
import json
import os
import sys


def same(a, b, where):
    if type(a) is not type(b):
        return "%s: %s against %s" % (where, type(a).__name__, type(b).__name__)
    if isinstance(a, dict):
        if set(a) != set(b):
            return "%s: keys %s" % (where, sorted(set(a) ^ set(b)))
        for k in a:
            d = same(a[k], b[k], where + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items against %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = same(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: %r against %r" % (where, a, b)


def files(root):
    out = set()
    for d, _, names in os.walk(root):
        for n in names:
            if n.endswith(".json"):
                out.add(os.path.relpath(os.path.join(d, n), root))
    return out


def main():
    a, b = sys.argv[1], sys.argv[2]
    paths = set(sys.argv[3:]) or files(a)
    if not sys.argv[3:] and files(a) != files(b):
        print("store_compare: files only in %s: %s; only in %s: %s" % (
            a, sorted(files(a) - files(b)), b, sorted(files(b) - files(a))))
        return 1
    for p in sorted(paths):
        d = same(json.load(open(os.path.join(a, p))), json.load(open(os.path.join(b, p))), p)
        if d:
            print("store_compare: " + d)
            return 1
    print("store_compare: %d files the same" % len(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
