using Suite.Load.Measurement;

namespace Suite.Load.Tests;

public sealed class ProcessStatsTests
{
    // Each time a thread blocks and is woken again the kernel counts a voluntary context switch; the
    // fan-out figures read them per thread to tell a wake-up per hop from the work itself.
    [Fact]
    public void A_thread_that_blocks_and_is_woken_counts_its_context_switches()
    {
        using var go = new SemaphoreSlim(0);
        using var done = new SemaphoreSlim(0);
        var tid = 0;
        var thread = new Thread(() =>
        {
            tid = GetTid();
            done.Release();
            // One round more than measured, so the thread is still there when it is read.
            for (var i = 0; i < 21; i++)
            {
                go.Wait();
                done.Release();
            }
        });
        var ct = TestContext.Current.CancellationToken;
        thread.Start();
        done.Wait(ct);
        var before = ProcessStats.ThreadContextSwitches(Environment.ProcessId)[tid];

        for (var i = 0; i < 20; i++)
        {
            // The thread blocks in between: SemaphoreSlim spins a little, then parks on a futex.
            Thread.Sleep(5);
            go.Release();
            done.Wait(ct);
        }

        var after = ProcessStats.ThreadContextSwitches(Environment.ProcessId)[tid];
        go.Release();
        thread.Join();
        Assert.True(after - before >= 20, $"{after - before} context switches counted for 20 wake-ups");
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetTid();
}
