using System.Diagnostics.Metrics;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Connections;
using Suite.Edge.Delivery;

namespace Suite.Edge.Tests.Telemetry;

/// <summary>
/// The send-queue gauges operators read (issue 14: send-queue depth), summed over the edge's
/// connections when the meter is read: frames and payload bytes waiting, and how many connections
/// are above the high watermark.
/// </summary>
public sealed class SendQueueMetricsTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly ConnectionRegistry _registry = new();
    private readonly List<WebSocket> _sockets = [];

    public void Dispose()
    {
        _sockets.ForEach(s => s.Dispose());
        _services.Dispose();
    }

    [Fact]
    public void Depth_size_and_congestion_are_the_sums_over_every_connections_queue()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _ = new EdgeMetrics(meters, _registry, new RecentMessageIds(TimeSpan.FromMinutes(1), 100, TimeProvider.System));
        var options = new SendQueueOptions { LowWatermarkBytes = 100, HighWatermarkBytes = 250, HardLimitBytes = 10_000 };
        Add("a", options, frames: 3, bytes: 100);
        Add("b", options, frames: 2, bytes: 40);
        Add("c", options, frames: 0, bytes: 0);

        var read = Read(meters);

        Assert.Equal(5, read["suite.edge.send_queue.depth"]);
        Assert.Equal(3 * 100 + 2 * 40, read["suite.edge.send_queue.size"]);
        Assert.Equal(1, read["suite.edge.send_queue.congested"]);
    }

    private void Add(string id, SendQueueOptions options, int frames, int bytes)
    {
        var socket = WebSocket.CreateFromStream(new MemoryStream(), new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        _sockets.Add(socket);
        var connection = new Connection(id, socket, new SendQueue(options, TimeProvider.System), new ConnectionOptions(), DateTimeOffset.UnixEpoch);
        for (var i = 0; i < frames; i++)
        {
            Assert.Equal(EnqueueOutcome.Accepted, connection.Queue.TryEnqueue(new OutboundFrame(new byte[bytes], "tick")));
        }

        _registry.Add(connection);
    }

    // The gauges of this edge's meter, as an exporter reads them at a scrape.
    private static Dictionary<string, long> Read(IMeterFactory meters)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name.StartsWith("suite.edge.send_queue.", StringComparison.Ordinal))
                {
                    Assert.True(instrument is ObservableGauge<long>, $"{instrument.Name} is a gauge");
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => values[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }
}
