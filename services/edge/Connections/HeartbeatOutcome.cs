namespace Suite.Edge.Connections;

/// <summary>What one keep-alive step did for a connection.</summary>
public enum HeartbeatOutcome
{
    None,
    Pinged,

    /// <summary>No byte from the client within the heartbeat timeout after a ping.</summary>
    Dead,
}
