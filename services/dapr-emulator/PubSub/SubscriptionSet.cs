using System.Collections.Concurrent;

namespace Suite.DaprEmulator.PubSub;

/// <summary>
/// The live subscriptions of one pub/sub component, so disposing the component stops every one of
/// them before it closes the broker connection they share.
/// </summary>
public sealed class SubscriptionSet<T>
    where T : class, IAsyncDisposable
{
    private readonly ConcurrentDictionary<T, byte> _live = new();

    public void Add(T subscription) => _live.TryAdd(subscription, 0);

    /// <summary>For a subscription that was disposed on its own.</summary>
    public void Remove(T subscription) => _live.TryRemove(subscription, out _);

    public async Task DisposeAllAsync()
    {
        foreach (var subscription in _live.Keys)
        {
            _live.TryRemove(subscription, out _);
            await subscription.DisposeAsync();
        }
    }
}
