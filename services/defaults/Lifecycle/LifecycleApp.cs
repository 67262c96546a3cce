using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Suite.ServiceDefaults.DaprSidecar;

namespace Suite.ServiceDefaults.Lifecycle;

public static class LifecycleApp
{
    /// <summary>Registers the service's one <see cref="LifecyclePublisher"/> (publishing through its sidecar) and runs it.</summary>
    public static IServiceCollection AddLifecyclePublisher(this IServiceCollection services)
    {
        services.AddSidecar();
        services.AddSingleton(sp =>
        {
            var sidecar = sp.GetRequiredService<SidecarClient>();
            return new LifecyclePublisher(
                (topic, events, ct) => sidecar.BulkPublishAsync(BulkRequest(topic, events), ct),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<LifecyclePublisher>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<LifecyclePublisher>());
        return services;
    }

    // Entries as application/json, so the sidecar wraps each in a CloudEvent as it does a single publish.
    private static BulkPublishRequest BulkRequest(string topic, IReadOnlyList<ReadOnlyMemory<byte>> events)
    {
        var request = new BulkPublishRequest { PubsubName = DaprNames.PubSub, Topic = topic };
        for (var i = 0; i < events.Count; i++)
        {
            request.Entries.Add(new BulkPublishRequestEntry
            {
                EntryId = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Event = UnsafeByteOperations.UnsafeWrap(events[i]),
                ContentType = "application/json",
            });
        }

        return request;
    }
}
