using System.Collections.Concurrent;

namespace Suite.DaprEmulator.PubSub.InMemory;

/// <summary>
/// The topics of <c>pubsub.in-memory</c> components. Each sidecar has its own bus, as daprd does; a
/// process that hosts several sidecars (the embedded suite) may give them one shared bus so their
/// in-memory pub/sub reaches each other, the one thing daprd's in-memory component cannot do.
/// Topics are kept apart per component name.
/// </summary>
public sealed class InMemoryBus
{
    // Copy-on-write arrays so publish reads its subscribers without a lock.
    private readonly ConcurrentDictionary<(string Component, string Topic), InMemorySubscriber[]> _topics = new();

    internal InMemorySubscriber[] SubscribersOf(string component, string topic) =>
        _topics.TryGetValue((component, topic), out var subscribers) ? subscribers : [];

    internal void Add(string component, string topic, InMemorySubscriber subscriber) =>
        _topics.AddOrUpdate((component, topic), _ => [subscriber], (_, old) => [.. old, subscriber]);

    internal void Remove(string component, string topic, InMemorySubscriber subscriber) =>
        _topics.AddOrUpdate((component, topic), _ => [], (_, old) => old.Where(s => s != subscriber).ToArray());
}
