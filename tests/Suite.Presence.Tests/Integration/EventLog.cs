using System.Text.Json;
using Google.Protobuf;
using StackExchange.Redis;
using Suite.Contracts.Presence.V1;
using Suite.ServiceDefaults;
using Suite.Testing;

namespace Suite.Presence.Tests.Integration;

/// <summary>
/// What presence published, read straight from the Redis streams behind the pubsub.redis component:
/// each entry's <c>data</c> field is the CloudEvent, whose <c>data</c> is the event's JSON mapping.
/// </summary>
public sealed class EventLog(IConnectionMultiplexer redis)
{
    public async Task<IReadOnlyList<PresenceChanged>> PresenceChangesAsync() =>
        await ReadAsync<PresenceChanged>(DaprNames.PresenceChangedTopic);

    public async Task<IReadOnlyList<EdgeChanged>> EdgeChangesAsync() =>
        await ReadAsync<EdgeChanged>(DaprNames.PresenceEdgesTopic);

    public async Task<IReadOnlyList<ConnectionLifecycleEvent>> LifecycleAsync() =>
        await ReadAsync<ConnectionLifecycleEvent>(DaprNames.PresenceLifecycleTopic);

    public Task<IReadOnlyList<ConnectionLifecycleEvent>> WaitForLifecycleAsync(Func<IReadOnlyList<ConnectionLifecycleEvent>, bool> done, CancellationToken cancellationToken, string because) =>
        Eventually.UntilAsync(LifecycleAsync, done, TimeSpan.FromSeconds(10), cancellationToken, because);

    public Task<IReadOnlyList<PresenceChanged>> WaitForPresenceAsync(Func<IReadOnlyList<PresenceChanged>, bool> done, CancellationToken cancellationToken, string because) =>
        Eventually.UntilAsync(PresenceChangesAsync, done, TimeSpan.FromSeconds(10), cancellationToken, because);

    public Task<IReadOnlyList<EdgeChanged>> WaitForEdgesAsync(Func<IReadOnlyList<EdgeChanged>, bool> done, CancellationToken cancellationToken, string because) =>
        Eventually.UntilAsync(EdgeChangesAsync, done, TimeSpan.FromSeconds(10), cancellationToken, because);

    private async Task<IReadOnlyList<T>> ReadAsync<T>(string topic)
        where T : IMessage, new()
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(topic);
        var events = new List<T>();
        foreach (var entry in entries)
        {
            var cloudEvent = JsonDocument.Parse((string)entry["data"]!);
            var data = cloudEvent.RootElement.GetProperty("data").GetRawText();
            events.Add(JsonParser.Default.Parse<T>(data));
        }

        return events;
    }
}
