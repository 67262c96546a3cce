using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Suite.Load.Scenarios;

/// <summary>
/// Puts the calling thread to sleep until a <see cref="Stopwatch"/> timestamp, waking within tens of
/// microseconds of it on Linux. <c>Task.Delay</c> (the timer queue, whole milliseconds, then a
/// thread-pool hop) woke the generator's paced sends 1 ms late at the median and 6 ms late at p99 at
/// 500 sends/s, and every send carries its scheduled time, so that lateness was reported as the
/// system's latency (docs/benchmarks.md, "The load generator's own lateness").
/// </summary>
internal static class PreciseSleep
{
    private const int ClockMonotonic = 1;
    private const int TimerAbsoluteTime = 1;
    private const int Interrupted = 4;
    private const int SetTimerSlack = 29;

    // .NET's Stopwatch on Linux reads CLOCK_MONOTONIC in nanoseconds, so its timestamps are absolute
    // deadlines clock_nanosleep takes as they are.
    private static readonly bool UsesMonotonicNanoseconds = OperatingSystem.IsLinux() && Stopwatch.Frequency == 1_000_000_000;

    /// <summary>
    /// Makes this thread's timed sleeps end when asked: Linux lets a sleep run up to 50 µs over by
    /// default to batch wake-ups. For a dedicated pacing thread only.
    /// </summary>
    public static void TightenThisThread()
    {
        if (UsesMonotonicNanoseconds)
        {
            _ = prctl(SetTimerSlack, 1, 0, 0, 0);
        }
    }

    public static void Until(long timestamp)
    {
        if (UsesMonotonicNanoseconds)
        {
            var deadline = new Timespec { Seconds = timestamp / 1_000_000_000, Nanoseconds = timestamp % 1_000_000_000 };
            while (clock_nanosleep(ClockMonotonic, TimerAbsoluteTime, ref deadline, IntPtr.Zero) == Interrupted)
            {
            }

            return;
        }

        // Elsewhere: whole milliseconds of sleep, then spin for the last one.
        var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
        if (remaining > TimeSpan.FromMilliseconds(2))
        {
            Thread.Sleep(remaining - TimeSpan.FromMilliseconds(1));
        }

        var spinner = default(SpinWait);
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_nanosleep")]
    private static extern int clock_nanosleep(int clockId, int flags, ref Timespec request, IntPtr remaining);

    [DllImport("libc", EntryPoint = "prctl")]
    private static extern int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
