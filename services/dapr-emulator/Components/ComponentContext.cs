namespace Suite.DaprEmulator.Components;

/// <summary>What every component gets besides its own metadata.</summary>
public sealed record ComponentContext(string AppId, ILoggerFactory LoggerFactory, TimeProvider Time);
