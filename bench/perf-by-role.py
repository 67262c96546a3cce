#!/usr/bin/env python3
"""Splits a `perf record -g` profile of the suite's server processes by role and by frame.

usage: bench/perf-by-role.py <perf.data> <procs> <role> [frame-regex]

<procs> has one line per process, "<pid> <command line>" (e.g. written with
`for p in $pids; do echo "$p $(tr '\\0' ' ' < /proc/$p/cmdline)"; done` while the processes run).
Roles: Edge, Presence, Room, Notification, "<app-id> sidecar" (every edge's sidecar is "edge sidecar"),
redis. Prints the role's share of all samples, then its leaf and inclusive frames, without the
tiered-compilation thread (the JIT, not the path); frame-regex keeps only matching inclusive frames.
PERF_TIME="<start>,<end> [<start>,<end> ...]" (seconds, as perf's timestamps: with `perf record -k CLOCK_REALTIME`, the
epoch seconds of e.g. $EPOCHREALTIME) keeps only the samples of those windows, e.g. the join phases of a start's runs.
Symbols of JIT-compiled code need DOTNET_PerfMapEnabled=1 and DOTNET_EnableWriteXorExecute=0 in the
profiled processes (with W^X on, perf finds JIT code in "/memfd:doublemapper" and never reads the perf
map); ReadyToRun code (the framework's and, in Release builds, ours) stays "[unknown]" unless
DOTNET_ReadyToRun=0, which changes what a cold start costs.
"""
import collections
import os
import re
import subprocess
import sys


def role_of(command):
    app = re.search(r"--app-id (\S+)", command)
    if "DaprEmulator" in command:
        name = app.group(1) if app else "?"
        return ("edge" if name.startswith("edge") else name) + " sidecar"
    if "redis-server" in command:
        return "redis"
    service = re.search(r"Suite\.(\w+)\.dll", command)
    return service.group(1) if service else command[:30]


def read_samples(perf_data):
    window = ["--time", os.environ["PERF_TIME"]] if os.environ.get("PERF_TIME") else []
    script = subprocess.run(["perf", "script", "-i", perf_data, "-F", "pid,tid,comm,ip,sym", *window], capture_output=True, text=True).stdout
    samples, current = [], None
    for line in script.split("\n"):
        if not line.strip():
            if current:
                samples.append(current)
            current = None
        elif not line.startswith((" ", "\t")):
            ids = re.search(r"(\d+)/(\d+)", line)
            current = {"pid": ids.group(1), "comm": line[: ids.start()].strip(), "frames": []}
        else:
            parts = line.strip().split(None, 1)
            frame = parts[1] if len(parts) > 1 else "?"
            frame = re.sub(r"\[(?:Optimized|OptimizedTier1|Tier0|Tier1|QuickJitted|PreJIT|Instrumented)[^\]]*\]", "", frame)
            frame = re.sub(r"^(instance |)\S+ \[[^\]]+\] ", "", frame)
            current["frames"].append(re.sub(r"\(.*", "", frame).strip())
    if current:
        samples.append(current)
    return samples


def main():
    perf_data, procs, role = sys.argv[1:4]
    pattern = sys.argv[4] if len(sys.argv) > 4 else None
    roles = {}
    for line in open(procs):
        pid, _, command = line.strip().partition(" ")
        roles[pid] = role_of(command)
    every = read_samples(perf_data)
    samples = [s for s in every if s["comm"] != ".NET Tiered Com"]
    jit = collections.Counter(roles.get(s["pid"], "?") for s in every if s["comm"] == ".NET Tiered Com")
    if jit:
        print(f"{sum(jit.values())} samples in the JIT thread ({sum(jit.values()) / max(1, len(every)) * 100:.1f}% of all): "
              + ", ".join(f"{name} {count}" for name, count in jit.most_common()))
    by_role = collections.Counter(roles.get(s["pid"], "?") for s in samples)
    print(f"{len(samples)} samples outside the JIT thread")
    for name, count in by_role.most_common():
        print(f"  {count / len(samples) * 100:5.1f}% {name}")
    mine = [s for s in samples if roles.get(s["pid"]) == role]
    if not mine:
        return
    print(f"\n{role}: {len(mine)} samples\n leaf:")
    for frame, count in collections.Counter(s["frames"][0] if s["frames"] else "?" for s in mine).most_common(15):
        print(f"   {count / len(mine) * 100:5.1f}% {frame[:160]}")
    inclusive = collections.Counter(f for s in mine for f in set(s["frames"]))
    print(" inclusive:")
    for frame, count in inclusive.most_common(400):
        if pattern is None or re.search(pattern, frame):
            print(f"   {count / len(mine) * 100:5.1f}% {frame[:170]}")


if __name__ == "__main__":
    main()
