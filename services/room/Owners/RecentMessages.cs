using Suite.Room.State;

namespace Suite.Room.Owners;

/// <summary>The last messages of an owned room, by seq, as many as the history keeps.</summary>
internal sealed class RecentMessages(int capacity)
{
    private readonly StoredMessage?[] _ring = new StoredMessage?[capacity];

    public int Capacity => capacity;

    public void Add(StoredMessage message) => _ring[message.Seq % (ulong)capacity] = message;

    public StoredMessage? Get(ulong seq) => _ring[seq % (ulong)capacity] is { } message && message.Seq == seq ? message : null;
}
