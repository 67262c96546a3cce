namespace Suite.DaprEmulator.Components;

/// <summary>
/// A resources file the emulator cannot run with. The message names the file and the field so an
/// operator can fix the YAML without reading code; the emulator stops at start on it, as daprd does.
/// </summary>
public sealed class ComponentConfigurationException(string filePath, string? field, string problem)
    : Exception(field is null ? $"{filePath}: {problem}" : $"{filePath}: field '{field}': {problem}")
{
    public string FilePath { get; } = filePath;

    public string? Field { get; } = field;
}
