namespace Suite.Edge.Connections;

/// <summary>What the start of a connection says so far (<see cref="UpgradeRequest.Parse"/>).</summary>
public enum UpgradeParse
{
    NeedMore,

    /// <summary>Anything but a well-formed WebSocket upgrade to /ws: Kestrel's HTTP pipeline serves it.</summary>
    NotOurs,

    Ours,
}
