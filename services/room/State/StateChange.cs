namespace Suite.Room.State;

/// <summary>One operation of a state transaction: an upsert of <paramref name="Value"/>, or a delete when it is null.</summary>
/// <param name="ETag">Only if the stored version is still this one; null = unconditional.</param>
internal sealed record StateChange(string Key, object? Value, string? ETag = null, TimeSpan? Ttl = null);
