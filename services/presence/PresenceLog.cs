namespace Suite.Presence;

internal static partial class PresenceLog
{
    [LoggerMessage(1, LogLevel.Information, "edge {EdgeId} registered as incarnation {Incarnation} for {LeaseDuration}")]
    public static partial void EdgeRegistered(ILogger logger, string edgeId, string incarnation, TimeSpan leaseDuration);

    [LoggerMessage(2, LogLevel.Information, "lease of edge {EdgeId} incarnation {Incarnation} ended ({Change}); {Removed} connections dropped")]
    public static partial void LeaseEnded(ILogger logger, string edgeId, string incarnation, string change, int removed);

    [LoggerMessage(3, LogLevel.Warning, "dropping the connections of edge {EdgeId} incarnation {Incarnation} failed; the sweeper retries")]
    public static partial void CleanupFailed(ILogger logger, Exception exception, string edgeId, string incarnation);

    [LoggerMessage(4, LogLevel.Warning, "publishing {Topic} failed")]
    public static partial void PublishFailed(ILogger logger, Exception exception, string topic);

    [LoggerMessage(5, LogLevel.Warning, "lease sweep failed")]
    public static partial void SweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(8, LogLevel.Error, "the presence.edges outbox holds {Limit} events: dropped {Dropped} oldest (edge {EdgeId}); rooms may keep fanning out to an edge that is gone until it registers again")]
    public static partial void EdgeEventsDropped(ILogger logger, int limit, int dropped, string edgeId);

    [LoggerMessage(7, LogLevel.Debug, "connection {ConnectionId} of user {UserId} closed on edge {EdgeId}: {Reason}")]
    public static partial void Disconnected(ILogger logger, string connectionId, string userId, string edgeId, string reason);
}
