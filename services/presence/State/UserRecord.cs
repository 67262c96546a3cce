namespace Suite.Presence.State;

/// <summary>The value under <see cref="StateKeys.User"/>.</summary>
public sealed class UserRecord
{
    public List<ConnectionRecord> Connections { get; set; } = [];

    /// <summary>Incremented with every write, under the record's ETag; PresenceChanged.version.</summary>
    public ulong Version { get; set; }

    public DateTimeOffset? LastSeen { get; set; }

    /// <summary>A copy to change: connections are replaced, never changed in place, so the list is copied and they are not.</summary>
    public UserRecord Copy() => new() { Connections = [.. Connections], Version = Version, LastSeen = LastSeen };
}
