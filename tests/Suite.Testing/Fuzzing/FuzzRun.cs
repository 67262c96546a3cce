using System.Diagnostics;
using CsCheck;

namespace Suite.Testing.Fuzzing;

/// <summary>
/// Runs a check over many generated inputs (CsCheck: on a failure it shrinks the input and reports it
/// with the seed that reproduces it). Each input must return within <see cref="PerInputLimit"/> (a
/// hang guard, not a speed test) and allocate no more than its allowance. CI runs
/// <see cref="DefaultIterations"/> per target; set <c>SUITE_FUZZ_ITERATIONS</c> for a longer run.
/// </summary>
public static class FuzzRun
{
    public const string IterationsVariable = "SUITE_FUZZ_ITERATIONS";

    public const long DefaultIterations = 100_000;

    /// <summary>Far above what any input takes (microseconds); only a loop that does not end reaches it.</summary>
    public static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(2);

    /// <summary>How long a run of <see cref="DefaultIterations"/> inputs may take before it counts as hung (an input that never returns).</summary>
    public static readonly TimeSpan RunLimitPerDefaultRun = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Added to every input's allowance: the first inputs of a kind pay for one-time work (lazy
    /// statics, the first exception of a type and its resources: ~400 KB seen), which is not growth.
    /// </summary>
    public const long OneTimeAllowance = 1024 * 1024;

    public static long Iterations =>
        long.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), out var n) && n > 0 ? n : DefaultIterations;

    /// <summary>
    /// How long a run of <paramref name="iterations"/> inputs may take before it counts as hung: in
    /// proportion to its length, so a longer run (README: 10,000,000 per target, 100 times the CI
    /// run's 2-10 s) is not cut as hung when it is only long.
    /// </summary>
    public static TimeSpan RunLimitFor(long iterations) =>
        RunLimitPerDefaultRun * Math.Max(1, Math.Ceiling(iterations / (double)DefaultIterations));

    /// <summary><see cref="Check{T}"/> off the test's thread, failed as hung after <see cref="RunLimitFor"/> its <see cref="Iterations"/>.</summary>
    public static Task<long> CheckAsync<T>(
        string target, Gen<T> inputs, Func<T, long> allowedBytes, Func<T, string> check, Action<string> report, CancellationToken cancellationToken, Func<T, string>? print = null) =>
        Task.Run(() => Check(target, inputs, allowedBytes, check, report, print), cancellationToken).WaitAsync(RunLimitFor(Iterations), cancellationToken);

    /// <param name="allowedBytes">The most an input may allocate (a multiple of its size), besides <see cref="OneTimeAllowance"/>: more is unbounded allocation.</param>
    /// <param name="check">Throws when the outcome is wrong; else names it (e.g. "accepted", an error code), for the report.</param>
    /// <param name="report">Gets one line with the count of inputs checked and their outcomes.</param>
    /// <returns>How many inputs were checked.</returns>
    public static long Check<T>(string target, Gen<T> inputs, Func<T, long> allowedBytes, Func<T, string> check, Action<string> report, Func<T, string>? print = null)
    {
        long checkedInputs = 0;
        var outcomes = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var started = Stopwatch.GetTimestamp();
        inputs.Sample(
            input =>
            {
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var inputStarted = Stopwatch.GetTimestamp();
                var outcome = check(input);
                var took = Stopwatch.GetElapsedTime(inputStarted);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                if (took > PerInputLimit)
                {
                    throw new InvalidOperationException($"{target}: one input took {took.TotalSeconds:0.0} s");
                }

                var allowed = OneTimeAllowance + allowedBytes(input);
                if (allocated > allowed)
                {
                    throw new InvalidOperationException($"{target}: one input allocated {allocated:N0} bytes, more than its {allowed:N0}");
                }

                outcomes.AddOrUpdate(outcome, 1, (_, n) => n + 1);
                Interlocked.Increment(ref checkedInputs);
            },
            iter: Iterations,
            print: print);
        var line = $"fuzz {target}: {checkedInputs:N0} generated inputs checked in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s; outcomes: "
            + string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {o.Value:N0}"));
        report(line);
        TestReport.Append(line);
        return checkedInputs;
    }
}
