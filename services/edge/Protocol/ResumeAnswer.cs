namespace Suite.Edge.Protocol;

/// <summary>
/// The answer to a join with <c>since</c>: recovered, and how many missed messages follow; or not
/// (nothing follows, and the client reloads what it shows from its own backend).
/// </summary>
public readonly record struct ResumeAnswer(bool Recovered, int Missed)
{
    public static ResumeAnswer NotRecovered => new(false, 0);
}
