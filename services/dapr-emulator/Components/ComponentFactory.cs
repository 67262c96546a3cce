using Suite.DaprEmulator.PubSub;
using Suite.DaprEmulator.PubSub.InMemory;
using Suite.DaprEmulator.PubSub.Jetstream;
using Suite.DaprEmulator.PubSub.Redis;
using Suite.DaprEmulator.State;
using Suite.DaprEmulator.State.InMemory;
using Suite.DaprEmulator.State.Redis;

namespace Suite.DaprEmulator.Components;

/// <summary>The component types the emulator implements, by their daprd <c>spec.type</c>.</summary>
public static class ComponentFactory
{
    private static readonly Dictionary<string, Func<ComponentDefinition, ComponentContext, IPubSub>> PubSubs = new(StringComparer.Ordinal)
    {
        ["pubsub.in-memory"] = (d, c) => new InMemoryPubSub(d, c),
        ["pubsub.redis"] = (d, c) => new RedisPubSub(d, c),
        ["pubsub.jetstream"] = (d, c) => new JetStreamPubSub(d, c),
    };

    private static readonly Dictionary<string, Func<ComponentDefinition, ComponentContext, IStateStore>> StateStores = new(StringComparer.Ordinal)
    {
        ["state.in-memory"] = (d, c) => new InMemoryStateStore(d, c),
        ["state.redis"] = (d, c) => new RedisStateStore(d, c),
    };

    public static bool IsPubSub(ComponentDefinition definition) => definition.Type.StartsWith("pubsub.", StringComparison.Ordinal);

    public static IPubSub CreatePubSub(ComponentDefinition definition, ComponentContext context) =>
        PubSubs.TryGetValue(definition.Type, out var create) ? create(definition, context) : throw Unknown(definition);

    public static IStateStore CreateStateStore(ComponentDefinition definition, ComponentContext context) =>
        StateStores.TryGetValue(definition.Type, out var create) ? create(definition, context) : throw Unknown(definition);

    public static void EnsureKnown(ComponentDefinition definition)
    {
        if (!PubSubs.ContainsKey(definition.Type) && !StateStores.ContainsKey(definition.Type))
        {
            throw Unknown(definition);
        }

        if (definition.Version != "v1")
        {
            throw new ComponentConfigurationException(definition.FilePath, "spec.version", $"'{definition.Version}' is not a version of {definition.Type}; use v1");
        }
    }

    private static ComponentConfigurationException Unknown(ComponentDefinition definition) =>
        new(definition.FilePath, "spec.type", $"unknown component type '{definition.Type}'; the emulator supports {string.Join(", ", PubSubs.Keys.Concat(StateStores.Keys))}");
}
