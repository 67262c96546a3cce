namespace Suite.Contracts.CallStreams;

/// <summary>
/// A call on a <c>Calls</c> stream (room.proto <c>RoomCall</c>, presence.proto <c>PresenceCall</c>):
/// the id its reply carries back and the caller's timeout, so one stream machinery serves them all.
/// </summary>
public interface IStreamedCall
{
    ulong Id { get; set; }

    uint TimeoutMs { get; set; }
}
