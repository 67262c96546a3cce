using Suite.DaprEmulator.PubSub;

namespace Suite.DaprEmulator.Components;

/// <summary>The pub/sub components and state stores this sidecar loaded, by name.</summary>
public sealed class ComponentRegistry : IAsyncDisposable
{
    private int _disposed;

    private ComponentRegistry(Dictionary<string, IPubSub> pubSubs, Dictionary<string, StateStoreEntry> stateStores)
    {
        PubSubs = pubSubs;
        StateStores = stateStores;
    }

    public IReadOnlyDictionary<string, IPubSub> PubSubs { get; }

    public IReadOnlyDictionary<string, StateStoreEntry> StateStores { get; }

    /// <summary>
    /// Builds every component, validating all metadata before anything connects, so a bad file
    /// stops the sidecar at start with its name and field.
    /// </summary>
    public static ComponentRegistry Create(IReadOnlyList<ComponentDefinition> definitions, ComponentContext context, string? kubernetesNamespace)
    {
        var pubSubs = new Dictionary<string, IPubSub>(StringComparer.Ordinal);
        var stores = new Dictionary<string, StateStoreEntry>(StringComparer.Ordinal);
        foreach (var definition in definitions)
        {
            ComponentFactory.EnsureKnown(definition);
            if (ComponentFactory.IsPubSub(definition))
            {
                pubSubs[definition.Name] = ComponentFactory.CreatePubSub(WithDefaultConsumerId(definition, context.AppId), context);
            }
            else
            {
                var prefix = StateStoreEntry.PrefixFor(definition, context.AppId, kubernetesNamespace);
                stores[definition.Name] = new StateStoreEntry(definition.Name, ComponentFactory.CreateStateStore(definition, context), prefix);
            }
        }

        return new ComponentRegistry(pubSubs, stores);
    }

    public async Task InitAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(PubSubs.Values.Select(p => p.InitAsync(cancellationToken))
            .Concat(StateStores.Values.Select(s => s.Store.InitAsync(cancellationToken))));
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var pubSub in PubSubs.Values)
        {
            await pubSub.DisposeAsync();
        }

        foreach (var store in StateStores.Values)
        {
            await store.Store.DisposeAsync();
        }
    }

    // daprd sets consumerID to the app id when it is empty, so replicas of one app share a group
    // (dapr: pkg/runtime/processor/pubsub/pubsub.go).
    private static ComponentDefinition WithDefaultConsumerId(ComponentDefinition definition, string appId)
    {
        if (definition.Metadata.GetString("consumerID") is not null)
        {
            return definition;
        }

        var values = definition.Metadata.Values.Where(kv => !string.Equals(kv.Key, "consumerID", StringComparison.OrdinalIgnoreCase))
            .Append(new("consumerID", appId));
        return definition with { Metadata = new ComponentMetadata(values, definition.FilePath) };
    }
}
