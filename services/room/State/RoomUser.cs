namespace Suite.Room.State;

internal sealed class RoomUser
{
    public DateTimeOffset JoinedAt { get; set; }

    /// <summary>Connection id to the edge it is on.</summary>
    public Dictionary<string, string> Connections { get; set; } = new(StringComparer.Ordinal);
}
