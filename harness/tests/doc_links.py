#!/usr/bin/env python3
"""doc_links.py ROOT FILE.md...: every relative link in the given Markdown
files, and its #anchor, leads to a file (and heading) inside ROOT, the
repository: the docs a user clones are all there is.  Exit 0, or 1 naming
each broken link."""
import os, re, sys

def slug(h):
    h = h.strip().lower()
    h = re.sub(r'[`*_]', '', h)            # inline code and emphasis marks
    h = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', h)
    h = re.sub(r'[^\w\- ]', '', h)          # punctuation goes (GitHub style)
    return h.replace(' ', '-')

def anchors(path):
    out, seen, fence = set(), {}, False
    for line in open(path, encoding='utf-8'):
        if line.lstrip().startswith('```'):
            fence = not fence
            continue
        if fence:
            continue
        m = re.match(r'^(#{1,6})\s+(.*?)\s*#*\s*$', line)
        if m:
            s = slug(m.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f'{s}-{n}')
    return out

root = os.path.realpath(sys.argv[1])
bad = total = 0
for f in sys.argv[2:]:
    text, fence, lines = [], False, open(f, encoding='utf-8').read().split('\n')
    for no, line in enumerate(lines, 1):
        if line.lstrip().startswith('```'):
            fence = not fence
            continue
        if fence:
            continue
        for m in re.finditer(r'\[[^\]]*\]\(([^)\s]+)\)', re.sub(r'`[^`]*`', '', line)):
            url = m.group(1)
            if re.match(r'^[a-z]+:', url):
                continue  # external
            total += 1
            target, _, frag = url.partition('#')
            dest = os.path.realpath(os.path.join(os.path.dirname(f), target)) if target else os.path.realpath(f)
            why = None
            if not dest.startswith(root + os.sep):
                why = 'outside the repository'
            elif not os.path.exists(dest):
                why = 'no such file'
            elif frag and dest.endswith('.md') and frag not in anchors(dest):
                why = f'no anchor #{frag}'
            if why:
                bad += 1
                print(f'{f}:{no}: {url}: {why}')
print(f'doc_links: {total} relative links in {len(sys.argv) - 2} files, {bad} broken')
sys.exit(1 if bad else 0)
