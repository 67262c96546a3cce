namespace Suite.DaprEmulator.CloudEvents;

/// <summary>A publish whose payload or metadata cannot become a CloudEvent; reported as InvalidArgument.</summary>
public sealed class InvalidCloudEventException(string problem) : Exception(problem);
