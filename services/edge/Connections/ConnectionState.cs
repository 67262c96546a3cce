namespace Suite.Edge.Connections;

/// <summary>
/// A connection's life: Connecting (upgrade accepted) → Authenticating (waiting for a token) →
/// Active ⇄ Idle (no client frame for a while) → Closing → Closed. Only Active and Idle
/// connections are in the routing index and receive deliveries.
/// </summary>
public enum ConnectionState
{
    Connecting,
    Authenticating,
    Active,
    Idle,
    Closing,
    Closed,
}
