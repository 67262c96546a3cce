#!/usr/bin/env python3
"""How long the suite's processes wait for a CPU once runnable (the run-queue wait), over a window.

    python3 bench/run-queue-wait.py [delay seconds] [window seconds]

Sums /proc/<pid>/task/<tid>/schedstat (CPU time, run-queue wait, time slices) over the threads that
live through the whole window, for every server process of a run (the services, the sidecar
emulator, redis-server, nats-server). On one shared core a message's latency is mostly this wait,
once per process its path crosses; docs/benchmarks.md ("Where the fan-out's time goes when it is not
CPU") has the method and a reading.
"""
import os
import re
import subprocess
import sys
import time

PATTERN = r"services/.*/bin/Release|redis-server|nats-server"


def server_processes():
    out = subprocess.run(["pgrep", "-af", PATTERN], capture_output=True, text=True).stdout
    return {int(line.split(" ", 1)[0]): line.split(" ", 1)[1] for line in out.splitlines()}


def threads(pid):
    """{tid: (cpu ns, wait ns, slices)} of a process's live threads."""
    stats = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    stats[tid] = tuple(map(int, f.read().split()))
            except OSError:
                pass  # the thread ended while listed
    except OSError:
        pass
    return stats


def main():
    delay = float(sys.argv[1]) if len(sys.argv) > 1 else 0
    window = float(sys.argv[2]) if len(sys.argv) > 2 else 10
    time.sleep(delay)
    processes = server_processes()
    before = {pid: threads(pid) for pid in processes}
    started = time.monotonic()
    time.sleep(window)
    after = {pid: threads(pid) for pid in processes}
    seconds = time.monotonic() - started
    rows = []
    for pid, command in processes.items():
        # Only threads alive at both ends: an ended thread's figures vanish with it.
        common = before[pid].keys() & after[pid].keys()
        cpu, wait, slices = (sum(after[pid][t][i] - before[pid][t][i] for t in common) for i in range(3))
        rows.append((wait, cpu, slices, re.sub(r".*/(services|tests)/", "", command)[:70]))
    total_wait = sum(r[0] for r in rows)
    total_slices = sum(r[2] for r in rows)
    print(f"{seconds:.1f} s: CPU {sum(r[1] for r in rows) / 1e9 / seconds * 100:.1f} % of a core, "
          f"{total_slices / seconds:.0f} time slices/s, run-queue wait {total_wait / 1e9 / seconds:.2f} s/s, "
          f"{total_wait / max(total_slices, 1) / 1e3:.0f} µs per slice")
    for wait, cpu, slices, name in sorted(rows, reverse=True):
        if slices:
            print(f"{cpu / 1e9 / seconds * 100:6.1f} % CPU {slices / seconds:7.0f} slices/s "
                  f"{wait / slices / 1e3:7.1f} µs wait per slice  {name}")


if __name__ == "__main__":
    main()
