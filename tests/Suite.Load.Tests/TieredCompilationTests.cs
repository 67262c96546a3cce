using System.Diagnostics;
using Suite.Load.Measurement;
using Suite.Load.Scenarios;

namespace Suite.Load.Tests;

/// <summary>
/// The bench tells tier-1 recompilation apart by the kernel name of the runtime's compilation thread,
/// and warms up until it is done.
/// </summary>
public sealed class TieredCompilationTests
{
    // .NET gives a named thread the same kernel name (15 characters kept), as the runtime does ".NET Tiered Com".
    private const string Name = "LoadTestSpinner";

    [Fact]
    public async Task A_named_thread_is_seen_running_and_its_cpu_counted_and_others_are_not()
    {
        var ct = TestContext.Current.CancellationToken;
        var self = Environment.ProcessId;
        var before = TieredCompilation.Take([self], Name);
        Assert.False(TieredCompilation.Take([self], Name).RanSince(before));

        using var stop = new CancellationTokenSource();
        var spinner = Spin(Name, stop.Token);
        try
        {
            var counted = TimeSpan.Zero;
            var deadline = Stopwatch.GetTimestamp();
            while (counted < TimeSpan.FromMilliseconds(200) && Stopwatch.GetElapsedTime(deadline) < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(50, ct);
                counted = TieredCompilation.Take([self], Name).Since(before);
            }

            Assert.True(counted >= TimeSpan.FromMilliseconds(200), $"counted {counted.TotalMilliseconds} ms of a thread spinning for 20 s");
            Assert.True(TieredCompilation.Take([self], Name).RanSince(before));
        }
        finally
        {
            stop.Cancel();
            spinner.Join();
        }
    }

    [Fact]
    public async Task A_warm_up_goes_on_in_rounds_while_the_servers_compile_and_stops_once_they_do_not()
    {
        var ct = TestContext.Current.CancellationToken;
        const string compiler = "LoadTestCompile";
        var tally = new FanoutTally(expectedPerClient: 10);
        await using var progress = new Progress(null);
        using var stop = new CancellationTokenSource();
        var spinner = Spin(compiler, stop.Token);
        // Messages that bring no frames: the rounds are paced by time alone (3 s each).
        var warmUp = tally.WarmUpAsync(
            count: 2, perSecond: 2, inFlight: 1, (_, _, _, expect, _) => { expect(0); return Task.CompletedTask; }, progress, "warm-up", TimeSpan.FromSeconds(5), ct,
            new CompileWait([Environment.ProcessId], TimeSpan.FromSeconds(30)) { CompilerThread = compiler });
        try
        {
            while (tally.CompileRounds < 2 && !warmUp.IsCompleted)
            {
                await Task.Delay(50, ct);
            }
        }
        finally
        {
            stop.Cancel();
            spinner.Join();
        }

        Assert.True(await warmUp.WaitAsync(TimeSpan.FromSeconds(30), ct));
        // Two rounds while it ran, then one (or two, if it stopped early in one) to find it quiet; far from the cap of 10.
        Assert.InRange(tally.CompileRounds, 2, 4);

        var quiet = new FanoutTally(expectedPerClient: 10);
        Assert.True(await quiet.WarmUpAsync(
            count: 2, perSecond: 2, inFlight: 1, (_, _, _, expect, _) => { expect(0); return Task.CompletedTask; }, progress, "warm-up", TimeSpan.FromSeconds(5), ct,
            new CompileWait([Environment.ProcessId], TimeSpan.FromSeconds(30)) { CompilerThread = compiler }));
        Assert.Equal(0, quiet.CompileRounds);
    }

    // A thread named as a compiler would be, busy until stopped.
    private static Thread Spin(string name, CancellationToken stop)
    {
        var spinner = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        }) { Name = name, IsBackground = true };
        spinner.Start();
        return spinner;
    }
}
