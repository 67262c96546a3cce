using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Suite.Edge.Connections;
using Suite.Testing;

namespace Suite.Edge.Tests.Integration;

public sealed class BackpressureTests
{
    [Fact]
    public async Task Slow_reader_is_closed_with_1013_and_counted_while_a_fast_reader_on_the_same_channel_gets_everything()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var edge = await EdgeHost.StartAsync(ct, new Dictionary<string, string>
        {
            ["SendQueue:HighWatermarkBytes"] = "65536",
            ["SendQueue:LowWatermarkBytes"] = "16384",
            ["SendQueue:HardLimitBytes"] = "262144",
        });
        var meters = edge.Services.GetRequiredService<IMeterFactory>();
        using var closed = new MetricCollector<long>(meters, EdgeMetrics.MeterName, "suite.edge.connections.closed");
        using var dropped = new MetricCollector<long>(meters, EdgeMetrics.MeterName, "suite.edge.frames.dropped");
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

        // What the alert rules read (deploy/observability/alerts.yaml): slow clients closed, frames lost by reason.
        // The close is counted once the edge has finished with the connection, after the client saw it.
        await Eventually.UntilAsync(
            () => closed.GetMeasurementSnapshot().Where(m => m.ContainsTags(new KeyValuePair<string, object?>("code", CloseCodes.TryAgainLater))).EvaluateAsCounter() == 1,
            TimeSpan.FromSeconds(10),
            ct,
            "the slow client's close counted with its code");
        Assert.Equal(1, dropped.GetMeasurementSnapshot().Where(m => m.ContainsTags(new KeyValuePair<string, object?>("reason", "Overflow"))).EvaluateAsCounter());
    }
}
