using Suite.DaprEmulator.PubSub.InMemory;

namespace Suite.DaprEmulator.Components;

/// <summary>What every component gets besides its own metadata.</summary>
/// <param name="SharedInMemoryBus">Set when several sidecars in one process share in-memory pub/sub.</param>
public sealed record ComponentContext(string AppId, ILoggerFactory LoggerFactory, TimeProvider Time, InMemoryBus? SharedInMemoryBus = null);
