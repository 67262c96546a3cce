namespace Suite.Load.Clients;

/// <summary>
/// One simulated user's connection, whatever protocol the system under test speaks (the suite's
/// protocol v1, or SignalR's hub protocol for the SignalR peer). Scenarios use only this, so every
/// system gets exactly the same load.
/// </summary>
internal interface IGatewayClient : IAsyncDisposable
{
    /// <summary>The client's number in the run; user ids are derived from it.</summary>
    int Index { get; }

    /// <summary>The token's <c>sub</c>.</summary>
    string UserId { get; }

    /// <summary>Set when the connection ended without our asking (server close, reset), with the reason.</summary>
    string? Lost { get; }

    /// <summary>Scenario state attached to this client (e.g. its received-message bitmap).</summary>
    object? State { get; set; }

    /// <summary>Connects to <paramref name="edge"/> and authenticates; returns the time until the server accepted the token.</summary>
    /// <param name="invoker">Opens the TCP connection (it spreads them over loopback source addresses).</param>
    Task<TimeSpan> ConnectAsync(Targets.EdgeTarget edge, string token, HttpMessageInvoker invoker, CancellationToken cancellationToken);

    /// <summary>Joins a room and completes once the server confirmed it (later room messages reach this client).</summary>
    Task JoinAsync(string roomId, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="content"/> (a JSON string value on the wire) to every other member of the room.</summary>
    Task SendToRoomAsync(string roomId, string content, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="content"/> to every connection of another user; <see cref="NotSupportedException"/> where the protocol has no such message.</summary>
    Task SendDirectAsync(string toUserId, string content, CancellationToken cancellationToken);

    /// <summary>Drops the connection at once, without a close handshake (what a crashed client or a dead network does).</summary>
    void Abort();
}
