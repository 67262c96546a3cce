using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;

namespace Suite.ServiceDefaults.Publishing;

/// <summary>
/// What <see cref="EdgeDeliveryPublisher"/> costs in sidecar publishes, on the service's own meter
/// (named like the application, so each service's /metrics counts its own): divided by the room
/// messages (<c>suite_room_messages_total</c>) it is the Dapr publishes per room message, which
/// batching keeps below the edges per message (<c>suite_room_publishes_total</c> counts deliveries).
/// </summary>
public sealed class PublisherMetrics
{
    private static readonly KeyValuePair<string, object?> Ok = new("outcome", "ok");
    private static readonly KeyValuePair<string, object?> Failed = new("outcome", "failed");

    private readonly Counter<long> _events;
    private readonly Histogram<int> _batchSize;

    public PublisherMetrics(IMeterFactory meterFactory, IHostEnvironment environment)
    {
        var meter = meterFactory.Create(environment.ApplicationName);
        _events = meter.CreateCounter<long>("suite.dapr.publishes", "{event}", "Events published to edge topics through the sidecar (one publish call each), by outcome (ok, failed)");
        _batchSize = meter.CreateHistogram<int>("suite.dapr.publish.deliveries", "{delivery}", "EdgeDeliveries carried by one published event (more than one: a batch)");
    }

    public void Published(int deliveries, bool ok)
    {
        _events.Add(1, ok ? Ok : Failed);
        if (ok)
        {
            _batchSize.Record(deliveries);
        }
    }
}
