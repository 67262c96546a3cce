namespace Suite.ServiceDefaults.State;

/// <summary>
/// A read-modify-write lost to concurrent writers on every allowed attempt. Nothing was written by
/// the failed call, so it is safe to retry; <see cref="StateErrorInterceptor"/> answers ABORTED.
/// </summary>
public sealed class StateContentionException(string key, int attempts)
    : Exception($"state key '{key}' changed concurrently under {attempts} consecutive attempts; retry the call")
{
    public string Key { get; } = key;

    public int Attempts { get; } = attempts;
}
