using System.Text;
using Suite.Room.Messaging;
using Suite.Room.State;

namespace Suite.Room.Owners;

/// <summary>The last messages of an owned room, by seq, as many as the history keeps.</summary>
/// <remarks>
/// A slot copies its message into bytes it reuses lap after lap instead of holding the message: the
/// history outlives two collections (100 messages are ~10 s of a room at 10 a second), so every
/// message object and its three strings were promoted to the oldest generation and died there, the
/// most the room promoted once the idempotency keys were structs. A message read back (history, a
/// repeat) is a new object; those reads are rare next to the writes.
/// </remarks>
internal sealed class RecentMessages(int capacity)
{
    // A buffer this many times larger than what it holds is given up, so one large message does not
    // pin its size in the slot for good.
    private const int MaxSlack = 4;
    private const int MinBuffer = 256;

    private readonly Slot[] _ring = new Slot[capacity];

    public int Capacity => capacity;

    public void Add(StoredMessage message)
    {
        ref var slot = ref _ring[message.Seq % (ulong)capacity];
        var userBytes = Encoding.UTF8.GetByteCount(message.UserId);
        var length = userBytes + Encoding.UTF8.GetByteCount(message.ContentJson);
        if (slot.Text is null || slot.Text.Length < length || (slot.Text.Length > MinBuffer && slot.Text.Length / MaxSlack > length))
        {
            slot.Text = new byte[Math.Max(MinBuffer, length)];
        }

        Encoding.UTF8.GetBytes(message.UserId, slot.Text);
        Encoding.UTF8.GetBytes(message.ContentJson, slot.Text.AsSpan(userBytes));
        slot.UserIdBytes = userBytes;
        slot.ContentBytes = length - userBytes;
        slot.OtherId = MessageIds.TryCompact(message.Id, out slot.Id) ? null : message.Id;
        slot.Json = message.Json;
        slot.Timestamp = message.Timestamp;
        slot.Seq = message.Seq;
    }

    public StoredMessage? Get(ulong seq)
    {
        ref readonly var slot = ref _ring[seq % (ulong)capacity];
        if (slot.Seq != seq || slot.Text is null)
        {
            return null;
        }

        return new StoredMessage
        {
            Id = slot.OtherId ?? MessageIds.Expand(slot.Id),
            Seq = slot.Seq,
            Timestamp = slot.Timestamp,
            UserId = Encoding.UTF8.GetString(slot.Text, 0, slot.UserIdBytes),
            ContentJson = Encoding.UTF8.GetString(slot.Text, slot.UserIdBytes, slot.ContentBytes),
            Json = slot.Json,
        };
    }

    private struct Slot
    {
        public ulong Seq;
        public long Timestamp;
        public Guid Id;
        // The sender's id then the content, UTF-8, at the start of a buffer kept from lap to lap.
        public byte[]? Text;
        public int UserIdBytes;
        public int ContentBytes;
        // Null for every message this service writes (see MessageIds.TryCompact and StoredMessage.Json).
        public string? OtherId;
        public string? Json;
    }
}
