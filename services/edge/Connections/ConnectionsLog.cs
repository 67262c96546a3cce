namespace Suite.Edge.Connections;

internal static partial class ConnectionsLog
{
    [LoggerMessage(1, LogLevel.Debug, "Connection {ConnectionId} opened")]
    public static partial void Opened(ILogger logger, string connectionId);

    [LoggerMessage(2, LogLevel.Information, "Connection {ConnectionId} of {UserId} closed with {CloseCode}: {Reason}")]
    public static partial void Closed(ILogger logger, string connectionId, string? userId, int closeCode, string reason);

    [LoggerMessage(3, LogLevel.Debug, "Connection {ConnectionId} is now {State}")]
    public static partial void StateChanged(ILogger logger, string connectionId, ConnectionState state);

    [LoggerMessage(4, LogLevel.Information, "Connection {ConnectionId} failed to authenticate: {Reason}")]
    public static partial void AuthFailed(ILogger logger, string connectionId, string reason);

    [LoggerMessage(5, LogLevel.Warning, "Connection {ConnectionId}: upstream call {Call} failed: {Reason}")]
    public static partial void UpstreamFailed(ILogger logger, string connectionId, string call, string reason);

    [LoggerMessage(6, LogLevel.Information, "Connection {ConnectionId} of {UserId} refused frame: {Code} {Message}")]
    public static partial void ProtocolError(ILogger logger, string connectionId, string? userId, string code, string message);

    [LoggerMessage(7, LogLevel.Information, "Connection {ConnectionId} of {UserId} refused: the user holds {Max} connections on this edge already")]
    public static partial void UserCapReached(ILogger logger, string connectionId, string userId, int max);

    [LoggerMessage(8, LogLevel.Debug, "Connection {ConnectionId} did not finish closing within {Timeout}; its socket is aborted")]
    public static partial void CloseTimedOut(ILogger logger, string connectionId, TimeSpan timeout);

    [LoggerMessage(9, LogLevel.Information, "Connection {ConnectionId}: presence knows it now, after its Connect failed at first")]
    public static partial void PresenceConnectRepaired(ILogger logger, string connectionId);

    [LoggerMessage(10, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void Failed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(11, LogLevel.Warning, "Accepting on {EndPoint} failed with {Error}; trying again in {Retry}")]
    public static partial void AcceptFailed(ILogger logger, string endPoint, System.Net.Sockets.SocketError error, TimeSpan retry);
}
