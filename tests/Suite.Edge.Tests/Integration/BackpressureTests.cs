using System.Net.WebSockets;
using Suite.Edge.Connections;

namespace Suite.Edge.Tests.Integration;

public sealed class BackpressureTests
{
    [Fact]
    public async Task Slow_reader_is_closed_with_1013_while_a_fast_reader_on_the_same_channel_gets_everything()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string>
        {
            ["SendQueue:HighWatermarkBytes"] = "65536",
            ["SendQueue:LowWatermarkBytes"] = "16384",
            ["SendQueue:HardLimitBytes"] = "262144",
        });
        await using var fast = await edge.ConnectAsAsync("fast", ct);
        await using var slow = await edge.ConnectAsAsync("slow", ct);
        foreach (var client in new[] { fast, slow })
        {
            await client.SendAsync(new { type = "subscribe", channel = "ticks" }, ct);
            await client.ReceiveAsync("subscribed", ct);
        }

        // The fast reader reads all along; the slow one reads nothing until the end, so the edge's
        // socket buffers fill and its send queue passes the hard limit.
        const int count = 1500;
        var fastReceived = Task.Run(async () =>
        {
            var seen = new List<int>();
            while (seen.Count < count)
            {
                var frame = await fast.ReceiveAsync("tick", ct);
                seen.Add(frame.GetProperty("content").GetProperty("n").GetInt32());
            }

            return seen;
        }, ct);
        var padding = new string('x', 8 * 1024);
        for (var n = 0; n < count; n++)
        {
            await edge.Upstream.Room.PublishToChannelAsync("ticks", "tick", $$"""{"n":{{n}},"pad":"{{padding}}"}""");
        }

        Assert.Equal(Enumerable.Range(0, count), await fastReceived.WaitAsync(TimeSpan.FromSeconds(30), ct));
        var (code, reason, frames) = await slow.ReceiveCloseAsync(ct);
        Assert.Equal(CloseCodes.TryAgainLater, code);
        Assert.Contains("slow", reason, StringComparison.Ordinal);
        Assert.True(frames.Count(f => f.GetProperty("type").GetString() == "tick") < count);
    }
}
