namespace Suite.DaprEmulator.Subscriptions;

/// <summary>The subscriptions currently active, as the metadata API reports them.</summary>
public sealed class SubscriptionDirectory
{
    private volatile IReadOnlyList<AppSubscription> _current = [];

    public IReadOnlyList<AppSubscription> Current => _current;

    public void Set(IReadOnlyList<AppSubscription> subscriptions) => _current = subscriptions;
}
