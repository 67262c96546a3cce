namespace Suite.DaprEmulator.Subscriptions;

/// <summary>How a subscription came to be, as daprd's metadata API names it.</summary>
public enum SubscriptionType
{
    Declarative,
    Programmatic,
    Streaming,
}

/// <summary>One active subscription as the metadata API lists it.</summary>
public sealed record ListedSubscription(AppSubscription Subscription, SubscriptionType Type)
{
    /// <summary>The rules in order, the default route last with an empty match, as daprd lists them.</summary>
    public IEnumerable<RouteRule> Rules =>
        Subscription.Rules
            .Concat(Subscription.DefaultPath is { } path ? [new RouteRule("", path)] : [])
            .Select(rule => rule with { Path = "/" + rule.Path });
}

/// <summary>The subscriptions currently active, as the metadata API reports them.</summary>
public sealed class SubscriptionDirectory
{
    private readonly Lock _gate = new();
    private IReadOnlyList<ListedSubscription> _app = [];
    private readonly List<ListedSubscription> _streams = [];
    private volatile IReadOnlyList<ListedSubscription> _current = [];

    public IReadOnlyList<ListedSubscription> Current => _current;

    public void SetAppSubscriptions(IEnumerable<AppSubscription> declarative, IEnumerable<AppSubscription> programmatic)
    {
        lock (_gate)
        {
            _app = [.. declarative.Select(s => new ListedSubscription(s, SubscriptionType.Declarative)), .. programmatic.Select(s => new ListedSubscription(s, SubscriptionType.Programmatic))];
            Publish();
        }
    }

    /// <summary>Lists a streaming subscription until the result is disposed.</summary>
    public IDisposable AddStream(AppSubscription subscription)
    {
        var listed = new ListedSubscription(subscription, SubscriptionType.Streaming);
        lock (_gate)
        {
            _streams.Add(listed);
            Publish();
        }

        return new Unlisting(this, listed);
    }

    private void Remove(ListedSubscription listed)
    {
        lock (_gate)
        {
            _streams.Remove(listed);
            Publish();
        }
    }

    private void Publish() => _current = [.. _app, .. _streams];

    private sealed class Unlisting(SubscriptionDirectory directory, ListedSubscription listed) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                directory.Remove(listed);
            }
        }
    }
}
