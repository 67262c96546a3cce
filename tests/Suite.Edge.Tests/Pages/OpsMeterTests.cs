using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Suite.Edge.Pages;

namespace Suite.Edge.Tests.Pages;

/// <summary>The ops view's totals of the edge's instruments, and what recording one costs the fan-out.</summary>
public sealed class OpsMeterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Totals_are_kept_by_instrument_and_by_the_tag_each_one_is_shown_by()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var ops = new OpsMeter(factory);
        var meter = factory.Create(EdgeMetrics.MeterName);
        var sent = meter.CreateCounter<long>("suite.edge.frames.sent");
        var received = meter.CreateCounter<long>("suite.edge.frames.received");
        var dropped = meter.CreateCounter<long>("suite.edge.frames.dropped");
        var closed = meter.CreateCounter<long>("suite.edge.connections.closed");
        var fanout = meter.CreateHistogram<int>("suite.edge.delivery.fanout");

        sent.Add(2);
        sent.Add(3);
        received.Add(1, new KeyValuePair<string, object?>("type", "join"));
        received.Add(1, new KeyValuePair<string, object?>("type", "message"));
        received.Add(1, new KeyValuePair<string, object?>("type", "join"));
        dropped.Add(4, new KeyValuePair<string, object?>("reason", "Coalesced"));
        closed.Add(1, new KeyValuePair<string, object?>("code", 4001));
        fanout.Record(49);

        var expected = new Dictionary<string, long>
        {
            ["frames.sent"] = 5,
            ["frames.received"] = 3,
            ["frames.received:join"] = 2,
            ["frames.received:message"] = 1,
            ["frames.dropped:Coalesced"] = 4,
            ["connections.closed:4001"] = 1,
            ["delivery.fanout"] = 49,
        };
        Assert.Equal(expected.OrderBy(e => e.Key), ops.Totals().OrderBy(e => e.Key));
    }

    [Fact]
    public void Counting_a_frame_sent_allocates_nothing()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var ops = new OpsMeter(factory);
        var sent = factory.Create(EdgeMetrics.MeterName).CreateCounter<long>("suite.edge.frames.sent");
        sent.Add(1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            sent.Add(1);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1001, ops.Totals()["frames.sent"]);
    }

    [Fact]
    public void Another_meter_factorys_instruments_are_not_counted()
    {
        var factory = _services.GetRequiredService<IMeterFactory>();
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var ops = new OpsMeter(factory);
        other.GetRequiredService<IMeterFactory>().Create(EdgeMetrics.MeterName).CreateCounter<long>("suite.edge.frames.sent").Add(7);

        Assert.Empty(ops.Totals());
    }
}
