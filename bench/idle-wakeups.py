#!/usr/bin/env python3
"""Per-thread CPU and voluntary wake-ups of one process over a window (issue 10, idle CPU).

Usage: idle-wakeups.py PID [SECONDS=60]
Reads /proc/PID/task/*/stat (utime+stime) and /proc/PID/task/*/status (voluntary_ctxt_switches)
at the start and the end of the window and prints, per thread name, the CPU as % of a core and the
voluntary context switches per second (each one is a wake-up: the thread blocked and was woken).
Threads that came and went during the window are counted from zero.
"""
import os, sys, time, collections

def snapshot(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
            status = open(f"/proc/{pid}/task/{tid}/status").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])
        vol = int(next(l.split()[1] for l in status.splitlines() if l.startswith("voluntary_ctxt_switches")))
        out[tid] = (name, ticks, vol)
    return out

pid = int(sys.argv[1]); window = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
hz = os.sysconf("SC_CLK_TCK")
a = snapshot(pid); t0 = time.monotonic(); time.sleep(window); b = snapshot(pid); dt = time.monotonic() - t0
by = collections.defaultdict(lambda: [0, 0, 0])
for tid, (name, ticks, vol) in b.items():
    _, t1, v1 = a.get(tid, (name, 0, 0))
    e = by[name]; e[0] += ticks - t1; e[1] += vol - v1; e[2] += 1
tot_cpu = sum(e[0] for e in by.values()); tot_vol = sum(e[1] for e in by.values())
print(f"pid {pid}, {dt:.1f} s: CPU {100.0 * tot_cpu / hz / dt:.3f} % of a core, {tot_vol / dt:.1f} wake-ups/s")
for name, (ticks, vol, n) in sorted(by.items(), key=lambda kv: -kv[1][1]):
    if ticks or vol:
        print(f"  {name:<24} x{n:<3} {100.0 * ticks / hz / dt:7.3f} %  {vol / dt:7.2f} wake-ups/s")
