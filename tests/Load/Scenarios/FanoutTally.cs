using System.Diagnostics;
using Suite.Load.Clients;
using Suite.Load.Measurement;

namespace Suite.Load.Scenarios;

/// <summary>
/// Counts the numbered benchmark messages (<see cref="BenchMarker"/>) every client receives: which numbers each got (a bitmap,
/// so a repeat is a duplicate and a gap is a loss) and the latency from the time carried in the frame
/// (a <see cref="Stopwatch"/> timestamp of this process, so no clock skew).
/// </summary>
internal sealed class FanoutTally(int expectedPerClient) : IBenchObserver
{
    public const string FrameType = "bench";
    private long _frames;
    private long _duplicates;
    private long _unexpected;
    private long _lastFrame;

    public int ExpectedPerClient => expectedPerClient;

    public Latency Latency { get; } = new();

    public long Frames => Interlocked.Read(ref _frames);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Bench frames with a number outside the run's range.</summary>
    public long Unexpected => Interlocked.Read(ref _unexpected);

    /// <summary>Stopwatch timestamp of the last bench frame received.</summary>
    public long LastFrame => Interlocked.Read(ref _lastFrame);

    public Received NewState() => new(expectedPerClient);

    /// <summary>Error frames clients received, by code (a sender refused by a rate limit, a room it is not in).</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Errors { get; } = new();

    public void OnError(IGatewayClient client, string code) => Errors.AddOrUpdate(code, 1, (_, n) => n + 1);

    /// <summary>
    /// Numbers for warm-up messages: outside the run's range, so they never mark a client's bitmap;
    /// they are counted in <see cref="Frames"/> until <see cref="Reset"/>.
    /// </summary>
    public long WarmupNumber(int i) => expectedPerClient + i;

    /// <summary>Forgets the warm-up: counters and latency start from zero.</summary>
    public void Reset()
    {
        Interlocked.Exchange(ref _frames, 0);
        Interlocked.Exchange(ref _duplicates, 0);
        Interlocked.Exchange(ref _unexpected, 0);
        Interlocked.Exchange(ref _lastFrame, 0);
        Errors.Clear();
        Latency.Reset();
    }

    /// <summary>
    /// Waits until <paramref name="frames"/> warm-up frames arrived (every hop has served a request:
    /// connections opened, code compiled) or <paramref name="timeout"/> passed, then resets.
    /// </summary>
    public async Task<bool> WarmUpAsync(long frames, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        while (Frames < frames && Stopwatch.GetElapsedTime(started) < timeout)
        {
            await Task.Delay(50, cancellationToken);
        }

        var complete = Frames >= frames;
        Reset();
        return complete;
    }

    /// <summary>
    /// A paced scenario's warm-up: <paramref name="count"/> messages of its own load at its own rate,
    /// numbered outside the run (<see cref="WarmupNumber"/>), then <see cref="WarmUpAsync(long, TimeSpan, CancellationToken)"/>
    /// for every frame they were expected to bring. With <paramref name="untilCompiled"/>, rounds of the
    /// same load follow while those processes' tier-1 compilers are still at work (<see cref="CompileRounds"/>),
    /// for at most as long again as the warm-up itself (a short warm-up, a test's, gets none).
    /// </summary>
    /// <param name="send">Sends warm-up message k carrying the given number and scheduled time, and reports the frames it expects (a negative count takes back a failed send's).</param>
    /// <param name="untilCompiled">
    /// The server processes, and how long the rounds may add. With a dozen of them on one core, the
    /// tier-1 compilation the load starts outlasts a 30 s warm-up, and its bursts (90-200 ms of the core,
    /// several processes at once) stalled deliveries inside the window for hundreds of milliseconds: the
    /// window's p99 was the JIT's (docs/benchmarks.md). A long-running server compiles once; the window
    /// should not measure it.
    /// </param>
    public async Task<bool> WarmUpAsync(
        int count, double perSecond, int inFlight, Func<int, long, long, Action<long>, CancellationToken, Task> send, Progress progress, string phase, TimeSpan timeout, CancellationToken cancellationToken,
        CompileWait? untilCompiled = null)
    {
        CompileRounds = 0;
        if (untilCompiled is not { } servers)
        {
            return await WarmUpOnceAsync(count, perSecond, inFlight, send, progress, phase, timeout, cancellationToken);
        }

        var compiling = TieredCompilation.Take(servers.Processes, servers.CompilerThread);
        var complete = await WarmUpOnceAsync(count, perSecond, inFlight, send, progress, phase, timeout, cancellationToken);
        while (CompileRounds < (int)(servers.AtMost / CompileRound))
        {
            var now = TieredCompilation.Take(servers.Processes, servers.CompilerThread);
            if (now.Since(compiling) <= QuietCompilation)
            {
                break;
            }

            compiling = now;
            CompileRounds++;
            var round = Math.Max(1, (int)Math.Round(perSecond * CompileRound.TotalSeconds));
            complete = await WarmUpOnceAsync(round, perSecond, inFlight, send, progress, $"{phase}, {CompileRound.TotalSeconds:F0} s more while the servers compile", timeout, cancellationToken);
        }

        return complete;
    }

    /// <summary>Rounds the last paced warm-up added while the servers compiled.</summary>
    public int CompileRounds { get; private set; }

    private static readonly TimeSpan CompileRound = TimeSpan.FromSeconds(3);

    // Compilation in the last round below which the servers count as compiled: 1 % of a core.
    private static readonly TimeSpan QuietCompilation = CompileRound / 100;

    private async Task<bool> WarmUpOnceAsync(
        int count, double perSecond, int inFlight, Func<int, long, long, Action<long>, CancellationToken, Task> send, Progress progress, string phase, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var expected = 0L;
        progress.Phase(phase, () => $"received {Frames}/{Interlocked.Read(ref expected)}");
        await PacedSends.RunAsync(count, perSecond, inFlight, (k, at, ct) => send(k, WarmupNumber(k), at, n => Interlocked.Add(ref expected, n), ct), null, cancellationToken);
        return await WarmUpAsync(Interlocked.Read(ref expected), timeout, cancellationToken);
    }

    public void OnBench(IGatewayClient client, long n, long sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        Latency.RecordMicros((long)Stopwatch.GetElapsedTime(sentAt, now).TotalMicroseconds);
        Interlocked.Increment(ref _frames);
        long last;
        while ((last = Interlocked.Read(ref _lastFrame)) < now && Interlocked.CompareExchange(ref _lastFrame, now, last) != last)
        {
        }

        var received = (Received)client.State!;
        if (n < 0 || n >= expectedPerClient)
        {
            Interlocked.Increment(ref _unexpected);
            return;
        }

        if (!received.Mark(n))
        {
            Interlocked.Increment(ref _duplicates);
        }
    }

    /// <summary>One client's received numbers; touched only by that client's receive loop.</summary>
    internal sealed class Received(int expected)
    {
        private readonly ulong[] _bits = new ulong[(expected + 63) / 64];
        private int _count;

        public int Count => Volatile.Read(ref _count);

        /// <summary>False when <paramref name="n"/> was already received.</summary>
        public bool Mark(long n)
        {
            ref var word = ref _bits[n >> 6];
            var bit = 1UL << (int)(n & 63);
            if ((word & bit) != 0)
            {
                return false;
            }

            word |= bit;
            Interlocked.Increment(ref _count);
            return true;
        }
    }
}

/// <summary>
/// A warm-up that goes on while <paramref name="Processes"/>' tier-1 compilers work, adding at most
/// <paramref name="AtMost"/> (<see cref="FanoutTally.WarmUpAsync(int, double, int, Func{int, long, long, Action{long}, CancellationToken, Task}, Progress, string, TimeSpan, CancellationToken, CompileWait?)"/>).
/// </summary>
internal sealed record CompileWait(IReadOnlyCollection<int> Processes, TimeSpan AtMost)
{
    /// <summary>The compiler thread's kernel name (tests name one of their own).</summary>
    public string CompilerThread { get; init; } = TieredCompilation.ThreadNamePrefix;
}
