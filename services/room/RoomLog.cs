namespace Suite.Room;

internal static partial class RoomLog
{
    [LoggerMessage(1, LogLevel.Warning, "Publishing {Type} for room {RoomId} failed; the membership change stands")]
    public static partial void MembershipEventFailed(ILogger logger, string type, string roomId, Exception exception);


    [LoggerMessage(3, LogLevel.Information, "Edge {EdgeId} ({Change}, incarnation {Incarnation}) dropped from {Rooms} rooms and {Channels} channels")]
    public static partial void EdgeDropped(ILogger logger, string edgeId, string change, string incarnation, int rooms, int channels);

    [LoggerMessage(4, LogLevel.Information, "Ignored {Change} of edge {EdgeId} incarnation {Incarnation}: incarnation {Current} is live")]
    public static partial void StaleEdgeEvent(ILogger logger, string change, string edgeId, string incarnation, string current);

    [LoggerMessage(5, LogLevel.Warning, "Unreadable presence.edges event dropped")]
    public static partial void BadEdgeEvent(ILogger logger, Exception exception);

    [LoggerMessage(6, LogLevel.Warning, "Room {RoomId} message {Seq} was stored but publishing it failed")]
    public static partial void PublishFailed(ILogger logger, string roomId, ulong seq, Exception exception);

    [LoggerMessage(7, LogLevel.Warning, "Room replica {ReplicaId} could not renew its owner lease")]
    public static partial void ReplicaLeaseFailed(ILogger logger, string replicaId, Exception exception);

    [LoggerMessage(8, LogLevel.Information, "Room {RoomId} taken over by replica {ReplicaId} (term {Term}, seq {Seq}, {Members} members)")]
    public static partial void RoomTakenOver(ILogger logger, string roomId, string replicaId, long term, ulong seq, int members);

    [LoggerMessage(9, LogLevel.Warning, "Room {RoomId}: a state transaction of term {Term} failed; the room is unloaded and reloaded on its next call (taken over by another replica: {Fenced})")]
    public static partial void CommitFailed(ILogger logger, string roomId, long term, bool fenced, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Room replica {ReplicaId} lost its lease; its {Rooms} rooms are unloaded")]
    public static partial void LeaseLost(ILogger logger, string replicaId, int rooms);

    [LoggerMessage(11, LogLevel.Debug, "Room {RoomId}: another replica won the takeover; resolving the owner again")]
    public static partial void TakeoverLost(ILogger logger, string roomId, Exception exception);
}
