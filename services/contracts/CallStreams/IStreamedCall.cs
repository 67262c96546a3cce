namespace Suite.Contracts.CallStreams;

/// <summary>
/// A call on a <c>Calls</c> stream (room.proto <c>RoomCall</c>, presence.proto <c>PresenceCall</c>):
/// the id its reply carries back, the caller's timeout and trace context, so one stream machinery
/// serves them all.
/// </summary>
public interface IStreamedCall
{
    ulong Id { get; set; }

    uint TimeoutMs { get; set; }

    string Traceparent { get; set; }

    string Tracestate { get; set; }
}
