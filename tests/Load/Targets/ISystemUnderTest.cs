namespace Suite.Load.Targets;

/// <summary>
/// The servers a scenario runs against. Implementations start what they need and stop all of it on
/// dispose; later modes (multi-process over Redis or NATS, the peers) add implementations.
/// </summary>
internal interface ISystemUnderTest : IAsyncDisposable
{
    /// <summary>A short name written into the result ("edge", "urls", …).</summary>
    string Mode { get; }

    IReadOnlyList<EdgeTarget> Edges { get; }

    /// <summary>The HS256 key the edges accept; tokens are minted with it.</summary>
    string SigningKey { get; }

    /// <summary>What is known of how the servers run (GC mode, settings), for the result.</summary>
    IReadOnlyDictionary<string, string> Description { get; }
}
