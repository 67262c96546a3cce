#!/usr/bin/env python3
"""RSS of a .NET process by kind of mapping, and the difference between two /proc/<pid>/smaps copies.

Usage: smaps-diff.py BEFORE.smaps AFTER.smaps [N]   (N: divide the difference by N, e.g. connections)
Kinds: anonymous memory (the GC's committed regions, which split its reservation into many
mappings, plus glibc malloc arenas, thread stacks and the runtime's native heaps: subtract the GC's
committed bytes for the rest), JIT code (memfd:doublemapper), files (assemblies, libraries), and
everything else.
"""
import re
import sys
from collections import defaultdict

HEAD = re.compile(r'^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$')


def kinds(path):
    out = defaultdict(int)
    kind = None
    for line in open(path):
        m = HEAD.match(line)
        if m:
            name = m.group(3).strip()
            if 'doublemapper' in name:
                kind = 'jit code (doublemapper)'
            elif name.startswith('['):
                kind = 'other ' + name
            elif name:
                kind = 'files'
            else:
                kind = 'anonymous (GC regions, malloc, stacks)'
            continue
        if line.startswith('Rss:') and kind:
            out[kind] += int(line.split()[1]) * 1024
    return out


a, b = kinds(sys.argv[1]), kinds(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
for k in sorted(set(a) | set(b)):
    print(f"{k:40s} {a[k] / 2**20:9.1f} -> {b[k] / 2**20:9.1f} MiB   {(b[k] - a[k]) / n:9.0f} B{' per unit' if n > 1 else ''}")
print(f"{'total':40s} {sum(a.values()) / 2**20:9.1f} -> {sum(b.values()) / 2**20:9.1f} MiB   {(sum(b.values()) - sum(a.values())) / n:9.0f} B")
