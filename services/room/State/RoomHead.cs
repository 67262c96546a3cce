namespace Suite.Room.State;

// The last message rides with the counter, so the seq and its message are written in one ETag-guarded
// save: a seq never exists without its message even if the history slot write that follows fails,
// and the next publish writes that slot again.
internal sealed class RoomHead
{
    public ulong Seq { get; set; }

    public StoredMessage? Last { get; set; }
}
