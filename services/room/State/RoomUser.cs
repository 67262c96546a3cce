using System.Text.Json.Serialization;

namespace Suite.Room.State;

internal sealed class RoomUser
{
    public DateTimeOffset JoinedAt { get; set; }

    /// <summary>Connection id to the edge it is on.</summary>
    public Dictionary<string, string> Connections { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Connection id to the edge lease it joined under; connections whose edge sent none are absent.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, LeaseTag>? Leases { get; set; }

    public LeaseTag? LeaseOf(string connectionId) => Leases?.GetValueOrDefault(connectionId);

    /// <summary>The leases without <paramref name="connectionIds"/>; null when none is left.</summary>
    public Dictionary<string, LeaseTag>? LeasesWithout(IEnumerable<string> connectionIds)
    {
        if (Leases is null)
        {
            return null;
        }

        var left = new Dictionary<string, LeaseTag>(Leases, StringComparer.Ordinal);
        foreach (var id in connectionIds)
        {
            left.Remove(id);
        }

        return left.Count == 0 ? null : left;
    }

    /// <summary>The leases with <paramref name="connectionId"/> under <paramref name="lease"/> (or without it, for none).</summary>
    public static Dictionary<string, LeaseTag>? LeasesWith(RoomUser? user, string connectionId, LeaseTag? lease)
    {
        if (lease is null)
        {
            return user?.LeasesWithout([connectionId]);
        }

        return new Dictionary<string, LeaseTag>(user?.Leases ?? [], StringComparer.Ordinal) { [connectionId] = lease };
    }
}
