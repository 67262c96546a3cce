using System.Diagnostics;
using Suite.Load.Measurement;

namespace Suite.Load.Tests;

/// <summary>The bench tells tier-1 recompilation apart by the kernel name of the runtime's compilation thread.</summary>
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
        var spinner = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Thread.SpinWait(1000);
            }
        }) { Name = Name, IsBackground = true };
        spinner.Start();
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
}
