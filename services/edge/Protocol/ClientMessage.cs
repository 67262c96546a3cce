namespace Suite.Edge.Protocol;

/// <summary>A parsed client frame. The user is never part of it: it comes from the token's <c>sub</c>.</summary>
/// <param name="Id">The client's optional correlation id, echoed as <c>ref</c> in replies about this frame.</param>
public abstract record ClientMessage(string? Id)
{
    /// <summary>The wire <c>type</c>, one of <see cref="ClientMessageTypes"/>.</summary>
    public abstract string Type { get; }
}
