namespace Suite.Presence.State;

/// <summary>What one read-modify-write attempt decided: whether to save the changed value, and what to report.</summary>
public readonly record struct Update<TResult>(bool Write, TResult Result)
{
    public static Update<TResult> Save(TResult result) => new(true, result);

    public static Update<TResult> Keep(TResult result) => new(false, result);
}
