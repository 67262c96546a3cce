using System.Diagnostics;
using Suite.Load.Clients;
using Suite.Load.Scenarios;
using Suite.Load.Targets;

namespace Suite.Load.Tests;

/// <summary>The drain before a window closes waits for the window's own messages, not for any frames.</summary>
public sealed class DeliveryWindowTests
{
    [Fact]
    public async Task Late_frames_from_outside_the_window_do_not_end_the_drain_early()
    {
        var ct = TestContext.Current.CancellationToken;
        var tally = new FanoutTally(expectedPerClient: 10);
        var clients = new[] { new Client(0, tally), new Client(1, tally) };

        // Two late warm-up frames (numbered outside the run) arrive; none of the two expected ones has.
        tally.OnBench(clients[0], tally.WarmupNumber(0), Stopwatch.GetTimestamp());
        tally.OnBench(clients[1], tally.WarmupNumber(0), Stopwatch.GetTimestamp());
        await using var progress = new Progress(null);
        var drain = DeliveryWindow.DrainAsync(tally, expected: 2, clients, TimeSpan.FromSeconds(30), progress, ct);
        // A window in which it must not end (it ends on its own only after a 5 s stall).
        await Task.Delay(300, ct);
        Assert.False(drain.IsCompleted, "the drain ended with neither expected message in");

        tally.OnBench(clients[0], 3, Stopwatch.GetTimestamp());
        tally.OnBench(clients[1], 3, Stopwatch.GetTimestamp());
        await drain.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    private sealed class Client(int index, FanoutTally tally) : IGatewayClient
    {
        public int Index => index;

        public string UserId => $"u{index}";

        public string? Lost => null;

        public object? State { get; set; } = tally.NewState();

        public Task<TimeSpan> ConnectAsync(EdgeTarget edge, string token, HttpMessageInvoker invoker, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task JoinAsync(string roomId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SendToRoomAsync(string roomId, string content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task SendDirectAsync(string toUserId, string content, CancellationToken cancellationToken) => throw new NotSupportedException();

        public void Abort()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
